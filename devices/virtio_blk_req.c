/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk request parsing (virtio 1.2, 5.2.6). Pure: a chain that
 * virtq_pop() already checked against guest RAM in, a request out.
 *
 * The chain is: readable bytes (16-byte header, then OUT data or
 * DISCARD/WRITE_ZEROES ranges), writable bytes (IN or GET_ID data), and the
 * status byte, the very last byte, in a writable descriptor. Drivers must
 * not rely on framing (2.6.4), so the header and the ranges may straddle
 * descriptors; they are copied out of guest memory once, here, and only the
 * copies are checked and used. Data stays in guest memory (iov).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio_blk.h"

_Static_assert(sizeof(struct virtio_blk_outhdr) == BLK_HDR_SIZE, "outhdr layout");
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == BLK_RANGE_SIZE, "range layout");

/* Length of segment i once the status byte is taken off the last one. */
static uint32_t seg_len(const struct virtq_chain *c, unsigned int i)
{
	return c->segs[i].len - (i == c->nr_segs - 1);
}

/* Copy len bytes found skip bytes into segments [from, to). Returns bytes copied. */
static uint32_t segs_copy(const struct virtq_chain *c, unsigned int from, unsigned int to,
			  uint64_t skip, void *dst, uint32_t len)
{
	uint32_t done = 0;

	for (unsigned int i = from; i < to && done < len; i++) {
		uint32_t l = seg_len(c, i), n;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = l - skip < len - done ? l - skip : len - done;
		memcpy((uint8_t *)dst + done, (uint8_t *)c->segs[i].addr + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

/* Segments [from, to), less the first skip bytes, become r->iov. */
static void iov_fill(struct blk_req *r, const struct virtq_chain *c, unsigned int from,
		     unsigned int to, uint32_t skip)
{
	for (unsigned int i = from; i < to; i++) {
		uint32_t l = seg_len(c, i);

		if (skip >= l) {
			skip -= l;
			continue;
		}
		r->iov[r->niov].iov_base = (uint8_t *)c->segs[i].addr + skip;
		r->iov[r->niov].iov_len = l - skip;
		r->niov++;
		r->data_len += l - skip;
		skip = 0;
	}
}

static bool range_ok(uint64_t sector, uint64_t nr, uint64_t capacity)
{
	return sector <= capacity && nr <= capacity - sector;
}

/* IN, OUT, GET_ID: data in one direction only; fill r->iov with it. */
static uint8_t parse_rw(struct blk_req *r, const struct virtq_chain *c, uint64_t capacity,
			bool read_only, uint32_t rdata, uint32_t wdata)
{
	bool out = r->type == VIRTIO_BLK_T_OUT;
	uint32_t len = out ? rdata : wdata;

	if ((out ? wdata : rdata) != 0)
		return VIRTIO_BLK_S_IOERR; /* a buffer in the wrong direction */
	if (r->type == VIRTIO_BLK_T_GET_ID) {
		if (!len)
			return VIRTIO_BLK_S_IOERR;
	} else {
		if (out && read_only)
			return VIRTIO_BLK_S_IOERR; /* 5.2.6.2: RO device fails writes */
		if (len % BLK_SECTOR_SIZE || !range_ok(r->sector, len / BLK_SECTOR_SIZE, capacity))
			return VIRTIO_BLK_S_IOERR;
	}
	if (out)
		iov_fill(r, c, 0, c->nr_read, BLK_HDR_SIZE);
	else
		iov_fill(r, c, c->nr_read, c->nr_segs, 0);
	return VIRTIO_BLK_S_OK;
}

static uint8_t range_check(const struct blk_req *r, const struct blk_range *rg, uint64_t capacity)
{
	uint32_t known =
	    r->type == VIRTIO_BLK_T_WRITE_ZEROES ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;

	/* 5.2.6.2: unknown flags, and unmap on a discard, are UNSUPP. */
	if (rg->flags & ~known)
		return VIRTIO_BLK_S_UNSUPP;
	if (!range_ok(rg->sector, rg->num_sectors, capacity))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/* DISCARD, WRITE_ZEROES: an array of ranges in the readable bytes, no writable data. */
static uint8_t parse_ranges(struct blk_req *r, const struct virtq_chain *c, uint64_t capacity,
			    bool read_only, uint32_t rdata, uint32_t wdata)
{
	struct virtio_blk_discard_write_zeroes raw;
	uint8_t st;

	if (wdata || !rdata || rdata % BLK_RANGE_SIZE || rdata / BLK_RANGE_SIZE > BLK_MAX_RANGES)
		return VIRTIO_BLK_S_IOERR;
	if (read_only)
		return VIRTIO_BLK_S_IOERR;
	for (unsigned int i = 0; i < rdata / BLK_RANGE_SIZE; i++) {
		struct blk_range *rg = &r->range[i];

		segs_copy(c, 0, c->nr_read, BLK_HDR_SIZE + (uint64_t)i * BLK_RANGE_SIZE, &raw,
			  sizeof(raw));
		rg->sector = le64toh(raw.sector);
		rg->num_sectors = le32toh(raw.num_sectors);
		rg->flags = le32toh(raw.flags);
		st = range_check(r, rg, capacity);
		if (st != VIRTIO_BLK_S_OK)
			return st;
		r->nr_ranges++;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t parse_body(struct blk_req *r, const struct virtq_chain *c, uint64_t capacity,
			  bool read_only)
{
	uint32_t rdata = c->read_len - BLK_HDR_SIZE, wdata = c->write_len - 1;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_GET_ID:
		return parse_rw(r, c, capacity, read_only, rdata, wdata);
	case VIRTIO_BLK_T_FLUSH:
		return VIRTIO_BLK_S_OK; /* carries no data; any given is ignored */
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return parse_ranges(r, c, capacity, read_only, rdata, wdata);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

int blk_req_parse(const struct virtq_chain *c, uint64_t capacity_sectors, bool read_only,
		  struct blk_req *r)
{
	const struct virtq_seg *last;
	struct virtio_blk_outhdr hdr;

	r->type = 0;
	r->sector = 0;
	r->niov = r->nr_ranges = 0;
	r->data_len = 0;
	r->status_ptr = NULL;
	r->status = VIRTIO_BLK_S_IOERR;
	if (!c->nr_segs)
		return -ENOBUFS;
	last = &c->segs[c->nr_segs - 1];
	if (!last->write || !last->len)
		return -ENOBUFS;
	r->status_ptr = (uint8_t *)last->addr + last->len - 1;
	if (c->read_len < BLK_HDR_SIZE)
		return -EINVAL;
	segs_copy(c, 0, c->nr_read, 0, &hdr, sizeof(hdr));
	r->type = le32toh(hdr.type);
	r->sector = le64toh(hdr.sector);
	r->status = parse_body(r, c, capacity_sectors, read_only);
	if (r->status != VIRTIO_BLK_S_OK) {
		r->niov = r->nr_ranges = 0;
		r->data_len = 0;
		return -EINVAL;
	}
	return 0;
}
