/* SPDX-License-Identifier: MIT */
/*
 * The MC146818A driven as guests drive it: Linux's mc146818_get_time / mc146818_set_time
 * (drivers/rtc/rtc-mc146818-lib.c) and rtc-cmos's alarm and interrupt paths, SeaBIOS's
 * rtc_setup / rtc_updating / rtc_use (src/hw/rtc.c), on a clock the test sets. Expected
 * times come from libc's timegm/gmtime_r, not from the model's own calendar code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/machine.h"
#include "devices/rtc.h"

#define NS	    1000000000LL
#define IDX	    0 /* port offsets: 0x70, 0x71 */
#define DATA	    1
#define REG_A	    0x0a
#define REG_B	    0x0b
#define REG_C	    0x0c
#define REG_D	    0x0d
#define CENTURY	    0x32
#define NMI_DISABLE 0x80
#define UIP	    0x80
#define SET	    0x80
#define PIE	    0x40
#define AIE	    0x20
#define UIE	    0x10
#define SQWE	    0x08
#define DM	    0x04
#define H24	    0x02
#define DSE	    0x01
#define IRQF	    0x80
#define PF	    0x40
#define AF	    0x20
#define UF	    0x10
#define UIP_NS	    244140

struct fixture {
	struct rtc *r;
	int64_t now; /* the clock, ns since the epoch */
	int level, rises;
};

static int64_t fake_clock(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static void fake_irq(void *ctx, int level)
{
	struct fixture *f = ctx;

	assert_int_not_equal(level, f->level); /* only real changes are reported */
	f->level = level;
	f->rises += level;
}

/* 2024-02-29 23:59:58 UTC, a leap day just before midnight, plus ns */
static int64_t t_leap(int64_t ns)
{
	struct tm tm = {
	    .tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 23, .tm_min = 59, .tm_sec = 58};

	return timegm(&tm) * NS + ns;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->now = t_leap(0);
	f->r = rtc_create(0, NULL, fake_clock, f, fake_irq, f);
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rtc_destroy(f->r);
	free(f);
	return 0;
}

static void outb(struct fixture *f, int port, uint8_t v)
{
	rtc_io(f->r, port, &v, 1, true);
}

static uint8_t inb(struct fixture *f, int port)
{
	uint8_t v = 0x5a;

	rtc_io(f->r, port, &v, 1, false);
	return v;
}

/* Linux's CMOS_READ / CMOS_WRITE (arch/x86/include/asm/mc146818rtc.h): index, then data. */
static uint8_t cmos_read(struct fixture *f, uint8_t index)
{
	outb(f, IDX, index);
	return inb(f, DATA);
}

static void cmos_write(struct fixture *f, uint8_t index, uint8_t v)
{
	outb(f, IDX, index);
	outb(f, DATA, v);
}

static int bcd(int v)
{
	return v / 10 << 4 | v % 10;
}

static int unbcd(int v)
{
	return (v >> 4) * 10 + (v & 15);
}

/* UIP set (then udelay(100): the clock moves 100 us), or the seconds moved: read again. */
static bool linux_retry(struct fixture *f, uint8_t sec, int *waits)
{
	if (cmos_read(f, REG_A) & UIP) {
		f->now += 100000;
		++*waits;
		return true;
	}
	return sec != cmos_read(f, 0);
}

/*
 * mc146818_avoid_UIP() + mc146818_get_time()'s callback: seconds, UIP, seconds again, the
 * rest, UIP and seconds once more.
 * Returns the time as seconds since the epoch, with the number of UIP waits in *waits.
 */
static int64_t linux_get_time(struct fixture *f, int *waits)
{
	struct tm tm = {0};
	uint8_t sec, ctrl;

	*waits = 0;
	for (int i = 0; i < 1000; i++) {
		sec = cmos_read(f, 0);
		if (linux_retry(f, sec, waits))
			continue;
		tm.tm_min = cmos_read(f, 2);
		tm.tm_hour = cmos_read(f, 4);
		tm.tm_mday = cmos_read(f, 7);
		tm.tm_mon = cmos_read(f, 8);
		tm.tm_year = cmos_read(f, 9);
		tm.tm_yday = cmos_read(f, CENTURY); /* acpi_gbl_FADT.century */
		ctrl = cmos_read(f, REG_B);
		if (linux_retry(f, sec, waits))
			continue;
		tm.tm_sec = sec;
		if (!(ctrl & DM)) {
			tm.tm_sec = unbcd(tm.tm_sec);
			tm.tm_min = unbcd(tm.tm_min);
			tm.tm_hour = unbcd(tm.tm_hour);
			tm.tm_mday = unbcd(tm.tm_mday);
			tm.tm_mon = unbcd(tm.tm_mon);
			tm.tm_year = unbcd(tm.tm_year);
			tm.tm_yday = unbcd(tm.tm_yday);
		}
		tm.tm_year += tm.tm_yday * 100 - 1900;
		tm.tm_mon--;
		tm.tm_yday = 0;
		return timegm(&tm);
	}
	fail_msg("UIP never cleared");
	return -1;
}

/* mc146818_set_time(): SET, divider reset, the fields, then both restored. */
static void linux_set_time(struct fixture *f, const struct tm *tm)
{
	uint8_t save_control = cmos_read(f, REG_B), save_freq;
	int yrs = tm->tm_year + 1900;

	cmos_write(f, REG_B, save_control | SET);
	save_freq = cmos_read(f, REG_A);
	cmos_write(f, REG_A, save_freq | 0x70); /* RTC_DIV_RESET2 */
	cmos_write(f, 9, bcd(yrs % 100));
	cmos_write(f, 8, bcd(tm->tm_mon + 1));
	cmos_write(f, 7, bcd(tm->tm_mday));
	cmos_write(f, 4, bcd(tm->tm_hour));
	cmos_write(f, 2, bcd(tm->tm_min));
	cmos_write(f, 0, bcd(tm->tm_sec));
	cmos_write(f, CENTURY, bcd(yrs / 100));
	cmos_write(f, REG_B, save_control);
	cmos_write(f, REG_A, save_freq);
}

/* Advance the clock to the model's next event and let the timer thread's tick run. */
static int64_t fire_next(struct fixture *f)
{
	int64_t t = rtc_next_event(f->r);

	assert_true(t != RTC_NO_EVENT);
	assert_true(t > f->now - 1);
	f->now = t;
	rtc_tick(f->r);
	return t;
}

/* --- every register at power-on --------------------------------------------------------- */

static void test_power_on(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cmos_read(f, REG_A), 0x26);
	assert_int_equal(cmos_read(f, REG_B), H24);
	assert_int_equal(cmos_read(f, REG_C), 0);
	assert_int_equal(cmos_read(f, REG_D), 0x80); /* VRT */
	assert_int_equal(cmos_read(f, 0), 0x58);
	assert_int_equal(cmos_read(f, 2), 0x59);
	assert_int_equal(cmos_read(f, 4), 0x23);
	assert_int_equal(cmos_read(f, 6), 5); /* Thursday: Sunday is 1 */
	assert_int_equal(cmos_read(f, 7), 0x29);
	assert_int_equal(cmos_read(f, 8), 0x02);
	assert_int_equal(cmos_read(f, 9), 0x24);
	assert_int_equal(cmos_read(f, CENTURY), 0x20);
	assert_int_equal(cmos_read(f, 0x37), 0x20); /* the PS/2 century alias */
	for (int i = 0x0e; i < 128; i++)	    /* RAM, with no machine: zero */
		if (i != CENTURY && i != 0x37)
			assert_int_equal(cmos_read(f, i), 0);
	assert_int_equal(f->rises, 0);
	assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT); /* nothing enabled: no wake-up */
}

