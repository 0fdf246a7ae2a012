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
	int shared; /* file-backed (--mem-path): clearing it means writing zeroes */
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
/* Zero all of RAM (reset). */
void guest_mem_clear(struct guest_mem *gm);

#endif
