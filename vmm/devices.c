/* SPDX-License-Identifier: MIT */
/*
 * The device table, the machine description the command line asks for, and what the VMM
 * offers every device (devices/device.h).
 *
 * Table order is creation order, reversed for teardown: the disks' images are opened
 * (and locked) before any --serial file is created, so a bad image leaves nothing behind
 * on the host. Adding a device: its file in devices/, one line here, one in meson.build.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "../base/layout.h"
#include "../base/log.h"
#include "../devices/boot_timer.h"
#include "../devices/debug_exit.h"
#include "../devices/debugcon.h"
#include "../devices/hypercall.h"
#include "../devices/pci_none.h"
#include "../devices/pit.h"
#include "../devices/fw_cfg.h"
#include "../devices/power.h"
#include "../devices/rtc.h"
#include "../devices/serial.h"
#include "../devices/virtio_blk.h"
#include "../devices/virtio_mmio.h"
#include "vm.h"

static const struct device_ops *const device_table[] = {
    &power_device,    &fw_cfg_device,	 &virtio_blk_device, &debug_exit_device,
    &pci_none_device, &hypercall_device, &rtc_device,	     &pit_device,
    &serial_device,   &debugcon_device,	 &boot_timer_device,
};
#define NR_DEVICE_TYPES (sizeof(device_table) / sizeof(device_table[0]))
/* every type but the UARTs and virtio-blk has at most one instance */
_Static_assert(NR_DEVICE_TYPES - 2 <= VM_MAX_SINGLE_DEVICES, "VM_MAX_DEVICES has room for all");

/* --- the machine the command line describes ------------------------------------------------ */

/* A port the user placed, checked against the machine's own: one line naming both. */
static int vm_place_port(const struct machine_desc *m, const char *opt, uint32_t port, uint32_t len)
{
	const char *user = machine_port_user(m, port, len);

	if (!user)
		return 0;
	log_msg("%s %#x: overlaps the ports of %s", opt, port, user);
	return -EINVAL;
}

int vm_machine_init(struct machine_desc *m, const struct vmm_config *cfg)
{
	int err = machine_init(m, cfg->mem, cfg->cpus, cfg->nr_serial);

	m->pit = cfg->pit;
	m->mem_path = cfg->mem_path;
	m->mem_prealloc = cfg->mem_prealloc;
	for (int i = 0; i < m->nr_serial; i++)
		m->serial[i].cfg = &cfg->serial[i];
	m->rtc_cfg = &cfg->rtc;
	for (int i = 0; i < cfg->nr_disks && !err; i++) {
		int slot = machine_add_virtio(m, VIRTIO_ID_BLOCK, &cfg->disk[i]);

		if (slot < 0)
			err = slot;
	}
	if (!err && cfg->debug_exit == DEBUG_EXIT_ON &&
	    !(err = vm_place_port(m, "--debug-exit", cfg->debug_exit_port, cfg->debug_exit_size)))
		vm_debug_exit_on(m, cfg);
	if (!err && cfg->debugcon.kind != SERIAL_NONE &&
	    !(err = vm_place_port(m, "--debugcon", DEBUGCON_PORT, 1))) {
		m->debugcon_port = DEBUGCON_PORT;
		m->debugcon_cfg = &cfg->debugcon;
	}
	return err;
}

void vm_debug_exit_on(struct machine_desc *m, const struct vmm_config *cfg)
{
	m->debug_exit_port = cfg->debug_exit_port;
	m->debug_exit_size = cfg->debug_exit_size;
}

/* --- the host side of devices/device.h ---------------------------------------------------- */

static void *host_irq_line(void *vmm, uint32_t gsi, bool level_triggered, const char *name)
{
	struct vm *vm = vmm;
	struct irq_line *l;

	if (vm->nr_lines == VM_MAX_LINES)
		return NULL;
	l = &vm->line[vm->nr_lines++];
	irq_line_init(l, &vm->kvm, gsi, level_triggered, name);
	return l;
}

/* ioeventfd on a slot's QueueNotify register: a guest kick signals kick_fd inside KVM. */
static int host_ioeventfd(struct vm *vm, int slot, int kick_fd, bool assign)
{
	struct kvm_ioeventfd io = {.addr = vm->mach.virtio[slot].base + VIRTIO_MMIO_QUEUE_NOTIFY,
				   .len = 4,
				   .fd = kick_fd,
				   .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN};

	return ioctl(vm->kvm.vm_fd, KVM_IOEVENTFD, &io) ? -errno : 0;
}

static int host_virtio_attach(void *vmm, int slot, struct virtio_mmio *t, int kick_fd,
			      const char *name)
{
	struct vm *vm = vmm;
	const struct virtio_mmio_desc *d = &vm->mach.virtio[slot];
	int err = host_ioeventfd(vm, slot, kick_fd, true);

	if (err)
		return err;
	err = bus_register(&vm->bus, BUS_MMIO, d->base, LAYOUT_VIRTIO_MMIO_SIZE, virtio_mmio_io, t,
			   name);
	if (err)
		host_ioeventfd(vm, slot, kick_fd, false);
	else
		vm->kick_fd[slot] = kick_fd;
	return err;
}

