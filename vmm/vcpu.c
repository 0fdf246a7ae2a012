/* SPDX-License-Identifier: MIT */
/*
 * vCPU set-up and the run loop. The loop is the heart of trap-and-emulate:
 * KVM_RUN executes guest code natively until the guest does something the
 * kernel hands back to us (port I/O, MMIO to no RAM, shutdown); we emulate
 * it through the bus and enter again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/layout.h"
#include "../firmware/cpu_tables.h"
#include "../firmware/multiboot.h"
#include "../base/log.h"
#include "../base/sandbox.h"
#include "../base/hypercall.h"
#include "../base/timeline.h"
#include "../base/trace.h"
#include "gdb.h"
#include "vcpu.h"
#include "vm.h"

#define CPUID_HYPERVISOR   (1U << 31) /* leaf 1 ECX */
#define CPUID_HTT	   (1U << 28) /* leaf 1 EDX */
#define CPUID_TSC_DEADLINE (1U << 24) /* leaf 1 ECX */

#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MISC_ENABLE_FAST_STRING 1
#define MTRR_ENABLE_WB		0x806 /* MTRRs on, default type write-back */

#define APIC_LVT_LINT0	 0x350
#define APIC_LVT_LINT1	 0x360
#define APIC_MODE_EXTINT (7 << 8)
#define APIC_MODE_NMI	 (4 << 8)

#define CR0_PE	 0x1
#define CR0_ET	 0x10
#define CR0_NE	 0x20
#define CR0_PG	 0x80000000
#define CR4_PAE	 0x20
#define EFER_LME 0x100
#define EFER_LMA 0x400

static int bits_for(int n)
{
	int b = 0;

	while ((1 << b) < n)
		b++;
	return b;
}

/*
 * Per-vCPU identity in CPUID: APIC ID, and every vCPU a core of one socket. And the
 * TSC-deadline timer: KVM's LAPIC emulates that mode, but KVM_GET_SUPPORTED_CPUID left its
 * bit out until Linux 6.14 (commit 9be4ec35d668) for the VMM to set when the kernel has
 * KVM_CAP_TSC_DEADLINE_TIMER (api.rst), as QEMU does. Without it a Linux guest falls back
 * to the LAPIC's own count and calibrates it against the tick at boot, 100 ms of jiffies
 * (calibrate_APIC_clock, LAPIC_CAL_LOOPS), and every timer it arms is an APIC register
 * write instead of one MSR write.
 */
static void cpuid_patch(struct kvm_cpuid_entry2 *e, int id, int ncpus, bool tsc_deadline)
{
	int shift = bits_for(ncpus);

	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0xffff) | (ncpus << 16) | ((uint32_t)id << 24);
		e->ecx |= CPUID_HYPERVISOR | (tsc_deadline ? CPUID_TSC_DEADLINE : 0);
		if (ncpus > 1)
			e->edx |= CPUID_HTT;
		break;
	case 4: /* Intel: cores per package - 1 in EAX[31:26] */
		if (e->eax & 0x1f)
			e->eax = (e->eax & 0x3ffffff) | ((uint32_t)(ncpus - 1) << 26);
		break;
	case 0xb:
	case 0x1f:
		e->edx = id; /* x2APIC ID */
		if (e->index == 0) {
			e->eax = 0; /* SMT level: one thread per core */
			e->ebx = 1;
			e->ecx = 1 << 8;
		} else if (e->index == 1) {
			e->eax = shift;
			e->ebx = ncpus;
			e->ecx = 1 | 2 << 8;
		} else {
			e->eax = e->ebx = 0;
			e->ecx = e->index;
		}
		break;
	case 0x80000008: /* AMD: NC and ApicIdCoreIdSize */
		e->ecx = (e->ecx & ~0xf0ffU) | (shift << 12) | (ncpus - 1);
		break;
	}
}

