/* SPDX-License-Identifier: MIT */
/*
 * --stats: where each vCPU's time went and which exits cost it, kept by the vCPU's own
 * thread (no lock, no allocation: plain counters in struct vcpu) and only when --stats was
 * given, so the exit path without it pays one predicted branch. Read by the main thread for
 * SIGUSR2 and at exit: a counter read while its vCPU runs may be one exit behind.
 */
#ifndef VMM_EXIT_STATS_H
#define VMM_EXIT_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "../base/bus.h"

#define EXIT_STATS_REASONS   64 /* KVM_EXIT_* numbers kept; more share the last slot */
#define EXIT_STATS_UNCLAIMED 32 /* distinct unclaimed ports/addresses listed per vCPU */

struct exit_stats_unclaimed {
	uint64_t addr;
	uint64_t n; /* 0: a free slot */
	int space;  /* enum bus_space */
};

struct exit_stats {
	uint64_t t_start, t_last; /* timeline_now_ns: the thread's start, the last return */
	uint64_t run_ns, vmm_ns;  /* inside KVM_RUN; outside it (handling, our loop) */
	uint64_t reason_ns[EXIT_STATS_REASONS];
	uint64_t range_n[BUS_NR][BUS_MAX_RANGES]; /* exits by bus range (base/bus.h index) */
	uint64_t range_ns[BUS_NR][BUS_MAX_RANGES];
	struct exit_stats_unclaimed uncl[EXIT_STATS_UNCLAIMED];
	uint64_t uncl_other;	      /* unclaimed accesses the full table had no slot for */
	uint64_t uncl_exits, uncl_ns; /* the exits that carried unclaimed accesses */
};

/* "KVM_EXIT_IO" for 2 (linux/kvm.h), "KVM_EXIT_<n>" in buf for numbers it does not know. */
const char *kvm_exit_name(uint32_t reason, char *buf, size_t len);
/* One exit that reached a bus: range the one that took it (NULL: unclaimed, then its count
 * accesses go into the unclaimed table), ns its cost. */
void exit_stats_access(struct exit_stats *s, const struct bus *bus, enum bus_space space,
		       uint64_t addr, const struct bus_range *range, uint32_t count, uint64_t ns);

struct vm;
/* The totals and per-vCPU tables, as text lines "vmm: ..." or one JSON object, on f. */
void exit_stats_print_text(struct vm *vm, FILE *f);
void exit_stats_print_json(struct vm *vm, FILE *f);
/* The per-vCPU part of the text (vcpu_describe): reasons with times, where time went. */
struct vcpu;
void exit_stats_print_vcpu(const struct vcpu *v, FILE *f);

#endif
