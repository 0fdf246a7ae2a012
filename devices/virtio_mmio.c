/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio, version 2 (virtio 1.2, 4.2), after the register protocol of
 * Linux's drivers/virtio/virtio_mmio.c.
 *
 * Everything here is reachable from a guest, so every register write is
 * checked against the spec and a bad one is logged (rate-limited) and
 * dropped: the device never trusts the driver to follow 3.1.1.
 *
 * Width rules: the registers (0x000..0x0ff) are 32-bit and must be accessed
 * as aligned 32-bit words (4.2.2.2); any other access is dropped and reads 0.
 * The config space (0x100..) takes 1, 2, 4 and 8-byte accesses and leaves
 * the range check to the backend.
 *
 * Choices where the spec leaves room:
 *  - Notifies are passed on only for a ready queue after DRIVER_OK: before
 *    that the device must not touch the rings (2.1.2 / 3.1.1), and a backend
 *    should never see a kick for a queue it cannot pop.
 *  - DRIVER_OK is refused without FEATURES_OK: the device would run with
 *    features the driver never confirmed.
 *  - Only the transport features we implement are offered: INDIRECT_DESC,
 *    EVENT_IDX, VERSION_1. Anything else a backend sets in 24..41 is dropped.
 *  - Writing QueueReady = 0 only marks the queue not ready (Linux's del_vq
 *    does it after a reset anyway); its addresses are kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "virtio_mmio.h"
#include "../base/layout.h"
#include "../base/log.h"

/* Not in older uapi headers: 1.2's QueueReset, needs VIRTIO_F_RING_RESET (not offered). */
#define MMIO_QUEUE_RESET 0x0c0

#define F(bit) (1ULL << (bit))
/* 2.2: bits 24..41 belong to the transport; keep the ones we implement. */
#define TRANSPORT_MASK (((1ULL << 42) - 1) & ~((1ULL << 24) - 1))
#define TRANSPORT_OURS                                                                             \
	(F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_F_VERSION_1))

#define STATUS_DRIVER_BITS                                                                         \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK |        \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_FAILED)

/* --- interrupts (irq_lock) ---------------------------------------------------------------- */

static void mmio_update_irq_locked(struct virtio_mmio *t)
{
	int level = t->interrupt_status != 0;

	if (level == t->irq_level)
		return;
	t->irq_level = level;
	if (t->set_irq)
		t->set_irq(t->irq_ctx, level);
}

static void mmio_raise(struct virtio_mmio *t, uint32_t bits, bool bump_generation)
{
	pthread_mutex_lock(&t->irq_lock);
	if (bump_generation)
		t->config_generation++;
	t->interrupt_status |= bits;
	mmio_update_irq_locked(t);
	pthread_mutex_unlock(&t->irq_lock);
}

void virtio_mmio_signal_used(struct virtio_mmio *t)
{
	mmio_raise(t, VIRTIO_MMIO_INT_VRING, false);
}

void virtio_mmio_signal_config(struct virtio_mmio *t)
{
	mmio_raise(t, VIRTIO_MMIO_INT_CONFIG, true);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->irq_lock);
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	/* 2.1.2: after DRIVER_OK the driver must be told by a config change notification. */
	if (t->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		t->config_generation++;
		t->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
		mmio_update_irq_locked(t);
	}
	pthread_mutex_unlock(&t->irq_lock);
}

void virtio_mmio_dump(struct virtio_mmio *t, const char *name)
{
	char q[256];

	pthread_mutex_lock(&t->irq_lock);
	fprintf(stderr, "vmm: %s: status %#x features %#llx interrupt_status %#x irq_level %d\n",
		name, t->status, (unsigned long long)t->driver_features, t->interrupt_status,
		t->irq_level);
	pthread_mutex_unlock(&t->irq_lock);
	for (int i = 0; i < t->nr_queues; i++) {
		virtq_describe(&t->queues[i], q, sizeof(q));
		fprintf(stderr, "vmm: %s: queue %d: %s\n", name, i, q);
	}
}

static void mmio_ack(struct virtio_mmio *t, uint32_t bits)
{
	pthread_mutex_lock(&t->irq_lock);
	t->interrupt_status &= ~bits;
	mmio_update_irq_locked(t);
	pthread_mutex_unlock(&t->irq_lock);
}

static uint32_t mmio_irq_read(struct virtio_mmio *t, bool generation)
{
	uint32_t v;

	pthread_mutex_lock(&t->irq_lock);
	v = generation ? t->config_generation : t->interrupt_status;
	pthread_mutex_unlock(&t->irq_lock);
	return v;
}

static uint8_t mmio_status(struct virtio_mmio *t)
{
	uint8_t v;

	pthread_mutex_lock(&t->irq_lock);
	v = t->status;
	pthread_mutex_unlock(&t->irq_lock);
	return v;
}

