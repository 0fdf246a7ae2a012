/* SPDX-License-Identifier: MIT */
/*
 * Demo 5: hardware that is not there. Eight writes to port 0xf00 and a read from
 * 0xe0000000, an address in the MMIO hole with neither RAM nor a device behind it.
 */
#include "../kit/kit.h"

void guest_main(struct hvm_start_info *si)
{
	volatile uint32_t *nothing = (volatile uint32_t *)0xe0000000;

	(void)si;
	for (int i = 0; i < 8; i++)
		outb(0xf00, i);
	printf("read 0x%x\n", (unsigned)*nothing); /* all-ones, as a bus nobody drives */
}
