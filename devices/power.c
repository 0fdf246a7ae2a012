/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "../base/machine.h"
#include "device.h"
#include "power.h"

void power_sleep_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct power *p = opaque;
	uint8_t v;

	if (!is_write) { /* data holds nothing yet: it is ours to fill */
		memset(data, 0, len);
		if (offset == 1)
			*(uint8_t *)data = p->sleep_status;
		return;
	}
	v = *(uint8_t *)data;
	if (offset == 1) { /* status: write 1 to clear */
		p->sleep_status &= ~v;
		return;
	}
	log_debug("power: sleep control <- 0x%x", v);
	if (!(v & POWER_SLP_EN))
		return;
	if (POWER_SLP_TYP(v) == PM_S5_TYPE)
		p->event(p->ctx, POWER_OFF);
	else /* S1-S4 are not offered in the DSDT: a guest asking is confused */
		log_guest("power: sleep type %d not supported", POWER_SLP_TYP(v));
}

void power_reset_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct power *p = opaque;

	(void)offset;
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	log_debug("power: reset register <- 0x%x", *(uint8_t *)data);
	if (*(uint8_t *)data == PM_RESET_VALUE)
		p->event(p->ctx, POWER_RESET);
}

/* --- the device: the one set of power registers the FADT points at ------------------------- */

struct power_dev {
	struct power p;
	const struct device_host *h;
};

static void power_dev_event(void *ctx, enum power_event ev)
{
	struct power_dev *d = ctx;

	d->h->power(d->h->vmm, ev == POWER_RESET);
}

static int power_dev_count(const struct device_host *h)
{
	(void)h;
	return 1;
}

static void power_dev_reset(void *dev)
{
	struct power_dev *d = dev;

	d->p.sleep_status = 0;
}

static void power_dev_destroy(void *dev)
{
	free(dev);
}

static int power_dev_create(const struct device_host *h, int i, void **dev)
{
	const struct machine_desc *m = h->mach;
	struct power_dev *d = calloc(1, sizeof(*d));
	int err;

	(void)i;
	if (!d)
		return -ENOMEM;
	d->h = h;
	d->p = (struct power){.event = power_dev_event, .ctx = d};
	if ((err = device_claim(h, BUS_PIO, m->pm_sleep_ctl, 2, power_sleep_io, &d->p,
				"acpi-sleep")) ||
	    (err = device_claim(h, BUS_PIO, m->pm_reset, 1, power_reset_io, &d->p, "acpi-reset"))) {
		free(d);
		return err;
	}
	*dev = d;
	return 0;
}

const struct device_ops power_device = {
    .name = "acpi-power",
    .count = power_dev_count,
    .create = power_dev_create,
    .reset = power_dev_reset,
    .destroy = power_dev_destroy,
};
