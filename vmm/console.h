/* SPDX-License-Identifier: MIT */
/*
 * The host side of ttyS0: raw mode on a terminal, QEMU's Ctrl-A escapes,
 * and the bytes typed that the UART's FIFO has not taken yet.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

struct console {
	int in_fd;
	int is_tty;
	int eof;
	struct termios saved;
	int escape; /* the previous byte was Ctrl-A */
	uint8_t pending[256];
	size_t len, off;
};

/* in_fd < 0: no input. Puts a terminal into raw mode. */
int console_init(struct console *c, int in_fd);
void console_restore(struct console *c);
/*
 * Pass input through the escape filter into out (at least n bytes).
 * Returns the bytes for the guest; *quit is set on Ctrl-A x.
 */
size_t console_filter(struct console *c, const uint8_t *in, size_t n, uint8_t *out, int *quit);

#endif
