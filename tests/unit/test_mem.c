/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <dirent.h>
#include <setjmp.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/layout.h"
#include "base/machine.h"
#include "base/mem.h"

static uint8_t low[0x10000], high[0x1000];

static void setup_mem(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
	assert_int_equal(guest_mem_add(gm, 0, low, sizeof(low)), 0);
	assert_int_equal(guest_mem_add(gm, LAYOUT_4G, high, sizeof(high)), 0);
}

static void test_ptr_inside_and_edges(void **state)
{
	struct guest_mem gm;

	(void)state;
	setup_mem(&gm);
	assert_ptr_equal(guest_mem_ptr(&gm, 0, sizeof(low)), low);
	assert_ptr_equal(guest_mem_ptr(&gm, 0xffff, 1), low + 0xffff);
	assert_null(guest_mem_ptr(&gm, 0xffff, 2));  /* one past the end */
	assert_null(guest_mem_ptr(&gm, 0x10000, 1)); /* in the gap */
	assert_ptr_equal(guest_mem_ptr(&gm, LAYOUT_4G + 0xff0, 0x10), high + 0xff0);
	assert_null(guest_mem_ptr(&gm, LAYOUT_4G - 1, 2)); /* straddles the start */
	assert_null(guest_mem_ptr(&gm, LAYOUT_4G + 0xff0, 0x11));
}

static void test_ptr_overflow(void **state)
{
	struct guest_mem gm;

	(void)state;
	setup_mem(&gm);
	/* gpa + len wraps to a small number: must not be taken as inside */
	assert_null(guest_mem_ptr(&gm, 0x100, UINT64_MAX));
	assert_null(guest_mem_ptr(&gm, UINT64_MAX, 2));
	assert_null(guest_mem_ptr(&gm, UINT64_MAX - 0xff, 0x200));
	assert_null(guest_mem_ptr(&gm, LAYOUT_4G + 8, UINT64_MAX - 4));
}

static void test_read_write(void **state)
{
	struct guest_mem gm;
	uint32_t v = 0xdeadbeef, r = 0;

	(void)state;
	setup_mem(&gm);
	assert_int_equal(guest_mem_write(&gm, 0x100, &v, 4), 0);
	assert_int_equal(guest_mem_read(&gm, 0x100, &r, 4), 0);
	assert_int_equal(r, v);
	assert_int_equal(guest_mem_write(&gm, 0xfffe, &v, 4), -EFAULT);
	assert_int_equal(guest_mem_read(&gm, LAYOUT_4G + 0xffe, &r, 4), -EFAULT);
}

static void test_add_rejects(void **state)
{
	struct guest_mem gm;

	(void)state;
	setup_mem(&gm);
	assert_int_equal(guest_mem_add(&gm, 0x20000, low, 1), -EINVAL); /* full */
	memset(&gm, 0, sizeof(gm));
	assert_int_equal(guest_mem_add(&gm, 0, low, 0), -EINVAL);
	assert_int_equal(guest_mem_add(&gm, UINT64_MAX - 10, low, 100), -EINVAL);
}

static void test_map_splits_around_hole(void **state)
{
	struct machine_desc m;
	struct guest_mem gm;

	(void)state;
	assert_int_equal(machine_init(&m, 0xe0000000ULL, 2, 1), 0); /* 3.5 GiB */
	assert_int_equal(m.nr_ram, 2);
	assert_int_equal(m.ram[0].size, LAYOUT_MMIO_HOLE);
	assert_int_equal(m.ram[1].gpa, LAYOUT_4G);
	assert_int_equal(m.ram[1].size, 0x20000000);
	assert_int_equal(guest_mem_map(&gm, &m), 0);
	assert_non_null(guest_mem_ptr(&gm, LAYOUT_MMIO_HOLE - 8, 8));
	assert_null(guest_mem_ptr(&gm, LAYOUT_MMIO_HOLE, 1));
	assert_non_null(guest_mem_ptr(&gm, LAYOUT_4G + 0x1fffffff, 1));
	assert_null(guest_mem_ptr(&gm, LAYOUT_4G + 0x20000000, 1));
	/* fresh RAM is zero and writable; clear zeroes it again */
	*(uint8_t *)guest_mem_ptr(&gm, 0x1234, 1) = 7;
	guest_mem_clear(&gm);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&gm, 0x1234, 1), 0);
	guest_mem_unmap(&gm);
	assert_int_equal(gm.nr, 0);
}

