/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int log_verbose;

static void log_vprint(const char *fmt, va_list ap)
{
	/* One fprintf per line so lines from vCPU threads do not interleave. */
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "vmm: %s\n", line);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

int log_ratelimit_ok(struct log_ratelimit *rl)
{
	unsigned long n = atomic_fetch_add(&rl->count, 1);

	return n < LOG_BURST || n % LOG_EVERY == 0;
}
