/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a HW-reduced ACPI machine: RSDP, XSDT, FADT, MADT, DSDT.
 * Pure builder: machine description in, bytes out.
 */
#ifndef FIRMWARE_ACPI_H
#define FIRMWARE_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "../base/machine.h"

/*
 * Build all tables into buf, which the guest will see at guest-physical
 * address base (RSDP at base, the rest after it). Returns the number of
 * bytes used, or -ENOSPC / -EINVAL.
 */
long acpi_build(const struct machine_desc *m, uint64_t base, uint8_t *buf, size_t len);

#endif
