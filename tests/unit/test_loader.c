/* SPDX-License-Identifier: MIT */
/* Loaders against synthetic images: good, truncated, oversized, wrong magic. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/layout.h"
#include "firmware/loader.h"
#include "tests/lib/loader_ram.h"

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A bzImage: 4 setup sectors + 1 boot sector, then payload bytes of 0xAB. */
static uint8_t *make_bzimage(size_t payload, size_t *len)
{
	size_t setup = 5 * 512;
	uint8_t *img = calloc(1, setup + payload);

	img[0x1f1] = 4;
	put16(img + 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a; /* header ends at 0x26c, as in 2.15 kernels */
	memcpy(img + 0x202, "HdrS", 4);
	put16(img + 0x206, 0x20f);
	put32(img + 0x22c, 0x7fffffff); /* initrd_addr_max */
	put16(img + 0x236, 0x1 | 0x2);	/* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	put32(img + 0x238, 2047);	/* cmdline_size */
	put32(img + 0x260, 2 << 20);	/* init_size */
	memset(img + setup, 0xab, payload);
	*len = setup + payload;
	return img;
}

static void test_bzimage_good(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_bzimage(4096, &len);

	(void)state;
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
	assert_int_equal(k.kind, KERNEL_BZIMAGE);
	assert_int_equal(k.entry, LAYOUT_KERNEL + 0x200);
	assert_int_equal(k.load_end, LAYOUT_KERNEL + (2 << 20));
	assert_int_equal(k.hdr_len, 0x26c - 0x1f1);
	assert_int_equal(k.cmdline_max, 2047);
	assert_int_equal(k.version, 0x20f);
	assert_int_equal(ram[LAYOUT_KERNEL], 0xab);
	assert_int_equal(ram[LAYOUT_KERNEL + 4095], 0xab);
	assert_memory_equal(k.hdr + (0x202 - 0x1f1), "HdrS", 4);
	free(img);
}

static void test_bzimage_bad(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_bzimage(4096, &len);

	(void)state;
	/* every truncation: never a crash, never success */
	for (size_t l = 0; l <= 5 * 512; l += 7)
		assert_int_not_equal(loader_load_bzimage(&gm, img, l, &k), 0);
	/* wrong magic */
	img[0x202] = 'X';
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -ENOEXEC);
	img[0x202] = 'H';
	/* 32-bit only kernel */
	put16(img + 0x236, 0);
	assert_int_equal(loader_load_bzimage(&gm, img, len, &k), -ENOEXEC);
	put16(img + 0x236, 1);
	/* too old a protocol */
	put16(img + 0x206, 0x20b);
	assert_int_equal(loader_load_bzimage(&gm, img, len, &k), -ENOEXEC);
	put16(img + 0x206, 0x20f);
	/* init_size beyond RAM */
	put32(img + 0x260, RAM_SIZE);
	assert_int_equal(loader_load_bzimage(&gm, img, len, &k), -EFBIG);
	put32(img + 0x260, 0xffffffff);
	assert_int_equal(loader_load_bzimage(&gm, img, len, &k), -EFBIG);
	free(img);
}

/* A 64-bit ELF: one PT_LOAD at paddr, a PT_NOTE with the PVH entry. */
static uint8_t *make_elf(uint64_t paddr, uint64_t filesz, uint64_t memsz, size_t *len)
{
	size_t off_note = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr), off_data = 0x1000;
	uint8_t *img = calloc(1, off_data + filesz);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	uint8_t *note = img + off_note;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = off_note, .p_filesz = 20};
	ph[1] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_offset = off_data,
			     .p_paddr = paddr,
			     .p_filesz = filesz,
			     .p_memsz = memsz};
	put32(note, 4);
	put32(note + 4, 4);
	put32(note + 8, 18);
	memcpy(note + 12, "Xen", 4);
	put32(note + 16, paddr + 0x40);
	memset(img + off_data, 0xcd, filesz);
	*len = off_data + filesz;
	return img;
}

static void test_elf_good(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_elf(0x200000, 0x1000, 0x3000, &len);

	(void)state;
	memset(ram + 0x201000, 0xee, 0x2000); /* bss must be zeroed */
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
	assert_int_equal(k.kind, KERNEL_PVH);
	assert_int_equal(k.entry, 0x200040);
	assert_int_equal(k.load_end, 0x203000);
	assert_int_equal(ram[0x200fff], 0xcd);
	assert_int_equal(ram[0x201000], 0);
	assert_int_equal(ram[0x202fff], 0);
	free(img);
}

