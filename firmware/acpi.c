/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a HW-reduced ACPI PC (ACPI 6.0 FADT): no PM1/GPE blocks,
 * no FACS, power-off and reset through the FADT's SLEEP_CONTROL_REG and
 * RESET_REG. The MADT is how the kernel finds CPUs and the IOAPIC; the DSDT
 * describes fw_cfg, the UARTs, the CMOS RTC and the virtio-mmio windows.
 *
 * Layout in buf: RSDP, XSDT, RSDT, FADT, MADT, DSDT, each 16-byte aligned.
 * Byte offsets come from the ACPI 6.4 specification, chapter 5.2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../base/layout.h"
#include "../base/le.h"
#include "acpi.h"
#include "aml.h"

#define ACPI_ALIGN	  16
#define ACPI_HDR_LEN	  36
#define ACPI_HDR_CSUM	  9
#define ACPI_OEM_ID	  "VMMKVM"
#define ACPI_OEM_TABLE_ID "VMMACPI "
#define ACPI_CREATOR_ID	  "VMMC"

#define RSDP_LEN      36
#define RSDP_V1_LEN   20 /* the part the first checksum covers */
#define RSDP_CSUM     8
#define RSDP_EXT_CSUM 32
#define RSDP_REVISION 2

#define XSDT_REVISION 1
#define RSDT_REVISION 1
#define SDT_ENTRIES   2 /* FADT, MADT: the DSDT is reached through the FADT */

#define FADT_LEN	 276
#define FADT_REVISION	 6
#define FADT_MINOR	 0
#define FADT_DSDT	 40
#define FADT_SCI_INT	 46
#define FADT_CENTURY	 108
#define FADT_IAPC_BOOT	 109
#define FADT_FLAGS	 112
#define FADT_RESET_REG	 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_VER	 131
#define FADT_X_DSDT	 140
#define FADT_SLEEP_CTL	 244
#define FADT_SLEEP_STS	 256
#define FADT_SCI_IRQ	 9 /* as on QEMU; unused by HW-reduced ACPI but harmless */
#define IAPC_VGA_ABSENT	 (1u << 2)
/* Set only on a machine without the RTC: Linux's rtc_cmos would poll missing ports for seconds. */
#define IAPC_NO_CMOS_RTC   (1u << 5)
#define FADT_PWR_BUTTON	   (1u << 4) /* set: no fixed-feature power button */
#define FADT_SLP_BUTTON	   (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED	   (1u << 20)

#define GAS_SYSTEM_IO	1
#define GAS_ACCESS_BYTE 1

#define MADT_REVISION	   5
#define MADT_LAPIC_ADDR	   36
#define MADT_FLAGS	   40
#define MADT_ENTRIES	   44 /* the interrupt controller structures start here */
#define MADT_PCAT_COMPAT   1u /* there is a dual 8259 (KVM's in-kernel irqchip) */
#define MADT_LAPIC	   0
#define MADT_LAPIC_LEN	   8
#define MADT_IOAPIC	   1
#define MADT_IOAPIC_LEN	   12
#define MADT_ISO	   2
#define MADT_ISO_LEN	   10
#define MADT_NMI	   4
#define MADT_NMI_LEN	   6
#define MADT_NR_ISO	   2
#define MADT_LAPIC_ENABLED 1u
#define MADT_ALL_CPUS	   0xff
#define MADT_ISO_LEVEL_HI  0xd /* trigger: level (3 << 2), polarity: high (1) */

#define DSDT_REVISION 2 /* 64-bit integers */
/* _STA bits (ACPI 6.4, 6.3.7): present, enabled, functioning; bit 2 (shown in UI) clear. */
#define ACPI_STA_PRESENT_HIDDEN 0x0b

/* Where each table sits, relative to base. */
struct acpi_layout {
	size_t xsdt, rsdt, fadt, madt, dsdt;
	uint32_t xsdt_len, rsdt_len, madt_len;
};

static size_t acpi_align(size_t off)
{
	return (off + ACPI_ALIGN - 1) & ~(size_t)(ACPI_ALIGN - 1);
}

static uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* Make the len bytes at p sum to zero by adjusting the byte at p[at]. */
static void acpi_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = -acpi_sum(p, len);
}

