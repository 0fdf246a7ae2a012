/* SPDX-License-Identifier: MIT */
/*
 * The gdb stub's protocol layer (vmm/gdb_rsp.c) and its x86 registers (vmm/gdb_x86.c), driven
 * by packet transcripts against a fake target: what gdb sends, byte for byte, and what must
 * come back; malformed packets (bad checksums, bad hex, overlong, truncated fields) answered
 * or dropped without touching the target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/gdb_rsp.h"
#include "vmm/gdb_x86.h"

/* A fake machine: 2 threads, 64 bytes of memory at 0x1000, registers in a gdb_x86_state. */
struct fake {
	struct gdb_x86_state st[2];
	uint8_t mem[64];
	char out[8 * RSP_MAX_PACKET];
	size_t out_len;
	int resumed, resume_thread, resume_step, interrupted, detached, killed;
	struct gdb_x86_dr dr;
	const struct rsp_arch *arch;
};

static const struct rsp_arch *f_arch(void *t)
{
	return ((struct fake *)t)->arch;
}
static int f_nr(void *t)
{
	(void)t;
	return 2;
}
static int f_rregs(void *t, int th, uint8_t *b, size_t n)
{
	struct fake *f = t;

	return gdb_x86_pack(f->arch, &f->st[th - 1], b, n);
}
static int f_wregs(void *t, int th, const uint8_t *b, size_t n)
{
	struct fake *f = t;

	return gdb_x86_unpack(f->arch, &f->st[th - 1], b, n);
}
static int f_rmem(void *t, int th, uint64_t a, uint8_t *b, size_t n)
{
	struct fake *f = t;

	(void)th;
	if (a < 0x1000 || a + n > 0x1000 + sizeof(f->mem) || a + n < a)
		return -EFAULT;
	memcpy(b, f->mem + (a - 0x1000), n);
	return 0;
}
static int f_wmem(void *t, int th, uint64_t a, const uint8_t *b, size_t n)
{
	struct fake *f = t;

	(void)th;
	if (a < 0x1000 || a + n > 0x1000 + sizeof(f->mem) || a + n < a)
		return -EFAULT;
	memcpy(f->mem + (a - 0x1000), b, n);
	return 0;
}
static int f_insert(void *t, enum rsp_bp ty, uint64_t a, uint64_t k)
{
	return ty == RSP_BP_SW ? -ENOSYS : gdb_x86_dr_insert(&((struct fake *)t)->dr, ty, a, k);
}
static int f_remove(void *t, enum rsp_bp ty, uint64_t a, uint64_t k)
{
	return ty == RSP_BP_SW ? -ENOSYS : gdb_x86_dr_remove(&((struct fake *)t)->dr, ty, a, k);
}
static int f_resume(void *t, int th, int step)
{
	struct fake *f = t;

	f->resumed++, f->resume_thread = th, f->resume_step = step;
	return 0;
}
static void f_interrupt(void *t)
{
	((struct fake *)t)->interrupted++;
}
static void f_detach(void *t)
{
	((struct fake *)t)->detached++;
}
static void f_kill(void *t)
{
	((struct fake *)t)->killed++;
}
static void f_info(void *t, int th, char *b, size_t n)
{
	(void)t;
	snprintf(b, n, "vCPU %d", th - 1);
}

static const struct rsp_target_ops fops = {f_arch,   f_nr,     f_rregs,	 f_wregs,  f_rmem,
					   f_wmem,   f_insert, f_remove, f_resume, f_interrupt,
					   f_detach, f_kill,   f_info};

static int f_send(void *c, const void *b, size_t n)
{
	struct fake *f = c;

	assert_true(f->out_len + n < sizeof(f->out));
	memcpy(f->out + f->out_len, b, n);
	f->out_len += n;
	f->out[f->out_len] = 0;
	return 0;
}

static struct fake F;
static struct rsp R;

static void setup(const struct rsp_arch *a)
{
	memset(&F, 0, sizeof(F));
	F.arch = a;
	for (int i = 0; i < 64; i++)
		F.mem[i] = (uint8_t)i;
	rsp_init(&R, &fops, &F, f_send, &F);
}

/* "$data#cs" for data */
static void frame(char *b, size_t n, const char *data)
{
	uint8_t sum = 0;

	for (const char *p = data; *p; p++)
		sum += (uint8_t)*p;
	snprintf(b, n, "$%s#%02x", data, sum);
}

