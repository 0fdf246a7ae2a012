/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal test guest. What it does comes from its command line,
 * "action=NAME [n=COUNT]":
 *   hello     print what the VMM handed over (start_info, memory map), power off
 *   reset     write the ACPI reset register
 *   triple    load an empty IDT and fault: a triple fault
 *   echo      read one line from COM1, print it back, power off
 *   pio       n writes to an unclaimed port, then power off (exit-path benchmark)
 *   mmio      n writes to an unclaimed MMIO address, then power off
 *   hcall     n HC_VERSION hypercalls, then power off (exit-path benchmark)
 *   outs      print a line with one `rep outsb`
 *   com2      print a line on COM2 (0x2f8), the VMM's second --serial
 *   ins       `rep insb` 64 bytes from an unclaimed port: KVM batches string input
 *             into one exit with count > 1; every byte must read as all-ones
 *   exit      write n to isa-debug-exit (port 0xf4, or port=P, 32-bit): QEMU's status
 *             (n << 1) | 1
 *   debugcon  read port 0xe9 (QEMU answers 0xe9), then print a line through it; then
 *             isa-debug-exit with 0 (status 1 where it is on: QEMU; ours powers off after)
 *   pci       probe PCI configuration mechanism #1 as Linux's pci_check_type1 does
 *   hc        every hypercall, well-formed and hostile, then HC_EXIT with status n
 *   dtb       find the device tree through HC_BOOTINFO: its header and FNV-1a hash
 *   fwcfg     read QEMU's fw_cfg as SeaBIOS and Linux do (a 16-bit selector write, then
 *             byte reads, `rep insb` for blobs): the signature, id, NB_CPUS, MAX_CPUS,
 *             RAM size, NOGRAPHIC, UUID, the file directory and etc/e820 through it
 *   fwcfg-widths  the accesses no driver makes (16- and 32-bit reads and writes of the
 *             selector and data ports, 1-byte selector writes, the write-channel and
 *             arch-local selector bits), one value each, to compare with QEMU's
 *   rtc       read the CMOS clock as Linux's mc146818_get_time does and print it (and its
 *             seconds since 1970, as UTC), then count the 64 Hz periodic interrupts (IRQ 8
 *             through the 8259s) between two update-ended interrupts: one second's worth,
 *             and how long that second was by the host's clock (HC_TIME; 0 under QEMU);
 *             ends through isa-debug-exit (status 1; --debug-exit on), so QEMU's run ends too
 *   pit       count PIT channel 2 against the host's clock (HC_TIME), programmed through
 *             port 0x61 as Linux's TSC calibration does: the ticks from 0xffff over n ms
 *             (at most 50) and the time OUT2 takes to rise after a count of 11932, with
 *             channel 0 set to its fastest rate meanwhile
 *   pit-irq   channel 0 at 100 Hz for 200 ms of host time with interrupts on: how many
 *             IRQ 0s came in through IOAPIC pin 2 (where the MADT puts ISA IRQ 0) and pin 0
 *   flood     print numbered lines on COM1 for ever (waiting on LSR.THRE, as a driver
 *             does): the VMM must stay responsive however slowly its console is read
 *   boot-timer  the boot timer's two conventions: port 0x80 codes (Cloud Hypervisor's
 *             debug port; only 0x41 and 0x62), then Firecracker's byte 123, after a
 *             wrong-width and a wrong-value write that must not count
 *   exceptions  raise #DE, #UD, #GP (a selector, an MSR) and #PF (32-bit paging) and check
 *             what the kit's exc_expect caught; isa-debug-exit 0 if all is right. n=1 and
 *             n=2 then raise a #UD or #PF nobody catches: the kit's reporter ends the run
 *             (n=3, 4: the #UD reported through HC_PUTS, debugcon)
 *   lapic-timer  the LAPIC timer against the host's clock: its count's rate at divide 1
 *             and 16, one one-shot interrupt, 300 ms of periodic ones at 250 Hz
 *   ioapic-mask  IRQ 0 (100 Hz) on IOAPIC pin 2, masked for 100 ms, then unmasked for 100
 *             ms: how many came in each half (none masked, about 10 after)
 *   garbage   seed=S: n (default 20000) hostile accesses to every device (garbage.c), then
 *             the VMM must still answer; a line typed on COM1 is echoed
 *   mmio-widths  virtio-mmio registers and config space at widths 1, 2, 4, 8 (widths.c)
 *   pio-widths   16/32-bit port reads, wide UART accesses, rep ins/outs of words and dwords;
 *             then isa-debug-exit with 0, as debugcon does
 *   hold      print GUEST-HOLD, then halt with interrupts on until a byte comes in on COM1
 *             (its receive interrupt, IRQ 4 through the 8259s), then isa-debug-exit with 0:
 *             a guest that stays resident costing no CPU until it is let go (many-vms
 *             benchmark)
 */
/* Header-only, so a freestanding guest may use them: byte order, fw_cfg's keys and sizes. */
#include "../../base/layout.h"
#include "../../base/le.h"
#include "../../base/machine.h"
#include "../../devices/fw_cfg.h"
#include "../kit/kit.h"
#include "actions.h"

#define BENCH_PORT 0x0f00
#define BENCH_MMIO 0xe0000000u

#define FW_CFG_SEL  FW_CFG_PORT
#define FW_CFG_DATA (FW_CFG_PORT + 1)

static int streq(const char *a, const char *b)
{
	while (*b && *a == *b)
		a++, b++;
	return !*b && (!*a || *a == ' ');
}

/* "TAG addr size type": one memory-map entry. */
static void say_range(const char *tag, uint64_t addr, uint64_t size, uint32_t type)
{
	serial_puts(tag);
	serial_puthex(addr);
	serial_puts(" ");
	serial_puthex(size);
	serial_puts(" ");
	serial_putu(type);
	serial_puts("\n");
}

static void do_hello(struct hvm_start_info *si)
{
	struct hvm_memmap_entry *e = (void *)(uintptr_t)si->memmap_paddr;
	uint64_t ram = 0;

	serial_puts("GUEST-HELLO magic=");
	serial_puthex(si->magic);
	serial_puts(" rsdp=");
	serial_puthex(si->rsdp_paddr);
	serial_puts("\n");
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		say_range("GUEST-E820 ", e[i].addr, e[i].size, e[i].type);
		if (e[i].type == 1)
			ram += e[i].size;
	}
	serial_puts("GUEST-RAM-KB ");
	serial_putu(ram >> 10);
	serial_puts("\n");
}