/* The driver's bits; NEEDS_RESET is the device's and survives (an I/O thread may set it now). */
static void mmio_set_status(struct virtio_mmio *t, uint8_t driver_bits)
{
	pthread_mutex_lock(&t->irq_lock);
	t->status = driver_bits | (t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	pthread_mutex_unlock(&t->irq_lock);
}

/* --- reset and status --------------------------------------------------------------------- */

static void mmio_reset(struct virtio_mmio *t)
{
	uint16_t i;

	/* The backend first: it stops using the queues before we wipe them. */
	if (t->ops->reset)
		t->ops->reset(t->dev);
	for (i = 0; i < t->nr_queues; i++)
		virtq_reset(&t->queues[i]);
	t->driver_features = 0;
	t->device_features_sel = 0;
	t->driver_features_sel = 0;
	t->queue_sel = 0;
	t->shm_sel = 0;
	t->activated = false;

	pthread_mutex_lock(&t->irq_lock);
	t->status = 0;
	t->interrupt_status = 0;
	mmio_update_irq_locked(t);
	pthread_mutex_unlock(&t->irq_lock);
}

static void mmio_queues_set_features(struct virtio_mmio *t, struct virtq *q)
{
	q->event_idx = t->driver_features & F(VIRTIO_RING_F_EVENT_IDX);
	q->indirect = t->driver_features & F(VIRTIO_RING_F_INDIRECT_DESC);
}

/* 2.2.2 / 3.1.1: the driver confirms a subset of the offer that includes VERSION_1. */
static bool mmio_features_ok(struct virtio_mmio *t)
{
	if (!(t->driver_features & F(VIRTIO_F_VERSION_1))) {
		log_guest("virtio-mmio: FEATURES_OK refused: VERSION_1 not acked (legacy driver?)");
		return false;
	}
	if (t->driver_features & ~t->device_features) {
		log_guest("virtio-mmio: FEATURES_OK refused: features %#llx not offered",
			  (unsigned long long)(t->driver_features & ~t->device_features));
		return false;
	}
	return true;
}

static void mmio_activate(struct virtio_mmio *t)
{
	uint16_t i;
	int err = 0;

	/* Features are final: make sure every ring runs with them, whenever it became ready. */
	for (i = 0; i < t->nr_queues; i++)
		mmio_queues_set_features(t, &t->queues[i]);
	t->activated = true;
	if (t->ops->activate)
		err = t->ops->activate(t->dev);
	if (err) {
		log_guest("virtio-mmio: device %u failed to activate (%d)", t->device_id, err);
		virtio_mmio_needs_reset(t);
	}
}

static void mmio_write_status(struct virtio_mmio *t, uint32_t val)
{
	uint8_t old = mmio_status(t) & STATUS_DRIVER_BITS;
	uint8_t want;

	if (!val) {
		mmio_reset(t);
		return;
	}
	if (val & ~(uint32_t)(STATUS_DRIVER_BITS | VIRTIO_CONFIG_S_NEEDS_RESET))
		log_guest("virtio-mmio: status %#x has reserved bits", val);
	/* NEEDS_RESET is the device's to set: a driver writing back what it read keeps it. */
	want = val & STATUS_DRIVER_BITS;
	if (old & ~want) {
		log_guest("virtio-mmio: status %#x clears bits of %#x: ignored", val, old);
		return;
	}
	if ((want & ~old & VIRTIO_CONFIG_S_FEATURES_OK) && !mmio_features_ok(t))
		want &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if ((want & VIRTIO_CONFIG_S_DRIVER_OK) && !(want & VIRTIO_CONFIG_S_FEATURES_OK)) {
		log_guest("virtio-mmio: DRIVER_OK without FEATURES_OK: refused");
		want &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	}
	mmio_set_status(t, want);
	if ((want & VIRTIO_CONFIG_S_DRIVER_OK) && !t->activated)
		mmio_activate(t);
}

/* --- features ----------------------------------------------------------------------------- */

static uint32_t mmio_read_device_features(struct virtio_mmio *t)
{
	if (t->device_features_sel > 1)
		return 0;
	return t->device_features >> (32 * t->device_features_sel);
}

static void mmio_write_driver_features(struct virtio_mmio *t, uint32_t val)
{
	unsigned int shift = 32 * t->driver_features_sel;
	uint64_t offer;

	if (mmio_status(t) & VIRTIO_CONFIG_S_FEATURES_OK) {
		log_guest("virtio-mmio: DriverFeatures written after FEATURES_OK: ignored");
		return;
	}
	if (t->driver_features_sel > 1) {
		if (val)
			log_guest("virtio-mmio: DriverFeatures word %u: %#x not offered",
				  t->driver_features_sel, val);
		return;
	}
	offer = (uint32_t)(t->device_features >> shift);
	if (val & ~offer)
		log_guest("virtio-mmio: driver acks unoffered features %#llx: masked",
			  (unsigned long long)(val & ~offer) << shift);
	t->driver_features &= ~(0xffffffffULL << shift);
	t->driver_features |= (uint64_t)(val & offer) << shift;
}

/* --- queues ------------------------------------------------------------------------------- */

static struct virtq *mmio_queue(struct virtio_mmio *t)
{
	if (t->queue_sel >= t->nr_queues)
		return NULL;
	return &t->queues[t->queue_sel];
}

static void mmio_write_queue_num(struct virtio_mmio *t, struct virtq *q, uint32_t val)
{
	if (!val || val > t->queue_max || (val & (val - 1))) {
		log_guest("virtio-mmio: QueueNum %u invalid (max %u)", val, t->queue_max);
		/* Size 0 keeps the queue from being made ready until a good size comes. */
		q->size = 0;
		return;
	}
	q->size = val;
}

static void mmio_write_queue_ready(struct virtio_mmio *t, struct virtq *q, uint32_t val)
{
	if (!val) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	mmio_queues_set_features(t, q);
	if (virtq_check(q, t->gm)) {
		log_guest("virtio-mmio: queue %u: size %u or rings outside RAM / misaligned",
			  t->queue_sel, q->size);
		return;
	}
	q->ready = true;
}

static void mmio_set_half(uint64_t *addr, uint32_t val, bool high)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | val;
}

