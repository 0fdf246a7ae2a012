/* SPDX-License-Identifier: MIT */
/* --stats: the per-vCPU tables (exit_stats.h), summed and printed. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

#include "exit_stats.h"
#include "vcpu.h"
#include "vm.h"

/* linux/kvm.h's KVM_EXIT_* by number: what a student looks up in api.rst. */
static const char *const exit_names[] = {
    "KVM_EXIT_UNKNOWN",
    "KVM_EXIT_EXCEPTION",
    "KVM_EXIT_IO",
    "KVM_EXIT_HYPERCALL",
    "KVM_EXIT_DEBUG",
    "KVM_EXIT_HLT",
    "KVM_EXIT_MMIO",
    "KVM_EXIT_IRQ_WINDOW_OPEN",
    "KVM_EXIT_SHUTDOWN",
    "KVM_EXIT_FAIL_ENTRY",
    "KVM_EXIT_INTR",
    "KVM_EXIT_SET_TPR",
    "KVM_EXIT_TPR_ACCESS",
    "KVM_EXIT_S390_SIEIC",
    "KVM_EXIT_S390_RESET",
    "KVM_EXIT_DCR",
    "KVM_EXIT_NMI",
    "KVM_EXIT_INTERNAL_ERROR",
    "KVM_EXIT_OSI",
    "KVM_EXIT_PAPR_HCALL",
    "KVM_EXIT_S390_UCONTROL",
    "KVM_EXIT_WATCHDOG",
    "KVM_EXIT_S390_TSCH",
    "KVM_EXIT_EPR",
    "KVM_EXIT_SYSTEM_EVENT",
    "KVM_EXIT_S390_STSI",
    "KVM_EXIT_IOAPIC_EOI",
    "KVM_EXIT_HYPERV",
    "KVM_EXIT_ARM_NISV",
    "KVM_EXIT_X86_RDMSR",
    "KVM_EXIT_X86_WRMSR",
    "KVM_EXIT_DIRTY_RING_FULL",
    "KVM_EXIT_AP_RESET_HOLD",
    "KVM_EXIT_X86_BUS_LOCK",
    "KVM_EXIT_XEN",
    "KVM_EXIT_RISCV_SBI",
    "KVM_EXIT_RISCV_CSR",
    "KVM_EXIT_NOTIFY",
};
_Static_assert(sizeof(exit_names) / sizeof(exit_names[0]) == KVM_EXIT_NOTIFY + 1,
	       "one name per KVM_EXIT_* up to KVM_EXIT_NOTIFY");

const char *kvm_exit_name(uint32_t reason, char *buf, size_t len)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]))
		return exit_names[reason];
	snprintf(buf, len, "KVM_EXIT_%u", reason);
	return buf;
}

static void unclaimed_add(struct exit_stats *s, enum bus_space space, uint64_t addr, uint64_t n)
{
	unsigned h = (unsigned)((addr ^ (addr >> 12) ^ space) % EXIT_STATS_UNCLAIMED);

	/* Open addressing, probing every slot once: bounded, whatever the guest probes. */
	for (unsigned i = 0; i < EXIT_STATS_UNCLAIMED; i++) {
		struct exit_stats_unclaimed *u = &s->uncl[(h + i) % EXIT_STATS_UNCLAIMED];

		if (u->n && (u->addr != addr || u->space != (int)space))
			continue;
		u->addr = addr;
		u->space = space;
		u->n += n;
		return;
	}
	s->uncl_other += n;
}

void exit_stats_access(struct exit_stats *s, const struct bus *bus, enum bus_space space,
		       uint64_t addr, const struct bus_range *range, uint32_t count, uint64_t ns)
{
	if (range) {
		long i = range - bus->range[space];

		s->range_n[space][i]++;
		s->range_ns[space][i] += ns;
	} else {
		unclaimed_add(s, space, addr, count);
		s->uncl_exits++;
		s->uncl_ns += ns;
	}
}

/* --- summing ------------------------------------------------------------------------------ */

struct sum_row {
	const char *name;
	uint64_t n, ns;
};

#define SUM_DEVS (BUS_NR * BUS_MAX_RANGES + 1)
#define SUM_UNCL 16 /* unclaimed ports/addresses printed, the most used first */

struct sums {
	uint64_t reason_n[EXIT_STATS_REASONS], reason_ns[EXIT_STATS_REASONS];
	uint64_t range_n[BUS_NR][BUS_MAX_RANGES], range_ns[BUS_NR][BUS_MAX_RANGES];
	struct sum_row dev[SUM_DEVS];
	int nr_dev;
	struct exit_stats_unclaimed uncl[SUM_UNCL];
	int nr_uncl;
	uint64_t uncl_other, uncl_exits, uncl_ns, run_ns, vmm_ns, wall_ns;
};

