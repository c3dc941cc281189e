/* SPDX-License-Identifier: GPL-2.0 */
/* The writers: each renders a report model, and nothing else, to a stream. */
#ifndef LEAKTOP_OUTPUT_H
#define LEAKTOP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

struct lt_table_opts {
	unsigned int top_n;	/* rows per section */
	unsigned int frames;	/* frames per stack */
	bool exact;		/* exact byte counts */
	bool redraw;		/* a terminal: clear the screen first */
	bool full_names;	/* --full-names: C++ names as demangled, not shortened */
};

/* The live table: top stacks by outstanding bytes and by growth, and a footer. */
int out_table__write(FILE *f, const struct lt_report *r, const struct lt_table_opts *o);

struct lt_check_result;

/*
 * The --fail-on check's verdict (check.h), after the final report: passed or FAILED, then each
 * stack that failed it (up to top_n of each kind), with up to `frames` frames.
 */
int out_check__write(FILE *f, const struct lt_report *r, const struct lt_check_result *res,
		     const struct lt_table_opts *o);

/* What a profile (folded, SVG) counts per stack. */
enum lt_profile_value {
	LT_PROFILE_OUTSTANDING,	/* heap bytes held now */
	LT_PROFILE_GROWTH,	/* heap bytes grown since the baseline (lt_report.baseline_s) */
};

/* A row's value in a profile: heap bytes held or grown; 0 for mappings and sockets. */
static inline int64_t out__profile_value(const struct lt_row *row, enum lt_profile_value what)
{
	if (row->kind != LT_ROW_HEAP)
		return 0;
	return what == LT_PROFILE_GROWTH ? row->growth : row->bytes;
}

/*
 * Folded stacks: "comm;outermost;...;innermost bytes", one line per distinct stack with bytes
 * to show, sorted, for flamegraph.pl, speedscope and similar tools. Comment lines start with
 * '#' and never end in a number, so flamegraph.pl skips them.
 */
int out_folded__write(FILE *f, const struct lt_report *r, enum lt_profile_value what);

/*
 * The report as one line of JSON: {"type": "interval" or "final", ...}. docs/JSON.md is its
 * schema, a public interface: add fields, never change or remove one without raising
 * LT_JSON_VERSION.
 */
#define LT_JSON_VERSION 1
int out_json__write(FILE *f, const struct lt_report *r);

/*
 * A self-contained interactive flame graph (SVG with inline script and style, no external
 * resources) of the heap rows: tooltips, click to zoom, search. Frame widths are exact: a
 * frame's width is its children's plus its own.
 */
struct lt_svg_opts {
	enum lt_profile_value what;
	const char *title;	/* NULL: one made from the report */
};
int out_svg__write(FILE *f, const struct lt_report *r, const struct lt_svg_opts *o);

/*
 * pprof: profile.proto (github.com/google/pprof/proto/profile.proto) of the heap rows with
 * sample types alloc_objects/count, alloc_space/bytes, inuse_objects/count and
 * inuse_space/bytes, Mapping (with build ids), Location and Function entries.
 * out_pprof__encode() gives the raw message in a buffer to free(); out_pprof__write()
 * writes it gzip-compressed, as pprof files are.
 */
int out_pprof__encode(const struct lt_report *r, uint8_t **buf, size_t *len);
int out_pprof__write(FILE *f, const struct lt_report *r);

/*
 * Prometheus metrics (docs/FLEET.md): the text exposition format 0.0.4, or OpenMetrics 1.0.0
 * (ending in "# EOF"). Processes that exited are left out; at most `top_n` growing stacks per
 * process are.
 */
struct lt_prom_opts {
	unsigned int top_n;
	bool openmetrics;
};
int out_prom__write(FILE *f, const struct lt_report *r, const struct lt_prom_opts *o);

/* Which object of the JSON a counter of enum lt_stat (bpf/leaktop.h) is a key of. */
enum lt_stat_json {
	LT_STAT_JSON_NONE,	/* none: the counter is not in the JSON */
	LT_STAT_JSON_DROPS,	/* "drops" */
	LT_STAT_JSON_UNWIND,	/* "unwind" */
	LT_STAT_JSON_PYTHON,	/* "python" */
	LT_STAT_JSON_JS,	/* "javascript" */
};

/*
 * How each writer names a counter. The JSON lists an object's keys, and the table its drops
 * and unwind endings, in enum lt_stat order.
 */
struct lt_stat_info {
	enum lt_stat_json json;
	const char *key;	/* its key in that object, or NULL */
	const char *drop;	/* the table footer's "drops:" words; NULL: not a drop */
	const char *unwind;	/* the table's "unwind: ... ended early:" words, or NULL */
	const char *python;	/* the table's "python: ... ended early:" words, or NULL */
};

/* Indexed by enum lt_stat. */
extern const struct lt_stat_info lt_stats[LT_STAT__COUNT];

/* Anything that writes a file's contents to a stream, from `arg`: 0 or -errno. */
typedef int (*lt_writer_fn)(FILE *f, const void *arg);

/*
 * Write `path` with writer(f, arg), whole or not at all. A regular file, or a new one, is
 * written into a temporary file beside it, then renamed over it: a reader never sees half a
 * file, and a failed write leaves any old file as it was. A symbolic link's target is what is
 * replaced, not the link. A character or block device or a FIFO (/dev/stdout, /dev/null, a
 * pipe) is written in place, never replaced. A directory is -EISDIR. It knows nothing of what
 * is written (a report, a diff). 0 or -errno, unsaid: the caller names the file.
 */
int out__write_file(const char *path, lt_writer_fn writer, const void *arg);

/*
 * Whether out__write_file(path) could write there, for a check at start rather than after a
 * whole trace: a directory is -EISDIR, a device or FIFO must be writable, and a file's
 * directory must take a new file. 0 or -errno, unsaid.
 */
int out__check_path(const char *path);

#endif /* LEAKTOP_OUTPUT_H */
