/* SPDX-License-Identifier: MIT */
/* Multiboot 0.6.96 kernels: see multiboot.h. Section numbers are the spec's. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/e820.h"
#include "../base/layout.h"
#include "../base/le.h"
#include "multiboot.h"

#define MB_HEADER_MIN	12 /* magic, flags, checksum */
#define MB_HEADER_ADDRS 32 /* and the five address fields */
#define MB_BOOT_DEVICE	0x8000ffffu
#define PAGE_SIZE	0x1000ULL

int multiboot_find(const uint8_t *img, size_t len, struct mb_header *h)
{
	size_t end = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;

	/* 3.1.1: longword aligned, wholly inside the first 8192 bytes. */
	for (size_t off = 0; off + MB_HEADER_MIN <= end; off += 4) {
		const uint8_t *p = img + off;
		uint32_t flags = le_get(p + 4, 4);

		if (le_get(p, 4) != MB_HEADER_MAGIC ||
		    (uint32_t)(MB_HEADER_MAGIC + flags + le_get(p + 8, 4)))
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = off;
		h->flags = flags;
		if (!(flags & MB_HF_AOUT_KLUDGE))
			return 0;
		if (off + MB_HEADER_ADDRS > end)
			return -EINVAL;
		h->header_addr = le_get(p + 12, 4);
		h->load_addr = le_get(p + 16, 4);
		h->load_end_addr = le_get(p + 20, 4);
		h->bss_end_addr = le_get(p + 24, 4);
		h->entry_addr = le_get(p + 28, 4);
		return 0;
	}
	return -ENOEXEC;
}

int multiboot_unsupported_bit(uint32_t flags)
{
	/*
	 * 3.1.2: a requirement the loader does not understand makes it fail. We honour page
	 * alignment (every module is page-aligned) and memory information (always given). The
	 * video mode is QEMU's case too: it boots such kernels and gives no video information
	 * ("multiboot knows VBE. we don't."); we have no display, and do the same.
	 */
	uint32_t unknown =
	    flags & MB_HF_REQUIRED & ~(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE);

	return unknown ? __builtin_ctz(unknown) : -1;
}

/* 3.1.3: the a.out kludge, the address fields of a header with flag bit 16. */
static int mb_load_aout(const struct guest_mem *gm, const uint8_t *img, size_t len,
			const struct mb_header *h, struct kernel_image *k)
{
	struct elf_seg s = {.type = PT_LOAD, .paddr = h->load_addr};
	uint64_t text_off;
	int err;

	/* The text starts header_addr - load_addr bytes before the header, inside the file. */
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > h->offset)
		return -EINVAL;
	text_off = h->offset - (h->header_addr - h->load_addr);
	s.offset = text_off;
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr)
			return -EINVAL;
		s.filesz = h->load_end_addr - h->load_addr;
	} else { /* 0: text and data are the rest of the file */
		s.filesz = len - text_off;
	}
	s.memsz = s.filesz;
	if (h->bss_end_addr) { /* 0: no BSS */
		if (h->bss_end_addr < h->load_addr + s.filesz)
			return -EINVAL;
		s.memsz = h->bss_end_addr - h->load_addr;
	}
	if ((err = loader_seg_check_low(gm, len, &s)))
		return err;
	/* The entry must be among the bytes loaded from the file. */
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= s.filesz)
		return -EINVAL;
	loader_seg_load(gm, img, &s, k);
	k->entry = h->entry_addr;
	return 0;
}

/*
 * An ELF by its program headers at their physical addresses, as QEMU. QEMU refuses ELF64
 * ("Cannot load x86-64 image, give a 32bit one"); we load it all the same, since the entry is
 * still 32-bit protected mode: its entry and segments must then lie below 4 GiB.
 */
static int mb_load_elf(const struct guest_mem *gm, const uint8_t *img, size_t len,
		       struct kernel_image *k)
{
	struct elf_file f;
	int err;

	if ((err = loader_elf_parse(img, len, &f)))
		return err == -ENOEXEC ? -EINVAL : err; /* no flag bit 16 and no ELF: malformed */
	return loader_elf_load_low(gm, img, len, &f, k);
}

