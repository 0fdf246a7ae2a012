/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueue, device side. Written from the virtio 1.2 spec (2.7); the
 * hostile-driver checks follow what kvmtool, QEMU and Firecracker learned.
 *
 * Ring layout, all little-endian (2.7.6, 2.7.8):
 *   desc:  size x { le64 addr; le32 len; le16 flags; le16 next; }	align 16
 *   avail: le16 flags; le16 idx; le16 ring[size]; le16 used_event;	align 2
 *   used:  le16 flags; le16 idx; {le32 id; le32 len} ring[size];
 *          le16 avail_event;						align 4
 *
 * Choices:
 *  - Zero-length descriptors are accepted (the split-ring spec does not
 *    forbid them; Firecracker accepts, QEMU refuses). They become segments
 *    with addr NULL and len 0 so that a device can still see them, e.g. a
 *    virtio-blk status descriptor of length 0, which leaves no status byte.
 *  - An indirect descriptor may end a direct chain (2.7.5.3.2: "zero or
 *    more normal chained descriptors followed by a single descriptor with
 *    VIRTQ_DESC_F_INDIRECT"); its WRITE flag is ignored, as the spec says.
 *  - Loops need no visited set: a chain is walked at most size descriptors
 *    in the ring and at most table-length descriptors in an indirect table,
 *    so a loop runs out of budget (-E2BIG).
 *  - An indirect table may be longer than the queue (Linux builds tables of
 *    seg_max + 2 entries without looking at the queue size), up to
 *    VIRTQ_MAX_INDIRECT entries.
 */
#include <endian.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../base/log.h"
#include "virtq.h"

#define DESC_SIZE 16

/* A descriptor as read from the guest, in host byte order. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Ring fields are naturally aligned (virtq_check) and shared with running vCPUs. */
static uint16_t ring_load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void ring_store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void ring_store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

static uint8_t *avail_ring(const struct virtq *q, uint16_t i)
{
	return q->avail + 4 + 2 * (size_t)(i & (q->size - 1));
}

static uint8_t *used_event_ptr(const struct virtq *q)
{
	return q->avail + 4 + 2 * (size_t)q->size;
}

static uint8_t *avail_event_ptr(const struct virtq *q)
{
	return q->used + 4 + 8 * (size_t)q->size;
}

/*
 * avail->idx with acquire semantics: the driver writes the ring entry and
 * the descriptors, then (after its write barrier) the index. Our reads of
 * those must not be satisfied before the index read, or we could see the
 * new index with a stale ring entry or descriptor.
 */
static uint16_t avail_idx_acquire(const struct virtq *q)
{
	return le16toh(__atomic_load_n((const uint16_t *)(q->avail + 2), __ATOMIC_ACQUIRE));
}

/*
 * Read a descriptor exactly once. The guest can rewrite it while we look at
 * it; everything below checks and uses only this copy. The compiler barrier
 * stops the compiler from dropping the copy and re-loading fields from guest
 * memory after they were checked. memcpy because an indirect table has no
 * alignment requirement.
 */
static void desc_read(const uint8_t *p, struct desc *d)
{
	struct vring_desc raw;

	memcpy(&raw, p, sizeof(raw));
	atomic_signal_fence(memory_order_seq_cst);
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

static bool ring_fits(const struct guest_mem *gm, uint64_t gpa, uint64_t len, uint64_t align,
		      uint8_t **hva)
{
	if (gpa & (align - 1))
		return false;
	*hva = guest_mem_ptr(gm, gpa, len);
	return *hva != NULL;
}

int virtq_check(struct virtq *q, const struct guest_mem *gm)
{
	uint64_t n = q->size;

	q->desc = q->avail = q->used = NULL;
	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	/*
	 * The sizes of 2.7 include used_event/avail_event whether or not
	 * EVENT_IDX is negotiated; Linux always allocates them.
	 */
	if (!ring_fits(gm, q->desc_gpa, DESC_SIZE * n, 16, &q->desc) ||
	    !ring_fits(gm, q->avail_gpa, 6 + 2 * n, 2, &q->avail) ||
	    !ring_fits(gm, q->used_gpa, 6 + 8 * n, 4, &q->used)) {
		q->desc = q->avail = q->used = NULL;
		return -EINVAL;
	}
	return 0;
}

static int chain_add(struct virtq_chain *c, const struct guest_mem *gm, const struct desc *d)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	struct virtq_seg *s;
	void *p = NULL;

	if (c->nr_segs == VIRTQ_MAX_SEGS)
		return -E2BIG;
	/* 2.7.4.2: device-readable descriptors come before device-writable ones. */
	if (!write && c->nr_segs > c->nr_read)
		return -EINVAL;
	/* A chain is at most 4 GiB (2.7.5): keeps every sum of lengths in 32 bits. */
	if ((uint64_t)c->read_len + c->write_len + d->len > UINT32_MAX)
		return -E2BIG;
	if (d->len) {
		p = guest_mem_ptr(gm, d->addr, d->len);
		if (!p)
			return -EFAULT;
	}
	s = &c->segs[c->nr_segs++];
	*s = (struct virtq_seg){p, d->len, write};
	if (write) {
		c->write_len += d->len;
	} else {
		c->nr_read++;
		c->read_len += d->len;
	}
	return 0;
}

/* d refers to an indirect table: check it and return its host address and length. */
static int indirect_enter(const struct virtq *q, const struct guest_mem *gm, const struct desc *d,
			  bool nested, const uint8_t **table, uint32_t *entries)
{
	/* 2.7.5.3.1: only if negotiated, one level, and never together with NEXT. */
	if (!q->indirect || nested || (d->flags & VRING_DESC_F_NEXT))
		return -EINVAL;
	if (!d->len || d->len % DESC_SIZE)
		return -EINVAL;
	if (d->len / DESC_SIZE > VIRTQ_MAX_INDIRECT)
		return -E2BIG;
	*table = guest_mem_ptr(gm, d->addr, d->len);
	if (!*table)
		return -EFAULT;
	*entries = d->len / DESC_SIZE;
	return 0;
}

static int chain_walk(const struct virtq *q, const struct guest_mem *gm, struct virtq_chain *c)
{
	const uint8_t *table = q->desc;
	uint32_t entries = q->size, budget = q->size, i = c->head;
	bool nested = false;
	struct desc d;
	int err;

	for (;;) {
		if (!budget--)
			return -E2BIG;
		desc_read(table + (size_t)i * DESC_SIZE, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			err = indirect_enter(q, gm, &d, nested, &table, &entries);
			if (err)
				return err;
			nested = true;
			budget = entries;
			i = 0;
			continue;
		}
		err = chain_add(c, gm, &d);
		if (err)
			return err;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= entries)
			return -EINVAL;
		i = d.next;
	}
}

