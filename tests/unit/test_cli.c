// SPDX-License-Identifier: GPL-2.0
/* The command line: good options land in the config, bad ones give a one-line reason. */
#include <linux/types.h>
#include <stdarg.h>

#include "cli.h"
#include "exitcode.h"
#include "leaktop.h"
#include "test.h"
#include "util.h"

static enum cli_result parse(struct lt_config *cfg, char *err, ...)
{
	char *argv[32] = { "leaktop" };
	int argc = 1;
	va_list ap;
	FILE *out = fopen("/dev/null", "w");
	enum cli_result r;

	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	err[0] = '\0'; /* no message from an earlier case */
	lt_log_capture(err, 256);
	r = cli__parse(cfg, argc, argv, out);
	lt_log_capture(NULL, 0);
	fclose(out);
	return r;
}

static void test_defaults(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "-p", "42", NULL), CLI_RUN, "run");
	ASSERT_EQ(cfg.npids, 1, "one pid");
	ASSERT_EQ(cfg.pids[0], 42, "pid");
	ASSERT_TRUE(cfg.interval_s == 5, "interval 5 s");
	ASSERT_TRUE(cfg.duration_s == 0, "no duration");
	ASSERT_EQ(cfg.top_n, 10, "top 10");
	ASSERT_EQ(cfg.table_frames, 8, "8 frames");
	ASSERT_EQ(cfg.max_allocs, LT_DEFAULT_MAX_ALLOCS, "max allocs");
	ASSERT_TRUE(!cfg.folded_path && !cfg.exact_bytes, "no folded, human units");
}

static void test_all_options(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "--pid", "1,2,3", "-p", "3,4", "-i", "0.5", "-d", "15", "-n",
			"3", "--frames", "20", "--folded", "out.folded", "--bytes", "-vv",
			"--max-tracked", "4096", "--max-stacks", "128", NULL),
		  CLI_RUN, "run");
	ASSERT_EQ(cfg.npids, 4, "pids deduplicated");
	ASSERT_EQ(cfg.pids[3], 4, "last pid");
	ASSERT_TRUE(cfg.interval_s == 0.5, "fractional interval");
	ASSERT_TRUE(cfg.duration_s == 15, "duration");
	ASSERT_EQ(cfg.top_n, 3, "top");
	ASSERT_EQ(cfg.table_frames, 20, "frames");
	ASSERT_STREQ(cfg.folded_path, "out.folded", "folded");
	ASSERT_TRUE(cfg.exact_bytes, "bytes");
	ASSERT_EQ(cfg.verbose, 2, "verbosity");
	ASSERT_EQ(cfg.max_allocs, 4096, "max tracked");
	ASSERT_EQ(cfg.max_stacks, 128, "max stacks");
}

