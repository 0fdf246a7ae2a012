/* SPDX-License-Identifier: MIT */
/*
 * AML emitter. Encodings follow the ACPI 6.4 specification, chapter 20
 * ("ACPI Machine Language Specification") and 6.4 (resource descriptors).
 */
#include <errno.h>
#include <string.h>

#include "../base/le.h"
#include "aml.h"

#define AML_ZERO_OP	  0x00
#define AML_ONE_OP	  0x01
#define AML_NAME_OP	  0x08
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE_OP	  0x10
#define AML_BUFFER_OP	  0x11
#define AML_PACKAGE_OP	  0x12
#define AML_DUAL_NAME	  0x2e
#define AML_MULTI_NAME	  0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP	  0x82 /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR	  '\\'
#define AML_PARENT_CHAR	  '^'
#define AML_NAMESEG_LEN	  4
#define AML_MAX_SEGS	  255 /* MultiNamePrefix carries a byte count */

/* Small and large resource descriptor tags (ACPI 6.4, 6.4.2 and 6.4.3). */
#define RES_IRQ_NOFLAGS 0x22 /* IRQ, length 2: no information byte */
#define RES_IO		0x47
#define RES_END_TAG	0x79
#define RES_MEM32_FIXED 0x86
#define RES_EXT_IRQ	0x89
#define RES_IO_DECODE16 0x01

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	a->buf = buf;
	a->cap = buf ? cap : 0;
	a->len = 0;
	a->err = 0;
}

int aml_error(const struct aml *a)
{
	return a->err;
}

/* Keep the first error: it is the one that explains the rest. */
static void aml_fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!a->err && n <= a->cap - a->len) {
		if (n)
			memcpy(a->buf + a->len, p, n);
	} else {
		aml_fail(a, -ENOSPC);
	}
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, int n)
{
	uint8_t b[8];

	le_put(b, v, n);
	aml_bytes(a, b, n);
}

int aml_pkglen_encode(uint32_t value, uint8_t out[4])
{
	int n, i;

	if (value > AML_PKGLEN_MAX)
		return -EINVAL;
	if (value < 64) {
		out[0] = value;
		return 1;
	}
	/* Lead byte: count of follow bytes in bits 7:6, low nibble in 3:0. */
	n = value < (1u << 12) ? 2 : value < (1u << 20) ? 3 : 4;
	out[0] = (n - 1) << 6 | (value & 0xf);
	for (i = 1; i < n; i++)
		out[i] = value >> (4 + 8 * (i - 1));
	return n;
}

/* The PkgLength for a body of len bytes counts its own 1-4 bytes too. */
static int aml_pkglen_for(size_t len, uint8_t out[4])
{
	static const uint32_t limit[] = {1u << 6, 1u << 12, 1u << 20, 1u << 28};
	size_t n;

	for (n = 1; n <= 4; n++)
		if (len + n < limit[n - 1])
			return aml_pkglen_encode(len + n, out);
	return -EINVAL;
}

void aml_pkg_end(struct aml *a, size_t mark)
{
	uint8_t enc[4];
	size_t body;
	int n;

	if (mark > a->len) {
		aml_fail(a, -EINVAL);
		return;
	}
	body = a->len - mark;
	n = aml_pkglen_for(body, enc);
	if (n < 0) {
		aml_fail(a, n);
		return;
	}
	/* The body is already in place: slide it up to make room. */
	if (!a->err && (size_t)n <= a->cap - a->len) {
		memmove(a->buf + mark + n, a->buf + mark, body);
		memcpy(a->buf + mark, enc, n);
	} else {
		aml_fail(a, -ENOSPC);
	}
	a->len += n;
}

static int aml_seg_char_ok(char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	return !first && c >= '0' && c <= '9';
}

/* Validate one segment (up to the next '.' or NUL) and return its length. */
static int aml_seg_len(const char *s)
{
	int n;

	for (n = 0; s[n] && s[n] != '.'; n++)
		if (n == AML_NAMESEG_LEN || !aml_seg_char_ok(s[n], n == 0))
			return -EINVAL;
	return n ? n : -EINVAL;
}

/* Short segments are padded with '_', as iasl does ("_S5" is "_S5_"). */
static void aml_seg(struct aml *a, const char *s, int n)
{
	uint8_t seg[AML_NAMESEG_LEN] = {'_', '_', '_', '_'};

	memcpy(seg, s, n);
	aml_bytes(a, seg, sizeof(seg));
}

static int aml_count_segs(const char *s)
{
	int nr = 0, n;

	while (*s) {
		n = aml_seg_len(s);
		if (n < 0 || ++nr > AML_MAX_SEGS)
			return -EINVAL;
		s += n;
		/* A dot must separate two segments, not end the path. */
		if (*s == '.' && !*++s)
			return -EINVAL;
	}
	return nr;
}

