/* SPDX-License-Identifier: MIT */
/*
 * The vmlinux inside a bzImage, taken out on the host. A bzImage's protected-mode part is a
 * small decompressor plus the real kernel, an ELF, compressed; the boot protocol's
 * setup header says where that payload is (payload_offset, payload_length: boot protocol
 * 2.08+, Documentation/arch/x86/boot.rst). Decompressing it here, once, with Debian's
 * libraries, lets the VMM boot the ELF through its PVH entry and skip the decompressor,
 * which under nested virtualisation is the slowest part of a boot.
 */
#ifndef VMM_UNPACK_H
#define VMM_UNPACK_H

#include <stddef.h>
#include <stdint.h>

enum unpack_format {
	UNPACK_NONE,
	UNPACK_GZIP,
	UNPACK_BZIP2,
	UNPACK_LZMA,
	UNPACK_XZ,
	UNPACK_LZO,
	UNPACK_LZ4,
	UNPACK_ZSTD,
};

/* Above this, a payload's stated size is not a kernel: refuse rather than allocate it. */
#define UNPACK_MAX_OUTPUT (1ULL << 30)

struct unpack_payload {
	const uint8_t *data; /* the compressed stream, without the size the build appends */
	size_t len;
	uint64_t out_len; /* the decompressed size: the payload's last 4 bytes (size_append) */
	enum unpack_format format;
};

/*
 * Find the payload of bzImage img: -ENOEXEC if img is no bzImage with a payload (boot
 * protocol before 2.08), -EINVAL if the header points outside img or the sizes are not
 * believable. An unknown compression is format UNPACK_NONE, not an error.
 */
int unpack_find(const uint8_t *img, size_t len, struct unpack_payload *p);

/*
 * Decompress p into out (p->out_len bytes): 0, -EOPNOTSUPP for a format we do not
 * decompress (bzip2, LZO: the VMM then boots the bzImage as it is), -EINVAL for a corrupt
 * stream or one whose size is not p->out_len.
 */
int unpack_decompress(const struct unpack_payload *p, uint8_t *out);

const char *unpack_format_name(enum unpack_format f);

#endif
