/* SPDX-License-Identifier: MIT */
/*
 * --trace: one line per event the VMM sees, for a person learning (or debugging) what a
 * guest makes the VMM do. Events are the exits that reach user space (vmm/vcpu.c), the
 * interrupts devices raise and the eventfds I/O threads consume (vmm/irq.c,
 * devices/virtio_blk.c). The line format is documented in docs/trap-and-emulate.md
 * ("Reading a trace") and is stable: scripts may parse it, or ask for JSON.
 *
 * Off (the default) costs one load and one branch where an event could be traced:
 * trace_wants() tests a global mask that is 0 unless --trace was given.
 */
#ifndef BASE_TRACE_H
#define BASE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum trace_cat {
	TRACE_IO = 1,	     /* KVM_EXIT_IO but the hypercall ports */
	TRACE_MMIO = 2,	     /* KVM_EXIT_MMIO */
	TRACE_HYPERCALL = 4, /* KVM_EXIT_IO on HC_PORT_BASE.. (base/hypercall.h) */
	TRACE_IRQ = 8,	     /* interrupt lines, irqfd/resamplefd, ioeventfd kicks */
	TRACE_SYSTEM = 16,   /* every other exit: shutdown, system events, errors */
	TRACE_ALL = 31,
};

#define TRACE_MAX_RANGES 8
#define TRACE_MAX_DEVS	 8
#define TRACE_DEV_NAME	 24

/* An address filter: events of cat (one category) with lo <= address <= hi. */
struct trace_range {
	unsigned cat;
	uint64_t lo, hi;
};

/* What --trace=SPEC asks for (trace_spec_parse). */
struct trace_spec {
	unsigned cats;	/* the categories traced */
	unsigned named; /* those the spec named itself (not implied by "all" or by none) */
	struct trace_range range[TRACE_MAX_RANGES];
	int nr_ranges;
	char dev[TRACE_MAX_DEVS][TRACE_DEV_NAME];
	int nr_devs;
};

enum trace_format { TRACE_TEXT, TRACE_JSON };

/*
 * SPEC is a comma-separated list of items: "all", a category (io, mmio, hypercall, irq,
 * system), CATEGORY:LO[-HI] (io, mmio and hypercall: ports or guest-physical addresses;
 * irq: GSIs; numbers in C notation, LO <= HI, ports up to 0xffff), or dev:NAME (a bus
 * range's or an interrupt line's name, "unclaimed" for accesses no device took). NULL or
 * "" before any item means all. 0, or -EINVAL with err set to one line naming the item.
 */
int trace_spec_parse(const char *spec, struct trace_spec *t, char *err, size_t errlen);
/*
 * Whether an event passes the spec's filters: cat is one category, addr its port, address
 * or GSI (ignored for system), dev its device ("unclaimed") or NULL when it has none. With
 * dev: filters, an event without a device passes only if its category was named.
 */
bool trace_spec_match(const struct trace_spec *t, unsigned cat, uint64_t addr, const char *dev);

/* --- the process-wide sink ----------------------------------------------------------------- */

extern unsigned trace_mask; /* the categories traced; 0: tracing off */

static inline bool trace_wants(unsigned cat)
{
	return __builtin_expect(trace_mask & cat, 0);
}

/* Tracing on: spec's events to f (stderr, or a --trace-file the caller opened). */
void trace_start(const struct trace_spec *spec, enum trace_format fmt, FILE *f);
/* Flush and close a --trace-file; tracing off. */
void trace_stop(void);
/* This thread's name in trace lines ("main", "vcpu0", "vda-io"); "tidN" unless set. */
void trace_set_thread(const char *name);

/* An event's fields, for trace_emit. Unused fields stay 0 / NULL. */
struct trace_event {
	unsigned cat;
	const char *exit; /* "KVM_EXIT_IO", or NULL for an event that is not an exit */
	const char *op;	  /* in, out, read, write, raise, lower, eoi, kick, shutdown ... */
	bool has_addr;	  /* port (io, hypercall), addr (mmio), gsi (irq) */
	uint64_t addr;
	uint32_t size, count; /* width in bytes; string I/O's repeat count */
	bool has_data;
	uint64_t data;	  /* after handling: what an IN returned */
	const char *dev;  /* the bus range or line that took it, "unclaimed", or NULL */
	const char *via;  /* irq: irqfd, KVM_IRQ_LINE, resamplefd; ioeventfd */
	const char *trig; /* irq: edge or level */
	int64_t ns;	  /* the VMM's handling time, -1 when not measured */
};

/* One line to the sink if the filters pass it; one write, so threads never interleave. */
void trace_emit(const struct trace_event *e);

#endif