/* The clock runs: midnight of a leap day rolls to 1 March, day of week and all. */
static void test_time_runs(void **state)
{
	struct fixture *f = *state;
	int waits;

	f->now = t_leap(2 * NS + 1);
	assert_int_equal(cmos_read(f, 0), 0x00);
	assert_int_equal(cmos_read(f, 2), 0x00);
	assert_int_equal(cmos_read(f, 4), 0x00);
	assert_int_equal(cmos_read(f, 6), 6);
	assert_int_equal(cmos_read(f, 7), 0x01);
	assert_int_equal(cmos_read(f, 8), 0x03);
	f->now = t_leap(3600LL * 24 * 366 * NS); /* a year on: 2025-03-01 23:59:58 */
	assert_int_equal(linux_get_time(f, &waits), t_leap(0) / NS + 3600LL * 24 * 366);
	assert_int_equal(cmos_read(f, 9), 0x25);
}

static void test_binary_mode(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_B, H24 | DM);
	assert_int_equal(cmos_read(f, 0), 58);
	assert_int_equal(cmos_read(f, 2), 59);
	assert_int_equal(cmos_read(f, 4), 23);
	assert_int_equal(cmos_read(f, 7), 29);
	assert_int_equal(cmos_read(f, 9), 24);
	assert_int_equal(cmos_read(f, CENTURY), 20);
	cmos_write(f, REG_B, H24); /* and back: BCD again */
	assert_int_equal(cmos_read(f, 0), 0x58);
}

