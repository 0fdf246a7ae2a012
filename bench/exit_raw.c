/* SPDX-License-Identifier: MIT */
/*
 * The floor for the exit-path benchmark: the same bare-metal guest as the
 * VMM runs, entered the same way (PVH, 32-bit), but served by a bare
 * KVM_RUN loop that does nothing with an exit except count it. No irqchip,
 * no bus, no devices: every read returns all-ones, as an unclaimed port
 * does in the VMM, so the guest's UART polls see "transmitter empty".
 *
 * usage: exit_raw GUEST.elf "CMDLINE"   (exits when the guest writes the
 * ACPI sleep register, as our poweroff does)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/bootparams.h"
#include "base/layout.h"
#include "firmware/loader.h"

#define RAM (64ULL << 20)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void set_regs(int vcpu, uint64_t entry)
{
	struct kvm_sregs s;
	struct kvm_regs r = {.rflags = 2, .rip = entry, .rbx = LAYOUT_START_INFO};
	struct kvm_segment code = {
	    .limit = 0xffffffff, .selector = 8, .type = 0xb, .present = 1, .s = 1, .db = 1, .g = 1};
	struct kvm_segment data = code;

	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_SREGS");
	data.type = 3;
	data.selector = 0x18;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.cr0 = 0x31;
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu, KVM_SET_REGS, &r) < 0)
		die("KVM_SET_REGS");
}

int main(int argc, char **argv)
{
	struct guest_mem gm = {0};
	struct machine_desc m;
	struct kernel_image k;
	struct boot_info bi = {.cmdline_gpa = LAYOUT_CMDLINE};
	struct stat st;
	struct kvm_run *run;
	unsigned long exits = 0;
	uint8_t *ram, *img;
	int kvm, vm, vcpu, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: exit_raw GUEST.elf CMDLINE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(argv[1]);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img == MAP_FAILED || ram == MAP_FAILED)
		die("mmap");
	machine_init(&m, RAM, 1, 1);
	guest_mem_add(&gm, 0, ram, RAM);
	if (loader_load_elf(&gm, img, st.st_size, &k))
		die("load");
	strcpy((char *)ram + LAYOUT_CMDLINE, argv[2]);
	pvh_build(ram + LAYOUT_START_INFO, 0x1000, LAYOUT_START_INFO, &m, &bi);

	kvm = open("/dev/kvm", O_RDWR);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("/dev/kvm");
	struct kvm_userspace_memory_region r = {.memory_size = RAM,
						.userspace_addr = (uintptr_t)ram};
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000) < 0 ||
	    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r))
		die("vm setup");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (vcpu < 0 || run == MAP_FAILED)
		die("vcpu");
	set_regs(vcpu, k.entry);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		exits++;
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PM_SLEEP_CTL_PORT)
			break;
		if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN)
			memset((uint8_t *)run + run->io.data_offset, 0xff, run->io.size);
		if (run->exit_reason == KVM_EXIT_MMIO || run->exit_reason == KVM_EXIT_IO)
			continue;
		fprintf(stderr, "exit_raw: exit reason %u\n", run->exit_reason);
		return 1;
	}
	printf("exits %lu\n", exits);
	return 0;
}
