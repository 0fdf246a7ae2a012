/* SPDX-License-Identifier: MIT */
/*
 * x86 registers for gdb: the target descriptions, the g packet <-> KVM's kvm_regs, kvm_sregs
 * and kvm_fpu, the debug registers. The register lists are gdb's own features (gdb's
 * features/i386/32bit-core.xml, 32bit-sse.xml, 64bit-core.xml, 64bit-sse.xml,
 * 64bit-segments.xml): gdb's i386 and amd64 code check the core names and numbers, and a
 * description with them is what makes gdb treat the target as a PC without `set architecture`.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "../base/le.h"
#include "gdb_x86.h"

#define CORE "org.gnu.gdb.i386.core"
#define SSE  "org.gnu.gdb.i386.sse"
#define SEGS "org.gnu.gdb.i386.segments"

/* Where a register's value lives in struct gdb_x86_state. */
enum src {
	GPR,
	FLAGS,
	SEG,
	SEGBASE,
	ST,
	FCW,
	FSW,
	FTAG,
	FISEG,
	FIOFF,
	FOSEG,
	FOOFF,
	FOP,
	XMM,
	MXCSR
};

struct x86_reg {
	uint8_t src;
	uint16_t off; /* GPR, SEG, SEGBASE: offsetof in the state; ST, XMM: the index */
};

#define R(f) offsetof(struct gdb_x86_state, regs.f)
#define S(f) offsetof(struct gdb_x86_state, sregs.f)
#define X87(X)                                                                                     \
	X("st0", 80, "i387_ext", CORE, ST, 0)                                                      \
	X("st1", 80, "i387_ext", CORE, ST, 1)                                                      \
	X("st2", 80, "i387_ext", CORE, ST, 2)                                                      \
	X("st3", 80, "i387_ext", CORE, ST, 3)                                                      \
	X("st4", 80, "i387_ext", CORE, ST, 4)                                                      \
	X("st5", 80, "i387_ext", CORE, ST, 5)                                                      \
	X("st6", 80, "i387_ext", CORE, ST, 6)                                                      \
	X("st7", 80, "i387_ext", CORE, ST, 7)                                                      \
	X("fctrl", 32, "int", CORE, FCW, 0)                                                        \
	X("fstat", 32, "int", CORE, FSW, 0)                                                        \
	X("ftag", 32, "int", CORE, FTAG, 0)                                                        \
	X("fiseg", 32, "int", CORE, FISEG, 0)                                                      \
	X("fioff", 32, "int", CORE, FIOFF, 0)                                                      \
	X("foseg", 32, "int", CORE, FOSEG, 0)                                                      \
	X("fooff", 32, "int", CORE, FOOFF, 0)                                                      \
	X("fop", 32, "int", CORE, FOP, 0)
#define SEGREGS(X)                                                                                 \
	X("eflags", 32, "i386_eflags", CORE, FLAGS, 0)                                             \
	X("cs", 32, "int32", CORE, SEG, S(cs))                                                     \
	X("ss", 32, "int32", CORE, SEG, S(ss))                                                     \
	X("ds", 32, "int32", CORE, SEG, S(ds))                                                     \
	X("es", 32, "int32", CORE, SEG, S(es))                                                     \
	X("fs", 32, "int32", CORE, SEG, S(fs))                                                     \
	X("gs", 32, "int32", CORE, SEG, S(gs))

