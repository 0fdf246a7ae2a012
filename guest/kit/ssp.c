/* SPDX-License-Identifier: MIT */
/*
 * What gcc's -fstack-protector code expects of its C library, for the 64-bit guests that link
 * code built with it (Debian's libfdt.a): the canary at %fs:0x28, in kit_tls (start64.S
 * points FS there and fills it), and __stack_chk_fail, which that code calls when a function
 * finds its canary overwritten. The kit's own code is built without the protector.
 */
#include "kit.h"

uint64_t kit_tls[8] __attribute__((aligned(64)));

void __stack_chk_fail(void)
{
	serial_puts("KIT-STACK-SMASHED\n");
	guest_stop();
}
