/* SPDX-License-Identifier: MIT */
/*
 * ACPI table and AML emitter tests. The tables are checked twice: by
 * walking the bytes here, and by the ACPICA tools (iasl must disassemble
 * them without complaint and reassemble them to the same bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firmware/acpi.h"
#include "firmware/aml.h"
#include "base/layout.h"

#define BUF_LEN	  LAYOUT_ACPI_SIZE
#define GUARD_LEN 64
#define CANARY	  0xa5

#define FADT_HW_REDUCED	   (1u << 20)
#define FADT_RESET_REG_SUP (1u << 10)

/* ---- helpers ---- */

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void machine_fill(struct machine_desc *m, int nr_cpus, int nr_virtio)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->ram_size = 256 << 20; /* ACPI does not describe RAM, but a machine has some */
	m->ram[m->nr_ram++] = (struct mem_range){0, m->ram_size};
	m->nr_cpus = nr_cpus;
	m->nr_serial = 2;
	m->serial[0] = (struct serial_desc){.port = 0x3f8, .irq = 4};
	m->serial[1] = (struct serial_desc){.port = 0x2f8, .irq = 3};
	m->nr_virtio = nr_virtio;
	for (i = 0; i < nr_virtio; i++) {
		m->virtio[i].base = LAYOUT_VIRTIO_MMIO + i * LAYOUT_VIRTIO_MMIO_SIZE;
		m->virtio[i].irq = 5 + i;
		m->virtio[i].device_id = 2;
	}
	m->pm_sleep_ctl = PM_SLEEP_CTL_PORT;
	m->pm_reset = PM_RESET_PORT;
	m->fw_cfg_port = FW_CFG_PORT;
	m->rtc_port = RTC_PORT;
	m->rtc_irq = RTC_IRQ;
}

struct tables {
	uint8_t *buf;
	long len;
	uint8_t *rsdp, *xsdt, *rsdt, *fadt, *madt, *dsdt;
};

/* A table at a guest-physical address: inside the build, aligned, whole. */
static uint8_t *table_at(const struct tables *t, uint64_t gpa, const char *sig)
{
	uint64_t off;
	uint8_t *p;

	assert_true(gpa >= LAYOUT_ACPI);
	off = gpa - LAYOUT_ACPI;
	assert_true(off + 36 <= (uint64_t)t->len);
	assert_int_equal(off % 8, 0);
	p = t->buf + off;
	assert_memory_equal(p, sig, 4);
	assert_true(off + get_le(p + 4, 4) <= (uint64_t)t->len);
	assert_int_equal(sum(p, get_le(p + 4, 4)), 0);
	return p;
}

static void tables_parse(struct tables *t)
{
	t->rsdp = t->buf;
	t->xsdt = table_at(t, get_le(t->rsdp + 24, 8), "XSDT");
	t->rsdt = table_at(t, get_le(t->rsdp + 16, 4), "RSDT");
	t->fadt = table_at(t, get_le(t->xsdt + 36, 8), "FACP");
	t->madt = table_at(t, get_le(t->xsdt + 44, 8), "APIC");
	t->dsdt = table_at(t, get_le(t->fadt + 140, 8), "DSDT");
}

static void tables_build(struct tables *t, const struct machine_desc *m)
{
	t->buf = malloc(BUF_LEN);
	assert_non_null(t->buf);
	t->len = acpi_build(m, LAYOUT_ACPI, t->buf, BUF_LEN);
	assert_true(t->len > 0 && t->len <= (long)BUF_LEN);
	tables_parse(t);
}

static uint32_t table_len(const uint8_t *p)
{
	return get_le(p + 4, 4);
}

static const uint8_t *memfind(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
	return memmem(hay, n, needle, k);
}

static int memcount(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
	const uint8_t *p = hay, *end = hay + n;
	int c = 0;

	while ((p = memmem(p, end - p, needle, k))) {
		c++;
		p += k;
	}
	return c;
}

/* ---- RSDP, XSDT, RSDT ---- */

static void test_rsdp(void **state)
{
	struct machine_desc m;
	struct tables t;

	(void)state;
	machine_fill(&m, 2, 8);
	tables_build(&t, &m);
	assert_memory_equal(t.rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(t.rsdp, 20), 0);
	assert_int_equal(sum(t.rsdp, 36), 0);
	assert_int_equal(t.rsdp[15], 2);
	assert_int_equal(get_le(t.rsdp + 20, 4), 36);
	assert_memory_equal(t.rsdp + 9, "VMMKVM", 6);
	free(t.buf);
}

