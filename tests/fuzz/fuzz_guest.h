/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets' guest: a device's register window, a small guest RAM and a clock, driven
 * by an input that is a run of register accesses. One harness for every register-file
 * target (fuzz_serial, fuzz_rtc, fuzz_pit, fuzz_power, fuzz_virtio_mmio), so each target is
 * only its device's set-up and the invariants that must hold whatever the guest did.
 *
 * Input: an 8-byte header, the clock's start (le64, taken modulo the target's clock_max + 1),
 * then 8-byte steps: u8 op, u8 width, le16 offset, le32 value.
 *   op % 6  0 read, 1 write: an access of 1 << (width % 4) bytes (only the widths the CPU
 *             makes in the target's bus space) at base + offset % window, dispatched by
 *             the VMM's own bus (base/bus.c: what no device claims reads all-ones, and
 *             an access must fit in one device's range), value's low bytes written (value
 *             repeated for 8-byte writes)
 *           2 poke: value stored as le32 into guest RAM at (offset * 4) % RAM size
 *           3 time: the clock moves value ns on (up to 4.3 s)
 *           4 reset: the guest rebooted (the target's reset)
 *           5 host: the host side's step (the target's host(), given value), if any
 * Each access gets a heap buffer of exactly its width, so ASan flags a byte the device writes
 * or reads past it.
 */
#ifndef TESTS_FUZZ_FUZZ_GUEST_H
#define TESTS_FUZZ_FUZZ_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/bus.h"
#include "base/mem.h"

#define FUZZ_HDR_SIZE  8
#define FUZZ_STEP_SIZE 8

enum fuzz_op { FUZZ_READ, FUZZ_WRITE, FUZZ_POKE, FUZZ_TIME, FUZZ_RESET, FUZZ_HOST, FUZZ_NR_OPS };

/* What a target drives: its handlers are on the fuzz_guest's bus. */
struct fuzz_dev {
	enum bus_space space;
	uint64_t base, window;	     /* the guest's accesses land in [base, base + window) */
	void *opaque;		     /* the callbacks' argument */
	void (*reset)(void *opaque); /* may be NULL */
	void (*host)(void *opaque, uint32_t value); /* may be NULL */
	/* After every step: abort() if what must hold does not. May be NULL. */
	void (*check)(void *opaque);
};

struct fuzz_guest {
	struct bus bus;
	struct guest_mem gm;
	uint8_t *ram;
	uint64_t ram_size;
	int64_t clock_ns;
	int irq_level;
	unsigned long irq_changes;
	const uint8_t *steps;
	size_t nr_steps;
};

/*
 * Take the header of data (0: an input too short to use, -1) and make ram_size bytes of RAM
 * at GPA 0, zeroed, exactly sized on the heap, and an empty bus. The clock starts at header %
 * (clock_max + 1).
 */
int fuzz_guest_init(struct fuzz_guest *g, const uint8_t *data, size_t size, uint64_t ram_size,
		    int64_t clock_max);
/* Every step of the input against d. */
void fuzz_guest_run(struct fuzz_guest *g, const struct fuzz_dev *d);
void fuzz_guest_fini(struct fuzz_guest *g);

/* The clock, as the devices' injectable clocks take it (ctx: the fuzz_guest). */
int64_t fuzz_guest_clock(void *ctx);
uint64_t fuzz_guest_clock_u64(void *ctx);
/* A device_irq_fn (line: the fuzz_guest): counts level changes. */
void fuzz_guest_set_irq(void *line, int level);

/* abort() unless ok: libFuzzer reports the input. */
void fuzz_check(int ok);

#endif