static uint64_t *mmio_queue_addr(struct virtq *q, uint64_t offset)
{
	switch (offset & ~4ULL) {
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return &q->desc_gpa;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		return &q->avail_gpa;
	default:
		return &q->used_gpa;
	}
}

/* QueueNum, QueueReady and the ring addresses, for the selected queue. */
static void mmio_write_queue(struct virtio_mmio *t, uint64_t offset, uint32_t val)
{
	struct virtq *q = mmio_queue(t);

	if (!q) {
		log_guest("virtio-mmio: write %#x to queue %u of %u: ignored", (unsigned int)offset,
			  t->queue_sel, t->nr_queues);
		return;
	}
	/*
	 * After DRIVER_OK the device's I/O thread walks the rings without the
	 * register lock; without VIRTIO_F_RING_RESET the driver may not touch a
	 * queue's set-up again until it resets the device (4.2.3.2), so any
	 * such write, QueueReady included, is hostile and ignored.
	 */
	if (mmio_status(t) & VIRTIO_CONFIG_S_DRIVER_OK) {
		log_guest("virtio-mmio: queue %u set-up written after DRIVER_OK: ignored",
			  t->queue_sel);
		return;
	}
	if (offset == VIRTIO_MMIO_QUEUE_READY) {
		mmio_write_queue_ready(t, q, val);
		return;
	}
	/* 4.2.2.3: the rings of a live queue are the device's; a change is hostile. */
	if (q->ready) {
		log_guest("virtio-mmio: queue %u addresses changed while running: ignored",
			  t->queue_sel);
		return;
	}
	if (offset == VIRTIO_MMIO_QUEUE_NUM)
		mmio_write_queue_num(t, q, val);
	else
		mmio_set_half(mmio_queue_addr(q, offset), val, offset & 4);
}

static void mmio_notify(struct virtio_mmio *t, uint32_t val)
{
	if (val >= t->nr_queues) {
		log_guest("virtio-mmio: notify of queue %u of %u: ignored", val, t->nr_queues);
		return;
	}
	if (!(mmio_status(t) & VIRTIO_CONFIG_S_DRIVER_OK) || !t->queues[val].ready) {
		log_guest("virtio-mmio: notify of queue %u before it runs: ignored", val);
		return;
	}
	if (t->ops->notify)
		t->ops->notify(t->dev, val);
}

/* --- the register window ------------------------------------------------------------------ */

static uint32_t mmio_read_reg(struct virtio_mmio *t, uint64_t offset)
{
	struct virtq *q = mmio_queue(t);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return t->vendor;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return mmio_read_device_features(t);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return mmio_irq_read(t, false);
	case VIRTIO_MMIO_STATUS:
		return mmio_status(t);
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		/* 4.2.2: no shared memory regions; a missing one has length -1. */
		return 0xffffffff;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return mmio_irq_read(t, true);
	default:
		/* Write-only and reserved registers read 0. */
		return 0;
	}
}

