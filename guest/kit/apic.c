/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (SDM vol. 3, chapter 11) and the IOAPIC (Intel 82093AA datasheet), through
 * their MMIO windows where the MADT puts them (base/layout.h). Each CPU sees its own LAPIC
 * at the same address, so every lapic_ function acts on the calling CPU's.
 */
#include "../../base/layout.h"
#include "kit.h"

#define LAPIC_SVR_ENABLE (1u << 8)  /* SDM 11.9, figure 11-23 */
#define LVT_MASKED	 (1u << 16) /* SDM 11.5.1, figure 11-8 */
#define LVT_PERIODIC	 (1u << 17)
#define ICR_PENDING	 (1u << 12) /* delivery status: send pending (SDM 11.6.1) */
#define ICR_ASSERT	 (1u << 14)
#define ICR_WAIT_SPINS	 100000 /* KVM delivers at once; real APICs take a few bus cycles */

#define IOAPIC_REGSEL 0x00 /* 82093AA 3.1: index, then the window at +0x10 */
#define IOAPIC_WIN    0x10
#define IOAPIC_REDTBL 0x10 /* pin n: low dword 0x10 + 2n, high dword (destination) 0x11 + 2n */
#define IOAPIC_LEVEL  (1u << 15)
#define IOAPIC_MASKED (1u << 16)

static volatile uint32_t *lapic_reg(uint32_t reg)
{
	return (volatile uint32_t *)(uintptr_t)(LAYOUT_LAPIC + reg);
}

uint32_t lapic_read(uint32_t reg)
{
	return *lapic_reg(reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
	*lapic_reg(reg) = v;
}

uint8_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24; /* SDM 11.4.6: the xAPIC ID in bits 31:24 */
}

/* Software-enabled (SVR bit 8), spurious interrupts to vector 0xff, every priority taken. */
void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
	lapic_write(LAPIC_TPR, 0);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * The divide configuration register's encoding of 1, 2, 4, ... 128 (SDM 11.5.4, figure
 * 11-10): bits 0, 1 and 3, where 0b111 is 1 and 0b000 is 2.
 */
static uint32_t lapic_divide_bits(unsigned divide)
{
	unsigned log = 0;

	while (log < 7 && (1u << log) < divide)
		log++;
	log = (log + 7) % 8; /* 1 -> 7, 2 -> 0, ..., 128 -> 6 */
	return (log & 3) | (log & 4) << 1;
}

void lapic_timer_start(uint8_t vec, uint32_t count, unsigned divide, int periodic)
{
	lapic_write(LAPIC_TIMER_DIV, lapic_divide_bits(divide));
	lapic_write(LAPIC_LVT_TIMER, vec | (periodic ? LVT_PERIODIC : 0));
	lapic_write(LAPIC_TIMER_INIT, count); /* the write starts the count (SDM 11.5.4) */
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/*
 * One IPI: the destination in ICR's high dword, then the low dword, whose write sends it
 * (SDM 11.6.1); then the delivery status until the APIC took it.
 */
int lapic_ipi(uint8_t dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR_HI, (uint32_t)dest << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	for (int i = 0; i < ICR_WAIT_SPINS; i++)
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING))
			return 0;
	return -KIT_ETIMEDOUT;
}

int lapic_send_fixed(uint8_t dest, uint8_t vec)
{
	return lapic_ipi(dest, ICR_FIXED | ICR_ASSERT | vec);
}

/* INIT, level assert: P6 and later need no de-assert (SDM 8.4.4.1, 11.6.1). */
int lapic_send_init(uint8_t dest)
{
	return lapic_ipi(dest, ICR_INIT | ICR_ASSERT);
}

/* STARTUP: the AP starts in real mode at page:0000, page << 12 (SDM 8.4.4.1, 11.6.1). */
int lapic_send_startup(uint8_t dest, uint8_t page)
{
	return lapic_ipi(dest, ICR_STARTUP | ICR_ASSERT | page);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAYOUT_IOAPIC + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(uintptr_t)(LAYOUT_IOAPIC + IOAPIC_WIN) = v;
}

/*
 * Pin to vec on the LAPIC with ID dest: fixed delivery, physical destination, active high,
 * unmasked (82093AA 3.2.4). The destination first, so the pin never fires at the old one.
 */
void ioapic_route(int pin, uint8_t vec, int level, uint8_t dest)
{
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, (uint32_t)dest << 24);
	ioapic_write(IOAPIC_REDTBL + 2 * pin, vec | (level ? IOAPIC_LEVEL : 0));
}

void ioapic_mask(int pin)
{
	ioapic_write(IOAPIC_REDTBL + 2 * pin, IOAPIC_MASKED);
}
