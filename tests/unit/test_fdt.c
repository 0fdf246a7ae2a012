/* SPDX-License-Identifier: MIT */
/* The device tree builder, read back with libfdt and decompiled with dtc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libfdt.h>

#include "firmware/fdt.h"
#include "base/layout.h"
#include "base/machine.h"

#define BLOB_SIZE (64 * 1024)

static const char cmdline[] = "console=ttyS0 earlyprintk=serial reboot=t";

/* A machine as machine_init lays it out, plus nr_virtio windows. */
static void make_machine(struct machine_desc *m, uint64_t ram, int cpus, int serials, int virtio)
{
	assert_int_equal(machine_init(m, ram, cpus, serials), 0);
	for (int i = 0; i < virtio; i++) {
		m->virtio[i].base = LAYOUT_VIRTIO_MMIO + i * LAYOUT_VIRTIO_MMIO_SIZE;
		m->virtio[i].irq = 5 + i;
		m->virtio[i].device_id = i & 1 ? 2 : 1;
	}
	m->nr_virtio = virtio;
}

static void *build(const struct machine_desc *m, const char *cmd)
{
	void *blob = malloc(BLOB_SIZE);
	long n;

	assert_non_null(blob);
	n = fdt_build(m, cmd, blob, BLOB_SIZE);
	assert_true(n > 0);
	assert_int_equal(fdt_check_header(blob), 0);
	assert_int_equal(fdt_totalsize(blob), n);
	return blob;
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(fdt, node(fdt, path), name, len);

	if (!p)
		fail_msg("no property %s in %s", name, path);
	return p;
}

static void assert_str_prop(const void *fdt, const char *path, const char *name, const char *want)
{
	int len;
	const char *s = prop(fdt, path, name, &len);

	assert_int_equal(len, strlen(want) + 1);
	assert_string_equal(s, want);
}

/* Compare a property against cells given in host order. */
static void assert_cells(const void *fdt, const char *path, const char *name, const uint32_t *want,
			 int n)
{
	int len;
	const fdt32_t *p = prop(fdt, path, name, &len);

	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(fdt32_to_cpu(p[i]), want[i]);
}

static void assert_u32(const void *fdt, const char *path, const char *name, uint32_t want)
{
	assert_cells(fdt, path, name, &want, 1);
}

static void assert_flag(const void *fdt, const char *path, const char *name)
{
	int len;

	prop(fdt, path, name, &len);
	assert_int_equal(len, 0);
}

static int count_subnodes(const void *fdt, const char *path)
{
	int off, n = 0;

	fdt_for_each_subnode(off, fdt, node(fdt, path)) n++;
	return n;
}

static void check_root(const void *fdt)
{
	assert_u32(fdt, "/", "#address-cells", 2);
	assert_u32(fdt, "/", "#size-cells", 2);
	assert_str_prop(fdt, "/", "compatible", "vmm,x86-microvm");
	assert_str_prop(fdt, "/", "model", "vmm");
}

static void check_cpus(const void *fdt, int nr)
{
	char path[32];

	assert_u32(fdt, "/cpus", "#address-cells", 1);
	assert_u32(fdt, "/cpus", "#size-cells", 0);
	assert_int_equal(count_subnodes(fdt, "/cpus"), nr);
	for (int i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
		assert_str_prop(fdt, path, "device_type", "cpu");
		assert_u32(fdt, path, "reg", i);
	}
	snprintf(path, sizeof(path), "/cpus/cpu@%x", nr);
	assert_int_equal(fdt_path_offset(fdt, path), -FDT_ERR_NOTFOUND);
}

