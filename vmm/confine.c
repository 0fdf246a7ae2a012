/* SPDX-License-Identifier: MIT */
/*
 * Confinement after set-up (docs/confine.md). The VM is built from the user's paths; once it
 * is, the VMM runs on the descriptors it holds, so everything else can go: inherited
 * descriptors (at the very start), core dumps, descriptor numbers beyond the ones in use,
 * root (--user), and with Landlock (Documentation/userspace-api/landlock.rst) every path.
 *
 * no_new_privs and Landlock domains belong to a thread, not to the process
 * (landlock_restrict_self(2): "only the calling thread"), and set-up has already started
 * the device threads (serial writers, RTC, PIT, virtio-blk). So the main thread signals each
 * of them to take the same domain in a signal handler, waits until all have, and only
 * then takes it itself; the vCPU and gdb threads it starts afterwards inherit it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "confine.h"
#include "kcache.h"

/* Rights of Landlock ABIs newer than Debian 12's <linux/landlock.h> (ABI 2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#define CONFINE_NET_BIND_TCP	(1ULL << 0) /* ABI 4: LANDLOCK_ACCESS_NET_BIND_TCP */
#define CONFINE_NET_CONNECT_TCP (1ULL << 1) /* LANDLOCK_ACCESS_NET_CONNECT_TCP */

/* struct landlock_ruleset_attr up to ABI 4; older kernels are given only the first field. */
struct confine_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

/* The signal that asks a set-up thread to confine itself; glibc keeps the first two RT ones. */
#define CONFINE_SIGNAL	       (SIGRTMIN + 2)
#define CONFINE_THREAD_TIMEOUT 5 /* seconds for all threads to answer */

/* --- descriptors -------------------------------------------------------------------------- */

/* fn(n) for each numeric entry n >= lowest of a /proc directory but the walk's own fd. */
static int confine_proc_walk(const char *path, int lowest, int (*fn)(int n, void *ctx), void *ctx)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (e = readdir(d))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || n < lowest || n == dirfd(d) || n > INT32_MAX)
			continue;
		err = fn((int)n, ctx);
	}
	closedir(d);
	return err;
}

static int confine_close_one(int fd, void *ctx)
{
	(void)ctx;
	close(fd); /* EBADF: already gone; EINTR: closed all the same (close(2)) */
	return 0;
}

int confine_close_walk(int lowest)
{
	return confine_proc_walk("/proc/self/fd", lowest, confine_close_one, NULL);
}

int confine_close_inherited(void)
{
	/* close_range(2), Linux 5.9; glibc 2.36's wrapper would do, the raw call builds anywhere */
	if (!syscall(SYS_close_range, 3U, ~0U, 0U))
		return 0;
	return errno == ENOSYS || errno == EINVAL ? confine_close_walk(3) : -errno;
}

static int confine_fd_max(int fd, void *ctx)
{
	int *max = ctx;

	*max = fd > *max ? fd : *max;
	return 0;
}

/* --- rlimits and the user ------------------------------------------------------------------ */

/* Lower both limits of r to v (never raise them). */
static int confine_rlimit_lower(int r, rlim_t v)
{
	struct rlimit l;

	if (getrlimit(r, &l))
		return -errno;
	if (l.rlim_max != RLIM_INFINITY && l.rlim_max < v)
		v = l.rlim_max;
	l.rlim_cur = l.rlim_max = v;
	return setrlimit(r, &l) ? -errno : 0;
}

int confine_rlimits(int keep_core)
{
	int top = 2, err;

	/* A core of the VMM holds guest RAM: the guest's secrets, and its size. */
	if (!keep_core && (err = confine_rlimit_lower(RLIMIT_CORE, 0)))
		return err;
	/* The limit is on descriptor numbers: one above the highest, and the spare ones. */
	if ((err = confine_proc_walk("/proc/self/fd", 0, confine_fd_max, &top)))
		return err;
	return confine_rlimit_lower(RLIMIT_NOFILE, (rlim_t)top + 1 + CONFINE_NOFILE_SPARE);
}

