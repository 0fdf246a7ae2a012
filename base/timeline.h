/* SPDX-License-Identifier: MIT */
/*
 * The boot timeline: when each step from exec to the guest's init happened, in ms since the
 * VMM started. Each event keeps its first time only (first writer wins, one atomic
 * compare-and-swap: cheap enough for the exit path, which marks the first serial byte and
 * the guest's markers). --stats and SIGUSR2 print it.
 */
#ifndef BASE_TIMELINE_H
#define BASE_TIMELINE_H

#include <stdio.h>

enum timeline_event {
	TL_SETUP_DONE,	   /* the VM is built, its files loaded: the vCPU threads start */
	TL_FIRST_RUN,	   /* the first KVM_RUN */
	TL_FIRST_SERIAL,   /* the guest's first byte out of ttyS0 */
	TL_DEBUG_FIRMWARE, /* port 0x80 codes (Cloud Hypervisor's debug port): 0x00-0x1f */
	TL_DEBUG_LOADER,   /* 0x20-0x3f */
	TL_DEBUG_KERNEL,   /* 0x40-0x5f */
	TL_DEBUG_USER,	   /* 0x60-0x7f */
	TL_GUEST_MARKER,   /* the boot timer's byte 123 (Firecracker's convention) */
	TL_EXIT,	   /* the VM ended */
	TL_NR_EVENTS
};

void timeline_start(void); /* main(), first thing: the time all others count from */
void timeline_mark(enum timeline_event e);
/* CLOCK_MONOTONIC in ns (a vDSO call, no syscall): the one clock of the timeline, --trace
 * and --stats. */
uint64_t timeline_now_ns(void);
/* t (timeline_now_ns) as ns since timeline_start. */
uint64_t timeline_since_start_ns(uint64_t t);
/* ms since timeline_start, or a negative value if e has not happened */
double timeline_ms(enum timeline_event e);
/* one line "timeline (ms since start): set-up 1.2, first KVM_RUN 1.3, ..." */
void timeline_print(FILE *f, const char *prefix);

#endif
