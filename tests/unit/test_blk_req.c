/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk request parsing. Chains are built directly as struct
 * virtq_chain over a buffer (virtq_pop() is tested on its own); one test
 * goes through a real ring to check the two fit together.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/virtio_blk.h"
#include "base/mem.h"

#define CAP 2048 /* sectors: a 1 MiB disk */

static uint8_t buf[0x10000];
static struct virtq_chain chain;
static struct blk_req req;

static void chain_reset(void)
{
	memset(&chain, 0, sizeof(chain));
	chain.head = 0;
	memset(buf, 0xaa, sizeof(buf));
}

/* Append [off, off+len) of buf as a segment, as virtq_pop() would. */
static void seg(uint32_t off, uint32_t len, bool write)
{
	chain.segs[chain.nr_segs++] = (struct virtq_seg){len ? buf + off : NULL, len, write};
	if (write) {
		chain.write_len += len;
	} else {
		assert_int_equal(chain.nr_read, chain.nr_segs - 1);
		chain.nr_read++;
		chain.read_len += len;
	}
}

static void hdr_at(uint32_t off, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = {type, 0, sector};

	memcpy(buf + off, &h, sizeof(h));
}

static void range_at(uint32_t off, uint64_t sector, uint32_t num, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes r = {sector, num, flags};

	memcpy(buf + off, &r, sizeof(r));
}

static int parse(bool ro)
{
	return blk_req_parse(&chain, CAP, ro, &req);
}

/* hdr at 0, data at 0x1000 (len, readable for OUT), status at 0x8000. */
static void simple(uint32_t type, uint64_t sector, uint32_t len, bool data_write)
{
	chain_reset();
	hdr_at(0, type, sector);
	seg(0, 16, false);
	if (len)
		seg(0x1000, len, data_write);
	seg(0x8000, 1, true);
}

static void assert_fails(int ret, uint8_t status)
{
	const struct virtq_seg *last = &chain.segs[chain.nr_segs - 1];

	assert_int_equal(ret, -EINVAL);
	assert_int_equal(req.status, status);
	assert_ptr_equal(req.status_ptr, (uint8_t *)last->addr + last->len - 1);
	assert_int_equal(req.niov, 0);
	assert_int_equal(req.data_len, 0);
}

static void test_in(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_IN, 8, 4096, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.type, VIRTIO_BLK_T_IN);
	assert_int_equal(req.sector, 8);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.niov, 1);
	assert_ptr_equal(req.iov[0].iov_base, buf + 0x1000);
	assert_int_equal(req.iov[0].iov_len, 4096);
	assert_int_equal(req.data_len, 4096);
	assert_ptr_equal(req.status_ptr, buf + 0x8000);
	/* reads are fine on a read-only disk */
	assert_int_equal(parse(true), 0);
}

static void test_in_status_shares_descriptor(void **state)
{
	(void)state;
	/* data and status in one writable descriptor: the status is its last byte */
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_IN, 0);
	seg(0, 16, false);
	seg(0x1000, 512, true);
	seg(0x2000, 1025, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.niov, 2);
	assert_int_equal(req.iov[1].iov_len, 1024);
	assert_int_equal(req.data_len, 1536);
	assert_ptr_equal(req.status_ptr, buf + 0x2000 + 1024);
}

static void test_out_multi(void **state)
{
	(void)state;
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_OUT, CAP - 3);
	seg(0, 16, false);
	seg(0x1000, 1024, false);
	seg(0x3000, 0, false); /* zero-length pieces drop out */
	seg(0x2000, 512, false);
	seg(0x8000, 1, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.type, VIRTIO_BLK_T_OUT);
	assert_int_equal(req.niov, 2);
	assert_ptr_equal(req.iov[1].iov_base, buf + 0x2000);
	assert_int_equal(req.data_len, 1536);
}

static void test_header_split(void **state)
{
	(void)state;
	/* Drivers must not rely on framing: header in 10 + 6 bytes, data after it */
	chain_reset();
	hdr_at(0x100, VIRTIO_BLK_T_OUT, 5);
	memmove(buf + 0x200, buf + 0x10a, 6);
	seg(0x100, 10, false);
	seg(0x200, 6 + 512, false);
	seg(0x8000, 1, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.sector, 5);
	assert_int_equal(req.niov, 1);
	assert_ptr_equal(req.iov[0].iov_base, buf + 0x206);
	assert_int_equal(req.iov[0].iov_len, 512);
	/* header and data in a single descriptor */
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_OUT, 7);
	seg(0, 16 + 1024, false);
	seg(0x8000, 1, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.sector, 7);
	assert_ptr_equal(req.iov[0].iov_base, buf + 16);
	assert_int_equal(req.data_len, 1024);
	/* one byte at a time */
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_FLUSH, 0);
	for (int i = 0; i < 16; i++)
		seg(i, 1, false);
	seg(0x8000, 1, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.type, VIRTIO_BLK_T_FLUSH);
}

