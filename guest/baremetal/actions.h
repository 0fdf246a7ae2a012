/* SPDX-License-Identifier: MIT */
/* The test guest's actions that live in files of their own (testguest.c dispatches). */
#ifndef GUEST_BAREMETAL_ACTIONS_H
#define GUEST_BAREMETAL_ACTIONS_H

#include "../kit/kit.h"

/* One MMIO access of w bytes; 8 through MMX's movq, one access where two movl would be two. */
static inline uint64_t mmio_get(uint32_t a, int w)
{
	uint64_t v = 0;

	if (w == 1)
		v = *(volatile uint8_t *)(uintptr_t)a;
	else if (w == 2)
		v = *(volatile uint16_t *)(uintptr_t)a;
	else if (w == 4)
		v = *(volatile uint32_t *)(uintptr_t)a;
	else
		__asm__ volatile("movq (%1), %%mm0; movq %%mm0, %0" : "=m"(v) : "r"(a) : "memory");
	return v;
}

static inline void mmio_put(uint32_t a, int w, uint64_t v)
{
	if (w == 1)
		*(volatile uint8_t *)(uintptr_t)a = (uint8_t)v;
	else if (w == 2)
		*(volatile uint16_t *)(uintptr_t)a = (uint16_t)v;
	else if (w == 4)
		*(volatile uint32_t *)(uintptr_t)a = (uint32_t)v;
	else
		__asm__ volatile("movq %0, %%mm0; movq %%mm0, (%1)" : : "m"(v), "r"(a) : "memory");
}

/* garbage.c: `ops` hostile accesses to every emulated device, then the VMM's health. */
void do_garbage(struct hvm_start_info *si, uint32_t seed, uint32_t ops);

/* widths.c: virtio-mmio accesses of each width, and the port widths no other action makes. */
void do_mmio_widths(const struct hvm_start_info *si);
void do_pio_widths(void);

/* testguest.c: one line from COM1, printed back (action=echo). */
void do_echo(void);

#endif
