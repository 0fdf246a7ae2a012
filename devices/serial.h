/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART: 8 byte-wide registers at an I/O base, 16-byte FIFOs,
 * interrupts through a set_irq callback (an edge-triggered ISA line in the
 * VMM, a fake in the unit tests).
 */
#ifndef DEVICES_SERIAL_H
#define DEVICES_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

struct serial;

/* --serial: where a UART's output goes. */
enum serial_kind { SERIAL_STDIO, SERIAL_FILE, SERIAL_NONE };

struct serial_cfg {
	enum serial_kind kind;
	const char *path;
};

/*
 * Where a serial_cfg sends output: stdout, a file (created or truncated) or nowhere (-1,
 * which is also a failure to open the file: errno says). Shared with the debug console.
 */
int serial_cfg_open(const struct serial_cfg *c);

/* out_fd < 0 discards output; name is its output thread's. NULL with errno set on failure. */
struct serial *serial_create(int out_fd, const char *name, device_irq_fn set_irq, void *irq_ctx);
void serial_destroy(struct serial *s);
/* Bytes for this UART's output that did not come through THR (HC_PUTS): same queue. */
void serial_output(struct serial *s, const void *buf, size_t len);
/* Bus handler: offset 0..7 from the I/O base. */
void serial_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
/* Host -> guest bytes. Takes what fits in the RX FIFO, returns the count. */
size_t serial_rx_push(struct serial *s, const uint8_t *buf, size_t len);
/* Back to power-on state (a guest reboot): the output fd and the callback stay. */
void serial_reset(struct serial *s);

/* The device (devices/device.h): one UART per serial_desc, output where its cfg says. */
extern const struct device_ops serial_device;
/* The UART of one serial_device instance: the console feeds ttyS0's. */
struct serial *serial_device_uart(void *dev);

#endif
