/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is the guest driver. Its input is an 8-byte
 * header and then the first bytes of guest RAM, where the rings sit at fixed
 * places, so it controls every descriptor, index, flag and request header.
 * We then run the device loop a virtio-blk device would run: pop, parse,
 * "do" the request by touching every byte of its buffers, write the status,
 * push, decide on the interrupt. ASan checks that nothing outside guest RAM
 * is ever touched; UBSan that no arithmetic goes wrong on the way.
 *
 * Header: u8 log2(queue size) (mod 11: 1..1024 entries, rings < 27 KiB)
 *         u8 flags: 1 EVENT_IDX, 2 INDIRECT_DESC, 4 read-only disk
 *         le16 start index (last_avail/used), to reach the 16-bit wrap
 *         le32 disk capacity in sectors
 * RAM:    64 KiB at GPA 0 (the input, zero-padded), 4 KiB at 4 GiB.
 *         desc at 0, avail right after it, used after that (aligned 4).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_blk.h"
#include "devices/virtq.h"
#include "base/layout.h"
#include "base/mem.h"

#define HDR_SIZE  8
#define LOW_SIZE  0x10000
#define HIGH_SIZE 0x1000
#define MAX_POPS  64

static struct virtq_chain chain;
static struct blk_req req;

/* What a device does with a request's buffers, minus the disk. */
static uint32_t blk_fake_io(struct blk_req *r)
{
	uint32_t written = 0;
	volatile uint8_t sink = 0;

	for (unsigned int i = 0; i < r->niov; i++) {
		uint8_t *p = r->iov[i].iov_base;
		size_t n = r->iov[i].iov_len;

		if (r->type == VIRTIO_BLK_T_OUT) {
			for (size_t j = 0; j < n; j++)
				sink ^= p[j];
		} else if (r->type == VIRTIO_BLK_T_GET_ID) {
			n = n < BLK_ID_BYTES - written ? n : BLK_ID_BYTES - written;
			memset(p, 'v', n);
			written += n;
		} else {
			memset(p, 0x5a, n);
			written += n;
		}
	}
	(void)sink;
	return written;
}

static void blk_run(struct virtq *q, const struct guest_mem *gm, uint64_t capacity, bool ro)
{
	for (int i = 0; i < MAX_POPS; i++) {
		int ret = virtq_pop(q, gm, &chain);
		uint32_t len = 0;

		if (ret < 0 && chain.head == VIRTQ_NO_HEAD)
			return; /* ring broken: DEVICE_NEEDS_RESET */
		if (ret == 0) {
			if (!virtq_set_avail_event(q))
				return;
			continue;
		}
		if (ret > 0) {
			ret = blk_req_parse(&chain, capacity, ro, &req);
			if (ret == -ENOBUFS)
				return; /* no status byte: DEVICE_NEEDS_RESET */
			if (ret == 0)
				len = blk_fake_io(&req);
			*req.status_ptr = req.status;
			len++;
		}
		virtq_push(q, chain.head, len);
		virtq_needs_notify(q);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem gm = {0};
	struct virtq q = {0};
	uint8_t *low, *high;
	uint16_t start;
	uint32_t cap;

	if (size < HDR_SIZE)
		return 0;
	/* Exactly-sized heap buffers, so ASan flags the first byte outside. */
	low = calloc(1, LOW_SIZE);
	high = calloc(1, HIGH_SIZE);
	memcpy(low, data + HDR_SIZE, size - HDR_SIZE < LOW_SIZE ? size - HDR_SIZE : LOW_SIZE);
	guest_mem_add(&gm, 0, low, LOW_SIZE);
	guest_mem_add(&gm, LAYOUT_4G, high, HIGH_SIZE);

	q.size = 1u << (data[0] % 11);
	q.event_idx = data[1] & 1;
	q.indirect = data[1] & 2;
	memcpy(&start, data + 2, 2);
	memcpy(&cap, data + 4, 4);
	q.desc_gpa = 0;
	q.avail_gpa = 16ULL * q.size;
	q.used_gpa = (q.avail_gpa + 6 + 2ULL * q.size + 3) & ~3ULL;
	if (virtq_check(&q, &gm) == 0) {
		q.ready = true;
		q.last_avail_idx = q.avail_idx = q.used_idx = start;
		blk_run(&q, &gm, cap, data[1] & 4);
	}
	free(low);
	free(high);
	return 0;
}
