/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is the kernel image. Its input goes to loader_load_kernel as
 * --kernel's file would (so detection is fuzzed too: bzImage, multiboot, PVH, plain ELF64), and
 * when it
 * is a multiboot kernel the info area and two modules (the image itself and an empty one)
 * are placed above it as vm.c places them. ASan checks that nothing outside guest RAM is
 * touched; UBSan that no address arithmetic overflows on the way.
 *
 * RAM: 512 KiB at 1 MiB (nothing below it: the loaders never write there) and 4 KiB at
 * 4 GiB, which a 32-bit multiboot kernel must not use. The machine description says low RAM
 * runs from 0 to 1.5 MiB, so the e820 the info block carries is a real one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/layout.h"
#include "base/mem.h"
#include "firmware/loader.h"
#include "firmware/multiboot.h"

#define LOW_SIZE  0x80000
#define HIGH_SIZE 0x1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_desc m = {.nr_cpus = 1, .nr_ram = 2};
	struct guest_mem gm = {0};
	struct kernel_image k;
	uint8_t *low = calloc(1, LOW_SIZE), *high = calloc(1, HIGH_SIZE);
	uint64_t info;
	int loaded;

	/* Exactly-sized heap buffers, so ASan flags the first byte outside. */
	guest_mem_add(&gm, LAYOUT_HIMEM, low, LOW_SIZE);
	guest_mem_add(&gm, LAYOUT_4G, high, HIGH_SIZE);
	m.ram[0] = (struct mem_range){0, LAYOUT_HIMEM + LOW_SIZE};
	m.ram[1] = (struct mem_range){LAYOUT_4G, HIGH_SIZE};
	m.ram_size = m.ram[0].size + m.ram[1].size;
	loaded = !loader_load_kernel(&gm, data, size, &k);
	/* A plain ELF64 runs through the identity map of the low 4 GiB, from above 1 MiB. */
	if (loaded && k.kind == KERNEL_ELF64 &&
	    (k.entry < LAYOUT_HIMEM || k.entry >= LAYOUT_4G || k.load_end > LAYOUT_4G))
		abort();
	if (loaded && k.kind == KERNEL_MULTIBOOT) {
		const struct mb_module mods[] = {{data, size, "/self a b"}, {NULL, 0, "/empty"}};
		const struct mb_boot b = {
		    .cmdline = "/kernel x=1", .loader_name = "fuzz", .mod = mods, .nr_mods = 2};
		int err = multiboot_place(&gm, &m, k.load_end, &b, &info);

		/* What the guest is told must lie in RAM, above the image and below 4 GiB. */
		if (!err && (info < k.load_end || !guest_mem_ptr(&gm, info, MB_INFO_SIZE) ||
			     info + MB_INFO_SIZE > LAYOUT_4G))
			abort();
		if (k.entry >= LAYOUT_4G || k.load_end > LAYOUT_4G)
			abort();
	}
	free(low);
	free(high);
	return 0;
}
