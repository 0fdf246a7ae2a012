/* SPDX-License-Identifier: MIT */
/*
 * vmm/confine.c, each step in a forked child (they cannot be undone): inherited descriptors
 * closed, the rlimits, --user, --chroot, and Landlock on every thread (open, creat and unlink
 * refused, the allowed file still readable, descriptors opened before still usable). A step this
 * kernel or user cannot take is skipped, and says so by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/cli.h"
#include "vmm/confine.h"

static char dir[] = "/tmp/vmm-test-confine.XXXXXX";

static const char *path_in(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void make_file(const char *name)
{
	int fd = open(path_in(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

/*
 * fn in a child; its exit status is the number of the first check that failed (0: all
 * passed, 77: skipped, with the reason on stderr).
 */
#define SKIPPED 77
static int in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void expect_child(int (*fn)(void), const char *skip_why)
{
	int r = in_child(fn);

	if (r == SKIPPED) {
		fprintf(stderr, "SKIP: %s\n", skip_why);
		skip();
	}
	assert_int_equal(r, 0);
}

/* --- inherited descriptors ------------------------------------------------------------------- */

static int open_three(void)
{
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: as a parent leaves them */

	return fd >= 0 && dup2(fd, 7) == 7 && dup2(fd, 200) == 200 ? fd : -1;
}

static int closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static int child_close_inherited(void)
{
	int fd = open_three();

	if (fd < 0)
		return 1;
	if (confine_close_inherited())
		return 2;
	if (!closed(fd) || !closed(7) || !closed(200))
		return 3;
	if (closed(0) || closed(1) || closed(2)) /* the standard three stay */
		return 4;
	return 0;
}

static int child_close_walk(void)
{
	int fd = open_three();

	if (fd < 0)
		return 1;
	if (confine_close_walk(3))
		return 2;
	return !closed(fd) || !closed(7) || !closed(200) || closed(2) ? 3 : 0;
}

static void test_close_inherited(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_close_inherited), 0);
	assert_int_equal(in_child(child_close_walk), 0); /* close_range's fallback */
}

/* --- rlimits --------------------------------------------------------------------------------- */

static int child_rlimits(void)
{
	struct rlimit core, files;
	int top = 0, fd;

	for (int i = 0; i < 4096; i++) /* the highest open descriptor, as confine finds it */
		top = fcntl(i, F_GETFD) >= 0 ? i : top;
	if (confine_rlimits(0))
		return 1;
	if (getrlimit(RLIMIT_CORE, &core) || core.rlim_cur || core.rlim_max)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &files) || files.rlim_cur != files.rlim_max)
		return 3;
	if (files.rlim_cur != (rlim_t)top + 1 + CONFINE_NOFILE_SPARE)
		return 4;
	/* the spare ones can be opened, one more than the limit cannot */
	for (int i = 0; i < CONFINE_NOFILE_SPARE; i++)
		if (dup(2) < 0)
			return 5;
	while ((fd = dup(2)) >= 0)
		if ((rlim_t)fd >= files.rlim_cur)
			return 6;
	return errno == EMFILE ? 0 : 7;
}

static int child_rlimits_core_kept(void)
{
	struct rlimit before, after;

	if (getrlimit(RLIMIT_CORE, &before) || confine_rlimits(1) || getrlimit(RLIMIT_CORE, &after))
		return 1;
	return before.rlim_cur == after.rlim_cur && before.rlim_max == after.rlim_max ? 0 : 2;
}

static void test_rlimits(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_rlimits), 0);
	assert_int_equal(in_child(child_rlimits_core_kept), 0); /* --core-dump */
}

/* --- --user ------------------------------------------------------------------------------------
 */

static int child_user(void)
{
	gid_t groups[4];

	if (geteuid())
		return SKIPPED;
	if (confine_user(65534, 65533))
		return 1;
	if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65533 || getegid() != 65533)
		return 2;
	if (getgroups(4, groups) != 1 || groups[0] != 65533)
		return 3;
	return !setuid(0) || !setgid(0) ? 4 : 0;
}

