/* SPDX-License-Identifier: MIT */
/*
 * seccomp-bpf per thread (docs/sandbox.md). Filters are per thread: each is loaded with
 * seccomp_load on the thread itself, never with SECCOMP_FILTER_FLAG_TSYNC. A thread
 * created after its creator loaded a filter inherits that filter and stacks its own on
 * top (seccomp(2): every filter runs, the strictest answer wins), so what it may do is
 * the intersection of both lists. The devices' threads (virtio-blk, PIT, RTC, output
 * queues) are created during set-up, before the main thread has a filter, and carry only
 * their own. The main thread loads its filter when set-up ends and only then starts the
 * gdb stub and the vCPUs, and starts them again after a --reboot=restart: so its list
 * holds theirs (SANDBOX_MAIN's `inherits`), or they could not do their work.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <malloc.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include "../base/log.h"
#include "sandbox.h"
#include "vm.h"

#define SYS(name) SCMP_SYS(name)

/*
 * What every thread does whoever it is: glibc's locks, signal masks and thread exit
 * (madvise of the stack, exit), malloc (brk, mmap, munmap; mmap and mprotect never with
 * PROT_EXEC, added apart), log_msg's write to stderr, the vDSO clocks' syscall fallback,
 * abort (tgkill), and what the SIGSYS handler itself calls (write, exit_group).
 */
static const int common_sys[] = {
    SYS(futex),
    SYS(exit),
    SYS(exit_group),
    SYS(rt_sigreturn),
    SYS(rt_sigprocmask),
    SYS(restart_syscall),
    SYS(madvise),
    SYS(munmap),
    SYS(brk),
    SYS(write),
    SYS(clock_gettime),
    SYS(clock_nanosleep),
    SYS(nanosleep),
    SYS(gettid),
    SYS(getpid),
    SYS(tgkill),
    SYS(sched_yield),
#ifdef VMM_SANITIZE
    /* the sanitizer runtimes: their own allocator, stacks and reports (docs/sandbox.md) */
    SYS(sigaltstack),
    SYS(prctl),
    SYS(rt_sigaction),
    SYS(openat),
    SYS(read),
    SYS(close),
    SYS(readlink),
    SYS(newfstatat),
    SYS(fstat),
    SYS(mremap),
    SYS(getrlimit),
    SYS(prlimit64),
    SYS(clone),
    SYS(ptrace),
    SYS(wait4),
    SYS(sched_getaffinity),
    SYS(getppid),
    SYS(kill),
    SYS(waitid),
    SYS(process_vm_readv),
    SYS(readlinkat),
    SYS(open),
    SYS(getdents),
    SYS(pipe2),
    SYS(getdents64),
    SYS(lseek),
#endif
};

/*
 * The vCPU thread: KVM_RUN and the exits it handles itself. A device model runs on the
 * thread whose exit reached it: eventfds read and written (stop and kick fds, irqfds),
 * the RTC's and PIT's timerfds re-armed, hypercalls' disk reads, writes and flushes; the
 * snapshot SIGUSR2 asks for, and the registers printed on a fault.
 */
static const int vcpu_sys[] = {SYS(ioctl),	     SYS(read),	     SYS(pread64),
			       SYS(pwrite64),	     SYS(fdatasync), SYS(timerfd_settime),
			       SYS(timerfd_gettime), SYS(poll)};
static const unsigned long vcpu_ioctl[] = {
    KVM_RUN, /* the one syscall of an exit: tested first (sandbox_add_list) */
    KVM_GET_REGS, KVM_SET_REGS,	       KVM_GET_SREGS,	 KVM_SET_SREGS,
    KVM_GET_FPU,  KVM_GET_VCPU_EVENTS, KVM_GET_MP_STATE, KVM_GET_LAPIC,
    KVM_IRQ_LINE, KVM_SET_GUEST_DEBUG,
};

/*
 * What a device's own thread does to raise its interrupt: an edge on KVM_IRQ_LINE, a level
 * line's irqfd written (vmm/irq.c).
 */
static const unsigned long irq_ioctl[] = {KVM_IRQ_LINE};

/* virtio-blk's I/O thread: its kick and stop eventfds, the image, the used-ring interrupt. */
static const int blk_sys[] = {SYS(poll),    SYS(ppoll),	    SYS(read),	   SYS(preadv),
			      SYS(pwritev), SYS(pread64),   SYS(pwrite64), SYS(fdatasync),
			      SYS(fsync),   SYS(fallocate), SYS(ioctl)};