static void test_sdt_entries(void **state)
{
	struct machine_desc m;
	struct tables t;
	int i;

	(void)state;
	machine_fill(&m, 2, 8);
	tables_build(&t, &m);
	assert_int_equal(table_len(t.xsdt), 36 + 2 * 8);
	assert_int_equal(table_len(t.rsdt), 36 + 2 * 4);
	/* The RSDT points at the same tables, in the same order. */
	for (i = 0; i < 2; i++)
		assert_int_equal(get_le(t.xsdt + 36 + 8 * i, 8), get_le(t.rsdt + 36 + 4 * i, 4));
	/* The DSDT is the last table: the build ends where it does. */
	assert_int_equal(t.dsdt - t.buf + table_len(t.dsdt), t.len);
	free(t.buf);
}

static void test_headers(void **state)
{
	uint8_t *tabs[5];
	struct machine_desc m;
	struct tables t;
	int i;

	(void)state;
	machine_fill(&m, 2, 8);
	tables_build(&t, &m);
	tabs[0] = t.xsdt, tabs[1] = t.rsdt, tabs[2] = t.fadt, tabs[3] = t.madt, tabs[4] = t.dsdt;
	for (i = 0; i < 5; i++) {
		assert_memory_equal(tabs[i] + 10, "VMMKVM", 6);
		assert_memory_equal(tabs[i] + 16, "VMMACPI ", 8);
		assert_int_equal(get_le(tabs[i] + 24, 4), 1);
		assert_memory_equal(tabs[i] + 28, "VMMC", 4);
		assert_int_equal(get_le(tabs[i] + 32, 4), 1);
	}
	free(t.buf);
}

/* The tables move with base; nothing else changes. */
static void test_base_relocates(void **state)
{
	static const uint64_t other = 0x80000;
	struct machine_desc m;
	struct tables t;
	uint8_t *b;
	long n;

	(void)state;
	machine_fill(&m, 4, 3);
	tables_build(&t, &m);
	b = malloc(BUF_LEN);
	assert_non_null(b);
	n = acpi_build(&m, other, b, BUF_LEN);
	assert_int_equal(n, t.len);
	assert_int_equal(get_le(b + 24, 8), get_le(t.rsdp + 24, 8) - LAYOUT_ACPI + other);
	assert_int_equal(get_le(b + (t.fadt - t.buf) + 140, 8),
			 get_le(t.fadt + 140, 8) - LAYOUT_ACPI + other);
	assert_memory_equal(b + (t.dsdt - t.buf), t.dsdt, table_len(t.dsdt));
	free(b);
	free(t.buf);
}

/* ---- FADT ---- */

static void assert_gas_io8(const uint8_t *g, uint64_t port)
{
	assert_int_equal(g[0], 1); /* SystemIO */
	assert_int_equal(g[1], 8);
	assert_int_equal(g[2], 0);
	assert_int_equal(g[3], 1); /* byte access */
	assert_int_equal(get_le(g + 4, 8), port);
}

static void test_fadt(void **state)
{
	struct machine_desc m;
	struct tables t;
	uint32_t flags;

	(void)state;
	machine_fill(&m, 1, 0);
	tables_build(&t, &m);
	assert_int_equal(table_len(t.fadt), 276);
	assert_int_equal(t.fadt[8], 6);
	flags = get_le(t.fadt + 112, 4);
	assert_true(flags & FADT_HW_REDUCED);
	assert_true(flags & FADT_RESET_REG_SUP);
	assert_int_equal(get_le(t.fadt + 40, 4), get_le(t.fadt + 140, 8));
	assert_int_equal(get_le(t.fadt + 36, 4), 0); /* no FACS */
	assert_int_equal(get_le(t.fadt + 132, 8), 0);
	assert_gas_io8(t.fadt + 244, PM_SLEEP_CTL_PORT);
	assert_gas_io8(t.fadt + 256, PM_SLEEP_CTL_PORT + 1);
	assert_gas_io8(t.fadt + 116, PM_RESET_PORT);
	assert_int_equal(t.fadt[128], PM_RESET_VALUE);
	assert_int_equal(get_le(t.fadt + 109, 2), 1u << 2); /* no VGA; a CMOS RTC */
	assert_int_equal(t.fadt[108], 0x32);		    /* its century byte */
	free(t.buf);
	/* a machine without the RTC says so, or Linux polls ports nobody answers */
	m.rtc_port = 0;
	tables_build(&t, &m);
	assert_int_equal(get_le(t.fadt + 109, 2), 1u << 2 | 1u << 5);
	assert_int_equal(t.fadt[108], 0);
	assert_null(memfind(t.dsdt, table_len(t.dsdt), "\x0c\x41\xd0\x0b\x00", 5));
	free(t.buf);
}

