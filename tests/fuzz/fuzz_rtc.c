/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a guest at the CMOS RTC's index and data ports
 * (fuzz_guest.h), and the host clock, which starts anywhere from 1970 to 2200 (header) and
 * moves on by up to 4.3 s a step. Host steps are the timer thread waking (rtc_tick). UBSan
 * checks the calendar and the nanosecond arithmetic whatever date the guest writes; what
 * must hold: once a tick has raised what fell due, the next event (if any) is later than
 * now, or the timer thread would spin.
 */
#include <stdlib.h>

#include "base/machine.h"
#include "devices/rtc.h"
#include "fuzz_guest.h"

#define NS	 1000000000LL
#define RTC_2200 (7258118400LL * NS) /* 2200-01-01T00:00:00Z: the header's latest clock */

struct rtc_fuzz {
	struct rtc *r;
	struct fuzz_guest *g;
};

static void rtc_fuzz_host(void *opaque, uint32_t value)
{
	struct rtc_fuzz *f = opaque;
	int64_t next;

	(void)value;
	rtc_tick(f->r);
	next = rtc_next_event(f->r);
	fuzz_check(next == RTC_NO_EVENT || next > f->g->clock_ns);
}

static void rtc_fuzz_reset(void *opaque)
{
	rtc_reset(((struct rtc_fuzz *)opaque)->r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest g;
	struct rtc_fuzz f = {.g = &g};
	struct fuzz_dev d = {.space = BUS_PIO,
			     .base = RTC_PORT,
			     .window = 8,
			     .opaque = &f,
			     .reset = rtc_fuzz_reset,
			     .host = rtc_fuzz_host};

	if (fuzz_guest_init(&g, data, size, 4096, RTC_2200))
		return 0;
	f.r = rtc_create(0, NULL, fuzz_guest_clock, &g, fuzz_guest_set_irq, &g);
	fuzz_check(f.r != NULL);
	fuzz_check(!bus_register(&g.bus, BUS_PIO, RTC_PORT, RTC_NR_PORTS, rtc_io, f.r, "rtc"));
	fuzz_guest_run(&g, &d);
	rtc_destroy(f.r);
	fuzz_guest_fini(&g);
	return 0;
}
