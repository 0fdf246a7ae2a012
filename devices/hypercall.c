/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls (base/hypercall.h, docs/hypercalls.md): a 32-bit OUT to port
 * HC_PORT_BASE + n carries the guest-physical address of call n's argument block. The
 * block is hostile input: it is copied in once, checked field by field, answered in its
 * header, and no address in it is used before guest_mem_ptr() has checked it with its
 * length. The calls run on the vCPU thread that made them, as Solo5 hvt's do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/e820.h"
#include "../base/hypercall.h"
#include "../base/layout.h"
#include "../base/le.h"
#include "../base/log.h"
#include "device.h"
#include "disk.h"
#include "hypercall.h"

struct hypercall {
	const struct device_host *h;
	struct timespec t0; /* HC_TIME's monotonic zero */
};

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

static int hc_puts(struct hypercall *hc, struct hc_puts *a)
{
	const void *p = guest_mem_ptr(hc->h->mem, a->data, a->len);

	if (!p && a->len)
		return HC_EFAULT;
	if (a->len && hc->h->console_out)
		hc->h->console_out(hc->h->vmm, p, a->len);
	return HC_OK;
}

static int hc_time(struct hypercall *hc, struct hc_time *a)
{
	struct timespec w, m;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	a->wall_ns = ns_of(&w);
	a->monotonic_ns = ns_of(&m) - ns_of(&hc->t0);
	return HC_OK;
}

/* What the guest asked to be copied, or HC_ENOSPC with the sizes it needs filled in. */
static int hc_bootinfo(struct hypercall *hc, struct hc_bootinfo *a)
{
	const struct device_host *h = hc->h;
	struct e820_entry e[E820_MAX];
	const char *cmdline = h->cmdline(h->vmm);
	int n = e820_build(h->mach, e, E820_MAX), i;

	a->ram_size = h->mach->ram_size;
	a->nr_cpus = (uint32_t)h->mach->nr_cpus;
	for (a->nr_disks = 0; h->disk(h->vmm, (int)a->nr_disks);)
		a->nr_disks++;
	a->dtb_size = h->dtb_size ? h->dtb_size(h->vmm) : 0;
	a->dtb = a->dtb_size ? LAYOUT_DTB : 0;
	a->cmdline_len = (uint32_t)strlen(cmdline) + 1;
	a->mmap_entries = n < 0 ? 0 : (uint32_t)n;
	if ((a->cmdline && a->cmdline_cap < a->cmdline_len) ||
	    (a->mmap && a->mmap_cap < a->mmap_entries))
		return HC_ENOSPC;
	if (a->cmdline && guest_mem_write(h->mem, a->cmdline, cmdline, a->cmdline_len))
		return HC_EFAULT;
	for (i = 0; a->mmap && i < n; i++) {
		struct hc_mmap_entry m = {e[i].addr, e[i].size, e[i].type, 0};

		if (guest_mem_write(h->mem, a->mmap + i * sizeof(m), &m, sizeof(m)))
			return HC_EFAULT;
	}
	return HC_OK;
}

static int hc_disk_info(struct hypercall *hc, struct hc_disk_info *a)
{
	const struct blk_disk *d = hc->h->disk(hc->h->vmm, (int)a->disk);

	if (!d)
		return HC_ENODEV;
	a->read_only = d->read_only;
	a->sectors = d->size / HC_SECTOR;
	return HC_OK;
}

/* The checks of 5.2-style block requests: whole sectors, inside the disk, in guest RAM. */
static int hc_disk_io(struct hypercall *hc, struct hc_disk_io *a, int call)
{
	const struct blk_disk *d = hc->h->disk(hc->h->vmm, (int)a->disk);
	uint64_t off;
	void *p;
	ssize_t n;

	if (!d)
		return HC_ENODEV;
	if (call == HC_DISK_FLUSH)
		return d->read_only || !fdatasync(d->fd) ? HC_OK : HC_EIO;
	if (!a->len || a->len % HC_SECTOR || a->len > HC_DISK_IO_MAX ||
	    a->sector > d->size / HC_SECTOR || a->len > d->size - a->sector * HC_SECTOR)
		return HC_EINVAL;
	if (call == HC_DISK_WRITE && d->read_only)
		return HC_EROFS;
	if (!(p = guest_mem_ptr(hc->h->mem, a->data, a->len)))
		return HC_EFAULT;
	off = a->sector * HC_SECTOR;
	n = call == HC_DISK_READ ? pread(d->fd, p, a->len, (off_t)off)
				 : pwrite(d->fd, p, a->len, (off_t)off);
	return n == (ssize_t)a->len ? HC_OK : HC_EIO;
}

