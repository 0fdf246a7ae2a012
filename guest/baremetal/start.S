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
	push %ebx
	call guest_main
	/* guest_main returned: power off, then stop here whatever happens. */
	call guest_poweroff
1:	cli
	hlt
	jmp 1b

/*
 * IRQ 0-15 entry stubs, 8 bytes apart (irq_stubs + 8 * n, which kit.c puts in the IDT):
 * each pushes its IRQ number for irq_common, which saves the registers and calls kit_irq.
 */
	.text
	.globl irq_stubs
	.align 8
irq_stubs:
	.set irq, 0
	.rept 16
	pushl $irq
	jmp irq_common
	.align 8
	.set irq, irq + 1
	.endr
irq_common:
	pusha
	cld
	pushl 32(%esp)		/* the IRQ number, above the eight saved registers */
	call kit_irq
	addl $4, %esp
	popa
	addl $4, %esp
	/*
	 * iret by hand: KVM's instruction emulator, which runs guest kernel code on this
	 * machine's kvm_pvm, has no protected-mode IRET. The frame is EIP, CS, EFLAGS; CS is
	 * ours already.
	 */
	pushl 8(%esp)
	popfl
	ret $8

	.bss
	.align 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