static int vcpu_set_cpuid(struct vcpu *v)
{
	const struct kvm_cpuid2 *tmpl = v->vm->kvm.cpuid;
	size_t size = sizeof(*tmpl) + tmpl->nent * sizeof(tmpl->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	int err = 0;

	if (!c)
		return -ENOMEM;
	memcpy(c, tmpl, size);
	for (unsigned i = 0; i < c->nent; i++)
		cpuid_patch(&c->entries[i], v->id, v->vm->nr_vcpus, v->vm->kvm.tsc_deadline);
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		err = -errno;
	free(c);
	return err;
}

static int vcpu_set_msrs(struct vcpu *v)
{
	static const struct kvm_msr_entry e[] = {
	    {.index = MSR_IA32_MISC_ENABLE, .data = MISC_ENABLE_FAST_STRING},
	    {.index = MSR_MTRR_DEF_TYPE, .data = MTRR_ENABLE_WB},
	};
	/* kvm_msrs ends in a flexible array: build it in a buffer of the right size. */
	union {
		struct kvm_msrs hdr;
		uint8_t raw[sizeof(struct kvm_msrs) + sizeof(e)];
	} m = {.hdr.nmsrs = 2};
	int n;

	memcpy(m.hdr.entries, e, sizeof(e));
	n = ioctl(v->fd, KVM_SET_MSRS, &m);

	/* Without write-back MTRRs Linux maps all RAM uncached: slow, not fatal. */
	if (n != 2)
		log_msg("vcpu%d: KVM_SET_MSRS set %d of 2 MSRs", v->id, n);
	return 0;
}

/* LINT0 takes the 8259's interrupts, LINT1 NMIs, as a PC BIOS leaves them. */
static int vcpu_set_lapic(struct vcpu *v)
{
	struct kvm_lapic_state la;
	uint32_t val;

	if (ioctl(v->fd, KVM_GET_LAPIC, &la) < 0)
		return -errno;
	memcpy(&val, la.regs + APIC_LVT_LINT0, 4);
	val = (val & ~0x700U) | APIC_MODE_EXTINT;
	memcpy(la.regs + APIC_LVT_LINT0, &val, 4);
	memcpy(&val, la.regs + APIC_LVT_LINT1, 4);
	val = (val & ~0x700U) | APIC_MODE_NMI;
	memcpy(la.regs + APIC_LVT_LINT1, &val, 4);
	return ioctl(v->fd, KVM_SET_LAPIC, &la) < 0 ? -errno : 0;
}

static int vcpu_set_fpu(struct vcpu *v)
{
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};

	return ioctl(v->fd, KVM_SET_FPU, &fpu) < 0 ? -errno : 0;
}

static void vcpu_signal(int sig)
{
	(void)sig; /* only here to make KVM_RUN return EINTR */
}

struct vcpu *vcpu_create(struct vm *vm, int id)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	int err;

	if (!v)
		return NULL;
	v->vm = vm;
	v->id = id;
	v->stats.fd = -1;
	v->fd = ioctl(vm->kvm.vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		goto fail;
	v->run = mmap(NULL, vm->kvm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		goto fail;
	}
	if ((err = vcpu_set_cpuid(v)) || (err = vcpu_set_msrs(v)) || (err = vcpu_set_lapic(v)) ||
	    (err = vcpu_set_fpu(v))) {
		errno = -err;
		goto fail;
	}
	kvm_stats_open(&v->stats, v->fd, KVM_STATS_VCPU);
	return v;
fail:
	err = errno;
	vcpu_destroy(v);
	errno = err;
	return NULL;
}

void vcpu_destroy(struct vcpu *v)
{
	if (!v)
		return;
	if (v->run)
		munmap(v->run, v->vm->kvm.run_size);
	if (v->fd >= 0)
		close(v->fd);
	kvm_stats_close(&v->stats);
	free(v);
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	*s = (struct kvm_segment){.base = 0,
				  .limit = 0xffffffff,
				  .selector = sel,
				  .type = type,
				  .present = 1,
				  .s = 1,
				  .g = 1,
				  .db = !code64,
				  .l = code64};
}

