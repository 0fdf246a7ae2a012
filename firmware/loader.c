/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "../base/layout.h"
#include "../base/le.h"
#include "bootparams.h"
#include "loader.h"
#include "multiboot.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XLF_KERNEL_64		 (1 << 0)
#define BP_HDR_END_MAX		 (0x1f1 + SETUP_HDR_MAX)

int loader_in_image(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

uint64_t loader_bzimage_setup(const uint8_t *img, size_t len)
{
	if (len < 0x270 || le_get(img + 0x1fe, 2) != 0xaa55 || memcmp(img + 0x202, "HdrS", 4))
		return 0;
	return ((img[0x1f1] ? img[0x1f1] : 4) + 1) * 512ULL;
}

int loader_load_bzimage(const struct guest_mem *gm, const uint8_t *img, size_t len,
			struct kernel_image *k)
{
	uint64_t setup_size = loader_bzimage_setup(img, len), payload, init_size;
	size_t hdr_end;
	uint8_t *dst;

	if (!setup_size)
		return -ENOEXEC;
	memset(k, 0, sizeof(*k));
	k->kind = KERNEL_BZIMAGE;
	k->version = le_get(img + 0x206, 2);
	/* xloadflags came with 2.12; without XLF_KERNEL_64 there is no 64-bit entry. */
	if (k->version < 0x20c || !(le_get(img + 0x236, 2) & XLF_KERNEL_64))
		return -ENOEXEC;
	if (setup_size >= len)
		return -EINVAL;
	payload = len - setup_size;
	init_size = le_get(img + 0x260, 4);
	if (init_size < payload)
		init_size = payload;

	/* The header ends where its leading jump lands: 0x202 + the byte at 0x201. */
	hdr_end = 0x202 + img[0x201];
	if (hdr_end > BP_HDR_END_MAX) /* a newer, longer header: we fill only what we know */
		hdr_end = BP_HDR_END_MAX;
	k->hdr_len = hdr_end - 0x1f1;
	memcpy(k->hdr, img + 0x1f1, k->hdr_len);
	k->cmdline_max = le_get(img + 0x238, 4);
	k->initrd_addr_max = le_get(img + 0x22c, 4);

	dst = guest_mem_ptr(gm, LAYOUT_KERNEL, init_size);
	if (!dst)
		return -EFBIG;
	memcpy(dst, img + setup_size, payload);
	k->entry = LAYOUT_KERNEL + 0x200;
	k->load_end = LAYOUT_KERNEL + init_size;
	return 0;
}

/* The 32-bit PVH entry from a PT_NOTE segment, or 0. */
/*
 * The PVH entry in the notes at [off, off+size), or 0. *seen says whether a Xen
 * PHYS32_ENTRY note was there at all, well-formed or not: an ELF that has one is meant for
 * the PVH entry, and must not be taken for a plain ELF64 when the note is broken.
 */
static uint64_t elf_pvh_entry(const uint8_t *img, size_t len, uint64_t off, uint64_t size,
			      int *seen)
{
	uint64_t end;

	if (!loader_in_image(len, off, size))
		return 0;
	end = off + size;
	while (end - off >= 12) {
		uint32_t namesz = le_get(img + off, 4), descsz = le_get(img + off + 4, 4);
		uint32_t type = le_get(img + off + 8, 4);
		uint64_t name = off + 12, desc = name + ((namesz + 3ULL) & ~3ULL);
		uint64_t next = desc + ((descsz + 3ULL) & ~3ULL);
		int xen = type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && end - name >= 4 &&
			  !memcmp(img + name, "Xen", 4);

		*seen |= xen;
		if (next > end)
			return 0;
		if (xen && descsz >= 4)
			return le_get(img + desc, descsz >= 8 ? 8 : 4);
		off = next;
	}
	return 0;
}

int loader_elf_parse(const uint8_t *img, size_t len, struct elf_file *f)
{
	if (len < sizeof(Elf32_Ehdr) || memcmp(img, ELFMAG, SELFMAG))
		return -ENOEXEC;
	f->is64 = img[EI_CLASS] == ELFCLASS64;
	if ((!f->is64 && img[EI_CLASS] != ELFCLASS32) || img[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	if (f->is64 && len < sizeof(Elf64_Ehdr))
		return -EINVAL;
	if (le_get(img + 18, 2) != (f->is64 ? EM_X86_64 : EM_386))
		return -ENOEXEC;
	f->phnum = le_get(img + (f->is64 ? 56 : 44), 2);
	f->entry = f->is64 ? le_get(img + 24, 8) : le_get(img + 24, 4);
	return 0;
}

int loader_elf_phdr(const uint8_t *img, size_t len, const struct elf_file *f, int i,
		    struct elf_seg *s)
{
	uint64_t phoff = f->is64 ? le_get(img + 32, 8) : le_get(img + 28, 4);
	uint64_t entsz = f->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	const uint8_t *p;

	if (phoff > len || (uint64_t)i * entsz > len ||
	    !loader_in_image(len, phoff + i * entsz, entsz))
		return -EINVAL;
	p = img + phoff + i * entsz;
	s->type = le_get(p, 4);
	if (f->is64) {
		s->flags = le_get(p + 4, 4);
		s->offset = le_get(p + 8, 8);
		s->vaddr = le_get(p + 16, 8);
		s->paddr = le_get(p + 24, 8);
		s->filesz = le_get(p + 32, 8);
		s->memsz = le_get(p + 40, 8);
	} else {
		s->offset = le_get(p + 4, 4);
		s->vaddr = le_get(p + 8, 4);
		s->paddr = le_get(p + 12, 4);
		s->filesz = le_get(p + 16, 4);
		s->memsz = le_get(p + 20, 4);
		s->flags = le_get(p + 24, 4);
	}
	return 0;
}

int loader_seg_check(const struct guest_mem *gm, size_t len, const struct elf_seg *s)
{
	if (s->filesz > s->memsz || !loader_in_image(len, s->offset, s->filesz))
		return -EINVAL;
	/* Nothing may land on the boot structures below 1 MiB. */
	if (s->paddr < LAYOUT_HIMEM || !guest_mem_ptr(gm, s->paddr, s->memsz))
		return -EFBIG;
	return 0;
}

int loader_seg_copy(const struct guest_mem *gm, const uint8_t *img, const struct mem_file *file,
		    const struct elf_seg *s)
{
	uint8_t *dst = guest_mem_ptr(gm, s->paddr, s->memsz);
	struct mem_file at;
	int err;

	if (file) /* the segment's bytes sit s->offset into the file's image */
		at = (struct mem_file){file->fd, file->off + s->offset};
	if ((err = guest_mem_place(gm, s->paddr, img + s->offset, s->filesz, file ? &at : NULL)))
		return err;
	memset(dst + s->filesz, 0, s->memsz - s->filesz);
	return 0;
}

int loader_seg_check_low(const struct guest_mem *gm, size_t len, const struct elf_seg *s)
{
	if (s->memsz > LAYOUT_4G || s->paddr > LAYOUT_4G - s->memsz)
		return -EFBIG;
	return loader_seg_check(gm, len, s);
}

void loader_seg_load(const struct guest_mem *gm, const uint8_t *img, const struct elf_seg *s,
		     struct kernel_image *k)
{
	(void)loader_seg_copy(gm, img, NULL, s); /* checked, copied: it cannot fail */
	if (s->paddr + s->memsz > k->load_end)
		k->load_end = s->paddr + s->memsz;
}

static int elf_overlaps(const struct elf_seg *a, const struct elf_seg *b)
{
	return a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz;
}

/*
 * e_entry is a virtual address: where an executable segment's vaddr and paddr differ, QEMU's
 * load_elf moves it by the difference (include/hw/elf_ops.h), and so do we.
 */
static uint64_t elf_entry_paddr(const struct elf_file *f, const struct elf_seg *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i].vaddr != s[i].paddr && (s[i].flags & PF_X) && f->entry >= s[i].vaddr &&
		    f->entry - s[i].vaddr < s[i].filesz)
			return f->entry - s[i].vaddr + s[i].paddr;
	return f->entry;
}

/* Whether addr is one of the bytes s loads from the file (where an entry point may be). */
static int elf_seg_has_code(const struct elf_seg *s, uint64_t addr)
{
	return addr >= s->paddr && addr - s->paddr < s->filesz;
}

int loader_elf_load_low(const struct guest_mem *gm, const uint8_t *img, size_t len,
			const struct elf_file *f, struct kernel_image *k)
{
	struct elf_seg seg[LOADER_ELF_MAX_LOAD], s;
	int n = 0, err, entry_ok = 0;

	for (int i = 0; i < f->phnum; i++) {
		if ((err = loader_elf_phdr(img, len, f, i, &s)))
			return err;
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if (n == LOADER_ELF_MAX_LOAD)
			return -EINVAL;
		if ((err = loader_seg_check_low(gm, len, &s)))
			return err;
		for (int j = 0; j < n; j++)
			if (elf_overlaps(&s, &seg[j]))
				return -EINVAL;
		seg[n++] = s;
	}
	k->entry = elf_entry_paddr(f, seg, n);
	for (int i = 0; i < n; i++)
		entry_ok |= elf_seg_has_code(&seg[i], k->entry);
	if (!entry_ok)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		loader_seg_load(gm, img, &seg[i], k);
	return 0;
}

int loader_load_elf(const struct guest_mem *gm, const uint8_t *img, size_t len,
		    struct kernel_image *k)
{
	return loader_load_elf_file(gm, img, len, NULL, k);
}

int loader_load_elf_file(const struct guest_mem *gm, const uint8_t *img, size_t len,
			 const struct mem_file *file, struct kernel_image *k)
{
	int loaded = 0, seen = 0, entry_ok = 0, err;
	struct elf_file f;
	struct elf_seg s;

	if ((err = loader_elf_parse(img, len, &f)))
		return err;
	memset(k, 0, sizeof(*k));
	k->kind = KERNEL_PVH;
	for (int i = 0; i < f.phnum; i++) {
		if ((err = loader_elf_phdr(img, len, &f, i, &s)))
			return err;
		if (s.type == PT_NOTE && !k->entry)
			k->entry = elf_pvh_entry(img, len, s.offset, s.filesz, &seen);
	}
	/* Without the note we would not know the 32-bit entry: refuse before writing; a broken
	 * one is a broken PVH kernel (-EINVAL), not a plain ELF64 (-ENOEXEC: the next loader). */
	if (!k->entry)
		return seen ? -EINVAL : -ENOEXEC;
	for (int i = 0; i < f.phnum; i++) {
		loader_elf_phdr(img, len, &f, i, &s);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if ((err = loader_seg_check(gm, len, &s)))
			return err;
		if ((err = loader_seg_copy(gm, img, file, &s)))
			return err;
		if (s.paddr + s.memsz > k->load_end)
			k->load_end = s.paddr + s.memsz;
		entry_ok |= elf_seg_has_code(&s, k->entry);
		loaded++;
	}
	/*
	 * The note's entry must be among the bytes loaded, as e_entry must for a plain ELF:
	 * elsewhere the vCPU would start in RAM of zeros or in no RAM at all (found by
	 * fuzz_loader, corpus_loader/pvh-entry-outside).
	 */
	if (!loaded || !entry_ok || k->entry >= LAYOUT_4G)
		return -EINVAL;
	k->initrd_addr_max = LAYOUT_MMIO_HOLE - 1;
	k->cmdline_max = LAYOUT_CMDLINE_MAX - 1;
	return 0;
}

/*
 * Solo5's hvt and QEMU's load_elf agree on what a plain executable is: ELF64, x86-64, ET_EXEC
 * (an ET_DYN would want relocating, which no boot loader here does).
 */
int loader_load_elf64(const struct guest_mem *gm, const uint8_t *img, size_t len,
		      struct kernel_image *k)
{
	struct elf_file f;
	int err;

	if ((err = loader_elf_parse(img, len, &f)))
		return err;
	if (!f.is64 || le_get(img + 16, 2) != ET_EXEC)
		return -ENOEXEC;
	memset(k, 0, sizeof(*k));
	k->kind = KERNEL_ELF64;
	if ((err = loader_elf_load_low(gm, img, len, &f, k)))
		return err;
	k->initrd_addr_max = LAYOUT_MMIO_HOLE - 1;
	k->cmdline_max = LAYOUT_CMDLINE_MAX - 1;
	return 0;
}

int loader_load_kernel(const struct guest_mem *gm, const uint8_t *img, size_t len,
		       struct kernel_image *k)
{
	int err;

	/* QEMU's x86_load_linux: the Linux header's magic decides, then multiboot, then PVH;
	 * then, beyond QEMU, a plain 64-bit ELF. */
	if (len >= BP_HDRS + 4 && !memcmp(img + BP_HDRS, "HdrS", 4))
		return loader_load_bzimage(gm, img, len, k);
	err = multiboot_load(gm, img, len, k);
	if (err == -ENOEXEC)
		err = loader_load_elf(gm, img, len, k);
	return err == -ENOEXEC ? loader_load_elf64(gm, img, len, k) : err;
}

int loader_load_initrd(const struct guest_mem *gm, const struct kernel_image *k, const uint8_t *img,
		       size_t len, uint64_t *gpa)
{
	uint64_t top = gm->region[0].gpa + gm->region[0].size, base;
	uint8_t *dst;

	if (k->initrd_addr_max && top > k->initrd_addr_max + 1)
		top = k->initrd_addr_max + 1;
	if (len > top)
		return -EFBIG;
	base = (top - len) & ~0xfffULL;
	if (base < k->load_end || base < LAYOUT_HIMEM)
		return -EFBIG;
	dst = guest_mem_ptr(gm, base, len);
	if (!dst)
		return -EFBIG;
	memcpy(dst, img, len);
	*gpa = base;
	return 0;
}

const char *loader_strerror(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "not a 64-bit bzImage, a multiboot image, an ELF with a PVH entry note "
		       "or an x86-64 ELF executable";
	case -EINVAL:
		return "truncated or malformed image";
	case -EFBIG:
		return "does not fit in guest RAM";
	default:
		return strerror(-err);
	}
}
