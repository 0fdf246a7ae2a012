/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueue, device side (virtio 1.2, 2.7). The three rings and every
 * buffer live in guest RAM, which the guest keeps writing while we read it:
 * every address and length it gives us goes through guest_mem_ptr(), every
 * descriptor is read once into a local before it is checked, and a chain the
 * driver built against the spec is reported as an error, never followed.
 *
 * One thread drives a queue at a time (the device's queue thread or the
 * vCPU that kicked it, under the device lock): struct virtq has no lock.
 */
#ifndef DEVICES_VIRTQ_H
#define DEVICES_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include "../base/mem.h"

#define VIRTQ_MAX_SIZE 32768

/*
 * Segments one chain may have, direct and indirect together. 1024 is QEMU's
 * VIRTQUEUE_MAX_SIZE and the host's IOV_MAX, so a chain maps onto a single
 * preadv()/pwritev(). A device must advertise seg_max <= VIRTQ_MAX_SEGS - 2
 * (virtio-blk adds a header and a status descriptor to its data).
 */
#define VIRTQ_MAX_SEGS 1024
/* Entries an indirect table may have: more could never fit in a chain. */
#define VIRTQ_MAX_INDIRECT VIRTQ_MAX_SEGS

/* c->head when pop failed before it owned a head: nothing to push back. */
#define VIRTQ_NO_HEAD UINT32_MAX

struct virtq {
	/* Set by the transport before virtq_check(). */
	uint16_t size; /* power of 2, 1..VIRTQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool ready;	/* QUEUE_READY written 1 and virtq_check() passed */

	/* Device state. */
	uint16_t last_avail_idx; /* next avail ring slot we will consume */
	uint16_t avail_idx;	 /* last avail->idx we read (saves re-reads) */
	uint16_t used_idx;	 /* our copy of used->idx */
	uint16_t signalled_used; /* used_idx at the last notify decision */
	bool signalled_valid;	 /* false until the first decision after reset */

	/* Host views of the rings, set by virtq_check(). */
	uint8_t *desc, *avail, *used;
};

struct virtq_seg {
	void *addr; /* host pointer; NULL when len == 0 */
	uint32_t len;
	bool write; /* device-writable */
};

struct virtq_chain {
	uint32_t head; /* head descriptor index, or VIRTQ_NO_HEAD */
	unsigned int nr_segs;
	unsigned int nr_read;	      /* segs[0..nr_read) are device-readable, the rest writable */
	uint32_t read_len, write_len; /* bytes, summed; the spec caps a chain at 4 GiB */
	struct virtq_seg segs[VIRTQ_MAX_SEGS];
};

/*
 * Validate the rings against size, alignment and guest RAM and cache their
 * host addresses. Call when the driver writes QUEUE_READY = 1 (features are
 * final by then). Returns 0 or -EINVAL; does not set q->ready.
 */
int virtq_check(struct virtq *q, const struct guest_mem *gm);

/*
 * Take the next available chain into c. Returns 1 with c filled, 0 when the
 * ring is empty, or a negative errno when the driver broke the ring:
 *   -EINVAL  ring or chain structure (index out of range, bad flags, bad
 *            indirect table, readable after writable, avail->idx too far ahead)
 *   -EFAULT  a buffer or indirect table not wholly in guest RAM
 *   -E2BIG   too many descriptors (a loop), too many segments, chain > 4 GiB
 * On a chain error c->head is the consumed head (the caller may push it back
 * with len 0 to fail the request, or set DEVICE_NEEDS_RESET); on a ring error
 * it is VIRTQ_NO_HEAD and the ring is not advanced.
 */
int virtq_pop(struct virtq *q, const struct guest_mem *gm, struct virtq_chain *c);

/* Return a chain: len bytes were written into its writable buffers. 0 or -EINVAL. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);

/* After pushes: must the device interrupt the driver? Records the decision. */
bool virtq_needs_notify(struct virtq *q);

/*
 * With EVENT_IDX: ask the driver to kick when it makes the next chain
 * available. Returns true if chains arrived meanwhile: pop again, or one
 * could wait forever for a kick the driver decided not to send.
 */
bool virtq_set_avail_event(struct virtq *q);

/* Has the driver made a chain available that we have not popped? */
bool virtq_avail_pending(const struct virtq *q);

/* Device reset or QUEUE_RESET: forget everything, including the addresses. */
void virtq_reset(struct virtq *q);

/*
 * One line on the state of a queue, ours and the guest's side of it (for a person looking
 * at a stuck device: SIGUSR2). Reads the rings without synchronisation: a snapshot.
 */
void virtq_describe(const struct virtq *q, char *buf, size_t len);

#endif
