/* SPDX-License-Identifier: MIT */
/*
 * The multiboot loader against synthetic images (header detection, flags, ELF32, ELF64 and
 * the a.out kludge, good and hostile) and the info-block builder and its placement.
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

#include "base/e820.h"
#include "base/layout.h"
#include "base/le.h"
#include "firmware/loader.h"
#include "firmware/multiboot.h"
#include "tests/lib/loader_ram.h"

static void put32(uint8_t *p, uint32_t v)
{
	le_put(p, v, 4);
}

/* A multiboot header at off with flags; with the kludge, its five address fields. */
static void put_header(uint8_t *img, size_t off, uint32_t flags, const uint32_t addr[5])
{
	put32(img + off, MB_HEADER_MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, -(MB_HEADER_MAGIC + flags));
	for (int i = 0; addr && i < 5; i++)
		put32(img + off + 12 + 4 * i, addr[i]);
}

/* --- detection and flags ------------------------------------------------------------ */

static void test_find(void **state)
{
	uint8_t img[MB_SEARCH_LEN + 64] = {0};
	struct mb_header h;

	(void)state;
	assert_int_equal(multiboot_find(img, sizeof(img), &h), -ENOEXEC);
	put_header(img, 0, 0x3, NULL);
	assert_int_equal(multiboot_find(img, sizeof(img), &h), 0);
	assert_int_equal(h.offset, 0);
	assert_int_equal(h.flags, 0x3);
	/* shorter than a header */
	assert_int_equal(multiboot_find(img, 11, &h), -ENOEXEC);
	assert_int_equal(multiboot_find(img, 12, &h), 0);
	/* a wrong checksum is no header */
	img[8] ^= 1;
	assert_int_equal(multiboot_find(img, sizeof(img), &h), -ENOEXEC);
	memset(img, 0, sizeof(img));
	/* not 4-byte aligned: not a header (3.1.1) */
	put_header(img, 2, 0x3, NULL);
	assert_int_equal(multiboot_find(img, sizeof(img), &h), -ENOEXEC);
	memset(img, 0, sizeof(img));
	/* the last place a 12-byte header fits in the first 8192 bytes, and one past it */
	put_header(img, MB_SEARCH_LEN - 12, 0x3, NULL);
	assert_int_equal(multiboot_find(img, sizeof(img), &h), 0);
	assert_int_equal(h.offset, MB_SEARCH_LEN - 12);
	memset(img, 0, sizeof(img));
	put_header(img, MB_SEARCH_LEN - 8, 0x3, NULL);
	assert_int_equal(multiboot_find(img, sizeof(img), &h), -ENOEXEC);
	memset(img, 0, sizeof(img));
	/* the first good one wins over a later one */
	put_header(img, 64, 0x2, NULL);
	put_header(img, 128, 0x1, NULL);
	assert_int_equal(multiboot_find(img, sizeof(img), &h), 0);
	assert_int_equal(h.offset, 64);
	memset(img, 0, sizeof(img));
	/* the kludge's address fields read, and cut off by the file's end or the 8 KiB */
	put_header(img, 16, MB_HF_AOUT_KLUDGE, (const uint32_t[5]){1, 2, 3, 4, 5});
	assert_int_equal(multiboot_find(img, sizeof(img), &h), 0);
	assert_int_equal(h.header_addr, 1);
	assert_int_equal(h.load_addr, 2);
	assert_int_equal(h.load_end_addr, 3);
	assert_int_equal(h.bss_end_addr, 4);
	assert_int_equal(h.entry_addr, 5);
	assert_int_equal(multiboot_find(img, 16 + 31, &h), -EINVAL);
	memset(img, 0, sizeof(img));
	put_header(img, MB_SEARCH_LEN - 20, MB_HF_AOUT_KLUDGE, NULL);
	assert_int_equal(multiboot_find(img, sizeof(img), &h), -EINVAL);
}

