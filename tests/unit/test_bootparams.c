/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/bootparams.h"
#include "base/le.h"
#include "firmware/cpu_tables.h"
#include "base/layout.h"

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static void test_e820_small(void **state)
{
	struct machine_desc m;
	struct e820_entry e[E820_MAX];
	int n;

	(void)state;
	assert_int_equal(machine_init(&m, 256 << 20, 1, 1), 0);
	n = e820_build(&m, e, E820_MAX);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, LAYOUT_LOWMEM_END);
	assert_int_equal(e[0].type, E820_RAM);
	assert_int_equal(e[1].type, E820_RESERVED);
	assert_int_equal(e[2].addr, LAYOUT_ACPI);
	assert_int_equal(e[2].type, E820_RESERVED);
	assert_int_equal(e[3].addr, LAYOUT_HIMEM);
	assert_int_equal(e[3].addr + e[3].size, 256 << 20);
	/* no overlaps, ascending */
	for (int i = 1; i < n; i++)
		assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	assert_int_equal(e820_build(&m, e, 3), -ENOSPC);
}

static void test_e820_split(void **state)
{
	struct machine_desc m;
	struct e820_entry e[E820_MAX];
	uint64_t ram = 0;
	int n;

	(void)state;
	assert_int_equal(machine_init(&m, 0xe0000000ULL, 2, 1), 0); /* 3.5 GiB */
	n = e820_build(&m, e, E820_MAX);
	assert_int_equal(n, 5);
	assert_int_equal(e[3].addr + e[3].size, LAYOUT_MMIO_HOLE);
	assert_int_equal(e[4].addr, LAYOUT_4G);
	assert_int_equal(e[4].size, 0x20000000);
	for (int i = 0; i < n; i++)
		if (e[i].type == E820_RAM)
			ram += e[i].size;
	/* all RAM but the EBDA gap and the BIOS area is usable */
	assert_int_equal(ram, 0xe0000000ULL - (0xa0000 - LAYOUT_LOWMEM_END) -
				  (LAYOUT_HIMEM - LAYOUT_ACPI) - (LAYOUT_ACPI - 0xa0000));
}

static void test_zero_page(void **state)
{
	static uint8_t zp[ZERO_PAGE_SIZE];
	struct machine_desc m;
	uint8_t hdr[0x26c - 0x1f1];
	struct boot_info bi = {.cmdline_gpa = LAYOUT_CMDLINE,
			       .cmdline_len = 10,
			       .initrd_gpa = 0x1234000,
			       .initrd_size = 0x5678,
			       .rsdp_gpa = LAYOUT_ACPI};

	(void)state;
	memset(hdr, 0x11, sizeof(hdr));
	assert_int_equal(machine_init(&m, 0x140000000ULL, 1, 1), 0); /* 5 GiB */
	assert_int_equal(bootparams_build(zp, hdr, sizeof(hdr), &m, &bi), 0);
	assert_int_equal(zp[BP_LOADER_TYPE], 0xff);
	assert_int_equal(get(zp + BP_CMD_LINE_PTR, 4), LAYOUT_CMDLINE);
	assert_int_equal(get(zp + BP_RAMDISK_IMAGE, 4), 0x1234000);
	assert_int_equal(get(zp + BP_RAMDISK_SIZE, 4), 0x5678);
	assert_int_equal(get(zp + BP_EXT_RAMDISK, 4), 0);
	assert_int_equal(get(zp + BP_ACPI_RSDP, 8), LAYOUT_ACPI);
	assert_int_equal(zp[BP_E820_ENTRIES], 5);
	assert_int_equal(get(zp + BP_E820_TABLE + 4 * 20, 8), LAYOUT_4G);
	assert_int_equal(get(zp + BP_E820_TABLE + 4 * 20 + 8, 8), 0x40000000ULL + 0x40000000ULL);
	assert_int_equal(get(zp + BP_E820_TABLE + 4 * 20 + 16, 4), E820_RAM);
	/* the header was copied, then our fields laid over it */
	assert_int_equal(zp[BP_HDR], 0x11);
	assert_int_equal(get(zp + BP_VID_MODE, 2), 0xffff);
	assert_int_equal(bootparams_build(zp, hdr, ZERO_PAGE_SIZE, &m, &bi), -EINVAL);
}

