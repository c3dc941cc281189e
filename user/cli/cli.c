// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/types.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "leaktop.h"
#include "symbolizer.h"
#include "util.h"

#ifndef LEAKTOP_VERSION
#define LEAKTOP_VERSION "0.1"
#endif

/* The kernel's PID_MAX_LIMIT on 64-bit. */
#define LT_PID_MAX 4194304

enum {
	OPT_FOLDED = 0x100,
	OPT_BYTES,
	OPT_FRAMES,
	OPT_MAX_TRACKED,
	OPT_MAX_STACKS,
	OPT_SAMPLE_BYTES,
	OPT_CONFIG,
	OPT_UNWIND,
	OPT_NO_HEAP,
	OPT_NO_SOCKETS,
	OPT_WINDOW,
	OPT_SORT,
	OPT_PER_CALL,
	OPT_JSON,
	OPT_SVG,
	OPT_SVG_OF,
	OPT_PPROF,
	OPT_FOLDED_OF,
	OPT_ALL,
	OPT_CGROUP,
	OPT_CONTAINER,
	OPT_GROUP_BY,
	OPT_PROMETHEUS,
	OPT_QUIET,
	OPT_PPROF_DIR,
	OPT_PPROF_EVERY,
	OPT_PPROF_KEEP,
	OPT_PROM_STACKS,
	OPT_FAIL_ON,
	OPT_FULL_NAMES,
	OPT_MAX_OVERHEAD,
};

/* The largest --sample-bytes: the BPF side multiplies it by a Q16 table entry in 64 bits. */
#define LT_MAX_SAMPLE_BYTES (1ULL << 30)

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "top", required_argument, NULL, 'n' },
	{ "frames", required_argument, NULL, OPT_FRAMES },
	{ "max-tracked", required_argument, NULL, OPT_MAX_TRACKED },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "bytes", no_argument, NULL, OPT_BYTES },
	{ "sample-bytes", required_argument, NULL, OPT_SAMPLE_BYTES },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "unwind", required_argument, NULL, OPT_UNWIND },
	{ "no-heap", no_argument, NULL, OPT_NO_HEAP },
	{ "no-sockets", no_argument, NULL, OPT_NO_SOCKETS },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "per-call", required_argument, NULL, OPT_PER_CALL },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "svg-of", required_argument, NULL, OPT_SVG_OF },
	{ "pprof", required_argument, NULL, OPT_PPROF },
	{ "folded-of", required_argument, NULL, OPT_FOLDED_OF },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "group-by", required_argument, NULL, OPT_GROUP_BY },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "prometheus-stacks", required_argument, NULL, OPT_PROM_STACKS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "full-names", no_argument, NULL, OPT_FULL_NAMES },
	{ "pprof-dir", required_argument, NULL, OPT_PPROF_DIR },
	{ "pprof-every", required_argument, NULL, OPT_PPROF_EVERY },
	{ "pprof-keep", required_argument, NULL, OPT_PPROF_KEEP },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "max-overhead", required_argument, NULL, OPT_MAX_OVERHEAD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{},
};