static void test_flags(void **state)
{
	(void)state;
	assert_int_equal(multiboot_unsupported_bit(0), -1);
	assert_int_equal(multiboot_unsupported_bit(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO), -1);
	assert_int_equal(multiboot_unsupported_bit(MB_HF_VIDEO_MODE), -1); /* accepted, as QEMU */
	assert_int_equal(multiboot_unsupported_bit(1u << 3), 3);
	assert_int_equal(multiboot_unsupported_bit((1u << 15) | (1u << 9) | 0x7), 9);
	assert_int_equal(multiboot_unsupported_bit(1u << 15), 15);
	/* bits 16-31 are not requirements: ignored (16 is the kludge, handled by the loader) */
	assert_int_equal(multiboot_unsupported_bit(0xffff0003u), -1);
}

/* --- the a.out kludge --------------------------------------------------------------- */

#define AOUT_LOAD  0x200000u
#define AOUT_HDR   0x40u /* header offset in the file */
#define AOUT_FILE  0x1000u
#define AOUT_ENTRY (AOUT_LOAD + 0x100)

/* A flat image: AOUT_FILE bytes of 0xab loaded at AOUT_LOAD, the header at AOUT_HDR. */
static uint8_t *make_aout(uint32_t load_end, uint32_t bss_end, size_t *len)
{
	uint8_t *img = malloc(AOUT_FILE);

	memset(img, 0xab, AOUT_FILE);
	put_header(
	    img, AOUT_HDR, MB_HF_AOUT_KLUDGE | MB_HF_PAGE_ALIGN,
	    (const uint32_t[5]){AOUT_LOAD + AOUT_HDR, AOUT_LOAD, load_end, bss_end, AOUT_ENTRY});
	*len = AOUT_FILE;
	return img;
}

static void set_addr(uint8_t *img, int field, uint32_t v)
{
	uint8_t *h = img + AOUT_HDR;

	put32(h + 12 + 4 * field, v);
	put32(h + 8, -(MB_HEADER_MAGIC + (uint32_t)le_get(h + 4, 4)));
}

enum { F_HEADER, F_LOAD, F_LOAD_END, F_BSS_END, F_ENTRY };

static void test_aout_good(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_aout(AOUT_LOAD + 0x800, AOUT_LOAD + 0x3000, &len);

	(void)state;
	memset(ram + AOUT_LOAD, 0xee, 0x4000); /* BSS must be zeroed, nothing past it touched */
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
	assert_int_equal(k.kind, KERNEL_MULTIBOOT);
	assert_int_equal(k.entry, AOUT_ENTRY);
	assert_int_equal(k.load_end, AOUT_LOAD + 0x3000);
	assert_int_equal(k.mb_flags, MB_HF_AOUT_KLUDGE | MB_HF_PAGE_ALIGN);
	assert_memory_equal(ram + AOUT_LOAD, img, 0x800);
	assert_int_equal(ram[AOUT_LOAD + 0x800], 0);
	assert_int_equal(ram[AOUT_LOAD + 0x2fff], 0);
	assert_int_equal(ram[AOUT_LOAD + 0x3000], 0xee);
	/* load_end_addr 0: the rest of the file; bss_end_addr 0: no BSS (3.1.3) */
	memset(ram + AOUT_LOAD, 0xee, 0x4000);
	set_addr(img, F_LOAD_END, 0);
	set_addr(img, F_BSS_END, 0);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
	assert_int_equal(k.load_end, AOUT_LOAD + AOUT_FILE);
	assert_memory_equal(ram + AOUT_LOAD, img, AOUT_FILE);
	assert_int_equal(ram[AOUT_LOAD + AOUT_FILE], 0xee);
	/* the text may start after the file's start: header_addr - load_addr < its offset */
	set_addr(img, F_HEADER, AOUT_LOAD + 0x10);
	assert_int_equal(multiboot_load(&gm, img, len, &k), 0);
	assert_int_equal(k.load_end, AOUT_LOAD + AOUT_FILE - (AOUT_HDR - 0x10));
	assert_memory_equal(ram + AOUT_LOAD, img + AOUT_HDR - 0x10, 0x100);
	free(img);
}

/* Set one field, expect err, and see that nothing was written. */
static void aout_expect(uint8_t *img, size_t len, int field, uint32_t v, int err)
{
	struct kernel_image k;
	uint32_t old = le_get(img + AOUT_HDR + 12 + 4 * field, 4);

	memset(ram + AOUT_LOAD, 0x5a, 0x1000);
	set_addr(img, field, v);
	assert_int_equal(multiboot_load(&gm, img, len, &k), err);
	assert_int_equal(ram[AOUT_LOAD], 0x5a);
	set_addr(img, field, old);
}

