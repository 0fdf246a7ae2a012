/* SPDX-License-Identifier: MIT */
/*
 * Exceptions, vectors 0-31 (SDM vol. 3, 6.3.1 and table 6-1), on the kit's one IDT. After
 * exc_init, which the entries call before main, an exception nobody expects prints one
 * line naming it and where it happened and ends the run with a failing status, where it
 * would otherwise be a triple fault that says nothing. A test guest expects one with
 * exc_expect and EXC_AT/EXC_RESUME around the instruction (kit.h) and checks what arrived.
 */
#include "kit.h"

#define NR_EXC 32
#define VEC_PF 14

uint32_t exc_fault_eip, exc_resume_eip; /* written by EXC_AT */
static struct exc_info *expected;
static int reporting;

static uint32_t read_cr2(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

void exc_report(struct kit_frame *f)
{
	uint32_t cr2 = f->vector == VEC_PF ? read_cr2() : 0;

	if (reporting++) /* a fault while reporting one: end without printing again */
		exc_exit(f->vector);
	printf("GUEST-EXCEPTION vector=%u (%s) error=0x%x eip=0x%08x", (unsigned)f->vector,
	       exc_name(f->vector), (unsigned)f->error, (unsigned)f->eip);
	if (f->vector == VEC_PF)
		printf(" cr2=0x%08x", (unsigned)cr2);
	printf("\n");
	exc_exit(f->vector);
}

/*
 * A fault between EXC_AT's label and EXC_RESUME's, the expected instruction or (a trap, or
 * a wrong EIP) just after it, resumes at EXC_RESUME: the same stack frame, the registers
 * as the fault left them. Anywhere else it is reported.
 */
static void exc_vector(struct kit_frame *f)
{
	uint32_t cr2 = f->vector == VEC_PF ? read_cr2() : 0; /* before anything faults again */

	if (expected && exc_fault_eip && f->eip >= exc_fault_eip && f->eip <= exc_resume_eip) {
		*expected = (struct exc_info){f->vector, f->error, f->eip, cr2, exc_fault_eip, 1};
		expected = 0;
		exc_fault_eip = 0;
		f->eip = exc_resume_eip;
		return;
	}
	exc_report(f);
}

void exc_init(void)
{
	idt_init();
	pic_init(); /* an IRQ on an exception's vector would be reported as the exception */
	for (int v = 0; v < NR_EXC; v++)
		vec_handle(v, exc_vector);
}

void exc_expect(struct exc_info *e)
{
	*e = (struct exc_info){0};
	expected = e;
}
