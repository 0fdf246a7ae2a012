/* SPDX-License-Identifier: MIT */
/*
 * The HW-reduced ACPI power registers named in the FADT: SLEEP_CONTROL_REG
 * (writing SLP_EN with \_S5's SLP_TYP powers off), SLEEP_STATUS_REG, and
 * RESET_REG (writing RESET_VALUE resets). This is how a stock Linux guest's
 * `poweroff` and `reboot` reach us.
 */
#ifndef DEVICES_POWER_H
#define DEVICES_POWER_H

#include <stdbool.h>
#include <stdint.h>

enum power_event { POWER_OFF, POWER_RESET };

struct power {
	void (*event)(void *ctx, enum power_event ev);
	void *ctx;
	uint8_t sleep_status;
};

#define POWER_SLP_EN	 0x20
#define POWER_SLP_TYP(v) (((v) >> 2) & 7)
#define POWER_WAK_STS	 0x80

/* Bus handlers: sleep registers (2 ports: control, status) and the reset register (1 port). */
void power_sleep_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
void power_reset_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);

/* The device (devices/device.h): the registers at the machine's pm_sleep_ctl and pm_reset. */
struct device_ops;
extern const struct device_ops power_device;

#endif
