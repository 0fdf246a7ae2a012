/* SPDX-License-Identifier: MIT */
/*
 * What a boot loader hands a kernel: the Linux boot_params "zero page"
 * (64-bit boot protocol) and the PVH hvm_start_info, each with the e820
 * memory map (base/e820.h). Pure builders over byte buffers.
 */
#ifndef FIRMWARE_BOOTPARAMS_H
#define FIRMWARE_BOOTPARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/e820.h"
#include "../base/machine.h"

/* Where the kernel, its command line and initrd went, for the builders below. */
struct boot_info {
	uint64_t cmdline_gpa;
	uint32_t cmdline_len; /* without the NUL */
	uint64_t initrd_gpa;
	uint64_t initrd_size;
	uint64_t rsdp_gpa;
};

#define ZERO_PAGE_SIZE 4096
/* Offsets in struct boot_params (Documentation/arch/x86/zero-page.rst). */
#define BP_ACPI_RSDP	 0x070
#define BP_EXT_RAMDISK	 0x0c0
#define BP_EXT_RD_SIZE	 0x0c4
#define BP_EXT_CMDLINE	 0x0c8
#define BP_E820_ENTRIES	 0x1e8
#define BP_HDR		 0x1f1
#define BP_VID_MODE	 0x1fa
#define BP_BOOT_FLAG	 0x1fe
#define BP_HDRS		 0x202
#define BP_VERSION	 0x206
#define BP_LOADER_TYPE	 0x210
#define BP_LOADFLAGS	 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE	 0x21c
#define BP_CMD_LINE_PTR	 0x228
#define BP_E820_TABLE	 0x2d0

/*
 * Fill a zeroed zero page: the kernel's setup header (hdr, hdr_len bytes
 * from image offset 0x1f1) plus our e820, command line, initrd and RSDP.
 */
int bootparams_build(uint8_t zp[ZERO_PAGE_SIZE], const uint8_t *hdr, size_t hdr_len,
		     const struct machine_desc *m, const struct boot_info *bi);

#define PVH_START_MAGIC 0x336ec578
#define PVH_INFO_SIZE	56
#define PVH_MODLIST_OFF 0x40
#define PVH_MEMMAP_OFF	0x80

/*
 * Build hvm_start_info with its module list and memory map into buf, which
 * the guest sees at gpa. Returns 0 or -ENOSPC.
 */
int pvh_build(uint8_t *buf, size_t len, uint64_t gpa, const struct machine_desc *m,
	      const struct boot_info *bi);

/*
 * The code at the reset vector. Linux on HW-reduced ACPI reboots by jumping
 * there in real mode (reboot_type BOOT_EFI falls back to BOOT_BIOS), as do
 * other guests that mean "reset": firmware would restart the machine, ours
 * writes the ACPI reset register so the VMM does. Returns the length.
 */
#define RESET_VECTOR_SIZE 16
int reset_vector_build(uint8_t out[RESET_VECTOR_SIZE], uint16_t port, uint8_t value);

#endif