int vcpu_set_boot_regs(struct vcpu *v, const struct kernel_image *k, uint64_t boot_arg)
{
	int long_mode = k->kind == KERNEL_BZIMAGE || k->kind == KERNEL_ELF64;
	struct kvm_sregs sr;
	struct kvm_regs r = {.rflags = 2, .rip = k->entry, .rsp = LAYOUT_STACK};

	/*
	 * The GDT and page tables these registers point at: vm_load_firmware wrote them. The
	 * 32-bit entries (PVH, and multiboot's, spec 3.2) want the same: protected mode, paging
	 * off, flat 4 GiB code (read/execute) and data (read/write) segments, IF clear. The
	 * 64-bit ones (bzImage, plain ELF64) the same in long mode: paging on with the identity
	 * map of the low 4 GiB, a 64-bit code segment.
	 */
	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	seg_flat(&sr.cs, long_mode ? BOOT_SEL_CODE64 : BOOT_SEL_CODE32, 0xb, long_mode);
	seg_flat(&sr.ds, BOOT_SEL_DATA, 0x3, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.tr = (struct kvm_segment){
	    .selector = BOOT_SEL_TSS, .limit = 0x67, .type = 0xb, .present = 1};
	sr.gdt.base = LAYOUT_GDT;
	sr.gdt.limit = BOOT_GDT_SIZE - 1;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	sr.cr0 = CR0_PE | CR0_ET | CR0_NE;
	sr.cr4 = 0;
	sr.efer = 0;
	if (long_mode) {
		sr.cr0 |= CR0_PG;
		sr.cr3 = LAYOUT_PML4;
		sr.cr4 = CR4_PAE;
		sr.efer = EFER_LME | EFER_LMA;
	}
	if (k->kind == KERNEL_BZIMAGE) {
		r.rsi = boot_arg; /* boot_params */
	} else if (k->kind == KERNEL_ELF64) {
		/* hvm_start_info in the SysV ABI's first argument register, as Solo5's hvt passes
		 * its boot info; RSP is the PVH entry's LAYOUT_STACK, interrupts off, no IDT. */
		r.rdi = boot_arg;
	} else {
		/* hvm_start_info, or the multiboot info block with its magic (spec 3.2) */
		r.rbx = boot_arg;
		if (k->kind == KERNEL_MULTIBOOT)
			r.rax = MB_BOOT_MAGIC;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0 || ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

/*
 * The data of a KVM_EXIT_IO: count accesses of size bytes at data_offset in the kvm_run
 * page (string I/O, rep outsb/insb, arrives as count accesses in one exit). NULL unless all
 * of it lies inside the page: the one check for everyone who reads it.
 */
static uint8_t *vcpu_io_data(const struct vcpu *v)
{
	const struct kvm_run *run = v->run;

	if (run->io.data_offset + (uint64_t)run->io.count * run->io.size >
	    (uint64_t)v->vm->kvm.run_size)
		return NULL;
	return (uint8_t *)run + run->io.data_offset;
}

static void vcpu_handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = vcpu_io_data(v);
	uint32_t n = run->io.count, size = run->io.size;

	if (!data)
		return;
	for (uint32_t i = 0; i < n; i++)
		bus_dispatch(&v->vm->bus, BUS_PIO, run->io.port, data + i * size, size,
			     run->io.direction == KVM_EXIT_IO_OUT);
}

static void vcpu_handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return;
	bus_dispatch(&v->vm->bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
		     run->mmio.is_write);
}

static void vcpu_handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_end(v->vm, VM_POWEROFF, 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_end(v->vm, VM_RESET, 0);
		break;
	default:
		log_msg("vcpu%d: system event %u", v->id, v->run->system_event.type);
		vm_request_end(v->vm, VM_KVM_ERROR, 0);
	}
}

/* --- --trace and --stats: what an exit was and what it cost ------------------------------- */

static const char *const system_ops[] = {"?",	   "shutdown", "reset",	  "crash",
					 "wakeup", "suspend",  "sev-term"};