static void test_fadt_ports_follow_machine(void **state)
{
	struct machine_desc m;
	struct tables t;

	(void)state;
	machine_fill(&m, 1, 0);
	m.pm_sleep_ctl = 0xb000;
	m.pm_reset = 0xcf9;
	tables_build(&t, &m);
	assert_gas_io8(t.fadt + 244, 0xb000);
	assert_gas_io8(t.fadt + 256, 0xb001);
	assert_gas_io8(t.fadt + 116, 0xcf9);
	free(t.buf);
	/* fw_cfg's IO descriptor: at the machine's port, two ports long. */
	m.fw_cfg_port = 0x1234;
	tables_build(&t, &m);
	assert_non_null(
	    memfind(t.dsdt, table_len(t.dsdt), "\x47\x01\x34\x12\x34\x12\x01\x02\x79\x00", 10));
	free(t.buf);
}

/* ---- MADT ---- */

struct madt_seen {
	int lapics, ioapics, isos, nmis;
	int iso0_ok, iso9_ok;
};

static void madt_entry(const uint8_t *e, int nr_cpus, struct madt_seen *s)
{
	switch (e[0]) {
	case 0:
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], s->lapics); /* UID */
		assert_int_equal(e[3], s->lapics); /* APIC ID */
		assert_int_equal(get_le(e + 4, 4), 1);
		s->lapics++;
		break;
	case 1:
		assert_int_equal(e[1], 12);
		assert_int_equal(e[2], nr_cpus);
		assert_int_equal(get_le(e + 4, 4), LAYOUT_IOAPIC);
		assert_int_equal(get_le(e + 8, 4), 0);
		s->ioapics++;
		break;
	case 2:
		assert_int_equal(e[1], 10);
		assert_int_equal(e[2], 0);
		s->iso0_ok |= e[3] == 0 && get_le(e + 4, 4) == 2 && get_le(e + 8, 2) == 0;
		s->iso9_ok |= e[3] == 9 && get_le(e + 4, 4) == 9 && get_le(e + 8, 2) == 0xd;
		s->isos++;
		break;
	case 4:
		assert_int_equal(e[1], 6);
		assert_int_equal(e[2], 0xff);
		assert_int_equal(e[5], 1);
		s->nmis++;
		break;
	default:
		fail_msg("unexpected MADT entry type %d", e[0]);
	}
}

static void madt_check(int nr_cpus)
{
	struct madt_seen s = {0};
	struct machine_desc m;
	struct tables t;
	uint32_t off, len;

	machine_fill(&m, nr_cpus, 8);
	tables_build(&t, &m);
	len = table_len(t.madt);
	assert_int_equal(t.madt[8] >= 4, 1);
	assert_int_equal(get_le(t.madt + 36, 4), LAYOUT_LAPIC);
	assert_int_equal(get_le(t.madt + 40, 4), 1); /* PCAT_COMPAT */
	for (off = 44; off < len; off += t.madt[off + 1]) {
		assert_true(off + 2 <= len && t.madt[off + 1] >= 2);
		assert_true(off + t.madt[off + 1] <= len);
		madt_entry(t.madt + off, nr_cpus, &s);
	}
	assert_int_equal(off, len);
	assert_int_equal(s.lapics, nr_cpus);
	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.isos, 2);
	assert_true(s.iso0_ok && s.iso9_ok);
	assert_int_equal(s.nmis, 1);
	free(t.buf);
}

static void test_madt_1(void **state)
{
	(void)state;
	madt_check(1);
}

static void test_madt_2(void **state)
{
	(void)state;
	madt_check(2);
}

static void test_madt_255(void **state)
{
	(void)state;
	madt_check(MACHINE_MAX_CPUS);
}

/* ---- DSDT bytes ---- */