static void test_user(void **state)
{
	uid_t u;
	gid_t g;

	(void)state;
	assert_int_equal(cli_parse_user("65534:100", &u, &g), 0);
	assert_int_equal(u, 65534);
	assert_int_equal(g, 100);
	assert_int_equal(cli_parse_user("0:0", &u, &g), 0);
	assert_int_equal(cli_parse_user("4294967295:0", &u, &g),
			 -EINVAL); /* setuid's "no change" */
	assert_int_equal(cli_parse_user("1000", &u, &g), -EINVAL);
	assert_int_equal(cli_parse_user("-1:0", &u, &g), -EINVAL);
	assert_int_equal(cli_parse_user("a:b", &u, &g), -EINVAL);
	assert_int_equal(cli_parse_user("1:2:3", &u, &g), -EINVAL);
	assert_int_equal(cli_parse_user(":2", &u, &g), -EINVAL);
	expect_child(child_user,
		     "test_user: setuid needs root, and this test does not run as root");
}

static int child_chroot(void)
{
	char cwd[8];
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (geteuid())
		return SKIPPED;
	if (fd < 0 || confine_chroot(fd))
		return 1;
	if (access("/marker", F_OK) || !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/"))
		return 2;		  /* DIR is "/" now, and we are in it */
	return access(dir, F_OK) ? 0 : 3; /* the old tree is out of reach */
}

static void test_chroot(void **state)
{
	(void)state;
	make_file("marker");
	expect_child(child_chroot, "test_chroot: chroot needs root, and this test does not run "
				   "as root");
}

/* --- Landlock ----------------------------------------------------------------------------------
 */

/* A thread started before confinement, as the VMM's device threads are; it opens a file on
 * request and answers with open's errno. */
static int ask[2], answer[2];

static void *opener(void *arg)
{
	struct pollfd p = {.fd = ask[0], .events = POLLIN};
	char c;
	int err, fd;

	(void)arg;
	while (poll(&p, 1, -1) < 0) /* the confining signal interrupts it: as a device's loop */
		if (errno != EINTR)
			return NULL;
	if (read(ask[0], &c, 1) != 1)
		return NULL;
	fd = open(path_in("other"), O_RDONLY);
	err = fd < 0 ? errno : 0;
	err |= prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 0x100;
	if (write(answer[1], &err, sizeof(err)) != sizeof(err))
		return NULL;
	return NULL;
}

static int refused(int r)
{
	return r < 0 && errno == EACCES;
}

static int child_landlock(void)
{
	const char *allowed[] = {path_in("allowed"), NULL};
	int held = open(path_in("held"), O_WRONLY), abi, err = -1;
	pthread_t t;

	if (held < 0 || pipe(ask) || pipe(answer) || pthread_create(&t, NULL, opener, NULL))
		return 1;
	if ((abi = confine_landlock(allowed, 2)) == 0)
		return SKIPPED;
	if (abi < 0)
		return 2;
	if (!refused(open(path_in("other"), O_RDONLY)))
		return 3;
	if (!refused(creat(path_in("new"), 0644)))
		return 4;
	if (!refused(unlink(path_in("other"))) || !refused(mkdir(path_in("newdir"), 0755)))
		return 5;
	if (!refused(open(path_in("allowed"), O_WRONLY)) || open(path_in("allowed"), O_RDONLY) < 0)
		return 6;	      /* read-only, as the rule says */
	if (write(held, "y", 1) != 1) /* opened before: still ours */
		return 7;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 8;
	if (write(ask[1], "?", 1) != 1 || read(answer[0], &err, sizeof(err)) != sizeof(err))
		return 9;
	pthread_join(t, NULL);
	return err == EACCES ? 0 : 10; /* the older thread is confined too, no_new_privs set */
}

static void test_landlock(void **state)
{
	(void)state;
	make_file("allowed");
	make_file("other");
	make_file("held");
	expect_child(child_landlock,
		     "test_landlock: this kernel has no Landlock (/sys/kernel/security/lsm)");
	/* the parent is untouched */
	assert_int_equal(unlink(path_in("other")), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	const char *names[] = {"allowed", "other", "held", "new", "marker"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_in(names[i]));
	rmdir(path_in("newdir"));
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_close_inherited),
	    cmocka_unit_test(test_rlimits),
	    cmocka_unit_test(test_user),
	    cmocka_unit_test(test_chroot),
	    cmocka_unit_test(test_landlock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
