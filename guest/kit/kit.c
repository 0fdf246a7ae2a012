/* SPDX-License-Identifier: MIT */
#include "kit.h"

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
	while (*s) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}

/* 32-bit: a 64-bit division would need libgcc's __udivdi3, which we do not link. */
void serial_putu(uint32_t v)
{
	char buf[11];
	int i = 10;

	buf[i] = 0;
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	serial_puts(buf + i);
}

void serial_puthex(uint64_t v)
{
	serial_puts("0x");
	for (int s = 60; s >= 0; s -= 4)
		serial_putc("0123456789abcdef"[(v >> s) & 0xf]);
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
