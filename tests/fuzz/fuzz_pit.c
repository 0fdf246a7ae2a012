/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a guest at the 8254's four ports and port 0x61
 * (fuzz_guest.h), the monotonic clock starting anywhere below 2^62 ns. Host steps are the
 * timer thread waking (pit_tick). What must hold whatever the guest programs: IRQ 0 never
 * comes sooner than PIT_MIN_PERIOD_NS after the last one (pit_next_irq), so a count of 1
 * cannot make the thread spin, and the count read back is in 0..0x10000.
 */
#include <stdlib.h>

#include "base/machine.h"
#include "devices/pit.h"
#include "fuzz_guest.h"

static void pit_fuzz_host(void *opaque, uint32_t value)
{
	struct pit *p = opaque;
	uint64_t next;

	(void)value;
	pit_tick(p);
	next = pit_next_irq(p);
	fuzz_check(next == UINT64_MAX || !p->irq_last || next >= p->irq_last + PIT_MIN_PERIOD_NS);
	for (int ch = 0; ch < PIT_CHANNELS; ch++)
		fuzz_check(pit_count(p, ch) <= 0x10000);
}

static void pit_fuzz_reset(void *opaque)
{
	pit_reset(opaque);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest g;
	struct pit p;
	/* 0x40..0x63: the counters, the control word, and port 0x61 with its neighbours */
	struct fuzz_dev d = {.space = BUS_PIO,
			     .base = PIT_PORT,
			     .window = 0x24,
			     .opaque = &p,
			     .reset = pit_fuzz_reset,
			     .host = pit_fuzz_host};

	if (fuzz_guest_init(&g, data, size, 4096, INT64_C(1) << 62))
		return 0;
	fuzz_check(!pit_init(&p, fuzz_guest_clock_u64, &g, fuzz_guest_set_irq, &g));
	fuzz_check(!bus_register(&g.bus, BUS_PIO, PIT_PORT, PIT_NR_PORTS, pit_io, &p, "pit"));
	fuzz_check(!bus_register(&g.bus, BUS_PIO, PIT_PORT_61, 1, pit_port61_io, &p, "port61"));
	fuzz_guest_run(&g, &d);
	pit_fini(&p);
	fuzz_guest_fini(&g);
	return 0;
}
