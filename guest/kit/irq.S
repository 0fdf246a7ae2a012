/* SPDX-License-Identifier: MIT */
/* The guest kit's interrupt entry stubs (kit.c's irq_init puts them in the IDT). */
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


	.section .note.GNU-stack, "", @progbits