static void check_apics(const void *fdt)
{
	static const uint32_t lapic_reg[] = {0, 0xfee00000, 0, 0x1000};
	static const uint32_t ioapic_reg[] = {0, 0xfec00000, 0, 0x1000};
	const char *io = "/interrupt-controller@fec00000";
	const char *la = "/interrupt-controller@fee00000";
	int off;

	assert_str_prop(fdt, la, "compatible", "intel,ce4100-lapic");
	assert_cells(fdt, la, "reg", lapic_reg, 4);
	assert_flag(fdt, la, "intel,virtual-wire-mode");
	assert_str_prop(fdt, io, "compatible", "intel,ce4100-ioapic");
	assert_cells(fdt, io, "reg", ioapic_reg, 4);
	assert_flag(fdt, io, "interrupt-controller");
	assert_u32(fdt, io, "#interrupt-cells", 2);

	/* Everything's interrupt-parent is the IOAPIC, found by its phandle. */
	off = fdt_node_offset_by_phandle(fdt, fdt_get_phandle(fdt, node(fdt, io)));
	assert_int_equal(off, node(fdt, io));
	assert_u32(fdt, "/", "interrupt-parent", fdt_get_phandle(fdt, off));
	off = fdt_node_offset_by_compatible(fdt, -1, "intel,ce4100-ioapic");
	assert_int_equal(off, node(fdt, io));
}

static void check_serials(const void *fdt, const struct machine_desc *m)
{
	static const uint32_t ranges[] = {1, 0, 0, 0, 0x10000};
	uint32_t phandle = fdt_get_phandle(fdt, node(fdt, "/interrupt-controller@fec00000"));
	char path[32], alias[32];

	assert_str_prop(fdt, "/isa", "compatible", "isa");
	assert_str_prop(fdt, "/isa", "device_type", "isa");
	assert_u32(fdt, "/isa", "#address-cells", 2);
	assert_u32(fdt, "/isa", "#size-cells", 1);
	assert_cells(fdt, "/isa", "ranges", ranges, 5);
	assert_int_equal(count_subnodes(fdt, "/isa"), m->nr_serial + 1); /* + fw_cfg */
	for (int i = 0; i < m->nr_serial; i++) {
		const uint32_t reg[] = {1, m->serial[i].port, 8};
		const uint32_t irq[] = {m->serial[i].irq, 3};

		snprintf(path, sizeof(path), "/isa/serial@i%x", m->serial[i].port);
		assert_str_prop(fdt, path, "compatible", "ns16550a");
		assert_cells(fdt, path, "reg", reg, 3);
		assert_u32(fdt, path, "clock-frequency", 1843200);
		assert_cells(fdt, path, "interrupts", irq, 2);
		assert_u32(fdt, path, "interrupt-parent", phandle);
		snprintf(alias, sizeof(alias), "serial%d", i);
		assert_string_equal(fdt_get_alias(fdt, alias), path);
	}
}

/* fw_cfg's two ports, in the ISA bus's I/O space as the UARTs are. */
static void check_fw_cfg(const void *fdt, const struct machine_desc *m)
{
	const uint32_t reg[] = {1, m->fw_cfg_port, 2};
	char path[32];

	snprintf(path, sizeof(path), "/isa/fw-cfg@i%x", m->fw_cfg_port);
	assert_str_prop(fdt, path, "compatible", "qemu,fw-cfg-ioport");
	assert_cells(fdt, path, "reg", reg, 3);
	assert_int_equal(fdt_node_offset_by_compatible(fdt, -1, "qemu,fw-cfg-ioport"),
			 node(fdt, path));
}

static void check_virtio(const void *fdt, const struct machine_desc *m)
{
	uint32_t phandle = fdt_get_phandle(fdt, node(fdt, "/interrupt-controller@fec00000"));
	int off, n = 0;
	char path[48];

	for (int i = 0; i < m->nr_virtio; i++) {
		const uint32_t reg[] = {0, 0xd0000000 + i * 0x1000, 0, 0x1000};
		const uint32_t irq[] = {5 + i, 1}; /* level-triggered, active high */

		snprintf(path, sizeof(path), "/virtio_mmio@%x", 0xd0000000 + i * 0x1000);
		assert_str_prop(fdt, path, "compatible", "virtio,mmio");
		assert_cells(fdt, path, "reg", reg, 4);
		assert_cells(fdt, path, "interrupts", irq, 2);
		assert_u32(fdt, path, "interrupt-parent", phandle);
		assert_flag(fdt, path, "dma-coherent");
	}
	for (off = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); off >= 0;
	     off = fdt_node_offset_by_compatible(fdt, off, "virtio,mmio"))
		n++;
	assert_int_equal(n, m->nr_virtio);
}