static void test_dsdt_content(void **state)
{
	/* clang-format off */
	/* Name(\_S5, Package(4) {5, Zero, Zero, Zero}) */
	static const uint8_t s5[] = {
		0x08, '\\', '_', 'S', '5', '_',
		0x12, 0x07, 0x04, 0x0a, PM_S5_TYPE, 0x00, 0x00, 0x00,
	};
	/* IO(Decode16, 0x3f8, 0x3f8, 0, 8), IRQNoFlags(){4}, EndTag */
	static const uint8_t com1_io[] = {
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,
		0x22, 0x10, 0x00,
		0x79, 0x00,
	};
	/* the RTC as QEMU's: IO(Decode16, 0x70, 0x70, 1, 8), IRQNoFlags(){8}, EndTag */
	static const uint8_t rtc_res[] = {
		0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x08,
		0x22, 0x00, 0x01,
		0x79, 0x00,
	};
	/* Memory32Fixed(ReadWrite, 0xd0007000, 0x1000),
	 * Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive){12}, EndTag */
	static const uint8_t vr07_res[] = {
		0x86, 0x09, 0x00, 0x01, 0x00, 0x70, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00,
		0x89, 0x06, 0x00, 0x01, 0x01, 0x0c, 0x00, 0x00, 0x00,
		0x79, 0x00,
	};
	/* Device(FWCF) {Name(_HID, "QEMU0002") Name(_STA, 0x0B)
	 *   Name(_CRS, ResourceTemplate() {IO(Decode16, 0x510, 0x510, 1, 2)})}:
	 * QEMU's fw_cfg_add_acpi_dsdt, without the DMA register. */
	static const uint8_t fwcf[] = {
		0x5b, 0x82, 0x2e, 'F', 'W', 'C', 'F',
		0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U', '0', '0', '0', '2', 0x00,
		0x08, '_', 'S', 'T', 'A', 0x0a, 0x0b,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x0d, 0x0a, 0x0a,
		0x47, 0x01, 0x10, 0x05, 0x10, 0x05, 0x01, 0x02,
		0x79, 0x00,
	};
	/* clang-format on */
	struct machine_desc m;
	struct tables t;
	uint32_t n;

	(void)state;
	machine_fill(&m, 2, 8);
	tables_build(&t, &m);
	n = table_len(t.dsdt);
	assert_int_equal(t.dsdt[8], 2);
	assert_non_null(memfind(t.dsdt, n, s5, sizeof(s5)));
	assert_non_null(memfind(t.dsdt, n, com1_io, sizeof(com1_io)));
	assert_non_null(memfind(t.dsdt, n, vr07_res, sizeof(vr07_res)));
	assert_non_null(memfind(t.dsdt, n, fwcf, sizeof(fwcf)));
	assert_int_equal(memcount(t.dsdt, n, "QEMU0002", 8), 1);
	assert_non_null(memfind(t.dsdt, n, "COM2", 4));
	assert_null(memfind(t.dsdt, n, "COM3", 4));
	assert_int_equal(memcount(t.dsdt, n, "LNRO0005", 8), 8);
	assert_int_equal(memcount(t.dsdt, n, "\x0c\x41\xd0\x05\x01", 5), 2); /* PNP0501 */
	assert_int_equal(memcount(t.dsdt, n, "\x0c\x41\xd0\x0b\x00", 5), 1); /* PNP0B00 */
	assert_non_null(memfind(t.dsdt, n, rtc_res, sizeof(rtc_res)));
	free(t.buf);
}

static void test_dsdt_no_virtio(void **state)
{
	struct machine_desc m;
	struct tables t;

	(void)state;
	machine_fill(&m, 1, 0);
	tables_build(&t, &m);
	assert_null(memfind(t.dsdt, table_len(t.dsdt), "LNRO0005", 8));
	assert_null(memfind(t.dsdt, table_len(t.dsdt), "VR00", 4));
	assert_non_null(memfind(t.dsdt, table_len(t.dsdt), "COM1", 4));
	free(t.buf);
}

/* ---- bad input, short buffers ---- */

static void test_einval(void **state)
{
	static const int bad_cpus[] = {0, -1, MACHINE_MAX_CPUS + 1};
	struct machine_desc m;
	uint8_t *buf = malloc(BUF_LEN);
	unsigned int i;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < sizeof(bad_cpus) / sizeof(bad_cpus[0]); i++) {
		machine_fill(&m, bad_cpus[i], 0);
		assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	}
	machine_fill(&m, 1, 0);
	assert_int_equal(acpi_build(NULL, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI + 4, buf, BUF_LEN), -EINVAL);
	assert_int_equal(acpi_build(&m, LAYOUT_4G, buf, BUF_LEN), -EINVAL);
	m.nr_serial = MACHINE_MAX_SERIAL + 1;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	machine_fill(&m, 1, MACHINE_MAX_VIRTIO);
	m.nr_virtio = MACHINE_MAX_VIRTIO + 1;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	machine_fill(&m, 1, 1);
	m.virtio[0].base = LAYOUT_4G;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	m.virtio[0].base = UINT64_MAX - 0x10; /* must not wrap past the check */
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	machine_fill(&m, 1, 0);
	m.serial[1].irq = 16;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	machine_fill(&m, 1, 0);
	m.fw_cfg_port = 0;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	m.fw_cfg_port = 0xffff; /* the data port would be past the I/O space */
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN), -EINVAL);
	m.fw_cfg_port = 0xfffe;
	assert_true(acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN) > 0);
	/* Bad input wins over a short buffer. */
	machine_fill(&m, 0, 0);
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI, buf, 0), -EINVAL);
	free(buf);
}

/* Every short length fails cleanly and leaves the bytes past len alone. */
static void enospc_check(int nr_cpus, int nr_virtio)
{
	struct machine_desc m;
	uint8_t *buf;
	long need, r;
	size_t len, i;

	machine_fill(&m, nr_cpus, nr_virtio);
	buf = malloc(BUF_LEN);
	assert_non_null(buf);
	need = acpi_build(&m, LAYOUT_ACPI, buf, BUF_LEN);
	assert_true(need > 0);
	for (len = 0; len <= (size_t)need; len++) {
		memset(buf, CANARY, need + GUARD_LEN);
		r = acpi_build(&m, LAYOUT_ACPI, buf, len);
		assert_int_equal(r, len == (size_t)need ? need : -ENOSPC);
		for (i = len; i < (size_t)need + GUARD_LEN; i++)
			if (buf[i] != CANARY)
				fail_msg("len %zu: byte %zu written", len, i);
	}
	free(buf);
}

