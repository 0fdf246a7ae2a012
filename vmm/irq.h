/* SPDX-License-Identifier: MIT */
/*
 * One interrupt line from a device model into KVM's in-kernel irqchip: the
 * one thing a device's set_irq callback is given, and the line's history
 * for a person asking why a guest waits.
 *
 * A device reports its level; KVM_IRQ_LINE passes it on, and the pin as
 * the guest programmed it decides the rest: an edge-triggered pin (the ISA
 * UARTs) interrupts on each rise, a level-triggered one (virtio-mmio, see
 * MACHINE_VIRTIO_IRQ_LEVEL) interrupts while the line is high and again
 * after each EOI that finds it still high. The ioctl is synchronous, from
 * whichever thread changes the level (a vCPU thread for a register write,
 * a device's I/O thread for a completion); the device serialises them.
 *
 * raised and lowered count the device's level changes: a line raised one
 * more time than it was lowered is asserted now, and on a virtio device a
 * lower is the driver's InterruptACK, so the pair says whether the guest
 * answered the last interrupt.
 */
#ifndef VMM_IRQ_H
#define VMM_IRQ_H

#include <stdatomic.h>
#include <stdint.h>

struct kvm;
struct kvm_ioapic_state;

struct irq_line {
	struct kvm *kvm;
	uint32_t gsi;
	char name[16]; /* the device's, for the dump */
	atomic_ulong raised, lowered;
};

void irq_line_init(struct irq_line *l, struct kvm *kvm, uint32_t gsi, const char *name);
/* The device callback: ctx is the struct irq_line. */
void irq_line_set(void *ctx, int level);
/*
 * "gsi 16: raised 5 lowered 4, asserted; ioapic: vector 0x22 level ..." into buf: our
 * history of the line and, with io (KVM_GET_IRQCHIP), its IOAPIC pin as the guest
 * programmed it and as KVM holds it (remote IRR, a masked pin, the pending bit).
 */
void irq_line_describe(const struct irq_line *l, const struct kvm_ioapic_state *io, char *buf,
		       unsigned long len);

#endif