/* --pit user's and the RTC's timer threads: a timerfd, a stop or kick eventfd, IRQ 0 or 8. */
static const int timer_sys[] = {
    SYS(poll), SYS(ppoll), SYS(read), SYS(timerfd_settime), SYS(timerfd_gettime), SYS(ioctl)};

/* An output queue's writer: waits for room on its fd (poll) and writes; the UART's
 * transmitter-empty interrupt when room comes back (serial_tx_room). */
static const int outq_sys[] = {SYS(poll), SYS(ppoll), SYS(ioctl)};

/* --gdb's stub: one listening socket, one connection, the vCPUs' registers and memory. */
static const int gdb_sys[] = {SYS(accept4), SYS(accept),   SYS(poll),	SYS(ppoll),
			      SYS(read),    SYS(recvfrom), SYS(sendto), SYS(setsockopt),
			      SYS(close),   SYS(shutdown), SYS(ioctl)};
static const unsigned long gdb_ioctl[] = {
    KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
    KVM_GET_FPU,  KVM_SET_FPU,	KVM_TRANSLATE, KVM_SET_GUEST_DEBUG,
};

/*
 * The main thread after set-up: the console (poll, read, the terminal's modes), the host's
 * signals (a signalfd each run), resamplefds, --stats and SIGUSR2's dump (KVM's counters,
 * irqchip), thread creation (clone with CLONE_THREAD, added apart) and, for a
 * --reboot=restart, a new KVM VM on the images kept open (vm_reboot): KVM's VM-building
 * ioctls, mmap of the vCPUs' kvm_run, eventfds, disk flushes at the end. Never open().
 */
static const int main_sys[] = {
    SYS(ioctl),
    SYS(read),
    SYS(pread64),
    SYS(close),
    SYS(poll),
    SYS(ppoll),
    SYS(signalfd4),
    SYS(eventfd2),
    SYS(fcntl),
    SYS(newfstatat),
    SYS(fstat),
    SYS(lseek),
    SYS(fdatasync),
    SYS(fsync),
    SYS(timerfd_settime),
    SYS(timerfd_gettime),
    SYS(set_robust_list),
    SYS(rseq),
    SYS(rt_sigaction),
    SYS(sigaltstack),
    SYS(unlink), /* --gdb unix:PATH: the socket, at exit */
};
static const unsigned long main_ioctl[] = {
    KVM_GET_API_VERSION,
    KVM_CHECK_EXTENSION,
    KVM_GET_VCPU_MMAP_SIZE,
    KVM_GET_SUPPORTED_CPUID,
    KVM_CREATE_VM,
    KVM_SET_USER_MEMORY_REGION,
    KVM_SET_TSS_ADDR,
    KVM_SET_IDENTITY_MAP_ADDR,
    KVM_CREATE_IRQCHIP,
    KVM_CREATE_PIT2,
    KVM_SET_GSI_ROUTING,
    KVM_IRQFD,
    KVM_IOEVENTFD,
    KVM_GET_STATS_FD,
    KVM_CREATE_VCPU,
    KVM_SET_CPUID2,
    KVM_SET_MSRS,
    KVM_SET_LAPIC,
    KVM_SET_FPU,
    KVM_GET_IRQCHIP,
    TCGETS,
    TCSETS,
    TCSETSW,
    TCSETSF,
};

struct sandbox_policy {
	const char *name; /* what the SIGSYS line calls the thread */
	const int *sys;
	size_t nr_sys;
	const unsigned long *ioctl; /* ioctl is allowed with these requests only */
	size_t nr_ioctl;
	unsigned inherits; /* the kinds this thread starts after its filter: their lists too */
	int clone;	   /* may create threads */
};

#define LIST(a) a, sizeof(a) / sizeof((a)[0])

static const struct sandbox_policy sandbox_policy[SANDBOX_KINDS] = {
    [SANDBOX_MAIN] = {"main", LIST(main_sys), LIST(main_ioctl),
		      1u << SANDBOX_VCPU | 1u << SANDBOX_GDB, 1},
    [SANDBOX_VCPU] = {"vcpu", LIST(vcpu_sys), LIST(vcpu_ioctl), 0, 0},
    [SANDBOX_BLK_IO] = {"virtio-blk", LIST(blk_sys), LIST(irq_ioctl), 0, 0},
    [SANDBOX_PIT] = {"pit", LIST(timer_sys), LIST(irq_ioctl), 0, 0},
    [SANDBOX_RTC] = {"rtc", LIST(timer_sys), LIST(irq_ioctl), 0, 0},
    [SANDBOX_OUTQ] = {"output", LIST(outq_sys), LIST(irq_ioctl), 0, 0},
    [SANDBOX_GDB] = {"gdb", LIST(gdb_sys), LIST(gdb_ioctl), 0, 0},
};

