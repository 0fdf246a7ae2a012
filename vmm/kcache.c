/* SPDX-License-Identifier: MIT */
/*
 * The decompressed-kernel cache (kcache.h). An entry is a 4 KiB header and the vmlinux
 * after it, page-aligned so that the ELF can be mapped straight from the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../base/log.h"
#include "kcache.h"

#define KCACHE_MAGIC   "VMMKC\0\0\1" /* the last byte is the format's version */
#define KCACHE_HDR_LEN 4096

struct kcache_hdr {
	char magic[8];
	uint64_t elf_len;
	XXH128_canonical_t key;	     /* the bzImage's hash: also the file's name */
	XXH128_canonical_t elf_hash; /* the vmlinux's */
	uint8_t format;
};

static double kcache_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int kcache_dir_path(char *dir, size_t n)
{
	const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int len;

	if (base && *base == '/')
		len = snprintf(dir, n, "%s/vmm", base);
	else if (home && *home == '/')
		len = snprintf(dir, n, "%s/.cache/vmm", home);
	else
		return -ENOENT;
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* kcache_dir_path, made if missing. */
static int kcache_dir(char *dir, size_t n)
{
	int err = kcache_dir_path(dir, n);
	char *slash;

	if (err)
		return err;
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdir(dir, 0700); /* the XDG spec's mode for a cache base it has to create */
	*slash = '/';
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A cache entry that matches key in every respect, mapped; -ENOENT if it does not. */
static int kcache_read(const char *path, const XXH128_canonical_t *key, struct kcache_vmlinux *v)
{
	const struct kcache_hdr *h;
	XXH128_canonical_t hash;
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) || st.st_size <= KCACHE_HDR_LEN) {
		close(fd);
		return -ENOENT;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -ENOENT;
	h = (const struct kcache_hdr *)p;
	ok = !memcmp(h->magic, KCACHE_MAGIC, 8) && !memcmp(&h->key, key, sizeof(*key)) &&
	     h->elf_len == (uint64_t)st.st_size - KCACHE_HDR_LEN;
	if (ok) {
		XXH128_canonicalFromHash(&hash, XXH3_128bits(p + KCACHE_HDR_LEN, h->elf_len));
		ok = !memcmp(&hash, &h->elf_hash, sizeof(hash));
	}
	if (!ok) {
		log_msg("kernel cache: %s does not match its header: rebuilding it", path);
		munmap(p, st.st_size);
		return -ENOENT;
	}
	*v = (struct kcache_vmlinux){.data = p + KCACHE_HDR_LEN,
				     .len = h->elf_len,
				     .format = h->format,
				     .hit = 1,
				     .map = p,
				     .map_len = st.st_size};
	return 0;
}

static int kcache_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= w;
	}
	return 0;
}

/* Write the entry under a temporary name, flush it, then rename it into place. */
static int kcache_write(const char *path, const struct kcache_hdr *h, const uint8_t *elf)
{
	static uint8_t page[KCACHE_HDR_LEN];
	char tmp[4096 + 16];
	int fd, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	memset(page, 0, sizeof(page));
	memcpy(page, h, sizeof(*h));
	err = kcache_write_all(fd, page, sizeof(page));
	if (!err)
		err = kcache_write_all(fd, elf, h->elf_len);
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int kcache_decompress(const struct unpack_payload *pl, struct kcache_vmlinux *v)
{
	uint8_t *out = mmap(NULL, pl->out_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int err;

	if (out == MAP_FAILED)
		return -ENOMEM;
	if ((err = unpack_decompress(pl, out))) {
		munmap(out, pl->out_len);
		return err;
	}
	*v = (struct kcache_vmlinux){.data = out,
				     .len = pl->out_len,
				     .format = pl->format,
				     .map = out,
				     .map_len = pl->out_len};
	return 0;
}

int kcache_get(const uint8_t *img, size_t len, struct kcache_vmlinux *v)
{
	struct unpack_payload pl;
	struct kcache_hdr h = {.magic = KCACHE_MAGIC};
	double t0 = kcache_now_ms();
	char dir[4096], path[4096] = "";
	int err = unpack_find(img, len, &pl);

	memset(v, 0, sizeof(*v));
	if (err)
		return err == -EINVAL ? -EINVAL : -ENOEXEC;
	if (pl.format == UNPACK_NONE)
		return -ENOEXEC;
	XXH128_canonicalFromHash(&h.key, XXH3_128bits(img, len));
	if (!kcache_dir(dir, sizeof(dir))) {
		char *p = path + snprintf(path, sizeof(path), "%s/", dir);

		for (size_t i = 0; i < sizeof(h.key.digest) && p + 3 < path + sizeof(path); i++)
			p += sprintf(p, "%02x", h.key.digest[i]);
		snprintf(p, path + sizeof(path) - p, ".vmlinux");
		if (!kcache_read(path, &h.key, v))
			goto done;
	}
	if ((err = kcache_decompress(&pl, v)))
		return err;
	if (*path) {
		h.elf_len = v->len;
		h.format = pl.format;
		XXH128_canonicalFromHash(&h.elf_hash, XXH3_128bits(v->data, v->len));
		err = kcache_write(path, &h, v->data);
		if (err)
			log_msg("kernel cache: cannot write %s: %s (booting without it)", path,
				strerror(-err));
		v->stored = !err;
	}
done:
	snprintf(v->path, sizeof(v->path), "%s", path);
	v->ms = kcache_now_ms() - t0;
	return 0;
}

void kcache_release(struct kcache_vmlinux *v)
{
	if (v->map)
		munmap(v->map, v->map_len);
	v->map = NULL;
	v->data = NULL;
}
