/* SPDX-License-Identifier: MIT */
/* The command line, parsed into a config. No I/O beyond --help/--version text. */
#ifndef VMM_CLI_H
#define VMM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/machine.h"
#include "../devices/disk.h"
#include "../devices/rtc.h"
#include "../devices/serial.h"

struct vmm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem;
	int cpus;
	struct serial_cfg serial[MACHINE_MAX_SERIAL];
	int nr_serial;
	struct disk_cfg disk[MACHINE_MAX_VIRTIO];
	int nr_disks;
	int reboot_restart;
	/* isa-debug-exit: auto is on at DEBUG_EXIT_PORT for guests that are not Linux. */
	enum { DEBUG_EXIT_AUTO, DEBUG_EXIT_OFF, DEBUG_EXIT_ON } debug_exit;
	uint16_t debug_exit_port;
	uint8_t debug_exit_size;
	struct serial_cfg debugcon; /* SERIAL_NONE: no debug console */
	struct rtc_cfg rtc;	    /* --rtc base=: what the CMOS clock shows at power-on */
	const char *dump_dtb;
	int stats;
	int trace;
	int verbose;
};

#define CLI_DEFAULT_MEM	    (256ULL << 20)
#define CLI_MAX_MEM	    (1ULL << 40)
#define CLI_DEFAULT_CMDLINE "console=ttyS0"

enum cli_result { CLI_RUN, CLI_EXIT_OK, CLI_ERROR };

/* Parse argv; on CLI_ERROR, err holds one line naming the problem. */
enum cli_result cli_parse(int argc, char **argv, struct vmm_config *cfg, char *err, size_t errlen);
/* "PATH[,ro][,serial=ID][,cache=writeback|none]" into d; 0 or -EINVAL with err set. */
int cli_parse_disk(const char *spec, struct disk_cfg *d, char *err, size_t errlen);
void cli_free(struct vmm_config *cfg);
/* "512M", "4G", "65536", "64K": bytes, or -EINVAL / -ERANGE. */
int cli_parse_size(const char *s, uint64_t *out);
void cli_usage(FILE *f);

#endif
