/* SPDX-License-Identifier: MIT */
/*
 * Each thread kind's seccomp allow-list (vmm/sandbox.c), each in a forked child that loads
 * it and then makes one syscall: one the kind must not have ends the child with
 * EXIT_SANDBOX and the one line naming the syscall and the thread; one it has runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/sandbox.h"
#include "vmm/vm.h"

/* What a child does once in its sandbox; its return value is the child's exit status. */
typedef int (*child_fn)(void);

static int sandbox_mode_under_test = SECCOMP_ON;

/* A sanitizer build's lists let its runtime open files, clone and map (docs/sandbox.md). */
#ifdef VMM_SANITIZE
static const int sanitized = 1;
#else
static const int sanitized = 0;
#endif

/* Run fn in a child sandboxed as kind; its exit status, its stderr in err. */
static int run_sandboxed(enum sandbox_kind kind, child_fn fn, char *err, size_t n)
{
	int p[2], status;
	ssize_t got, len = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		sandbox_init(sandbox_mode_under_test);
		sandbox_enter(kind);
		_exit(fn());
	}
	close(p[1]);
	while (len + 1 < (ssize_t)n && (got = read(p[0], err + len, n - 1 - len)) > 0)
		len += got;
	err[len] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status)); /* a SIGSYS nobody caught would kill it silently */
	return WEXITSTATUS(status);
}

static void expect_denied(enum sandbox_kind kind, child_fn fn, const char *line)
{
	char err[512];

	assert_int_equal(run_sandboxed(kind, fn, err, sizeof(err)), EXIT_SANDBOX);
	if (!strstr(err, line))
		fail_msg("wanted \"%s\" in \"%s\"", line, err);
}

