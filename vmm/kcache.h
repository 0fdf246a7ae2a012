/* SPDX-License-Identifier: MIT */
/*
 * The vmlinux of a bzImage, decompressed once and kept (unpack.h does the decompressing).
 * Entries live in $XDG_CACHE_HOME/vmm/ (else ~/.cache/vmm/), one file per bzImage content,
 * named by its XXH3-128 hash, so a second boot of the same kernel decompresses nothing. An
 * entry is written to a temporary file and renamed into place, so a crash leaves no half
 * entry under the real name; its header holds the vmlinux's length and hash (made once) and
 * the file's inode and mtime, and an entry that does not match them (truncated, rewritten,
 * replaced) or that anyone but us may write is rebuilt, never booted (kcache.c says why the
 * hash is not checked on every boot).
 */
#ifndef VMM_KCACHE_H
#define VMM_KCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "unpack.h"

struct kcache_vmlinux {
	const uint8_t *data; /* the ELF */
	size_t len;
	enum unpack_format format;
	int hit;    /* 1: read from the cache; 0: decompressed by this call */
	int stored; /* on a miss: 1 if the entry was written */
	double ms;  /* the time the lookup (and decompression) took */
	void *map;  /* what kcache_release unmaps */
	size_t map_len;
	int fd;		   /* on a hit: the entry, open, for mapping data into RAM; else -1 */
	uint64_t file_off; /* data's offset in it */
	char path[4096];   /* the entry's file ("" without a cache directory) */
};

/*
 * The vmlinux inside bzImage img. 0, or: -ENOEXEC (no payload to take out: boot the
 * bzImage as it is), -EOPNOTSUPP (a compression unpack.c does not do), -EINVAL (a corrupt
 * payload), -ENOMEM. Failing to write the cache is not an error: the ELF is still returned.
 */
int kcache_get(const uint8_t *img, size_t len, struct kcache_vmlinux *v);
void kcache_release(struct kcache_vmlinux *v);
/* The cache's directory, $XDG_CACHE_HOME/vmm or ~/.cache/vmm, not made: 0, or -ENOENT if
 * there is neither variable, -ENAMETOOLONG. */
int kcache_dir_path(char *dir, size_t n);

#endif