static void test_elf_bad(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img;
	Elf64_Phdr *ph;

	(void)state;
	img = make_elf(0x200000, 0x1000, 0x1000, &len);
	ph = (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr));
	for (size_t l = 0; l < len; l += 13) /* truncations */
		assert_int_not_equal(loader_load_elf(&gm, img, l, &k), 0);
	/* segment beyond RAM, and address + size wrapping around */
	ph[1].p_paddr = RAM_SIZE - 0x800;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EFBIG);
	ph[1].p_paddr = UINT64_MAX - 0x10;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EFBIG);
	/* onto the boot structures below 1 MiB */
	ph[1].p_paddr = 0x7000;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EFBIG);
	ph[1].p_paddr = 0x200000;
	/* file offset + size wrapping */
	ph[1].p_offset = UINT64_MAX - 0x100;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EINVAL);
	ph[1].p_offset = 0x1000;
	/* filesz > memsz */
	ph[1].p_memsz = 0x10;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EINVAL);
	ph[1].p_memsz = 0x1000;
	/* the note's entry past the loaded bytes, and in no RAM (fuzz_loader) */
	put32(img + sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 16, 0x201000);
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EINVAL);
	put32(img + sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 16, 0x1000003d);
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EINVAL);
	put32(img + sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 16, 0x200040);
	/* phdr table out of the file */
	((Elf64_Ehdr *)img)->e_phoff = len - 8;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EINVAL);
	((Elf64_Ehdr *)img)->e_phoff = sizeof(Elf64_Ehdr);
	/* no PVH note: refused, nothing written */
	memset(ram + 0x200000, 0, 0x1000);
	img[sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 8] = 17;
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -ENOEXEC);
	assert_int_equal(ram[0x200000], 0);
	/* a PVH note whose size runs past its segment, or too short for an entry: a broken
	 * PVH kernel, refused as such, not loaded as a plain ELF64 (which it also is) */
	img[sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 8] = 18;
	put32(img + sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 4, 0xfffffff0);
	assert_int_equal(loader_load_elf(&gm, img, len, &k), -EINVAL);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -EINVAL);
	put32(img + sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 4, 2);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -EINVAL);
	assert_int_equal(ram[0x200000], 0);
	/* wrong machine, wrong magic */
	img = realloc(img, len);
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -ENOEXEC);
	img[1] = 'X';
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -ENOEXEC);
	free(img);
}

static void test_initrd_placement(void **state)
{
	struct kernel_image k = {.load_end = 0x300000, .initrd_addr_max = 0x7fffffff};
	uint8_t rd[5000];
	uint64_t gpa;

	(void)state;
	memset(rd, 0x42, sizeof(rd));
	assert_int_equal(loader_load_initrd(&gm, &k, rd, sizeof(rd), &gpa), 0);
	assert_int_equal(gpa, (RAM_SIZE - sizeof(rd)) & ~0xfffULL);
	assert_int_equal(gpa % 4096, 0);
	assert_memory_equal(ram + gpa, rd, sizeof(rd));
	/* initrd_addr_max below the top of RAM */
	k.initrd_addr_max = 0x5fffff;
	assert_int_equal(loader_load_initrd(&gm, &k, rd, sizeof(rd), &gpa), 0);
	assert_true(gpa + sizeof(rd) <= 0x600000);
	/* would overlap the kernel */
	k.load_end = 0x5ff000;
	assert_int_equal(loader_load_initrd(&gm, &k, rd, sizeof(rd), &gpa), -EFBIG);
	/* larger than RAM */
	k = (struct kernel_image){.load_end = 0x200000};
	assert_int_equal(loader_load_initrd(&gm, &k, rd, (size_t)RAM_SIZE * 2, &gpa), -EFBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bzimage_good),     cmocka_unit_test(test_bzimage_bad),
	    cmocka_unit_test(test_elf_good),	     cmocka_unit_test(test_elf_bad),
	    cmocka_unit_test(test_initrd_placement),
	};

	return cmocka_run_group_tests(tests, loader_ram_setup, loader_ram_teardown);
}
