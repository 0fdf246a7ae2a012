/* SPDX-License-Identifier: MIT */
/*
 * Accesses of every width, one value each, printed for the test to compare with what the
 * VMM must answer and with QEMU's answers to the same guest.
 *
 * action=mmio-widths [vbase=A vstride=S vcount=N]: the first virtio-blk window among N
 * windows from A, S bytes apart (ours by default: LAYOUT_VIRTIO_MMIO, 4 KiB, 8; QEMU
 * microvm's: 0xfeb00000, 0x200, 24). Virtio 1.2 4.2.2.2: the driver uses aligned 32-bit
 * accesses for the registers, and for the device-specific config space accesses as wide
 * as the field (8-bit, aligned 16-bit, aligned 32-bit, a 64-bit field as two 32-bit
 * halves). What a device does with other widths the spec leaves open; the lines say.
 *
 * action=pio-widths: the port widths pio, outs, ins and fwcfg-widths leave out: 16- and
 * 32-bit reads of an unclaimed port, 16-bit accesses over two byte-wide UART registers,
 * and `rep ins/outs` of words and dwords.
 */
#include <linux/virtio_mmio.h>

#include "../../base/layout.h"
#include "../kit/kit.h"
#include "actions.h"

#define WIDTH_PORT 0x0f00 /* nobody's: the pio benchmark's port */

/* " NAME=VALUE", VALUE in as many hex digits as the access is wide. */
static void say(const char *name, uint64_t v, int w)
{
	serial_putc(' ');
	serial_puts(name);
	serial_putc('=');
	for (int s = 8 * w - 4; s >= 0; s -= 4)
		serial_putc("0123456789abcdef"[(v >> s) & 0xf]);
}

static uint32_t arg_or(const struct hvm_start_info *si, const char *key, uint32_t dflt)
{
	const char *v = cmdline_arg(si, key);

	return v ? (uint32_t)parse_u64(v) : dflt;
}

static uint32_t blk_window(const struct hvm_start_info *si)
{
	uint32_t base = arg_or(si, "vbase", LAYOUT_VIRTIO_MMIO);
	uint32_t stride = arg_or(si, "vstride", LAYOUT_VIRTIO_MMIO_SIZE);
	uint32_t n = arg_or(si, "vcount", 8);

	for (uint32_t i = 0; i < n; i++)
		if (mmio_get(base + i * stride + VIRTIO_MMIO_MAGIC_VALUE, 4) == 0x74726976 &&
		    mmio_get(base + i * stride + VIRTIO_MMIO_DEVICE_ID, 4) == 2) /* virtio-blk */
			return base + i * stride;
	return 0;
}

/* The registers: 32-bit reads and writes, then the widths 4.2.2.2 rules out. */
static void mmio_widths_regs(uint32_t b)
{
	serial_puts("GUEST-MMIO-REGS");
	say("magic", mmio_get(b + VIRTIO_MMIO_MAGIC_VALUE, 4), 4);
	say("version", mmio_get(b + VIRTIO_MMIO_VERSION, 4), 4);
	say("id", mmio_get(b + VIRTIO_MMIO_DEVICE_ID, 4), 4);
	say("magic.b0", mmio_get(b, 1), 1);
	say("magic.b1", mmio_get(b + 1, 1), 1);
	say("magic.w0", mmio_get(b, 2), 2);
	say("magic.w2", mmio_get(b + 2, 2), 2);
	say("magic.l2", mmio_get(b + 2, 4), 4); /* unaligned */
	mmio_put(b + VIRTIO_MMIO_STATUS, 4, 0);
	mmio_put(b + VIRTIO_MMIO_STATUS, 1, 1); /* ACKNOWLEDGE, a byte wide */
	say("status.after-b", mmio_get(b + VIRTIO_MMIO_STATUS, 4), 4);
	mmio_put(b + VIRTIO_MMIO_STATUS, 2, 1);
	say("status.after-w", mmio_get(b + VIRTIO_MMIO_STATUS, 4), 4);
	mmio_put(b + VIRTIO_MMIO_STATUS, 4, 1);
	say("status.after-l", mmio_get(b + VIRTIO_MMIO_STATUS, 4), 4);
	say("status.b", mmio_get(b + VIRTIO_MMIO_STATUS, 1), 1);
	mmio_put(b + VIRTIO_MMIO_STATUS, 4, 0);
	say("status.reset", mmio_get(b + VIRTIO_MMIO_STATUS, 4), 4);
	serial_puts("\n");
}

/* 8-byte accesses: one access to us; QEMU's memory core makes two 4-byte ones of it. */
static void mmio_widths_quad(uint32_t b)
{
	serial_puts("GUEST-MMIO-QUAD");
	say("magic.q", mmio_get(b + VIRTIO_MMIO_MAGIC_VALUE, 8), 8);
	mmio_put(b + VIRTIO_MMIO_STATUS, 8, 1);
	say("status.after-q", mmio_get(b + VIRTIO_MMIO_STATUS, 4), 4);
	mmio_put(b + VIRTIO_MMIO_STATUS, 4, 0);
	say("cfg.q0", mmio_get(b + VIRTIO_MMIO_CONFIG, 8), 8); /* capacity */
	serial_puts("\n");
}

