/* SPDX-License-Identifier: MIT */
/* The test guest's actions that live in files of their own (testguest.c dispatches). */
#ifndef GUEST_BAREMETAL_ACTIONS_H
#define GUEST_BAREMETAL_ACTIONS_H

#include "../kit/kit.h"

/* garbage.c: `ops` hostile accesses to every emulated device, then the VMM's health. */
void do_garbage(struct hvm_start_info *si, uint32_t seed, uint32_t ops);

/* testguest.c: one line from COM1, printed back (action=echo). */
void do_echo(void);

#endif