/* The exit as a trace event and, for I/O and MMIO, the bus range that took it. */
static const struct bus_range *vcpu_exit_event(const struct vcpu *v, struct trace_event *e,
					       char *nb, size_t nblen)
{
	const struct kvm_run *run = v->run;
	const struct bus_range *r = NULL;
	const uint8_t *io;

	e->exit = kvm_exit_name(run->exit_reason, nb, nblen);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		r = bus_find(&v->vm->bus, BUS_PIO, run->io.port, run->io.size);
		e->cat = run->io.port >= HC_PORT_BASE && run->io.port < HC_PORT_BASE + HC_NR_PORTS
			     ? TRACE_HYPERCALL
			     : TRACE_IO;
		e->op = run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in";
		e->has_addr = true, e->addr = run->io.port;
		e->size = run->io.size, e->count = run->io.count;
		/* the first of count accesses, as the guest's register held or received it */
		if ((io = vcpu_io_data(v)) && run->io.size <= 8)
			e->has_data = true, memcpy(&e->data, io, run->io.size);
		break;
	case KVM_EXIT_MMIO:
		r = bus_find(&v->vm->bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.len);
		e->cat = TRACE_MMIO;
		e->op = run->mmio.is_write ? "write" : "read";
		e->has_addr = true, e->addr = run->mmio.phys_addr;
		e->size = run->mmio.len, e->count = 1;
		if (run->mmio.len <= 8)
			e->has_data = true, memcpy(&e->data, run->mmio.data, run->mmio.len);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e->cat = TRACE_SYSTEM;
		e->op = run->system_event.type < 7 ? system_ops[run->system_event.type] : "?";
		break;
	case KVM_EXIT_SHUTDOWN:
		e->cat = TRACE_SYSTEM;
		e->op = "triple-fault";
		break;
	default: /* the VM ends: vcpu_handle_exit said why */
		e->cat = TRACE_SYSTEM;
		e->op = "end";
	}
	if (e->cat != TRACE_SYSTEM)
		e->dev = r ? r->name : "unclaimed";
	return r;
}

/*
 * After an exit was handled (so an IN shows the data the guest got): its cost into --stats
 * and a line to --trace. t_out is when KVM_RUN returned; the time since the previous return
 * was spent inside KVM_RUN.
 */
static void vcpu_observe(struct vcpu *v, uint64_t t_out)
{
	struct exit_stats *s = &v->st;
	uint64_t t_back = timeline_now_ns(), ns = t_back - t_out;
	struct trace_event e = {.ns = (int64_t)ns};
	const struct bus_range *r;
	char nb[24];

	s->run_ns += t_out - s->t_last;
	s->vmm_ns += ns;
	s->t_last = t_back;
	r = vcpu_exit_event(v, &e, nb, sizeof(nb));
	if (v->vm->cfg->stats) {
		s->reason_ns[v->run->exit_reason % VCPU_EXIT_REASONS] += ns;
		if (e.cat != TRACE_SYSTEM)
			exit_stats_access(s, &v->vm->bus,
					  v->run->exit_reason == KVM_EXIT_MMIO ? BUS_MMIO : BUS_PIO,
					  e.addr, r, e.count, ns);
	}
	if (trace_wants(e.cat)) {
		trace_emit(&e);
		/* the line's cost is the VMM's too, not the guest's next KVM_RUN */
		s->t_last = timeline_now_ns();
		s->vmm_ns += s->t_last - t_back;
	}
}

/* Kicked out of KVM_RUN (a signal: the VM ends, or SIGUSR2 wants a snapshot): no exit to
 * file, but the time until now was the guest's (or its halt's, as an AP waiting for SIPI). */
static void vcpu_observe_kick(struct vcpu *v, uint64_t t_out)
{
	v->st.run_ns += t_out - v->st.t_last;
	v->st.t_last = t_out;
}