static void test_enospc_small(void **state)
{
	(void)state;
	enospc_check(1, 0);
	assert_int_equal(acpi_build(&(struct machine_desc){.nr_cpus = 1,
							   .nr_ram = 1,
							   .ram = {{0, 2 << 20}},
							   .fw_cfg_port = FW_CFG_PORT},
				    LAYOUT_ACPI, NULL, 0),
			 -ENOSPC);
}

static void test_enospc_large(void **state)
{
	(void)state;
	enospc_check(2, 8);
	enospc_check(MACHINE_MAX_CPUS, MACHINE_MAX_VIRTIO);
}

/* ---- AML encoder ---- */

static void pkglen_expect(uint32_t v, const uint8_t *want, int n)
{
	uint8_t out[4];

	assert_int_equal(aml_pkglen_encode(v, out), n);
	assert_memory_equal(out, want, n);
}

static void test_aml_pkglen_encode(void **state)
{
	uint8_t out[4];

	(void)state;
	pkglen_expect(0, (uint8_t[]){0x00}, 1);
	pkglen_expect(63, (uint8_t[]){0x3f}, 1);
	pkglen_expect(64, (uint8_t[]){0x40, 0x04}, 2);
	pkglen_expect(0x123, (uint8_t[]){0x43, 0x12}, 2);
	pkglen_expect(4095, (uint8_t[]){0x4f, 0xff}, 2);
	pkglen_expect(4096, (uint8_t[]){0x80, 0x00, 0x01}, 3);
	pkglen_expect((1u << 20) - 1, (uint8_t[]){0x8f, 0xff, 0xff}, 3);
	pkglen_expect(1u << 20, (uint8_t[]){0xc0, 0x00, 0x00, 0x01}, 4);
	pkglen_expect(AML_PKGLEN_MAX, (uint8_t[]){0xcf, 0xff, 0xff, 0xff}, 4);
	assert_int_equal(aml_pkglen_encode(AML_PKGLEN_MAX + 1, out), -EINVAL);
}

/* A package body of n bytes: the PkgLength in front must count itself. */
static void pkg_body_expect(size_t body, uint32_t want_value, int want_bytes)
{
	uint8_t *buf = malloc(body + 16), enc[4];
	struct aml a;
	size_t mark, i;

	assert_non_null(buf);
	aml_init(&a, buf, body + 16);
	aml_byte(&a, 0x12);
	mark = a.len;
	for (i = 0; i < body; i++)
		aml_byte(&a, i * 7);
	aml_pkg_end(&a, mark);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, 1 + want_bytes + body);
	assert_int_equal(aml_pkglen_encode(want_value, enc), want_bytes);
	assert_memory_equal(buf + 1, enc, want_bytes);
	for (i = 0; i < body; i++)
		if (buf[1 + want_bytes + i] != (uint8_t)(i * 7))
			fail_msg("body %zu: byte %zu moved wrong", body, i);
	free(buf);
}

static void test_aml_pkg_end(void **state)
{
	(void)state;
	pkg_body_expect(0, 1, 1);
	pkg_body_expect(62, 63, 1);
	pkg_body_expect(63, 65, 2); /* 64 would fit one byte only if the byte were free */
	pkg_body_expect(4093, 4095, 2);
	pkg_body_expect(4094, 4097, 3);
	pkg_body_expect((1u << 20) - 4, (1u << 20) - 1, 3);
	pkg_body_expect((1u << 20) - 3, (1u << 20) + 1, 4);
}

static void int_expect(uint64_t v, const uint8_t *want, size_t n)
{
	uint8_t buf[16];
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, v);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, n);
	assert_memory_equal(buf, want, n);
}

static void test_aml_integer(void **state)
{
	(void)state;
	int_expect(0, (uint8_t[]){0x00}, 1);
	int_expect(1, (uint8_t[]){0x01}, 1);
	int_expect(2, (uint8_t[]){0x0a, 0x02}, 2);
	int_expect(0xff, (uint8_t[]){0x0a, 0xff}, 2);
	int_expect(0x100, (uint8_t[]){0x0b, 0x00, 0x01}, 3);
	int_expect(0xffff, (uint8_t[]){0x0b, 0xff, 0xff}, 3);
	int_expect(0x10000, (uint8_t[]){0x0c, 0x00, 0x00, 0x01, 0x00}, 5);
	int_expect(0xffffffff, (uint8_t[]){0x0c, 0xff, 0xff, 0xff, 0xff}, 5);
	int_expect(0x100000000ULL, (uint8_t[]){0x0e, 0, 0, 0, 0, 1, 0, 0, 0}, 9);
	int_expect(0x0123456789abcdefULL,
		   (uint8_t[]){0x0e, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01}, 9);
}

