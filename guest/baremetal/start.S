/* SPDX-License-Identifier: MIT */
/*
 * Entry for bare-metal test guests. The VMM enters here as the PVH boot ABI
 * says: 32-bit protected mode, paging off, %ebx = hvm_start_info.
 */
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
	mov $stack_top, %esp
	sub $12, %esp		/* the i386 ABI: %esp 16-byte aligned at each call */
	push %ebx
	call guest_main
	/* guest_main returned: power off, then stop here whatever happens. */
	call guest_poweroff
1:	cli
	hlt
	jmp 1b

	.bss
	.align 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
