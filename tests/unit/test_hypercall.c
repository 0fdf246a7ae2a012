/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI (base/hypercall.h) as a guest drives it: blocks written into fake
 * guest RAM, each call made as the OUT would make it, every answer read back from the
 * block, and the blocks a hostile guest writes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/hypercall.h"
#include "base/machine.h"
#include "base/mem.h"
#include "devices/device.h"
#include "devices/disk.h"
#include "devices/hypercall.h"

#define BLOCK 0x10000ULL /* where the tests put a call's argument block */
#define BUF   0x20000ULL

struct env {
	struct machine_desc m;
	struct guest_mem gm;
	struct device_host h;
	struct blk_disk disk;
	struct hypercall *hc;
	int out[2]; /* HC_PUTS goes into this pipe */
	int exits, status;
	char img[32];
};

static void fake_exit(void *vmm, int status)
{
	struct env *e = vmm;

	e->exits++;
	e->status = status;
}

static const char *fake_cmdline(void *vmm)
{
	(void)vmm;
	return "console=hvc0 x=1";
}

static struct blk_disk *fake_disk(void *vmm, int i)
{
	struct env *e = vmm;

	return i == 0 && e->disk.fd >= 0 ? &e->disk : NULL;
}

/* HC_PUTS's bytes, into the pipe the test reads */
static void fake_console_out(void *vmm, const void *buf, size_t len)
{
	struct env *e = vmm;

	assert_int_equal(write(e->out[1], buf, len), (ssize_t)len);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(machine_init(&e->m, 64ULL << 20, 3, 1), 0);
	assert_int_equal(guest_mem_map(&e->gm, &e->m), 0);
	strcpy(e->img, "/tmp/vmm-hc-XXXXXX");
	e->disk = (struct blk_disk){.fd = mkstemp(e->img), .size = 8 * HC_SECTOR};
	assert_true(e->disk.fd >= 0);
	assert_int_equal(ftruncate(e->disk.fd, (off_t)e->disk.size), 0);
	assert_int_equal(pipe(e->out), 0);
	e->h = (struct device_host){.mach = &e->m,
				    .mem = &e->gm,
				    .vmm = e,
				    .exit = fake_exit,
				    .console_out = fake_console_out,
				    .cmdline = fake_cmdline,
				    .disk = fake_disk};
	e->hc = hypercall_new(&e->h);
	assert_non_null(e->hc);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	free(e->hc);
	close(e->out[0]);
	close(e->out[1]);
	if (e->disk.fd >= 0)
		close(e->disk.fd);
	unlink(e->img);
	guest_mem_unmap(&e->gm);
	free(e);
	return 0;
}

/* The guest's side: the block into RAM, the OUT, the block back out. */
static int call(struct env *e, int nr, void *block, size_t len)
{
	int ret;

	((struct hc_hdr *)block)->ret = HC_NOANSWER;
	assert_int_equal(guest_mem_write(&e->gm, BLOCK, block, len), 0);
	ret = hypercall_handle(e->hc, nr, BLOCK);
	assert_int_equal(guest_mem_read(&e->gm, BLOCK, block, len), 0);
	if (ret >= -HC_NOANSWER) /* answered: the block says the same */
		assert_int_equal(((struct hc_hdr *)block)->ret, ret);
	return ret;
}

static void test_version_and_unknown(void **state)
{
	struct env *e = *state;
	struct hc_version v = {0};

	assert_int_equal(call(e, HC_VERSION, &v, sizeof(v)), HC_OK);
	assert_int_equal(v.version, HC_ABI_VERSION);
	assert_int_equal(v.nr_calls, HC_NR_CALLS);
	assert_int_equal(call(e, HC_NR_CALLS, &v, sizeof(v)), HC_ENOSYS);
	assert_int_equal(call(e, 15, &v, sizeof(v)), HC_ENOSYS);
}

static void test_puts(void **state)
{
	struct env *e = *state;
	struct hc_puts p = {.data = BUF, .len = 5};
	char got[8] = {0};

	assert_int_equal(guest_mem_write(&e->gm, BUF, "hello", 5), 0);
	assert_int_equal(call(e, HC_PUTS, &p, sizeof(p)), HC_OK);
	assert_int_equal(read(e->out[0], got, sizeof(got)), 5);
	assert_string_equal(got, "hello");
	p.len = 0;
	assert_int_equal(call(e, HC_PUTS, &p, sizeof(p)), HC_OK);
	p = (struct hc_puts){.data = BUF, .len = ~0ULL};
	assert_int_equal(call(e, HC_PUTS, &p, sizeof(p)), HC_EFAULT);
	p = (struct hc_puts){.data = ~0ULL - 2, .len = 4}; /* wraps */
	assert_int_equal(call(e, HC_PUTS, &p, sizeof(p)), HC_EFAULT);
	p = (struct hc_puts){.data = (64ULL << 20) - 2, .len = 4}; /* runs off RAM's end */
	assert_int_equal(call(e, HC_PUTS, &p, sizeof(p)), HC_EFAULT);
}

static void test_exit(void **state)
{
	struct env *e = *state;
	struct hc_exit x = {.status = 0x1234};

	assert_int_equal(call(e, HC_EXIT, &x, sizeof(x)), HC_OK);
	assert_int_equal(e->exits, 1);
	assert_int_equal(e->status, 0x34); /* what an exit status can hold */
}