static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memset(t, 0, ACPI_HDR_LEN);
	memcpy(t, sig, 4);
	le_put(t + 4, len, 4);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	le_put(t + 24, 1, 4); /* OEM revision */
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	le_put(t + 32, 1, 4); /* creator revision */
}

/* Generic Address Structure: one byte-wide I/O port. */
static void acpi_gas_io8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	le_put(p + 4, port, 8);
}

static void acpi_layout(struct acpi_layout *l, int nr_cpus)
{
	l->xsdt_len = ACPI_HDR_LEN + 8 * SDT_ENTRIES;
	l->rsdt_len = ACPI_HDR_LEN + 4 * SDT_ENTRIES;
	l->madt_len = MADT_ENTRIES + nr_cpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN +
		      MADT_NR_ISO * MADT_ISO_LEN + MADT_NMI_LEN;
	l->xsdt = acpi_align(RSDP_LEN);
	l->rsdt = acpi_align(l->xsdt + l->xsdt_len);
	l->fadt = acpi_align(l->rsdt + l->rsdt_len);
	l->madt = acpi_align(l->fadt + FADT_LEN);
	l->dsdt = acpi_align(l->madt + l->madt_len);
}

static int acpi_check(const struct machine_desc *m, uint64_t base)
{
	/* The RSDP must be 16-byte aligned; 32-bit pointers must reach the tables. */
	if (base % ACPI_ALIGN || base >= LAYOUT_4G)
		return -EINVAL;
	return machine_valid(m) ? 0 : -EINVAL;
}

static void acpi_rsdp(uint8_t *p, uint64_t base, const struct acpi_layout *l)
{
	memset(p, 0, RSDP_LEN);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, ACPI_OEM_ID, 6);
	p[15] = RSDP_REVISION;
	le_put(p + 16, base + l->rsdt, 4);
	le_put(p + 20, RSDP_LEN, 4);
	le_put(p + 24, base + l->xsdt, 8);
	acpi_checksum(p, RSDP_V1_LEN, RSDP_CSUM);
	acpi_checksum(p, RSDP_LEN, RSDP_EXT_CSUM);
}

/* XSDT (8-byte entries) or RSDT (4-byte entries): FADT, then MADT. */
static void acpi_sdt(uint8_t *t, const char *sig, uint32_t len, int entry_len, uint64_t base,
		     const struct acpi_layout *l)
{
	acpi_header(t, sig, len, entry_len == 8 ? XSDT_REVISION : RSDT_REVISION);
	le_put(t + ACPI_HDR_LEN, base + l->fadt, entry_len);
	le_put(t + ACPI_HDR_LEN + entry_len, base + l->madt, entry_len);
	acpi_checksum(t, len, ACPI_HDR_CSUM);
}

static void acpi_fadt(uint8_t *t, const struct machine_desc *m, uint64_t dsdt)
{
	acpi_header(t, "FACP", FADT_LEN, FADT_REVISION);
	memset(t + ACPI_HDR_LEN, 0, FADT_LEN - ACPI_HDR_LEN);
	le_put(t + FADT_DSDT, dsdt, 4);
	le_put(t + FADT_SCI_INT, FADT_SCI_IRQ, 2);
	le_put(t + FADT_IAPC_BOOT, IAPC_VGA_ABSENT | (m->rtc_port ? 0 : IAPC_NO_CMOS_RTC), 2);
	/* ACPI 6.4, 5.2.9: the CMOS index of the century, which Linux's mc146818 code reads */
	t[FADT_CENTURY] = m->rtc_port ? RTC_CENTURY : 0;
	le_put(t + FADT_FLAGS,
	       FADT_HW_REDUCED | FADT_RESET_REG_SUP | FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
	acpi_gas_io8(t + FADT_RESET_REG, m->pm_reset);
	t[FADT_RESET_VALUE] = PM_RESET_VALUE;
	t[FADT_MINOR_VER] = FADT_MINOR;
	le_put(t + FADT_X_DSDT, dsdt, 8);
	acpi_gas_io8(t + FADT_SLEEP_CTL, m->pm_sleep_ctl);
	acpi_gas_io8(t + FADT_SLEEP_STS, m->pm_sleep_ctl + 1);
	acpi_checksum(t, FADT_LEN, ACPI_HDR_CSUM);
}

static uint8_t *madt_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = MADT_ISO;
	p[1] = MADT_ISO_LEN;
	p[2] = 0; /* bus: ISA */
	p[3] = irq;
	le_put(p + 4, gsi, 4);
	le_put(p + 8, flags, 2);
	return p + MADT_ISO_LEN;
}