static void mmio_write_reg(struct virtio_mmio *t, uint64_t offset, uint32_t val)
{
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		mmio_write_driver_features(t, val);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		mmio_write_queue(t, offset, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		mmio_notify(t, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		mmio_ack(t, val);
		break;
	case VIRTIO_MMIO_STATUS:
		mmio_write_status(t, val);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		t->shm_sel = val;
		break;
	default:
		log_guest("virtio-mmio: write %#x to read-only or reserved register %#x: ignored",
			  val, (unsigned int)offset);
		break;
	}
}

static void mmio_config(struct virtio_mmio *t, uint64_t offset, void *data, uint32_t len,
			bool is_write)
{
	uint32_t off = offset - VIRTIO_MMIO_CFG_BASE;
	int err = -EINVAL;

	if (is_write && t->ops->config_write)
		err = t->ops->config_write(t->dev, off, data, len);
	else if (!is_write && t->ops->config_read)
		err = t->ops->config_read(t->dev, off, data, len);
	if (err) {
		if (!is_write)
			memset(data, 0, len);
		log_guest("virtio-mmio: config %s of %u bytes at %#x refused (%d)",
			  is_write ? "write" : "read", len, off, err);
	}
}

static void mmio_reg(struct virtio_mmio *t, uint64_t offset, void *data, uint32_t len,
		     bool is_write)
{
	uint32_t val;

	/* 4.2.2.2: the driver must use aligned 32-bit accesses for the registers. */
	if (len != 4 || (offset & 3)) {
		log_guest("virtio-mmio: %u-byte %s of register %#x: ignored", len,
			  is_write ? "write" : "read", (unsigned int)offset);
		return;
	}
	if (is_write) {
		memcpy(&val, data, 4);
		mmio_write_reg(t, offset, le32toh(val));
	} else {
		val = htole32(mmio_read_reg(t, offset));
		memcpy(data, &val, 4);
	}
}

void virtio_mmio_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct virtio_mmio *t = opaque;

	if (!t || !data || !len || len > 8)
		return;
	if (!is_write)
		memset(data, 0, len);
	if (offset >= LAYOUT_VIRTIO_MMIO_SIZE || len > LAYOUT_VIRTIO_MMIO_SIZE - offset) {
		log_guest("virtio-mmio: access at %#llx beyond the window: ignored",
			  (unsigned long long)offset);
		return;
	}
	pthread_mutex_lock(&t->lock);
	if (offset >= VIRTIO_MMIO_CFG_BASE)
		mmio_config(t, offset, data, len, is_write);
	else
		mmio_reg(t, offset, data, len, is_write);
	pthread_mutex_unlock(&t->lock);
}

/* --- life cycle --------------------------------------------------------------------------- */

void virtio_mmio_reset(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	mmio_reset(t);
	pthread_mutex_unlock(&t->lock);
}

static uint64_t mmio_offer(const struct virtio_mmio_ops *ops, void *dev)
{
	uint64_t f = ops->features ? ops->features(dev) : 0;

	if (f & TRANSPORT_MASK & ~TRANSPORT_OURS)
		log_msg("virtio-mmio: transport features %#llx not supported: not offered",
			(unsigned long long)(f & TRANSPORT_MASK & ~TRANSPORT_OURS));
	return (f & ~(TRANSPORT_MASK & ~TRANSPORT_OURS)) | F(VIRTIO_F_VERSION_1);
}

static int mmio_locks_init(struct virtio_mmio *t)
{
	int err = pthread_mutex_init(&t->lock, NULL);

	if (err)
		return -err;
	err = pthread_mutex_init(&t->irq_lock, NULL);
	if (err) {
		pthread_mutex_destroy(&t->lock);
		return -err;
	}
	return 0;
}

int virtio_mmio_init(struct virtio_mmio *t, uint32_t device_id, uint16_t nr_queues,
		     uint16_t queue_max, const struct virtio_mmio_ops *ops, void *dev,
		     const struct guest_mem *gm, device_irq_fn set_irq, void *irq_ctx)
{
	static const struct virtio_mmio_ops no_ops;
	int err;

	if (!t || !gm || !nr_queues || !queue_max || queue_max > VIRTQ_MAX_SIZE ||
	    (queue_max & (queue_max - 1)))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->queues = calloc(nr_queues, sizeof(*t->queues));
	if (!t->queues)
		return -ENOMEM;
	err = mmio_locks_init(t);
	if (err) {
		free(t->queues);
		t->queues = NULL;
		return err;
	}
	t->ops = ops ? ops : &no_ops;
	t->device_id = device_id;
	t->vendor = VIRTIO_MMIO_VENDOR;
	t->nr_queues = nr_queues;
	t->queue_max = queue_max;
	t->device_features = mmio_offer(t->ops, dev);
	t->dev = dev;
	t->gm = gm;
	t->set_irq = set_irq;
	t->irq_ctx = irq_ctx;
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (!t || !t->queues)
		return;
	pthread_mutex_destroy(&t->irq_lock);
	pthread_mutex_destroy(&t->lock);
	free(t->queues);
	t->queues = NULL;
}
