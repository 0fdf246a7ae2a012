/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport driven the way Linux's virtio_mmio.c and the
 * virtio core do at probe and init (vm_get_features, vm_finalize_features,
 * vm_setup_vq, vm_notify, vm_interrupt, vm_get), against a fake backend
 * that records its calls, and by a hostile driver.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/virtio_mmio.h"
#include "base/mem.h"
#include "tests/lib/vdrv.h"

#define RAM_SIZE  0x100000ULL /* 1 MiB at GPA 0 */
#define QMAX	  256
#define NR_QUEUES 2
#define DEV_ID	  2 /* block */

/* What the fake device offers: two device bits, the ring features, and RING_PACKED,
 * which the transport does not implement and must filter out. */
#define DEV_FEATURES                                                                               \
	(F(1) | F(2) | F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) |               \
	 F(VIRTIO_F_RING_PACKED))
#define OFFERED                                                                                    \
	(F(1) | F(2) | F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) |               \
	 F(VIRTIO_F_VERSION_1))

struct fake {
	uint8_t config[8]; /* a virtio-blk capacity */
	int activate_calls, activate_ret;
	int notify_calls;
	uint16_t last_notify;
	int reset_calls;
	int config_writes;
	uint32_t last_cfg_off, last_cfg_len;
	int irq_level, irq_calls;
};

struct env {
	struct vdrv d;
	struct fake f;
	struct virtio_mmio t;
};

/* --- the fake backend --------------------------------------------------------------------- */

static uint64_t fake_features(void *dev)
{
	(void)dev;
	return DEV_FEATURES;
}

static int fake_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct fake *f = dev;

	if (off > sizeof(f->config) || len > sizeof(f->config) - off)
		return -EINVAL;
	memcpy(data, f->config + off, len);
	return 0;
}

static int fake_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	struct fake *f = dev;

	(void)data;
	f->config_writes++;
	f->last_cfg_off = off;
	f->last_cfg_len = len;
	return -EPERM; /* a read-only config, as virtio-blk's capacity */
}

static int fake_activate(void *dev)
{
	struct fake *f = dev;

	f->activate_calls++;
	return f->activate_ret;
}

static void fake_notify(void *dev, uint16_t queue)
{
	struct fake *f = dev;

	f->notify_calls++;
	f->last_notify = queue;
}

static void fake_reset(void *dev)
{
	struct fake *f = dev;

	f->reset_calls++;
}

static void fake_set_irq(void *ctx, int level)
{
	struct fake *f = ctx;

	f->irq_calls++;
	f->irq_level = level;
}

static const struct virtio_mmio_ops fake_ops = {
    .features = fake_features,
    .config_read = fake_config_read,
    .config_write = fake_config_write,
    .activate = fake_activate,
    .notify = fake_notify,
    .reset = fake_reset,
};

/* --- the driver side (tests/lib/vdrv.c), with what this device must answer -------------- */

static uint64_t desc_gpa(unsigned int q)
{
	return 0x10000 + 0x10000 * (uint64_t)q;
}

static uint64_t avail_gpa(unsigned int q)
{
	return desc_gpa(q) + 0x4000;
}

static uint64_t used_gpa(unsigned int q)
{
	return desc_gpa(q) + 0x8000;
}

/* virtio_mmio_probe's identity checks, then the virtio core's probe. */
static uint64_t linux_probe(struct env *e)
{
	uint64_t features;

	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_DEVICE_ID), DEV_ID);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_VENDOR_ID), 0x004d4d56);
	features = vdrv_probe(&e->d);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	return features;
}

/* vm_setup_vq at queue index's rings. Returns what QueueReady reads back. */
static int linux_setup_vq(struct env *e, unsigned int index, uint32_t num)
{
	int ready = vdrv_setup_vq(&e->d, index, num);

	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_NUM_MAX), QMAX);
	return ready;
}