/* 12-hour mode: 1-12 with bit 7 for PM, in BCD and binary; midnight is 12 AM. */
static void test_12_hour(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int hour, bcd, bin;
	} h[] = {{0, 0x12, 12},	   {1, 0x01, 1},     {11, 0x11, 11},
		 {12, 0x92, 0x8c}, {13, 0x81, 0x81}, {23, 0x91, 0x8b}};

	for (unsigned i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		f->now = t_leap((3600LL * h[i].hour + 2) * NS); /* 1 March, h:00:00 */
		cmos_write(f, REG_B, 0);
		assert_int_equal(cmos_read(f, 4), h[i].bcd);
		cmos_write(f, REG_B, DM);
		assert_int_equal(cmos_read(f, 4), h[i].bin);
	}
}

/* A time written in 12-hour mode (PM bit) reads back in 24-hour mode. */
static void test_12_hour_set(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_B, SET); /* 12-hour BCD, held */
	cmos_write(f, 4, 0x80 | 0x07);
	cmos_write(f, 2, 0x30);
	cmos_write(f, 0, 0x00);
	cmos_write(f, REG_B, 0);
	cmos_write(f, REG_B, H24);
	assert_int_equal(cmos_read(f, 4), 0x19);
	assert_int_equal(cmos_read(f, 2), 0x30);
}

/* --- setting the clock, as Linux does --------------------------------------------------- */

static void test_linux_set_time(void **state)
{
	struct fixture *f = *state;
	struct tm tm = {
	    .tm_year = 106, .tm_mon = 5, .tm_mday = 17, .tm_hour = 16, .tm_min = 1, .tm_sec = 21};
	int64_t want = timegm(&tm);
	int waits;

	f->now += NS / 4;
	linux_set_time(f, &tm);
	/* out of divider reset the first update comes 500 ms later ("Divider control") */
	f->now += NS / 2 - 400000; /* before the UIP window */
	assert_int_equal(linux_get_time(f, &waits), want);
	assert_int_equal(waits, 0);
	f->now += 500000;
	assert_int_equal(linux_get_time(f, &waits), want + 1);
	f->now += 3600 * NS;
	assert_int_equal(linux_get_time(f, &waits), want + 3601);
	assert_int_equal(cmos_read(f, 6), 1 + 6); /* a Saturday */
}

/* SET holds the registers: the clock does not move them, UIP stays 0, and UIE is cleared. */
static void test_set_holds(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x20); /* no periodic rate: PF stays 0 */
	cmos_write(f, REG_B, H24 | UIE);
	cmos_write(f, REG_B, H24 | UIE | SET);
	assert_int_equal(cmos_read(f, REG_B), H24 | SET);
	f->now = t_leap(NS - UIP_NS);
	assert_int_equal(cmos_read(f, REG_A), 0x20); /* no UIP */
	f->now = t_leap(10 * NS);
	assert_int_equal(cmos_read(f, 0), 0x58);
	assert_int_equal(cmos_read(f, REG_C), 0); /* no update cycles: no UF */
	cmos_write(f, REG_B, H24);		  /* released: on from 23:59:58, phase kept */
	assert_int_equal(cmos_read(f, 0), 0x58);
	f->now = t_leap(11 * NS);
	assert_int_equal(cmos_read(f, 0), 0x59);
}

/* One register written while the clock runs: the others as they are now. */
static void test_write_one_register_running(void **state)
{
	struct fixture *f = *state;

	f->now = t_leap(5 * NS + NS / 10); /* 2024-03-01 00:00:03.1 */
	cmos_write(f, 2, 0x42);
	assert_int_equal(cmos_read(f, 0), 0x03);
	assert_int_equal(cmos_read(f, 2), 0x42);
	assert_int_equal(cmos_read(f, 7), 0x01);
	f->now += NS - NS / 10; /* the second goes on at the same phase */
	assert_int_equal(cmos_read(f, 0), 0x04);
}

/* --- UIP as a polling guest sees it ----------------------------------------------------- */

static void test_uip_window(void **state)
{
	struct fixture *f = *state;
	int waits;

	f->now = t_leap(NS - UIP_NS - 1);
	assert_int_equal(cmos_read(f, REG_A) & UIP, 0);
	f->now = t_leap(NS - UIP_NS);
	assert_int_equal(cmos_read(f, REG_A) & UIP, UIP);
	assert_int_equal(cmos_read(f, 0), 0x58); /* not updated yet */
	f->now = t_leap(NS - 1);
	assert_int_equal(cmos_read(f, REG_A) & UIP, UIP);
	f->now = t_leap(NS);
	assert_int_equal(cmos_read(f, REG_A) & UIP, 0);
	assert_int_equal(cmos_read(f, 0), 0x59);
	/* Linux started inside the window: it waits it out (100 us steps), then reads 59 */
	f->now = t_leap(2 * NS - UIP_NS + 10);
	assert_int_equal(linux_get_time(f, &waits), t_leap(0) / NS + 2);
	assert_int_equal(waits, 3);
	/* SeaBIOS's rtc_updating(): 0 once UIP has gone, and UIP always goes */
	f->now = t_leap(3 * NS - 1000);
	outb(f, IDX, REG_A | NMI_DISABLE);
	assert_true(inb(f, DATA) & UIP);
	f->now += 1000;
	outb(f, IDX, REG_A | NMI_DISABLE);
	assert_false(inb(f, DATA) & UIP);
	/* divider in reset: the clock stands, no UIP ever */
	cmos_write(f, REG_A, 0x70);
	f->now = t_leap(4 * NS - 1000);
	assert_int_equal(cmos_read(f, REG_A), 0x70);
}