void cli__usage(FILE *out)
{
	fprintf(out,
		"Usage: leaktop -p PID[,PID...] | --all | --cgroup PATH | --container ID [options]\n"
		"       leaktop [options] -- COMMAND [ARGS...]\n"
		"\n"
		"Attach to running processes and show which call stacks hold memory, and how it\n"
		"grows, without restarting them; or run a command traced from its first\n"
		"instruction.\n"
		"\n"
		"  -p, --pid PID[,PID...]  processes to trace (up to %d)\n"
		"      --all               every user process on the host, and those started later\n"
		"      --cgroup PATH|ID    the processes of a cgroup v2 and its descendants (a path\n"
		"                          under the cgroup2 mount, or a cgroup id)\n"
		"      --container ID      the processes of the container whose id starts with ID\n"
		"                          (docker, containerd, cri-o, podman, Kubernetes)\n"
		"  -- COMMAND [ARGS...]    run COMMAND (searched in PATH) with its probes in place\n"
		"                          before its first instruction; trace it and the processes\n"
		"                          it starts until it exits, then print the final report.\n"
		"                          leaktop exits with the command's status (128 + N when\n"
		"                          signal N ended it). A stop signal or -d's end is passed\n"
		"                          on to it; a second signal kills it\n"
		"      --group-by WHAT     table rows: stack (default), process or container\n"
		"  -i, --interval SECS     seconds between tables (default 5)\n"
		"  -d, --duration SECS     stop after SECS and print the final table\n"
		"  -n, --top N             stacks per table section (default 10)\n"
		"      --frames N          frames shown per stack in the table (default 8): its\n"
		"                          own frame (the first in the program's own code, not\n"
		"                          the allocator's or a runtime's), then its callers\n"
		"      --full-names        C++ names in full in the table and summary (they are\n"
		"                          shortened there: no parameters, templates as <...>)\n"
		"      --folded FILE       at exit, write folded stacks of heap bytes\n"
		"      --folded-of WHAT    outstanding (default: bytes held at exit) or growth\n"
		"                          (bytes grown since the first table)\n"
		"      --svg FILE          at exit, write an interactive flame graph (SVG)\n"
		"      --svg-of WHAT       outstanding (default) or growth, as --folded-of\n"
		"      --pprof FILE        at exit, write a gzipped pprof profile (go tool pprof)\n"
		"      --json FILE         one JSON object per table, and a final one (docs/JSON.md)\n"
		"      --prometheus [HOST:]PORT  serve /metrics for Prometheus (docs/FLEET.md),\n"
		"                          updated every interval; no HOST: every address\n"
		"      --prometheus-stacks N  growing stacks per process in /metrics (default 5)\n"
		"      --pprof-dir DIR     write a gzipped pprof profile into DIR every\n"
		"                          --pprof-every SECS (default 60), keeping the last\n"
		"                          --pprof-keep N (default 10)\n"
		"      --quiet             no table: for a service that serves metrics or files\n"
		"      --fail-on WHAT      a check for CI: exit %d when a stack is growing\n"
		"                          (growing), or also when a process exits still holding\n"
		"                          heap blocks (leak); the stacks are printed\n"
		"      --sort KEY          growth (default: by growth rate) or outstanding\n"
		"      --window N          samples the rates and verdicts look at (default 60)\n"
		"      --per-call BINARY:FUNCTION\n"
		"                          count calls of FUNCTION in BINARY (a path or the basename\n"
		"                          of an object the target maps): bytes leaked per call\n"
		"      --no-heap           do not trace malloc and mappings\n"
		"      --no-sockets        do not trace sockets\n"
		"      --bytes             exact byte counts instead of KiB/MiB\n"
		"      --max-tracked N     live allocations tracked at once (default %d)\n"
		"      --max-stacks N      distinct stacks kept (default %d)\n"
		"      --sample-bytes N    sample one allocation per N bytes on average, as the\n"
		"                          tcmalloc and jemalloc profilers do: figures become\n"
		"                          unbiased estimates, at a fraction of the cost\n"
		"                          (default 0: track every allocation)\n"
		"      --max-overhead PCT  keep what leaktop adds to each process under PCT%% of a\n"
		"                          core, by sampling a busy process more sparsely (its\n"
		"                          figures become unbiased estimates); off: no budget.\n"
		"                          Default: %g%% with --all, off otherwise\n"
		"      --unwind MODE       how stacks are walked: auto (default: the objects'\n"
		"                          .eh_frame CFI where they have it, frame pointers\n"
		"                          elsewhere), dwarf (CFI, or fail), fp (frame pointers)\n"
		"      --config KEY=VALUE  rarely needed knobs (repeatable):\n"
		"                          attach=auto|session|multi|perf  link kind (auto: best)\n"
		"                          offsets=planned|entry  probe past single-stepped\n"
		"                            prologue instructions, or at +0 as naive tracers do\n"
		"                          probes=full|empty|empty-entry  empty: measure the\n"
		"                            probes alone; empty-entry: with no return probe\n"
		"                            (session links), one trap per call\n"
		"                          stacks=on|off  off: skip stack walks (benchmarks)\n"
		"                          python=on|off  off: no Python frames in stacks\n"
		"                          javascript=on|off  off: no JavaScript frames in\n"
		"                            node's stacks\n"
		"                          pymalloc=on|off  off: Python's object allocator\n"
		"                            (objects of 512 B or less) is not traced\n"
		"                          unwind-rows=N  size of the unwind rows map\n"
		"                          links=auto|shared|pid  how a scope's allocator files\n"
		"                            are probed: shared, once for every process that\n"
		"                            maps them (each new process probed from its first\n"
		"                            instruction; processes outside the scope that map\n"
		"                            them take a trap per call); pid, for each process\n"
		"                            (others take none; a new process runs unprobed\n"
		"                            until leaktop attaches, and is counted in the drops\n"
		"                            line; --cgroup only); auto (default): --all and a\n"
		"                            command share, --cgroup shares the files only its\n"
		"                            processes map\n"
		"                          runtime=NAME[,NAME...]  more runtime code, skipped\n"
		"                            when naming a stack by its own frame: files whose\n"
		"                            names start with NAME (libcrypto), or namespaces\n"
		"                            (boost::); repeatable\n"
		"                          debuginfod-timeout=SECS  give up on a debuginfod\n"
		"                            server silent this long (default 10; 0: never ask;\n"
		"                            servers come from DEBUGINFOD_URLS)\n"
		"  -v, --verbose           say more about what is attached (repeat for more)\n"
		"  -h, --help              this text\n"
		"  -V, --version           print the version\n"
		"\n"
		"SIGINT or SIGTERM ends the trace and prints the final table.\n"
		"Exit status: %d done, %d error, %d bad usage, %d --fail-on check failed.\n"
		"\n"
		"       leaktop diff [--bytes] [-n N] [--folded OUT] BEFORE.folded AFTER.folded\n"
		"\n"
		"The stacks that grew between two folded captures (see leaktop diff --help).\n",
		LT_MAX_TARGETS, LT_EXIT_CHECK, LT_DEFAULT_MAX_ALLOCS, LT_DEFAULT_MAX_STACKS,
		LT_DEFAULT_ALL_OVERHEAD * 100, LT_EXIT_OK, LT_EXIT_ERROR, LT_EXIT_USAGE, LT_EXIT_CHECK);
}

