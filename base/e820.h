/* SPDX-License-Identifier: MIT */
/*
 * The e820 memory map of a machine: one builder for every place the guest is told it, the
 * zero page and PVH start info (firmware/bootparams.c) and fw_cfg's etc/e820
 * (devices/fw_cfg.c), so they cannot disagree.
 */
#ifndef BASE_E820_H
#define BASE_E820_H

#include <stdint.h>

#include "machine.h"

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_MAX      128

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/* The memory map of m, in address order. Returns the entry count or -ENOSPC. */
int e820_build(const struct machine_desc *m, struct e820_entry *e, int max);

#endif
