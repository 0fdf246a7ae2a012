/* SPDX-License-Identifier: MIT */
/*
 * The guest kit's 256 interrupt and exception entry stubs, 16 bytes apart
 * (kit_vectors + 16 * n, which idt.c puts in the IDT). Each makes the same frame (struct
 * kit_frame in kit.h): a zero where the CPU pushes no error code (SDM vol. 3, table 6-1:
 * vectors 8, 10-14, 17, 21, 29 and 30 have one), the vector number, then the eight general
 * registers; kit_vector gets a pointer to it and may change any field, EIP included.
 */
	.text
	.globl kit_vectors
	.align 16
kit_vectors:
	.set vec, 0
	.rept 256
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushl $0
	.endif
	pushl $vec
	jmp vec_common
	.align 16
	.set vec, vec + 1
	.endr
vec_common:
	pusha
	cld
	/*
	 * The i386 ABI's 16-byte stack alignment at the call, which an interrupt at any %esp
	 * does not keep: GCC places aligned locals (a hypercall block's aligned(8)) by it.
	 * %ebx is callee-saved, and POPA reloads it from the frame.
	 */
	movl %esp, %ebx		/* the struct kit_frame */
	andl $-16, %esp
	subl $12, %esp
	pushl %ebx
	call kit_vector
	movl %ebx, %esp
	popa
	addl $8, %esp		/* the vector and the error code */
	/*
	 * iret by hand: KVM's instruction emulator, which runs guest kernel code on this
	 * machine's kvm_pvm, has no protected-mode IRET. The frame is EIP, CS, EFLAGS; CS is
	 * ours already, so POPF and a RET that drops CS and EFLAGS do it.
	 */
	pushl 8(%esp)
	popfl
	ret $8

	.section .note.GNU-stack, "", @progbits
