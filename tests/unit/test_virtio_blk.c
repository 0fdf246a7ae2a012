/* SPDX-License-Identifier: MIT */
/*
 * The virtio-blk device driven as Linux's virtio_blk would: probe, features,
 * queue setup and DRIVER_OK through the MMIO window, then requests in the
 * ring, a kick, and a wait for the used ring, against a temp image file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <cmocka.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "base/mem.h"
#include "base/trace.h"
#include "tests/lib/vdrv.h"

#define RAM_SIZE   0x100000ULL /* 1 MiB at GPA 0 */
#define IMG_SIZE   0x100000ULL /* 1 MiB: 2048 sectors */
#define QSIZE	   256
#define DESC_GPA   0x10000ULL
#define AVAIL_GPA  0x14000ULL
#define USED_GPA   0x18000ULL
#define HDR_GPA	   0x20000ULL /* 16 bytes per avail slot */
#define STATUS_GPA 0x21000ULL /* 1 byte per avail slot */
#define DATA_GPA   0x30000ULL
#define DATA2_GPA  0x80000ULL
#define SERIAL	   "vmm-test-serial-0001" /* exactly 20 bytes */

struct env {
	struct vdrv d; /* the driver: RAM, rings, MMIO window */
	char path[64];
	int fd;
	int notify_fd; /* ours, or -1: kick through QueueNotify */
	struct blk_disk disk;
	struct virtio_blk *b;
	int irq_calls, irq_level; /* atomics: set by the I/O thread */
};

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

static void fake_set_irq(void *ctx, int level)
{
	struct env *e = ctx;

	__atomic_add_fetch(&e->irq_calls, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&e->irq_level, level, __ATOMIC_SEQ_CST);
}

/*
 * Host faults, injected. This binary is linked with --wrap=preadv64,--wrap=pwritev64
 * (tests/meson.build), so the device's reads and writes of the image come here first and
 * go on to the C library's unless a test arms a fault: SHORT moves at most SHORT_BYTES per
 * call (odd, so a transfer stops mid-segment and mid-sector) and fails every third call
 * with EINTR, as an image on NFS or FUSE, or a signal, may; ENOSPC writes SHORT_BYTES and
 * then fails, as a file system filling up mid-request does.
 */
enum fault { FAULT_NONE, FAULT_SHORT, FAULT_ENOSPC };
#define SHORT_BYTES 333
static int fault;	   /* enum fault; read by the device's I/O thread */
static unsigned int calls; /* preadv/pwritev calls while a fault was armed */

ssize_t __real_preadv64(int fd, const struct iovec *iov, int n, off_t off);
ssize_t __real_pwritev64(int fd, const struct iovec *iov, int n, off_t off);

static ssize_t faulty_xfer(bool write, int fd, const struct iovec *iov, int n, off_t off)
{
	int f = __atomic_load_n(&fault, __ATOMIC_SEQ_CST);
	unsigned int c;
	struct iovec one;

	if (f == FAULT_NONE)
		return write ? __real_pwritev64(fd, iov, n, off) : __real_preadv64(fd, iov, n, off);
	c = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
	if ((f == FAULT_SHORT && c % 3 == 0) || (f == FAULT_ENOSPC && c > 1)) {
		errno = f == FAULT_SHORT ? EINTR : ENOSPC;
		return -1;
	}
	while (n > 1 && !iov->iov_len) /* as the kernel does: empty segments move nothing */
		iov++, n--;
	one =
	    (struct iovec){iov->iov_base, iov->iov_len < SHORT_BYTES ? iov->iov_len : SHORT_BYTES};
	return write ? __real_pwritev64(fd, &one, 1, off) : __real_preadv64(fd, &one, 1, off);
}

ssize_t __wrap_preadv64(int fd, const struct iovec *iov, int n, off_t off);
ssize_t __wrap_preadv64(int fd, const struct iovec *iov, int n, off_t off)
{
	return faulty_xfer(false, fd, iov, n, off);
}