#define I386(X)                                                                                    \
	X("eax", 32, "int32", CORE, GPR, R(rax))                                                   \
	X("ecx", 32, "int32", CORE, GPR, R(rcx))                                                   \
	X("edx", 32, "int32", CORE, GPR, R(rdx))                                                   \
	X("ebx", 32, "int32", CORE, GPR, R(rbx))                                                   \
	X("esp", 32, "data_ptr", CORE, GPR, R(rsp))                                                \
	X("ebp", 32, "data_ptr", CORE, GPR, R(rbp))                                                \
	X("esi", 32, "int32", CORE, GPR, R(rsi))                                                   \
	X("edi", 32, "int32", CORE, GPR, R(rdi))                                                   \
	X("eip", 32, "code_ptr", CORE, GPR, R(rip))                                                \
	SEGREGS(X)                                                                                 \
	X87(X)                                                                                     \
	X("xmm0", 128, "vec128", SSE, XMM, 0)                                                      \
	X("xmm1", 128, "vec128", SSE, XMM, 1)                                                      \
	X("xmm2", 128, "vec128", SSE, XMM, 2)                                                      \
	X("xmm3", 128, "vec128", SSE, XMM, 3)                                                      \
	X("xmm4", 128, "vec128", SSE, XMM, 4)                                                      \
	X("xmm5", 128, "vec128", SSE, XMM, 5)                                                      \
	X("xmm6", 128, "vec128", SSE, XMM, 6)                                                      \
	X("xmm7", 128, "vec128", SSE, XMM, 7)                                                      \
	X("mxcsr", 32, "i386_mxcsr", SSE, MXCSR, 0)

#define AMD64(X)                                                                                   \
	X("rax", 64, "int64", CORE, GPR, R(rax))                                                   \
	X("rbx", 64, "int64", CORE, GPR, R(rbx))                                                   \
	X("rcx", 64, "int64", CORE, GPR, R(rcx))                                                   \
	X("rdx", 64, "int64", CORE, GPR, R(rdx))                                                   \
	X("rsi", 64, "int64", CORE, GPR, R(rsi))                                                   \
	X("rdi", 64, "int64", CORE, GPR, R(rdi))                                                   \
	X("rbp", 64, "data_ptr", CORE, GPR, R(rbp))                                                \
	X("rsp", 64, "data_ptr", CORE, GPR, R(rsp))                                                \
	X("r8", 64, "int64", CORE, GPR, R(r8))                                                     \
	X("r9", 64, "int64", CORE, GPR, R(r9))                                                     \
	X("r10", 64, "int64", CORE, GPR, R(r10))                                                   \
	X("r11", 64, "int64", CORE, GPR, R(r11))                                                   \
	X("r12", 64, "int64", CORE, GPR, R(r12))                                                   \
	X("r13", 64, "int64", CORE, GPR, R(r13))                                                   \
	X("r14", 64, "int64", CORE, GPR, R(r14))                                                   \
	X("r15", 64, "int64", CORE, GPR, R(r15))                                                   \
	X("rip", 64, "code_ptr", CORE, GPR, R(rip))                                                \
	SEGREGS(X)                                                                                 \
	X87(X)                                                                                     \
	X("xmm0", 128, "vec128", SSE, XMM, 0)                                                      \
	X("xmm1", 128, "vec128", SSE, XMM, 1)                                                      \
	X("xmm2", 128, "vec128", SSE, XMM, 2)                                                      \
	X("xmm3", 128, "vec128", SSE, XMM, 3)                                                      \
	X("xmm4", 128, "vec128", SSE, XMM, 4)                                                      \
	X("xmm5", 128, "vec128", SSE, XMM, 5)                                                      \
	X("xmm6", 128, "vec128", SSE, XMM, 6)                                                      \
	X("xmm7", 128, "vec128", SSE, XMM, 7)                                                      \
	X("xmm8", 128, "vec128", SSE, XMM, 8)                                                      \
	X("xmm9", 128, "vec128", SSE, XMM, 9)                                                      \
	X("xmm10", 128, "vec128", SSE, XMM, 10)                                                    \
	X("xmm11", 128, "vec128", SSE, XMM, 11)                                                    \
	X("xmm12", 128, "vec128", SSE, XMM, 12)                                                    \
	X("xmm13", 128, "vec128", SSE, XMM, 13)                                                    \
	X("xmm14", 128, "vec128", SSE, XMM, 14)                                                    \
	X("xmm15", 128, "vec128", SSE, XMM, 15)                                                    \
	X("mxcsr", 32, "i386_mxcsr", SSE, MXCSR, 0)                                                \
	X("fs_base", 64, "int", SEGS, SEGBASE, S(fs))                                              \
	X("gs_base", 64, "int", SEGS, SEGBASE, S(gs))

