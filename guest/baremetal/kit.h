/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal guest kit: port I/O, the COM1 UART, the start_info the VMM
 * passes, and the ACPI power registers to end a run.
 */
#ifndef GUEST_KIT_H
#define GUEST_KIT_H

#include <stdint.h>

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/*
 * Interrupts through the two 8259s (KVM's in-kernel PIC, QEMU's i8259), which the VMM's
 * LINT0 passes on as ExtINT: IRQ n is vector 0x20 + n. Exceptions have no handler, so one
 * still ends in a triple fault.
 */
typedef void (*irq_fn)(int irq);
void irq_init(void);		     /* both PICs remapped and masked, the IDT loaded */
void irq_handle(int irq, irq_fn fn); /* fn runs for irq, then the EOI; irq unmasked */
uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t v);

void guest_main(struct hvm_start_info *si);
void guest_poweroff(void);
void guest_reset(void);
void serial_putc(char c);
void serial_puts(const char *s);
void serial_putu(uint32_t v);
void serial_puthex(uint64_t v);
int serial_getc(void); /* blocks */
const char *cmdline_arg(const struct hvm_start_info *si, const char *key);
uint64_t parse_u64(const char *s);

#endif