int multiboot_load(const struct guest_mem *gm, const uint8_t *img, size_t len,
		   struct kernel_image *k)
{
	struct mb_header h;
	int err = multiboot_find(img, len, &h);

	if (err)
		return err;
	memset(k, 0, sizeof(*k));
	k->kind = KERNEL_MULTIBOOT;
	k->mb_flags = h.flags;
	k->mb_bad_bit = multiboot_unsupported_bit(h.flags);
	if (k->mb_bad_bit >= 0)
		return -EOPNOTSUPP;
	/* 3.1.2: with bit 16 the address fields decide, even in an ELF file (QEMU: the same). */
	if (h.flags & MB_HF_AOUT_KLUDGE)
		return mb_load_aout(gm, img, len, &h, k);
	return mb_load_elf(gm, img, len, k);
}

/* --- the boot information (3.3) ------------------------------------------------------- */

uint64_t multiboot_info_size(const struct machine_desc *m, const struct mb_boot *b)
{
	struct e820_entry e[E820_MAX];
	int n = e820_build(m, e, E820_MAX);
	uint64_t size = MB_INFO_SIZE + (uint64_t)(n > 0 ? n : 0) * MB_MMAP_ENTRY_SIZE +
			(uint64_t)b->nr_mods * MB_MOD_SIZE;

	size += strlen(b->cmdline) + 1 + strlen(b->loader_name) + 1;
	for (int i = 0; i < b->nr_mods; i++)
		size += strlen(b->mod[i].string) + 1;
	return size;
}

/* A string at *off in buf; its guest address. */
static uint32_t mb_put_string(uint8_t *buf, uint64_t *off, uint64_t gpa, const char *s)
{
	size_t n = strlen(s) + 1;
	uint64_t at = *off;

	memcpy(buf + at, s, n);
	*off += n;
	return gpa + at;
}

/*
 * mem_upper as QEMU's option ROM computes it (pc-bios/optionrom/multiboot.S): the KiB of RAM
 * contiguous from 1 MiB in the memory map, below 4 GiB. mem_lower is the RAM at 0, which
 * the ROM reads with INT 12h: below the EBDA, 639 KiB on both machines.
 */
static uint32_t mb_mem_upper(const struct e820_entry *e, int n)
{
	uint64_t top = LAYOUT_HIMEM;

	for (int i = 0; i < n; i++) {
		if (e[i].type == E820_RAM && e[i].addr + e[i].size <= LAYOUT_4G &&
		    e[i].addr <= top && top < e[i].addr + e[i].size) {
			top = e[i].addr + e[i].size;
			i = -1; /* the map need not be sorted: look again from the start */
		}
	}
	return (top - LAYOUT_HIMEM) >> 10;
}

static uint32_t mb_mem_lower(const struct e820_entry *e, int n)
{
	for (int i = 0; i < n; i++)
		if (e[i].type == E820_RAM && e[i].addr == 0)
			return (e[i].size < LAYOUT_HIMEM ? e[i].size : LAYOUT_HIMEM) >> 10;
	return 0;
}

