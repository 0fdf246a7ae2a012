/* SPDX-License-Identifier: MIT */
/* --trace: the spec parser, the filters and the sink. See trace.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timeline.h"
#include "trace.h"

unsigned trace_mask;

static struct trace_spec trace_cfg;
static enum trace_format trace_fmt;
static FILE *trace_out;
static __thread char trace_thread[16];

static const struct {
	const char *name;
	unsigned cat;
	uint64_t max; /* the largest address a range of it may name; 0: no ranges */
} cats[] = {
    {"io", TRACE_IO, 0xffff},
    {"mmio", TRACE_MMIO, UINT64_MAX},
    {"hypercall", TRACE_HYPERCALL, 0xffff},
    {"irq", TRACE_IRQ, UINT32_MAX},
    {"system", TRACE_SYSTEM, 0},
};
#define NR_CATS (sizeof(cats) / sizeof(cats[0]))

static int spec_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A whole number in C notation, nothing before or after it, no sign. */
static int parse_num(const char *s, size_t len, uint64_t *out)
{
	char buf[24], *end;

	if (!len || len >= sizeof(buf) || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	errno = 0;
	*out = strtoull(buf, &end, 0);
	return errno || *end || end == buf ? -EINVAL : 0;
}

/* "LO" or "LO-HI" of category c into t. */
static int parse_range(const char *s, int c, struct trace_spec *t, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	struct trace_range r = {.cat = cats[c].cat};

	if (!cats[c].max)
		return spec_fail(err, errlen, "--trace %s: takes no range", cats[c].name);
	if (parse_num(s, dash ? (size_t)(dash - s) : strlen(s), &r.lo) ||
	    parse_num(dash ? dash + 1 : s, dash ? strlen(dash + 1) : strlen(s), &r.hi))
		return spec_fail(err, errlen, "--trace %s:%s: want LO or LO-HI, numbers",
				 cats[c].name, s);
	if (r.lo > r.hi || r.hi > cats[c].max)
		return spec_fail(err, errlen, "--trace %s:%s: want LO <= HI <= %#" PRIx64,
				 cats[c].name, s, cats[c].max);
	if (t->nr_ranges == TRACE_MAX_RANGES)
		return spec_fail(err, errlen, "--trace: at most %d ranges", TRACE_MAX_RANGES);
	t->range[t->nr_ranges++] = r;
	return 0;
}

static int parse_dev(const char *name, struct trace_spec *t, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (!n || n >= TRACE_DEV_NAME ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") != n)
		return spec_fail(err, errlen,
				 "--trace dev:%s: want a device name (1 to %d of "
				 "A-Z a-z 0-9 _ . -)",
				 name, TRACE_DEV_NAME - 1);
	if (t->nr_devs == TRACE_MAX_DEVS)
		return spec_fail(err, errlen, "--trace: at most %d devices", TRACE_MAX_DEVS);
	memcpy(t->dev[t->nr_devs++], name, n + 1);
	return 0;
}

static int parse_item(char *item, struct trace_spec *t, char *err, size_t errlen)
{
	char *colon = strchr(item, ':');

	if (colon)
		*colon++ = 0;
	if (!strcmp(item, "dev"))
		return colon ? parse_dev(colon, t, err, errlen)
			     : spec_fail(err, errlen, "--trace dev: wants dev:NAME");
	if (!strcmp(item, "all") && !colon) {
		t->cats = TRACE_ALL;
		return 0;
	}
	for (size_t c = 0; c < NR_CATS; c++) {
		if (strcmp(item, cats[c].name))
			continue;
		t->cats |= cats[c].cat;
		t->named |= cats[c].cat;
		return colon ? parse_range(colon, (int)c, t, err, errlen) : 0;
	}
	return spec_fail(err, errlen,
			 "--trace %s: want all, io, mmio, hypercall, irq, system, CATEGORY:LO-HI "
			 "or dev:NAME",
			 item);
}

int trace_spec_parse(const char *spec, struct trace_spec *t, char *err, size_t errlen)
{
	char *copy, *item, *save;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (spec && strlen(spec) > 4096)
		return spec_fail(err, errlen, "--trace: spec too long");
	if (spec && *spec) {
		size_t n = strlen(spec);

		if (spec[0] == ',' || spec[n - 1] == ',' || strstr(spec, ",,"))
			return spec_fail(err, errlen, "--trace %s: an empty item", spec);
		if (!(copy = strdup(spec)))
			return -ENOMEM;
		for (item = strtok_r(copy, ",", &save); item && !ret;
		     item = strtok_r(NULL, ",", &save))
			ret = parse_item(item, t, err, errlen);
		free(copy);
	}
	if (!t->cats) /* only filters, or nothing: every category */
		t->cats = TRACE_ALL;
	return ret;
}

bool trace_spec_match(const struct trace_spec *t, unsigned cat, uint64_t addr, const char *dev)
{
	bool ranged = false, in = false;

	if (!(t->cats & cat))
		return false;
	for (int i = 0; i < t->nr_ranges; i++) {
		if (t->range[i].cat != cat)
			continue;
		ranged = true;
		in |= addr >= t->range[i].lo && addr <= t->range[i].hi;
	}
	if (ranged && !in)
		return false;
	if (!t->nr_devs)
		return true;
	if (!dev)
		return t->named & cat;
	for (int i = 0; i < t->nr_devs; i++)
		if (!strcmp(t->dev[i], dev))
			return true;
	return false;
}

/* --- the sink -------------------------------------------------------------------------------- */

void trace_start(const struct trace_spec *spec, enum trace_format fmt, FILE *f)
{
	trace_cfg = *spec;
	trace_fmt = fmt;
	trace_out = f;
	__atomic_store_n(&trace_mask, spec->cats, __ATOMIC_RELEASE);
}

void trace_stop(void)
{
	__atomic_store_n(&trace_mask, 0, __ATOMIC_RELEASE);
	if (trace_out && trace_out != stderr)
		fclose(trace_out);
	else if (trace_out)
		fflush(trace_out);
	trace_out = NULL;
}

void trace_set_thread(const char *name)
{
	snprintf(trace_thread, sizeof(trace_thread), "%s", name);
}

static const char *cat_name(unsigned cat)
{
	for (size_t c = 0; c < NR_CATS; c++)
		if (cats[c].cat == cat)
			return cats[c].name;
	return "?";
}

/* The address's key: what the number is in this category. */
static const char *addr_key(unsigned cat)
{
	return cat == TRACE_MMIO ? "addr" : cat == TRACE_IRQ ? "gsi" : "port";
}

/* One line being built, in either format: each field is one call, whatever the format. */
struct trace_line {
	char buf[512];
	size_t n;
	bool json;
};

static void line_put(struct trace_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void line_put(struct trace_line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	l->n += vsnprintf(l->buf + l->n, sizeof(l->buf) - l->n, fmt, ap);
	va_end(ap);
}

/* key=0xVALUE (hex) or key=VALUE; JSON numbers are decimal. */
static void line_num(struct trace_line *l, const char *key, uint64_t v, bool hex)
{
	if (l->json)
		line_put(l, ",\"%s\":%" PRIu64, key, v);
	else if (hex)
		line_put(l, " %s=0x%" PRIx64, key, v);
	else
		line_put(l, " %s=%" PRIu64, key, v);
}

/* key=VALUE; bare, " VALUE", in text when the value says what it is (edge, level). */
static void line_str(struct trace_line *l, const char *key, const char *v, bool bare)
{
	if (!v)
		return;
	if (l->json)
		line_put(l, ",\"%s\":\"%s\"", key, v);
	else
		line_put(l, " %s%s%s", bare ? "" : key, bare ? "" : "=", v);
}

void trace_emit(const struct trace_event *e)
{
	uint64_t t = timeline_since_start_ns(timeline_now_ns());
	struct trace_line l = {.json = trace_fmt == TRACE_JSON};
	const char *who = trace_thread, *cat = cat_name(e->cat), *exit = e->exit ? e->exit : "-";
	char tid[16];
	FILE *f = trace_out;

	if (!f || !trace_spec_match(&trace_cfg, e->cat, e->addr, e->dev))
		return;
	if (!who[0]) { /* a thread that did not name itself: its kernel id, as top -H shows */
		snprintf(tid, sizeof(tid), "tid%d", (int)gettid());
		who = tid;
	}
	if (l.json)
		line_put(&l,
			 "{\"t_ns\":%" PRIu64
			 ",\"thread\":\"%s\",\"exit\":%s%s%s,\"cat\":\"%s\",\"op\":\"%s\"",
			 t, who, e->exit ? "\"" : "", e->exit ? e->exit : "null",
			 e->exit ? "\"" : "", cat, e->op);
	else
		line_put(&l, "vmm: trace %" PRIu64 ".%09" PRIu64 " %s %s %s %s", t / 1000000000,
			 t % 1000000000, who, exit, cat, e->op);
	if (e->has_addr)
		line_num(&l, addr_key(e->cat), e->addr, e->cat != TRACE_IRQ);
	if (e->size) {
		line_num(&l, "size", e->size, false);
		line_num(&l, "count", e->count, false);
	}
	if (e->has_data)
		line_num(&l, "data", e->data, true);
	line_str(&l, "trigger", e->trig, true);
	line_str(&l, "dev", e->dev, false);
	line_str(&l, "via", e->via, false);
	if (e->ns >= 0)
		line_num(&l, l.json ? "handle_ns" : "ns", (uint64_t)e->ns, false);
	line_put(&l, l.json ? "}\n" : "\n");
	if (l.n >= sizeof(l.buf)) /* cut, but still one line */
		l.n = sizeof(l.buf) - 1, l.buf[l.n - 1] = '\n';
	fwrite(l.buf, 1, l.n, f);
}