/* struct virtio_blk_config (5.2.4): capacity at 0 (64-bit), seg_max at 12, blk_size at 20. */
static void mmio_widths_config(uint32_t b)
{
	uint32_t c = b + VIRTIO_MMIO_CONFIG;

	serial_puts("GUEST-MMIO-CONFIG");
	say("cap.l0", mmio_get(c, 4), 4);
	say("cap.l4", mmio_get(c + 4, 4), 4);
	say("cap.w0", mmio_get(c, 2), 2);
	say("cap.b0", mmio_get(c, 1), 1);
	say("cap.b1", mmio_get(c + 1, 1), 1);
	say("seg_max.l", mmio_get(c + 12, 4), 4);
	say("seg_max.w", mmio_get(c + 12, 2), 2);
	say("blk_size.l", mmio_get(c + 20, 4), 4);
	say("blk_size.b1", mmio_get(c + 21, 1), 1);
	mmio_put(c, 1, 0x55); /* capacity is read-only: the write goes nowhere */
	mmio_put(c + 20, 4, 4096);
	say("cap.b0.after-write", mmio_get(c, 1), 1);
	say("blk_size.after-write", mmio_get(c + 20, 4), 4);
	serial_puts("\n");
}

/* The accesses no driver makes, where QEMU and we may differ: unaligned, past the end. */
static void mmio_widths_odd(uint32_t b)
{
	uint32_t c = b + VIRTIO_MMIO_CONFIG;

	serial_puts("GUEST-MMIO-ODD");
	say("cap.w1", mmio_get(c + 1, 2), 2);
	say("cap.l2", mmio_get(c + 2, 4), 4);
	say("cfg.past-end", mmio_get(c + 0xf0, 4), 4);
	serial_puts("\n");
}

void do_mmio_widths(const struct hvm_start_info *si)
{
	uint32_t b = blk_window(si);

	if (!b) {
		serial_puts("GUEST-MMIO-WIDTHS no virtio-blk\n");
		return;
	}
	mmio_widths_regs(b);
	mmio_widths_quad(b);
	mmio_widths_config(b);
	mmio_widths_odd(b);
	serial_puts("GUEST-MMIO-WIDTHS done\n");
}

/* Two byte-wide registers in one 16-bit access, each way: LCR (+3) and MCR (+4) of COM1. */
static void pio_widths_uart(void)
{
	outb(0x3f8 + 3, 0x03); /* LCR: 8N1 */
	outb(0x3f8 + 4, 0x03); /* MCR: DTR, RTS */
	say("uart.lcr-mcr", inw(0x3f8 + 3), 2);
	outw(0x3f8 + 3, 0x0103); /* LCR 8N1 again, and MCR DTR only where the access splits */
	say("uart.mcr-after-w", inb(0x3f8 + 4), 1);
	outb(0x3f8 + 4, 0x03);
	outb(0x3f8 + 7, 0x5a); /* the scratch register */
	say("uart.scr", inb(0x3f8 + 7), 1);
	say("uart.scr-w", inw(0x3f8 + 7), 2); /* one byte inside the UART, one past it */
}

/* rep insw/insl from nobody's port: all-ones, counted as one exit of count N (--trace). */
static void pio_widths_string(void)
{
	static uint32_t buf[8];
	void *p = buf;
	uint32_t n = 8, ones = 0;

	__asm__ volatile("cld; rep insw" : "+D"(p), "+c"(n) : "d"(WIDTH_PORT) : "memory");
	p = buf + 4, n = 4;
	__asm__ volatile("cld; rep insl" : "+D"(p), "+c"(n) : "d"(WIDTH_PORT) : "memory");
	for (int i = 0; i < 8; i++)
		ones += buf[i] == 0xffffffff;
	say("ins.ones", ones, 1);
	p = buf, n = 3;
	__asm__ volatile("cld; rep outsw" : "+S"(p), "+c"(n) : "d"(WIDTH_PORT) : "memory");
	p = buf, n = 5;
	__asm__ volatile("cld; rep outsl" : "+S"(p), "+c"(n) : "d"(WIDTH_PORT) : "memory");
}

void do_pio_widths(void)
{
	serial_puts("GUEST-PIO-WIDTHS");
	say("none.w", inw(WIDTH_PORT), 2);
	say("none.l", inl(WIDTH_PORT), 4);
	pio_widths_uart();
	pio_widths_string();
	serial_puts("\n");
	outl(0xf4, 0); /* QEMU's pc has no power registers at our port: end it this way */
}