static void test_time(void **state)
{
	struct env *e = *state;
	struct hc_time a = {0}, b = {0};

	assert_int_equal(call(e, HC_TIME, &a, sizeof(a)), HC_OK);
	assert_int_equal(call(e, HC_TIME, &b, sizeof(b)), HC_OK);
	assert_true(a.wall_ns > 1700000000ULL * 1000000000ULL); /* after 2023 */
	assert_true(b.monotonic_ns >= a.monotonic_ns);
}

static void test_bootinfo(void **state)
{
	struct env *e = *state;
	struct hc_bootinfo b = {0};
	struct hc_mmap_entry m[8];
	char cmdline[32];

	assert_int_equal(call(e, HC_BOOTINFO, &b, sizeof(b)), HC_OK); /* sizes only */
	assert_int_equal(b.ram_size, 64ULL << 20);
	assert_int_equal(b.nr_cpus, 3);
	assert_int_equal(b.nr_disks, 1);
	assert_int_equal(b.cmdline_len, strlen("console=hvc0 x=1") + 1);
	assert_int_equal(b.mmap_entries, 4);
	b.cmdline = BUF;
	b.cmdline_cap = 4;
	assert_int_equal(call(e, HC_BOOTINFO, &b, sizeof(b)), HC_ENOSPC);
	b.cmdline_cap = sizeof(cmdline);
	b.mmap = BUF + 0x100;
	b.mmap_cap = 3;
	assert_int_equal(call(e, HC_BOOTINFO, &b, sizeof(b)), HC_ENOSPC);
	b.mmap_cap = 8;
	assert_int_equal(call(e, HC_BOOTINFO, &b, sizeof(b)), HC_OK);
	assert_int_equal(guest_mem_read(&e->gm, BUF, cmdline, b.cmdline_len), 0);
	assert_string_equal(cmdline, "console=hvc0 x=1");
	assert_int_equal(guest_mem_read(&e->gm, BUF + 0x100, m, sizeof(m[0]) * 4), 0);
	assert_int_equal(m[0].addr, 0);
	assert_int_equal(m[0].type, 1);
	assert_int_equal(m[3].addr, 0x100000);
	assert_int_equal(m[3].size, (64ULL << 20) - 0x100000);
	b.mmap = (64ULL << 20) - 8; /* the map would run off RAM's end */
	assert_int_equal(call(e, HC_BOOTINFO, &b, sizeof(b)), HC_EFAULT);
}

static void test_disk(void **state)
{
	struct env *e = *state;
	struct hc_disk_info di = {.disk = 0};
	struct hc_disk_io io = {.disk = 0, .len = 2 * HC_SECTOR, .sector = 3, .data = BUF};
	uint8_t buf[2 * HC_SECTOR], back[2 * HC_SECTOR];

	assert_int_equal(call(e, HC_DISK_INFO, &di, sizeof(di)), HC_OK);
	assert_int_equal(di.sectors, 8);
	assert_int_equal(di.read_only, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(guest_mem_write(&e->gm, BUF, buf, sizeof(buf)), 0);
	assert_int_equal(call(e, HC_DISK_WRITE, &io, sizeof(io)), HC_OK);
	assert_int_equal(call(e, HC_DISK_FLUSH, &io, sizeof(io)), HC_OK);
	assert_int_equal(pread(e->disk.fd, back, sizeof(back), 3 * HC_SECTOR), sizeof(back));
	assert_memory_equal(back, buf, sizeof(buf));
	io.data = BUF + 0x1000;
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_OK);
	assert_int_equal(guest_mem_read(&e->gm, BUF + 0x1000, back, sizeof(back)), 0);
	assert_memory_equal(back, buf, sizeof(buf));
	io.sector = 7; /* the last sector and one past it */
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_EINVAL);
	io.sector = 6; /* the last two: fine */
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_OK);
	io.sector = ~0ULL / HC_SECTOR; /* sector * 512 would wrap */
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_EINVAL);
	io.sector = 0;
	io.len = HC_SECTOR + 1;
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_EINVAL);
	io.len = 0;
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_EINVAL);
	io.len = HC_DISK_IO_MAX + HC_SECTOR;
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_EINVAL);
	io.len = HC_SECTOR;
	io.data = (64ULL << 20) - 256; /* the buffer runs off RAM's end */
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_EFAULT);
	io.disk = 1;
	assert_int_equal(call(e, HC_DISK_READ, &io, sizeof(io)), HC_ENODEV);
	di.disk = 1;
	assert_int_equal(call(e, HC_DISK_INFO, &di, sizeof(di)), HC_ENODEV);
	e->disk.read_only = true;
	io = (struct hc_disk_io){.disk = 0, .len = HC_SECTOR, .sector = 0, .data = BUF};
	assert_int_equal(call(e, HC_DISK_WRITE, &io, sizeof(io)), HC_EROFS);
}

/* A block the VMM cannot read gets no answer, and nothing else happens. */
static void test_bad_blocks(void **state)
{
	struct env *e = *state;

	assert_int_equal(hypercall_handle(e->hc, HC_VERSION, BLOCK + 4), -14); /* misaligned */
	assert_int_equal(hypercall_handle(e->hc, HC_VERSION, (64ULL << 20) - 8), -14);
	assert_int_equal(hypercall_handle(e->hc, HC_BOOTINFO, (64ULL << 20) - 64), -14);
	assert_int_equal(hypercall_handle(e->hc, HC_VERSION, 0xfffffff8), -14);
	assert_int_equal(hypercall_handle(e->hc, -1, BLOCK), HC_ENOSYS);
	assert_int_equal(e->exits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_version_and_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_puts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bootinfo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_blocks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