/* Is there a chain to take? 1 yes, 0 no, -EINVAL if avail->idx is nonsense. */
static int avail_pending(struct virtq *q)
{
	uint16_t idx;

	if (q->avail_idx != q->last_avail_idx)
		return 1;
	idx = avail_idx_acquire(q);
	/* The driver can be at most size entries ahead of us; anything else is garbage. */
	if ((uint16_t)(idx - q->last_avail_idx) > q->size)
		return -EINVAL;
	q->avail_idx = idx;
	return idx != q->last_avail_idx;
}

int virtq_pop(struct virtq *q, const struct guest_mem *gm, struct virtq_chain *c)
{
	uint16_t head;
	int ret;

	c->head = VIRTQ_NO_HEAD;
	c->nr_segs = c->nr_read = 0;
	c->read_len = c->write_len = 0;
	if (!q->ready || !q->desc)
		return -EINVAL;
	ret = avail_pending(q);
	if (ret <= 0)
		goto out;
	head = ring_load16(avail_ring(q, q->last_avail_idx));
	if (head >= q->size) {
		ret = -EINVAL;
		goto out;
	}
	/* From here the head is ours: even a bad chain consumes its slot. */
	q->last_avail_idx++;
	c->head = head;
	ret = chain_walk(q, gm, c);
	if (!ret)
		return 1;
out:
	if (ret < 0)
		log_guest("virtq: malformed ring or chain (head %d): error %d",
			  c->head == VIRTQ_NO_HEAD ? -1 : (int)c->head, ret);
	return ret;
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *elem;

	if (!q->used || head >= q->size)
		return -EINVAL;
	elem = q->used + 4 + 8 * (size_t)(q->used_idx & (q->size - 1));
	ring_store32(elem, head);
	ring_store32(elem + 4, len);
	q->used_idx++;
	/*
	 * Store-release: the element must be visible before the index that
	 * publishes it; the driver reads the index, then (after its read
	 * barrier) the element.
	 */
	__atomic_store_n((uint16_t *)(q->used + 2), htole16(q->used_idx), __ATOMIC_RELEASE);
	return 0;
}

bool virtq_needs_notify(struct virtq *q)
{
	uint16_t old = q->signalled_used, new = q->used_idx;
	bool valid = q->signalled_valid;

	if (!q->used)
		return false;
	/*
	 * Full barrier between publishing used->idx and reading used_event (or
	 * avail->flags). The driver does the mirror image: it writes used_event,
	 * then re-reads used->idx. Without store->load ordering both sides can
	 * read the other's old value: we skip the interrupt, the driver goes to
	 * sleep without seeing our buffers, and the queue stalls.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	q->signalled_used = new;
	q->signalled_valid = true;
	if (valid && new == old)
		return false; /* nothing pushed since the last decision */
	if (q->event_idx) {
		/* After reset we do not know what the driver last saw: interrupt. */
		if (!valid)
			return true;
		return vring_need_event(ring_load16(used_event_ptr(q)), new, old);
	}
	return !(ring_load16(q->avail) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool virtq_set_avail_event(struct virtq *q)
{
	if (!q->used)
		return false;
	if (q->event_idx)
		ring_store16(avail_event_ptr(q), q->last_avail_idx);
	/*
	 * Full barrier, then look at avail->idx again: the driver may have
	 * added a chain after our last pop and read the old avail_event, in
	 * which case it does not kick, and only this re-check finds the chain.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	return avail_idx_acquire(q) != q->last_avail_idx;
}

bool virtq_avail_pending(const struct virtq *q)
{
	return q->ready && q->avail && avail_idx_acquire(q) != q->last_avail_idx;
}

void virtq_describe(const struct virtq *q, char *buf, size_t len)
{
	if (!q->ready || !q->used) {
		snprintf(buf, len, "not ready");
		return;
	}
	snprintf(buf, len,
		 "size %u, avail: idx %u flags %#x used_event %u, ours last_avail %u; "
		 "used: idx %u avail_event %u, ours used %u signalled %u%s",
		 q->size, ring_load16(q->avail + 2), ring_load16(q->avail),
		 ring_load16(used_event_ptr(q)), q->last_avail_idx, ring_load16(q->used + 2),
		 ring_load16(avail_event_ptr(q)), q->used_idx, q->signalled_used,
		 q->signalled_valid ? "" : " (none yet)");
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}
