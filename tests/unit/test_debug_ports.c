/* SPDX-License-Identifier: MIT */
/*
 * QEMU's conventions for test guests, driven through the device interface as the VMM
 * drives them: isa-debug-exit, the debug console, the PCI configuration ports with no PCI,
 * and the check of the ports a user places.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/bus.h"
#include "base/machine.h"
#include "devices/debug_exit.h"
#include "devices/debugcon.h"
#include "devices/device.h"
#include "devices/pci_none.h"
#include "devices/serial.h"

struct env {
	struct machine_desc m;
	struct bus bus;
	struct device_host h;
	int exits, status;
	void *dev;
	const struct device_ops *ops;
};

static void fake_exit(void *vmm, int status)
{
	struct env *e = vmm;

	e->exits++;
	e->status = status;
}

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(machine_init(&e->m, 256ULL << 20, 1, 1), 0);
	bus_init(&e->bus);
	e->h = (struct device_host){.mach = &e->m, .bus = &e->bus, .vmm = e, .exit = fake_exit};
	return e;
}

static void env_create(struct env *e, const struct device_ops *ops)
{
	assert_int_equal(ops->count(&e->h), 1);
	assert_int_equal(ops->create(&e->h, 0, &e->dev), 0);
	e->ops = ops;
}

static void env_free(struct env *e)
{
	if (e->ops)
		e->ops->destroy(e->dev);
	free(e);
}

static void out(struct env *e, uint16_t port, uint32_t v, uint32_t len)
{
	assert_true(bus_dispatch(&e->bus, BUS_PIO, port, &v, len, true));
}

static uint32_t in(struct env *e, uint16_t port, uint32_t len)
{
	uint32_t v = 0x5a5a5a5a;

	assert_true(bus_dispatch(&e->bus, BUS_PIO, port, &v, len, false));
	return v;
}

static void test_debug_exit_status(void **state)
{
	(void)state;
	assert_int_equal(debug_exit_status(0), 1);
	assert_int_equal(debug_exit_status(5), 11);
	assert_int_equal(debug_exit_status(127), 255);
	assert_int_equal(debug_exit_status(128), 1); /* exit() keeps 8 bits: QEMU's 257 */
	assert_int_equal(debug_exit_status(~0ULL), 255);
}

/* Absent unless the machine has it; every width QEMU accepts; reads 0; any offset. */
static void test_debug_exit_device(void **state)
{
	struct env *e = env_new();

	(void)state;
	assert_int_equal(debug_exit_device.count(&e->h), 0);
	e->m.debug_exit_port = DEBUG_EXIT_PORT;
	e->m.debug_exit_size = DEBUG_EXIT_SIZE;
	env_create(e, &debug_exit_device);
	assert_int_equal(in(e, DEBUG_EXIT_PORT, 4), 0);
	assert_int_equal(e->exits, 0);
	out(e, DEBUG_EXIT_PORT, 0x12345605, 1); /* outb: the low byte */
	assert_int_equal(e->status, 11);
	out(e, DEBUG_EXIT_PORT + 2, 0x0042, 2);
	assert_int_equal(e->status, 0x85);
	out(e, DEBUG_EXIT_PORT, 0x7f, 4);
	assert_int_equal(e->status, 255);
	assert_int_equal(e->exits, 3);
	assert_false(bus_dispatch(&e->bus, BUS_PIO, DEBUG_EXIT_PORT + DEBUG_EXIT_SIZE,
				  &(uint8_t){0}, 1, true));
	env_free(e);
}

static void test_debugcon(void **state)
{
	char path[] = "/tmp/vmm-debugcon-XXXXXX", buf[16] = {0};
	struct serial_cfg c = {SERIAL_FILE, path};
	struct env *e = env_new();
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(debugcon_device.count(&e->h), 0);
	e->m.debugcon_port = DEBUGCON_PORT;
	e->m.debugcon_cfg = &c;
	env_create(e, &debugcon_device);
	assert_int_equal(in(e, DEBUGCON_PORT, 1) & 0xff, 0xe9);
	out(e, DEBUGCON_PORT, 'o', 1);
	out(e, DEBUGCON_PORT, 'k', 1);
	env_free(e); /* its output queue's thread writes the bytes out, at the latest now */
	assert_int_equal(read(fd, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "ok");
	close(fd);
	unlink(path);
}

/* Linux's pci_check_type1 and pci_check_type2 both find nothing. */
static void test_pci_none(void **state)
{
	struct env *e = env_new();

	(void)state;
	env_create(e, &pci_none_device);
	out(e, 0xcfb, 0x01, 1);
	out(e, 0xcf8, 0x80000000, 4);
	assert_int_equal(in(e, 0xcf8, 4), 0xffffffff);
	assert_int_equal(in(e, 0xcfc, 4), 0xffffffff); /* vendor ID: no device */
	assert_int_equal(in(e, 0xcfe, 2) & 0xffff, 0xffff);
	out(e, 0xcfb, 0x00, 1);
	out(e, 0xcf8, 0x00, 1);
	out(e, 0xcfa, 0x00, 1);
	assert_int_equal(in(e, 0xcf8, 1) & 0xff, 0xff);
	assert_int_equal(in(e, 0xcfa, 1) & 0xff, 0xff);
	env_free(e);
}

static void test_port_user(void **state)
{
	struct env *e = env_new();

	(void)state;
	assert_null(machine_port_user(&e->m, DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE));
	assert_null(machine_port_user(&e->m, DEBUGCON_PORT, 1));
	assert_string_equal(machine_port_user(&e->m, 0x3fc, 4), "ttyS0");
	assert_string_equal(machine_port_user(&e->m, 0x3f4, 5), "ttyS0"); /* its first port */
	assert_null(machine_port_user(&e->m, 0x3f4, 4));
	assert_null(machine_port_user(&e->m, 0x2f8, 8)); /* one UART only */
	assert_string_equal(machine_port_user(&e->m, PM_RESET_PORT, 1), "acpi-power");
	assert_string_equal(machine_port_user(&e->m, 0xcff, 1), "pci-config");
	e->m.debug_exit_port = 0x4f0;
	e->m.debug_exit_size = 2;
	assert_string_equal(machine_port_user(&e->m, 0x4f1, 1), "isa-debug-exit");
	assert_null(machine_port_user(&e->m, 0x4f2, 1));
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debug_exit_status), cmocka_unit_test(test_debug_exit_device),
	    cmocka_unit_test(test_debugcon),	      cmocka_unit_test(test_pci_none),
	    cmocka_unit_test(test_port_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
