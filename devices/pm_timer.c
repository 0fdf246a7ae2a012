/* SPDX-License-Identifier: MIT */
/*
 * The ACPI power-management timer (ACPI 6.4, 4.8.3.3): a free-running 24-bit counter at
 * 3.579545 MHz in the I/O port the FADT names (PM_TMR_BLK), read-only. Linux calibrates the
 * TSC and the LAPIC timer against it where the PIT will not do (with no-kvmclock under
 * nested virtualisation each PIT access is an exit too slow for pit_calibrate_tsc), and can
 * run on it as its clocksource (acpi_pm). It counts from the host's CLOCK_MONOTONIC, so it
 * keeps the host's time whatever the guest's exits cost; every read is one exit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/machine.h"
#include "device.h"
#include "pm_timer.h"

#define PM_TIMER_MASK 0xffffff /* 24 bits */

struct pm_timer {
	uint64_t t0_ns; /* the counter's zero */
};

static uint64_t pm_timer_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

uint32_t pm_timer_count(uint64_t ns)
{
	/* 128 bits: ns * 3579545 overflows 64 after 59 days */
	return (uint32_t)((unsigned __int128)ns * PM_TIMER_HZ / 1000000000u) & PM_TIMER_MASK;
}

static void pm_timer_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct pm_timer *t = opaque;
	uint32_t v;

	if (is_write) /* read-only: a write does nothing */
		return;
	v = pm_timer_count(pm_timer_now_ns() - t->t0_ns);
	memset(data, 0, len);
	/* byte `offset` of the 32-bit register and on; bits 24-31 read zero */
	for (uint32_t i = 0; i < len && offset + i < PM_TIMER_LEN; i++)
		((uint8_t *)data)[i] = (uint8_t)(v >> (8 * (offset + i)));
}

static int pm_timer_count_devs(const struct device_host *h)
{
	(void)h;
	return 1;
}

static void pm_timer_reset(void *dev)
{
	struct pm_timer *t = dev;

	t->t0_ns = pm_timer_now_ns(); /* a reset clears TMR_VAL */
}

static int pm_timer_create(const struct device_host *h, int i, void **dev)
{
	struct pm_timer *t = calloc(1, sizeof(*t));
	int err;

	(void)i;
	if (!t)
		return -ENOMEM;
	pm_timer_reset(t);
	if ((err = device_claim(h, BUS_PIO, PM_TIMER_PORT, PM_TIMER_LEN, pm_timer_io, t,
				"pm-timer"))) {
		free(t);
		return err;
	}
	*dev = t;
	return 0;
}

const struct device_ops pm_timer_device = {
    .name = "pm-timer",
    .count = pm_timer_count_devs,
    .create = pm_timer_create,
    .reset = pm_timer_reset,
    .destroy = free,
};
