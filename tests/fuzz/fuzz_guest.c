/* SPDX-License-Identifier: MIT */
/* The register-access harness of the fuzz targets: see fuzz_guest.h. */
#include <stdlib.h>
#include <string.h>

#include "base/le.h"
#include "fuzz_guest.h"

void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int fuzz_guest_init(struct fuzz_guest *g, const uint8_t *data, size_t size, uint64_t ram_size,
		    int64_t clock_max)
{
	memset(g, 0, sizeof(*g));
	bus_init(&g->bus);
	if (size < FUZZ_HDR_SIZE)
		return -1;
	g->clock_ns = (int64_t)(le_get(data, 8) % ((uint64_t)clock_max + 1));
	g->steps = data + FUZZ_HDR_SIZE;
	g->nr_steps = (size - FUZZ_HDR_SIZE) / FUZZ_STEP_SIZE;
	g->ram_size = ram_size;
	g->ram = calloc(1, ram_size);
	fuzz_check(g->ram != NULL);
	fuzz_check(!guest_mem_add(&g->gm, 0, g->ram, ram_size));
	return 0;
}

void fuzz_guest_fini(struct fuzz_guest *g)
{
	free(g->ram);
	g->ram = NULL;
}

int64_t fuzz_guest_clock(void *ctx)
{
	return ((struct fuzz_guest *)ctx)->clock_ns;
}

uint64_t fuzz_guest_clock_u64(void *ctx)
{
	return (uint64_t)((struct fuzz_guest *)ctx)->clock_ns;
}

void fuzz_guest_set_irq(void *line, int level)
{
	struct fuzz_guest *g = line;

	if (level != g->irq_level)
		g->irq_changes++;
	g->irq_level = level;
}

/* One access as a vCPU's exit brings it: port I/O is 1, 2 or 4 bytes, MMIO up to 8. */
static void fuzz_guest_access(struct fuzz_guest *g, const struct fuzz_dev *d, const uint8_t *s,
			      int is_write)
{
	uint32_t len = 1u << (s[1] % 4), value = (uint32_t)le_get(s + 4, 4);
	uint64_t addr = d->base + le_get(s + 2, 2) % d->window;
	uint8_t *b;

	if (d->space == BUS_PIO && len == 8)
		return;
	b = malloc(len);
	fuzz_check(b != NULL);
	for (uint32_t i = 0; i < len; i++)
		b[i] = is_write ? (uint8_t)(value >> (8 * (i % 4))) : 0xa5;
	bus_dispatch(&g->bus, d->space, addr, b, len, is_write);
	free(b);
}

static void fuzz_guest_step(struct fuzz_guest *g, const struct fuzz_dev *d, const uint8_t *s)
{
	uint32_t value = (uint32_t)le_get(s + 4, 4);

	switch (s[0] % FUZZ_NR_OPS) {
	case FUZZ_READ:
	case FUZZ_WRITE:
		fuzz_guest_access(g, d, s, s[0] % FUZZ_NR_OPS == FUZZ_WRITE);
		break;
	case FUZZ_POKE:
		le_put(g->ram + (le_get(s + 2, 2) * 4) % (g->ram_size - 3), value, 4);
		break;
	case FUZZ_TIME:
		/* clock_max leaves the room: the header's start is at most clock_max */
		if (g->clock_ns <= INT64_MAX - value)
			g->clock_ns += value;
		break;
	case FUZZ_RESET:
		if (d->reset)
			d->reset(d->opaque);
		break;
	case FUZZ_HOST:
		if (d->host)
			d->host(d->opaque, value);
		break;
	}
	if (d->check)
		d->check(d->opaque);
}

void fuzz_guest_run(struct fuzz_guest *g, const struct fuzz_dev *d)
{
	for (size_t i = 0; i < g->nr_steps; i++)
		fuzz_guest_step(g, d, g->steps + i * FUZZ_STEP_SIZE);
}
