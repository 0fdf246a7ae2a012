/* SPDX-License-Identifier: MIT */
/* Interrupt lines into KVM's irqchip: see irq.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "irq.h"
#include "kvm.h"
#include "../base/log.h"
#include "../base/trace.h"

/* A level line on an irqfd in resample mode, or -errno (the caller falls back). */
static int irq_line_bind(struct irq_line *l)
{
	l->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->resamplefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->irqfd < 0 || l->resamplefd < 0)
		return -errno;
	return kvm_irqfd(l->kvm, l->gsi, l->irqfd, l->resamplefd, true);
}

static void irq_line_close(struct irq_line *l)
{
	if (l->irqfd >= 0)
		close(l->irqfd);
	if (l->resamplefd >= 0)
		close(l->resamplefd);
	l->irqfd = l->resamplefd = -1;
}

void irq_line_init(struct irq_line *l, struct kvm *kvm, uint32_t gsi, bool level_triggered,
		   const char *name)
{
	int err;

	*l = (struct irq_line){.kvm = kvm,
			       .gsi = gsi,
			       .level_triggered = level_triggered,
			       .irqfd = -1,
			       .resamplefd = -1};
	snprintf(l->name, sizeof(l->name), "%s", name);
	if (level_triggered && kvm->irqfd_resample && (err = irq_line_bind(l))) {
		log_msg("%s: irqfd on gsi %u: %s; using KVM_IRQ_LINE", name, gsi, strerror(-err));
		irq_line_close(l);
	}
}

void irq_line_detach(struct irq_line *l)
{
	if (l->irqfd >= 0 && l->kvm->vm_fd >= 0)
		kvm_irqfd(l->kvm, l->gsi, l->irqfd, -1, false);
}

int irq_line_attach(struct irq_line *l)
{
	uint64_t n;

	if (l->irqfd < 0)
		return 0;
	/* The old VM's last EOI and the old boot's last rise mean nothing to the new one. */
	if (read(l->resamplefd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	if (read(l->irqfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	return kvm_irqfd(l->kvm, l->gsi, l->irqfd, l->resamplefd, true);
}

void irq_line_release(struct irq_line *l)
{
	irq_line_detach(l);
	irq_line_close(l);
}

static void irq_line_assert(struct irq_line *l)
{
	uint64_t one = 1;

	if (write(l->irqfd, &one, sizeof(one)) != sizeof(one))
		log_guest("irq gsi %u: irqfd: %s", l->gsi, strerror(errno));
}

/* --trace: what the line did, and through which mechanism. */
static void irq_trace(const struct irq_line *l, const char *op, const char *via)
{
	trace_emit(&(struct trace_event){.cat = TRACE_IRQ,
					 .op = op,
					 .has_addr = true,
					 .addr = l->gsi,
					 .dev = l->name,
					 .trig = l->level_triggered ? "level" : "edge",
					 .via = via,
					 .ns = -1});
}

void irq_line_set(void *ctx, int level)
{
	struct irq_line *l = ctx;
	int err;

	atomic_fetch_add_explicit(level ? &l->raised : &l->lowered, 1, memory_order_relaxed);
	if (trace_wants(TRACE_IRQ)) /* a fall on an irqfd is KVM's, at the EOI: no call */
		irq_trace(l, level ? "raise" : "lower",
			  l->irqfd < 0 ? "KVM_IRQ_LINE"
			  : level      ? "irqfd"
				       : "none");
	if (l->irqfd < 0) {
		if ((err = kvm_irq_line(l->kvm, l->gsi, level)))
			log_guest("irq gsi %u: KVM_IRQ_LINE: %s", l->gsi, strerror(-err));
		return;
	}
	/* Published before the write, so a resample that follows sees it (irq_line_resample). */
	atomic_store(&l->level, level);
	if (level) /* a fall is KVM's to make, at the EOI */
		irq_line_assert(l);
}

int irq_line_resample_fd(const struct irq_line *l)
{
	return l->resamplefd;
}

/*
 * KVM de-asserted the GSI at an EOI before telling us, so a device that raised its line
 * again in between (a completion after the driver's InterruptACK) has either asserted it
 * after that (its own write) or is seen here as still high: no interrupt is lost.
 */
void irq_line_resample(struct irq_line *l)
{
	uint64_t n;

	if (read(l->resamplefd, &n, sizeof(n)) != sizeof(n))
		return;
	atomic_fetch_add_explicit(&l->resampled, 1, memory_order_relaxed);
	if (trace_wants(TRACE_IRQ))
		irq_trace(l, "eoi", "resamplefd");
	if (atomic_load(&l->level)) {
		if (trace_wants(TRACE_IRQ))
			irq_trace(l, "raise", "irqfd");
		irq_line_assert(l);
	}
}

void irq_line_describe(const struct irq_line *l, const struct kvm_ioapic_state *io, char *buf,
		       unsigned long len)
{
	unsigned long up = atomic_load(&l->raised), down = atomic_load(&l->lowered);
	int n = snprintf(buf, len, "gsi %u: raised %lu lowered %lu%s; %s, %s", l->gsi, up, down,
			 up > down ? ", asserted" : "", l->level_triggered ? "level" : "edge",
			 l->irqfd >= 0 ? "irqfd" : "KVM_IRQ_LINE");

	if (l->irqfd >= 0 && n > 0 && (unsigned long)n < len)
		n += snprintf(buf + n, len - n, " resampled %lu", atomic_load(&l->resampled));
	if (io && l->gsi < KVM_IOAPIC_NUM_PINS && n > 0 && (unsigned long)n < len) {
		const typeof(io->redirtbl[0].fields) *f = &io->redirtbl[l->gsi].fields;

		snprintf(buf + n, len - n,
			 "; ioapic: vector %#x %s%s dest %#x%s remote_irr %u mask %u irr %u",
			 f->vector, f->trig_mode ? "level" : "edge", f->polarity ? " low" : "",
			 f->dest_id, f->dest_mode ? " logical" : "", f->remote_irr, f->mask,
			 (io->irr >> l->gsi) & 1);
	}
}