static int sandbox_mode = SECCOMP_OFF;
static struct {
	int set; /* --user given: the ids the confinement's setgroups/setgid/setuid take */
	uid_t uid;
	gid_t gid;
} sandbox_user;
static __thread int sandbox_self = -1; /* this thread's kind, once its filter is in */

/* The names the SIGSYS handler prints, resolved before: libseccomp's resolver allocates. */
#define SANDBOX_MAX_NR 512
static char sandbox_names[SANDBOX_MAX_NR][24];

static size_t put_str(char *buf, size_t at, size_t size, const char *s)
{
	while (*s && at + 1 < size)
		buf[at++] = *s++;
	return at;
}

static size_t put_num(char *buf, size_t at, size_t size, unsigned long v, unsigned base)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = "0123456789abcdef"[v % base];
	while ((v /= base));
	if (base == 16)
		at = put_str(buf, at, size, "0x");
	while (n && at + 1 < size)
		buf[at++] = tmp[--n];
	return at;
}

/*
 * SECCOMP_RET_TRAP: a syscall outside the thread's list. Async-signal-safe: one write(2)
 * of one line, then _exit; the registers still hold the syscall's arguments (for ioctl,
 * the request in %rsi).
 */
static void sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	const ucontext_t *uc = ctx;
	int nr = si->si_syscall, self = sandbox_self;
	char line[160];
	size_t n = 0;

	(void)sig;
	n = put_str(line, n, sizeof(line), "vmm: seccomp: the ");
	n = put_str(line, n, sizeof(line), self >= 0 ? sandbox_policy[self].name : "starting");
	n = put_str(line, n, sizeof(line), " thread made syscall ");
	if (nr >= 0 && nr < SANDBOX_MAX_NR && sandbox_names[nr][0])
		n = put_str(line, n, sizeof(line), sandbox_names[nr]);
	n = put_str(line, n, sizeof(line), " (");
	n = put_num(line, n, sizeof(line), (unsigned long)nr, 10);
	n = put_str(line, n, sizeof(line), ")");
	if (nr == SYS(ioctl)) {
		n = put_str(line, n, sizeof(line), " request ");
		n = put_num(line, n, sizeof(line),
			    (unsigned long)uc->uc_mcontext.gregs[REG_RSI] & 0xffffffffu, 16);
	}
	n = put_str(line, n, sizeof(line), ", which it may not: exiting\n");
	if (write(STDERR_FILENO, line, n) < 0) /* nothing else to tell */
		n = 0;
	_exit(EXIT_SANDBOX);
}

static int sandbox_add_list(scmp_filter_ctx f, const struct sandbox_policy *p)
{
	int err = 0;

	for (size_t i = 0; i < p->nr_sys && !err; i++)
		if (p->sys[i] != SYS(ioctl) || !p->nr_ioctl)
			err = seccomp_rule_add(f, SCMP_ACT_ALLOW, p->sys[i], 0);
	/*
	 * The kernel takes the request as an unsigned int: only the low half counts. But
	 * KVM_RUN, the exit path's, is compared whole (glibc's unsigned long leaves its high
	 * half zero): libseccomp tests such a rule before the masked ones, so an exit's ioctl
	 * passes in a handful of instructions, not after every other request.
	 */
	for (size_t i = 0; i < p->nr_ioctl && !err; i++)
		err = p->ioctl[i] == KVM_RUN
			  ? seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(ioctl), 1,
					     SCMP_A1(SCMP_CMP_EQ, KVM_RUN))
			  : seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(ioctl), 1,
					     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, p->ioctl[i]));
	if (!err && p->clone) /* threads only, never a process */
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* ...which load their own filters under this one (sandbox_hook) */
	if (!err && p->clone)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(seccomp), 0);
	return err;
}

/*
 * What confinement (vmm/confine.c) asks of the threads set-up started, which are under
 * their filters by then: its signal handler sets no_new_privs and enters the Landlock
 * domain, and with --user glibc has every thread make the same setgroups, setgid and
 * setuid (its SIGSETXID broadcast: credentials are per thread). Each only takes
 * privileges away; the ids are compared with --user's, so no other can be taken.
 */
