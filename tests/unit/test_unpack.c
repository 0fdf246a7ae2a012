/* SPDX-License-Identifier: MIT */
/*
 * A bzImage's payload taken out on the host (vmm/unpack.c) and the decompressed-kernel
 * cache (vmm/kcache.c). The bzImages are built here as the kernel's build makes them: a
 * setup header pointing at a payload that is the compressed vmlinux plus its size
 * (scripts/Makefile.lib's size_append), compressed by each format's own library.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "base/le.h"
#include "vmm/confine.h"
#include "vmm/kcache.h"
#include "vmm/unpack.h"

#define SETUP_SECTS 3		     /* setup: (3 + 1) * 512 bytes */
#define PM_START    (4 * 512)	     /* where the protected-mode part starts */
#define PAYLOAD_OFF 0x100	     /* payload_offset, from PM_START */
#define ELF_LEN	    (9u << 20) + 123 /* more than one 8 MiB lz4 block */

static uint8_t *elf; /* what the "kernel" decompresses to */

/* Bytes that compress, and differ enough that a misplaced block would show. */
static void make_elf(void)
{
	uint32_t x = 1;

	elf = malloc(ELF_LEN);
	memcpy(elf, "\177ELF", 4);
	for (size_t i = 4; i < ELF_LEN; i++) {
		x = x * 1103515245 + 12345;
		elf[i] = (i & 0xfff) < 0x800 ? (uint8_t)(i >> 12) : (uint8_t)(x >> 28);
	}
}

/* lz4 -l: the legacy magic, then 8 MiB blocks each with its compressed size in front */
static size_t compress_lz4(uint8_t *out, size_t cap)
{
	size_t o = 4;

	le_put(out, 0x184c2102, 4);
	for (size_t in = 0; in < ELF_LEN; in += 8u << 20) {
		size_t n = ELF_LEN - in < (8u << 20) ? ELF_LEN - in : 8u << 20;
		int c = LZ4_compress_default((const char *)elf + in, (char *)out + o + 4, (int)n,
					     (int)(cap - o - 4));

		assert_true(c > 0);
		le_put(out + o, c, 4);
		o += 4 + c;
	}
	return o;
}

static size_t compress_xz(uint8_t *out, size_t cap, int alone)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;

	lzma_lzma_preset(&opt, 1);
	assert_int_equal(alone ? lzma_alone_encoder(&s, &opt)
			       : lzma_easy_encoder(&s, 1, LZMA_CHECK_CRC32),
			 LZMA_OK);
	s.next_in = elf;
	s.avail_in = ELF_LEN;
	s.next_out = out;
	s.avail_out = cap;
	assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
	lzma_end(&s);
	return s.total_out;
}