static void acpi_madt(uint8_t *t, const struct machine_desc *m, uint32_t len)
{
	uint8_t *p = t + MADT_ENTRIES;
	int i;

	acpi_header(t, "APIC", len, MADT_REVISION);
	le_put(t + MADT_LAPIC_ADDR, LAYOUT_LAPIC, 4);
	le_put(t + MADT_FLAGS, MADT_PCAT_COMPAT, 4);
	for (i = 0; i < m->nr_cpus; i++, p += MADT_LAPIC_LEN) {
		p[0] = MADT_LAPIC;
		p[1] = MADT_LAPIC_LEN;
		p[2] = i; /* ACPI processor UID */
		p[3] = i; /* APIC ID: vCPU i gets APIC ID i */
		le_put(p + 4, MADT_LAPIC_ENABLED, 4);
	}
	/* IOAPIC IDs live apart from LAPIC IDs, but keep them distinct anyway. */
	p[0] = MADT_IOAPIC;
	p[1] = MADT_IOAPIC_LEN;
	p[2] = m->nr_cpus;
	p[3] = 0;
	le_put(p + 4, LAYOUT_IOAPIC, 4);
	le_put(p + 8, 0, 4); /* GSI base */
	p += MADT_IOAPIC_LEN;
	/* As on a PC: the PIT is wired to IOAPIC pin 2, the SCI is level-high. */
	p = madt_iso(p, 0, MACHINE_PIT_GSI, 0);
	p = madt_iso(p, FADT_SCI_IRQ, FADT_SCI_IRQ, MADT_ISO_LEVEL_HI);
	/* LINT1 of every CPU is the NMI input. */
	p[0] = MADT_NMI;
	p[1] = MADT_NMI_LEN;
	p[2] = MADT_ALL_CPUS;
	le_put(p + 3, 0, 2);
	p[5] = 1;
	acpi_checksum(t, len, ACPI_HDR_CSUM);
}

/* Name(\_S5, Package() {SLP_TYP, 0, 0, 0}): what Linux writes to power off. */
static void dsdt_s5(struct aml *a)
{
	size_t pkg;
	int i;

	aml_name(a, "\\_S5");
	pkg = aml_package_begin(a, 4);
	aml_integer(a, PM_S5_TYPE);
	for (i = 0; i < 3; i++)
		aml_integer(a, 0);
	aml_pkg_end(a, pkg);
}

static void dsdt_serial(struct aml *a, int i, const struct serial_desc *s)
{
	uint8_t buf[32];
	struct aml rt;
	char name[16];
	size_t dev;

	snprintf(name, sizeof(name), "COM%d", i + 1);
	dev = aml_device_begin(a, name);
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, i + 1);
	aml_init(&rt, buf, sizeof(buf));
	aml_res_io(&rt, s->port, s->port, 0, 8);
	aml_res_irq_noflags(&rt, s->irq);
	aml_res_end(&rt);
	aml_name(a, "_CRS");
	aml_res_template(a, &rt);
	aml_pkg_end(a, dev);
}

/*
 * QEMU's fw_cfg, as QEMU 7.2 describes it (hw/i386/fw_cfg.c, fw_cfg_add_acpi_dsdt): _HID
 * QEMU0002, _STA 0xB (present, enabled, functioning, not shown in a UI), and an IO
 * descriptor of its two ports (QEMU adds the DMA register's 8 when it has one; we have
 * none). Linux's qemu_fw_cfg binds to QEMU0002 and takes its ports from _CRS.
 */
static void dsdt_fw_cfg(struct aml *a, uint16_t port)
{
	uint8_t buf[16];
	struct aml rt;
	size_t dev;

	dev = aml_device_begin(a, "FWCF");
	aml_name(a, "_HID");
	aml_string(a, "QEMU0002");
	aml_name(a, "_STA");
	aml_integer(a, ACPI_STA_PRESENT_HIDDEN);
	aml_init(&rt, buf, sizeof(buf));
	aml_res_io(&rt, port, port, 1, FW_CFG_NR_PORTS);
	aml_res_end(&rt);
	aml_name(a, "_CRS");
	aml_res_template(a, &rt);
	aml_pkg_end(a, dev);
}

