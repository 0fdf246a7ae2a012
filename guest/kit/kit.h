/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal guest kit: port I/O, the COM1 UART, the start_info the VMM
 * passes, the 8259s and the CMOS, hypercalls, string functions and printf, and the ACPI
 * power registers to end a run. Entries: start.S (PVH), mbstart.S (multiboot v1), both
 * 32-bit; start64.S (a plain ELF64, entered in long mode), whose guests have everything here
 * but the IDT, the exception reporter and the 8259s (idt.c, exc.c, vectors.S and pic.c are
 * 32-bit code). docs/guest-kit.md describes it.
 */
#ifndef GUEST_KIT_H
#define GUEST_KIT_H

/* The entries (start.S, mbstart.S, start64.S) run on this stack and end in guest_stop. */
#define GUEST_STACK_SIZE 16384

#ifndef __ASSEMBLER__
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../../base/hypercall.h"

#define HVM_START_MAGIC 0x336ec578 /* Xen's public/arch-x86/hvm/start_info.h */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* outb/inb, outw/inw, outl/inl: one port access of each width. */
#define KIT_PIO(sfx, type)                                                                         \
	static inline void out##sfx(uint16_t port, type v)                                         \
	{                                                                                          \
		__asm__ volatile("out" #sfx " %0, %1" : : "a"(v), "Nd"(port));                     \
	}                                                                                          \
	static inline type in##sfx(uint16_t port)                                                  \
	{                                                                                          \
		type v;                                                                            \
		__asm__ volatile("in" #sfx " %1, %0" : "=a"(v) : "Nd"(port));                      \
		return v;                                                                          \
	}
KIT_PIO(b, uint8_t)
KIT_PIO(w, uint16_t)
KIT_PIO(l, uint32_t)

extern uint8_t guest_stack[GUEST_STACK_SIZE];

/*
 * The frame vectors.S builds for every interrupt and exception: the registers as PUSHA
 * leaves them, the vector, the error code (0 where the CPU pushes none) and what the CPU
 * pushed. A handler may change it: the stub returns to f->eip with these registers.
 */
struct kit_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};
typedef void (*vec_fn)(struct kit_frame *f);
void idt_init(void);			 /* idt.c: all 256 vectors to kit_vector, the IDT loaded */
void vec_handle(int vec, vec_fn fn);	 /* fn runs for vec (no EOI: the handler's job) */
extern volatile uint32_t vec_count[256]; /* each vector's arrivals, handled or not */

/*
 * Exceptions (exc.c). exc_init, which both entries call before main, loads the IDT, moves
 * the 8259s off vectors 0-31 (pic_init) and gives those to a reporter: one line, "GUEST-EXCEPTION
 *vector=N (#XX) error=0x.. eip=0x..", " cr2=0x.." for a #PF, then the run ends with
 *isa-debug-exit's (or HC_EXIT's) status (v << 1) | 1, v = EXC_EXIT_BASE + N. vec_handle(N, fn)
 *replaces it for vector N.
 *
 * A test expects one fault at one instruction:
 *	exc_expect(&e);
 *	__asm__ volatile(EXC_AT "ud2" EXC_RESUME : outputs : inputs : "memory");
 * A fault at that instruction (whatever its vector) fills e (caught = 1) and execution goes
 * on after it, the registers as the fault left them; the instruction must be the first in
 * EXC_AT's string, since e.at is its address.
 */
#define EXC_EXIT_BASE 0x40
#define EXC_AT	      "movl $8801f, exc_fault_eip\n\tmovl $8802f, exc_resume_eip\n8801:\t"
#define EXC_RESUME    "\n8802:\tmovl $0, exc_fault_eip\n"
struct exc_info {
	uint32_t vector, error, eip, cr2; /* cr2 for a #PF, else 0 */
	uint32_t at;			  /* the expected instruction's address */
	int caught;
};
void exc_init(void);
void exc_expect(struct exc_info *e);
const char *exc_name(uint32_t vector);			  /* exc_common.c: "#UD", or "?" past 31 */
void exc_exit(uint32_t vector) __attribute__((noreturn)); /* the failing status above */
/*
 * 64-bit guests (exc64.c): start64.S's exc64_init loads an IDT of 64-bit interrupt gates for
 * vectors 0-31, each reported as above with rip=0x%016llx (and cr2); nothing resumes.
 */
void exc64_init(void);
void exc_report(struct kit_frame *f) __attribute__((noreturn));
extern uint32_t exc_fault_eip, exc_resume_eip;

/*
 * Interrupts through the two 8259s (pic.c), which the VMM's LINT0 passes on as ExtINT:
 * IRQ n is vector 0x20 + n.
 */
typedef void (*irq_fn)(int irq);
void pic_init(void);		     /* both PICs remapped and masked (exc_init does it) */
void irq_init(void);		     /* the IDT, both PICs remapped and masked */
void irq_handle(int irq, irq_fn fn); /* fn runs for irq, then the EOI; irq unmasked */
uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t v);

