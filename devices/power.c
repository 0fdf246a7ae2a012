/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "../base/log.h"
#include "../base/machine.h"
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
