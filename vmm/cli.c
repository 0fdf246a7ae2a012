/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *f)
{
	fputs(
	    "usage: vmm --kernel PATH [options]\n"
	    "Boot a Linux bzImage or a PVH ELF (vmlinux, bare-metal guest) on KVM.\n\n"
	    "  --kernel PATH          bzImage (64-bit boot protocol) or ELF with a PVH note\n"
	    "  --initrd PATH          initial ramdisk\n"
	    "  --cmdline STR          kernel command line (default \"" CLI_DEFAULT_CMDLINE "\")\n"
	    "  --mem SIZE             guest RAM, K/M/G suffixes (default 256M)\n"
	    "  --cpus N               vCPUs, 1 to the KVM limit (default 1)\n"
	    "  --serial stdio|file:PATH|none\n"
	    "                         once per UART: ttyS0 (default stdio), then ttyS1..ttyS3\n"
	    "  --reboot exit|restart  what a guest reboot does (default exit, status 0)\n"
	    "  --dump-dtb FILE        write the machine's device tree and exit\n"
	    "  --stats                print exit counters when the VM ends\n"
	    "  --trace                log every exit to stderr (slow: for learning and debugging)\n"
	    "  -v, --verbose          log every unusual exit\n"
	    "  -h, --help             this text\n"
	    "  -V, --version          the version\n\n"
	    "Console: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.\n"
	    "Exit status: 0 guest powered off or rebooted; 1 VMM failure; 2 usage error;\n"
	    "4 guest triple fault; 6 KVM error; 128+N host signal N.\n",
	    f);
}

int cli_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (*end && strcmp(end, "B") && strcmp(end, "iB"))
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static enum cli_result fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CLI_ERROR;
}

/* One ",key[=value]" item of a --disk spec. */
static int parse_disk_opt(char *opt, struct disk_cfg *d, char *err, size_t errlen)
{
	if (!strcmp(opt, "ro")) {
		d->read_only = 1;
	} else if (!strncmp(opt, "serial=", 7)) {
		if (strlen(opt + 7) > DISK_SERIAL_MAX) {
			fail(err, errlen, "serial=%s: at most %d characters", opt + 7,
			     DISK_SERIAL_MAX);
			return -EINVAL;
		}
		strcpy(d->serial, opt + 7);
	} else if (!strcmp(opt, "cache=writeback")) {
		d->cache = DISK_CACHE_WRITEBACK;
	} else if (!strcmp(opt, "cache=none")) {
		d->cache = DISK_CACHE_NONE;
	} else {
		fail(err, errlen, "'%s': want ro, serial=ID, cache=writeback or cache=none", opt);
		return -EINVAL;
	}
	return 0;
}

int cli_parse_disk(const char *spec, struct disk_cfg *d, char *err, size_t errlen)
{
	char *save, *opt;

	memset(d, 0, sizeof(*d));
	d->spec = strdup(spec);
	if (!d->spec)
		return -ENOMEM;
	d->path = strtok_r(d->spec, ",", &save);
	if (!d->path || spec[0] == ',') {
		fail(err, errlen, "no image path");
		return -EINVAL;
	}
	while ((opt = strtok_r(NULL, ",", &save)))
		if (parse_disk_opt(opt, d, err, errlen))
			return -EINVAL;
	return 0;
}

void cli_free(struct vmm_config *cfg)
{
	for (int i = 0; i < cfg->nr_disks; i++)
		free(cfg->disk[i].spec);
	cfg->nr_disks = 0;
}

static int parse_serial(const char *s, struct serial_cfg *sc)
{
	if (!strcmp(s, "stdio"))
		*sc = (struct serial_cfg){SERIAL_STDIO, NULL};
	else if (!strcmp(s, "none"))
		*sc = (struct serial_cfg){SERIAL_NONE, NULL};
	else if (!strncmp(s, "file:", 5) && s[5])
		*sc = (struct serial_cfg){SERIAL_FILE, s + 5};
	else
		return -EINVAL;
	return 0;
}

static enum cli_result check_config(struct vmm_config *cfg, char *err, size_t errlen)
{
	int stdio = 0;