const struct option *cli__options(void)
{
	return long_opts;
}

/* Say what is wrong with the command line, once, and give up on it. */
#define fail(...) (lt_err(__VA_ARGS__), CLI_ERROR)

static const char *range_word(int e)
{
	return e == -ERANGE ? "out of range" : "not a number";
}

/* Parse optarg as a count in [min, max]; on error, say which option and why. */
static bool count_opt(const char *name, uint64_t min, uint64_t max, uint64_t *v)
{
	int e = parse_u64(optarg, min, max, v);

	if (e)
		lt_err("bad %s '%s': %s (%" PRIu64 " to %" PRIu64 ")", name, optarg, range_word(e),
		       min, max);
	return !e;
}

static bool seconds_opt(const char *name, double min, double max, double *v)
{
	int e = parse_seconds(optarg, min, max, v);

	if (e)
		lt_err("bad %s '%s': %s (%g to %g s)", name, optarg, range_word(e), min, max);
	return !e;
}

/* runtime=NAME[,NAME...]: more files (by the start of their names) or namespaces. */
static int add_runtime(struct lt_config *cfg, const char *list)
{
	const char *p = list;

	do {
		size_t l = strcspn(p, ",");

		if (!l || l >= LT_RUNTIME_NAME || memchr(p, '/', l)) {
			lt_err("bad --config runtime '%s': each NAME a file name's start or a "
			       "namespace ending in ::, 1 to %d characters, no '/'",
			       list, LT_RUNTIME_NAME - 1);
			return -EINVAL;
		}
		if (cfg->nruntime == LT_MAX_RUNTIME) {
			lt_err("too many --config runtime names: at most %d", LT_MAX_RUNTIME);
			return -E2BIG;
		}
		memcpy(cfg->runtime[cfg->nruntime], p, l);
		cfg->runtime[cfg->nruntime++][l] = '\0';
		p += l;
	} while (*p++ == ',');
	return 0;
}

