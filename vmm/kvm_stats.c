/* SPDX-License-Identifier: MIT */
/*
 * The binary stats fd (Documentation/virt/kvm/api.rst, 4.133 KVM_GET_STATS_FD):
 * a header, then num_desc descriptors each followed by a name of name_size
 * bytes, then the data, u64 counters at data_offset + desc.offset. We read
 * the descriptors once at vCPU creation and keep only the offsets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm_stats.h"

static const char *const vcpu_names[] = {KVM_STATS_NAMES};
static const char *const vm_names[] = {KVM_VM_STATS_NAMES};
_Static_assert(sizeof(vcpu_names) / sizeof(vcpu_names[0]) == KVM_STATS_N, "names and enum");
_Static_assert(KVM_STATS_N <= KVM_STATS_MAX &&
		   sizeof(vm_names) / sizeof(vm_names[0]) <= KVM_STATS_MAX,
	       "room for every counter");

/* The descriptor block is untrusted in size only: cap it and check every step. */
#define STATS_DESC_MAX (1u << 20)

static void stats_index(struct kvm_stats *s, const struct kvm_stats_header *h, const char *d,
			size_t dlen)
{
	size_t step = sizeof(struct kvm_stats_desc) + h->name_size;

	for (uint32_t i = 0; i < h->num_desc && (i + 1) * step <= dlen; i++) {
		const struct kvm_stats_desc *e = (const void *)(d + i * step);

		for (int k = 0; k < s->n; k++)
			if (e->size >= 1 && !strncmp(e->name, s->names[k], h->name_size))
				s->off[k] = (int64_t)h->data_offset + e->offset;
	}
}

void kvm_stats_open(struct kvm_stats *s, int owner_fd, enum kvm_stats_of of)
{
	struct kvm_stats_header h;
	size_t dlen;
	char *d = NULL;
	int fd;

	s->fd = -1;
	s->names = of == KVM_STATS_VM ? vm_names : vcpu_names;
	s->n = of == KVM_STATS_VM ? (int)(sizeof(vm_names) / sizeof(vm_names[0])) : KVM_STATS_N;
	for (int k = 0; k < KVM_STATS_MAX; k++)
		s->off[k] = -1;
	fd = ioctl(owner_fd, KVM_GET_STATS_FD, NULL);

	if (fd < 0)
		return;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || !h.name_size)
		goto out;
	dlen = (size_t)h.num_desc * (sizeof(struct kvm_stats_desc) + h.name_size);
	if (dlen > STATS_DESC_MAX || !(d = malloc(dlen)) ||
	    pread(fd, d, dlen, h.desc_offset) != (ssize_t)dlen)
		goto out;
	stats_index(s, &h, d, dlen);
	s->fd = fd;
	fd = -1;
out:
	free(d);
	if (fd >= 0)
		close(fd);
}

void kvm_stats_close(struct kvm_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

const char *kvm_stats_name(const struct kvm_stats *s, int k)
{
	return k >= 0 && k < s->n ? s->names[k] : "?";
}

int kvm_stats_read(const struct kvm_stats *s, int k, uint64_t *v)
{
	if (s->fd < 0 || k < 0 || k >= s->n || s->off[k] < 0 ||
	    pread(s->fd, v, sizeof(*v), s->off[k]) != sizeof(*v))
		return -1;
	return 0;
}

void kvm_stats_describe(const struct kvm_stats *s, char *buf, unsigned long len)
{
	size_t n = 0;

	buf[0] = 0;
	if (s->fd < 0) {
		snprintf(buf, len, "not offered by this KVM");
		return;
	}
	for (int k = 0; k < s->n && n < len; k++) {
		uint64_t v;

		if (kvm_stats_read(s, k, &v))
			continue;
		n += snprintf(buf + n, len - n, "%s%s=%llu", n ? " " : "", s->names[k],
			      (unsigned long long)v);
	}
}
