/* SPDX-License-Identifier: MIT */
/*
 * The CPU tables a boot entry expects to find in RAM: a flat GDT (both entries) and, for the
 * 64-bit boot protocol, page tables that identity-map the low 4 GiB (Linux boot protocol,
 * "64-bit BOOT PROTOCOL": "a 64-bit GDT with __BOOT_CS(0x10) and __BOOT_DS(0x18)", paging on,
 * the range it will touch identity-mapped). Pure builders like the rest of firmware/: they
 * fill buffers, the VMM places them at LAYOUT_GDT and LAYOUT_PML4.
 */
#ifndef FIRMWARE_CPU_TABLES_H
#define FIRMWARE_CPU_TABLES_H

#include <stdint.h>

#include "../base/layout.h"

#define BOOT_SEL_CODE32 0x08
#define BOOT_SEL_CODE64 0x10
#define BOOT_SEL_DATA	0x18
#define BOOT_SEL_TSS	0x20 /* KVM insists on a TSS; busy, base 0 */
#define BOOT_GDT_SIZE	(5 * 8)

/* PML4, PDPT and four PDs of 2 MiB pages, one page each from LAYOUT_PML4 on. */
#define BOOT_PAGE_TABLES_SIZE (LAYOUT_PD + 4 * 0x1000 - LAYOUT_PML4)

void boot_gdt_build(uint8_t gdt[BOOT_GDT_SIZE]);
/* pt is guest RAM at LAYOUT_PML4, BOOT_PAGE_TABLES_SIZE bytes. */
void boot_page_tables_build(uint8_t *pt);

#endif