/* --config knobs: each names its values in order, and where the choice goes. */
static int set_knob(struct lt_config *cfg, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	const char *v = eq ? eq + 1 : "";

	if (klen == 6 && !strncmp(kv, "attach", 6)) {
		if (!probes__parse_mode(v, &cfg->attach))
			return 0;
	} else if (klen == 7 && !strncmp(kv, "offsets", 7)) {
		if (!strcmp(v, "planned") || !strcmp(v, "entry")) {
			cfg->entry_offsets = !strcmp(v, "entry");
			return 0;
		}
	} else if (klen == 6 && !strncmp(kv, "probes", 6)) {
		if (!strcmp(v, "full") || !strcmp(v, "empty") || !strcmp(v, "empty-entry")) {
			cfg->empty_probes = strcmp(v, "full") != 0;
			cfg->empty_entry = !strcmp(v, "empty-entry");
			return 0;
		}
	} else if (klen == 11 && !strncmp(kv, "unwind-rows", 11)) {
		uint64_t rows;

		if (!parse_u64(v, 1024, 1 << 25, &rows)) {
			cfg->unwind_rows = rows;
			return 0;
		}
	} else if (klen == 7 && !strncmp(kv, "runtime", 7)) {
		return add_runtime(cfg, v);
	} else if (klen == 18 && !strncmp(kv, "debuginfod-timeout", 18)) {
		if (!parse_seconds(v, 0, 3600, &cfg->debuginfod_timeout))
			return 0;
	} else if (klen == 6 && !strncmp(kv, "stacks", 6)) {
		if (!strcmp(v, "on") || !strcmp(v, "off")) {
			cfg->no_stacks = !strcmp(v, "off");
			return 0;
		}
	} else if (klen == 6 && !strncmp(kv, "python", 6)) {
		if (!strcmp(v, "on") || !strcmp(v, "off")) {
			cfg->no_python = !strcmp(v, "off");
			return 0;
		}
	} else if (klen == 5 && !strncmp(kv, "links", 5)) {
		static const char *const names[] = {
			[LT_LINKS_AUTO] = "auto", [LT_LINKS_SHARED] = "shared", [LT_LINKS_PID] = "pid",
		};

		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (!strcmp(v, names[i])) {
				cfg->links = i;
				return 0;
			}
		}
	} else if (klen == 10 && !strncmp(kv, "javascript", 10)) {
		if (!strcmp(v, "on") || !strcmp(v, "off")) {
			cfg->no_js = !strcmp(v, "off");
			return 0;
		}
	} else if (klen == 8 && !strncmp(kv, "pymalloc", 8)) {
		if (!strcmp(v, "on") || !strcmp(v, "off")) {
			cfg->no_pymalloc = !strcmp(v, "off");
			return 0;
		}
	} else {
		lt_err("unknown --config key '%.*s' (attach, offsets, probes, stacks, python, "
		       "javascript, pymalloc, unwind-rows, links, runtime, debuginfod-timeout)",
		       (int)klen, kv);
		return -EINVAL;
	}
	lt_err("bad --config value '%s' (see --help)", kv);
	return -EINVAL;
}