/* The whole init of a driver that takes every offered feature, up to DRIVER_OK. */
static void linux_init(struct env *e)
{
	unsigned int i;

	assert_int_equal(vdrv_finalize(&e->d, linux_probe(e)), S_ACK | S_DRV | S_FOK);
	for (i = 0; i < NR_QUEUES; i++)
		assert_int_equal(linux_setup_vq(e, i, QMAX), 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, vdrv_rd(&e->d, VIRTIO_MMIO_STATUS) | S_DOK);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	uint64_t cap = 0x1122334455667788ULL;

	assert_non_null(e);
	assert_int_equal(vdrv_ram_alloc(&e->d, RAM_SIZE, 0), 0);
	for (unsigned int i = 0; i < NR_QUEUES; i++)
		e->d.q[i] = (struct vdrv_ring){.gm = &e->d.gm,
					       .desc = desc_gpa(i),
					       .avail = avail_gpa(i),
					       .used = used_gpa(i),
					       .size = QMAX};
	e->d.t = &e->t;
	memcpy(e->f.config, &cap, sizeof(cap));
	assert_int_equal(virtio_mmio_init(&e->t, DEV_ID, NR_QUEUES, QMAX, &fake_ops, &e->f,
					  &e->d.gm, fake_set_irq, &e->f),
			 0);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	virtio_mmio_destroy(&e->t);
	vdrv_ram_free(&e->d);
	free(e);
	return 0;
}

/* --- the happy path ----------------------------------------------------------------------- */

static void test_probe_and_init(void **state)
{
	struct env *e = *state;
	unsigned int i;

	assert_true(linux_probe(e) == OFFERED);
	assert_int_equal(vdrv_finalize(&e->d, OFFERED), S_ACK | S_DRV | S_FOK);
	assert_true(e->t.driver_features == OFFERED);
	for (i = 0; i < NR_QUEUES; i++) {
		struct virtq *q = &e->t.queues[i];

		assert_int_equal(linux_setup_vq(e, i, 128), 1);
		assert_int_equal(q->size, 128);
		assert_true(q->desc_gpa == desc_gpa(i));
		assert_true(q->avail_gpa == avail_gpa(i));
		assert_true(q->used_gpa == used_gpa(i));
		assert_true(q->ready);
		assert_true(q->event_idx);
		assert_true(q->indirect);
		assert_ptr_equal(q->desc, e->d.ram + desc_gpa(i));
	}
	assert_int_equal(e->f.activate_calls, 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(e->f.activate_calls, 1);
	/* The same status again does not activate twice. */
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(e->f.activate_calls, 1);
	assert_int_equal(e->f.reset_calls, 1); /* the probe's reset */
	assert_int_equal(e->f.irq_calls, 0);
}

/* A driver without EVENT_IDX/INDIRECT_DESC: the rings must not use them. */
static void test_ring_features_propagate(void **state)
{
	struct env *e = *state;

	linux_probe(e);
	assert_int_equal(vdrv_finalize(&e->d, F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_EVENT_IDX)),
			 S_ACK | S_DRV | S_FOK);
	assert_int_equal(linux_setup_vq(e, 0, QMAX), 1);
	assert_true(e->t.queues[0].event_idx);
	assert_false(e->t.queues[0].indirect);
}

static void test_notify(void **state)
{
	struct env *e = *state;

	linux_init(e);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(e->f.notify_calls, 1);
	assert_int_equal(e->f.last_notify, 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(e->f.notify_calls, 2);
	assert_int_equal(e->f.last_notify, 0);
	/* Hostile: out of range. */
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, NR_QUEUES);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffff);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 0x10000);
	assert_int_equal(e->f.notify_calls, 2);
	/* Hostile: taking a queue down after DRIVER_OK is ignored; it keeps running. */
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(e->f.notify_calls, 3);
}

