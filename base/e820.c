/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "e820.h"
#include "layout.h"

static int e820_add(struct e820_entry *e, int n, int max, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (n >= max)
		return -ENOSPC;
	e[n] = (struct e820_entry){addr, size, type};
	return n + 1;
}

/*
 * A PC-shaped map: low RAM up to the EBDA, the BIOS area (where our ACPI
 * tables live) reserved, RAM from 1 MiB to the MMIO hole, RAM above 4 GiB.
 */
int e820_build(const struct machine_desc *m, struct e820_entry *e, int max)
{
	int n = 0;

	n = e820_add(e, n, max, 0, LAYOUT_LOWMEM_END, E820_RAM);
	if (n >= 0)
		n = e820_add(e, n, max, LAYOUT_LOWMEM_END, 0xa0000 - LAYOUT_LOWMEM_END,
			     E820_RESERVED);
	if (n >= 0)
		n = e820_add(e, n, max, LAYOUT_ACPI, LAYOUT_HIMEM - LAYOUT_ACPI, E820_RESERVED);
	if (n >= 0)
		n = e820_add(e, n, max, LAYOUT_HIMEM, m->ram[0].size - LAYOUT_HIMEM, E820_RAM);
	for (int i = 1; i < m->nr_ram && n >= 0; i++)
		n = e820_add(e, n, max, m->ram[i].gpa, m->ram[i].size, E820_RAM);
	return n;
}
