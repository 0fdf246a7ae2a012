/* SPDX-License-Identifier: MIT */
/*
 * action=garbage seed=S [n=OPS]: a guest hostile to every device the VMM emulates. A
 * xorshift32 generator (Marsaglia, "Xorshift RNGs", 2003) seeded with S picks OPS accesses
 * (default 20000): reads and writes of width 1, 2 and 4 (and 8 for MMIO, with MMX's movq)
 * at the UARTs (COM1-COM4), the CMOS RTC, the PIT and port 0x61, fw_cfg (garbage keys,
 * reads far past an item's end), the PCI configuration ports, debugcon, the hypercall
 * ports (blocks out of RAM, unaligned, across RAM's end, and in RAM with garbage fields),
 * every register and the config space of every virtio-mmio window (and driver-like set-ups
 * whose rings and requests are garbage), ports and MMIO addresses nobody emulates, and
 * string I/O (rep ins/outs) at all of them.
 *
 * Never touched until the end: the ACPI sleep and reset registers and isa-debug-exit (they
 * would end the run), KVM's own devices (8259s, ELCR, IOAPIC, LAPIC: not the VMM's code),
 * and guest RAM below GARBAGE_SAFE, where this guest lives: every address the garbage
 * hands a device (hypercall blocks, buffers, rings, descriptors) is at or above it, out
 * of RAM, or not aligned, so a device that does what it is told writes only there. A
 * block at a random RAM address would have the VMM answer into this guest's code.
 *
 * Then it checks the VMM still answers (every virtio window resets and reads its magic,
 * fw_cfg's signature, HC_VERSION, HC_TIME, the disk through HC_DISK_READ, with its FNV-1a
 * hash for the host to compare with the image), puts COM1 back in order, echoes one line
 * typed on the host (action=echo's lines), and prints GUEST-GARBAGE-OK, or
 * GUEST-GARBAGE-FAIL and the check.
 */
#include <linux/virtio_mmio.h>

#include "../../base/layout.h"
#include "../../base/machine.h"
#include "../../devices/fw_cfg.h"
#include "../kit/kit.h"
#include "actions.h"

#define GARBAGE_SAFE 0x1000000u		      /* 16 MiB: no part of this guest is above */
#define RING_AREA    GARBAGE_SAFE	      /* the set-up queue's rings */
#define BLOCK_AREA   (GARBAGE_SAFE + 0x10000) /* hypercall blocks */
#define DATA_AREA    (GARBAGE_SAFE + 0x20000) /* buffers, string I/O, requests */
#define NR_WINDOWS   MACHINE_MAX_VIRTIO
#define VIRTIO_MAGIC 0x74726976 /* "virt", virtio 1.2 4.2.2 */
/* virtio 1.2 2.1: device status bits (linux/virtio_config.h needs asm/types.h, not here) */
#define ST_ACKNOWLEDGE 1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8
#define BLK_T_IN       0 /* virtio 1.2 5.2.6: request types */
#define BLK_T_OUT      1
#define BLK_T_FLUSH    4
#define BLK_T_GET_ID   8
#define BLK_T_DISCARD  11
#define BLK_T_ZEROES   13

enum g_class {
	G_UART,
	G_RTC,
	G_PIT,
	G_FWCFG,
	G_PCI,
	G_DEBUGCON,
	G_HC,
	G_VIRTIO,
	G_VSETUP,
	G_PORT,
	G_MMIO,
	G_STRING,
	G_NR
};

static const char *const g_name[G_NR] = {"uart", "rtc",	   "pit",   "fwcfg", "pci",  "debugcon",
					 "hc",	 "virtio", "setup", "port",  "mmio", "string"};

/* Out of every 64 ops, how many of each class: the set-ups are long, so rare. */
static const uint8_t g_weight[G_NR] = {6, 4, 4, 5, 3, 2, 8, 14, 1, 5, 5, 7};

static struct {
	uint32_t rng;
	uint32_t ram_end; /* of the RAM the guest runs in (below 4 GiB) */
	uint64_t sectors; /* of disk 0, 0 without one */
	uint32_t window[NR_WINDOWS];
	int nr_windows;
	uint32_t ops[G_NR], reads, writes;
} g;

static uint32_t rnd(void)
{
	uint32_t x = g.rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return g.rng = x;
}

