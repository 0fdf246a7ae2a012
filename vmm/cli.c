/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

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
		if (strlen(opt + 7) > BLK_ID_BYTES) {
			fail(err, errlen, "serial=%s: at most %d characters", opt + 7,
			     BLK_ID_BYTES);
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

void cli_modules_free(struct cli_module *m, int n)
{
	for (int i = 0; i < n; i++) {
		free(m[i].path);
		free(m[i].string);
		m[i] = (struct cli_module){0};
	}
}

void cli_free(struct vmm_config *cfg)
{
	for (int i = 0; i < cfg->nr_disks; i++)
		free(cfg->disk[i].spec);
	cfg->nr_disks = 0;
	cli_modules_free(cfg->module, cfg->nr_modules);
	cfg->nr_modules = 0;
}

/* A module from its string: the path is what comes before the first space. */
static int cli_module_set(struct cli_module *m, char *string)
{
	size_t n = strcspn(string, " ");

	if (!n) {
		free(string);
		return -EINVAL;
	}
	m->path = strndup(string, n);
	if (!m->path) {
		free(string);
		return -ENOMEM;
	}
	m->string = string;
	return 0;
}

int cli_split_initrd(const char *s, struct cli_module *out, int max)
{
	int n = 0, err = 0;

	for (const char *p = s; !err; p++) {
		char *item = malloc(strlen(p) + 1), *q = item;

		if (!item) {
			err = -ENOMEM;
			break;
		}
		for (; *p && (*p != ',' || p[1] == ','); p++) /* ",," is one literal comma */
			*q++ = *p == ',' ? *p++ : *p;
		*q = 0;
		if (n == max) {
			free(item);
			err = -E2BIG;
		} else if (!(err = cli_module_set(&out[n], item))) {
			n++;
		}
		if (!*p)
			break;
	}
	if (err) {
		cli_modules_free(out, n);
		return err;
	}
	return n;
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

int cli_parse_gdb(const char *s, struct gdb_cfg *g)
{
	const char *colon;
	struct in_addr a;
	char *end;
	unsigned long port;
	size_t hl;

	*g = (struct gdb_cfg){.spec = s};
	if (!strncmp(s, "unix:", 5) && s[5]) {
		g->kind = GDB_UNIX;
		g->path = s + 5;
		return 0;
	}
	if (strncmp(s, "tcp:", 4))
		return -EINVAL;
	s += 4;
	colon = strrchr(s, ':');
	strcpy(g->host, "127.0.0.1"); /* loopback unless the user writes another host */
	if (colon) {
		hl = colon - s;
		if (hl == 9 && !strncmp(s, "localhost", 9))
			;
		else if (hl >= sizeof(g->host) || !hl)
			return -EINVAL;
		else {
			memcpy(g->host, s, hl);
			g->host[hl] = 0;
			if (inet_pton(AF_INET, g->host, &a) != 1)
				return -EINVAL;
		}
		s = colon + 1;
	}
	errno = 0;
	port = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || port < 1 || port > 65535)
		return -EINVAL;
	g->kind = GDB_TCP;
	g->port = (uint16_t)port;
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
	if (!cfg->cmdline) {
		snprintf(cfg->cmdline_default, sizeof(cfg->cmdline_default),
			 CLI_DEFAULT_CMDLINE_FMT, cfg->nr_serial);
		cfg->cmdline = cfg->cmdline_default;
	}
	if ((cfg->trace_file || cfg->trace_format_given) && !cfg->trace)
		return fail(err, errlen, "%s needs --trace",
			    cfg->trace_file ? "--trace-file" : "--trace-format");
	/* vm_reboot loads the kernel again by its path, which inside DIR names another file */
	if (cfg->chroot && cfg->reboot_restart)
		return fail(err, errlen,
			    "--chroot: not with --reboot restart, which reads the "
			    "kernel again by its path");
	return CLI_RUN;
}

/* --- the options: one table, so the parser, --help and the README cannot drift --------- */

/* Each parser: CLI_RUN to go on, CLI_EXIT_OK (--help, --version) or CLI_ERROR with err set. */
typedef enum cli_result (*cli_opt_fn)(struct vmm_config *cfg, const char *arg, char *err,
				      size_t errlen);

struct cli_option {
	const char *name;
	char short_name;  /* 0: none */
	const char *arg;  /* the argument's name in --help; NULL: none; "[=X]": optional */
	const char *help; /* one line */
	cli_opt_fn parse;
};

static enum cli_result opt_kernel(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)err, (void)n;
	cfg->kernel = arg;
	return CLI_RUN;
}

