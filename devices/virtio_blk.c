// SPDX-License-Identifier: MIT
/*
 * virtio-blk device (virtio 1.2, 5.2): one request queue served by one I/O
 * thread, on top of the virtio-mmio transport and the request parser.
 *
 * Threads and locks:
 *  - vCPU threads enter through virtio_mmio_io(), under t->lock; our ops run
 *    there. notify only writes the kick eventfd; activate/reset take b->lock.
 *  - The I/O thread sleeps in poll() on the kick fd and the stop fd and
 *    drains the queue under b->lock. It never takes t->lock: it calls only
 *    signal_used and needs_reset, which take the leaf t->irq_lock. So reset
 *    (t->lock, then b->lock) waits for the request in flight and cannot
 *    deadlock against the thread.
 *
 * Choices where the spec leaves room:
 *  - SIZE_MAX is not offered: segments are host pointers handed to
 *    preadv/pwritev, so any segment size works; virtq_pop caps a chain at
 *    VIRTQ_MAX_SEGS segments and 4 GiB.
 *  - CONFIG_WCE is not offered: with FLUSH negotiated the driver treats the
 *    device as a writeback cache and sends flushes, which we honour with
 *    fdatasync (also on O_DIRECT images: the host disk has a cache too).
 *  - A DISCARD the host cannot do (EOPNOTSUPP) succeeds: discard is a hint
 *    and the data of discarded sectors is unspecified (5.2.6.4).
 *  - A broken ring (a chain virtq_pop refuses, or one without a status
 *    byte) sets DEVICE_NEEDS_RESET; the queue is left alone until reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <sys/eventfd.h>
#include <linux/falloc.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "device.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"
#include "../base/log.h"
#include "../base/sandbox.h"
#include "../base/trace.h"

#define BLK_QUEUE_MAX	  256
#define BLK_SEG_MAX	  254	     /* VIRTQ_MAX_SEGS - 2 would do; Linux's default is 254 */
#define BLK_DISCARD_MAX	  (1u << 22) /* sectors per range: 2 GiB */
#define BLK_DISCARD_ALIGN 8	     /* sectors: the 4 KiB block of host filesystems */
#define BLK_ZERO_BUF	  (64 * 1024)
#define BLK_DIRECT_ALIGN  4096
#define BLK_BOUNCE_MAX	  (1024 * 1024)

_Static_assert(BLK_SEG_MAX <= VIRTQ_MAX_SEGS - 2, "seg_max leaves no room for header and status");

struct virtio_blk {
	struct virtio_mmio t;
	struct blk_disk disk;
	const struct guest_mem *gm;
	struct virtio_blk_config cfg; /* little-endian, built once */
	uint64_t features;

	char name[8]; /* "vda": --trace names the device by it (virtio_blk_set_name) */
	int kick_fd;  /* notify_fd, or own_kick_fd */
	int own_kick_fd;
	int stop_fd;
	pthread_t thread;
	void *zeroes; /* BLK_ZERO_BUF, aligned for O_DIRECT */

	pthread_mutex_t lock;  /* active, broken, and every queue access of the thread */
	bool active;	       /* between activate and reset */
	bool broken;	       /* needs_reset sent: leave the queue alone */
	atomic_bool resetting; /* reset waits for the lock: stop draining early */

	/* I/O thread only; big, so not on its stack. */
	struct virtq_chain chain;
	struct blk_req req;
};

/* --- I/O helpers -------------------------------------------------------------------------- */

/* Drop the first n bytes of an iovec array, in place. */
static void iov_advance(struct iovec **iov, unsigned int *niov, size_t n)
{
	while (*niov && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*niov)--;
	}
	if (*niov && n) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

/* preadv/pwritev all of iov at off: short transfers are resumed, EINTR retried. */
static int blk_rw_full(int fd, struct iovec *iov, unsigned int niov, uint64_t off, bool write)
{
	while (niov) {
		unsigned int n = niov > IOV_MAX ? IOV_MAX : niov;
		ssize_t r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the image shrank under us */
		off += r;
		iov_advance(&iov, &niov, r);
	}
	return 0;
}