static uint32_t pick(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* A 64-bit value that is never a RAM address: its high half is not 0. */
static uint64_t rnd_far(void)
{
	return (uint64_t)(rnd() | 1) << 32 | rnd();
}

static int rnd_width(int max)
{
	return 1 << pick(max == 8 ? 4 : 3);
}

/* --- accesses of each width ---------------------------------------------------------------- */

static uint32_t pio_read(uint16_t port, int w)
{
	g.reads++;
	return w == 1 ? inb(port) : w == 2 ? inw(port) : inl(port);
}

static void pio_write(uint16_t port, int w, uint32_t v)
{
	g.writes++;
	if (w == 1)
		outb(port, (uint8_t)v);
	else if (w == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

static uint64_t mmio_read(uint32_t a, int w)
{
	g.reads++;
	return mmio_get(a, w);
}

static void mmio_write(uint32_t a, int w, uint64_t v)
{
	g.writes++;
	mmio_put(a, w, v);
}

/* --- ports ----------------------------------------------------------------------------------- */

/* [port, port + w) touches what ends the run, KVM's own devices or the hypercalls. */
static int port_forbidden(uint32_t port, int w)
{
	static const uint16_t r[][2] = {
	    {PM_SLEEP_CTL_PORT, 2},
	    {PM_RESET_PORT, 1},
	    {DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE},
	    {0x20, 2},
	    {0xa0, 2},
	    {0x4d0, 2}, /* 8259s, ELCR: KVM's */
	    {HC_PORT_BASE, HC_NR_PORTS},
	};

	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (port < (uint32_t)r[i][0] + r[i][1] && r[i][0] < port + w)
			return 1;
	return 0;
}

static const uint16_t uart_base[MACHINE_MAX_SERIAL] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};

/* A port of a device class, or any port nothing forbids. */
static uint16_t class_port(int c, int w)
{
	uint32_t p;

	switch (c) {
	case G_UART:
		return uart_base[pick(4)] + pick(8);
	case G_RTC:
		return RTC_PORT + pick(8); /* the two that answer and the six a PC reserves */
	case G_PIT:
		return pick(5) ? PIT_PORT + pick(PIT_NR_PORTS) : PIT_PORT_61;
	case G_FWCFG:
		return FW_CFG_PORT + pick(4);
	case G_PCI:
		return PCI_CONF_PORT + pick(PCI_CONF_SIZE);
	case G_DEBUGCON:
		return DEBUGCON_PORT;
	default:
		do
			p = pick(0x10000);
		while (port_forbidden(p, w));
		return (uint16_t)p;
	}
}

static uint32_t rnd_value(void)
{
	static const uint32_t special[] = {0, 1, 0x80, 0xff, 0xffff, 0x80000000, 0xffffffff};

	return pick(4) ? rnd() : special[pick(sizeof(special) / sizeof(special[0]))];
}

static void pio_garbage(int c)
{
	int w = rnd_width(4);
	uint16_t port = class_port(c, w);

	if (port_forbidden(port, w)) /* a class port next to a forbidden one: narrower */
		w = 1;
	if (pick(2))
		pio_read(port, w);
	else
		pio_write(port, w, rnd_value());
}

/* A selector of every kind (known items, files, the write and arch-local bits, none), then
 * reads up to hundreds of bytes past the item's end, one `rep insb`. */
static void fwcfg_garbage(void)
{
	static const uint16_t keys[] = {
	    FW_CFG_SIGNATURE, FW_CFG_ID,	 FW_CFG_UUID, FW_CFG_RAM_SIZE, FW_CFG_NB_CPUS,
	    FW_CFG_FILE_DIR,  FW_CFG_FILE_FIRST, 0x4000,      0x8000,	       0xffff};
	uint8_t *buf = (uint8_t *)(uintptr_t)DATA_AREA;
	uint32_t n = 1 + pick(600);

	switch (pick(3)) {
	case 0:
		pio_write(FW_CFG_PORT, 2, pick(2) ? keys[pick(sizeof(keys) / 2)] : rnd());
		break;
	case 1:
		g.reads += n;
		__asm__ volatile("cld; rep insb"
				 : "+D"(buf), "+c"(n)
				 : "d"(FW_CFG_PORT + 1)
				 : "memory");
		break;
	default:
		pio_garbage(G_FWCFG);
	}
}

/* rep ins/outs of any width and up to 64 counts at a device's port or any port. */
static void string_garbage(void)
{
	static const uint8_t classes[] = {G_UART, G_RTC, G_PIT, G_FWCFG, G_PCI, G_DEBUGCON, G_PORT};
	int w = rnd_width(4), c = classes[pick(sizeof(classes))];
	uint16_t port = class_port(c, w);
	uint32_t n = 1 + pick(64), *buf = (uint32_t *)(uintptr_t)DATA_AREA, out = pick(2);
	void *p = buf;

	if (port_forbidden(port, w))
		return;
	if (out)
		for (uint32_t i = 0; i < n; i++)
			buf[i] = rnd();
	*(out ? &g.writes : &g.reads) += n;
#define REP_IO(insn, reg)                                                                          \
	__asm__ volatile("cld; rep " insn : "+" reg(p), "+c"(n) : "d"(port) : "memory")
	switch (w << 1 | out) {
	case 2:
		REP_IO("insb", "D");
		break;
	case 3:
		REP_IO("outsb", "S");
		break;
	case 4:
		REP_IO("insw", "D");
		break;
	case 5:
		REP_IO("outsw", "S");
		break;
	case 8:
		REP_IO("insl", "D");
		break;
	default:
		REP_IO("outsl", "S");
	}
#undef REP_IO
}

/* --- hypercalls ------------------------------------------------------------------------------ */

/* An address a device may be handed: in the safe RAM, across RAM's end, or no RAM at all. */
static uint64_t rnd_gpa(void)
{
	switch (pick(6)) {
	case 0:
		return rnd_far();
	case 1:
		return g.ram_end - pick(4096); /* a length may run past the end */
	case 2:
		return ~0ULL - pick(4096); /* address + length wraps */
	case 3:
		return g.ram_end + pick(0x1000000); /* just past RAM */
	default:
		return DATA_AREA + pick(g.ram_end - DATA_AREA);
	}
}

static uint64_t rnd_len(void)
{
	switch (pick(4)) {
	case 0:
		return rnd_far();
	case 1:
		return HC_SECTOR * (1 + pick(pick(2) ? (uint32_t)g.sectors + 2
						     : 2 * HC_DISK_IO_MAX / HC_SECTOR));
	default:
		return pick(4096);
	}
}

/* A block of call `call` at a safe address, every field garbage, its addresses rnd_gpa's. */
static void hc_fill(uint32_t *blk, int call)
{
	for (int i = 0; i < (int)(sizeof(struct hc_bootinfo) / 4); i++)
		blk[i] = rnd();
	if (call == HC_PUTS) {
		struct hc_puts *a = (void *)blk;

		a->data = rnd_gpa();
		a->len = pick(2) ? pick(64) : rnd_far(); /* no 200 MB of RAM to stdout */
	} else if (call == HC_BOOTINFO) {
		struct hc_bootinfo *a = (void *)blk;

		a->cmdline = pick(4) ? rnd_gpa() : 0;
		a->cmdline_cap = pick(2) ? pick(300) : rnd();
		a->mmap = pick(4) ? rnd_gpa() : 0;
		a->mmap_cap = pick(2) ? pick(8) : rnd();
	} else if (call >= HC_DISK_INFO && call <= HC_DISK_FLUSH) {
		struct hc_disk_io *a = (void *)blk;

		a->disk = pick(4) ? pick(2) : rnd(); /* the second is read-only in the tests */
		a->len = (uint32_t)rnd_len();
		a->sector = pick(2) ? pick((uint32_t)g.sectors + 4) : rnd_far();
		a->data = rnd_gpa();
	}
}

/* The address a 32-bit OUT to HC_PORT(call) carries. HC_EXIT never gets a block it can
 * read: the run would end there. */
static uint32_t hc_block(int call)
{
	uint32_t at = BLOCK_AREA + 8 * pick(512), r = pick(8);

	if (call == HC_EXIT && r < 4)
		r += 4;
	switch (r) {
	case 4:
		return at + 1 + pick(7); /* unaligned */
	case 5:
		return g.ram_end - 8; /* across the end of RAM */
	case 6:
		return pick(2) ? 0xfffffff8 : g.ram_end + 8 * pick(0x100000);
	case 7:
		return rnd() | 1;
	default:
		hc_fill((uint32_t *)(uintptr_t)at, call);
		return at;
	}
}

static void hc_garbage(void)
{
	int call = (int)pick(HC_NR_PORTS), w = rnd_width(4);

	if (w != 4 || pick(4) == 0) { /* a narrow write (ignored), or any read */
		if (pick(2))
			pio_read(HC_PORT(call), w);
		else if (w != 4)
			pio_write(HC_PORT(call), w, rnd());
		return;
	}
	pio_write(HC_PORT(call), 4, hc_block(call));
}

/* --- virtio-mmio ----------------------------------------------------------------------------- */

static const uint16_t vreg[] = {
    VIRTIO_MMIO_MAGIC_VALUE,
    VIRTIO_MMIO_VERSION,
    VIRTIO_MMIO_DEVICE_ID,
    VIRTIO_MMIO_DEVICE_FEATURES,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL,
    VIRTIO_MMIO_DRIVER_FEATURES,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL,
    VIRTIO_MMIO_QUEUE_SEL,
    VIRTIO_MMIO_QUEUE_NUM_MAX,
    VIRTIO_MMIO_QUEUE_NUM,
    VIRTIO_MMIO_QUEUE_READY,
    VIRTIO_MMIO_QUEUE_NOTIFY,
    VIRTIO_MMIO_INTERRUPT_STATUS,
    VIRTIO_MMIO_INTERRUPT_ACK,
    VIRTIO_MMIO_STATUS,
    VIRTIO_MMIO_QUEUE_DESC_LOW,
    VIRTIO_MMIO_QUEUE_DESC_HIGH,
    VIRTIO_MMIO_QUEUE_AVAIL_LOW,
    VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
    VIRTIO_MMIO_QUEUE_USED_LOW,
    VIRTIO_MMIO_QUEUE_USED_HIGH,
    VIRTIO_MMIO_SHM_SEL,
    VIRTIO_MMIO_SHM_LEN_LOW,
    VIRTIO_MMIO_SHM_BASE_LOW,
    VIRTIO_MMIO_CONFIG_GENERATION,
};

/* A ring address: in the safe RAM, misaligned, across RAM's end or past it. */
static uint32_t ring_gpa(void)
{
	switch (pick(4)) {
	case 0:
		return RING_AREA + 1 + pick(15);
	case 1:
		return g.ram_end - pick(64);
	case 2:
		return pick(2) ? g.ram_end + pick(0x1000000) : 0xfffff000u + pick(0x1000);
	default:
		return RING_AREA + 16 * pick(0x1000);
	}
}

/* A value for the register at off: what a driver would write, or nearly, or garbage. */
static uint32_t vvalue(uint32_t off)
{
	static const uint8_t status[] = {0, 1, 3, 0xb, 0xf, 0x7, 0x40, 0x80, 0x8b};

	switch (off) {
	case VIRTIO_MMIO_QUEUE_DESC_LOW:  /* never a ring in this guest's RAM: the device */
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: /* writes the used ring, whatever the high half */
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		return ring_gpa();
	}
	if (pick(4) == 0)
		return rnd_value();
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		return 1u << pick(10);
	case VIRTIO_MMIO_QUEUE_SEL:
	case VIRTIO_MMIO_QUEUE_NOTIFY:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		return pick(3);
	case VIRTIO_MMIO_STATUS:
		return status[pick(sizeof(status))];
	default:
		return pick(2) ? 0 : rnd();
	}
}

static void virtio_garbage(void)
{
	uint32_t base = LAYOUT_VIRTIO_MMIO + LAYOUT_VIRTIO_MMIO_SIZE * pick(NR_WINDOWS + 1);
	uint32_t off;
	int w = rnd_width(8);

	switch (pick(4)) {
	case 0:
		off = vreg[pick(sizeof(vreg) / sizeof(vreg[0]))], w = pick(4) ? 4 : w;
		break;
	case 1:
		off = pick(0x100);
		break;
	case 2:
		off = 0x100 + pick(0x80); /* the config space, and past its end */
		break;
	default:
		off = pick(LAYOUT_VIRTIO_MMIO_SIZE);
	}
	if (pick(2))
		mmio_read(base + off, w);
	else
		mmio_write(base + off, w, (uint64_t)rnd() << 32 | vvalue(off));
}

/* Descriptors 0-2 a well-formed read or write of up to 8 sectors (virtio 1.2 5.2.6), the
 * first entry of the avail ring: so the garbage after it reaches a disk that works. */
static void ring_request(uint32_t *d, uint16_t *avail)
{
	uint32_t *hdr = (uint32_t *)(uintptr_t)(DATA_AREA + 0x1000),
		 len = HC_SECTOR * (1 + pick(8));
	uint32_t *data = (uint32_t *)(uintptr_t)(DATA_AREA + 0x2000);
	int in = (int)pick(2);

	hdr[0] = in ? BLK_T_IN : BLK_T_OUT;
	hdr[1] = 0;
	hdr[2] = pick((uint32_t)g.sectors + 1);
	hdr[3] = 0;
	for (uint32_t i = 0; !in && i < len / 4; i += 16)
		data[i] = rnd();
	d[0] = DATA_AREA + 0x1000, d[1] = 0, d[2] = 16, d[3] = 1 | 1 << 16; /* NEXT */
	d[4] = DATA_AREA + 0x2000, d[5] = 0, d[6] = len, d[7] = (in ? 3 : 1) | 2 << 16;
	d[8] = DATA_AREA + 0x3000, d[9] = 0, d[10] = 1, d[11] = 2; /* WRITE */
	avail[2] = 0;
}

/* Split-ring layout (virtio 1.2 2.7): desc 16 bytes each, then avail, then used. */
static void ring_garbage(uint32_t size)
{
	uint32_t *d = (uint32_t *)(uintptr_t)RING_AREA;
	uint16_t *avail = (uint16_t *)(uintptr_t)(RING_AREA + 16 * size);
	static const uint32_t types[] = {BLK_T_IN,     BLK_T_OUT,     BLK_T_FLUSH,
					 BLK_T_GET_ID, BLK_T_DISCARD, BLK_T_ZEROES};
	uint32_t *hdr = (uint32_t *)(uintptr_t)DATA_AREA;

	for (uint32_t i = 0; i < size; i++) {
		uint64_t a = pick(3) ? DATA_AREA + 16 * pick(64) : rnd_gpa();

		d[4 * i] = (uint32_t)a;
		d[4 * i + 1] = (uint32_t)(a >> 32);
		d[4 * i + 2] = pick(2) ? (uint32_t)rnd_len() : 16;
		/* flags NEXT 1, WRITE 2, INDIRECT 4; next in the ring, or anywhere */
		d[4 * i + 3] = (pick(8) ? pick(8) : rnd()) | (pick(4) ? pick(size) : rnd()) << 16;
	}
	for (uint32_t i = 0; i < 256; i += 4) { /* request headers: type, reserved, sector */
		hdr[i] = pick(4) ? types[pick(sizeof(types) / 4)] : rnd();
		hdr[i + 1] = rnd();
		hdr[i + 2] = pick(2) ? pick((uint32_t)g.sectors + 2) : rnd();
		hdr[i + 3] = pick(4) ? 0 : rnd();
	}
	avail[0] = pick(2) ? 0 : (uint16_t)rnd();
	avail[1] = (uint16_t)(pick(2) ? 1 + pick(size + 1) : rnd()); /* idx */
	for (uint32_t i = 0; i < size; i++)
		avail[2 + i] = (uint16_t)(pick(4) ? pick(size) : rnd());
	if (size >= 4 && pick(2))
		ring_request(d, avail);
}

/*
 * As Linux's virtio_mmio probes and virtio_blk starts (virtio 1.2 3.1.1, 4.2.3), with the
 * rings and every request in them garbage, then the kick: the device's I/O thread walks
 * them while the guest goes on.
 */
static void virtio_setup(void)
{
	uint32_t base, size = 1u << pick(pick(4) ? 4 : 9); /* 1..16 mostly, up to 256 */
	uint32_t used = (RING_AREA + 16 * size + 6 + 2 * size + 3) & ~3u;

	if (!g.nr_windows)
		return;
	base = g.window[pick(g.nr_windows)];
	mmio_write(base + VIRTIO_MMIO_STATUS, 4, 0);
	ring_garbage(size);
	mmio_write(base + VIRTIO_MMIO_STATUS, 4, ST_ACKNOWLEDGE | ST_DRIVER);
	mmio_write(base + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
	mmio_write(base + VIRTIO_MMIO_DRIVER_FEATURES, 4, pick(4) ? 1 : rnd()); /* VERSION_1 */
	mmio_write(base + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
	mmio_write(base + VIRTIO_MMIO_DRIVER_FEATURES, 4, rnd());
	mmio_write(base + VIRTIO_MMIO_STATUS, 4, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	mmio_write(base + VIRTIO_MMIO_QUEUE_SEL, 4, pick(8) ? 0 : rnd());
	mmio_write(base + VIRTIO_MMIO_QUEUE_NUM, 4, size);
	mmio_write(base + VIRTIO_MMIO_QUEUE_DESC_LOW, 4, RING_AREA);
	mmio_write(base + VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0);
	mmio_write(base + VIRTIO_MMIO_QUEUE_AVAIL_LOW, 4, RING_AREA + 16 * size);
	mmio_write(base + VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 4, 0);
	mmio_write(base + VIRTIO_MMIO_QUEUE_USED_LOW, 4, pick(8) ? used : used + 2);
	mmio_write(base + VIRTIO_MMIO_QUEUE_USED_HIGH, 4, 0);
	mmio_write(base + VIRTIO_MMIO_QUEUE_READY, 4, 1);
	mmio_write(base + VIRTIO_MMIO_STATUS, 4,
		   ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	mmio_write(base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, pick(8) ? 0 : rnd());
}

/* MMIO nobody emulates: past RAM, the hole around the virtio windows, HPET's page, the top.
 * Not the IOAPIC's page nor the LAPIC's: KVM's. */
static void mmio_garbage(void)
{
	static const uint32_t r[][2] = {
	    {0, 0}, /* [ram_end, the hole) */
	    {LAYOUT_MMIO_HOLE, LAYOUT_VIRTIO_MMIO - LAYOUT_MMIO_HOLE},
	    {LAYOUT_VIRTIO_MMIO + (NR_WINDOWS + 1) * LAYOUT_VIRTIO_MMIO_SIZE,
	     LAYOUT_IOAPIC - LAYOUT_VIRTIO_MMIO - (NR_WINDOWS + 1) * LAYOUT_VIRTIO_MMIO_SIZE},
	    {LAYOUT_IOAPIC + 0x1000, LAYOUT_LAPIC - LAYOUT_IOAPIC - 0x1000},
	    {LAYOUT_LAPIC + 0x1000, 0xfffffff8u - LAYOUT_LAPIC - 0x1000},
	};
	int i = (int)pick(5), w = rnd_width(8);
	uint32_t a = i ? r[i][0] + pick(r[i][1]) : g.ram_end + pick(LAYOUT_MMIO_HOLE - g.ram_end);

	if (pick(2))
		mmio_read(a, w);
	else
		mmio_write(a, w, (uint64_t)rnd() << 32 | rnd());
}

static void garbage_op(void)
{
	uint32_t r = pick(64);
	int c = 0;

	while (r >= g_weight[c])
		r -= g_weight[c++];
	g.ops[c]++;
	switch (c) {
	case G_FWCFG:
		fwcfg_garbage();
		break;
	case G_HC:
		hc_garbage();
		break;
	case G_VIRTIO:
		virtio_garbage();
		break;
	case G_VSETUP:
		virtio_setup();
		break;
	case G_MMIO:
		mmio_garbage();
		break;
	case G_STRING:
		string_garbage();
		break;
	default:
		pio_garbage(c);
	}
}

/* --- before and after ------------------------------------------------------------------------ */

static uint32_t ram_end_of(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e = (void *)(uintptr_t)si->memmap_paddr;

	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (e[i].type == 1 && e[i].addr <= LAYOUT_KERNEL &&
		    e[i].addr + e[i].size > LAYOUT_KERNEL)
			return (uint32_t)(e[i].addr + e[i].size);
	return 0;
}

static void find_windows(void)
{
	g.nr_windows = 0;
	for (int i = 0; i < NR_WINDOWS; i++) {
		uint32_t base = LAYOUT_VIRTIO_MMIO + LAYOUT_VIRTIO_MMIO_SIZE * i;

		if (mmio_read(base + VIRTIO_MMIO_MAGIC_VALUE, 4) == VIRTIO_MAGIC)
			g.window[g.nr_windows++] = base;
	}
}

static uint64_t disk_sectors(void)
{
	struct hc_disk_info di = {.disk = 0};

	return hc_call(HC_DISK_INFO, &di) ? 0 : di.sectors;
}

/* COM1 as the kit expects it: 8N1, DLAB off, no loopback, no interrupts, FIFOs cleared. */
static void uart_restore(void)
{
	outb(0x3f8 + 3, 0x03); /* LCR */
	outb(0x3f8 + 1, 0x00); /* IER */
	outb(0x3f8 + 4, 0x03); /* MCR: DTR, RTS */
	outb(0x3f8 + 2, 0x07); /* FCR: FIFOs on and cleared */
	while (inb(0x3f8 + 5) & 1)
		inb(0x3f8);
}

static int fail(const char *check)
{
	serial_puts("GUEST-GARBAGE-FAIL ");
	serial_puts(check);
	serial_puts("\n");
	return 1;
}

/* The disk as the guest sees it now, FNV-1a: the host hashes its image to compare. */
static int disk_hash(uint32_t *h)
{
	struct hc_disk_io io = {.disk = 0, .data = DATA_AREA};
	const uint8_t *p = (const uint8_t *)(uintptr_t)DATA_AREA;

	*h = 2166136261u;
	for (uint64_t s = 0; s < g.sectors; s += io.len / HC_SECTOR) {
		io.sector = s;
		io.len = g.sectors - s < HC_DISK_IO_MAX / HC_SECTOR
			     ? (uint32_t)(g.sectors - s) * HC_SECTOR
			     : HC_DISK_IO_MAX;
		if (hc_call(HC_DISK_READ, &io))
			return 1;
		for (uint32_t i = 0; i < io.len; i++)
			*h = (*h ^ p[i]) * 16777619u;
	}
	return 0;
}

/* Every device the garbage hit still answers as a driver expects. */
static int garbage_alive(void)
{
	struct hc_version v = {0};
	struct hc_time t = {0};
	uint8_t sig[4];
	int bad = 0, windows = g.nr_windows;
	uint32_t h = 0;

	for (int i = 0; i < windows; i++) {
		mmio_write(g.window[i] + VIRTIO_MMIO_STATUS, 4, 0);
		if (mmio_read(g.window[i] + VIRTIO_MMIO_STATUS, 4) != 0)
			bad |= fail("virtio-reset");
	}
	find_windows();
	if (g.nr_windows != windows)
		bad |= fail("virtio-magic");
	outw(FW_CFG_PORT, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = inb(FW_CFG_PORT + 1);
	if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
		bad |= fail("fwcfg-signature");
	if (hc_call(HC_VERSION, &v) || v.version != HC_ABI_VERSION)
		bad |= fail("hc-version");
	if (hc_call(HC_TIME, &t) || !t.monotonic_ns)
		bad |= fail("hc-time");
	if (g.sectors && disk_hash(&h))
		bad |= fail("hc-disk-read");
	serial_puts("GUEST-GARBAGE-ALIVE virtio=");
	serial_putu(g.nr_windows);
	serial_puts(" hc-version=");
	serial_putu(v.version);
	serial_puts(" disk-sectors=");
	serial_putu((uint32_t)g.sectors);
	serial_puts(" disk-fnv=");
	serial_puthex(h);
	serial_puts("\n");
	return bad;
}

static void garbage_summary(uint32_t seed)
{
	serial_puts("GUEST-GARBAGE seed=");
	serial_putu(seed);
	serial_puts(" reads=");
	serial_putu(g.reads);
	serial_puts(" writes=");
	serial_putu(g.writes);
	for (int c = 0; c < G_NR; c++) {
		serial_putc(' ');
		serial_puts(g_name[c]);
		serial_putc('=');
		serial_putu(g.ops[c]);
	}
	serial_puts("\n");
}

void do_garbage(struct hvm_start_info *si, uint32_t seed, uint32_t ops)
{
	int bad;

	g.rng = seed ? seed : 1;
	g.ram_end = ram_end_of(si);
	if (g.ram_end < 2 * GARBAGE_SAFE) {
		serial_puts("GUEST-GARBAGE-FAIL needs 32M of RAM\n");
		return;
	}
	g.sectors = disk_sectors();
	find_windows();
	serial_puts("GUEST-GARBAGE-START\n");
	for (uint32_t i = 0; i < (ops ? ops : 20000); i++)
		garbage_op();
	uart_restore();
	garbage_summary(seed);
	bad = garbage_alive();
	do_echo(); /* a line typed on the host: the UART and the console path work */
	serial_puts(bad ? "GUEST-GARBAGE-FAIL\n" : "GUEST-GARBAGE-OK\n");
}
