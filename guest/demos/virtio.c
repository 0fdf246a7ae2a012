/* SPDX-License-Identifier: MIT */
/*
 * Demo 7: one virtio-blk request, kick to interrupt. A driver for the first --disk at
 * 0xd0000000 (virtio-mmio version 2, virtio 1.2 4.2.2): one 4-entry split queue (2.7),
 * one read of sector 0 (5.2.6: header, data, status), the completion taken as IOAPIC
 * pin 16's interrupt (level-triggered: read InterruptStatus, write InterruptACK, EOI).
 */
#include "../kit/kit.h"
#include "../../base/layout.h"

#define R(off) (*(volatile uint32_t *)(uintptr_t)(LAYOUT_VIRTIO_MMIO + (off)))
#define Q      4

static struct {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
} desc[Q] __attribute__((aligned(16)));
static struct {
	uint16_t flags, idx, ring[Q];
} avail __attribute__((aligned(2)));
static volatile struct {
	uint16_t flags, idx;
	uint32_t elem[Q][2];
} used __attribute__((aligned(4)));
static struct {
	uint32_t type, reserved;
	uint64_t sector;
} hdr; /* type 0: read */
static char data[512];
static volatile uint8_t status = 0xff;

static void ring(struct kit_frame *f)
{
	(void)f;
	R(0x064) = R(0x060); /* InterruptACK what InterruptStatus says: the line falls */
	lapic_eoi();
}

static void set_desc(int i, void *p, uint32_t len, uint16_t flags)
{
	desc[i] = (typeof(desc[0])){(uintptr_t)p, len, flags, (uint16_t)(i + 1)};
}

void guest_main(struct hvm_start_info *si)
{
	(void)si;
	if (R(0x000) != 0x74726976 || R(0x004) != 2 || R(0x008) != 2)
		return serial_puts("no virtio-blk at 0xd0000000\n");
	R(0x070) = 1 | 2;	    /* Status: ACKNOWLEDGE, DRIVER (3.1.1) */
	R(0x024) = 1, R(0x020) = 1; /* DriverFeatures[32..63]: VERSION_1, no more */
	R(0x070) = 1 | 2 | 8;	    /* FEATURES_OK */
	R(0x030) = 0, R(0x038) = Q; /* QueueSel 0, QueueNum */
	R(0x080) = (uintptr_t)desc; /* QueueDesc, QueueDriver (avail), QueueDevice (used) */
	R(0x090) = (uintptr_t)&avail;
	R(0x0a0) = (uintptr_t)&used;
	R(0x044) = 1;		  /* QueueReady */
	R(0x070) = 1 | 2 | 8 | 4; /* DRIVER_OK */
	vec_handle(0x50, ring);
	lapic_enable();
	ioapic_route(16, 0x50, 1, lapic_id());
	set_desc(0, &hdr, sizeof(hdr), 1);	/* NEXT */
	set_desc(1, data, sizeof(data), 1 | 2); /* NEXT, WRITE (the device's to fill) */
	set_desc(2, (void *)&status, 1, 2);	/* WRITE */
	avail.ring[0] = 0;
	__atomic_store_n(&avail.idx, 1, __ATOMIC_RELEASE);
	R(0x050) = 0;		 /* QueueNotify: the kick */
	while (!vec_count[0x50]) /* until the interrupt, not the used ring: to see it come */
		__asm__ volatile("sti; hlt; cli");
	printf("status %u, used idx %u, sector 0: %.16s\n", status, used.idx, data);
}
