/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk device-model throughput, no guest: this thread plays the driver
 * (rings in fake guest RAM, kicks through an eventfd as KVM_IOEVENTFD would)
 * against the device's I/O thread, and the same patterns are run with plain
 * preadv/pwritev on the same file, in the same run, for comparison.
 *
 * The device serves its queue from one thread, so the raw baseline is one
 * thread issuing the same requests back to back; the driver keeps QD
 * requests in flight so the device never waits for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "base/mem.h"
#include "tests/lib/vdrv.h"

#define RAM_SIZE   (64ULL << 20)
#define IMG_SIZE   (256ULL << 20)
#define QSIZE	   256
#define QD	   32
#define DESC_GPA   0x10000ULL
#define AVAIL_GPA  0x14000ULL
#define USED_GPA   0x18000ULL
#define HDR_GPA	   0x20000ULL
#define STATUS_GPA 0x21000ULL
#define DATA_GPA   0x100000ULL /* QD buffers of up to 1 MiB */
#define RUN_NS	   700000000LL
#define ROUNDS	   5

struct pattern {
	const char *name;
	uint32_t len;
	bool random, write;
};

struct drv {
	struct vdrv v; /* RAM, rings, MMIO window: tests/lib/vdrv.c */
	uint8_t *ram;
	int kick_fd, fd;
	uint16_t kicked_idx, last_used;
	uint64_t next_off, rng;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void no_irq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

static int drv_init(struct drv *d)
{
	d->kicked_idx = d->last_used = 0;
	return vdrv_init(&d->v, ~0ULL);
}

static uint64_t next_sector(struct drv *d, const struct pattern *p)
{
	uint64_t off;

	if (p->random) {
		d->rng ^= d->rng << 13;
		d->rng ^= d->rng >> 7;
		d->rng ^= d->rng << 17;
		off = d->rng % (IMG_SIZE / p->len) * p->len;
	} else {
		off = d->next_off;
		d->next_off = (d->next_off + p->len) % IMG_SIZE;
	}
	return off / 512;
}

/* Slot s owns descriptors 3s..3s+2, header s, status s, buffer s. */
static void submit(struct drv *d, unsigned int s, const struct pattern *p)
{
	struct virtio_blk_outhdr h = {p->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, 0,
				      next_sector(d, p)};
	const struct vdrv_seg segs[3] = {
	    {HDR_GPA + 16 * s, 16, false},
	    {DATA_GPA + (uint64_t)s * (1 << 20), p->len, !p->write},
	    {STATUS_GPA + s, 1, true},
	};

	memcpy(d->ram + HDR_GPA + 16 * s, &h, sizeof(h));
	d->v.q[0].next_desc = 3 * s;
	vdrv_add_chain(&d->v.q[0], segs, 3);
}

/* Publish, and kick only if the device asked for it (EVENT_IDX), as Linux does. */
static void publish(struct drv *d)
{
	uint16_t idx = d->v.q[0].avail_idx;
	uint64_t one = 1;

	vdrv_publish(&d->v.q[0]);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vring_need_event(vdrv_avail_event(&d->v.q[0]), idx, d->kicked_idx) &&
	    write(d->kick_fd, &one, sizeof(one)) < 0)
		perror("kick");
	d->kicked_idx = idx;
}

static double run_device(struct drv *d, const struct pattern *p)
{
	int64_t start = now_ns(), end = start + RUN_NS;
	unsigned int s, inflight = QD;
	uint64_t bytes = 0;

	for (s = 0; s < QD; s++)
		submit(d, s, p);
	publish(d);
	while (inflight) {
		uint16_t used = vdrv_used_idx(&d->v.q[0]);
		bool more;

		/*
		 * Spin like a polling driver: sleeping here would make the driver the
		 * bottleneck. Gently: pause, and the clock only once there is work, so
		 * that the spinning takes little from the device thread (the two may
		 * share a physical core).
		 */
		if (used == d->last_used) {
			for (int i = 0; i < 16; i++)
				__builtin_ia32_pause();
			continue;
		}
		more = now_ns() < end;
		for (; d->last_used != used; d->last_used++) {
			uint32_t id, len;

			vdrv_used_elem(&d->v.q[0], d->last_used, &id, &len);
			s = id / 3;
			if (d->ram[STATUS_GPA + s] != VIRTIO_BLK_S_OK) {
				fprintf(stderr, "blk-model: request failed\n");
				exit(1);
			}
			bytes += p->len;
			if (more)
				submit(d, s, p);
			else
				inflight--;
		}
		if (more)
			publish(d);
	}
	return bytes / ((now_ns() - start) / 1e9) / 1e6;
}

