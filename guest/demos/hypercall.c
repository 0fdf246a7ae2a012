/* SPDX-License-Identifier: MIT */
/*
 * Demo 3: hypercalls (docs/hypercalls.md). Each is one 32-bit OUT to port 0x500 + call
 * number whose value is the address of an argument block in guest RAM: the VMM reads the
 * block, does the call and writes the result into it before the guest runs on.
 */
#include "../kit/kit.h"

void guest_main(struct hvm_start_info *si)
{
	struct hc_version v = {0};

	(void)si;
	hc_call(HC_VERSION, &v);
	printf("ABI version %u, %u calls\n", (unsigned)v.version, (unsigned)v.nr_calls);
	hc_exit(42); /* the run ends here, with status 42 */
}