/* The thread's clock and name (ps, top, gdb; --trace lines), before its first KVM_RUN. */
static void vcpu_observe_start(struct vcpu *v)
{
	char name[16];

	v->observe = v->vm->cfg->stats || trace_mask;
	v->st.t_start = v->st.t_last = timeline_now_ns();
	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	trace_set_thread(name);
}

/* Returns 0 to keep running, -1 when this exit ends the VM. */
static int vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(v);
		return 0;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(v);
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_handle_system_event(v);
		return -1;
	case KVM_EXIT_DEBUG:
		if (!v->vm->gdb)
			break;		       /* nobody asked for it */
		gdb_vcpu_debug(v->vm->gdb, v); /* a breakpoint or a step: the stub stops us all */
		return 0;
	case KVM_EXIT_SHUTDOWN:
		log_msg("vcpu%d: guest triple fault (KVM_EXIT_SHUTDOWN)", v->id);
		vcpu_dump_regs(v);
		vm_request_end(v->vm, VM_TRIPLE_FAULT, 0);
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		log_msg("vcpu%d: VM entry failed, hardware reason 0x%llx", v->id,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		log_msg("vcpu%d: KVM internal error, suberror %u", v->id, run->internal.suberror);
		break;
	default:
		log_msg("vcpu%d: unhandled exit reason %u", v->id, run->exit_reason);
		break;
	}
	vcpu_dump_regs(v);
	vm_request_end(v->vm, VM_KVM_ERROR, 0);
	return -1;
}

static void vcpu_snapshot_take(struct vcpu *v)
{
	struct vcpu_snapshot *s = &v->snap;

	s->err = 0;
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0 ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &s->events) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &s->mp) < 0 ||
	    ioctl(v->fd, KVM_GET_LAPIC, &s->lapic) < 0)
		s->err = -errno;
}

/* On the vCPU thread, outside KVM_RUN: answer a snapshot request if one is pending. */
static void vcpu_snapshot_answer(struct vcpu *v)
{
	unsigned want = atomic_load(&v->snap_want);

	if (want == atomic_load_explicit(&v->snap_done, memory_order_relaxed))
		return;
	vcpu_snapshot_take(v);
	atomic_store_explicit(&v->snap_done, want, memory_order_release);
}

static void vcpu_mark(struct vcpu *v, enum vcpu_where where)
{
	atomic_store_explicit(&v->where, where, memory_order_relaxed);
}

/* What the exit about to be handled is, for vcpu_describe. */
static void vcpu_mark_handling(struct vcpu *v)
{
	const struct kvm_run *run = v->run;
	uint64_t addr = run->exit_reason == KVM_EXIT_IO	    ? run->io.port
			: run->exit_reason == KVM_EXIT_MMIO ? run->mmio.phys_addr
							    : 0;

	atomic_store_explicit(&v->where_exit, run->exit_reason, memory_order_relaxed);
	atomic_store_explicit(&v->where_addr, addr, memory_order_relaxed);
	vcpu_mark(v, VCPU_IN_HANDLER);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;
	uint64_t t_out = 0;
	int done, err;

	/* Only SIGUSR1 reaches this thread: it kicks us out of KVM_RUN. */
	sigfillset(&set);
	sigdelset(&set, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	sandbox_enter(SANDBOX_VCPU);  /* before the first KVM_RUN */
	atomic_store(&v->running, 1); /* vcpu_kick: from now on a kick signals us */
	vcpu_observe_start(v);
	timeline_mark(TL_FIRST_RUN);
	while (!atomic_load(&v->vm->end)) {
		if (__builtin_expect(v->vm->gdb != NULL, 0))
			gdb_vcpu_gate(v->vm->gdb, v); /* parked while the debugger holds us */
		vcpu_mark(v, VCPU_IN_KVM_RUN);
		err = ioctl(v->fd, KVM_RUN, 0) < 0 ? errno : 0;
		if (__builtin_expect(v->observe, 0))
			t_out = timeline_now_ns();
		if (err) {
			errno = err;
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				if (__builtin_expect(v->observe, 0))
					vcpu_observe_kick(v, t_out);
				vcpu_snapshot_answer(v);
				continue;
			}
			log_msg("vcpu%d: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_end(v->vm, VM_KVM_ERROR, 0);
			break;
		}
		vcpu_mark_handling(v);
		v->exits[v->run->exit_reason % VCPU_EXIT_REASONS]++;
		done = vcpu_handle_exit(v);
		if (__builtin_expect(v->observe, 0))
			vcpu_observe(v, t_out);
		if (done)
			break;
	}
	vcpu_mark(v, VCPU_ENDED);
	atomic_store(&v->running, 0); /* no more signals: the thread is gone before its join */
	return NULL;
}

static void vcpu_install_kick(void)
{
	struct sigaction sa = {.sa_handler = vcpu_signal};

	sigaction(SIGUSR1, &sa, NULL);
}

int vcpu_start(struct vcpu *v)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int err;

	pthread_once(&once, vcpu_install_kick);
	err = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (err)
		return -err;
	v->started = 1;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	/*
	 * immediate_exit covers the window before the thread enters KVM_RUN, the signal the
	 * time inside it. Whether to signal is the thread's word (running), not vcpu_start's
	 * (started, set only after pthread_create returns: a kick in between, as a vCPU 0 that
	 * powers off before the main thread has marked vCPU 1 started, would send none while
	 * vCPU 1 already sleeps in KVM_RUN for its SIPI). Either this load sees running, or the
	 * thread's store of it comes later and its KVM_RUN sees immediate_exit (both seq_cst).
	 */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (atomic_load(&v->running))
		pthread_kill(v->thread, SIGUSR1);
}

