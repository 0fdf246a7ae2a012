/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg, its I/O-port form (devices/fw_cfg.h). What each item holds, and why:
 *
 *   SIGNATURE  "QEMU": what SeaBIOS and Linux's qemu_fw_cfg check before anything else
 *   ID         FW_CFG_VERSION only: the port interface, no DMA
 *   UUID       zeros: no option sets one, as QEMU without -uuid
 *   RAM_SIZE   the machine's RAM in bytes (QEMU: ms->ram_size)
 *   NOGRAPHIC  1: no display, the console on a serial port, as QEMU -nographic reports
 *              (QEMU's -display none reports 0: it still has a graphics card)
 *   NB_CPUS    the vCPUs
 *   MAX_CPUS   QEMU gives the APIC-ID limit (hw/i386/fw_cfg.c); vCPU i has APIC ID i here,
 *              so it is the vCPU count too
 *   FILE_DIR   etc/e820: the map the zero page and PVH start info carry (base/e820.c)
 *
 * The items live in one buffer owned by the device; the directory in its own, rewritten as
 * files are added. Every guest access takes the lock, so vCPUs racing on the selector
 * leave a consistent (if useless to them) state, and every read is bounds-checked against
 * the item it reads from.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../base/e820.h"
#include "../base/le.h"
#include "../base/log.h"
#include "device.h"
#include "fw_cfg.h"

#define FW_CFG_NR_KEYS	 (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_DIR_SIZE	 (4 + FW_CFG_MAX_FILES * FW_CFG_FILE_SIZE)
#define FW_CFG_DATA_SIZE 8192 /* the machine's items take under 3 KiB (E820_MAX entries) */

struct fw_cfg_item {
	const uint8_t *data; /* into fc->data or fc->dir */
	uint32_t len;	     /* 0: no item under this key */
};

struct fw_cfg {
	pthread_mutex_t lock;
	struct fw_cfg_item item[FW_CFG_NR_KEYS];
	uint32_t nr_files;
	uint8_t dir[FW_CFG_DIR_SIZE];
	uint8_t data[FW_CFG_DATA_SIZE];
	uint32_t data_used;
	/* The guest's state: the key it selected, how far into that item it has read. */
	uint16_t key;
	uint32_t offset;
};

/* --- items ------------------------------------------------------------------------------- */

/* The item a key reads, or NULL: an arch-local key (we have none), an index past the last
 * file slot, an empty slot. Bit 14 does not matter. */
static const struct fw_cfg_item *fw_cfg_item(const struct fw_cfg *fc, uint16_t key)
{
	uint16_t i = key & FW_CFG_ENTRY_MASK;

	if ((key & FW_CFG_ARCH_LOCAL) || i >= FW_CFG_NR_KEYS || !fc->item[i].len)
		return NULL;
	return &fc->item[i];
}

/* A copy of len bytes in the device's buffer, or NULL when it is full. */
static const uint8_t *fw_cfg_store(struct fw_cfg *fc, const void *p, uint32_t len)
{
	uint8_t *at = fc->data + fc->data_used;

	if (len > sizeof(fc->data) - fc->data_used)
		return NULL;
	if (len) /* an empty file's data may be NULL, which memcpy must not be given (C11 7.24.1) */
		memcpy(at, p, len);
	fc->data_used += len;
	return at;
}

static int fw_cfg_add(struct fw_cfg *fc, uint16_t key, const void *p, uint32_t len)
{
	const uint8_t *at = fw_cfg_store(fc, p, len);

	if (!at)
		return -ENOSPC;
	fc->item[key] = (struct fw_cfg_item){at, len};
	return 0;
}

/* A numeric item: little-endian on the x86 port interface (fw_cfg.rst, "Data Register"). */
static int fw_cfg_add_le(struct fw_cfg *fc, uint16_t key, uint64_t v, int bytes)
{
	uint8_t b[8];

	le_put(b, v, bytes);
	return fw_cfg_add(fc, key, b, bytes);
}

static uint8_t *fw_cfg_dirent(struct fw_cfg *fc, uint32_t i)
{
	return fc->dir + 4 + i * FW_CFG_FILE_SIZE;
}

static const char *fw_cfg_dirent_name(struct fw_cfg *fc, uint32_t i)
{
	return (const char *)fw_cfg_dirent(fc, i) + 8;
}

/* Directory entry i and its item move to slot i + 1, its key with them. */
static void fw_cfg_dirent_shift(struct fw_cfg *fc, uint32_t i)
{
	memcpy(fw_cfg_dirent(fc, i + 1), fw_cfg_dirent(fc, i), FW_CFG_FILE_SIZE);
	be_put(fw_cfg_dirent(fc, i + 1) + 4, FW_CFG_FILE_FIRST + i + 1, 2);
	fc->item[FW_CFG_FILE_FIRST + i + 1] = fc->item[FW_CFG_FILE_FIRST + i];
}

/*
 * FILE_DIR is a be32 count and then a 64-byte entry per file: be32 size, be16 key, two
 * reserved bytes, the NUL-terminated name (fw_cfg.rst, "File Directory"). QEMU keeps it
 * sorted by strcmp of the names, inserting each new file and moving the later ones (and
 * their keys) up a slot (fw_cfg_add_file_callback, for every machine without legacy
 * ordering); so a file's key is FW_CFG_FILE_FIRST + its place in name order.
 */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, uint32_t len)
{
	size_t nlen = strnlen(name, FW_CFG_MAX_FILE_PATH);
	const uint8_t *at = NULL;
	uint32_t i, n;
	uint8_t *e;
	int err = 0;

	if (!nlen || nlen == FW_CFG_MAX_FILE_PATH)
		return -EINVAL;
	pthread_mutex_lock(&fc->lock);
	n = fc->nr_files;
	for (i = 0; i < n && !err; i++)
		if (!strcmp(name, fw_cfg_dirent_name(fc, i)))
			err = -EEXIST;
	if (!err && n == FW_CFG_MAX_FILES)
		err = -ENOSPC;
	if (!err && !(at = fw_cfg_store(fc, data, len)))
		err = -ENOSPC;
	if (err) {
		pthread_mutex_unlock(&fc->lock);
		return err;
	}
	for (i = n; i > 0 && strcmp(name, fw_cfg_dirent_name(fc, i - 1)) < 0; i--)
		fw_cfg_dirent_shift(fc, i - 1);
	e = fw_cfg_dirent(fc, i);
	memset(e, 0, FW_CFG_FILE_SIZE);
	be_put(e, len, 4);
	be_put(e + 4, FW_CFG_FILE_FIRST + i, 2);
	memcpy(e + 8, name, nlen);
	/* An empty file is listed, and reads as no item does: zeros. */
	fc->item[FW_CFG_FILE_FIRST + i] = (struct fw_cfg_item){at, len};
	fc->nr_files = n + 1;
	be_put(fc->dir, fc->nr_files, 4);
	fc->item[FW_CFG_FILE_DIR].len = 4 + fc->nr_files * FW_CFG_FILE_SIZE;
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

static int fw_cfg_add_e820(struct fw_cfg *fc, const struct machine_desc *m)
{
	uint8_t buf[E820_MAX * FW_CFG_E820_SIZE];
	struct e820_entry e[E820_MAX];
	int n = e820_build(m, e, E820_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint8_t *p = buf + i * FW_CFG_E820_SIZE;

		le_put(p, e[i].addr, 8);
		le_put(p + 8, e[i].size, 8);
		le_put(p + 16, e[i].type, 4);
	}
	return fw_cfg_add_file(fc, "etc/e820", buf, n * FW_CFG_E820_SIZE);
}

static int fw_cfg_add_machine(struct fw_cfg *fc, const struct machine_desc *m)
{
	static const uint8_t uuid[FW_CFG_UUID_SIZE];
	int err;

	if ((err = fw_cfg_add(fc, FW_CFG_SIGNATURE, "QEMU", FW_CFG_SIG_SIZE)) ||
	    (err = fw_cfg_add_le(fc, FW_CFG_ID, FW_CFG_VERSION, 4)) ||
	    (err = fw_cfg_add(fc, FW_CFG_UUID, uuid, sizeof(uuid))) ||
	    (err = fw_cfg_add_le(fc, FW_CFG_RAM_SIZE, m->ram_size, 8)) ||
	    (err = fw_cfg_add_le(fc, FW_CFG_NOGRAPHIC, 1, 2)) ||
	    (err = fw_cfg_add_le(fc, FW_CFG_NB_CPUS, m->nr_cpus, 2)) ||
	    (err = fw_cfg_add_le(fc, FW_CFG_MAX_CPUS, m->nr_cpus, 2)))
		return err;
	return fw_cfg_add_e820(fc, m);
}

struct fw_cfg *fw_cfg_create(const struct machine_desc *m)
{
	struct fw_cfg *fc = calloc(1, sizeof(*fc));
	int err;

	if (!fc)
		return NULL;
	err = pthread_mutex_init(&fc->lock, NULL);
	if (err) {
		free(fc);
		errno = err;
		return NULL;
	}
	/* The directory is there with no files too: a count of zero. */
	fc->item[FW_CFG_FILE_DIR] = (struct fw_cfg_item){fc->dir, 4};
	err = fw_cfg_add_machine(fc, m);
	if (err) {
		fw_cfg_destroy(fc);
		errno = -err;
		return NULL;
	}
	fw_cfg_reset(fc);
	return fc;
}

void fw_cfg_destroy(struct fw_cfg *fc)
{
	if (!fc)
		return;
	pthread_mutex_destroy(&fc->lock);
	free(fc);
}

/* --- the registers ------------------------------------------------------------------------ */

static void fw_cfg_select_locked(struct fw_cfg *fc, uint16_t key)
{
	fc->key = key;
	fc->offset = 0;
}

/* Past the end the offset stays where it is, and every read is a zero (fw_cfg_data_read). */
static uint8_t fw_cfg_read_locked(struct fw_cfg *fc)
{
	const struct fw_cfg_item *it = fw_cfg_item(fc, fc->key);

	if (!it || fc->offset >= it->len)
		return 0;
	return it->data[fc->offset++];
}

void fw_cfg_select(struct fw_cfg *fc, uint16_t key)
{
	pthread_mutex_lock(&fc->lock);
	fw_cfg_select_locked(fc, key);
	pthread_mutex_unlock(&fc->lock);
}

uint8_t fw_cfg_read(struct fw_cfg *fc)
{
	uint8_t v;

	pthread_mutex_lock(&fc->lock);
	v = fw_cfg_read_locked(fc);
	pthread_mutex_unlock(&fc->lock);
	return v;
}

/* What QEMU's reset leaves (fw_cfg_reset): the signature selected, at its first byte. */
void fw_cfg_reset(struct fw_cfg *fc)
{
	fw_cfg_select(fc, FW_CFG_SIGNATURE);
}

/*
 * One access to the two ports (QEMU's "fwcfg" region, fw_cfg_comb_mem_ops), n bytes at
 * offset 0 or 1. QEMU accepts byte accesses at either port and 16-bit writes: a byte read
 * is a data read, a byte write a data write (ignored since QEMU 2.4), a 16-bit write at the
 * selector selects. It refuses the rest (fw_cfg_comb_valid): a refused read is zeros.
 */
static void fw_cfg_ports(struct fw_cfg *fc, uint64_t offset, uint8_t *b, uint32_t n, bool is_write)
{
	if (!is_write && n == 1) {
		*b = fw_cfg_read_locked(fc);
		return;
	}
	if (is_write && n == 2) {
		fw_cfg_select_locked(fc, le_get(b, 2));
		return;
	}
	if (n > 1)
		log_guest("fw_cfg: %u-byte %s at port +%llu refused, as QEMU does", n,
			  is_write ? "write" : "read", (unsigned long long)offset);
	if (!is_write)
		memset(b, 0, n);
}

/*
 * QEMU's memory core gives an I/O access whole to the region of its first byte, cut only
 * to what that offset's alignment allows (memory_access_size: one byte at an odd offset),
 * and the bytes left over to whatever comes next (flatview_read_continue): so a 16-bit read
 * of the data port is a data byte and then port +2, and a 32-bit read of the selector is a
 * refused 4-byte access. Past the two ports nothing answers: reads are all-ones, as an
 * unclaimed port reads, and writes go nowhere.
 */
void fw_cfg_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct fw_cfg *fc = opaque;
	uint8_t *b = data;

	pthread_mutex_lock(&fc->lock);
	while (len && offset < FW_CFG_NR_PORTS) {
		uint32_t n = offset & 1 ? 1 : len;

		fw_cfg_ports(fc, offset, b, n, is_write);
		offset += n, b += n, len -= n;
	}
	if (len && !is_write)
		memset(b, 0xff, len);
	pthread_mutex_unlock(&fc->lock);
}

