/* SPDX-License-Identifier: MIT */
/* Opening --disk images: the user's mistakes caught before the VM exists, and the lock. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/disk.h"

static char dir[] = "/tmp/vmm-test-disk.XXXXXX";

static const char *image(const char *name, off_t size)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
	return path;
}

static int open_as(const char *path, int ro, struct blk_disk *d)
{
	struct disk_cfg c = {.path = path, .read_only = ro, .serial = "SER"};

	return disk_open(&c, d);
}

static void test_good_image(void **state)
{
	struct blk_disk d;

	(void)state;
	assert_int_equal(open_as(image("ok.img", 1 << 20), 0, &d), 0);
	assert_true(d.fd >= 0);
	assert_int_equal(d.size, 1 << 20);
	assert_false(d.read_only);
	assert_string_equal(d.serial, "SER");
	disk_close(&d);
	assert_int_equal(d.fd, -1);
}

static void test_bad_images(void **state)
{
	char sub[160];
	struct blk_disk d;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/missing.img", dir);
	assert_int_equal(open_as(sub, 0, &d), -ENOENT);
	assert_int_equal(d.fd, -1);
	assert_int_equal(open_as(image("empty.img", 0), 0, &d), -EINVAL);
	assert_int_equal(open_as(image("odd.img", 1000), 0, &d), -EINVAL);
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(open_as(sub, 1, &d), -EINVAL); /* neither a file nor a block device */
	rmdir(sub);
}

/* One writer or many readers, never both: the OFD lock QEMU takes too. */
static void test_lock(void **state)
{
	const char *p = image("shared.img", 4096);
	struct blk_disk a, b;

	(void)state;
	assert_int_equal(open_as(p, 0, &a), 0);
	assert_int_equal(open_as(p, 0, &b), -EBUSY);
	assert_int_equal(open_as(p, 1, &b), -EBUSY);
	disk_close(&a);
	assert_int_equal(open_as(p, 1, &a), 0);
	assert_int_equal(open_as(p, 1, &b), 0);
	assert_true(a.read_only && b.read_only);
	disk_close(&b);
	assert_int_equal(open_as(p, 0, &b), -EBUSY);
	disk_close(&a);
	assert_int_equal(open_as(p, 0, &b), 0); /* the lock went with the last fd */
	disk_close(&b);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_image),
	    cmocka_unit_test(test_bad_images),
	    cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
