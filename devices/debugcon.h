/* SPDX-License-Identifier: MIT */
/* The Bochs/QEMU debug console at port 0xe9: see debugcon.c. */
#ifndef DEVICES_DEBUGCON_H
#define DEVICES_DEBUGCON_H

struct device_ops;

extern const struct device_ops debugcon_device;

#endif
