/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <dirent.h>
#include <setjmp.h>
#include <unistd.h>
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