static enum cli_result opt_initrd(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)err, (void)n;
	cfg->initrd = arg;
	return CLI_RUN;
}

static enum cli_result opt_cmdline(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)err, (void)n;
	cfg->cmdline = arg;
	cfg->cmdline_given = 1;
	return CLI_RUN;
}

/* "PATH[,ARGS]": the module's string is "PATH ARGS", the form QEMU's -initrd gives it. */
static enum cli_result opt_module(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	const char *comma = strchr(arg, ',');
	struct cli_module *m = &cfg->module[cfg->nr_modules];
	char *string;

	if (cfg->nr_modules == MB_MAX_MODULES)
		return fail(err, n, "--module: at most %d modules", MB_MAX_MODULES);
	if (!*arg || comma == arg)
		return fail(err, n, "--module %s: no module path", arg);
	if (!comma || !comma[1]) {
		m->path = strndup(arg, comma ? (size_t)(comma - arg) : strlen(arg));
		string = m->path ? strdup(m->path) : NULL;
	} else {
		m->path = strndup(arg, comma - arg);
		string = NULL;
		if (asprintf(&string, "%s %s", m->path, comma + 1) < 0)
			string = NULL;
	}
	m->string = string;
	cfg->nr_modules++; /* counted before it is checked: cli_free frees what we allocated */
	if (!m->path || !m->string)
		return fail(err, n, "--module %s: out of memory", arg);
	return CLI_RUN;
}

static enum cli_result opt_mem(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (cli_parse_size(arg, &cfg->mem) || cfg->mem < (2ULL << 20) || cfg->mem > CLI_MAX_MEM ||
	    cfg->mem % 4096)
		return fail(err, n, "--mem %s: want a size from 2M to 1T in whole pages", arg);
	return CLI_RUN;
}

/* --OPT DIR: a directory that exists, or CLI_ERROR naming the problem. */
static enum cli_result check_dir(const char *opt, const char *dir, char *err, size_t n)
{
	struct stat st;

	if (stat(dir, &st))
		return fail(err, n, "--%s %s: %s", opt, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, n, "--%s %s: not a directory", opt, dir);
	return CLI_RUN;
}

static enum cli_result opt_mem_path(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (check_dir("mem-path", arg, err, n) != CLI_RUN)
		return CLI_ERROR;
	cfg->mem_path = arg;
	return CLI_RUN;
}

static enum cli_result opt_mem_prealloc(struct vmm_config *cfg, const char *arg, char *err,
					size_t n)
{
	(void)arg, (void)err, (void)n;
	cfg->mem_prealloc = 1;
	return CLI_RUN;
}

static enum cli_result opt_cpus(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 1 || v > MACHINE_MAX_CPUS)
		return fail(err, n, "--cpus %s: want a number from 1 to %d", arg, MACHINE_MAX_CPUS);
	cfg->cpus = v;
	return CLI_RUN;
}

static enum cli_result opt_disk(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	char why[160];

	if (cfg->nr_disks == MACHINE_MAX_VIRTIO)
		return fail(err, n, "--disk: at most %d disks", MACHINE_MAX_VIRTIO);
	/* counted before it is parsed: cli_free frees what cli_parse_disk allocated */
	if (cli_parse_disk(arg, &cfg->disk[cfg->nr_disks++], why, sizeof(why)))
		return fail(err, n, "--disk %s: %s", arg, why);
	return CLI_RUN;
}

