/* SPDX-License-Identifier: MIT */
/*
 * The guest kit's vsnprintf/snprintf (guest/kit/printf.c), compiled for the host, against
 * the host C library's snprintf: every format in the table gives the same bytes and the
 * same return value, and at every buffer size from 0 to one past the whole the kit writes
 * the same prefix, a NUL, and nothing after it. Then printf through a console: the bytes,
 * in 127-byte writes, to the console console_set chose.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

/* The kit's names are the C library's: renamed here, so both live in one program. */
#define vsnprintf kit_vsnprintf
#define snprintf  kit_snprintf
#define printf	  kit_printf
#include "../../guest/kit/printf.c"
#undef vsnprintf
#undef snprintf
#undef printf

#define SENTINEL 0x5a

/* The kit's output into a buffer of n bytes against the C library's whole output. */
static void check_size(const char *args, const char *want, int wl, const char *got, int gl,
		       size_t n, size_t size)
{
	size_t k = n ? ((size_t)wl < n - 1 ? (size_t)wl : n - 1) : 0; /* the bytes kept */

	if (gl != wl)
		fail_msg("%s: n=%zu: returned %d, the C library %d", args, n, gl, wl);
	if (n && (memcmp(got, want, k) || got[k]))
		fail_msg("%s: n=%zu: \"%.*s\", wanted \"%.*s\" and a NUL", args, n, (int)k, got,
			 (int)k, want);
	for (size_t i = n ? k + 1 : 0; i < size; i++)
		if ((unsigned char)got[i] != SENTINEL)
			fail_msg("%s: n=%zu: byte %zu written", args, n, i);
}