/* --- interrupts ------------------------------------------------------------------------- */

static int64_t rate_hz(int rs)
{
	return rs <= 2 ? 512 >> rs : 8192 >> (rs - 3);
}

/* Every rate of register A: one second of PIE interrupts, each acknowledged by reading C. */
static void test_periodic_rates(void **state)
{
	struct fixture *f = *state;

	for (int rs = 0; rs < 16; rs++) {
		int64_t start, n = 0;

		f->now = t_leap(3 * NS); /* a second boundary: edges at k periods from here */
		cmos_write(f, REG_A, 0x20 | rs);
		cmos_write(f, REG_B, H24 | PIE);
		cmos_read(f, REG_C);
		start = f->now;
		if (!rs) {
			assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT);
			f->now += NS;
			assert_int_equal(cmos_read(f, REG_C) & PF, 0);
			continue;
		}
		while (rtc_next_event(f->r) <= start + NS) {
			int rises = f->rises;

			fire_next(f);
			assert_int_equal(f->rises, rises + 1);
			assert_int_equal(f->level, 1);
			/* the line stays up, and the timer idle, until C is read */
			assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT);
			assert_int_equal(cmos_read(f, REG_C) & (IRQF | PF), IRQF | PF);
			assert_int_equal(f->level, 0);
			n++;
		}
		assert_int_equal(n, rate_hz(rs));
		assert_true(f->now - start == NS);
		cmos_write(f, REG_B, H24);
	}
}

/* PF runs whatever PIE says ("Register C"), with no interrupt and no timer for it. */
static void test_periodic_flag_polled(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x2f); /* 2 Hz */
	cmos_read(f, REG_C);
	assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT);
	f->now = t_leap(NS / 2 - 1);
	assert_int_equal(cmos_read(f, REG_C), 0);
	f->now = t_leap(NS / 2);
	assert_int_equal(cmos_read(f, REG_C), PF); /* no IRQF: PIE is off */
	assert_int_equal(cmos_read(f, REG_C), 0);
	assert_int_equal(f->rises, 0);
	/* a flag already up when its enable is set raises the line at once */
	f->now = t_leap(NS);
	cmos_write(f, REG_B, H24 | PIE);
	assert_int_equal(f->level, 1);
	assert_int_equal(cmos_read(f, REG_C), IRQF | PF | UF);
	assert_int_equal(f->level, 0);
}

static void test_update_ended(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x20); /* no periodic rate: PF stays 0 */
	cmos_write(f, 5, 0x12);	    /* the alarm at noon, not at the midnight we cross */
	f->now = t_leap(NS / 3);
	cmos_write(f, REG_B, H24 | UIE);
	cmos_read(f, REG_C);
	for (int s = 1; s <= 3; s++) {
		assert_int_equal(fire_next(f), t_leap(s * NS));
		assert_int_equal(f->level, 1);
		assert_int_equal(cmos_read(f, REG_C), IRQF | UF);
		assert_int_equal(f->level, 0);
		assert_int_equal(cmos_read(f, 0), s == 1 ? 0x59 : bcd(s - 2));
	}
	assert_int_equal(f->rises, 3);
	/* masking UIE with the flag up lowers the line (IRQF follows the enables) */
	f->now = t_leap(4 * NS + 1);
	rtc_tick(f->r);
	assert_int_equal(f->level, 1);
	cmos_write(f, REG_B, H24);
	assert_int_equal(f->level, 0);
	assert_int_equal(cmos_read(f, REG_C), UF);
}

/* rtc-cmos's cmos_set_alarm_callback + cmos_irq_enable(RTC_AIE), then its interrupt. */
static void linux_set_alarm(struct fixture *f, uint8_t h, uint8_t m, uint8_t s)
{
	uint8_t ctrl = cmos_read(f, REG_B);

	cmos_write(f, REG_B, ctrl & ~AIE);
	cmos_read(f, REG_C); /* cmos_checkintr */
	cmos_write(f, 5, h);
	cmos_write(f, 3, m);
	cmos_write(f, 1, s);
	ctrl = cmos_read(f, REG_B);
	cmos_read(f, REG_C);
	cmos_write(f, REG_B, ctrl | AIE);
	cmos_read(f, REG_C);
}