static enum cli_result opt_serial(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (cfg->nr_serial == MACHINE_MAX_SERIAL)
		return fail(err, n, "--serial: at most %d ports", MACHINE_MAX_SERIAL);
	if (parse_serial(arg, &cfg->serial[cfg->nr_serial]))
		return fail(err, n, "--serial %s: want stdio, file:PATH or none", arg);
	cfg->nr_serial++;
	return CLI_RUN;
}

static enum cli_result opt_reboot(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (strcmp(arg, "exit") && strcmp(arg, "restart"))
		return fail(err, n, "--reboot %s: want exit or restart", arg);
	cfg->reboot_restart = !strcmp(arg, "restart");
	return CLI_RUN;
}

/* "auto", "on", "off" or "IOBASE[,IOSIZE]" as QEMU's isa-debug-exit,iobase=,iosize= */
static enum cli_result opt_debug_exit(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	unsigned long base, size = DEBUG_EXIT_SIZE;
	char *end;

	cfg->debug_exit_port = DEBUG_EXIT_PORT;
	cfg->debug_exit_size = DEBUG_EXIT_SIZE;
	if (!strcmp(arg, "auto") || !strcmp(arg, "on") || !strcmp(arg, "off")) {
		cfg->debug_exit = !strcmp(arg, "auto") ? DEBUG_EXIT_AUTO
				  : !strcmp(arg, "on") ? DEBUG_EXIT_ON
						       : DEBUG_EXIT_OFF;
		return CLI_RUN;
	}
	errno = 0;
	base = strtoul(arg, &end, 0);
	if (!errno && end != arg && *end == ',')
		size = strtoul(end + 1, &end, 0);
	if (errno || end == arg || *end || base > 0xffff || (size != 1 && size != 2 && size != 4) ||
	    base + size > 0x10000)
		return fail(err, n,
			    "--debug-exit %s: want auto, on, off or IOBASE[,IOSIZE] (1, 2 or 4)",
			    arg);
	cfg->debug_exit = DEBUG_EXIT_ON;
	cfg->debug_exit_port = (uint16_t)base;
	cfg->debug_exit_size = (uint8_t)size;
	return CLI_RUN;
}

static enum cli_result opt_debugcon(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (parse_serial(arg, &cfg->debugcon))
		return fail(err, n, "--debugcon %s: want stdio, file:PATH or none", arg);
	return CLI_RUN;
}

/* QEMU's -rtc base=utc|localtime|DATE */
static enum cli_result opt_rtc(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	const char *base = !strncmp(arg, "base=", 5) ? arg + 5 : NULL;

	if (base && !strcmp(base, "utc"))
		cfg->rtc = (struct rtc_cfg){RTC_BASE_UTC, 0};
	else if (base && !strcmp(base, "localtime"))
		cfg->rtc = (struct rtc_cfg){RTC_BASE_LOCALTIME, 0};
	else if (base && !rtc_parse_date(base, &cfg->rtc.date))
		cfg->rtc.base = RTC_BASE_DATE;
	else
		return fail(err, n,
			    "--rtc %s: want base=utc, base=localtime or base=YYYY-MM-DD[THH:MM:SS]",
			    arg);
	return CLI_RUN;
}

static enum cli_result opt_pit(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (strcmp(arg, "kernel") && strcmp(arg, "user"))
		return fail(err, n, "--pit %s: want kernel or user", arg);
	cfg->pit = !strcmp(arg, "user") ? MACHINE_PIT_USER : MACHINE_PIT_KERNEL;
	return CLI_RUN;
}

static enum cli_result opt_boot_protocol(struct vmm_config *cfg, const char *arg, char *err,
					 size_t n)
{
	if (strcmp(arg, "auto") && strcmp(arg, "linux"))
		return fail(err, n, "--boot-protocol %s: want auto or linux", arg);
	cfg->boot_linux = !strcmp(arg, "linux");
	return CLI_RUN;
}

static enum cli_result opt_kernel_map(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)arg, (void)err, (void)n;
	cfg->kernel_map = 1;
	return CLI_RUN;
}

