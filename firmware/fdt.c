/* SPDX-License-Identifier: MIT */
/*
 * The machine as a flattened device tree, in the shape Linux's
 * arch/x86/kernel/devicetree.c understands (the CE4100 bindings are the
 * only x86 ones it knows):
 *
 *   / compatible "vmm,x86-microvm", #address-cells = #size-cells = 2
 *     chosen              bootargs, stdout-path = the first UART
 *     aliases             serialN -> each UART, so ttySN numbering holds
 *     memory@0            one reg entry per RAM range
 *     cpus/cpu@N          reg = local APIC ID N
 *     interrupt-controller@fee00000  the LAPIC ("intel,ce4100-lapic")
 *     interrupt-controller@fec00000  the IOAPIC ("intel,ce4100-ioapic"),
 *                         the interrupt-parent of everything
 *     isa/serial@i3f8     the UARTs, in I/O space (see dt_isa())
 *     isa/fw-cfg@i510     QEMU's fw_cfg, in I/O space too (see dt_fw_cfg())
 *     virtio_mmio@d0000000  one per virtio-mmio window
 *
 * Interrupt specifiers are <GSI type> with the type an index into
 * of_ioapic_type[] in that file: 3 is edge-triggered, active high, 1
 * level-triggered, active high. ISA UARTs are edge-triggered by nature;
 * the virtio devices are level-triggered (MACHINE_VIRTIO_IRQ_LEVEL, where
 * machine.h says why).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include <libfdt.h>

#include "../base/layout.h"
#include "fdt.h"

#define PHANDLE_IOAPIC 1

#define IOAPIC_IRQ_LEVEL_HIGH  1
#define IOAPIC_IRQ_EDGE_RISING 3
#define APIC_MMIO_SIZE	       0x1000
#define UART_CLOCK_HZ	       1843200
#define UART_NR_PORTS	       8
#define ISA_IO_SPACE	       1       /* first ISA address cell: 1 = I/O, 0 = memory */
#define ISA_IO_SIZE	       0x10000 /* the x86 port space */

#define DT_MAX_CELLS 16
#define DT_NAME_MAX  48

/*
 * libfdt's sequential-write calls with a sticky error, so the node
 * builders read as the tree they describe and are checked once at the end.
 */
struct dt {
	void *fdt;
	int err; /* first libfdt error, 0 if none */
};

static void dt_check(struct dt *d, int ret)
{
	if (!d->err && ret < 0)
		d->err = ret;
}

static void dt_begin(struct dt *d, const char *name)
{
	if (!d->err)
		dt_check(d, fdt_begin_node(d->fdt, name));
}

static void dt_end(struct dt *d)
{
	if (!d->err)
		dt_check(d, fdt_end_node(d->fdt));
}

static void dt_prop(struct dt *d, const char *name, const void *val, int len)
{
	if (!d->err)
		dt_check(d, fdt_property(d->fdt, name, val, len));
}

static void dt_str(struct dt *d, const char *name, const char *s)
{
	if (!d->err)
		dt_check(d, fdt_property_string(d->fdt, name, s));
}

static void dt_u32(struct dt *d, const char *name, uint32_t v)
{
	if (!d->err)
		dt_check(d, fdt_property_u32(d->fdt, name, v));
}

static void dt_flag(struct dt *d, const char *name)
{
	dt_prop(d, name, NULL, 0);
}

/* A list of cells, given in host order. */
static void dt_cells(struct dt *d, const char *name, const uint32_t *cells, int n)
{
	fdt32_t be[DT_MAX_CELLS];

	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	dt_prop(d, name, be, n * (int)sizeof(be[0]));
}

/* <hi lo> pairs for #address-cells = #size-cells = 2. */
static int dt_put_u64(uint32_t *cells, int n, uint64_t v)
{
	cells[n++] = v >> 32;
	cells[n++] = (uint32_t)v;
	return n;
}

static void dt_reg64(struct dt *d, uint64_t base, uint64_t size)
{
	uint32_t cells[4];

	dt_put_u64(cells, dt_put_u64(cells, 0, base), size);
	dt_cells(d, "reg", cells, 4);
}

static void dt_irq(struct dt *d, uint32_t gsi, int level)
{
	const uint32_t spec[2] = {gsi, level ? IOAPIC_IRQ_LEVEL_HIGH : IOAPIC_IRQ_EDGE_RISING};

	dt_cells(d, "interrupts", spec, 2);
	dt_u32(d, "interrupt-parent", PHANDLE_IOAPIC);
}

