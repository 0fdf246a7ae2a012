/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/*
 * Anonymous RAM, at a fixed address (over what was there) or anywhere (at NULL). MAP_NORESERVE:
 * RAM the guest never touches costs the host nothing; unless it is all to be allocated now,
 * where a shortage should fail here and not in the guest.
 */
static void *guest_mem_anon(void *at, size_t len, int prealloc)
{
	int flags =
	    MAP_PRIVATE | MAP_ANONYMOUS | (prealloc ? 0 : MAP_NORESERVE) | (at ? MAP_FIXED : 0);
	void *p = mmap(at, len, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED)
		return p;
	/* 2 MiB pages where the host has them free: fewer faults and TLB misses on both levels
	 * of translation; KSM (if the host runs it) may still merge */
	madvise(p, len, MADV_HUGEPAGE);
	madvise(p, len, MADV_MERGEABLE);
	return p;
}

/* --mem-prealloc: every page now, after MADV_HUGEPAGE so that they are huge ones. */
static int guest_mem_populate(void *p, size_t len, int prealloc)
{
	return prealloc && madvise(p, len, MADV_POPULATE_WRITE) ? -errno : 0;
}

int guest_mem_map(struct guest_mem *gm, const struct machine_desc *m)
{
	memset(gm, 0, sizeof(*gm));
	gm->shared = m->mem_path != NULL;
	gm->prealloc = m->mem_prealloc;
	for (int i = 0; i < m->nr_ram; i++) {
		size_t len = m->ram[i].size;
		void *p = m->mem_path
			      ? guest_mem_file(m, len, &len, 0) /* hugetlbfs: reserved now */
			      : guest_mem_anon(NULL, len, m->mem_prealloc);
		int err = p == MAP_FAILED ? -errno : guest_mem_populate(p, len, m->mem_prealloc);

		if (err) {
			if (p != MAP_FAILED)
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

/* The region that holds all of [gpa, gpa+len), or -1. */
static int guest_mem_find(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < gm->nr; i++) {
		const struct mem_region *r = &gm->region[i];

		/* Written so that no sum can overflow: offset < size, len <= size - offset. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		return len > r->size - (gpa - r->gpa) ? -1 : i;
	}
	return -1;
}

void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	int i = guest_mem_find(gm, gpa, len);

	return i < 0 ? NULL : gm->region[i].hva + (gpa - gm->region[i].gpa);
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

/*
 * The whole pages of dst[0, len) whose file offsets line up, mapped from the file: *head is
 * the bytes before them, *body their length (0: nothing mapped, copy it all). Mapping is
 * what makes the file's later state the guest's: until the guest writes a page, it reads
 * the page cache, so a file changed under a running guest changes its memory, and a file
 * truncated under it turns the guest's next access into a SIGBUS that kills the VMM.
 * guest_mem_place's callers therefore pass only files that nobody rewrites in place: the
 * VMM's own kernel cache (kcache.c: written once under a temporary name, renamed into
 * place, replaced only by another rename; checked to be ours and writable by no one else).
 * A user's --initrd or --kernel is copied, whatever its alignment.
 */
static int guest_mem_map_pages(const struct guest_mem *gm, uint8_t *dst, uint64_t len,
			       const struct mem_file *f, uint64_t *head, uint64_t *body)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), h = (pg - (uintptr_t)dst % pg) % pg, n;
	struct stat st;

	*head = len;
	*body = 0;
	if (f->fd < 0 || h >= len || f->off > (uint64_t)INT64_MAX - len || (f->off + h) % pg ||
	    fstat(f->fd, &st) || (uint64_t)st.st_size < f->off + len)
		return 0;
	if (!(n = (len - h) / pg * pg))
		return 0;
	/* MAP_NORESERVE as the RAM under it: the guest's copies are not charged up front */
	if (mmap(dst + h, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, f->fd,
		 (off_t)(f->off + h)) == MAP_FAILED) {
		/* a failed MAP_FIXED may have unmapped the range: RAM again, and copy it all */
		if (guest_mem_anon(dst + h, n, gm->prealloc) == MAP_FAILED ||
		    guest_mem_populate(dst + h, n, gm->prealloc))
			return -ENOMEM;
		return 0;
	}
	*head = h;
	*body = n;
	return 0;
}

int guest_mem_place(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len,
		    const struct mem_file *file)
{
	int i = guest_mem_find(gm, gpa, len), err;
	uint64_t head = len, body = 0;
	uint8_t *dst;

	if (i < 0)
		return -EFAULT;
	dst = gm->region[i].hva + (gpa - gm->region[i].gpa);
	/* only over anonymous RAM we mapped: not --mem-path's shared file, not a caller's buffer */
	if (file && !gm->shared && gm->map_len[i] &&
	    (err = guest_mem_map_pages(gm, dst, len, file, &head, &body)))
		return err;
	memcpy(dst, src, head);
	memcpy(dst + head + body, (const uint8_t *)src + head + body, len - head - body);
	return 0;
}

int guest_mem_clear(struct guest_mem *gm)
{
	/* Fresh anonymous memory over our own private RAM: zero pages, cheaply, and no page of
	 * a file guest_mem_place mapped (MADV_DONTNEED would bring the file's bytes back). On
	 * --mem-path's shared file, and on a caller's buffer, zeroes written. */
	for (int i = 0; i < gm->nr; i++) {
		struct mem_region *r = &gm->region[i];
		int err;

		if (gm->shared || !gm->map_len[i]) {
			memset(r->hva, 0, r->size);
			continue;
		}
		if (guest_mem_anon(r->hva, gm->map_len[i], gm->prealloc) == MAP_FAILED)
			return -errno;
		if ((err = guest_mem_populate(r->hva, gm->map_len[i], gm->prealloc)))
			return err;
	}
	return 0;
}