static void test_alarm(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x20); /* no periodic rate: PF stays 0 */
	/* 00:00:30 on 1 March: 32 s from 23:59:58 */
	linux_set_alarm(f, 0x00, 0x00, 0x30);
	assert_int_equal(rtc_next_event(f->r), t_leap(32 * NS));
	f->now = t_leap(32 * NS - 1);
	rtc_tick(f->r);
	assert_int_equal(f->level, 0);
	assert_int_equal(fire_next(f), t_leap(32 * NS));
	assert_int_equal(f->level, 1);
	/* cmos_interrupt: C, then B, AIE off (one-shot), C again */
	assert_int_equal(cmos_read(f, REG_C), IRQF | AF | UF);
	cmos_write(f, REG_B, cmos_read(f, REG_B) & ~AIE);
	assert_int_equal(f->level, 0);
	/* the same alarm tomorrow, if it were enabled again */
	cmos_write(f, REG_B, H24 | AIE);
	assert_int_equal(rtc_next_event(f->r), t_leap((32 + 86400) * NS));
}

/* "Alarm": 0xc0-0xff in a byte matches any value there. */
static void test_alarm_dont_care(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x20);	      /* no periodic rate: PF stays 0 */
	linux_set_alarm(f, 0xff, 0xff, 0xff); /* every second */
	for (int s = 1; s <= 3; s++) {
		assert_int_equal(fire_next(f), t_leap(s * NS));
		assert_int_equal(cmos_read(f, REG_C), IRQF | AF | UF);
	}
	linux_set_alarm(f, 0xc0, 0xc0, 0x15); /* second 15 of every minute: 00:00:15 */
	assert_int_equal(rtc_next_event(f->r), t_leap(17 * NS));
	f->now = t_leap(17 * NS + 1);
	assert_int_equal(cmos_read(f, REG_C), IRQF | AF | UF);
	assert_int_equal(rtc_next_event(f->r), t_leap(77 * NS));
	linux_set_alarm(f, 0x01, 0xc0, 0xc0); /* every second of 01:xx */
	assert_int_equal(rtc_next_event(f->r), t_leap((2 + 3600) * NS));
	linux_set_alarm(f, 0x00, 0x01, 0xc0); /* 00:01:00 on */
	assert_int_equal(rtc_next_event(f->r), t_leap(62 * NS));
	/* 12-hour mode: 0x81 is 1 PM */
	cmos_write(f, REG_B, AIE);
	linux_set_alarm(f, 0x81, 0x00, 0x00);
	assert_int_equal(rtc_next_event(f->r), t_leap((2 + 13 * 3600) * NS));
	/* bytes no time has never match: no wake-up, no AF */
	cmos_write(f, REG_B, H24 | AIE);
	linux_set_alarm(f, 0x24, 0x00, 0x00);
	assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT);
	linux_set_alarm(f, 0x00, 0x00, 0x5a);
	assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT);
	f->now += 2 * 86400 * NS;
	assert_int_equal(cmos_read(f, REG_C), UF);
}

/* An alarm that came and went while nobody looked is still flagged when C is read. */
static void test_alarm_missed(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x20); /* no periodic rate: PF stays 0 */
	cmos_write(f, 5, 0x00);
	cmos_write(f, 3, 0x00);
	cmos_write(f, 1, 0x05);
	cmos_read(f, REG_C);
	f->now = t_leap(3600 * NS);
	assert_int_equal(cmos_read(f, REG_C), AF | UF);
	f->now += NS;
	assert_int_equal(cmos_read(f, REG_C), UF);
}

static void test_read_only_registers(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, REG_A, 0x20); /* no periodic rate: PF stays 0 */
	cmos_write(f, REG_B, H24 | UIE);
	f->now = t_leap(NS);
	rtc_tick(f->r);
	assert_int_equal(f->level, 1);
	cmos_write(f, REG_C, 0); /* C cannot be written clear */
	assert_int_equal(f->level, 1);
	cmos_write(f, REG_D, 0); /* nor D's VRT */
	assert_int_equal(cmos_read(f, REG_D), 0x80);
	cmos_write(f, REG_A, 0xa6); /* UIP is not writable */
	f->now = t_leap(NS + 1000);
	assert_int_equal(cmos_read(f, REG_A), 0x26);
	assert_int_equal(cmos_read(f, REG_C), IRQF | UF);
	assert_int_equal(f->level, 0);
	assert_int_equal(cmos_read(f, REG_C), 0);
}

/* --- the ports -------------------------------------------------------------------------- */

