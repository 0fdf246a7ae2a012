/* SPDX-License-Identifier: MIT */
/*
 * Multiboot entry for bare-metal test guests (Multiboot 0.6.96). The header comes first in
 * the image (3.1.1: 4-byte aligned, within the first 8 KiB). Built twice: as it is, an ELF
 * that loaders load by its program headers; with -DMB_AOUT, the a.out kludge (flag bit 16)
 * whose address fields say where the flat binary (objcopy -O binary) goes.
 * The loader enters as 3.2 says: 32-bit protected mode, paging off, flat segments,
 * EAX = 0x2badb002, EBX = the info block; no stack.
 */
#include "kit.h"

#define MB_MAGIC 0x1badb002
#ifdef MB_AOUT
#define MB_FLAGS 0x00010003 /* page-aligned modules, memory info, address fields */
#else
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory info */
#endif

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#ifdef MB_AOUT
	.long mb_header		/* header_addr */
	.long _mb_image_start	/* load_addr */
	.long _mb_load_end	/* load_end_addr: the end of .data */
	.long _end		/* bss_end_addr */
	.long _start		/* entry_addr */
#endif

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	mov $guest_stack + GUEST_STACK_SIZE, %esp
	mov %eax, %esi		/* the magic, across a C call (%ebx and %esi are kept) */
	call exc_init		/* exceptions reported, not triple faults (exc.c) */
	mov %esi, %eax
	sub $8, %esp		/* the i386 ABI: %esp 16-byte aligned at each call */
	push %eax		/* mb_main(info, magic) */
	push %ebx
	call mb_main
	call guest_stop

	.section .note.GNU-stack, "", @progbits