ssize_t __wrap_pwritev64(int fd, const struct iovec *iov, int n, off_t off);
ssize_t __wrap_pwritev64(int fd, const struct iovec *iov, int n, off_t off)
{
	return faulty_xfer(true, fd, iov, n, off);
}

static void fault_arm(int f)
{
	__atomic_store_n(&calls, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fault, f, __ATOMIC_SEQ_CST);
}

/* --- the driver (tests/lib/vdrv.c) ----------------------------------------------------------- */

/* What virtio_mmio's probe checks first: a modern (v2) virtio-mmio block device. */
static void assert_identity(struct env *e)
{
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_DEVICE_ID), 2);
}

static uint64_t probe_features(struct env *e)
{
	assert_identity(e);
	return vdrv_probe(&e->d);
}

/* The whole Linux init, taking every offered feature; the ring memory starts zeroed. */
static void linux_init(struct env *e)
{
	assert_identity(e);
	assert_int_equal(vdrv_init(&e->d, ~0ULL), 0);
	/* queue 0 is selected */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_NUM_MAX), QSIZE);
}

static void kick(struct env *e)
{
	uint64_t one = 1;

	if (e->notify_fd >= 0)
		assert_int_equal(write(e->notify_fd, &one, sizeof(one)), sizeof(one));
	else
		vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static bool wait_used(struct env *e, uint16_t want)
{
	struct timespec ms = {0, 1000000};
	int i;

	for (i = 0; i < 5000; i++) {
		if (vdrv_used_idx(&e->d.q[0]) == want)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

/* Header, data, status: queued without a kick. Returns the avail slot. */
static uint16_t queue_req(struct env *e, uint32_t type, uint64_t sector,
			  const struct vdrv_seg *data, unsigned int n)
{
	struct virtio_blk_outhdr hdr = {htole32(type), 0, htole64(sector)};
	uint16_t slot = e->d.q[0].avail_idx % QSIZE;
	struct vdrv_seg s[8];
	unsigned int i;

	assert_true(n <= 6);
	memcpy(e->d.ram + HDR_GPA + 16 * (uint64_t)slot, &hdr, sizeof(hdr));
	e->d.ram[STATUS_GPA + slot] = 0xee;
	s[0] = (struct vdrv_seg){HDR_GPA + 16 * (uint64_t)slot, 16, false};
	for (i = 0; i < n; i++)
		s[i + 1] = data[i];
	s[n + 1] = (struct vdrv_seg){STATUS_GPA + slot, 1, true};
	vdrv_add_chain(&e->d.q[0], s, n + 2);
	vdrv_publish(&e->d.q[0]);
	return slot;
}

/* One request, synchronously. Returns the status byte; *len: the used length. */
static uint8_t do_req(struct env *e, uint32_t type, uint64_t sector, const struct vdrv_seg *data,
		      unsigned int n, uint32_t *len)
{
	uint16_t head = e->d.q[0].next_desc;
	uint16_t slot = queue_req(e, type, sector, data, n);
	uint32_t id, l;

	kick(e);
	assert_true(wait_used(e, e->d.q[0].avail_idx));
	vdrv_used_elem(&e->d.q[0], slot, &id, &l);
	assert_int_equal(id, head);
	if (len)
		*len = l;
	return e->d.ram[STATUS_GPA + slot];
}

/* --- setup ---------------------------------------------------------------------------------- */

static void env_open(struct env *e, bool read_only, bool own_eventfd)
{
	uint8_t *buf = malloc(IMG_SIZE);
	uint64_t i;

	assert_non_null(buf);
	strcpy(e->path, "/tmp/test_virtio_blk.XXXXXX");
	e->fd = mkstemp(e->path);
	assert_true(e->fd >= 0);
	unlink(e->path);
	assert_int_equal(ftruncate(e->fd, IMG_SIZE), 0);
	for (i = 0; i < IMG_SIZE; i++)
		buf[i] = pattern(i);
	assert_int_equal(pwrite(e->fd, buf, IMG_SIZE, 0), IMG_SIZE);
	free(buf);

	assert_int_equal(vdrv_ram_alloc(&e->d, RAM_SIZE, 0), 0);
	e->d.q[0] = (struct vdrv_ring){
	    .gm = &e->d.gm, .desc = DESC_GPA, .avail = AVAIL_GPA, .used = USED_GPA, .size = QSIZE};
	e->notify_fd = own_eventfd ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
	e->disk.fd = e->fd;
	e->disk.size = IMG_SIZE;
	e->disk.read_only = read_only;
	memcpy(e->disk.serial, SERIAL, 20);
	e->b = virtio_blk_create(&e->disk, &e->d.gm, e->notify_fd, fake_set_irq, e);
	assert_non_null(e->b);
	e->d.t = virtio_blk_transport(e->b);
}

static int setup_common(void **state, bool read_only, bool own_eventfd)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	env_open(e, read_only, own_eventfd);
	*state = e;
	return 0;
}

static int env_setup(void **state)
{
	return setup_common(state, false, false);
}

static int env_setup_ro(void **state)
{
	return setup_common(state, true, false);
}

static int env_setup_eventfd(void **state)
{
	return setup_common(state, false, true);
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	virtio_blk_destroy(e->b);
	if (e->notify_fd >= 0)
		close(e->notify_fd);
	close(e->fd);
	vdrv_ram_free(&e->d);
	free(e);
	return 0;
}

static void assert_file_pattern(struct env *e, uint64_t off, uint64_t len)
{
	uint8_t *buf = malloc(len);
	uint64_t i;

	assert_non_null(buf);
	assert_int_equal(pread(e->fd, buf, len, off), len);
	for (i = 0; i < len; i++)
		if (buf[i] != pattern(off + i))
			fail_msg("byte %llu: %#x", (unsigned long long)(off + i), buf[i]);
	free(buf);
}

/* Guest RAM at gpa holds the image's bytes from off on, len of them. */
static void assert_ram_pattern(struct env *e, uint64_t gpa, uint64_t off, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (e->d.ram[gpa + i] != pattern(off + i))
			fail_msg("RAM at %#llx: %#x", (unsigned long long)(gpa + i),
				 e->d.ram[gpa + i]);
}

static void assert_file_byte(struct env *e, uint64_t off, uint64_t len, uint8_t v)
{
	uint8_t *buf = malloc(len);
	uint64_t i;

	assert_non_null(buf);
	assert_int_equal(pread(e->fd, buf, len, off), len);
	for (i = 0; i < len; i++)
		if (buf[i] != v)
			fail_msg("byte %llu: %#x, want %#x", (unsigned long long)(off + i), buf[i],
				 v);
	free(buf);
}

/* --- tests ---------------------------------------------------------------------------------- */

static uint32_t cfg32(struct env *e, size_t off)
{
	return vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG + off);
}

static void test_config_space(void **state)
{
	struct env *e = *state;
	uint64_t f = probe_features(e);
	uint64_t want = F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_BLK_SIZE) | F(VIRTIO_BLK_F_FLUSH) |
			F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES) |
			F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) |
			F(VIRTIO_F_VERSION_1);
	uint32_t v = 0x12345678;

	assert_true(f == want);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, capacity)), 2048);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, capacity) + 4), 0);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, seg_max)), 254);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, blk_size)), 512);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, max_discard_seg)),
			 BLK_MAX_RANGES);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, max_write_zeroes_seg)),
			 BLK_MAX_RANGES);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, max_discard_sectors)),
			 1u << 22);
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, discard_sector_alignment)), 8);
	virtio_mmio_io(
	    e->d.t, VIRTIO_MMIO_CONFIG + offsetof(struct virtio_blk_config, write_zeroes_may_unmap),
	    &v, 1, false);
	assert_int_equal(v, 0x12345601);
	/* Past the end of the struct: refused, reads 0. */
	assert_int_equal(cfg32(e, sizeof(struct virtio_blk_config)), 0);
	assert_int_equal(cfg32(e, sizeof(struct virtio_blk_config) - 2), 0);
	/* Writes are dropped. */
	vdrv_wr(&e->d, VIRTIO_MMIO_CONFIG, 7);
	assert_int_equal(cfg32(e, 0), 2048);
}

