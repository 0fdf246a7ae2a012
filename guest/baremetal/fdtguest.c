/* SPDX-License-Identifier: MIT */
/*
 * The 64-bit test guest: a plain ELF64 (guest/kit/start64.S, entered in long mode with
 * %rdi = hvm_start_info) that finds the machine's device tree through HC_BOOTINFO and reads
 * it with libfdt, Debian's libfdt.a linked statically (x86-64 code: why this guest is 64-bit).
 * It checks the tree against what the VMM was told, which the test repeats on the command
 * line, "mem_mib=N cpus=N disks=N" (missing keys: mem_mib from HC_BOOTINFO, cpus 1, disks 0):
 *
 *   entry    the state the VMM enters in: CS the boot GDT's 64-bit code selector, CR0.PG
 *            and PE, CR4.PAE, EFER.LME and LMA, RFLAGS.IF clear; the last 8 bytes of low RAM
 *            reachable through the identity map; the stack-protector canary libfdt reads at
 *            %fs:0x28 is start64.S's (FS base set), not 0
 *   header   fdt_check_header, and the size HC_BOOTINFO gave is the tree's totalsize
 *   memory   /memory@0's reg: [0, mem) or, above the 32-bit MMIO hole (3 GiB), [0, 3G) and
 *            [4G, 4G + mem - 3G); with root #address-cells = #size-cells = 2; the
 *            start_info's e820 RAM inside those ranges and ending where they do
 *   cpus     /cpus has one cpu@N per vCPU, reg N (the local APIC ID)
 *   serial   /isa/serial@i3f8 (ns16550a, reg <1 0x3f8 8>), /chosen's stdout-path and
 *            /aliases' serial0 name it
 *   fw-cfg   /isa/fw-cfg@i510 (qemu,fw-cfg-ioport, reg <1 0x510 2>)
 *   virtio   one virtio,mmio node per disk, window i at 0xd0000000 + i * 4 KiB, GSI 16 + i
 *            level-triggered, its interrupt-parent the IOAPIC (by phandle)
 *   bootargs /chosen's bootargs is the command line the start_info carries (the test compares
 *            the FDT-BOOTARGS line with --cmdline itself)
 *
 * With "fault=ud" or "fault=pf" it first raises a #UD (ud2) or a #PF (a read at 8 GiB, which
 * the identity map does not reach) for the 64-bit kit's exception reporter (exc64.c).
 *
 * A failed check prints "FDT-FAIL <check>: <why>". The run ends through isa-debug-exit (on by
 * default for a plain ELF64) with the number of failed checks: status 1 is a pass, (n<<1)|1
 * n failures. libfdt's code is built with a red zone: safe here, since interrupts stay off.
 */
#include <libfdt.h>

#include "../../base/layout.h"
#include "../../base/machine.h"
#include "../../firmware/cpu_tables.h"
#include "../kit/kit.h"

#define CR0_PE	   (1ULL << 0)
#define CR0_PG	   (1ULL << 31)
#define CR4_PAE	   (1ULL << 5)
#define MSR_EFER   0xc0000080 /* SDM vol. 4, table 2-2: LME bit 8, LMA bit 10 */
#define EFER_LME   (1ULL << 8)
#define EFER_LMA   (1ULL << 10)
#define RFLAGS_IF  (1ULL << 9)
#define SSP_CANARY 5 /* kit_tls[5]: %fs:0x28 */

static int failed;
static const void *fdt;

/* "FDT-FAIL check: why[: detail]", counted. */
static void fail_with(const char *check, const char *why, const char *detail)
{
	printf("FDT-FAIL %s: %s%s%s\n", check, why, detail ? ": " : "", detail ? detail : "");
	failed++;
}

static void fail(const char *check, const char *why)
{
	fail_with(check, why, NULL);
}

/* A libfdt call's negative result: its FDT_ERR_ name. */
static void fail_fdt(const char *check, const char *what, int err)
{
	fail_with(check, what, fdt_strerror(err));
}

