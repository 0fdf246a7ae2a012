/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "hypercall.h"
#include "layout.h"
#include "machine.h"

/* The PC's four legacy UARTs: ttyS0..ttyS3. */
static const struct serial_desc pc_serial[MACHINE_MAX_SERIAL] = {
    {0x3f8, 4, NULL}, {0x2f8, 3, NULL}, {0x3e8, 4, NULL}, {0x2e8, 3, NULL}};

int machine_init(struct machine_desc *m, uint64_t ram_size, int nr_cpus, int nr_serial)
{
	uint64_t low;

	memset(m, 0, sizeof(*m));
	/* Below 2 MiB there is no room for the boot structures and a kernel. */
	if (ram_size < (2ULL << 20) || nr_cpus < 1 || nr_cpus > MACHINE_MAX_CPUS || nr_serial < 0 ||
	    nr_serial > MACHINE_MAX_SERIAL)
		return -EINVAL;
	m->ram_size = ram_size;
	m->nr_cpus = nr_cpus;

	/* RAM runs from 0 up to the 32-bit MMIO hole; the rest moves above 4 GiB. */
	low = ram_size < LAYOUT_MMIO_HOLE ? ram_size : LAYOUT_MMIO_HOLE;
	m->ram[m->nr_ram++] = (struct mem_range){0, low};
	if (ram_size > low)
		m->ram[m->nr_ram++] = (struct mem_range){LAYOUT_4G, ram_size - low};

	memcpy(m->serial, pc_serial, nr_serial * sizeof(pc_serial[0]));
	m->nr_serial = nr_serial;
	m->pm_sleep_ctl = PM_SLEEP_CTL_PORT;
	m->pm_reset = PM_RESET_PORT;
	m->pci_conf_port = PCI_CONF_PORT;
	m->fw_cfg_port = FW_CFG_PORT;
	m->rtc_port = RTC_PORT;
	m->rtc_irq = RTC_IRQ;
	return 0;
}

bool machine_valid(const struct machine_desc *m)
{
	if (m->nr_cpus < 1 || m->nr_cpus > MACHINE_MAX_CPUS || m->nr_ram < 1 ||
	    m->nr_ram > MACHINE_MAX_RAM || m->nr_serial < 0 || m->nr_serial > MACHINE_MAX_SERIAL ||
	    m->nr_virtio < 0 || m->nr_virtio > MACHINE_MAX_VIRTIO)
		return false;
	for (int i = 0; i < m->nr_ram; i++)
		if (!m->ram[i].size)
			return false;
	/* fw_cfg is always there (an unset port would put it on the DMA controller's), and
	 * its ports must fit in the 64 Ki of I/O space. */
	if (!m->fw_cfg_port || m->fw_cfg_port > 0x10000 - FW_CFG_NR_PORTS)
		return false;
	for (int i = 0; i < m->nr_serial; i++) /* ISA IRQs: the DSDT's IRQNoFlags takes 0..15 */
		if (m->serial[i].irq > 15)
			return false;
	if (m->rtc_port && m->rtc_irq > 15)
		return false;
	for (int i = 0; i < m->nr_virtio; i++) /* Memory32Fixed: below 4 GiB */
		if (m->virtio[i].base > LAYOUT_4G - LAYOUT_VIRTIO_MMIO_SIZE)
			return false;
	return true;
}

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

const char *machine_port_user(const struct machine_desc *m, uint32_t port, uint32_t len)
{
	static const char *const tty[MACHINE_MAX_SERIAL] = {"ttyS0", "ttyS1", "ttyS2", "ttyS3"};

	for (int i = 0; i < m->nr_serial; i++)
		if (ranges_overlap(port, len, m->serial[i].port, 8))
			return tty[i];
	if (ranges_overlap(port, len, m->pm_sleep_ctl, 2) ||
	    ranges_overlap(port, len, m->pm_reset, 1))
		return "acpi-power";
	if (m->pci_conf_port && ranges_overlap(port, len, m->pci_conf_port, PCI_CONF_SIZE))
		return "pci-config";
	if (m->debug_exit_size && ranges_overlap(port, len, m->debug_exit_port, m->debug_exit_size))
		return "isa-debug-exit";
	if (ranges_overlap(port, len, HC_PORT_BASE, HC_NR_PORTS))
		return "hypercall";
	if (ranges_overlap(port, len, m->fw_cfg_port, FW_CFG_NR_PORTS))
		return "fw_cfg";
	if (m->rtc_port && ranges_overlap(port, len, m->rtc_port, RTC_NR_PORTS))
		return "rtc";
	if (ranges_overlap(port, len, BOOT_TIMER_PORT, 1))
		return "boot-timer";
	/* KVM's PIT or ours: either takes these ports before the bus sees them. */
	if (ranges_overlap(port, len, PIT_PORT, PIT_NR_PORTS) ||
	    ranges_overlap(port, len, PIT_PORT_61, 1))
		return "pit";
	return NULL;
}

int machine_add_virtio(struct machine_desc *m, uint32_t device_id, const void *cfg)
{
	int i = m->nr_virtio;

	if (i == MACHINE_MAX_VIRTIO)
		return -ENOSPC;
	m->virtio[i] = (struct virtio_mmio_desc){
	    .base = LAYOUT_VIRTIO_MMIO + i * LAYOUT_VIRTIO_MMIO_SIZE,
	    .irq = MACHINE_VIRTIO_GSI + i,
	    .device_id = device_id,
	    .cfg = cfg,
	};
	m->nr_virtio++;
	return i;
}