static void test_index_port(void **state)
{
	struct fixture *f = *state;
	uint8_t w[2];
	uint16_t v;

	outb(f, IDX, NMI_DISABLE | REG_D); /* SeaBIOS's rtc_read(): NMI bit set */
	assert_int_equal(inb(f, DATA), 0x80);
	assert_int_equal(inb(f, IDX), 0xff); /* write-only */
	for (int i = 0x0e; i < 128; i++)     /* every RAM byte holds what it is given */
		cmos_write(f, i, (uint8_t)(i * 7 + 1));
	for (int i = 0x0e; i < 128; i++)
		if (i != CENTURY && i != 0x37)
			assert_int_equal(cmos_read(f, i), (uint8_t)(i * 7 + 1));
	for (int i = 128; i < 256; i++) /* past 128: bit 7 is the NMI mask, the index wraps */
		assert_int_equal(cmos_read(f, i), cmos_read(f, i & 0x7f));
	/* a 16-bit access: low byte to the index port, high byte to the data port */
	w[0] = 0x40;
	w[1] = 0xa5;
	rtc_io(f->r, 0, w, 2, true);
	assert_int_equal(cmos_read(f, 0x40), 0xa5);
	outb(f, IDX, 0x40);
	rtc_io(f->r, 0, &v, 2, false);
	assert_int_equal(v, 0xa5ff);
	rtc_io(f->r, 1, w, 1, false);
	assert_int_equal(w[0], 0xa5);
}

/* Any index, any value, any width, the clock jumping about: nothing breaks, nothing spins. */
static void test_hostile(void **state)
{
	struct fixture *f = *state;
	uint32_t seed = 12345;

	for (int i = 0; i < 200000; i++) {
		uint8_t buf[4];
		uint32_t len;
		int64_t t;

		seed = seed * 1103515245 + 12345;
		len = 1 + (seed >> 8) % 2;
		buf[0] = (uint8_t)(seed >> 16);
		buf[1] = (uint8_t)(seed >> 24);
		rtc_io(f->r, (seed >> 4) % 2, buf, (seed >> 4) % 2 ? 1 : len, (seed >> 3) & 1);
		if (!(seed & 0x700))
			f->now += (int64_t)(seed >> 12) * 977;
		if (!(seed & 0x7000000))
			f->now -= (int64_t)(seed >> 20) * NS; /* the host's clock set back */
		t = rtc_next_event(f->r);
		assert_true(t == RTC_NO_EVENT || t > f->now - NS * 86400 * 400LL);
		if (t != RTC_NO_EVENT && t <= f->now) { /* due: one tick settles it */
			rtc_tick(f->r);
			t = rtc_next_event(f->r);
			assert_true(t == RTC_NO_EVENT || t > f->now);
		}
	}
	/* garbage calendars: 0xff everywhere, then month 0 and day 0 */
	cmos_write(f, REG_B, H24 | SET);
	for (int i = 0; i < 10; i++)
		cmos_write(f, i, 0xff);
	cmos_write(f, CENTURY, 0xff);
	cmos_write(f, REG_A, 0x26);
	cmos_write(f, REG_B, H24);
	cmos_read(f, 0);
	cmos_write(f, 8, 0);
	cmos_write(f, 7, 0);
	f->now += 3 * NS;
	cmos_read(f, 9);
	cmos_write(f, REG_B, H24 | UIE | AIE | PIE);
	cmos_write(f, REG_A, 0x23); /* 8192 Hz, the fastest */
	cmos_read(f, REG_C);
	assert_true(rtc_next_event(f->r) - f->now <= 122071);
}

/* Set the time registers (index, value pairs) under SET, then three seconds on read want. */
static void set_then_read(struct fixture *f, const uint8_t (*set)[2], size_t nr_set,
			  const uint8_t (*want)[2], size_t nr_want)
{
	cmos_write(f, REG_B, H24 | SET);
	for (size_t i = 0; i < nr_set; i++)
		cmos_write(f, set[i][0], set[i][1]);
	cmos_write(f, REG_B, H24);
	f->now += 3 * NS;
	for (size_t i = 0; i < nr_want; i++)
		assert_int_equal(cmos_read(f, want[i][0]), want[i][1]);
}

/*
 * A date past what the clock's nanoseconds hold (century and year 0x99: 9999, found by the
 * garbage guest; 16665 at most) moves by 400-year cycles into [1800, 2200): 9999-12-31 runs
 * on as 1999-12-31 does, into 2000-01-01, rather than overflowing into garbage.
 */
