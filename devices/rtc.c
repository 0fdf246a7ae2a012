/* SPDX-License-Identifier: MIT */
/*
 * The CMOS RTC: a Motorola MC146818A as the PC wires it, after QEMU's hw/rtc/mc146818rtc.c.
 * Section names below are the MC146818A datasheet's (Motorola, "MC146818A Real-Time Clock
 * plus RAM"); the memory-size bytes are QEMU's hw/i386/pc.c, pc_cmos_init().
 *
 * Time is a 64-bit count of nanoseconds, the chip's "internal" clock: clock() + offset. The
 * registers show its whole seconds as a calendar (gmtime of it: with --rtc base=localtime
 * the offset holds the host's UTC offset). Nothing runs between accesses: every access
 * first catches the model up to now (rtc_sync), setting the flags in register C for what
 * happened since it last looked: a periodic edge (PF), an update cycle (UF), an update that
 * matched the alarm (AF). Register C's IRQF and the IRQ line follow the datasheet's equation
 * IRQF = PF.PIE + AF.AIE + UF.UIE, so an enabled flag raises the line and reading C (which
 * clears every flag) lowers it. A flag nobody enabled costs nothing: it is worked out when C
 * is read. The timer thread is only woken for the next enabled flag that is still clear
 * (rtc_next_event), so once the line is up it sleeps until the guest reads C: a guest can
 * make it wake at most once per read of C, and never faster than the fastest rate of the
 * chip (8192 Hz), however it programs register A.
 *
 * Choices where the chip, QEMU and this model differ:
 *  - The update cycle is instantaneous at the second boundary, as in QEMU: UIP reads 1 for
 *    the 244 us before it (tBUC, "Update cycle") and the registers never read as being
 *    updated. A guest that checks UIP, reads the time and checks UIP again (Linux, SeaBIOS)
 *    always reads one consistent second.
 *  - PF is set at the selected rate whatever PIE is, as the datasheet says ("Register C",
 *    PF); QEMU 7.2 only counts periods while PIE is set.
 *  - A write of one time register while the clock runs takes the other registers as they
 *    are now, not as they were last read (QEMU uses the last latched values).
 *  - DSE (automatic daylight saving, 1986 US rules) and SQWE (no SQW pin) are stored and
 *    ignored, as in QEMU. Divider values other than 000, 001, 010 stop the clock (QEMU's
 *    rtc_running); leaving the divider reset (11x) starts the first update 500 ms later
 *    ("Divider control").
 *  - Reset is the chip's RESET pin ("RESET"): PIE, AIE, UIE, SQWE and the flags cleared, the
 *    line lowered; time, the other control bits and the RAM are kept (battery-backed). QEMU
 *    keeps UIE.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/sandbox.h"
#include "device.h"
#include "rtc.h"

/* "Address map": the clock registers, then RAM. */
#define RTC_SECONDS	  0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES	  0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS	  0x04
#define RTC_HOURS_ALARM	  0x05
#define RTC_DAY_OF_WEEK	  0x06
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH	  0x08
#define RTC_YEAR	  0x09
#define RTC_REG_A	  0x0a
#define RTC_REG_B	  0x0b
#define RTC_REG_C	  0x0c
#define RTC_REG_D	  0x0d
/* The century is at RTC_CENTURY (base/machine.h), as in QEMU; IBM PS/2's place is an alias. */
#define RTC_CENTURY_PS2 0x37