static enum cli_result opt_dump_dtb(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)err, (void)n;
	cfg->dump_dtb = arg;
	return CLI_RUN;
}

static enum cli_result opt_stats(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (!arg || !strcmp(arg, "text"))
		cfg->stats = STATS_TEXT;
	else if (!strcmp(arg, "json"))
		cfg->stats = STATS_JSON;
	else
		return fail(err, n, "--stats=%s: want text or json", arg);
	return CLI_RUN;
}

static enum cli_result opt_trace(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (trace_spec_parse(arg, &cfg->trace_spec, err, n))
		return CLI_ERROR; /* err names the item */
	cfg->trace = 1;
	return CLI_RUN;
}

static enum cli_result opt_trace_file(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (!*arg)
		return fail(err, n, "--trace-file: no path");
	cfg->trace_file = arg;
	return CLI_RUN;
}

static enum cli_result opt_trace_format(struct vmm_config *cfg, const char *arg, char *err,
					size_t n)
{
	if (strcmp(arg, "text") && strcmp(arg, "json"))
		return fail(err, n, "--trace-format %s: want text or json", arg);
	cfg->trace_format = !strcmp(arg, "json") ? TRACE_JSON : TRACE_TEXT;
	cfg->trace_format_given = 1;
	return CLI_RUN;
}

static enum cli_result opt_gdb(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (cli_parse_gdb(arg, &cfg->gdb))
		return fail(err, n, "--gdb %s: want tcp:PORT, tcp:HOST:PORT (IPv4) or unix:PATH",
			    arg);
	return CLI_RUN;
}

static enum cli_result opt_seccomp(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (!strcmp(arg, "on"))
		cfg->seccomp = SECCOMP_ON;
	else if (!strcmp(arg, "log"))
		cfg->seccomp = SECCOMP_LOG;
	else if (!strcmp(arg, "off"))
		cfg->seccomp = SECCOMP_OFF;
	else
		return fail(err, n, "--seccomp %s: want on, log or off", arg);
	return CLI_RUN;
}

static enum cli_result opt_core_dump(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)arg, (void)err, (void)n;
	cfg->core_dump = 1;
	return CLI_RUN;
}

/* One decimal id, below (uid_t)-1, which setuid(2) takes as "no change". */
static int parse_id(const char *s, char **end, unsigned long *id)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*id = strtoul(s, end, 10);
	return errno || *id >= UINT32_MAX ? -EINVAL : 0;
}

int cli_parse_user(const char *s, uid_t *uid, gid_t *gid)
{
	unsigned long u, g;
	char *end;

	if (parse_id(s, &end, &u) || *end != ':' || parse_id(end + 1, &end, &g) || *end)
		return -EINVAL;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static enum cli_result opt_user(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (cli_parse_user(arg, &cfg->uid, &cfg->gid))
		return fail(err, n, "--user %s: want UID:GID, both numbers", arg);
	/* refused before anything is built: only root may become someone else */
	if (geteuid())
		return fail(err, n, "--user %s: only root can change user", arg);
	cfg->user_set = 1;
	return CLI_RUN;
}

static enum cli_result opt_chroot(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	if (check_dir("chroot", arg, err, n) != CLI_RUN)
		return CLI_ERROR;
	if (geteuid())
		return fail(err, n, "--chroot %s: only root can change its root", arg);
	cfg->chroot = arg;
	return CLI_RUN;
}

static enum cli_result opt_verbose(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)arg, (void)err, (void)n;
	cfg->verbose++;
	return CLI_RUN;
}

static enum cli_result opt_help(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)cfg, (void)arg, (void)err, (void)n;
	cli_usage(stdout);
	return CLI_EXIT_OK;
}

static enum cli_result opt_version(struct vmm_config *cfg, const char *arg, char *err, size_t n)
{
	(void)cfg, (void)arg, (void)err, (void)n;
	printf("vmm " VMM_VERSION "\n");
	return CLI_EXIT_OK;
}