static void do_triple(void)
{
	static const struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = {0, 0};

	serial_puts("GUEST-TRIPLE\n");
	/* No IDT: the #UD cannot be delivered, nor the #DF, so the CPU shuts down. */
	__asm__ volatile("lidt %0; ud2" : : "m"(empty));
}

void do_echo(void)
{
	char line[128];
	unsigned n = 0;
	int c;

	serial_puts("GUEST-ECHO-READY\n");
	while ((c = serial_getc()) != '\n' && c != '\r')
		if (n < sizeof(line) - 1)
			line[n++] = c;
	line[n] = 0;
	serial_puts("GUEST-ECHO ");
	serial_puts(line);
	serial_puts("\n");
}

static void do_bench(int mmio, uint64_t n)
{
	volatile uint32_t *reg = (volatile uint32_t *)(uintptr_t)BENCH_MMIO;

	serial_puts("GUEST-BENCH-START\n");
	for (uint64_t i = 0; i < n; i++) {
		if (mmio)
			*reg = (uint32_t)i;
		else
			outb(BENCH_PORT, (uint8_t)i);
	}
	serial_puts("GUEST-BENCH-DONE\n");
}

/* The exit-path benchmark's hypercall round trip: n HC_VERSION calls, each checked. */
static void do_hcall_bench(uint64_t n)
{
	struct hc_version v;
	uint64_t bad = 0;

	serial_puts("GUEST-BENCH-START\n");
	for (uint64_t i = 0; i < n; i++)
		bad += hc_call(HC_VERSION, &v) != HC_OK;
	serial_puts(bad ? "GUEST-BENCH-BAD\n" : "GUEST-BENCH-DONE\n");
}

static void do_outs(void)
{
	static const char msg[] = "GUEST-REP-OUTS one string instruction\r\n";
	const char *p = msg;
	uint32_t n = sizeof(msg) - 1;

	/* The UART's THR takes each byte at once, so no LSR polling is needed here. */
	__asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"(0x3f8) : "memory");
}

static void do_ins(void)
{
	static uint8_t buf[64];
	uint8_t *p = buf;
	uint32_t n = sizeof(buf), bad = 0;

	__asm__ volatile("cld; rep insb" : "+D"(p), "+c"(n) : "d"(BENCH_PORT) : "memory");
	for (unsigned i = 0; i < sizeof(buf); i++)
		bad += buf[i] != 0xff;
	serial_puts(bad ? "GUEST-REP-INS bad\n" : "GUEST-REP-INS ok\n");
}

static void do_com2(void)
{
	for (const char *p = "GUEST-COM2\r\n"; *p; p++) {
		while (!(inb(0x2f8 + 5) & 0x20)) /* LSR.THRE */
			;
		outb(0x2f8, *p);
	}
}

static void do_exit(uint16_t port, uint32_t v)
{
	outl(port, v);
	serial_puts("GUEST-STILL-RUNNING\n"); /* no isa-debug-exit: power off instead */
}

static void do_debugcon(void)
{
	serial_puts("GUEST-DEBUGCON-READ ");
	serial_puthex(inb(0xe9));
	serial_puts("\n");
	for (const char *p = "GUEST-DEBUGCON hello\n"; *p; p++)
		outb(0xe9, *p);
	outl(0xf4, 0); /* QEMU's pc has no power registers at our port: end it this way */
}

/* arch/x86/pci/direct.c, pci_check_type1(): the address register must read back. */
static void do_pci(void)
{
	uint32_t tmp, back;

	outb(0xcfb, 0x01);
	tmp = inl(0xcf8);
	outl(0xcf8, 0x80000000);
	back = inl(0xcf8);
	outl(0xcf8, tmp);
	outl(0xcf8, 0x80000000); /* bus 0, device 0, function 0: vendor and device IDs */
	serial_puts(back == 0x80000000 ? "GUEST-PCI type1" : "GUEST-PCI none");
	serial_puts(" id=");
	serial_puthex(inl(0xcfc));
	serial_puts("\n");
}

static void hc_say(const char *what, int ret)
{
	serial_puts("GUEST-HC ");
	serial_puts(what);
	serial_puts(" ret=");
	if (ret < 0)
		serial_putc('-');
	serial_putu(ret < 0 ? (uint32_t)-ret : (uint32_t)ret);
	serial_puts("\n");
}

static void do_hc_bootinfo(void)
{
	static char cmdline[256];
	static struct hc_mmap_entry mmap[16] __attribute__((aligned(8)));
	struct hc_bootinfo b = {.cmdline = (uintptr_t)cmdline, .cmdline_cap = 4};
	int ret = hc_call(HC_BOOTINFO, &b);

	hc_say("bootinfo-small", ret); /* ENOSPC, with the size it needs */
	b.cmdline_cap = b.cmdline_len <= sizeof(cmdline) ? b.cmdline_len : 0;
	b.mmap = (uintptr_t)mmap;
	b.mmap_cap = 16;
	hc_say("bootinfo", hc_call(HC_BOOTINFO, &b));
	serial_puts("GUEST-HC-BOOTINFO ram=");
	serial_puthex(b.ram_size);
	serial_puts(" cpus=");
	serial_putu(b.nr_cpus);
	serial_puts(" disks=");
	serial_putu(b.nr_disks);
	serial_puts(" mmap=");
	serial_putu(b.mmap_entries);
	serial_puts(" cmdline=");
	serial_puts(cmdline);
	serial_puts("\n");
	for (uint32_t i = 0; i < b.mmap_entries && i < 16; i++)
		say_range("GUEST-HC-MMAP ", mmap[i].addr, mmap[i].size, mmap[i].type);
}

/* Sector 1 written, flushed and read back; then every malformed request. */
static void do_hc_disk(void)
{
	static uint8_t out[1024], in[1024];
	struct hc_disk_info di = {.disk = 0};
	struct hc_disk_io io = {.disk = 0, .len = 1024, .sector = 1, .data = (uintptr_t)out};
	int ret = hc_call(HC_DISK_INFO, &di), same = 1;

	hc_say("disk-info", ret);
	if (ret)
		return;
	serial_puts("GUEST-HC-DISK sectors=");
	serial_putu((uint32_t)di.sectors);
	serial_puts(di.read_only ? " ro\n" : " rw\n");
	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	hc_say("disk-write", hc_call(HC_DISK_WRITE, &io));
	hc_say("disk-flush", hc_call(HC_DISK_FLUSH, &io));
	io.data = (uintptr_t)in;
	hc_say("disk-read", hc_call(HC_DISK_READ, &io));
	for (unsigned i = 0; i < sizeof(in); i++)
		same &= in[i] == out[i];
	serial_puts(same ? "GUEST-HC-DISK readback ok\n" : "GUEST-HC-DISK readback bad\n");
	io.sector = di.sectors - 1; /* two sectors from the last one: past the end */
	hc_say("disk-past-end", hc_call(HC_DISK_READ, &io));
	io.sector = ~0ULL;
	hc_say("disk-huge-sector", hc_call(HC_DISK_READ, &io));
	io.sector = 0;
	io.len = 100;
	hc_say("disk-odd-len", hc_call(HC_DISK_READ, &io));
	io.len = 1024;
	io.data = 0xfffff000; /* not RAM */
	hc_say("disk-bad-buffer", hc_call(HC_DISK_READ, &io));
	io.disk = 7;
	hc_say("disk-none", hc_call(HC_DISK_READ, &io));
}

