/* SPDX-License-Identifier: MIT */
/*
 * The gdb stub's KVM side (docs/gdb.md).
 *
 * One thread (gdb_thread) owns the socket and every call into the vCPUs' registers. The vCPU
 * threads pass a gate before each KVM_RUN: while the debugger holds the machine, each parks
 * there, outside KVM, and the stub reads and writes its state with KVM_GET/SET_REGS, SREGS
 * and FPU from its own thread (a vCPU ioctl from another thread is safe while the owner is not
 * in KVM_RUN, and only then: KVM_RUN holds the vCPU's mutex, so an ioctl on a vCPU halted in
 * the guest would wait until an interrupt wakes it, perhaps never). A stop is: `hold` set, every
 * vCPU kicked out of KVM_RUN the way SIGUSR2's snapshot kicks them (vcpu_kick: immediate_exit and
 * SIGUSR1), and a wait until all are parked. Memory is read by virtual address, translated by
 * KVM_TRANSLATE on the selected vCPU (the guest's own page tables, or none with paging off), each
 * page through guest_mem_ptr.
 *
 * Syscalls of this thread: poll, accept4, recvfrom, sendto, setsockopt, close, read/write
 * on its eventfd, futex (the lock), tgkill (the kick), and ioctl on the vCPU fds
 * (KVM_GET/SET_REGS, SREGS, FPU, KVM_TRANSLATE, KVM_SET_GUEST_DEBUG).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/sandbox.h"
#include "gdb.h"
#include "gdb_rsp.h"
#include "gdb_x86.h"
#include "vcpu.h"
#include "vm.h"

#define GDB_MAX_SWBP 64
#define PAGE	     4096ULL

struct gdb_swbp {
	uint64_t addr;
	uint8_t orig;
};

struct gdb {
	struct vm *vm;
	struct gdb_cfg cfg;
	int listen_fd, conn_fd, wake_fd;
	pthread_t thread;
	int started;
	atomic_int quit; /* gdb_end: the run is over */

	/* the gate, under lock */
	pthread_mutex_t lock;
	pthread_cond_t go, parked_cond;
	atomic_int hold; /* vCPUs must park (except step_vcpu, when >= 0) */
	int step_vcpu;	 /* -1: none; else the one vCPU let through, single-stepping */
	int attached;	 /* a debugger is connected: debug exits are its */
	int event_vcpu;	 /* the first vCPU whose debug exit stopped the machine, or -1 */
	uint8_t parked[MACHINE_MAX_CPUS];
	uint8_t has_event[MACHINE_MAX_CPUS];
	struct kvm_debug_exit_arch event[MACHINE_MAX_CPUS];

	/* the gdb thread's own */
	struct rsp rsp;
	struct gdb_x86_dr dr;
	struct gdb_swbp sw[GDB_MAX_SWBP];
	int nr_sw;
	const struct rsp_arch *noticed; /* the last mode change told to gdb */
};

/* --- the vCPU side ---------------------------------------------------------------------- */

static int gdb_holds(const struct gdb *g, const struct vcpu *v)
{
	return atomic_load(&g->hold) && g->step_vcpu != v->id;
}

/*
 * An I/O or MMIO exit is finished by the next KVM_RUN (the API: the guest's state is
 * consistent only after it): enter once with immediate_exit, so the registers the debugger
 * reads are the ones after the instruction.
 */
static void gdb_vcpu_complete(struct gdb *g, struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->exit_reason != KVM_EXIT_IO && run->exit_reason != KVM_EXIT_MMIO)
		return;
	run->immediate_exit = 1;
	if (!ioctl(v->fd, KVM_RUN, 0) && run->exit_reason == KVM_EXIT_DEBUG && g->attached) {
		g->has_event[v->id] = 1; /* the completed instruction was a step */
		g->event[v->id] = run->debug.arch;
	}
	run->immediate_exit = 0;
	run->exit_reason = KVM_EXIT_INTR;
}

void gdb_vcpu_gate(struct gdb *g, struct vcpu *v)
{
	if (!atomic_load(&g->hold))
		return;
	pthread_mutex_lock(&g->lock);
	while (!atomic_load(&v->vm->end) && gdb_holds(g, v)) {
		gdb_vcpu_complete(g, v);
		g->parked[v->id] = 1;
		pthread_cond_broadcast(&g->parked_cond);
		pthread_cond_wait(&g->go, &g->lock);
		g->parked[v->id] = 0;
	}
	pthread_mutex_unlock(&g->lock);
}

