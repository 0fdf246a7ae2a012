/* SPDX-License-Identifier: MIT */
/*
 * KVM's own per-vCPU counters (the binary stats fd, KVM_GET_STATS_FD, Linux
 * 5.14+): what the kernel did for a vCPU without telling us, such as the
 * interrupts it injected and the halts it served. Readable from any thread
 * at any time, even while the vCPU is inside KVM_RUN.
 */
#ifndef VMM_KVM_STATS_H
#define VMM_KVM_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The counters we show, in this order (KVM's names, arch/x86/kvm/x86.c and
 * virt/kvm/kvm_main.c): exits counts every hardware exit, io_exits and mmio_exits the
 * port and MMIO accesses among them (served in the kernel or passed on to us),
 * insn_emulation the instructions KVM's emulator ran, halt_wait_ns the time halted.
 */
#define KVM_STATS_NAMES                                                                            \
	"exits", "halt_exits", "halt_wakeup", "irq_injections", "irq_window_exits",                \
	    "nmi_injections", "irq_exits", "signal_exits", "request_irq_exits", "io_exits",        \
	    "mmio_exits", "insn_emulation", "hypercalls", "pf_taken", "halt_wait_ns"
enum kvm_stat {
	KVM_STAT_EXITS,
	KVM_STAT_HALT_EXITS,
	KVM_STAT_IO_EXITS = 9,
	KVM_STAT_MMIO_EXITS,
	KVM_STAT_HALT_WAIT_NS = 14,
	KVM_STATS_N
};

struct kvm_stats {
	int fd;			  /* -1: this KVM has no binary stats */
	int64_t off[KVM_STATS_N]; /* file offset of each counter, -1 if KVM lacks it */
};

/* Open vcpu_fd's stats and find our counters; without them s->fd is -1 (not an error). */
void kvm_stats_open(struct kvm_stats *s, int vcpu_fd);
void kvm_stats_close(struct kvm_stats *s);
/* "exits=N halt_exits=N ..." into buf; "not offered by this KVM" without the stats fd. */
const char *kvm_stats_name(int k);
/* Counter k now: 0, or -1 when this KVM does not offer it. */
int kvm_stats_read(const struct kvm_stats *s, int k, uint64_t *v);
void kvm_stats_describe(const struct kvm_stats *s, char *buf, unsigned long len);

#endif