static void do_dtb(void)
{
	struct hc_bootinfo b = {0};
	const uint8_t *p;
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */

	if (hc_call(HC_BOOTINFO, &b) || !b.dtb) {
		serial_puts("GUEST-DTB none\n");
		return;
	}
	p = (const uint8_t *)(uintptr_t)b.dtb;
	for (uint64_t i = 0; i < b.dtb_size; i++)
		h = (h ^ p[i]) * 16777619u;
	serial_puts("GUEST-DTB at ");
	serial_puthex(b.dtb);
	serial_puts(be_get(p, 4) == 0xd00dfeed ? " magic ok" : " magic bad");
	serial_puts(be_get(p + 4, 4) == b.dtb_size ? " size ok " : " size bad ");
	serial_putu((uint32_t)b.dtb_size);
	serial_puts(" fnv ");
	serial_puthex(h);
	serial_puts("\n");
}

static void do_hc(uint32_t status)
{
	static uint64_t odd[4] __attribute__((aligned(8)));
	struct hc_version v = {0};
	struct hc_time t = {0};
	struct hc_puts bad = {.data = 0x100000, .len = ~0ULL};

	hc_say("version", hc_call(HC_VERSION, &v));
	serial_puts("GUEST-HC-VERSION ");
	serial_putu(v.version);
	serial_puts(" calls=");
	serial_putu(v.nr_calls);
	serial_puts("\n");
	hc_puts("GUEST-HC-PUTS hello\n");
	hc_say("time", hc_call(HC_TIME, &t));
	serial_puts("GUEST-HC-TIME ");
	serial_puthex(t.wall_ns);
	serial_puts(" ");
	serial_puthex(t.monotonic_ns);
	serial_puts("\n");
	do_hc_bootinfo();
	do_hc_disk();
	hc_say("puts-overflow", hc_call(HC_PUTS, &bad));
	hc_say("unknown-call", hc_call(12, &v));
	hc_say("misaligned", hc_call(HC_VERSION, (uint8_t *)odd + 4)); /* no answer: stays 1 */
	outl(HC_PORT(HC_VERSION), 0xfffffff8); /* a block outside RAM: ignored, logged */
	outb(HC_PORT(HC_VERSION), 0);	       /* not a 32-bit OUT: ignored, logged */
	serial_puts("GUEST-HC survived\n");
	hc_exit(status);
	serial_puts("GUEST-HC-EXIT-RETURNED\n");
}

/* The next n bytes of the selected item, with one string instruction. */
static void fw_cfg_insb(void *buf, uint32_t n)
{
	uint8_t *p = buf;

	__asm__ volatile("cld; rep insb" : "+D"(p), "+c"(n) : "d"(FW_CFG_DATA) : "memory");
}

static void fw_cfg_blob(uint16_t key, void *buf, uint32_t n)
{
	outw(FW_CFG_SEL, key);
	fw_cfg_insb(buf, n);
}

