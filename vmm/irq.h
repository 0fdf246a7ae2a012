/* SPDX-License-Identifier: MIT */
/*
 * One interrupt line from a device model into KVM's in-kernel irqchip: the
 * one thing a device's set_irq callback is given, and the line's history
 * for a person asking why a guest waits.
 *
 * A device reports its level and says, when it takes the line, whether its
 * pin is edge- or level-triggered (what ACPI and the device tree declare for
 * it). The trigger picks the back-end:
 *
 * - edge (the ISA UARTs): KVM_IRQ_LINE, synchronous, from whichever thread
 *   changes the level; the pin interrupts on each rise.
 * - level (virtio-mmio, MACHINE_VIRTIO_IRQ_LEVEL): an irqfd in resample mode
 *   (KVM's api.rst, KVM_IRQFD). A rise is one write to the irqfd, which
 *   asserts the GSI inside KVM; a fall costs nothing, because KVM itself
 *   de-asserts the GSI at the guest's EOI and signals the resamplefd, and
 *   the main loop then asserts it again if the device still wants service
 *   (irq_line_resample). So the driver's InterruptACK exit makes no syscall
 *   and a completion from an I/O thread makes one write. The price: a line
 *   the device lowers without an EOI (a reset while the guest had the pin
 *   masked) stays asserted until that EOI, one spurious interrupt the guest
 *   finds nothing in, as a shared level line allows. Where KVM lacks
 *   KVM_CAP_IRQFD_RESAMPLE, a level line falls back to KVM_IRQ_LINE.
 *
 * raised and lowered count the device's level changes: a line raised one
 * more time than it was lowered is asserted now, and on a virtio device a
 * lower is the driver's InterruptACK, so the pair says whether the guest
 * answered the last interrupt.
 */
#ifndef VMM_IRQ_H
#define VMM_IRQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm;
struct kvm_ioapic_state;

struct irq_line {
	struct kvm *kvm;
	uint32_t gsi;
	bool level_triggered;
	int irqfd, resamplefd; /* -1 on the KVM_IRQ_LINE back-end */
	atomic_int level;      /* what the device last said */
	char name[16];	       /* the device's, for the dump */
	atomic_ulong raised, lowered, resampled;
};

/* A level line whose irqfd cannot be had says so and uses KVM_IRQ_LINE. */
void irq_line_init(struct irq_line *l, struct kvm *kvm, uint32_t gsi, bool level_triggered,
		   const char *name);
/* Takes the irqfd out of KVM while the VM lives, then closes its eventfds. */
void irq_line_release(struct irq_line *l);
/* A reboot makes KVM's VM afresh: the irqfd leaves the old one and joins the new one. */
void irq_line_detach(struct irq_line *l);
int irq_line_attach(struct irq_line *l);
/* The device callback: ctx is the struct irq_line. */
void irq_line_set(void *ctx, int level);
/* The resamplefd the main loop polls, or -1. */
int irq_line_resample_fd(const struct irq_line *l);
/* Its resamplefd fired (the guest's EOI): assert again if the device still wants it. */
void irq_line_resample(struct irq_line *l);
/*
 * "gsi 16: raised 5 lowered 4, asserted; level, irqfd resampled 4; ioapic: vector 0x22 ..."
 * into buf: our history of the line and, with io (KVM_GET_IRQCHIP), its IOAPIC pin as the
 * guest programmed it and as KVM holds it (remote IRR, a masked pin, the pending bit).
 */
void irq_line_describe(const struct irq_line *l, const struct kvm_ioapic_state *io, char *buf,
		       unsigned long len);

#endif
