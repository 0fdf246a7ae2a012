/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"
#include "../base/log.h"

/* KVM needs three pages for the real-mode TSS and one for the EPT identity
 * map; both sit just under the BIOS ROM window, inside our MMIO hole. */
#define KVM_TSS_ADDR	      0xfffbd000ULL
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL

static int kvm_cap(int fd, long cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

static int kvm_get_cpuid(struct kvm *kvm)
{
	/* The kernel tells us with E2BIG when our table is too small. */
	for (int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (!ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, c)) {
			kvm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return -errno;
	}
	return -E2BIG;
}

int kvm_open(struct kvm *kvm)
{
	static const struct {
		long cap;
		const char *name;
	} needed[] = {
	    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
	    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
	    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
	};
	int err;

	memset(kvm, 0, sizeof(*kvm));
	kvm->vm_fd = -1;
	kvm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0)
		return -errno;
	if (ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		log_msg("/dev/kvm: unsupported KVM API version");
		err = -ENOTSUP;
		goto fail;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (kvm_cap(kvm->sys_fd, needed[i].cap) <= 0) {
			log_msg("/dev/kvm lacks %s", needed[i].name);
			err = -ENOTSUP;
			goto fail;
		}
	}
	kvm->irqfd_resample = kvm_cap(kvm->sys_fd, KVM_CAP_IRQFD_RESAMPLE) > 0;
	kvm->tsc_deadline = kvm_cap(kvm->sys_fd, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	kvm->run_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	kvm->max_vcpus = kvm_cap(kvm->sys_fd, KVM_CAP_MAX_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = kvm_cap(kvm->sys_fd, KVM_CAP_NR_VCPUS);
	if (kvm->run_size <= 0 || kvm->max_vcpus <= 0) {
		err = -ENOTSUP;
		goto fail;
	}
	err = kvm_get_cpuid(kvm);
	if (err)
		goto fail;
	return 0;
fail:
	close(kvm->sys_fd);
	kvm->sys_fd = -1;
	return err;
}

static int kvm_add_memory(struct kvm *kvm, const struct guest_mem *gm)
{
	for (int i = 0; i < gm->nr; i++) {
		struct kvm_userspace_memory_region r = {
		    .slot = i,
		    .guest_phys_addr = gm->region[i].gpa,
		    .memory_size = gm->region[i].size,
		    .userspace_addr = (uintptr_t)gm->region[i].hva,
		};

		if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return -errno;
	}
	return 0;
}

/*
 * GSI routing as the MADT describes the machine (firmware/acpi.c): ISA IRQ 0 is IOAPIC pin 2
 * (the interrupt source override every PC has, MACHINE_PIT_GSI), so GSI 0, on which KVM's
 * own PIT raises its IRQ 0, goes to the 8259's pin 0 and IOAPIC pin 2, as QEMU routes it
 * (kvm_pc_setup_irq_routing). KVM's default sends GSI 0 to IOAPIC pin 0, where no guest that
 * read our MADT looks. GSI 2 reaches pin 2 only (the 8259's pin 2 is the cascade): that is
 * where --pit user raises IRQ 0. GSIs 1, 3-15 go to both chips, 16-23 to the IOAPIC.
 *
 * With KVM's PIT, GSI 2 is not routed at all, as QEMU leaves it: KVM keeps one GSI per chip
 * pin for its ack and mask notifiers (the last route to the pin wins), and KVM's PIT, which
 * waits for the ack of each tick before the next (its default re-inject mode), listens on
 * GSI 0. With GSI 2 on pin 2 too, a tick that came while the guest had pin 2 masked was never
 * acked, and unmasking the pin, which should have reset that wait, did not reach the PIT:
 * IRQ 0 stopped for good (testguest's action=ioapic-mask).
 */
static int kvm_set_gsi_routing(struct kvm *kvm, bool kernel_pit)
{
	enum { NR_ENTRIES = 2 * 15 + 1 + (KVM_IOAPIC_NUM_PINS - 16) };
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[NR_ENTRIES];
	} t = {.r.nr = 0};

	for (uint32_t gsi = 0; gsi < KVM_IOAPIC_NUM_PINS; gsi++) {
		if (gsi < 16 && gsi != 2)
			t.e[t.r.nr++] = (struct kvm_irq_routing_entry){
			    .gsi = gsi,
			    .type = KVM_IRQ_ROUTING_IRQCHIP,
			    .u.irqchip = {gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
					  gsi % 8}};
		if (gsi == MACHINE_PIT_GSI && kernel_pit)
			continue;
		t.e[t.r.nr++] = (struct kvm_irq_routing_entry){
		    .gsi = gsi,
		    .type = KVM_IRQ_ROUTING_IRQCHIP,
		    .u.irqchip = {KVM_IRQCHIP_IOAPIC, gsi ? gsi : MACHINE_PIT_GSI}};
	}
	return ioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, &t.r) < 0 ? -errno : 0;
}

int kvm_create_vm(struct kvm *kvm, const struct guest_mem *gm, bool kernel_pit)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
	int err;

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0)
		return -errno;
	/*
	 * Both must precede vCPU creation; the irqchip must precede the PIT. Without KVM's PIT
	 * its ports exit to us (--pit user, devices/pit.c).
	 */
	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0 ||
	    ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0 ||
	    ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    (kernel_pit && ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)) {
		err = -errno;
		goto fail;
	}
	if ((err = kvm_set_gsi_routing(kvm, kernel_pit)) || (err = kvm_add_memory(kvm, gm)))
		goto fail;
	return 0;
fail:
	kvm_destroy_vm(kvm);
	return err;
}

void kvm_destroy_vm(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	kvm->vm_fd = -1;
}

void kvm_close(struct kvm *kvm)
{
	kvm_destroy_vm(kvm);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	kvm->sys_fd = -1;
	free(kvm->cpuid);
	kvm->cpuid = NULL;
}

int kvm_irq_line(struct kvm *kvm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = {.irq = gsi, .level = level};

	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int kvm_irqfd(struct kvm *kvm, uint32_t gsi, int fd, int resamplefd, bool assign)
{
	struct kvm_irqfd f = {.fd = fd, .gsi = gsi};

	if (!assign)
		f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	else if (resamplefd >= 0) {
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = resamplefd;
	}
	return ioctl(kvm->vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
}
