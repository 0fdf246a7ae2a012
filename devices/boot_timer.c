/* SPDX-License-Identifier: MIT */
/*
 * The boot timer: two ways for a guest to say "I got this far", each a single write that
 * the timeline (base/timeline.h) stamps with the host's time.
 * - Firecracker's boot timer: the byte 123 written to the first byte of a page in the
 *   MMIO hole (LAYOUT_BOOT_TIMER; Firecracker's is its first MMIO slot, where our first
 *   virtio-mmio window is). Our Linux guest's /init writes it with `devmem`.
 * - Cloud Hypervisor's debug port, the PC's POST code port 0x80: a code 0x00-0x1f is
 *   firmware's, 0x20-0x3f a boot loader's, 0x40-0x5f a kernel's, 0x60-0x7f user space's;
 *   the first write in each range is kept. Linux also writes this port for nothing but the
 *   delay (outb_p, io_delay=0x80), so a kernel's codes here are only a hint.
 * Reads return 0xff, as a port or address with nothing behind it does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/layout.h"
#include "../base/machine.h"
#include "../base/timeline.h"
#include "device.h"

#define BOOT_TIMER_MAGIC 123 /* Firecracker's MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE */
#define BOOT_TIMER_SIZE	 0x1000

static void boot_timer_mmio(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	(void)opaque;
	if (!is_write)
		memset(data, 0xff, len);
	else if (offset == 0 && len == 1 && *(uint8_t *)data == BOOT_TIMER_MAGIC)
		timeline_mark(TL_GUEST_MARKER);
}

static void boot_timer_port(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	uint8_t code = *(uint8_t *)data;

	(void)opaque, (void)offset;
	if (!is_write)
		memset(data, 0xff, len);
	else if (code < 0x80)
		timeline_mark(TL_DEBUG_FIRMWARE + code / 0x20);
}

static int boot_timer_count(const struct device_host *h)
{
	(void)h;
	return 1;
}

static int boot_timer_create(const struct device_host *h, int i, void **dev)
{
	int err;

	(void)i;
	*dev = NULL;
	err = device_claim(h, BUS_PIO, BOOT_TIMER_PORT, 1, boot_timer_port, NULL, "boot-timer");
	if (!err)
		err = device_claim(h, BUS_MMIO, LAYOUT_BOOT_TIMER, BOOT_TIMER_SIZE, boot_timer_mmio,
				   NULL, "boot-timer");
	return err;
}

const struct device_ops boot_timer_device = {
    .name = "boot-timer",
    .count = boot_timer_count,
    .create = boot_timer_create,
    .destroy = free, /* of NULL: the device has no state */
};