/*
 * O_DIRECT wants buffers aligned to the host's logical block. Guest RAM is
 * page aligned, but a guest may hand out any address: go through an aligned
 * bounce buffer then.
 */
static bool iov_aligned(const struct iovec *iov, unsigned int niov)
{
	unsigned int i;

	for (i = 0; i < niov; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) % BLK_DIRECT_ALIGN)
			return false;
	return true;
}

/* Copy len bytes between buf and the iovec array, starting skip bytes into the array. */
static void iov_copy(const struct iovec *iov, unsigned int niov, size_t skip, uint8_t *buf,
		     size_t len, bool to_iov)
{
	unsigned int i;

	for (i = 0; i < niov && len; i++) {
		size_t l;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		l = iov[i].iov_len - skip < len ? iov[i].iov_len - skip : len;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + skip, buf, l);
		else
			memcpy(buf, (uint8_t *)iov[i].iov_base + skip, l);
		buf += l;
		len -= l;
		skip = 0;
	}
}

/* In chunks, so that a guest's 4 GiB chain does not become a 4 GiB host allocation. */
static int blk_rw_bounce(int fd, const struct blk_req *r, uint64_t off, bool write)
{
	size_t size = r->data_len < BLK_BOUNCE_MAX ? r->data_len : BLK_BOUNCE_MAX;
	size_t done, n;
	void *buf;
	int err = 0;

	if (posix_memalign(&buf, BLK_DIRECT_ALIGN, size ? size : 1))
		return -ENOMEM;
	for (done = 0; done < r->data_len && !err; done += n) {
		struct iovec biov = {buf, r->data_len - done < size ? r->data_len - done : size};

		n = biov.iov_len;
		if (write)
			iov_copy(r->iov, r->niov, done, buf, n, false);
		err = blk_rw_full(fd, &biov, 1, off + done, write);
		if (!err && !write)
			iov_copy(r->iov, r->niov, done, buf, n, true);
	}
	free(buf);
	return err;
}

static int blk_rw(struct virtio_blk *b, struct blk_req *r, bool write)
{
	uint64_t off = r->sector * BLK_SECTOR_SIZE;

	if (b->disk.direct && !iov_aligned(r->iov, r->niov))
		return blk_rw_bounce(b->disk.fd, r, off, write);
	return blk_rw_full(b->disk.fd, r->iov, r->niov, off, write);
}