/* The option getopt complained about: optopt for short ones, the argv word for long ones. */
static const char *opt_name(char **argv, char *buf, size_t len)
{
	if (optopt > 0 && optopt < 0x80) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

static int add_pids(struct lt_config *cfg, const char *list)
{
	char *copy = strdup(list), *tok, *rest;
	int ret = 0;

	if (!copy) {
		lt_err("out of memory");
		return -ENOMEM;
	}
	rest = copy;
	while ((tok = strsep(&rest, ","))) {
		uint64_t v;
		int i, e = parse_u64(tok, 1, LT_PID_MAX, &v);

		if (e) {
			lt_err("bad pid '%s'%s%s%s: %s", tok, strchr(list, ',') ? " in '" : "",
			       strchr(list, ',') ? list : "", strchr(list, ',') ? "'" : "",
			       *tok ? range_word(e) : "empty");
			ret = -EINVAL;
			goto out;
		}
		for (i = 0; i < cfg->npids && cfg->pids[i] != (pid_t)v; i++)
			;
		if (i < cfg->npids)
			continue; /* listed twice: trace it once */
		if (cfg->npids == LT_MAX_TARGETS) {
			lt_err("too many pids: at most %d", LT_MAX_TARGETS);
			ret = -E2BIG;
			goto out;
		}
		cfg->pids[cfg->npids++] = v;
	}
out:
	free(copy);
	return ret;
}

static void defaults(struct lt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_s = 5;
	cfg->top_n = 10;
	cfg->table_frames = 8;
	cfg->max_allocs = LT_DEFAULT_MAX_ALLOCS;
	cfg->max_stacks = LT_DEFAULT_MAX_STACKS;
	cfg->heap = cfg->sockets = true;
	cfg->window = 60;
	cfg->prom_stacks = 5;
	cfg->debuginfod_timeout = LT_DEBUGINFOD_TIMEOUT_DEFAULT;
}

enum cli_result cli__parse(struct lt_config *cfg, int argc, char **argv, FILE *out)
{
	bool max_overhead_given = false;
	char optname[8];
	uint64_t v;
	int opt;

	defaults(cfg);
	opterr = 0;
	optind = 0; /* full re-initialisation, so the parser can run more than once */
	/* '+': options end at the first word that is not one, so a command's own are its own. */
	while ((opt = getopt_long(argc, argv, "+:p:i:d:n:vhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (add_pids(cfg, optarg))
				return CLI_ERROR;
			break;
		case 'i':
			if (!seconds_opt("interval", 0.1, 86400, &cfg->interval_s))
				return CLI_ERROR;
			break;
		case 'd':
			if (!seconds_opt("duration", 0.1, 1e7, &cfg->duration_s))
				return CLI_ERROR;
			break;
		case 'n':
			if (!count_opt("--top", 1, 100000, &v))
				return CLI_ERROR;
			cfg->top_n = v;
			break;
		case OPT_FRAMES:
			if (!count_opt("--frames", 1, LT_MAX_FRAMES, &v))
				return CLI_ERROR;
			cfg->table_frames = v;
			break;
		case OPT_MAX_TRACKED:
			if (!count_opt("--max-tracked", 1024, 1 << 26, &v))
				return CLI_ERROR;
			cfg->max_allocs = v;
			break;
		case OPT_MAX_STACKS:
			if (!count_opt("--max-stacks", 64, 1 << 20, &v))
				return CLI_ERROR;
			cfg->max_stacks = v;
			break;
		case OPT_SAMPLE_BYTES:
			if (!count_opt("--sample-bytes", 0, LT_MAX_SAMPLE_BYTES, &v))
				return CLI_ERROR;
			cfg->sample_bytes = v;
			break;
		case OPT_MAX_OVERHEAD:
			/* "off", or a share of one core in percent: 0.1% to 100%. */
			if (!strcmp(optarg, "off")) {
				cfg->max_overhead = 0;
			} else if (parse_seconds(optarg, 0.1, 100, &cfg->max_overhead)) {
				return fail("bad --max-overhead '%s': a percentage of one core, "
					    "from 0.1 to 100, or off", optarg);
			} else {
				cfg->max_overhead /= 100;
			}
			max_overhead_given = true;
			break;
		case OPT_UNWIND:
			if (!strcmp(optarg, "auto"))
				cfg->unwind = LT_UNWIND_AUTO;
			else if (!strcmp(optarg, "dwarf"))
				cfg->unwind = LT_UNWIND_DWARF;
			else if (!strcmp(optarg, "fp"))
				cfg->unwind = LT_UNWIND_FP;
			else
				return fail("bad --unwind '%s' (auto, dwarf or fp)", optarg);
			break;
		case OPT_NO_HEAP:
			cfg->heap = false;
			break;
		case OPT_NO_SOCKETS:
			cfg->sockets = false;
			break;
		case OPT_WINDOW:
			if (!count_opt("--window", 4, 100000, &v))
				return CLI_ERROR;
			cfg->window = v;
			break;
		case OPT_SORT:
			if (strcmp(optarg, "growth") && strcmp(optarg, "outstanding"))
				return fail("bad --sort '%s' (growth or outstanding)", optarg);
			cfg->sort_outstanding = !strcmp(optarg, "outstanding");
			break;
		case OPT_PER_CALL: {
			const char *colon = strrchr(optarg, ':');

			if (!colon || colon == optarg || !colon[1])
				return fail("bad --per-call '%s' (BINARY:FUNCTION)", optarg);
			cfg->per_call = optarg;
			break;
		}
		case OPT_JSON:
			if (!*optarg)
				return fail("--json needs a file name");
			cfg->json_path = optarg;
			break;
		case OPT_SVG:
		case OPT_PPROF:
			if (!*optarg)
				return fail("--%s needs a file name",
					    opt == OPT_SVG ? "svg" : "pprof");
			*(opt == OPT_SVG ? &cfg->svg_path : &cfg->pprof_path) = optarg;
			break;
		case OPT_SVG_OF:
		case OPT_FOLDED_OF:
			if (strcmp(optarg, "outstanding") && strcmp(optarg, "growth"))
				return fail("bad --%s '%s' (outstanding or growth)",
					    opt == OPT_SVG_OF ? "svg-of" : "folded-of", optarg);
			*(opt == OPT_SVG_OF ? &cfg->svg_growth : &cfg->folded_growth) =
				!strcmp(optarg, "growth");
			break;
		case OPT_ALL:
			cfg->all = true;
			break;
		case OPT_CGROUP:
		case OPT_CONTAINER:
			if (!*optarg)
				return fail("--%s needs a value",
					    opt == OPT_CGROUP ? "cgroup" : "container");
			*(opt == OPT_CGROUP ? &cfg->cgroup : &cfg->container) = optarg;
			break;
		case OPT_GROUP_BY:
			if (!strcmp(optarg, "stack"))
				cfg->group_by = LT_GROUP_STACK;
			else if (!strcmp(optarg, "process"))
				cfg->group_by = LT_GROUP_PROCESS;
			else if (!strcmp(optarg, "container"))
				cfg->group_by = LT_GROUP_CONTAINER;
			else
				return fail("bad --group-by '%s' (stack, process or container)",
					    optarg);
			break;
		case OPT_PROMETHEUS: {
			const char *colon = strrchr(optarg, ':');

			if (!*optarg)
				return fail("--prometheus needs [HOST:]PORT");
			/* The port's form is usage; whether HOST resolves is the run's business. */
			if (parse_u64(colon ? colon + 1 : optarg, 1, 65535, &v))
				return fail("bad --prometheus '%s': the port must be a number from 1 "
					    "to 65535",
					    optarg);
			cfg->prometheus = optarg;
			break;
		}
		case OPT_FAIL_ON:
			if (!strcmp(optarg, "growing"))
				cfg->fail_on = LT_FAIL_GROWING;
			else if (!strcmp(optarg, "leak"))
				cfg->fail_on = LT_FAIL_LEAK;
			else
				return fail("bad --fail-on '%s' (growing or leak)", optarg);
			break;
		case OPT_PROM_STACKS:
			if (!count_opt("--prometheus-stacks", 0, 100, &v))
				return CLI_ERROR;
			cfg->prom_stacks = v;
			break;
		case OPT_QUIET:
			cfg->quiet = true;
			break;
		case OPT_FULL_NAMES:
			cfg->full_names = true;
			break;
		case OPT_PPROF_DIR:
			if (!*optarg)
				return fail("--pprof-dir needs a directory");
			cfg->pprof_dir = optarg;
			break;
		case OPT_PPROF_EVERY:
			if (!seconds_opt("pprof-every", 1, 86400 * 7, &cfg->pprof_every_s))
				return CLI_ERROR;
			break;
		case OPT_PPROF_KEEP:
			if (!count_opt("--pprof-keep", 1, 100000, &v))
				return CLI_ERROR;
			cfg->pprof_keep = v;
			break;
		case OPT_CONFIG:
			if (set_knob(cfg, optarg))
				return CLI_ERROR;
			break;
		case OPT_FOLDED:
			if (!*optarg)
				return fail("--folded needs a file name");
			cfg->folded_path = optarg;
			break;
		case OPT_BYTES:
			cfg->exact_bytes = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			cli__usage(out);
			return CLI_EXIT_OK;
		case 'V':
			fprintf(out, "leaktop %s\n", LEAKTOP_VERSION);
			return CLI_EXIT_OK;
		case ':':
			return fail("option '%s' needs a value",
				    opt_name(argv, optname, sizeof(optname)));
		default:
			return fail("unknown option '%s' (see --help)",
				    opt_name(argv, optname, sizeof(optname)));
		}
	}
	if (optind > 1 && optind <= argc && !strcmp(argv[optind - 1], "--")) {
		if (optind == argc)
			return fail("'--' needs a command to run after it");
		cfg->command = &argv[optind];
	} else if (optind < argc) {
		return fail("unexpected argument '%s' (to run a command: leaktop [options] -- "
			    "COMMAND [ARGS...])", argv[optind]);
	}
	if (!cfg->npids && !cfg->all && !cfg->cgroup && !cfg->container && !cfg->command)
		return fail("nothing to trace: give -p PID, --all, --cgroup, --container or "
			    "-- COMMAND (see --help)");
	if ((cfg->npids > 0) + cfg->all + !!cfg->cgroup + !!cfg->container + !!cfg->command > 1)
		return fail("give one of -p, --all, --cgroup, --container and -- COMMAND");
	if (cfg->links == LT_LINKS_PID && (cfg->all || cfg->command))
		return fail("--config links=pid is for --cgroup and --container: with %s every new "
			    "process would start unprobed", cfg->all ? "--all" : "a command");
	if (cfg->links && cfg->npids)
		return fail("--config links= is for --all, --cgroup, --container and a command: "
			    "-p probes the processes named");
	if (cfg->all && cfg->per_call)
		return fail("--per-call needs -p, --cgroup or --container: with --all "
			    "its binary could be any program");
	if (!cfg->heap && !cfg->sockets)
		return fail("--no-heap and --no-sockets leave nothing to trace");
	if (cfg->svg_growth && !cfg->svg_path)
		return fail("--svg-of needs --svg FILE");
	if (cfg->folded_growth && !cfg->folded_path)
		return fail("--folded-of needs --folded FILE");
	if (!cfg->heap && (cfg->svg_path || cfg->pprof_path || cfg->folded_path || cfg->pprof_dir))
		return fail("--no-heap leaves nothing for --folded, --svg, --pprof or --pprof-dir");
	if ((cfg->pprof_every_s || cfg->pprof_keep) && !cfg->pprof_dir)
		return fail("--pprof-every and --pprof-keep need --pprof-dir DIR");
	if (cfg->max_overhead && cfg->empty_probes)
		return fail("--max-overhead has nothing to hold with --config probes=empty");
	if (cfg->all && !max_overhead_given && !cfg->empty_probes)
		cfg->max_overhead = LT_DEFAULT_ALL_OVERHEAD;
	if (!cfg->pprof_every_s)
		cfg->pprof_every_s = 60;
	if (!cfg->pprof_keep)
		cfg->pprof_keep = 10;
	return CLI_RUN;
}