void gdb_vcpu_debug(struct gdb *g, struct vcpu *v)
{
	uint64_t one = 1;

	pthread_mutex_lock(&g->lock);
	if (g->attached) {
		g->has_event[v->id] = 1;
		g->event[v->id] = v->run->debug.arch;
		if (g->event_vcpu < 0)
			g->event_vcpu = v->id;
		/* this vCPU parks at once, the others when kicked: a stepping vCPU is exempt
		 * from the hold no more, or it would step on until the stub stops it */
		g->step_vcpu = -1;
		atomic_store(&g->hold, 1);
	}
	pthread_mutex_unlock(&g->lock);
	if (write(g->wake_fd, &one, sizeof(one)) < 0)
		log_guest("gdb: wake: %s", strerror(errno));
}

void gdb_vm_ending(struct gdb *g)
{
	uint64_t one = 1;

	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->go);
	pthread_mutex_unlock(&g->lock);
	if (write(g->wake_fd, &one, sizeof(one)) < 0)
		log_guest("gdb: wake: %s", strerror(errno));
}

/* --- stopping and starting everything -------------------------------------------------- */

static int all_parked(struct gdb *g)
{
	for (int i = 0; i < g->vm->nr_vcpus; i++) {
		struct vcpu *v = g->vm->vcpu[i];

		/* a thread not yet (or no longer) running meets the gate before any KVM_RUN */
		if (!g->parked[i] && atomic_load(&v->running) &&
		    atomic_load(&v->where) != VCPU_ENDED)
			return 0;
	}
	return 1;
}

