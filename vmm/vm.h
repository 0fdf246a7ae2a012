/* SPDX-License-Identifier: MIT */
/*
 * A VM: guest memory, the bus, the devices and the vCPU threads, and how
 * its run ends. vm_create() builds everything from a config, vm_run()
 * starts the vCPUs and serves the console until the guest or the host
 * ends it.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../base/bus.h"
#include "../devices/device.h"
#include "cli.h"
#include "irq.h"
#include "kvm.h"
#include "kcache.h"
#include "kvm_stats.h"
#include "../base/machine.h"
#include "../base/mem.h"

struct gdb;
struct serial;
struct vcpu;

/* How a run ended; vm_exit_status() maps these to the process exit status. */
enum vm_end {
	VM_RUNNING = 0,
	VM_POWEROFF, /* ACPI S5 or KVM_SYSTEM_EVENT_SHUTDOWN */
	VM_RESET,    /* ACPI reset register or KVM_SYSTEM_EVENT_RESET */
	VM_TRIPLE_FAULT,
	VM_KVM_ERROR,  /* internal error, entry failure, unhandled exit */
	VM_HOST_QUIT,  /* Ctrl-A x */
	VM_SIGNAL,     /* SIGTERM, SIGINT, SIGHUP */
	VM_GUEST_EXIT, /* a bare-metal guest's exit code */
};

/* Exit statuses; 2 is usage, odd numbers belong to isa-debug-exit guests. */
#define EXIT_OK		 0
#define EXIT_FAILURE_VMM 1
#define EXIT_USAGE	 2
#define EXIT_TRIPLE	 4
#define EXIT_KVM_ERROR	 6
#define EXIT_SANDBOX	 8 /* a thread made a syscall its allow-list lacks (vmm/sandbox.c) */

/* One instance of a device type of the table. */
struct vm_device {
	const struct device_ops *ops;
	int index; /* among the instances of its type */
	void *dev;
};

/* The ACPI power registers, the UARTs and the virtio devices: all a machine can have. */
/* one of each single device (vmm/devices.c checks the table fits), every UART and virtio one */
#define VM_MAX_SINGLE_DEVICES 12
#define VM_MAX_DEVICES	      (VM_MAX_SINGLE_DEVICES + MACHINE_MAX_SERIAL + MACHINE_MAX_VIRTIO)
#define VM_MAX_LINES	      (MACHINE_MAX_SERIAL + MACHINE_MAX_VIRTIO)
#define VM_IMAGE_KERNEL	      0
#define VM_IMAGE_INITRD	      1
#define VM_IMAGE_MODULE	      2 /* the first multiboot module; the others follow */
#define VM_MAX_IMAGES	      (VM_IMAGE_MODULE + 64) /* MB_MAX_MODULES (images.c checks) */

struct vm {
	const struct vmm_config *cfg;
	struct machine_desc mach;
	struct kvm kvm;
	struct kvm_stats kstats; /* KVM's counters of the VM (vmm/kvm_stats.h) */
	struct guest_mem mem;
	struct bus bus;
	struct device_host host; /* what the VMM offers its devices (devices/device.h) */
	struct vm_device dev[VM_MAX_DEVICES]; /* in creation order (vmm/devices.c) */
	int nr_devs;
	struct irq_line line[VM_MAX_LINES]; /* the devices' interrupt lines */
	int nr_lines;
	int kick_fd[MACHINE_MAX_VIRTIO]; /* each virtio slot's ioeventfd, -1 if none */
	char *cmdline;			 /* the user's, plus virtio_mmio.device= for each device */
	uint64_t dtb_size;		 /* the device tree at LAYOUT_DTB */
	struct vcpu *vcpu[MACHINE_MAX_CPUS];
	int nr_vcpus;
	struct gdb *gdb; /* --gdb's stub (vmm/gdb.h), NULL without */
	/*
	 * The user's files, opened at the first boot and kept for the next ones (a reboot
	 * runs under the main thread's seccomp filter, which has no open): the kernel, the
	 * initrd, the multiboot modules in order; -1 if not (yet) opened. With
	 * --reboot=restart also the vmlinux a bzImage boots through (vmm/kcache.h).
	 */
	int image_fd[VM_MAX_IMAGES];
	enum { VMLINUX_UNSEEN, VMLINUX_HELD, VMLINUX_NONE } vmlinux_state;
	struct kcache_vmlinux vmlinux; /* VMLINUX_HELD: mapped until vm_destroy */

	_Atomic int end; /* enum vm_end, first writer wins */
	int end_code;	 /* signal number or guest exit code */
	int host_signal; /* a host signal seen this run, even if the guest ended it first */
	int end_fd;	 /* eventfd: the main thread wakes when a run ends */
	pthread_mutex_t lock;
};

/*
 * The machine the command line describes: RAM, vCPUs, UARTs and a virtio-mmio slot per
 * --disk (vmm/devices.c, beside the table that makes them). Shared by vm_create and
 * --dump-dtb, so the dumped tree is the booted one.
 */
int vm_machine_init(struct machine_desc *m, const struct vmm_config *cfg);
/* --debug-exit's ports in m: given, or chosen by --debug-exit=auto for the kernel loaded. */
void vm_debug_exit_on(struct machine_desc *m, const struct vmm_config *cfg);
int vm_create(struct vm *vm, const struct vmm_config *cfg);
struct boot_info;
struct kernel_image;
/* vmm/images.c: kernel, initrd or multiboot modules, command line, from the user's files. */
int vm_load_images(struct vm *vm, struct kernel_image *k, struct boot_info *bi);
/* What vm_load_images keeps for the next boot, closed and unmapped. */
void vm_images_close(struct vm *vm);
/*
 * After a guest reset (--reboot=restart): the machine from power-on again, the host side
 * (open images and their locks, --serial files, I/O threads) kept. 0 or -errno, logged.
 */
int vm_reboot(struct vm *vm);
struct console;
/* Run until the guest or the host ends it, serving the console; returns the enum vm_end. */
int vm_run(struct vm *vm, struct console *con);
/*
 * What the VM is doing, on stderr (SIGUSR2, and --stats at exit): exit counts, each vCPU
 * (vcpu_describe), each interrupt line with its IOAPIC pin, each virtio queue.
 */
void vm_print_stats(struct vm *vm);
void vm_destroy(struct vm *vm);
/* Ask every vCPU to stop, recording why (first caller wins). Thread-safe. */
void vm_request_end(struct vm *vm, enum vm_end why, int code);
int vm_exit_status(struct vm *vm);

/* vmm/devices.c: the device table walked. create logs its own failures. */
int vm_devices_create(struct vm *vm);
void vm_devices_destroy(struct vm *vm);
void vm_devices_dump(struct vm *vm);
/* A reboot: every device back to power-on state, in table order. */
void vm_devices_reset(struct vm *vm);
/* The irqfds and ioeventfds out of KVM's VM before it goes, and into the next one. */
void vm_devices_unplug(struct vm *vm);
int vm_devices_plug(struct vm *vm);
/* ttyS0, which the console feeds; NULL without one. */
struct serial *vm_console_uart(struct vm *vm);

#endif
