/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a guest at the ACPI power registers the FADT names
 * (SLEEP_CONTROL_REG, SLEEP_STATUS_REG, RESET_REG; fuzz_guest.h), any width the CPU makes.
 * What must hold: the VMM is asked to power off only by a write of SLP_EN with \_S5's
 * SLP_TYP to the control register, and to reset only by RESET_VALUE written to RESET_REG
 * (ACPI 6.5, 4.8.3.7 and 4.8.3.6); every access is checked against what it wrote.
 */
#include <stdlib.h>
#include <string.h>

#include "base/le.h"
#include "base/machine.h"
#include "devices/power.h"
#include "fuzz_guest.h"

struct power_fuzz {
	struct power p;
	int offs, resets;
};

static void power_fuzz_event(void *ctx, enum power_event ev)
{
	struct power_fuzz *f = ctx;

	if (ev == POWER_OFF)
		f->offs++;
	else
		f->resets++;
}

/* The sleep registers, through the model, with what each access must do worked out here. */
static void power_fuzz_sleep_io(void *opaque, uint64_t offset, void *data, uint32_t len,
				bool is_write)
{
	struct power_fuzz *f = opaque;
	uint8_t ctl = offset == 0 ? *(uint8_t *)data : 0, status = f->p.sleep_status;
	int offs = f->offs;

	power_sleep_io(&f->p, offset, data, len, is_write);
	if (!is_write) {
		/* the control register reads 0, the status register what is set */
		for (uint32_t i = 0; i < len; i++)
			fuzz_check(((uint8_t *)data)[i] == (offset + i == 1 ? status : 0));
		return;
	}
	fuzz_check(f->offs == offs + (offset == 0 && (ctl & POWER_SLP_EN) &&
				      POWER_SLP_TYP(ctl) == PM_S5_TYPE));
	/* a byte written to the status register clears the bits set in it, whatever the width */
	if (offset + len > 1)
		status &= ~((uint8_t *)data)[1 - offset];
	fuzz_check(f->p.sleep_status == status);
}

static void power_fuzz_reset_io(void *opaque, uint64_t offset, void *data, uint32_t len,
				bool is_write)
{
	struct power_fuzz *f = opaque;
	int resets = f->resets;

	power_reset_io(&f->p, offset, data, len, is_write);
	if (!is_write) {
		for (uint32_t i = 0; i < len; i++)
			fuzz_check(((uint8_t *)data)[i] == 0);
		return;
	}
	fuzz_check(f->resets == resets + (*(uint8_t *)data == PM_RESET_VALUE));
}

static void power_fuzz_host(void *opaque, uint32_t value)
{
	/* the wake status a resume would set: what the guest's write-1-to-clear must clear */
	((struct power_fuzz *)opaque)->p.sleep_status = (uint8_t)value & POWER_WAK_STS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest g;
	struct power_fuzz f = {.p = {.event = power_fuzz_event, .ctx = &f}};
	struct fuzz_dev d = {.space = BUS_PIO,
			     .base = PM_SLEEP_CTL_PORT,
			     .window = 8,
			     .opaque = &f,
			     .host = power_fuzz_host};

	if (fuzz_guest_init(&g, data, size, 4096, 0))
		return 0;
	fuzz_check(!bus_register(&g.bus, BUS_PIO, PM_SLEEP_CTL_PORT, 2, power_fuzz_sleep_io, &f,
				 "acpi-sleep"));
	fuzz_check(!bus_register(&g.bus, BUS_PIO, PM_RESET_PORT, 1, power_fuzz_reset_io, &f,
				 "acpi-reset"));
	fuzz_guest_run(&g, &d);
	fuzz_guest_fini(&g);
	return 0;
}
