/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is the bzImage whose compressed vmlinux the VMM takes out
 * on the host (vmm/unpack.c, for kcache.c): the setup header's payload fields, the format
 * detection, and the decompressors (gzip, xz, lzma, lz4, zstd) on a hostile stream. The
 * output buffer is exactly the size the payload states, on the heap, so ASan flags a
 * decompressor that writes past it. Memory is bounded: a stated size above OUT_MAX is not
 * decompressed here (the VMM allocates up to UNPACK_MAX_OUTPUT for it, which is the user's
 * own kernel), and the run's -rss_limit_mb catches a decoder that allocates what a header
 * claims (the 4 GiB lzma dictionary of test_unpack's test_lzma_dict).
 * What must hold: a payload found lies inside the image.
 */
#include <stdlib.h>

#include "vmm/unpack.h"

#define OUT_MAX (4u << 20)

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack_payload p;
	uint8_t *out;

	if (unpack_find(data, size, &p))
		return 0;
	check(p.data >= data && p.len <= size && p.data + p.len <= data + size);
	check(p.out_len <= UNPACK_MAX_OUTPUT);
	if (p.out_len > OUT_MAX)
		return 0;
	out = malloc(p.out_len ? p.out_len : 1);
	check(out != NULL);
	unpack_decompress(&p, out);
	free(out);
	return 0;
}
