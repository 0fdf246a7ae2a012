/* SPDX-License-Identifier: MIT */
/*
 * The 64-bit kit's exception stubs, vectors 0-31, 16 bytes apart (kit_vectors64 + 16 * n,
 * which exc64.c puts in its IDT). Each pushes a zero where the CPU pushes no error code
 * (SDM vol. 3, table 6-1: vectors 8, 10-14, 17, 21, 29 and 30 have one) and its vector, so
 * the frame is always vector, error, then what the CPU pushed in 64-bit mode (SDM vol. 3,
 * 6.14.2: RIP, CS, RFLAGS, RSP, SS): struct exc64_frame. The reporter does not return.
 */
	.text
	.code64
	.globl kit_vectors64
	.align 16
kit_vectors64:
	.set vec, 0
	.rept 32
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushq $0
	.endif
	pushq $vec
	jmp vec64_common
	.align 16
	.set vec, vec + 1
	.endr
vec64_common:
	cld
	mov %rsp, %rdi		/* the struct exc64_frame */
	and $-16, %rsp		/* the SysV ABI's alignment at the call */
	call exc64_report
	ud2			/* exc64_report does not return */

	.section .note.GNU-stack, "", @progbits