static void expect_allowed(enum sandbox_kind kind, child_fn fn)
{
	char err[512];

	assert_int_equal(run_sandboxed(kind, fn, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* The forbidden: each returns 0 only if the kernel ran it. */
static int do_openat(void)
{
	syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	return 0;
}

static int do_execve(void)
{
	char *argv[] = {"/bin/true", NULL};

	syscall(SYS_execve, "/bin/true", argv, NULL);
	return 0;
}

static int do_socket(void)
{
	syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	return 0;
}

static int do_create_vm(void) /* an ioctl request outside the vCPU's list */
{
	syscall(SYS_ioctl, -1, KVM_CREATE_VM, 0);
	return 0;
}

static int do_fork(void) /* clone without CLONE_THREAD: a process */
{
	syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	return 0;
}

static int do_mmap_exec(void)
{
	syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

/* The allowed: the kernel ran them (a bad fd's EBADF is the kernel's answer, not ours). */
static int do_kvm_run(void)
{
	return syscall(SYS_ioctl, -1, KVM_RUN, 0) < 0 && errno == EBADF ? 0 : 1;
}

static int do_poll_write(void)
{
	return poll(NULL, 0, 0) == 0 && write(STDOUT_FILENO, "", 0) == 0 ? 0 : 1;
}

static int do_malloc(void)
{
	char *p = malloc(1 << 20); /* an mmap without PROT_EXEC */

	if (!p)
		return 1;
	memset(p, 1, 1 << 20);
	free(p);
	return 0;
}

static int do_irq_line(void) /* a device thread raising its interrupt */
{
	return syscall(SYS_ioctl, -1, KVM_IRQ_LINE, 0) < 0 && errno == EBADF ? 0 : 1;
}

static int do_accept(void)
{
	return accept4(-1, NULL, NULL, SOCK_CLOEXEC) < 0 && errno == EBADF ? 0 : 1;
}

static void *thread_openat(void *arg)
{
	(void)arg;
	sandbox_enter(SANDBOX_VCPU);
	do_openat();
	return NULL;
}

/* A vCPU thread the main thread starts after its filter: both filters hold it. */
static int do_vcpu_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_openat, NULL))
		return 1;
	pthread_join(t, NULL);
	return 0;
}

static void test_vcpu(void **state)
{
	(void)state;
	if (!sanitized)
		expect_denied(SANDBOX_VCPU, do_openat, "the vcpu thread made syscall openat (257)");
	expect_denied(SANDBOX_VCPU, do_execve, "the vcpu thread made syscall execve (59)");
	expect_denied(SANDBOX_VCPU, do_socket, "the vcpu thread made syscall socket (41)");
	expect_denied(SANDBOX_VCPU, do_create_vm,
		      "the vcpu thread made syscall ioctl (16) request 0xae01, which it may not");
	if (!sanitized)
		expect_denied(SANDBOX_VCPU, do_mmap_exec, "the vcpu thread made syscall mmap (9)");
	expect_allowed(SANDBOX_VCPU, do_kvm_run);
	expect_allowed(SANDBOX_VCPU, do_malloc);
}

static void test_main(void **state)
{
	(void)state;
	if (!sanitized)
		expect_denied(SANDBOX_MAIN, do_openat, "the main thread made syscall openat");
	expect_denied(SANDBOX_MAIN, do_execve, "the main thread made syscall execve");
	expect_denied(SANDBOX_MAIN, do_socket, "the main thread made syscall socket");
	if (!sanitized)
		expect_denied(SANDBOX_MAIN, do_fork, "the main thread made syscall clone (56)");
	if (!sanitized)
		expect_denied(SANDBOX_MAIN, do_vcpu_thread, "the vcpu thread made syscall openat");
	expect_allowed(SANDBOX_MAIN, do_kvm_run);
	expect_allowed(SANDBOX_MAIN, do_poll_write);
}

static void test_blk_io(void **state)
{
	(void)state;
	if (!sanitized)
		expect_denied(SANDBOX_BLK_IO, do_openat,
			      "the virtio-blk thread made syscall openat");
	expect_denied(SANDBOX_BLK_IO, do_socket, "the virtio-blk thread made syscall socket");
	expect_denied(SANDBOX_BLK_IO, do_kvm_run,
		      "the virtio-blk thread made syscall ioctl (16) request 0xae80");
	expect_allowed(SANDBOX_BLK_IO, do_irq_line);
	expect_allowed(SANDBOX_BLK_IO, do_poll_write);
}

static void test_timers(void **state)
{
	(void)state;
	if (!sanitized)
		expect_denied(SANDBOX_PIT, do_openat, "the pit thread made syscall openat");
	expect_denied(SANDBOX_PIT, do_execve, "the pit thread made syscall execve");
	expect_allowed(SANDBOX_PIT, do_irq_line);
	expect_denied(SANDBOX_RTC, do_socket, "the rtc thread made syscall socket");
	expect_denied(SANDBOX_RTC, do_kvm_run, "the rtc thread made syscall ioctl (16) request");
	expect_allowed(SANDBOX_RTC, do_poll_write);
}

static void test_outq(void **state)
{
	(void)state;
	if (!sanitized)
		expect_denied(SANDBOX_OUTQ, do_openat, "the output thread made syscall openat");
	expect_denied(SANDBOX_OUTQ, do_accept, "the output thread made syscall accept4");
	expect_allowed(SANDBOX_OUTQ, do_poll_write);
}

static void test_gdb(void **state)
{
	(void)state;
	if (!sanitized)
		expect_denied(SANDBOX_GDB, do_openat, "the gdb thread made syscall openat");
	expect_denied(SANDBOX_GDB, do_socket, "the gdb thread made syscall socket");
	expect_denied(SANDBOX_GDB, do_kvm_run, "the gdb thread made syscall ioctl (16) request");
	expect_allowed(SANDBOX_GDB, do_accept);
	expect_allowed(SANDBOX_GDB, do_poll_write);
}

/* --seccomp log: the kernel logs what is not on the list and runs it. */
static int do_openat_runs(void)
{
	int fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);

	return fd >= 0 && !close(fd) ? 0 : 1;
}

static void test_log_mode(void **state)
{
	(void)state;
	sandbox_mode_under_test = SECCOMP_LOG;
	expect_allowed(SANDBOX_VCPU, do_openat_runs);
	expect_allowed(SANDBOX_MAIN, do_socket);
	sandbox_mode_under_test = SECCOMP_OFF;
	expect_allowed(SANDBOX_VCPU, do_openat_runs);
	sandbox_mode_under_test = SECCOMP_ON;
	if (!sanitized)
		expect_denied(SANDBOX_VCPU, do_openat_runs, "the vcpu thread made syscall openat");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vcpu),     cmocka_unit_test(test_main),
	    cmocka_unit_test(test_blk_io),   cmocka_unit_test(test_timers),
	    cmocka_unit_test(test_outq),     cmocka_unit_test(test_gdb),
	    cmocka_unit_test(test_log_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
