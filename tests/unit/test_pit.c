/* SPDX-License-Identifier: MIT */
/*
 * The 8254 register model on a clock the test sets: every mode's count and OUT over time,
 * the access modes, latch and read-back, port 0x61, IRQ 0's timing, and the sequences
 * Linux's i8253 clockevent, its TSC calibration and SeaBIOS's timer set-up issue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/pit.h"

static uint64_t now_ns;
static int irq_rises, irq_level;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return now_ns;
}

static void fake_irq(void *ctx, int level)
{
	(void)ctx;
	irq_rises += level && !irq_level;
	irq_level = level;
}

/* The time at which `ticks` PIT clocks have passed since t0. */
static uint64_t at_ticks(uint64_t t0, uint64_t ticks)
{
	return t0 + (ticks * 1000000000ULL + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

/* Channel ch's OUT once `ticks` clocks have passed since t0. */
static bool out_at(struct pit *p, int ch, uint64_t t0, uint64_t ticks)
{
	now_ns = at_ticks(t0, ticks);
	return pit_out(p, ch);
}

static void outb(struct pit *p, uint16_t port, uint8_t v)
{
	if (port == PIT_PORT_61)
		pit_port61_io(p, 0, &v, 1, true);
	else
		pit_io(p, port - PIT_PORT, &v, 1, true);
}

static uint8_t inb(struct pit *p, uint16_t port)
{
	uint8_t v = 0;

	if (port == PIT_PORT_61)
		pit_port61_io(p, 0, &v, 1, false);
	else
		pit_io(p, port - PIT_PORT, &v, 1, false);
	return v;
}

static uint16_t in_lohi(struct pit *p, int ch)
{
	uint8_t lo = inb(p, PIT_PORT + ch);

	return (uint16_t)(lo | inb(p, PIT_PORT + ch) << 8);
}

static uint16_t latched(struct pit *p, int ch)
{
	outb(p, 0x43, (uint8_t)(ch << 6)); /* counter latch */
	return in_lohi(p, ch);
}

/* Control word for channel ch, LSB then MSB, mode m, then the count. */
static void program(struct pit *p, int ch, int mode, uint16_t count)
{
	outb(p, 0x43, (uint8_t)(ch << 6 | 3 << 4 | mode << 1));
	outb(p, PIT_PORT + ch, count & 0xff);
	outb(p, PIT_PORT + ch, count >> 8);
}

static int setup(void **state)
{
	static struct pit p;

	now_ns = 1000000000ULL; /* not 0: time 0 must mean nothing special */
	irq_rises = irq_level = 0;
	assert_int_equal(pit_init(&p, fake_clock, NULL, fake_irq, NULL), 0);
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	pit_fini(*state);
	return 0;
}

static void test_power_on(void **state)
{
	struct pit *p = *state;

	for (int ch = 0; ch < 3; ch++) {
		outb(p, 0x43, (uint8_t)(0xe0 | 2 << ch)); /* read-back status only */
		/* mode 0, LSB/MSB, null count, OUT low: nothing counts */
		assert_int_equal(inb(p, PIT_PORT + ch), 0x40 | 0x30);
	}
	assert_int_equal(inb(p, PIT_PORT_61) & ~PIT_61_REFRESH, 0);
	now_ns += 1000000000ULL;
	assert_int_equal(pit_next_irq(p), UINT64_MAX);
	assert_false(pit_tick(p));
	assert_int_equal(inb(p, 0x43), 0xff); /* the control word cannot be read */
}

static void test_mode0_one_shot(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	program(p, 0, 0, 1000);
	assert_false(pit_out(p, 0));
	assert_int_equal(pit_count(p, 0), 1000);
	now_ns = at_ticks(t0, 400);
	assert_int_equal(latched(p, 0), 600);
	assert_false(pit_out(p, 0));
	assert_false(out_at(p, 0, t0, 999));
	assert_true(out_at(p, 0, t0, 1000));
	assert_int_equal(pit_count(p, 0), 0);
	now_ns = at_ticks(t0, 1010); /* counting on past 0, wrapping, OUT staying high */
	assert_int_equal(pit_count(p, 0), 0x10000 - 10);
	assert_true(pit_out(p, 0));
}

/* The first byte of a new mode 0 count stops it and sets OUT low at once. */
static void test_mode0_rewrite(void **state)
{
	struct pit *p = *state;

	program(p, 0, 0, 10);
	now_ns = at_ticks(now_ns, 20);
	assert_true(pit_out(p, 0));
	outb(p, 0x40, 50);
	assert_false(pit_out(p, 0));
	now_ns += 1000000;
	assert_false(pit_out(p, 0));
	outb(p, 0x40, 0);
	assert_int_equal(pit_count(p, 0), 50);
}

/* Modes 1 and 5 on channel 2: waiting, OUT high and the count held, until gate 2 rises. */
static uint64_t trigger_gate2(struct pit *p, int mode, uint16_t count)
{
	program(p, 2, mode, count);
	assert_true(pit_out(p, 2));
	now_ns += 1000000;
	assert_int_equal(pit_count(p, 2), count);
	outb(p, PIT_PORT_61, PIT_61_GATE2);
	return now_ns;
}

static void test_mode1_gate_triggered(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = trigger_gate2(p, 1, 100);

	assert_false(pit_out(p, 2));
	now_ns = at_ticks(t0, 60);
	assert_int_equal(pit_count(p, 2), 40);
	/* another rising edge retriggers from the full count */
	outb(p, PIT_PORT_61, 0);
	outb(p, PIT_PORT_61, PIT_61_GATE2);
	t0 = now_ns;
	assert_false(out_at(p, 2, t0, 99));
	assert_true(out_at(p, 2, t0, 100));
}

static void test_mode2_rate_generator(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	program(p, 0, 2, 100);
	assert_true(pit_out(p, 0));
	now_ns = at_ticks(t0, 98);
	assert_int_equal(pit_count(p, 0), 2);
	assert_true(pit_out(p, 0));
	now_ns = at_ticks(t0, 99); /* count 1: OUT low for one clock */
	assert_int_equal(pit_count(p, 0), 1);
	assert_false(pit_out(p, 0));
	now_ns = at_ticks(t0, 100); /* reloaded */
	assert_int_equal(pit_count(p, 0), 100);
	assert_true(pit_out(p, 0));
	now_ns = at_ticks(t0, 1050);
	assert_int_equal(pit_count(p, 0), 50);
}

static void test_mode3_square_wave(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	program(p, 0, 3, 100);
	assert_true(out_at(p, 0, t0, 49));
	assert_false(out_at(p, 0, t0, 50));
	assert_false(out_at(p, 0, t0, 99));
	assert_true(out_at(p, 0, t0, 100));
	assert_int_equal(pit_count(p, 0), 100);
	now_ns = at_ticks(t0, 110);
	assert_int_equal(pit_count(p, 0), 80); /* down by two each clock */
	/* odd counts: high one clock longer than low */
	t0 = now_ns;
	program(p, 1, 3, 5);
	assert_true(out_at(p, 1, t0, 2));
	assert_false(out_at(p, 1, t0, 3));
	assert_true(out_at(p, 1, t0, 5));
}

/* Modes 6 and 7 are 2 and 3; the status shows the mode as written. */
static void test_mode6_is_2(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	outb(p, 0x43, 0x3c); /* ch0, LSB/MSB, mode 6 */
	outb(p, 0x40, 10);
	outb(p, 0x40, 0);
	assert_false(out_at(p, 0, t0, 9));
	now_ns = at_ticks(t0, 13);
	assert_int_equal(pit_count(p, 0), 7);
	outb(p, 0x43, 0xe2);
	assert_int_equal(inb(p, 0x40) & 0x3f, 0x3c);
}

static void test_mode4_strobe(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	program(p, 1, 4, 10);
	assert_true(pit_out(p, 1));
	assert_false(out_at(p, 1, t0, 10));
	assert_true(out_at(p, 1, t0, 11));
	assert_int_equal(pit_count(p, 1), 0xffff);
}

static void test_mode5_gate_strobe(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = trigger_gate2(p, 5, 10);

	assert_true(out_at(p, 2, t0, 9));
	assert_false(out_at(p, 2, t0, 10));
	assert_true(out_at(p, 2, t0, 11));
}

/* Modes 0 and 4 pause while gate 2 is low; modes 2 and 3 stop with OUT high and reload. */
static void test_gate_pauses(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	outb(p, PIT_PORT_61, PIT_61_GATE2);
	program(p, 2, 0, 1000);
	now_ns = at_ticks(t0, 300);
	outb(p, PIT_PORT_61, 0);
	now_ns += 5000000;
	assert_int_equal(pit_count(p, 2), 700);
	outb(p, PIT_PORT_61, PIT_61_GATE2);
	t0 = now_ns;
	now_ns = at_ticks(t0, 100);
	assert_int_equal(pit_count(p, 2), 600);

	program(p, 2, 3, 100);
	t0 = now_ns;
	assert_false(out_at(p, 2, t0, 60)); /* low half */
	outb(p, PIT_PORT_61, 0);
	assert_true(pit_out(p, 2));
	now_ns += 1000000;
	outb(p, PIT_PORT_61, PIT_61_GATE2);
	assert_int_equal(pit_count(p, 2), 100);
}

static void test_access_modes(void **state)
{
	struct pit *p = *state;

	outb(p, 0x43, 0x10); /* ch0, LSB only, mode 0 */
	outb(p, 0x40, 0x34);
	assert_int_equal(pit_count(p, 0), 0x34);
	assert_int_equal(inb(p, 0x40), 0x34);
	assert_int_equal(inb(p, 0x40), 0x34); /* no flip-flop */
	outb(p, 0x43, 0x20);		      /* MSB only */
	outb(p, 0x40, 0x12);
	assert_int_equal(pit_count(p, 0), 0x1200);
	assert_int_equal(inb(p, 0x40), 0x12);
	outb(p, 0x43, 0x30); /* LSB then MSB */
	outb(p, 0x40, 0x78);
	outb(p, 0x40, 0x56);
	assert_int_equal(pit_count(p, 0), 0x5678);
	assert_int_equal(in_lohi(p, 0), 0x5678);
	/* reads and writes have their own flip-flops (datasheet, "Read Operations") */
	assert_int_equal(inb(p, 0x40), 0x78);
	outb(p, 0x40, 0x22);
	assert_int_equal(inb(p, 0x40), 0x56);
	outb(p, 0x40, 0x11);
	assert_int_equal(in_lohi(p, 0), 0x1122);
	/* count 0 is 65536 */
	program(p, 0, 2, 0);
	assert_int_equal(pit_count(p, 0), 0);
	now_ns = at_ticks(now_ns, 1);
	assert_int_equal(pit_count(p, 0), 0xffff);
}

static void test_bcd(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	outb(p, 0x43, 0x31); /* ch0, LSB/MSB, mode 0, BCD */
	outb(p, 0x40, 0x00);
	outb(p, 0x40, 0x10); /* 1000 decimal */
	now_ns = at_ticks(t0, 1);
	assert_int_equal(latched(p, 0), 0x0999);
	now_ns = at_ticks(t0, 1001); /* wraps at 10000 */
	assert_int_equal(latched(p, 0), 0x9999);
}

/* A latched count stays until read, whatever the clock does; a second latch is ignored. */
static void test_counter_latch(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	program(p, 0, 2, 1000);
	now_ns = at_ticks(t0, 100);
	outb(p, 0x43, 0x00);
	now_ns = at_ticks(t0, 300);
	outb(p, 0x43, 0x00);
	assert_int_equal(inb(p, 0x40), 900 & 0xff);
	now_ns = at_ticks(t0, 500);
	assert_int_equal(inb(p, 0x40), 900 >> 8);
	assert_int_equal(in_lohi(p, 0), 500); /* live again */
}

static void test_readback(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	program(p, 0, 2, 1000);
	program(p, 1, 3, 0x100);
	now_ns = at_ticks(t0, 100);
	outb(p, 0x43, 0xc6); /* count and status of channels 0 and 1 */
	now_ns = at_ticks(t0, 200);
	assert_int_equal(inb(p, 0x40), 0x80 | 0x30 | 2 << 1); /* OUT high, loaded */
	assert_int_equal(in_lohi(p, 0), 900);
	assert_int_equal(inb(p, 0x41), 0x80 | 0x30 | 3 << 1);
	assert_int_equal(in_lohi(p, 1), 0x100 - 200);
	/* count only, then status only: each latch on its own */
	outb(p, 0x43, 0xd2); /* count of channel 0 */
	assert_int_equal(in_lohi(p, 0), 800);
	outb(p, 0x43, 0xe2); /* status of channel 0 */
	assert_int_equal(inb(p, 0x40), 0x80 | 0x34);
	/* a status latched twice keeps the first; a control word drops both latches */
	outb(p, 0x43, 0xe2);
	program(p, 0, 0, 5);
	now_ns = at_ticks(now_ns, 1);
	outb(p, 0x43, 0xe2);
	assert_int_equal(inb(p, 0x40), 0x30); /* mode 0, OUT low, CE loaded */
}

static void test_null_count(void **state)
{
	struct pit *p = *state;

	outb(p, 0x43, 0x34);
	outb(p, 0x43, 0xe2);
	assert_int_equal(inb(p, 0x40) & 0x40, 0x40);
	outb(p, 0x40, 0);
	outb(p, 0x40, 1);
	outb(p, 0x43, 0xe2);
	assert_int_equal(inb(p, 0x40) & 0x40, 0x40); /* not yet in the counting element */
	now_ns = at_ticks(now_ns, 1);
	outb(p, 0x43, 0xe2);
	assert_int_equal(inb(p, 0x40) & 0x40, 0);
}

static void test_port61(void **state)
{
	struct pit *p = *state;
	uint64_t t0;

	outb(p, PIT_PORT_61, 0xff);
	assert_int_equal(inb(p, PIT_PORT_61) & 0xcf, 0x0f);
	outb(p, PIT_PORT_61, 0x02);
	assert_int_equal(inb(p, PIT_PORT_61) & 0x0f, 0x02);
	/* OUT2 at bit 5: mode 0 on gate 2 */
	outb(p, PIT_PORT_61, PIT_61_GATE2);
	t0 = now_ns;
	program(p, 2, 0, 50);
	assert_int_equal(inb(p, PIT_PORT_61) & PIT_61_OUT2, 0);
	now_ns = at_ticks(t0, 50);
	assert_int_equal(inb(p, PIT_PORT_61) & PIT_61_OUT2, PIT_61_OUT2);
	/* the refresh bit toggles with time */
	now_ns = 15085 * 1000;
	assert_int_equal(inb(p, PIT_PORT_61) & PIT_61_REFRESH, 0);
	now_ns += 15085;
	assert_int_equal(inb(p, PIT_PORT_61) & PIT_61_REFRESH, PIT_61_REFRESH);
}

/* Any width at any port: bytes of the ports covered, the rest floating. */
static void test_widths(void **state)
{
	struct pit *p = *state;
	uint8_t b[8];

	outb(p, 0x43, 0x34);
	memcpy(b, "\x34\x12", 2);
	pit_io(p, 0, b, 2, true); /* 0x40 then 0x41: one byte for each channel */
	outb(p, 0x40, 0x56);
	assert_int_equal(pit_count(p, 0), 0x5634);
	outb(p, 0x41, 0x00);
	assert_int_equal(pit_count(p, 1), 0x12);
	memset(b, 0, sizeof(b));
	pit_io(p, 2, b, 4, false); /* 0x42, 0x43, then beyond */
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0xff);
	assert_int_equal(b[3], 0xff);
	pit_io(p, 7, b, 8, false);
	for (int i = 0; i < 8; i++)
		assert_int_equal(b[i], 0xff);
	pit_io(p, 7, b, 8, true);
	pit_port61_io(p, 1, b, 1, true);
	memset(b, 0, sizeof(b));
	pit_port61_io(p, 0, b, 4, false);
	assert_int_equal(b[1], 0xff);
	pit_io(p, 0, NULL, 1, false);
}

/* Linux's PIT clockevent, periodic: 0x34 then LATCH (HZ=1000: 1193). */
static void test_irq_periodic(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns, next;

	program(p, 0, 2, 1193);
	next = pit_next_irq(p);
	assert_int_equal(next, at_ticks(t0, 1193));
	now_ns = next - 1;
	assert_false(pit_tick(p));
	now_ns = next;
	assert_true(pit_tick(p));
	assert_int_equal(irq_rises, 1);
	assert_int_equal(irq_level, 0); /* an edge: raised and lowered */
	assert_int_equal(pit_next_irq(p), at_ticks(t0, 2 * 1193));
	/* a late wake-up raises one, not the ones it missed */
	now_ns = at_ticks(t0, 10 * 1193 + 5);
	assert_true(pit_tick(p));
	assert_false(pit_tick(p));
	assert_int_equal(irq_rises, 2);
	assert_int_equal(pit_next_irq(p), at_ticks(t0, 11 * 1193));
}

/* Linux's oneshot clockevent: 0x30 once, then each event's count LSB, MSB. */
static void test_irq_oneshot(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	outb(p, 0x43, 0x30);
	assert_int_equal(pit_next_irq(p), UINT64_MAX);
	outb(p, 0x40, 0x00);
	outb(p, 0x40, 0x10);
	assert_int_equal(pit_next_irq(p), at_ticks(t0, 0x1000));
	now_ns = at_ticks(t0, 0x1000);
	assert_true(pit_tick(p));
	assert_int_equal(pit_next_irq(p), UINT64_MAX);
	now_ns += 1000000000ULL;
	assert_false(pit_tick(p));
	t0 = now_ns;
	outb(p, 0x40, 0x00);
	outb(p, 0x40, 0x01);
	assert_int_equal(pit_next_irq(p), at_ticks(t0, 0x100));
	/* Linux's shutdown: 0x30, then 0 0 ... which arms the longest one-shot */
	outb(p, 0x43, 0x30);
	assert_int_equal(pit_next_irq(p), UINT64_MAX);
}

/* A count of 1 in mode 2 cannot make IRQs come closer than PIT_MIN_PERIOD_NS. */
static void test_irq_rate_bound(void **state)
{
	struct pit *p = *state;
	int n = 0;

	program(p, 0, 2, 1);
	for (uint64_t end = now_ns + 10000000; now_ns < end; now_ns += 1000)
		n += pit_tick(p);
	assert_in_range(n, 49, 51); /* 10 ms / 200 us */
	assert_true(pit_next_irq(p) >= now_ns - 1000 + 1);
}

/* arch/x86/kernel/tsc.c pit_calibrate_tsc: mode 0 on channel 2, poll OUT2 at port 0x61. */
static void test_linux_pit_calibrate_tsc(void **state)
{
	struct pit *p = *state;
	uint64_t t0;
	uint16_t latch = PIT_FREQ_HZ / 20; /* 50 ms */

	outb(p, PIT_PORT_61, (uint8_t)((inb(p, PIT_PORT_61) & ~0x02) | 0x01));
	outb(p, 0x43, 0xb0);
	outb(p, 0x42, latch & 0xff);
	outb(p, 0x42, latch >> 8);
	t0 = now_ns;
	while (!(inb(p, PIT_PORT_61) & 0x20))
		now_ns += 10000;
	assert_in_range(now_ns - t0, 50000000 - 10000, 50000000 + 10000);
}

/* quick_pit_calibrate: count from 0xffff in mode 0 and watch the MSB fall (pit_expect_msb). */
static void test_linux_quick_pit_calibrate(void **state)
{
	struct pit *p = *state;
	uint64_t t0;
	int msb = 0xff;

	outb(p, PIT_PORT_61, (uint8_t)((inb(p, PIT_PORT_61) & ~0x02) | 0x01));
	outb(p, 0x43, 0xb0);
	outb(p, 0x42, 0xff);
	outb(p, 0x42, 0xff);
	inb(p, 0x42); /* pit_verify_msb(0): the first read pair */
	inb(p, 0x42);
	t0 = now_ns;
	for (int want = 0xfe; want > 0xf0; want--) {
		/* each loop reads LSB then MSB, as pit_expect_msb does */
		do {
			now_ns += 2000;
			inb(p, 0x42);
			msb = inb(p, 0x42);
		} while (msb == want + 1);
		assert_int_equal(msb, want);
	}
	/* 14 MSB steps of 256 ticks: ~3 ms */
	assert_in_range(now_ns - t0, 14 * 256 * 838 - 300000, 14 * 256 * 838 + 300000);
}

/* SeaBIOS timer_setup (clock.c): channel 0 mode 2 count 0 (18.2 Hz), then the TSC against
 * channel 2 in mode 0 as Linux does. */
static void test_seabios_timer_setup(void **state)
{
	struct pit *p = *state;
	uint64_t t0 = now_ns;

	outb(p, 0x43, 0x34);
	outb(p, 0x40, 0);
	outb(p, 0x40, 0);
	assert_int_equal(pit_next_irq(p), at_ticks(t0, 0x10000)); /* 54.9 ms */
	outb(p, PIT_PORT_61, (uint8_t)((inb(p, PIT_PORT_61) & ~0x02) | 0x01));
	outb(p, 0x43, 0xb0);
	outb(p, 0x42, 0xff);
	outb(p, 0x42, 0xff);
	now_ns = at_ticks(now_ns, 0x1000);
	outb(p, 0x43, 0x80); /* latch channel 2 */
	assert_int_equal(in_lohi(p, 2), 0xffff - 0x1000);
}

static void test_reset(void **state)
{
	struct pit *p = *state;

	program(p, 0, 2, 100);
	outb(p, PIT_PORT_61, 0x03);
	outb(p, 0x43, 0xc2); /* latches left unread */
	now_ns = at_ticks(now_ns, 100);
	assert_true(pit_tick(p));
	pit_reset(p);
	assert_int_equal(pit_next_irq(p), UINT64_MAX);
	now_ns += 1000000000ULL;
	assert_false(pit_tick(p));
	assert_int_equal(inb(p, PIT_PORT_61) & 0x0f, 0);
	outb(p, 0x43, 0xe2);
	assert_int_equal(inb(p, 0x40), 0x70);
	/* and a program after reset works without waiting for the old rate bound */
	program(p, 0, 2, 100);
	assert_int_equal(pit_next_irq(p), at_ticks(now_ns, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_power_on),
	    T(test_mode0_one_shot),
	    T(test_mode0_rewrite),
	    T(test_mode1_gate_triggered),
	    T(test_mode2_rate_generator),
	    T(test_mode3_square_wave),
	    T(test_mode6_is_2),
	    T(test_mode4_strobe),
	    T(test_mode5_gate_strobe),
	    T(test_gate_pauses),
	    T(test_access_modes),
	    T(test_bcd),
	    T(test_counter_latch),
	    T(test_readback),
	    T(test_null_count),
	    T(test_port61),
	    T(test_widths),
	    T(test_irq_periodic),
	    T(test_irq_oneshot),
	    T(test_irq_rate_bound),
	    T(test_linux_pit_calibrate_tsc),
	    T(test_linux_quick_pit_calibrate),
	    T(test_seabios_timer_setup),
	    T(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
