/* SPDX-License-Identifier: MIT */
/*
 * The split virtqueue against a fake driver that lays out rings and chains
 * in fake guest RAM the way Linux's virtio_ring.c does, and against every
 * kind of broken chain a hostile driver can build.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/virtq.h"
#include "base/layout.h"
#include "base/mem.h"
#include "tests/lib/vdrv.h"

#define LOW_SIZE  0x100000ULL  /* 1 MiB at GPA 0 */
#define HIGH_SIZE (5ULL << 30) /* 5 GiB at 4 GiB, reserved but never touched in bulk */

#define DESC_GPA     0x10000ULL
#define AVAIL_GPA    0x20000ULL
#define USED_GPA     0x30000ULL
#define INDIRECT_GPA 0x40000ULL
#define INDIRECT2    0x48000ULL
#define DATA_GPA     0x80000ULL

struct env {
	struct vdrv d; /* RAM only: the rings here have no transport */
	struct vdrv_ring r;
	struct virtq q;
	struct virtq_chain c;
};

static uint8_t *gpa(struct env *e, uint64_t a)
{
	return guest_mem_ptr(&e->d.gm, a, 1);
}

static int env_setup_size(void **state, uint16_t size)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_int_equal(vdrv_ram_alloc(&e->d, LOW_SIZE, HIGH_SIZE), 0);
	e->r = (struct vdrv_ring){
	    .gm = &e->d.gm, .desc = DESC_GPA, .avail = AVAIL_GPA, .used = USED_GPA, .size = size};
	e->q.size = size;
	e->q.desc_gpa = DESC_GPA;
	e->q.avail_gpa = AVAIL_GPA;
	e->q.used_gpa = USED_GPA;
	e->q.indirect = true;
	assert_int_equal(virtq_check(&e->q, &e->d.gm), 0);
	e->q.ready = true;
	*state = e;
	return 0;
}

static int env_setup(void **state)
{
	return env_setup_size(state, 16);
}

static int env_setup_big(void **state)
{
	return env_setup_size(state, 2048);
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	vdrv_ram_free(&e->d);
	free(e);
	return 0;
}

static int pop(struct env *e)
{
	return virtq_pop(&e->q, &e->d.gm, &e->c);
}

/* --- virtq_check ---------------------------------------------------------------------------- */

static void test_check(void **state)
{
	struct env *e = *state;
	struct virtq q = e->q;

	assert_int_equal(virtq_check(&q, &e->d.gm), 0);
	assert_ptr_equal(q.desc, gpa(e, DESC_GPA));
	q.size = 0;
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	assert_null(q.desc);
	q.size = 24; /* not a power of 2 */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q = e->q;
	q.size = 32768; /* the largest: 512 KiB + 64 KiB + 256 KiB of rings */
	q.desc_gpa = 0;
	q.avail_gpa = 0x80000;
	q.used_gpa = 0xc0000; /* runs past 1 MiB */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q.used_gpa = LAYOUT_4G;
	assert_int_equal(virtq_check(&q, &e->d.gm), 0);
	q.size = 0x8000 * 2 - 1; /* 65535: too big and not a power of 2 */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q = e->q;
	q.desc_gpa = DESC_GPA + 8; /* align 16 */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q = e->q;
	q.avail_gpa = AVAIL_GPA + 1; /* align 2 */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q = e->q;
	q.used_gpa = USED_GPA + 2; /* align 4 */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q = e->q;
	q.used_gpa = LOW_SIZE - 132; /* 134 bytes: the last 2 past the end of RAM */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q.used_gpa = LOW_SIZE - 136; /* fits */
	assert_int_equal(virtq_check(&q, &e->d.gm), 0);
	q = e->q;
	q.avail_gpa = LAYOUT_4G - 2; /* starts in the MMIO gap */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
	q = e->q;
	q.desc_gpa = UINT64_MAX - 15; /* gpa + len overflows */
	assert_int_equal(virtq_check(&q, &e->d.gm), -EINVAL);
}

/* --- normal chains -------------------------------------------------------------------------- */

