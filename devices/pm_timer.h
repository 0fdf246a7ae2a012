/* SPDX-License-Identifier: MIT */
/* The ACPI PM timer at PM_TIMER_PORT: see pm_timer.c. */
#ifndef DEVICES_PM_TIMER_H
#define DEVICES_PM_TIMER_H

#include <stdint.h>

struct device_ops;

extern const struct device_ops pm_timer_device;
/* The counter's value ns after its zero: 3.579545 MHz, 24 bits. */
uint32_t pm_timer_count(uint64_t ns);

#endif