/* Every vCPU out of KVM_RUN and parked; 0, or -ECANCELED when the VM ends meanwhile. */
static int gdb_stop_all(struct gdb *g)
{
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	atomic_store(&g->hold, 1);
	g->step_vcpu = -1;
	while (!all_parked(g) && !atomic_load(&g->vm->end)) {
		for (int i = 0; i < g->vm->nr_vcpus; i++)
			if (!g->parked[i])
				vcpu_kick(g->vm->vcpu[i]);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000)
			ts.tv_sec++, ts.tv_nsec -= 1000000000;
		pthread_cond_timedwait(&g->parked_cond, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return atomic_load(&g->vm->end) ? -ECANCELED : 0;
}

/* KVM_SET_GUEST_DEBUG on every vCPU: our breakpoints, and a single step for one. */
static int gdb_apply_debug(struct gdb *g, int step_vcpu)
{
	for (int i = 0; i < g->vm->nr_vcpus; i++) {
		struct kvm_guest_debug d = {0};

		if (g->dr.used)
			d.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		if (g->nr_sw)
			d.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
		if (i == step_vcpu)
			d.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
		for (int n = 0; n < 4; n++)
			d.arch.debugreg[n] = g->dr.addr[n];
		d.arch.debugreg[7] = gdb_x86_dr7(&g->dr);
		if (ioctl(g->vm->vcpu[i]->fd, KVM_SET_GUEST_DEBUG, &d) < 0) {
			log_msg("gdb: vcpu%d: KVM_SET_GUEST_DEBUG: %s", i, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static void gdb_release(struct gdb *g, int step_vcpu)
{
	pthread_mutex_lock(&g->lock);
	g->step_vcpu = step_vcpu;
	g->event_vcpu = -1;
	atomic_store(&g->hold, step_vcpu >= 0);
	pthread_cond_broadcast(&g->go);
	pthread_mutex_unlock(&g->lock);
}

/* --- the target the protocol drives ---------------------------------------------------- */

static struct vcpu *gdb_vcpu(struct gdb *g, int thread)
{
	return thread >= 1 && thread <= g->vm->nr_vcpus ? g->vm->vcpu[thread - 1] : NULL;
}

static int get_state(struct vcpu *v, struct gdb_x86_state *s)
{
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s->sregs) < 0 || ioctl(v->fd, KVM_GET_FPU, &s->fpu) < 0)
		return -errno;
	return 0;
}

static const struct rsp_arch *t_arch(void *t)
{
	struct gdb *g = t;
	struct kvm_sregs s;

	/* Chosen once per connection, from vCPU 0 as it is now (docs/gdb.md: a mode change). */
	if (ioctl(g->vm->vcpu[0]->fd, KVM_GET_SREGS, &s) < 0)
		return &gdb_x86_i386;
	return gdb_x86_arch_for(&s);
}

static int t_nr_threads(void *t)
{
	return ((struct gdb *)t)->vm->nr_vcpus;
}

static int t_read_regs(void *t, int thread, uint8_t *buf, size_t len)
{
	struct gdb *g = t;
	struct vcpu *v = gdb_vcpu(g, thread);
	struct gdb_x86_state s;
	int err;

	if (!v)
		return -ENOENT;
	if ((err = get_state(v, &s)))
		return err;
	return gdb_x86_pack(g->rsp.arch, &s, buf, len);
}

static int t_write_regs(void *t, int thread, const uint8_t *buf, size_t len)
{
	struct gdb *g = t;
	struct vcpu *v = gdb_vcpu(g, thread);
	struct gdb_x86_state s;
	int err;

	if (!v)
		return -ENOENT;
	if ((err = get_state(v, &s)) || (err = gdb_x86_unpack(g->rsp.arch, &s, buf, len)))
		return err;
	if (ioctl(v->fd, KVM_SET_REGS, &s.regs) < 0 || ioctl(v->fd, KVM_SET_FPU, &s.fpu) < 0)
		return -errno;
	if (gdb_x86_is_amd64(g->rsp.arch) && ioctl(v->fd, KVM_SET_SREGS, &s.sregs) < 0)
		return -errno; /* fs_base, gs_base */
	return 0;
}

/* Guest-virtual [addr, addr+len) as thread sees it, page by page, into or out of buf. */
static int gdb_access(struct gdb *g, int thread, uint64_t addr, uint8_t *buf, size_t len, int write)
{
	struct vcpu *v = gdb_vcpu(g, thread);

	if (!v)
		return -ENOENT;
	while (len) {
		struct kvm_translation tr = {.linear_address = addr};
		size_t n = PAGE - (addr & (PAGE - 1));
		uint8_t *p;

		if (n > len)
			n = len;
		if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0)
			return -errno;
		if (!tr.valid || !(p = guest_mem_ptr(&g->vm->mem, tr.physical_address, n)))
			return -EFAULT; /* not mapped, or not RAM (MMIO is not read behind a device)
					 */
		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		addr += n, buf += n, len -= n;
	}
	return 0;
}

static int t_read_mem(void *t, int thread, uint64_t addr, uint8_t *buf, size_t len)
{
	return gdb_access(t, thread, addr, buf, len, 0);
}

static int t_write_mem(void *t, int thread, uint64_t addr, const uint8_t *buf, size_t len)
{
	return gdb_access(t, thread, addr, (uint8_t *)buf, len, 1);
}

/* int3 at addr, by vCPU 0's view of memory (all vCPUs share the kernel's mappings). */
static int swbp_insert(struct gdb *g, uint64_t addr)
{
	static const uint8_t int3 = 0xcc;
	struct gdb_swbp *b;
	int err;

	for (int i = 0; i < g->nr_sw; i++)
		if (g->sw[i].addr == addr)
			return 0;
	if (g->nr_sw == GDB_MAX_SWBP)
		return -ENOSPC;
	b = &g->sw[g->nr_sw];
	if ((err = gdb_access(g, 1, addr, &b->orig, 1, 0)) ||
	    (err = gdb_access(g, 1, addr, (uint8_t *)&int3, 1, 1)))
		return err;
	b->addr = addr;
	g->nr_sw++;
	return 0;
}

static int swbp_remove(struct gdb *g, uint64_t addr)
{
	for (int i = 0; i < g->nr_sw; i++) {
		if (g->sw[i].addr != addr)
			continue;
		int err = gdb_access(g, 1, addr, &g->sw[i].orig, 1, 1);

		g->sw[i] = g->sw[--g->nr_sw];
		return err;
	}
	return -ENOENT;
}

static int t_insert(void *t, enum rsp_bp type, uint64_t addr, uint64_t kind)
{
	struct gdb *g = t;

	return type == RSP_BP_SW ? swbp_insert(g, addr)
				 : gdb_x86_dr_insert(&g->dr, type, addr, kind);
}

static int t_remove(void *t, enum rsp_bp type, uint64_t addr, uint64_t kind)
{
	struct gdb *g = t;

	return type == RSP_BP_SW ? swbp_remove(g, addr)
				 : gdb_x86_dr_remove(&g->dr, type, addr, kind);
}

/* A vCPU's recorded exit, as a stop; the breakpoints' are dropped (see t_resume). */
static void gdb_report(struct gdb *g, int id)
{
	struct rsp_stop s;
	struct kvm_sregs sr;
	const struct rsp_arch *now = NULL;

	gdb_x86_classify(&g->event[id], &g->dr, &s);
	g->has_event[id] = 0;
	s.thread = id + 1;
	/* gdb took the description at connect: say so if this vCPU has left that mode */
	if (!ioctl(g->vm->vcpu[id]->fd, KVM_GET_SREGS, &sr) && (now = gdb_x86_arch_for(&sr)) &&
	    g->rsp.arch && now != g->rsp.arch && now != g->noticed) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "vmm: vCPU %d is now in %s mode; this connection describes it as %s "
			 "(detach and connect again for %s)\n",
			 id, gdb_x86_is_amd64(now) ? "64-bit long" : "32-bit", g->rsp.arch->arch,
			 now->arch);
		rsp_console(&g->rsp, msg);
	}
	g->noticed = now;
	rsp_stopped(&g->rsp, &s);
}