#define REG_A_UIP   0x80
#define REG_A_DV    0x70
#define REG_A_RS    0x0f
#define REG_B_SET   0x80
#define REG_B_PIE   0x40
#define REG_B_AIE   0x20
#define REG_B_UIE   0x10
#define REG_B_SQWE  0x08
#define REG_B_DM    0x04 /* binary, not BCD */
#define REG_B_24H   0x02
#define REG_C_IRQF  0x80
#define REG_C_PF    0x40 /* PF, AF, UF sit where PIE, AIE, UIE sit in B */
#define REG_C_AF    0x20
#define REG_C_UF    0x10
#define REG_C_FLAGS (REG_C_PF | REG_C_AF | REG_C_UF)
#define REG_D_VRT   0x80 /* the battery is fine */
#define HOURS_PM    0x80 /* 12-hour mode */
#define DONT_CARE   0xc0 /* "Alarm": an alarm byte of 0xc0-0xff matches any value */

/* Power-on values, QEMU's: 32.768 kHz time base and 1024 Hz periodic rate; 24-hour BCD. */
#define REG_A_INIT 0x26
#define REG_B_INIT REG_B_24H

#define NS	      1000000000LL
#define RTC_HZ	      32768
#define UIP_NS	      244140 /* 8 periods of 32.768 kHz: tBUC, 244 us */
#define SEC_PER_DAY   86400
#define NO_ALARM      (-2) /* an alarm byte that matches no valid time */
#define ALARM_ANY     (-1)
#define ALARM_UNKNOWN INT64_MIN

struct rtc {
	pthread_mutex_t lock;
	rtc_clock_fn clock;
	void *clock_ctx;
	device_irq_fn set_irq;
	void *irq_ctx;
	int irq_level;
	void (*arm)(void *ctx, int64_t clock_ns);
	void *arm_ctx;
	int64_t armed;

	uint8_t cmos[RTC_CMOS_SIZE]; /* the time registers are current after rtc_sync */
	uint8_t index;
	int64_t offset; /* internal time = clock() + offset */
	int64_t seen;	/* internal time up to which register C is accounted for */
	/* The first alarm second after alarm_from, worked out once (ALARM_UNKNOWN: not yet). */
	int64_t alarm_from, alarm_at;
};

/* --- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ----------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* H. Hinnant's days_from_civil; any day of any month (0 is the day before the 1st). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y += floor_div(m - 1, 12);
	m = floor_mod(m - 1, 12) + 1;
	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct rtc_tm {
	int64_t year;
	int mon, mday, hour, min, sec, wday; /* mon 1-12, wday 0 = Sunday */
};

static void civil_from_seconds(int64_t t, struct rtc_tm *tm)
{
	int64_t days = floor_div(t, SEC_PER_DAY), tod = t - days * SEC_PER_DAY;
	int64_t z = days + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
	tm->hour = (int)(tod / 3600);
	tm->min = (int)(tod / 60 % 60);
	tm->sec = (int)(tod % 60);
	tm->wday = (int)floor_mod(days + 4, 7); /* 1970-01-01 was a Thursday */
}

/* --- register encodings ("Data mode": BCD or binary; "12/24 hour") ---------------------- */

