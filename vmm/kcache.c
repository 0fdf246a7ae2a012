/* SPDX-License-Identifier: MIT */
/*
 * The decompressed-kernel cache (kcache.h). An entry is a 4 KiB header and the vmlinux
 * after it, page-aligned so that the ELF's segments are mapped straight from the file into
 * guest RAM (guest_mem_place).
 *
 * How an entry is verified. The whole vmlinux is hashed once, when the entry is made (the
 * hash is in the header). A boot checks the file's identity instead: its inode, size and
 * modification time, recorded in the header when it was written (the time set by futimens
 * to the recorded value), and that it is ours and writable by no one else. Hashing it on
 * every boot would read all of it (53 MB for Debian's kernel: 20-25 ms here, and that much
 * more VmHWM) for the sake of pages the guest may never touch, which mapping is there to avoid.
 * What the identity check still catches: a truncated or extended entry (size), one
 * rewritten in place or copied over (mtime; the inode for one renamed over it), an entry
 * from an older format (magic). Crashes leave no half entry (fsync, then rename). What it
 * no longer catches: bytes changed with the mtime put back, which needs a deliberate act
 * of our own user (who could as well rewrite the hash: XXH3 is no signature), and media
 * corruption the file system does not report; both would need the full read on every boot.
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

#define KCACHE_MAGIC   "VMMKC\0\0\2" /* the last byte is the format's version */
#define KCACHE_HDR_LEN 4096

struct kcache_hdr {
	char magic[8];
	uint64_t elf_len;
	XXH128_canonical_t key;	     /* the bzImage's hash: also the file's name */
	XXH128_canonical_t elf_hash; /* the vmlinux's, made when the entry was */
	uint64_t ino;		     /* the file's identity when written: kcache_same_file */
	int64_t mtime_sec, mtime_nsec;
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

/*
 * The entry's file is the one that was written (the comment at the top), and only we may
 * change it: mapped into a guest, a file changed under it would change the guest (mem.c).
 */
static int kcache_same_file(const struct stat *st, const struct kcache_hdr *h)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH)) &&
	       S_ISREG(st->st_mode) && st->st_ino == h->ino && st->st_mtim.tv_sec == h->mtime_sec &&
	       st->st_mtim.tv_nsec == h->mtime_nsec &&
	       h->elf_len == (uint64_t)st->st_size - KCACHE_HDR_LEN;
}

/* A cache entry that matches key in every respect, mapped, its fd kept; -ENOENT if not. */
static int kcache_read(const char *path, const XXH128_canonical_t *key, struct kcache_vmlinux *v)
{
	struct kcache_hdr h;
	struct stat st;
	uint8_t *p = MAP_FAILED;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -ENOENT;
	ok = !fstat(fd, &st) && st.st_size > KCACHE_HDR_LEN &&
	     pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	     !memcmp(h.magic, KCACHE_MAGIC, 8) && !memcmp(&h.key, key, sizeof(*key)) &&
	     kcache_same_file(&st, &h);
	if (ok)
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		if (!ok)
			log_msg("kernel cache: %s does not match its header: rebuilding it", path);
		close(fd);
		return -ENOENT;
	}
	*v = (struct kcache_vmlinux){.data = p + KCACHE_HDR_LEN,
				     .len = h.elf_len,
				     .format = h.format,
				     .hit = 1,
				     .map = p,
				     .map_len = st.st_size,
				     .fd = fd,
				     .file_off = KCACHE_HDR_LEN};
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

/*
 * Set fd's mtime to what the header records: the clock's, as the file system stores it
 * (read back, so that a coarse timestamp still compares equal), the header then written
 * with it, and the mtime set once more since that write moved it.
 */
static int kcache_stamp(int fd, struct kcache_hdr *h)
{
	struct timespec t[2];
	struct stat st;

	if (clock_gettime(CLOCK_REALTIME, &t[0]))
		return -errno;
	t[1] = t[0];
	if (futimens(fd, t) || fstat(fd, &st))
		return -errno;
	h->ino = st.st_ino;
	h->mtime_sec = st.st_mtim.tv_sec;
	h->mtime_nsec = st.st_mtim.tv_nsec;
	if (pwrite(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h))
		return -EIO;
	t[0] = t[1] = st.st_mtim;
	return futimens(fd, t) ? -errno : 0;
}

/*
 * Write the entry under a temporary name (mkstemp: mode 0600), stamp it, flush it, then
 * rename it into place.
 */
static int kcache_write(const char *path, struct kcache_hdr *h, const uint8_t *elf)
{
	static uint8_t page[KCACHE_HDR_LEN];
	char tmp[4096 + 16];
	int fd, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	memset(page, 0, sizeof(page));
	err = kcache_write_all(fd, page, sizeof(page)); /* the header last, with the stamp */
	if (!err)
		err = kcache_write_all(fd, elf, h->elf_len);
	if (!err)
		err = kcache_stamp(fd, h);
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
				     .map_len = pl->out_len,
				     .fd = -1};
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
	v->fd = -1;
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
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->map = NULL;
	v->data = NULL;
}
