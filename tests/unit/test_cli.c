/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/cli.h"

static struct vmm_config cfg;
static char err[256];

#define PARSE(...)                                                                                 \
	({                                                                                         \
		char *argv_[] = {"vmm", __VA_ARGS__, NULL};                                        \
		cli_parse(sizeof(argv_) / sizeof(argv_[0]) - 1, argv_, &cfg, err, sizeof(err));    \
	})

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(cli_parse_size("512M", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(cli_parse_size("4g", &v), 0);
	assert_int_equal(v, 4ULL << 30);
	assert_int_equal(cli_parse_size("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cli_parse_size("1048576", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(cli_parse_size("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(cli_parse_size("", &v), -EINVAL);
	assert_int_equal(cli_parse_size("M", &v), -EINVAL);
	assert_int_equal(cli_parse_size("-1G", &v), -EINVAL);
	assert_int_equal(cli_parse_size("12Q", &v), -EINVAL);
	assert_int_equal(cli_parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(cli_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(cli_parse_size("17179869184G", &v), -ERANGE);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "k"), CLI_RUN);
	assert_string_equal(cfg.kernel, "k");
	assert_int_equal(cfg.mem, 256ULL << 20);
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.nr_serial, 1);
	assert_int_equal(cfg.serial[0].kind, SERIAL_STDIO);
	/* no probing of hardware we lack: legacy UARTs beyond ours, PCI (issue 11) */
	assert_string_equal(cfg.cmdline, "console=ttyS0 8250.nr_uarts=1 pci=off");
	assert_int_equal(PARSE("--kernel", "k", "--serial", "stdio", "--serial", "none"), CLI_RUN);
	assert_string_equal(cfg.cmdline, "console=ttyS0 8250.nr_uarts=2 pci=off");
	assert_int_equal(cfg.reboot_restart, 0);
	assert_int_equal(cfg.kernel_map, 0); /* a cached kernel is copied */
	assert_int_equal(PARSE("--kernel", "k", "--kernel-map"), CLI_RUN);
	assert_int_equal(cfg.kernel_map, 1);
}

static void test_full(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "bz", "--initrd", "i", "--cmdline", "a b", "--mem",
			       "3584M", "--cpus", "2", "--serial", "stdio", "--serial",
			       "file:/tmp/s1", "--serial", "none", "--reboot=restart", "--stats"),
			 CLI_RUN);
	assert_string_equal(cfg.initrd, "i");
	assert_string_equal(cfg.cmdline, "a b");
	assert_int_equal(cfg.mem, 3584ULL << 20);
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.nr_serial, 3);
	assert_int_equal(cfg.serial[1].kind, SERIAL_FILE);
	assert_string_equal(cfg.serial[1].path, "/tmp/s1");
	assert_int_equal(cfg.serial[2].kind, SERIAL_NONE);
	assert_int_equal(cfg.reboot_restart, 1);
	assert_int_equal(cfg.stats, 1);
}

static void expect_error(enum cli_result r, const char *needle)
{
	assert_int_equal(r, CLI_ERROR);
	assert_non_null(strstr(err, needle));
	assert_null(strchr(err, '\n')); /* one line */
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(PARSE("--mem", "1G"), "--kernel is required");
	expect_error(PARSE("--kernel", "k", "--mem", "0"), "--mem 0");
	expect_error(PARSE("--kernel", "k", "--mem", "1M"), "--mem 1M");
	expect_error(PARSE("--kernel", "k", "--mem", "2T"), "--mem 2T");
	expect_error(PARSE("--kernel", "k", "--mem", "lots"), "--mem lots");
	expect_error(PARSE("--kernel", "k", "--mem", "4097"), "--mem 4097");
	expect_error(PARSE("--kernel", "k", "--cpus", "0"), "--cpus 0");
	expect_error(PARSE("--kernel", "k", "--cpus", "256"), "--cpus 256");
	expect_error(PARSE("--kernel", "k", "--cpus", "2x"), "--cpus 2x");
	expect_error(PARSE("--kernel", "k", "--serial", "tcp:1"), "--serial tcp:1");
	expect_error(PARSE("--kernel", "k", "--serial", "file:"), "--serial file:");
	expect_error(PARSE("--kernel", "k", "--serial", "stdio", "--serial", "stdio"), "once");
	expect_error(PARSE("--kernel", "k", "--serial", "none", "--serial", "none", "--serial",
			   "none", "--serial", "none", "--serial", "none"),
		     "at most 4");
	expect_error(PARSE("--kernel", "k", "--reboot", "later"), "--reboot later");
	expect_error(PARSE("--kernel", "k", "--bogus"), "unknown option --bogus");
	expect_error(PARSE("--kernel"), "--kernel needs an argument");
	expect_error(PARSE("--kernel", "k", "extra"), "unexpected argument 'extra'");
}

