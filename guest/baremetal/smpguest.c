/* SPDX-License-Identifier: MIT */
/*
 * The SMP test guest (PVH): every CPU the MADT lists started with INIT-SIPI-SIPI
 * (guest/kit/smp.c), each AP reporting in with its APIC ID, then SMP_ROUNDS rounds of IPIs
 * both ways: the BSP sends AP n vector VEC_TO_AP + n, and AP n's handler answers with
 * VEC_TO_BSP + n. A vector per CPU and direction, so each count has one writer (kit.h: the
 * IDT's counts are not atomic). Lines:
 *   SMP-CPUS madt=N bootinfo=N    the MADT's enabled CPUs, and HC_BOOTINFO's count
 *   SMP-AP cpu=N apic=ID up       each AP that ran and saw its own LAPIC ID
 *   SMP-IPI cpu=N to-ap=N from-ap=N
 *   SMP-OK cpus=N rounds=N        or SMP-FAIL and the check that failed
 * The number of CPUs comes from the MADT, as an OS finds it, which also gives the APIC ID
 * each INIT and STARTUP is addressed to; HC_BOOTINFO's count is only compared with it.
 */
#include "../../base/layout.h"
#include "../kit/kit.h"

#define SMP_MAX_CPUS   16
#define SMP_STACK_SIZE 4096
#define SMP_ROUNDS     3
#define VEC_TO_AP      0x40 /* + cpu */
#define VEC_TO_BSP     0x60 /* + cpu */
#define SMP_IPI_WAIT   1000000000ULL

static uint8_t ap_stacks[SMP_MAX_CPUS][SMP_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t apic_ids[SMP_MAX_CPUS];
static volatile uint32_t ap_up[SMP_MAX_CPUS]; /* the AP's LAPIC ID + 1, once it runs */
static uint8_t bsp_id;

static void say(const char *what, uint32_t v)
{
	serial_puts(what);
	serial_putu(v);
}

static void fail(const char *check, int cpu)
{
	serial_puts("SMP-FAIL ");
	serial_puts(check);
	say(" cpu=", cpu);
	serial_puts("\n");
}

/* On AP n: the BSP's IPI, answered with one of our own. */
static void ap_ipi(struct kit_frame *f)
{
	int cpu = (int)f->vector - VEC_TO_AP;

	lapic_eoi();
	lapic_send_fixed(bsp_id, VEC_TO_BSP + cpu);
}

static void bsp_ipi(struct kit_frame *f)
{
	(void)f;
	lapic_eoi();
}

static void ap_main(int cpu)
{
	lapic_enable();
	ap_up[cpu] = lapic_id() + 1u;
	for (;;)
		__asm__ volatile("sti; hlt");
}

/* Whether the trampoline's page is RAM in the memory map the VMM handed over. */
static int tramp_is_ram(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e = (void *)(uintptr_t)si->memmap_paddr;

	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (e[i].type == 1 && e[i].addr <= LAYOUT_AP_TRAMPOLINE &&
		    e[i].addr + e[i].size >= LAYOUT_AP_TRAMPOLINE + 0x1000)
			return 1;
	return 0;
}

static int start_aps(int n)
{
	for (int cpu = 1; cpu < n; cpu++) {
		int err =
		    smp_start_ap(apic_ids[cpu], cpu, ap_stacks[cpu] + SMP_STACK_SIZE, ap_main);
		uint64_t end = hc_monotonic_ns() + SMP_IPI_WAIT;

		while (!err && !ap_up[cpu] && hc_monotonic_ns() < end)
			;
		if (err || ap_up[cpu] != apic_ids[cpu] + 1u) {
			fail(err ? "ap-start" : "ap-report", cpu);
			say("SMP-AP-STATE apic=", apic_ids[cpu]);
			say(" err=", (uint32_t)-err);
			say(" up=", ap_up[cpu]);
			serial_puts("\n");
			return 0;
		}
		say("SMP-AP cpu=", cpu);
		say(" apic=", apic_ids[cpu]);
		serial_puts(" up\n");
	}
	return 1;
}

/* Round r: the BSP sends each AP an IPI, and waits until every AP answered r times. */
static int ipi_rounds(int n)
{
	for (uint32_t r = 1; r <= SMP_ROUNDS; r++) {
		uint64_t end = hc_monotonic_ns() + SMP_IPI_WAIT;
		int done = 0;

		for (int cpu = 1; cpu < n; cpu++)
			if (lapic_send_fixed(apic_ids[cpu], VEC_TO_AP + cpu)) {
				fail("ipi-send", cpu);
				return 0;
			}
		while (!done && hc_monotonic_ns() < end) {
			done = 1;
			for (int cpu = 1; cpu < n; cpu++)
				done &= vec_count[VEC_TO_BSP + cpu] >= r;
		}
	}
	for (int cpu = 1; cpu < n; cpu++) {
		say("SMP-IPI cpu=", cpu);
		say(" to-ap=", vec_count[VEC_TO_AP + cpu]);
		say(" from-ap=", vec_count[VEC_TO_BSP + cpu]);
		serial_puts("\n");
	}
	for (int cpu = 1; cpu < n; cpu++)
		if (vec_count[VEC_TO_AP + cpu] != SMP_ROUNDS ||
		    vec_count[VEC_TO_BSP + cpu] != SMP_ROUNDS) {
			fail("ipi-count", cpu);
			return 0;
		}
	return 1;
}

void guest_main(struct hvm_start_info *si)
{
	struct hc_bootinfo b = {0};
	int n;

	idt_init();
	lapic_enable();
	bsp_id = lapic_id();
	n = smp_cpus(si, apic_ids, SMP_MAX_CPUS);
	hc_call(HC_BOOTINFO, &b);
	say("SMP-CPUS madt=", (uint32_t)n);
	say(" bootinfo=", b.nr_cpus);
	serial_puts("\n");
	if (n < 1 || n > SMP_MAX_CPUS || apic_ids[0] != bsp_id) {
		fail("madt", 0); /* the boot processor's entry first (ACPI 6.5, 5.2.12) */
		return;
	}
	if (!tramp_is_ram(si)) {
		fail("trampoline-ram", 0);
		return;
	}
	for (int cpu = 1; cpu < n; cpu++) {
		vec_handle(VEC_TO_AP + cpu, ap_ipi);
		vec_handle(VEC_TO_BSP + cpu, bsp_ipi);
	}
	if (!start_aps(n))
		return;
	__asm__ volatile("sti");
	if (!ipi_rounds(n))
		return;
	__asm__ volatile("cli");
	say("SMP-OK cpus=", (uint32_t)n);
	say(" rounds=", SMP_ROUNDS);
	serial_puts("\n");
}