/* One packet from gdb; what the stub answered (its ack and packet), reset after. */
static const char *ask(const char *data)
{
	static char got[sizeof(F.out)];
	char b[RSP_MAX_PACKET + 8];

	frame(b, sizeof(b), data);
	F.out_len = 0;
	F.out[0] = 0;
	rsp_feed(&R, (const uint8_t *)b, strlen(b));
	strcpy(got, F.out);
	return got;
}

static void expect_reply(const char *data, const char *reply)
{
	char b[RSP_MAX_PACKET + 8];

	b[0] = '+';
	frame(b + 1, sizeof(b) - 1, reply);
	assert_string_equal(ask(data), b);
}

static void test_supported_and_features(void **s)
{
	(void)s;
	setup(&gdb_x86_i386);
	expect_reply("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386",
		     "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+");
	assert_true(R.swbreak && R.hwbreak);
	/* the description, in pieces as gdb reads it: m... then l */
	const char *a = ask("qXfer:features:read:target.xml:0,20");
	assert_string_equal(a + 35, "#8b"); /* 3 + 32 bytes, then the checksum */
	assert_memory_equal(a, "+$m<?xml version=\"1.0\"?>\n<!DOCTYPE ", 35);
	a = ask("qXfer:features:read:target.xml:0,3ffb");
	assert_non_null(strstr(a, "+$l"));
	assert_non_null(strstr(a, "<architecture>i386</architecture>"));
	assert_non_null(
	    strstr(a, "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\" regnum=\"8\"/>"));
	assert_non_null(strstr(a, "<feature name=\"org.gnu.gdb.i386.sse\">\n<vector"));
	assert_null(strstr(a, "rip"));
	expect_reply("qXfer:features:read:other.xml:0,100", "E02");
	expect_reply("qXfer:features:read:target.xml:99999,100", "E16");
	expect_reply("qXfer:features:read:target.xml:0", "E16");
}

static void test_amd64_description(void **s)
{
	char xml[RSP_MAX_PACKET];
	long n = rsp_target_xml(&gdb_x86_amd64, xml, sizeof(xml));
	struct kvm_sregs sr = {.efer = 0x500};

	(void)s;
	assert_true(n > 0);
	assert_non_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	assert_non_null(
	    strstr(xml, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>"));
	assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.segments\">"));
	assert_int_equal(rsp_target_xml(&gdb_x86_amd64, xml, 100), -ENOSPC);
	/* the choice: EFER.LMA */
	assert_ptr_equal(gdb_x86_arch_for(&sr), &gdb_x86_amd64);
	sr.efer = 0x100; /* LME without LMA: not yet in long mode */
	assert_ptr_equal(gdb_x86_arch_for(&sr), &gdb_x86_i386);
	/* 16 GPRs + rip (8), eflags + 6 segs (4), 8 st (10), 8 x87 (4), 16 xmm + mxcsr, 2 bases */
	assert_int_equal(rsp_regs_size(&gdb_x86_amd64), 17 * 8 + 7 * 4 + 80 + 32 + 256 + 4 + 16);
	assert_int_equal(rsp_regs_size(&gdb_x86_i386), 16 * 4 + 80 + 32 + 128 + 4);
}

static void test_registers_i386(void **s)
{
	char want[2 * RSP_MAX_PACKET];
	const char *a;

	(void)s;
	setup(&gdb_x86_i386);
	F.st[0].regs.rax = 0x1122334455667788ULL;
	F.st[0].regs.rip = 0x100010;
	F.st[0].regs.rflags = 0x46;
	F.st[0].sregs.cs.selector = 0x10;
	F.st[1].regs.rax = 0xaa;
	a = ask("g");
	/* eax: the low half, little-endian; ecx..edi 0; eip */
	assert_memory_equal(a,
			    "+$88776655"
			    "00000000"
			    "00000000"
			    "00000000",
			    34);
	snprintf(want, sizeof(want), "%s", a + 2 + 8 * 8);
	assert_memory_equal(want,
			    "10001000"
			    "46000000"
			    "10000000",
			    24);
	expect_reply("p0", "88776655");
	expect_reply("p8", "10001000");
	expect_reply("p29", "E16");
	expect_reply("pzz", "E16");
	/* P: the low half changes, the high half stays */
	expect_reply("P0=efbeadde", "OK");
	assert_int_equal(F.st[0].regs.rax, 0x11223344deadbeefULL);
	expect_reply("P0=efbead", "E16"); /* short */
	/* a selector cannot be written: its descriptor is in the guest's GDT */
	expect_reply("Pa=18000000", "E01");
	expect_reply("Pa=10000000", "OK"); /* the same value is no change */
	/* Hg: thread 2's registers */
	expect_reply("Hg2", "OK");
	expect_reply("p0", "aa000000");
	expect_reply("Hg3", "E16");
	expect_reply("Hgx", "E16");
	expect_reply("Hg-1", "OK");
	expect_reply("Hc0", "OK");
	/* G with the wrong length */
	expect_reply("G00", "E16");
}

