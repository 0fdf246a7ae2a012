/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "vdrv.h"

int vdrv_ram_alloc(struct vdrv *d, uint64_t ram_size, uint16_t qsize, uint64_t desc_gpa,
		   uint64_t avail_gpa, uint64_t used_gpa)
{
	memset(d, 0, sizeof(*d));
	/* Page aligned, as guest RAM is: O_DIRECT can then use the guest's buffers directly. */
	if (posix_memalign((void **)&d->ram, 4096, ram_size))
		return -ENOMEM;
	memset(d->ram, 0, ram_size);
	d->ram_size = ram_size;
	d->qsize = qsize;
	d->desc_gpa = desc_gpa;
	d->avail_gpa = avail_gpa;
	d->used_gpa = used_gpa;
	return guest_mem_add(&d->gm, 0, d->ram, ram_size);
}

void vdrv_ram_free(struct vdrv *d)
{
	free(d->ram);
	d->ram = NULL;
}

uint32_t vdrv_rd(struct vdrv *d, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio_io(d->t, off, &v, 4, false);
	return v;
}

void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v)
{
	virtio_mmio_io(d->t, off, &v, 4, true);
}

uint64_t vdrv_probe(struct vdrv *d)
{
	uint64_t f;

	vdrv_wr(d, VIRTIO_MMIO_STATUS, 0);
	vdrv_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdrv_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vdrv_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)vdrv_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	vdrv_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | vdrv_rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void vdrv_wr64(struct vdrv *d, uint64_t lo_off, uint64_t v)
{
	vdrv_wr(d, lo_off, (uint32_t)v);
	vdrv_wr(d, lo_off + 4, v >> 32);
}

int vdrv_init(struct vdrv *d, uint64_t want)
{
	const uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	uint64_t features = vdrv_probe(d) & want;

	memset(d->ram + d->desc_gpa, 0, 16 * (size_t)d->qsize);
	memset(d->ram + d->avail_gpa, 0, 6 + 2 * (size_t)d->qsize);
	memset(d->ram + d->used_gpa, 0, 6 + 8 * (size_t)d->qsize);
	d->avail_idx = d->next_desc = 0;
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	vdrv_wr(d, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK);
	if (vdrv_rd(d, VIRTIO_MMIO_STATUS) != (s | VIRTIO_CONFIG_S_FEATURES_OK))
		return -EIO;
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	if (vdrv_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX) < d->qsize)
		return -EIO;
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_NUM, d->qsize);
	vdrv_wr64(d, VIRTIO_MMIO_QUEUE_DESC_LOW, d->desc_gpa);
	vdrv_wr64(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, d->avail_gpa);
	vdrv_wr64(d, VIRTIO_MMIO_QUEUE_USED_LOW, d->used_gpa);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	if (vdrv_rd(d, VIRTIO_MMIO_QUEUE_READY) != 1)
		return -EIO;
	vdrv_wr(d, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	if (vdrv_rd(d, VIRTIO_MMIO_STATUS) !=
	    (s | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK))
		return -EIO;
	return 0;
}

void vdrv_desc_set(struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		   uint16_t next)
{
	struct vring_desc v = {addr, len, flags, next};

	memcpy(d->ram + d->desc_gpa + 16 * (uint64_t)i, &v, sizeof(v));
}

void vdrv_avail_add(struct vdrv *d, uint16_t head)
{
	uint16_t *ring = (uint16_t *)(d->ram + d->avail_gpa + 4);

	ring[d->avail_idx % d->qsize] = head;
	d->avail_idx++;
}

uint16_t vdrv_add_chain(struct vdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	uint16_t head = d->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t k = (head + i) % d->qsize;
		uint16_t flags =
		    (s[i].write ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0);

		vdrv_desc_set(d, k, s[i].gpa, s[i].len, flags, (k + 1) % d->qsize);
	}
	d->next_desc = (head + n) % d->qsize;
	vdrv_avail_add(d, head);
	return head;
}

void vdrv_publish(struct vdrv *d)
{
	__atomic_store_n((uint16_t *)(d->ram + d->avail_gpa + 2), d->avail_idx, __ATOMIC_RELEASE);
}

uint16_t vdrv_used_idx(struct vdrv *d)
{
	return __atomic_load_n((uint16_t *)(d->ram + d->used_gpa + 2), __ATOMIC_ACQUIRE);
}

void vdrv_used_elem(struct vdrv *d, uint16_t slot, uint32_t *id, uint32_t *len)
{
	const uint32_t *el =
	    (const uint32_t *)(d->ram + d->used_gpa + 4 + 8 * (uint64_t)(slot % d->qsize));

	*id = el[0];
	*len = el[1];
}

uint16_t vdrv_avail_event(struct vdrv *d)
{
	return __atomic_load_n((uint16_t *)(d->ram + d->used_gpa + 4 + 8 * (uint64_t)d->qsize),
			       __ATOMIC_RELAXED);
}