static void test_aml_eisaid(void **state)
{
	static const char *const bad[] = {"",	     "PNP050",	"PNP05011", "pnp0501",
					  "PNP050G", "P1P0501", "PNP05a1"};
	uint8_t buf[8];
	struct aml a;
	uint32_t v;
	unsigned int i;

	(void)state;
	assert_int_equal(aml_eisaid_encode("PNP0501", &v), 0);
	assert_int_equal(v, 0x0105D041);
	assert_int_equal(aml_eisaid_encode("PNP0A03", &v), 0);
	assert_int_equal(v, 0x030AD041);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(aml_eisaid_encode(bad[i], &v), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP0501");
	assert_int_equal(a.len, 5);
	assert_memory_equal(buf, ((uint8_t[]){0x0c, 0x41, 0xd0, 0x05, 0x01}), 5);
	aml_eisaid(&a, "nope");
	assert_int_equal(aml_error(&a), -EINVAL);
}

static void name_expect(const char *path, const void *want, size_t n)
{
	uint8_t buf[64];
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_name_string(&a, path);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, n);
	assert_memory_equal(buf, want, n);
}

static void test_aml_name_string(void **state)
{
	static const char *const bad[] = {"a",	"1ABC",	 "ABCDE", "A..B", "A.",
					  ".A", "\\\\A", "^\\A",  "A-B"};
	uint8_t buf[64];
	struct aml a;
	unsigned int i;

	(void)state;
	name_expect("_SB", "_SB_", 4);
	name_expect("COM1", "COM1", 4);
	name_expect("\\_S5", "\\_S5_", 5);
	name_expect("\\_SB.COM1", "\\._SB_COM1", 10); /* DualNamePrefix is '.' */
	/* MultiNamePrefix ('/'), then a count of 3 */
	name_expect("\\A.B.C", "\\/\003A___B___C___", 15);
	name_expect("^^FOO", "^^FOO_", 6);
	name_expect("\\", "\\\0", 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name_string(&a, bad[i]);
		if (aml_error(&a) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	}
}

static void test_aml_string_and_objects(void **state)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0x10, 0x21, '\\', '_', 'S', 'B', '_',			/* Scope(\_SB) */
		0x5b, 0x82, 0x19, 'D', 'E', 'V', '0',			/* Device(DEV0) */
		0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'B', 'C', 0x00,	/* Name(_HID, "ABC") */
		0x08, 'P', 'K', 'G', '_', 0x12, 0x04, 0x02, 0x01, 0x00,	/* Name(PKG, Package(2){1, 0}) */
	};
	/* clang-format on */
	uint8_t buf[64];
	struct aml a;
	size_t sb, dev, pkg;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	sb = aml_scope_begin(&a, "\\_SB");
	dev = aml_device_begin(&a, "DEV0");
	aml_name(&a, "_HID");
	aml_string(&a, "ABC");
	aml_name(&a, "PKG");
	pkg = aml_package_begin(&a, 2);
	aml_integer(&a, 1);
	aml_integer(&a, 0);
	aml_pkg_end(&a, pkg);
	aml_pkg_end(&a, dev);
	aml_pkg_end(&a, sb);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	aml_string(&a, "\xff");
	assert_int_equal(aml_error(&a), -EINVAL);
}

static void test_aml_resources(void **state)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0x11, 0x25, 0x0a, 0x22,					/* Buffer(34) */
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,		/* IO */
		0x22, 0x10, 0x00,					/* IRQNoFlags(){4} */
		0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xd0,		/* Memory32Fixed */
		0x00, 0x10, 0x00, 0x00,
		0x89, 0x06, 0x00, 0x03, 0x01, 0x21, 0x00, 0x00, 0x00,	/* Interrupt(){33} */
		0x79, 0x00,						/* EndTag */
	};
	/* clang-format on */
	uint8_t rbuf[64], buf[64];
	struct aml r, a;

	(void)state;
	aml_init(&r, rbuf, sizeof(rbuf));
	aml_res_io(&r, 0x3f8, 0x3f8, 0, 8);
	aml_res_irq_noflags(&r, 4);
	aml_res_mem32_fixed(&r, 1, 0xd0001000, 0x1000);
	aml_res_ext_irq(&r, AML_IRQ_CONSUMER | AML_IRQ_EDGE, 33);
	aml_res_end(&r);
	aml_init(&a, buf, sizeof(buf));
	aml_res_template(&a, &r);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* IRQNoFlags only has a 16-bit mask; the error carries over. */
	aml_res_irq_noflags(&r, 16);
	assert_int_equal(aml_error(&r), -EINVAL);
	aml_res_template(&a, &r);
	assert_int_equal(aml_error(&a), -EINVAL);
}

