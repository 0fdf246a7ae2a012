/* SPDX-License-Identifier: MIT */
/*
 * The main thread while the vCPUs run: the console's input into ttyS0, and the host's
 * signals (SIGTERM, SIGINT, SIGHUP end the run; SIGUSR2 prints what the VM is doing),
 * and the guest's EOIs on level-triggered lines (vmm/irq.h), until the run ends. One poll()
 * over the VM's end eventfd, the signalfd, stdin and the lines' resamplefds.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../devices/serial.h"
#include "console.h"
#include "serve.h"
#include "vm.h"

/* Feed what the user typed into ttyS0, as fast as its FIFO drains. */
static void serve_feed(struct vm *vm, struct console *con)
{
	uint8_t in[sizeof(con->pending)];
	ssize_t n;
	int quit;

	if (con->off == con->len && !con->eof) {
		n = read(con->in_fd, in, sizeof(in));
		if (n <= 0) {
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				con->eof = 1;
			return;
		}
		con->len = console_filter(con, in, n, con->pending, &quit);
		con->off = 0;
		if (quit)
			vm_request_end(vm, VM_HOST_QUIT, 0);
	}
	struct serial *tty = vm_console_uart(vm);

	if (tty && con->off < con->len)
		con->off += serial_rx_push(tty, con->pending + con->off, con->len - con->off);
}

void serve_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR2); /* not an end: what the VM is doing */
}

int serve_signalfd(void)
{
	sigset_t set;

	serve_sigset(&set);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

enum { P_END, P_SIGNAL, P_STDIN, P_LINES };

void serve_console(struct vm *vm, struct console *con, int sfd)
{
	struct pollfd p[P_LINES + VM_MAX_LINES];

	for (int i = 0; i < vm->nr_lines; i++)
		p[P_LINES + i] =
		    (struct pollfd){.fd = irq_line_resample_fd(&vm->line[i]), .events = POLLIN};
	while (!atomic_load(&vm->end)) {
		int waiting = con->off < con->len; /* the guest has not taken it all */
		struct signalfd_siginfo si;

		p[P_END] = (struct pollfd){.fd = vm->end_fd, .events = POLLIN};
		p[P_SIGNAL] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[P_STDIN] = (struct pollfd){.fd = (con->eof || waiting) ? -1 : con->in_fd,
					     .events = POLLIN};
		if (poll(p, P_LINES + vm->nr_lines, waiting ? 5 : -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < vm->nr_lines; i++)
			if (p[P_LINES + i].revents & POLLIN)
				irq_line_resample(&vm->line[i]);
		if (p[P_SIGNAL].revents & POLLIN && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGUSR2) { /* a person asking what the VM is doing */
				vm_print_stats(vm);
				continue;
			}
			vm->host_signal = si.ssi_signo;
			vm_request_end(vm, VM_SIGNAL, si.ssi_signo);
		}
		if (p[P_STDIN].revents & (POLLIN | POLLHUP | POLLERR) || waiting)
			serve_feed(vm, con);
	}
}
