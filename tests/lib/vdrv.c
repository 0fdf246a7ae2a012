/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "base/layout.h"
#include "vdrv.h"

/* --- a split ring ------------------------------------------------------------------------ */

static uint16_t *u16_at(const struct vdrv_ring *r, uint64_t gpa)
{
	return guest_mem_ptr(r->gm, gpa, 2);
}

void vdrv_desc_write(void *table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct vring_desc v = {addr, len, flags, next};

	memcpy((uint8_t *)table + 16 * (size_t)i, &v, sizeof(v));
}

void vdrv_desc_set(struct vdrv_ring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		   uint16_t next)
{
	vdrv_desc_write(guest_mem_ptr(r->gm, r->desc + 16 * (uint64_t)i, 16), 0, addr, len, flags,
			next);
}

static void avail_add(struct vdrv_ring *r, uint16_t head)
{
	*u16_at(r, r->avail + 4 + 2 * (uint64_t)(r->avail_idx++ % r->size)) = head;
}

uint16_t vdrv_add_chain(struct vdrv_ring *r, const struct vdrv_seg *s, unsigned int n)
{
	uint16_t head = r->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t k = (head + i) % r->size;
		uint16_t flags =
		    (s[i].write ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0);

		vdrv_desc_set(r, k, s[i].gpa, s[i].len, flags, (k + 1) % r->size);
	}
	r->next_desc = (head + n) % r->size;
	avail_add(r, head);
	return head;
}

void vdrv_publish(struct vdrv_ring *r)
{
	__atomic_store_n(u16_at(r, r->avail + 2), r->avail_idx, __ATOMIC_RELEASE);
}

void vdrv_avail_publish(struct vdrv_ring *r, uint16_t head)
{
	avail_add(r, head);
	vdrv_publish(r);
}

void vdrv_add_one(struct vdrv_ring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags)
{
	vdrv_desc_set(r, i, addr, len, flags, 0);
	vdrv_avail_publish(r, i);
}

void vdrv_set_avail_flags(struct vdrv_ring *r, uint16_t flags)
{
	*u16_at(r, r->avail) = flags;
}

void vdrv_set_used_event(struct vdrv_ring *r, uint16_t idx)
{
	*u16_at(r, r->avail + 4 + 2 * (uint64_t)r->size) = idx;
}

void vdrv_start_at(struct vdrv_ring *r, uint16_t idx)
{
	r->avail_idx = idx;
	*u16_at(r, r->avail + 2) = idx;
	*u16_at(r, r->used + 2) = idx;
}

uint16_t vdrv_used_idx(const struct vdrv_ring *r)
{
	return __atomic_load_n(u16_at(r, r->used + 2), __ATOMIC_ACQUIRE);
}

void vdrv_used_elem(const struct vdrv_ring *r, uint16_t slot, uint32_t *id, uint32_t *len)
{
	const uint32_t *el = guest_mem_ptr(r->gm, r->used + 4 + 8 * (uint64_t)(slot % r->size), 8);

	*id = el[0];
	*len = el[1];
}

uint16_t vdrv_avail_event(const struct vdrv_ring *r)
{
	return __atomic_load_n(u16_at(r, r->used + 4 + 8 * (uint64_t)r->size), __ATOMIC_RELAXED);
}

static void zero(const struct vdrv_ring *r, uint64_t gpa, uint64_t len)
{
	memset(guest_mem_ptr(r->gm, gpa, len), 0, len);
}

/* What a fresh driver's rings are: nothing written yet, indices at 0. */
static void ring_reset(struct vdrv_ring *r)
{
	zero(r, r->desc, 16 * (uint64_t)r->size);
	zero(r, r->avail, 6 + 2 * (uint64_t)r->size);
	zero(r, r->used, 6 + 8 * (uint64_t)r->size);
	r->avail_idx = r->next_desc = 0;
}

/* --- guest RAM and the virtio-mmio transport --------------------------------------------- */

int vdrv_ram_alloc(struct vdrv *d, uint64_t ram_size, uint64_t high_size)
{
	/*
	 * Mapped as the VMM maps guest RAM: page aligned (O_DIRECT can use the guest's buffers
	 * directly), zeroed, and costing nothing until touched (5 GiB for test_virtq).
	 */
	struct machine_desc m = {.ram = {{0, ram_size}, {LAYOUT_4G, high_size}},
				 .nr_ram = high_size ? 2 : 1};

	memset(d, 0, sizeof(*d));
	if (guest_mem_map(&d->gm, &m))
		return -ENOMEM;
	d->ram = d->gm.region[0].hva;
	d->high = high_size ? d->gm.region[1].hva : NULL;
	return 0;
}

void vdrv_ram_free(struct vdrv *d)
{
	guest_mem_unmap(&d->gm);
}

uint64_t vdrv_rd_n(struct vdrv *d, uint64_t off, uint32_t len)
{
	uint64_t v = 0xdeadbeefdeadbeefULL; /* shows when the device leaves a read unanswered */

	virtio_mmio_io(d->t, off, &v, len, false);
	return len == 8 ? v : v & ((1ULL << (8 * len)) - 1);
}

void vdrv_wr_n(struct vdrv *d, uint64_t off, uint64_t v, uint32_t len)
{
	virtio_mmio_io(d->t, off, &v, len, true);
}

uint32_t vdrv_rd(struct vdrv *d, uint64_t off)
{
	return vdrv_rd_n(d, off, 4);
}

void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v)
{
	vdrv_wr_n(d, off, v, 4);
}

/* Status bits are added with a read-modify-write, as virtio_add_status() does. */
static void add_status(struct vdrv *d, uint32_t bits)
{
	vdrv_wr(d, VIRTIO_MMIO_STATUS, vdrv_rd(d, VIRTIO_MMIO_STATUS) | bits);
}

uint64_t vdrv_probe(struct vdrv *d)
{
	uint64_t f;

	vdrv_wr(d, VIRTIO_MMIO_STATUS, 0);
	add_status(d, S_ACK);
	add_status(d, S_DRV);
	vdrv_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)vdrv_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	vdrv_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | vdrv_rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

uint32_t vdrv_finalize(struct vdrv *d, uint64_t features)
{
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	add_status(d, S_FOK);
	return vdrv_rd(d, VIRTIO_MMIO_STATUS);
}

void vdrv_queue_addrs(struct vdrv *d, uint64_t desc, uint64_t avail, uint64_t used)
{
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, desc >> 32);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, avail >> 32);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, used >> 32);
}

int vdrv_setup_vq(struct vdrv *d, unsigned int index, uint32_t num)
{
	const struct vdrv_ring *r = &d->q[index];

	vdrv_wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
	if (vdrv_rd(d, VIRTIO_MMIO_QUEUE_READY) || !vdrv_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX))
		return -ENOENT;
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
	vdrv_queue_addrs(d, r->desc, r->avail, r->used);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return vdrv_rd(d, VIRTIO_MMIO_QUEUE_READY);
}

int vdrv_init(struct vdrv *d, uint64_t want)
{
	const uint32_t fok = S_ACK | S_DRV | S_FOK;

	if (vdrv_finalize(d, vdrv_probe(d) & want) != fok)
		return -EIO;
	ring_reset(&d->q[0]);
	/* A queue bigger than QueueNumMax is refused: QueueReady stays 0. */
	if (vdrv_setup_vq(d, 0, d->q[0].size) != 1)
		return -EIO;
	add_status(d, S_DOK);
	return vdrv_rd(d, VIRTIO_MMIO_STATUS) == (fok | S_DOK) ? 0 : -EIO;
}
