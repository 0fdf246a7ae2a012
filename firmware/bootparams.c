/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "../base/layout.h"
#include "../base/le.h"
#include "bootparams.h"

int bootparams_build(uint8_t zp[ZERO_PAGE_SIZE], const uint8_t *hdr, size_t hdr_len,
		     const struct machine_desc *m, const struct boot_info *bi)
{
	struct e820_entry e[E820_MAX];
	int n;

	if (hdr_len > ZERO_PAGE_SIZE - BP_HDR)
		return -EINVAL;
	n = e820_build(m, e, E820_MAX);
	if (n < 0)
		return n;
	memcpy(zp + BP_HDR, hdr, hdr_len);
	le_put(zp + BP_VID_MODE, 0xffff, 2); /* "normal" text mode */
	zp[BP_LOADER_TYPE] = 0xff;	     /* undefined boot loader */
	le_put(zp + BP_CMD_LINE_PTR, bi->cmdline_gpa, 4);
	le_put(zp + BP_EXT_CMDLINE, bi->cmdline_gpa >> 32, 4);
	le_put(zp + BP_RAMDISK_IMAGE, bi->initrd_gpa, 4);
	le_put(zp + BP_EXT_RAMDISK, bi->initrd_gpa >> 32, 4);
	le_put(zp + BP_RAMDISK_SIZE, bi->initrd_size, 4);
	le_put(zp + BP_EXT_RD_SIZE, bi->initrd_size >> 32, 4);
	le_put(zp + BP_ACPI_RSDP, bi->rsdp_gpa, 8);
	zp[BP_E820_ENTRIES] = n;
	memcpy(zp + BP_E820_TABLE, e, n * sizeof(e[0]));
	return 0;
}

int pvh_build(uint8_t *buf, size_t len, uint64_t gpa, const struct machine_desc *m,
	      const struct boot_info *bi)
{
	struct e820_entry e[E820_MAX];
	int n = e820_build(m, e, E820_MAX);

	if (n < 0)
		return n;
	if (len < PVH_MEMMAP_OFF + (size_t)n * 24)
		return -ENOSPC;
	memset(buf, 0, PVH_MEMMAP_OFF + n * 24);
	le_put(buf + 0, PVH_START_MAGIC, 4);
	le_put(buf + 4, 1, 4); /* version 1: has the memory map */
	le_put(buf + 12, bi->initrd_size ? 1 : 0, 4);
	le_put(buf + 16, gpa + PVH_MODLIST_OFF, 8);
	le_put(buf + 24, bi->cmdline_gpa, 8);
	le_put(buf + 32, bi->rsdp_gpa, 8);
	le_put(buf + 40, gpa + PVH_MEMMAP_OFF, 8);
	le_put(buf + 48, n, 4);
	le_put(buf + PVH_MODLIST_OFF, bi->initrd_gpa, 8);
	le_put(buf + PVH_MODLIST_OFF + 8, bi->initrd_size, 8);
	for (int i = 0; i < n; i++) {
		uint8_t *p = buf + PVH_MEMMAP_OFF + i * 24;

		le_put(p, e[i].addr, 8);
		le_put(p + 8, e[i].size, 8);
		le_put(p + 16, e[i].type, 4);
	}
	return 0;
}

int reset_vector_build(uint8_t out[RESET_VECTOR_SIZE], uint16_t port, uint8_t value)
{
	const uint8_t code[] = {
	    0xba, port & 0xff, port >> 8, /* mov dx, port */
	    0xb0, value,		  /* mov al, value */
	    0xee,			  /* out dx, al */
	    0xf4,			  /* 1: hlt */
	    0xeb, 0xfd,			  /* jmp 1b */
	};

	memset(out, 0xf4, RESET_VECTOR_SIZE);
	memcpy(out, code, sizeof(code));
	return sizeof(code);
}
