/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interactive view, as top has it: on a terminal the live report fits the screen. A
 * header of a few lines (elapsed time, totals and rates, drops, leaktop's own cost), then one
 * row per stack of one section (heap, mmap or sockets), each cut at the terminal's width,
 * never wrapped. Keys select a row and show its stack in full, switch the sort and the
 * section, change the row count, pause the redraw.
 *
 * The view keeps a snapshot of each report it is given: what it shows, formatted and owned,
 * so keys redraw between reports without the report (whose names go with purged processes).
 * Rendering and keys are pure (a stream, a size, a key): tests/unit/test_top.c tests them.
 */
#ifndef LEAKTOP_TOP_H
#define LEAKTOP_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

enum lt_top_section {
	LT_TOP_HEAP,
	LT_TOP_MMAP,
	LT_TOP_SOCKETS,
	LT_TOP__SECTIONS,
};

/* What a key asks of the session. */
enum lt_top_action {
	LT_TOP_NOTHING,
	LT_TOP_REDRAW,
	LT_TOP_QUIT,		/* end the trace with the final report, as Ctrl-C does */
};

/* Rows kept per section and order: more than any screen shows. */
#define LT_TOP_MAX_ROWS 200

struct lt_top;

struct lt_top_opts {
	bool exact;		/* --bytes */
	bool sort_outstanding;	/* --sort outstanding: the first sort */
	bool no_heap, no_sockets;
	double interval_s;
	bool full_names;	/* --full-names: C++ names whole, not shortened */
};

struct lt_top *top__new(const struct lt_top_opts *o);
void top__free(struct lt_top *t);

/*
 * A new report: its snapshot replaces the last one, unless the view is paused. The report
 * must have names for the rows the view can show (report input's top_n: LT_TOP_MAX_ROWS).
 * 0 or -ENOMEM (the last snapshot stays).
 */
int top__update(struct lt_top *t, const struct lt_report *r);

/* The terminal's size: the next render fits it. */
void top__resize(struct lt_top *t, int cols, int lines);

/* A key (term.h's codes): what it changes in the view, and what the session should do. */
enum lt_top_action top__key(struct lt_top *t, int key);

/*
 * The screen: at most `lines` lines of at most `cols` columns each, every line placed by a
 * cursor move (no newline, so nothing scrolls), the rest of the screen cleared. 0 or -errno.
 */
int top__render(struct lt_top *t, FILE *f);

/*
 * The frame a row is named by: its own frame (frames__own_frame, the first in the program's
 * own code); the row's line shows it with the runtime call it went through
 * (report__own_label).
 */
const struct lt_frame *top__row_frame(const struct lt_row *row);

#endif /* LEAKTOP_TOP_H */