static void test_fpu_pack(void **s)
{
	struct gdb_x86_state st = {0}, back;
	uint8_t buf[1024];
	size_t off, size;

	(void)s;
	st.fpu.fcw = 0x37f;
	st.fpu.ftwx = 0x01; /* st0's physical register in use */
	st.fpu.mxcsr = 0x1f80;
	st.fpu.fpr[0][0] = 0x12;
	st.fpu.xmm[15][15] = 0x99;
	st.sregs.fs.base = 0xfffff000;
	assert_int_equal(gdb_x86_pack(&gdb_x86_amd64, &st, buf, sizeof(buf)), 0);
	assert_int_equal(rsp_reg_slice(&gdb_x86_amd64, 24, &off, &size), 0); /* st0 */
	assert_int_equal(size, 10);
	assert_int_equal(buf[off], 0x12);
	assert_int_equal(rsp_reg_slice(&gdb_x86_amd64, 34, &off, &size), 0); /* ftag */
	assert_int_equal(buf[off] | buf[off + 1] << 8, 0xfffc);		     /* only st0 valid */
	assert_int_equal(rsp_reg_slice(&gdb_x86_amd64, 55, &off, &size), 0); /* xmm15 */
	assert_int_equal(buf[off + 15], 0x99);
	assert_int_equal(rsp_reg_slice(&gdb_x86_amd64, 57, &off, &size), 0); /* fs_base */
	assert_int_equal(buf[off + 3], 0xff);
	back = st;
	memset(&back.fpu, 0, sizeof(back.fpu));
	assert_int_equal(gdb_x86_unpack(&gdb_x86_amd64, &back, buf, sizeof(buf)), 0);
	assert_int_equal(back.fpu.ftwx, 0x01);
	assert_int_equal(back.fpu.fcw, 0x37f);
	assert_int_equal(back.fpu.mxcsr, 0x1f80);
	assert_int_equal(back.fpu.xmm[15][15], 0x99);
	assert_int_equal(gdb_x86_pack(&gdb_x86_amd64, &st, buf, 10), -EINVAL);
}

static void test_memory(void **s)
{
	(void)s;
	setup(&gdb_x86_i386);
	expect_reply("m1000,4", "00010203");
	expect_reply("m103e,2", "3e3f");
	expect_reply("m103e,3", "E0e"); /* past the end: EFAULT */
	expect_reply("m0,1", "E0e");
	expect_reply("mffffffffffffffff,10", "E0e");
	expect_reply("m1000,ffffffff", "E16");	     /* more than a packet holds */
	expect_reply("m11111111111111111,1", "E16"); /* 17 digits */
	expect_reply("m1000", "E16");
	expect_reply("m1000,", "E16");
	expect_reply("M1000,2:abcd", "OK");
	assert_int_equal(F.mem[0], 0xab);
	assert_int_equal(F.mem[1], 0xcd);
	expect_reply("M1000,2:abc", "E16");
	expect_reply("M1000,2:abxd", "E16");
	expect_reply("M1000,2", "E16");
	/* X: binary, '}' escapes: 0x7d 0x5d is ']' ^ 0x20 = '}' */
	expect_reply("X1004,0:", "OK");
	expect_reply("X1004,2:}]A", "OK");
	assert_int_equal(F.mem[4], '}');
	assert_int_equal(F.mem[5], 'A');
	expect_reply("X1004,3:A", "E16");
}