static void test_errors(void)
{
	static const struct {
		const char *args[4];
		const char *msg;
	} cases[] = {
		{ { NULL }, "nothing to trace: give -p PID" },
		{ { "-p", "abc" }, "bad pid 'abc': not a number" },
		{ { "-p", "0" }, "bad pid '0': out of range" },
		{ { "-p", "-5" }, "bad pid '-5': not a number" },
		{ { "-p", "99999999" }, "bad pid '99999999': out of range" },
		{ { "-p", "1,,2" }, "bad pid '' in '1,,2': empty" },
		{ { "-p", "1," }, "bad pid '' in '1,': empty" },
		{ { "-p", "" }, "bad pid '': empty" },
		{ { "-p", "1", "-i", "0" }, "bad interval '0': out of range" },
		{ { "-p", "1", "-i", "soon" }, "bad interval 'soon': not a number" },
		{ { "-p", "1", "-i", "nan" }, "bad interval 'nan': not a number" },
		{ { "-p", "1", "-d", "-1" }, "bad duration '-1': out of range" },
		{ { "-p", "1", "-n", "0" }, "bad --top '0': out of range" },
		{ { "-p", "1", "-n", "1x" }, "bad --top '1x': not a number" },
		{ { "-p", "1", "--frames", "200" }, "bad --frames '200': out of range" },
		{ { "-p", "1", "--max-tracked", "10" }, "bad --max-tracked '10': out of range" },
		{ { "-p", "1", "--folded", "" }, "--folded needs a file name" },
		{ { "-p", "1", "--bogus" }, "unknown option '--bogus'" },
		{ { "-p", "1", "-x" }, "unknown option '-x'" },
		{ { "-p" }, "option '-p' needs a value" },
		{ { "-p", "1", "extra" }, "unexpected argument 'extra'" },
		{ { "-p", "1", "--sample-bytes", "2147483648" }, "bad --sample-bytes '2147483648': out of range" },
		{ { "-p", "1", "--max-overhead", "0" }, "bad --max-overhead '0': a percentage of one core, from 0.1 to 100, or off" },
		{ { "-p", "1", "--max-overhead", "150" }, "bad --max-overhead '150'" },
		{ { "-p", "1", "--max-overhead", "5%" }, "bad --max-overhead '5%'" },
		{ { "-p", "1", "--config", "attach=kprobe" }, "bad --config value 'attach=kprobe'" },
		{ { "-p", "1", "--config", "speed=11" }, "unknown --config key 'speed'" },
		{ { "-p", "1", "--config", "stacks" }, "bad --config value 'stacks'" },
		{ { "-p", "1", "--unwind", "lbr" }, "bad --unwind 'lbr' (auto, dwarf or fp)" },
		{ { "-p", "1", "--sort", "size" }, "bad --sort 'size' (growth or outstanding)" },
		{ { "-p", "1", "--window", "2" }, "bad --window '2': out of range" },
		{ { "-p", "1", "--per-call", "handle" }, "bad --per-call 'handle' (BINARY:FUNCTION)" },
		{ { "-p", "1", "--per-call", "svc:" }, "bad --per-call 'svc:'" },
		{ { "-p", "1", "--svg-of", "peak" }, "bad --svg-of 'peak' (outstanding or growth)" },
		{ { "-p", "1", "--folded-of", "" }, "bad --folded-of '' (outstanding or growth)" },
		{ { "-p", "1", "--pprof", "" }, "--pprof needs a file name" },
		{ { "-p", "1", "--svg", "" }, "--svg needs a file name" },
		{ { "-p", "1", "--svg-of", "growth" }, "--svg-of needs --svg FILE" },
		{ { "-p", "1", "--folded-of", "growth" }, "--folded-of needs --folded FILE" },
		{ { "-p", "1", "--no-heap", "--pprof=x" }, "--no-heap leaves nothing for" },
		{ { "--all", "-p", "1" }, "give one of -p, --all, --cgroup, --container and -- COMMAND" },
		{ { "-p", "1", "--", "true" }, "give one of -p, --all, --cgroup, --container and --" },
		{ { "-i", "1", "--" }, "'--' needs a command to run after it" },
		{ { "-i", "1", "true" }, "unexpected argument 'true' (to run a command: leaktop" },
		{ { "--all", "--config", "links=pid" }, "--config links=pid is for --cgroup" },
		{ { "--config", "links=pid", "--", "true" }, "with a command every new process" },
		{ { "-p", "1", "--config", "links=shared" }, "--config links= is for --all" },
		{ { "--all", "--config", "links=some" }, "bad --config value 'links=some'" },
		{ { "--cgroup", "/x", "--container", "ab" }, "give one of -p, --all" },
		{ { "--all", "--per-call", "svc:f" }, "--per-call needs -p, --cgroup or --container" },
		{ { "--all", "--group-by", "pod" }, "bad --group-by 'pod' (stack, process or container)" },
		{ { "--cgroup", "" }, "--cgroup needs a value" },
		{ { "--container", "" }, "--container needs a value" },
		{ { "-p", "1", "--no-heap", "--no-sockets" }, "leave nothing to trace" },
		{ { "-p", "1", "--config", "unwind-rows=5" }, "bad --config value 'unwind-rows=5'" },
		{ { "-p", "1", "--fail-on", "grow" }, "bad --fail-on 'grow' (growing or leak)" },
		{ { "-p", "1", "--prometheus", "localhost:http" },
		  "bad --prometheus 'localhost:http': the port must be a number from 1 to 65535" },
		{ { "-p", "1", "--prometheus", "0" }, "bad --prometheus '0': the port must be" },
		{ { "-p", "1", "--prometheus", "[::1]:70000" }, "bad --prometheus '[::1]:70000'" },
		{ { "-p", "1", "--config", "runtime=" }, "bad --config runtime ''" },
		{ { "-p", "1", "--config", "runtime=libx,,liby" }, "bad --config runtime 'libx,,liby'" },
		{ { "-p", "1", "--config", "runtime=/usr/lib/libx" }, "no '/'" },
		{ { "-p", "1", "--config", "debuginfod-timeout=-1" }, "bad --config value" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;
		struct lt_config cfg;
		char err[256], name[64];

		snprintf(name, sizeof(name), "case %zu (%s)", i, cases[i].msg);
		ASSERT_EQ(parse(&cfg, err, a[0], a[1], a[2], a[3], NULL), CLI_ERROR, name);
		ASSERT_CONTAINS(err, cases[i].msg, name);
	}
}

/* -- COMMAND: what follows '--' is the command's, options included. */
static void test_command(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "-i", "2", "--", "./svc", "-p", "9", "--all", NULL), CLI_RUN,
		  "run");
	ASSERT_TRUE(cfg.command != NULL, "a command");
	ASSERT_STREQ(cfg.command[0], "./svc", "its file");
	ASSERT_STREQ(cfg.command[1], "-p", "its own options");
	ASSERT_STREQ(cfg.command[3], "--all", "all of them");
	ASSERT_TRUE(cfg.command[4] == NULL, "ends with NULL");
	ASSERT_TRUE(!cfg.all && !cfg.npids && cfg.interval_s == 2, "leaktop's own");
	ASSERT_EQ(parse(&cfg, err, "--cgroup", "/x", "--config", "links=shared", NULL), CLI_RUN,
		  "links=shared");
	ASSERT_EQ(cfg.links, LT_LINKS_SHARED, "links shared");
}

