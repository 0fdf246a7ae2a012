/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "mem.h"

int guest_mem_add(struct guest_mem *gm, uint64_t gpa, void *hva, uint64_t size)
{
	if (gm->nr == MACHINE_MAX_RAM || !size || gpa + size < gpa)
		return -EINVAL;
	gm->region[gm->nr++] = (struct mem_region){gpa, size, hva};
	return 0;
}

/*
 * One RAM range's memory, as QEMU's -mem-path does it when asked: an unlinked file in the
 * directory, its size rounded up to the file system's page size (a huge page on hugetlbfs).
 */
static void *guest_mem_file(const struct machine_desc *m, uint64_t size, size_t *len, int flags)
{
	char path[4096];
	struct statfs fs;
	void *p = MAP_FAILED;
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/vmm-ram.XXXXXX", m->mem_path) >= sizeof(path))
		return errno = ENAMETOOLONG, MAP_FAILED;
	if ((fd = mkstemp(path)) < 0)
		return MAP_FAILED;
	unlink(path);
	if (!fstatfs(fd, &fs)) {
		*len = (size + fs.f_bsize - 1) / fs.f_bsize * fs.f_bsize;
		if (!ftruncate(fd, *len))
			p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | flags, fd, 0);
	}
	err = p == MAP_FAILED ? errno : 0;
	close(fd);
	errno = err;
	return p;
}

int guest_mem_map(struct guest_mem *gm, const struct machine_desc *m)
{
	/* MAP_NORESERVE: RAM the guest never touches costs the host nothing; unless it is all
	 * to be allocated now, where a shortage should fail here and not in the guest. */
	int flags = m->mem_prealloc ? 0 : MAP_NORESERVE;

	memset(gm, 0, sizeof(*gm));
	gm->shared = m->mem_path != NULL;
	for (int i = 0; i < m->nr_ram; i++) {
		size_t len = m->ram[i].size;
		void *p = m->mem_path
			      ? guest_mem_file(m, len, &len, 0) /* hugetlbfs: reserved now */
			      : mmap(NULL, len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

		if (p == MAP_FAILED) {
			int err = -errno;

			guest_mem_unmap(gm);
			return err;
		}
		if (!m->mem_path) {
			/* 2 MiB pages where the host has them free: fewer faults and TLB misses on
			 * both levels of translation; KSM (if the host runs it) may still merge */
			madvise(p, len, MADV_HUGEPAGE);
			madvise(p, len, MADV_MERGEABLE);
		}
		/* after MADV_HUGEPAGE, so that the pages it allocates are huge ones */
		if (m->mem_prealloc && madvise(p, len, MADV_POPULATE_WRITE)) {
			int err = -errno;

			munmap(p, len);
			guest_mem_unmap(gm);
			return err;
		}
		gm->map_len[gm->nr] = len;
		guest_mem_add(gm, m->ram[i].gpa, p, m->ram[i].size);
	}
	return 0;
}

void guest_mem_unmap(struct guest_mem *gm)
{
	for (int i = 0; i < gm->nr; i++)
		munmap(gm->region[i].hva, gm->map_len[i] ? gm->map_len[i] : gm->region[i].size);
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
	/* MADV_DONTNEED on private anonymous memory gives back zero pages, cheaply; on a
	 * shared file it would give back the file's pages, which hold the last boot. */
	for (int i = 0; i < gm->nr; i++)
		if (gm->shared || madvise(gm->region[i].hva, gm->region[i].size, MADV_DONTNEED))
			memset(gm->region[i].hva, 0, gm->region[i].size);
}
