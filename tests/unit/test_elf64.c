/* SPDX-License-Identifier: MIT */
/*
 * The plain 64-bit ELF entry (loader_load_elf64): detected after bzImage, multiboot and PVH,
 * its PT_LOAD segments loaded at their physical addresses, and every hostile header refused
 * before a byte is written.
 */
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

#define OFF_DATA 0x2000

/* An ELF64 ET_EXEC, x86-64, with room for LOADER_ELF_MAX_LOAD + 1 program headers, no note. */
struct img {
	uint8_t b[OFF_DATA + 0x3000];
};

static Elf64_Ehdr *eh(struct img *im)
{
	return (Elf64_Ehdr *)im->b;
}

static Elf64_Phdr *ph(struct img *im)
{
	return (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr));
}

/*
 * Text (0x1000 bytes of 0xcd, executable) at 0x200000 and data (0x800 bytes of 0xab, memsz
 * 0x2000: a BSS) at 0x300000, entry 0x200010.
 */
static struct img *make_elf64(void)
{
	struct img *im = calloc(1, sizeof(*im));

	memcpy(eh(im)->e_ident, ELFMAG, SELFMAG);
	eh(im)->e_ident[EI_CLASS] = ELFCLASS64;
	eh(im)->e_ident[EI_DATA] = ELFDATA2LSB;
	eh(im)->e_ident[EI_VERSION] = EV_CURRENT;
	eh(im)->e_type = ET_EXEC;
	eh(im)->e_machine = EM_X86_64;
	eh(im)->e_version = EV_CURRENT;
	eh(im)->e_entry = 0x200010;
	eh(im)->e_phoff = sizeof(Elf64_Ehdr);
	eh(im)->e_ehsize = sizeof(Elf64_Ehdr);
	eh(im)->e_phentsize = sizeof(Elf64_Phdr);
	eh(im)->e_phnum = 3;
	ph(im)[0] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_flags = PF_R | PF_X,
				 .p_offset = OFF_DATA,
				 .p_vaddr = 0x200000,
				 .p_paddr = 0x200000,
				 .p_filesz = 0x1000,
				 .p_memsz = 0x1000};
	ph(im)[1] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_flags = PF_R | PF_W,
				 .p_offset = OFF_DATA + 0x1000,
				 .p_vaddr = 0x300000,
				 .p_paddr = 0x300000,
				 .p_filesz = 0x800,
				 .p_memsz = 0x2000};
	ph(im)[2] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W};
	memset(im->b + OFF_DATA, 0xcd, 0x1000);
	memset(im->b + OFF_DATA + 0x1000, 0xab, 0x800);
	return im;
}

static int load(struct img *im, size_t len)
{
	struct kernel_image k;

	return loader_load_kernel(&gm, im->b, len, &k);
}

static void test_elf64_good(void **state)
{
	struct img *im = make_elf64();
	struct kernel_image k;

	(void)state;
	memset(ram + 0x300000, 0xee, 0x2000); /* the BSS must be zeroed */
	assert_int_equal(loader_load_kernel(&gm, im->b, sizeof(im->b), &k), 0);
	assert_int_equal(k.kind, KERNEL_ELF64);
	assert_int_equal(k.entry, 0x200010);
	assert_int_equal(k.load_end, 0x302000);
	assert_int_equal(k.initrd_addr_max, LAYOUT_MMIO_HOLE - 1);
	assert_int_equal(ram[0x200000], 0xcd);
	assert_int_equal(ram[0x200fff], 0xcd);
	assert_int_equal(ram[0x3007ff], 0xab);
	assert_int_equal(ram[0x300800], 0);
	assert_int_equal(ram[0x301fff], 0);
	free(im);
}

/* e_entry is virtual: moved into the executable segment whose vaddr it falls in, as QEMU. */
static void test_elf64_entry_vaddr(void **state)
{
	struct img *im = make_elf64();
	struct kernel_image k;

	(void)state;
	ph(im)[0].p_vaddr = 0xffffffff80200000ULL;
	eh(im)->e_entry = 0xffffffff80200020ULL;
	assert_int_equal(loader_load_kernel(&gm, im->b, sizeof(im->b), &k), 0);
	assert_int_equal(k.kind, KERNEL_ELF64);
	assert_int_equal(k.entry, 0x200020);
	free(im);
}