int multiboot_info_build(uint8_t *buf, size_t len, uint64_t gpa, const struct machine_desc *m,
			 const struct mb_boot *b, const uint64_t *mod_gpa)
{
	struct e820_entry e[E820_MAX];
	int n = e820_build(m, e, E820_MAX);
	uint64_t mmap = MB_INFO_SIZE, mods, str;

	if (n < 0)
		return n;
	if (len < multiboot_info_size(m, b))
		return -ENOSPC;
	mods = mmap + (uint64_t)n * MB_MMAP_ENTRY_SIZE;
	str = mods + (uint64_t)b->nr_mods * MB_MOD_SIZE;
	memset(buf, 0, str);
	/* QEMU's flags and boot device ("BIOS disk 0x80, no partition"): guests written for
	 * its -kernel may read them, and it is no less true of our machine than of its. */
	le_put(buf + MB_INFO_FLAGS,
	       MB_INFO_MEMORY | MB_INFO_BOOTDEV | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
		   MB_INFO_LOADER,
	       4);
	le_put(buf + MB_INFO_MEM_LOWER, mb_mem_lower(e, n), 4);
	le_put(buf + MB_INFO_MEM_UPPER, mb_mem_upper(e, n), 4);
	le_put(buf + MB_INFO_BOOT_DEVICE, MB_BOOT_DEVICE, 4);
	le_put(buf + MB_INFO_CMDLINE_PTR, mb_put_string(buf, &str, gpa, b->cmdline), 4);
	le_put(buf + MB_INFO_MODS_COUNT, b->nr_mods, 4);
	le_put(buf + MB_INFO_MODS_ADDR, gpa + mods, 4);
	le_put(buf + MB_INFO_MMAP_LENGTH, n * MB_MMAP_ENTRY_SIZE, 4);
	le_put(buf + MB_INFO_MMAP_ADDR, gpa + mmap, 4);
	le_put(buf + MB_INFO_LOADER_NAME, mb_put_string(buf, &str, gpa, b->loader_name), 4);
	for (int i = 0; i < n; i++) { /* 3.3: `size` counts the 20 bytes after it */
		uint8_t *p = buf + mmap + i * MB_MMAP_ENTRY_SIZE;

		le_put(p, MB_MMAP_ENTRY_SIZE - 4, 4);
		le_put(p + 4, e[i].addr, 8);
		le_put(p + 12, e[i].size, 8);
		le_put(p + 20, e[i].type, 4);
	}
	for (int i = 0; i < b->nr_mods; i++) {
		uint8_t *p = buf + mods + i * MB_MOD_SIZE;

		le_put(p, mod_gpa[i], 4);
		le_put(p + 4, mod_gpa[i] + b->mod[i].len, 4);
		le_put(p + 8, mb_put_string(buf, &str, gpa, b->mod[i].string), 4);
	}
	return 0;
}

/* v rounded up to a page, unless that passes limit. */
static int mb_page_up(uint64_t v, uint64_t limit, uint64_t *out)
{
	uint64_t pad = -v & (PAGE_SIZE - 1);

	if (v > limit || pad > limit - v)
		return -EFBIG;
	*out = v + pad;
	return 0;
}

int multiboot_place(const struct guest_mem *gm, const struct machine_desc *m, uint64_t above,
		    const struct mb_boot *b, uint64_t *info_gpa)
{
	uint64_t top = m->ram[0].gpa + m->ram[0].size, gpa, at, size, mod_gpa[MB_MAX_MODULES];
	uint8_t *buf;
	int err;

	if (b->nr_mods < 0 || b->nr_mods > MB_MAX_MODULES)
		return -EINVAL;
	if (top > LAYOUT_4G)
		top = LAYOUT_4G;
	/* Never page 0 nor the boot structures below 1 MiB, never the image or its BSS. */
	if (above < LAYOUT_HIMEM)
		above = LAYOUT_HIMEM;
	size = multiboot_info_size(m, b);
	if (mb_page_up(above, top, &gpa) || size > top - gpa)
		return -EFBIG;
	at = gpa + size;
	for (int i = 0; i < b->nr_mods; i++) { /* each on its own page: 3.1.2 bit 0 */
		if (mb_page_up(at, top, &mod_gpa[i]) || b->mod[i].len > top - mod_gpa[i])
			return -EFBIG;
		at = mod_gpa[i] + b->mod[i].len;
	}
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	err = multiboot_info_build(buf, size, gpa, m, b, mod_gpa);
	if (!err)
		err = guest_mem_write(gm, gpa, buf, size);
	for (int i = 0; i < b->nr_mods && !err; i++)
		if (b->mod[i].len) /* an empty module (QEMU allows them) may have no data */
			err = guest_mem_write(gm, mod_gpa[i], b->mod[i].data, b->mod[i].len);
	free(buf);
	if (err)
		return err == -EFAULT ? -EFBIG : err;
	*info_gpa = gpa;
	return 0;
}
