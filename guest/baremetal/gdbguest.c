/* SPDX-License-Identifier: MIT */
/*
 * The guest tests/guest/gdb.sh debugs (built with -g -O0 so every line and variable is
 * where gdb's line table says): once as a multiboot ELF32 (32-bit protected mode, the i386
 * description), once as a plain ELF64 (long mode, i386:x86-64). gdb_add's arguments are on
 * the stack in the first and in registers in the second: gdb reads them right only if it
 * was given the right description.
 *
 * Run alone it prints GDBGUEST-SUM and exits through isa-debug-exit with gdb_verdict (7):
 * status 15. The test's gdb writes 0 there (status 1): a memory write that took. With
 * gdb_spin set (by gdb) it spins first, for a Ctrl-C to stop.
 */
#include "../kit/kit.h"

#define DEBUG_EXIT 0xf4

volatile uint32_t gdb_counter;	   /* watched: written once, by gdb_add */
volatile uint32_t gdb_verdict = 7; /* what the guest exits with */
volatile uint32_t gdb_spin;	   /* set by gdb: the guest spins until gdb clears it */

__attribute__((noinline)) uint32_t gdb_add(uint32_t a, uint32_t b)
{
	uint32_t sum = a + b;

	gdb_counter = sum;
	return sum * 2;
}

static void gdb_guest(void)
{
	uint32_t r;

	while (gdb_spin) /* something for Ctrl-C to interrupt */
		;
	r = gdb_add(0x1234, 0x42);

	serial_puts("GDBGUEST-SUM ");
	serial_puthex(r);
	serial_puts("\n");
	outl(DEBUG_EXIT, r == 2 * (0x1234 + 0x42) ? gdb_verdict : 0x55);
}

#ifdef __x86_64__
void guest_main(struct hvm_start_info *si);

void guest_main(struct hvm_start_info *si)
{
	(void)si;
	gdb_guest();
}
#else
void mb_main(const void *mi, uint32_t magic);

void mb_main(const void *mi, uint32_t magic)
{
	(void)mi, (void)magic;
	gdb_guest();
}
#endif