/* Range i of a reg of <base size> pairs, #address-cells = #size-cells = 2; printed as "FDT-tag". */
static void reg_range(const char *tag, const fdt32_t *reg, int i, uint64_t *base, uint64_t *size)
{
	*base = fdt64_ld((const fdt64_t *)(reg + 4 * i));
	*size = fdt64_ld((const fdt64_t *)(reg + 4 * i + 2));
	printf("FDT-%s 0x%016llx 0x%016llx\n", tag, (unsigned long long)*base,
	       (unsigned long long)*size);
}

static uint64_t arg_u64(const struct hvm_start_info *si, const char *key, uint64_t dflt)
{
	const char *v = cmdline_arg(si, key);

	return v ? parse_u64(v) : dflt;
}

/* A property of exactly len bytes, or NULL after naming what was wrong. */
static const fdt32_t *prop_cells(const char *check, int node, const char *name, int len)
{
	int got;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &got);

	if (!p) {
		fail_fdt(check, name, got);
		return NULL;
	}
	if (got != len) {
		fail(check, name);
		return NULL;
	}
	return p;
}

/* A string property equal to want. */
static int prop_is(int node, const char *name, const char *want)
{
	int len;
	const char *p = fdt_getprop(fdt, node, name, &len);

	return p && len == (int)strlen(want) + 1 && !memcmp(p, want, len);
}

static int node_at(const char *check, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		fail_fdt(check, path, node);
	return node;
}

/*
 * The start_info's e820 map (what PVH guests read) against the RAM /memory describes: every
 * RAM entry inside one of its n ranges, the last one ending where RAM does.
 */
static void check_memmap(const struct hvm_start_info *si, const uint64_t *range, int n)
{
	const struct hvm_memmap_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
	uint64_t top = 0;
	uint32_t ram = 0;

	for (uint32_t i = 0; e && i < si->memmap_entries; i++) {
		int inside = 0;

		if (e[i].type != 1)
			continue;
		for (int r = 0; r < n; r++)
			inside |= e[i].addr >= range[2 * r] &&
				  e[i].addr + e[i].size <= range[2 * r] + range[2 * r + 1];
		if (!inside)
			fail("memory", "an e820 RAM entry outside /memory");
		if (e[i].addr + e[i].size > top)
			top = e[i].addr + e[i].size;
		ram++;
	}
	printf("FDT-E820-RAM %u entries, top 0x%016llx\n", ram, (unsigned long long)top);
	if (!ram || top != range[2 * n - 2] + range[2 * n - 1])
		fail("memory", "the e820 map's RAM does not end where /memory's does");
}

static void check_memory(const struct hvm_start_info *si, uint64_t mem)
{
	uint64_t want[4] = {0, mem}, low = mem < LAYOUT_MMIO_HOLE ? mem : LAYOUT_MMIO_HOLE;
	int node = node_at("memory", "/memory@0"), n = mem > low ? 2 : 1;
	const fdt32_t *reg;

	if (fdt_address_cells(fdt, 0) != 2 || fdt_size_cells(fdt, 0) != 2)
		fail("memory", "root #address-cells and #size-cells are not 2");
	if (node < 0)
		return;
	want[1] = low;
	if (n == 2) {
		want[2] = LAYOUT_4G;
		want[3] = mem - low;
	}
	check_memmap(si, want, n);
	if (!prop_is(node, "device_type", "memory"))
		fail("memory", "device_type is not \"memory\"");
	reg = prop_cells("memory", node, "reg", n * 16);
	if (!reg)
		return;
	for (int i = 0; i < n; i++) {
		uint64_t base, size;

		reg_range("MEMORY", reg, i, &base, &size);
		if (base != want[2 * i] || size != want[2 * i + 1])
			fail("memory", "a reg range is not the RAM --mem gives");
	}
}

static void check_cpus(uint32_t cpus)
{
	int node = node_at("cpus", "/cpus"), cpu;
	uint32_t n = 0;

	if (node < 0)
		return;
	fdt_for_each_subnode(cpu, fdt, node)
	{
		const fdt32_t *reg = prop_cells("cpus", cpu, "reg", 4);

		if (!prop_is(cpu, "device_type", "cpu"))
			fail("cpus", "a cpu node without device_type \"cpu\"");
		if (reg && fdt32_ld(reg) != n)
			fail("cpus", "a cpu's reg is not its index");
		n++;
	}
	printf("FDT-CPUS %u\n", n);
	if (n != cpus)
		fail("cpus", "the cpu node count is not --cpus");
}

