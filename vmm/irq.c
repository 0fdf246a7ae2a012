/* SPDX-License-Identifier: MIT */
/* Interrupt lines into KVM's irqchip: see irq.h. */
#include <stdio.h>
#include <string.h>

#include "irq.h"
#include "kvm.h"
#include "../base/log.h"

void irq_line_init(struct irq_line *l, struct kvm *kvm, uint32_t gsi, const char *name)
{
	l->kvm = kvm;
	l->gsi = gsi;
	snprintf(l->name, sizeof(l->name), "%s", name);
	atomic_init(&l->raised, 0);
	atomic_init(&l->lowered, 0);
}

void irq_line_set(void *ctx, int level)
{
	struct irq_line *l = ctx;
	int err;

	atomic_fetch_add_explicit(level ? &l->raised : &l->lowered, 1, memory_order_relaxed);
	if ((err = kvm_irq_line(l->kvm, l->gsi, level)))
		log_guest("irq gsi %u: KVM_IRQ_LINE: %s", l->gsi, strerror(-err));
}

void irq_line_describe(const struct irq_line *l, const struct kvm_ioapic_state *io, char *buf,
		       unsigned long len)
{
	unsigned long up = atomic_load(&l->raised), down = atomic_load(&l->lowered);
	int n = snprintf(buf, len, "gsi %u: raised %lu lowered %lu%s", l->gsi, up, down,
			 up > down ? ", asserted" : "");

	if (io && l->gsi < KVM_IOAPIC_NUM_PINS && n > 0 && (unsigned long)n < len) {
		const typeof(io->redirtbl[0].fields) *f = &io->redirtbl[l->gsi].fields;

		snprintf(buf + n, len - n,
			 "; ioapic: vector %#x %s%s dest %#x%s remote_irr %u mask %u irr %u",
			 f->vector, f->trig_mode ? "level" : "edge", f->polarity ? " low" : "",
			 f->dest_id, f->dest_mode ? " logical" : "", f->remote_irr, f->mask,
			 (io->irr >> l->gsi) & 1);
	}
}