static void test_pop_empty_and_not_ready(void **state)
{
	struct env *e = *state;

	assert_int_equal(pop(e), 0);
	assert_int_equal(e->c.head, VIRTQ_NO_HEAD);
	e->q.ready = false;
	vdrv_add_one(&e->r, 0, DATA_GPA, 16, 0);
	assert_int_equal(pop(e), -EINVAL);
	e->q.ready = true;
	assert_int_equal(pop(e), 1);
	assert_int_equal(pop(e), 0);
}

static void test_pop_single(void **state)
{
	struct env *e = *state;

	vdrv_add_one(&e->r, 5, DATA_GPA, 100, 0);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.head, 5);
	assert_int_equal(e->c.nr_segs, 1);
	assert_int_equal(e->c.nr_read, 1);
	assert_ptr_equal(e->c.segs[0].addr, gpa(e, DATA_GPA));
	assert_int_equal(e->c.segs[0].len, 100);
	assert_false(e->c.segs[0].write);
	assert_int_equal(e->c.read_len, 100);
	assert_int_equal(e->c.write_len, 0);
	assert_int_equal(e->q.last_avail_idx, 1);
	assert_int_equal(pop(e), 0);
}

static void test_pop_multi(void **state)
{
	struct env *e = *state;

	/* Out of order in the table, as after some descriptors were freed. */
	vdrv_desc_set(&e->r, 3, DATA_GPA, 16, VRING_DESC_F_NEXT, 7);
	vdrv_desc_set(&e->r, 7, DATA_GPA + 0x100, 512, VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, DATA_GPA + 0x400, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	vdrv_desc_set(&e->r, 0, LAYOUT_4G + 0x10, 1, VRING_DESC_F_WRITE, 9); /* next ignored */
	vdrv_avail_publish(&e->r, 3);
	vdrv_add_one(&e->r, 2, DATA_GPA + 0x2000, 8, VRING_DESC_F_WRITE);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.head, 3);
	assert_int_equal(e->c.nr_segs, 4);
	assert_int_equal(e->c.nr_read, 2);
	assert_int_equal(e->c.read_len, 528);
	assert_int_equal(e->c.write_len, 4097);
	assert_ptr_equal(e->c.segs[1].addr, gpa(e, DATA_GPA + 0x100));
	assert_true(e->c.segs[2].write);
	assert_ptr_equal(e->c.segs[3].addr, e->d.high + 0x10);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.head, 2);
	assert_int_equal(e->c.nr_read, 0);
	assert_true(e->c.segs[0].write);
}

/* Exactly queue-size descriptors is the longest legal direct chain. */
static void test_pop_chain_of_queue_size(void **state)
{
	struct env *e = *state;

	for (uint16_t i = 0; i < 16; i++)
		vdrv_desc_set(&e->r, i, DATA_GPA + i, 1, i < 15 ? VRING_DESC_F_NEXT : 0, i + 1);
	vdrv_avail_publish(&e->r, 0);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.nr_segs, 16);
}

static void test_pop_zero_length(void **state)
{
	struct env *e = *state;

	/* Zero-length descriptors are kept, with no pointer, even at a wild address. */
	vdrv_desc_set(&e->r, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, 0xdead00000000ULL, 0, VRING_DESC_F_NEXT, 2);
	vdrv_desc_set(&e->r, 2, UINT64_MAX, 0, VRING_DESC_F_WRITE, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.nr_segs, 3);
	assert_int_equal(e->c.nr_read, 2);
	assert_null(e->c.segs[1].addr);
	assert_int_equal(e->c.segs[2].len, 0);
	assert_true(e->c.segs[2].write);
}