static void test_config_space_ro(void **state)
{
	struct env *e = *state;
	uint64_t f = probe_features(e);

	assert_true(f & F(VIRTIO_BLK_F_RO));
	assert_false(f & (F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES)));
	assert_true(f & F(VIRTIO_BLK_F_FLUSH));
	assert_int_equal(cfg32(e, offsetof(struct virtio_blk_config, max_discard_seg)), 0);
}

static void test_read(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[2] = {{DATA_GPA, 1024, true}, {DATA2_GPA, 3072, true}};
	uint32_t len;

	linux_init(e);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 3, d, 2, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 4096 + 1);
	assert_ram_pattern(e, DATA_GPA, 3 * 512, 1024);
	assert_ram_pattern(e, DATA2_GPA, 3 * 512 + 1024, 3072);
	/* The interrupt followed the completion. */
	assert_int_equal(__atomic_load_n(&e->irq_level, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vdrv_wr(&e->d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(__atomic_load_n(&e->irq_level, __ATOMIC_SEQ_CST), 0);
}

/* --trace=irq: the I/O thread says when it takes a kick, naming the device and itself. */
static void test_trace_kick(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, true}};
	struct trace_spec spec;
	char path[] = "/tmp/test_virtio_blk_trace.XXXXXX", line[256], err[128];
	int fd = mkstemp(path), kicks = 0;
	uint32_t len;
	FILE *f;

	assert_true(fd >= 0);
	assert_int_equal(trace_spec_parse("irq", &spec, err, sizeof(err)), 0);
	virtio_blk_set_name(e->b, "vdz");
	trace_start(&spec, TRACE_TEXT, fdopen(fd, "w"));
	linux_init(e);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 0, d, 1, &len), VIRTIO_BLK_S_OK);
	trace_stop();
	assert_non_null(f = fopen(path, "r"));
	unlink(path);
	while (fgets(line, sizeof(line), f))
		kicks += strstr(line, " vdz-io - irq kick data=0x1 ") &&
			 strstr(line, " dev=vdz via=ioeventfd\n");
	fclose(f);
	/* one signal, the request's: DRIVER_OK with an empty ring wakes nobody */
	assert_int_equal(kicks, 1);
}