/* Not this entry's: no ELF64, not x86-64, not an executable. */
static void test_elf64_not_ours(void **state)
{
	struct img *im = make_elf64();

	(void)state;
	eh(im)->e_type = ET_DYN; /* would need relocating */
	assert_int_equal(load(im, sizeof(im->b)), -ENOEXEC);
	eh(im)->e_type = ET_EXEC;
	eh(im)->e_machine = EM_AARCH64;
	assert_int_equal(load(im, sizeof(im->b)), -ENOEXEC);
	eh(im)->e_machine = EM_X86_64;
	im->b[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(load(im, sizeof(im->b)), -ENOEXEC);
	im->b[EI_DATA] = ELFDATA2LSB;
	/* ELFCLASS32 without a PVH note or a multiboot header is nothing we boot */
	im->b[EI_CLASS] = ELFCLASS32;
	((Elf32_Ehdr *)im->b)->e_machine = EM_386;
	assert_int_equal(load(im, sizeof(im->b)), -ENOEXEC);
	free(im);
}

/* Refused, and RAM as it was: the check comes before any copy. */
static void refused(struct img *im, size_t len, int err)
{
	memset(ram + 0x200000, 0, 0x1000);
	memset(ram + 0x300000, 0, 0x2000);
	assert_int_equal(load(im, len), err);
	assert_int_equal(ram[0x200000], 0);
	assert_int_equal(ram[0x300000], 0);
}

/* Segments on the VMM's own areas below 1 MiB, beyond RAM, wrapping, above 4 GiB. */
static void test_elf64_segment_places(void **state)
{
	static const uint64_t vmm_areas[] = {
	    LAYOUT_GDT,		 LAYOUT_START_INFO,   LAYOUT_ZERO_PAGE, LAYOUT_PML4,
	    LAYOUT_PD,		 LAYOUT_CMDLINE,      LAYOUT_DTB,	LAYOUT_ACPI,
	    LAYOUT_RESET_VECTOR, LAYOUT_HIMEM - 0x800};
	struct img *im = make_elf64();

	(void)state;
	for (size_t i = 0; i < sizeof(vmm_areas) / sizeof(vmm_areas[0]); i++) {
		ph(im)[1].p_paddr = vmm_areas[i];
		refused(im, sizeof(im->b), -EFBIG);
	}
	ph(im)[1].p_paddr = RAM_SIZE - 0x1000; /* memsz 0x2000: its BSS past the end */
	refused(im, sizeof(im->b), -EFBIG);
	ph(im)[1].p_paddr = UINT64_MAX - 0x10; /* paddr + memsz wraps */
	refused(im, sizeof(im->b), -EFBIG);
	ph(im)[1].p_paddr = LAYOUT_4G; /* RAM or not, the identity map ends at 4 GiB */
	refused(im, sizeof(im->b), -EFBIG);
	ph(im)[1].p_paddr = 0x300000;
	ph(im)[1].p_memsz = UINT64_MAX; /* a BSS to the end of the address space */
	refused(im, sizeof(im->b), -EFBIG);
	free(im);
}

static void test_elf64_segment_shapes(void **state)
{
	struct img *im = make_elf64();

	(void)state;
	ph(im)[1].p_filesz = 0x3000; /* p_filesz > p_memsz */
	refused(im, sizeof(im->b), -EINVAL);
	ph(im)[1].p_filesz = 0x800;
	ph(im)[1].p_offset = UINT64_MAX - 0x100; /* file offset + size wraps */
	refused(im, sizeof(im->b), -EINVAL);
	ph(im)[1].p_offset = sizeof(im->b) - 0x400; /* file bytes past the end */
	refused(im, sizeof(im->b), -EINVAL);
	ph(im)[1].p_offset = OFF_DATA + 0x1000;
	ph(im)[1].p_paddr = 0x200800; /* overlapping the text */
	refused(im, sizeof(im->b), -EINVAL);
	ph(im)[1].p_paddr = 0x300000;
	eh(im)->e_entry = 0x300900; /* in the BSS, not among the loaded bytes */
	refused(im, sizeof(im->b), -EINVAL);
	eh(im)->e_entry = 0x100000; /* in no segment */
	refused(im, sizeof(im->b), -EINVAL);
	eh(im)->e_entry = 0x200010;
	ph(im)[0].p_type = ph(im)[1].p_type = PT_NULL; /* nothing to load */
	refused(im, sizeof(im->b), -EINVAL);
	free(im);
}

/* The program header table: huge, out of the file, too many segments; truncations. */
static void test_elf64_headers(void **state)
{
	struct img *im = make_elf64();

	(void)state;
	eh(im)->e_phnum = 0xffff; /* PN_XNUM, and a table far past the file's end */
	refused(im, sizeof(im->b), -EINVAL);
	eh(im)->e_phnum = 3;
	eh(im)->e_phoff = UINT64_MAX - 8; /* phoff + i * 56 wraps */
	refused(im, sizeof(im->b), -EINVAL);
	eh(im)->e_phoff = sizeof(im->b) - 8;
	refused(im, sizeof(im->b), -EINVAL);
	eh(im)->e_phoff = sizeof(Elf64_Ehdr);
	/* more PT_LOAD segments than the overlap check holds, each one page, in RAM */
	eh(im)->e_phnum = LOADER_ELF_MAX_LOAD + 1;
	for (int i = 2; i < LOADER_ELF_MAX_LOAD + 1; i++)
		ph(im)[i] = (Elf64_Phdr){.p_type = PT_LOAD,
					 .p_offset = OFF_DATA,
					 .p_paddr = 0x400000 + i * 0x1000,
					 .p_filesz = 0x10,
					 .p_memsz = 0x1000};
	refused(im, sizeof(im->b), -EINVAL);
	eh(im)->e_phnum = LOADER_ELF_MAX_LOAD; /* exactly the limit: loads */
	assert_int_equal(load(im, sizeof(im->b)), 0);
	eh(im)->e_phnum = 3;
	/* every truncation fails, none writes past the image (ASan builds check that too) */
	for (size_t l = 0; l < OFF_DATA + 0x1800; l += 61)
		assert_int_not_equal(load(im, l), 0);
	assert_int_equal(load(im, OFF_DATA + 0x1800), 0);
	free(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elf64_good),
	    cmocka_unit_test(test_elf64_entry_vaddr),
	    cmocka_unit_test(test_elf64_not_ours),
	    cmocka_unit_test(test_elf64_segment_places),
	    cmocka_unit_test(test_elf64_segment_shapes),
	    cmocka_unit_test(test_elf64_headers),
	};

	return cmocka_run_group_tests(tests, loader_ram_setup, loader_ram_teardown);
}