static void test_sampling_and_knobs(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "-p", "1", NULL), CLI_RUN, "defaults");
	ASSERT_EQ(cfg.sample_bytes, 0, "track everything by default");
	ASSERT_EQ(cfg.attach, LT_ATTACH_AUTO, "attach auto");
	ASSERT_EQ(cfg.unwind, LT_UNWIND_AUTO, "unwind auto");
	ASSERT_TRUE(cfg.heap && cfg.sockets, "both sides on");
	ASSERT_EQ(cfg.window, 60, "60 samples");
	ASSERT_TRUE(!cfg.sort_outstanding && !cfg.per_call && !cfg.json_path, "growth order");
	ASSERT_EQ(cfg.unwind_rows, 0, "rows map sized from the tables");
	ASSERT_TRUE(!cfg.entry_offsets && !cfg.empty_probes && !cfg.no_stacks, "knobs off");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--sample-bytes", "524288", "--config",
			"attach=perf", "--config", "offsets=entry", "--config", "probes=empty",
			"--config", "stacks=off", "--unwind", "fp", "--config", "unwind-rows=4096",
			NULL),
		  CLI_RUN, "run");
	ASSERT_EQ(cfg.unwind, LT_UNWIND_FP, "unwind fp");
	ASSERT_EQ(cfg.unwind_rows, 4096, "unwind rows");
	ASSERT_EQ(cfg.sample_bytes, 524288, "sample bytes");
	ASSERT_EQ(cfg.attach, LT_ATTACH_PERF, "attach perf");
	ASSERT_TRUE(cfg.entry_offsets && cfg.empty_probes && cfg.no_stacks, "knobs on");
	ASSERT_TRUE(!cfg.empty_entry, "probes=empty keeps the return half");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--config", "probes=empty-entry", NULL), CLI_RUN,
		  "empty-entry");
	ASSERT_TRUE(cfg.empty_probes && cfg.empty_entry, "empty-entry: empty, entry alone");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--no-sockets", "--window", "10", "--sort",
			"outstanding", "--per-call", "/opt/svc:handle_event", "--json", "o.json",
			NULL),
		  CLI_RUN, "issue 5 options");
	ASSERT_TRUE(cfg.heap && !cfg.sockets, "sockets off");
	ASSERT_EQ(cfg.window, 10, "window");
	ASSERT_TRUE(cfg.sort_outstanding, "sort outstanding");
	ASSERT_STREQ(cfg.per_call, "/opt/svc:handle_event", "per-call");
	ASSERT_STREQ(cfg.json_path, "o.json", "json");
	ASSERT_TRUE(!cfg.svg_path && !cfg.pprof_path && !cfg.svg_growth && !cfg.folded_growth,
		    "no profiles by default");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--svg", "f.svg", "--svg-of", "growth", "--pprof",
			"p.pb.gz", "--folded", "f.folded", "--folded-of", "growth", NULL),
		  CLI_RUN, "issue 6 options");
	ASSERT_STREQ(cfg.svg_path, "f.svg", "svg");
	ASSERT_STREQ(cfg.pprof_path, "p.pb.gz", "pprof");
	ASSERT_TRUE(cfg.svg_growth && cfg.folded_growth, "growth profiles");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--svg", "f.svg", "--svg-of", "outstanding", NULL),
		  CLI_RUN, "outstanding");
	ASSERT_TRUE(!cfg.svg_growth, "svg of outstanding");
	ASSERT_TRUE(!cfg.all && !cfg.cgroup && !cfg.container && cfg.group_by == LT_GROUP_STACK,
		    "no scope by default");
	ASSERT_EQ(parse(&cfg, err, "--all", "--group-by", "container", NULL), CLI_RUN, "--all");
	ASSERT_TRUE(cfg.all && !cfg.npids && cfg.group_by == LT_GROUP_CONTAINER, "all, by container");
	ASSERT_EQ(parse(&cfg, err, "--cgroup", "system.slice/x.scope", "--group-by", "process",
			"--per-call", "svc:f", NULL),
		  CLI_RUN, "--cgroup");
	ASSERT_STREQ(cfg.cgroup, "system.slice/x.scope", "cgroup path");
	ASSERT_TRUE(cfg.group_by == LT_GROUP_PROCESS, "by process");
	ASSERT_EQ(parse(&cfg, err, "--container", "0123ab", NULL), CLI_RUN, "--container");
	ASSERT_STREQ(cfg.container, "0123ab", "container prefix");
}

