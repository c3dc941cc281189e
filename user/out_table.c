// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util.h"

/*
 * Column where stack frames start, so continuation lines line up under the first frame: the
 * six number columns of either section, "%3s %13s %13s %10s %8s %8s  ", are 62 wide.
 */
#define STACK_COL 62

static void header(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	char b[32];

	fprintf(f, "leaktop%s  elapsed %.1fs  interval %.1fs  tracked %s in %" PRId64
		" blocks over %zu stacks\n",
		r->final ? " final report" : "", r->elapsed_s, r->interval_s,
		fmt_bytes(b, sizeof(b), r->total_bytes, o->exact, false), r->total_count,
		r->nrows);
	if (r->sample_bytes)
		fprintf(f, "sampled: one point per %s of allocation on average; bytes and counts are "
			"unbiased estimates\n",
			fmt_bytes(b, sizeof(b), r->sample_bytes, o->exact, false));
}

/* The frames of a row, the first on the current line and the rest indented under it. */
static void frames(FILE *f, const struct lt_report *r, const struct lt_row *row, unsigned int max)
{
	char buf[512];

	if (r->nprocs > 1)
		fprintf(f, "pid %d (%s): ", row->pid, row->comm);
	if (!row->nframes) {
		fprintf(f, "[stack unavailable: see the drop counters]\n");
		return;
	}
	for (size_t i = 0; i < row->nframes && i < max; i++) {
		report__frame_str(buf, sizeof(buf), &row->frames[i], true);
		if (i)
			fprintf(f, "%*s", STACK_COL, "");
		fprintf(f, "%s\n", buf);
	}
	if (row->nframes > max)
		fprintf(f, "%*s... %zu more frame%s\n", STACK_COL, "", row->nframes - max,
			row->nframes - max > 1 ? "s" : "");
}

static void by_bytes(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
		     const struct lt_row **order)
{
	char out[32], delta[32];
	size_t shown = 0;

	fprintf(f, "\nTOP STACKS BY OUTSTANDING BYTES\n");
	fprintf(f, "%3s %13s %10s %13s %8s %8s  %s\n", "#", "OUTSTANDING", "COUNT", "DELTA",
		"ALLOCS", "FREES", "STACK (innermost first)");
	for (size_t i = 0; i < r->nrows && shown < o->top_n; i++) {
		const struct lt_row *row = order[i];

		fprintf(f, "%3zu %13s %10" PRId64 " %13s %8" PRIu64 " %8" PRIu64 "  ", ++shown,
			fmt_bytes(out, sizeof(out), row->bytes, o->exact, false), row->count,
			fmt_bytes(delta, sizeof(delta), row->delta_bytes, o->exact, true),
			row->allocs, row->frees);
		frames(f, r, row, o->frames);
	}
	if (!shown)
		fprintf(f, "    (no allocations seen since attach)\n");
}

/* Rank of `row` in the outstanding section, or 0 when it is not shown there. */
static size_t rank_in(const struct lt_row **order, size_t n, const struct lt_row *row)
{
	for (size_t i = 0; i < n; i++) {
		if (order[i] == row)
			return i + 1;
	}
	return 0;
}

static void by_growth(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
		      const struct lt_row **by_out, const struct lt_row **order)
{
	size_t shown = 0, shown_out = 0;
	char out[32], delta[32], buf[512];

	shown_out = r->nrows < o->top_n ? r->nrows : o->top_n;
	fprintf(f, "\nTOP STACKS BY GROWTH SINCE THE LAST TABLE\n");
	fprintf(f, "%3s %13s %13s %10s %8s %8s  %s\n", "#", "DELTA", "OUTSTANDING", "COUNT",
		"ALLOCS", "FREES", "STACK");
	for (size_t i = 0; i < r->nrows && shown < o->top_n; i++) {
		const struct lt_row *row = order[i];
		size_t rank;

		if (row->delta_bytes <= 0)
			break;
		fprintf(f, "%3zu %13s %13s %10" PRId64 " %8" PRIu64 " %8" PRIu64 "  ", ++shown,
			fmt_bytes(delta, sizeof(delta), row->delta_bytes, o->exact, true),
			fmt_bytes(out, sizeof(out), row->bytes, o->exact, false), row->count,
			row->allocs, row->frees);
		rank = rank_in(by_out, shown_out, row);
		if (rank && row->nframes) {
			/* Shown in full above: its first frame is enough to recognise it. */
			report__frame_str(buf, sizeof(buf), &row->frames[0], true);
			fprintf(f, "%s  (#%zu above)\n", buf, rank);
		} else {
			frames(f, r, row, o->frames);
		}
	}
	if (!shown)
		fprintf(f, "    (nothing grew)\n");
}