static void test_notify_before_driver_ok(void **state)
{
	struct env *e = *state;

	assert_int_equal(vdrv_finalize(&e->d, linux_probe(e)), S_ACK | S_DRV | S_FOK);
	assert_int_equal(linux_setup_vq(e, 0, QMAX), 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(e->f.notify_calls, 0);
}

static void test_interrupts(void **state)
{
	struct env *e = *state;

	linux_init(e);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	virtio_mmio_signal_used(&e->t);
	assert_int_equal(e->f.irq_level, 1);
	assert_int_equal(e->f.irq_calls, 1);
	virtio_mmio_signal_used(&e->t); /* already up: no new edge */
	assert_int_equal(e->f.irq_calls, 1);
	/* vm_interrupt: read, handle, ack what was read. */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vdrv_wr(&e->d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(e->f.irq_level, 0);
	assert_int_equal(e->f.irq_calls, 2);

	/* Both causes: the line stays up until both are acked. */
	virtio_mmio_signal_used(&e->t);
	virtio_mmio_signal_config(&e->t);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	vdrv_wr(&e->d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(e->f.irq_level, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vdrv_wr(&e->d, VIRTIO_MMIO_INTERRUPT_ACK, 0xffffffff);
	assert_int_equal(e->f.irq_level, 0);
	assert_int_equal(e->f.irq_calls, 4);
	/* InterruptStatus is read-only. */
	vdrv_wr(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS, 3);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(e->f.irq_calls, 4);
}

static void test_config_space(void **state)
{
	struct env *e = *state;
	uint32_t gen;

	linux_init(e);
	gen = vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG_GENERATION);
	/* vm_get for a u64: two readl. */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG), 0x55667788);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG + 4), 0x11223344);
	assert_true(vdrv_rd_n(&e->d, VIRTIO_MMIO_CONFIG, 8) == 0x1122334455667788ULL);
	assert_int_equal(vdrv_rd_n(&e->d, VIRTIO_MMIO_CONFIG + 1, 1), 0x77);
	assert_int_equal(vdrv_rd_n(&e->d, VIRTIO_MMIO_CONFIG + 6, 2), 0x1122);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG_GENERATION), gen);

	/* The device changes its config: generation moves, config interrupt. */
	e->f.config[0] = 0x99;
	virtio_mmio_signal_config(&e->t);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG_GENERATION), gen + 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(e->f.irq_level, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG), 0x55667799);

	/* Beyond the device's config: the backend refuses, the read is 0. */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG + 8), 0);
	assert_true(vdrv_rd_n(&e->d, VIRTIO_MMIO_CONFIG + 4, 8) == 0);
	assert_int_equal(vdrv_rd(&e->d, 0xffc), 0);
	/* Beyond the window: not even asked. */
	assert_true(vdrv_rd_n(&e->d, 0xffc, 8) == 0);
	assert_int_equal(vdrv_rd(&e->d, 0x1000), 0);
	assert_true(vdrv_rd_n(&e->d, UINT64_MAX - 3, 8) == 0);

	/* Writes go to the backend, which may refuse them. */
	vdrv_wr_n(&e->d, VIRTIO_MMIO_CONFIG + 2, 0xabcd, 2);
	assert_int_equal(e->f.config_writes, 1);
	assert_int_equal(e->f.last_cfg_off, 2);
	assert_int_equal(e->f.last_cfg_len, 2);
	vdrv_wr_n(&e->d, 0xffe, 0, 8);
	assert_int_equal(e->f.config_writes, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG), 0x55667799);
}

static void test_needs_reset(void **state)
{
	struct env *e = *state;
	uint32_t gen;

	linux_init(e);
	gen = vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG_GENERATION);
	virtio_mmio_needs_reset(&e->t);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_CONFIG_GENERATION), gen + 1);
	assert_int_equal(e->f.irq_level, 1);
	/* A driver writing back what it read (or without the bit) keeps it: only reset clears it.
	 */
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK | S_NR | S_FAIL);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS),
			 S_ACK | S_DRV | S_FOK | S_DOK | S_NR | S_FAIL);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(e->f.irq_level, 0);
}