/* An ISA I/O-space node: <1 port nports> in reg (fdt.c's dt_isa), and its compatible. */
static int check_isa_node(const char *check, const char *path, const char *compatible,
			  uint32_t port, uint32_t nports)
{
	int node = node_at(check, path);
	const fdt32_t *reg;

	if (node < 0)
		return node;
	if (fdt_node_check_compatible(fdt, node, compatible))
		fail(check, "compatible");
	reg = prop_cells(check, node, "reg", 12);
	if (reg && (fdt32_ld(reg) != 1 || fdt32_ld(reg + 1) != port || fdt32_ld(reg + 2) != nports))
		fail(check, "reg is not the I/O ports");
	return node;
}

static void check_serial(void)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *alias = fdt_get_alias(fdt, "serial0");

	if (check_isa_node("serial", "/isa/serial@i3f8", "ns16550a", 0x3f8, 8) < 0)
		return;
	printf("FDT-SERIAL /isa/serial@i3f8\n");
	if (chosen < 0 || !prop_is(chosen, "stdout-path", "/isa/serial@i3f8"))
		fail("serial", "/chosen's stdout-path is not the UART");
	if (!alias || strcmp(alias, "/isa/serial@i3f8"))
		fail("serial", "/aliases' serial0 is not the UART");
}

static void check_fw_cfg(void)
{
	if (check_isa_node("fw-cfg", "/isa/fw-cfg@i510", "qemu,fw-cfg-ioport", FW_CFG_PORT,
			   FW_CFG_NR_PORTS) >= 0)
		printf("FDT-FW-CFG /isa/fw-cfg@i510\n");
}

static void check_virtio_node(int node, uint32_t i)
{
	const fdt32_t *reg = prop_cells("virtio", node, "reg", 16);
	const fdt32_t *irq = prop_cells("virtio", node, "interrupts", 8);
	const fdt32_t *parent = prop_cells("virtio", node, "interrupt-parent", 4);
	uint64_t base, size;

	if (reg) {
		reg_range("VIRTIO", reg, 0, &base, &size);
		if (base != LAYOUT_VIRTIO_MMIO + i * LAYOUT_VIRTIO_MMIO_SIZE ||
		    size != LAYOUT_VIRTIO_MMIO_SIZE)
			fail("virtio", "reg is not the device's window");
	}
	/* <GSI 1>: 1 is level-triggered, active high, in Linux's of_ioapic_type[] (fdt.c). */
	if (irq && (fdt32_ld(irq) != MACHINE_VIRTIO_GSI + i || fdt32_ld(irq + 1) != 1))
		fail("virtio", "interrupts is not <16+i 1>");
	if (parent) {
		int ioapic = fdt_node_offset_by_phandle(fdt, fdt32_ld(parent));

		if (ioapic < 0 || fdt_node_check_compatible(fdt, ioapic, "intel,ce4100-ioapic"))
			fail("virtio", "interrupt-parent is not the IOAPIC");
	}
}

