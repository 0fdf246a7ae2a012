/* SPDX-License-Identifier: MIT */
/*
 * Building a VM from a config, running it, rebooting it and tearing it down.
 *
 * Order matters: the kernel and initrd (or multiboot modules) are read and checked first
 * (vmm/images.c), the
 * devices come last and in table order (vmm/devices.c: the disk images are
 * opened before any --serial file is created), so bad input leaves no trace
 * on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../base/layout.h"
#include "../base/log.h"
#include "../base/sandbox.h"
#include "../base/timeline.h"
#include "../firmware/acpi.h"
#include "../firmware/bootparams.h"
#include "../firmware/cpu_tables.h"
#include "../firmware/fdt.h"
#include "../firmware/loader.h"
#include "exit_stats.h"
#include "console.h"
#include "gdb.h"
#include "serve.h"
#include "vcpu.h"
#include "vm.h"

void vm_request_end(struct vm *vm, enum vm_end why, int code)
{
	int expected = VM_RUNNING;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->end, &expected, why))
		return;
	vm->end_code = code;
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpu[i]);
	if (vm->gdb) /* vCPUs parked for the debugger see the end too */
		gdb_vm_ending(vm->gdb);
	if (write(vm->end_fd, &one, sizeof(one)) < 0)
		log_msg("end_fd: %s", strerror(errno));
}

/*
 * ACPI tables, then the boot_params or hvm_start_info that point at everything; a multiboot
 * kernel gets the GDT, ACPI (found by the RSDP scan) and the reset vector, its info block
 * having been placed with its modules.
 */
/*
 * The device tree of the machine, in low RAM where bare-metal guests find it through
 * HC_BOOTINFO (Linux on x86 reads ACPI instead, and never looks).
 */
static int vm_load_dtb(struct vm *vm)
{
	void *p = guest_mem_ptr(&vm->mem, LAYOUT_DTB, LAYOUT_DTB_MAX);
	long n = p ? fdt_build(&vm->mach, vm->cmdline, p, LAYOUT_DTB_MAX) : -EFAULT;

	if (n < 0) {
		log_msg("device tree: %s", strerror((int)-n));
		return (int)n;
	}
	vm->dtb_size = (uint64_t)n;
	return 0;
}

static int vm_load_firmware(struct vm *vm, const struct kernel_image *k, struct boot_info *bi,
			    uint64_t *boot_arg)
{
	uint8_t *acpi = guest_mem_ptr(&vm->mem, LAYOUT_ACPI, LAYOUT_ACPI_SIZE);
	uint8_t *zp = guest_mem_ptr(&vm->mem, LAYOUT_ZERO_PAGE, ZERO_PAGE_SIZE);
	uint8_t *si = guest_mem_ptr(&vm->mem, LAYOUT_START_INFO, 0x1000);
	uint8_t *rv = guest_mem_ptr(&vm->mem, LAYOUT_RESET_VECTOR, RESET_VECTOR_SIZE);
	uint8_t *gdt = guest_mem_ptr(&vm->mem, LAYOUT_GDT, BOOT_GDT_SIZE);
	uint8_t *pt = guest_mem_ptr(&vm->mem, LAYOUT_PML4, BOOT_PAGE_TABLES_SIZE);
	long n;
	int err;

	if (!acpi || !zp || !si || !rv || !gdt || !pt)
		return -EFAULT;
	reset_vector_build(rv, vm->mach.pm_reset, PM_RESET_VALUE);
	boot_gdt_build(gdt);
	n = acpi_build(&vm->mach, LAYOUT_ACPI, acpi, LAYOUT_ACPI_SIZE);
	if (n < 0) {
		log_msg("ACPI tables: %s", strerror(-n));
		return n;
	}
	bi->rsdp_gpa = LAYOUT_ACPI;
	if ((err = vm_load_dtb(vm)))
		return err;
	if (k->kind == KERNEL_MULTIBOOT) { /* vm_load_multiboot placed the info block */
		*boot_arg = bi->mb_info_gpa;
		return 0;
	}
	/* The 64-bit entries run with paging on, through one identity map of the low 4 GiB. */
	if (k->kind == KERNEL_BZIMAGE || k->kind == KERNEL_ELF64)
		boot_page_tables_build(pt);
	if (k->kind == KERNEL_BZIMAGE) {
		*boot_arg = LAYOUT_ZERO_PAGE;
		return bootparams_build(zp, k->hdr, k->hdr_len, &vm->mach, bi);
	}
	/* PVH and a plain ELF64 share the hvm_start_info (with the e820 map and cmdline). */
	*boot_arg = LAYOUT_START_INFO;
	return pvh_build(si, 0x1000, LAYOUT_START_INFO, &vm->mach, bi);
}