/* A numeric item: little-endian, read one byte at a time. */
static uint64_t fw_cfg_le(uint16_t key, int bytes)
{
	uint64_t v = 0;

	outw(FW_CFG_SEL, key);
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

static void put_item(const char *name, uint64_t v)
{
	serial_puts(name);
	serial_puthex(v);
	serial_puts("\n");
}

/* etc/e820 against the memory map in start_info: both say the same, or the line says no. */
static void fw_cfg_e820(const struct hvm_start_info *si, uint16_t key, uint32_t size)
{
	const struct hvm_memmap_entry *m = (void *)(uintptr_t)si->memmap_paddr;
	uint32_t n = size / FW_CFG_E820_SIZE, same = n == si->memmap_entries;
	uint8_t e[FW_CFG_E820_SIZE];

	outw(FW_CFG_SEL, key);
	for (uint32_t i = 0; i < n; i++) {
		for (int b = 0; b < FW_CFG_E820_SIZE; b++)
			e[b] = inb(FW_CFG_DATA);
		serial_puts("GUEST-FWCFG-E820 ");
		serial_puthex(le_get(e, 8));
		serial_puts(" ");
		serial_puthex(le_get(e + 8, 8));
		serial_puts(" ");
		serial_putu(le_get(e + 16, 4));
		serial_puts("\n");
		same = same && m[i].addr == le_get(e, 8) && m[i].size == le_get(e + 8, 8) &&
		       m[i].type == le_get(e + 16, 4);
	}
	serial_puts(same ? "GUEST-FWCFG-E820-AS-START-INFO yes\n"
			 : "GUEST-FWCFG-E820-AS-START-INFO no\n");
}

static void do_fwcfg(const struct hvm_start_info *si)
{
	/* KVM ends a REP INSB's exit at a page boundary: aligned, an entry is one exit */
	static uint8_t f[FW_CFG_FILE_SIZE] __attribute__((aligned(FW_CFG_FILE_SIZE)));
	uint8_t sig[FW_CFG_SIG_SIZE + 1] = {0}, uuid[FW_CFG_UUID_SIZE];
	uint32_t count;

	fw_cfg_blob(FW_CFG_SIGNATURE, sig, FW_CFG_SIG_SIZE);
	serial_puts("GUEST-FWCFG-SIG ");
	serial_puts((const char *)sig);
	serial_puts("\n");
	put_item("GUEST-FWCFG-ID ", fw_cfg_le(FW_CFG_ID, 4));
	put_item("GUEST-FWCFG-NB-CPUS ", fw_cfg_le(FW_CFG_NB_CPUS, 2));
	put_item("GUEST-FWCFG-MAX-CPUS ", fw_cfg_le(FW_CFG_MAX_CPUS, 2));
	put_item("GUEST-FWCFG-RAM-SIZE ", fw_cfg_le(FW_CFG_RAM_SIZE, 8));
	put_item("GUEST-FWCFG-NOGRAPHIC ", fw_cfg_le(FW_CFG_NOGRAPHIC, 2));
	fw_cfg_blob(FW_CFG_UUID, uuid, sizeof(uuid));
	serial_puts("GUEST-FWCFG-UUID ");
	for (unsigned i = 0; i < sizeof(uuid); i++) {
		serial_putc("0123456789abcdef"[uuid[i] >> 4]);
		serial_putc("0123456789abcdef"[uuid[i] & 15]);
	}
	serial_puts("\n");

	fw_cfg_blob(FW_CFG_FILE_DIR, f, 4);
	count = be_get(f, 4);
	put_item("GUEST-FWCFG-FILES ", count);
	for (uint32_t i = 0; i < count && i < 256; i++) { /* 256: a bound on a broken count */
		/* Reselect and skip to entry i, as Linux's fw_cfg_read_blob does. */
		outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
		for (uint32_t skip = 0; skip < 4 + i * FW_CFG_FILE_SIZE; skip++)
			inb(FW_CFG_DATA);
		fw_cfg_insb(f, sizeof(f));
		f[FW_CFG_FILE_SIZE - 1] = 0;
		serial_puts("GUEST-FWCFG-FILE ");
		serial_puts((const char *)f + 8);
		serial_puts(" ");
		serial_putu(be_get(f, 4));
		serial_puts(" ");
		serial_puthex(be_get(f + 4, 2));
		serial_puts("\n");
		if (streq((const char *)f + 8, "etc/e820"))
			fw_cfg_e820(si, be_get(f + 4, 2), be_get(f, 4));
	}
	serial_puts("GUEST-FWCFG-DONE\n");
}

static void put_width(uint32_t v, int digits)
{
	serial_putc(' ');
	for (int s = 4 * (digits - 1); s >= 0; s -= 4)
		serial_putc("0123456789abcdef"[(v >> s) & 0xf]);
}

/*
 * QEMU takes byte accesses at either port (a read is a data read, a write a data write,
 * ignored) and 16-bit writes at the selector, and refuses the rest (a read: zeros); its
 * memory core gives an access to the region of its first byte, one byte of it at an odd
 * offset, and the rest to the ports after (nothing there: all-ones).
 */
static void do_fwcfg_widths(void)
{
	serial_puts("GUEST-FWCFG-WIDTHS");
	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);	       /* "QEMU" */
	put_width(inw(FW_CFG_SEL), 4);		       /* refused */
	put_width(inb(FW_CFG_DATA), 2);		       /* 'Q' */
	put_width(inw(FW_CFG_DATA), 4);		       /* 'E', then port +2 */
	put_width(inl(FW_CFG_SEL), 8);		       /* refused whole */
	put_width(inb(FW_CFG_SEL), 2);		       /* a byte read of the selector port: 'M' */
	put_width(inl(FW_CFG_DATA), 8);		       /* 'U', then ports +2..+4 */
	put_width(inb(FW_CFG_DATA), 2);		       /* past the end */
	outl(FW_CFG_SEL, 0xabcd0000 | FW_CFG_NB_CPUS); /* refused: selects nothing */
	put_width(inb(FW_CFG_DATA), 2);		       /* still past the signature's end */
	outb(FW_CFG_SEL, FW_CFG_MAX_CPUS);	       /* a data write */
	put_width(inb(FW_CFG_DATA), 2);
	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	outw(FW_CFG_DATA, FW_CFG_NB_CPUS); /* a data write, then port +2 */
	put_width(inb(FW_CFG_DATA), 2);	   /* still the signature: 'Q' */
	outw(FW_CFG_SEL, FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS);
	put_width(inb(FW_CFG_DATA), 2); /* NB_CPUS */
	outw(FW_CFG_SEL, FW_CFG_ARCH_LOCAL | FW_CFG_NB_CPUS);
	put_width(inb(FW_CFG_DATA), 2); /* nothing there */
	outw(FW_CFG_SEL, 0xffff);
	put_width(inb(FW_CFG_DATA), 2);
	outw(FW_CFG_SEL, 0x0100);
	put_width(inb(FW_CFG_DATA), 2);
	outw(FW_CFG_SEL, 0x0006); /* MACHINE_ID: not offered */
	put_width(inb(FW_CFG_DATA), 2);
	put_width(inw(FW_CFG_SEL + 2), 4); /* beside the ports */
	serial_puts("\n");
}

#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_UIP	  0x80
#define RTC_PIE	  0x40
#define RTC_UIE	  0x10
#define RTC_24H	  0x02
#define RTC_PF	  0x40
#define RTC_UF	  0x10

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 15);
}

static void put2(unsigned v)
{
	serial_putc('0' + v / 10 % 10);
	serial_putc('0' + v % 10);
}

/* Seconds since 1970 of a UTC date: 32 bits hold it until 2106. */
static uint32_t epoch(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint32_t days = d - 1;

	for (unsigned i = 1970; i < y; i++)
		days += 365 + (i % 4 == 0 && (i % 100 || i % 400 == 0));
	for (unsigned i = 1; i < mo; i++)
		days += mdays[i - 1] + (i == 2 && y % 4 == 0 && (y % 100 || y % 400 == 0));
	return days * 86400 + h * 3600 + mi * 60 + s;
}

static volatile uint32_t rtc_irqs, rtc_pf, rtc_uf, rtc_pf_at_uf[2];
static volatile uint64_t rtc_ns_at_uf[2]; /* the host's clock: how long the chip's second is */

/* IRQ 8: register C says why, and reading it is the acknowledgement. */
static void rtc_irq(int irq)
{
	uint8_t c = cmos_read(RTC_REG_C);

	(void)irq;
	rtc_irqs++;
	if (c & RTC_PF)
		rtc_pf++;
	if ((c & RTC_UF) && rtc_uf < 2) {
		rtc_ns_at_uf[rtc_uf] = hc_monotonic_ns();
		rtc_pf_at_uf[rtc_uf++] = rtc_pf;
	}
}