static void dt_serial_path(char *buf, size_t len, const struct serial_desc *sd)
{
	snprintf(buf, len, "/isa/serial@i%x", sd->port);
}

static void dt_chosen(struct dt *d, const struct machine_desc *m, const char *cmdline)
{
	char path[DT_NAME_MAX];

	dt_begin(d, "chosen");
	if (cmdline)
		dt_str(d, "bootargs", cmdline);
	if (m->nr_serial) {
		dt_serial_path(path, sizeof(path), &m->serial[0]);
		dt_str(d, "stdout-path", path);
	}
	dt_end(d);
}

static void dt_aliases(struct dt *d, const struct machine_desc *m)
{
	char name[DT_NAME_MAX], path[DT_NAME_MAX];

	if (!m->nr_serial)
		return;
	dt_begin(d, "aliases");
	for (int i = 0; i < m->nr_serial; i++) {
		snprintf(name, sizeof(name), "serial%d", i);
		dt_serial_path(path, sizeof(path), &m->serial[i]);
		dt_str(d, name, path);
	}
	dt_end(d);
}

static void dt_memory(struct dt *d, const struct machine_desc *m)
{
	uint32_t cells[4 * MACHINE_MAX_RAM];
	char name[DT_NAME_MAX];
	int n = 0;

	for (int i = 0; i < m->nr_ram; i++) {
		n = dt_put_u64(cells, n, m->ram[i].gpa);
		n = dt_put_u64(cells, n, m->ram[i].size);
	}
	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)m->ram[0].gpa);
	dt_begin(d, name);
	dt_str(d, "device_type", "memory");
	dt_cells(d, "reg", cells, n);
	dt_end(d);
}

static void dt_cpus(struct dt *d, const struct machine_desc *m)
{
	char name[DT_NAME_MAX];

	dt_begin(d, "cpus");
	dt_u32(d, "#address-cells", 1);
	dt_u32(d, "#size-cells", 0);
	/* vCPU N is given local APIC ID N; Linux reads the ID from reg. */
	for (int i = 0; i < m->nr_cpus; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		dt_begin(d, name);
		dt_str(d, "device_type", "cpu");
		dt_u32(d, "reg", i);
		dt_end(d);
	}
	dt_end(d);
}

static void dt_apics(struct dt *d)
{
	char name[DT_NAME_MAX];

	snprintf(name, sizeof(name), "interrupt-controller@%llx", LAYOUT_LAPIC);
	dt_begin(d, name);
	dt_str(d, "compatible", "intel,ce4100-lapic");
	dt_reg64(d, LAYOUT_LAPIC, APIC_MMIO_SIZE);
	/* No IMCR to program: Linux then skips the PIC-mode port 0x22 dance. */
	dt_flag(d, "intel,virtual-wire-mode");
	dt_end(d);

	snprintf(name, sizeof(name), "interrupt-controller@%llx", LAYOUT_IOAPIC);
	dt_begin(d, name);
	dt_str(d, "compatible", "intel,ce4100-ioapic");
	dt_reg64(d, LAYOUT_IOAPIC, APIC_MMIO_SIZE);
	dt_flag(d, "interrupt-controller");
	dt_u32(d, "#interrupt-cells", 2);
	dt_u32(d, "#address-cells", 0); /* no interrupt-map parents: quiets dtc */
	dt_u32(d, "phandle", PHANDLE_IOAPIC);
	dt_end(d);
}

static void dt_serial(struct dt *d, const struct serial_desc *sd)
{
	const uint32_t reg[3] = {ISA_IO_SPACE, sd->port, UART_NR_PORTS};
	char name[DT_NAME_MAX];

	snprintf(name, sizeof(name), "serial@i%x", sd->port);
	dt_begin(d, name);
	dt_str(d, "compatible", "ns16550a");
	dt_cells(d, "reg", reg, 3);
	dt_u32(d, "clock-frequency", UART_CLOCK_HZ);
	dt_irq(d, sd->irq, 0);
	dt_end(d);
}

