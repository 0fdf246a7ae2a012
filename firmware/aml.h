/* SPDX-License-Identifier: MIT */
/*
 * A small AML (ACPI Machine Language) emitter: just enough to hand-build a
 * DSDT for a HW-reduced machine. Every write is bounds-checked against the
 * caller's buffer. Errors are sticky: after the first one nothing more is
 * written, but len keeps counting, so a failed build still says how many
 * bytes it would have needed.
 */
#ifndef FIRMWARE_AML_H
#define FIRMWARE_AML_H

#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len; /* bytes emitted (or that would have been, after an error) */
	int err;    /* 0, -ENOSPC or -EINVAL */
};

/* Largest value a PkgLength can hold: 28 bits. */
#define AML_PKGLEN_MAX ((1u << 28) - 1)

/* Extended Interrupt descriptor flags (ACPI 6.4, 6.4.3.6). */
#define AML_IRQ_CONSUMER   0x01
#define AML_IRQ_EDGE	   0x02
#define AML_IRQ_ACTIVE_LOW 0x04
#define AML_IRQ_SHARED	   0x08

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
int aml_error(const struct aml *a);

/* Raw bytes, for callers that know the encoding. */
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);

/*
 * Encode a PkgLength value (which counts its own bytes) into out.
 * Returns the number of bytes (1-4) or -EINVAL if it exceeds 28 bits.
 */
int aml_pkglen_encode(uint32_t value, uint8_t out[4]);

/* "\_SB_.COM1", "^FOO", "_S5": an optional prefix, then dot-separated segments. */
void aml_name_string(struct aml *a, const char *path);

/* Data objects: the smallest integer encoding, a string, an EISA ID. */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
int aml_eisaid_encode(const char *id, uint32_t *out);
void aml_eisaid(struct aml *a, const char *id);
void aml_buffer(struct aml *a, const void *data, size_t n);

/* Name(path, <object>): the caller emits the object right after. */
void aml_name(struct aml *a, const char *path);

/*
 * Objects with a PkgLength: begin returns a mark, the caller emits the
 * contents, aml_pkg_end(mark) inserts the length in front of them.
 */
size_t aml_scope_begin(struct aml *a, const char *path);
size_t aml_device_begin(struct aml *a, const char *path);
size_t aml_package_begin(struct aml *a, uint8_t nr_elements);
void aml_pkg_end(struct aml *a, size_t mark);

/*
 * Resource descriptors for a ResourceTemplate: emit them into their own
 * struct aml, finish with aml_res_end, then wrap them with aml_res_template.
 */
void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
void aml_res_irq_noflags(struct aml *a, uint8_t irq);
void aml_res_mem32_fixed(struct aml *a, int writable, uint32_t base, uint32_t size);
void aml_res_ext_irq(struct aml *a, uint8_t flags, uint32_t irq);
void aml_res_end(struct aml *a);
/* ResourceTemplate(): a Buffer of rt's bytes, or rt's error. */
void aml_res_template(struct aml *a, const struct aml *rt);

#endif