static void test_pop_indirect(void **state)
{
	struct env *e = *state;
	uint8_t *t = gpa(e, INDIRECT_GPA);

	vdrv_desc_write(t, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 2);
	vdrv_desc_write(t, 2, DATA_GPA + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	vdrv_desc_write(t, 1, DATA_GPA + 0x400, 1, VRING_DESC_F_WRITE, 0);
	/* WRITE on the indirect descriptor itself must be ignored (2.7.5.3.2). */
	vdrv_add_one(&e->r, 4, INDIRECT_GPA, 3 * 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.head, 4);
	assert_int_equal(e->c.nr_segs, 3);
	assert_int_equal(e->c.nr_read, 1);
	assert_ptr_equal(e->c.segs[1].addr, gpa(e, DATA_GPA + 0x100));
	assert_int_equal(e->c.write_len, 513);
}

/* 2.7.5.3.2: direct descriptors may be followed by one indirect descriptor. */
static void test_pop_direct_then_indirect(void **state)
{
	struct env *e = *state;
	uint8_t *t = gpa(e, INDIRECT_GPA + 8); /* no alignment is required of a table */

	vdrv_desc_write(t, 0, DATA_GPA + 0x100, 512, VRING_DESC_F_NEXT, 1);
	vdrv_desc_write(t, 1, DATA_GPA + 0x400, 1, VRING_DESC_F_WRITE, 0);
	vdrv_desc_set(&e->r, 6, DATA_GPA, 16, VRING_DESC_F_NEXT, 9);
	vdrv_desc_set(&e->r, 9, INDIRECT_GPA + 8, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_avail_publish(&e->r, 6);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.nr_segs, 3);
	assert_int_equal(e->c.nr_read, 2);
	assert_int_equal(e->c.read_len, 528);
}

/* Indirect tables may be longer than the queue (Linux: seg_max + 2 entries). */
static void test_pop_indirect_longer_than_queue(void **state)
{
	struct env *e = *state;
	uint8_t *t = gpa(e, INDIRECT_GPA);

	for (uint16_t i = 0; i < 40; i++)
		vdrv_desc_write(t, i, DATA_GPA + i, 1, i < 39 ? VRING_DESC_F_NEXT : 0, i + 1);
	vdrv_add_one(&e->r, 0, INDIRECT_GPA, 40 * 16, VRING_DESC_F_INDIRECT);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.nr_segs, 40);
}

/* --- hostile chains --------------------------------------------------------------------------- */

/* A chain error consumes the head (so the device can fail it); a ring error does not. */
static void assert_chain_error(struct env *e, int err, uint16_t head)
{
	uint16_t before = e->q.last_avail_idx;

	assert_int_equal(pop(e), err);
	assert_int_equal(e->c.head, head);
	assert_int_equal(e->q.last_avail_idx, (uint16_t)(before + 1));
	assert_int_equal(virtq_push(&e->q, head, 0), 0);
}

static void test_bad_loop(void **state)
{
	struct env *e = *state;

	vdrv_desc_set(&e->r, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, DATA_GPA, 1, VRING_DESC_F_NEXT, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -E2BIG, 0);
	vdrv_desc_set(&e->r, 2, DATA_GPA, 1, VRING_DESC_F_NEXT, 2); /* to itself */
	vdrv_avail_publish(&e->r, 2);
	assert_chain_error(e, -E2BIG, 2);
}

static void test_bad_longer_than_queue(void **state)
{
	struct env *e = *state;

	/* 17 descriptors in a queue of 16: the walk ends in a cycle. */
	for (uint16_t i = 0; i < 16; i++)
		vdrv_desc_set(&e->r, i, DATA_GPA + i, 1, VRING_DESC_F_NEXT, (i + 1) % 16);
	vdrv_avail_publish(&e->r, 3);
	assert_chain_error(e, -E2BIG, 3);
}

static void test_bad_too_many_segs(void **state)
{
	struct env *e = *state;
	uint16_t n = VIRTQ_MAX_SEGS + 1;

	/* Legal for a queue of 2048, but more than a chain can carry. */
	for (uint16_t i = 0; i < n; i++)
		vdrv_desc_set(&e->r, i, DATA_GPA, 1, i < n - 1 ? VRING_DESC_F_NEXT : 0, i + 1);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -E2BIG, 0);
	vdrv_desc_set(&e->r, VIRTQ_MAX_SEGS - 1, DATA_GPA, 1, 0, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_int_equal(pop(e), 1);
	assert_int_equal(e->c.nr_segs, VIRTQ_MAX_SEGS);
}

