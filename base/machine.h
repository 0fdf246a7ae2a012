/* SPDX-License-Identifier: MIT */
/*
 * A machine description: what the guest is given, as plain data. The
 * firmware builders (e820, ACPI, device tree) are pure functions of it, so
 * they can be unit-tested without KVM.
 */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#define MACHINE_MAX_CPUS   255
#define MACHINE_MAX_RAM	   2
#define MACHINE_MAX_SERIAL 4
#define MACHINE_MAX_VIRTIO 8

struct mem_range {
	uint64_t gpa;
	uint64_t size;
};

/* cfg, in each device entry: what the user asked for that instance, in the device's own
 * config struct (devices/serial.h, devices/disk.h), or NULL for its defaults. */
struct serial_desc {
	uint16_t port; /* I/O base, 8 registers */
	uint8_t irq;   /* ISA IRQ == GSI */
	const void *cfg;
};

struct virtio_mmio_desc {
	uint64_t base; /* MMIO window, LAYOUT_VIRTIO_MMIO_SIZE long */
	uint32_t irq;  /* GSI on the IOAPIC */
	uint32_t device_id;
	const void *cfg;
};

struct machine_desc {
	uint64_t ram_size;		       /* total RAM in bytes */
	const char *mem_path;		       /* --mem-path: RAM from files in this directory */
	int mem_prealloc;		       /* --mem-prealloc: every page allocated up front */
	struct mem_range ram[MACHINE_MAX_RAM]; /* low RAM from 0, then RAM above 4 GiB */
	int nr_ram;
	int nr_cpus;
	struct serial_desc serial[MACHINE_MAX_SERIAL];
	int nr_serial;
	struct virtio_mmio_desc virtio[MACHINE_MAX_VIRTIO];
	int nr_virtio;
	/* ACPI power registers (HW-reduced ACPI), I/O ports; see devices/power.c */
	uint16_t pm_sleep_ctl; /* SLEEP_CONTROL_REG; SLEEP_STATUS_REG is +1 */
	uint16_t pm_reset;     /* RESET_REG, value PM_RESET_VALUE */
	uint16_t fw_cfg_port;  /* QEMU's fw_cfg: selector, data at +1; see devices/fw_cfg.c */
	/*
	 * The ports of QEMU's conventions for bare-metal guests: its isa-debug-exit
	 * (devices/debug_exit.c: a write of v ends the run with status (v << 1) | 1), none when
	 * debug_exit_size is 0; the Bochs/QEMU debug console (devices/debugcon.c), none when
	 * debugcon_port is 0; and PCI configuration mechanism #1 (devices/pci_none.c), which
	 * answers "no device".
	 */
	uint16_t debug_exit_port;
	uint8_t debug_exit_size;
	uint16_t debugcon_port;
	const void *debugcon_cfg; /* a struct serial_cfg: where its bytes go */
	uint16_t pci_conf_port;	  /* CONFIG_ADDRESS; CONFIG_DATA is +4 */
	/* The CMOS RTC (devices/rtc.c): index port, data port + 1; its ISA IRQ == GSI. */
	uint16_t rtc_port;
	uint8_t rtc_irq;
	const void *rtc_cfg; /* a struct rtc_cfg: what its clock shows at power-on */
	/*
	 * Who emulates the 8254 PIT and port 0x61: KVM (KVM_CREATE_PIT2) or devices/pit.c.
	 * Either way its IRQ 0 comes in on MACHINE_PIT_GSI.
	 */
	enum machine_pit { MACHINE_PIT_KERNEL, MACHINE_PIT_USER } pit;
};

#define PM_SLEEP_CTL_PORT 0x600
#define PM_RESET_PORT	  0x604
#define PM_RESET_VALUE	  0x1
#define PM_S5_TYPE	  5	/* SLP_TYP of \_S5 */
#define FW_CFG_PORT	  0x510 /* where QEMU's x86 machines put it, and guests look */
#define FW_CFG_NR_PORTS	  2	/* the selector, the data port at +1 */

#define DEBUG_EXIT_PORT 0xf4 /* QEMU's -device isa-debug-exit,iobase=0xf4,iosize=4 */
#define DEBUG_EXIT_SIZE 4
#define DEBUGCON_PORT	0xe9 /* QEMU's -debugcon default iobase */
#define PCI_CONF_PORT	0xcf8
#define BOOT_TIMER_PORT 0x80 /* the PC's POST code port; Cloud Hypervisor's debug port */
#define PIT_PORT	0x40 /* the 8254's counters 0-2, then its control word */
#define PIT_NR_PORTS	4
#define PIT_PORT_61	0x61 /* the PC's system control port B: gate 2, speaker, OUT2 */
#define PCI_CONF_SIZE	8
#define RTC_PORT	0x70 /* the PC's CMOS RTC: index 0x70, data 0x71 */
#define RTC_NR_PORTS	2    /* of the 8 a PC reserves (the DSDT says 8), these two answer */
#define RTC_IRQ		8
#define RTC_CENTURY	0x32 /* its century byte, QEMU's; the FADT's CENTURY field says where */

/*
 * ISA IRQ 0 (the PIT's channel 0) is IOAPIC pin 2, as on a PC: the MADT's interrupt source
 * override says so, and the user-space PIT raises this GSI (KVM's default routing sends GSI
 * 2 to IOAPIC pin 2; GSI 0, which KVM's own PIT raises, goes to pin 0 and the 8259's IRQ 0).
 */
#define MACHINE_PIT_GSI 2

/* virtio-mmio devices take GSIs 16..23: IOAPIC pins no ISA device claims. */
#define MACHINE_VIRTIO_GSI 16
/*
 * Their lines are level-triggered, active high, as QEMU microvm declares them: the line is
 * high while InterruptStatus is non-zero (virtio 1.2, 4.2.2: the driver acknowledges through
 * InterruptACK), so the IOAPIC delivers again after an EOI or an unmask that finds it high,
 * and no lost or masked edge can leave a completed queue waiting for an interrupt. The
 * DSDT, the device tree and the VMM's irq_line all follow this one definition.
 */
#define MACHINE_VIRTIO_IRQ_LEVEL 1

/* Lay out RAM around the 32-bit MMIO hole and fill in the default devices. */
int machine_init(struct machine_desc *m, uint64_t ram_size, int nr_cpus, int nr_serial);

/*
 * Whether m is a machine the firmware builders can describe: the one check ACPI and the
 * device tree make of a description they are handed (counts in range, no empty RAM range,
 * a fw_cfg port, ISA IRQs for the UARTs, virtio windows below 4 GiB). machine_init's output always
 * is.
 */
bool machine_valid(const struct machine_desc *m);

/*
 * Which of m's own I/O ports [port, port + len) would overlap ("ttyS0", "acpi-power",
 * "pci-config", "rtc"), or NULL: the check for ports the user places (--debug-exit, --debugcon).
 */
const char *machine_port_user(const struct machine_desc *m, uint32_t port, uint32_t len);

/* Give a virtio-mmio device the next 4 KiB window and GSI; its index or -ENOSPC. */
int machine_add_virtio(struct machine_desc *m, uint32_t device_id, const void *cfg);

#endif