void aml_name_string(struct aml *a, const char *path)
{
	const char *s = path;
	int nr, n;

	if (*s == AML_ROOT_CHAR)
		s++;
	else
		while (*s == AML_PARENT_CHAR)
			s++;
	nr = aml_count_segs(s);
	if (nr < 0) {
		aml_fail(a, nr);
		return;
	}
	aml_bytes(a, path, s - path);
	if (nr == 0)
		aml_byte(a, AML_ZERO_OP); /* NullName */
	else if (nr == 2)
		aml_byte(a, AML_DUAL_NAME);
	else if (nr > 2)
		aml_bytes(a, (uint8_t[]){AML_MULTI_NAME, nr}, 2);
	for (; *s; s += n + (s[n] == '.')) {
		n = aml_seg_len(s);
		aml_seg(a, s, n);
	}
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v <= 1) {
		aml_byte(a, v ? AML_ONE_OP : AML_ZERO_OP);
	} else if (v <= UINT8_MAX) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= UINT16_MAX) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= UINT32_MAX) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	size_t i, n = strlen(s);

	/* AsciiCharList: 0x01-0x7f; NUL is the terminator. */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] > 0x7f) {
			aml_fail(a, -EINVAL);
			return;
		}
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, n + 1);
}

static int aml_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * "PNP0501": three letters in five bits each, then four hex digits, stored
 * big-endian in a DWord that AML then writes little-endian.
 */
int aml_eisaid_encode(const char *id, uint32_t *out)
{
	uint32_t v = 0;
	int i, d;

	if (strlen(id) != 7)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return -EINVAL;
		v = v << 5 | (id[i] - '@');
	}
	for (i = 3; i < 7; i++) {
		d = aml_hex_digit(id[i]);
		if (d < 0)
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = __builtin_bswap32(v);
	return 0;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v;
	int err = aml_eisaid_encode(id, &v);

	if (err) {
		aml_fail(a, err);
		return;
	}
	/* Always a DWord, as iasl emits it, so disassemblers show EisaId(). */
	aml_byte(a, AML_DWORD_PREFIX);
	aml_le(a, v, 4);
}

void aml_buffer(struct aml *a, const void *data, size_t n)
{
	size_t mark;

	aml_byte(a, AML_BUFFER_OP);
	mark = a->len;
	aml_integer(a, n);
	aml_bytes(a, data, n);
	aml_pkg_end(a, mark);
}

void aml_res_template(struct aml *a, const struct aml *rt)
{
	if (rt->err) {
		aml_fail(a, rt->err);
		return;
	}
	aml_buffer(a, rt->buf, rt->len);
}

void aml_name(struct aml *a, const char *path)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, path);
}

size_t aml_scope_begin(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, AML_SCOPE_OP);
	mark = a->len;
	aml_name_string(a, path);
	return mark;
}

size_t aml_device_begin(struct aml *a, const char *path)
{
	size_t mark;

	aml_bytes(a, (uint8_t[]){AML_EXT_OP_PREFIX, AML_DEVICE_OP}, 2);
	mark = a->len;
	aml_name_string(a, path);
	return mark;
}

size_t aml_package_begin(struct aml *a, uint8_t nr_elements)
{
	size_t mark;

	aml_byte(a, AML_PACKAGE_OP);
	mark = a->len;
	aml_byte(a, nr_elements);
	return mark;
}

void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	aml_bytes(a, (uint8_t[]){RES_IO, RES_IO_DECODE16}, 2);
	aml_le(a, min, 2);
	aml_le(a, max, 2);
	aml_bytes(a, (uint8_t[]){align, len}, 2);
}

void aml_res_irq_noflags(struct aml *a, uint8_t irq)
{
	/* The mask covers the 16 ISA IRQs only. */
	if (irq > 15) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_byte(a, RES_IRQ_NOFLAGS);
	aml_le(a, 1u << irq, 2);
}

void aml_res_mem32_fixed(struct aml *a, int writable, uint32_t base, uint32_t size)
{
	aml_byte(a, RES_MEM32_FIXED);
	aml_le(a, 9, 2); /* body: information byte, base, length */
	aml_byte(a, writable ? 1 : 0);
	aml_le(a, base, 4);
	aml_le(a, size, 4);
}

void aml_res_ext_irq(struct aml *a, uint8_t flags, uint32_t irq)
{
	aml_byte(a, RES_EXT_IRQ);
	aml_le(a, 6, 2); /* body: flags, table length, one interrupt */
	aml_bytes(a, (uint8_t[]){flags, 1}, 2);
	aml_le(a, irq, 4);
}

void aml_res_end(struct aml *a)
{
	/* A zero checksum means "treat the template as checksummed". */
	aml_bytes(a, (uint8_t[]){RES_END_TAG, 0}, 2);
}