#define DESC(name, bits, type, feat, src, off) {name, bits, type, feat},
#define SRC(name, bits, type, feat, src, off)  {src, off},

static const struct rsp_reg i386_regs[] = {I386(DESC)};
static const struct x86_reg i386_src[] = {I386(SRC)};
static const struct rsp_reg amd64_regs[] = {AMD64(DESC)};
static const struct x86_reg amd64_src[] = {AMD64(SRC)};
_Static_assert(sizeof(i386_regs) / sizeof(i386_regs[0]) == 41, "gdb's i386 core+sse: 41");
_Static_assert(sizeof(amd64_regs) / sizeof(amd64_regs[0]) == 59, "amd64 core+sse+segments");

/* The types gdb's own features define (the same XML, shortened where only names show). */
static const struct rsp_feature x86_features[] = {
    {CORE, "<flags id=\"i386_eflags\" size=\"4\">"
	   "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
	   "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
	   "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
	   "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
	   "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" "
	   "end=\"11\"/><field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" "
	   "start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/>"
	   "<field name=\"AC\" start=\"18\" end=\"18\"/><field name=\"VIF\" start=\"19\" "
	   "end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/><field name=\"ID\" "
	   "start=\"21\" end=\"21\"/></flags>\n"},
    {SSE, "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	  "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	  "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	  "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	  "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	  "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	  "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	  "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	  "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	  "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
	  "</union>"
	  "<flags id=\"i386_mxcsr\" size=\"4\">"
	  "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
	  "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
	  "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
	  "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
	  "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
	  "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" "
	  "end=\"11\"/><field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" "
	  "start=\"15\" end=\"15\"/></flags>\n"},
};

const struct rsp_arch gdb_x86_i386 = {"i386", i386_regs, sizeof(i386_regs) / sizeof(i386_regs[0]),
				      x86_features, 2};
const struct rsp_arch gdb_x86_amd64 = {"i386:x86-64", amd64_regs,
				       sizeof(amd64_regs) / sizeof(amd64_regs[0]), x86_features, 2};

#define EFER_LMA 0x400

const struct rsp_arch *gdb_x86_arch_for(const struct kvm_sregs *s)
{
	return s->efer & EFER_LMA ? &gdb_x86_amd64 : &gdb_x86_i386;
}

int gdb_x86_is_amd64(const struct rsp_arch *a)
{
	return a == &gdb_x86_amd64;
}

static const struct x86_reg *arch_src(const struct rsp_arch *a)
{
	return a == &gdb_x86_amd64 ? amd64_src : a == &gdb_x86_i386 ? i386_src : NULL;
}

/*
 * gdb's full tag word from FXSAVE's abridged one (SDM vol. 1, 10.5.1.1): an empty register
 * is 11b; a non-empty one is shown as valid (00b), not told apart from zero or special.
 */
static uint64_t ftag_full(uint8_t abridged)
{
	uint64_t t = 0;

	for (int i = 0; i < 8; i++)
		if (!(abridged & (1 << i)))
			t |= 3ULL << (2 * i);
	return t;
}

static uint8_t ftag_abridged(uint64_t full)
{
	uint8_t t = 0;

	for (int i = 0; i < 8; i++)
		if (((full >> (2 * i)) & 3) != 3)
			t |= (uint8_t)(1 << i);
	return t;
}