/*
 * A watchpoint's exit recorded while the machine was already stopping is reported at the
 * next resume, without running (its write happened). A breakpoint's is dropped: its vCPU is
 * still at the breakpoint and meets it again if gdb leaves it in.
 */
static int gdb_pending(struct gdb *g, int only)
{
	for (int i = 0; i < g->vm->nr_vcpus; i++) {
		struct rsp_stop s;

		if (!g->has_event[i] || (only >= 0 && i != only))
			continue;
		gdb_x86_classify(&g->event[i], &g->dr, &s);
		if (s.why == RSP_STOP_WATCH || s.why == RSP_STOP_RWATCH || s.why == RSP_STOP_AWATCH)
			return i;
		g->has_event[i] = 0;
	}
	return -1;
}

static int t_resume(void *t, int thread, int step)
{
	struct gdb *g = t;
	int id = step ? thread - 1 : -1, pending, err;

	if (step && !gdb_vcpu(g, thread))
		return -ENOENT;
	if ((pending = gdb_pending(g, id)) >= 0) {
		g->rsp.running = 1;
		gdb_report(g, pending);
		return 0;
	}
	if ((err = gdb_apply_debug(g, id)))
		return err;
	gdb_release(g, id);
	return 0;
}

static void t_interrupt(void *t)
{
	struct gdb *g = t;
	struct rsp_stop s = {.signal = 2, .thread = 1, .why = RSP_STOP_SIGNAL};

	if (gdb_stop_all(g))
		return;
	if (g->rsp.c_thread >= 1 && g->rsp.c_thread <= g->vm->nr_vcpus)
		s.thread = g->rsp.c_thread;
	rsp_stopped(&g->rsp, &s);
}

/*
 * Our breakpoints out of the guest, guest debugging off, everything running. A detach or a
 * dropped connection can come while the guest runs: the machine is stopped first, as for
 * Ctrl-C, because every vCPU ioctl below (KVM_TRANSLATE for the int3s, KVM_SET_GUEST_DEBUG)
 * takes the vCPU's mutex, which its thread holds for the whole of KVM_RUN: on a vCPU halted
 * in the guest the stub would wait for it forever. A VM that ends meanwhile needs no undoing.
 */
static void t_detach(void *t)
{
	struct gdb *g = t;
	int stopped = !gdb_stop_all(g);

	while (stopped && g->nr_sw)
		swbp_remove(g, g->sw[0].addr);
	g->nr_sw = 0;
	memset(&g->dr, 0, sizeof(g->dr));
	if (stopped)
		gdb_apply_debug(g, -1);
	pthread_mutex_lock(&g->lock);
	g->attached = 0;
	memset(g->has_event, 0, sizeof(g->has_event));
	pthread_mutex_unlock(&g->lock);
	gdb_release(g, -1);
}

