/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport, version 2 ("modern") only (virtio 1.2, 4.2):
 * the 4 KiB register window a device backend (virtio-blk, ...) sits behind.
 *
 * The transport owns the feature negotiation, the status state machine, the
 * queue registers and the interrupt line; the backend sees only its config
 * space, activate/notify/reset, and the queues, which the transport allocates
 * (t->queues[0..nr_queues)) and frees in virtio_mmio_destroy(). A backend
 * reads a queue only between activate and reset.
 *
 * Locking: t->lock serialises register accesses (vCPU threads) and is held
 * across every ops callback, so a reset cannot pull the queues from under a
 * notify. The interrupt state (interrupt_status, the line level,
 * config_generation, status, which needs_reset sets) sits under t->irq_lock,
 * a leaf lock that is never held while calling out: signal_used,
 * signal_config and needs_reset take only it, so a backend may call them
 * from inside notify, or from an I/O thread that its reset op waits for,
 * without deadlocking. Lock order: t->lock, then t->irq_lock.
 */
#ifndef DEVICES_VIRTIO_MMIO_H
#define DEVICES_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/mem.h"
#include "device.h"
#include "virtq.h"

#define VIRTIO_MMIO_MAGIC     0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION_2 2
/*
 * "VMM\0" read as a little-endian u32. Our own rather than QEMU's
 * 0x554d4551: a driver that keys a quirk on the vendor must not take us for
 * QEMU. Linux only prints it.
 */
#define VIRTIO_MMIO_VENDOR   0x004d4d56
#define VIRTIO_MMIO_CFG_BASE 0x100

struct virtio_mmio_ops {
	/* Device feature bits offered; VIRTIO_F_VERSION_1 is added by the transport. */
	uint64_t (*features)(void *dev);
	/* Device config space at 0x100: 0, or -errno (the access reads 0 / is dropped). */
	int (*config_read)(void *dev, uint32_t off, void *data, uint32_t len);
	int (*config_write)(void *dev, uint32_t off, const void *data, uint32_t len);
	/* DRIVER_OK reached, queues set up. Non-zero -> DEVICE_NEEDS_RESET. */
	int (*activate)(void *dev);
	/* QueueNotify written for a ready queue after DRIVER_OK. */
	void (*notify)(void *dev, uint16_t queue);
	/* Status <- 0: stop I/O and forget state. Called before the queues are reset. */
	void (*reset)(void *dev);
};

struct virtio_mmio {
	uint32_t device_id;
	uint32_t vendor;
	uint16_t nr_queues;
	uint16_t queue_max;   /* QueueNumMax of every queue */
	struct virtq *queues; /* nr_queues, owned by the transport */

	uint64_t device_features; /* offered: backend's bits, filtered, + VERSION_1 */
	uint64_t driver_features; /* acked by the driver, a subset of the offer */
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint8_t status; /* irq_lock */
	bool activated;

	uint32_t interrupt_status;  /* irq_lock */
	uint32_t config_generation; /* irq_lock */
	int irq_level;		    /* irq_lock: what set_irq was last told */

	const struct guest_mem *gm;
	const struct virtio_mmio_ops *ops;
	void *dev;
	device_irq_fn set_irq;
	void *irq_ctx;

	pthread_mutex_t lock;
	pthread_mutex_t irq_lock;
};

/*
 * queue_max: a power of 2 up to VIRTQ_MAX_SIZE. ops and set_irq may be NULL
 * (a NULL op does nothing, a NULL features offers VERSION_1 only).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int virtio_mmio_init(struct virtio_mmio *t, uint32_t device_id, uint16_t nr_queues,
		     uint16_t queue_max, const struct virtio_mmio_ops *ops, void *dev,
		     const struct guest_mem *gm, device_irq_fn set_irq, void *irq_ctx);
void virtio_mmio_destroy(struct virtio_mmio *t);

/* Bus handler for the 0x1000 window. */
void virtio_mmio_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);

/* Backend: buffers were used -> InterruptStatus bit 0, line raised. */
void virtio_mmio_signal_used(struct virtio_mmio *t);
/* Backend: config space changed -> ConfigGeneration bumped, bit 1, line raised. */
void virtio_mmio_signal_config(struct virtio_mmio *t);
/* Backend: broken beyond repair -> DEVICE_NEEDS_RESET, and a config interrupt after DRIVER_OK. */
void virtio_mmio_needs_reset(struct virtio_mmio *t);
/* The machine's reset: what a driver writing 0 to Status does (4.2.2.1). */
void virtio_mmio_reset(struct virtio_mmio *t);

/* Transport and queue state on stderr, one line each, prefixed with name (SIGUSR2). */
void virtio_mmio_dump(struct virtio_mmio *t, const char *name);

#endif
