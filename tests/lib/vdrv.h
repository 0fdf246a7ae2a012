/* SPDX-License-Identifier: MIT */
/*
 * vdrv: the driver side of virtio, run from a host thread against fake guest RAM, the way
 * Linux's virtio_ring + virtio_mmio drive a device. Shared by the virtio unit tests and the
 * device-model benchmark. Two parts: split rings in a struct guest_mem, which need no
 * transport (test_virtq drives devices/virtq.c with them directly), and a virtio-mmio
 * transport whose queue N lives in ring q[N].
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

#define VDRV_MAX_QUEUES 2

/* --- a split ring ------------------------------------------------------------------------ */

/* One split ring as the driver lays it out: the caller sets gm, the GPAs and size. */
struct vdrv_ring {
	struct guest_mem *gm;
	uint64_t desc, avail, used; /* GPAs */
	uint16_t size;
	uint16_t avail_idx; /* the driver's shadow of avail->idx */
	uint16_t next_desc; /* vdrv_add_chain takes descriptors from here on, wrapping */
};

/* A buffer of a chain, as the driver describes it. */
struct vdrv_seg {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

/* Descriptor i of a table at host address table: the ring's, or an indirect one. */
void vdrv_desc_write(void *table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next);
void vdrv_desc_set(struct vdrv_ring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		   uint16_t next);
/* A chain of n descriptors from next_desc on, put in the avail ring unpublished: its head. */
uint16_t vdrv_add_chain(struct vdrv_ring *r, const struct vdrv_seg *s, unsigned int n);
/* Store-release avail->idx: the device may now see every chain added so far. */
void vdrv_publish(struct vdrv_ring *r);
/* Put head in the avail ring and publish it. */
void vdrv_avail_publish(struct vdrv_ring *r, uint16_t head);
/* A one-descriptor chain at descriptor i, published. */
void vdrv_add_one(struct vdrv_ring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags);
void vdrv_set_avail_flags(struct vdrv_ring *r, uint16_t flags);
void vdrv_set_used_event(struct vdrv_ring *r, uint16_t idx);
/* Both indices at idx, as after 65536 - idx requests; the device's side is the caller's. */
void vdrv_start_at(struct vdrv_ring *r, uint16_t idx);
uint16_t vdrv_used_idx(const struct vdrv_ring *r);
void vdrv_used_elem(const struct vdrv_ring *r, uint16_t slot, uint32_t *id, uint32_t *len);
/* avail_event (EVENT_IDX): kick only if vring_need_event(avail_event, new, old). */
uint16_t vdrv_avail_event(const struct vdrv_ring *r);

/* --- guest RAM and the virtio-mmio transport --------------------------------------------- */

struct vdrv {
	struct guest_mem gm;
	uint8_t *ram;  /* at GPA 0 */
	uint8_t *high; /* at 4 GiB, or NULL */
	struct virtio_mmio *t;
	struct vdrv_ring q[VDRV_MAX_QUEUES];
};

/* Zeroed RAM at 0, and high_size (may be 0) at 4 GiB. The rings are the caller's to set. */
int vdrv_ram_alloc(struct vdrv *d, uint64_t ram_size, uint64_t high_size);
void vdrv_ram_free(struct vdrv *d);

/* Registers, len 1, 2, 4 or 8 bytes wide (readb..readq); vdrv_rd/vdrv_wr: 4. */
uint64_t vdrv_rd_n(struct vdrv *d, uint64_t off, uint32_t len);
void vdrv_wr_n(struct vdrv *d, uint64_t off, uint64_t v, uint32_t len);
uint32_t vdrv_rd(struct vdrv *d, uint64_t off);
void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v);

/* Reset, ACKNOWLEDGE, DRIVER; returns the 64 device feature bits. */
uint64_t vdrv_probe(struct vdrv *d);
/* vm_finalize_features, then FEATURES_OK: returns the status read back. */
uint32_t vdrv_finalize(struct vdrv *d, uint64_t features);
void vdrv_queue_addrs(struct vdrv *d, uint64_t desc, uint64_t avail, uint64_t used);
/* vm_setup_vq, queue index at ring q[index]: QueueReady read back; -ENOENT if live or absent. */
int vdrv_setup_vq(struct vdrv *d, unsigned int index, uint32_t num);
/*
 * The whole init: probe, accept what the device offers of `want` (~0ULL: all of it),
 * FEATURES_OK, queue 0 set up with zeroed rings, DRIVER_OK. 0, or -EIO if the device
 * refused a step (its status says which).
 */
int vdrv_init(struct vdrv *d, uint64_t want);

#endif
