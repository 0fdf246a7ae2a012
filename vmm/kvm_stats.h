/* SPDX-License-Identifier: MIT */
/*
 * KVM's own counters of a vCPU and of the VM (the binary stats fd, KVM_GET_STATS_FD, Linux
 * 5.14+): what the kernel did without telling us, such as the interrupts it injected, the
 * halts it served, the exits it handled itself, the page sizes it maps guest RAM with.
 * Readable from any thread at any time, even while the vCPU is inside KVM_RUN.
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

/*
 * The VM's (arch/x86/kvm/x86.c kvm_vm_stats_desc): pages_4k/2m/1g are the guest RAM KVM
 * maps in its EPT/NPT (or shadow) tables by page size, the rest its MMU's work.
 */
#define KVM_VM_STATS_NAMES                                                                         \
	"pages_4k", "pages_2m", "pages_1g", "remote_tlb_flush", "mmu_shadow_zapped",               \
	    "mmu_cache_miss", "nx_lpage_splits"
#define KVM_STATS_MAX 16

enum kvm_stats_of { KVM_STATS_VCPU, KVM_STATS_VM };

struct kvm_stats {
	int fd;			    /* -1: this KVM has no binary stats */
	const char *const *names;   /* KVM_STATS_NAMES or KVM_VM_STATS_NAMES */
	int n;			    /* how many */
	int64_t off[KVM_STATS_MAX]; /* file offset of each counter, -1 if KVM lacks it */
};

/* Open a vCPU's or the VM's stats and find our counters; without them s->fd is -1. */
void kvm_stats_open(struct kvm_stats *s, int fd, enum kvm_stats_of of);
void kvm_stats_close(struct kvm_stats *s);
/* Counter k's KVM name. */
const char *kvm_stats_name(const struct kvm_stats *s, int k);
/* Counter k now: 0, or -1 when this KVM does not offer it. */
int kvm_stats_read(const struct kvm_stats *s, int k, uint64_t *v);
/* "exits=N halt_exits=N ..." into buf; "not offered by this KVM" without the stats fd. */
void kvm_stats_describe(const struct kvm_stats *s, char *buf, unsigned long len);

#endif
