/* SPDX-License-Identifier: MIT */
/*
 * SMP bring-up: the CPUs the MADT lists, and an AP started with INIT-SIPI-SIPI (SDM vol. 3,
 * 8.4.4.1, the MP spec's universal start-up algorithm, B.4) through aptramp.S's real-mode
 * trampoline at LAYOUT_AP_TRAMPOLINE, into 32-bit protected mode on the BSP's GDT and the
 * kit's IDT, on a stack of its own.
 */
#include "../../base/layout.h"
#include "../../base/le.h"
#include "kit.h"

#define SMP_INIT_WAIT_NS  10000000ULL	/* INIT, then 10 ms (B.4) */
#define SMP_SIPI_WAIT_NS  200000ULL	/* each STARTUP, then 200 us */
#define SMP_ACK_WAIT_NS	  2000000000ULL /* generous: a loaded host may not run the AP's vCPU */
#define SMP_WAIT_MAX_POLL 2000000	/* a bound on the polls where HC_TIME gives no time */

#define ACPI_HDR_LEN	   36 /* ACPI 6.5, 5.2.6: the System Description Table Header */
#define MADT_ENTRIES	   44 /* 5.2.12: the header, Local Interrupt Controller Address, Flags */
#define MADT_LAPIC	   0  /* 5.2.12.2: Processor Local APIC Structure */
#define MADT_LAPIC_ENABLED 1

extern char ap_tramp[], ap_tramp_end[], ap_tramp_gdtr[], ap_tramp_idtr[], ap_tramp_jump[];
extern char ap_entry32[];

/* The AP being started: aptramp.S reads the first two, smp_ap_main the rest. */
extern volatile uint32_t smp_boot_ds, smp_boot_stack;
volatile uint32_t smp_boot_ds, smp_boot_stack;
static void (*volatile smp_boot_fn)(int cpu);
static volatile int smp_boot_cpu, smp_boot_ack;

void smp_ap_main(void); /* from aptramp.S */

void smp_ap_main(void)
{
	void (*fn)(int) = smp_boot_fn;
	int cpu = smp_boot_cpu;

	smp_boot_ack = 1; /* the BSP may now reuse smp_boot_* for the next AP */
	fn(cpu);
}

/* Until *flag is set or ns of the host's time passed: whether it was set. */
static int smp_wait(volatile int *flag, uint64_t ns)
{
	uint64_t end = hc_monotonic_ns() + ns;

	for (int i = 0; i < SMP_WAIT_MAX_POLL && !(flag && *flag); i++)
		if (hc_monotonic_ns() >= end)
			break;
	return flag && *flag;
}

/* The trampoline at its page, its descriptors and far pointer those of the BSP. */
static void smp_tramp_place(void)
{
	uint8_t *t = (uint8_t *)(uintptr_t)LAYOUT_AP_TRAMPOLINE;
	uint16_t cs;

	memcpy(t, ap_tramp, ap_tramp_end - ap_tramp);
	__asm__ volatile("sgdt %0" : "=m"(*(uint8_t(*)[6])(t + (ap_tramp_gdtr - ap_tramp))));
	__asm__ volatile("sidt %0" : "=m"(*(uint8_t(*)[6])(t + (ap_tramp_idtr - ap_tramp))));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	le_put(t + (ap_tramp_jump - ap_tramp), (uint32_t)(uintptr_t)ap_entry32, 4);
	le_put(t + (ap_tramp_jump - ap_tramp) + 4, cs, 2);
	__asm__ volatile("" : : : "memory"); /* all of it written before the IPIs */
}

int smp_start_ap(uint8_t apic_id, int cpu, void *stack_top, void (*fn)(int cpu))
{
	uint16_t ds;
	int err;

	smp_tramp_place();
	__asm__ volatile("mov %%ds, %0" : "=r"(ds));
	smp_boot_ds = ds;
	smp_boot_stack = (uint32_t)(uintptr_t)stack_top;
	smp_boot_fn = fn;
	smp_boot_cpu = cpu;
	smp_boot_ack = 0;
	if ((err = lapic_send_init(apic_id)))
		return err;
	smp_wait(0, SMP_INIT_WAIT_NS);
	/* Two STARTUPs (B.4): an AP already running ignores the second. */
	for (int i = 0; i < 2; i++) {
		if ((err = lapic_send_startup(apic_id, LAYOUT_AP_TRAMPOLINE >> 12)))
			return err;
		smp_wait(0, SMP_SIPI_WAIT_NS);
	}
	return smp_wait(&smp_boot_ack, SMP_ACK_WAIT_NS) ? 0 : -KIT_ETIMEDOUT;
}

static int acpi_sig(const uint8_t *t, const char *sig)
{
	return !memcmp(t, sig, 4);
}

/* The MADT through the RSDP's XSDT (ACPI 5.2.5.3, 5.2.8), or 0. */
static const uint8_t *acpi_madt(uint64_t rsdp_paddr)
{
	const uint8_t *rsdp = (const uint8_t *)(uintptr_t)rsdp_paddr, *xsdt;
	uint32_t len;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) || rsdp[15] < 2 || le_get(rsdp + 24, 8) >> 32)
		return 0;
	xsdt = (const uint8_t *)(uintptr_t)le_get(rsdp + 24, 8);
	if (!acpi_sig(xsdt, "XSDT"))
		return 0;
	len = le_get(xsdt + 4, 4);
	for (uint32_t off = ACPI_HDR_LEN; off + 8 <= len; off += 8) {
		uint64_t t = le_get(xsdt + off, 8);

		if (!(t >> 32) && acpi_sig((const uint8_t *)(uintptr_t)t, "APIC"))
			return (const uint8_t *)(uintptr_t)t;
	}
	return 0;
}

int smp_cpus(const struct hvm_start_info *si, uint8_t *apic_ids, int max)
{
	const uint8_t *madt = acpi_madt(si->rsdp_paddr);
	uint32_t len;
	int n = 0;

	if (!madt)
		return -KIT_ENOENT;
	len = le_get(madt + 4, 4);
	for (uint32_t off = MADT_ENTRIES; off + 2 <= len && madt[off + 1] >= 2;
	     off += madt[off + 1]) {
		const uint8_t *e = madt + off;

		if (e[0] != MADT_LAPIC || e[1] < 8 || !(le_get(e + 4, 4) & MADT_LAPIC_ENABLED))
			continue;
		if (n < max)
			apic_ids[n] = e[3];
		n++;
	}
	return n;
}