static void test_aout_bad(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_aout(AOUT_LOAD + 0x800, AOUT_LOAD + 0x3000, &len);

	(void)state;
	assert_int_equal(multiboot_load(&gm, img, len, &k), 0);
	/* load_end_addr below load_addr */
	aout_expect(img, len, F_LOAD_END, AOUT_LOAD - 1, -EINVAL);
	/* header_addr below load_addr; the text would start before the file */
	aout_expect(img, len, F_HEADER, AOUT_LOAD - 4, -EINVAL);
	aout_expect(img, len, F_HEADER, AOUT_LOAD + AOUT_HDR + 4, -EINVAL);
	aout_expect(img, len, F_HEADER, 0xffffffff, -EINVAL);
	/* more to load than the file holds: truncated */
	aout_expect(img, len, F_LOAD_END, AOUT_LOAD + AOUT_FILE + 1, -EINVAL);
	aout_expect(img, len, F_LOAD_END, 0xffffffff, -EINVAL);
	/* bss_end_addr below load_end_addr */
	aout_expect(img, len, F_BSS_END, AOUT_LOAD + 0x7ff, -EINVAL);
	/* a huge BSS: past RAM, and to the top of the 32-bit space */
	aout_expect(img, len, F_BSS_END, RAM_SIZE + 1, -EFBIG);
	aout_expect(img, len, F_BSS_END, 0xffffffff, -EFBIG);
	/* the entry outside what is loaded from the file (in the BSS, before, far off) */
	aout_expect(img, len, F_ENTRY, AOUT_LOAD + 0x800, -EINVAL);
	aout_expect(img, len, F_ENTRY, AOUT_LOAD - 1, -EINVAL);
	aout_expect(img, len, F_ENTRY, 0, -EINVAL);
	/* loaded onto the boot structures below 1 MiB, and out of RAM */
	set_addr(img, F_HEADER, 0x7000 + AOUT_HDR);
	set_addr(img, F_ENTRY, 0x7000);
	set_addr(img, F_BSS_END, 0);
	set_addr(img, F_LOAD_END, 0);
	assert_int_equal(multiboot_load(&gm, img, len, &k), -EINVAL); /* load_addr above header */
	aout_expect(img, len, F_LOAD, 0x7000, -EFBIG);
	set_addr(img, F_HEADER, RAM_SIZE - 0x100 + AOUT_HDR);
	set_addr(img, F_ENTRY, RAM_SIZE - 0x100);
	set_addr(img, F_LOAD_END, 0);
	aout_expect(img, len, F_LOAD, RAM_SIZE - 0x100, -EFBIG);
	/* load_addr + the file wrapping past 4 GiB */
	set_addr(img, F_HEADER, 0xffffff00 + AOUT_HDR);
	set_addr(img, F_ENTRY, 0xffffff00);
	aout_expect(img, len, F_LOAD, 0xffffff00, -EFBIG);
	/* every truncation: the header's fields cut off, or too little left to load */
	free(img);
	img = make_aout(AOUT_LOAD + 0x800, 0, &len);
	for (size_t l = 0; l < AOUT_LOAD + 0x800 - AOUT_LOAD; l += 5)
		assert_int_not_equal(multiboot_load(&gm, img, l, &k), 0);
	free(img);
}

/* --- ELF32 and ELF64 ----------------------------------------------------------------- */

struct seg_spec {
	uint64_t vaddr, paddr, filesz, memsz;
};

/*
 * An x86 ELF of the class asked for, whose PT_LOADs are segs (data 0x11, 0x22, ... at
 * 0x1000 steps in the file), with a multiboot header (flags 0x3) in the first segment.
 */
