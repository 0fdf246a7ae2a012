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

#define PIC1	     0x20
#define PIC2	     0xa0
#define ICW1_INIT    0x11 /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086    0x01
#define PIC_EOI	     0x20
#define IRQ_VECTOR   0x20
#define NR_IRQS	     16
#define IDT_GATE_INT 0x8e /* present, DPL 0, 32-bit interrupt gate */

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

extern char irq_stubs[]; /* start.S: 16 stubs, 8 bytes apart */
static struct idt_gate idt[IRQ_VECTOR + NR_IRQS];
static irq_fn irq_fns[NR_IRQS];

void kit_irq(int irq); /* called from start.S */

void kit_irq(int irq)
{
	if (irq_fns[irq])
		irq_fns[irq](irq);
	if (irq >= 8)
		outb(PIC2, PIC_EOI);
	outb(PIC1, PIC_EOI);
}

void irq_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (int i = 0; i < NR_IRQS; i++) {
		uint32_t stub = (uint32_t)(uintptr_t)(irq_stubs + 8 * i);

		idt[IRQ_VECTOR + i] =
		    (struct idt_gate){(uint16_t)stub, cs, 0, IDT_GATE_INT, (uint16_t)(stub >> 16)};
	}
	outb(PIC1, ICW1_INIT);
	outb(PIC2, ICW1_INIT);
	outb(PIC1 + 1, IRQ_VECTOR); /* ICW2: vector base */
	outb(PIC2 + 1, IRQ_VECTOR + 8);
	outb(PIC1 + 1, 1 << 2); /* ICW3: the slave on IRQ 2 */
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, ICW4_8086);
	outb(PIC2 + 1, ICW4_8086);
	outb(PIC1 + 1, 0xff); /* OCW1: all masked */
	outb(PIC2 + 1, 0xff);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void irq_handle(int irq, irq_fn fn)
{
	irq_fns[irq] = fn;
	if (irq >= 8) {
		outb(PIC2 + 1, inb(PIC2 + 1) & ~(1 << (irq - 8)));
		irq = 2; /* the cascade */
	}
	outb(PIC1 + 1, inb(PIC1 + 1) & ~(1 << irq));
}

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
