/* SPDX-License-Identifier: MIT */
/*
 * The one hook every thread of the VMM calls when it starts, naming its kind, before it
 * touches anything a guest controls: the VMM (vmm/sandbox.c) installs that kind's seccomp
 * allow-list there. Devices and base/ call it without knowing what it does; with no hook
 * registered (unit tests, --seccomp off) it does nothing.
 */
#ifndef BASE_SANDBOX_H
#define BASE_SANDBOX_H

/* The thread kinds, each with its allow-list in vmm/sandbox.c (docs/sandbox.md). */
enum sandbox_kind {
	SANDBOX_MAIN,	/* set-up, then the console, signals, resamplefds, reboots */
	SANDBOX_VCPU,	/* KVM_RUN and the exits it returns */
	SANDBOX_BLK_IO, /* a virtio-blk device's I/O thread */
	SANDBOX_PIT,	/* --pit user's timer thread */
	SANDBOX_RTC,	/* the CMOS RTC's timer thread */
	SANDBOX_OUTQ,	/* an output queue's writer (a UART's, the debug console's) */
	SANDBOX_GDB,	/* --gdb's stub */
	SANDBOX_KINDS,
};

/* The calling thread is of this kind: from now on it may do only what the kind may. */
void sandbox_enter(enum sandbox_kind kind);
/* What sandbox_enter calls; NULL for nothing. Set before any thread calls sandbox_enter. */
void sandbox_set_hook(void (*hook)(enum sandbox_kind kind));

#endif