/* One register's value (registers up to 64 bits) or bytes (st, xmm). */
static uint64_t reg_get(const struct x86_reg *x, const struct gdb_x86_state *s)
{
	const uint8_t *base = (const uint8_t *)s;
	const struct kvm_fpu *f = &s->fpu;
	uint64_t v;

	switch (x->src) {
	case GPR:
	case SEGBASE: /* kvm_segment's base is its first field */
		memcpy(&v, base + x->off, 8);
		return v;
	case FLAGS:
		return s->regs.rflags;
	case SEG:
		return ((const struct kvm_segment *)(base + x->off))->selector;
	case FCW:
		return f->fcw;
	case FSW:
		return f->fsw;
	case FTAG:
		return ftag_full(f->ftwx);
	case FISEG:
		return (f->last_ip >> 32) & 0xffff;
	case FIOFF:
		return (uint32_t)f->last_ip;
	case FOSEG:
		return (f->last_dp >> 32) & 0xffff;
	case FOOFF:
		return (uint32_t)f->last_dp;
	case FOP:
		return f->last_opcode;
	case MXCSR:
		return f->mxcsr;
	}
	return 0;
}

/* v into the register, keeping the bits above its width in the description (bytes). */
static int reg_set(const struct x86_reg *x, struct gdb_x86_state *s, uint64_t v, int bytes)
{
	uint64_t keep = bytes >= 8 ? 0 : ~0ULL << (8 * bytes);
	uint8_t *base = (uint8_t *)s;
	struct kvm_fpu *f = &s->fpu;
	uint64_t old;

	switch (x->src) {
	case GPR:
	case SEGBASE:
		memcpy(&old, base + x->off, 8);
		v = (old & keep) | (v & ~keep);
		memcpy(base + x->off, &v, 8);
		return 0;
	case FLAGS:
		s->regs.rflags = (s->regs.rflags & keep) | (v & ~keep);
		return 0;
	case SEG:
		return v == ((struct kvm_segment *)(base + x->off))->selector ? 0 : -EPERM;
	case FCW:
		f->fcw = (uint16_t)v;
		return 0;
	case FSW:
		f->fsw = (uint16_t)v;
		return 0;
	case FTAG:
		f->ftwx = ftag_abridged(v);
		return 0;
	case FISEG:
		f->last_ip = (f->last_ip & 0xffffffffULL) | (v & 0xffff) << 32;
		return 0;
	case FIOFF:
		f->last_ip = (f->last_ip & ~0xffffffffULL) | (uint32_t)v;
		return 0;
	case FOSEG:
		f->last_dp = (f->last_dp & 0xffffffffULL) | (v & 0xffff) << 32;
		return 0;
	case FOOFF:
		f->last_dp = (f->last_dp & ~0xffffffffULL) | (uint32_t)v;
		return 0;
	case FOP:
		f->last_opcode = (uint16_t)v;
		return 0;
	case MXCSR:
		f->mxcsr = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}

int gdb_x86_pack(const struct rsp_arch *a, const struct gdb_x86_state *s, uint8_t *buf, size_t len)
{
	const struct x86_reg *src = arch_src(a);
	size_t off = 0;

	if (!src || len < rsp_regs_size(a))
		return -EINVAL;
	for (int i = 0; i < a->nr_regs; i++) {
		int n = a->regs[i].bits / 8;

		if (src[i].src == ST)
			memcpy(buf + off, s->fpu.fpr[src[i].off], 10);
		else if (src[i].src == XMM)
			memcpy(buf + off, s->fpu.xmm[src[i].off], 16);
		else
			le_put(buf + off, reg_get(&src[i], s), n);
		off += n;
	}
	return 0;
}

int gdb_x86_unpack(const struct rsp_arch *a, struct gdb_x86_state *s, const uint8_t *buf,
		   size_t len)
{
	const struct x86_reg *src = arch_src(a);
	size_t off = 0;
	int err;

	if (!src || len < rsp_regs_size(a))
		return -EINVAL;
	for (int i = 0; i < a->nr_regs; i++) {
		int n = a->regs[i].bits / 8;

		if (src[i].src == ST)
			memcpy(s->fpu.fpr[src[i].off], buf + off, 10);
		else if (src[i].src == XMM)
			memcpy(s->fpu.xmm[src[i].off], buf + off, 16);
		else if ((err = reg_set(&src[i], s, le_get(buf + off, n), n)))
			return err;
		off += n;
	}
	return 0;
}

/* --- debug registers (SDM vol. 3, 18.2.4: DR7's L/G, R/W and LEN fields) ------------------ */

static int dr_rw(enum rsp_bp type)
{
	switch (type) {
	case RSP_BP_HW:
		return 0; /* instruction execution */
	case RSP_WP_WRITE:
		return 1;
	default:
		return 3; /* reads or writes: x86 has no read-only watch (18.2.4) */
	}
}

static int dr_len(uint64_t len)
{
	switch (len) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 3;
	case 8:
		return 2; /* 18.2.5: 8 bytes in 64-bit mode and where the CPU has it */
	}
	return -1;
}