/* Issue 17's options: names, attribution, debug info. */
static void test_names(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "-p", "1", NULL), CLI_RUN, "defaults");
	ASSERT_TRUE(!cfg.full_names && !cfg.nruntime, "short names, no runtime additions");
	ASSERT_TRUE(cfg.debuginfod_timeout == 10, "debuginfod timeout 10 s");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--full-names", "--config", "runtime=libcrypto,libssl",
			"--config", "runtime=boost::", "--config", "debuginfod-timeout=0", NULL),
		  CLI_RUN, "run");
	ASSERT_TRUE(cfg.full_names, "--full-names");
	ASSERT_EQ(cfg.nruntime, 3, "three runtime names, from two options");
	ASSERT_STREQ(cfg.runtime[0], "libcrypto", "first");
	ASSERT_STREQ(cfg.runtime[1], "libssl", "second");
	ASSERT_STREQ(cfg.runtime[2], "boost::", "a namespace");
	ASSERT_TRUE(cfg.debuginfod_timeout == 0, "debuginfod off");
}

/* --max-overhead: a percentage of one core, kept as a share; --all's default; off. */
static void test_max_overhead(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "-p", "1", NULL), CLI_RUN, "-p");
	ASSERT_TRUE(cfg.max_overhead == 0, "no budget with -p");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--max-overhead", "2.5", NULL), CLI_RUN, "2.5%");
	ASSERT_TRUE(cfg.max_overhead == 0.025, "2.5% of a core");
	ASSERT_EQ(parse(&cfg, err, "--all", NULL), CLI_RUN, "--all");
	ASSERT_TRUE(cfg.max_overhead == LT_DEFAULT_ALL_OVERHEAD && LT_DEFAULT_ALL_OVERHEAD == 0.05,
		    "--all: 5% by default");
	ASSERT_EQ(parse(&cfg, err, "--all", "--max-overhead", "off", NULL), CLI_RUN, "--all off");
	ASSERT_TRUE(cfg.max_overhead == 0, "--all with no budget");
	ASSERT_EQ(parse(&cfg, err, "--all", "--max-overhead", "20", NULL), CLI_RUN, "--all 20");
	ASSERT_TRUE(cfg.max_overhead == 0.2, "--all: the budget given");
	ASSERT_EQ(parse(&cfg, err, "--all", "--config", "probes=empty", NULL), CLI_RUN, "empty");
	ASSERT_TRUE(cfg.max_overhead == 0, "no default budget over empty probes");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--max-overhead", "5", "--config", "probes=empty",
			NULL),
		  CLI_ERROR, "a budget over empty probes");
	ASSERT_CONTAINS(err, "--max-overhead has nothing to hold with --config probes=empty",
			"said why");
}

