/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol: framing, checksums, escapes, hex, and the packets a
 * debugger needs to drive a machine (gdb's manual, appendix E). Pure: no I/O but the send
 * callback, no KVM; every field the peer sends is parsed with a bound, and a packet that does
 * not parse is answered "E22" or thrown away, never trusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/le.h"
#include "gdb_rsp.h"

static const char hexdig[] = "0123456789abcdef";

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* --- sending -------------------------------------------------------------------------- */

/* E.1: '$' data '#' checksum, data escaped where it holds '$', '#', '}' or '*'. */
static void rsp_send_bin(struct rsp *r, const uint8_t *data, size_t len)
{
	uint8_t *o = r->out, sum = 0;
	size_t n = 0;

	o[n++] = '$';
	for (size_t i = 0; i < len && n < sizeof(r->out) - 4; i++) {
		uint8_t c = data[i];

		if (c == '$' || c == '#' || c == '}' || c == '*') {
			o[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		o[n++] = c;
		sum += c;
	}
	o[n++] = '#';
	o[n++] = hexdig[sum >> 4];
	o[n++] = hexdig[sum & 15];
	r->out_len = n;
	if (r->send(r->conn, o, n))
		r->closed = 1;
}

static void rsp_send(struct rsp *r, const char *s)
{
	rsp_send_bin(r, (const uint8_t *)s, strlen(s));
}

static void rsp_send_err(struct rsp *r, int err)
{
	char b[8];

	snprintf(b, sizeof(b), "E%02x", (err < 0 ? -err : err) & 0xff);
	rsp_send(r, b);
}

/* A target's answer: "OK", the empty reply for "not supported", or an error. */
static void rsp_send_result(struct rsp *r, int err)
{
	if (!err)
		rsp_send(r, "OK");
	else if (err == -ENOSYS)
		rsp_send(r, "");
	else
		rsp_send_err(r, err);
}

static void hex_encode(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hexdig[src[i] >> 4];
		dst[2 * i + 1] = hexdig[src[i] & 15];
	}
	dst[2 * n] = 0;
}

/* Exactly 2n hex digits at src into n bytes; -EINVAL otherwise. */
static int hex_decode(uint8_t *dst, const char *src, size_t srclen, size_t n)
{
	if (srclen != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(src[2 * i]), lo = hexval(src[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A hex number of at most 16 digits at *p, which moves past it; -EINVAL if none. */
static int hex_num(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	int d;

	*v = 0;
	while (s < end && (d = hexval(*s)) >= 0) {
		if (s - *p == 16)
			return -EINVAL;
		*v = *v << 4 | (uint64_t)d;
		s++;
	}
	if (s == *p)
		return -EINVAL;
	*p = s;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

/* --- the target description ----------------------------------------------------------- */

size_t rsp_regs_size(const struct rsp_arch *a)
{
	size_t n = 0;

	for (int i = 0; i < a->nr_regs; i++)
		n += a->regs[i].bits / 8;
	return n;
}

int rsp_reg_slice(const struct rsp_arch *a, int n, size_t *off, size_t *size)
{
	size_t o = 0;

	if (n < 0 || n >= a->nr_regs)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		o += a->regs[i].bits / 8;
	*off = o;
	*size = a->regs[n].bits / 8;
	return 0;
}

/* gdb's target description format (gdb manual, appendix G), every feature inline. */
long rsp_target_xml(const struct rsp_arch *a, char *buf, size_t len)
{
	const char *feat = NULL;
	size_t n = 0;

#define XML(...)                                                                                   \
	do {                                                                                       \
		int w_ = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__);                    \
		n += w_ > 0 ? (size_t)w_ : 0;                                                      \
	} while (0)
	XML("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	    "<target version=\"1.0\">\n<architecture>%s</architecture>\n",
	    a->arch);
	for (int i = 0; i < a->nr_regs; i++) {
		const struct rsp_reg *g = &a->regs[i];

		if (!feat || strcmp(feat, g->feature)) {
			if (feat)
				XML("</feature>\n");
			feat = g->feature;
			XML("<feature name=\"%s\">\n", feat);
			for (int f = 0; f < a->nr_features; f++)
				if (!strcmp(a->features[f].name, feat))
					XML("%s", a->features[f].types);
		}
		XML("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\"/>\n", g->name,
		    g->bits, g->type, i);
	}
	if (feat)
		XML("</feature>\n");
	XML("</target>\n");
#undef XML
	return n < len ? (long)n : -ENOSPC;
}

/* --- packets -------------------------------------------------------------------------- */

/* A thread id as RSP writes it: hex, or -1 (all). */
static int parse_thread(const char *p, const char *end, int *thread)
{
	uint64_t v;

	if (end - p == 2 && p[0] == '-' && p[1] == '1') {
		*thread = -1;
		return 0;
	}
	if (hex_num(&p, end, &v) || p != end || v > 0x7fffffff)
		return -EINVAL;
	*thread = (int)v;
	return 0;
}

static int thread_valid(struct rsp *r, int thread)
{
	return thread >= 1 && thread <= r->ops->nr_threads(r->t);
}

/* The thread an Hg/Hc setting means for one thread's operation: "any" and "all" are 1. */
static int one_thread(struct rsp *r, int setting)
{
	return thread_valid(r, setting) ? setting : 1;
}

static const struct rsp_arch *rsp_arch(struct rsp *r)
{
	if (!r->arch)
		r->arch = r->ops->arch(r->t);
	return r->arch;
}

static void send_stop(struct rsp *r, const struct rsp_stop *s)
{
	char b[96];
	int n = snprintf(b, sizeof(b), "T%02xthread:%x;", s->signal & 0xff, s->thread);

	switch (s->why) {
	case RSP_STOP_SWBREAK:
		if (r->swbreak)
			snprintf(b + n, sizeof(b) - n, "swbreak:;");
		break;
	case RSP_STOP_HWBREAK:
		if (r->hwbreak)
			snprintf(b + n, sizeof(b) - n, "hwbreak:;");
		break;
	case RSP_STOP_WATCH:
	case RSP_STOP_RWATCH:
	case RSP_STOP_AWATCH:
		snprintf(b + n, sizeof(b) - n, "%s:%llx;",
			 s->why == RSP_STOP_WATCH    ? "watch"
			 : s->why == RSP_STOP_RWATCH ? "rwatch"
						     : "awatch",
			 (unsigned long long)s->addr);
		break;
	default:
		break;
	}
	rsp_send(r, b);
}

static void pkt_read_regs(struct rsp *r)
{
	const struct rsp_arch *a = rsp_arch(r);
	size_t n = rsp_regs_size(a);
	uint8_t regs[RSP_MAX_PACKET / 2];
	char hex[RSP_MAX_PACKET + 1];
	int err;

	if (n > sizeof(regs) / 2) /* the hex must fit a packet */
		return rsp_send_err(r, EINVAL);
	if ((err = r->ops->read_regs(r->t, one_thread(r, r->g_thread), regs, n)))
		return rsp_send_err(r, err);
	hex_encode(hex, regs, n);
	rsp_send(r, hex);
}

static void pkt_write_regs(struct rsp *r, const char *p, const char *end)
{
	const struct rsp_arch *a = rsp_arch(r);
	size_t n = rsp_regs_size(a);
	uint8_t regs[RSP_MAX_PACKET / 2];

	if (n > sizeof(regs) / 2 || hex_decode(regs, p, end - p, n))
		return rsp_send_err(r, EINVAL);
	rsp_send_result(r, r->ops->write_regs(r->t, one_thread(r, r->g_thread), regs, n));
}

/* p n: one register, out of the g packet's bytes. */
static void pkt_read_reg(struct rsp *r, const char *p, const char *end)
{
	const struct rsp_arch *a = rsp_arch(r);
	uint8_t regs[RSP_MAX_PACKET / 2];
	char hex[2 * 64 + 1];
	size_t off, size, n = rsp_regs_size(a);
	uint64_t reg;
	int err;

	if (hex_num(&p, end, &reg) || p != end || reg > 0xffff ||
	    rsp_reg_slice(a, (int)reg, &off, &size) || size > 64 || n > sizeof(regs))
		return rsp_send_err(r, EINVAL);
	if ((err = r->ops->read_regs(r->t, one_thread(r, r->g_thread), regs, n)))
		return rsp_send_err(r, err);
	hex_encode(hex, regs + off, size);
	rsp_send(r, hex);
}

/* P n=v: read all, change one, write all; the target refuses what it cannot change. */
static void pkt_write_reg(struct rsp *r, const char *p, const char *end)
{
	const struct rsp_arch *a = rsp_arch(r);
	uint8_t regs[RSP_MAX_PACKET / 2];
	size_t off, size, n = rsp_regs_size(a);
	int thread = one_thread(r, r->g_thread), err;
	uint64_t reg;

	if (hex_num(&p, end, &reg) || expect(&p, end, '=') || reg > 0xffff ||
	    rsp_reg_slice(a, (int)reg, &off, &size) || n > sizeof(regs))
		return rsp_send_err(r, EINVAL);
	if ((err = r->ops->read_regs(r->t, thread, regs, n)))
		return rsp_send_err(r, err);
	if (hex_decode(regs + off, p, end - p, size))
		return rsp_send_err(r, EINVAL);
	rsp_send_result(r, r->ops->write_regs(r->t, thread, regs, n));
}

/* "ADDR,LEN" then what follows it at *p. */
static int parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len)
{
	return hex_num(p, end, addr) || expect(p, end, ',') || hex_num(p, end, len) ? -EINVAL : 0;
}

static void pkt_read_mem(struct rsp *r, const char *p, const char *end)
{
	uint8_t data[RSP_MAX_PACKET / 2];
	char hex[RSP_MAX_PACKET + 1];
	uint64_t addr, len;
	int err;

	if (parse_addr_len(&p, end, &addr, &len) || p != end || len > sizeof(data))
		return rsp_send_err(r, EINVAL);
	if ((err = r->ops->read_mem(r->t, one_thread(r, r->g_thread), addr, data, len)))
		return rsp_send_err(r, err);
	hex_encode(hex, data, len);
	rsp_send(r, hex);
}

/* M addr,len:HEX and X addr,len:BINARY (the binary already unescaped by the framing). */
static void pkt_write_mem(struct rsp *r, const char *p, const char *end, int binary)
{
	uint8_t data[RSP_MAX_PACKET];
	uint64_t addr, len;

	if (parse_addr_len(&p, end, &addr, &len) || expect(&p, end, ':') || len > sizeof(data))
		return rsp_send_err(r, EINVAL);
	if (binary) {
		if ((uint64_t)(end - p) != len)
			return rsp_send_err(r, EINVAL);
		memcpy(data, p, len);
	} else if (hex_decode(data, p, end - p, len)) {
		return rsp_send_err(r, EINVAL);
	}
	if (!len) /* gdb's probe for X support */
		return rsp_send(r, "OK");
	rsp_send_result(r, r->ops->write_mem(r->t, one_thread(r, r->g_thread), addr, data, len));
}

/* Z type,addr,kind and z: the kind is the breakpoint's length in bytes or the watch length. */
static void pkt_breakpoint(struct rsp *r, const char *p, const char *end, int insert)
{
	uint64_t type, addr, kind;

	if (hex_num(&p, end, &type) || expect(&p, end, ',') ||
	    parse_addr_len(&p, end, &addr, &kind))
		return rsp_send_err(r, EINVAL);
	if (p != end && *p != ';') /* ";cond_list" may follow: we evaluate no conditions */
		return rsp_send_err(r, EINVAL);
	if (type > RSP_WP_ACCESS)
		return rsp_send(r, "");
	rsp_send_result(
	    r, (insert ? r->ops->insert : r->ops->remove)(r->t, (enum rsp_bp)type, addr, kind));
}

/* c [addr] / s [addr]: resume, from addr if given. */
static void pkt_resume(struct rsp *r, const char *p, const char *end, int step)
{
	int thread = step ? one_thread(r, r->c_thread) : -1, err;

	if (p != end) {
		const struct rsp_arch *a = rsp_arch(r);
		uint8_t regs[RSP_MAX_PACKET / 2];
		size_t n = rsp_regs_size(a), off, size;
		uint64_t pc;
		int pcreg = -1;

		if (hex_num(&p, end, &pc) || p != end)
			return rsp_send_err(r, EINVAL);
		for (int i = 0; i < a->nr_regs; i++)
			if (!strcmp(a->regs[i].name, "eip") || !strcmp(a->regs[i].name, "rip"))
				pcreg = i;
		if (pcreg < 0 || rsp_reg_slice(a, pcreg, &off, &size) || n > sizeof(regs))
			return rsp_send_err(r, EINVAL);
		thread = one_thread(r, r->c_thread);
		if ((err = r->ops->read_regs(r->t, thread, regs, n)))
			return rsp_send_err(r, err);
		le_put(regs + off, pc, (int)size);
		if ((err = r->ops->write_regs(r->t, thread, regs, n)))
			return rsp_send_err(r, err);
		if (!step)
			thread = -1;
	}
	if ((err = r->ops->resume(r->t, thread, step)))
		return rsp_send_err(r, err);
	r->running = 1; /* the reply is the stop, later */
}

/* qXfer:features:read:ANNEX:OFF,LEN, E.4 and appendix G. */
static void pkt_xfer_features(struct rsp *r, const char *p, const char *end)
{
	static const char annex[] = "target.xml:";
	char xml[RSP_MAX_PACKET];
	uint8_t out[RSP_MAX_PACKET / 2 + 1];
	uint64_t off, len;
	long n;

	if ((size_t)(end - p) < sizeof(annex) - 1 || memcmp(p, annex, sizeof(annex) - 1))
		return rsp_send_err(r, ENOENT);
	p += sizeof(annex) - 1;
	if (parse_addr_len(&p, end, &off, &len) || p != end)
		return rsp_send_err(r, EINVAL);
	if ((n = rsp_target_xml(rsp_arch(r), xml, sizeof(xml))) < 0)
		return rsp_send_err(r, ENOSPC);
	if (off > (uint64_t)n)
		return rsp_send_err(r, EINVAL);
	if (len > sizeof(out) - 1) /* escaping may double it: half a packet at most */
		len = sizeof(out) - 1;
	if (len > (uint64_t)n - off)
		len = (uint64_t)n - off;
	out[0] = off + len < (uint64_t)n ? 'm' : 'l';
	memcpy(out + 1, xml + off, len);
	rsp_send_bin(r, out, len + 1);
}

static void pkt_thread_info(struct rsp *r)
{
	char b[RSP_MAX_PACKET / 2];
	int n = snprintf(b, sizeof(b), "m"), nr = r->ops->nr_threads(r->t);

	for (int i = 1; i <= nr && n < (int)sizeof(b) - 12; i++)
		n += snprintf(b + n, sizeof(b) - n, "%s%x", i > 1 ? "," : "", i);
	rsp_send(r, b);
}

static void pkt_extra_info(struct rsp *r, const char *p, const char *end)
{
	char text[128], hex[2 * sizeof(text) + 1];
	int thread;

	if (parse_thread(p, end, &thread) || !thread_valid(r, thread))
		return rsp_send_err(r, EINVAL);
	text[0] = 0;
	r->ops->thread_info(r->t, thread, text, sizeof(text));
	hex_encode(hex, (const uint8_t *)text, strnlen(text, sizeof(text) - 1));
	rsp_send(r, hex);
}

static int starts(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

/* qSupported:feature;feature...: note what gdb understands, say what we do. */
static void pkt_supported(struct rsp *r, const char *p, const char *end)
{
	for (const char *f = p; f < end;) {
		const char *e = memchr(f, ';', end - f);

		if (!e)
			e = end;
		if (starts(f, e, "swbreak+"))
			r->swbreak = 1;
		if (starts(f, e, "hwbreak+"))
			r->hwbreak = 1;
		f = e + 1;
	}
	rsp_send(r, "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+");
}

static void pkt_query(struct rsp *r, const char *p, const char *end)
{
	char b[32];

	if (starts(p, end, "qSupported"))
		pkt_supported(r, p + 10, end);
	else if (starts(p, end, "qXfer:features:read:"))
		pkt_xfer_features(r, p + 20, end);
	else if (starts(p, end, "qfThreadInfo") && end - p == 12)
		pkt_thread_info(r);
	else if (starts(p, end, "qsThreadInfo") && end - p == 12)
		rsp_send(r, "l");
	else if (starts(p, end, "qThreadExtraInfo,"))
		pkt_extra_info(r, p + 17, end);
	else if (starts(p, end, "qC") && end - p == 2) {
		snprintf(b, sizeof(b), "QC%x", one_thread(r, r->last.thread));
		rsp_send(r, b);
	} else if (starts(p, end, "qAttached"))
		rsp_send(r, "1"); /* a machine that was there before us: quit detaches */
	else if (starts(p, end, "qSymbol"))
		rsp_send(r, "OK");
	else if (starts(p, end, "QStartNoAckMode") && end - p == 15) {
		rsp_send(r, "OK");
		r->no_ack = 1; /* from the next packet on (E.11) */
	} else
		rsp_send(r, "");
}

/* H op thread: the thread the next g/m (op g) or s (op c) is about. */
static void pkt_set_thread(struct rsp *r, const char *p, const char *end)
{
	int thread;

	if (end - p < 2 || (*p != 'g' && *p != 'c') || parse_thread(p + 1, end, &thread) ||
	    (thread > 0 && !thread_valid(r, thread)))
		return rsp_send_err(r, EINVAL);
	if (*p == 'g')
		r->g_thread = thread;
	else
		r->c_thread = thread;
	rsp_send(r, "OK");
}

static void pkt_thread_alive(struct rsp *r, const char *p, const char *end)
{
	int thread;

	if (parse_thread(p, end, &thread) || !thread_valid(r, thread))
		return rsp_send_err(r, ENOENT);
	rsp_send(r, "OK");
}

static void rsp_dispatch(struct rsp *r, const char *p, size_t len)
{
	const char *end = p + len;

	if (!len)
		return rsp_send(r, "");
	/* Running, only Ctrl-C, D and k mean anything (a detach or kill needs no stop first:
	 * the target makes its own); gdb knows, so anything else is noise. */
	if (r->running && p[0] != 'D' && p[0] != 'k') {
		r->malformed++;
		return;
	}
	switch (p[0]) {
	case '?':
		return send_stop(r, &r->last);
	case 'g':
		return len == 1 ? pkt_read_regs(r) : rsp_send_err(r, EINVAL);
	case 'G':
		return pkt_write_regs(r, p + 1, end);
	case 'p':
		return pkt_read_reg(r, p + 1, end);
	case 'P':
		return pkt_write_reg(r, p + 1, end);
	case 'm':
		return pkt_read_mem(r, p + 1, end);
	case 'M':
		return pkt_write_mem(r, p + 1, end, 0);
	case 'X':
		return pkt_write_mem(r, p + 1, end, 1);
	case 'Z':
	case 'z':
		return pkt_breakpoint(r, p + 1, end, p[0] == 'Z');
	case 'c':
	case 's':
		return pkt_resume(r, p + 1, end, p[0] == 's');
	case 'H':
		return pkt_set_thread(r, p + 1, end);
	case 'T':
		return pkt_thread_alive(r, p + 1, end);
	case 'q':
	case 'Q':
		return pkt_query(r, p, end);
	case 'D': /* D, or D;pid */
		rsp_send(r, "OK");
		r->running = 0;
		r->ops->detach(r->t);
		r->closed = 1;
		return;
	case 'k': /* no reply (E.2) */
		r->ops->kill(r->t);
		r->closed = 1;
		return;
	default: /* vCont?, vMustReplyEmpty and all we do not do: the empty reply */
		return rsp_send(r, "");
	}
}

/* --- receiving ------------------------------------------------------------------------ */

static void rsp_packet_end(struct rsp *r)
{
	int good = !r->overflow && r->sum == r->csum;

	if (!r->no_ack && r->send(r->conn, good ? "+" : "-", 1))
		r->closed = 1;
	if (!good) {
		r->malformed++;
		return;
	}
	r->in[r->in_len] = 0;
	rsp_dispatch(r, (const char *)r->in, r->in_len);
}

static void rsp_byte(struct rsp *r, uint8_t c)
{
	int d;

	switch (r->state) {
	case RSP_IDLE:
		if (c == '$') {
			r->state = RSP_DATA;
			r->in_len = 0;
			r->overflow = 0;
			r->sum = 0;
		} else if (c == 0x03) {
			if (r->running)
				r->ops->interrupt(r->t);
		} else if (c == '-' && r->out_len && !r->no_ack) {
			if (r->send(r->conn, r->out, r->out_len)) /* E.1: send it again */
				r->closed = 1;
		} /* '+' and anything else between packets: nothing to do */
		return;
	case RSP_DATA:
	case RSP_ESC:
		if (c == '#' && r->state == RSP_DATA) {
			r->state = RSP_CSUM1;
			return;
		}
		r->sum += c;
		if (c == '}' && r->state == RSP_DATA) {
			r->state = RSP_ESC;
			return;
		}
		if (r->state == RSP_ESC) {
			c ^= 0x20;
			r->state = RSP_DATA;
		}
		if (r->in_len < sizeof(r->in) - 1)
			r->in[r->in_len++] = c;
		else
			r->overflow = 1;
		return;
	case RSP_CSUM1:
	case RSP_CSUM2:
		d = hexval(c);
		if (d < 0) {
			r->overflow = 1; /* not a checksum: the packet is bad */
			d = 0;
		}
		if (r->state == RSP_CSUM1) {
			r->csum = (uint8_t)(d << 4);
			r->state = RSP_CSUM2;
			return;
		}
		r->csum |= (uint8_t)d;
		r->state = RSP_IDLE;
		rsp_packet_end(r);
		return;
	}
}

void rsp_feed(struct rsp *r, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && !r->closed; i++)
		rsp_byte(r, buf[i]);
}

void rsp_init(struct rsp *r, const struct rsp_target_ops *ops, void *t,
	      int (*send)(void *conn, const void *buf, size_t len), void *conn)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->t = t;
	r->send = send;
	r->conn = conn;
	r->last = (struct rsp_stop){.signal = 5, .thread = 1};
}

void rsp_stopped(struct rsp *r, const struct rsp_stop *s)
{
	r->last = *s;
	r->running = 0;
	r->g_thread = s->thread; /* what gdb assumes after a stop in that thread */
	send_stop(r, s);
}

void rsp_exited(struct rsp *r, int status, int signal)
{
	char b[16];

	snprintf(b, sizeof(b), signal ? "X%02x" : "W%02x", (signal ? signal : status) & 0xff);
	rsp_send(r, b);
	r->running = 0;
	r->closed = 1;
}

void rsp_console(struct rsp *r, const char *text)
{
	char b[RSP_MAX_PACKET / 2];
	size_t n = strnlen(text, (sizeof(b) - 2) / 2);

	b[0] = 'O';
	hex_encode(b + 1, (const uint8_t *)text, n);
	rsp_send(r, b);
}