static void test_needs_reset_before_driver_ok(void **state)
{
	struct env *e = *state;

	linux_probe(e);
	virtio_mmio_needs_reset(&e->t);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_NR);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(e->f.irq_calls, 0);
}

static void test_activate_fails(void **state)
{
	struct env *e = *state;

	e->f.activate_ret = -ENOMEM;
	vdrv_finalize(&e->d, linux_probe(e));
	assert_int_equal(linux_setup_vq(e, 0, QMAX), 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(e->f.activate_calls, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(e->f.irq_level, 1);
}

/* --- hostile drivers ---------------------------------------------------------------------- */

static void test_unoffered_features_masked(void **state)
{
	struct env *e = *state;

	linux_probe(e);
	assert_int_equal(vdrv_finalize(&e->d, ~0ULL), S_ACK | S_DRV | S_FOK);
	assert_true(e->t.driver_features == OFFERED);
	/* Words beyond the second do not exist. */
	vdrv_wr(&e->d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* DriverFeatures is write-only. */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_DRIVER_FEATURES), 0);
}

static void test_unoffered_features_word2(void **state)
{
	struct env *e = *state;

	linux_probe(e);
	vdrv_wr(&e->d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
	vdrv_wr(&e->d, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	assert_true(e->t.driver_features == 0);
}

static void test_no_version_1(void **state)
{
	struct env *e = *state;

	linux_probe(e);
	/* A legacy driver: FEATURES_OK does not stick. */
	assert_int_equal(vdrv_finalize(&e->d, F(1) | F(2)), S_ACK | S_DRV);
	/* Nor can it go on to DRIVER_OK. */
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_DOK);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	assert_int_equal(e->f.activate_calls, 0);
	/* What Linux does next: FAILED, which is kept. */
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FAIL);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FAIL);
}

static void test_features_frozen_after_features_ok(void **state)
{
	struct env *e = *state;

	linux_probe(e);
	assert_int_equal(vdrv_finalize(&e->d, F(VIRTIO_F_VERSION_1) | F(1)), S_ACK | S_DRV | S_FOK);
	vdrv_wr(&e->d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	vdrv_wr(&e->d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_true(e->t.driver_features == (F(VIRTIO_F_VERSION_1) | F(1)));
}

static void test_status_clear_bits(void **state)
{
	struct env *e = *state;

	linux_init(e);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK); /* drops DRIVER_OK */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_FAIL);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(e->f.reset_calls, 1);
	assert_int_equal(e->f.activate_calls, 1);
	/* Reserved bits are not kept. */
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK | 0x30);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
}

static void test_queue_num_invalid(void **state)
{
	struct env *e = *state;
	static const uint32_t bad[] = {0, 3, 255, QMAX * 2, 0x10000, 0x10001, 0x80000000};
	unsigned int i;

	vdrv_finalize(&e->d, linux_probe(e));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(linux_setup_vq(e, 0, bad[i]), 0);
		assert_false(e->t.queues[0].ready);
	}
	/* A good size afterwards works. */
	assert_int_equal(linux_setup_vq(e, 0, 1), 1);
	assert_int_equal(e->t.queues[0].size, 1);
}

static void test_ring_outside_ram(void **state)
{
	struct env *e = *state;

	vdrv_finalize(&e->d, linux_probe(e));
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NUM, QMAX);
	/* Used ring runs past the end of RAM. */
	vdrv_queue_addrs(&e->d, desc_gpa(0), avail_gpa(0), RAM_SIZE - 8);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
	/* Descriptor table above 4 GiB, where there is no RAM. */
	vdrv_queue_addrs(&e->d, desc_gpa(0) | (1ULL << 32), avail_gpa(0), used_gpa(0));
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
	/* Misaligned descriptor table (16 bytes required). */
	vdrv_queue_addrs(&e->d, desc_gpa(0) + 8, avail_gpa(0), used_gpa(0));
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
	/* The MMIO window itself is not RAM. */
	vdrv_queue_addrs(&e->d, 0xd0000000, avail_gpa(0), used_gpa(0));
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(e->t.queues[0].ready);
	assert_null(e->t.queues[0].desc);
	/* Fixed, it comes up. */
	vdrv_queue_addrs(&e->d, desc_gpa(0), avail_gpa(0), used_gpa(0));
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 1);
}