static void do_rtc(void)
{
	uint8_t sec, min, hour, day, mon, year, cent, a, b;

	/* mc146818_get_time(): no UIP, then the same seconds before and after */
	do {
		while ((a = cmos_read(RTC_REG_A)) & RTC_UIP)
			;
		sec = cmos_read(0);
		min = cmos_read(2);
		hour = cmos_read(4);
		day = cmos_read(7);
		mon = cmos_read(8);
		year = cmos_read(9);
		cent = cmos_read(0x32);
		b = cmos_read(RTC_REG_B);
	} while ((cmos_read(RTC_REG_A) & RTC_UIP) || sec != cmos_read(0));
	serial_puts("GUEST-RTC-REGS a=");
	serial_puthex(a);
	serial_puts(" b=");
	serial_puthex(b);
	serial_puts(" d=");
	serial_puthex(cmos_read(RTC_REG_D));
	serial_puts("\nGUEST-RTC-TIME ");
	put2(bcd(cent));
	put2(bcd(year));
	serial_putc('-');
	put2(bcd(mon));
	serial_putc('-');
	put2(bcd(day));
	serial_putc(' ');
	put2(bcd(hour));
	serial_putc(':');
	put2(bcd(min));
	serial_putc(':');
	put2(bcd(sec));
	serial_puts("\nGUEST-RTC-EPOCH ");
	serial_putu(
	    epoch(bcd(cent) * 100 + bcd(year), bcd(mon), bcd(day), bcd(hour), bcd(min), bcd(sec)));
	serial_puts("\n");

	irq_init();
	irq_handle(8, rtc_irq);
	cmos_write(RTC_REG_A, 0x2a); /* 32.768 kHz time base, rate 10: 64 Hz */
	cmos_read(RTC_REG_C);
	cmos_write(RTC_REG_B, RTC_24H | RTC_PIE | RTC_UIE);
	__asm__ volatile("sti");
	while (rtc_uf < 2)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	cmos_write(RTC_REG_B, RTC_24H);
	cmos_read(RTC_REG_C);
	serial_puts("GUEST-RTC-PERIODIC ");
	serial_putu(rtc_pf_at_uf[1] - rtc_pf_at_uf[0]);
	serial_puts(" per second, ");
	serial_putu(rtc_irqs);
	serial_puts(" interrupts\nGUEST-RTC-SECOND-NS ");
	serial_putu((uint32_t)(rtc_ns_at_uf[1] - rtc_ns_at_uf[0]));
	serial_puts("\n");
	outl(0xf4, 0);
}

#define PIT_CH2	 0x42
#define PIT_CMD	 0x43
#define PORT_61	 0x61
#define P61_OUT2 0x20

/* Channel 2 in mode 0, LSB then MSB, gate 2 up and the speaker off (tsc.c's sequence). */
static void pit_ch2_start(uint16_t count)
{
	outb(PORT_61, (uint8_t)((inb(PORT_61) & ~0x02) | 0x01));
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
}

/*
 * The counter latch command, then LSB and MSB; *at is the host's time around it, give or
 * take *slack ns (half the time between the two clock reads: on a loaded host, much more
 * than the latch itself).
 */
static uint16_t pit_ch2_latch(uint64_t *at, uint64_t *slack)
{
	uint64_t before = hc_monotonic_ns(), after;
	uint8_t lo;

	outb(PIT_CMD, 0x80);
	after = hc_monotonic_ns();
	lo = inb(PIT_CH2);
	*at = before + (after - before) / 2;
	*slack = (after - before) / 2;
	return (uint16_t)(lo | inb(PIT_CH2) << 8);
}

/*
 * "GUEST-PIT-TICKS t ns slack-ns" and "GUEST-PIT-OUT2-NS ns": the test divides, the guest
 * cannot.
 */
static void do_pit(uint64_t ms)
{
	uint64_t t0, t1, end, s0, s1;
	uint16_t c0, c1;

	if (!ms || ms > 50) /* mode 0 from 0xffff wraps after 54.9 ms */
		ms = 40;
	/* Channel 0 as fast as it goes (mode 2, count 2), IF clear: the VMM must bound it. */
	outb(PIT_CMD, 0x34);
	outb(0x40, 2);
	outb(0x40, 0);
	pit_ch2_start(0xffff);
	c0 = pit_ch2_latch(&t0, &s0);
	end = t0 + ms * 1000000;
	while (hc_monotonic_ns() < end)
		;
	c1 = pit_ch2_latch(&t1, &s1);
	serial_puts("GUEST-PIT-TICKS ");
	serial_putu((uint16_t)(c0 - c1));
	serial_puts(" ");
	serial_putu((uint32_t)(t1 - t0));
	serial_puts(" ");
	serial_putu((uint32_t)(s0 + s1));
	serial_puts("\n");
	/* pit_calibrate_tsc: 10 ms of count, then poll OUT2 */
	t0 = hc_monotonic_ns();
	pit_ch2_start(11932);
	while (!(inb(PORT_61) & P61_OUT2) && hc_monotonic_ns() - t0 < 1000000000ULL)
		;
	t1 = hc_monotonic_ns();
	serial_puts("GUEST-PIT-OUT2-NS ");
	serial_putu((uint32_t)(t1 - t0));
	serial_puts("\n");
}

/* --- IRQ 0 through the IOAPIC: an IDT, the LAPIC on, pins 0 and 2 unmasked ------------- */

#define VEC_PIN0 0x30
#define VEC_PIN2 0x32

static void eoi(struct kit_frame *f)
{
	(void)f;
	lapic_eoi();
}

static void do_pit_irq(void)
{
	uint32_t other = 0;
	uint64_t end;

	idt_init();
	vec_handle(VEC_PIN0, eoi);
	vec_handle(VEC_PIN2, eoi);
	lapic_enable();
	ioapic_route(0, VEC_PIN0, 0, lapic_id());
	ioapic_route(2, VEC_PIN2, 0, lapic_id());
	outb(PIT_CMD, 0x34); /* channel 0, mode 2, 11932: 100 Hz */
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	end = hc_monotonic_ns() + 200000000;
	__asm__ volatile("sti");
	while (hc_monotonic_ns() < end)
		;
	__asm__ volatile("cli");
	serial_puts("GUEST-PIT-IRQ pin0=");
	serial_putu(vec_count[VEC_PIN0]);
	serial_puts(" pin2=");
	serial_putu(vec_count[VEC_PIN2]);
	for (int v = 0; v < 256; v++)
		other += v == VEC_PIN0 || v == VEC_PIN2 ? 0 : vec_count[v];
	serial_puts(" other=");
	serial_putu(other);
	serial_puts("\n");
}

/* --- the boot timer (devices/boot_timer.c) ------------------------------------------------ */

static void do_boot_timer(void)
{
	volatile uint8_t *mark = (volatile uint8_t *)(uintptr_t)LAYOUT_BOOT_TIMER;

	outb(BOOT_TIMER_PORT, 0x41);	  /* a kernel's code */
	outb(BOOT_TIMER_PORT, 0x62);	  /* user space's */
	outb(BOOT_TIMER_PORT, 0x90);	  /* no range: nothing */
	*(volatile uint16_t *)mark = 123; /* Firecracker's timer takes 1-byte writes only */
	mark[0] = 122;
	serial_puts("GUEST-BOOT-TIMER read ");
	serial_puthex(mark[0]);
	serial_puts("\n");
	mark[0] = 123;
}

