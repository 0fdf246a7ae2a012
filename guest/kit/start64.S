/* SPDX-License-Identifier: MIT */
/*
 * Entry for 64-bit bare-metal guests (a plain ELF64, no PVH note, no multiboot header). The
 * VMM enters at e_entry as README.md says: long mode, paging on with the low 4 GiB
 * identity-mapped, a flat 64-bit CS, interrupts off and no IDT, %rdi = hvm_start_info.
 * %rbx, callee-saved in the SysV ABI, keeps the start_info across the calls before main.
 */
#include "kit.h"

#define MSR_FS_BASE 0xc0000100	/* SDM vol. 4, table 2-2: IA32_FS_BASE */
#define SSP_CANARY  0x28	/* the x86-64 TLS ABI's tcbhead_t.stack_guard, %fs:0x28 */

	.section .text.entry, "ax"
	.code64
	.globl _start
_start:
	lea guest_stack + GUEST_STACK_SIZE(%rip), %rsp	/* 16-byte aligned: the SysV ABI's */
	mov %rdi, %rbx
	/*
	 * Code built with -fstack-protector (Debian's libfdt.a) reads its canary at %fs:0x28:
	 * FS's base is kit_tls (ssp.c), the canary the TSC at boot, so it differs run to run.
	 */
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, kit_tls + SSP_CANARY(%rip)
	lea kit_tls(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	mov $MSR_FS_BASE, %ecx
	wrmsr
	call exc64_init		/* exceptions reported, not triple faults (exc64.c) */
	mov %rbx, %rdi
	call guest_main
	call guest_stop

	.section .note.GNU-stack, "", @progbits