static void t_kill(void *t)
{
	struct gdb *g = t;

	log_msg("gdb: killed by the debugger");
	vm_request_end(g->vm, VM_HOST_QUIT, 0);
}

static void t_thread_info(void *t, int thread, char *buf, size_t len)
{
	struct gdb *g = t;
	struct vcpu *v = gdb_vcpu(g, thread);
	struct kvm_sregs s;
	const char *mode = "?";

	if (v && !ioctl(v->fd, KVM_GET_SREGS, &s))
		mode = s.efer & 0x400 ? (s.cs.l ? "64-bit" : "compatibility mode")
		       : s.cr0 & 1 ? (s.cs.db ? "32-bit protected mode" : "16-bit protected mode")
				   : "real mode";
	snprintf(buf, len, "vCPU %d, %s", thread - 1, mode);
}

static const struct rsp_target_ops gdb_ops = {
    .arch = t_arch,
    .nr_threads = t_nr_threads,
    .read_regs = t_read_regs,
    .write_regs = t_write_regs,
    .read_mem = t_read_mem,
    .write_mem = t_write_mem,
    .insert = t_insert,
    .remove = t_remove,
    .resume = t_resume,
    .interrupt = t_interrupt,
    .detach = t_detach,
    .kill = t_kill,
    .thread_info = t_thread_info,
};

/* --- the connection --------------------------------------------------------------------- */

static int conn_send(void *conn, const void *buf, size_t len)
{
	struct gdb *g = conn;
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(g->conn_fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* gone, or not reading for SO_SNDTIMEO */
		p += n, len -= n;
	}
	return 0;
}

static void conn_accept(struct gdb *g)
{
	struct timeval tv = {.tv_sec = 10};
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC), one = 1;

	if (fd < 0)
		return;
	if (g->conn_fd >= 0) { /* one debugger at a time */
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (g->cfg.kind == GDB_TCP)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (gdb_stop_all(g)) {
		close(fd);
		return;
	}
	g->conn_fd = fd;
	pthread_mutex_lock(&g->lock);
	g->attached = 1;
	pthread_mutex_unlock(&g->lock);
	g->noticed = NULL;
	memset(&g->dr, 0, sizeof(g->dr));
	g->nr_sw = 0;
	rsp_init(&g->rsp, &gdb_ops, g, conn_send, g);
	log_msg("gdb: connected; the machine is stopped");
}

static void conn_close(struct gdb *g, int detach)
{
	if (detach && g->attached) /* a debugger that went away: let the machine go on */
		t_detach(g);
	if (g->rsp.malformed)
		log_msg("gdb: %lu malformed packets ignored", g->rsp.malformed);
	close(g->conn_fd);
	g->conn_fd = -1;
	log_msg("gdb: disconnected");
}

static void conn_read(struct gdb *g)
{
	uint8_t buf[4096];
	ssize_t n = recv(g->conn_fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn_close(g, 1);
		return;
	}
	rsp_feed(&g->rsp, buf, (size_t)n);
	if (g->rsp.closed)
		conn_close(g, 1); /* after D, t_detach already ran; after k the VM ends */
}

/* A vCPU stopped the machine (or a step ended): everything parked, then the stop reply. */
static void gdb_event(struct gdb *g)
{
	int id;

	pthread_mutex_lock(&g->lock);
	id = g->event_vcpu;
	pthread_mutex_unlock(&g->lock);
	if (id < 0 || g->conn_fd < 0 || !g->rsp.running)
		return;
	if (gdb_stop_all(g))
		return;
	gdb_report(g, id);
}