/* --mem-path and --mem-prealloc: the same RAM, from a file or allocated up front; a
 * file-backed RAM is cleared by writing zeroes (MADV_DONTNEED would bring the file back) */
static void test_map_path_prealloc(void **state)
{
	char dir[] = "/tmp/test_mem.XXXXXX";
	struct machine_desc m;
	struct guest_mem gm;
	DIR *d;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(machine_init(&m, 6 << 20, 1, 1), 0);
	m.mem_path = dir;
	for (m.mem_prealloc = 0; m.mem_prealloc < 2; m.mem_prealloc++) {
		assert_int_equal(guest_mem_map(&gm, &m), 0);
		assert_int_equal(gm.shared, 1);
		assert_int_equal(*(uint8_t *)guest_mem_ptr(&gm, 0x5fffff, 1), 0);
		*(uint8_t *)guest_mem_ptr(&gm, 0x1234, 1) = 7;
		guest_mem_clear(&gm);
		assert_int_equal(*(uint8_t *)guest_mem_ptr(&gm, 0x1234, 1), 0);
		assert_null(guest_mem_ptr(&gm, 6 << 20, 1));
		guest_mem_unmap(&gm);
	}
	d = opendir(dir); /* the file was unlinked at once: nothing is left behind */
	while (readdir(d))
		files++;
	closedir(d);
	assert_int_equal(files, 2); /* . and .. */
	assert_int_equal(rmdir(dir), 0);
	m.mem_path = "/proc/no-such-dir";
	assert_int_equal(guest_mem_map(&gm, &m), -ENOENT);
	m.mem_path = NULL; /* anonymous, allocated up front */
	assert_int_equal(guest_mem_map(&gm, &m), 0);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&gm, 0x5fffff, 1), 0);
	guest_mem_unmap(&gm);
}

static void test_machine_init_rejects(void **state)
{
	struct machine_desc m;

	(void)state;
	assert_int_equal(machine_init(&m, 0, 1, 1), -EINVAL);
	assert_int_equal(machine_init(&m, 1 << 20, 1, 1), -EINVAL);
	assert_int_equal(machine_init(&m, 256 << 20, 0, 1), -EINVAL);
	assert_int_equal(machine_init(&m, 256 << 20, MACHINE_MAX_CPUS + 1, 1), -EINVAL);
	assert_int_equal(machine_init(&m, 256 << 20, 1, MACHINE_MAX_SERIAL + 1), -EINVAL);
	assert_int_equal(machine_init(&m, 256 << 20, 1, 4), 0);
	assert_int_equal(m.nr_ram, 1);
	assert_int_equal(m.serial[1].port, 0x2f8);
	assert_int_equal(m.serial[1].irq, 3);
}

/* --- guest_mem_place: the kernel cache's pages mapped into RAM ----------------------------- */

#define PLACE_RAM  (16 << 20)
#define PLACE_FILE (6 * 4096 + 123) /* six whole pages and a piece */

struct place {
	char path[64];
	int fd;
	uint8_t *data; /* the file's bytes, as the loader has them */
	struct guest_mem map, copy;
};

static int place_setup(void **state)
{
	struct place *p = calloc(1, sizeof(*p));
	struct machine_desc m;

	assert_non_null(p);
	snprintf(p->path, sizeof(p->path), "/tmp/test_mem_place.XXXXXX");
	assert_true((p->fd = mkstemp(p->path)) >= 0);
	unlink(p->path);
	p->data = malloc(PLACE_FILE);
	for (int i = 0; i < PLACE_FILE; i++)
		p->data[i] = (uint8_t)(i * 7 + i / 4096 + 1); /* no zero byte: RAM is zeroes */
	assert_int_equal(pwrite(p->fd, p->data, PLACE_FILE, 0), PLACE_FILE);
	assert_int_equal(machine_init(&m, PLACE_RAM, 1, 1), 0);
	assert_int_equal(guest_mem_map(&p->map, &m), 0);
	assert_int_equal(guest_mem_map(&p->copy, &m), 0);
	*state = p;
	return 0;
}