static void test_disks(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "k", "--disk", "/a.img", "--disk",
			       "/b.img,ro,serial=SER-1,cache=none"),
			 CLI_RUN);
	assert_int_equal(cfg.nr_disks, 2);
	assert_string_equal(cfg.disk[0].path, "/a.img");
	assert_int_equal(cfg.disk[0].read_only, 0);
	assert_int_equal(cfg.disk[0].cache, DISK_CACHE_WRITEBACK);
	assert_string_equal(cfg.disk[0].serial, "");
	assert_string_equal(cfg.disk[1].path, "/b.img");
	assert_int_equal(cfg.disk[1].read_only, 1);
	assert_int_equal(cfg.disk[1].cache, DISK_CACHE_NONE);
	assert_string_equal(cfg.disk[1].serial, "SER-1");
	cli_free(&cfg);
	expect_error(PARSE("--kernel", "k", "--disk", "a,rw"), "--disk a,rw: 'rw': want ro");
	cli_free(&cfg);
	expect_error(PARSE("--kernel", "k", "--disk", "a,cache=unsafe"), "'cache=unsafe'");
	cli_free(&cfg);
	expect_error(PARSE("--kernel", "k", "--disk", "a,serial=123456789012345678901"),
		     "at most 20 characters");
	cli_free(&cfg);
	expect_error(PARSE("--kernel", "k", "--disk", ",ro"), "no image path");
	cli_free(&cfg);
	expect_error(PARSE("--kernel", "k", "--disk", "1", "--disk", "2", "--disk", "3", "--disk",
			   "4", "--disk", "5", "--disk", "6", "--disk", "7", "--disk", "8",
			   "--disk", "9"),
		     "at most 8 disks");
	cli_free(&cfg);
}

static void test_modules(void **state)
{
	(void)state;
	assert_int_equal(
	    PARSE("--kernel", "k", "--module", "/m1", "--module", "/m2,a b,c", "--module", "/m3,"),
	    CLI_RUN);
	assert_int_equal(cfg.nr_modules, 3);
	assert_int_equal(cfg.cmdline_given, 0);
	assert_string_equal(cfg.module[0].path, "/m1");
	assert_string_equal(cfg.module[0].string, "/m1");
	/* the form QEMU's -initrd "PATH ARGS" gives: commas after the first belong to ARGS */
	assert_string_equal(cfg.module[1].path, "/m2");
	assert_string_equal(cfg.module[1].string, "/m2 a b,c");
	assert_string_equal(cfg.module[2].string, "/m3");
	cli_free(&cfg);
	expect_error(PARSE("--kernel", "k", "--module", ",args"), "--module ,args: no module path");
	cli_free(&cfg);
	assert_int_equal(PARSE("--kernel", "k", "--cmdline", ""), CLI_RUN);
	assert_int_equal(cfg.cmdline_given, 1);
}

/* QEMU's -initrd for multiboot: items split at ",", ",," a literal comma, path to a space. */
static void test_split_initrd(void **state)
{
	struct cli_module m[4];

	(void)state;
	assert_int_equal(cli_split_initrd("/m1 a b,/m2 c", m, 4), 2);
	assert_string_equal(m[0].path, "/m1");
	assert_string_equal(m[0].string, "/m1 a b");
	assert_string_equal(m[1].path, "/m2");
	assert_string_equal(m[1].string, "/m2 c");
	cli_modules_free(m, 2);
	assert_int_equal(cli_split_initrd("/a,,b x,,y,/c", m, 4), 2);
	assert_string_equal(m[0].path, "/a,b");
	assert_string_equal(m[0].string, "/a,b x,y");
	assert_string_equal(m[1].string, "/c");
	cli_modules_free(m, 2);
	assert_int_equal(cli_split_initrd("/only", m, 4), 1);
	assert_string_equal(m[0].string, "/only");
	cli_modules_free(m, 1);
	assert_int_equal(cli_split_initrd("a,b,c,d,e", m, 4), -E2BIG);
	assert_int_equal(cli_split_initrd("a,", m, 4), -EINVAL);
	assert_int_equal(cli_split_initrd(",a", m, 4), -EINVAL);
	assert_int_equal(cli_split_initrd(" a", m, 4), -EINVAL);
	assert_int_equal(cli_split_initrd("", m, 4), -EINVAL);
}

static void test_rtc(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "k"), CLI_RUN);
	assert_int_equal(cfg.rtc.base, RTC_BASE_UTC);
	assert_int_equal(PARSE("--kernel", "k", "--rtc", "base=localtime"), CLI_RUN);
	assert_int_equal(cfg.rtc.base, RTC_BASE_LOCALTIME);
	assert_int_equal(PARSE("--kernel", "k", "--rtc", "base=2006-06-17T16:01:21"), CLI_RUN);
	assert_int_equal(cfg.rtc.base, RTC_BASE_DATE);
	assert_int_equal(cfg.rtc.date, 1150560081);
	assert_int_equal(PARSE("--kernel", "k", "--rtc", "base=localtime", "--rtc", "base=utc"),
			 CLI_RUN);
	assert_int_equal(cfg.rtc.base, RTC_BASE_UTC);
	expect_error(PARSE("--kernel", "k", "--rtc", "utc"), "--rtc utc: want base=utc");
	expect_error(PARSE("--kernel", "k", "--rtc", "base=2006-02-30"), "--rtc base=2006-02-30");
	expect_error(PARSE("--kernel", "k", "--rtc", "base=now"), "--rtc base=now");
}