static const struct cli_option cli_options[] = {
    {"kernel", 0, "PATH",
     "bzImage (64-bit boot protocol), multiboot image, ELF with a PVH note, or x86-64 ELF "
     "executable",
     opt_kernel},
    {"initrd", 0, "PATH", "initial ramdisk; multiboot: modules \"PATH ARGS,PATH ARGS\" as QEMU",
     opt_initrd},
    {"module", 0, "PATH[,ARGS]", "a multiboot module with its string \"PATH ARGS\" (repeatable)",
     opt_module},
    {"cmdline", 0, "STR",
     "kernel command line (default, with one --serial port: \"" CLI_DEFAULT_CMDLINE("1") "\")",
     opt_cmdline},
    {"mem", 0, "SIZE", "guest RAM, K/M/G suffixes (default 256M)", opt_mem},
    {"mem-path", 0, "DIR", "guest RAM from files in DIR, as QEMU's -mem-path (a hugetlbfs mount)",
     opt_mem_path},
    {"mem-prealloc", 0, NULL, "allocate all guest RAM at start, not at the guest's first touch",
     opt_mem_prealloc},
    {"cpus", 0, "N", "vCPUs, 1 to the KVM limit (default 1)", opt_cpus},
    {"disk", 0, "PATH[,ro][,serial=ID][,cache=writeback|none]",
     "a raw image as virtio-blk (/dev/vda, vdb, ...), up to 8", opt_disk},
    {"serial", 0, "stdio|file:PATH|none", "once per UART: ttyS0 (default stdio), then ttyS1..ttyS3",
     opt_serial},
    {"reboot", 0, "exit|restart", "what a guest reboot does (default exit, status 0)", opt_reboot},
    {"debug-exit", 0, "auto|on|off|IOBASE[,IOSIZE]",
     "QEMU's isa-debug-exit: a write of V exits with status (V<<1)|1 (auto: at 0xf4 for "
     "multiboot and plain-ELF64 guests)",
     opt_debug_exit},
    {"debugcon", 0, "stdio|file:PATH|none", "the debug console at port 0xe9 (default none)",
     opt_debugcon},
    {"rtc", 0, "base=utc|localtime|ISO-DATE",
     "what the CMOS clock shows at power-on (default utc; a date as 2006-06-17T16:01:21)", opt_rtc},
    {"pit", 0, "kernel|user", "the 8254 PIT: KVM's (default) or emulated in the VMM", opt_pit},
    {"boot-protocol", 0, "auto|linux",
     "bzImage: auto boots the vmlinux inside through its PVH entry; linux as it is",
     opt_boot_protocol},
    {"kernel-map", 0, NULL,
     "map the cached vmlinux into guest RAM, shared with other VMs (default: copy it, faster "
     "to boot)",
     opt_kernel_map},
    {"dump-dtb", 0, "FILE", "write the machine's device tree and exit", opt_dump_dtb},
    {"stats", 0, "[=text|json]",
     "exits by reason, device and port with their cost, time in KVM vs the VMM, vCPU and "
     "interrupt state: at the end and on SIGUSR2",
     opt_stats},
    {"trace", 0, "[=SPEC]",
     "log exits, interrupts and eventfd kicks (SPEC: io,mmio,hypercall,irq,system, "
     "CATEGORY:LO-HI, dev:NAME; default all)",
     opt_trace},
    {"trace-file", 0, "PATH", "--trace to PATH instead of stderr", opt_trace_file},
    {"trace-format", 0, "text|json", "--trace lines as text (default) or one JSON object each",
     opt_trace_format},
    {"gdb", 0, "tcp:[HOST:]PORT|unix:PATH",
     "start paused and wait for gdb there (remote protocol; HOST default 127.0.0.1)", opt_gdb},
    {"seccomp", 0, "on|log|off",
     "each thread's syscall allow-list: on (default) ends the VMM on any other, log only logs",
     opt_seccomp},
    {"core-dump", 0, NULL, "keep the inherited core-dump limit (default: no core file)",
     opt_core_dump},
    {"user", 0, "UID:GID", "run as UID:GID once the VM is built (as root only)", opt_user},
    {"chroot", 0, "DIR", "chroot to DIR once the VM is built (as root only)", opt_chroot},
    {"verbose", 'v', NULL, "log every unusual exit; -vv also every unclaimed access", opt_verbose},
    {"help", 'h', NULL, "this text", opt_help},
    {"version", 'V', NULL, "the version", opt_version},
};
#define CLI_NR_OPTIONS (sizeof(cli_options) / sizeof(cli_options[0]))
#define CLI_HELP_COL   25