static void test_bad_next_out_of_range(void **state)
{
	struct env *e = *state;

	vdrv_desc_set(&e->r, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 16);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -EINVAL, 0);
	vdrv_desc_set(&e->r, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 0xffff);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -EINVAL, 0);
}

static void test_bad_head_out_of_range(void **state)
{
	struct env *e = *state;

	vdrv_avail_publish(&e->r, 16);
	assert_int_equal(pop(e), -EINVAL);
	assert_int_equal(e->c.head, VIRTQ_NO_HEAD);
	assert_int_equal(e->q.last_avail_idx, 0); /* nothing consumed */
	assert_int_equal(virtq_push(&e->q, 16, 0), -EINVAL);
}

static void test_bad_outside_ram(void **state)
{
	struct env *e = *state;

	vdrv_add_one(&e->r, 0, LOW_SIZE, 1, 0); /* first byte of the gap */
	assert_chain_error(e, -EFAULT, 0);
	vdrv_add_one(&e->r, 1, LOW_SIZE - 8, 9, VRING_DESC_F_WRITE); /* straddles the end */
	assert_chain_error(e, -EFAULT, 1);
	vdrv_add_one(&e->r, 2, LAYOUT_4G - 1, 2, 0); /* straddles into the second region */
	assert_chain_error(e, -EFAULT, 2);
	vdrv_add_one(&e->r, 3, LAYOUT_4G + HIGH_SIZE - 4, 5, 0);
	assert_chain_error(e, -EFAULT, 3);
	/* The bad descriptor last in a chain of good ones. */
	vdrv_desc_set(&e->r, 4, DATA_GPA, 16, VRING_DESC_F_NEXT, 5);
	vdrv_desc_set(&e->r, 5, 0x7fff00000000ULL, 16, VRING_DESC_F_WRITE, 0);
	vdrv_avail_publish(&e->r, 4);
	assert_chain_error(e, -EFAULT, 4);
}

static void test_bad_addr_len_overflow(void **state)
{
	struct env *e = *state;

	vdrv_add_one(&e->r, 0, UINT64_MAX - 10, 100, 0);
	assert_chain_error(e, -EFAULT, 0);
	vdrv_add_one(&e->r, 1, UINT64_MAX, 1, 0);
	assert_chain_error(e, -EFAULT, 1);
	vdrv_add_one(&e->r, 2, LAYOUT_4G + 16, UINT32_MAX, 0); /* fits: a 4 GiB buffer */
	assert_int_equal(pop(e), 1);
}

static void test_bad_chain_over_4g(void **state)
{
	struct env *e = *state;

	/* Each buffer is in RAM; together they exceed the 2^32-byte chain limit. */
	vdrv_desc_set(&e->r, 0, LAYOUT_4G, UINT32_MAX, VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, LAYOUT_4G, 1, 0, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -E2BIG, 0);
}

