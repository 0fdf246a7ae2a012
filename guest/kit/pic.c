/* SPDX-License-Identifier: MIT */
/*
 * The two 8259s (KVM's in-kernel PIC, QEMU's i8259), which the VMM's LINT0 passes on as
 * ExtINT: remapped so that IRQ n is vector 0x20 + n, each IRQ's handler followed by its EOI.
 */
#include "kit.h"

#define PIC1	   0x20
#define PIC2	   0xa0
#define ICW1_INIT  0x11 /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086  0x01
#define PIC_EOI	   0x20
#define IRQ_VECTOR 0x20
#define NR_IRQS	   16

static irq_fn irq_fns[NR_IRQS];

static void pic_irq(struct kit_frame *f)
{
	int irq = (int)f->vector - IRQ_VECTOR;

	if (irq_fns[irq])
		irq_fns[irq](irq);
	if (irq >= 8)
		outb(PIC2, PIC_EOI);
	outb(PIC1, PIC_EOI);
}

/*
 * Off the exception vectors, all masked. An 8259 that was never initialised delivers IRQ n
 * at its reset vector base (KVM's is 0; SeaBIOS's 8): IRQ 0 would arrive as a #DE.
 */
void pic_init(void)
{
	outb(PIC1, ICW1_INIT);
	outb(PIC2, ICW1_INIT);
	outb(PIC1 + 1, IRQ_VECTOR); /* ICW2: vector base */
	outb(PIC2 + 1, IRQ_VECTOR + 8);
	outb(PIC1 + 1, 1 << 2); /* ICW3: the slave on IRQ 2 */
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, ICW4_8086);
	outb(PIC2 + 1, ICW4_8086);
	outb(PIC1 + 1, 0xff); /* OCW1: all masked */
	outb(PIC2 + 1, 0xff);
}

void irq_init(void)
{
	idt_init();
	for (int i = 0; i < NR_IRQS; i++)
		vec_handle(IRQ_VECTOR + i, pic_irq);
	pic_init();
}

void irq_handle(int irq, irq_fn fn)
{
	irq_fns[irq] = fn;
	if (irq >= 8) {
		outb(PIC2 + 1, inb(PIC2 + 1) & ~(1 << (irq - 8)));
		irq = 2; /* the cascade */
	}
	outb(PIC1 + 1, inb(PIC1 + 1) & ~(1 << irq));
}