static void check_all(const void *fdt, const struct machine_desc *m)
{
	check_root(fdt);
	check_cpus(fdt, m->nr_cpus);
	check_apics(fdt);
	check_serials(fdt, m);
	check_fw_cfg(fdt, m);
	check_virtio(fdt, m);
	assert_str_prop(fdt, "/chosen", "bootargs", cmdline);
	assert_str_prop(fdt, "/chosen", "stdout-path", "/isa/serial@i3f8");
}

static void test_one_cpu_small(void **state)
{
	struct machine_desc m;
	static const uint32_t reg[] = {0, 0, 0, 0x10000000};
	void *fdt;

	(void)state;
	make_machine(&m, 256ULL << 20, 1, 1, 0);
	fdt = build(&m, cmdline);
	check_all(fdt, &m);
	assert_str_prop(fdt, "/memory@0", "device_type", "memory");
	assert_cells(fdt, "/memory@0", "reg", reg, 4);
	free(fdt);
}

static void test_two_cpus_split_ram(void **state)
{
	struct machine_desc m;
	/* 3.5 GiB: 3 GiB below the hole, 512 MiB above 4 GiB. */
	static const uint32_t reg[] = {0, 0, 0, 0xc0000000, 1, 0, 0, 0x20000000};
	void *fdt;

	(void)state;
	make_machine(&m, 0xe0000000ULL, 2, 2, 8);
	assert_int_equal(m.nr_ram, 2);
	assert_int_equal(m.ram[1].gpa, 0x100000000ULL);
	assert_int_equal(m.ram[1].size, 0x20000000ULL);
	fdt = build(&m, cmdline);
	check_all(fdt, &m);
	assert_cells(fdt, "/memory@0", "reg", reg, 8);
	free(fdt);
}

static void test_eight_cpus_all_devices(void **state)
{
	struct machine_desc m;
	void *fdt;

	(void)state;
	make_machine(&m, 1ULL << 30, 8, MACHINE_MAX_SERIAL, MACHINE_MAX_VIRTIO);
	fdt = build(&m, cmdline);
	check_all(fdt, &m);
	free(fdt);
}

static void test_max_cpus(void **state)
{
	struct machine_desc m;
	void *fdt;

	(void)state;
	make_machine(&m, 1ULL << 30, MACHINE_MAX_CPUS, 1, MACHINE_MAX_VIRTIO);
	fdt = build(&m, cmdline);
	check_all(fdt, &m);
	free(fdt);
}

static void test_no_cmdline_no_serial(void **state)
{
	struct machine_desc m;
	void *fdt;
	int len;

	(void)state;
	make_machine(&m, 64ULL << 20, 1, 0, 0);
	fdt = build(&m, NULL);
	assert_null(fdt_getprop(fdt, node(fdt, "/chosen"), "bootargs", &len));
	assert_int_equal(len, -FDT_ERR_NOTFOUND);
	assert_null(fdt_getprop(fdt, node(fdt, "/chosen"), "stdout-path", &len));
	/* No UART, but fw_cfg is there, alone on the ISA bus. */
	assert_int_equal(count_subnodes(fdt, "/isa"), 1);
	check_fw_cfg(fdt, &m);
	assert_int_equal(fdt_path_offset(fdt, "/aliases"), -FDT_ERR_NOTFOUND);
	check_cpus(fdt, 1);
	check_apics(fdt);
	free(fdt);
}

