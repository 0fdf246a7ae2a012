/* SPDX-License-Identifier: MIT */
/*
 * vdrv: the driver side of a virtio-mmio device, run from a host thread against fake guest
 * RAM, the way Linux's virtio_mmio + virtio_ring drive it. Shared by the device unit tests
 * and the device-model benchmark. One split queue (queue 0), RAM at guest-physical 0.
 */
#ifndef VMM_TESTS_VDRV_H
#define VMM_TESTS_VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_config.h>

#include "devices/virtio_mmio.h"
#include "base/mem.h"

/* The status bits (virtio 1.2, 2.1), short, for the tests that drive the state machine. */
#define F(bit) (1ULL << (bit))
#define S_ACK  VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV  VIRTIO_CONFIG_S_DRIVER
#define S_FOK  VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK  VIRTIO_CONFIG_S_DRIVER_OK
#define S_NR   VIRTIO_CONFIG_S_NEEDS_RESET
#define S_FAIL VIRTIO_CONFIG_S_FAILED

struct vdrv {
	struct guest_mem gm;
	uint8_t *ram; /* guest RAM at GPA 0, page aligned */
	uint64_t ram_size;
	struct virtio_mmio *t;
	uint16_t qsize;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t avail_idx; /* the driver's shadow of avail->idx */
	uint16_t next_desc; /* vdrv_add_chain takes descriptors from here on, wrapping */
};

/* A buffer of a chain, as the driver describes it. */
struct vdrv_seg {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

/* Allocate zeroed, page-aligned RAM and lay the rings out at the given addresses. */
int vdrv_ram_alloc(struct vdrv *d, uint64_t ram_size, uint16_t qsize, uint64_t desc_gpa,
		   uint64_t avail_gpa, uint64_t used_gpa);
void vdrv_ram_free(struct vdrv *d);

uint32_t vdrv_rd(struct vdrv *d, uint64_t off);
void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v);

/* Reset, ACKNOWLEDGE, DRIVER; returns the 64 device feature bits. */
uint64_t vdrv_probe(struct vdrv *d);
/*
 * The whole init: probe, accept what the device offers of `want` (~0ULL: all of it),
 * FEATURES_OK, queue 0 set up with zeroed rings, DRIVER_OK. 0, or -EIO if the device
 * refused a step (its status says which).
 */
int vdrv_init(struct vdrv *d, uint64_t want);

void vdrv_desc_set(struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		   uint16_t next);
/* Put head in the avail ring (not yet published). */
void vdrv_avail_add(struct vdrv *d, uint16_t head);
/* A chain of n descriptors from next_desc on, added to the avail ring. Returns its head. */
uint16_t vdrv_add_chain(struct vdrv *d, const struct vdrv_seg *s, unsigned int n);
/* Store-release avail->idx: the device may now see every chain added so far. */
void vdrv_publish(struct vdrv *d);

uint16_t vdrv_used_idx(struct vdrv *d);
void vdrv_used_elem(struct vdrv *d, uint16_t slot, uint32_t *id, uint32_t *len);
/* avail_event (EVENT_IDX): kick only if vring_need_event(avail_event, new, old). */
uint16_t vdrv_avail_event(struct vdrv *d);

#endif
