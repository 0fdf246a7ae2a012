/* SPDX-License-Identifier: MIT */
/*
 * The loader tests' guest: RAM_SIZE bytes of RAM at GPA 0 in gm, its bytes at ram, made and
 * freed by the cmocka group fixtures below.
 */
#ifndef VMM_TESTS_LOADER_RAM_H
#define VMM_TESTS_LOADER_RAM_H

#include <stdint.h>

#include "base/mem.h"

#define RAM_SIZE (8 << 20)

extern uint8_t *ram;
extern struct guest_mem gm;

int loader_ram_setup(void **state);
int loader_ram_teardown(void **state);

#endif
