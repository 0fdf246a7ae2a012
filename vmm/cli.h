/* SPDX-License-Identifier: MIT */
/* The command line, parsed into a config. No I/O beyond --help/--version text. */
#ifndef VMM_CLI_H
#define VMM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../base/machine.h"
#include "../base/trace.h"
#include "../devices/disk.h"
#include "../devices/rtc.h"
#include "../firmware/multiboot.h"
#include "../devices/serial.h"

/* A multiboot module: the file, and the string the kernel is given with it. */
struct cli_module {
	char *path;
	char *string; /* "PATH ARGS", as QEMU's -initrd "PATH ARGS" gives it */
};

/* --gdb: where the stub listens (vmm/gdb.c). */
struct gdb_cfg {
	enum { GDB_OFF, GDB_TCP, GDB_UNIX } kind;
	const char *spec; /* as given */
	const char *path; /* unix: */
	char host[16];	  /* tcp: dotted IPv4, 127.0.0.1 unless given */
	uint16_t port;
};

struct vmm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	int cmdline_given; /* 0: cmdline is our default, which a multiboot kernel does not get */
	char cmdline_default[64]; /* CLI_DEFAULT_CMDLINE_FMT for this many serial ports */
	struct cli_module module[MB_MAX_MODULES]; /* --module, in order */
	int nr_modules;
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
	enum machine_pit pit;	    /* --pit: KVM's (the default) or devices/pit.c */
	const char *mem_path;	    /* --mem-path DIR: guest RAM in files there (hugetlbfs) */
	int mem_prealloc;	    /* --mem-prealloc */
	int kernel_map;		    /* --kernel-map: a cached vmlinux mapped, not copied */
	int boot_linux;		    /* --boot-protocol linux: a bzImage as it is, no unpacking */
	const char *dump_dtb;
	enum { STATS_OFF, STATS_TEXT, STATS_JSON } stats; /* --stats[=text|json] */
	int trace;					  /* --trace given */
	struct trace_spec trace_spec;			  /* what it asked for */
	enum trace_format trace_format;			  /* --trace-format */
	int trace_format_given;
	const char *trace_file;				       /* --trace-file, NULL: stderr */
	struct gdb_cfg gdb;				       /* --gdb */
	enum { SECCOMP_ON, SECCOMP_LOG, SECCOMP_OFF } seccomp; /* --seccomp (vmm/sandbox.h) */
	int core_dump;	    /* --core-dump: RLIMIT_CORE as inherited, not 0 (vmm/confine.c) */
	const char *chroot; /* --chroot DIR, NULL: none */
	int user_set;	    /* --user UID:GID given */
	uid_t uid;
	gid_t gid;
	int verbose;
};

#define CLI_DEFAULT_MEM (256ULL << 20)
#define CLI_MAX_MEM	(1ULL << 40)
/*
 * A Linux guest's command line without --cmdline: its console on our first UART, and no
 * probing of what this machine lacks (Firecracker's recommended arguments, the two that
 * earned their place in docs/boot-time.md): legacy 8250 ports beyond our --serial ones
 * (n of them), and PCI configuration space (there is no PCI host; the devices are in the DSDT).
 */
#define CLI_DEFAULT_CMDLINE(n)	"console=ttyS0 8250.nr_uarts=" n " pci=off"
#define CLI_DEFAULT_CMDLINE_FMT CLI_DEFAULT_CMDLINE("%d")

enum cli_result { CLI_RUN, CLI_EXIT_OK, CLI_ERROR };

/* Parse argv; on CLI_ERROR, err holds one line naming the problem. */
enum cli_result cli_parse(int argc, char **argv, struct vmm_config *cfg, char *err, size_t errlen);
/* "PATH[,ro][,serial=ID][,cache=writeback|none]" into d; 0 or -EINVAL with err set. */
int cli_parse_disk(const char *spec, struct disk_cfg *d, char *err, size_t errlen);
void cli_free(struct vmm_config *cfg);
/*
 * QEMU's -initrd for a multiboot kernel: "PATH ARGS,PATH ARGS", ",," a literal comma (its
 * get_opt_value). Each item's whole text is a module's string and its path ends at the first
 * space. Fills out[] with malloc'd modules (cli_modules_free) and returns their number, or
 * -E2BIG for more than max, -EINVAL for an empty item, -ENOMEM.
 */
int cli_split_initrd(const char *s, struct cli_module *out, int max);
void cli_modules_free(struct cli_module *m, int n);
/* "tcp:PORT", "tcp:HOST:PORT" (HOST dotted IPv4 or localhost), "unix:PATH"; 0 or -EINVAL. */
int cli_parse_gdb(const char *s, struct gdb_cfg *g);
/* "512M", "4G", "65536", "64K": bytes, or -EINVAL / -ERANGE. */
int cli_parse_size(const char *s, uint64_t *out);
/* "UID:GID", both decimal; 0 or -EINVAL. */
int cli_parse_user(const char *s, uid_t *uid, gid_t *gid);
void cli_usage(FILE *f);

#endif
