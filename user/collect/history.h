/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time series: one sample per interval of what each stack (heap, mmap, socket) and each
 * process holds, over a bounded window, for the rates and verdicts of analysis.c. Series that
 * stay empty for a whole window are dropped, so memory is bounded by what is live.
 */
#ifndef LEAKTOP_HISTORY_H
#define LEAKTOP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analysis.h" /* LT_NODE__PARTS */

struct lt_history;

/* A stack series is named by what it counts, the process and the stack id. */
struct lt_series_key {
	uint32_t kind;	/* enum lt_row_kind */
	uint32_t tgid;
	uint64_t id;	/* stack id */
};

/* A series laid out in time order (copied out of the ring). */
struct lt_series {
	size_t n;
	double *t, *v;	/* time (s) and value (bytes, or sockets) */
};

struct lt_history *history__new(size_t window);
void history__free(struct lt_history *h);

/*
 * Start a new sample at time `t`: every series gets a point at `t`, 0 unless
 * history__put() sets it. Series empty for the whole window are dropped first.
 */
void history__begin(struct lt_history *h, double t);
int history__put(struct lt_history *h, const struct lt_series_key *k, double v);

/* A process's RSS, anonymous memory and tracked (heap + mmap) bytes at the current sample. */
int history__put_proc(struct lt_history *h, pid_t pid, double rss, double tracked);

/* The series of a key, or n = 0. Valid until the next history__begin(). */
void history__get(struct lt_history *h, const struct lt_series_key *k, struct lt_series *out);
/* Samples taken so far (history__begin calls). */
size_t history__samples(const struct lt_history *h);

/*
 * The growth baseline: one value per series, kept for the whole session (not the window),
 * from which `growth` counts. Set it once; a series it does not hold has baseline 0.
 */
int history__set_baseline(struct lt_history *h, const struct lt_series_key *k, double v);
/* Whether a baseline was taken, and when (the time passed to history__begin). */
bool history__has_baseline(const struct lt_history *h, double *t);
void history__mark_baseline(struct lt_history *h, double t);
double history__baseline(const struct lt_history *h, const struct lt_series_key *k);
/* A process's RSS and tracked series, over the same times. */
void history__get_proc(struct lt_history *h, pid_t pid, struct lt_series *rss,
		       struct lt_series *tracked);

/*
 * A node process's parts (enum lt_node_part) at the current sample, after its
 * history__put_proc(). -ENOENT when it has none this sample. Samples before its first are 0.
 */
int history__put_node(struct lt_history *h, pid_t pid, const double v[LT_NODE__PARTS]);
/*
 * Its parts' series, over the same times as history__get_proc()'s; every n is 0 for a process
 * never put so. Valid until the next history__begin().
 */
void history__get_node(struct lt_history *h, pid_t pid, struct lt_series out[LT_NODE__PARTS]);

#endif /* LEAKTOP_HISTORY_H */