static void sum_uncl(struct sums *t, const struct exit_stats_unclaimed *u)
{
	int i;

	for (i = 0; i < t->nr_uncl; i++)
		if (t->uncl[i].addr == u->addr && t->uncl[i].space == u->space)
			break;
	if (i == t->nr_uncl) {
		if (t->nr_uncl == SUM_UNCL) { /* full: it replaces the least used if larger */
			int min = 0;

			for (int j = 1; j < SUM_UNCL; j++)
				if (t->uncl[j].n < t->uncl[min].n)
					min = j;
			if (t->uncl[min].n >= u->n) {
				t->uncl_other += u->n;
				return;
			}
			t->uncl_other += t->uncl[min].n;
			t->uncl[min] = *u;
			return;
		}
		t->uncl[t->nr_uncl++] = (struct exit_stats_unclaimed){u->addr, 0, u->space};
	}
	t->uncl[i].n += u->n;
}

static int uncl_cmp(const void *a, const void *b)
{
	const struct exit_stats_unclaimed *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* By device: each name's ranges together, and the accesses no device took as "unclaimed". */
static void sum_devices(struct sums *t, const struct bus *bus)
{
	for (int sp = 0; sp < BUS_NR; sp++)
		for (int i = 0; i < bus->nr[sp]; i++) {
			const char *name = bus->range[sp][i].name ? bus->range[sp][i].name : "?";
			int d;

			for (d = 0; d < t->nr_dev && strcmp(t->dev[d].name, name); d++)
				;
			if (d == t->nr_dev)
				t->dev[t->nr_dev++] = (struct sum_row){name, 0, 0};
			t->dev[d].n += t->range_n[sp][i];
			t->dev[d].ns += t->range_ns[sp][i];
		}
	t->dev[t->nr_dev++] = (struct sum_row){"unclaimed", t->uncl_exits, t->uncl_ns};
}

/* Every vCPU's tables summed (only < 0), or vCPU only's alone. */
static void sums_take(struct sums *t, const struct vm *vm, int only)
{
	memset(t, 0, sizeof(*t));
	for (int v = 0; v < vm->nr_vcpus; v++) {
		const struct vcpu *c = vm->vcpu[v];

		if (only >= 0 && v != only)
			continue;
		const struct exit_stats *s = &c->st;

		for (int r = 0; r < EXIT_STATS_REASONS; r++) {
			t->reason_n[r] += c->exits[r];
			t->reason_ns[r] += s->reason_ns[r];
		}
		for (int sp = 0; sp < BUS_NR; sp++)
			for (int i = 0; i < BUS_MAX_RANGES; i++) {
				t->range_n[sp][i] += s->range_n[sp][i];
				t->range_ns[sp][i] += s->range_ns[sp][i];
			}
		for (int u = 0; u < EXIT_STATS_UNCLAIMED; u++)
			if (s->uncl[u].n)
				sum_uncl(t, &s->uncl[u]);
		t->uncl_other += s->uncl_other;
		t->uncl_exits += s->uncl_exits;
		t->uncl_ns += s->uncl_ns;
		t->run_ns += s->run_ns;
		t->vmm_ns += s->vmm_ns;
		t->wall_ns += s->t_last - s->t_start;
	}
	qsort(t->uncl, t->nr_uncl, sizeof(t->uncl[0]), uncl_cmp);
	sum_devices(t, &vm->bus);
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static uint64_t mean(uint64_t ns, uint64_t n)
{
	return n ? ns / n : 0;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static const char *const space_names[BUS_NR] = {"pio", "mmio"};

/* --- text ----------------------------------------------------------------------------------- */

static void print_time(FILE *f, const char *who, uint64_t wall, uint64_t run, uint64_t vmm)
{
	fprintf(f,
		"vmm: %stime: wall %.3f ms, in KVM_RUN %.3f ms (the guest's share %.1f%%), in the "
		"VMM %.3f ms (%.1f%%)\n",
		who, ms(wall), ms(run), share(run, wall), ms(vmm), share(vmm, wall));
}

static void print_devices(FILE *f, const char *who, const struct sums *t)
{
	for (int d = 0; d < t->nr_dev; d++)
		if (t->dev[d].n)
			fprintf(f, "vmm: %sby device: %s: %llu exits, %.3f ms, mean %llu ns\n", who,
				t->dev[d].name, (unsigned long long)t->dev[d].n, ms(t->dev[d].ns),
				(unsigned long long)mean(t->dev[d].ns, t->dev[d].n));
}

/* With more than one vCPU, which of them took which device's exits. */
static void print_vcpu_devices(const struct vcpu *v, const char *who, FILE *f)
{
	struct sums *t;

	if (v->vm->nr_vcpus < 2 || !(t = malloc(sizeof(*t))))
		return;
	sums_take(t, v->vm, v->id);
	print_devices(f, who, t);
	free(t);
}

void exit_stats_print_vcpu(const struct vcpu *v, FILE *f)
{
	const struct exit_stats *s = &v->st;
	char who[16], nb[24];
	uint64_t kvm_exits, ours = 0, io, halts;

	snprintf(who, sizeof(who), "vcpu%d: ", v->id);
	for (int r = 0; r < EXIT_STATS_REASONS; r++) {
		ours += v->exits[r];
		if (v->exits[r])
			fprintf(f,
				"vmm: vcpu%d: %s: %llu exits, %.3f ms in the VMM, mean %llu ns\n",
				v->id, kvm_exit_name(r, nb, sizeof(nb)),
				(unsigned long long)v->exits[r], ms(s->reason_ns[r]),
				(unsigned long long)mean(s->reason_ns[r], v->exits[r]));
	}
	print_vcpu_devices(v, who, f);
	print_time(f, who, s->t_last - s->t_start, s->run_ns, s->vmm_ns);
	/* KVM counts every hardware exit; those that did not reach us it served itself. */
	if (kvm_stats_read(&v->stats, KVM_STAT_EXITS, &kvm_exits))
		return;
	fprintf(f, "vmm: vcpu%d: of KVM's %llu exits %llu reached the VMM, %llu KVM handled itself",
		v->id, (unsigned long long)kvm_exits, (unsigned long long)ours,
		(unsigned long long)(kvm_exits > ours ? kvm_exits - ours : 0));
	if (!kvm_stats_read(&v->stats, KVM_STAT_HALT_EXITS, &halts))
		fprintf(f, "; halts %llu", (unsigned long long)halts);
	/* io_exits counts the port accesses KVM saw, ours among them; a KVM that does not
	 * count them (kvm_pvm: 0) is not asked to explain ours */
	if (!kvm_stats_read(&v->stats, KVM_STAT_IO_EXITS, &io) && io >= v->exits[KVM_EXIT_IO])
		fprintf(f, "; port I/O %llu, %llu of them served in the kernel",
			(unsigned long long)io, (unsigned long long)(io - v->exits[KVM_EXIT_IO]));
	fputc('\n', f);
}

void exit_stats_print_text(struct vm *vm, FILE *f)
{
	struct sums *t = malloc(sizeof(*t));

	if (!t)
		return;
	sums_take(t, vm, -1);
	print_devices(f, "", t);
	for (int sp = 0; sp < BUS_NR; sp++)
		for (int i = 0; i < vm->bus.nr[sp]; i++) {
			const struct bus_range *r = &vm->bus.range[sp][i];

			if (t->range_n[sp][i])
				fprintf(f,
					"vmm: by region: %s %#llx-%#llx %s: %llu exits, %.3f ms, "
					"mean %llu ns\n",
					space_names[sp], (unsigned long long)r->base,
					(unsigned long long)(r->base + r->len - 1), r->name,
					(unsigned long long)t->range_n[sp][i],
					ms(t->range_ns[sp][i]),
					(unsigned long long)mean(t->range_ns[sp][i],
								 t->range_n[sp][i]));
		}
	for (int u = 0; u < t->nr_uncl; u++)
		fprintf(f, "vmm: unclaimed: %s %#llx: %llu accesses\n",
			space_names[t->uncl[u].space], (unsigned long long)t->uncl[u].addr,
			(unsigned long long)t->uncl[u].n);
	if (t->uncl_other)
		fprintf(f, "vmm: unclaimed: %llu more accesses at addresses not listed\n",
			(unsigned long long)t->uncl_other);
	print_time(f, "all vCPUs: ", t->wall_ns, t->run_ns, t->vmm_ns);
	free(t);
}

/* --- JSON ----------------------------------------------------------------------------------- */

static void json_row(FILE *f, uint64_t n, uint64_t ns)
{
	fprintf(f, "{\"count\":%" PRIu64 ",\"handle_ns\":%" PRIu64 ",\"mean_ns\":%" PRIu64 "}", n,
		ns, mean(ns, n));
}

static void json_time(FILE *f, uint64_t wall, uint64_t run, uint64_t vmm)
{
	fprintf(f,
		"\"time_ns\":{\"wall\":%" PRIu64 ",\"kvm_run\":%" PRIu64 ",\"vmm\":%" PRIu64
		"},\"guest_share\":%.4f",
		wall, run, vmm, share(run, wall) / 100);
}

static void json_reasons(FILE *f, const uint64_t *n, const uint64_t *ns)
{
	const char *sep = "";
	char nb[24];

	fputc('{', f);
	for (int r = 0; r < EXIT_STATS_REASONS; r++) {
		if (!n[r])
			continue;
		fprintf(f, "%s\"%s\":", sep, kvm_exit_name(r, nb, sizeof(nb)));
		json_row(f, n[r], ns[r]);
		sep = ",";
	}
	fputc('}', f);
}

static void json_devices(FILE *f, const struct sums *t)
{
	fprintf(f, ",\"devices\":{");
	for (int d = 0; d < t->nr_dev; d++) {
		fprintf(f, "%s\"%s\":", d ? "," : "", t->dev[d].name);
		json_row(f, t->dev[d].n, t->dev[d].ns);
	}
	fputc('}', f);
}

/* ,"key":{"name":value,...}: KVM's counters, those it offers. */
static void json_kvm(FILE *f, const char *key, const struct kvm_stats *ks)
{
	const char *sep = "";

	fprintf(f, ",\"%s\":{", key);
	for (int k = 0; k < ks->n; k++) {
		uint64_t val;

		if (kvm_stats_read(ks, k, &val))
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep, kvm_stats_name(ks, k), val);
		sep = ",";
	}
	fputc('}', f);
}

/* t: a scratch table for the vCPU's own sums */
static void json_vcpu(FILE *f, const struct vcpu *v, struct sums *t)
{
	const struct exit_stats *s = &v->st;

	fprintf(f, "{\"id\":%d,\"exits_by_reason\":", v->id);
	json_reasons(f, v->exits, s->reason_ns);
	sums_take(t, v->vm, v->id);
	json_devices(f, t);
	fputc(',', f);
	json_time(f, s->t_last - s->t_start, s->run_ns, s->vmm_ns);
	json_kvm(f, "kvm", &v->stats);
	fputc('}', f);
}

static void json_regions(FILE *f, const struct sums *t, const struct bus *bus)
{
	const char *sep = "";

	fprintf(f, ",\"regions\":[");
	for (int sp = 0; sp < BUS_NR; sp++)
		for (int i = 0; i < bus->nr[sp]; i++) {
			const struct bus_range *r = &bus->range[sp][i];

			fprintf(f,
				"%s{\"space\":\"%s\",\"base\":%" PRIu64 ",\"len\":%" PRIu64
				",\"dev\":\"%s\",\"stats\":",
				sep, space_names[sp], r->base, r->len, r->name ? r->name : "?");
			json_row(f, t->range_n[sp][i], t->range_ns[sp][i]);
			fputc('}', f);
			sep = ",";
		}
	fprintf(f, "],\"unclaimed\":[");
	for (int u = 0; u < t->nr_uncl; u++)
		fprintf(f, "%s{\"space\":\"%s\",\"addr\":%" PRIu64 ",\"count\":%" PRIu64 "}",
			u ? "," : "", space_names[t->uncl[u].space], t->uncl[u].addr, t->uncl[u].n);
	fprintf(f, "],\"unclaimed_unlisted\":%" PRIu64, t->uncl_other);
}

static void json_write(FILE *f, struct vm *vm, struct sums *t)
{
	fprintf(f, "{\"vmm_stats\":{\"exits_by_reason\":");
	json_reasons(f, t->reason_n, t->reason_ns);
	fputc(',', f);
	json_time(f, t->wall_ns, t->run_ns, t->vmm_ns);
	json_devices(f, t);
	json_regions(f, t, &vm->bus);
	json_kvm(f, "kvm_vm", &vm->kstats);
	fprintf(f, ",\"vcpus\":[");
	for (int v = 0; v < vm->nr_vcpus; v++) {
		fprintf(f, v ? "," : "");
		json_vcpu(f, vm->vcpu[v], t); /* last: it reuses t */
	}
	fputc(']', f);
	fprintf(f, ",\"unclaimed_total\":{\"pio\":%lu,\"mmio\":%lu}}}\n",
		atomic_load(&vm->bus.unclaimed[BUS_PIO]),
		atomic_load(&vm->bus.unclaimed[BUS_MMIO]));
}

/* Built in memory and written at once: one line, whatever else writes to stderr meanwhile. */
void exit_stats_print_json(struct vm *vm, FILE *f)
{
	struct sums *t = malloc(sizeof(*t));
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!t)
		return;
	sums_take(t, vm, -1);
	if ((m = open_memstream(&buf, &len))) {
		json_write(m, vm, t);
		if (!fclose(m))
			fwrite(buf, 1, len, f);
		free(buf);
	}
	free(t);
}
