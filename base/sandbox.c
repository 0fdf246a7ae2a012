/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "sandbox.h"

/* Written once, before the threads that read it are created (pthread_create orders it). */
static void (*sandbox_hook)(enum sandbox_kind kind);

void sandbox_set_hook(void (*hook)(enum sandbox_kind kind))
{
	sandbox_hook = hook;
}

void sandbox_enter(enum sandbox_kind kind)
{
	if (sandbox_hook)
		sandbox_hook(kind);
}