static uint8_t *make_elf(int is64, uint64_t entry, const struct seg_spec *segs, int n, size_t *len)
{
	size_t size = 0x1000 * (n ? n + 1 : 2); /* room for the header at 0x1000 */
	uint8_t *img = calloc(1, size);
	size_t eh = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t ph = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	img[EI_DATA] = ELFDATA2LSB;
	le_put(img + 16, ET_EXEC, 2);
	le_put(img + 18, is64 ? EM_X86_64 : EM_386, 2);
	le_put(img + 24, entry, is64 ? 8 : 4);
	le_put(img + (is64 ? 32 : 28), eh, is64 ? 8 : 4); /* e_phoff */
	le_put(img + (is64 ? 54 : 42), ph, 2);
	le_put(img + (is64 ? 56 : 44), n, 2);
	for (int i = 0; i < n; i++) {
		uint8_t *p = img + eh + i * ph;
		uint64_t off = 0x1000 * (i + 1);

		le_put(p, PT_LOAD, 4);
		if (is64) {
			le_put(p + 4, PF_R | PF_X, 4);
			le_put(p + 8, off, 8);
			le_put(p + 16, segs[i].vaddr, 8);
			le_put(p + 24, segs[i].paddr, 8);
			le_put(p + 32, segs[i].filesz, 8);
			le_put(p + 40, segs[i].memsz, 8);
		} else {
			le_put(p + 4, off, 4);
			le_put(p + 8, segs[i].vaddr, 4);
			le_put(p + 12, segs[i].paddr, 4);
			le_put(p + 16, segs[i].filesz, 4);
			le_put(p + 20, segs[i].memsz, 4);
			le_put(p + 24, PF_R | PF_X, 4);
		}
		memset(img + off, 0x11 * (i + 1),
		       segs[i].filesz < 0x1000 ? segs[i].filesz : 0x1000);
	}
	put_header(img, 0x1000, 0x3, NULL);
	*len = size;
	return img;
}

static void test_elf_good(void **state)
{
	const struct seg_spec segs[] = {
	    {0x200000, 0x200000, 0x1000, 0x1000},
	    {0x300000, 0x300000, 0x800, 0x2000}, /* with a BSS */
	};
	struct kernel_image k;
	size_t len;

	(void)state;
	for (int is64 = 0; is64 <= 1; is64++) {
		uint8_t *img = make_elf(is64, 0x200020, segs, 2, &len);

		memset(ram + 0x300000, 0xee, 0x3000);
		assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
		assert_int_equal(k.kind, KERNEL_MULTIBOOT);
		assert_int_equal(k.entry, 0x200020);
		assert_int_equal(k.load_end, 0x302000);
		assert_int_equal(k.mb_flags, 0x3);
		assert_memory_equal(ram + 0x200000, img + 0x1000, 0x1000);
		assert_int_equal(ram[0x3007ff], 0x22);
		assert_int_equal(ram[0x300800], 0);
		assert_int_equal(ram[0x301fff], 0);
		assert_int_equal(ram[0x302000], 0xee);
		free(img);
	}
}

/* The entry is virtual: moved into the physical segment that holds it, as QEMU's load_elf. */
static void test_elf_entry_vaddr(void **state)
{
	const struct seg_spec segs[] = {{0xc0200000, 0x200000, 0x1000, 0x1000}};
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_elf(0, 0xc0200040, segs, 1, &len);

	(void)state;
	assert_int_equal(multiboot_load(&gm, img, len, &k), 0);
	assert_int_equal(k.entry, 0x200040);
	/* a physical entry in the segment is taken as it is */
	le_put(img + 24, 0x200080, 4);
	assert_int_equal(multiboot_load(&gm, img, len, &k), 0);
	assert_int_equal(k.entry, 0x200080);
	free(img);
}

static void elf_expect(int is64, uint64_t entry, const struct seg_spec *segs, int n, int err)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_elf(is64, entry, segs, n, &len);

	memset(ram + 0x200000, 0x5a, 0x1000);
	assert_int_equal(multiboot_load(&gm, img, len, &k), err);
	assert_int_equal(ram[0x200000], 0x5a); /* refused before anything was written */
	free(img);
}

