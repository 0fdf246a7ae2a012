/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical memory map. One place for every fixed address, so the
 * loaders, the firmware builders and the devices agree without talking.
 *
 *   0x0000_0500  GDT (boot entries)
 *   0x0000_1000  free: a bare-metal guest's AP trampoline (guest/kit/smp.c), SIPI vector 1
 *   0x0000_6000  hvm_start_info + memmap (PVH entry)
 *   0x0000_7000  boot_params, the "zero page" (bzImage entry)
 *   0x0000_8ff0  initial stack
 *   0x0000_9000  PML4, PDPT at 0xa000, 4 PDs at 0xb000..0xefff (identity map of 4 GiB)
 *   0x0002_0000  kernel command line
 *   0x0003_0000  the device tree (flattened), for bare-metal guests (HC_BOOTINFO says where)
 *   0x0009_fc00  top of low RAM (EBDA-sized gap, reserved as on PCs)
 *   0x000e_0000  ACPI tables (RSDP first, so a legacy scan finds it)
 *   0x000f_fff0  the reset vector: a stub that writes the ACPI reset register
 *   0x0010_0000  kernel / bare-metal image
 *   0xc000_0000  32-bit MMIO hole: virtio-mmio windows, IOAPIC, LAPIC
 *   0x1_0000_0000 RAM above 4 GiB when --mem exceeds the hole start
 */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

#define LAYOUT_GDT	    0x500ULL
#define LAYOUT_START_INFO   0x6000ULL
#define LAYOUT_ZERO_PAGE    0x7000ULL
#define LAYOUT_STACK	    0x8ff0ULL
#define LAYOUT_PML4	    0x9000ULL
#define LAYOUT_PDPT	    0xa000ULL
#define LAYOUT_PD	    0xb000ULL /* four 4 KiB PDs: 4 GiB of 2 MiB pages */
#define LAYOUT_CMDLINE	    0x20000ULL
#define LAYOUT_CMDLINE_MAX  0x10000ULL
#define LAYOUT_DTB	    0x30000ULL
#define LAYOUT_DTB_MAX	    0x10000ULL
#define LAYOUT_LOWMEM_END   0x9fc00ULL
#define LAYOUT_ACPI	    0xe0000ULL
#define LAYOUT_ACPI_SIZE    0x1f000ULL
#define LAYOUT_RESET_VECTOR 0xffff0ULL /* f000:fff0, where a CPU reset starts */
#define LAYOUT_HIMEM	    0x100000ULL
#define LAYOUT_KERNEL	    0x100000ULL

/*
 * A page the VMM never writes and e820 calls RAM, for the real-mode code an AP starts in
 * (a STARTUP IPI's vector is its page number: SDM vol. 3, 8.4.4.1). Kept free here so that
 * nothing the VMM places at boot lands on it.
 */
#define LAYOUT_AP_TRAMPOLINE 0x1000ULL
_Static_assert(LAYOUT_GDT + 0x100 <= LAYOUT_AP_TRAMPOLINE &&
		   LAYOUT_AP_TRAMPOLINE + 0x1000 <= LAYOUT_START_INFO,
	       "the AP trampoline's page lies between the boot GDT and start_info");

#define LAYOUT_MMIO_HOLE 0xc0000000ULL
#define LAYOUT_4G	 0x100000000ULL
/* the boot timer's byte (devices/boot_timer.c): the first page of the MMIO hole */
#define LAYOUT_BOOT_TIMER	0xc0000000ULL
#define LAYOUT_VIRTIO_MMIO	0xd0000000ULL /* 4 KiB windows, one per device */
#define LAYOUT_VIRTIO_MMIO_SIZE 0x1000ULL
#define LAYOUT_IOAPIC		0xfec00000ULL
#define LAYOUT_LAPIC		0xfee00000ULL

#endif