static int place_teardown(void **state)
{
	struct place *p = *state;

	guest_mem_unmap(&p->map);
	guest_mem_unmap(&p->copy);
	close(p->fd);
	free(p->data);
	free(p);
	return 0;
}

/* Whether RAM at gpa shows the file's current byte at off: a page still mapped from it. */
static int place_follows_file(struct place *p, struct guest_mem *gm, uint64_t gpa, off_t off)
{
	uint8_t *g = guest_mem_ptr(gm, gpa, 1), old, b;
	int follows;

	assert_int_equal(pread(p->fd, &old, 1, off), 1);
	b = old ^ 0x5a;
	assert_int_equal(pwrite(p->fd, &b, 1, off), 1);
	follows = *g == b;
	assert_int_equal(pwrite(p->fd, &old, 1, off), 1);
	return follows;
}

/* Placed by map and by copy, the guest sees the same bytes, and nothing around them. */
static void place_both(struct place *p, uint64_t gpa, uint64_t off, uint64_t len)
{
	struct mem_file f = {p->fd, off};

	assert_int_equal(guest_mem_place(&p->map, gpa, p->data + off, len, &f), 0);
	assert_int_equal(guest_mem_place(&p->copy, gpa, p->data + off, len, NULL), 0);
	assert_memory_equal(guest_mem_ptr(&p->map, gpa - 64, len + 128),
			    guest_mem_ptr(&p->copy, gpa - 64, len + 128), len + 128);
	assert_memory_equal(guest_mem_ptr(&p->map, gpa, len), p->data + off, len);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&p->map, gpa - 1, 1), 0);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&p->map, gpa + len, 1), 0);
}

/* Page-aligned: the whole pages are the file's (copy-on-write), the tail is copied. */
static void test_place_aligned(void **state)
{
	struct place *p = *state;
	uint64_t gpa = 0x200000;
	uint8_t *g = guest_mem_ptr(&p->map, gpa, PLACE_FILE), b;

	place_both(p, gpa, 0, PLACE_FILE);
	assert_true(place_follows_file(p, &p->map, gpa + 4096 + 5, 4096 + 5));		/* mapped */
	assert_false(place_follows_file(p, &p->copy, gpa + 4096 + 5, 4096 + 5));	/* copied */
	assert_false(place_follows_file(p, &p->map, gpa + 6 * 4096 + 5, 6 * 4096 + 5)); /* tail */
	/* the guest writes: its page becomes its own, the file keeps its byte */
	g[4096 + 5] = 0xee;
	assert_int_equal(pread(p->fd, &b, 1, 4096 + 5), 1);
	assert_int_equal(b, p->data[4096 + 5]);
	assert_false(place_follows_file(p, &p->map, gpa + 4096 + 5, 4096 + 5));
	assert_int_equal(g[4096 + 5], 0xee);
	/* a reboot's clear: zeroes everywhere, no page of the file left in RAM */
	assert_int_equal(guest_mem_clear(&p->map), 0);
	for (uint64_t i = 0; i < PLACE_FILE; i++)
		if (g[i])
			fail_msg("byte %llu is %u after clear", (unsigned long long)i, g[i]);
	assert_false(place_follows_file(p, &p->map, gpa + 2 * 4096, 2 * 4096));
	assert_int_equal(pread(p->fd, &b, 1, 4096 + 5), 1);
	assert_int_equal(b, p->data[4096 + 5]);
}