static void test_bad_desc(void **state)
{
	struct machine_desc m;
	char buf[4096];

	(void)state;
	make_machine(&m, 64ULL << 20, 1, 1, 0);
	assert_int_equal(fdt_build(NULL, NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(fdt_build(&m, NULL, NULL, sizeof(buf)), -EINVAL);
	m.nr_cpus = 0;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_cpus = MACHINE_MAX_CPUS + 1;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_cpus = 1;
	m.nr_ram = 0;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_ram = MACHINE_MAX_RAM + 1;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_ram = 1;
	m.ram[0].size = 0;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.ram[0].size = 64ULL << 20;
	m.nr_serial = -1;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_serial = MACHINE_MAX_SERIAL + 1;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_serial = 1;
	m.nr_virtio = MACHINE_MAX_VIRTIO + 1;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_virtio = -1;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.nr_virtio = 0;
	m.fw_cfg_port = 0;
	assert_int_equal(fdt_build(&m, NULL, buf, sizeof(buf)), -EINVAL);
	m.fw_cfg_port = 0x1234;
	assert_true(fdt_build(&m, NULL, buf, sizeof(buf)) > 0);
	check_fw_cfg(buf, &m);
}

/* Every buffer size short of the real one fails cleanly, inside its bounds. */
static void test_small_buffers(void **state)
{
	enum { CANARY = 64 };
	struct machine_desc m;
	uint8_t *buf;
	long need;

	(void)state;
	make_machine(&m, 0xe0000000ULL, 8, 4, 8);
	buf = malloc(BLOB_SIZE);
	assert_non_null(buf);
	need = fdt_build(&m, cmdline, buf, BLOB_SIZE);
	assert_true(need > 0 && need < BLOB_SIZE - CANARY);

	for (long len = 0; len < need; len++) {
		memset(buf, 0xa5, len + CANARY);
		assert_int_equal(fdt_build(&m, cmdline, buf, len), -ENOSPC);
		for (int i = 0; i < CANARY; i++)
			assert_int_equal(buf[len + i], 0xa5);
	}
	/* Exactly enough is enough. */
	memset(buf, 0xa5, need + CANARY);
	assert_int_equal(fdt_build(&m, cmdline, buf, need), need);
	assert_int_equal(fdt_check_header(buf), 0);
	for (int i = 0; i < CANARY; i++)
		assert_int_equal(buf[need + i], 0xa5);
	check_all(buf, &m);
	free(buf);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = malloc(n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, n, f), n);
	text[n] = 0;
	fclose(f);
	return text;
}

/* dtc must accept the blob; a missing dtc is a failure, not a skip. */
static void test_dtc_roundtrip(void **state)
{
	char dtb[] = "/tmp/vmm-fdt-XXXXXX", dts[sizeof(dtb) + 4], cmd[512];
	const char *dtc = getenv("DTC");
	struct machine_desc m;
	void *fdt;
	char *text;
	int fd, status;

	(void)state;
	make_machine(&m, 0xe0000000ULL, 2, 2, 8);
	fdt = build(&m, cmdline);
	fd = mkstemp(dtb);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fdt, fdt_totalsize(fdt)), fdt_totalsize(fdt));
	close(fd);
	snprintf(dts, sizeof(dts), "%s.dts", dtb);
	snprintf(cmd, sizeof(cmd), "'%s' -I dtb -O dts -o '%s' '%s'", dtc && *dtc ? dtc : "dtc",
		 dts, dtb);

	status = system(cmd);
	unlink(dtb); /* before any assertion can return early */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	text = read_all(dts);
	unlink(dts);
	assert_non_null(strstr(text, "memory@0 {"));
	assert_non_null(strstr(text, "cpu@1 {"));
	assert_non_null(strstr(text, "bootargs = \"console=ttyS0 earlyprintk=serial reboot=t\";"));
	assert_non_null(strstr(text, "serial@i2f8 {"));
	assert_non_null(strstr(text, "fw-cfg@i510 {"));
	assert_non_null(strstr(text, "compatible = \"qemu,fw-cfg-ioport\";"));
	assert_non_null(strstr(text, "reg = <0x01 0x510 0x02>;"));
	assert_non_null(strstr(text, "virtio_mmio@d0007000 {"));
	assert_non_null(strstr(text, "compatible = \"intel,ce4100-ioapic\";"));

	free(text);
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_cpu_small),
	    cmocka_unit_test(test_two_cpus_split_ram),
	    cmocka_unit_test(test_eight_cpus_all_devices),
	    cmocka_unit_test(test_max_cpus),
	    cmocka_unit_test(test_no_cmdline_no_serial),
	    cmocka_unit_test(test_bad_desc),
	    cmocka_unit_test(test_small_buffers),
	    cmocka_unit_test(test_dtc_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