/* Groups, group, user, in that order (each needs the privilege the next one drops), then
 * a check that root cannot be had back, as QEMU's -run-with user= does. */
int confine_user(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) || setgid(gid) || setuid(uid))
		return -errno;
	/* the raw call, on this thread alone: glibc's would ask every thread to try, and
	 * their seccomp filters allow only --user's ids (vmm/sandbox.c) */
	if (uid && !syscall(SYS_setuid, 0))
		return -EPERM;
	return 0;
}

/* By descriptor: the walks of /proc (which the new root may not have) are done by now. */
int confine_chroot(int dir_fd)
{
	return fchdir(dir_fd) || chroot(".") || chdir("/") ? -errno : 0;
}

/* --- no_new_privs and Landlock on every thread --------------------------------------------- */

static struct {
	int ruleset_fd;	   /* -1: no_new_privs only */
	atomic_int failed; /* the first -errno a thread met */
	sem_t done;	   /* one post per thread that answered */
} confine_bcast;

static int confine_self(int ruleset_fd)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (ruleset_fd >= 0 && syscall(SYS_landlock_restrict_self, ruleset_fd, 0U))
		return -errno;
	return 0;
}

/* In each set-up thread: prctl, landlock_restrict_self and sem_post are async-signal-safe. */
static void confine_on_signal(int sig)
{
	int saved = errno, err = confine_self(confine_bcast.ruleset_fd), none = 0;

	(void)sig;
	if (err)
		atomic_compare_exchange_strong(&confine_bcast.failed, &none, err);
	sem_post(&confine_bcast.done);
	errno = saved;
}

struct confine_signalled {
	pid_t self;
	int sent;
};

static int confine_signal_thread(int tid, void *ctx)
{
	struct confine_signalled *s = ctx;

	if (tid == s->self)
		return 0;
	if (syscall(SYS_tgkill, getpid(), tid, CONFINE_SIGNAL))
		return errno == ESRCH ? 0 : -errno; /* ESRCH: it ended meanwhile */
	s->sent++;
	return 0;
}

static int confine_wait_threads(int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CONFINE_THREAD_TIMEOUT;
	for (int i = 0; i < n; i++)
		while (sem_timedwait(&confine_bcast.done, &until))
			if (errno != EINTR)
				return -errno;
	return atomic_load(&confine_bcast.failed);
}

/* Every other thread of the process first, then this one. */
static int confine_all_threads(int ruleset_fd)
{
	struct sigaction sa = {.sa_handler = confine_on_signal, .sa_flags = SA_RESTART}, old;
	struct confine_signalled s = {.self = gettid()};
	int err;

	confine_bcast.ruleset_fd = ruleset_fd;
	atomic_store(&confine_bcast.failed, 0);
	sem_init(&confine_bcast.done, 0, 0);
	sigemptyset(&sa.sa_mask);
	if (sigaction(CONFINE_SIGNAL, &sa, &old))
		return -errno;
	err = confine_proc_walk("/proc/self/task", 0, confine_signal_thread, &s);
	if (!err)
		err = confine_wait_threads(s.sent);
	if (err == -ETIMEDOUT) /* a signal still on its way must not meet the default action */
		return err;
	sigaction(CONFINE_SIGNAL, &old, NULL);
	sem_destroy(&confine_bcast.done);
	return err ? err : confine_self(ruleset_fd);
}

/* Every file-system right the kernel's ABI knows, so none is left unhandled (allowed). */
static uint64_t confine_fs_rights(int abi)
{
	if (abi >= 5)
		return (LANDLOCK_ACCESS_FS_IOCTL_DEV << 1) - 1;
	if (abi >= 3)
		return (LANDLOCK_ACCESS_FS_TRUNCATE << 1) - 1;
	if (abi == 2)
		return (LANDLOCK_ACCESS_FS_REFER << 1) - 1;
	return (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
}

/* A read-only rule for path (a file, or a directory and what is beneath it). */
static int confine_allow_read(int ruleset_fd, const char *path)
{
	struct landlock_path_beneath_attr rule = {.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE};
	int err = 0;

	rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (rule.parent_fd < 0)
		return errno == ENOENT ? 0 : -errno; /* nothing there to read again */
	if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0U))
		err = -errno;
	close(rule.parent_fd);
	return err;
}