static int sandbox_add_confine(scmp_filter_ctx f)
{
	int err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(prctl), 1,
				   SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));

	/* and a thread names itself (pthread_setname_np on itself: ps, top, gdb's threads) */
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(landlock_restrict_self), 0);
	if (err || !sandbox_user.set)
		return err;
	err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(setgroups), 1, SCMP_A0(SCMP_CMP_EQ, 1));
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(setgid), 1,
				       SCMP_A0(SCMP_CMP_EQ, sandbox_user.gid));
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(setuid), 1,
				       SCMP_A0(SCMP_CMP_EQ, sandbox_user.uid));
	return err;
}

static int sandbox_build(scmp_filter_ctx f, enum sandbox_kind kind)
{
	const struct sandbox_policy *p = &sandbox_policy[kind];
	int err = 0;

	for (size_t i = 0; i < sizeof(common_sys) / sizeof(common_sys[0]) && !err; i++)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, common_sys[i], 0);
	for (int k = 0; k < SANDBOX_KINDS && !err; k++)
		if (k == (int)kind || (p->inherits & (1u << k)))
			err = sandbox_add_list(f, &sandbox_policy[k]);
	if (!err)
		err = sandbox_add_confine(f);
#ifndef VMM_SANITIZE
	/* Memory, but never executable: no code of the guest's or an attacker's runs here. */
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
#else
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(mmap), 0);
	if (!err)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, SYS(mprotect), 0);
#endif
	/* glibc's pthread_create tries clone3 first, whose flags live in memory a filter
	 * cannot read: ENOSYS sends it to clone, whose flags it can. */
	if (!err && p->clone)
		err = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SYS(clone3), 0);
	/* KVM_RUN's ioctl is the one syscall on the exit path: tested first. */
	if (!err && (p->nr_ioctl || p->inherits))
		err = seccomp_syscall_priority(f, SYS(ioctl), 255);
	return err;
}

static int sandbox_load(enum sandbox_kind kind)
{
	uint32_t deflt = sandbox_mode == SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	scmp_filter_ctx f = seccomp_init(deflt);
	int err;

	if (!f)
		return -ENOMEM;
	/* No binary tree (SCMP_FLTATR_CTL_OPTIMIZE): it would ignore the priority that puts
	 * ioctl first. The others' order hardly matters: the kernel caches the answer for a
	 * syscall allowed whatever its arguments, and skips the filter for it. */
	if (!(err = sandbox_build(f, kind)))
		err = seccomp_load(f); /* this thread only: no SCMP_FLTATR_CTL_TSYNC */
	seccomp_release(f);
	return err;
}

/* sandbox_enter's hook: this thread's filter, or the VMM ends (a VMM must not run open). */
static void sandbox_hook(enum sandbox_kind kind)
{
	sigset_t sys;
	int err;

	if (sandbox_self >= 0) /* once per thread: a second run's main thread has its own */
		return;
	/* a SIGSYS that finds itself blocked kills the process without a word (seccomp(2)) */
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	/* as seccomp_load would set it: no execve can gain privileges past the filter */
	err = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : sandbox_load(kind);
	if (err) {
		log_msg("seccomp: the %s thread's filter: %s", sandbox_policy[kind].name,
			strerror(-err));
		_exit(EXIT_FAILURE_VMM);
	}
	sandbox_self = kind;
}

void sandbox_allow_user(uid_t uid, gid_t gid)
{
	sandbox_user.uid = uid;
	sandbox_user.gid = gid;
	sandbox_user.set = 1;
}

void sandbox_init(int mode)
{
	struct sigaction sa = {.sa_sigaction = sandbox_sigsys, .sa_flags = SA_SIGINFO};

	sandbox_mode = mode;
	if (mode == SECCOMP_OFF)
		return;
	/*
	 * glibc's malloc counts the CPUs (opening /sys/devices/system/cpu/online) the first
	 * time a thread needs an arena of its own, which may be under a filter; its limit
	 * given here (its own default, 8 per CPU), it never counts.
	 */
	mallopt(M_ARENA_MAX, 8 * (int)sysconf(_SC_NPROCESSORS_ONLN));
	for (int nr = 0; nr < SANDBOX_MAX_NR; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name)
			strncpy(sandbox_names[nr], name, sizeof(sandbox_names[nr]) - 1);
		free(name);
	}
	sigaction(SIGSYS, &sa, NULL);
	sandbox_set_hook(sandbox_hook);
}
