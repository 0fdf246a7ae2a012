/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <time.h>

#include "timeline.h"

static uint64_t start_ns;
static uint64_t at_ns[TL_NR_EVENTS]; /* 0: not yet */

static const char *const names[TL_NR_EVENTS] = {
    [TL_SETUP_DONE] = "set-up done",
    [TL_FIRST_RUN] = "first KVM_RUN",
    [TL_FIRST_SERIAL] = "first serial byte",
    [TL_DEBUG_FIRMWARE] = "port 0x80 firmware code",
    [TL_DEBUG_LOADER] = "port 0x80 boot loader code",
    [TL_DEBUG_KERNEL] = "port 0x80 kernel code",
    [TL_DEBUG_USER] = "port 0x80 user-space code",
    [TL_GUEST_MARKER] = "guest boot marker",
    [TL_EXIT] = "exit",
};

uint64_t timeline_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec;
}

void timeline_start(void)
{
	start_ns = timeline_now_ns();
}

uint64_t timeline_since_start_ns(uint64_t t)
{
	return t > start_ns ? t - start_ns : 0;
}

void timeline_mark(enum timeline_event e)
{
	uint64_t none = 0;

	if (__atomic_load_n(&at_ns[e], __ATOMIC_RELAXED)) /* the common case: no syscall */
		return;
	__atomic_compare_exchange_n(&at_ns[e], &none, timeline_now_ns(), 0, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

double timeline_ms(enum timeline_event e)
{
	uint64_t t = __atomic_load_n(&at_ns[e], __ATOMIC_RELAXED);

	return t ? (double)(t - start_ns) / 1e6 : -1;
}

void timeline_print(FILE *f, const char *prefix)
{
	const char *sep = "";

	fprintf(f, "%stimeline (ms since start):", prefix);
	for (int e = 0; e < TL_NR_EVENTS; e++) {
		if (timeline_ms(e) < 0)
			continue;
		fprintf(f, "%s %s %.1f", sep, names[e], timeline_ms(e));
		sep = ",";
	}
	fputc('\n', f);
}