/*
 * The CMOS RTC as QEMU describes it (hw/rtc/mc146818rtc.c, rtc_build_aml): PNP0B00, eight
 * ports reserved as on real hardware though two answer, ISA IRQ 8 (edge, active high).
 * Linux's rtc_cmos binds to it through PNP, taking its IRQ from here.
 */
static void dsdt_rtc(struct aml *a, const struct machine_desc *m)
{
	uint8_t buf[32];
	struct aml rt;
	size_t dev = aml_device_begin(a, "RTC");

	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0B00");
	aml_init(&rt, buf, sizeof(buf));
	aml_res_io(&rt, m->rtc_port, m->rtc_port, 1, 8);
	aml_res_irq_noflags(&rt, m->rtc_irq);
	aml_res_end(&rt);
	aml_name(a, "_CRS");
	aml_res_template(a, &rt);
	aml_pkg_end(a, dev);
}

/* Linux's virtio_mmio driver binds to LNRO0005 through ACPI. */
static void dsdt_virtio(struct aml *a, int i, const struct virtio_mmio_desc *v)
{
	uint8_t buf[32];
	struct aml rt;
	char name[16];
	size_t dev;

	snprintf(name, sizeof(name), "VR%02X", i & 0xff);
	dev = aml_device_begin(a, name);
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_UID");
	aml_integer(a, i);
	aml_name(a, "_CCA"); /* DMA is cache coherent */
	aml_integer(a, 1);
	aml_init(&rt, buf, sizeof(buf));
	aml_res_mem32_fixed(&rt, 1, v->base, LAYOUT_VIRTIO_MMIO_SIZE);
	aml_res_ext_irq(&rt, AML_IRQ_CONSUMER | (MACHINE_VIRTIO_IRQ_LEVEL ? 0 : AML_IRQ_EDGE),
			v->irq);
	aml_res_end(&rt);
	aml_name(a, "_CRS");
	aml_res_template(a, &rt);
	aml_pkg_end(a, dev);
}

/* The DSDT goes last: its size is only known once the AML is emitted. */
static long acpi_dsdt(const struct machine_desc *m, uint8_t *buf, size_t len, size_t off)
{
	uint8_t hdr[ACPI_HDR_LEN] = {0};
	struct aml a;
	size_t sb;
	int i;

	if (off > len)
		return -ENOSPC;
	aml_init(&a, buf + off, len - off);
	aml_bytes(&a, hdr, sizeof(hdr)); /* filled in below */
	dsdt_s5(&a);
	sb = aml_scope_begin(&a, "\\_SB");
	dsdt_fw_cfg(&a, m->fw_cfg_port); /* first, where QEMU microvm has it */
	for (i = 0; i < m->nr_serial; i++)
		dsdt_serial(&a, i, &m->serial[i]);
	if (m->rtc_port)
		dsdt_rtc(&a, m);
	for (i = 0; i < m->nr_virtio; i++)
		dsdt_virtio(&a, i, &m->virtio[i]);
	aml_pkg_end(&a, sb);
	if (aml_error(&a))
		return aml_error(&a);
	acpi_header(buf + off, "DSDT", a.len, DSDT_REVISION);
	acpi_checksum(buf + off, a.len, ACPI_HDR_CSUM);
	return a.len;
}

long acpi_build(const struct machine_desc *m, uint64_t base, uint8_t *buf, size_t len)
{
	struct acpi_layout l;
	long dsdt_len;
	int err;

	if (!m || (!buf && len))
		return -EINVAL;
	err = acpi_check(m, base);
	if (err)
		return err;
	acpi_layout(&l, m->nr_cpus);
	dsdt_len = acpi_dsdt(m, buf, len, l.dsdt);
	if (dsdt_len < 0)
		return dsdt_len;
	if (base + l.dsdt + dsdt_len > LAYOUT_4G)
		return -EINVAL;
	/* The gaps left by alignment are ours too: keep them deterministic. */
	memset(buf, 0, l.dsdt);
	acpi_rsdp(buf, base, &l);
	acpi_sdt(buf + l.xsdt, "XSDT", l.xsdt_len, 8, base, &l);
	acpi_sdt(buf + l.rsdt, "RSDT", l.rsdt_len, 4, base, &l);
	acpi_fadt(buf + l.fadt, m, base + l.dsdt);
	acpi_madt(buf + l.madt, m, l.madt_len);
	return l.dsdt + dsdt_len;
}
