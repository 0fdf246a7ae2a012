/* SPDX-License-Identifier: MIT */
/* One vCPU: its KVM fd, its shared kvm_run page, its thread and its exit counters. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>

#include "loader.h"

struct vm;

#define VCPU_EXIT_REASONS 64

struct vcpu {
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	int started;
	struct vm *vm;
	uint64_t exits[VCPU_EXIT_REASONS]; /* by KVM_EXIT_* reason */
};

struct vcpu *vcpu_create(struct vm *vm, int id);
void vcpu_destroy(struct vcpu *v);
/* Registers for the boot entry of k (BSP only); boot_arg is %rsi or %ebx. */
int vcpu_set_boot_regs(struct vcpu *v, const struct kernel_image *k, uint64_t boot_arg);
int vcpu_start(struct vcpu *v);
/* Make the vCPU leave KVM_RUN soon; safe from any thread. */
void vcpu_kick(struct vcpu *v);
void vcpu_join(struct vcpu *v);
void vcpu_dump_regs(struct vcpu *v);

#endif