/* A chain made available before DRIVER_OK, when no kick could be passed on, is served at
 * DRIVER_OK without one. */
static void test_early_chain(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, true}};
	uint16_t slot;

	assert_int_equal(vdrv_finalize(&e->d, probe_features(e)), S_ACK | S_DRV | S_FOK);
	assert_int_equal(vdrv_setup_vq(&e->d, 0, e->d.q[0].size), 1);
	slot = queue_req(e, VIRTIO_BLK_T_IN, 2, d, 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_true(wait_used(e, 1));
	assert_int_equal(e->d.ram[STATUS_GPA + slot], VIRTIO_BLK_S_OK);
	for (int i = 0; i < 512; i++)
		assert_int_equal(e->d.ram[DATA_GPA + i], pattern(2 * 512 + i));
}

static void test_write(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 1024, false}};
	uint32_t len;

	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0x5a, 1024);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 10, d, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	assert_file_byte(e, 10 * 512, 1024, 0x5a);
	assert_file_pattern(e, 0, 10 * 512);
	assert_file_pattern(e, 12 * 512, IMG_SIZE - 12 * 512);
	/* And the guest reads back what it wrote. */
	d[0].write = true;
	memset(e->d.ram + DATA_GPA, 0, 1024);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 10, d, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA_GPA], 0x5a);
	assert_int_equal(e->d.ram[DATA_GPA + 1023], 0x5a);
}

static void test_flush(void **state)
{
	struct env *e = *state;
	uint32_t len;

	linux_init(e);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	assert_int_equal(virtio_blk_flush(e->b), 0);
}