static void test_far_years(void **state)
{
	struct fixture *f = *state;
	/* index, then what it holds: 9999-12-31 23:59:58 written, 2000-01-01 00:00:01 (a
	 * Saturday, 7) read three seconds on */
	static const uint8_t set[][2] = {{CENTURY, 0x99}, {9, 0x99}, {8, 0x12}, {7, 0x31},
					 {4, 0x23},	  {2, 0x59}, {0, 0x58}};
	static const uint8_t want[][2] = {{0, 0x01}, {2, 0},	{4, 0}, {6, 7},
					  {7, 0x01}, {8, 0x01}, {9, 0}, {CENTURY, 0x20}};

	set_then_read(f, set, sizeof(set) / sizeof(set[0]), want, sizeof(want) / sizeof(want[0]));
}

/*
 * A host clock of 2100 and a guest that sets 1800-01-01: more than the int64 offset's 292
 * years between them (UBSan: signed overflow; found by fuzz_rtc). The clock starts at the
 * earliest date the offset reaches, 2100-01-01 less 9223372036 s: 1807-09-23 00:12:44, and
 * runs on from there.
 */
static void test_far_past_late_host(void **state)
{
	struct fixture *f = *state;
	static const uint8_t set[][2] = {{CENTURY, 0x18}, {9, 0}, {8, 1}, {7, 1},
					 {4, 0},	  {2, 0}, {0, 0}};
	static const uint8_t want[][2] = {{0, 0x47}, {2, 0x12}, {4, 0},		{7, 0x23},
					  {8, 0x09}, {9, 0x07}, {CENTURY, 0x18}};

	f->now = 4102444800LL * NS; /* 2100-01-01T00:00:00Z */
	set_then_read(f, set, sizeof(set) / sizeof(set[0]), want, sizeof(want) / sizeof(want[0]));
}

/* --- memory size bytes, reset, the configuration ---------------------------------------- */

static void check_mem(uint64_t ram, const uint8_t want[12])
{
	static const uint8_t at[12] = {0x15, 0x16, 0x17, 0x18, 0x30, 0x31,
				       0x34, 0x35, 0x5b, 0x5c, 0x5d, 0x5e};
	struct machine_desc m;
	struct fixture f = {.now = t_leap(0)};

	assert_int_equal(machine_init(&m, ram, 1, 1), 0);
	f.r = rtc_create(0, &m, fake_clock, &f, NULL, NULL);
	assert_non_null(f.r);
	for (int i = 0; i < 12; i++)
		assert_int_equal(cmos_read(&f, at[i]), want[i]);
	rtc_destroy(f.r);
}

/* pc_cmos_init()'s arithmetic for our layout: low RAM up to 3 GiB, the rest above 4 GiB */
static void test_cmos_memory_bytes(void **state)
{
	/* 640 KiB; 255 MiB capped at 0xffff KiB; (256 - 16) MiB / 64 KiB = 0x0f00 */
	static const uint8_t m256[12] = {0x80, 0x02, 0xff, 0xff, 0xff, 0xff,
					 0x00, 0x0f, 0,	   0,	 0,    0};
	/* (3072 - 16) MiB / 64 KiB = 0xbf00; 512 MiB above 4 GiB = 0x2000 x 64 KiB */
	static const uint8_t m3g5[12] = {0x80, 0x02, 0xff, 0xff, 0xff, 0xff,
					 0x00, 0xbf, 0x00, 0x20, 0x00, 0};
	/* 5 GiB above 4 GiB = 0x14000 x 64 KiB */
	static const uint8_t m8g[12] = {0x80, 0x02, 0xff, 0xff, 0xff, 0xff,
					0x00, 0xbf, 0x00, 0x40, 0x01, 0};

	(void)state;
	check_mem(256ULL << 20, m256);
	check_mem(3584ULL << 20, m3g5);
	check_mem(8ULL << 30, m8g);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, 0x40, 0x5a);
	cmos_write(f, REG_B, DM | H24 | DSE | PIE | AIE | UIE | SQWE);
	f->now = t_leap(NS);
	rtc_tick(f->r);
	assert_int_equal(f->level, 1);
	rtc_reset(f->r);
	assert_int_equal(f->level, 0);
	assert_int_equal(cmos_read(f, REG_B), DM | H24 | DSE);
	assert_int_equal(cmos_read(f, REG_C), 0);
	assert_int_equal(cmos_read(f, REG_A), 0x26);
	assert_int_equal(cmos_read(f, 0x40), 0x5a); /* battery-backed RAM */
	assert_int_equal(cmos_read(f, 0), 59);	    /* and the clock ran on */
	assert_int_equal(rtc_next_event(f->r), RTC_NO_EVENT);
}

