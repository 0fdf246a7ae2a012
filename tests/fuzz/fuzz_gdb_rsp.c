/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is the debugger at the other end of --gdb's socket. Its input
 * is the byte stream, fed in pieces whose sizes the input's first byte seeds, to the protocol
 * layer (vmm/gdb_rsp.c) over the x86 register code (vmm/gdb_x86.c) and a fake machine of two
 * threads and 256 bytes of memory at 0x1000. ASan and UBSan watch every parse; what must
 * hold whatever the peer sends is checked as it goes:
 *   - every packet the stub sends is framed ($...#xx) with the right checksum, within the
 *     buffer it advertised;
 *   - the target is asked only about threads 1 and 2 and about memory it has;
 *   - a resume is asked only while stopped, an interrupt only while running.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/gdb_rsp.h"
#include "vmm/gdb_x86.h"

static struct gdb_x86_state st[2];
static uint8_t mem[256];
static struct gdb_x86_dr dr;
static struct rsp R;

static void check(int ok)
{
	if (!ok)
		abort();
}

static const struct rsp_arch *f_arch(void *t)
{
	return t ? &gdb_x86_amd64 : &gdb_x86_i386;
}
static int f_nr(void *t)
{
	(void)t;
	return 2;
}
static int f_rregs(void *t, int th, uint8_t *b, size_t n)
{
	check(th == 1 || th == 2);
	return gdb_x86_pack(f_arch(t), &st[th - 1], b, n);
}
static int f_wregs(void *t, int th, const uint8_t *b, size_t n)
{
	check(th == 1 || th == 2);
	return gdb_x86_unpack(f_arch(t), &st[th - 1], b, n);
}
static int f_mem(uint64_t a, size_t n)
{
	return a >= 0x1000 && n <= sizeof(mem) && a - 0x1000 <= sizeof(mem) - n;
}
static int f_rmem(void *t, int th, uint64_t a, uint8_t *b, size_t n)
{
	(void)t;
	check(th == 1 || th == 2);
	if (!f_mem(a, n))
		return -EFAULT;
	memcpy(b, mem + (a - 0x1000), n);
	return 0;
}
static int f_wmem(void *t, int th, uint64_t a, const uint8_t *b, size_t n)
{
	(void)t;
	check(th == 1 || th == 2);
	if (!f_mem(a, n))
		return -EFAULT;
	memcpy(mem + (a - 0x1000), b, n);
	return 0;
}
static int f_insert(void *t, enum rsp_bp ty, uint64_t a, uint64_t k)
{
	(void)t;
	check(ty <= RSP_WP_ACCESS);
	return ty == RSP_BP_SW ? -ENOSYS : gdb_x86_dr_insert(&dr, ty, a, k);
}
static int f_remove(void *t, enum rsp_bp ty, uint64_t a, uint64_t k)
{
	(void)t;
	check(ty <= RSP_WP_ACCESS);
	return ty == RSP_BP_SW ? -ENOSYS : gdb_x86_dr_remove(&dr, ty, a, k);
}
static int f_resume(void *t, int th, int step)
{
	(void)t;
	check(!R.running);
	check(step ? th == 1 || th == 2 : th == -1);
	return 0;
}
static void f_interrupt(void *t)
{
	(void)t;
	check(R.running);
}
static void f_none(void *t)
{
	(void)t;
}
static void f_info(void *t, int th, char *b, size_t n)
{
	(void)t;
	check(th == 1 || th == 2);
	snprintf(b, n, "vCPU %d", th - 1);
}

static const struct rsp_target_ops fops = {f_arch, f_nr,     f_rregs,  f_wregs,	 f_rmem,
					   f_wmem, f_insert, f_remove, f_resume, f_interrupt,
					   f_none, f_none,   f_info};

static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* What the stub sends: acks, or whole packets with their checksum. */
static int f_send(void *c, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint8_t sum = 0;

	(void)c;
	if (n == 1 && (p[0] == '+' || p[0] == '-'))
		return 0;
	check(n >= 4 && n <= sizeof(R.out) && p[0] == '$' && p[n - 3] == '#');
	for (size_t i = 1; i < n - 3; i++)
		sum += p[i];
	check(hexv(p[n - 2]) == sum >> 4 && hexv(p[n - 1]) == (sum & 15));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned seed;

	if (size < 1)
		return 0;
	seed = data[0];
	memset(st, 0, sizeof(st));
	memset(&dr, 0, sizeof(dr));
	rsp_init(&R, &fops, (void *)(uintptr_t)(seed & 1), f_send, NULL);
	data++, size--;
	while (size && !R.closed) {
		size_t n = 1 + (seed = seed * 1103515245 + 12345) % 64;

		if (n > size)
			n = size;
		rsp_feed(&R, data, n);
		data += n, size -= n;
		if (R.running && (seed >> 16) % 4 == 0) /* the target stops now and then */
			rsp_stopped(&R, &(struct rsp_stop){.signal = 5,
							   .thread = 1 + (seed >> 20) % 2,
							   .why = (enum rsp_why)((seed >> 8) % 6),
							   .addr = seed});
	}
	return 0;
}
