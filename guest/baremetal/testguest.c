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
 *   outs      print a line with one `rep outsb`
 *   com2      print a line on COM2 (0x2f8), the VMM's second --serial
 *   ins       `rep insb` 64 bytes from an unclaimed port: KVM batches string input
 *             into one exit with count > 1; every byte must read as all-ones
 *   exit      write n to isa-debug-exit (port 0xf4, 32-bit): QEMU's status (n << 1) | 1
 *   debugcon  read port 0xe9 (QEMU answers 0xe9), then print a line through it
 *   pci       probe PCI configuration mechanism #1 as Linux's pci_check_type1 does
 *   rtc       read the CMOS clock as Linux's mc146818_get_time does and print it (and its
 *             seconds since 1970, as UTC), then count the 64 Hz periodic interrupts (IRQ 8
 *             through the 8259s) between two update-ended interrupts: one second's worth;
 *             ends through isa-debug-exit (status 1; --debug-exit on), so QEMU's run ends too
 */
#include "kit.h"

#define BENCH_PORT 0x0f00
#define BENCH_MMIO 0xe0000000u

static int streq(const char *a, const char *b)
{
	while (*b && *a == *b)
		a++, b++;
	return !*b && (!*a || *a == ' ');
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
		serial_puts("GUEST-E820 ");
		serial_puthex(e[i].addr);
		serial_puts(" ");
		serial_puthex(e[i].size);
		serial_puts(" ");
		serial_putu(e[i].type);
		serial_puts("\n");
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

static void do_echo(void)
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

static void do_exit(uint32_t v)
{
	outl(0xf4, v);
	serial_puts("GUEST-STILL-RUNNING\n"); /* no isa-debug-exit: power off instead */
}

static void do_debugcon(void)
{
	serial_puts("GUEST-DEBUGCON-READ ");
	serial_puthex(inb(0xe9));
	serial_puts("\n");
	for (const char *p = "GUEST-DEBUGCON hello\n"; *p; p++)
		outb(0xe9, *p);
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

/* IRQ 8: register C says why, and reading it is the acknowledgement. */
static void rtc_irq(int irq)
{
	uint8_t c = cmos_read(RTC_REG_C);

	(void)irq;
	rtc_irqs++;
	if (c & RTC_PF)
		rtc_pf++;
	if ((c & RTC_UF) && rtc_uf < 2)
		rtc_pf_at_uf[rtc_uf++] = rtc_pf;
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
	serial_puts(" interrupts\n");
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
	else if (streq(action, "pio") || streq(action, "mmio"))
		do_bench(streq(action, "mmio"), n);
	else if (streq(action, "exit"))
		do_exit((uint32_t)n);
	else if (streq(action, "debugcon"))
		do_debugcon();
	else if (streq(action, "pci"))
		do_pci();
	else if (streq(action, "rtc"))
		do_rtc();
	else
		serial_puts("GUEST-UNKNOWN-ACTION\n");
}
