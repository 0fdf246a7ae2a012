/* SPDX-License-Identifier: MIT */
/*
 * Demo 2: MMIO. Loads and a store to addresses that are not RAM: the LAPIC's ID register,
 * which KVM's in-kernel LAPIC answers, and the boot timer, a device of ours in the MMIO
 * hole (devices/boot_timer.c), read and then marked with Firecracker's magic byte, 123.
 */
#include "../kit/kit.h"
#include "../../base/layout.h"

void guest_main(struct hvm_start_info *si)
{
	volatile uint32_t *lapic_id = (volatile uint32_t *)(uintptr_t)(LAYOUT_LAPIC + 0x20);
	volatile uint8_t *timer = (volatile uint8_t *)(uintptr_t)LAYOUT_BOOT_TIMER;
	uint32_t id = *lapic_id;
	uint8_t t = *timer;

	(void)si;
	*timer = 123;
	printf("lapic id %u, boot timer read 0x%x\n", (unsigned)(id >> 24), t);
}
