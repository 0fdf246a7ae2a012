/* SPDX-License-Identifier: MIT */
/*
 * vmm: parse the command line, build the VM, run it, map how it ended to
 * an exit status. A guest reboot with --reboot=restart boots it again
 * (vm_reboot).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../firmware/fdt.h"
#include "cli.h"
#include "confine.h"
#include "console.h"
#include "sandbox.h"
#include "serve.h"
#include "../base/log.h"
#include "../base/timeline.h"
#include "../base/trace.h"
#include "vm.h"

static int dump_dtb(const struct vmm_config *cfg)
{
	static uint8_t buf[64 << 10];
	struct machine_desc m;
	long n;
	int fd;

	if (vm_machine_init(&m, cfg) || (n = fdt_build(&m, cfg->cmdline, buf, sizeof(buf))) < 0) {
		log_msg("--dump-dtb: cannot build the device tree");
		return EXIT_FAILURE_VMM;
	}
	fd = open(cfg->dump_dtb, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, n) != n || close(fd)) {
		log_msg("--dump-dtb %s: %s", cfg->dump_dtb, strerror(errno));
		return EXIT_FAILURE_VMM;
	}
	return EXIT_OK;
}

/* SIGTERM and friends are read from a signalfd by the main loop, never delivered. */
static void block_host_signals(void)
{
	sigset_t set;

	serve_sigset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout must not kill the VMM */
}

/* --trace: on before the VM is built, so its first exit is seen; 0 or an exit status. */
static int trace_open(const struct vmm_config *cfg)
{
	FILE *f = stderr;

	if (!cfg->trace)
		return 0;
	if (cfg->trace_file && !(f = fopen(cfg->trace_file, "we"))) {
		log_msg("--trace-file %s: %s", cfg->trace_file, strerror(errno));
		return EXIT_USAGE;
	}
	if (f != stderr) /* a file: buffered, flushed by trace_stop */
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	trace_set_thread("main");
	trace_start(&cfg->trace_spec, cfg->trace_format, f);
	return 0;
}

/* Bad files and options are the user's to fix: exit 2, as for usage. */
static int failure_status(int err)
{
	return err == -EINVAL ? EXIT_USAGE : EXIT_FAILURE_VMM;
}

static int run(const struct vmm_config *cfg)
{
	struct console con;
	struct vm vm;
	int end, status, err, has_stdio = 0;

	for (int i = 0; i < cfg->nr_serial; i++)
		has_stdio |= cfg->serial[i].kind == SERIAL_STDIO;
	if (cfg->user_set)
		sandbox_allow_user(cfg->uid, cfg->gid);
	sandbox_init(cfg->seccomp); /* before the first thread, which enters its sandbox */
	if ((err = trace_open(cfg)))
		return err;
	/* Set-up ends here: every file, socket and /dev/kvm is open, no vCPU has run. */
	if ((err = vm_create(&vm, cfg)) || (err = confine_after_setup(cfg))) {
		vm_destroy(&vm);
		trace_stop();
		return failure_status(err);
	}
	for (;;) {
		if (console_init(&con, has_stdio ? STDIN_FILENO : -1))
			log_msg("console: %s", strerror(errno));
		end = vm_run(&vm, &con);
		console_restore(&con);
		status = vm_exit_status(&vm);
		if (cfg->stats)
			vm_print_stats(&vm);
		if (end != VM_RESET || !cfg->reboot_restart || vm.host_signal)
			break;
		log_debug("guest reset: restarting");
		if ((err = vm_reboot(&vm))) {
			status = failure_status(err);
			break;
		}
	}
	vm_destroy(&vm); /* every thread that traces has ended */
	trace_stop();
	return status;
}

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	char err[256];
	int status = EXIT_OK, err_fd;

	/* Before anything is opened: whatever is above stderr now was inherited (confine.h). */
	if ((err_fd = confine_close_inherited()))
		log_msg("closing inherited descriptors: %s", strerror(-err_fd));
	timeline_start(); /* what the boot timeline counts from */
	/* First of all: a SIGUSR2 (or SIGTERM) that comes while we parse must wait for the
	 * signalfd, not kill us with its default action. */
	block_host_signals();
	switch (cli_parse(argc, argv, &cfg, err, sizeof(err))) {
	case CLI_EXIT_OK:
		break;
	case CLI_ERROR:
		log_msg("%s", err);
		status = EXIT_USAGE;
		break;
	case CLI_RUN:
		log_verbose = cfg.verbose;
		status = cfg.dump_dtb ? dump_dtb(&cfg) : run(&cfg);
		break;
	}
	cli_free(&cfg);
	return status;
}