void cli_usage(FILE *f)
{
	fputs(
	    "usage: vmm --kernel PATH [options]\n"
	    "Boot a Linux bzImage, a multiboot kernel, a PVH ELF (vmlinux, bare-metal guest) or a "
	    "plain x86-64 ELF executable (64-bit entry) on KVM.\n\n",
	    f);
	for (size_t i = 0; i < CLI_NR_OPTIONS; i++) {
		const struct cli_option *o = &cli_options[i];
		int w = o->short_name ? fprintf(f, "  -%c, --%s", o->short_name, o->name)
				      : fprintf(f, "  --%s", o->name);

		if (o->arg) /* "[=ARG]": an optional argument, only as --name=ARG */
			w += fprintf(f, "%s%s", o->arg[0] == '[' ? "" : " ", o->arg);
		if (w < CLI_HELP_COL)
			fprintf(f, "%*s%s\n", CLI_HELP_COL - w, "", o->help);
		else /* a long synopsis: the help goes on a line of its own */
			fprintf(f, "\n%*s%s\n", CLI_HELP_COL, "", o->help);
	}
	fputs("\nConsole: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.\n"
	      "Exit status: 0 guest powered off or rebooted; 1 VMM failure; 2 usage error;\n"
	      "4 guest triple fault; 6 KVM error; 8 a syscall seccomp forbids; 128+N host\n"
	      "signal N; odd: the guest's isa-debug-exit.\n",
	      f);
}

enum cli_result cli_parse(int argc, char **argv, struct vmm_config *cfg, char *err, size_t errlen)
{
	struct option opts[CLI_NR_OPTIONS + 1];
	char shorts[2 * CLI_NR_OPTIONS + 2] = ":";
	enum cli_result r;
	int c, idx;

	/* getopt's view of the table: a long option answers with its index + 256 */
	for (size_t i = 0; i < CLI_NR_OPTIONS; i++) {
		const char *arg = cli_options[i].arg;

		opts[i] = (struct option){cli_options[i].name,
					  !arg		  ? no_argument
					  : arg[0] == '[' ? optional_argument
							  : required_argument,
					  NULL, (int)i + 256};
		if (cli_options[i].short_name) {
			size_t n = strlen(shorts);

			shorts[n] = cli_options[i].short_name;
			shorts[n + 1] = 0;
		}
	}
	opts[CLI_NR_OPTIONS] = (struct option){0};
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem = CLI_DEFAULT_MEM;
	cfg->cpus = 1;
	cfg->debug_exit_port = DEBUG_EXIT_PORT;
	cfg->debug_exit_size = DEBUG_EXIT_SIZE;
	cfg->debugcon.kind = SERIAL_NONE;
	optind = 0; /* GNU: full re-initialisation, so tests may parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (c == ':')
			return fail(err, errlen, "%s needs an argument", argv[optind - 1]);
		idx = -1;
		if (c >= 256 && c < 256 + (int)CLI_NR_OPTIONS)
			idx = c - 256;
		for (size_t i = 0; idx < 0 && c != '?' && i < CLI_NR_OPTIONS; i++)
			if (cli_options[i].short_name == c)
				idx = (int)i;
		if (idx < 0)
			return fail(err, errlen, "unknown option %s (try --help)",
				    argv[optind - 1]);
		if ((r = cli_options[idx].parse(cfg, optarg, err, errlen)) != CLI_RUN)
			return r;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (try --help)", argv[optind]);
	return check_config(cfg, err, errlen);
}
