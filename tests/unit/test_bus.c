/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/bus.h"

struct rec {
	uint64_t offset;
	uint32_t len;
	bool is_write;
	int calls;
	uint8_t val;
};

static void rec_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct rec *r = opaque;

	r->offset = offset;
	r->len = len;
	r->is_write = is_write;
	r->calls++;
	if (is_write)
		r->val = *(uint8_t *)data;
	else
		memset(data, r->val, len);
}

static void test_register_rejects_bad_ranges(void **state)
{
	static struct bus bus;
	struct rec r = {0};

	(void)state;
	bus_init(&bus);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f8, 0, rec_io, &r, "z"), -EINVAL);
	assert_int_equal(bus_register(&bus, BUS_MMIO, UINT64_MAX - 1, 4, rec_io, &r, "w"), -EINVAL);
	assert_int_equal(bus_register(&bus, BUS_NR, 0, 1, rec_io, &r, "s"), -EINVAL);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0, 1, NULL, &r, "f"), -EINVAL);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f8, 8, rec_io, &r, "a"), 0);
	/* every kind of overlap */
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f8, 8, rec_io, &r, "b"), -EEXIST);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f0, 9, rec_io, &r, "c"), -EEXIST);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3ff, 1, rec_io, &r, "d"), -EEXIST);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3fa, 1, rec_io, &r, "e"), -EEXIST);
	/* adjacent is fine, and the other space is separate */
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x400, 1, rec_io, &r, "g"), 0);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f0, 8, rec_io, &r, "h"), 0);
	assert_int_equal(bus_register(&bus, BUS_MMIO, 0x3f8, 8, rec_io, &r, "i"), 0);
}

static void test_register_full(void **state)
{
	static struct bus bus;
	struct rec r = {0};

	(void)state;
	bus_init(&bus);
	for (int i = 0; i < BUS_MAX_RANGES; i++)
		assert_int_equal(bus_register(&bus, BUS_MMIO, i * 0x1000, 0x1000, rec_io, &r, "x"),
				 0);
	assert_int_equal(bus_register(&bus, BUS_MMIO, 0x100000, 1, rec_io, &r, "y"), -ENOSPC);
}

static void test_dispatch_routes_with_offset(void **state)
{
	static struct bus bus;
	struct rec a = {0}, b = {0};
	uint8_t v = 0x5a;

	(void)state;
	bus_init(&bus);
	/* registered out of order: lookups must still find both */
	assert_int_equal(bus_register(&bus, BUS_MMIO, 0xd0001000, 0x1000, rec_io, &b, "b"), 0);
	assert_int_equal(bus_register(&bus, BUS_MMIO, 0xd0000000, 0x1000, rec_io, &a, "a"), 0);
	assert_true(bus_dispatch(&bus, BUS_MMIO, 0xd0001ffc, &v, 4, true));
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.offset, 0xffc);
	assert_int_equal(b.len, 4);
	assert_true(b.is_write);
	assert_int_equal(b.val, 0x5a);
	assert_true(bus_dispatch(&bus, BUS_MMIO, 0xd0000000, &v, 1, false));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 0);
	assert_false(a.is_write);
}

static void test_unclaimed_reads_all_ones_and_counts(void **state)
{
	static struct bus bus;
	struct rec a = {.val = 0x11};
	uint8_t buf[8];

	(void)state;
	bus_init(&bus);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f8, 8, rec_io, &a, "a"), 0);
	memset(buf, 0, sizeof(buf));
	assert_false(bus_dispatch(&bus, BUS_PIO, 0x80, buf, 4, false));
	assert_memory_equal(buf, "\xff\xff\xff\xff\0\0\0\0", 8);
	assert_false(bus_dispatch(&bus, BUS_PIO, 0x80, buf, 1, true));
	/* an access straddling the end of a device belongs to nobody */
	assert_false(bus_dispatch(&bus, BUS_PIO, 0x3fe, buf, 4, false));
	assert_false(bus_dispatch(&bus, BUS_MMIO, 0x3f8, buf, 1, false));
	assert_int_equal(a.calls, 0);
	assert_int_equal(atomic_load(&bus.unclaimed[BUS_PIO]), 3);
	assert_int_equal(atomic_load(&bus.unclaimed[BUS_MMIO]), 1);
	/* top of the address space: no overflow in the lookup */
	assert_false(bus_dispatch(&bus, BUS_MMIO, UINT64_MAX, buf, 8, false));
}

static void test_find_binary_search_many(void **state)
{
	static struct bus bus;
	struct rec r[BUS_MAX_RANGES];

	(void)state;
	bus_init(&bus);
	for (int i = BUS_MAX_RANGES - 1; i >= 0; i--)
		assert_int_equal(
		    bus_register(&bus, BUS_PIO, 0x100 + i * 0x10, 8, rec_io, &r[i], "x"), 0);
	for (int i = 0; i < BUS_MAX_RANGES; i++) {
		const struct bus_range *f = bus_find(&bus, BUS_PIO, 0x100 + i * 0x10 + 7, 1);

		assert_non_null(f);
		assert_ptr_equal(f->opaque, &r[i]);
		assert_null(bus_find(&bus, BUS_PIO, 0x100 + i * 0x10 + 8, 1)); /* the gaps */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_rejects_bad_ranges),
	    cmocka_unit_test(test_register_full),
	    cmocka_unit_test(test_dispatch_routes_with_offset),
	    cmocka_unit_test(test_unclaimed_reads_all_ones_and_counts),
	    cmocka_unit_test(test_find_binary_search_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
