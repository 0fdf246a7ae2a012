/* SPDX-License-Identifier: MIT */
/* One vCPU: its KVM fd, its shared kvm_run page, its thread and its exit counters. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "exit_stats.h"
#include "kvm_stats.h"
#include "../firmware/loader.h"

struct vm;

#define VCPU_EXIT_REASONS EXIT_STATS_REASONS

/* Where a vCPU's thread is: what a person asking why the guest waits needs first. */
enum vcpu_where { VCPU_NOT_STARTED, VCPU_IN_KVM_RUN, VCPU_IN_HANDLER, VCPU_ENDED };

/* The vCPU's state as KVM holds it; only its own thread may ask while it runs. */
struct vcpu_snapshot {
	struct kvm_regs regs;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;
	int err; /* -errno of the first ioctl that failed */
};

struct vcpu {
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	int started;	    /* the main thread's: there is a thread to join */
	atomic_int running; /* the thread's own, before its first KVM_RUN: a signal reaches it */
	struct vm *vm;
	uint64_t exits[VCPU_EXIT_REASONS]; /* by KVM_EXIT_* reason */
	/* Written by the vCPU thread around each exit (relaxed stores: no cost worth naming). */
	atomic_int where;		  /* enum vcpu_where */
	_Atomic uint32_t where_exit;	  /* VCPU_IN_HANDLER: the KVM_EXIT_* being handled */
	_Atomic uint64_t where_addr;	  /* and its port or MMIO address */
	atomic_uint snap_want, snap_done; /* snapshot requests, answered on the next EINTR */
	struct vcpu_snapshot snap;
	struct kvm_stats stats;
	/* --stats or --trace: set before the thread starts, the one test on the exit path. */
	bool observe;
	struct exit_stats st; /* --stats only */
};

struct vcpu *vcpu_create(struct vm *vm, int id);
void vcpu_destroy(struct vcpu *v);
/*
 * Registers for the boot entry of k (BSP only); boot_arg is %rsi (boot_params) or %ebx
 * (hvm_start_info, or the multiboot info block with %eax = MB_BOOT_MAGIC).
 */
int vcpu_set_boot_regs(struct vcpu *v, const struct kernel_image *k, uint64_t boot_arg);
int vcpu_start(struct vcpu *v);
/* Make the vCPU leave KVM_RUN soon; safe from any thread. */
void vcpu_kick(struct vcpu *v);
void vcpu_join(struct vcpu *v);
void vcpu_dump_regs(struct vcpu *v);
/*
 * Print where the vCPU is and what KVM says of it (registers, RFLAGS.IF, pending events,
 * the LAPIC's IRR/ISR and timer, our and KVM's exit counters) on stderr. A running vCPU is
 * kicked out of KVM_RUN for its snapshot; one that does not come out within 200 ms is
 * reported as stuck inside KVM, with what can be read without it.
 */
void vcpu_describe(struct vcpu *v);

#endif