/* A DSDT-like blob, emitted into every capacity from 0 to its full size. */
static size_t aml_sample(uint8_t *buf, size_t cap, int *err)
{
	struct aml a;
	size_t sb, dev;

	aml_init(&a, buf, cap);
	sb = aml_scope_begin(&a, "\\_SB");
	dev = aml_device_begin(&a, "COM1");
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501");
	aml_name(&a, "_STR");
	aml_string(&a, "a string that is long enough to need a two-byte PkgLength");
	aml_pkg_end(&a, dev);
	aml_pkg_end(&a, sb);
	*err = aml_error(&a);
	return a.len;
}

static void test_aml_overflow(void **state)
{
	uint8_t ref[256], buf[256 + GUARD_LEN];
	size_t full, cap, i;
	int err;

	(void)state;
	full = aml_sample(ref, sizeof(ref), &err);
	assert_int_equal(err, 0);
	assert_true(full > 64 && full < sizeof(ref));
	for (cap = 0; cap <= full; cap++) {
		memset(buf, CANARY, sizeof(buf));
		/* Even a failed build reports the size it needed. */
		assert_int_equal(aml_sample(buf, cap, &err), full);
		assert_int_equal(err, cap == full ? 0 : -ENOSPC);
		for (i = cap; i < sizeof(buf); i++)
			if (buf[i] != CANARY)
				fail_msg("cap %zu: byte %zu written", cap, i);
	}
	assert_memory_equal(buf, ref, full);
}

/* ---- iasl round trip ---- */

static int iasl_setup(void **state)
{
	char *dir = strdup("/tmp/test_acpi.XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int iasl_teardown(void **state)
{
	char *dir = *state, path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
	return 0;
}

static const char *iasl_bin(void)
{
	const char *s = getenv("IASL");

	return s && *s ? s : "iasl";
}

/* Run iasl in dir with the given arguments; its output goes to log. */
static void iasl_run(const char *dir, const char *args, const char *log)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s > '%s' 2>&1", dir, iasl_bin(), args, log);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("\"%s\" failed (status %d): is iasl (acpica-tools) installed?", cmd, st);
}

static char *file_read(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: missing", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc(n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, n, f), (size_t)n);
	p[n] = 0;
	fclose(f);
	if (len)
		*len = n;
	return p;
}

static void file_write(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* iasl -d exits 0 even for broken tables; the complaints are in its output. */
static void assert_clean(const char *what, const char *text)
{
	static const char *const bad[] = {"error", "warning", "incorrect", "invalid", "****"};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strcasestr(text, bad[i]))
			fail_msg("%s mentions \"%s\":\n%s", what, bad[i], text);
}

/*
 * Disassemble one table, check iasl liked it, reassemble the listing and
 * check the bytes after the header come back the same. -oa keeps iasl from
 * shortening name paths, so the AML must match ours byte for byte.
 */
static char *iasl_round_trip(const char *dir, const char *name, const uint8_t *t)
{
	char args[256], file[64], *log, *dsl, *aml, *log2;
	uint32_t len = table_len(t);
	size_t n;

	snprintf(file, sizeof(file), "%s.dat", name);
	file_write(dir, file, t, len);
	snprintf(args, sizeof(args), "-d %s.dat", name);
	snprintf(file, sizeof(file), "%s.log", name);
	iasl_run(dir, args, file);
	log = file_read(dir, file, NULL);
	assert_clean(file, log);
	snprintf(file, sizeof(file), "%s.dsl", name);
	dsl = file_read(dir, file, NULL);
	assert_clean(file, dsl);

	snprintf(args, sizeof(args), "-oa -p re_%s %s.dsl", name, name);
	snprintf(file, sizeof(file), "re_%s.log", name);
	iasl_run(dir, args, file);
	log2 = file_read(dir, file, NULL);
	if (!strstr(log2, " 0 Errors, 0 Warnings"))
		fail_msg("recompiling %s.dsl:\n%s", name, log2);
	snprintf(file, sizeof(file), "re_%s.aml", name);
	aml = file_read(dir, file, &n);
	assert_int_equal(n, len);
	assert_memory_equal(aml, t, 9); /* signature, length, revision */
	assert_memory_equal(aml + 36, t + 36, len - 36);
	free(aml);
	free(log2);
	free(log);
	return dsl;
}

