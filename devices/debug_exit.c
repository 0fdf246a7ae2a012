/* SPDX-License-Identifier: MIT */
/*
 * QEMU's isa-debug-exit (hw/misc/debugexit.c): a write of v ends the run with exit status
 * (v << 1) | 1, so a test guest's verdict becomes the VMM's and can never read as a clean 0.
 * Reads return 0, as QEMU's do. QEMU calls exit() on the spot; we end the run the ordinary
 * way, so every disk is flushed first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/le.h"
#include "../base/log.h"
#include "device.h"

struct debug_exit {
	const struct device_host *h;
};

/* What the shell sees: exit() keeps the low 8 bits, for QEMU's guests as for ours. */
int debug_exit_status(uint64_t v)
{
	return (int)(((v << 1) | 1) & 0xff);
}

static void debug_exit_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct debug_exit *d = opaque;
	uint64_t v;

	(void)offset;
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	v = le_get(data, len);
	log_debug("isa-debug-exit <- %#llx", (unsigned long long)v);
	d->h->exit(d->h->vmm, debug_exit_status(v));
}

static int debug_exit_count(const struct device_host *h)
{
	return h->mach->debug_exit_size ? 1 : 0;
}

static int debug_exit_create(const struct device_host *h, int i, void **dev)
{
	struct debug_exit *d = calloc(1, sizeof(*d));
	int err;

	(void)i;
	if (!d)
		return -ENOMEM;
	d->h = h;
	if ((err = device_claim(h, BUS_PIO, h->mach->debug_exit_port, h->mach->debug_exit_size,
				debug_exit_io, d, "isa-debug-exit"))) {
		free(d);
		return err;
	}
	*dev = d;
	return 0;
}

const struct device_ops debug_exit_device = {
    .name = "isa-debug-exit",
    .count = debug_exit_count,
    .create = debug_exit_create,
    .destroy = free,
};
