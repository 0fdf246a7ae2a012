/* SPDX-License-Identifier: MIT */
/* The boot GDT and identity page tables: see cpu_tables.h. */
#include <string.h>

#include "../base/le.h"
#include "cpu_tables.h"

#define PTE_PRESENT  0x1ULL
#define PTE_WRITABLE 0x2ULL
#define PTE_HUGE     0x80ULL /* a PD entry that maps 2 MiB */

void boot_gdt_build(uint8_t gdt[BOOT_GDT_SIZE])
{
	static const uint64_t e[BOOT_GDT_SIZE / 8] = {
	    0,
	    0x00cf9b000000ffffULL, /* 0x08: 32-bit code, 4 GiB */
	    0x00af9b000000ffffULL, /* 0x10: 64-bit code */
	    0x00cf93000000ffffULL, /* 0x18: data, 4 GiB */
	    0x00808b0000000000ULL, /* 0x20: TSS, busy, base 0 */
	};

	for (unsigned i = 0; i < BOOT_GDT_SIZE / 8; i++)
		le_put(gdt + 8 * i, e[i], 8);
}

void boot_page_tables_build(uint8_t *pt)
{
	uint8_t *pml4 = pt, *pdpt = pt + (LAYOUT_PDPT - LAYOUT_PML4),
		*pd = pt + (LAYOUT_PD - LAYOUT_PML4);

	memset(pt, 0, BOOT_PAGE_TABLES_SIZE);
	le_put(pml4, LAYOUT_PDPT | PTE_PRESENT | PTE_WRITABLE, 8);
	for (int i = 0; i < 4; i++)
		le_put(pdpt + 8 * i, (LAYOUT_PD + i * 0x1000) | PTE_PRESENT | PTE_WRITABLE, 8);
	for (int i = 0; i < 4 * 512; i++)
		le_put(pd + 8 * i, ((uint64_t)i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_HUGE, 8);
}
