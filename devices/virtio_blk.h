/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (virtio 1.2, 5.2). This header has the request parser: a
 * popped chain in, a checked request out, no I/O and no transport.
 */
#ifndef DEVICES_VIRTIO_BLK_H
#define DEVICES_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_blk.h>

#include "device.h"
#include "disk.h"
#include "virtq.h"

#define BLK_SECTOR_SIZE 512
#define BLK_HDR_SIZE	16 /* struct virtio_blk_outhdr */
#define BLK_RANGE_SIZE	16 /* struct virtio_blk_discard_write_zeroes */

/*
 * Ranges one DISCARD/WRITE_ZEROES request may carry. The device advertises
 * it as max_discard_seg and max_write_zeroes_seg.
 */
#define BLK_MAX_RANGES 16

struct blk_range {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

struct blk_req {
	uint32_t type;	 /* VIRTIO_BLK_T_* */
	uint64_t sector; /* IN/OUT: first sector */
	/*
	 * IN/OUT/GET_ID: the data buffers, host pointers into guest RAM
	 * (writable for IN and GET_ID, readable for OUT).
	 */
	struct iovec iov[VIRTQ_MAX_SEGS];
	unsigned int niov;
	uint32_t data_len;
	/* DISCARD/WRITE_ZEROES: the ranges, copied out of guest RAM and checked. */
	struct blk_range range[BLK_MAX_RANGES];
	unsigned int nr_ranges;
	uint8_t *status_ptr; /* the chain's last byte, or NULL if it has none */
	uint8_t status;	     /* VIRTIO_BLK_S_OK, or how to fail the request */
};

/*
 * Check a chain as a virtio-blk request against the disk's size and mode.
 * Layout (5.2.6): a 16-byte header in the readable bytes (framing is free:
 * it may be split across descriptors), the data, then the status byte as
 * the last byte of the last descriptor, which must be writable.
 *
 * Returns
 *   0         the request is valid: do it, then write the status byte
 *   -EINVAL   the request is invalid: complete it with r->status
 *             (VIRTIO_BLK_S_IOERR or VIRTIO_BLK_S_UNSUPP) and no data
 *   -ENOBUFS  there is no status byte, so the request cannot be completed
 *             at all: the device should set DEVICE_NEEDS_RESET
 */
int blk_req_parse(const struct virtq_chain *c, uint64_t capacity_sectors, bool read_only,
		  struct blk_req *r);

/* --- the device: transport ops, I/O thread, disk image ---------------------------------- */

struct guest_mem;
struct virtio_mmio;

/* An opened, validated, locked image: the VMM fills this. */

struct virtio_blk;

/*
 * Creates the device and its I/O thread. notify_fd: an eventfd the VMM wires
 * to QueueNotify with KVM_IOEVENTFD (the I/O thread waits on it; -1: the
 * transport's notify op kicks the thread instead). set_irq/irq_ctx as for
 * virtio_mmio_init. Returns NULL with errno set.
 */
/* Its name in --trace lines ("vda"); before the device is attached. */
void virtio_blk_set_name(struct virtio_blk *b, const char *name);
struct virtio_blk *virtio_blk_create(const struct blk_disk *disk, const struct guest_mem *gm,
				     int notify_fd, device_irq_fn set_irq, void *irq_ctx);
/* The bus handler's opaque, for virtio_mmio_io(). */
struct virtio_mmio *virtio_blk_transport(struct virtio_blk *b);
/* fdatasync now (host SIGTERM path). 0 or -errno. */
int virtio_blk_flush(struct virtio_blk *b);
/* Stop the thread, flush, free (does not close disk->fd). */
void virtio_blk_destroy(struct virtio_blk *b);

/* The device (devices/device.h): one per block slot of the machine, its disk_cfg as cfg. */
struct device_ops;
extern const struct device_ops virtio_blk_device;
/* The image of one virtio_blk_device instance: hypercalls read it without virtio. */
struct blk_disk *virtio_blk_device_disk(void *dev);

#endif
