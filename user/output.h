/* SPDX-License-Identifier: GPL-2.0 */
/* The writers: each renders a report model, and nothing else, to a stream. */
#ifndef LEAKTOP_OUTPUT_H
#define LEAKTOP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

struct lt_table_opts {
	unsigned int top_n;	/* rows per section */
	unsigned int frames;	/* frames per stack */
	bool exact;		/* exact byte counts */
	bool redraw;		/* a terminal: clear the screen first */
};

/* The live table: top stacks by outstanding bytes and by growth, and a footer. */
int out_table__write(FILE *f, const struct lt_report *r, const struct lt_table_opts *o);

/*
 * Folded stacks: "comm;outermost;...;innermost bytes", one line per distinct stack with
 * outstanding bytes, sorted, for flamegraph.pl, speedscope and similar tools.
 */
int out_folded__write(FILE *f, const struct lt_report *r);

/*
 * The report as one line of JSON: {"type": "interval" or "final", ...}. docs/JSON.md is its
 * schema, a public interface: add fields, never change or remove one without raising
 * LT_JSON_VERSION.
 */
#define LT_JSON_VERSION 1
int out_json__write(FILE *f, const struct lt_report *r);

/* Write the folded report to `path` atomically (a temporary file, then rename). */
int out_folded__write_file(const char *path, const struct lt_report *r);

#endif /* LEAKTOP_OUTPUT_H */