static void *gdb_thread(void *arg)
{
	struct gdb *g = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	/* by itself (a prctl): naming another thread opens a /proc file, which no filter allows */
	pthread_setname_np(pthread_self(), "gdb");
	sandbox_enter(SANDBOX_GDB);
	while (!atomic_load(&g->quit)) {
		struct pollfd p[2] = {
		    {.fd = g->wake_fd, .events = POLLIN},
		    {.fd = g->conn_fd >= 0 ? g->conn_fd : g->listen_fd, .events = POLLIN}};
		uint64_t n;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN && read(g->wake_fd, &n, sizeof(n)) < 0)
			break;
		if (atomic_load(&g->vm->end))
			continue; /* vm_run ends us once the vCPUs are joined */
		if (p[0].revents & POLLIN)
			gdb_event(g);
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			g->conn_fd >= 0 ? conn_read(g) : conn_accept(g);
	}
	if (g->conn_fd >= 0) { /* the machine is gone: tell gdb how it ended */
		int st = vm_exit_status(g->vm);

		rsp_exited(&g->rsp, st >= 128 ? 0 : st, st >= 128 ? st - 128 : 0);
		conn_close(g, 0);
	}
	return NULL;
}

/* --- set-up ----------------------------------------------------------------------------- */

static int gdb_listen(const struct gdb_cfg *c)
{
	int fd = socket(c->kind == GDB_UNIX ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, err;

	if (fd < 0)
		return -errno;
	if (c->kind == GDB_UNIX) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		struct stat st;

		if (strlen(c->path) >= sizeof(a.sun_path)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		strcpy(a.sun_path, c->path);
		if (!lstat(c->path, &st) &&
		    S_ISSOCK(st.st_mode)) /* a stale one of an earlier run */
			unlink(c->path);
		err = bind(fd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(c->port)};

		inet_pton(AF_INET, c->host, &a.sin_addr);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		err = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	if (err || listen(fd, 1)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A stub reachable from beyond this host: said once, since its peer owns the guest. */
static void gdb_warn_exposed(const struct gdb_cfg *c)
{
	struct in_addr a;

	if (c->kind == GDB_TCP && inet_pton(AF_INET, c->host, &a) == 1 &&
	    ntohl(a.s_addr) >> 24 != 127)
		log_msg("gdb: warning: listening on %s:%u, not loopback: whoever connects can "
			"read and write all guest memory",
			c->host, c->port);
}

int gdb_open(struct vm *vm, const struct gdb_cfg *cfg, struct gdb **out)
{
	struct gdb *g = calloc(1, sizeof(*g));
	int fd;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	if ((fd = gdb_listen(cfg)) < 0) {
		log_msg("--gdb %s: %s", cfg->spec, strerror(-fd));
		free(g);
		return fd == -EADDRINUSE || fd == -EACCES ? -EINVAL : fd;
	}
	gdb_warn_exposed(cfg);
	g->vm = vm;
	g->cfg = *cfg;
	g->listen_fd = fd;
	g->conn_fd = -1;
	g->wake_fd = eventfd(0, EFD_CLOEXEC);
	g->step_vcpu = -1;
	g->event_vcpu = -1;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->go, NULL);
	pthread_cond_init(&g->parked_cond, NULL);
	if (g->wake_fd < 0) {
		gdb_close(g);
		return -errno;
	}
	*out = g;
	return 0;
}

int gdb_start(struct gdb *g)
{
	int err;

	/* paused: no vCPU enters KVM_RUN until a debugger says c or s */
	atomic_store(&g->hold, 1);
	g->step_vcpu = -1;
	g->event_vcpu = -1;
	g->attached = 0;
	atomic_store(&g->quit, 0);
	memset(g->has_event, 0, sizeof(g->has_event));
	if ((err = pthread_create(&g->thread, NULL, gdb_thread, g)))
		return -err;
	g->started = 1;
	if (g->cfg.kind == GDB_UNIX)
		log_msg("gdb: waiting for a debugger: target remote %s", g->cfg.path);
	else
		log_msg("gdb: waiting for a debugger: target remote %s:%u", g->cfg.host,
			g->cfg.port);
	return 0;
}

void gdb_end(struct gdb *g)
{
	uint64_t one = 1;

	if (!g->started)
		return;
	atomic_store(&g->quit, 1);
	if (write(g->wake_fd, &one, sizeof(one)) < 0)
		log_msg("gdb: wake: %s", strerror(errno));
	pthread_join(g->thread, NULL);
	g->started = 0;
}

void gdb_close(struct gdb *g)
{
	if (!g)
		return;
	gdb_end(g);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->cfg.kind == GDB_UNIX)
		unlink(g->cfg.path);
	if (g->wake_fd >= 0)
		close(g->wake_fd);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->go);
	pthread_cond_destroy(&g->parked_cond);
	free(g);
}