static size_t compress_gzip(uint8_t *out, size_t cap)
{
	z_stream z = {0};

	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = elf;
	z.avail_in = ELF_LEN;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

/* A bzImage of protocol 2.15 whose payload is elf compressed as format f; *len its size. */
static uint8_t *make_bzimage(enum unpack_format f, size_t *len)
{
	size_t cap = ELF_LEN + ELF_LEN / 4 + 65536, n = 0;
	uint8_t *img = calloc(1, PM_START + PAYLOAD_OFF + cap + 4), *pl;

	pl = img + PM_START + PAYLOAD_OFF;
	switch (f) {
	case UNPACK_LZ4:
		n = compress_lz4(pl, cap);
		break;
	case UNPACK_XZ:
	case UNPACK_LZMA:
		n = compress_xz(pl, cap, f == UNPACK_LZMA);
		break;
	case UNPACK_ZSTD:
		n = ZSTD_compress(pl, cap, elf, ELF_LEN, 1);
		assert_false(ZSTD_isError(n));
		break;
	case UNPACK_GZIP:
		n = compress_gzip(pl, cap);
		break;
	default:
		memcpy(pl, "BZh91AY&SY", 10); /* bzip2's magic: found, not decompressed */
		n = 64;
	}
	le_put(pl + n, ELF_LEN, 4); /* size_append */
	img[0x1f1] = SETUP_SECTS;
	le_put(img + 0x1fe, 0xaa55, 2);
	memcpy(img + 0x202, "HdrS", 4);
	le_put(img + 0x206, 0x20f, 2);
	le_put(img + 0x248, PAYLOAD_OFF, 4);
	le_put(img + 0x24c, n + 4, 4);
	*len = PM_START + PAYLOAD_OFF + n + 4;
	return img;
}

static void unpack_ok(enum unpack_format f)
{
	struct unpack_payload p;
	size_t len;
	uint8_t *img = make_bzimage(f, &len), *out = malloc(ELF_LEN);

	assert_int_equal(unpack_find(img, len, &p), 0);
	assert_int_equal(p.format, f);
	assert_int_equal(p.out_len, ELF_LEN);
	assert_int_equal(unpack_decompress(&p, out), 0);
	assert_memory_equal(out, elf, ELF_LEN);
	/* a stream cut short, or one byte changed in the middle, fails: it never crashes */
	p.len /= 2;
	assert_int_equal(unpack_decompress(&p, out), -EINVAL);
	p.len *= 2;
	img[PM_START + PAYLOAD_OFF + p.len / 2] ^= 0x55;
	if (f != UNPACK_LZ4 && f != UNPACK_ZSTD) /* both have no checksum in these frames */
		assert_int_equal(unpack_decompress(&p, out), -EINVAL);
	else
		unpack_decompress(&p, out);
	free(out);
	free(img);
}

static void test_lz4(void **s)
{
	(void)s;
	unpack_ok(UNPACK_LZ4);
}
static void test_xz(void **s)
{
	(void)s;
	unpack_ok(UNPACK_XZ);
}
static void test_lzma(void **s)
{
	(void)s;
	unpack_ok(UNPACK_LZMA);
}
static void test_zstd(void **s)
{
	(void)s;
	unpack_ok(UNPACK_ZSTD);
}
static void test_gzip(void **s)
{
	(void)s;
	unpack_ok(UNPACK_GZIP);
}

/*
 * A stream whose header states a 4 GiB dictionary (lzma's le32 after the properties byte,
 * xz's LZMA2 dictionary byte in the block header, whose CRC32 follows it) is refused
 * rather than decoded with a dictionary of that size allocated (fuzz_unpack).
 */
static void test_lzma_dict(void **s)
{
	struct unpack_payload p;
	size_t len;
	uint8_t *out = malloc(ELF_LEN);

	(void)s;
	for (int xz = 0; xz < 2; xz++) {
		uint8_t *img = make_bzimage(xz ? UNPACK_XZ : UNPACK_LZMA, &len);
		uint8_t *pl = img + PM_START + PAYLOAD_OFF, *blk = pl + 12;

		assert_int_equal(unpack_find(img, len, &p), 0);
		if (xz) { /* size 12, no sizes, one filter: LZMA2 (0x21) with one props byte */
			assert_memory_equal(blk, "\x02\x00\x21\x01", 4);
			blk[4] = 40; /* 4 GiB - 1 */
			le_put(blk + 8, crc32(0, blk, 8), 4);
		} else {
			le_put(pl + 1, 0xffffffff, 4);
		}
		assert_int_equal(unpack_decompress(&p, out), -EINVAL);
		free(img);
	}
	free(out);
}

/* The header's word is checked before anything is read through it. */
static void test_find_hostile(void **s)
{
	struct unpack_payload p;
	size_t len;
	uint8_t *img = make_bzimage(UNPACK_LZ4, &len), *out = malloc(ELF_LEN);

	(void)s;
	assert_int_equal(unpack_find(img, 0x26f, &p), -ENOEXEC);
	le_put(img + 0x206, 0x207, 2); /* no payload fields before 2.08 */
	assert_int_equal(unpack_find(img, len, &p), -ENOEXEC);
	le_put(img + 0x206, 0x20f, 2);
	assert_int_equal(unpack_find(img, len - 1, &p), -EINVAL); /* payload past the end */
	le_put(img + 0x248, 0xffffffff, 4);
	assert_int_equal(unpack_find(img, len, &p), -EINVAL);
	le_put(img + 0x248, PAYLOAD_OFF, 4);
	le_put(img + 0x24c, 4, 4);
	assert_int_equal(unpack_find(img, len, &p), -EINVAL); /* too short to hold a size */
	le_put(img + 0x24c, len - PM_START - PAYLOAD_OFF, 4);
	le_put(img + len - 4, 16, 4); /* decompresses to less than it is */
	assert_int_equal(unpack_find(img, len, &p), -EINVAL);
	le_put(img + len - 4, 0xffffffff, 4); /* 4 GiB: not a kernel */
	assert_int_equal(unpack_find(img, len, &p), -EINVAL);
	le_put(img + len - 4, ELF_LEN + 1, 4); /* a size the stream does not make */
	assert_int_equal(unpack_find(img, len, &p), 0);
	assert_int_equal(unpack_decompress(&p, out), -EINVAL);
	free(out);
	free(img);
}

static void test_unsupported(void **s)
{
	struct unpack_payload p;
	size_t len;
	uint8_t *img = make_bzimage(UNPACK_BZIP2, &len);

	(void)s;
	assert_int_equal(unpack_find(img, len, &p), 0);
	assert_int_equal(p.format, UNPACK_BZIP2);
	assert_int_equal(unpack_decompress(&p, NULL), -EOPNOTSUPP);
	img[PM_START + PAYLOAD_OFF] = 0; /* no magic we know: not an error, nothing to do */
	assert_int_equal(unpack_find(img, len, &p), 0);
	assert_int_equal(p.format, UNPACK_NONE);
	free(img);
}

static char cache_home[64];

static void cache_get(const uint8_t *img, size_t len, int hit)
{
	struct kcache_vmlinux v;

	assert_int_equal(kcache_get(img, len, &v), 0);
	assert_int_equal(v.hit, hit);
	assert_int_equal(v.len, ELF_LEN);
	assert_memory_equal(v.data, elf, ELF_LEN);
	assert_int_equal(v.format, UNPACK_LZ4);
	/* a hit can be mapped from its file: v.data is the file's bytes from v.file_off */
	if (hit) {
		uint8_t b[64];

		assert_true(v.fd >= 0);
		assert_int_equal(pread(v.fd, b, sizeof(b), (off_t)v.file_off), sizeof(b));
		assert_memory_equal(b, elf, sizeof(b));
	} else {
		assert_int_equal(v.fd, -1);
	}
	kcache_release(&v);
	assert_int_equal(v.fd, -1);
}

/* The cache: a miss writes the entry, a hit reads it, a damaged entry is rebuilt. */
static void test_cache(void **s)
{
	struct kcache_vmlinux v;
	size_t len;
	uint8_t *img = make_bzimage(UNPACK_LZ4, &len);
	FILE *f;
	char path[4096];

	(void)s;
	snprintf(cache_home, sizeof(cache_home), "/tmp/test_unpack.%d", getpid());
	setenv("XDG_CACHE_HOME", cache_home, 1);
	cache_get(img, len, 0);
	cache_get(img, len, 1);
	assert_int_equal(kcache_get(img, len, &v), 0);
	snprintf(path, sizeof(path), "%s", v.path);
	kcache_release(&v);
	assert_non_null(strstr(path, cache_home));

	f = fopen(path, "r+b"); /* one byte of the vmlinux changed: rebuilt */
	fseek(f, 4096 + ELF_LEN / 2, SEEK_SET);
	fputc(0x42, f);
	fclose(f);
	cache_get(img, len, 0);
	cache_get(img, len, 1);
	assert_int_equal(chmod(path, 0620), 0); /* others may write it: not to be mapped, rebuilt */
	cache_get(img, len, 0);
	cache_get(img, len, 1);
	assert_int_equal(truncate(path, 4096 + ELF_LEN - 1), 0); /* truncated: rebuilt */
	cache_get(img, len, 0);
	assert_int_equal(truncate(path, 100), 0); /* no whole header: rebuilt */
	cache_get(img, len, 0);

	img[0x300] ^= 1; /* another bzImage (its setup code differs): another entry */
	cache_get(img, len, 0);
	assert_int_equal(kcache_get(img, len, &v), 0);
	assert_int_equal(v.hit, 1);
	assert_string_not_equal(v.path, path);
	kcache_release(&v);
	free(img);
}

/*
 * A --reboot=restart boot under Landlock (vmm/confine.c allows reading the cache's
 * directory): the entry the first boot wrote is read again; a bzImage not in the cache
 * still decompresses, its entry not written. In a child: confinement cannot be undone.
 * The exit status is the first check that failed, 77 without Landlock.
 */
static int cache_confined_child(uint8_t *img, size_t len)
{
	char dir[4096];
	const char *allowed[1] = {dir};
	struct kcache_vmlinux v;
	int abi;

	if (kcache_get(img, len, &v) || !v.stored) /* the first boot: a miss, written */
		return 1;
	kcache_release(&v);
	if (kcache_dir_path(dir, sizeof(dir)) || (abi = confine_landlock(allowed, 1)) < 0)
		return 2;
	if (!abi)
		return 77;
	if (kcache_get(img, len, &v) || !v.hit || memcmp(v.data, elf, ELF_LEN))
		return 3;
	kcache_release(&v);
	img[0x300] ^= 1;
	if (kcache_get(img, len, &v) || v.hit || v.stored || memcmp(v.data, elf, ELF_LEN))
		return 4;
	kcache_release(&v);
	return 0;
}

static void test_cache_confined(void **s)
{
	size_t len;
	uint8_t *img = make_bzimage(UNPACK_ZSTD, &len);
	pid_t pid;
	int st;

	(void)s;
	snprintf(cache_home, sizeof(cache_home), "/tmp/test_unpack.%d", getpid());
	setenv("XDG_CACHE_HOME", cache_home, 1);
	if (!(pid = fork()))
		_exit(cache_confined_child(img, len));
	free(img);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		fprintf(stderr, "SKIP: test_cache_confined: this kernel has no Landlock\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* No cache directory to be had: the vmlinux still comes out, uncached. */
static void test_cache_none(void **s)
{
	struct kcache_vmlinux v;
	size_t len;
	uint8_t *img = make_bzimage(UNPACK_XZ, &len);

	(void)s;
	setenv("XDG_CACHE_HOME", "/proc/no-such-dir", 1);
	assert_int_equal(kcache_get(img, len, &v), 0);
	assert_int_equal(v.hit, 0);
	assert_int_equal(v.stored, 0);
	assert_memory_equal(v.data, elf, ELF_LEN);
	kcache_release(&v);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	assert_int_equal(kcache_get(img, len, &v), 0);
	assert_string_equal(v.path, "");
	assert_memory_equal(v.data, elf, ELF_LEN);
	kcache_release(&v);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lz4),		 cmocka_unit_test(test_xz),
	    cmocka_unit_test(test_lzma),	 cmocka_unit_test(test_lzma_dict),
	    cmocka_unit_test(test_zstd),	 cmocka_unit_test(test_gzip),
	    cmocka_unit_test(test_find_hostile), cmocka_unit_test(test_unsupported),
	    cmocka_unit_test(test_cache),	 cmocka_unit_test(test_cache_confined),
	    cmocka_unit_test(test_cache_none),
	};
	int r;

	make_elf();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (*cache_home) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_home);
		if (system(cmd))
			r = 1;
	}
	return r;
}
