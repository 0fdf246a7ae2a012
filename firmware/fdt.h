/* SPDX-License-Identifier: MIT */
/* The machine description as a flattened device tree (libfdt). */
#ifndef FIRMWARE_FDT_H
#define FIRMWARE_FDT_H

#include <stddef.h>

#include "../base/machine.h"

/* Build a DTB into buf. cmdline may be NULL. Returns the size or -errno. */
long fdt_build(const struct machine_desc *m, const char *cmdline, void *buf, size_t len);

#endif
