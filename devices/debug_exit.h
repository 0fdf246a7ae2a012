/* SPDX-License-Identifier: MIT */
/* QEMU's isa-debug-exit: see debug_exit.c. */
#ifndef DEVICES_DEBUG_EXIT_H
#define DEVICES_DEBUG_EXIT_H

#include <stdint.h>

struct device_ops;

/* The exit status a write of v asks for: (v << 1) | 1, as the shell sees it. */
int debug_exit_status(uint64_t v);

extern const struct device_ops debug_exit_device;

#endif
