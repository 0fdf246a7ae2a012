/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a guest making hypercalls. Its input is a list of calls
 * (a call number and a block address each) followed by what guest RAM holds, so every
 * block, every address and length inside one, and their order are the fuzzer's; the calls
 * then run as the guest's OUTs would run them, against a 4-sector disk. ASan checks that
 * nothing outside guest RAM (an exactly-sized heap buffer) or the disk's buffers is
 * touched; UBSan that no address arithmetic overflows.
 *
 * Input: u8 n, then n times { u8 call, u32 gpa (little-endian) }, then RAM (up to 64 KiB
 * from guest-physical 0; the rest of RAM reads zero).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/hypercall.h"
#include "base/le.h"
#include "base/machine.h"
#include "base/mem.h"
#include "devices/device.h"
#include "devices/disk.h"
#include "devices/hypercall.h"

#define RAM_SIZE 0x10000

static struct blk_disk disk = {.fd = -1, .size = 4 * HC_SECTOR};

static void fuzz_exit(void *vmm, int status)
{
	(void)vmm, (void)status;
}

static const char *fuzz_cmdline(void *vmm)
{
	(void)vmm;
	return "console=ttyS0 fuzz";
}

static struct blk_disk *fuzz_disk(void *vmm, int i)
{
	(void)vmm;
	return i == 0 ? &disk : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_desc m = {.nr_cpus = 2, .nr_ram = 1, .ram_size = RAM_SIZE};
	struct guest_mem gm = {0};
	struct device_host h = {
	    .mach = &m, .mem = &gm, .exit = fuzz_exit, .cmdline = fuzz_cmdline, .disk = fuzz_disk};
	struct hypercall *hc;
	uint8_t *ram;
	size_t n, ops;

	if (!size)
		return 0;
	n = data[0];
	ops = 1 + 5 * n;
	if (ops > size)
		return 0;
	if (disk.fd < 0) { /* one disk for the whole run: an in-memory file */
		disk.fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
		if (disk.fd < 0 || ftruncate(disk.fd, (off_t)disk.size))
			abort();
	}
	ram = calloc(1, RAM_SIZE);
	m.ram[0] = (struct mem_range){0, RAM_SIZE};
	guest_mem_add(&gm, 0, ram, RAM_SIZE);
	memcpy(ram, data + ops, size - ops < RAM_SIZE ? size - ops : RAM_SIZE);
	hc = hypercall_new(&h);
	for (size_t i = 0; hc && i < n; i++) {
		const uint8_t *op = data + 1 + 5 * i;

		hypercall_handle(hc, op[0] % (HC_NR_CALLS + 2), le_get(op + 1, 4));
	}
	free(hc);
	free(ram);
	return 0;
}