static void test_get_id(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 20, true}};
	uint32_t len;

	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0xff, 32);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_GET_ID, 0, d, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 21);
	assert_memory_equal(e->d.ram + DATA_GPA, SERIAL, 20);
	assert_int_equal(e->d.ram[DATA_GPA + 20], 0xff);
}

static void test_get_id_short_serial(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 20, true}};
	static const uint8_t want[20] = "abc";

	virtio_blk_destroy(e->b);
	memset(e->disk.serial, 0, sizeof(e->disk.serial));
	strcpy(e->disk.serial, "abc");
	e->b = virtio_blk_create(&e->disk, &e->d.gm, -1, fake_set_irq, e);
	assert_non_null(e->b);
	e->d.t = virtio_blk_transport(e->b);
	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0xff, 32);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_GET_ID, 0, d, 1, NULL), VIRTIO_BLK_S_OK);
	assert_memory_equal(e->d.ram + DATA_GPA, want, 20);
}

static uint8_t range_req(struct env *e, uint32_t type, uint64_t sector, uint32_t n, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes r = {htole64(sector), htole32(n), htole32(flags)};
	struct vdrv_seg d[1] = {{DATA_GPA, sizeof(r), false}};

	memcpy(e->d.ram + DATA_GPA, &r, sizeof(r));
	return do_req(e, type, 0, d, 1, NULL);
}

static void test_discard(void **state)
{
	struct env *e = *state;

	linux_init(e);
	assert_int_equal(range_req(e, VIRTIO_BLK_T_DISCARD, 16, 16, 0), VIRTIO_BLK_S_OK);
	assert_file_byte(e, 16 * 512, 16 * 512, 0);
	assert_file_pattern(e, 0, 16 * 512);
	assert_file_pattern(e, 32 * 512, IMG_SIZE - 32 * 512);
	/* The unmap flag is for WRITE_ZEROES only. */
	assert_int_equal(range_req(e, VIRTIO_BLK_T_DISCARD, 40, 8, 1), VIRTIO_BLK_S_UNSUPP);
	assert_file_pattern(e, 40 * 512, 8 * 512);
}

static void test_write_zeroes(void **state)
{
	struct env *e = *state;

	linux_init(e);
	assert_int_equal(range_req(e, VIRTIO_BLK_T_WRITE_ZEROES, 5, 3, 0), VIRTIO_BLK_S_OK);
	assert_file_byte(e, 5 * 512, 3 * 512, 0);
	assert_file_pattern(e, 0, 5 * 512);
	assert_file_pattern(e, 8 * 512, 100 * 512);
	assert_int_equal(
	    range_req(e, VIRTIO_BLK_T_WRITE_ZEROES, 64, 32, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP),
	    VIRTIO_BLK_S_OK);
	assert_file_byte(e, 64 * 512, 32 * 512, 0);
	assert_file_pattern(e, 96 * 512, IMG_SIZE - 96 * 512);
	assert_int_equal(lseek(e->fd, 0, SEEK_END), IMG_SIZE);
}

static void test_read_only(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, false}};
	uint32_t len;

	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0x5a, 512);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 0, d, 1, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(len, 1);
	assert_int_equal(range_req(e, VIRTIO_BLK_T_DISCARD, 0, 8, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(range_req(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 0), VIRTIO_BLK_S_IOERR);
	assert_file_pattern(e, 0, IMG_SIZE);
	/* Reads and flushes still work. */
	d[0].write = true;
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 0, d, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA_GPA + 1], pattern(1));
	assert_int_equal(do_req(e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL), VIRTIO_BLK_S_OK);
	assert_file_pattern(e, 0, IMG_SIZE);
}

