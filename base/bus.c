/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "bus.h"
#include "log.h"

static const char *const space_name[BUS_NR] = {"pio", "mmio"};

void bus_init(struct bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

static int range_overlaps(const struct bus_range *r, uint64_t base, uint64_t len)
{
	return base < r->base + r->len && r->base < base + len;
}

int bus_register(struct bus *bus, enum bus_space space, uint64_t base, uint64_t len,
		 bus_handler_t fn, void *opaque, const char *name)
{
	struct bus_range *ranges;
	int n, i;

	if (space >= BUS_NR || !len || !fn || base + len < base)
		return -EINVAL;
	ranges = bus->range[space];
	n = bus->nr[space];
	for (i = 0; i < n; i++)
		if (range_overlaps(&ranges[i], base, len))
			return -EEXIST;
	if (n == BUS_MAX_RANGES)
		return -ENOSPC;
	/* Insertion sort keeps the array ordered for the binary search. */
	for (i = n; i > 0 && ranges[i - 1].base > base; i--)
		ranges[i] = ranges[i - 1];
	ranges[i] = (struct bus_range){base, len, fn, opaque, name};
	bus->nr[space] = n + 1;
	return 0;
}

const struct bus_range *bus_find(const struct bus *bus, enum bus_space space, uint64_t addr,
				 uint64_t len)
{
	const struct bus_range *ranges = bus->range[space];
	int lo = 0, hi = bus->nr[space] - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct bus_range *r = &ranges[mid];

		if (addr < r->base)
			hi = mid - 1;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else /* the whole access must fit: no straddling two devices */
			return len <= r->len - (addr - r->base) ? r : NULL;
	}
	return NULL;
}

bool bus_dispatch(struct bus *bus, enum bus_space space, uint64_t addr, void *data, uint32_t len,
		  bool is_write)
{
	const struct bus_range *r = bus_find(bus, space, addr, len);

	if (r) {
		r->fn(r->opaque, addr - r->base, data, len, is_write);
		return true;
	}
	atomic_fetch_add_explicit(&bus->unclaimed[space], 1, memory_order_relaxed);
	if (!is_write)
		memset(data, 0xff, len);
	if (log_verbose > 1)
		log_msg("unclaimed %s %s at 0x%llx, %u bytes", space_name[space],
			is_write ? "write" : "read", (unsigned long long)addr, len);
	else
		log_guest("unclaimed %s %s at 0x%llx, %u bytes", space_name[space],
			  is_write ? "write" : "read", (unsigned long long)addr, len);
	return false;
}
