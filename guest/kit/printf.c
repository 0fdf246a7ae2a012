/* SPDX-License-Identifier: MIT */
/*
 * The kit's formatted output: vsnprintf and snprintf as C11 7.21.6.12 and 7.21.6.5 define
 * them, and printf to the console the guest chose (console_set; COM1 until then). The
 * conversions: d i u x X p s c %, with the length modifiers hh h l ll z, a field width and
 * a precision (either may be '*'), and the flags '-' and '0'. %p and a null %s print as
 * glibc's do ("0x1234", "(nil)", "(null)"), so tests/unit/test_printf.c, which compiles
 * this file for the host, can compare every result with the host's C library.
 */
#include "kit.h"

/* Where the formatter writes: a buffer, flushed to a console when full if flush is set. */
struct out {
	char *buf;
	size_t cap;	  /* bytes buf holds, the NUL included */
	size_t len;	  /* bytes in buf */
	size_t total;	  /* bytes the format produced, the would-be length */
	console_fn flush; /* 0: keep the first cap - 1 bytes, count the rest */
};

/* One conversion specification (7.21.6.1p4): flags, width, precision (-1: none), length. */
struct spec {
	int left, zero;
	int width, prec;
	char len; /* 'H' hh, 'h', 'l', 'L' ll, 'z', or 0 */
};

static void out_putc(struct out *o, char c)
{
	if (o->flush && o->len + 1 >= o->cap) {
		o->flush(o->buf, o->len);
		o->len = 0;
	}
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
	o->total++;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_putc(o, c);
}

/*
 * *v / base, *v becoming the quotient; returns the remainder. 16 bits at a time in 32-bit
 * arithmetic: a 32-bit guest has no 64-bit division without libgcc's __udivdi3.
 */
static unsigned div_small(uint64_t *v, unsigned base)
{
	uint64_t q = 0;
	uint32_t r = 0;

	for (int s = 48; s >= 0; s -= 16) {
		uint32_t cur = r << 16 | (uint32_t)(*v >> s & 0xffff); /* r < base: no overflow */

		q |= (uint64_t)(cur / base) << s;
		r = cur % base;
	}
	*v = q;
	return r;
}

/* Padding, sign, prefix, the precision's zeros, digits: 7.21.6.1p6 and p8. */
static void put_num(struct out *o, const struct spec *sp, uint64_t v, int neg, unsigned base,
		    int upper, const char *prefix)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24];
	int n = 0, zeros, pad, plen = (int)strlen(prefix);

	while (v)
		digits[n++] = set[div_small(&v, base)];
	zeros = (sp->prec < 0 ? 1 : sp->prec) - n; /* a precision of 0 prints no 0 */
	if (zeros < 0)
		zeros = 0;
	pad = sp->width - (neg + plen + zeros + n);
	/* '0': leading zeros instead of spaces, unless a precision is given */
	if (!sp->left && sp->zero && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		out_repeat(o, ' ', pad);
	if (neg)
		out_putc(o, '-');
	while (*prefix)
		out_putc(o, *prefix++);
	out_repeat(o, '0', zeros);
	while (n)
		out_putc(o, digits[--n]);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

/* At most max bytes of s (max < 0: all of it), padded to the width. */
static void put_str(struct out *o, const struct spec *sp, const char *s, int max)
{
	int n = max < 0 ? (int)strlen(s) : (int)strnlen(s, (size_t)max);

	if (!sp->left)
		out_repeat(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		out_putc(o, s[i]);
	if (sp->left)
		out_repeat(o, ' ', sp->width - n);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z': /* the signed type of size_t's width (7.21.6.1p7) */
		return (int64_t)(intptr_t)va_arg(*ap, size_t);
	}
	return va_arg(*ap, int);
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	}
	return va_arg(*ap, unsigned);
}

/* Flags, width, precision and length modifier after a '%'; returns the conversion's char. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.prec = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* 7.21.6.1p5: a negative width is '-' and its magnitude */
			sp->left = 1;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int); /* negative: as if none was given */
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (*f == 'h' || *f == 'l') {
		sp->len = *f++;
		if (*f == sp->len) /* hh, ll */
			sp->len = *f++ == 'h' ? 'H' : 'L';
	} else if (*f == 'z') {
		sp->len = *f++;
	}
	return f;
}

static void convert(struct out *o, const struct spec *sp, char c, va_list *ap)
{
	int64_t s;
	uintptr_t p;
	const char *str;
	char ch;

	switch (c) {
	case 'd':
	case 'i':
		s = arg_signed(sp, ap);
		put_num(o, sp, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, 0, "");
		break;
	case 'u':
		put_num(o, sp, arg_unsigned(sp, ap), 0, 10, 0, "");
		break;
	case 'x':
	case 'X':
		put_num(o, sp, arg_unsigned(sp, ap), 0, 16, c == 'X', "");
		break;
	case 'p':
		p = (uintptr_t)va_arg(*ap, void *);
		if (p)
			put_num(o, sp, p, 0, 16, 0, "0x");
		else
			put_str(o, sp, "(nil)", -1);
		break;
	case 's':
		str = va_arg(*ap, const char *);
		put_str(o, sp, str ? str : "(null)",
			str || sp->prec < 0 || sp->prec >= 6 ? sp->prec : 0);
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		if (!sp->left)
			out_repeat(o, ' ', sp->width - 1);
		out_putc(o, ch);
		if (sp->left)
			out_repeat(o, ' ', sp->width - 1);
		break;
	default: /* '%', or one this kit does not know: printed as it is */
		out_putc(o, c);
	}
}

static void format(struct out *o, const char *f, va_list ap)
{
	struct spec sp;
	va_list aq;

	va_copy(aq, ap); /* a va_list passed on by pointer must be a copy (7.16p3) */
	while (*f) {
		if (*f != '%') {
			out_putc(o, *f++);
			continue;
		}
		f = parse_spec(f + 1, &sp, &aq);
		if (!*f)
			break;
		convert(o, &sp, *f++, &aq);
	}
	va_end(aq);
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = {.buf = buf, .cap = n};

	format(&o, fmt, ap);
	if (n)
		buf[o.len] = 0;
	return (int)o.total;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return ret;
}

static console_fn console = console_com1;

void console_set(console_fn fn)
{
	console = fn ? fn : console_com1;
}

/* Through a 128-byte buffer: one console write (one HC_PUTS) per 127 bytes. */
int printf(const char *fmt, ...)
{
	char buf[128];
	struct out o = {.buf = buf, .cap = sizeof(buf), .flush = console};
	va_list ap;

	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	if (o.len)
		console(buf, o.len);
	return (int)o.total;
}
