/* SPDX-License-Identifier: MIT */
/*
 * The Bochs/QEMU debug console (QEMU's hw/char/debugcon.c): one I/O port, each byte
 * written goes out, a read returns 0xe9 (how a guest finds out the console is there).
 * The one-instruction output channel of hobby kernels and kvm-hello-world-style guests:
 * no FIFO, no interrupts, no baud rate, just `outb %al, $0xe9`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/outq.h"
#include "debugcon.h"
#include "device.h"
#include "serial.h"

#define DEBUGCON_READBACK 0xe9 /* QEMU's default readback value */
#define DEBUGCON_FLUSH_MS 500  /* at the end, the longest we wait for a reader */

struct debugcon {
	int out_fd;	  /* -1: discarded */
	struct outq *out; /* written by its own thread: a vCPU never blocks on the reader */
};

static void debugcon_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct debugcon *d = opaque;

	(void)offset;
	if (!is_write) {
		memset(data, 0, len);
		*(uint8_t *)data = DEBUGCON_READBACK;
		return;
	}
	/* The port is one byte wide, as QEMU's. No status register to push back with: when
	 * the queue is full (nobody reads), the byte is lost. */
	if (d->out)
		outq_put(d->out, data, 1);
}

static int debugcon_count(const struct device_host *h)
{
	return h->mach->debugcon_port ? 1 : 0;
}

static void debugcon_destroy(void *dev)
{
	struct debugcon *d = dev;

	outq_destroy(d->out, DEBUGCON_FLUSH_MS);
	if (d->out_fd > STDERR_FILENO)
		close(d->out_fd);
	free(d);
}

static int debugcon_create(const struct device_host *h, int i, void **dev)
{
	const struct serial_cfg *c = h->mach->debugcon_cfg;
	struct debugcon *d = calloc(1, sizeof(*d));
	int err;

	(void)i;
	if (!d)
		return -ENOMEM;
	d->out_fd = serial_cfg_open(c);
	if (c && c->kind == SERIAL_FILE && d->out_fd < 0) {
		err = -errno;
		log_msg("--debugcon file:%s: %s", c->path, strerror(errno));
		free(d);
		return err;
	}
	if (d->out_fd >= 0 && !(d->out = outq_create(d->out_fd, "debugcon-out", NULL, NULL)))
		err = -errno;
	else
		err =
		    device_claim(h, BUS_PIO, h->mach->debugcon_port, 1, debugcon_io, d, "debugcon");
	if (err) {
		debugcon_destroy(d);
		return err;
	}
	*dev = d;
	return 0;
}

const struct device_ops debugcon_device = {
    .name = "debugcon",
    .count = debugcon_count,
    .create = debugcon_create,
    .destroy = debugcon_destroy,
};