/*
 * fw_cfg has no device-tree binding for its I/O-port form: QEMU puts fw_cfg in a tree only
 * where it is MMIO ("qemu,fw-cfg-mmio", Linux's
 * Documentation/devicetree/bindings/firmware/qemu,fw-cfg-mmio.yaml, reg = the registers).
 * This is that node with the ports where the UARTs' are, in the ISA bus's I/O space, and
 * a compatible saying so. No driver matches it: x86 Linux finds fw_cfg through the DSDT's
 * QEMU0002, and its qemu_fw_cfg matches only the MMIO compatible (it would take an I/O
 * resource from such a node, but that binding's reg is MMIO, so we do not borrow it).
 */
static void dt_fw_cfg(struct dt *d, uint16_t port)
{
	const uint32_t reg[3] = {ISA_IO_SPACE, port, FW_CFG_NR_PORTS};
	char name[DT_NAME_MAX];

	snprintf(name, sizeof(name), "fw-cfg@i%x", port);
	dt_begin(d, name);
	dt_str(d, "compatible", "qemu,fw-cfg-ioport");
	dt_cells(d, "reg", reg, 3);
	dt_end(d);
}

/*
 * The UARTs and fw_cfg sit in I/O space, which a flat "reg" cannot express. The ISA
 * binding (IEEE 1275) can: an "isa" bus whose first address cell is 1 for
 * I/O, with "ranges" mapping ports 0..0xffff onto root address 0. Linux's
 * of_address code knows the "isa" bus, turns such a reg into an
 * IORESOURCE_IO resource, and 8250_of then drives the port with in/out;
 * x86 probes "isa" compatible buses (ce4100_ids). The node has no unit
 * address (its only address is 0, memory@0's), which dtc warns about.
 */
static void dt_isa(struct dt *d, const struct machine_desc *m)
{
	const uint32_t ranges[5] = {ISA_IO_SPACE, 0, 0, 0, ISA_IO_SIZE};

	dt_begin(d, "isa");
	dt_str(d, "compatible", "isa");
	dt_str(d, "device_type", "isa");
	dt_u32(d, "#address-cells", 2);
	dt_u32(d, "#size-cells", 1);
	dt_cells(d, "ranges", ranges, 5);
	for (int i = 0; i < m->nr_serial; i++)
		dt_serial(d, &m->serial[i]);
	dt_fw_cfg(d, m->fw_cfg_port);
	dt_end(d);
}

static void dt_virtio(struct dt *d, const struct virtio_mmio_desc *vd)
{
	char name[DT_NAME_MAX];

	snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)vd->base);
	dt_begin(d, name);
	dt_str(d, "compatible", "virtio,mmio");
	dt_reg64(d, vd->base, LAYOUT_VIRTIO_MMIO_SIZE);
	dt_irq(d, vd->irq, MACHINE_VIRTIO_IRQ_LEVEL);
	/* KVM guests' memory is cache-coherent with the device model. */
	dt_flag(d, "dma-coherent");
	dt_end(d);
}

static void dt_root(struct dt *d, const struct machine_desc *m, const char *cmdline)
{
	dt_begin(d, "");
	dt_u32(d, "#address-cells", 2);
	dt_u32(d, "#size-cells", 2);
	dt_str(d, "compatible", "vmm,x86-microvm");
	dt_str(d, "model", "vmm");
	dt_u32(d, "interrupt-parent", PHANDLE_IOAPIC);
	dt_chosen(d, m, cmdline);
	dt_aliases(d, m);
	dt_memory(d, m);
	dt_cpus(d, m);
	dt_apics(d);
	dt_isa(d, m);
	for (int i = 0; i < m->nr_virtio; i++)
		dt_virtio(d, &m->virtio[i]);
	dt_end(d);
}

/* libfdt's FDT_ERR_* as -errno: only "too small" is the caller's to fix. */
static long dt_errno(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

long fdt_build(const struct machine_desc *m, const char *cmdline, void *buf, size_t len)
{
	struct dt d = {buf, 0};

	if (!m || !buf || !machine_valid(m))
		return -EINVAL;
	/* libfdt sizes are ints; a DTB never gets near 2 GiB. */
	if (len > INT_MAX)
		len = INT_MAX;

	dt_check(&d, fdt_create(buf, (int)len));
	if (!d.err)
		dt_check(&d, fdt_finish_reservemap(buf));
	dt_root(&d, m, cmdline);
	if (!d.err)
		dt_check(&d, fdt_finish(buf));
	if (d.err)
		return dt_errno(d.err);
	return fdt_totalsize(buf);
}