/* --- exceptions: raised, caught with the kit's exc_expect, checked ----------------------- */

#define MSR_NON_EXISTENT 0x474f4f00 /* KVM's selftests' (userspace_msr_exit_test.c): no MSR */
#define SEL_PAST_GDT	 0xfff8	    /* GDT index 8191: past any boot GDT's limit */
#define VEC_DE		 0
#define VEC_UD		 6
#define VEC_GP		 13
#define VEC_PF		 14
#define CR0_WP		 (1u << 16)
#define CR0_PG		 (1u << 31)
#define CR4_PAE		 (1u << 5)
#define PTE_P		 0x1 /* SDM vol. 3, 4.3 table 4-6 */
#define PTE_W		 0x2
#define PF_P		 0x1 /* the #PF error code, SDM vol. 3, 4.7 */
#define PF_W		 0x2

static char exc_first[96]; /* the first failed check */

static void __attribute__((format(printf, 1, 2))) exc_fail(const char *fmt, ...)
{
	char why[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("GUEST-EXC-FAIL %s\n", why);
	if (!exc_first[0])
		memcpy(exc_first, why, sizeof(why));
}

/* One line of what arrived; a failed check names itself and what it wanted. */
static void exc_check(const char *name, const struct exc_info *e, uint32_t vec, uint32_t err,
		      uint32_t cr2)
{
	if (!e->caught) {
		printf("GUEST-EXC %s none\n", name);
		exc_fail("%s: no exception", name);
		return;
	}
	printf("GUEST-EXC %s vector=%u error=0x%x eip=0x%08x cr2=0x%08x\n", name,
	       (unsigned)e->vector, (unsigned)e->error, (unsigned)e->eip, (unsigned)e->cr2);
	if (e->vector != vec)
		exc_fail("%s: vector %u, wanted %u", name, (unsigned)e->vector, (unsigned)vec);
	else if (e->error != err)
		exc_fail("%s: error code 0x%x, wanted 0x%x", name, (unsigned)e->error,
			 (unsigned)err);
	else if (e->eip != e->at)
		exc_fail("%s: eip 0x%08x, wanted the instruction's 0x%08x", name, (unsigned)e->eip,
			 (unsigned)e->at);
	else if (e->cr2 != cr2)
		exc_fail("%s: cr2 0x%08x, wanted 0x%08x", name, (unsigned)e->cr2, (unsigned)cr2);
}

static void exc_faults(void)
{
	struct exc_info e;
	uint32_t a = 1, d = 0, zero = 0;

	exc_expect(&e);
	__asm__ volatile(EXC_AT "divl %2" EXC_RESUME
			 : "+a"(a), "+d"(d)
			 : "r"(zero)
			 : "memory", "cc");
	exc_check("#DE-divide-by-zero", &e, VEC_DE, 0, 0);
	exc_expect(&e);
	__asm__ volatile(EXC_AT "ud2" EXC_RESUME : : : "memory");
	exc_check("#UD-ud2", &e, VEC_UD, 0, 0);
	/* a selector past the GDT's limit: #GP with the selector (SDM vol. 3, 6.13) */
	exc_expect(&e);
	__asm__ volatile(EXC_AT "mov %0, %%ds" EXC_RESUME : : "r"(SEL_PAST_GDT) : "memory");
	exc_check("#GP-selector-past-gdt", &e, VEC_GP, SEL_PAST_GDT, 0);
	/* no such MSR: KVM's RDMSR handling injects #GP(0) */
	exc_expect(&e);
	__asm__ volatile(EXC_AT "rdmsr" EXC_RESUME
			 : "=a"(a), "=d"(d)
			 : "c"(MSR_NON_EXISTENT)
			 : "memory");
	exc_check("#GP-rdmsr-none", &e, VEC_GP, 0, 0);
}

/* 32-bit paging's two levels (SDM vol. 3, 4.3): the first 4 MiB identity-mapped but two pages */
static uint32_t pf_pd[1024] __attribute__((aligned(4096)));
static uint32_t pf_pt[1024] __attribute__((aligned(4096)));
static uint8_t pf_pages[2][4096] __attribute__((aligned(4096))); /* not present, read-only */

/*
 * Paging on, with CR0.WP (a kernel's write to a read-only page faults too): 0, or why not.
 * kvm_pvm refuses CR0.PG outside long mode with #GP(0) (32-bit and PAE paging alike); the
 * catch around the MOV turns that into a reason rather than the end of the run.
 */
static const char *paging_on(void)
{
	static char why[64];
	struct exc_info e;
	uint32_t cr0, cr4;

	if ((uintptr_t)(guest_stack + GUEST_STACK_SIZE) > 0x400000 ||
	    (uintptr_t)(pf_pages + 2) > 0x400000)
		return "the image is past the 4 MiB mapped";
	for (uint32_t i = 0; i < 1024; i++)
		pf_pt[i] = i << 12 | PTE_P | PTE_W;
	pf_pt[(uintptr_t)pf_pages[0] >> 12] = 0;
	pf_pt[(uintptr_t)pf_pages[1] >> 12] &= ~PTE_W;
	memset(pf_pd, 0, sizeof(pf_pd));
	pf_pd[0] = (uint32_t)(uintptr_t)pf_pt | PTE_P | PTE_W;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PAE)); /* 32-bit paging, not PAE */
	__asm__ volatile("mov %0, %%cr3" : : "r"(pf_pd) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	exc_expect(&e);
	__asm__ volatile(EXC_AT "mov %0, %%cr0" EXC_RESUME
			 :
			 : "r"(cr0 | CR0_PG | CR0_WP)
			 : "memory");
	if (!e.caught)
		return 0;
	snprintf(why, sizeof(why), "CR0.PG=1 raised vector %u error 0x%x", (unsigned)e.vector,
		 (unsigned)e.error);
	return why;
}

static void paging_off(void)
{
	uint32_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_PG) : "memory");
}

/*
 * #PF: CR2 the address, the error code's P and W/R bits as the access and the page say.
 * 1 if paging could not be turned on (a skip, which the verdict says).
 */