/* start64.S's FS base: the stack-protector canary at +0x28 (ssp.c), 64-bit guests only. */
extern uint64_t kit_tls[8];

void guest_main(struct hvm_start_info *si);
void guest_poweroff(void);
/* After main returns: power off, then halt whatever happens. */
void guest_stop(void) __attribute__((noreturn));
void guest_reset(void);
void serial_putc(char c);
void serial_puts(const char *s);
void serial_putu(uint32_t v);
void serial_puthex(uint64_t v);
int serial_getc(void); /* blocks */
const char *cmdline_arg(const struct hvm_start_info *si, const char *key);
uint64_t parse_u64(const char *s);

/* Hypercall `call` with its argument block: the block's result (hypercall.c). */
int hc_call(int call, void *block);
void hc_puts(const char *s);
void hc_exit(uint32_t status);
uint64_t hc_monotonic_ns(void); /* the host's CLOCK_MONOTONIC (HC_TIME), 0 without it */

/*
 * printf.c: formatted output (C11 7.21.6), the conversions d i u x X p s c %, the length
 * modifiers hh h l ll z, width and precision, the flags '-' and '0'. printf writes to the
 * console set last: COM1 as serial_puts does, QEMU's debugcon port, or HC_PUTS.
 */
typedef void (*console_fn)(const char *s, size_t n);
void console_set(console_fn fn);		/* 0: back to console_com1 */
void console_com1(const char *s, size_t n);	/* kit.c: "\n" as "\r\n", as serial_puts */
void console_debugcon(const char *s, size_t n); /* kit.c: port 0xe9, byte for byte */
void console_hc(const char *s, size_t n);	/* hypercall.c: the VMM's standard output */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

/* string.c: the C library's string functions, as the C standard defines them. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/*
 * --- apic.c: the local APIC and the IOAPIC (SDM vol. 3, chapter 11; Intel 82093AA) --------
 * lapic_ functions act on the calling CPU's own LAPIC. Its registers (SDM 11.4.1, table 11-1):
 */
#define LAPIC_ID	 0x20
#define LAPIC_TPR	 0x80
#define LAPIC_EOI	 0xb0
#define LAPIC_SVR	 0xf0
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0
#define ICR_FIXED	 (0u << 8) /* ICR delivery modes (SDM 11.6.1, figure 11-12) */
#define ICR_INIT	 (5u << 8)
#define ICR_STARTUP	 (6u << 8)
/*
 * The kit's errors are Linux's errno values, negated, as the hypercalls' (base/hypercall.h).
 */
#define KIT_ENOENT    2
#define KIT_ETIMEDOUT 110
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
uint8_t lapic_id(void);
void lapic_enable(void); /* SVR: enabled, spurious vector 0xff; TPR 0 */
void lapic_eoi(void);
/* The timer counts the bus clock / divide (1, 2, 4, ... 128) down from count, then vec. */
void lapic_timer_start(uint8_t vec, uint32_t count, unsigned divide, int periodic);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);
/* An IPI: ICR's low dword icr to the LAPIC with ID dest; 0 once sent, or -KIT_ETIMEDOUT. */
int lapic_ipi(uint8_t dest, uint32_t icr);
int lapic_send_fixed(uint8_t dest, uint8_t vec);
int lapic_send_init(uint8_t dest);
int lapic_send_startup(uint8_t dest, uint8_t page);
/* IOAPIC pin to vec at the LAPIC with ID dest, edge (level 0) or level, active high. */
void ioapic_route(int pin, uint8_t vec, int level, uint8_t dest);
void ioapic_mask(int pin);

/*
 * --- smp.c: the other CPUs (SDM vol. 3, 8.4) ----------------------------------------------
 * smp_cpus: how many enabled CPUs the MADT lists, their APIC IDs in apic_ids (the first max),
 * or -KIT_ENOENT without one. smp_start_ap: INIT-SIPI-SIPI to the CPU with that APIC ID,
 * through the real-mode trampoline at LAYOUT_AP_TRAMPOLINE (base/layout.h), which it
 * overwrites; the AP runs fn(cpu) in 32-bit protected mode on stack_top (16-byte aligned),
 * with the BSP's GDT and the kit's IDT, interrupts off and its LAPIC as INIT left it
 * (software-disabled: fn calls lapic_enable). 0 once the AP runs, or -KIT_ETIMEDOUT. One AP
 * at a time; the waits are timed by HC_TIME (hc_monotonic_ns). Every CPU shares the one
 * IDT, its handlers and vec_count[], whose increments are not atomic: a vector that two CPUs
 * take at once may be counted once, so give each CPU vectors of its own.
 */
int smp_cpus(const struct hvm_start_info *si, uint8_t *apic_ids, int max);
int smp_start_ap(uint8_t apic_id, int cpu, void *stack_top, void (*fn)(int cpu));

#endif /* __ASSEMBLER__ */
#endif
