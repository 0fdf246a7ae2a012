/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a guest at ttyS0's eight ports (fuzz_guest.h), and the
 * host typing at it (host steps: 1-4 of value's bytes into the RX FIFO). What must hold
 * whatever it did: the line is up exactly when IIR says an interrupt is pending (its bit 0
 * clear), checked at the end.
 */
#include <stdlib.h>

#include "devices/serial.h"
#include "fuzz_guest.h"

#define COM1	0x3f8
#define REG_IIR 2 /* whatever DLAB is */

static struct serial *uart;

static void serial_fuzz_host(void *opaque, uint32_t value)
{
	uint8_t b[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
			(uint8_t)(value >> 24)};

	(void)opaque;
	serial_rx_push(uart, b, 1 + (value >> 30));
}

static void serial_fuzz_reset(void *opaque)
{
	(void)opaque;
	serial_reset(uart);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest g;
	struct fuzz_dev d = {.space = BUS_PIO,
			     .base = COM1,
			     .window = 16,
			     .reset = serial_fuzz_reset,
			     .host = serial_fuzz_host};
	uint8_t iir;
	int level;

	if (fuzz_guest_init(&g, data, size, 4096, 0))
		return 0;
	uart = serial_create(-1, "ttyS0-out", fuzz_guest_set_irq, &g);
	fuzz_check(uart != NULL);
	fuzz_check(!bus_register(&g.bus, BUS_PIO, COM1, 8, serial_io, uart, "ttyS0"));
	fuzz_guest_run(&g, &d);
	level = g.irq_level; /* before the read: reading IIR may acknowledge THRI */
	serial_io(uart, REG_IIR, &iir, 1, false);
	fuzz_check(level == !(iir & 1));
	serial_destroy(uart);
	fuzz_guest_fini(&g);
	return 0;
}
