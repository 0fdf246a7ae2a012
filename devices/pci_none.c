/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2) with nothing behind it:
 * CONFIG_ADDRESS at 0xcf8 and CONFIG_DATA at 0xcfc read all-ones, as a bus with no
 * host bridge does, and writes go nowhere. Guests probe these ports (Linux's
 * pci_direct_probe, SeaBIOS, every hobby kernel's PCI scan) and then conclude there is no
 * PCI: the answer is the one an unclaimed port gives, but counted here rather than
 * logged as a strange access, since a scan makes thousands of them.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "device.h"
#include "pci_none.h"

struct pci_none {
	atomic_ulong reads, writes;
};

static void pci_none_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct pci_none *p = opaque;

	(void)offset;
	if (is_write) {
		atomic_fetch_add_explicit(&p->writes, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&p->reads, 1, memory_order_relaxed);
	memset(data, 0xff, len);
}

static int pci_none_count(const struct device_host *h)
{
	return h->mach->pci_conf_port ? 1 : 0;
}

static int pci_none_create(const struct device_host *h, int i, void **dev)
{
	struct pci_none *p = calloc(1, sizeof(*p));
	int err;

	(void)i;
	if (!p)
		return -ENOMEM;
	if ((err = device_claim(h, BUS_PIO, h->mach->pci_conf_port, PCI_CONF_SIZE, pci_none_io, p,
				"pci-config"))) {
		free(p);
		return err;
	}
	*dev = p;
	return 0;
}

static void pci_none_dump(void *dev)
{
	struct pci_none *p = dev;

	fprintf(stderr, "vmm: pci-config: no PCI; %lu reads, %lu writes\n", atomic_load(&p->reads),
		atomic_load(&p->writes));
}

const struct device_ops pci_none_device = {
    .name = "pci-config",
    .count = pci_none_count,
    .create = pci_none_create,
    .destroy = free,
    .dump = pci_none_dump,
};