static void test_bad_read_after_write(void **state)
{
	struct env *e = *state;

	vdrv_desc_set(&e->r, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, DATA_GPA + 16, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vdrv_desc_set(&e->r, 2, DATA_GPA + 32, 16, 0, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -EINVAL, 0);
}

static void test_bad_read_after_write_indirect(void **state)
{
	struct env *e = *state;
	uint8_t *t = gpa(e, INDIRECT_GPA);

	/* The order rule spans the direct part and the table. */
	vdrv_desc_write(t, 0, DATA_GPA, 16, 0, 0);
	vdrv_desc_set(&e->r, 0, DATA_GPA, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -EINVAL, 0);
}

static void test_bad_indirect_nested(void **state)
{
	struct env *e = *state;
	uint8_t *t = gpa(e, INDIRECT_GPA);

	vdrv_desc_write(t, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	vdrv_desc_write(t, 1, INDIRECT2, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_desc_write(gpa(e, INDIRECT2), 0, DATA_GPA, 1, VRING_DESC_F_WRITE, 0);
	vdrv_add_one(&e->r, 0, INDIRECT_GPA, 32, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 0);
	/* A table pointing at itself. */
	vdrv_desc_write(t, 0, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_add_one(&e->r, 0, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 0);
}

static void test_bad_indirect_with_next(void **state)
{
	struct env *e = *state;

	vdrv_desc_write(gpa(e, INDIRECT_GPA), 0, DATA_GPA, 16, 0, 0);
	vdrv_desc_set(&e->r, 0, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	vdrv_desc_set(&e->r, 1, DATA_GPA, 1, VRING_DESC_F_WRITE, 0);
	vdrv_avail_publish(&e->r, 0);
	assert_chain_error(e, -EINVAL, 0);
}

static void test_bad_indirect_len(void **state)
{
	struct env *e = *state;

	vdrv_add_one(&e->r, 0, INDIRECT_GPA, 0, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 0);
	vdrv_add_one(&e->r, 1, INDIRECT_GPA, 24, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 1);
	vdrv_add_one(&e->r, 2, INDIRECT_GPA, 15, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 2);
	vdrv_add_one(&e->r, 3, INDIRECT_GPA, (VIRTQ_MAX_INDIRECT + 1) * 16, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -E2BIG, 3);
	vdrv_add_one(&e->r, 4, LOW_SIZE - 16, 32, VRING_DESC_F_INDIRECT); /* table leaves RAM */
	assert_chain_error(e, -EFAULT, 4);
	vdrv_add_one(&e->r, 5, UINT64_MAX - 15, 32, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EFAULT, 5);
}

static void test_bad_indirect_inside(void **state)
{
	struct env *e = *state;
	uint8_t *t = gpa(e, INDIRECT_GPA);

	/* next beyond the table (but inside the queue size). */
	vdrv_desc_write(t, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 2);
	vdrv_desc_write(t, 1, DATA_GPA, 16, 0, 0);
	vdrv_add_one(&e->r, 0, INDIRECT_GPA, 32, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 0);
	/* A loop inside the table. */
	vdrv_desc_write(t, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	vdrv_desc_write(t, 1, DATA_GPA, 16, VRING_DESC_F_NEXT, 0);
	vdrv_add_one(&e->r, 1, INDIRECT_GPA, 32, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -E2BIG, 1);
	/* A buffer outside RAM inside the table. */
	vdrv_desc_write(t, 0, LOW_SIZE, 16, 0, 0);
	vdrv_add_one(&e->r, 2, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EFAULT, 2);
}

static void test_bad_indirect_not_negotiated(void **state)
{
	struct env *e = *state;

	e->q.indirect = false;
	vdrv_desc_write(gpa(e, INDIRECT_GPA), 0, DATA_GPA, 16, 0, 0);
	vdrv_add_one(&e->r, 0, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT);
	assert_chain_error(e, -EINVAL, 0);
}

static void test_bad_avail_idx_jump(void **state)
{
	struct env *e = *state;

	for (uint16_t i = 0; i < 16; i++)
		vdrv_desc_set(&e->r, i, DATA_GPA, 1, 0, 0);
	/* size + 1 ahead: the driver cannot have that many chains outstanding. */
	*(uint16_t *)gpa(e, AVAIL_GPA + 2) = 17;
	assert_int_equal(pop(e), -EINVAL);
	assert_int_equal(e->c.head, VIRTQ_NO_HEAD);
	assert_int_equal(e->q.last_avail_idx, 0);
	*(uint16_t *)gpa(e, AVAIL_GPA + 2) = 0xffff; /* "behind" us */
	assert_int_equal(pop(e), -EINVAL);
	*(uint16_t *)gpa(e, AVAIL_GPA + 2) = 16; /* a full ring is fine */
	for (int i = 0; i < 16; i++)
		assert_int_equal(pop(e), 1);
	assert_int_equal(pop(e), 0);
}

/* --- used ring, wrap-around, notification ------------------------------------------------------
 */

static void test_push_used_ring(void **state)
{
	struct env *e = *state;
	uint32_t id, len;

	vdrv_add_one(&e->r, 9, DATA_GPA, 16, 0);
	assert_int_equal(pop(e), 1);
	assert_int_equal(virtq_push(&e->q, 9, 1234), 0);
	assert_int_equal(vdrv_used_idx(&e->r), 1);
	vdrv_used_elem(&e->r, 0, &id, &len);
	assert_int_equal(id, 9);
	assert_int_equal(len, 1234);
	assert_int_equal(virtq_push(&e->q, 16, 0), -EINVAL);
	assert_int_equal(vdrv_used_idx(&e->r), 1);
}

static void test_wraparound(void **state)
{
	struct env *e = *state;
	uint32_t id, len;

	vdrv_start_at(&e->r, 65533);
	e->q.last_avail_idx = e->q.avail_idx = e->q.used_idx = 65533;
	for (uint16_t i = 0; i < 6; i++)
		vdrv_add_one(&e->r, i, DATA_GPA + 16 * i, 16, 0);
	assert_int_equal(e->r.avail_idx, 3);
	for (uint16_t i = 0; i < 6; i++) {
		assert_int_equal(pop(e), 1);
		assert_int_equal(e->c.head, i);
		assert_ptr_equal(e->c.segs[0].addr, gpa(e, DATA_GPA + 16 * i));
		assert_int_equal(virtq_push(&e->q, i, 100 + i), 0);
	}
	assert_int_equal(pop(e), 0);
	assert_int_equal(e->q.last_avail_idx, 3);
	assert_int_equal(vdrv_used_idx(&e->r), 3);
	/* 65533 % 16 == 13: elements in slots 13, 14, 15, 0, 1, 2 */
	vdrv_used_elem(&e->r, 13, &id, &len);
	assert_int_equal(id, 0);
	vdrv_used_elem(&e->r, 2, &id, &len);
	assert_int_equal(id, 5);
	assert_int_equal(len, 105);
	/* the jump check across the wrap */
	*(uint16_t *)gpa(e, AVAIL_GPA + 2) = 3 + 17;
	assert_int_equal(pop(e), -EINVAL);
}

static void push_n(struct env *e, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(virtq_push(&e->q, 0, 0), 0);
}

static void test_notify_no_event_idx(void **state)
{
	struct env *e = *state;

	push_n(e, 1);
	assert_true(virtq_needs_notify(&e->q));
	assert_false(virtq_needs_notify(&e->q)); /* nothing new */
	vdrv_set_avail_flags(&e->r, VRING_AVAIL_F_NO_INTERRUPT);
	push_n(e, 1);
	assert_false(virtq_needs_notify(&e->q));
	vdrv_set_avail_flags(&e->r, 0);
	push_n(e, 2);
	assert_true(virtq_needs_notify(&e->q));
}

static void test_notify_event_idx(void **state)
{
	struct env *e = *state;

	e->q.event_idx = true;
	/* First decision after reset: always interrupt. */
	push_n(e, 1);
	vdrv_set_used_event(&e->r, 100);
	assert_true(virtq_needs_notify(&e->q));
	/* Driver wants an interrupt once used->idx passes 3 (i.e. entry 3 is used). */
	vdrv_set_used_event(&e->r, 3);
	push_n(e, 1); /* used 2 */
	assert_false(virtq_needs_notify(&e->q));
	push_n(e, 1); /* used 3: crossed? need_event(3, 3, 2) = 0 < 1 */
	assert_false(virtq_needs_notify(&e->q));
	push_n(e, 2); /* used 5 after 3: event 3 in [3, 5) */
	assert_true(virtq_needs_notify(&e->q));
	assert_false(virtq_needs_notify(&e->q));
	/* NO_INTERRUPT is ignored with EVENT_IDX. */
	vdrv_set_avail_flags(&e->r, VRING_AVAIL_F_NO_INTERRUPT);
	vdrv_set_used_event(&e->r, 5);
	push_n(e, 1);
	assert_true(virtq_needs_notify(&e->q));
}

static void test_notify_event_idx_wrap(void **state)
{
	struct env *e = *state;

	e->q.event_idx = true;
	vdrv_start_at(&e->r, 65534);
	e->q.last_avail_idx = e->q.avail_idx = e->q.used_idx = 65534;
	e->q.signalled_used = 65534;
	e->q.signalled_valid = true;
	vdrv_set_used_event(&e->r, 65535);
	push_n(e, 3); /* used 65534 -> 1, passing 65535 */
	assert_int_equal(vdrv_used_idx(&e->r), 1);
	assert_true(virtq_needs_notify(&e->q));
	vdrv_set_used_event(&e->r, 1); /* wants to hear when entry 1 is used */
	push_n(e, 1);		       /* used 2 */
	assert_true(virtq_needs_notify(&e->q));
	vdrv_set_used_event(&e->r, 65500); /* far behind: already told */
	push_n(e, 2);
	assert_false(virtq_needs_notify(&e->q));
}

static void test_set_avail_event(void **state)
{
	struct env *e = *state;
	uint16_t *avail_event = (uint16_t *)gpa(e, USED_GPA + 4 + 8 * 16);

	e->q.event_idx = true;
	vdrv_add_one(&e->r, 0, DATA_GPA, 16, 0);
	assert_int_equal(pop(e), 1);
	assert_false(virtq_set_avail_event(&e->q));
	assert_int_equal(*avail_event, 1);
	vdrv_add_one(&e->r, 1, DATA_GPA, 16, 0); /* arrives "meanwhile" */
	assert_true(virtq_set_avail_event(&e->q));
	assert_int_equal(pop(e), 1);
	assert_false(virtq_set_avail_event(&e->q));
	assert_int_equal(*avail_event, 2);
	/* Without EVENT_IDX the field is left alone. */
	e->q.event_idx = false;
	*avail_event = 77;
	virtq_set_avail_event(&e->q);
	assert_int_equal(*avail_event, 77);
}

static void test_reset(void **state)
{
	struct env *e = *state;

	vdrv_add_one(&e->r, 0, DATA_GPA, 16, 0);
	assert_int_equal(pop(e), 1);
	virtq_reset(&e->q);
	assert_int_equal(e->q.size, 0);
	assert_int_equal(e->q.last_avail_idx, 0);
	assert_false(e->q.ready);
	assert_int_equal(pop(e), -EINVAL);
	assert_int_equal(virtq_push(&e->q, 0, 0), -EINVAL);
	assert_false(virtq_needs_notify(&e->q));
}

#define T(f)  cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
#define TB(f) cmocka_unit_test_setup_teardown(f, env_setup_big, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_check),
	    T(test_pop_empty_and_not_ready),
	    T(test_pop_single),
	    T(test_pop_multi),
	    T(test_pop_chain_of_queue_size),
	    T(test_pop_zero_length),
	    T(test_pop_indirect),
	    T(test_pop_direct_then_indirect),
	    T(test_pop_indirect_longer_than_queue),
	    T(test_bad_loop),
	    T(test_bad_longer_than_queue),
	    TB(test_bad_too_many_segs),
	    T(test_bad_next_out_of_range),
	    T(test_bad_head_out_of_range),
	    T(test_bad_outside_ram),
	    T(test_bad_addr_len_overflow),
	    T(test_bad_chain_over_4g),
	    T(test_bad_read_after_write),
	    T(test_bad_read_after_write_indirect),
	    T(test_bad_indirect_nested),
	    T(test_bad_indirect_with_next),
	    T(test_bad_indirect_len),
	    T(test_bad_indirect_inside),
	    T(test_bad_indirect_not_negotiated),
	    T(test_bad_avail_idx_jump),
	    T(test_push_used_ring),
	    T(test_wraparound),
	    T(test_notify_no_event_idx),
	    T(test_notify_event_idx),
	    T(test_notify_event_idx_wrap),
	    T(test_set_avail_event),
	    T(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
