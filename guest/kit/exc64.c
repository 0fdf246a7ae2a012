/* SPDX-License-Identifier: MIT */
/*
 * Exceptions for 64-bit guests, vectors 0-31: an IDT of 64-bit interrupt gates (SDM vol. 3,
 * 6.14.1) to vectors64.S's stubs, and a reporter that prints one line as exc.c's does, RIP
 * in full, and ends the run with the same failing status (exc_exit). There is no catching
 * and resuming here: that would want IRETQ, and the 64-bit kit has no use for it yet.
 */
#include "kit.h"

#define NR_EXC	       32
#define VEC_PF	       14
#define IDT_GATE_INT64 0x8e /* present, DPL 0, 64-bit interrupt gate (SDM vol. 3, 6.14.1) */
#define STUB_SIZE      16   /* vectors64.S's .align */

struct idt64_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

struct exc64_frame {
	uint64_t vector, error;		   /* the stub's */
	uint64_t rip, cs, rflags, rsp, ss; /* the CPU's */
};

extern char kit_vectors64[];
static struct idt64_gate idt64[NR_EXC];
static int reporting;

void exc64_report(struct exc64_frame *f) __attribute__((noreturn)); /* from vectors64.S */

void exc64_report(struct exc64_frame *f)
{
	uint64_t cr2 = 0;

	if (f->vector == VEC_PF)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	if (reporting++) /* a fault while reporting one: end without printing again */
		exc_exit(f->vector);
	printf("GUEST-EXCEPTION vector=%u (%s) error=0x%x rip=0x%016llx", (unsigned)f->vector,
	       exc_name(f->vector), (unsigned)f->error, (unsigned long long)f->rip);
	if (f->vector == VEC_PF)
		printf(" cr2=0x%016llx", (unsigned long long)cr2);
	printf("\n");
	exc_exit(f->vector);
}

void exc64_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt64) - 1, (uint64_t)(uintptr_t)idt64};
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (int v = 0; v < NR_EXC; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(kit_vectors64 + v * STUB_SIZE);

		idt64[v] = (struct idt64_gate){.off_lo = (uint16_t)a,
					       .sel = cs,
					       .type = IDT_GATE_INT64,
					       .off_mid = (uint16_t)(a >> 16),
					       .off_hi = (uint32_t)(a >> 32)};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
