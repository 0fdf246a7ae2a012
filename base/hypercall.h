/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI between a bare-metal guest and this VMM, version 1: one header for
 * both sides (devices/hypercall.c in the VMM, guest/baremetal/hypercall.c in the guest
 * kit). docs/hypercalls.md explains it call by call.
 *
 * A call is one 32-bit OUT: call n writes the guest-physical address of its argument
 * block to port HC_PORT(n). Not VMCALL, because KVM answers VMCALL/VMMCALL itself (its
 * own paravirtual calls) and never hands one to user space; a port write is the cheapest
 * access KVM does hand back, one exit, as in Solo5's hvt. The block lives in guest RAM, so
 * a call of any size costs that one exit.
 *
 * Every block starts with struct hc_hdr, and the VMM writes the result there: 0, or a
 * negative HC_E* code. A block must be 8-byte aligned and lie wholly in guest RAM below
 * 4 GiB; one that does not gets no answer at all (the VMM logs it), which is why the guest
 * sets ret to HC_NOANSWER before it calls. Every address and length inside a block is
 * checked too (overflow included) before the VMM touches what it names.
 */
#ifndef BASE_HYPERCALL_H
#define BASE_HYPERCALL_H

#include <stdint.h>

#define HC_ABI_VERSION 1
#define HC_PORT_BASE   0x500
#define HC_NR_PORTS    16
#define HC_PORT(n)     (HC_PORT_BASE + (n))

enum hc_call {
	HC_VERSION = 0,	   /* struct hc_version: ask this first */
	HC_PUTS = 1,	   /* struct hc_puts: bytes to the VMM's standard output */
	HC_EXIT = 2,	   /* struct hc_exit: end the run with an exit status */
	HC_TIME = 3,	   /* struct hc_time: wall-clock and monotonic time */
	HC_BOOTINFO = 4,   /* struct hc_bootinfo: RAM, CPUs, command line, memory map */
	HC_DISK_INFO = 5,  /* struct hc_disk_info: the size of a --disk */
	HC_DISK_READ = 6,  /* struct hc_disk_io: sectors into guest RAM */
	HC_DISK_WRITE = 7, /* struct hc_disk_io: sectors from guest RAM */
	HC_DISK_FLUSH = 8, /* struct hc_disk_io (disk only): written sectors reach the host disk */
	HC_NR_CALLS
};

/* Results: Linux's errno values, negated. */
#define HC_OK	    0
#define HC_NOANSWER 1	/* the guest's preset: the VMM never saw the block */
#define HC_EIO	    -5	/* the host's disk failed */
#define HC_EFAULT   -14 /* an address or length in the block is not guest RAM */
#define HC_ENODEV   -19 /* no such disk */
#define HC_EINVAL   -22 /* a field out of range: not whole sectors, past the disk's end */
#define HC_ENOSPC   -28 /* the guest's buffer is too small: the sizes needed are filled in */
#define HC_EROFS    -30 /* a write to a read-only disk */
#define HC_ENOSYS   -38 /* no such call */

#define HC_SECTOR      512
#define HC_DISK_IO_MAX (1u << 20) /* bytes per read or write call */

/* aligned(8): every block is, in 32-bit guests (whose ABI aligns uint64_t to 4) too. */
struct hc_hdr {
	int32_t ret;
	uint32_t reserved;
} __attribute__((aligned(8)));

struct hc_version {
	struct hc_hdr h;
	uint32_t version;  /* out: HC_ABI_VERSION */
	uint32_t nr_calls; /* out: HC_NR_CALLS */
};

struct hc_puts {
	struct hc_hdr h;
	uint64_t data; /* guest-physical */
	uint64_t len;
};

struct hc_exit {
	struct hc_hdr h; /* never answered: the run ends */
	uint32_t status; /* the VMM's exit status, 0..255 */
	uint32_t reserved;
};

struct hc_time {
	struct hc_hdr h;
	uint64_t wall_ns;      /* out: since 1970-01-01 UTC (CLOCK_REALTIME) */
	uint64_t monotonic_ns; /* out: since the VM was made (CLOCK_MONOTONIC) */
};

struct hc_mmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* 1 RAM, 2 reserved, as e820 */
	uint32_t reserved;
};

struct hc_bootinfo {
	struct hc_hdr h;
	uint64_t ram_size;	/* out: bytes */
	uint32_t nr_cpus;	/* out */
	uint32_t nr_disks;	/* out: --disk images, for HC_DISK_* */
	uint64_t cmdline;	/* in: buffer (guest-physical), or 0 */
	uint32_t cmdline_cap;	/* in: its size */
	uint32_t cmdline_len;	/* out: bytes with the NUL; ENOSPC: what is needed */
	uint64_t mmap;		/* in: buffer of struct hc_mmap_entry, or 0 */
	uint32_t mmap_cap;	/* in: its size in entries */
	uint32_t mmap_entries;	/* out: entries; ENOSPC: what is needed */
	uint64_t dtb, dtb_size; /* out: where the VMM put the machine's device tree (FDT) */
};

struct hc_disk_info {
	struct hc_hdr h;
	uint32_t disk;	    /* in: 0 for the first --disk */
	uint32_t read_only; /* out */
	uint64_t sectors;   /* out: of HC_SECTOR bytes */
};

struct hc_disk_io {
	struct hc_hdr h;
	uint32_t disk;	 /* in */
	uint32_t len;	 /* in: bytes, whole sectors, at most HC_DISK_IO_MAX */
	uint64_t sector; /* in */
	uint64_t data;	 /* in: guest-physical buffer */
};

/* One layout for 32- and 64-bit guests: every 64-bit field sits at a multiple of 8. */
_Static_assert(sizeof(struct hc_version) == 16, "hc_version");
_Static_assert(sizeof(struct hc_puts) == 24, "hc_puts");
_Static_assert(sizeof(struct hc_exit) == 16, "hc_exit");
_Static_assert(sizeof(struct hc_time) == 24, "hc_time");
_Static_assert(sizeof(struct hc_mmap_entry) == 24, "hc_mmap_entry");
_Static_assert(sizeof(struct hc_bootinfo) == 72, "hc_bootinfo");
_Static_assert(sizeof(struct hc_disk_info) == 24, "hc_disk_info");
_Static_assert(sizeof(struct hc_disk_io) == 32, "hc_disk_io");

#endif