static bool rtc_binary(const struct rtc *r)
{
	return r->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t rtc_encode(const struct rtc *r, int64_t v)
{
	v = floor_mod(v, 100);
	return rtc_binary(r) ? (uint8_t)v : (uint8_t)(v / 10 << 4 | v % 10);
}

/* What a guest-written byte means; garbage in, a number out (as QEMU, no validation). */
static int rtc_decode(const struct rtc *r, uint8_t v)
{
	return rtc_binary(r) ? v : (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_encode_hour(const struct rtc *r, int hour)
{
	int h12 = hour % 12 ? hour % 12 : 12;

	if (r->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_encode(r, hour);
	return rtc_encode(r, h12) | (hour >= 12 ? HOURS_PM : 0);
}

static int rtc_decode_hour(const struct rtc *r, uint8_t v)
{
	if (r->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_decode(r, v);
	return rtc_decode(r, v & ~HOURS_PM) % 12 + (v & HOURS_PM ? 12 : 0);
}

/* An alarm byte: ALARM_ANY, the value, or NO_ALARM if no valid time has it ("Alarm"). */
static int rtc_alarm_field(const struct rtc *r, int index, int max)
{
	uint8_t v = r->cmos[index];
	bool h12 = index == RTC_HOURS_ALARM && !(r->cmos[RTC_REG_B] & REG_B_24H);
	uint8_t raw = h12 ? v & ~HOURS_PM : v;
	int x;

	if ((v & DONT_CARE) == DONT_CARE)
		return ALARM_ANY;
	if (!rtc_binary(r) && ((raw & 0x0f) > 9 || raw >> 4 > 9))
		return NO_ALARM;
	x = rtc_decode(r, raw);
	if (h12 && (x < 1 || x > 12))
		return NO_ALARM;
	if (h12)
		x = rtc_decode_hour(r, v);
	return x <= max ? x : NO_ALARM;
}

/* --- the clock ---------------------------------------------------------------------------- */

static bool rtc_divider_on(uint8_t a)
{
	return (a & REG_A_DV) <= 0x20; /* 000, 001, 010: a time base; the rest stop it */
}

/* The registers follow the clock: the divider runs and SET does not hold them. */
static bool rtc_updating(const struct rtc *r)
{
	return rtc_divider_on(r->cmos[RTC_REG_A]) && !(r->cmos[RTC_REG_B] & REG_B_SET);
}

static int64_t rtc_now(const struct rtc *r)
{
	return r->clock(r->clock_ctx) + r->offset;
}

static void rtc_regs_from_seconds(struct rtc *r, int64_t t)
{
	struct rtc_tm tm;

	civil_from_seconds(t, &tm);
	r->cmos[RTC_SECONDS] = rtc_encode(r, tm.sec);
	r->cmos[RTC_MINUTES] = rtc_encode(r, tm.min);
	r->cmos[RTC_HOURS] = rtc_encode_hour(r, tm.hour);
	r->cmos[RTC_DAY_OF_WEEK] = rtc_encode(r, tm.wday + 1);
	r->cmos[RTC_DAY_OF_MONTH] = rtc_encode(r, tm.mday);
	r->cmos[RTC_MONTH] = rtc_encode(r, tm.mon);
	r->cmos[RTC_YEAR] = rtc_encode(r, tm.year % 100);
	r->cmos[RTC_CENTURY] = rtc_encode(r, floor_div(tm.year, 100));
}

static int64_t rtc_seconds_from_regs(const struct rtc *r)
{
	int64_t year = rtc_decode(r, r->cmos[RTC_CENTURY]) * 100 + rtc_decode(r, r->cmos[RTC_YEAR]);
	int64_t days = days_from_civil(year, rtc_decode(r, r->cmos[RTC_MONTH]),
				       rtc_decode(r, r->cmos[RTC_DAY_OF_MONTH]));

	return days * SEC_PER_DAY + rtc_decode_hour(r, r->cmos[RTC_HOURS]) * 3600LL +
	       rtc_decode(r, r->cmos[RTC_MINUTES]) * 60LL + rtc_decode(r, r->cmos[RTC_SECONDS]);
}

/*
 * The internal clock counts int64 nanoseconds since 1970: 1678 to 2262. Registers a guest
 * filled with garbage decode to years up to 16665 (century and year 0xff: 165 * 100 + 165),
 * and that many nanoseconds would overflow (undefined behaviour, then a clock of garbage):
 * a date outside [1800, 2200) moves by whole 400-year Gregorian cycles into it, the same
 * weekday and leap years, so the chip runs on from a date it can hold.
 */
#define RTC_S_1800  (-5364662400LL)	     /* 1800-01-01T00:00:00Z */
#define RTC_S_CYCLE (146097LL * SEC_PER_DAY) /* 400 Gregorian years */

static int64_t rtc_fold_seconds(int64_t t)
{
	if (t >= RTC_S_1800 && t < RTC_S_1800 + RTC_S_CYCLE)
		return t;
	return RTC_S_1800 + floor_mod(t - RTC_S_1800, RTC_S_CYCLE);
}

/*
 * The offset is an int64 of nanoseconds too, so it spans 292 years either way: a host clock
 * past 2092 is further than that from a guest's 1800s (found by fuzz_rtc, its seed
 * year-1800-host-2100). Such a date starts at the earliest one the offset can reach, 292
 * years before the host clock (a date after 1800 still, in range); the late side cannot
 * overflow for any host clock after 1908.
 */
#define RTC_OFFSET_MIN (-(INT64_MAX / NS) * NS)

/* The clock restarts from what the registers say, at phase_ns into that second. */
static void rtc_set_from_regs(struct rtc *r, int64_t phase_ns)
{
	int64_t want = rtc_fold_seconds(rtc_seconds_from_regs(r)) * NS + phase_ns;
	int64_t clock = r->clock(r->clock_ctx);

	if (__builtin_sub_overflow(want, clock, &r->offset))
		r->offset = want < clock ? RTC_OFFSET_MIN : -RTC_OFFSET_MIN;
	r->seen = clock + r->offset;
	r->alarm_at = ALARM_UNKNOWN;
}

/* 32.768 kHz ticks of the internal clock, exactly: no overflow for any 64-bit time. */
static int64_t rtc_ticks(int64_t t)
{
	int64_t s = floor_div(t, NS);

	return s * RTC_HZ + (t - s * NS) * RTC_HZ / NS;
}

/* The first time at which rtc_ticks() reaches tick. */
static int64_t rtc_tick_time(int64_t tick)
{
	int64_t s = floor_div(tick, RTC_HZ), rem = tick - s * RTC_HZ;

	return s * NS + (rem * NS + RTC_HZ - 1) / RTC_HZ;
}

/* Table "Periodic interrupt rate": RS 1 and 2 are 256 and 128 Hz, then 8192 Hz >> (RS - 3). */
static int64_t rtc_period_ticks(uint8_t a)
{
	int rs = a & REG_A_RS;

	if (!rs)
		return 0;
	return 1LL << ((rs <= 2 ? rs + 7 : rs) - 1);
}

/* The first second after `from` whose time of day the alarm bytes match, or INT64_MAX. */
static int64_t rtc_alarm_after(const struct rtc *r, int64_t from)
{
	int ah = rtc_alarm_field(r, RTC_HOURS_ALARM, 23);
	int am = rtc_alarm_field(r, RTC_MINUTES_ALARM, 59);
	int as = rtc_alarm_field(r, RTC_SECONDS_ALARM, 59);
	int64_t day = floor_div(from, SEC_PER_DAY) * SEC_PER_DAY, tod = from - day;

	if (ah == NO_ALARM || am == NO_ALARM || as == NO_ALARM)
		return INT64_MAX;
	/* minute by minute, for a day and the rest of this minute: at most 1441 steps */
	for (int64_t k = 0, m0 = tod / 60; k <= 24 * 60; k++) {
		int64_t m = m0 + k;
		int first = k ? 0 : (int)(tod % 60) + 1, sec = as == ALARM_ANY ? first : as;

		if ((ah == ALARM_ANY || ah == m / 60 % 24) && (am == ALARM_ANY || am == m % 60) &&
		    sec >= first && sec < 60)
			return day + m * 60 + sec;
	}
	return INT64_MAX;
}

static int64_t rtc_next_alarm(struct rtc *r, int64_t from)
{
	if (r->alarm_at == ALARM_UNKNOWN || r->alarm_from > from || r->alarm_at <= from) {
		r->alarm_from = from;
		r->alarm_at = rtc_alarm_after(r, from);
	}
	return r->alarm_at;
}

/* Register C's flags for what happened in (seen, now]. */
static void rtc_catch_up(struct rtc *r, int64_t now)
{
	int64_t p = rtc_period_ticks(r->cmos[RTC_REG_A]), s0, s1;

	if (now <= r->seen) { /* the host clock went back: nothing happened */
		r->seen = now;
		return;
	}
	if (rtc_divider_on(r->cmos[RTC_REG_A])) {
		if (p && floor_div(rtc_ticks(now), p) > floor_div(rtc_ticks(r->seen), p))
			r->cmos[RTC_REG_C] |= REG_C_PF;
		s0 = floor_div(r->seen, NS);
		s1 = floor_div(now, NS);
		if (rtc_updating(r) && s1 > s0) {
			r->cmos[RTC_REG_C] |= REG_C_UF;
			if (!(r->cmos[RTC_REG_C] & REG_C_AF) && rtc_next_alarm(r, s0) <= s1)
				r->cmos[RTC_REG_C] |= REG_C_AF;
		}
	}
	r->seen = now;
}

/* Catch up and, while the clock runs, bring the time registers to now. */
static int64_t rtc_sync(struct rtc *r)
{
	int64_t now = rtc_now(r);

	rtc_catch_up(r, now);
	if (rtc_updating(r))
		rtc_regs_from_seconds(r, floor_div(now, NS));
	return now;
}

static bool rtc_irqf(const struct rtc *r)
{
	return r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B] & REG_C_FLAGS;
}

/* Internal time of the next enabled interrupt whose flag is still clear. */
static int64_t rtc_next_internal(struct rtc *r)
{
	uint8_t b = r->cmos[RTC_REG_B], c = r->cmos[RTC_REG_C];
	int64_t p = rtc_period_ticks(r->cmos[RTC_REG_A]), next = RTC_NO_EVENT, s, t;

	if (!rtc_divider_on(r->cmos[RTC_REG_A]))
		return RTC_NO_EVENT;
	if ((b & REG_B_PIE) && !(c & REG_C_PF) && p)
		next = rtc_tick_time((floor_div(rtc_ticks(r->seen), p) + 1) * p);
	if (!rtc_updating(r))
		return next;
	s = floor_div(r->seen, NS);
	if ((b & REG_B_UIE) && !(c & REG_C_UF) && (s + 1) * NS < next)
		next = (s + 1) * NS;
	if ((b & REG_B_AIE) && !(c & REG_C_AF) && (t = rtc_next_alarm(r, s)) != INT64_MAX &&
	    t * NS < next)
		next = t * NS;
	return next;
}

/* After any change: the line as IRQF says, the timer at the next event. */
static void rtc_update(struct rtc *r, bool force_arm)
{
	int level = rtc_irqf(r);
	int64_t next = rtc_next_internal(r);

	if (level != r->irq_level) {
		r->irq_level = level;
		if (r->set_irq)
			r->set_irq(r->irq_ctx, level);
	}
	if (next != RTC_NO_EVENT)
		next -= r->offset;
	if (r->arm && (force_arm || next != r->armed))
		r->arm(r->arm_ctx, next);
	r->armed = next;
}

/* --- the registers ------------------------------------------------------------------------ */

static bool rtc_is_time_reg(unsigned int i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || i == RTC_DAY_OF_WEEK ||
	       i == RTC_DAY_OF_MONTH || i == RTC_MONTH || i == RTC_YEAR || i == RTC_CENTURY;
}

static void rtc_write_a(struct rtc *r, uint8_t v)
{
	bool was_on = rtc_divider_on(r->cmos[RTC_REG_A]);

	r->cmos[RTC_REG_A] = v & ~REG_A_UIP; /* UIP is read-only */
	/* "Divider control": out of reset, the first update comes half a second later. */
	if (!was_on && rtc_divider_on(v))
		rtc_set_from_regs(r, NS / 2);
}

static void rtc_write_b(struct rtc *r, uint8_t v, int64_t now)
{
	bool was_set = r->cmos[RTC_REG_B] & REG_B_SET;

	if (v & REG_B_SET) /* "Register B", UIE: cleared when SET is written 1 */
		v &= ~REG_B_UIE;
	r->cmos[RTC_REG_B] = v;
	r->alarm_at = ALARM_UNKNOWN; /* the alarm bytes may mean another time now */
	/* SET released: the clock goes on from the registers, the divider chain kept its phase */
	if (was_set && rtc_updating(r))
		rtc_set_from_regs(r, floor_mod(now, NS));
}

static void rtc_write(struct rtc *r, uint8_t v)
{
	unsigned int i = r->index == RTC_CENTURY_PS2 ? RTC_CENTURY : r->index;
	int64_t now = rtc_sync(r);

	switch (i) {
	case RTC_REG_A:
		rtc_write_a(r, v);
		break;
	case RTC_REG_B:
		rtc_write_b(r, v, now);
		break;
	case RTC_REG_C: /* read-only: the flags clear on read */
	case RTC_REG_D: /* read-only: VRT */
		break;
	default:
		r->cmos[i] = v;
		if (i == RTC_SECONDS_ALARM || i == RTC_MINUTES_ALARM || i == RTC_HOURS_ALARM)
			r->alarm_at = ALARM_UNKNOWN;
		else if (rtc_is_time_reg(i) && rtc_updating(r))
			rtc_set_from_regs(r, floor_mod(now, NS));
		break;
	}
}

static uint8_t rtc_read(struct rtc *r)
{
	unsigned int i = r->index == RTC_CENTURY_PS2 ? RTC_CENTURY : r->index;
	int64_t now = rtc_sync(r);
	uint8_t v;

	switch (i) {
	case RTC_REG_A: /* UIP: the last 244 us of a second that will be updated */
		v = r->cmos[RTC_REG_A];
		if (rtc_updating(r) && floor_mod(now, NS) >= NS - UIP_NS)
			v |= REG_A_UIP;
		return v;
	case RTC_REG_C:
		v = r->cmos[RTC_REG_C] | (rtc_irqf(r) ? REG_C_IRQF : 0);
		r->cmos[RTC_REG_C] = 0;
		return v;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return r->cmos[i];
	}
}

/* One byte at port offset (0: index, 1: data), under the lock. */
static void rtc_port(struct rtc *r, unsigned int port, uint8_t *p, bool is_write)
{
	if (port == 0 && is_write)
		r->index = *p & 0x7f; /* bit 7 is the PC's NMI mask: not ours, ignored */
	else if (port == 0)
		*p = 0xff; /* the index port is write-only */
	else if (is_write)
		rtc_write(r, *p);
	else
		*p = rtc_read(r);
}

void rtc_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct rtc *r = opaque;
	uint8_t *p = data;

	if (!r || !p)
		return;
	pthread_mutex_lock(&r->lock);
	/* Byte-wide ports: a wider access is one byte per port, low byte first (QEMU's split) */
	for (uint32_t i = 0; i < len; i++) {
		if (offset + i < 2)
			rtc_port(r, (unsigned int)(offset + i), &p[i], is_write);
		else if (!is_write)
			p[i] = 0xff;
	}
	rtc_update(r, false);
	pthread_mutex_unlock(&r->lock);
}

void rtc_tick(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	rtc_sync(r);
	rtc_update(r, true);
	pthread_mutex_unlock(&r->lock);
}

int64_t rtc_next_event(struct rtc *r)
{
	int64_t next;

	pthread_mutex_lock(&r->lock);
	rtc_sync(r);
	rtc_update(r, false);
	next = r->armed;
	pthread_mutex_unlock(&r->lock);
	return next;
}

void rtc_reset(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	rtc_sync(r);
	r->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
	r->cmos[RTC_REG_C] = 0;
	rtc_update(r, false);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_set_timer(struct rtc *r, void (*arm)(void *ctx, int64_t clock_ns), void *ctx)
{
	pthread_mutex_lock(&r->lock);
	r->arm = arm;
	r->arm_ctx = ctx;
	rtc_update(r, true);
	pthread_mutex_unlock(&r->lock);
}

/* --- power-on ----------------------------------------------------------------------------- */

/* pc_cmos_init(): KiB of base memory, KiB above 1 MiB, 64 KiB units above 16 MiB and 4 GiB. */
void rtc_cmos_mem_sizes(const struct machine_desc *m, uint8_t cmos[RTC_CMOS_SIZE])
{
	uint64_t below = m->ram[0].size, above = m->nr_ram > 1 ? m->ram[1].size : 0, v;

	v = below / 1024 < 640 ? below / 1024 : 640;
	cmos[0x15] = (uint8_t)v;
	cmos[0x16] = (uint8_t)(v >> 8);
	v = below > (1 << 20) ? (below - (1 << 20)) / 1024 : 0;
	v = v < 0xffff ? v : 0xffff;
	cmos[0x17] = cmos[0x30] = (uint8_t)v;
	cmos[0x18] = cmos[0x31] = (uint8_t)(v >> 8);
	v = below > (16 << 20) ? (below - (16 << 20)) / 65536 : 0;
	v = v < 0xffff ? v : 0xffff;
	cmos[0x34] = (uint8_t)v;
	cmos[0x35] = (uint8_t)(v >> 8);
	v = above / 65536;
	cmos[0x5b] = (uint8_t)v;
	cmos[0x5c] = (uint8_t)(v >> 8);
	cmos[0x5d] = (uint8_t)(v >> 16);
}

struct rtc *rtc_create(int64_t offset_ns, const struct machine_desc *m, rtc_clock_fn clock,
		       void *clock_ctx, device_irq_fn set_irq, void *irq_ctx)
{
	struct rtc *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return NULL;
	if ((err = pthread_mutex_init(&r->lock, NULL))) {
		free(r);
		errno = err;
		return NULL;
	}
	r->clock = clock;
	r->clock_ctx = clock_ctx;
	r->set_irq = set_irq;
	r->irq_ctx = irq_ctx;
	r->armed = RTC_NO_EVENT;
	r->alarm_at = ALARM_UNKNOWN;
	r->offset = offset_ns;
	r->seen = rtc_now(r);
	r->cmos[RTC_REG_A] = REG_A_INIT;
	r->cmos[RTC_REG_B] = REG_B_INIT;
	if (m)
		rtc_cmos_mem_sizes(m, r->cmos);
	rtc_regs_from_seconds(r, floor_div(r->seen, NS));
	return r;
}

void rtc_destroy(struct rtc *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int64_t rtc_cfg_offset(const struct rtc_cfg *cfg, int64_t now_ns)
{
	time_t now = (time_t)floor_div(now_ns, NS);
	struct tm tm;

	switch (cfg ? cfg->base : RTC_BASE_UTC) {
	case RTC_BASE_LOCALTIME:
		return localtime_r(&now, &tm) ? tm.tm_gmtoff * NS : 0;
	case RTC_BASE_DATE:
		return cfg->date * NS - now_ns;
	default:
		return 0;
	}
}

static int rtc_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

int rtc_parse_date(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = -1;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
	    (s[n] && (sscanf(s + n, "T%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 9 || s[19])))
		return -EINVAL;
	/* years the century and year bytes hold, and the clock's nanoseconds (rtc_fold_seconds);
	 * digits only (sscanf takes signs and spaces) */
	for (int i = 0; s[i]; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && i != 4 && i != 7 && i != 10 && i != 13 &&
		    i != 16)
			return -EINVAL;
	if (y < 1900 || y >= 2200 || mo < 1 || mo > 12 || d < 1 || d > rtc_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	*out = days_from_civil(y, mo, d) * SEC_PER_DAY + h * 3600 + mi * 60 + sec;
	return 0;
}

/* --- the device: the RTC and the thread that raises its interrupts on time ---------------- */

struct rtc_dev {
	struct rtc *r;
	int timer_fd;
	int stop_fd;
	pthread_t thread;
	bool thread_started;
};

static int64_t rtc_host_clock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

/*
 * Called under the model's lock. The timer is on the same clock as the model, absolute, and
 * cancelled when the host's clock is set, so the thread looks again at once.
 */
static void rtc_dev_arm(void *ctx, int64_t clock_ns)
{
	struct rtc_dev *d = ctx;
	struct itimerspec its = {0};

	if (clock_ns != RTC_NO_EVENT) {
		its.it_value.tv_sec = (time_t)floor_div(clock_ns, NS);
		its.it_value.tv_nsec = (long)floor_mod(clock_ns, NS);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1; /* zero would disarm it */
	}
	if (timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL))
		log_msg("rtc: timerfd_settime: %s", strerror(errno));
}

static void *rtc_dev_thread(void *arg)
{
	struct rtc_dev *d = arg;
	struct pollfd p[2] = {{.fd = d->timer_fd, .events = POLLIN},
			      {.fd = d->stop_fd, .events = POLLIN}};
	uint64_t n;

	sandbox_enter(SANDBOX_RTC);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_msg("rtc: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		/* expired, or ECANCELED: the host's clock was set; either way look again */
		if (read(d->timer_fd, &n, sizeof(n)) < 0 && errno != ECANCELED && errno != EAGAIN)
			continue;
		rtc_tick(d->r);
	}
	return NULL;
}

static int rtc_dev_count(const struct device_host *h)
{
	return h->mach->rtc_port ? 1 : 0;
}

static void rtc_dev_destroy(void *dev)
{
	struct rtc_dev *d = dev;
	uint64_t one = 1;

	if (d->thread_started) {
		if (write(d->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_msg("rtc: cannot stop the timer thread: %s", strerror(errno));
		else
			pthread_join(d->thread, NULL);
	}
	rtc_destroy(d->r);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	free(d);
}

static int rtc_dev_start(struct rtc_dev *d, const struct device_host *h)
{
	const struct machine_desc *m = h->mach;

	d->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->timer_fd < 0 || d->stop_fd < 0)
		return -errno;
	d->r = rtc_create(rtc_cfg_offset(m->rtc_cfg, rtc_host_clock(NULL)), m, rtc_host_clock, NULL,
			  h->set_irq, h->irq_line(h->vmm, m->rtc_irq, false, "rtc"));
	if (!d->r)
		return -errno;
	rtc_set_timer(d->r, rtc_dev_arm, d);
	d->thread_started = !pthread_create(&d->thread, NULL, rtc_dev_thread, d);
	if (!d->thread_started)
		return -EAGAIN;
	pthread_setname_np(d->thread, "rtc");
	return 0;
}

static int rtc_dev_create(const struct device_host *h, int i, void **dev)
{
	struct rtc_dev *d = calloc(1, sizeof(*d));
	int err;

	(void)i;
	if (!d)
		return -ENOMEM;
	d->timer_fd = d->stop_fd = -1;
	if ((err = rtc_dev_start(d, h))) {
		log_msg("rtc: %s", strerror(-err));
		rtc_dev_destroy(d);
		return err;
	}
	if ((err =
		 device_claim(h, BUS_PIO, h->mach->rtc_port, RTC_NR_PORTS, rtc_io, d->r, "rtc"))) {
		rtc_dev_destroy(d);
		return err;
	}
	*dev = d;
	return 0;
}

static void rtc_dev_reset(void *dev)
{
	rtc_reset(((struct rtc_dev *)dev)->r);
}

const struct device_ops rtc_device = {
    .name = "rtc",
    .count = rtc_dev_count,
    .create = rtc_dev_create,
    .reset = rtc_dev_reset,
    .destroy = rtc_dev_destroy,
};