static int vm_add_vcpus(struct vm *vm, const struct kernel_image *k, uint64_t boot_arg)
{
	vm->nr_vcpus = vm->mach.nr_cpus;
	for (int i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpu[i] = vcpu_create(vm, i);
		if (!vm->vcpu[i]) {
			int err = -errno;

			log_msg("vcpu%d: %s", i, strerror(errno));
			vm->nr_vcpus = i;
			return err;
		}
	}
	/* Only the BSP starts at the kernel entry; the in-kernel LAPIC holds the
	 * APs in wait-for-SIPI until the guest wakes them with INIT/SIPI. */
	return vcpu_set_boot_regs(vm->vcpu[0], k, boot_arg);
}

/*
 * RAM filled from the user's files and the firmware builders, then KVM's VM over it, the
 * devices (made, or plugged into it again on a reboot), and the vCPUs.
 */
static int vm_boot(struct vm *vm, int (*devices)(struct vm *))
{
	struct kernel_image k;
	struct boot_info bi = {0};
	uint64_t boot_arg = 0;
	int err;

	if ((err = vm_load_images(vm, &k, &bi)) || (err = vm_load_firmware(vm, &k, &bi, &boot_arg)))
		return err;
	/* Linux (a bzImage, a PVH vmlinux) has no use for isa-debug-exit; test guests written for
	 * QEMU (multiboot) and plain-ELF64 guests (Solo5's kind) end through it. */
	if (vm->cfg->debug_exit == DEBUG_EXIT_AUTO &&
	    (k.kind == KERNEL_MULTIBOOT || k.kind == KERNEL_ELF64))
		vm_debug_exit_on(&vm->mach, vm->cfg);
	if ((err = kvm_create_vm(&vm->kvm, &vm->mem, vm->mach.pit == MACHINE_PIT_KERNEL))) {
		log_msg("KVM VM: %s", strerror(-err));
		return err;
	}
	kvm_stats_open(&vm->kstats, vm->kvm.vm_fd, KVM_STATS_VM);
	if ((err = devices(vm)))
		return err;
	return vm_add_vcpus(vm, &k, boot_arg);
}

int vm_create(struct vm *vm, const struct vmm_config *cfg)
{
	int err;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm.sys_fd = vm->kvm.vm_fd = -1;
	vm->kstats.fd = -1;
	for (int i = 0; i < VM_MAX_IMAGES; i++)
		vm->image_fd[i] = -1;
	vm->end_fd = eventfd(0, EFD_CLOEXEC);
	bus_init(&vm->bus);
	if (vm->end_fd < 0)
		return -errno;
	if ((err = vm_machine_init(&vm->mach, cfg)))
		return err;
	if ((err = kvm_open(&vm->kvm))) {
		log_msg("/dev/kvm: %s", strerror(-err));
		return err;
	}
	if (cfg->cpus > vm->kvm.max_vcpus) {
		log_msg("--cpus %d: this KVM allows at most %d", cfg->cpus, vm->kvm.max_vcpus);
		return -EINVAL;
	}
	if ((err = guest_mem_map(&vm->mem, &vm->mach))) {
		log_msg("guest RAM: %s", strerror(-err));
		return err;
	}
	if ((err = vm_boot(vm, vm_devices_create)))
		return err;
	return cfg->gdb.kind != GDB_OFF ? gdb_open(vm, &cfg->gdb, &vm->gdb) : 0;
}

static void vm_destroy_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpu[i]);
	vm->nr_vcpus = 0;
}

/*
 * Reset in place, as QEMU does, for the host side: a run that reboots its guest keeps one
 * lock on each image (no other VMM can take it between two boots, and our own reopen
 * cannot fail) and one log per --serial file. KVM has no call that resets a VM, so its side
 * is made afresh, which is exactly power-on: irqchip, PIT, LAPICs and MSRs (kvmclock among
 * them, which would otherwise go on writing into the new boot's RAM). RAM is zeroed and
 * everything the user's files put there is loaded again.
 */
int vm_reboot(struct vm *vm)
{
	uint64_t n;
	int err;

	vm_destroy_vcpus(vm);
	vm_devices_reset(vm); /* every vCPU stopped: nothing else touches the devices */
	vm_devices_unplug(vm);
	kvm_stats_close(&vm->kstats);
	kvm_destroy_vm(&vm->kvm);
	if ((err = guest_mem_clear(&vm->mem))) {
		log_msg("reboot: guest RAM cannot be cleared: %s", strerror(-err));
		return err;
	}
	free(vm->cmdline);
	vm->cmdline = NULL;
	if (read(vm->end_fd, &n, sizeof(n)) < 0) /* the last run's end, seen */
		return -errno;
	vm->end_code = 0;
	atomic_store(&vm->end, VM_RUNNING);
	return vm_boot(vm, vm_devices_plug);
}

