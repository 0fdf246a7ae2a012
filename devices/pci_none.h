/* SPDX-License-Identifier: MIT */
/* PCI configuration ports that answer "no device": see pci_none.c. */
#ifndef DEVICES_PCI_NONE_H
#define DEVICES_PCI_NONE_H

struct device_ops;

extern const struct device_ops pci_none_device;

#endif