	if (!cfg->kernel && !cfg->dump_dtb)
		return fail(err, errlen, "--kernel is required");
	for (int i = 0; i < cfg->nr_serial; i++)
		stdio += cfg->serial[i].kind == SERIAL_STDIO;
	if (stdio > 1)
		return fail(err, errlen, "--serial stdio may be given only once");
	if (!cfg->nr_serial)
		cfg->serial[cfg->nr_serial++] = (struct serial_cfg){SERIAL_STDIO, NULL};
	if (!cfg->cmdline)
		cfg->cmdline = CLI_DEFAULT_CMDLINE;
	return CLI_RUN;
}

enum cli_result cli_parse(int argc, char **argv, struct vmm_config *cfg, char *err, size_t errlen)
{
	enum {
		O_KERNEL = 256,
		O_INITRD,
		O_CMDLINE,
		O_MEM,
		O_CPUS,
		O_SERIAL,
		O_REBOOT,
		O_DTB,
		O_STATS,
		O_TRACE,
		O_DISK,
	};
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, O_KERNEL},
	    {"initrd", required_argument, NULL, O_INITRD},
	    {"cmdline", required_argument, NULL, O_CMDLINE},
	    {"mem", required_argument, NULL, O_MEM},
	    {"cpus", required_argument, NULL, O_CPUS},
	    {"serial", required_argument, NULL, O_SERIAL},
	    {"reboot", required_argument, NULL, O_REBOOT},
	    {"dump-dtb", required_argument, NULL, O_DTB},
	    {"stats", no_argument, NULL, O_STATS},
	    {"trace", no_argument, NULL, O_TRACE},
	    {"disk", required_argument, NULL, O_DISK},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	char *end;
	long n;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem = CLI_DEFAULT_MEM;
	cfg->cpus = 1;
	optind = 0; /* GNU: full re-initialisation, so tests may parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vhV", opts, NULL)) != -1) {
		switch (c) {
		case O_KERNEL:
			cfg->kernel = optarg;
			break;
		case O_INITRD:
			cfg->initrd = optarg;
			break;
		case O_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case O_DTB:
			cfg->dump_dtb = optarg;
			break;
		case O_STATS:
			cfg->stats = 1;
			break;
		case O_TRACE:
			cfg->trace = 1;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case O_MEM:
			if (cli_parse_size(optarg, &cfg->mem) || cfg->mem < (2ULL << 20) ||
			    cfg->mem > CLI_MAX_MEM || cfg->mem % 4096)
				return fail(err, errlen,
					    "--mem %s: want a size from 2M to 1T in whole pages",
					    optarg);
			break;
		case O_CPUS:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 || n > MACHINE_MAX_CPUS)
				return fail(err, errlen, "--cpus %s: want a number from 1 to %d",
					    optarg, MACHINE_MAX_CPUS);
			cfg->cpus = n;
			break;
		case O_DISK: {
			char why[160];

			if (cfg->nr_disks == MACHINE_MAX_VIRTIO)
				return fail(err, errlen, "--disk: at most %d disks",
					    MACHINE_MAX_VIRTIO);
			if (cli_parse_disk(optarg, &cfg->disk[cfg->nr_disks++], why, sizeof(why)))
				return fail(err, errlen, "--disk %s: %s", optarg, why);
			break;
		}
		case O_SERIAL:
			if (cfg->nr_serial == MACHINE_MAX_SERIAL)
				return fail(err, errlen, "--serial: at most %d ports",
					    MACHINE_MAX_SERIAL);
			if (parse_serial(optarg, &cfg->serial[cfg->nr_serial]))
				return fail(err, errlen,
					    "--serial %s: want stdio, file:PATH or none", optarg);
			cfg->nr_serial++;
			break;
		case O_REBOOT:
			if (strcmp(optarg, "exit") && strcmp(optarg, "restart"))
				return fail(err, errlen, "--reboot %s: want exit or restart",
					    optarg);
			cfg->reboot_restart = !strcmp(optarg, "restart");
			break;
		case 'h':
			cli_usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("vmm " VMM_VERSION "\n");
			return CLI_EXIT_OK;
		case ':':
			return fail(err, errlen, "%s needs an argument", argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option %s (try --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (try --help)", argv[optind]);
	return check_config(cfg, err, errlen);
}
