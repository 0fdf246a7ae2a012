/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

int console_init(struct console *c, int in_fd)
{
	struct termios raw;

	memset(c, 0, sizeof(*c));
	c->in_fd = in_fd;
	c->eof = in_fd < 0;
	if (in_fd < 0 || !isatty(in_fd) || tcgetattr(in_fd, &c->saved))
		return 0;
	/* Raw: every key, Ctrl-C included, goes to the guest, which echoes. */
	raw = c->saved;
	cfmakeraw(&raw);
	raw.c_oflag = c->saved.c_oflag;
	if (tcsetattr(in_fd, TCSAFLUSH, &raw))
		return -errno;
	c->is_tty = 1;
	return 0;
}

void console_restore(struct console *c)
{
	if (c->is_tty)
		tcsetattr(c->in_fd, TCSAFLUSH, &c->saved);
	c->is_tty = 0;
}

size_t console_filter(struct console *c, const uint8_t *in, size_t n, uint8_t *out, int *quit)
{
	size_t o = 0;

	*quit = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (!c->escape && b == CONSOLE_ESCAPE) {
			c->escape = 1;
			continue;
		}
		if (c->escape) {
			c->escape = 0;
			if (b == 'x' || b == 'X') {
				*quit = 1;
				return o;
			}
			if (b != CONSOLE_ESCAPE)
				continue; /* unknown escape: swallowed, as QEMU does */
		}
		out[o++] = b;
	}
	return o;
}
