// SPDX-License-Identifier: GPL-2.0
/* The --fail-on check's verdict, after the final report: what failed it, each stack in full. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "check.h"
#include "output.h"
#include "util.h"

/* "10000 bytes in 100 blocks", or "9.77 KiB in 100 blocks". */
static const char *held_str(char *buf, size_t len, int64_t bytes, int64_t count, bool exact)
{
	char b[32];

	snprintf(buf, len, "%s%s in %" PRId64 " block%s", fmt_bytes(b, sizeof(b), bytes, exact, false),
		 exact ? " bytes" : "", count, count == 1 ? "" : "s");
	return buf;
}

static void frame_lines(FILE *f, const struct lt_row *row, unsigned int max)
{
	char buf[512];

	if (!row->nframes)
		fprintf(f, "      [stack unavailable: see the drop counters]\n");
	for (size_t i = 0; i < row->nframes && i < max; i++) {
		report__frame_str(buf, sizeof(buf), &row->frames[i], true);
		fprintf(f, "      %s\n", buf);
	}
	if (row->nframes > max)
		fprintf(f, "      ... %zu more frame%s (--frames)\n", row->nframes - max,
			row->nframes - max > 1 ? "s" : "");
}

static const char *row_label(char *buf, size_t len, const struct lt_report *r,
			     const struct lt_row *row)
{
	const struct lt_proc *p = report__proc(r, row->pid);

	if (p)
		snprintf(buf, len, "%s", p->label);
	else
		snprintf(buf, len, "pid %d (%s)", row->pid, row->comm ?: "?");
	return buf;
}

static void growing_rows(FILE *f, const struct lt_report *r, const struct lt_check_result *res,
			 const struct lt_table_opts *o)
{
	char rate[32], held[64], label[LT_NAME_MAX + 64];

	for (size_t i = 0; i < res->ngrowing && i < o->top_n; i++) {
		const struct lt_row *row = res->growing[i];
		bool sock = report__is_socket(row->kind);
		double per_h = row->rate * 3600;

		if (sock) {
			snprintf(rate, sizeof(rate), "%+.*f/h", fabs(per_h) < 10 ? 1 : 0, per_h);
			snprintf(held, sizeof(held), "%" PRId64 " open", row->count);
		} else {
			char b[32];

			snprintf(rate, sizeof(rate), "%s/h",
				 fmt_bytes(b, sizeof(b), llround(per_h), o->exact, true));
			held_str(held, sizeof(held), row->bytes, row->count, o->exact);
		}
		fprintf(f, "  growing: %s %s in %s, %s:\n",
			sock ? report__kind_name(row->kind)
			     : report__is_mmap(row->kind) ? "mmap" : "heap",
			rate, row_label(label, sizeof(label), r, row), held);
		frame_lines(f, row, o->frames);
	}
	if (res->ngrowing > o->top_n)
		fprintf(f, "  ... %zu more growing stack%s (-n)\n", res->ngrowing - o->top_n,
			res->ngrowing - o->top_n > 1 ? "s" : "");
}

static void held_at_exit(FILE *f, const struct lt_report *r, const struct lt_check_result *res,
			 const struct lt_table_opts *o)
{
	char held[64], label[LT_NAME_MAX + 64];
	size_t shown = 0, i = 0, k = 0;

	/* The report's and the purged processes' stacks, merged largest first. */
	while ((i < res->nheld || k < res->nexits) && shown < o->top_n) {
		bool from_report = k == res->nexits ||
				   (i < res->nheld && res->held[i]->bytes >= res->exits[k]->bytes);

		if (from_report) {
			const struct lt_row *row = res->held[i++];

			fprintf(f, "  held at exit: %s, %s:\n", row_label(label, sizeof(label), r, row),
				held_str(held, sizeof(held), row->bytes, row->count, o->exact));
			frame_lines(f, row, o->frames);
		} else {
			const struct lt_check_exit *e = res->exits[k++];

			fprintf(f, "  held at exit: pid %d (%s), %s:\n", e->pid, e->comm,
				held_str(held, sizeof(held), e->bytes, e->count, o->exact));
			for (size_t j = 0; j < e->nframes && j < o->frames; j++)
				fprintf(f, "      %s\n", e->frames[j]);
			if (!e->nframes)
				fprintf(f, "      [stack unavailable: see the drop counters]\n");
			if (e->nframes > o->frames)
				fprintf(f, "      ... %zu more frame%s (--frames)\n", e->nframes - o->frames,
					e->nframes - o->frames > 1 ? "s" : "");
		}
		shown++;
	}
	if (res->nheld + res->nexits + res->more_stacks > shown) {
		uint64_t more = res->nheld + res->nexits + res->more_stacks - shown;

		fprintf(f, "  ... %" PRIu64 " more stack%s held at exit (-n)\n", more,
			more > 1 ? "s" : "");
	}
}

int out_check__write(FILE *f, const struct lt_report *r, const struct lt_check_result *res,
		     const struct lt_table_opts *o)
{
	uint64_t held_stacks = res->nheld + res->nexits + res->more_stacks;
	char b[64];

	if (res->on == LT_FAIL_OFF)
		return 0;
	errno = 0;
	fprintf(f, "\nCHECK --fail-on %s: %s", check__name(res->on),
		res->failed ? "FAILED" : "passed");
	fprintf(f, "; %zu stack%s growing", res->ngrowing, res->ngrowing == 1 ? "" : "s");
	if (res->on == LT_FAIL_LEAK)
		fprintf(f, "; %" PRIu64 " stack%s held %s at a process's exit", held_stacks,
			held_stacks == 1 ? "" : "s",
			held_str(b, sizeof(b), res->held_bytes, res->held_count, o->exact));
	fputc('\n', f);
	if (res->too_early)
		fprintf(f, "  too few samples for any trend (fewer than %d): growth could not be "
			   "judged; use a shorter -i or a longer -d\n",
			LT_MIN_SAMPLES);
	growing_rows(f, r, res, o);
	if (res->on == LT_FAIL_LEAK)
		held_at_exit(f, r, res, o);
	if (res->runtime_blocks)
		fprintf(f, "  not counted: %s held at exit by the C runtime for itself (stdio "
			   "buffers, the loader, locales)\n",
			held_str(b, sizeof(b), res->runtime_bytes, res->runtime_blocks, o->exact));
	if (fflush(f))
		return -errno;
	return ferror(f) ? -(errno ?: EIO) : 0;
}
