/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"

int guest_mem_add(struct guest_mem *gm, uint64_t gpa, void *hva, uint64_t size)
{
	if (gm->nr == MACHINE_MAX_RAM || !size || gpa + size < gpa)
		return -EINVAL;
	gm->region[gm->nr++] = (struct mem_region){gpa, size, hva};
	return 0;
}

int guest_mem_map(struct guest_mem *gm, const struct machine_desc *m)
{
	int i;

	memset(gm, 0, sizeof(*gm));
	for (i = 0; i < m->nr_ram; i++) {
		/* MAP_NORESERVE: RAM the guest never touches costs the host nothing. */
		void *p = mmap(NULL, m->ram[i].size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED) {
			int err = -errno;

			guest_mem_unmap(gm);
			return err;
		}
		madvise(p, m->ram[i].size, MADV_MERGEABLE);
		guest_mem_add(gm, m->ram[i].gpa, p, m->ram[i].size);
	}
	return 0;
}

void guest_mem_unmap(struct guest_mem *gm)
{
	for (int i = 0; i < gm->nr; i++)
		munmap(gm->region[i].hva, gm->region[i].size);
	gm->nr = 0;
}

void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < gm->nr; i++) {
		const struct mem_region *r = &gm->region[i];

		/* Written so that no sum can overflow: offset < size, len <= size - offset. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = guest_mem_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = guest_mem_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

void guest_mem_clear(struct guest_mem *gm)
{
	/* MADV_DONTNEED on private anonymous memory gives back zero pages, cheaply. */
	for (int i = 0; i < gm->nr; i++)
		if (madvise(gm->region[i].hva, gm->region[i].size, MADV_DONTNEED))
			memset(gm->region[i].hva, 0, gm->region[i].size);
}
