/* SPDX-License-Identifier: MIT */
/*
 * Entry for bare-metal test guests. The VMM enters here as the PVH boot ABI
 * says: 32-bit protected mode, paging off, %ebx = hvm_start_info.
 */
#include "kit.h"

	.section .note.pvh, "a"
	.align 4
	.long 4			/* namesz: "Xen\0" */
	.long 4			/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	mov $guest_stack + GUEST_STACK_SIZE, %esp
	call exc_init		/* exceptions reported, not triple faults (exc.c); keeps %ebx */
	sub $12, %esp		/* the i386 ABI: %esp 16-byte aligned at each call */
	push %ebx
	call guest_main
	call guest_stop

	.section .note.GNU-stack, "", @progbits
