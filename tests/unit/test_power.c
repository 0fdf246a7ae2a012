/* SPDX-License-Identifier: MIT */
/* The ACPI power registers, driven as Linux's acpi_hw_legacy_sleep / acpi_reset do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/power.h"
#include "base/machine.h"

struct seen {
	int off, reset;
};

static void on_event(void *ctx, enum power_event ev)
{
	struct seen *s = ctx;

	if (ev == POWER_OFF)
		s->off++;
	else
		s->reset++;
}

#define SLP(typ) ((uint8_t)(POWER_SLP_EN | (typ) << 2))

static void test_s5_powers_off(void **state)
{
	struct seen s = {0};
	struct power p = {.event = on_event, .ctx = &s};
	uint8_t v = (uint8_t)(PM_S5_TYPE << 2); /* SLP_TYP first, as ACPICA writes it */

	(void)state;
	power_sleep_io(&p, 0, &v, 1, true);
	assert_int_equal(s.off, 0); /* no SLP_EN yet */
	v = SLP(PM_S5_TYPE);
	power_sleep_io(&p, 0, &v, 1, true);
	assert_int_equal(s.off, 1);
	assert_int_equal(s.reset, 0);
}

static void test_other_sleep_types_ignored(void **state)
{
	struct seen s = {0};
	struct power p = {.event = on_event, .ctx = &s};

	(void)state;
	for (int typ = 0; typ < 8; typ++) {
		uint8_t v = SLP(typ);

		if (typ == PM_S5_TYPE)
			continue;
		power_sleep_io(&p, 0, &v, 1, true);
	}
	assert_int_equal(s.off + s.reset, 0);
}

/* A read's buffer holds nothing the guest wrote: the device fills all of it. */
static void test_reads_fill_the_buffer(void **state)
{
	struct seen s = {0};
	struct power p = {.event = on_event, .ctx = &s, .sleep_status = POWER_WAK_STS};
	uint8_t buf[4];

	(void)state;
	memset(buf, 0xcc, sizeof(buf));
	power_sleep_io(&p, 1, buf, 4, false);
	assert_int_equal(buf[0], POWER_WAK_STS);
	assert_int_equal(buf[1] | buf[2] | buf[3], 0);
	memset(buf, 0xcc, sizeof(buf));
	power_sleep_io(&p, 0, buf, 2, false); /* an inw: control, then status */
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], POWER_WAK_STS);
	memset(buf, 0xcc, sizeof(buf));
	power_reset_io(&p, 0, buf, 1, false);
	assert_int_equal(buf[0], 0);
	assert_int_equal(s.off + s.reset, 0);
}

static void test_status_write_one_to_clear(void **state)
{
	struct power p = {.sleep_status = POWER_WAK_STS | 1};
	uint8_t v = POWER_WAK_STS;

	(void)state;
	power_sleep_io(&p, 1, &v, 1, true);
	assert_int_equal(p.sleep_status, 1);
}

/*
 * An outw to the control port is one 2-byte access: its high byte is the status register's
 * (found by fuzz_power, tests/fuzz/corpus_power/word-writes: the high byte was dropped).
 */
static void test_word_write_reaches_both(void **state)
{
	struct seen s = {0};
	struct power p = {.event = on_event, .ctx = &s, .sleep_status = POWER_WAK_STS | 1};
	uint8_t v[2] = {0, POWER_WAK_STS};

	(void)state;
	power_sleep_io(&p, 0, v, 2, true);
	assert_int_equal(p.sleep_status, 1);
	assert_int_equal(s.off, 0);
	v[0] = SLP(PM_S5_TYPE);
	v[1] = 0;
	power_sleep_io(&p, 0, v, 2, true);
	assert_int_equal(s.off, 1);
	assert_int_equal(p.sleep_status, 1);
}

static void test_reset_value_only(void **state)
{
	struct seen s = {0};
	struct power p = {.event = on_event, .ctx = &s};
	uint8_t v = PM_RESET_VALUE + 1;

	(void)state;
	power_reset_io(&p, 0, &v, 1, true);
	assert_int_equal(s.reset, 0);
	v = PM_RESET_VALUE;
	power_reset_io(&p, 0, &v, 1, true);
	assert_int_equal(s.reset, 1);
	assert_int_equal(s.off, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s5_powers_off),
	    cmocka_unit_test(test_other_sleep_types_ignored),
	    cmocka_unit_test(test_reads_fill_the_buffer),
	    cmocka_unit_test(test_status_write_one_to_clear),
	    cmocka_unit_test(test_word_write_reaches_both),
	    cmocka_unit_test(test_reset_value_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
