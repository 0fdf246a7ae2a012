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
	KERNEL_BZIMAGE,	  /* Linux boot protocol, 64-bit entry at +0x200 */
	KERNEL_PVH,	  /* ELF with a XEN_ELFNOTE_PHYS32_ENTRY note */
	KERNEL_MULTIBOOT, /* Multiboot 0.6.96 header: firmware/multiboot.h */
	KERNEL_ELF64,	  /* a plain x86-64 ELF executable: 64-bit entry at e_entry */
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
	uint64_t initrd_addr_max; /* highest byte an initrd may occupy; 0: no limit stated */
	/* multiboot only */
	uint32_t mb_flags; /* the header's flags (spec 3.1.2) */
	int mb_bad_bit;	   /* with -EOPNOTSUPP: the requirement (flags bit 0-15) we lack */
};

/*
 * Content detection as QEMU's x86_load_linux does it: "HdrS" at 0x202 is Linux whatever else
 * the file holds; otherwise a multiboot header wins over a PVH note; then a PVH ELF; last an
 * x86-64 ELF executable with neither (loader_load_elf64), which QEMU does not boot. The
 * errors: -ENOEXEC (not a kernel we boot), -EINVAL (truncated or inconsistent), -EFBIG (does
 * not fit RAM), -EOPNOTSUPP (a multiboot requirement we lack, in k->mb_bad_bit).
 */
int loader_load_kernel(const struct guest_mem *gm, const uint8_t *img, size_t len,
		       struct kernel_image *k);
int loader_load_bzimage(const struct guest_mem *gm, const uint8_t *img, size_t len,
			struct kernel_image *k);
/*
 * A Linux boot-protocol header (the 0xaa55 boot flag, "HdrS"): the size of the real-mode
 * setup before the protected-mode code (setup_sects, 0 meaning 4, plus the boot sector);
 * 0 if img has no such header. The size is not checked against len.
 */
uint64_t loader_bzimage_setup(const uint8_t *img, size_t len);
int loader_load_elf(const struct guest_mem *gm, const uint8_t *img, size_t len,
		    struct kernel_image *k);
/*
 * loader_load_elf of an image that is file->fd's bytes from file->off: the segments' whole
 * pages are mapped from the file (guest_mem_place, whose comment says which files may be).
 * Also -ENOMEM: a mapping failed and RAM could not be restored under it.
 */
int loader_load_elf_file(const struct guest_mem *gm, const uint8_t *img, size_t len,
			 const struct mem_file *file, struct kernel_image *k);
/*
 * An ELFCLASS64 EM_X86_64 ET_EXEC file, loaded as loader_elf_load_low does (below 4 GiB, where
 * the boot page tables identity-map), entered at e_entry in long mode (vcpu_set_boot_regs).
 * -ENOEXEC for any other kind of file.
 */
int loader_load_elf64(const struct guest_mem *gm, const uint8_t *img, size_t len,
		      struct kernel_image *k);
/*
 * Put an initrd as high as possible in low RAM, page-aligned, below
 * max_addr and above the kernel. Returns 0 and the address, or -EFBIG.
 */
int loader_load_initrd(const struct guest_mem *gm, const struct kernel_image *k, const uint8_t *img,
		       size_t len, uint64_t *gpa);

const char *loader_strerror(int err);

/* --- ELF program headers, shared by the PVH and the multiboot loaders ------------------- */

struct elf_file {
	int is64;
	int phnum;
	uint64_t entry; /* e_entry */
};

struct elf_seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* [off, off+n) lies within a len-byte image, without overflowing. */
int loader_in_image(size_t len, uint64_t off, uint64_t n);
/* A little-endian x86 ELF: ELFCLASS32 with EM_386 or ELFCLASS64 with EM_X86_64. */
int loader_elf_parse(const uint8_t *img, size_t len, struct elf_file *f);
/* Program header i in a common shape; -EINVAL if it lies outside the file. */
int loader_elf_phdr(const uint8_t *img, size_t len, const struct elf_file *f, int i,
		    struct elf_seg *s);
/*
 * Whether segment s can be loaded: its file bytes inside the image (-EINVAL), its memory
 * in RAM above the boot structures below 1 MiB (-EFBIG).
 */
int loader_seg_check(const struct guest_mem *gm, size_t len, const struct elf_seg *s);
/*
 * Put a checked segment into RAM (guest_mem_place: copied, or with file mapped from it) and
 * zero the rest of its memsz (the BSS). 0; with file, perhaps -ENOMEM.
 */
int loader_seg_copy(const struct guest_mem *gm, const uint8_t *img, const struct mem_file *file,
		    const struct elf_seg *s);
/* loader_seg_check, and every byte below 4 GiB: for entries that run on 32-bit addresses. */
int loader_seg_check_low(const struct guest_mem *gm, size_t len, const struct elf_seg *s);
/* loader_seg_copy, and k->load_end raised past the segment. */
void loader_seg_load(const struct guest_mem *gm, const uint8_t *img, const struct elf_seg *s,
		     struct kernel_image *k);
/*
 * An ELF's PT_LOAD segments at their physical addresses, as QEMU's load_elf puts them: each
 * one checked by loader_seg_check_low, none overlapping another (at most LOADER_ELF_MAX_LOAD),
 * k->entry = e_entry (moved as QEMU moves it where an executable segment's vaddr and paddr
 * differ) among the bytes loaded from the file. Nothing is written unless all of it holds.
 */
#define LOADER_ELF_MAX_LOAD 32 /* PT_LOAD segments we compare for overlap; kernels have a few */
int loader_elf_load_low(const struct guest_mem *gm, const uint8_t *img, size_t len,
			const struct elf_file *f, struct kernel_image *k);

#endif
