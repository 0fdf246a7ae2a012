/* SPDX-License-Identifier: MIT */
/*
 * One IDT for every guest: all 256 vectors go to vectors.S's stubs and from there to
 * kit_vector, which counts the vector and runs the handler set for it.
 */
#include "kit.h"

#define IDT_GATE_INT 0x8e /* present, DPL 0, 32-bit interrupt gate (SDM vol. 3, 6.11) */
#define STUB_SIZE    16	  /* vectors.S's .align */

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

extern char kit_vectors[];
static struct idt_gate idt[256];
static vec_fn vec_fns[256];
volatile uint32_t vec_count[256];

void kit_vector(struct kit_frame *f); /* called from vectors.S */

void kit_vector(struct kit_frame *f)
{
	uint8_t vec = (uint8_t)f->vector;

	vec_count[vec]++;
	if (vec_fns[vec])
		vec_fns[vec](f);
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (int v = 0; v < 256; v++) {
		uint32_t stub = (uint32_t)(uintptr_t)(kit_vectors + STUB_SIZE * v);

		idt[v] =
		    (struct idt_gate){(uint16_t)stub, cs, 0, IDT_GATE_INT, (uint16_t)(stub >> 16)};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void vec_handle(int vec, vec_fn fn)
{
	vec_fns[vec & 0xff] = fn;
}