int gdb_x86_dr_insert(struct gdb_x86_dr *d, enum rsp_bp type, uint64_t addr, uint64_t len)
{
	if (type == RSP_BP_HW)
		len = 1; /* the kind is the instruction length gdb guesses: LEN must be 00b */
	if (type == RSP_BP_SW || dr_len(len) < 0 || addr % len)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (d->used & (1 << i))
			continue;
		d->used |= (uint8_t)(1 << i);
		d->addr[i] = addr;
		d->type[i] = (uint8_t)type;
		d->len[i] = (uint8_t)len;
		return 0;
	}
	return -ENOSPC;
}

int gdb_x86_dr_remove(struct gdb_x86_dr *d, enum rsp_bp type, uint64_t addr, uint64_t len)
{
	if (type == RSP_BP_HW)
		len = 1;
	for (int i = 0; i < 4; i++) {
		if ((d->used & (1 << i)) && d->addr[i] == addr && d->type[i] == type &&
		    d->len[i] == len) {
			d->used &= (uint8_t) ~(1 << i);
			return 0;
		}
	}
	return -ENOENT;
}

uint64_t gdb_x86_dr7(const struct gdb_x86_dr *d)
{
	uint64_t dr7 = 0;

	for (int i = 0; i < 4; i++) {
		if (!(d->used & (1 << i)))
			continue;
		dr7 |= 2ULL << (2 * i); /* G_i: global, kept across the guest's task switches */
		dr7 |= (uint64_t)dr_rw(d->type[i]) << (16 + 4 * i);
		dr7 |= (uint64_t)dr_len(d->len[i]) << (18 + 4 * i);
	}
	if (dr7)
		dr7 |= 0x600; /* GE (exact, 18.2.4) and bit 10, which reads as 1 */
	return dr7;
}

void gdb_x86_classify(const struct kvm_debug_exit_arch *e, const struct gdb_x86_dr *d,
		      struct rsp_stop *s)
{
	s->signal = 5; /* SIGTRAP */
	s->why = RSP_STOP_SIGNAL;
	s->addr = 0;
	if (e->exception == 3) { /* #BP: one of our int3s */
		s->why = RSP_STOP_SWBREAK;
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (!(e->dr6 & (1u << i)) || !(d->used & (1 << i)))
			continue;
		switch (d->type[i]) {
		case RSP_BP_HW:
			s->why = RSP_STOP_HWBREAK;
			return;
		case RSP_WP_WRITE:
			s->why = RSP_STOP_WATCH;
			break;
		case RSP_WP_READ:
			s->why = RSP_STOP_RWATCH;
			break;
		default:
			s->why = RSP_STOP_AWATCH;
		}
		s->addr = d->addr[i];
		return;
	}
	/* DR6.BS (18.2.3), or nothing we set: a plain SIGTRAP, which a step expects */
}
