/* SPDX-License-Identifier: MIT */
/*
 * Demo 4: a timer interrupt. The 8254 PIT's channel 0 in mode 0 (one interrupt when the
 * count runs out), 5 ms, twice; IRQ 0 arrives on IOAPIC pin 2, where the MADT says. The
 * vCPU halts until it comes (STI; HLT: the STI's shadow lets no interrupt in between).
 */
#include "../kit/kit.h"

static void tick(struct kit_frame *f)
{
	(void)f;
	lapic_eoi();
}

void guest_main(struct hvm_start_info *si)
{
	(void)si;
	vec_handle(0x30, tick);
	lapic_enable();
	ioapic_route(2, 0x30, 0, lapic_id()); /* pin 2, vector 0x30, edge */
	for (int i = 0; i < 2; i++) {
		outb(0x43, 0x30);	 /* channel 0, LSB then MSB, mode 0 */
		outb(0x40, 5966 & 0xff); /* 5966 / 1.193182 MHz = 5 ms */
		outb(0x40, 5966 >> 8);
		__asm__ volatile("sti; hlt; cli");
	}
	printf("ticks %u\n", (unsigned)vec_count[0x30]);
}
