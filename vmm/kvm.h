/* SPDX-License-Identifier: MIT */
/* Thin wrappers over the /dev/kvm and VM file descriptors. */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/mem.h"

struct kvm {
	int sys_fd;
	int vm_fd;
	int run_size;		  /* mmap size of struct kvm_run */
	int max_vcpus;		  /* KVM_CAP_MAX_VCPUS */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, the template for every vCPU */
	bool irqfd_resample;	  /* KVM_CAP_IRQFD_RESAMPLE: level lines through an irqfd */
	bool tsc_deadline;	  /* KVM_CAP_TSC_DEADLINE_TIMER: its CPUID bit is ours to set */
};

/* Open /dev/kvm and check the API version and capabilities we rely on. */
int kvm_open(struct kvm *kvm);
/* A VM with the in-kernel irqchip (PIC, IOAPIC, LAPICs), KVM's PIT if kernel_pit, and guest RAM. */
int kvm_create_vm(struct kvm *kvm, const struct guest_mem *gm, bool kernel_pit);
void kvm_destroy_vm(struct kvm *kvm);
void kvm_close(struct kvm *kvm);
/* Drive a GSI on the in-kernel irqchip. */
int kvm_irq_line(struct kvm *kvm, uint32_t gsi, int level);
/* Bind eventfd fd to gsi (resamplefd >= 0: resample mode), or unbind it (assign false). */
int kvm_irqfd(struct kvm *kvm, uint32_t gsi, int fd, int resamplefd, bool assign);

#endif
