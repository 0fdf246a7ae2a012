/* SPDX-License-Identifier: MIT */
#include "kit.h"
#include "../../base/machine.h"

#define COM1	 0x3f8
#define LSR_DR	 0x01
#define LSR_THRE 0x20

#define PM_SLEEP_CTL 0x600 /* must match the FADT the VMM builds */
#define PM_RESET     0x604

void guest_poweroff(void)
{
	outb(PM_SLEEP_CTL, (5 << 2) | 0x20); /* SLP_TYP = \_S5, SLP_EN */
}

uint8_t guest_stack[GUEST_STACK_SIZE] __attribute__((aligned(16)));

void guest_stop(void)
{
	guest_poweroff();
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_reset(void)
{
	outb(PM_RESET, 1);
}

void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, c);
}

void serial_puts(const char *s)
{
	console_com1(s, strlen(s));
}

void serial_putu(uint32_t v)
{
	char buf[11];

	snprintf(buf, sizeof(buf), "%u", (unsigned)v);
	serial_puts(buf);
}

void serial_puthex(uint64_t v)
{
	char buf[19];

	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	serial_puts(buf);
}

void console_com1(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void console_debugcon(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(DEBUGCON_PORT, s[i]);
}

int serial_getc(void)
{
	while (!(inb(COM1 + 5) & LSR_DR))
		;
	return inb(COM1);
}

/* --- interrupts: 8259A initialization words (Intel 8259A datasheet, "ICW1-ICW4") --------- */

/* The CMOS RTC, as Linux's CMOS_READ/CMOS_WRITE: index to 0x70, data at 0x71. */
uint8_t cmos_read(uint8_t index)
{
	outb(0x70, index);
	return inb(0x71);
}

void cmos_write(uint8_t index, uint8_t v)
{
	outb(0x70, index);
	outb(0x71, v);
}

/* "key=value" in the command line: a pointer to value, or 0. */
const char *cmdline_arg(const struct hvm_start_info *si, const char *key)
{
	const char *p = (const char *)(uintptr_t)si->cmdline_paddr;

	while (p && *p) {
		const char *k = key, *q = p;

		while (*k && *q == *k)
			k++, q++;
		if (!*k && *q == '=')
			return q + 1;
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
	}
	return 0;
}

uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}