static void test_elf_bad(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img;

	(void)state;
	for (int is64 = 0; is64 <= 1; is64++) {
		/* overlapping segments */
		elf_expect(is64, 0x200000,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000},
						     {0x200800, 0x200800, 0x1000, 0x1000}},
			   2, -EINVAL);
		/* out of RAM, below 1 MiB, huge BSS */
		elf_expect(is64, 0x200000,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000},
						     {0, RAM_SIZE - 0x800, 0x1000, 0x1000}},
			   2, -EFBIG);
		elf_expect(is64, 0x200000,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000},
						     {0x7000, 0x7000, 0x100, 0x100}},
			   2, -EFBIG);
		elf_expect(is64, 0x200000,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0xfffff000}}, 1,
			   -EFBIG);
		/* filesz above memsz */
		elf_expect(is64, 0x200000,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x10}}, 1,
			   -EINVAL);
		/* the entry outside every segment's file bytes */
		elf_expect(is64, 0x100000,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000}}, 1,
			   -EINVAL);
		elf_expect(is64, 0x200800,
			   (const struct seg_spec[]){{0x200000, 0x200000, 0x800, 0x1000}}, 1,
			   -EINVAL);
		/* no loadable segment at all */
		elf_expect(is64, 0x200000, NULL, 0, -EINVAL);
	}
	/* ELF32: paddr + memsz past 4 GiB; ELF64: a segment or the entry above 4 GiB */
	elf_expect(0, 0xfffff000, (const struct seg_spec[]){{0, 0xfffff000, 0x1000, 0x2000}}, 1,
		   -EFBIG);
	elf_expect(1, 0x200000,
		   (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000},
					     {LAYOUT_4G, LAYOUT_4G, 0x100, 0x100}},
		   2, -EFBIG);
	elf_expect(
	    1, LAYOUT_4G + 0x200000,
	    (const struct seg_spec[]){{LAYOUT_4G + 0x200000, LAYOUT_4G + 0x200000, 0x1000, 0x1000}},
	    1, -EFBIG);
	elf_expect(1, UINT64_MAX, (const struct seg_spec[]){{0, UINT64_MAX - 0x10, 0x10, 0x100}}, 1,
		   -EFBIG);
	/* every truncation of a good image: never a crash, never success */
	img = make_elf(1, 0x200000, (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000}},
		       1, &len);
	for (size_t l = 0; l < len; l += 11)
		assert_int_not_equal(loader_load_kernel(&gm, img, l, &k), 0);
	/* phnum running past the file */
	le_put(img + 56, 0xffff, 2);
	assert_int_equal(multiboot_load(&gm, img, len, &k), -EINVAL);
	/* a multiboot header without bit 16 in a file that is no ELF: malformed */
	memset(img, 0, 64);
	assert_int_equal(multiboot_load(&gm, img, len, &k), -EINVAL);
	free(img);
	/* a requirement we lack: named, and nothing loaded */
	img = make_elf(0, 0x200000, (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000}},
		       1, &len);
	put_header(img, 0x1000, 0x3 | (1u << 4), NULL);
	memset(ram + 0x200000, 0x5a, 16);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -EOPNOTSUPP);
	assert_int_equal(k.mb_bad_bit, 4);
	assert_int_equal(ram[0x200000], 0x5a);
	/* bits 16-31 other than 16 are ignored; the video mode is accepted */
	put_header(img, 0x1000, 0x3 | MB_HF_VIDEO_MODE | 0xfffe0000u, NULL);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
	assert_true(k.mb_flags & MB_HF_VIDEO_MODE);
	free(img);
}

/* QEMU's order: "HdrS" is Linux whatever else is there; multiboot wins over a PVH note. */
static void test_detect_order(void **state)
{
	struct kernel_image k;
	size_t len;
	uint8_t *img = make_elf(
	    0, 0x200000, (const struct seg_spec[]){{0x200000, 0x200000, 0x1000, 0x1000}}, 1, &len);

	(void)state;
	memcpy(img + 0x202, "HdrS", 4); /* inside the ELF's first segment's gap: no longer ours */
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -ENOEXEC);
	memset(img + 0x202, 0, 4);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), 0);
	assert_int_equal(k.kind, KERNEL_MULTIBOOT);
	/* without its header the same ELF has no PVH note: refused as before */
	memset(img + 0x1000, 0, 12);
	assert_int_equal(loader_load_kernel(&gm, img, len, &k), -ENOEXEC);
	free(img);
}

/* --- the info block ------------------------------------------------------------------ */

