/* SPDX-License-Identifier: MIT */
/*
 * Demo 1: a port write. "hi" to COM1 as a driver sends it: wait until the line status
 * register (0x3fd) says the transmit register is empty, then write the byte to 0x3f8.
 */
#include "../kit/kit.h"

void guest_main(struct hvm_start_info *si)
{
	(void)si;
	for (const char *s = "hi\n"; *s; s++) {
		while (!(inb(0x3f8 + 5) & 0x20)) /* LSR.THRE */
			;
		outb(0x3f8, *s);
	}
}