static void check_virtio(uint32_t disks)
{
	uint32_t n = 0;

	for (int node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio"))
		check_virtio_node(node, n++);
	printf("FDT-DISKS %u\n", n);
	if (n != disks)
		fail("virtio", "the virtio,mmio node count is not the --disk count");
}

static void check_bootargs(const struct hvm_start_info *si)
{
	const char *cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
	int node = node_at("bootargs", "/chosen"), len;
	const char *args;

	if (node < 0)
		return;
	args = fdt_getprop(fdt, node, "bootargs", &len);
	if (!args || len < 1 || args[len - 1]) {
		fail("bootargs", "no NUL-terminated /chosen/bootargs");
		return;
	}
	printf("FDT-BOOTARGS %s\n", args);
	if (!cmdline || strcmp(args, cmdline))
		fail("bootargs", "not the start_info's command line");
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void check_entry(uint64_t mem)
{
	uint64_t cs, cr0, cr4, rflags, canary,
	    low = mem < LAYOUT_MMIO_HOLE ? mem : LAYOUT_MMIO_HOLE;
	volatile uint64_t *top = (volatile uint64_t *)(uintptr_t)(low - 8);

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("pushf; pop %0" : "=r"(rflags));
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
	if (cs != BOOT_SEL_CODE64)
		fail("entry", "CS is not the 64-bit code selector");
	if ((cr0 & (CR0_PG | CR0_PE)) != (CR0_PG | CR0_PE) || !(cr4 & CR4_PAE))
		fail("entry", "paging is off");
	if ((rdmsr(MSR_EFER) & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA))
		fail("entry", "EFER.LME/LMA clear");
	if (rflags & RFLAGS_IF)
		fail("entry", "interrupts are on");
	if (!canary || canary != kit_tls[SSP_CANARY])
		fail("entry", "%fs:0x28 is not the kit's canary");
	/* A missing mapping would fault, and with no IDT that is a triple fault: status 4. */
	*top = 0x5a5a5a5a5a5a5a5aULL;
	if (*top != 0x5a5a5a5a5a5a5a5aULL)
		fail("entry", "the top of low RAM does not hold what was written");
	printf("FDT-ENTRY cr0=0x%016llx rflags=0x%016llx\n", (unsigned long long)cr0,
	       (unsigned long long)rflags);
}

/* HC_BOOTINFO: where the tree is, and what the VMM says of RAM, vCPUs and disks. */
static int find_dtb(struct hc_bootinfo *b)
{
	int err = hc_call(HC_BOOTINFO, b);

	if (err || !b->dtb || !b->dtb_size) {
		fail("header", "HC_BOOTINFO gave no device tree");
		return -1;
	}
	fdt = (const void *)(uintptr_t)b->dtb;
	printf("FDT-AT 0x%016llx 0x%016llx\n", (unsigned long long)b->dtb,
	       (unsigned long long)b->dtb_size);
	if ((err = fdt_check_header(fdt))) {
		fail_fdt("header", "fdt_check_header", err);
		return -1;
	}
	if (fdt_totalsize(fdt) != b->dtb_size)
		fail("header", "totalsize is not HC_BOOTINFO's dtb_size");
	return 0;
}

#define FAULT_ADDR (8ULL << 30)

/*
 * An exception on purpose, for the kit's reporter: it ends the run, so this never returns.
 * The faulting instructions carry global labels, for the test to compare the reported RIP.
 */
static void __attribute__((noinline)) raise_fault(const char *what)
{
	if (!strncmp(what, "ud", 2))
		__asm__ volatile(".globl fdt_fault_ud\nfdt_fault_ud: ud2");
	else if (!strncmp(what, "pf", 2))
		__asm__ volatile(".globl fdt_fault_pf\nfdt_fault_pf: mov (%0), %%rax"
				 :
				 : "r"(FAULT_ADDR)
				 : "rax", "memory");
	fail("fault", "no exception was raised, or it returned");
}

void guest_main(struct hvm_start_info *si)
{
	struct hc_bootinfo b = {0};
	const char *fault = cmdline_arg(si, "fault");

	printf("FDT-HELLO start_info=0x%016llx magic %s\n", (unsigned long long)(uintptr_t)si,
	       si->magic == HVM_START_MAGIC ? "ok" : "bad");
	if (si->magic != HVM_START_MAGIC)
		fail("start-info", "%rdi is not an hvm_start_info");
	else if (fault)
		raise_fault(fault);
	else if (!find_dtb(&b)) {
		check_entry(b.ram_size);
		check_memory(si, arg_u64(si, "mem_mib", b.ram_size >> 20) << 20);
		check_cpus(arg_u64(si, "cpus", 1));
		check_serial();
		check_fw_cfg();
		check_virtio(arg_u64(si, "disks", 0));
		check_bootargs(si);
		if (b.nr_cpus != arg_u64(si, "cpus", 1) || b.nr_disks != arg_u64(si, "disks", 0))
			fail("bootinfo",
			     "HC_BOOTINFO's vCPUs or disks differ from the command line");
	}
	printf("%s %d\n", failed ? "FDT-FAILED" : "FDT-PASS", failed);
	outl(DEBUG_EXIT_PORT, failed);
	printf("FDT-EXIT-IGNORED\n"); /* no isa-debug-exit: guest_stop powers off */
}