/* --- the device ---------------------------------------------------------------------------- */

static int fw_cfg_dev_count(const struct device_host *h)
{
	(void)h;
	return 1;
}

static int fw_cfg_dev_create(const struct device_host *h, int i, void **dev)
{
	struct fw_cfg *fc = fw_cfg_create(h->mach);
	int err;

	(void)i;
	err = fc ? bus_register(h->bus, BUS_PIO, h->mach->fw_cfg_port, FW_CFG_WINDOW, fw_cfg_io, fc,
				"fw_cfg")
		 : -errno;
	if (err) {
		log_msg("fw_cfg: %s", strerror(-err));
		fw_cfg_destroy(fc);
		return err;
	}
	*dev = fc;
	return 0;
}

static void fw_cfg_dev_reset(void *dev)
{
	fw_cfg_reset(dev);
}

static void fw_cfg_dev_destroy(void *dev)
{
	fw_cfg_destroy(dev);
}

static void fw_cfg_dev_dump(void *dev)
{
	struct fw_cfg *fc = dev;

	pthread_mutex_lock(&fc->lock);
	log_msg("fw_cfg: key 0x%04x selected, at byte %u; %u in the file directory", fc->key,
		fc->offset, fc->nr_files);
	pthread_mutex_unlock(&fc->lock);
}

const struct device_ops fw_cfg_device = {
    .name = "fw_cfg",
    .count = fw_cfg_dev_count,
    .create = fw_cfg_dev_create,
    .reset = fw_cfg_dev_reset,
    .destroy = fw_cfg_dev_destroy,
    .dump = fw_cfg_dev_dump,
};
