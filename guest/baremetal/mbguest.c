/* SPDX-License-Identifier: MIT */
/*
 * The multiboot test guest: prints one line per fact of its Multiboot 0.6.96 info block
 * (3.3), checks what it can itself, and ends with its verdict on isa-debug-exit (port 0xf4,
 * QEMU exits with (v << 1) | 1), where v = the failed checks plus N of "exit=N" in its
 * command line. A VMM without isa-debug-exit goes on, and the guest powers off by ACPI.
 *
 *   MB-MAGIC 0x...                 EAX at entry
 *   MB-FLAGS 0x...                 the info block's flags
 *   MB-MEM lower upper             KiB (flag 0)
 *   MB-BOOTDEV 0x...               (flag 1)
 *   MB-CMDLINE text                (flag 2)
 *   MB-MODS n                      (flag 3), then per module
 *   MB-MOD i size string           its length and its string
 *   MB-MOD-FNV i 0x...             FNV-1a 32 of its bytes
 *   MB-MOD-ADDR i start end
 *   MB-MMAP base len type          (flag 6)
 *   MB-LOADER name                 (flag 9)
 *   MB-INFO-ADDR 0x...
 *   MB-BAD what                    one per failed check
 *   MB-EXIT v
 */
#include "../kit/kit.h"

#define MB_BOOT_MAGIC 0x2badb002u
#define DEBUG_EXIT    0xf4
#define PAGE_SIZE     0x1000u

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	uint32_t boot_loader_name;
};

struct mb_mod {
	uint32_t start, end, string, reserved;
};

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

extern char _mb_image_start[], _end[];
static uint32_t bad;

static void fail(const char *what, uint32_t i)
{
	serial_puts("MB-BAD ");
	serial_puts(what);
	serial_puts(" ");
	serial_putu(i);
	serial_puts("\n");
	bad++;
}

/* [a, a+len) must be outside page 0 and outside the image and its BSS. */
static void check_place(const char *what, uint32_t i, uint32_t a, uint32_t len)
{
	uint32_t lo = (uint32_t)(uintptr_t)_mb_image_start, hi = (uint32_t)(uintptr_t)_end;

	if (a < PAGE_SIZE || (a < hi && a + len > lo) || a + len < a)
		fail(what, i);
}

static uint32_t str_len(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void put_line(const char *key, const char *s)
{
	serial_puts(key);
	serial_puts(s);
	serial_puts("\n");
}

static void put_hex32(const char *key, uint32_t v)
{
	serial_puts(key);
	serial_puts("0x");
	for (int s = 28; s >= 0; s -= 4)
		serial_putc("0123456789abcdef"[(v >> s) & 0xf]);
	serial_puts("\n");
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 0x811c9dc5u;

	while (n--)
		h = (h ^ *p++) * 0x01000193u;
	return h;
}

/* "exit=N" anywhere in the command line. */
static uint32_t cmdline_exit(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == ' ') && p[0] == 'e' && p[1] == 'x' && p[2] == 'i' &&
		    p[3] == 't' && p[4] == '=')
			return parse_u64(p + 5);
	return 0;
}

static void show_mods(const struct mb_info *mi)
{
	const struct mb_mod *m = (const void *)(uintptr_t)mi->mods_addr;

	serial_puts("MB-MODS ");
	serial_putu(mi->mods_count);
	serial_puts("\n");
	if (mi->mods_count)
		check_place("mods", 0, mi->mods_addr, mi->mods_count * sizeof(*m));
	for (uint32_t i = 0; i < mi->mods_count; i++) {
		const char *str = (const char *)(uintptr_t)m[i].string;

		serial_puts("MB-MOD ");
		serial_putu(i);
		serial_puts(" ");
		serial_putu(m[i].end - m[i].start);
		put_line(" ", str);
		serial_puts("MB-MOD-FNV ");
		serial_putu(i);
		put_hex32(" ",
			  fnv1a((const uint8_t *)(uintptr_t)m[i].start, m[i].end - m[i].start));
		serial_puts("MB-MOD-ADDR ");
		serial_putu(i);
		serial_puts(" ");
		serial_puthex(m[i].start);
		serial_puts(" ");
		serial_puthex(m[i].end);
		serial_puts("\n");
		if (m[i].end < m[i].start)
			fail("mod-end", i);
		if (m[i].start % PAGE_SIZE) /* we asked for it: header flag bit 0 */
			fail("mod-align", i);
		check_place("mod", i, m[i].start, m[i].end - m[i].start);
		check_place("mod-string", i, m[i].string, str_len(str) + 1);
	}
}

static void show_mmap(const struct mb_info *mi)
{
	uint32_t off = 0, i = 0;

	check_place("mmap", 0, mi->mmap_addr, mi->mmap_length);
	while (off < mi->mmap_length) {
		const struct mb_mmap *e = (const void *)(uintptr_t)(mi->mmap_addr + off);

		serial_puts("MB-MMAP ");
		serial_puthex(e->addr);
		serial_puts(" ");
		serial_puthex(e->len);
		serial_puts(" ");
		serial_putu(e->type);
		serial_puts("\n");
		if (e->size != 20) /* 3.3: the BIOS's 20-byte entries, as QEMU's */
			fail("mmap-size", i);
		off += e->size + 4;
		i++;
	}
}

void mb_main(const struct mb_info *mi, uint32_t magic);

void mb_main(const struct mb_info *mi, uint32_t magic)
{
	uint32_t v = 0;

	put_hex32("MB-MAGIC ", magic);
	if (magic != MB_BOOT_MAGIC) {
		fail("magic", 0);
		mi = 0;
	}
	if (mi) {
		check_place("info", 0, (uint32_t)(uintptr_t)mi, sizeof(*mi));
		put_hex32("MB-FLAGS ", mi->flags);
		if (mi->flags & (1 << 0)) {
			serial_puts("MB-MEM ");
			serial_putu(mi->mem_lower);
			serial_puts(" ");
			serial_putu(mi->mem_upper);
			serial_puts("\n");
		} else {
			fail("no-mem", 0); /* we asked for it: header flag bit 1 */
		}
		if (mi->flags & (1 << 1))
			put_hex32("MB-BOOTDEV ", mi->boot_device);
		if (mi->flags & (1 << 2)) {
			const char *c = (const char *)(uintptr_t)mi->cmdline;

			put_line("MB-CMDLINE ", c);
			check_place("cmdline", 0, mi->cmdline, str_len(c) + 1);
			v = cmdline_exit(c);
		}
		if (mi->flags & (1 << 3))
			show_mods(mi);
		if (mi->flags & (1 << 6))
			show_mmap(mi);
		else
			fail("no-mmap", 0);
		if (mi->flags & (1 << 9)) {
			const char *n = (const char *)(uintptr_t)mi->boot_loader_name;

			put_line("MB-LOADER ", n);
			check_place("loader-name", 0, mi->boot_loader_name, str_len(n) + 1);
		}
		put_hex32("MB-INFO-ADDR ", (uint32_t)(uintptr_t)mi);
	}
	v += bad;
	serial_puts("MB-EXIT ");
	serial_putu(v);
	serial_puts("\n");
	outl(DEBUG_EXIT, v);
	/* Still here: the VMM has no isa-debug-exit. The ACPI poweroff ends the run instead. */
	serial_puts("MB-EXIT-IGNORED\n");
}