/* cache=none: aligned buffers go straight to the file, unaligned ones through a bounce buffer. */
static void test_direct(void **state)
{
	struct env *e = *state;
	struct vdrv_seg al[1] = {{DATA2_GPA, 8192, true}};
	struct vdrv_seg un[2] = {{DATA_GPA + 100, 1000, false}, {DATA_GPA + 2000, 24, false}};
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", e->fd);
	fd = open(proc, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		skip();
	virtio_blk_destroy(e->b);
	e->disk.fd = fd;
	e->disk.direct = true;
	e->b = virtio_blk_create(&e->disk, &e->d.gm, -1, fake_set_irq, e);
	assert_non_null(e->b);
	e->d.t = virtio_blk_transport(e->b);
	linux_init(e);

	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 8, al, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA2_GPA + 8191], pattern(8 * 512 + 8191));
	memset(e->d.ram + DATA_GPA + 100, 0x11, 1000);
	memset(e->d.ram + DATA_GPA + 2000, 0x22, 24);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 16, un, 2, NULL), VIRTIO_BLK_S_OK);
	assert_file_byte(e, 16 * 512, 1000, 0x11);
	assert_file_byte(e, 16 * 512 + 1000, 24, 0x22);
	assert_file_pattern(e, 18 * 512, 512);
	un[0].write = un[1].write = true;
	memset(e->d.ram + DATA_GPA, 0, 4096);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 0, un, 2, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA_GPA + 100], pattern(0));
	assert_int_equal(e->d.ram[DATA_GPA + 1099], pattern(999));
	assert_int_equal(e->d.ram[DATA_GPA + 2000], pattern(1000));
	assert_int_equal(e->d.ram[DATA_GPA + 2023], pattern(1023));
	assert_int_equal(e->d.ram[DATA_GPA + 99], 0);
	assert_int_equal(range_req(e, VIRTIO_BLK_T_WRITE_ZEROES, 32, 3, 0), VIRTIO_BLK_S_OK);
	assert_file_byte(e, 32 * 512, 3 * 512, 0);

	virtio_blk_destroy(e->b);
	close(fd);
	e->disk.fd = e->fd;
	e->disk.direct = false;
	e->b = virtio_blk_create(&e->disk, &e->d.gm, -1, fake_set_irq, e);
	assert_non_null(e->b);
	e->d.t = virtio_blk_transport(e->b);
}

static void test_beyond_capacity(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 1024, true}};
	uint32_t len;

	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0x33, 1024);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 2047, d, 1, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(len, 1);
	assert_int_equal(e->d.ram[DATA_GPA], 0x33);
	d[0].write = false;
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 2047, d, 1, NULL), VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, UINT64_MAX, d, 1, NULL), VIRTIO_BLK_S_IOERR);
	assert_file_pattern(e, 0, IMG_SIZE);
	/* The last sector itself is fine. */
	d[0].len = 512;
	d[0].write = true;
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 2047, d, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA_GPA + 5], pattern(2047 * 512 + 5));
}

/*
 * Short transfers are resumed where they stopped and EINTR is retried: a request that the
 * host moved in 333-byte pieces, interrupted, completes OK with every byte in its place.
 */
static void test_short_transfers(void **state)
{
	struct env *e = *state;
	struct vdrv_seg rd[3] = {
	    {DATA_GPA, 1024, true}, {DATA2_GPA, 0, true}, {DATA2_GPA, 7168, true}};
	struct vdrv_seg wr[2] = {{DATA_GPA + 100, 1000, false}, {DATA_GPA + 2000, 24, false}};
	uint32_t len;

	linux_init(e);
	fault_arm(FAULT_SHORT);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 5, rd, 3, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 8192 + 1);
	assert_ram_pattern(e, DATA_GPA, 5 * 512, 1024);
	assert_ram_pattern(e, DATA2_GPA, 5 * 512 + 1024, 7168);
	/* 8192 bytes at 333 a call, and every third call interrupted */
	assert_true(__atomic_load_n(&calls, __ATOMIC_SEQ_CST) >= 8192 / SHORT_BYTES * 3 / 2);
	memset(e->d.ram + DATA_GPA + 100, 0x44, 1000);
	memset(e->d.ram + DATA_GPA + 2000, 0x55, 24);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 40, wr, 2, &len), VIRTIO_BLK_S_OK);
	fault_arm(FAULT_NONE);
	assert_file_pattern(e, 0, 40 * 512);
	assert_file_byte(e, 40 * 512, 1000, 0x44);
	assert_file_byte(e, 40 * 512 + 1000, 24, 0x55);
	assert_file_pattern(e, 42 * 512, IMG_SIZE - 42 * 512);
}

