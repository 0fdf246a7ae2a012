/* SPDX-License-Identifier: MIT */
/*
 * Little-endian fields in byte buffers: what the boot formats, ACPI tables and kernel
 * headers are made of; and the big-endian ones of fw_cfg's file directory. Byte by byte,
 * so alignment and host byte order never matter.
 */
#ifndef BASE_LE_H
#define BASE_LE_H

#include <stdint.h>

/* The low `bytes` bytes of v at p, least significant first. */
static inline void le_put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t le_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The low `bytes` bytes of v at p, most significant first. */
static inline void be_put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static inline uint64_t be_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