static const uint8_t mod0[] = "first module";
static const uint8_t mod1[5000] = {1, 2, 3};
static const struct mb_module mods[] = {
    {mod0, sizeof(mod0) - 1, "/m/one a b"},
    {mod1, sizeof(mod1), "/m/two"},
};
static const struct mb_boot boot = {
    .cmdline = "/k/kernel.elf x=1 y", .loader_name = "vmm", .mod = mods, .nr_mods = 2};

static void test_info_build(void **state)
{
	struct machine_desc m;
	struct e820_entry e[E820_MAX];
	uint64_t gpa = 0x400000, mod_gpa[2] = {0x500000, 0x501000}, size;
	uint8_t *buf;
	int n;

	(void)state;
	assert_int_equal(machine_init(&m, 256 << 20, 1, 1), 0);
	n = e820_build(&m, e, E820_MAX);
	size = multiboot_info_size(&m, &boot);
	assert_int_equal(size, MB_INFO_SIZE + n * MB_MMAP_ENTRY_SIZE + 2 * MB_MOD_SIZE +
				   sizeof("/k/kernel.elf x=1 y") + sizeof("vmm") +
				   sizeof("/m/one a b") + sizeof("/m/two"));
	buf = malloc(size);
	assert_int_equal(multiboot_info_build(buf, size - 1, gpa, &m, &boot, mod_gpa), -ENOSPC);
	assert_int_equal(multiboot_info_build(buf, size, gpa, &m, &boot, mod_gpa), 0);
	/* QEMU's flags, mem_lower from INT 12h's 639 KiB, mem_upper 1 MiB to the top */
	assert_int_equal(le_get(buf + MB_INFO_FLAGS, 4), 0x24f);
	assert_int_equal(le_get(buf + MB_INFO_MEM_LOWER, 4), 639);
	assert_int_equal(le_get(buf + MB_INFO_MEM_UPPER, 4), (256 << 10) - 1024);
	assert_int_equal(le_get(buf + MB_INFO_BOOT_DEVICE, 4), 0x8000ffff);
	assert_string_equal(buf + le_get(buf + MB_INFO_CMDLINE_PTR, 4) - gpa,
			    "/k/kernel.elf x=1 y");
	assert_string_equal(buf + le_get(buf + MB_INFO_LOADER_NAME, 4) - gpa, "vmm");
	/* the memory map: our e820, 20-byte entries behind their size field */
	assert_int_equal(le_get(buf + MB_INFO_MMAP_LENGTH, 4), n * 24);
	for (int i = 0; i < n; i++) {
		uint8_t *p = buf + le_get(buf + MB_INFO_MMAP_ADDR, 4) - gpa + 24 * i;

		assert_int_equal(le_get(p, 4), 20);
		assert_int_equal(le_get(p + 4, 8), e[i].addr);
		assert_int_equal(le_get(p + 12, 8), e[i].size);
		assert_int_equal(le_get(p + 20, 4), e[i].type);
	}
	/* the modules: where they were put, their ends, their strings */
	assert_int_equal(le_get(buf + MB_INFO_MODS_COUNT, 4), 2);
	for (int i = 0; i < 2; i++) {
		uint8_t *p = buf + le_get(buf + MB_INFO_MODS_ADDR, 4) - gpa + 16 * i;

		assert_int_equal(le_get(p, 4), mod_gpa[i]);
		assert_int_equal(le_get(p + 4, 4), mod_gpa[i] + mods[i].len);
		assert_string_equal(buf + le_get(p + 8, 4) - gpa, mods[i].string);
		assert_int_equal(le_get(p + 12, 4), 0);
	}
	free(buf);
}

/* RAM split around the MMIO hole: mem_upper stops at the hole, the map goes on above 4 GiB. */
static void test_info_split(void **state)
{
	const struct mb_boot b = {.cmdline = "k ", .loader_name = "vmm"};
	struct machine_desc m;
	uint8_t buf[1024];
	const uint8_t *last;
	uint32_t len;

	(void)state;
	assert_int_equal(machine_init(&m, 3584ULL << 20, 1, 1), 0);
	assert_int_equal(multiboot_info_build(buf, sizeof(buf), 0x100000, &m, &b, NULL), 0);
	assert_int_equal(le_get(buf + MB_INFO_MEM_UPPER, 4), (LAYOUT_MMIO_HOLE >> 10) - 1024);
	assert_int_equal(le_get(buf + MB_INFO_MODS_COUNT, 4), 0);
	len = le_get(buf + MB_INFO_MMAP_LENGTH, 4);
	last = buf + le_get(buf + MB_INFO_MMAP_ADDR, 4) - 0x100000 + len - 24;
	assert_int_equal(le_get(last + 4, 8), LAYOUT_4G);
	assert_int_equal(le_get(last + 12, 8), 512ULL << 20);
	assert_int_equal(le_get(last + 20, 4), E820_RAM);
}