/* Head and tail off the page: copied, the pages between mapped; a misaligned offset: copied. */
static void test_place_unaligned(void **state)
{
	struct place *p = *state;
	uint64_t gpa = 0x300000 + 100;

	place_both(p, gpa, 100, PLACE_FILE - 100 - 50); /* 100 in, ends 50 short */
	assert_false(place_follows_file(p, &p->map, gpa + 10, 110));
	assert_true(place_follows_file(p, &p->map, 0x301000 + 7, 4096 + 7));
	assert_false(place_follows_file(p, &p->map, gpa + PLACE_FILE - 151, PLACE_FILE - 51));
	place_both(p, 0x400000 + 8, 0, 3 * 4096); /* RAM and file a different way off a page */
	assert_false(place_follows_file(p, &p->map, 0x401000 + 16, 4096 + 8));
	place_both(p, 0x500000 + 4000, 4000, 200); /* within two pages: nothing whole */
	assert_false(place_follows_file(p, &p->map, 0x500000 + 4096, 4096));
	place_both(p, 0x600000, 0, 0); /* nothing at all */
}

/* What cannot be mapped is copied: past the file's end, a caller's buffer, a wrapping offset. */
static void test_place_copied(void **state)
{
	struct place *p = *state;
	static uint8_t buf[0x10000] __attribute__((aligned(4096)));
	struct guest_mem own = {0};
	struct mem_file f = {p->fd, 4096};

	/* the file ends before the range does (the bytes come from memory all the same) */
	assert_int_equal(guest_mem_place(&p->map, 0x700000, p->data, PLACE_FILE, &f), 0);
	assert_memory_equal(guest_mem_ptr(&p->map, 0x700000, PLACE_FILE), p->data, PLACE_FILE);
	assert_false(place_follows_file(p, &p->map, 0x701000, 2 * 4096));
	f.off = UINT64_MAX - 4095; /* page-aligned, and off + len wraps */
	assert_int_equal(guest_mem_place(&p->map, 0x800000, p->data, 3 * 4096, &f), 0);
	assert_memory_equal(guest_mem_ptr(&p->map, 0x800000, 3 * 4096), p->data, 3 * 4096);
	f = (struct mem_file){-1, 0}; /* no file */
	assert_int_equal(guest_mem_place(&p->map, 0x900000, p->data, 3 * 4096, &f), 0);
	assert_false(place_follows_file(p, &p->map, 0x901000, 4096));
	f.fd = p->fd; /* not RAM we mapped: never mapped over */
	assert_int_equal(guest_mem_add(&own, 0, buf, sizeof(buf)), 0);
	assert_int_equal(guest_mem_place(&own, 0, p->data, 3 * 4096, &f), 0);
	assert_memory_equal(buf, p->data, 3 * 4096);
	assert_false(place_follows_file(p, &own, 4096, 4096));
	assert_int_equal(guest_mem_clear(&own), 0);
	assert_int_equal(buf[4096], 0);
}

/* Outside RAM, straddling its end, wrapping: refused, nothing written. */
static void test_place_rejects(void **state)
{
	struct place *p = *state;
	struct mem_file f = {p->fd, 0};

	assert_int_equal(guest_mem_place(&p->map, PLACE_RAM - 4096, p->data, 8192, &f), -EFAULT);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&p->map, PLACE_RAM - 4096, 1), 0);
	assert_int_equal(guest_mem_place(&p->map, PLACE_RAM, p->data, 1, &f), -EFAULT);
	assert_int_equal(guest_mem_place(&p->map, UINT64_MAX - 4095, p->data, 8192, &f), -EFAULT);
	assert_int_equal(guest_mem_place(&p->map, 4096, p->data, UINT64_MAX, &f), -EFAULT);
	assert_int_equal(guest_mem_place(&p->map, 4096, p->data, UINT64_MAX - 4095, NULL), -EFAULT);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&p->map, 4096, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ptr_inside_and_edges),
	    cmocka_unit_test(test_ptr_overflow),
	    cmocka_unit_test(test_read_write),
	    cmocka_unit_test(test_add_rejects),
	    cmocka_unit_test(test_map_splits_around_hole),
	    cmocka_unit_test(test_map_path_prealloc),
	    cmocka_unit_test(test_machine_init_rejects),
	    cmocka_unit_test_setup_teardown(test_place_aligned, place_setup, place_teardown),
	    cmocka_unit_test_setup_teardown(test_place_unaligned, place_setup, place_teardown),
	    cmocka_unit_test_setup_teardown(test_place_copied, place_setup, place_teardown),
	    cmocka_unit_test_setup_teardown(test_place_rejects, place_setup, place_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