static void test_addresses_locked_while_ready(void **state)
{
	struct env *e = *state;
	struct virtq *q = &e->t.queues[0];

	linux_init(e);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vdrv_queue_addrs(&e->d, 0x80000, 0x84000, 0x88000);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NUM, 16);
	assert_true(q->desc_gpa == desc_gpa(0));
	assert_true(q->avail_gpa == avail_gpa(0));
	assert_true(q->used_gpa == used_gpa(0));
	assert_int_equal(q->size, QMAX);
	assert_ptr_equal(q->used, e->d.ram + used_gpa(0));
	/* QueueReady=1 again changes nothing either. */
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_true(q->ready);
	/* Hostile: QueueReady=0 after DRIVER_OK is ignored too (the I/O thread owns the rings). */
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 1);
	/* Linux's removal: reset the device, then del_vq writes ready 0; set up anew. */
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NUM, QMAX); /* the reset forgot the size too */
	vdrv_queue_addrs(&e->d, 0x80000, 0x84000, 0x88000);
	assert_true(q->desc_gpa == 0x80000);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_ptr_equal(q->used, e->d.ram + 0x88000);
}

static void test_queue_sel_out_of_range(void **state)
{
	struct env *e = *state;
	static const uint32_t sel[] = {NR_QUEUES, 0xffff, 0x10000, 0xffffffff};
	unsigned int i;

	vdrv_finalize(&e->d, linux_probe(e));
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, sel[i]);
		assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
		assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
		vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NUM, 16);
		vdrv_queue_addrs(&e->d, desc_gpa(0), avail_gpa(0), used_gpa(0));
		vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_READY, 1);
		assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
	}
	/* No queue was touched: the low bits of the selector must not alias. */
	for (i = 0; i < NR_QUEUES; i++) {
		struct virtq *q = &e->t.queues[i];

		assert_int_equal(q->size, 0);
		assert_true(q->desc_gpa == 0 && q->avail_gpa == 0 && q->used_gpa == 0);
		assert_false(q->ready);
	}
}

static void test_register_widths(void **state)
{
	struct env *e = *state;
	static const uint32_t lens[] = {1, 2, 8};
	unsigned int i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_true(vdrv_rd_n(&e->d, VIRTIO_MMIO_MAGIC_VALUE, lens[i]) == 0);
		assert_true(vdrv_rd_n(&e->d, VIRTIO_MMIO_DEVICE_ID, lens[i]) == 0);
		vdrv_wr_n(&e->d, VIRTIO_MMIO_STATUS, S_ACK, lens[i]);
		vdrv_wr_n(&e->d, VIRTIO_MMIO_QUEUE_SEL, 1, lens[i]);
	}
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(e->t.queue_sel, 0);
	/* Misaligned 32-bit: straddles MagicValue and Version. */
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_MAGIC_VALUE + 2), 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS + 1, S_ACK);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), 0);
	/* The last register, 8 bytes wide, would spill into config space. */
	assert_true(vdrv_rd_n(&e->d, VIRTIO_MMIO_CONFIG_GENERATION, 8) == 0);
	/* Zero-length and oversized accesses, a NULL device: nothing happens. */
	virtio_mmio_io(&e->t, 0, NULL, 4, false);
	virtio_mmio_io(NULL, 0, &i, 4, false);
	/* Read-only registers ignore writes, reserved ones read 0. */
	vdrv_wr(&e->d, VIRTIO_MMIO_MAGIC_VALUE, 0);
	vdrv_wr(&e->d, VIRTIO_MMIO_DEVICE_ID, 7);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_DEVICE_ID), DEV_ID);
	assert_int_equal(vdrv_rd(&e->d, 0x018), 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_PFN), 0);
	assert_int_equal(vdrv_rd(&e->d, 0x0c0), 0); /* QueueReset: RING_RESET not offered */
	/* No shared memory regions: length and base read -1. */
	vdrv_wr(&e->d, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_SHM_BASE_LOW), 0xffffffff);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffff);
}