static void test_help_version(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "--help", NULL), CLI_EXIT_OK, "help");
	ASSERT_EQ(parse(&cfg, err, "-V", NULL), CLI_EXIT_OK, "version");
	/* The parser can run again after an error: getopt state is reset. */
	ASSERT_EQ(parse(&cfg, err, "-p", "7", NULL), CLI_RUN, "reparse");
	ASSERT_EQ(cfg.pids[0], 7, "reparse pid");
}

static void test_fail_on(void)
{
	struct lt_config cfg;
	char err[256];

	ASSERT_EQ(parse(&cfg, err, "-p", "1", NULL), CLI_RUN, "default");
	ASSERT_EQ(cfg.fail_on, LT_FAIL_OFF, "no check by default");
	ASSERT_EQ(parse(&cfg, err, "--all", "--fail-on", "growing", NULL), CLI_RUN, "growing");
	ASSERT_EQ(cfg.fail_on, LT_FAIL_GROWING, "growing");
	ASSERT_EQ(parse(&cfg, err, "--cgroup", "/x", "--fail-on=leak", NULL), CLI_RUN, "leak");
	ASSERT_EQ(cfg.fail_on, LT_FAIL_LEAK, "leak");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--prometheus", "[::1]:9464", NULL), CLI_RUN,
		  "prometheus with an IPv6 host");
	ASSERT_EQ(parse(&cfg, err, "-p", "1", "--prometheus", "9464", NULL), CLI_RUN,
		  "prometheus, port alone");
}

/* The exit codes are what the man page and --help say they are. */
static void test_exit_codes(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_EQ(LT_EXIT_OK, 0, "success");
	ASSERT_EQ(LT_EXIT_ERROR, 1, "error");
	ASSERT_EQ(LT_EXIT_USAGE, 2, "usage");
	ASSERT_EQ(LT_EXIT_CHECK, 3, "check failed");
	cli__usage(f);
	fclose(f);
	ASSERT_CONTAINS(text, "Exit status: 0 done, 1 error, 2 bad usage, 3 --fail-on check failed",
			"--help lists them");
	free(text);
}

/* Every option of the parser's table is in --help (and the man page test checks --help's). */
static void test_options_documented(void)
{
	char *text = NULL, want[64];
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);

	cli__usage(f);
	fclose(f);
	for (const struct option *o = cli__options(); o->name; o++, n++) {
		snprintf(want, sizeof(want), "--%s", o->name);
		ASSERT_CONTAINS(text, want, o->name);
	}
	ASSERT_TRUE(n >= 35, "the table has every option");
	free(text);
}

TEST_MAIN(TEST(test_defaults), TEST(test_all_options), TEST(test_errors), TEST(test_command),
	  TEST(test_sampling_and_knobs), TEST(test_names), TEST(test_max_overhead),
	  TEST(test_help_version), TEST(test_fail_on),
	  TEST(test_exit_codes), TEST(test_options_documented))