#define VCPU_SNAP_WAIT_MS 200

/* A fresh snapshot in v->snap: 0, or -ETIMEDOUT when the thread did not come out of KVM. */
static int vcpu_snapshot(struct vcpu *v)
{
	int where = atomic_load(&v->where);
	unsigned want;

	if (where == VCPU_NOT_STARTED || where == VCPU_ENDED) {
		vcpu_snapshot_take(v); /* no thread of its own in KVM_RUN: ask KVM ourselves */
		return 0;
	}
	want = atomic_fetch_add(&v->snap_want, 1) + 1;
	vcpu_kick(v);
	for (int i = 0; i < VCPU_SNAP_WAIT_MS; i++) {
		if (atomic_load_explicit(&v->snap_done, memory_order_acquire) == want)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

void vcpu_join(struct vcpu *v)
{
	if (v->started)
		pthread_join(v->thread, NULL);
	v->started = 0;
}

void vcpu_dump_regs(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	log_msg("vcpu%d: rip=%016llx rsp=%016llx rflags=%08llx", v->id, r.rip, r.rsp, r.rflags);
	log_msg("vcpu%d: rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx", v->id, r.rax, r.rbx,
		r.rcx, r.rdx);
	log_msg("vcpu%d: rsi=%016llx rdi=%016llx rbp=%016llx", v->id, r.rsi, r.rdi, r.rbp);
	log_msg("vcpu%d: cr0=%llx cr3=%llx cr4=%llx efer=%llx cs=%04x ss=%04x", v->id, s.cr0, s.cr3,
		s.cr4, s.efer, s.cs.selector, s.ss.selector);
}

/* The vectors set in one of the LAPIC's 256-bit registers (ISR 0x100, TMR 0x180, IRR 0x200). */
static void lapic_vectors(const struct kvm_lapic_state *la, unsigned reg, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < 8; i++) {
		uint32_t w;

		memcpy(&w, la->regs + reg + 0x10 * i, 4);
		for (unsigned b = 0; b < 32 && n < len; b++)
			if (w & (1u << b))
				n += snprintf(buf + n, len - n, "%s%#x", n ? "," : "", i * 32 + b);
	}
	if (!n)
		snprintf(buf, len, "-");
}

static uint32_t lapic_reg(const struct kvm_lapic_state *la, unsigned reg)
{
	uint32_t v;

	memcpy(&v, la->regs + reg, 4);
	return v;
}

static const char *const mp_states[] = {"runnable", "uninitialized", "init-received", "halted",
					"sipi-received"};

static void vcpu_describe_snapshot(const struct vcpu *v)
{
	const struct vcpu_snapshot *s = &v->snap;
	const struct kvm_vcpu_events *e = &s->events;
	char irr[256], isr[256];

	if (s->err) {
		fprintf(stderr, "vmm: vcpu%d: KVM would not say: %s\n", v->id, strerror(-s->err));
		return;
	}
	fprintf(stderr, "vmm: vcpu%d: rip=%#llx rflags=%#llx (IF=%d) mp_state=%s\n", v->id,
		s->regs.rip, s->regs.rflags, !!(s->regs.rflags & 0x200),
		s->mp.mp_state < 5 ? mp_states[s->mp.mp_state] : "?");
	fprintf(stderr,
		"vmm: vcpu%d: events: interrupt injected=%u nr=%#x shadow=%u; nmi injected=%u "
		"pending=%u masked=%u; exception injected=%u nr=%u\n",
		v->id, e->interrupt.injected, e->interrupt.nr, e->interrupt.shadow, e->nmi.injected,
		e->nmi.pending, e->nmi.masked, e->exception.injected, e->exception.nr);
	lapic_vectors(&s->lapic, 0x200, irr, sizeof(irr));
	lapic_vectors(&s->lapic, 0x100, isr, sizeof(isr));
	fprintf(stderr,
		"vmm: vcpu%d: lapic: id %#x tpr %#x irr %s isr %s; timer lvt %#x initial %u "
		"current %u\n",
		v->id, lapic_reg(&s->lapic, 0x20) >> 24, lapic_reg(&s->lapic, 0x80), irr, isr,
		lapic_reg(&s->lapic, 0x320), lapic_reg(&s->lapic, 0x380),
		lapic_reg(&s->lapic, 0x390));
}

void vcpu_describe(struct vcpu *v)
{
	static const char *const where[] = {"not started", "in KVM_RUN", "handling an exit",
					    "ended"};
	int w = atomic_load(&v->where);
	char buf[512], nb[24];
	size_t n = 0;

	if (w == VCPU_IN_HANDLER) {
		uint32_t exit = atomic_load(&v->where_exit);
		uint64_t addr = atomic_load(&v->where_addr);
		const struct bus_range *r =
		    exit == KVM_EXIT_IO	    ? bus_find(&v->vm->bus, BUS_PIO, addr, 1)
		    : exit == KVM_EXIT_MMIO ? bus_find(&v->vm->bus, BUS_MMIO, addr, 1)
					    : NULL;

		fprintf(stderr, "vmm: vcpu%d: handling %s at %#llx (%s)\n", v->id,
			kvm_exit_name(exit, nb, sizeof(nb)), (unsigned long long)addr,
			r ? r->name : "no device");
	} else
		fprintf(stderr, "vmm: vcpu%d: %s\n", v->id, where[w & 3]);
	if (vcpu_snapshot(v))
		fprintf(stderr, "vmm: vcpu%d: did not leave KVM_RUN within %d ms of a signal\n",
			v->id, VCPU_SNAP_WAIT_MS);
	else
		vcpu_describe_snapshot(v);
	for (int r = 0; r < VCPU_EXIT_REASONS && n < sizeof(buf); r++)
		if (v->exits[r])
			n += snprintf(buf + n, sizeof(buf) - n, " %s=%llu",
				      kvm_exit_name(r, nb, sizeof(nb)),
				      (unsigned long long)v->exits[r]);
	fprintf(stderr, "vmm: vcpu%d: exits by reason:%s\n", v->id, n ? buf : " none");
	if (v->vm->cfg->stats)
		exit_stats_print_vcpu(v, stderr);
	kvm_stats_describe(&v->stats, buf, sizeof(buf));
	fprintf(stderr, "vmm: vcpu%d: KVM counters: %s\n", v->id, buf);
}
