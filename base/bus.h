/* SPDX-License-Identifier: MIT */
/*
 * The exit dispatch bus: one registry for port I/O and MMIO, as kvmtool's
 * mmio.c. Devices register [base, base+len) with a handler; the vCPU loop
 * hands every KVM_EXIT_IO / KVM_EXIT_MMIO access to bus_dispatch().
 *
 * Ranges are registered before any vCPU runs and never removed while they
 * run, so lookups take no lock: a sorted array and a binary search, no
 * allocation on the exit path. Devices serialise their own state.
 */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum bus_space { BUS_PIO, BUS_MMIO, BUS_NR };

/* offset is relative to the registered base; len is 1, 2, 4 or 8. */
typedef void (*bus_handler_t)(void *opaque, uint64_t offset, void *data, uint32_t len,
			      bool is_write);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_handler_t fn;
	void *opaque;
	const char *name;
};

#define BUS_MAX_RANGES 32

struct bus {
	struct bus_range range[BUS_NR][BUS_MAX_RANGES];
	int nr[BUS_NR];
	atomic_ulong unclaimed[BUS_NR]; /* accesses no device claimed */
};

void bus_init(struct bus *bus);
/* 0, -EINVAL (empty or wrapping range), -EEXIST (overlap), -ENOSPC. */
int bus_register(struct bus *bus, enum bus_space space, uint64_t base, uint64_t len,
		 bus_handler_t fn, void *opaque, const char *name);
/*
 * Route one access. An unclaimed read returns all-ones; unclaimed accesses
 * are counted and logged (rate-limited). Returns true if a device took it.
 */
bool bus_dispatch(struct bus *bus, enum bus_space space, uint64_t addr, void *data, uint32_t len,
		  bool is_write);
const struct bus_range *bus_find(const struct bus *bus, enum bus_space space, uint64_t addr,
				 uint64_t len);

#endif