static int confine_ruleset(int abi, const char *const *read_only, int n)
{
	struct confine_ruleset_attr attr = {.handled_access_fs = confine_fs_rights(abi),
					    .handled_access_net =
						CONFINE_NET_BIND_TCP | CONFINE_NET_CONNECT_TCP};
	size_t size = abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs);
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0U), err = 0;

	if (fd < 0)
		return -errno;
	for (int i = 0; i < n && !err; i++)
		if (read_only[i])
			err = confine_allow_read(fd, read_only[i]);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int confine_landlock(const char *const *read_only, int n)
{
	int abi =
	    (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int fd = -1, err;

	if (abi < 0) { /* ENOSYS: not built in; EOPNOTSUPP: not enabled at boot (lsm=) */
		log_msg("confine: no Landlock on this kernel (%s): paths stay reachable",
			strerror(errno));
		abi = 0;
	} else if ((fd = confine_ruleset(abi, read_only, n)) < 0) {
		return fd;
	}
	err = confine_all_threads(fd);
	if (fd >= 0)
		close(fd);
	return err ? err : abi;
}

/* --- the one call ---------------------------------------------------------------------------- */

/*
 * What a --reboot=restart boot reads again (vm_load_images): the kernel, the initrd, the
 * multiboot modules, and the decompressed-kernel cache's entry. Nothing without a reboot.
 */
static int confine_reboot_reads(const struct vmm_config *cfg, const char **out, char *cache,
				size_t cache_len)
{
	int n = 0;

	if (!cfg->reboot_restart)
		return 0;
	out[n++] = cfg->kernel;
	out[n++] = cfg->initrd;
	for (int i = 0; i < cfg->nr_modules; i++)
		out[n++] = cfg->module[i].path;
	if (!cfg->boot_linux && !kcache_dir_path(cache, cache_len))
		out[n++] = cache;
	return n;
}

/* The steps after set-up, in an order each allows the next: the rlimits and Landlock read
 * /proc (gone after a chroot), chroot needs root (gone after --user). */
static int confine_steps(const struct vmm_config *cfg, const char *const *reads, int n, int root_fd)
{
	int err, abi;

	if ((err = confine_rlimits(cfg->core_dump))) {
		log_msg("confine: rlimits: %s", strerror(-err));
		return err;
	}
	if ((abi = confine_landlock(reads, n)) < 0) {
		log_msg("confine: Landlock: %s", strerror(-abi));
		return abi;
	}
	if (root_fd >= 0 && (err = confine_chroot(root_fd))) {
		log_msg("--chroot %s: %s", cfg->chroot, strerror(-err));
		return err;
	}
	if (cfg->user_set && (err = confine_user(cfg->uid, cfg->gid))) {
		log_msg("--user %u:%u: %s", (unsigned)cfg->uid, (unsigned)cfg->gid, strerror(-err));
		return err;
	}
	log_debug("confine: done (Landlock ABI %d)", abi);
	return 0;
}

int confine_after_setup(const struct vmm_config *cfg)
{
	const char *reads[MB_MAX_MODULES + 3];
	char cache[4096];
	int n = confine_reboot_reads(cfg, reads, cache, sizeof(cache)), root_fd = -1, err;

	/* opened while paths may still be opened */
	if (cfg->chroot && (root_fd = open(cfg->chroot, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = -errno;
		log_msg("--chroot %s: %s", cfg->chroot, strerror(errno));
		return err;
	}
	err = confine_steps(cfg, reads, n, root_fd);
	if (root_fd >= 0)
		close(root_fd);
	return err;
}
