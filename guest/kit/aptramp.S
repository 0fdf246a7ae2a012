/* SPDX-License-Identifier: MIT */
/*
 * Where an AP starts (guest/kit/smp.c copies ap_tramp to LAYOUT_AP_TRAMPOLINE and sends the
 * STARTUP IPIs): real mode at trampoline:0000, CS the page, IP 0, interrupts off (SDM vol. 3,
 * 8.4.4.1, 9.1.4). It loads the GDT and IDT the BSP runs on (smp.c fills in their
 * descriptors below, and the far pointer), sets CR0.PE (and clears CD and NW, which INIT
 * set: caching on) and jumps to ap_entry32 in the BSP's code segment: 32-bit protected
 * mode, as the BSP runs, on the stack smp.c set for this AP.
 */
	.text
	.code16
	.globl ap_tramp, ap_tramp_end, ap_tramp_gdtr, ap_tramp_idtr, ap_tramp_jump
ap_tramp:
	cli
	cld
	mov %cs, %ax			/* data at offsets from the trampoline's start */
	mov %ax, %ds
	lgdtl ap_tramp_gdtr - ap_tramp
	lidtl ap_tramp_idtr - ap_tramp
	mov %cr0, %eax
	and $0x9fffffff, %eax		/* CD (bit 30) and NW (bit 29) off */
	or $1, %eax			/* PE */
	mov %eax, %cr0
	ljmpl *(ap_tramp_jump - ap_tramp) /* m16:32: loads CS from the GDT */
	.align 8
ap_tramp_gdtr:				/* limit, 32-bit base: what SGDT stores */
	.word 0
	.long 0
	.align 8
ap_tramp_idtr:
	.word 0
	.long 0
	.align 8
ap_tramp_jump:				/* offset, selector */
	.long 0
	.word 0
ap_tramp_end:

	.code32
	.globl ap_entry32
ap_entry32:
	/*
	 * DS still has the real-mode base (the trampoline's page) until it is loaded: CS, flat
	 * and readable, reads smp.c's words meanwhile.
	 */
	movl %cs:smp_boot_ds, %eax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	movl smp_boot_stack, %esp
	call smp_ap_main
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
