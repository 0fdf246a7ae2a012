/* SPDX-License-Identifier: MIT */
/*
 * What the two exception reporters share, exc.c's on the 32-bit IDT and exc64.c's on the
 * 64-bit one: the vectors' names and the failing end of the run.
 */
#include "kit.h"
#include "../../base/machine.h"

#define NR_EXC 32

/* SDM vol. 3, table 6-1; 9 is the 386's coprocessor segment overrun, 15 and 22-27 reserved. */
static const char *const exc_names[NR_EXC] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
    "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE",  "#CP",
    "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *exc_name(uint32_t vector)
{
	return vector < NR_EXC ? exc_names[vector] : "?";
}

/*
 * isa-debug-exit (QEMU's, or ours with --debug-exit on), else HC_EXIT (ours always), both
 * with the status (v << 1) | 1, v = EXC_EXIT_BASE + vector; else halt, never power off: a
 * run that reads as a clean shutdown would hide the fault.
 */
void exc_exit(uint32_t vector)
{
	uint32_t v = EXC_EXIT_BASE + (vector & (NR_EXC - 1));

	outl(DEBUG_EXIT_PORT, v);
	hc_exit(v << 1 | 1);
	for (;;)
		__asm__ volatile("cli; hlt");
}
