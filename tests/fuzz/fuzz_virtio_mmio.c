/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a virtio driver at a virtio-mmio window with virtio-blk
 * behind it (fuzz_guest.h): feature negotiation, the status machine, queue set-up and
 * QueueNotify in any order and width, its queues and requests in 64 KiB of guest RAM
 * (poke steps), the disk a 64 KiB memfd that the device's I/O thread reads and writes.
 * Host steps are the host's side of the transport: a used buffer signalled, a config
 * change, the backend failing (value % 3). What must hold after every step (virtio 1.2,
 * 4.2.2): the driver acked no feature the device did not offer, and the line is high
 * exactly while InterruptStatus is non-zero.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/layout.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "fuzz_guest.h"

#define DISK_SIZE (64 << 10)
#define RAM_SIZE  (64 << 10)

static void mmio_fuzz_host(void *opaque, uint32_t value)
{
	struct virtio_mmio *t = opaque;

	if (value % 3 == 0)
		virtio_mmio_signal_used(t);
	else if (value % 3 == 1)
		virtio_mmio_signal_config(t);
	else
		virtio_mmio_needs_reset(t);
}

static void mmio_fuzz_reset(void *opaque)
{
	virtio_mmio_reset(opaque);
}

static struct fuzz_guest g;

static void mmio_fuzz_check(void *opaque)
{
	struct virtio_mmio *t = opaque;

	pthread_mutex_lock(&t->lock);
	fuzz_check(!(t->driver_features & ~t->device_features));
	pthread_mutex_lock(&t->irq_lock);
	fuzz_check(g.irq_level == (t->interrupt_status != 0));
	pthread_mutex_unlock(&t->irq_lock);
	pthread_mutex_unlock(&t->lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blk_disk disk = {
	    .fd = memfd_create("fuzz-disk", 0), .size = DISK_SIZE, .serial = "fuzz"};
	struct virtio_blk *b;
	struct virtio_mmio *t;
	struct fuzz_dev d = {.space = BUS_MMIO,
			     .base = LAYOUT_VIRTIO_MMIO,
			     .window = LAYOUT_VIRTIO_MMIO_SIZE + 0x100,
			     .reset = mmio_fuzz_reset,
			     .host = mmio_fuzz_host,
			     .check = mmio_fuzz_check};

	fuzz_check(disk.fd >= 0 && !ftruncate(disk.fd, DISK_SIZE));
	if (fuzz_guest_init(&g, data, size, RAM_SIZE, 0)) {
		close(disk.fd);
		return 0;
	}
	b = virtio_blk_create(&disk, &g.gm, -1, fuzz_guest_set_irq, &g);
	fuzz_check(b != NULL);
	t = virtio_blk_transport(b);
	d.opaque = t;
	fuzz_check(!bus_register(&g.bus, BUS_MMIO, LAYOUT_VIRTIO_MMIO, LAYOUT_VIRTIO_MMIO_SIZE,
				 virtio_mmio_io, t, "vda"));
	fuzz_guest_run(&g, &d);
	virtio_blk_destroy(b);
	close(disk.fd);
	fuzz_guest_fini(&g);
	return 0;
}