/* The same arguments to both, at every size up to the whole output plus two. */
#define SAME(...)                                                                                  \
	do {                                                                                       \
		char want[512], got[520];                                                          \
		int wl = snprintf(want, sizeof(want), __VA_ARGS__);                                \
		assert_true(wl >= 0 && wl < (int)sizeof(want));                                    \
		for (size_t n = 0; n <= (size_t)wl + 2; n++) {                                     \
			memset(got, SENTINEL, sizeof(got));                                        \
			int gl = kit_snprintf(got, n, __VA_ARGS__);                                \
			check_size(#__VA_ARGS__, want, wl, got, gl, n, sizeof(got));               \
		}                                                                                  \
		assert_int_equal(kit_snprintf(NULL, 0, __VA_ARGS__), wl);                          \
		checked++;                                                                         \
	} while (0)

static int checked;

static void test_integers(void **state)
{
	(void)state;
	SAME("%d", 0);
	SAME("%d", 42);
	SAME("%d", -42);
	SAME("%d", INT_MAX);
	SAME("%d", INT_MIN);
	SAME("%i", -7);
	SAME("%u", 0u);
	SAME("%u", UINT_MAX);
	SAME("%x", 0u);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%hhd", 300);
	SAME("%hhd", -128);
	SAME("%hhu", 300);
	SAME("%hhx", -1);
	SAME("%hd", 70000);
	SAME("%hd", -32768);
	SAME("%hu", -1);
	SAME("%hx", 0x12345);
	SAME("%ld", LONG_MIN);
	SAME("%ld", LONG_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", 0x123456789abcdefUL);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("%lld", -1LL);
	SAME("%llu", ULLONG_MAX);
	SAME("%llu", 10000000000000000000ULL);
	SAME("%llx", 0xfedcba9876543210ULL);
	SAME("%llX", 0xfedcba9876543210ULL);
	SAME("%zu", (size_t)SIZE_MAX);
	SAME("%zx", (size_t)12345);
	SAME("%zd", (ssize_t)-5);
	SAME("%zd", (ssize_t)SSIZE_MAX);
}

static void test_width_precision(void **state)
{
	const char *zero_and_prec = "%08.3d|";

	(void)state;
	SAME("%5d|", 42);
	SAME("%-5d|", 42);
	SAME("%05d", 42);
	SAME("%05d", -42);
	SAME("%1d", 12345);
	SAME("%08x", 0xbeefu);
	SAME("%016llx", 0x1234ULL);
	SAME("0x%016llx", 0ULL);
	SAME("%-8x|", 0xabcu);
	SAME("%*d|", 6, 42);
	SAME("%*d|", -6, 42);
	SAME("%-*d|", 6, -42);
	SAME("%.5d", 42);
	SAME("%.5d", -42);
	SAME("%.0d|", 0);
	SAME("%5.0d|", 0);
	SAME("%.0x|", 0u);
	SAME("%8.3d|", -7);
	SAME("%-8.3d|", 7);
	SAME(zero_and_prec, 7); /* a precision: '0' is ignored (GCC warns of it in a literal) */
	SAME("%.*d|", 4, 9);
	SAME("%.*d|", -1, 0); /* a negative precision is none */
	SAME("%020llu", 12345678901234ULL);
	SAME("%lu", 0UL);
	SAME("%3hhu", 255);
}

static void test_strings_chars(void **state)
{
	const char *volatile null = NULL; /* volatile: no compile-time "argument is null" */
	const char *empty = "";
	int x;

	(void)state;
	SAME("%s", "hello");
	SAME("%s|", "");
	SAME("%.3s", "hello");
	SAME("%.10s", "hi");
	SAME("%.0s|", "hello");
	SAME("%10s|", "right");
	SAME("%-10s|", "left");
	SAME("%10.2s|", "abcdef");
	SAME("%.*s|", 3, "abcdef");
	SAME("%.*s|", -1, "abcdef");
	SAME("%*.*s|", 8, 2, "abcdef");
	SAME("%*s|", -7, "ab");
	SAME("%s", null);
	SAME("%10s|", null);
	SAME("%.6s|", null);
	SAME("%.3s|", null); /* glibc: too short for "(null)", so nothing */
	SAME("%c", 'A');
	SAME("%5c|", 'x');
	SAME("%-5c|", 'y');
	SAME("a%cb", 0); /* a NUL inside the output */
	SAME("%%");
	SAME("100%% %d%%", 5);
	SAME("no conversions at all");
	SAME(empty, 0); /* an argument, so that GCC does not refuse an empty format */
	SAME("%p", (void *)0x1234);
	SAME("%p", (void *)&x);
	SAME("%p", (void *)NULL);
	SAME("%20p|", (void *)0xabc);
	SAME("%-20p|", (void *)0xabc);
	SAME("%10p|", (void *)NULL);
}

static void test_mixed(void **state)
{
	(void)state;
	SAME("GUEST-EXCEPTION vector=%u (%s) error=0x%x eip=0x%08x cr2=0x%08x", 14u, "#PF", 2u,
	     0x1029ffu, 0x109123u);
	SAME("a=%d b=%s c=%x d=%c e=%llu f=%zu g=%hhd h=%p", -1, "str", 0xffu, 'q',
	     123456789012345ULL, (size_t)77, 129, (void *)0x10);
	SAME("%d %d %d %d %d %d %d %d %d %d %lld %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -11LL, 12);
	SAME("%s%s%s%s", "a", "bb", "ccc", "dddd");
	SAME("%-40s|%40s|%-40s|%40s|", "one", "two", "three", "four");
	SAME("%300d|", 1);
	assert_true(checked > 90);
}

/* vsnprintf's va_list: the caller's stays its own (7.16p3); two uses of one copy */
static int via_v(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap, aq;
	int a, b;

	va_start(ap, fmt);
	va_copy(aq, ap);
	a = kit_vsnprintf(buf, n, fmt, ap);
	b = kit_vsnprintf(buf, n, fmt, aq);
	va_end(aq);
	va_end(ap);
	return a == b ? a : -1;
}

static void test_vsnprintf(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(via_v(buf, sizeof(buf), "%s-%d", "x", 9), 3);
	assert_string_equal(buf, "x-9");
	assert_int_equal(via_v(buf, 2, "%s-%d", "abc", 12345), 9);
	assert_string_equal(buf, "a");
}

/* The consoles: the test's com1 and a second one, each keeping its writes. */
static char com1[1024], other[1024];
static size_t com1_len, other_len;
static int com1_writes, other_writes;

void console_com1(const char *s, size_t n)
{
	assert_true(com1_len + n <= sizeof(com1));
	memcpy(com1 + com1_len, s, n);
	com1_len += n;
	com1_writes++;
}

static void console_other(const char *s, size_t n)
{
	assert_true(other_len + n <= sizeof(other));
	memcpy(other + other_len, s, n);
	other_len += n;
	other_writes++;
}

static void test_printf(void **state)
{
	char want[400];
	int wl;

	(void)state;
	assert_int_equal(kit_printf("hello %d\n", 7), 8);
	assert_int_equal(com1_len, 8);
	assert_memory_equal(com1, "hello 7\n", 8);
	assert_int_equal(com1_writes, 1);
	assert_int_equal(kit_printf("%s", ""), 0);
	assert_int_equal(com1_writes, 1); /* nothing to write: no write */

	/* 300 bytes: 127 + 127 + 46, nothing lost at the buffer's edges */
	wl = snprintf(want, sizeof(want), "%-150s|%148d|", "x", 5);
	com1_len = 0;
	com1_writes = 0;
	assert_int_equal(kit_printf("%-150s|%148d|", "x", 5), wl);
	assert_int_equal(com1_len, (size_t)wl);
	assert_memory_equal(com1, want, wl);
	assert_int_equal(com1_writes, 3);

	console_set(console_other);
	assert_int_equal(kit_printf("to %s", "other"), 8);
	assert_int_equal(other_len, 8);
	assert_memory_equal(other, "to other", 8);
	assert_int_equal(com1_writes, 3);
	console_set(NULL); /* back to COM1 */
	kit_printf("!");
	assert_int_equal(com1_writes, 4);
	assert_int_equal(other_writes, 1);
}

#define T(fn) cmocka_unit_test(fn)
int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_integers), T(test_width_precision), T(test_strings_chars),
	    T(test_mixed),    T(test_vsnprintf),       T(test_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