static int blk_fdatasync(int fd)
{
	while (fdatasync(fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int blk_fallocate(int fd, int mode, uint64_t off, uint64_t len)
{
	while (fallocate(fd, mode, off, len) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int blk_write_zeroes_slow(struct virtio_blk *b, uint64_t off, uint64_t len)
{
	while (len) {
		struct iovec iov = {b->zeroes, len < BLK_ZERO_BUF ? len : BLK_ZERO_BUF};
		int err = blk_rw_full(b->disk.fd, &iov, 1, off, true);

		if (err)
			return err;
		off += iov.iov_len;
		len -= iov.iov_len;
	}
	return 0;
}

static int blk_zero_range(struct virtio_blk *b, const struct blk_range *rg)
{
	uint64_t off = rg->sector * BLK_SECTOR_SIZE,
		 len = (uint64_t)rg->num_sectors * BLK_SECTOR_SIZE;
	int err;

	if (!len)
		return 0;
	err = blk_fallocate(b->disk.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len);
	/* A punched hole reads back as zeroes too, and the driver allowed unmapping. */
	if (err == -EOPNOTSUPP && (rg->flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
		err =
		    blk_fallocate(b->disk.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	if (err == -EOPNOTSUPP)
		err = blk_write_zeroes_slow(b, off, len);
	return err;
}

static int blk_discard_range(struct virtio_blk *b, const struct blk_range *rg)
{
	int err;

	if (!rg->num_sectors)
		return 0;
	err = blk_fallocate(b->disk.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    rg->sector * BLK_SECTOR_SIZE,
			    (uint64_t)rg->num_sectors * BLK_SECTOR_SIZE);
	return err == -EOPNOTSUPP ? 0 : err;
}

static int blk_ranges(struct virtio_blk *b, const struct blk_req *r)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < r->nr_ranges && !err; i++)
		err = r->type == VIRTIO_BLK_T_DISCARD ? blk_discard_range(b, &r->range[i])
						      : blk_zero_range(b, &r->range[i]);
	return err;
}

/* GET_ID: the serial, NUL-padded; a shorter buffer gets a prefix. */
static uint32_t blk_get_id(struct virtio_blk *b, struct blk_req *r)
{
	uint32_t n = r->data_len < BLK_ID_BYTES ? r->data_len : BLK_ID_BYTES;
	char id[BLK_ID_BYTES] = {0};
	uint32_t done = 0;
	unsigned int i;

	memcpy(id, b->disk.serial, strnlen(b->disk.serial, BLK_ID_BYTES));
	for (i = 0; i < r->niov && done < n; i++) {
		uint32_t l = r->iov[i].iov_len < n - done ? r->iov[i].iov_len : n - done;

		memcpy(r->iov[i].iov_base, id + done, l);
		done += l;
	}
	return n;
}

/* --- requests ----------------------------------------------------------------------------- */

static bool blk_type_writes(uint32_t type)
{
	return type == VIRTIO_BLK_T_OUT || type == VIRTIO_BLK_T_DISCARD ||
	       type == VIRTIO_BLK_T_WRITE_ZEROES;
}

/* Do a parsed request. Returns the status; *written: data bytes put into the chain. */
static uint8_t blk_exec(struct virtio_blk *b, struct blk_req *r, uint32_t *written)
{
	int err = 0;

	*written = 0;
	/* The parser already fails these; a read-only image must never see a write anyway. */
	if (b->disk.read_only && blk_type_writes(r->type))
		return VIRTIO_BLK_S_IOERR;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		err = blk_rw(b, r, false);
		if (!err)
			*written = r->data_len;
		break;
	case VIRTIO_BLK_T_OUT:
		err = blk_rw(b, r, true);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/*
		 * Before the status byte: OK tells the driver that every write
		 * it completed earlier is on stable storage.
		 */
		if (!b->disk.read_only)
			err = blk_fdatasync(b->disk.fd);
		break;
	case VIRTIO_BLK_T_GET_ID:
		*written = blk_get_id(b, r);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		err = blk_ranges(b, r);
		break;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
	if (err) {
		log_guest("virtio-blk: type %u at sector %llu: error %d", r->type,
			  (unsigned long long)r->sector, err);
		*written = 0;
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* One popped chain: parse, do, complete. Returns 0, or -ENOBUFS (cannot complete). */
static int blk_handle(struct virtio_blk *b, struct virtq *q)
{
	struct blk_req *r = &b->req;
	uint32_t written = 0;
	uint8_t status;
	int ret;

	ret = blk_req_parse(&b->chain, b->disk.size / BLK_SECTOR_SIZE, b->disk.read_only, r);
	if (ret == -ENOBUFS)
		return ret;
	status = ret ? r->status : blk_exec(b, r, &written);
	/*
	 * The status byte and the data are plain stores into guest RAM:
	 * virtq_push publishes used->idx with a release store, so the driver
	 * sees both before it sees the request as used.
	 */
	*r->status_ptr = status;
	virtq_push(q, b->chain.head, written + 1);
	return 0;
}

static void blk_broken(struct virtio_blk *b, int err)
{
	log_guest("virtio-blk: broken request queue (%d): needs reset", err);
	b->broken = true;
	virtio_mmio_needs_reset(&b->t);
}

/*
 * Drain the queue, then interrupt once for the batch. Called with b->lock
 * held and the device active.
 */
static void blk_drain(struct virtio_blk *b)
{
	struct virtq *q = &b->t.queues[0];
	bool pushed = false;
	int ret = 0;

	if (!q->ready)
		return;
	for (;;) {
		while (!atomic_load(&b->resetting) && (ret = virtq_pop(q, b->gm, &b->chain)) > 0) {
			ret = blk_handle(b, q);
			if (ret < 0)
				break;
			pushed = true;
		}
		if (ret < 0) {
			blk_broken(b, ret);
			break;
		}
		if (atomic_load(&b->resetting))
			break;
		/*
		 * Re-arm avail_event, then look again: a chain added after
		 * our last pop may have seen the old avail_event and come
		 * without a kick.
		 */
		if (!virtq_set_avail_event(q))
			break;
	}
	/* One decision per batch: needs_notify also records what we signalled. */
	if (pushed && virtq_needs_notify(q))
		virtio_mmio_signal_used(&b->t);
}

static void blk_kicked(struct virtio_blk *b)
{
	pthread_mutex_lock(&b->lock);
	if (b->active && !b->broken)
		blk_drain(b);
	pthread_mutex_unlock(&b->lock);
}

/* --trace: the guest's QueueNotify writes, which KVM turned into eventfd signals (v of them
 * since the last read), as this thread takes them; the completion's interrupt follows. */
static void blk_trace_kick(const struct virtio_blk *b, uint64_t v)
{
	char who[16];

	snprintf(who, sizeof(who), "%s-io", b->name);
	trace_set_thread(who);
	trace_emit(&(struct trace_event){.cat = TRACE_IRQ,
					 .op = "kick",
					 .has_data = true,
					 .data = v,
					 .dev = b->name,
					 .via = "ioeventfd",
					 .ns = -1});
}

void virtio_blk_set_name(struct virtio_blk *b, const char *name)
{
	snprintf(b->name, sizeof(b->name), "%s", name);
}

static void *blk_thread(void *arg)
{
	struct virtio_blk *b = arg;
	struct pollfd p[2] = {{.fd = b->kick_fd, .events = POLLIN},
			      {.fd = b->stop_fd, .events = POLLIN}};
	uint64_t v;

	sandbox_enter(SANDBOX_BLK_IO);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_msg("virtio-blk: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		/* Consume the kick before draining: a kick that lands later wakes us again. */
		if (read(b->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			continue;
		if (trace_wants(TRACE_IRQ))
			blk_trace_kick(b, v);
		blk_kicked(b);
	}
	return NULL;
}

static void blk_kick(struct virtio_blk *b)
{
	uint64_t one = 1;

	/* Only EAGAIN (counter saturated) can fail here, and then a kick is pending anyway. */
	if (write(b->kick_fd, &one, sizeof(one)) < 0)
		log_guest("virtio-blk: kick: %s", strerror(errno));
}

/* --- transport ops ------------------------------------------------------------------------ */

static uint64_t blk_features(void *dev)
{
	struct virtio_blk *b = dev;

	return b->features;
}

static int blk_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct virtio_blk *b = dev;

	if (off > sizeof(b->cfg) || len > sizeof(b->cfg) - off)
		return -EINVAL;
	memcpy(data, (uint8_t *)&b->cfg + off, len);
	return 0;
}

static int blk_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
	return -EPERM; /* only writeback is writable, and CONFIG_WCE is not offered */
}

static int blk_activate(void *dev)
{
	struct virtio_blk *b = dev;

	bool pending;

	pthread_mutex_lock(&b->lock);
	b->active = true;
	b->broken = false;
	/* Under the lock the I/O thread is not in the ring: reading avail->idx is safe. */
	pending = virtq_avail_pending(&b->t.queues[0]);
	pthread_mutex_unlock(&b->lock);
	/*
	 * Chains made available before DRIVER_OK got no kick we passed on: look now, if there
	 * are any. Not otherwise: the thread would take our kick for the guest's (--trace
	 * says via=ioeventfd), or one kick for two when the guest's follows quickly.
	 */
	if (pending)
		blk_kick(b);
	return 0;
}

static void blk_notify(void *dev, uint16_t queue)
{
	(void)queue; /* the transport checked it: we have one */
	blk_kick(dev);
}

static void blk_reset(void *dev)
{
	struct virtio_blk *b = dev;

	/* Make the thread stop after its current request rather than drain a full ring. */
	atomic_store(&b->resetting, true);
	pthread_mutex_lock(&b->lock);
	b->active = false;
	b->broken = false;
	atomic_store(&b->resetting, false);
	pthread_mutex_unlock(&b->lock);
}

static const struct virtio_mmio_ops blk_ops = {
    .features = blk_features,
    .config_read = blk_config_read,
    .config_write = blk_config_write,
    .activate = blk_activate,
    .notify = blk_notify,
    .reset = blk_reset,
};

/* --- setup -------------------------------------------------------------------------------- */

static void blk_setup_config(struct virtio_blk *b)
{
	struct virtio_blk_config *c = &b->cfg;
	uint64_t f;

	f = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
	    1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_RING_F_INDIRECT_DESC |
	    1ULL << VIRTIO_RING_F_EVENT_IDX;
	memset(c, 0, sizeof(*c));
	c->capacity = htole64(b->disk.size / BLK_SECTOR_SIZE);
	c->seg_max = htole32(BLK_SEG_MAX);
	c->blk_size = htole32(BLK_SECTOR_SIZE);
	if (b->disk.read_only) {
		f |= 1ULL << VIRTIO_BLK_F_RO;
	} else {
		f |= 1ULL << VIRTIO_BLK_F_DISCARD | 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
		c->max_discard_sectors = htole32(BLK_DISCARD_MAX);
		c->max_discard_seg = htole32(BLK_MAX_RANGES);
		c->discard_sector_alignment = htole32(BLK_DISCARD_ALIGN);
		c->max_write_zeroes_sectors = htole32(BLK_DISCARD_MAX);
		c->max_write_zeroes_seg = htole32(BLK_MAX_RANGES);
		c->write_zeroes_may_unmap = 1;
	}
	b->features = f;
}

static int blk_open_fds(struct virtio_blk *b, int notify_fd)
{
	b->own_kick_fd = -1;
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->stop_fd < 0)
		return -errno;
	if (notify_fd >= 0) {
		b->kick_fd = notify_fd;
		return 0;
	}
	b->own_kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->own_kick_fd < 0)
		return -errno;
	b->kick_fd = b->own_kick_fd;
	return 0;
}

static void blk_free(struct virtio_blk *b)
{
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	if (b->own_kick_fd >= 0)
		close(b->own_kick_fd);
	free(b->zeroes);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static bool blk_disk_ok(const struct blk_disk *d)
{
	return d && d->fd >= 0 && d->size >= BLK_SECTOR_SIZE && d->size % BLK_SECTOR_SIZE == 0;
}

struct virtio_blk *virtio_blk_create(const struct blk_disk *disk, const struct guest_mem *gm,
				     int notify_fd, device_irq_fn set_irq, void *irq_ctx)
{
	struct virtio_blk *b;
	int err;

	if (!blk_disk_ok(disk) || !gm) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->stop_fd = b->own_kick_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	b->disk = *disk;
	b->disk.serial[sizeof(b->disk.serial) - 1] = '\0';
	b->gm = gm;
	blk_setup_config(b);
	err = blk_open_fds(b, notify_fd);
	if (!err && posix_memalign(&b->zeroes, BLK_DIRECT_ALIGN, BLK_ZERO_BUF))
		err = -ENOMEM;
	if (!err) {
		memset(b->zeroes, 0, BLK_ZERO_BUF);
		err = virtio_mmio_init(&b->t, VIRTIO_ID_BLOCK, 1, BLK_QUEUE_MAX, &blk_ops, b, gm,
				       set_irq, irq_ctx);
	}
	if (err)
		goto fail;
	err = -pthread_create(&b->thread, NULL, blk_thread, b);
	if (!err) {
		pthread_setname_np(b->thread, "virtio-blk");
		return b;
	}
	virtio_mmio_destroy(&b->t);
fail:
	blk_free(b);
	errno = -err;
	return NULL;
}

struct virtio_mmio *virtio_blk_transport(struct virtio_blk *b)
{
	return &b->t;
}

int virtio_blk_flush(struct virtio_blk *b)
{
	if (b->disk.read_only)
		return 0;
	return blk_fdatasync(b->disk.fd);
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	uint64_t one = 1;

	if (!b)
		return;
	if (write(b->stop_fd, &one, sizeof(one)) < 0)
		log_msg("virtio-blk: stop: %s", strerror(errno));
	pthread_join(b->thread, NULL);
	/* Completed writes the guest never flushed still reach the disk on a clean exit. */
	if (virtio_blk_flush(b))
		log_msg("virtio-blk: final flush failed");
	virtio_mmio_destroy(&b->t);
	blk_free(b);
}

/* --- the device: one per virtio-mmio slot of type block, its image from the slot's cfg ----- */

struct blk_dev {
	struct virtio_blk *b;
	struct blk_disk disk;
	const struct device_host *h;
	int slot;
	bool attached;
	char name[8]; /* vda, vdb, ...: the order Linux names them in */
};

/* The machine's slot of the i-th block device, or -1. */
static int blk_dev_slot(const struct machine_desc *m, int i)
{
	for (int s = 0; s < m->nr_virtio; s++)
		if (m->virtio[s].device_id == VIRTIO_ID_BLOCK && i-- == 0)
			return s;
	return -1;
}

static int blk_dev_count(const struct device_host *h)
{
	int n = 0;

	while (blk_dev_slot(h->mach, n) >= 0)
		n++;
	return n;
}

static void blk_dev_destroy(void *dev)
{
	struct blk_dev *d = dev;

	/* Out of KVM before the kick fd closes; the flush in virtio_blk_destroy reaches the image.
	 */
	if (d->attached)
		d->h->virtio_detach(d->h->vmm, d->slot, d->b->kick_fd);
	virtio_blk_destroy(d->b);
	disk_close(&d->disk);
	free(d);
}

static int blk_dev_create(const struct device_host *h, int i, void **dev)
{
	struct blk_dev *d = calloc(1, sizeof(*d));
	const struct virtio_mmio_desc *v;
	int err;

	if (!d)
		return -ENOMEM;
	d->h = h;
	d->slot = blk_dev_slot(h->mach, i);
	v = &h->mach->virtio[d->slot];
	snprintf(d->name, sizeof(d->name), "vd%c", 'a' + i);
	if (disk_open(v->cfg, &d->disk)) { /* it named the image and the problem */
		free(d);
		return -EINVAL;
	}
	d->b = virtio_blk_create(&d->disk, h->mem, -1, h->set_irq,
				 h->irq_line(h->vmm, v->irq, MACHINE_VIRTIO_IRQ_LEVEL, d->name));
	if (d->b)
		virtio_blk_set_name(d->b, d->name);
	err = d->b ? h->virtio_attach(h->vmm, d->slot, &d->b->t, d->b->kick_fd, d->name) : -errno;
	d->attached = !err;
	if (err) {
		log_msg("%s: %s", d->name, strerror(-err));
		blk_dev_destroy(d);
		return err;
	}
	*dev = d;
	return 0;
}

/* As a driver writing 0 to Status: the I/O thread idles, the image stays open and locked. */
static void blk_dev_reset(void *dev)
{
	virtio_mmio_reset(&((struct blk_dev *)dev)->b->t);
}

struct blk_disk *virtio_blk_device_disk(void *dev)
{
	return &((struct blk_dev *)dev)->disk;
}

static void blk_dev_dump(void *dev)
{
	struct blk_dev *d = dev;

	virtio_mmio_dump(&d->b->t, d->name);
}

const struct device_ops virtio_blk_device = {
    .name = "virtio-blk",
    .count = blk_dev_count,
    .create = blk_dev_create,
    .reset = blk_dev_reset,
    .destroy = blk_dev_destroy,
    .dump = blk_dev_dump,
};
