/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (version 1, spec 0.6.96) kernels, booted as QEMU's -kernel boots them
 * (hw/i386/multiboot.c and its option ROM): the header (spec 3.1), the image loaded by its
 * ELF program headers or by the a.out kludge's address fields, and the boot information
 * block (3.3) with the memory map, the command line and the modules. Pure: guest memory
 * only through guest_mem_*, every address and length checked, so a hostile image can fail
 * but never write outside the guest.
 */
#ifndef FIRMWARE_MULTIBOOT_H
#define FIRMWARE_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/machine.h"
#include "../base/mem.h"
#include "loader.h"

#define MB_HEADER_MAGIC 0x1badb002u /* 3.1.2 */
#define MB_BOOT_MAGIC	0x2badb002u /* 3.2: EAX at the entry */
#define MB_SEARCH_LEN	8192	    /* 3.1.1: the header lies wholly in the first 8 KiB */

/* Header flags (3.1.2). Bits 0-15 are requirements: a loader that lacks one must refuse. */
#define MB_HF_PAGE_ALIGN  (1u << 0) /* modules on 4 KiB boundaries */
#define MB_HF_MEMORY_INFO (1u << 1) /* mem_lower/upper (and the memory map) */
#define MB_HF_VIDEO_MODE  (1u << 2) /* a video mode: we have no display */
#define MB_HF_REQUIRED	  0xffffu
#define MB_HF_AOUT_KLUDGE (1u << 16) /* the address fields are valid: load by them */

/* Info block flags (3.3): the ones QEMU sets, and so do we. */
#define MB_INFO_MEMORY	(1u << 0)
#define MB_INFO_BOOTDEV (1u << 1)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS	(1u << 3)
#define MB_INFO_MMAP	(1u << 6)
#define MB_INFO_LOADER	(1u << 9)

/* Info block offsets (3.3). */
#define MB_INFO_FLAGS	    0
#define MB_INFO_MEM_LOWER   4
#define MB_INFO_MEM_UPPER   8
#define MB_INFO_BOOT_DEVICE 12
#define MB_INFO_CMDLINE_PTR 16
#define MB_INFO_MODS_COUNT  20
#define MB_INFO_MODS_ADDR   24
#define MB_INFO_MMAP_LENGTH 44
#define MB_INFO_MMAP_ADDR   48
#define MB_INFO_LOADER_NAME 64
#define MB_INFO_SIZE	    88 /* up to the VBE fields, as QEMU's multiboot_info_t */

#define MB_MOD_SIZE	   16 /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_SIZE 24 /* its `size` field (20) and the 20 bytes it counts */
#define MB_MAX_MODULES	   64

/* The header as found (3.1.2); the address fields only with MB_HF_AOUT_KLUDGE. */
struct mb_header {
	uint32_t offset; /* in the image */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/*
 * The first header in the image: 4-byte aligned, within the first MB_SEARCH_LEN bytes, its
 * checksum right. 0; -ENOEXEC when there is none; -EINVAL when its address fields are cut
 * off by the end of the file or of the search area.
 */
int multiboot_find(const uint8_t *img, size_t len, struct mb_header *h);
/* The lowest requirement bit (0-15) of flags we do not honour, or -1. */
int multiboot_unsupported_bit(uint32_t flags);
/*
 * Load a multiboot kernel: ELF32 or ELF64 by its program headers (physical addresses), or
 * the a.out kludge. Errors as loader_load_kernel's; nothing is written unless it succeeds.
 */
int multiboot_load(const struct guest_mem *gm, const uint8_t *img, size_t len,
		   struct kernel_image *k);

struct mb_module {
	const uint8_t *data;
	uint64_t len;
	const char *string; /* its command line: "path args", as QEMU gives it */
};

/* What the info block tells besides the machine. */
struct mb_boot {
	const char *cmdline; /* "<kernel path> <command line>", as QEMU composes it */
	const char *loader_name;
	const struct mb_module *mod;
	int nr_mods;
};

/* Bytes the info area takes: the block, the memory map, the module list, the strings. */
uint64_t multiboot_info_size(const struct machine_desc *m, const struct mb_boot *b);
/*
 * The info area into buf (multiboot_info_size bytes), which the guest sees at gpa, with
 * module i at mod_gpa[i]. Returns 0, or -ENOSPC if buf is short or the map too long.
 */
int multiboot_info_build(uint8_t *buf, size_t len, uint64_t gpa, const struct machine_desc *m,
			 const struct mb_boot *b, const uint64_t *mod_gpa);
/*
 * The info area at the first page at or above `above` (the image's highest byte), then each
 * module on a page of its own, all in RAM below 4 GiB. 0 and the info block's address, or
 * -EFBIG (does not fit), -EINVAL (too many modules), -ENOMEM.
 */
int multiboot_place(const struct guest_mem *gm, const struct machine_desc *m, uint64_t above,
		    const struct mb_boot *b, uint64_t *info_gpa);

#endif
