/* SPDX-License-Identifier: MIT */
/*
 * Kernel and initrd loaders. They work on an image already in host memory
 * and write into guest memory only through guest_mem_*, so a truncated or
 * hostile image can fail but never write outside the guest.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/mem.h"

enum kernel_kind {
	KERNEL_BZIMAGE, /* Linux boot protocol, 64-bit entry at +0x200 */
	KERNEL_PVH,	/* ELF with a XEN_ELFNOTE_PHYS32_ENTRY note */
};

#define SETUP_HDR_MAX 0x80 /* 0x1f1..0x270: the whole setup_header as of 2.15 */

struct kernel_image {
	enum kernel_kind kind;
	uint64_t entry;	   /* guest-physical entry point */
	uint64_t load_end; /* first byte above the loaded kernel (incl. init_size) */
	/* bzImage only */
	uint8_t hdr[SETUP_HDR_MAX];
	size_t hdr_len;
	uint16_t version;
	uint32_t cmdline_max;	  /* cmdline_size, without the NUL */
	uint64_t initrd_addr_max; /* highest byte an initrd may occupy */
};

/* Content detection, loading, and the errors: -ENOEXEC (not a kernel we
 * boot), -EINVAL (truncated or inconsistent), -EFBIG (does not fit RAM). */
int loader_load_kernel(const struct guest_mem *gm, const uint8_t *img, size_t len,
		       struct kernel_image *k);
int loader_load_bzimage(const struct guest_mem *gm, const uint8_t *img, size_t len,
			struct kernel_image *k);
int loader_load_elf(const struct guest_mem *gm, const uint8_t *img, size_t len,
		    struct kernel_image *k);
/*
 * Put an initrd as high as possible in low RAM, page-aligned, below
 * max_addr and above the kernel. Returns 0 and the address, or -EFBIG.
 */
int loader_load_initrd(const struct guest_mem *gm, const struct kernel_image *k, const uint8_t *img,
		       size_t len, uint64_t *gpa);

const char *loader_strerror(int err);

#endif