static void test_pvh(void **state)
{
	uint8_t buf[0x1000];
	struct machine_desc m;
	struct boot_info bi = {.cmdline_gpa = LAYOUT_CMDLINE,
			       .initrd_gpa = 0x800000,
			       .initrd_size = 0x1000,
			       .rsdp_gpa = LAYOUT_ACPI};

	(void)state;
	assert_int_equal(machine_init(&m, 64 << 20, 1, 1), 0);
	assert_int_equal(pvh_build(buf, sizeof(buf), 0x6000, &m, &bi), 0);
	assert_int_equal(get(buf, 4), PVH_START_MAGIC);
	assert_int_equal(get(buf + 4, 4), 1);
	assert_int_equal(get(buf + 12, 4), 1); /* one module: the initrd */
	assert_int_equal(get(buf + 16, 8), 0x6000 + PVH_MODLIST_OFF);
	assert_int_equal(get(buf + 24, 8), LAYOUT_CMDLINE);
	assert_int_equal(get(buf + 32, 8), LAYOUT_ACPI);
	assert_int_equal(get(buf + 40, 8), 0x6000 + PVH_MEMMAP_OFF);
	assert_int_equal(get(buf + 48, 4), 4);
	assert_int_equal(get(buf + PVH_MODLIST_OFF, 8), 0x800000);
	assert_int_equal(get(buf + PVH_MODLIST_OFF + 8, 8), 0x1000);
	assert_int_equal(get(buf + PVH_MEMMAP_OFF + 3 * 24 + 8, 8), (64 << 20) - LAYOUT_HIMEM);
	assert_int_equal(pvh_build(buf, PVH_MEMMAP_OFF + 3 * 24, 0x6000, &m, &bi), -ENOSPC);
	bi.initrd_size = 0;
	assert_int_equal(pvh_build(buf, sizeof(buf), 0x6000, &m, &bi), 0);
	assert_int_equal(get(buf + 12, 4), 0);
}

static void test_reset_vector(void **state)
{
	uint8_t rv[RESET_VECTOR_SIZE];
	/* mov dx, 0x604; mov al, 1; out dx, al; hlt; jmp $-1 */
	static const uint8_t want[] = {0xba, 0x04, 0x06, 0xb0, 0x01, 0xee, 0xf4, 0xeb, 0xfd};

	(void)state;
	assert_int_equal(reset_vector_build(rv, PM_RESET_PORT, PM_RESET_VALUE), sizeof(want));
	assert_memory_equal(rv, want, sizeof(want));
	for (size_t i = sizeof(want); i < sizeof(rv); i++)
		assert_int_equal(rv[i], 0xf4); /* the rest halts */
	/* the stub fits below 1 MiB, after the ACPI tables */
	assert_true(LAYOUT_ACPI + LAYOUT_ACPI_SIZE <= LAYOUT_RESET_VECTOR);
	assert_true(LAYOUT_RESET_VECTOR + RESET_VECTOR_SIZE <= LAYOUT_HIMEM);
}

/* The boot protocol's selectors: 0x10 a 64-bit code segment, 0x18 a flat data segment. */
static void test_boot_gdt(void **state)
{
	uint8_t g[BOOT_GDT_SIZE];

	(void)state;
	boot_gdt_build(g);
	assert_true(le_get(g, 8) == 0);
	assert_true(le_get(g + BOOT_SEL_CODE64, 8) & (1ULL << 53));  /* L */
	assert_false(le_get(g + BOOT_SEL_CODE64, 8) & (1ULL << 54)); /* not D */
	assert_true(le_get(g + BOOT_SEL_CODE32, 8) & (1ULL << 54));  /* D: 32-bit */
	assert_int_equal((le_get(g + BOOT_SEL_DATA, 8) >> 40) & 0xff, 0x93);
	assert_int_equal((le_get(g + BOOT_SEL_TSS, 8) >> 40) & 0xff, 0x8b);
}

/* A walk as the MMU does it: every 2 MiB page of the low 4 GiB maps to itself. */
static void test_boot_page_tables_identity(void **state)
{
	static uint8_t pt[BOOT_PAGE_TABLES_SIZE];

	(void)state;
	memset(pt, 0xff, sizeof(pt));
	boot_page_tables_build(pt);
	for (uint64_t va = 0; va < (4ULL << 30); va += 2ULL << 20) {
		uint64_t e = le_get(pt + 8 * ((va >> 39) & 511), 8);
		uint64_t at;

		assert_true(e & 1);
		at = (e & ~0xfffULL) + 8 * ((va >> 30) & 511) - LAYOUT_PML4;
		assert_true(at < sizeof(pt));
		e = le_get(pt + at, 8);
		assert_true(e & 1);
		at = (e & ~0xfffULL) + 8 * ((va >> 21) & 511) - LAYOUT_PML4;
		assert_true(at < sizeof(pt));
		e = le_get(pt + at, 8);
		assert_int_equal(e & 0x83, 0x83); /* present, writable, 2 MiB */
		assert_true((e & ~0x1fffffULL) == va);
	}
	assert_true(le_get(pt + 8, 8) == 0); /* nothing above 512 GiB */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_e820_small),
	    cmocka_unit_test(test_e820_split),
	    cmocka_unit_test(test_zero_page),
	    cmocka_unit_test(test_pvh),
	    cmocka_unit_test(test_reset_vector),
	    cmocka_unit_test(test_boot_gdt),
	    cmocka_unit_test(test_boot_page_tables_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