/* The size of each call's block: what is copied in before anything is believed. */
static const uint32_t hc_block_size[HC_NR_CALLS] = {
    [HC_VERSION] = sizeof(struct hc_version),	 [HC_PUTS] = sizeof(struct hc_puts),
    [HC_EXIT] = sizeof(struct hc_exit),		 [HC_TIME] = sizeof(struct hc_time),
    [HC_BOOTINFO] = sizeof(struct hc_bootinfo),	 [HC_DISK_INFO] = sizeof(struct hc_disk_info),
    [HC_DISK_READ] = sizeof(struct hc_disk_io),	 [HC_DISK_WRITE] = sizeof(struct hc_disk_io),
    [HC_DISK_FLUSH] = sizeof(struct hc_disk_io),
};

union hc_block {
	struct hc_hdr h;
	struct hc_version version;
	struct hc_puts puts;
	struct hc_exit exit;
	struct hc_time time;
	struct hc_bootinfo bootinfo;
	struct hc_disk_info disk_info;
	struct hc_disk_io disk_io;
};

static int hc_dispatch(struct hypercall *hc, int call, union hc_block *b)
{
	switch (call) {
	case HC_VERSION:
		b->version.version = HC_ABI_VERSION;
		b->version.nr_calls = HC_NR_CALLS;
		return HC_OK;
	case HC_PUTS:
		return hc_puts(hc, &b->puts);
	case HC_EXIT:
		hc->h->exit(hc->h->vmm, (int)(b->exit.status & 0xff));
		return HC_OK;
	case HC_TIME:
		return hc_time(hc, &b->time);
	case HC_BOOTINFO:
		return hc_bootinfo(hc, &b->bootinfo);
	case HC_DISK_INFO:
		return hc_disk_info(hc, &b->disk_info);
	default:
		return hc_disk_io(hc, &b->disk_io, call);
	}
}

int hypercall_handle(struct hypercall *hc, int call, uint64_t gpa)
{
	union hc_block b;
	uint32_t size = call >= 0 && call < HC_NR_CALLS ? hc_block_size[call] : sizeof(b.h);
	void *p = gpa % 8 ? NULL : guest_mem_ptr(hc->h->mem, gpa, size);

	if (!p) {
		log_guest("hypercall %d: block at %#llx is not %u bytes of aligned guest RAM", call,
			  (unsigned long long)gpa, size);
		return -EFAULT;
	}
	memcpy(&b, p, size); /* read once: the guest may change the block while we work */
	b.h.ret = call >= 0 && call < HC_NR_CALLS ? hc_dispatch(hc, call, &b) : HC_ENOSYS;
	if (b.h.ret < 0 && b.h.ret != HC_ENOSPC) /* ENOSPC is how a guest asks for sizes */
		log_guest("hypercall %d: block at %#llx: error %d", call, (unsigned long long)gpa,
			  b.h.ret);
	memcpy(p, &b, size);
	return b.h.ret;
}

static void hypercall_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	if (!is_write) {
		memset(data, 0xff, len); /* nothing to read: as an unclaimed port */
		return;
	}
	if (len != 4) {
		log_guest("hypercall %llu: a %u-byte write; a call is a 32-bit OUT",
			  (unsigned long long)offset, len);
		return;
	}
	hypercall_handle(opaque, (int)offset, le_get(data, 4));
}

static int hypercall_count(const struct device_host *h)
{
	(void)h;
	return 1;
}

static int hypercall_create(const struct device_host *h, int i, void **dev)
{
	struct hypercall *hc = hypercall_new(h);
	int err;

	(void)i;
	if (!hc)
		return -ENOMEM;
	if ((err = device_claim(h, BUS_PIO, HC_PORT_BASE, HC_NR_PORTS, hypercall_io, hc,
				"hypercall"))) {
		free(hc);
		return err;
	}
	*dev = hc;
	return 0;
}

struct hypercall *hypercall_new(const struct device_host *h)
{
	struct hypercall *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return NULL;
	hc->h = h;
	clock_gettime(CLOCK_MONOTONIC, &hc->t0);
	return hc;
}

const struct device_ops hypercall_device = {
    .name = "hypercall",
    .count = hypercall_count,
    .create = hypercall_create,
    .destroy = free,
};
