/* SPDX-License-Identifier: MIT */
/*
 * Guest memory: the one place that turns guest-physical addresses into host
 * pointers. Everything the guest hands us (descriptor addresses, lengths,
 * boot-protocol fields) goes through guest_mem_ptr(), which refuses any range
 * that is not wholly inside one RAM region, overflow included.
 */
#ifndef VMM_MEM_H
#define VMM_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guest_mem {
	struct mem_region region[MACHINE_MAX_RAM];
	size_t map_len[MACHINE_MAX_RAM]; /* each mapping's length: a huge-page multiple */
	int nr;
	int shared;   /* file-backed (--mem-path): clearing it means writing zeroes */
	int prealloc; /* --mem-prealloc: a cleared region is allocated again at once */
};

/* Where bytes in host memory came from, for guest_mem_place(): fd's bytes from offset off. */
struct mem_file {
	int fd;
	uint64_t off;
};

/*
 * mmap RAM for every range in m->ram: anonymous, private, transparent huge pages asked for;
 * with m->mem_path, an unlinked file in that directory each (hugetlbfs: huge pages), shared;
 * with m->mem_prealloc, every page allocated now rather than at the guest's first touch.
 * Returns 0 or -errno.
 */
int guest_mem_map(struct guest_mem *gm, const struct machine_desc *m);
void guest_mem_unmap(struct guest_mem *gm);
/* Wrap caller-owned buffers (used by unit tests and fuzzers). */
int guest_mem_add(struct guest_mem *gm, uint64_t gpa, void *hva, uint64_t size);

/* Host pointer for [gpa, gpa+len), or NULL if any byte lies outside RAM. */
void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
/* Copy in/out with the same check. Return 0 or -EFAULT. */
int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);
int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
/*
 * guest_mem_write, except that with file (src's len bytes are file->fd's from file->off) the
 * whole pages of the range whose file offsets are page-aligned with it are mapped from the
 * file, private and copy-on-write, over the anonymous RAM (MAP_FIXED): the guest reads the
 * page cache, its writes go to copies of its own, the file is never written. Only the
 * unaligned head and tail are copied, as is everything where mapping does not apply (RAM
 * we did not map ourselves, --mem-path, a failed mmap). The caller vouches that the file is
 * not changed or truncated while the guest runs (mem.c). 0, or -EFAULT outside RAM.
 */
int guest_mem_place(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len,
		    const struct mem_file *file);
/* Zero all of RAM (reset); what guest_mem_place mapped becomes fresh anonymous memory. */
int guest_mem_clear(struct guest_mem *gm); /* 0 or -errno */

#endif
