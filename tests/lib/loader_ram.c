/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "loader_ram.h"

uint8_t *ram;
struct guest_mem gm;

int loader_ram_setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	memset(&gm, 0, sizeof(gm));
	return ram ? guest_mem_add(&gm, 0, ram, RAM_SIZE) : -1;
}

int loader_ram_teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}