static void test_short_header(void **state)
{
	(void)state;
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_IN, 0);
	seg(0, 15, false);
	seg(0x1000, 513, true); /* writable bytes do not count as header */
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	chain_reset();
	seg(0x8000, 1, true); /* status only */
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
}

static void test_no_status_byte(void **state)
{
	(void)state;
	/* Last descriptor readable: nowhere to report anything. */
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_OUT, 0);
	seg(0, 16 + 512, false);
	assert_int_equal(parse(false), -ENOBUFS);
	assert_null(req.status_ptr);
	/* Last descriptor writable but empty: no status byte either. */
	simple(VIRTIO_BLK_T_IN, 0, 512, true);
	seg(0x9000, 0, true);
	assert_int_equal(parse(false), -ENOBUFS);
	assert_null(req.status_ptr);
	chain_reset();
	assert_int_equal(parse(false), -ENOBUFS);
}

static void test_in_out_bad_length(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_IN, 0, 513, true);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_OUT, 0, 100, false);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_IN, 0, 0, true); /* no data: a valid, empty read */
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.niov, 0);
}

static void test_in_out_capacity(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_IN, CAP - 8, 4096, true); /* ends exactly at the end */
	assert_int_equal(parse(false), 0);
	simple(VIRTIO_BLK_T_IN, CAP - 7, 4096, true);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_OUT, CAP, 512, false);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_OUT, CAP + 1, 0, false);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	/* sector + count wraps around 2^64 */
	simple(VIRTIO_BLK_T_IN, UINT64_MAX, 1024, true);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	/* the largest possible disk: the last sector is readable, no further */
	simple(VIRTIO_BLK_T_IN, UINT64_MAX - 1, 512, true);
	assert_int_equal(blk_req_parse(&chain, UINT64_MAX, false, &req), 0);
	simple(VIRTIO_BLK_T_IN, UINT64_MAX - 1, 1024, true);
	assert_int_equal(blk_req_parse(&chain, UINT64_MAX, false, &req), -EINVAL);
}

static void test_wrong_direction(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_IN, 0, 512, false); /* readable data on a read */
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_OUT, 0, 512, true); /* writable data on a write */
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	/* OUT with its data right but the status descriptor longer than a byte */
	simple(VIRTIO_BLK_T_OUT, 0, 512, false);
	chain.segs[2].len = 2;
	chain.write_len = 2;
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
}

static void test_read_only(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_OUT, 0, 512, false);
	assert_fails(parse(true), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_FLUSH, 0, 0, false);
	assert_int_equal(parse(true), 0);
}

static void test_flush(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_FLUSH, 0, 0, false);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.type, VIRTIO_BLK_T_FLUSH);
	assert_int_equal(req.niov, 0);
	assert_ptr_equal(req.status_ptr, buf + 0x8000);
}

static void test_get_id(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_GET_ID, 0, BLK_ID_BYTES, true);
	assert_int_equal(parse(true), 0);
	assert_int_equal(req.type, VIRTIO_BLK_T_GET_ID);
	assert_int_equal(req.niov, 1);
	assert_int_equal(req.data_len, 20);
	simple(VIRTIO_BLK_T_GET_ID, 0, 0, true);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_GET_ID, 0, 20, false);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
}

static void test_unknown_types(void **state)
{
	static const uint32_t types[] = {
	    2, 3, 5, 10, VIRTIO_BLK_T_SECURE_ERASE, 0x80000000, 0x80000001, UINT32_MAX};

	(void)state;
	for (unsigned int i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		simple(types[i], 0, 512, false);
		assert_fails(parse(false), VIRTIO_BLK_S_UNSUPP);
	}
}

/* DISCARD/WRITE_ZEROES with n ranges at 0x1000, one descriptor. */
static void ranges(uint32_t type, unsigned int n)
{
	chain_reset();
	hdr_at(0, type, 0);
	seg(0, 16, false);
	for (unsigned int i = 0; i < n; i++)
		range_at(0x1000 + 16 * i, 100 * i, 10, 0);
	seg(0x1000, 16 * n, false);
	seg(0x8000, 1, true);
}

