/* SPDX-License-Identifier: MIT */
/*
 * The one device interface. A device is a struct device_ops in its own file
 * and one line in the VMM's table (vmm/devices.c); the VMM creates, for each
 * table line in order, every instance the machine description asks for, and
 * resets them in table order when the guest reboots, and destroys them in
 * reverse order when the VM goes (kvmtool's init levels and Solo5's module
 * table, with the order written down in one place).
 *
 * What a device may ask of the VMM comes through struct device_host, so
 * devices/ never includes the VM: the machine description (whose entries
 * carry what the user asked for each instance), guest RAM, the exit bus, an
 * interrupt line per GSI, the virtio-mmio attach step, and the guest's power
 * requests. A device describes itself to the guest through its entry in the
 * machine description, which the firmware builders turn into ACPI and the
 * device tree; a device that is not in it (the ACPI power registers) is
 * described by the FADT.
 */
#ifndef DEVICES_DEVICE_H
#define DEVICES_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include "../base/bus.h"
#include "../base/log.h"
#include "../base/machine.h"
#include "../base/mem.h"

struct blk_disk;
struct virtio_mmio;

/* A device's interrupt callback: the level of its line (the model decides when it changes). */
typedef void (*device_irq_fn)(void *line, int level);

struct device_host {
	const struct machine_desc *mach;
	const struct guest_mem *mem;
	struct bus *bus;
	void *vmm; /* the first argument of every call below */
	/*
	 * The interrupt line on gsi, edge- or level-triggered as the device's ACPI and
	 * device-tree entries declare it, named for the SIGUSR2 dump ("ttyS0", "vda");
	 * NULL if none.
	 */
	void *(*irq_line)(void *vmm, uint32_t gsi, bool level_triggered, const char *name);
	device_irq_fn set_irq; /* what a model calls with that line and its level */
	/*
	 * virtio-mmio slot `slot` of mach->virtio[]: its window on the bus answered by t, its
	 * QueueNotify register turned into a signal on kick_fd inside KVM (ioeventfd), so the
	 * guest's kick costs no exit. detach undoes both; call it before kick_fd closes.
	 */
	int (*virtio_attach)(void *vmm, int slot, struct virtio_mmio *t, int kick_fd,
			     const char *name);
	void (*virtio_detach)(void *vmm, int slot, int kick_fd);
	/* The guest asked to power off (reset false) or to reset. */
	void (*power)(void *vmm, bool reset);
	/* The guest asked to end the run with this exit status (isa-debug-exit). */
	void (*exit)(void *vmm, int status);
	/*
	 * Bytes for the console, after what ttyS0 sent and through the same output queue
	 * (HC_PUTS): never blocks; what does not fit is dropped.
	 */
	void (*console_out)(void *vmm, const void *buf, size_t len);
	/* The kernel command line the guest was given (for hypercalls). */
	const char *(*cmdline)(void *vmm);
	/* The i-th --disk image, or NULL: for guests that read it without virtio. */
	struct blk_disk *(*disk)(void *vmm, int i);
	/* The size of the device tree the VMM put at LAYOUT_DTB (0: none). */
	uint64_t (*dtb_size)(void *vmm);
};

struct device_ops {
	const char *name;
	/* How many instances the machine description asks for. */
	int (*count)(const struct device_host *h);
	/*
	 * Make instance i: claim its bus ranges, take its interrupt lines, open what the
	 * user named. On failure it logs one line naming the problem and returns -errno
	 * (-EINVAL for the user's to fix); whatever it made is undone.
	 */
	int (*create)(const struct device_host *h, int i, void **dev);
	/*
	 * A guest reboot (--reboot=restart): back to the state the guest finds at power-on,
	 * its line low, keeping what create made on the host side (images and their locks,
	 * output files, threads, bus ranges). Called with every vCPU stopped. May be NULL.
	 */
	void (*reset)(void *dev);
	void (*destroy)(void *dev);
	/* SIGUSR2 and --stats: its state on stderr, "vmm: <name>: ..." lines. May be NULL. */
	void (*dump)(void *dev);
};

/* A device's bus range, or one line naming the device, the address and why not; -errno. */
static inline int device_claim(const struct device_host *h, enum bus_space space, uint64_t base,
			       uint64_t len, bus_handler_t fn, void *opaque, const char *name)
{
	int err = bus_register(h->bus, space, base, len, fn, opaque, name);

	if (err)
		log_msg("%s at %#llx: %s", name, (unsigned long long)base, strerror(-err));
	return err;
}

#endif
