/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: argv into a config struct. Nothing else reads argv. */
#ifndef LEAKTOP_CLI_H
#define LEAKTOP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/types.h>

#include "check.h"
#include "frames.h"
#include "probes.h"
#include "report.h"

#define LT_MAX_TARGETS 64

/* --all's budget when --max-overhead does not say: 5% of a core per process. */
#define LT_DEFAULT_ALL_OVERHEAD 0.05

enum lt_unwind_mode {
	LT_UNWIND_AUTO,	 /* CFI where a process's objects have it, frame pointers elsewhere */
	LT_UNWIND_DWARF, /* CFI, and an error when no table could be built */
	LT_UNWIND_FP,	 /* the kernel's frame-pointer walk only */
};

/* How allocator files are probed in a scope (--config links=). */
enum lt_links {
	LT_LINKS_AUTO,	 /* the scope's way: --all and a command share, --cgroup decides per file */
	LT_LINKS_SHARED, /* one link per file for every process that maps it, the scope in BPF */
	LT_LINKS_PID,	 /* links for each process: others take no trap; new ones start unprobed */
};

struct lt_config {
	pid_t pids[LT_MAX_TARGETS];
	int npids;
	bool all;		/* --all: every user process */
	const char *cgroup;	/* --cgroup PATH|ID */
	const char *container;	/* --container ID-PREFIX */
	char **command;		/* leaktop [options] -- COMMAND [ARGS...]: run and trace it */
	pid_t launched;		/* not an option: the command's process, forked held by main */
	enum lt_group_by group_by; /* --group-by */
	double interval_s;	/* -i: seconds between tables */
	double duration_s;	/* -d: 0 runs until a signal or the targets exit */
	unsigned int top_n;	/* -n: stacks per table section */
	unsigned int table_frames; /* frames printed per stack in the table */
	unsigned long max_allocs;  /* live allocations tracked at once */
	unsigned long max_stacks;  /* distinct stacks kept */
	const char *folded_path;   /* --folded: written at exit */
	bool exact_bytes;	   /* --bytes: exact counts instead of KiB/MiB */
	int verbose;
	unsigned long long sample_bytes; /* --sample-bytes: mean bytes between samples; 0 = all */
	double max_overhead;	/* --max-overhead, as a share of one core (0.05 is 5%); 0: none */
	/* --config key=value knobs, rarely needed (see cli__usage) */
	enum lt_attach_mode attach;	 /* attach= */
	enum lt_links links;		 /* links= */
	bool entry_offsets;		 /* offsets=entry: probe at +0, as naive tracers do */
	bool empty_probes;		 /* probes=empty: programs that do nothing (benchmarks) */
	bool empty_entry;		 /* probes=empty-entry: and no return probe (sessions) */
	bool no_stacks;			 /* stacks=off: skip the stack walk (benchmarks) */
	bool no_python;			 /* python=off: native frames only in CPython processes */
	bool no_js;			 /* javascript=off: native frames only in node processes */
	bool no_pymalloc;		 /* pymalloc=off: PyObject_Malloc and its kin not probed */
	enum lt_unwind_mode unwind;	 /* --unwind */
	unsigned long unwind_rows;	 /* unwind-rows=: rows map size; 0 sizes it from the tables */
	double debuginfod_timeout;	 /* debuginfod-timeout=: seconds of silence; 0: not asked */
	char runtime[LT_MAX_RUNTIME][LT_RUNTIME_NAME]; /* runtime=: the user's additions */
	size_t nruntime;
	bool full_names;		 /* --full-names: C++ names in full in the table */
	bool heap, sockets;		 /* --no-heap, --no-sockets turn a side off */
	unsigned int window;		 /* --window: samples in the rates' window */
	bool sort_outstanding;		 /* --sort outstanding */
	const char *per_call;		 /* --per-call BINARY:FUNCTION */
	const char *json_path;		 /* --json FILE */
	const char *svg_path;		 /* --svg FILE: written at exit */
	const char *pprof_path;		 /* --pprof FILE: written at exit */
	bool folded_growth;		 /* --folded-of growth */
	bool svg_growth;		 /* --svg-of growth */
	const char *prometheus;		 /* --prometheus [HOST:]PORT */
	unsigned int prom_stacks;	 /* --prometheus-stacks: growing stacks per process */
	bool quiet;			 /* --quiet: no table */
	const char *pprof_dir;		 /* --pprof-dir DIR: rolling profiles */
	double pprof_every_s;		 /* --pprof-every */
	unsigned int pprof_keep;	 /* --pprof-keep */
	enum lt_fail_on fail_on;	 /* --fail-on: the check for CI (check.h) */
};

enum cli_result {
	CLI_RUN,	/* config is complete: trace */
	CLI_EXIT_OK,	/* help or version was printed: exit LT_EXIT_OK */
	CLI_ERROR,	/* bad usage: lt_err() said why; exit LT_EXIT_USAGE */
};

/*
 * Parse argv into `cfg`. On CLI_ERROR, a one-line message that names the offending option and
 * value has been said with lt_err(). Help and version go to `out`.
 */
enum cli_result cli__parse(struct lt_config *cfg, int argc, char **argv, FILE *out);

void cli__usage(FILE *out);

/* The long options cli__parse() takes (getopt's table, ending in a zeroed entry). */
const struct option *cli__options(void);

#endif /* LEAKTOP_CLI_H */