static void test_breakpoints_and_resume(void **s)
{
	(void)s;
	setup(&gdb_x86_i386);
	expect_reply("Z0,100000,1", ""); /* the target said not supported */
	expect_reply("Z1,10004a,1", "OK");
	expect_reply("Z2,2000,4", "OK");
	expect_reply("Z2,2001,4", "E16"); /* unaligned */
	expect_reply("Z2,2000,3", "E16");
	expect_reply("Z4,3000,8", "OK");
	expect_reply("Z3,4000,1", "OK");
	expect_reply("Z1,5000,1", "E1c"); /* four debug registers: ENOSPC */
	expect_reply("Z9,5000,1", "");
	expect_reply("Z1,5000", "E16");
	expect_reply("Z1,5000,1X", "E16");
	/* DR7: G0 exec; G1 write 4 bytes; G2 access 8 bytes; G3 access 1 byte; GE and bit 10 */
	assert_int_equal(gdb_x86_dr7(&F.dr), 0x2 | 0x8 | 0x20 | 0x80 | 0x600 | (0xdULL << 20) |
						 (0xbULL << 24) | (0x3ULL << 28));
	expect_reply("z2,2000,4", "OK");
	expect_reply("z2,2000,4", "E02");
	/* s: the Hc thread; c: everything; no reply until the stop */
	expect_reply("Hc2", "OK");
	assert_string_equal(ask("s"), "+");
	assert_int_equal(F.resume_thread, 2);
	assert_int_equal(F.resume_step, 1);
	assert_true(R.running);
	/* while running: packets other than Ctrl-C are ignored, Ctrl-C interrupts */
	assert_string_equal(ask("g"), "+");
	rsp_feed(&R, (const uint8_t *)"\x03", 1);
	assert_int_equal(F.interrupted, 1);
	F.out_len = 0;
	rsp_stopped(&R, &(struct rsp_stop){.signal = 2, .thread = 2});
	assert_string_equal(F.out, "$T02thread:2;#d5");
	F.out_len = 0;
	/* a stop by a watchpoint names its address */
	assert_string_equal(ask("c"), "+");
	assert_int_equal(F.resume_thread, -1);
	F.out_len = 0;
	rsp_stopped(&R, &(struct rsp_stop){
			    .signal = 5, .thread = 1, .why = RSP_STOP_WATCH, .addr = 0x2000});
	assert_string_equal(F.out, "$T05thread:1;watch:2000;#25");
	expect_reply("?", "T05thread:1;watch:2000;");
	/* c ADDR: from there */
	assert_string_equal(ask("c100020"), "+");
	assert_int_equal(F.st[1].regs.rip, 0x100020); /* Hc2 still */
	rsp_stopped(&R, &(struct rsp_stop){.signal = 5, .thread = 1, .why = RSP_STOP_HWBREAK});
	/* hwbreak: only to a gdb that said hwbreak+ in qSupported (this one did not) */
	assert_non_null(strstr(F.out, "$T05thread:1;#"));
	R.hwbreak = 1;
	F.out_len = 0;
	rsp_stopped(&R, &(struct rsp_stop){.signal = 5, .thread = 1, .why = RSP_STOP_HWBREAK});
	assert_non_null(strstr(F.out, "$T05thread:1;hwbreak:;#"));
	expect_reply("cxyz", "E16");
}

static void test_classify(void **s)
{
	struct gdb_x86_dr d = {0};
	struct kvm_debug_exit_arch e = {.exception = 3};
	struct rsp_stop st;

	(void)s;
	gdb_x86_classify(&e, &d, &st);
	assert_int_equal(st.why, RSP_STOP_SWBREAK);
	assert_int_equal(gdb_x86_dr_insert(&d, RSP_BP_HW, 0x1000, 1), 0);
	assert_int_equal(gdb_x86_dr_insert(&d, RSP_WP_WRITE, 0x2000, 4), 0);
	e = (struct kvm_debug_exit_arch){.exception = 1, .dr6 = 0xffff0ff2};
	gdb_x86_classify(&e, &d, &st);
	assert_int_equal(st.why, RSP_STOP_WATCH);
	assert_int_equal(st.addr, 0x2000);
	e.dr6 = 0xffff0ff1;
	gdb_x86_classify(&e, &d, &st);
	assert_int_equal(st.why, RSP_STOP_HWBREAK);
	e.dr6 = 0xffff4ff0; /* BS: a step */
	gdb_x86_classify(&e, &d, &st);
	assert_int_equal(st.why, RSP_STOP_SIGNAL);
	assert_int_equal(st.signal, 5);
}