/*
 * A write the host took only part of before failing (the file system filled up) is an
 * IOERR, never OK, and the device goes on serving once the fault is gone.
 */
static void test_partial_write_fails(void **state)
{
	struct env *e = *state;
	struct vdrv_seg wr[1] = {{DATA_GPA, 4096, false}};
	struct vdrv_seg rd[1] = {{DATA2_GPA, 4096, true}};

	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0x66, 4096);
	fault_arm(FAULT_ENOSPC);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 64, wr, 1, NULL), VIRTIO_BLK_S_IOERR);
	assert_int_equal(__atomic_load_n(&calls, __ATOMIC_SEQ_CST), 2);
	fault_arm(FAULT_NONE);
	assert_file_byte(e, 64 * 512, SHORT_BYTES, 0x66); /* what the host did take */
	assert_int_equal(do_req(e, VIRTIO_BLK_T_OUT, 64, wr, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 64, rd, 1, NULL), VIRTIO_BLK_S_OK);
	assert_memory_equal(e->d.ram + DATA2_GPA, e->d.ram + DATA_GPA, 4096);
}

/*
 * A real short read: the image shrinks under a running guest (someone truncated it). A
 * read across the new end gets part of its bytes and then end-of-file: IOERR, not OK with
 * stale bytes; a read wholly past it too; what is still there reads as before.
 */
static void test_image_shrinks(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 4096, true}};
	uint32_t len;

	linux_init(e);
	assert_int_equal(ftruncate(e->fd, IMG_SIZE / 2), 0);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, IMG_SIZE / 2 / 512 - 2, d, 1, &len),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(len, 1);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, IMG_SIZE / 2 / 512 + 8, d, 1, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, IMG_SIZE / 2 / 512 - 8, d, 1, NULL),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA_GPA + 4095], pattern(IMG_SIZE / 2 - 1));
}

static void test_unsupported(void **state)
{
	struct env *e = *state;
	uint32_t len;

	linux_init(e);
	assert_int_equal(do_req(e, 99, 0, NULL, 0, &len), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(len, 1);
}

/* A descriptor loop: the device gives up on the queue and asks for a reset. */
static void test_malformed_chain(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, true}};
	struct timespec ms = {0, 50000000};
	int i;

	linux_init(e);
	vdrv_desc_set(&e->d.q[0], 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->d.q[0], 1, STATUS_GPA, 1, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	e->d.q[0].next_desc = 2;
	vdrv_avail_publish(&e->d.q[0], 0);
	kick(e);
	for (i = 0; i < 5000 && !(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS) & S_NR); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	/* Later requests are left alone until reset. */
	queue_req(e, VIRTIO_BLK_T_IN, 0, d, 1);
	kick(e);
	nanosleep(&ms, NULL);
	assert_int_equal(vdrv_used_idx(&e->d.q[0]), 0);
	/* A reset and a new init bring it back. */
	linux_init(e);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 1, d, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(e->d.ram[DATA_GPA + 3], pattern(512 + 3));
}

/* No status byte (the last descriptor is readable): cannot complete, needs reset. */
static void test_no_status_byte(void **state)
{
	struct env *e = *state;
	struct vdrv_seg s[1] = {{HDR_GPA, 16, false}};
	int i;

	linux_init(e);
	memset(e->d.ram + HDR_GPA, 0, 16);
	vdrv_add_chain(&e->d.q[0], s, 1);
	vdrv_publish(&e->d.q[0]);
	kick(e);
	for (i = 0; i < 5000 && !(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS) & S_NR); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	assert_int_equal(vdrv_used_idx(&e->d.q[0]), 0);
}

static void test_reset_reinit(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, true}};

	linux_init(e);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 4, d, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 5, d, 1, NULL), VIRTIO_BLK_S_OK);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(__atomic_load_n(&e->irq_level, __ATOMIC_SEQ_CST), 0);
	linux_init(e);
	memset(e->d.ram + DATA_GPA, 0, 512);
	assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, 6, d, 1, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(vdrv_used_idx(&e->d.q[0]), 1);
	assert_int_equal(e->d.ram[DATA_GPA + 7], pattern(6 * 512 + 7));
}