static int exc_page_faults(void)
{
	uint8_t *np = pf_pages[0] + 0x123, *ro = pf_pages[1] + 0x456;
	const char *why;
	struct exc_info e;
	uint32_t v;

	if ((why = paging_on())) {
		printf("GUEST-EXC-SKIP #PF: %s\n", why);
		return 1;
	}
	exc_expect(&e);
	__asm__ volatile(EXC_AT "movzbl (%1), %0" EXC_RESUME : "=r"(v) : "r"(np) : "memory");
	exc_check("#PF-read-not-present", &e, VEC_PF, 0, (uintptr_t)np);
	exc_expect(&e);
	__asm__ volatile(EXC_AT "movb $1, (%0)" EXC_RESUME : : "r"(np) : "memory");
	exc_check("#PF-write-not-present", &e, VEC_PF, PF_W, (uintptr_t)np);
	exc_expect(&e);
	__asm__ volatile(EXC_AT "movb $1, (%0)" EXC_RESUME : : "r"(ro) : "memory");
	exc_check("#PF-write-read-only", &e, VEC_PF, PF_P | PF_W, (uintptr_t)ro);
	exc_expect(&e);
	__asm__ volatile(EXC_AT "movzbl (%1), %0" EXC_RESUME : "=r"(v) : "r"(ro) : "memory");
	printf("GUEST-EXC read-read-only %s\n", e.caught ? "faulted" : "none");
	if (e.caught)
		exc_fail("#PF-read-read-only: vector %u, wanted none", (unsigned)e.vector);
	paging_off();
	return 0;
}

/* Called, never returning: the kit's reporter ends the run (the uncaught cases, n=1 and 2). */
__asm__(".text\n"
	"uncaught_ud2: ud2\n"
	"uncaught_load: movzbl (%eax), %eax\n"
	"ret\n");
extern char uncaught_ud2[], uncaught_load[];

/*
 * The exceptions a guest raises, caught and checked (vector, error code, EIP, CR2), then
 * isa-debug-exit 0 ("pass"), 1 (the first failed check named) or 2 (a pass with #PF
 * skipped: no paging). n=1: then a #UD nobody catches, n=2 a #PF, which the kit's reporter
 * must name and end the run with; n=3 and 4: the #UD, reported on printf's HC_PUTS or debugcon
 * console.
 */
static void do_exceptions(uint64_t n)
{
	const char *why;
	int skipped;

	exc_faults();
	skipped = exc_page_faults();
	if (exc_first[0]) {
		printf("GUEST-EXCEPTIONS FAIL %s\n", exc_first);
		outl(0xf4, 1);
		return;
	}
	printf(skipped ? "GUEST-EXCEPTIONS pass, #PF skipped\n" : "GUEST-EXCEPTIONS pass\n");
	if (n == 1 || n == 3 || n == 4) {
		printf("GUEST-EXC-UNCAUGHT eip=0x%08x\n", (unsigned)(uintptr_t)uncaught_ud2);
		if (n > 1) /* the report on the console printf was given */
			console_set(n == 3 ? console_hc : console_debugcon);
		__asm__ volatile("call uncaught_ud2" : : : "memory");
	} else if (n == 2 && !(why = paging_on())) {
		printf("GUEST-EXC-UNCAUGHT eip=0x%08x cr2=0x%08x\n",
		       (unsigned)(uintptr_t)uncaught_load, (unsigned)(uintptr_t)pf_pages[0]);
		__asm__ volatile("call uncaught_load" : : "a"(pf_pages[0]) : "memory");
	} else if (n == 2) {
		printf("GUEST-EXC-SKIP uncaught #PF: %s\n", why);
		skipped = 1;
	}
	outl(0xf4, skipped ? 2 : 0);
}

/*
 * --- The LAPIC timer against the host's clock ------------------------------------------
 * KVM's LAPIC timer counts a 1 GHz bus clock (arch/x86/kvm/lapic.h: APIC_BUS_CYCLE_NS_DEFAULT
 * 1; the VMM does not change it with KVM_CAP_X86_APIC_BUS_CYCLES_NS). The guest reports what
 * it measured and the test divides: "GUEST-LAPIC-TIMER-TICKS div ticks ns" for a masked
 * one-shot count read twice LAPIC_TICK_MS apart, then one one-shot interrupt, then the
 * periodic interrupts in LAPIC_PERIODIC_MS.
 */
#define VEC_LAPIC_TIMER	   0x40
#define LAPIC_TICK_MS	   50
#define LAPIC_PERIODIC_MS  300
#define LAPIC_PERIODIC_DIV 16
#define LAPIC_PERIODIC_CNT 250000 /* 1 GHz / 16 / 250000: 250 Hz */

static void lapic_spin_ms(uint32_t ms)
{
	uint64_t end = hc_monotonic_ns() + ms * 1000000ULL;

	while (hc_monotonic_ns() < end)
		;
}

/* The current count; *at is the host's time around the read, as pit_ch2_latch's. */
static uint32_t lapic_timer_read(uint64_t *at)
{
	uint64_t before = hc_monotonic_ns();
	uint32_t c = lapic_timer_current();

	*at = before + (hc_monotonic_ns() - before) / 2;
	return c;
}

static void lapic_timer_ticks(unsigned divide)
{
	uint64_t t0, t1;
	uint32_t c0, c1;

	lapic_timer_start(VEC_LAPIC_TIMER, 0xffffffff, divide, 0);
	lapic_write(LAPIC_LVT_TIMER,
		    lapic_read(LAPIC_LVT_TIMER) | 1u << 16); /* masked: it counts */
	c0 = lapic_timer_read(&t0);
	lapic_spin_ms(LAPIC_TICK_MS);
	c1 = lapic_timer_read(&t1);
	lapic_timer_stop();
	serial_puts("GUEST-LAPIC-TIMER-TICKS ");
	serial_putu(divide);
	serial_puts(" ");
	serial_putu(c0 - c1);
	serial_puts(" ");
	serial_putu((uint32_t)(t1 - t0));
	serial_puts("\n");
}