static void test_discard(void **state)
{
	(void)state;
	ranges(VIRTIO_BLK_T_DISCARD, 2);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.type, VIRTIO_BLK_T_DISCARD);
	assert_int_equal(req.nr_ranges, 2);
	assert_int_equal(req.range[1].sector, 100);
	assert_int_equal(req.range[1].num_sectors, 10);
	assert_int_equal(req.niov, 0);
	ranges(VIRTIO_BLK_T_DISCARD, BLK_MAX_RANGES);
	assert_int_equal(parse(false), 0);
	ranges(VIRTIO_BLK_T_DISCARD, BLK_MAX_RANGES + 1);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	ranges(VIRTIO_BLK_T_DISCARD, 0);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	ranges(VIRTIO_BLK_T_DISCARD, 1);
	assert_fails(parse(true), VIRTIO_BLK_S_IOERR); /* read-only */
	/* unmap is a write-zeroes flag only (5.2.6.2) */
	range_at(0x1000, 0, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_fails(parse(false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(req.nr_ranges, 0);
}

static void test_write_zeroes(void **state)
{
	(void)state;
	ranges(VIRTIO_BLK_T_WRITE_ZEROES, 3);
	range_at(0x1010, CAP - 5, 5, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.nr_ranges, 3);
	assert_int_equal(req.range[1].flags, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	range_at(0x1010, 0, 1, 2); /* unknown flag */
	assert_fails(parse(false), VIRTIO_BLK_S_UNSUPP);
	range_at(0x1010, CAP - 5, 6, 0);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	range_at(0x1010, UINT64_MAX - 2, 5, 0); /* wraps */
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	range_at(0x1010, CAP + 1, 0, 0);
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
}

static void test_ranges_malformed(void **state)
{
	(void)state;
	/* not a whole number of ranges */
	ranges(VIRTIO_BLK_T_WRITE_ZEROES, 1);
	chain.segs[1].len = 20;
	chain.read_len = 36;
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
	/* writable data besides the status byte */
	ranges(VIRTIO_BLK_T_DISCARD, 1);
	chain.segs[2].len = 17;
	chain.write_len = 17;
	assert_fails(parse(false), VIRTIO_BLK_S_IOERR);
}

static void test_ranges_split(void **state)
{
	(void)state;
	/* header + half a range, then the rest of it and a second one */
	chain_reset();
	hdr_at(0, VIRTIO_BLK_T_DISCARD, 0);
	range_at(16, 40, 8, 0);
	memcpy(buf + 0x1000, buf + 24, 8);
	range_at(0x1008, 1000, 24, 0);
	seg(0, 24, false);
	seg(0x1000, 24, false);
	seg(0x8000, 1, true);
	assert_int_equal(parse(false), 0);
	assert_int_equal(req.nr_ranges, 2);
	assert_int_equal(req.range[0].sector, 40);
	assert_int_equal(req.range[0].num_sectors, 8);
	assert_int_equal(req.range[1].sector, 1000);
	assert_int_equal(req.range[1].num_sectors, 24);
}

/* Through a real ring: what virtq_pop() produces is what blk_req_parse() expects. */
static void test_from_ring(void **state)
{
	static uint8_t ram[0x20000];
	struct guest_mem gm = {0};
	struct virtq q = {0};
	struct vring_desc d[3] = {
	    {0x10000, 16, VRING_DESC_F_NEXT, 1},
	    {0x11000, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2},
	    {0x12000, 1, VRING_DESC_F_WRITE, 0},
	};
	struct virtio_blk_outhdr h = {VIRTIO_BLK_T_IN, 0, 16};

	(void)state;
	assert_int_equal(guest_mem_add(&gm, 0, ram, sizeof(ram)), 0);
	q.size = 8;
	q.desc_gpa = 0x1000;
	q.avail_gpa = 0x2000;
	q.used_gpa = 0x3000;
	assert_int_equal(virtq_check(&q, &gm), 0);
	q.ready = true;
	memcpy(ram + 0x1000, d, sizeof(d));
	memcpy(ram + 0x10000, &h, sizeof(h));
	ram[0x2004] = 0;
	__atomic_store_n((uint16_t *)(ram + 0x2002), 1, __ATOMIC_RELEASE);
	assert_int_equal(virtq_pop(&q, &gm, &chain), 1);
	assert_int_equal(blk_req_parse(&chain, CAP, false, &req), 0);
	assert_int_equal(req.sector, 16);
	assert_ptr_equal(req.iov[0].iov_base, ram + 0x11000);
	assert_ptr_equal(req.status_ptr, ram + 0x12000);
	*req.status_ptr = VIRTIO_BLK_S_OK;
	assert_int_equal(virtq_push(&q, chain.head, req.data_len + 1), 0);
	assert_int_equal(*(uint32_t *)(ram + 0x3008), 4097);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in),
	    cmocka_unit_test(test_in_status_shares_descriptor),
	    cmocka_unit_test(test_out_multi),
	    cmocka_unit_test(test_header_split),
	    cmocka_unit_test(test_short_header),
	    cmocka_unit_test(test_no_status_byte),
	    cmocka_unit_test(test_in_out_bad_length),
	    cmocka_unit_test(test_in_out_capacity),
	    cmocka_unit_test(test_wrong_direction),
	    cmocka_unit_test(test_read_only),
	    cmocka_unit_test(test_flush),
	    cmocka_unit_test(test_get_id),
	    cmocka_unit_test(test_unknown_types),
	    cmocka_unit_test(test_discard),
	    cmocka_unit_test(test_write_zeroes),
	    cmocka_unit_test(test_ranges_malformed),
	    cmocka_unit_test(test_ranges_split),
	    cmocka_unit_test(test_from_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