/* --gdb: loopback unless a host is written; IPv4 only; a port from 1 to 65535. */
static void test_gdb(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "k"), CLI_RUN);
	assert_int_equal(cfg.gdb.kind, GDB_OFF);
	assert_int_equal(PARSE("--kernel", "k", "--gdb", "tcp:1234"), CLI_RUN);
	assert_int_equal(cfg.gdb.kind, GDB_TCP);
	assert_string_equal(cfg.gdb.host, "127.0.0.1");
	assert_int_equal(cfg.gdb.port, 1234);
	assert_int_equal(PARSE("--kernel", "k", "--gdb", "tcp:localhost:65535"), CLI_RUN);
	assert_string_equal(cfg.gdb.host, "127.0.0.1");
	assert_int_equal(cfg.gdb.port, 65535);
	assert_int_equal(PARSE("--kernel", "k", "--gdb", "tcp:0.0.0.0:9"), CLI_RUN);
	assert_string_equal(cfg.gdb.host, "0.0.0.0");
	assert_int_equal(PARSE("--kernel", "k", "--gdb", "unix:/tmp/s"), CLI_RUN);
	assert_int_equal(cfg.gdb.kind, GDB_UNIX);
	assert_string_equal(cfg.gdb.path, "/tmp/s");
	expect_error(PARSE("--kernel", "k", "--gdb", "1234"), "--gdb 1234: want tcp:PORT");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:0"), "--gdb tcp:0");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:65536"), "--gdb tcp:65536");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:-1"), "--gdb tcp:-1");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:"), "--gdb tcp:");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp::1"), "--gdb tcp::1");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:example.com:1"), "--gdb tcp:example");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:::1:1"), "--gdb tcp:::1:1");
	expect_error(PARSE("--kernel", "k", "--gdb", "tcp:1.2.3.4.5:1"), "--gdb tcp:1.2.3.4.5");
	expect_error(PARSE("--kernel", "k", "--gdb", "unix:"), "--gdb unix:");
}

/* --trace[=SPEC] and --stats[=FORMAT] take their argument only after '=' (getopt's
 * optional_argument); --trace-file and --trace-format as any option. */
static void test_trace_stats(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "k"), CLI_RUN);
	assert_int_equal(cfg.trace, 0);
	assert_int_equal(cfg.stats, STATS_OFF);
	assert_int_equal(PARSE("--kernel", "k", "--trace", "--stats"), CLI_RUN);
	assert_int_equal(cfg.trace, 1);
	assert_int_equal(cfg.trace_spec.cats, TRACE_ALL);
	assert_int_equal(cfg.stats, STATS_TEXT);
	assert_null(cfg.trace_file);
	assert_int_equal(cfg.trace_format, TRACE_TEXT);
	assert_int_equal(PARSE("--kernel", "k", "--trace=io:0x3f8-0x3ff,dev:vda", "--stats=json",
			       "--trace-file", "/tmp/t", "--trace-format=json"),
			 CLI_RUN);
	assert_int_equal(cfg.trace_spec.cats, TRACE_IO);
	assert_int_equal(cfg.trace_spec.nr_ranges, 1);
	assert_string_equal(cfg.trace_spec.dev[0], "vda");
	assert_int_equal(cfg.stats, STATS_JSON);
	assert_string_equal(cfg.trace_file, "/tmp/t");
	assert_int_equal(cfg.trace_format, TRACE_JSON);
	expect_error(PARSE("--kernel", "k", "--trace", "io"), "unexpected argument 'io'");
	expect_error(PARSE("--kernel", "k", "--trace=io:9-1"), "--trace io:9-1");
	expect_error(PARSE("--kernel", "k", "--stats=yaml"), "--stats=yaml: want text or json");
	expect_error(PARSE("--kernel", "k", "--trace-format", "xml"), "--trace-format xml");
	expect_error(PARSE("--kernel", "k", "--trace-file", ""), "--trace-file: no path");
	expect_error(PARSE("--kernel", "k", "--trace-file", "/tmp/t"),
		     "--trace-file needs --trace");
	expect_error(PARSE("--kernel", "k", "--trace-format=json"), "--trace-format needs --trace");
}

static void test_dump_dtb_needs_no_kernel(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--dump-dtb", "/tmp/x.dtb", "--cpus", "2"), CLI_RUN);
	assert_string_equal(cfg.dump_dtb, "/tmp/x.dtb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_disks),
	    cmocka_unit_test(test_modules),
	    cmocka_unit_test(test_split_initrd),
	    cmocka_unit_test(test_rtc),
	    cmocka_unit_test(test_gdb),
	    cmocka_unit_test(test_trace_stats),
	    cmocka_unit_test(test_dump_dtb_needs_no_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
