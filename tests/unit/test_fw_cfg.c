/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg, driven through its bus handler as guests drive the ports: a 16-bit write
 * of the selector, then byte reads of the data port (Linux's qemu_fw_cfg: iowrite16, then
 * ioread8 to skip and ioread8_rep to read; SeaBIOS: outw, then insb, the directory read
 * entry after entry without selecting again). The odd widths are checked against what
 * QEMU 7.2 answered to the same accesses (the test guest's fwcfg-widths action).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/e820.h"
#include "base/le.h"
#include "base/machine.h"
#include "devices/fw_cfg.h"

#define SEL  0 /* port offsets from fw_cfg_port */
#define DATA 1

static struct fw_cfg *make(uint64_t ram, int cpus, struct machine_desc *m)
{
	struct fw_cfg *fc;

	assert_int_equal(machine_init(m, ram, cpus, 1), 0);
	fc = fw_cfg_create(m);
	assert_non_null(fc);
	return fc;
}

static void out(struct fw_cfg *fc, uint64_t port, uint32_t v, uint32_t len)
{
	uint8_t b[4];

	le_put(b, v, len);
	fw_cfg_io(fc, port, b, len, true);
}

/* A read fills the whole buffer, whatever was there. */
static uint32_t in(struct fw_cfg *fc, uint64_t port, uint32_t len)
{
	uint8_t b[4];

	memset(b, 0xcc, sizeof(b));
	fw_cfg_io(fc, port, b, len, false);
	return le_get(b, len);
}

static void select_key(struct fw_cfg *fc, uint16_t key)
{
	out(fc, SEL, key, 2);
}

static void insb(struct fw_cfg *fc, uint8_t *buf, size_t n)
{
	while (n--)
		*buf++ = in(fc, DATA, 1);
}

/* Linux's fw_cfg_read_blob(): select, skip pos bytes one by one, read count. */
static void linux_read_blob(struct fw_cfg *fc, uint16_t key, void *buf, size_t pos, size_t count)
{
	select_key(fc, key);
	while (pos--)
		in(fc, DATA, 1);
	insb(fc, buf, count);
}

/* A numeric item, little-endian, then nothing but zeros past its end. */
static void assert_item(struct fw_cfg *fc, uint16_t key, uint64_t want, int bytes)
{
	uint8_t b[8];

	linux_read_blob(fc, key, b, 0, bytes);
	assert_int_equal(le_get(b, bytes), want);
	for (int i = 0; i < 16; i++)
		assert_int_equal(in(fc, DATA, 1), 0);
}

static void test_signature_and_reset(void **state)
{
	struct machine_desc m;
	struct fw_cfg *fc = make(256 << 20, 1, &m);
	char sig[5] = {0};

	(void)state;
	/* Power-on: the signature is selected already, as after QEMU's reset. */
	insb(fc, (uint8_t *)sig, 4);
	assert_string_equal(sig, "QEMU");
	assert_int_equal(in(fc, DATA, 1), 0);
	select_key(fc, FW_CFG_NB_CPUS);
	assert_int_equal(in(fc, DATA, 1), 1);
	fw_cfg_reset(fc);
	insb(fc, (uint8_t *)sig, 4);
	assert_string_equal(sig, "QEMU");
	/* Selecting again rewinds. */
	linux_read_blob(fc, FW_CFG_SIGNATURE, sig, 2, 2);
	assert_string_equal(sig, "MUMU");
	fw_cfg_destroy(fc);
}

static void check_items(uint64_t ram, int cpus)
{
	static const uint8_t zero[FW_CFG_UUID_SIZE];
	uint8_t uuid[FW_CFG_UUID_SIZE + 1];
	struct machine_desc m;
	struct fw_cfg *fc = make(ram, cpus, &m);

	assert_item(fc, FW_CFG_SIGNATURE, 0x554d4551, 4); /* "QEMU" */
	assert_item(fc, FW_CFG_ID, FW_CFG_VERSION, 4);
	assert_item(fc, FW_CFG_RAM_SIZE, ram, 8);
	assert_item(fc, FW_CFG_NOGRAPHIC, 1, 2);
	assert_item(fc, FW_CFG_NB_CPUS, cpus, 2);
	assert_item(fc, FW_CFG_MAX_CPUS, cpus, 2);
	memset(uuid, 0xcc, sizeof(uuid));
	linux_read_blob(fc, FW_CFG_UUID, uuid, 0, sizeof(uuid));
	assert_memory_equal(uuid, zero, sizeof(uuid)); /* 16 zeros, then past the end */
	fw_cfg_destroy(fc);
}

static void test_items(void **state)
{
	(void)state;
	check_items(256 << 20, 1);
	check_items(0xe0000000ULL, 8); /* 3.5 GiB: the RAM split does not change RAM_SIZE */
	check_items(64ULL << 30, MACHINE_MAX_CPUS);
}

/* The directory as the guest sees it: big-endian count and entries, NUL-padded names. */
struct dirent {
	uint32_t size;
	uint16_t key;
	char name[FW_CFG_MAX_FILE_PATH];
};

static uint32_t read_dir(struct fw_cfg *fc, struct dirent *d, uint32_t max)
{
	uint8_t b[FW_CFG_FILE_SIZE];
	uint32_t n;

	/* SeaBIOS: select once, the count, then every entry in turn. */
	select_key(fc, FW_CFG_FILE_DIR);
	insb(fc, b, 4);
	n = be_get(b, 4);
	assert_true(n <= max);
	for (uint32_t i = 0; i < n; i++) {
		insb(fc, b, FW_CFG_FILE_SIZE);
		d[i].size = be_get(b, 4);
		d[i].key = be_get(b + 4, 2);
		assert_int_equal(be_get(b + 6, 2), 0); /* reserved */
		memcpy(d[i].name, b + 8, FW_CFG_MAX_FILE_PATH);
		/* The name is NUL-terminated and NUL-padded to the end of the entry. */
		for (size_t c = strnlen(d[i].name, FW_CFG_MAX_FILE_PATH); c < sizeof(d[i].name);
		     c++)
			assert_int_equal(d[i].name[c], 0);
	}
	for (int i = 0; i < FW_CFG_FILE_SIZE; i++) /* the directory ends there */
		assert_int_equal(in(fc, DATA, 1), 0);
	return n;
}

static void check_e820(uint64_t ram, int cpus)
{
	struct e820_entry e[E820_MAX];
	uint8_t raw[E820_MAX * FW_CFG_E820_SIZE];
	struct machine_desc m;
	struct fw_cfg *fc = make(ram, cpus, &m);
	struct dirent d[FW_CFG_MAX_FILES];
	int n = e820_build(&m, e, E820_MAX);

	assert_true(n > 0);
	assert_int_equal(read_dir(fc, d, FW_CFG_MAX_FILES), 1);
	assert_string_equal(d[0].name, "etc/e820");
	assert_int_equal(d[0].key, FW_CFG_FILE_FIRST);
	assert_int_equal(d[0].size, n * FW_CFG_E820_SIZE);
	/* As Linux's sysfs raw file reads it: in two pieces, the second from an offset. */
	linux_read_blob(fc, d[0].key, raw, 0, 7);
	linux_read_blob(fc, d[0].key, raw + 7, 7, d[0].size - 7);
	for (int i = 0; i < n; i++) {
		const uint8_t *p = raw + i * FW_CFG_E820_SIZE;

		assert_int_equal(le_get(p, 8), e[i].addr);
		assert_int_equal(le_get(p + 8, 8), e[i].size);
		assert_int_equal(le_get(p + 16, 4), e[i].type);
	}
	assert_int_equal(in(fc, DATA, 1), 0);
	fw_cfg_destroy(fc);
}

static void test_e820(void **state)
{
	(void)state;
	check_e820(256 << 20, 1);
	check_e820(0xe0000000ULL, 2); /* RAM above 4 GiB: a fifth entry */
}

/* Every key: the item under its index, or zeros; bit 14 ignored, bit 15 an empty table. */
static void test_every_selector(void **state)
{
	static const uint16_t has_item[] = {FW_CFG_SIGNATURE, FW_CFG_ID,	FW_CFG_UUID,
					    FW_CFG_RAM_SIZE,  FW_CFG_NOGRAPHIC, FW_CFG_NB_CPUS,
					    FW_CFG_MAX_CPUS,  FW_CFG_FILE_DIR,	FW_CFG_FILE_FIRST};
	static const uint8_t zero[8];
	uint8_t ref[FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES][8], got[8];
	struct machine_desc m;
	struct fw_cfg *fc = make(256 << 20, 2, &m);

	(void)state;
	/* The first 8 bytes under each plain key; what they must be where it is known. */
	for (uint16_t i = 0; i < FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES; i++)
		linux_read_blob(fc, i, ref[i], 0, 8);
	assert_memory_equal(ref[FW_CFG_SIGNATURE], "QEMU\0\0\0\0", 8);
	assert_int_equal(le_get(ref[FW_CFG_ID], 8), FW_CFG_VERSION);
	assert_int_equal(le_get(ref[FW_CFG_RAM_SIZE], 8), 256 << 20);
	assert_int_equal(le_get(ref[FW_CFG_NOGRAPHIC], 8), 1);
	assert_int_equal(le_get(ref[FW_CFG_NB_CPUS], 8), 2);
	assert_int_equal(le_get(ref[FW_CFG_MAX_CPUS], 8), 2);
	assert_int_equal(be_get(ref[FW_CFG_FILE_DIR], 4), 1); /* the count, then etc/e820's size */
	assert_int_equal(be_get(ref[FW_CFG_FILE_DIR] + 4, 4), 4 * FW_CFG_E820_SIZE);
	for (uint32_t key = 0; key <= 0xffff; key++) {
		uint16_t i = key & FW_CFG_ENTRY_MASK;
		int listed = 0;

		for (size_t k = 0; k < sizeof(has_item) / sizeof(has_item[0]); k++)
			listed |= has_item[k] == i;
		linux_read_blob(fc, key, got, 0, 8);
		if ((key & FW_CFG_ARCH_LOCAL) || !listed)
			assert_memory_equal(got, zero, 8);
		else
			assert_memory_equal(got, ref[i], 8);
	}
	fw_cfg_destroy(fc);
}

/*
 * The accesses no driver makes, in the order the test guest's fwcfg-widths action makes
 * them, with the values QEMU 7.2 (-M microvm, fw_cfg_io.dma_enabled=off, -smp 2) gave it.
 */
static void test_widths_as_qemu(void **state)
{
	struct machine_desc m;
	struct fw_cfg *fc = make(256 << 20, 2, &m);

	(void)state;
	select_key(fc, FW_CFG_SIGNATURE);
	assert_int_equal(in(fc, SEL, 2), 0); /* refused: no byte consumed */
	assert_int_equal(in(fc, DATA, 1), 'Q');
	assert_int_equal(in(fc, DATA, 2), 0xff00 | 'E'); /* a data byte, then port +2 */
	assert_int_equal(in(fc, SEL, 4), 0);		 /* refused whole */
	assert_int_equal(in(fc, SEL, 1), 'M');		 /* a byte at either port is data */
	assert_int_equal(in(fc, DATA, 4), 0xffffff00 | 'U');
	assert_int_equal(in(fc, DATA, 1), 0);	      /* past the end */
	out(fc, SEL, 0xabcd0000 | FW_CFG_NB_CPUS, 4); /* refused: selects nothing */
	assert_int_equal(in(fc, DATA, 1), 0);
	out(fc, SEL, FW_CFG_MAX_CPUS, 1); /* a byte write is a data write: ignored */
	assert_int_equal(in(fc, DATA, 1), 0);
	select_key(fc, FW_CFG_SIGNATURE);
	out(fc, DATA, FW_CFG_NB_CPUS, 2); /* a data byte (ignored), then port +2 */
	assert_int_equal(in(fc, DATA, 1), 'Q');
	select_key(fc, FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS);
	assert_int_equal(in(fc, DATA, 1), 2);
	select_key(fc, FW_CFG_ARCH_LOCAL | FW_CFG_NB_CPUS);
	assert_int_equal(in(fc, DATA, 1), 0);
	select_key(fc, 0xffff);
	assert_int_equal(in(fc, DATA, 1), 0);
	select_key(fc, 0x0100);
	assert_int_equal(in(fc, DATA, 1), 0);
	select_key(fc, 0x0006); /* MACHINE_ID: not offered */
	assert_int_equal(in(fc, DATA, 1), 0);
	assert_int_equal(in(fc, SEL + 2, 2), 0xffff);
	fw_cfg_destroy(fc);
}

/* Past the two ports the window answers as nothing is there, and touches no state. */
static void test_window_beyond_ports(void **state)
{
	struct machine_desc m;
	struct fw_cfg *fc = make(256 << 20, 3, &m);

	(void)state;
	select_key(fc, FW_CFG_NB_CPUS);
	for (uint64_t port = FW_CFG_NR_PORTS; port < FW_CFG_WINDOW; port++) {
		assert_int_equal(in(fc, port, 1), 0xff);
		out(fc, port, FW_CFG_SIGNATURE, 1);
		if (port + 2 <= FW_CFG_WINDOW) {
			assert_int_equal(in(fc, port, 2), 0xffff);
			out(fc, port, FW_CFG_SIGNATURE, 2);
		}
	}
	assert_int_equal(in(fc, DATA, 1), 3); /* still NB_CPUS, at its first byte */
	fw_cfg_destroy(fc);
}

static void assert_file(struct fw_cfg *fc, const struct dirent *d, const char *want)
{
	char buf[64] = {0};

	assert_true(d->size < sizeof(buf));
	linux_read_blob(fc, d->key, buf, 0, d->size);
	assert_string_equal(buf, want);
	assert_int_equal(in(fc, DATA, 1), 0);
}

/* Files are kept in strcmp order, and each key follows its file's place. */
static void test_files_sorted(void **state)
{
	static const char *const add[] = {"opt/z",  "bootorder", "etc/zz",   "etc/acpi/rsdp",
					  "etc/e8", "Z",	 "etc/e820x"};
	static const char *const sorted[] = {"Z",	 "bootorder", "etc/acpi/rsdp", "etc/e8",
					     "etc/e820", "etc/e820x", "etc/zz",	       "opt/z"};
	struct dirent d[FW_CFG_MAX_FILES];
	struct machine_desc m;
	struct fw_cfg *fc = make(256 << 20, 1, &m);
	uint8_t raw[FW_CFG_E820_SIZE];
	uint32_t e820_size;

	(void)state;
	read_dir(fc, d, FW_CFG_MAX_FILES);
	e820_size = d[0].size;
	for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++)
		assert_int_equal(fw_cfg_add_file(fc, add[i], add[i], strlen(add[i]) + 1), 0);
	assert_int_equal(read_dir(fc, d, FW_CFG_MAX_FILES), 8);
	for (uint32_t i = 0; i < 8; i++) {
		assert_string_equal(d[i].name, sorted[i]);
		assert_int_equal(d[i].key, FW_CFG_FILE_FIRST + i);
		if (strcmp(sorted[i], "etc/e820"))
			assert_file(fc, &d[i], sorted[i]);
		else
			assert_int_equal(d[i].size, e820_size);
	}
	/* etc/e820 moved to key 0x24 with its contents: low RAM from 0, 0x9fc00 long. */
	linux_read_blob(fc, FW_CFG_FILE_FIRST + 4, raw, 0, sizeof(raw));
	assert_int_equal(le_get(raw, 8), 0);
	assert_int_equal(le_get(raw + 8, 8), 0x9fc00);
	assert_int_equal(le_get(raw + 16, 4), E820_RAM);
	fw_cfg_destroy(fc);
}