/* Taken out of KVM again before the fd closes, as QEMU does, rather than left for KVM to
 * notice the close. The bus range stays: nothing runs once devices go. */
static void host_virtio_detach(void *vmm, int slot, int kick_fd)
{
	struct vm *vm = vmm;

	if (vm->kvm.vm_fd >= 0)
		host_ioeventfd(vm, slot, kick_fd, false);
	vm->kick_fd[slot] = -1;
}

static void host_power(void *vmm, bool reset)
{
	vm_request_end(vmm, reset ? VM_RESET : VM_POWEROFF, 0);
}

static void host_exit(void *vmm, int status)
{
	vm_request_end(vmm, VM_GUEST_EXIT, status);
}

static void host_console_out(void *vmm, const void *buf, size_t len)
{
	struct serial *tty = vm_console_uart(vmm);

	if (tty)
		serial_output(tty, buf, len);
}

static const char *host_cmdline(void *vmm)
{
	const struct vm *vm = vmm;

	return vm->cmdline ? vm->cmdline : "";
}

static uint64_t host_dtb_size(void *vmm)
{
	return ((const struct vm *)vmm)->dtb_size;
}

/* Instance i of a device type of the table, or NULL. */
static void *vm_device_find(struct vm *vm, const struct device_ops *ops, int i)
{
	for (int d = 0; d < vm->nr_devs; d++)
		if (vm->dev[d].ops == ops && vm->dev[d].index == i)
			return vm->dev[d].dev;
	return NULL;
}

static struct blk_disk *host_disk(void *vmm, int i)
{
	void *dev = vm_device_find(vmm, &virtio_blk_device, i);

	return dev ? virtio_blk_device_disk(dev) : NULL;
}

/* --- the table, walked ---------------------------------------------------------------------- */

int vm_devices_create(struct vm *vm)
{
	for (int s = 0; s < MACHINE_MAX_VIRTIO; s++)
		vm->kick_fd[s] = -1;
	vm->host = (struct device_host){
	    .mach = &vm->mach,
	    .mem = &vm->mem,
	    .bus = &vm->bus,
	    .vmm = vm,
	    .irq_line = host_irq_line,
	    .set_irq = irq_line_set,
	    .virtio_attach = host_virtio_attach,
	    .virtio_detach = host_virtio_detach,
	    .power = host_power,
	    .exit = host_exit,
	    .console_out = host_console_out,
	    .cmdline = host_cmdline,
	    .disk = host_disk,
	    .dtb_size = host_dtb_size,
	};
	for (size_t t = 0; t < NR_DEVICE_TYPES; t++) {
		const struct device_ops *ops = device_table[t];
		int n = ops->count(&vm->host);

		for (int i = 0; i < n; i++) {
			struct vm_device *d = &vm->dev[vm->nr_devs];
			int err;

			if (vm->nr_devs == VM_MAX_DEVICES) {
				log_msg("%s: more devices than the VM holds (%d)", ops->name,
					VM_MAX_DEVICES);
				return -ENOSPC;
			}
			*d = (struct vm_device){.ops = ops, .index = i};
			if ((err = ops->create(&vm->host, i, &d->dev)))
				return err; /* the device said why */
			vm->nr_devs++;
		}
	}
	return 0;
}

void vm_devices_destroy(struct vm *vm)
{
	while (vm->nr_devs > 0) {
		struct vm_device *d = &vm->dev[--vm->nr_devs];

		d->ops->destroy(d->dev);
	}
	while (vm->nr_lines > 0) /* no device is left to raise one */
		irq_line_release(&vm->line[--vm->nr_lines]);
}

void vm_devices_reset(struct vm *vm)
{
	for (int i = 0; i < vm->nr_devs; i++)
		if (vm->dev[i].ops->reset)
			vm->dev[i].ops->reset(vm->dev[i].dev);
}

void vm_devices_unplug(struct vm *vm)
{
	for (int s = 0; s < vm->mach.nr_virtio; s++)
		if (vm->kick_fd[s] >= 0)
			host_ioeventfd(vm, s, vm->kick_fd[s], false);
	for (int i = 0; i < vm->nr_lines; i++)
		irq_line_detach(&vm->line[i]);
}

int vm_devices_plug(struct vm *vm)
{
	int err = 0;

	for (int s = 0; s < vm->mach.nr_virtio && !err; s++)
		if (vm->kick_fd[s] >= 0)
			err = host_ioeventfd(vm, s, vm->kick_fd[s], true);
	for (int i = 0; i < vm->nr_lines && !err; i++)
		err = irq_line_attach(&vm->line[i]);
	if (err)
		log_msg("reboot: the devices' eventfds: %s", strerror(-err));
	return err;
}

void vm_devices_dump(struct vm *vm)
{
	for (int i = 0; i < vm->nr_devs; i++)
		if (vm->dev[i].ops->dump)
			vm->dev[i].ops->dump(vm->dev[i].dev);
}

struct serial *vm_console_uart(struct vm *vm)
{
	void *dev = vm_device_find(vm, &serial_device, 0);

	return dev ? serial_device_uart(dev) : NULL;
}