/* Many requests, one kick: all complete, in a batch. */
static void test_batch(void **state)
{
	struct env *e = *state;
	uint16_t slot[32];
	unsigned int i;

	linux_init(e);
	for (i = 0; i < 32; i++) {
		struct vdrv_seg d[1] = {{DATA_GPA + 512 * (uint64_t)i, 512, true}};

		slot[i] = queue_req(e, VIRTIO_BLK_T_IN, i, d, 1);
	}
	kick(e);
	assert_true(wait_used(e, 32));
	for (i = 0; i < 32; i++) {
		assert_int_equal(e->d.ram[STATUS_GPA + slot[i]], VIRTIO_BLK_S_OK);
		assert_int_equal(e->d.ram[DATA_GPA + 512 * i + 9], pattern(512 * i + 9));
	}
	assert_int_equal(__atomic_load_n(&e->irq_level, __ATOMIC_SEQ_CST), 1);
}

/* Requests that wrap the 16-bit ring indices and the descriptor table. */
static void test_many(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, true}};
	unsigned int i;

	linux_init(e);
	for (i = 0; i < 600; i++) {
		assert_int_equal(do_req(e, VIRTIO_BLK_T_IN, i % 2048, d, 1, NULL), VIRTIO_BLK_S_OK);
		assert_int_equal(e->d.ram[DATA_GPA + 1], pattern((i % 2048) * 512 + 1));
	}
}

static void test_create_invalid(void **state)
{
	struct env *e = *state;
	struct blk_disk d = e->disk;

	d.size = 1000;
	errno = 0;
	assert_null(virtio_blk_create(&d, &e->d.gm, -1, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	d = e->disk;
	d.fd = -1;
	assert_null(virtio_blk_create(&d, &e->d.gm, -1, NULL, NULL));
	assert_null(virtio_blk_create(&e->disk, NULL, -1, NULL, NULL));
	assert_null(virtio_blk_create(NULL, &e->d.gm, -1, NULL, NULL));
}

/* Destroy with requests in flight and the device active: the thread is joined. */
static void test_destroy_active(void **state)
{
	struct env *e = *state;
	struct vdrv_seg d[1] = {{DATA_GPA, 512, true}};

	linux_init(e);
	queue_req(e, VIRTIO_BLK_T_IN, 0, d, 1);
	kick(e);
	virtio_blk_destroy(e->b);
	e->b = virtio_blk_create(&e->disk, &e->d.gm, e->notify_fd, fake_set_irq, e);
	assert_non_null(e->b);
	e->d.t = virtio_blk_transport(e->b);
}

#define T(fn)	 cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)
#define T_RO(fn) cmocka_unit_test_setup_teardown(fn, env_setup_ro, env_teardown)
#define T_EV(fn) cmocka_unit_test_setup_teardown(fn, env_setup_eventfd, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_config_space),
	    T_RO(test_config_space_ro),
	    T(test_read),
	    T_EV(test_read),
	    T(test_trace_kick),
	    T(test_early_chain),
	    T_EV(test_early_chain),
	    T(test_write),
	    T_EV(test_write),
	    T(test_flush),
	    T(test_get_id),
	    T(test_get_id_short_serial),
	    T(test_discard),
	    T(test_write_zeroes),
	    T_RO(test_read_only),
	    T(test_direct),
	    T(test_beyond_capacity),
	    T(test_short_transfers),
	    T_EV(test_short_transfers),
	    T(test_partial_write_fails),
	    T(test_image_shrinks),
	    T(test_unsupported),
	    T(test_malformed_chain),
	    T(test_no_status_byte),
	    T(test_reset_reinit),
	    T_EV(test_reset_reinit),
	    T(test_batch),
	    T_EV(test_batch),
	    T(test_many),
	    T(test_create_invalid),
	    T(test_destroy_active),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
