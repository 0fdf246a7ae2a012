/* SPDX-License-Identifier: MIT */
/*
 * A bzImage's payload, found and decompressed (unpack.h). The formats are the ones the
 * kernel's own decompressor knows (lib/decompress.c's table), told apart by the same magic
 * numbers; each is decompressed by the library Debian ships for it, in one call, into a
 * buffer of the size the kernel build appended to the stream.
 */
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "../base/le.h"
#include "../firmware/loader.h"
#include "unpack.h"

#define BP_VERSION_PAYLOAD 0x208 /* payload_offset, payload_length: protocol 2.08 */
#define BP_PAYLOAD_OFFSET  0x248
#define BP_PAYLOAD_LENGTH  0x24c
#define LZ4_LEGACY_MAGIC   0x184c2102u
#define LZ4_LEGACY_BLOCK   (8u << 20) /* lz4 -l: every block but the last holds 8 MiB */

static const struct {
	enum unpack_format format;
	const char *name;
	uint8_t magic[6];
	size_t magic_len;
} formats[] = {
    {UNPACK_GZIP, "gzip", {0x1f, 0x8b}, 2},
    {UNPACK_BZIP2, "bzip2", {'B', 'Z', 'h'}, 3},
    {UNPACK_LZMA, "lzma", {0x5d, 0x00, 0x00}, 3},
    {UNPACK_XZ, "xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
    {UNPACK_LZO, "lzo", {0x89, 'L', 'Z', 'O'}, 4},
    {UNPACK_LZ4, "lz4", {0x02, 0x21, 0x4c, 0x18}, 4},
    {UNPACK_ZSTD, "zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4},
};

const char *unpack_format_name(enum unpack_format f)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].format == f)
			return formats[i].name;
	return "unknown";
}

static enum unpack_format unpack_detect(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (len >= formats[i].magic_len &&
		    !memcmp(p, formats[i].magic, formats[i].magic_len))
			return formats[i].format;
	return UNPACK_NONE;
}

int unpack_find(const uint8_t *img, size_t len, struct unpack_payload *p)
{
	uint64_t setup = loader_bzimage_setup(img, len), off, n;

	memset(p, 0, sizeof(*p));
	if (!setup || le_get(img + 0x206, 2) < BP_VERSION_PAYLOAD)
		return -ENOEXEC;
	/* payload_offset counts from the protected-mode code, after the setup sectors */
	off = setup + le_get(img + BP_PAYLOAD_OFFSET, 4);
	n = le_get(img + BP_PAYLOAD_LENGTH, 4);
	if (off > len || n > len - off || n < 8)
		return -EINVAL;
	p->out_len = le_get(img + off + n - 4, 4);
	if (p->out_len < n - 4 || p->out_len > UNPACK_MAX_OUTPUT) /* kernels do not shrink */
		return -EINVAL;
	p->data = img + off;
	p->len = n - 4;
	p->format = unpack_detect(p->data, p->len);
	return 0;
}

/*
 * lz4 -l's legacy frame (the kernel's unlz4): the magic, then blocks, each a 32-bit
 * compressed size and an LZ4 block of at most 8 MiB decompressed. A magic in place of a
 * size starts another frame.
 */
static int unpack_lz4(const struct unpack_payload *p, uint8_t *out)
{
	size_t in = 4, done = 0;

	while (done < p->out_len) {
		uint64_t csize, room = p->out_len - done;
		int n;

		if (p->len - in < 4)
			return -EINVAL;
		csize = le_get(p->data + in, 4);
		in += 4;
		if (csize == LZ4_LEGACY_MAGIC)
			continue;
		if (csize > p->len - in || csize > LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK))
			return -EINVAL;
		if (room > LZ4_LEGACY_BLOCK)
			room = LZ4_LEGACY_BLOCK;
		n = LZ4_decompress_safe((const char *)p->data + in, (char *)out + done, (int)csize,
					(int)room);
		if (n <= 0)
			return -EINVAL;
		in += csize;
		done += n;
	}
	return 0;
}

/*
 * xz and the older lzma ("alone") format, through liblzma's stream decoders. The dictionary
 * liblzma allocates is the size the stream's header states, up to 4 GiB, whatever the
 * payload's real size: a memory limit keeps a hostile header from making the VMM allocate
 * that (fuzz_unpack found a 3.6 GB malloc). The kernel's own streams need far less: xz_wrap.sh
 * uses a 32 MiB dictionary, lzma -9 (the kernel's lzma) 64 MiB.
 */
#define UNPACK_LZMA_MEMLIMIT (128ULL << 20)

static int unpack_lzma(const struct unpack_payload *p, uint8_t *out)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r = p->format == UNPACK_XZ ? lzma_stream_decoder(&s, UNPACK_LZMA_MEMLIMIT, 0)
					    : lzma_alone_decoder(&s, UNPACK_LZMA_MEMLIMIT);

	if (r != LZMA_OK)
		return -ENOMEM;
	s.next_in = p->data;
	s.avail_in = p->len;
	s.next_out = out;
	s.avail_out = p->out_len;
	r = lzma_code(&s, LZMA_FINISH);
	lzma_end(&s);
	return r == LZMA_STREAM_END && s.total_out == p->out_len ? 0 : -EINVAL;
}

static int unpack_zstd(const struct unpack_payload *p, uint8_t *out)
{
	size_t frame = ZSTD_findFrameCompressedSize(p->data, p->len);
	size_t n;

	if (ZSTD_isError(frame))
		return -EINVAL;
	n = ZSTD_decompress(out, p->out_len, p->data, frame);
	return !ZSTD_isError(n) && n == p->out_len ? 0 : -EINVAL;
}

static int unpack_gzip(const struct unpack_payload *p, uint8_t *out)
{
	z_stream z = {0};
	int r;

	if (p->len > UINT32_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* 16: gzip header */
		return -ENOMEM;
	z.next_in = (Bytef *)p->data;
	z.avail_in = (uInt)p->len;
	z.next_out = out;
	z.avail_out = (uInt)p->out_len;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return r == Z_STREAM_END && z.total_out == p->out_len ? 0 : -EINVAL;
}

int unpack_decompress(const struct unpack_payload *p, uint8_t *out)
{
	switch (p->format) {
	case UNPACK_LZ4:
		return unpack_lz4(p, out);
	case UNPACK_XZ:
	case UNPACK_LZMA:
		return unpack_lzma(p, out);
	case UNPACK_ZSTD:
		return unpack_zstd(p, out);
	case UNPACK_GZIP:
		return unpack_gzip(p, out);
	default:
		return -EOPNOTSUPP;
	}
}
