/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol (gdb's manual, appendix E "GDB Remote Serial Protocol"),
 * without any I/O or KVM: bytes in (rsp_feed), bytes out (the send callback), and a small
 * target interface the packets are turned into calls of. vmm/gdb.c is the KVM target;
 * tests/unit/test_gdb_rsp.c drives it with packet transcripts.
 *
 * Threads are numbered from 1 (thread N is vCPU N-1): RSP reserves 0 ("any") and -1 ("all").
 */
#ifndef VMM_GDB_RSP_H
#define VMM_GDB_RSP_H

#include <stddef.h>
#include <stdint.h>

/* Our advertised PacketSize (hex 0x4000): the largest packet either side sends. */
#define RSP_MAX_PACKET 16384

/* One register of a target description, in the g packet's order. */
struct rsp_reg {
	const char *name;
	uint16_t bits;
	const char *type;    /* gdb's type name, or an id the feature's <types> define */
	const char *feature; /* the <feature name=...> it belongs to */
};

/* The types a feature's registers use beyond gdb's own (gdb looks them up per feature). */
struct rsp_feature {
	const char *name;
	const char *types; /* XML: <flags>, <vector>, <union> elements */
};

/* A target description: gdb's <architecture> and its registers (target.xml). */
struct rsp_arch {
	const char *arch; /* "i386", "i386:x86-64" */
	const struct rsp_reg *regs;
	int nr_regs;
	const struct rsp_feature *features; /* those with types of their own */
	int nr_features;
};

/* Z/z packet types (E.7 "Z type,addr,kind") */
enum rsp_bp { RSP_BP_SW, RSP_BP_HW, RSP_WP_WRITE, RSP_WP_READ, RSP_WP_ACCESS };

/* Why the target stopped, for the T packet (E.3 "Stop Reply Packets"). */
enum rsp_why {
	RSP_STOP_SIGNAL,
	RSP_STOP_SWBREAK,
	RSP_STOP_HWBREAK,
	RSP_STOP_WATCH,
	RSP_STOP_RWATCH,
	RSP_STOP_AWATCH
};

struct rsp_stop {
	int signal; /* 5 SIGTRAP, 2 SIGINT */
	int thread; /* 1-based */
	enum rsp_why why;
	uint64_t addr; /* the watched address for the watch kinds */
};

/*
 * What the protocol asks of a target. Each returns 0 or -errno (answered "Exx"); -ENOSYS is
 * "not supported" (the empty reply). Threads are 1-based; every call but interrupt, detach
 * and kill is made while the target is stopped (those three may come while it runs).
 */
struct rsp_target_ops {
	/* The description for this connection, asked once at its first use. */
	const struct rsp_arch *(*arch)(void *t);
	int (*nr_threads)(void *t);
	/* The registers of thread in the layout of arch (little-endian, table order). */
	int (*read_regs)(void *t, int thread, uint8_t *buf, size_t len);
	int (*write_regs)(void *t, int thread, const uint8_t *buf, size_t len);
	/* Guest-virtual memory as thread sees it: all of it, or -EFAULT. */
	int (*read_mem)(void *t, int thread, uint64_t addr, uint8_t *buf, size_t len);
	int (*write_mem)(void *t, int thread, uint64_t addr, const uint8_t *buf, size_t len);
	int (*insert)(void *t, enum rsp_bp type, uint64_t addr, uint64_t kind);
	int (*remove)(void *t, enum rsp_bp type, uint64_t addr, uint64_t kind);
	/* Let the target go: step thread alone, or (step 0) everything. A stop comes later,
	 * through rsp_stopped. */
	int (*resume)(void *t, int thread, int step);
	/* Ctrl-C while running: stop everything soon (then rsp_stopped, signal 2). */
	void (*interrupt)(void *t);
	void (*detach)(void *t);
	void (*kill)(void *t);
	/* qThreadExtraInfo: a few words on the thread, into buf (NUL-terminated). */
	void (*thread_info)(void *t, int thread, char *buf, size_t len);
};

struct rsp {
	const struct rsp_target_ops *ops;
	void *t;
	/* Bytes for the peer; returns 0, or -1 when the connection is gone. */
	int (*send)(void *conn, const void *buf, size_t len);
	void *conn;

	const struct rsp_arch *arch; /* once asked */
	int g_thread, c_thread;	     /* Hg, Hc: 1-based, 0 any, -1 all */
	int running;		     /* resumed: a stop reply is owed */
	int no_ack;		     /* QStartNoAckMode */
	int swbreak, hwbreak;	     /* gdb said it understands these stop reasons */
	int closed;		     /* detached or killed: the connection is to go */
	struct rsp_stop last;	     /* for '?' */
	unsigned long malformed;     /* packets thrown away: bad checksum, too long, bad syntax */

	/* the packet being received */
	enum { RSP_IDLE, RSP_DATA, RSP_ESC, RSP_CSUM1, RSP_CSUM2 } state;
	uint8_t in[RSP_MAX_PACKET];
	size_t in_len;
	int overflow;
	uint8_t sum, csum;

	/* the last packet sent, for a '-' */
	uint8_t out[2 * RSP_MAX_PACKET + 8];
	size_t out_len;
};

void rsp_init(struct rsp *r, const struct rsp_target_ops *ops, void *t,
	      int (*send)(void *conn, const void *buf, size_t len), void *conn);
/* Bytes from the peer, any number, split anywhere. */
void rsp_feed(struct rsp *r, const uint8_t *buf, size_t len);
/* The target stopped (after a resume or an interrupt): the stop reply. */
void rsp_stopped(struct rsp *r, const struct rsp_stop *s);
/* The target is gone: W (exit status) or X (signal). */
void rsp_exited(struct rsp *r, int status, int signal);
/* A line for gdb's console (an O packet), as long as the target is running or about to stop. */
void rsp_console(struct rsp *r, const char *text);
/* The target.xml of an arch into buf; its length, or -ENOSPC. */
long rsp_target_xml(const struct rsp_arch *a, char *buf, size_t len);
/* Bytes of one g packet of arch a; the offset and size of register n. */
size_t rsp_regs_size(const struct rsp_arch *a);
int rsp_reg_slice(const struct rsp_arch *a, int n, size_t *off, size_t *size);

#endif
