/* SPDX-License-Identifier: MIT */
/*
 * The x86 half of the gdb stub, still without KVM calls: the two target descriptions (i386
 * and i386:x86-64, with the register sets of gdb's own 32bit-core/sse and 64bit-core/sse/
 * segments features), KVM's register structures packed into and out of a g packet, the four
 * debug registers as breakpoints and watchpoints, and what a KVM_EXIT_DEBUG means to gdb.
 */
#ifndef VMM_GDB_X86_H
#define VMM_GDB_X86_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "gdb_rsp.h"

/* What one vCPU's registers are, as KVM gives them. */
struct gdb_x86_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
};

/* The description for a vCPU in this state: x86-64 with EFER.LMA, else i386. */
const struct rsp_arch *gdb_x86_arch_for(const struct kvm_sregs *s);
extern const struct rsp_arch gdb_x86_i386, gdb_x86_amd64;
int gdb_x86_is_amd64(const struct rsp_arch *a);

/* s into a g packet's bytes for a (len >= rsp_regs_size(a)); 0 or -EINVAL. */
int gdb_x86_pack(const struct rsp_arch *a, const struct gdb_x86_state *s, uint8_t *buf, size_t len);
/*
 * A g packet into s, which holds the vCPU's current state: what the packet leaves alone
 * (the high halves of the 64-bit registers under i386) stays. A segment selector cannot be
 * changed this way (its descriptor would have to be loaded from the guest's GDT): -EPERM.
 */
int gdb_x86_unpack(const struct rsp_arch *a, struct gdb_x86_state *s, const uint8_t *buf,
		   size_t len);

/* The debug registers DR0-3 as gdb's Z1-Z4 (SDM vol. 3, 18.2). */
struct gdb_x86_dr {
	uint64_t addr[4];
	uint8_t type[4]; /* enum rsp_bp */
	uint8_t len[4];
	uint8_t used; /* bit n: DRn taken */
};
/* 0, -ENOSPC (all four taken), -EINVAL (a length other than 1, 2, 4, 8 or unaligned). */
int gdb_x86_dr_insert(struct gdb_x86_dr *d, enum rsp_bp type, uint64_t addr, uint64_t len);
int gdb_x86_dr_remove(struct gdb_x86_dr *d, enum rsp_bp type, uint64_t addr, uint64_t len);
uint64_t gdb_x86_dr7(const struct gdb_x86_dr *d);

/* A KVM_EXIT_DEBUG as a stop: #BP a software breakpoint, #DB by DR6. */
void gdb_x86_classify(const struct kvm_debug_exit_arch *e, const struct gdb_x86_dr *d,
		      struct rsp_stop *s);

#endif