static void test_place(void **state)
{
	struct machine_desc m;
	struct mb_module big[MB_MAX_MODULES + 1];
	struct mb_boot b = boot;
	uint64_t info, mod_start, mod_end;
	uint8_t *mi;

	(void)state;
	assert_int_equal(machine_init(&m, RAM_SIZE, 1, 1), 0);
	memset(ram, 0, RAM_SIZE);
	/* above the image's highest byte, page-aligned; modules each on their own page */
	assert_int_equal(multiboot_place(&gm, &m, 0x234567, &b, &info), 0);
	assert_int_equal(info, 0x235000);
	mi = ram + info;
	for (int i = 0; i < 2; i++) {
		mod_start = le_get(ram + le_get(mi + MB_INFO_MODS_ADDR, 4) + 16 * i, 4);
		mod_end = le_get(ram + le_get(mi + MB_INFO_MODS_ADDR, 4) + 16 * i + 4, 4);
		assert_int_equal(mod_start % 0x1000, 0);
		assert_true(mod_start >= info + multiboot_info_size(&m, &b));
		assert_int_equal(mod_end - mod_start, mods[i].len);
		assert_memory_equal(ram + mod_start, mods[i].data, mods[i].len);
	}
	/* never page 0 nor below 1 MiB, whatever the caller says */
	assert_int_equal(multiboot_place(&gm, &m, 0, &b, &info), 0);
	assert_int_equal(info, LAYOUT_HIMEM);
	/* does not fit: too high, or a module larger than what is left */
	assert_int_equal(multiboot_place(&gm, &m, RAM_SIZE - 0x100, &b, &info), -EFBIG);
	assert_int_equal(multiboot_place(&gm, &m, UINT64_MAX - 10, &b, &info), -EFBIG);
	big[0] = (struct mb_module){mod0, RAM_SIZE, "huge"};
	b.mod = big;
	b.nr_mods = 1;
	assert_int_equal(multiboot_place(&gm, &m, LAYOUT_HIMEM, &b, &info), -EFBIG);
	big[0].len = UINT64_MAX;
	assert_int_equal(multiboot_place(&gm, &m, LAYOUT_HIMEM, &b, &info), -EFBIG);
	/* an empty module (QEMU boots them): a start, no bytes */
	big[0] = (struct mb_module){NULL, 0, "empty"};
	assert_int_equal(multiboot_place(&gm, &m, LAYOUT_HIMEM, &b, &info), 0);
	/* too many */
	for (int i = 0; i <= MB_MAX_MODULES; i++)
		big[i] = (struct mb_module){mod0, 1, "m"};
	b.nr_mods = MB_MAX_MODULES + 1;
	assert_int_equal(multiboot_place(&gm, &m, LAYOUT_HIMEM, &b, &info), -EINVAL);
	/* the last byte of RAM is usable: a module that ends there fits */
	b.nr_mods = 1;
	big[0] = (struct mb_module){mod1, 0x1000, "end"};
	assert_int_equal(multiboot_place(&gm, &m, RAM_SIZE - 0x2000, &b, &info), 0);
	assert_int_equal(info, RAM_SIZE - 0x2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),       cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_aout_good),  cmocka_unit_test(test_aout_bad),
	    cmocka_unit_test(test_elf_good),   cmocka_unit_test(test_elf_entry_vaddr),
	    cmocka_unit_test(test_elf_bad),    cmocka_unit_test(test_detect_order),
	    cmocka_unit_test(test_info_build), cmocka_unit_test(test_info_split),
	    cmocka_unit_test(test_place),
	};

	return cmocka_run_group_tests(tests, loader_ram_setup, loader_ram_teardown);
}
