/* SPDX-License-Identifier: MIT */
/* The guest side of the VMM's hypercalls (base/hypercall.h, docs/hypercalls.md). */
#include "kit.h"

int hc_call(int call, void *block)
{
	struct hc_hdr *h = block;

	h->ret = HC_NOANSWER; /* what is left if the VMM refused the block itself */
	__asm__ volatile("outl %0, %w1"
			 :
			 : "a"((uint32_t)(uintptr_t)block), "Nd"((uint16_t)HC_PORT(call))
			 : "memory");
	return h->ret;
}

void hc_puts(const char *s)
{
	console_hc(s, strlen(s));
}

void hc_exit(uint32_t status)
{
	struct hc_exit a = {.status = status};

	hc_call(HC_EXIT, &a);
}

void console_hc(const char *s, size_t n)
{
	struct hc_puts a = {.data = (uintptr_t)s, .len = n};

	hc_call(HC_PUTS, &a);
}

/* The host's CLOCK_MONOTONIC through HC_TIME: the clock the timer tests measure against. */
uint64_t hc_monotonic_ns(void)
{
	struct hc_time t = {0};

	hc_call(HC_TIME, &t);
	return t.monotonic_ns;
}
