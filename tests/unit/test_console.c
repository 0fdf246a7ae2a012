/* SPDX-License-Identifier: MIT */
/* The console's Ctrl-A escapes, as a person types them (QEMU's -serial mon:stdio keys). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/console.h"

#define CA "\x01" /* Ctrl-A */

/* Feed s in one piece; the guest's bytes go to out, their count is returned. */
static size_t feed(struct console *c, const char *s, char *out, int *quit)
{
	size_t n = console_filter(c, (const uint8_t *)s, strlen(s), (uint8_t *)out, quit);

	out[n] = 0;
	return n;
}

static void test_plain_bytes_pass(void **state)
{
	struct console c = {0};
	char out[64];
	int quit;

	(void)state;
	assert_int_equal(feed(&c, "ls -l\r", out, &quit), 6);
	assert_string_equal(out, "ls -l\r");
	assert_int_equal(quit, 0);
}

static void test_ctrl_a_x_quits(void **state)
{
	struct console c = {0};
	char out[64];
	int quit;

	(void)state;
	assert_int_equal(feed(&c, "ab" CA "xcd", out, &quit), 2); /* what came before is kept */
	assert_string_equal(out, "ab");
	assert_int_equal(quit, 1);
	feed(&c, CA "X", out, &quit);
	assert_int_equal(quit, 1);
}

static void test_ctrl_a_twice_sends_one(void **state)
{
	struct console c = {0};
	char out[64];
	int quit;

	(void)state;
	assert_int_equal(feed(&c, "a" CA CA "b", out, &quit), 3);
	assert_string_equal(out, "a" CA "b");
	assert_int_equal(quit, 0);
}

static void test_unknown_escape_swallowed(void **state)
{
	struct console c = {0};
	char out[64];
	int quit;

	(void)state;
	assert_int_equal(feed(&c, "a" CA "cb", out, &quit), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(quit, 0);
}

/* A read can end between Ctrl-A and its key: the escape waits for the next read. */
static void test_escape_across_reads(void **state)
{
	struct console c = {0};
	char out[64];
	int quit;

	(void)state;
	assert_int_equal(feed(&c, "a" CA, out, &quit), 1);
	assert_int_equal(quit, 0);
	assert_int_equal(feed(&c, "x", out, &quit), 0);
	assert_int_equal(quit, 1);
	c = (struct console){0};
	feed(&c, CA, out, &quit);
	assert_int_equal(feed(&c, CA, out, &quit), 1);
	assert_string_equal(out, CA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_bytes_pass),
	    cmocka_unit_test(test_ctrl_a_x_quits),
	    cmocka_unit_test(test_ctrl_a_twice_sends_one),
	    cmocka_unit_test(test_unknown_escape_swallowed),
	    cmocka_unit_test(test_escape_across_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
