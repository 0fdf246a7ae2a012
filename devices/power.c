/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "../base/machine.h"
#include "device.h"
#include "power.h"

/* One byte of the pair: SLEEP_CONTROL_REG at 0, SLEEP_STATUS_REG at 1. */
static void power_sleep_byte(struct power *p, uint64_t offset, uint8_t *b, bool is_write)
{
	if (!is_write) { /* the control register reads 0 */
		*b = offset == 1 ? p->sleep_status : 0;
		return;
	}
	if (offset == 1) { /* status: write 1 to clear */
		p->sleep_status &= ~*b;
		return;
	}
	log_debug("power: sleep control <- 0x%x", *b);
	if (!(*b & POWER_SLP_EN))
		return;
	if (POWER_SLP_TYP(*b) == PM_S5_TYPE)
		p->event(p->ctx, POWER_OFF);
	else /* S1-S4 are not offered in the DSDT: a guest asking is confused */
		log_guest("power: sleep type %d not supported", POWER_SLP_TYP(*b));
}

/*
 * The FADT describes both registers as 8 bits wide (ACPI 6.5, 4.8.3.7), but nothing stops
 * a guest's outw to the control port: the bus hands it over as one 2-byte access, whose
 * high byte is the status register's. Each byte goes to its own register, so the status
 * is read where the guest reads it and cleared by the byte written to it.
 */
void power_sleep_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	uint8_t *b = data;

	for (uint32_t i = 0; i < len; i++)
		power_sleep_byte(opaque, offset + i, &b[i], is_write);
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