static void test_reset_really_resets(void **state)
{
	struct env *e = *state;
	unsigned int i;

	linux_init(e);
	virtio_mmio_signal_used(&e->t);
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, 1);
	vdrv_wr(&e->d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(e->f.irq_level, 1);
	assert_int_equal(e->f.reset_calls, 1);

	vdrv_wr(&e->d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(e->f.reset_calls, 2);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(e->f.irq_level, 0);
	assert_true(e->t.driver_features == 0);
	assert_int_equal(e->t.queue_sel, 0);
	assert_int_equal(e->t.device_features_sel, 0);
	for (i = 0; i < NR_QUEUES; i++) {
		struct virtq *q = &e->t.queues[i];

		vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_SEL, i);
		assert_int_equal(vdrv_rd(&e->d, VIRTIO_MMIO_QUEUE_READY), 0);
		assert_false(q->ready);
		assert_int_equal(q->size, 0);
		assert_true(q->desc_gpa == 0 && q->avail_gpa == 0 && q->used_gpa == 0);
		assert_false(q->event_idx || q->indirect);
		assert_null(q->desc);
	}
	/* Kicks after the reset go nowhere. */
	vdrv_wr(&e->d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(e->f.notify_calls, 0);
	/* And the driver can start over: activate runs again. */
	linux_init(e);
	assert_int_equal(e->f.activate_calls, 2);
	assert_int_equal(e->f.reset_calls, 3);
}

static void test_init_invalid(void **state)
{
	struct env *e = *state;
	struct virtio_mmio t;

	assert_int_equal(virtio_mmio_init(&t, 2, 0, QMAX, &fake_ops, NULL, &e->d.gm, NULL, NULL),
			 -EINVAL);
	assert_int_equal(virtio_mmio_init(&t, 2, 1, 0, &fake_ops, NULL, &e->d.gm, NULL, NULL),
			 -EINVAL);
	assert_int_equal(virtio_mmio_init(&t, 2, 1, 96, &fake_ops, NULL, &e->d.gm, NULL, NULL),
			 -EINVAL);
	assert_int_equal(virtio_mmio_init(&t, 2, 1, QMAX, &fake_ops, NULL, NULL, NULL, NULL),
			 -EINVAL);
	/* No ops at all: VERSION_1 is all that is offered, and nothing crashes. */
	assert_int_equal(virtio_mmio_init(&t, 2, 1, 32768, NULL, NULL, &e->d.gm, NULL, NULL), 0);
	assert_true(t.device_features == F(VIRTIO_F_VERSION_1));
	virtio_mmio_io(&t, VIRTIO_MMIO_STATUS, &(uint32_t){0}, 4, true);
	virtio_mmio_signal_used(&t);
	virtio_mmio_destroy(&t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_probe_and_init),
	    T(test_ring_features_propagate),
	    T(test_notify),
	    T(test_notify_before_driver_ok),
	    T(test_interrupts),
	    T(test_config_space),
	    T(test_needs_reset),
	    T(test_needs_reset_before_driver_ok),
	    T(test_activate_fails),
	    T(test_unoffered_features_masked),
	    T(test_unoffered_features_word2),
	    T(test_no_version_1),
	    T(test_features_frozen_after_features_ok),
	    T(test_status_clear_bits),
	    T(test_queue_num_invalid),
	    T(test_ring_outside_ram),
	    T(test_addresses_locked_while_ready),
	    T(test_queue_sel_out_of_range),
	    T(test_register_widths),
	    T(test_reset_really_resets),
	    T(test_init_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