static void test_file_errors(void **state)
{
	char name[FW_CFG_MAX_FILE_PATH + 1];
	struct dirent d[FW_CFG_MAX_FILES];
	static uint8_t big[8192];
	struct machine_desc m;
	struct fw_cfg *fc = make(256 << 20, 1, &m);
	uint32_t n;

	(void)state;
	assert_int_equal(fw_cfg_add_file(fc, "etc/e820", "x", 1), -EEXIST);
	assert_int_equal(fw_cfg_add_file(fc, "", "x", 1), -EINVAL);
	memset(name, 'a', sizeof(name));
	name[FW_CFG_MAX_FILE_PATH] = 0;
	assert_int_equal(fw_cfg_add_file(fc, name, "x", 1), -EINVAL); /* 56: no room for NUL */
	name[FW_CFG_MAX_FILE_PATH - 1] = 0;
	assert_int_equal(fw_cfg_add_file(fc, name, "x", 1), 0);
	assert_int_equal(fw_cfg_add_file(fc, "opt/big", big, sizeof(big)), -ENOSPC);
	assert_int_equal(fw_cfg_add_file(fc, "opt/empty", NULL, 0), 0);
	for (int i = 0; i < FW_CFG_MAX_FILES - 3; i++) {
		snprintf(name, sizeof(name), "opt/%02d", i);
		assert_int_equal(fw_cfg_add_file(fc, name, name, 1), 0);
	}
	assert_int_equal(fw_cfg_add_file(fc, "opt/one-too-many", "x", 1), -ENOSPC);
	n = read_dir(fc, d, FW_CFG_MAX_FILES);
	assert_int_equal(n, FW_CFG_MAX_FILES);
	for (uint32_t i = 1; i < n; i++)
		assert_true(strcmp(d[i - 1].name, d[i].name) < 0);
	/* The empty file is listed and reads as zeros; the last key in use is 0x3f. */
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, "opt/empty")) {
			assert_int_equal(d[i].size, 0);
			select_key(fc, d[i].key);
			assert_int_equal(in(fc, DATA, 1), 0);
		}
	assert_int_equal(d[n - 1].key, FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES - 1);
	fw_cfg_destroy(fc);
}

