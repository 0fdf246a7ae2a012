/* SPDX-License-Identifier: MIT */
/* Hypercalls through port I/O: see base/hypercall.h and devices/hypercall.c. */
#ifndef DEVICES_HYPERCALL_H
#define DEVICES_HYPERCALL_H

#include <stdint.h>

struct device_host;
struct device_ops;
struct hypercall;

/* A hypercall handler on host h (HC_PUTS goes to h->console_out). */
struct hypercall *hypercall_new(const struct device_host *h);
/*
 * Call `call` with its block at gpa, as a guest's OUT to HC_PORT(call) does: the result
 * written into the block, and returned; -EFAULT (negative errno) for a block that could
 * not be answered. The unit tests and the fuzz target drive the ABI through this.
 */
int hypercall_handle(struct hypercall *hc, int call, uint64_t gpa);

extern const struct device_ops hypercall_device;

#endif