static void do_lapic_timer(void)
{
	uint64_t t0, t1;
	uint32_t irqs;

	idt_init();
	vec_handle(VEC_LAPIC_TIMER, eoi);
	lapic_enable();
	lapic_timer_ticks(1);
	lapic_timer_ticks(LAPIC_PERIODIC_DIV);
	__asm__ volatile("sti");
	lapic_timer_start(VEC_LAPIC_TIMER, 1000000, 1, 0); /* one-shot, 1 ms */
	lapic_spin_ms(20);
	serial_puts("GUEST-LAPIC-TIMER-ONESHOT irqs=");
	serial_putu(vec_count[VEC_LAPIC_TIMER]);
	serial_puts("\n");
	irqs = vec_count[VEC_LAPIC_TIMER];
	t0 = hc_monotonic_ns();
	lapic_timer_start(VEC_LAPIC_TIMER, LAPIC_PERIODIC_CNT, LAPIC_PERIODIC_DIV, 1);
	lapic_spin_ms(LAPIC_PERIODIC_MS);
	lapic_timer_stop();
	t1 = hc_monotonic_ns();
	__asm__ volatile("cli");
	serial_puts("GUEST-LAPIC-TIMER-PERIODIC div=");
	serial_putu(LAPIC_PERIODIC_DIV);
	serial_puts(" count=");
	serial_putu(LAPIC_PERIODIC_CNT);
	serial_puts(" irqs=");
	serial_putu(vec_count[VEC_LAPIC_TIMER] - irqs);
	serial_puts(" ns=");
	serial_putu((uint32_t)(t1 - t0));
	serial_puts("\n");
}

/*
 * IOAPIC pin 2 (IRQ 0, channel 0 at 100 Hz) masked for 100 ms of host time, then unmasked
 * for 100 ms: "GUEST-IOAPIC-MASK masked=N unmasked=N".
 */
static void do_ioapic_mask(void)
{
	uint32_t masked;

	idt_init();
	vec_handle(VEC_PIN2, eoi);
	lapic_enable();
	ioapic_route(2, VEC_PIN2, 0, lapic_id());
	ioapic_mask(2);
	outb(PIT_CMD, 0x34);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	__asm__ volatile("sti");
	lapic_spin_ms(100);
	masked = vec_count[VEC_PIN2];
	ioapic_route(2, VEC_PIN2, 0, lapic_id());
	lapic_spin_ms(100);
	__asm__ volatile("cli");
	serial_puts("GUEST-IOAPIC-MASK masked=");
	serial_putu(masked);
	serial_puts(" unmasked=");
	serial_putu(vec_count[VEC_PIN2] - masked);
	serial_puts("\n");
}

/*
 * action=hold: wait for COM1's receive interrupt in HLT, so an idle guest is a stopped vCPU
 * rather than a loop of exits. The interrupt comes through IOAPIC pin 4 (ISA IRQ 4, identity
 * mapped in both our MADT and QEMU's), which QEMU's microvm wires too, where its firmware
 * leaves LINT0 masked and the 8259s unreachable. LSR.DR is checked with interrupts off,
 * then STI; HLT: the STI shadow (SDM vol. 2B, STI) lets no interrupt in between.
 */
#define HOLD_COM1    0x3f8
#define HOLD_PIN     4
#define HOLD_VEC     0x34
#define HOLD_IER_RDI 0x01 /* 16550A IER bit 0: received data available */
#define HOLD_MCR     0x0b /* DTR, RTS, OUT2 (the PC's IRQ enable), as Linux sets them */
#define HOLD_LSR_DR  0x01

static void do_hold(void)
{
	uint32_t wakes = 0;

	idt_init();
	vec_handle(HOLD_VEC, eoi);
	lapic_enable();
	ioapic_route(HOLD_PIN, HOLD_VEC, 0, lapic_id());
	outb(HOLD_COM1 + 4, HOLD_MCR);
	outb(HOLD_COM1 + 1, HOLD_IER_RDI);
	serial_puts("GUEST-HOLD\n");
	while (!(inb(HOLD_COM1 + 5) & HOLD_LSR_DR)) {
		__asm__ volatile("sti; hlt; cli");
		wakes++;
	}
	outb(HOLD_COM1 + 1, 0);
	ioapic_mask(HOLD_PIN);
	serial_puts("GUEST-RELEASED byte=");
	serial_putu(inb(HOLD_COM1));
	serial_puts(" irqs=");
	serial_putu(vec_count[HOLD_VEC]);
	serial_puts(" wakes=");
	serial_putu(wakes);
	serial_puts("\n");
	outl(0xf4, 0);
}

void guest_main(struct hvm_start_info *si)
{
	const char *action = cmdline_arg(si, "action");
	uint64_t n = parse_u64(cmdline_arg(si, "n"));

	if (si->magic != 0x336ec578) {
		serial_puts("GUEST-BAD-START-INFO\n");
		return;
	}
	if (!action || streq(action, "hello"))
		do_hello(si);
	else if (streq(action, "reset")) {
		serial_puts("GUEST-RESET\n");
		guest_reset();
	} else if (streq(action, "triple"))
		do_triple();
	else if (streq(action, "echo"))
		do_echo();
	else if (streq(action, "outs"))
		do_outs();
	else if (streq(action, "com2"))
		do_com2();
	else if (streq(action, "ins"))
		do_ins();
	else if (streq(action, "fwcfg"))
		do_fwcfg(si);
	else if (streq(action, "fwcfg-widths"))
		do_fwcfg_widths();
	else if (streq(action, "pio") || streq(action, "mmio"))
		do_bench(streq(action, "mmio"), n);
	else if (streq(action, "exit"))
		do_exit(cmdline_arg(si, "port") ? (uint16_t)parse_u64(cmdline_arg(si, "port"))
						: 0xf4,
			(uint32_t)n);
	else if (streq(action, "debugcon"))
		do_debugcon();
	else if (streq(action, "hold"))
		do_hold();
	else if (streq(action, "pci"))
		do_pci();
	else if (streq(action, "hc"))
		do_hc((uint32_t)n);
	else if (streq(action, "dtb"))
		do_dtb();
	else if (streq(action, "rtc"))
		do_rtc();
	else if (streq(action, "pit"))
		do_pit(n);
	else if (streq(action, "pit-irq"))
		do_pit_irq();
	else if (streq(action, "boot-timer"))
		do_boot_timer();
	else if (streq(action, "flood"))
		for (uint32_t i = 0;; i++)
			printf("GUEST-FLOOD %u the quick brown fox jumps over the lazy dog\n", i);
	else if (streq(action, "exceptions"))
		do_exceptions(n);
	else if (streq(action, "lapic-timer"))
		do_lapic_timer();
	else if (streq(action, "ioapic-mask"))
		do_ioapic_mask();
	else if (streq(action, "hcall"))
		do_hcall_bench(n);
	else if (streq(action, "mmio-widths"))
		do_mmio_widths(si);
	else if (streq(action, "pio-widths"))
		do_pio_widths();
	else if (streq(action, "garbage"))
		do_garbage(si, (uint32_t)parse_u64(cmdline_arg(si, "seed")), (uint32_t)n);
	else
		serial_puts("GUEST-UNKNOWN-ACTION\n");
}
