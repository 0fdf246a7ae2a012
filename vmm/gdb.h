/* SPDX-License-Identifier: MIT */
/*
 * --gdb: a GDB remote stub over a TCP or Unix socket (docs/gdb.md). The protocol is
 * vmm/gdb_rsp.c, the registers vmm/gdb_x86.c; this is the KVM side: one thread that listens,
 * serves one debugger at a time and stops every vCPU together, and the two calls the vCPU
 * threads make (the gate before each KVM_RUN, and KVM_EXIT_DEBUG).
 */
#ifndef VMM_GDB_H
#define VMM_GDB_H

struct gdb;
struct vm;
struct vcpu;
struct gdb_cfg;

/* The listening socket, before anything runs: 0 or -errno (logged). The VM starts paused. */
int gdb_open(struct vm *vm, const struct gdb_cfg *cfg, struct gdb **out);
/* The stub's thread for one run (vm_run); gdb_end after the vCPUs are joined. */
int gdb_start(struct gdb *g);
void gdb_end(struct gdb *g);
void gdb_close(struct gdb *g);
/* vm_request_end: parked vCPUs must see the end. */
void gdb_vm_ending(struct gdb *g);

/* The vCPU thread, before each KVM_RUN: wait while the debugger holds the machine. */
void gdb_vcpu_gate(struct gdb *g, struct vcpu *v);
/* The vCPU thread on KVM_EXIT_DEBUG: one stop for all. */
void gdb_vcpu_debug(struct gdb *g, struct vcpu *v);

#endif