/*
 * A hostile guest: random ports in the window, widths and values. Whatever it did, a
 * selector write brings the device back, and every read filled exactly its bytes.
 */
static void test_random_accesses(void **state)
{
	static const uint32_t widths[] = {1, 2, 4};
	struct machine_desc m;
	struct fw_cfg *fc = make(0xe0000000ULL, 4, &m);
	uint8_t b[8];
	char sig[5] = {0};

	(void)state;
	srandom(12345);
	for (int i = 0; i < 200000; i++) {
		uint32_t len = widths[random() % 3];
		uint64_t port = random() % (FW_CFG_WINDOW - len + 1);
		bool wr = random() & 1;
		uint32_t v = random();

		memset(b, 0xcc, sizeof(b));
		le_put(b, v, 4);
		fw_cfg_io(fc, port, b, len, wr);
		for (uint32_t k = len; k < sizeof(b); k++) /* nothing beyond the access */
			assert_int_equal(b[k], k < 4 ? (uint8_t)(v >> (8 * k)) : 0xcc);
		if (!wr && port >= FW_CFG_NR_PORTS)
			assert_int_equal(le_get(b, len), (1ULL << (8 * len)) - 1);
	}
	linux_read_blob(fc, FW_CFG_SIGNATURE, sig, 0, 4);
	assert_string_equal(sig, "QEMU");
	fw_cfg_destroy(fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signature_and_reset),
	    cmocka_unit_test(test_items),
	    cmocka_unit_test(test_e820),
	    cmocka_unit_test(test_every_selector),
	    cmocka_unit_test(test_widths_as_qemu),
	    cmocka_unit_test(test_window_beyond_ports),
	    cmocka_unit_test(test_files_sorted),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_random_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