static void test_threads_and_queries(void **s)
{
	(void)s;
	setup(&gdb_x86_i386);
	expect_reply("qfThreadInfo", "m1,2");
	expect_reply("qsThreadInfo", "l");
	expect_reply("qThreadExtraInfo,2", "764350552031"); /* "vCPU 1" */
	expect_reply("qThreadExtraInfo,3", "E16");
	expect_reply("qC", "QC1");
	expect_reply("qAttached", "1");
	expect_reply("T2", "OK");
	expect_reply("T5", "E02");
	expect_reply("?", "T05thread:1;");
	expect_reply("vMustReplyEmpty", "");
	expect_reply("vCont?", "");
	expect_reply("qTStatus", "");
	expect_reply("!", "");
}

static void test_malformed_framing(void **s)
{
	static char big[RSP_MAX_PACKET + 100];

	(void)s;
	setup(&gdb_x86_i386);
	/* a bad checksum: '-', nothing dispatched */
	F.out_len = 0;
	rsp_feed(&R, (const uint8_t *)"$g#00", 5);
	assert_string_equal(F.out, "-");
	F.out_len = 0;
	rsp_feed(&R, (const uint8_t *)"$g#zz", 5);
	assert_string_equal(F.out, "-");
	/* '-' from gdb: our last packet again */
	expect_reply("qC", "QC1");
	F.out_len = 0;
	rsp_feed(&R, (const uint8_t *)"-", 1);
	assert_string_equal(F.out, "$QC1#c5");
	/* an overlong packet is thrown away whole */
	memset(big, 'm', sizeof(big) - 1);
	F.out_len = 0;
	rsp_feed(&R, (const uint8_t *)"$", 1);
	rsp_feed(&R, (const uint8_t *)big, strlen(big));
	rsp_feed(&R, (const uint8_t *)"#00", 3);
	assert_string_equal(F.out, "-");
	/* garbage between packets, a packet split byte by byte, then all is well */
	F.out_len = 0;
	rsp_feed(&R, (const uint8_t *)"+++xyz\x7f", 7);
	assert_int_equal(F.out_len, 0);
	const char *p = "$qC#b4";
	for (; *p; p++)
		rsp_feed(&R, (const uint8_t *)p, 1);
	assert_string_equal(F.out, "+$QC1#c5");
	assert_int_equal(R.malformed, 3);
	/* empty packet: the empty reply */
	expect_reply("", "");
	/* no-ack mode: no more '+' */
	expect_reply("QStartNoAckMode", "OK");
	assert_string_equal(ask("qC"), "$QC1#c5");
	/* a Ctrl-C while stopped is nothing */
	rsp_feed(&R, (const uint8_t *)"\x03", 1);
	assert_int_equal(F.interrupted, 0);
	assert_int_equal(F.resumed, 0);
}

static void test_detach_kill_exit(void **s)
{
	(void)s;
	setup(&gdb_x86_i386);
	expect_reply("D;1", "OK");
	assert_int_equal(F.detached, 1);
	assert_true(R.closed);
	/* once closed nothing more is read */
	assert_string_equal(ask("qC"), "");
	setup(&gdb_x86_i386);
	assert_string_equal(ask("k"), "+");
	assert_int_equal(F.killed, 1);
	/* while running, D and k are heard (the target stops itself to undo its breakpoints) */
	setup(&gdb_x86_i386);
	assert_string_equal(ask("c"), "+");
	assert_true(R.running);
	expect_reply("D", "OK");
	assert_int_equal(F.detached, 1);
	assert_false(R.running);
	assert_true(R.closed);
	setup(&gdb_x86_i386);
	assert_string_equal(ask("c"), "+");
	assert_string_equal(ask("k"), "+");
	assert_int_equal(F.killed, 1);
	setup(&gdb_x86_i386);
	F.out_len = 0;
	rsp_exited(&R, 15, 0);
	assert_string_equal(F.out, "$W0f#ed");
	setup(&gdb_x86_i386);
	F.out_len = 0;
	rsp_exited(&R, 0, 9);
	assert_string_equal(F.out, "$X09#c1");
	setup(&gdb_x86_i386);
	F.out_len = 0;
	rsp_console(&R, "hi\n");
	assert_string_equal(F.out, "$O68690a#bd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_supported_and_features),
	    cmocka_unit_test(test_amd64_description),
	    cmocka_unit_test(test_registers_i386),
	    cmocka_unit_test(test_fpu_pack),
	    cmocka_unit_test(test_memory),
	    cmocka_unit_test(test_breakpoints_and_resume),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_threads_and_queries),
	    cmocka_unit_test(test_malformed_framing),
	    cmocka_unit_test(test_detach_kill_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
