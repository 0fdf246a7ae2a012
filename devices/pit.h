/* SPDX-License-Identifier: MIT */
/*
 * An Intel 8254 programmable interval timer (82C54 datasheet), with the PC's port 0x61
 * (gate 2, speaker data, OUT2), at the ports base/machine.h names,: the register model and the
 * device that raises IRQ 0.
 *
 * The model does no per-tick work: each channel remembers when it started counting and
 * derives its count and OUT from the time elapsed, read from an injectable clock (the
 * device's CLOCK_MONOTONIC, the unit tests' variable).
 */
#ifndef DEVICES_PIT_H
#define DEVICES_PIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define PIT_FREQ_HZ  1193182 /* the PC's 14.31818 MHz crystal / 12 */
#define PIT_CHANNELS 3
/*
 * The closest two IRQ 0s may come (KVM's min_timer_period_us, 200 us, for its own PIT and
 * the LAPIC timer): a guest that programs a count of 1 cannot make the timer thread spin.
 */
#define PIT_MIN_PERIOD_NS 200000ULL

/* Port 0x61 bits (the PC's system control port B). */
#define PIT_61_GATE2   0x01
#define PIT_61_SPEAKER 0x02 /* speaker data: kept, no sound is made */
#define PIT_61_RW      0x0f /* what reads back as written (with the parity-check enables) */
#define PIT_61_REFRESH 0x10 /* the DRAM refresh toggle, every 15.085 us */
#define PIT_61_OUT2    0x20

typedef uint64_t (*pit_clock_fn)(void *ctx); /* nanoseconds, never going back */
typedef void (*pit_notify_fn)(void *ctx);

struct pit_channel {
	uint32_t count; /* N, the initial count: 1..0x10000 (10000 in BCD) */
	uint8_t mode;	/* the control word's M2..M0 as written (6, 7 act as 2, 3) */
	uint8_t rw;	/* RW1..RW0: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;	/* counts in four decades */
	bool gate;	/* channels 0 and 1: tied high; channel 2: port 0x61 bit 0 */
	bool loaded;	/* a whole count was written after the control word */
	bool triggered; /* modes 1 and 5: a gate rising edge came since the count */
	bool running;	/* ticks are being counted from start */
	bool write_msb; /* the write flip-flop: the next byte is the MSB */
	bool read_msb;	/* the read flip-flop, separate (datasheet, "Read Operations") */
	bool count_latched, status_latched;
	uint8_t write_lsb; /* an LSB waiting for its MSB */
	uint16_t latch;	   /* the output latch OL, as the guest will read it */
	uint8_t status;	   /* a latched read-back status byte */
	uint64_t start;	   /* ns: when ticks began counting */
	uint64_t held;	   /* ticks counted before start (a gate pause in modes 0 and 4) */
};

struct pit {
	pthread_mutex_t lock;
	pit_clock_fn clock;
	void *clock_ctx;
	/* Called, with the lock held, when channel 0 changes: its next IRQ may have moved. */
	pit_notify_fn changed;
	void *changed_ctx;
	device_irq_fn set_irq;
	void *irq_ctx;
	struct pit_channel ch[PIT_CHANNELS];
	uint8_t port61;	   /* PIT_61_RW bits as written */
	uint64_t irq_last; /* ns of the last IRQ 0 raised (0: none) */
	unsigned long irqs;
};

/* Power-on state, the lock made; changed and set_irq may be NULL. 0 or -errno. */
int pit_init(struct pit *p, pit_clock_fn clock, void *clock_ctx, device_irq_fn set_irq,
	     void *irq_ctx);
void pit_fini(struct pit *p);
/* Back to power-on: no channel counts (the BIOS's job, which we have none of), gate 2 low. */
void pit_reset(struct pit *p);
/* Bus handlers: offset 0..3 from 0x40, and port 0x61. Any width: byte by byte. */
void pit_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
void pit_port61_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
/* Channel ch's OUT and count now (for tests and the dump). */
bool pit_out(struct pit *p, int ch);
uint32_t pit_count(struct pit *p, int ch);
/*
 * When IRQ 0 is next due, in the clock's ns: channel 0's next OUT rising edge after the last
 * IRQ (modes 2 and 3 periodically, modes 0 and 4 once), no sooner than PIT_MIN_PERIOD_NS
 * after it; UINT64_MAX when none is coming.
 */
uint64_t pit_next_irq(struct pit *p);
/* The clock says now: raise IRQ 0 (an edge: raise, lower) if one is due. True if raised. */
bool pit_tick(struct pit *p);

/* The device (devices/device.h): one when the machine asks for the user-space PIT. */
extern const struct device_ops pit_device;

#endif
