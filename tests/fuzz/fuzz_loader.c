/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is --kernel's image and --initrd's, for the Linux entries:
 * a bzImage (its setup header into the zero page) or a PVH ELF (its start info), then the
 * initrd placed as images.c places it. The multiboot loader has its own target
 * (fuzz_multiboot); this one is what follows a load. RAM: 3 MiB at 0, exactly sized, so
 * ASan flags the first byte written outside it. What must hold: the initrd is page-aligned,
 * above the kernel, inside RAM and below the kernel's initrd_addr_max (if it states one),
 * holding the initrd's bytes; the zero page and the start info build from whatever header
 * the image carried.
 *
 * Input: le16 n, then the kernel and the initrd: the input's last n % (size - 1) bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "base/le.h"
#include "base/machine.h"
#include "base/mem.h"
#include "firmware/bootparams.h"
#include "firmware/loader.h"

#define RAM_SIZE (3u << 20)

static void check(int ok)
{
	if (!ok)
		abort();
}

static void fuzz_initrd(const struct guest_mem *gm, const struct kernel_image *k, const uint8_t *rd,
			size_t rd_len, struct boot_info *bi)
{
	uint64_t gpa;

	if (loader_load_initrd(gm, k, rd, rd_len, &gpa))
		return;
	check(!(gpa & 0xfff) && gpa >= k->load_end && guest_mem_ptr(gm, gpa, rd_len ? rd_len : 1));
	check(!rd_len || !memcmp(guest_mem_ptr(gm, gpa, rd_len), rd, rd_len));
	check(!rd_len || !k->initrd_addr_max || gpa + rd_len - 1 <= k->initrd_addr_max);
	bi->initrd_gpa = gpa;
	bi->initrd_size = rd_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_desc m;
	struct guest_mem gm = {0};
	struct kernel_image k;
	struct boot_info bi = {.cmdline_gpa = 0x20000, .cmdline_len = 11};
	uint8_t *ram, *zp;
	size_t rd_len;

	if (size < 2)
		return 0;
	rd_len = le_get(data, 2) % (size - 2 + 1);
	check(!machine_init(&m, RAM_SIZE, 1, 1));
	ram = calloc(1, RAM_SIZE);
	zp = calloc(1, ZERO_PAGE_SIZE);
	check(ram && zp && !guest_mem_add(&gm, 0, ram, RAM_SIZE));
	if (!loader_load_kernel(&gm, data + 2, size - 2 - rd_len, &k) &&
	    (k.kind == KERNEL_BZIMAGE || k.kind == KERNEL_PVH)) {
		check(k.load_end <= RAM_SIZE && k.entry < RAM_SIZE);
		fuzz_initrd(&gm, &k, data + size - rd_len, rd_len, &bi);
		if (k.kind == KERNEL_BZIMAGE)
			bootparams_build(zp, k.hdr, k.hdr_len, &m, &bi);
		else
			check(!pvh_build(zp, ZERO_PAGE_SIZE, 0x7000, &m, &bi));
	}
	free(zp);
	free(ram);
	return 0;
}