/* How the CFI unwinder fared: complete stacks, depth, and why any walk ended early. */
static void unwind_line(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	static const struct {
		int stat;
		const char *what;
	} ends[] = {
		{ LT_STAT_UNWIND_TRUNCATED, "cut at 127 frames" },
		{ LT_STAT_UNWIND_ERR_NO_CFI, "no CFI and no frame pointer" },
		{ LT_STAT_UNWIND_ERR_RULE, "unsupported CFI rule" },
		{ LT_STAT_UNWIND_ERR_READ, "stack unreadable" },
		{ LT_STAT_UNWIND_ERR_LOOP, "corrupt stack" },
	};
	uint64_t walks = r->stats[LT_STAT_UNWIND_WALKS], frames = r->stats[LT_STAT_UNWIND_FRAMES];
	bool any = false;
	char b[32];

	if (!r->unwind_rows && !walks)
		return;
	fprintf(f, "unwind: %" PRIu64 " stack walks, %.1f frames on average, %.1f%% complete, "
		   "%.1f%% of frames by frame pointer; tables %zu rows, %s",
		walks, walks ? (double)frames / walks : 0,
		walks ? 100.0 * r->stats[LT_STAT_UNWIND_COMPLETE] / walks : 0,
		frames ? 100.0 * r->stats[LT_STAT_UNWIND_FP_FRAMES] / frames : 0, r->unwind_rows,
		fmt_bytes(b, sizeof(b), r->unwind_bytes, o->exact, false));
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		if (!r->stats[ends[i].stat])
			continue;
		fprintf(f, "%s %" PRIu64 " %s", any ? "," : "; ended early:", r->stats[ends[i].stat],
			ends[i].what);
		any = true;
	}
	fputc('\n', f);
}

static void footer(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	bool any = false;
	char b[32];

	fputc('\n', f);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		if (p->exited)
			fprintf(f, "pid %d (%s): exited\n", p->pid, p->comm);
		else
			fprintf(f, "pid %d (%s): rss %s\n", p->pid, p->comm,
				fmt_bytes(b, sizeof(b), p->rss, o->exact, false));
	}
	unwind_line(f, r, o);
	fprintf(f, "drops:");
	for (int i = 0; i < LT_STAT__COUNT; i++) {
		if (!lt_stat_desc[i] || !r->stats[i])
			continue;
		fprintf(f, "%s %" PRIu64 " %s", any ? ";" : "", r->stats[i], lt_stat_desc[i]);
		if (i == LT_STAT_ALLOC_MAP_FULL)
			fprintf(f, ", holding %s",
				fmt_bytes(b, sizeof(b), r->stats[LT_STAT_ALLOC_MAP_FULL_BYTES],
					  o->exact, false));
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
}

int out_table__write(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	const struct lt_row **by_out = report__sorted(r, report__cmp_bytes);
	const struct lt_row **by_growth_order = report__sorted(r, report__cmp_growth);
	int err = 0;

	if (!by_out || !by_growth_order) {
		err = -ENOMEM;
		goto out;
	}
	if (o->redraw)
		fputs("\033[H\033[2J", f);
	header(f, r, o);
	by_bytes(f, r, o, by_out);
	by_growth(f, r, o, by_out, by_growth_order);
	footer(f, r, o);
	if (!o->redraw)
		fputc('\n', f);
	if (fflush(f))
		err = -errno;
out:
	free(by_out);
	free(by_growth_order);
	return err;
}