/* SeaBIOS: rtc_setup(), then rtc_use() turns on the 1024 Hz periodic interrupt. */
static void test_seabios(void **state)
{
	struct fixture *f = *state;
	uint8_t v;

	cmos_write(f, REG_B, 0x7f); /* whatever a previous boot left */
	outb(f, IDX, REG_A | NMI_DISABLE);
	outb(f, DATA, 0x26);
	outb(f, IDX, REG_B); /* rtc_mask(CMOS_STATUS_B, ~RTC_B_DSE, RTC_B_24HR) */
	v = inb(f, DATA);
	outb(f, DATA, (v & DSE) | H24);
	outb(f, IDX, REG_C | NMI_DISABLE);
	inb(f, DATA);
	outb(f, IDX, REG_D | NMI_DISABLE);
	assert_int_equal(inb(f, DATA), 0x80);
	assert_int_equal(cmos_read(f, REG_B), H24 | DSE);
	assert_int_equal(f->level, 0);
	outb(f, IDX, REG_B); /* rtc_use() */
	v = inb(f, DATA);
	outb(f, DATA, v | PIE);
	f->now = t_leap(NS);
	cmos_read(f, REG_C);
	for (int i = 0; i < 1024; i++) { /* handle_70: read C, PF set */
		fire_next(f);
		assert_int_equal(cmos_read(f, REG_C) & (IRQF | PF), IRQF | PF);
	}
	assert_int_equal(f->now, t_leap(2 * NS));
}

static void test_parse_date(void **state)
{
	struct tm tm = {
	    .tm_year = 106, .tm_mon = 5, .tm_mday = 17, .tm_hour = 16, .tm_min = 1, .tm_sec = 21};
	static const char *const bad[] = {"",
					  "2006-06-17T",
					  "2006-6-17",
					  "2006-06-17 16:01:21",
					  "2006-06-17T16:01",
					  "2006-06-17T16:01:21Z",
					  "2006-13-01",
					  "2006-02-29",
					  "2006-06-17T24:00:00",
					  "+006-06-17",
					  "1899-12-31",
					  "2200-01-01", /* past what the clock holds */
					  "2006-06-1x"};
	int64_t t;

	(void)state;
	assert_int_equal(rtc_parse_date("2006-06-17T16:01:21", &t), 0);
	assert_int_equal(t, timegm(&tm));
	assert_int_equal(rtc_parse_date("2006-06-17", &t), 0);
	assert_int_equal(t, timegm(&tm) - 16 * 3600 - 60 - 21);
	assert_int_equal(rtc_parse_date("2000-02-29", &t), 0);
	assert_int_equal(rtc_parse_date("2199-12-31T23:59:59", &t), 0);
	assert_int_equal(rtc_parse_date("1969-12-31T23:59:59", &t), 0);
	assert_int_equal(t, -1);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rtc_parse_date(bad[i], &t), -EINVAL);
}

/* base=DATE: the clock shows the date at power-on and runs from there; localtime adds the
 * host's UTC offset. */
static void test_base(void **state)
{
	struct fixture *f = *state;
	struct rtc_cfg c = {.base = RTC_BASE_DATE};
	struct fixture g = {.now = f->now + 123456789};
	struct tm tm;
	time_t now;
	int waits;

	assert_int_equal(rtc_parse_date("1999-12-31T23:59:59", &c.date), 0);
	g.r = rtc_create(rtc_cfg_offset(&c, g.now), NULL, fake_clock, &g, NULL, NULL);
	assert_int_equal(linux_get_time(&g, &waits), c.date);
	assert_int_equal(cmos_read(&g, CENTURY), 0x19);
	g.now += NS;
	assert_int_equal(linux_get_time(&g, &waits), c.date + 1);
	assert_int_equal(cmos_read(&g, CENTURY), 0x20);
	rtc_destroy(g.r);

	setenv("TZ", "CET-1", 1);
	tzset();
	c.base = RTC_BASE_LOCALTIME;
	now = (time_t)(f->now / NS);
	localtime_r(&now, &tm);
	assert_int_equal(rtc_cfg_offset(&c, f->now), 3600 * NS);
	c.base = RTC_BASE_UTC;
	assert_int_equal(rtc_cfg_offset(&c, f->now), 0);
	assert_int_equal(rtc_cfg_offset(NULL, f->now), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_power_on),
	    T(test_time_runs),
	    T(test_binary_mode),
	    T(test_12_hour),
	    T(test_12_hour_set),
	    T(test_linux_set_time),
	    T(test_set_holds),
	    T(test_write_one_register_running),
	    T(test_uip_window),
	    T(test_periodic_rates),
	    T(test_periodic_flag_polled),
	    T(test_update_ended),
	    T(test_alarm),
	    T(test_alarm_dont_care),
	    T(test_alarm_missed),
	    T(test_read_only_registers),
	    T(test_index_port),
	    T(test_hostile),
	    T(test_far_years),
	    T(test_far_past_late_host),
	    cmocka_unit_test(test_cmos_memory_bytes),
	    T(test_reset),
	    T(test_seabios),
	    cmocka_unit_test(test_parse_date),
	    T(test_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
