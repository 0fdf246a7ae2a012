/* SPDX-License-Identifier: MIT */
/*
 * Demo 6: what KVM handles without us. n=N CPUIDs, then one HLT that the LAPIC timer ends
 * (one-shot, 1 ms at the 1 GHz bus KVM models). CPUID, the HLT, the LAPIC's registers and
 * the timer's interrupt all stay inside KVM: the only exit we see is the poweroff.
 */
#include "../kit/kit.h"

static void wake(struct kit_frame *f)
{
	(void)f;
	lapic_eoi();
}

void guest_main(struct hvm_start_info *si)
{
	uint32_t a, b, c, d, n = (uint32_t)parse_u64(cmdline_arg(si, "n"));

	for (uint32_t i = 0; i < n; i++) {
		a = c = 0;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	vec_handle(0x40, wake);
	lapic_enable();
	lapic_timer_start(0x40, 1000000, 1, 0);
	__asm__ volatile("sti; hlt; cli");
}
