/* SPDX-License-Identifier: MIT */
/*
 * KVM's own per-vCPU counters (the binary stats fd, KVM_GET_STATS_FD, Linux
 * 5.14+): what the kernel did for a vCPU without telling us, such as the
 * interrupts it injected and the halts it served. Readable from any thread
 * at any time, even while the vCPU is inside KVM_RUN.
 */
#ifndef VMM_KVM_STATS_H
#define VMM_KVM_STATS_H

#include <stdint.h>

/* The counters we show, in this order (KVM's names). */
#define KVM_STATS_NAMES                                                                            \
	"exits", "halt_exits", "halt_wakeup", "irq_injections", "irq_window_exits",                \
	    "nmi_injections", "irq_exits", "signal_exits", "request_irq_exits"
#define KVM_STATS_N 9

struct kvm_stats {
	int fd;			  /* -1: this KVM has no binary stats */
	int64_t off[KVM_STATS_N]; /* file offset of each counter, -1 if KVM lacks it */
};

/* Open vcpu_fd's stats and find our counters; without them s->fd is -1 (not an error). */
void kvm_stats_open(struct kvm_stats *s, int vcpu_fd);
void kvm_stats_close(struct kvm_stats *s);
/* "exits=N halt_exits=N ..." into buf; "not offered by this KVM" without the stats fd. */
void kvm_stats_describe(const struct kvm_stats *s, char *buf, unsigned long len);

#endif
