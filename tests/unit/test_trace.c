/* SPDX-License-Identifier: MIT */
/* --trace=SPEC (base/trace.c): the grammar, its filters, and input meant to break it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/trace.h"

static struct trace_spec t;
static char err[256];

static int parse(const char *s)
{
	err[0] = 0;
	return trace_spec_parse(s, &t, err, sizeof(err));
}

/* A refused spec: -EINVAL and one line that contains needle. */
static void refused(const char *s, const char *needle)
{
	assert_int_equal(parse(s), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' lacks '%s'", s, err, needle);
	assert_null(strchr(err, '\n'));
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(t.cats, TRACE_ALL);
	assert_int_equal(t.nr_ranges + t.nr_devs, 0);
	assert_int_equal(parse(""), 0);
	assert_int_equal(t.cats, TRACE_ALL);
	assert_int_equal(parse("all"), 0);
	assert_int_equal(t.cats, TRACE_ALL);
	assert_int_equal(t.named, 0);
	assert_true(trace_spec_match(&t, TRACE_SYSTEM, 0, NULL));
	assert_true(trace_spec_match(&t, TRACE_IO, 0x1234, "unclaimed"));
}

static void test_categories(void **state)
{
	(void)state;
	assert_int_equal(parse("io,hypercall"), 0);
	assert_int_equal(t.cats, TRACE_IO | TRACE_HYPERCALL);
	assert_true(trace_spec_match(&t, TRACE_IO, 0x3f8, "serial"));
	assert_true(trace_spec_match(&t, TRACE_HYPERCALL, 0x500, "hypercall"));
	assert_false(trace_spec_match(&t, TRACE_MMIO, 0xd0000000, "vda"));
	assert_false(trace_spec_match(&t, TRACE_SYSTEM, 0, NULL));
	assert_int_equal(parse("mmio,irq,system"), 0);
	assert_int_equal(t.cats, TRACE_MMIO | TRACE_IRQ | TRACE_SYSTEM);
	assert_int_equal(parse("io,all"), 0);
	assert_int_equal(t.cats, TRACE_ALL);
}

static void test_ranges(void **state)
{
	(void)state;
	assert_int_equal(parse("io:0x3f8-0x3ff"), 0);
	assert_int_equal(t.cats, TRACE_IO);
	assert_true(trace_spec_match(&t, TRACE_IO, 0x3f8, "serial"));
	assert_true(trace_spec_match(&t, TRACE_IO, 0x3ff, "serial"));
	assert_false(trace_spec_match(&t, TRACE_IO, 0x3f7, NULL));
	assert_false(trace_spec_match(&t, TRACE_IO, 0x400, NULL));
	/* one number is a range of one; several ranges of a category are a union */
	assert_int_equal(parse("io:0x80,io:1016-1023,mmio"), 0);
	assert_true(trace_spec_match(&t, TRACE_IO, 0x80, "boot-timer"));
	assert_false(trace_spec_match(&t, TRACE_IO, 0x81, NULL));
	assert_true(trace_spec_match(&t, TRACE_IO, 0x3fa, "serial"));
	assert_true(trace_spec_match(&t, TRACE_MMIO, 0xfee00000, NULL)); /* no mmio range */
	assert_int_equal(parse("mmio:0-0xffffffffffffffff"), 0);
	assert_true(trace_spec_match(&t, TRACE_MMIO, UINT64_MAX, NULL));
	assert_int_equal(parse("irq:16-23"), 0);
	assert_true(trace_spec_match(&t, TRACE_IRQ, 16, "vda"));
	assert_false(trace_spec_match(&t, TRACE_IRQ, 4, "ttyS0"));
	assert_int_equal(parse("hypercall:0x500-0x50f"), 0);
	assert_true(trace_spec_match(&t, TRACE_HYPERCALL, 0x50f, "hypercall"));
	assert_int_equal(parse("io:0xffff"), 0);
}

static void test_devices(void **state)
{
	(void)state;
	assert_int_equal(parse("dev:serial"), 0);
	assert_int_equal(t.cats, TRACE_ALL); /* a filter alone: every category */
	assert_true(trace_spec_match(&t, TRACE_IO, 0x3f8, "serial"));
	assert_false(trace_spec_match(&t, TRACE_IO, 0xf00, "unclaimed"));
	assert_false(trace_spec_match(&t, TRACE_SYSTEM, 0, NULL)); /* no device: not named */
	assert_int_equal(parse("dev:vda,dev:unclaimed,system"), 0);
	assert_int_equal(t.cats, TRACE_SYSTEM);
	assert_true(trace_spec_match(&t, TRACE_SYSTEM, 0, NULL));
	assert_false(trace_spec_match(&t, TRACE_IO, 0xf00, "unclaimed")); /* io not asked */
	assert_int_equal(parse("io:0xf00,dev:unclaimed,mmio"), 0);
	assert_true(trace_spec_match(&t, TRACE_IO, 0xf00, "unclaimed"));
	assert_false(trace_spec_match(&t, TRACE_IO, 0xf00, "serial"));
	assert_true(trace_spec_match(&t, TRACE_MMIO, 0xe0000000, "unclaimed"));
	assert_false(trace_spec_match(&t, TRACE_MMIO, 0xd0000000, "vda"));
	assert_int_equal(parse("dev:a.b_c-9"), 0);
}

static void test_hostile(void **state)
{
	char many[512], big[5000];
	size_t n = 0;

	(void)state;
	refused("disk", "--trace disk: want all, io, mmio");
	refused("IO", "--trace IO:");
	refused("io:", "io:: want LO or LO-HI");
	refused("io:-", "want LO or LO-HI");
	refused("io:1-", "want LO or LO-HI");
	refused("io:-1", "want LO or LO-HI");
	refused("io:+1", "want LO or LO-HI");
	refused("io: 1", "want LO or LO-HI");
	refused("io:1x", "want LO or LO-HI");
	refused("io:0x3f8-0x3ff-0x400", "want LO or LO-HI");
	refused("io:0x10000", "want LO <= HI <= 0xffff");
	refused("io:5-3", "io:5-3");
	refused("irq:0x100000000", "want LO <= HI <= 0xffffffff");
	refused("mmio:18446744073709551616", "want LO or LO-HI"); /* 2^64: ERANGE */
	refused("mmio:0-0x10000000000000000", "want LO or LO-HI");
	refused("mmio:00000000000000000000000001", "want LO or LO-HI"); /* too long */
	refused("system:1", "takes no range");
	refused("all:1", "--trace all:");
	refused("dev", "wants dev:NAME");
	refused("dev:", "want a device name");
	refused("dev:a b", "want a device name");
	refused("dev:ab;rm", "want a device name");
	refused("dev:abcdefghijklmnopqrstuvwxyz", "want a device name");
	refused(",io", "an empty item");
	refused("io,", "an empty item");
	refused("io,,mmio", "an empty item");
	refused(",", "an empty item");
	for (int i = 0; i < TRACE_MAX_RANGES + 1; i++)
		n += snprintf(many + n, sizeof(many) - n, "%sio:%d", i ? "," : "", i);
	refused(many, "at most 8 ranges");
	n = 0;
	for (int i = 0; i < TRACE_MAX_DEVS + 1; i++)
		n += snprintf(many + n, sizeof(many) - n, "%sdev:d%d", i ? "," : "", i);
	refused(many, "at most 8 devices");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	refused(big, "too long");
	/* a refused spec leaves a usable (if partial) spec, never a crash on match */
	assert_int_equal(parse("io:1,mmio:zz"), -EINVAL);
	assert_false(trace_spec_match(&t, TRACE_IO, 2, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults), cmocka_unit_test(test_categories),
	    cmocka_unit_test(test_ranges),   cmocka_unit_test(test_devices),
	    cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