static double run_raw(struct drv *d, const struct pattern *p)
{
	int64_t start = now_ns(), end = start + RUN_NS;
	uint64_t bytes = 0;
	unsigned int s = 0;

	while (now_ns() < end) {
		struct iovec iov = {d->ram + DATA_GPA + (uint64_t)s * (1 << 20), p->len};
		off_t off = next_sector(d, p) * 512;
		ssize_t r = p->write ? pwritev(d->fd, &iov, 1, off) : preadv(d->fd, &iov, 1, off);

		if (r != (ssize_t)p->len) {
			perror("raw");
			exit(1);
		}
		bytes += r;
		s = (s + 1) % QD;
	}
	return bytes / ((now_ns() - start) / 1e9) / 1e6;
}

static int make_image(void)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	uint64_t off;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/blk_model.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	buf = malloc(1 << 20);
	if (!buf)
		return -1;
	for (off = 0; off < IMG_SIZE; off += 1 << 20) {
		memset(buf, (int)(off >> 20), 1 << 20);
		if (pwrite(fd, buf, 1 << 20, off) != 1 << 20)
			return -1;
	}
	free(buf);
	fsync(fd);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct pattern pats[] = {
	    {"4k-randread", 4096, true, false},
	    {"1m-seqread", 1 << 20, false, false},
	    {"1m-seqwrite", 1 << 20, false, true},
	};
	struct blk_disk disk = {.size = IMG_SIZE, .serial = "bench"};
	struct virtio_blk *b;
	struct drv d = {.rng = 0x9e3779b97f4a7c15ULL};
	unsigned int i, r;

	if (vdrv_ram_alloc(&d.v, RAM_SIZE, 0))
		return 1;
	d.v.q[0] = (struct vdrv_ring){
	    .gm = &d.v.gm, .desc = DESC_GPA, .avail = AVAIL_GPA, .used = USED_GPA, .size = QSIZE};
	d.ram = d.v.ram;
	memset(d.ram, 0xa5, RAM_SIZE);
	d.fd = disk.fd = make_image();
	d.kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d.fd < 0 || d.kick_fd < 0) {
		perror("blk-model: setup");
		return 1;
	}
	b = virtio_blk_create(&disk, &d.v.gm, d.kick_fd, no_irq, NULL);
	if (!b) {
		perror("blk-model: virtio_blk_create");
		return 1;
	}
	d.v.t = virtio_blk_transport(b);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		double dev = 0, raw = 0;

		/* An argument picks one pattern (for profiling). */
		if (argc > 1 && strcmp(argv[1], pats[i].name))
			continue;

		/* Alternate, best of each: both see the same page cache state. */
		for (r = 0; r < ROUNDS; r++) {
			double x;

			d.next_off = 0;
			x = run_raw(&d, &pats[i]);
			raw = x > raw ? x : raw;
			if (drv_init(&d)) {
				fprintf(stderr, "blk-model: driver init failed\n");
				return 1;
			}
			d.next_off = 0;
			x = run_device(&d, &pats[i]);
			dev = x > dev ? x : dev;
		}
		printf("RESULT blk-model %s: device %.0f MB/s, raw %.0f MB/s, ratio %.2f (goal >= "
		       "0.9)\n",
		       pats[i].name, dev, raw, dev / raw);
	}
	virtio_blk_destroy(b);
	close(d.kick_fd);
	close(d.fd);
	vdrv_ram_free(&d.v);
	return 0;
}
