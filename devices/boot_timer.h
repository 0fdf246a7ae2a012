/* SPDX-License-Identifier: MIT */
/* The boot timer: Firecracker's MMIO byte and Cloud Hypervisor's port 0x80 (boot_timer.c). */
#ifndef DEVICES_BOOT_TIMER_H
#define DEVICES_BOOT_TIMER_H

struct device_ops;

extern const struct device_ops boot_timer_device;

#endif