static void iasl_check(const char *dir, int nr_cpus, int nr_virtio)
{
	struct machine_desc m;
	struct tables t;
	char *dsl;

	machine_fill(&m, nr_cpus, nr_virtio);
	tables_build(&t, &m);
	free(iasl_round_trip(dir, "xsdt", t.xsdt));
	free(iasl_round_trip(dir, "rsdt", t.rsdt));
	dsl = iasl_round_trip(dir, "facp", t.fadt);
	assert_non_null(strstr(dsl, "Hardware Reduced (V5) : 1"));
	assert_non_null(strstr(dsl, "Century Index : 32"));
	assert_non_null(strstr(dsl, "CMOS RTC Not Present (V5) : 0"));
	free(dsl);
	dsl = iasl_round_trip(dir, "apic", t.madt);
	assert_int_equal(memcount((uint8_t *)dsl, strlen(dsl), "[Processor Local APIC]", 22),
			 nr_cpus);
	free(dsl);
	dsl = iasl_round_trip(dir, "dsdt", t.dsdt);
	assert_non_null(strstr(dsl, "Name (\\_S5, Package (0x04)"));
	assert_non_null(strstr(dsl, "EisaId (\"PNP0501\")"));
	assert_non_null(strstr(dsl, "IRQNoFlags ()\n                    {4}"));
	/* fw_cfg, as iasl prints QEMU microvm's (tests/data/acpi/microvm/DSDT.dsl there),
	 * but for the length: no DMA register. */
	assert_non_null(strstr(dsl, "        Device (FWCF)\n"
				    "        {\n"
				    "            Name (_HID, \"QEMU0002\")  // _HID: Hardware ID\n"
				    "            Name (_STA, 0x0B)  // _STA: Status\n"
				    "            Name (_CRS, ResourceTemplate ()  // _CRS: Current "
				    "Resource Settings\n"
				    "            {\n"
				    "                IO (Decode16,\n"
				    "                    0x0510,             // Range Minimum\n"
				    "                    0x0510,             // Range Maximum\n"
				    "                    0x01,               // Alignment\n"
				    "                    0x02,               // Length\n"
				    "                    )\n"
				    "            })\n"
				    "        }\n"));
	assert_non_null(strstr(dsl, "Device (RTC)"));
	assert_non_null(strstr(dsl, "EisaId (\"PNP0B00\")"));
	assert_non_null(strstr(dsl, "IO (Decode16,\n                    0x0070,"));
	assert_non_null(strstr(dsl, "IRQNoFlags ()\n                    {8}"));
	if (nr_virtio) {
		assert_non_null(strstr(dsl, "\"LNRO0005\""));
		assert_non_null(strstr(dsl, "Interrupt (ResourceConsumer, Level, ActiveHigh, "
					    "Exclusive, ,, )"));
	}
	free(dsl);
	free(t.buf);
}

static void test_iasl_small(void **state)
{
	iasl_check(*state, 1, 0);
}

static void test_iasl_full(void **state)
{
	iasl_check(*state, 2, MACHINE_MAX_VIRTIO);
}

static void test_iasl_max_cpus(void **state)
{
	iasl_check(*state, MACHINE_MAX_CPUS, 3);
}

/* The checks above must be able to fail: a bad checksum has to be caught. */
static void test_iasl_catches_bad_checksum(void **state)
{
	const char *dir = *state;
	struct machine_desc m;
	struct tables t;
	char *log;

	machine_fill(&m, 1, 1);
	tables_build(&t, &m);
	t.dsdt[9]++;
	file_write(dir, "bad.dat", t.dsdt, table_len(t.dsdt));
	iasl_run(dir, "-d bad.dat", "bad.log");
	log = file_read(dir, "bad.log", NULL);
	assert_non_null(strcasestr(log, "incorrect checksum"));
	free(log);
	free(t.buf);
}

#define IASL_TEST(f) cmocka_unit_test_setup_teardown(f, iasl_setup, iasl_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rsdp),
	    cmocka_unit_test(test_sdt_entries),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_base_relocates),
	    cmocka_unit_test(test_fadt),
	    cmocka_unit_test(test_fadt_ports_follow_machine),
	    cmocka_unit_test(test_madt_1),
	    cmocka_unit_test(test_madt_2),
	    cmocka_unit_test(test_madt_255),
	    cmocka_unit_test(test_dsdt_content),
	    cmocka_unit_test(test_dsdt_no_virtio),
	    cmocka_unit_test(test_einval),
	    cmocka_unit_test(test_enospc_small),
	    cmocka_unit_test(test_enospc_large),
	    cmocka_unit_test(test_aml_pkglen_encode),
	    cmocka_unit_test(test_aml_pkg_end),
	    cmocka_unit_test(test_aml_integer),
	    cmocka_unit_test(test_aml_eisaid),
	    cmocka_unit_test(test_aml_name_string),
	    cmocka_unit_test(test_aml_string_and_objects),
	    cmocka_unit_test(test_aml_resources),
	    cmocka_unit_test(test_aml_overflow),
	    IASL_TEST(test_iasl_small),
	    IASL_TEST(test_iasl_full),
	    IASL_TEST(test_iasl_max_cpus),
	    IASL_TEST(test_iasl_catches_bad_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
