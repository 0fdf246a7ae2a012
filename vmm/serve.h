/* SPDX-License-Identifier: MIT */
/* The main thread's loop while a VM runs: see serve.c. */
#ifndef VMM_SERVE_H
#define VMM_SERVE_H

#include <signal.h>

struct console;
struct vm;

/* The host signals the main loop reads from a signalfd: every thread keeps them blocked. */
void serve_sigset(sigset_t *set);
int serve_signalfd(void);
/* Feed the console into ttyS0 and answer the signals on sfd until the run ends. */
void serve_console(struct vm *vm, struct console *con, int sfd);

#endif
