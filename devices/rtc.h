/* SPDX-License-Identifier: MIT */
/*
 * The PC's CMOS RTC, a Motorola MC146818A: an index port and a data port (0x70/0x71) onto
 * 14 clock registers and 114 bytes of battery-backed RAM, interrupts on ISA IRQ 8. See rtc.c.
 *
 * The register model is pure: its clock is a function the caller passes (host
 * CLOCK_REALTIME in the VMM, a settable one in the unit tests), and time only moves when
 * someone looks at it. rtc_tick() raises what fell due; rtc_next_event() says when that
 * will next be, which the device's timer thread waits for on a timerfd.
 */
#ifndef DEVICES_RTC_H
#define DEVICES_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define RTC_CMOS_SIZE 128
#define RTC_NO_EVENT  INT64_MAX

/* --rtc base=: what the clock shows at power-on. */
enum rtc_base { RTC_BASE_UTC, RTC_BASE_LOCALTIME, RTC_BASE_DATE };

struct rtc_cfg {
	enum rtc_base base;
	int64_t date; /* RTC_BASE_DATE: seconds since 1970-01-01T00:00:00, as a UTC date */
};

/* The time base: nanoseconds since the epoch (the VMM's is CLOCK_REALTIME). */
typedef int64_t (*rtc_clock_fn)(void *ctx);

struct rtc;

/*
 * An RTC whose clock shows `clock() + offset_ns` at power-on (rtc_cfg_offset()), its RAM
 * zero but for the memory-size bytes of m (NULL: none). Returns NULL with errno set.
 */
struct rtc *rtc_create(int64_t offset_ns, const struct machine_desc *m, rtc_clock_fn clock,
		       void *clock_ctx, device_irq_fn set_irq, void *irq_ctx);
void rtc_destroy(struct rtc *r);
/* Bus handler: offset 0 is the index port, 1 the data port; any width. */
void rtc_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
/* Raise whatever fell due up to now. */
void rtc_tick(struct rtc *r);
/* When (on the clock) the next enabled interrupt falls due, or RTC_NO_EVENT. */
int64_t rtc_next_event(struct rtc *r);
/* The RESET pin (a guest reboot): interrupt enables and flags cleared, time and RAM kept. */
void rtc_reset(struct rtc *r);

/* What the clock must be offset by for cfg, at host time now_ns. */
int64_t rtc_cfg_offset(const struct rtc_cfg *cfg, int64_t now_ns);
/* "2006-06-17" or "2006-06-17T16:01:21" (QEMU's -rtc base=) into seconds; -EINVAL. */
int rtc_parse_date(const char *s, int64_t *out);
/* The memory-size bytes QEMU's pc machine puts in CMOS RAM (pc_cmos_init), for m's RAM. */
void rtc_cmos_mem_sizes(const struct machine_desc *m, uint8_t cmos[RTC_CMOS_SIZE]);

/* The device (devices/device.h): the one RTC at m->rtc_port, with its timer thread. */
extern const struct device_ops rtc_device;

#endif