/* Every interrupt line we drive, with its IOAPIC pin as KVM holds it. */
static void vm_describe_irqs(struct vm *vm)
{
	struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_IOAPIC};
	const struct kvm_ioapic_state *io = NULL;
	char buf[256];

	if (vm->kvm.vm_fd >= 0 && !ioctl(vm->kvm.vm_fd, KVM_GET_IRQCHIP, &chip))
		io = &chip.chip.ioapic;
	for (int i = 0; i < vm->nr_lines; i++) {
		irq_line_describe(&vm->line[i], io, buf, sizeof(buf));
		fprintf(stderr, "vmm: %s: %s\n", vm->line[i].name, buf);
	}
}

int vm_run(struct vm *vm, struct console *con)
{
	int sfd = serve_signalfd(), err;

	timeline_mark(TL_SETUP_DONE);
	/* Before the threads it starts, which inherit its filter (vmm/sandbox.c). */
	sandbox_enter(SANDBOX_MAIN);
	if (vm->gdb && (err = gdb_start(vm->gdb))) { /* before the vCPUs: they start paused */
		log_msg("gdb thread: %s", strerror(-err));
		vm_request_end(vm, VM_KVM_ERROR, 0);
	}
	for (int i = 0; i < vm->nr_vcpus && !atomic_load(&vm->end); i++) {
		if ((err = vcpu_start(vm->vcpu[i]))) {
			log_msg("vcpu%d thread: %s", i, strerror(-err));
			vm_request_end(vm, VM_KVM_ERROR, 0);
			break;
		}
	}
	serve_console(vm, con, sfd);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(vm->vcpu[i]);
	if (vm->gdb) /* gdb hears how the run ended; a --reboot=restart boot waits for it again */
		gdb_end(vm->gdb);
	timeline_mark(TL_EXIT);
	if (sfd >= 0)
		close(sfd);
	return atomic_load(&vm->end);
}

void vm_print_stats(struct vm *vm)
{
	uint64_t sum[VCPU_EXIT_REASONS] = {0};
	char nb[24], buf[512];

	if (vm->cfg->stats == STATS_JSON) { /* for scripts: the tables, nothing else */
		exit_stats_print_json(vm, stderr);
		return;
	}
	for (int i = 0; i < vm->nr_vcpus; i++)
		for (int r = 0; r < VCPU_EXIT_REASONS; r++)
			sum[r] += vm->vcpu[i]->exits[r];
	fprintf(stderr, "vmm: exits by reason:");
	for (int r = 0; r < VCPU_EXIT_REASONS; r++)
		if (sum[r])
			fprintf(stderr, " %s=%llu", kvm_exit_name(r, nb, sizeof(nb)),
				(unsigned long long)sum[r]);
	fprintf(stderr, "\nvmm: unclaimed pio=%lu mmio=%lu\n",
		atomic_load(&vm->bus.unclaimed[BUS_PIO]),
		atomic_load(&vm->bus.unclaimed[BUS_MMIO]));
	if (vm->cfg->stats) /* the costs are measured only with --stats */
		exit_stats_print_text(vm, stderr);
	kvm_stats_describe(&vm->kstats, buf, sizeof(buf));
	fprintf(stderr, "vmm: VM: KVM counters: %s\n", buf);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_describe(vm->vcpu[i]);
	vm_describe_irqs(vm);
	vm_devices_dump(vm);
	timeline_print(stderr, "vmm: ");
}

void vm_destroy(struct vm *vm)
{
	gdb_close(vm->gdb);
	vm->gdb = NULL;
	vm_destroy_vcpus(vm);
	vm_devices_destroy(vm); /* the disks flush: what the guest wrote reaches the image */
	free(vm->cmdline);
	vm->cmdline = NULL;
	vm_images_close(vm);
	kvm_stats_close(&vm->kstats);
	kvm_close(&vm->kvm);
	guest_mem_unmap(&vm->mem);
	if (vm->end_fd >= 0)
		close(vm->end_fd);
	vm->end_fd = -1;
}

int vm_exit_status(struct vm *vm)
{
	/* The host's word wins over a guest that ended the run at the same moment. */
	if (vm->host_signal)
		return 128 + vm->host_signal;
	switch (atomic_load(&vm->end)) {
	case VM_POWEROFF:
	case VM_RESET:
	case VM_HOST_QUIT:
		return EXIT_OK;
	case VM_TRIPLE_FAULT:
		return EXIT_TRIPLE;
	case VM_SIGNAL:
		return 128 + vm->end_code;
	case VM_GUEST_EXIT:
		return vm->end_code;
	default:
		return EXIT_KVM_ERROR;
	}
}
