// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "output.h"
#include "util.h"

/* A JSON string, or null. */
static void str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number, or null when it is not one JSON can hold. */
static void num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

static const char *verdict_name(enum lt_proc_verdict v)
{
	switch (v) {
	case LT_PROC_RSS_STEADY:
		return "rss_steady";
	case LT_PROC_RSS_SHRINKS:
		return "rss_shrinks";
	case LT_PROC_TRACKED_EXPLAINS:
		return "tracked_explains";
	case LT_PROC_UNTRACKED_GROWTH:
		return "untracked_growth";
	default:
		return "too_early";
	}
}

static void procs(FILE *f, const struct lt_report *r)
{
	fputs(",\"processes\":[", f);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", p->pid);
		str(f, p->comm);
		fprintf(f, ",\"exited\":%s,\"rss\":%" PRIu64 ",\"anon\":%" PRIu64 ",\"heap_bytes\":%" PRId64
			",\"mmap_bytes\":%" PRId64 ",\"sockets\":%" PRId64 ",\"rss_rate\":",
			p->exited ? "true" : "false", p->rss, p->anon, p->heap, p->mmap, p->sockets);
		num(f, p->view.rss_rate);
		fputs(",\"tracked_rate\":", f);
		num(f, p->view.tracked_rate);
		fprintf(f, ",\"verdict\":\"%s\",\"calls\":%" PRIu64 ",\"go\":%s,\"container\":",
			verdict_name(p->view.verdict), p->calls, p->go ? "true" : "false");
		str(f, p->container[0] ? p->container : NULL);
		fputc('}', f);
	}
	fputc(']', f);
}

static void frames(FILE *f, const struct lt_row *row)
{
	fputs(",\"frames\":[", f);
	for (size_t i = 0; i < row->nframes; i++) {
		const struct lt_frame *fr = &row->frames[i];

		fprintf(f, "%s{\"ip\":\"0x%" PRIx64 "\",\"function\":", i ? "," : "", fr->ip);
		str(f, fr->func);
		fprintf(f, ",\"offset\":%" PRIu64 ",\"module\":", fr->offset);
		str(f, fr->module);
		fputc('}', f);
	}
	fputc(']', f);
}

static void containers(FILE *f, const struct lt_report *r)
{
	fputs(",\"containers\":[", f);
	for (size_t i = 0; i < r->ncontainers; i++) {
		const struct lt_container_sum *c = &r->containers[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		str(f, c->name);
		fprintf(f, ",\"processes\":%zu,\"rss\":%" PRIu64 ",\"heap_bytes\":%" PRId64
			",\"mmap_bytes\":%" PRId64 ",\"sockets\":%" PRId64 ",\"rss_rate\":",
			c->nprocs, c->rss, c->heap, c->mmap, c->sockets);
		num(f, c->view.rss_rate);
		fputs(",\"tracked_rate\":", f);
		num(f, c->view.tracked_rate);
		fprintf(f, ",\"verdict\":\"%s\"}", verdict_name(c->view.verdict));
	}
	fputc(']', f);
}

/* The rows of a --group-by: a group's name instead of frames. */
static void groups(FILE *f, const struct lt_report *r)
{
	static const char *const by[] = { "stack", "process", "container" };

	fprintf(f, ",\"group_by\":\"%s\",\"groups\":[", by[r->group_by]);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct lt_row *g = &r->groups[i];

		fprintf(f, "%s{\"group\":", i ? "," : "");
		str(f, g->group);
		fprintf(f, ",\"pid\":%d,\"kind\":\"%s\",\"stacks\":%zu,\"bytes\":%" PRId64
			",\"count\":%" PRId64 ",\"delta\":%" PRId64 ",\"growth\":%" PRId64
			",\"rate_per_s\":", g->pid, report__kind_name(g->kind), g->members, g->bytes,
			g->count, g->delta, g->growth);
		num(f, g->rate);
		fprintf(f, ",\"trend\":\"%s\"}", analysis__trend_name(g->trend));
	}
	fputc(']', f);
}

static void stacks(FILE *f, const struct lt_report *r)
{
	fputs(",\"stacks\":[", f);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];

		fprintf(f, "%s{\"pid\":%d,\"kind\":\"%s\",\"stack_id\":\"%#" PRIx64 "\",\"bytes\":%" PRId64
			",\"count\":%" PRId64 ",\"delta\":%" PRId64 ",\"growth\":%" PRId64
			",\"allocs\":%" PRIu64
			",\"frees\":%" PRIu64 ",\"total_allocs\":%" PRIu64 ",\"total_frees\":%" PRIu64
			",\"rate_per_s\":",
			i ? "," : "", row->pid, report__kind_name(row->kind), row->stack_id, row->bytes,
			row->count, row->delta, row->growth, row->allocs, row->frees, row->total_allocs,
			row->total_frees);
		num(f, row->rate);
		fprintf(f, ",\"trend\":\"%s\",\"age_s\":", analysis__trend_name(row->trend));
		num(f, row->age_s < 0 ? NAN : row->age_s);
		fputs(",\"per_call\":", f);
		num(f, row->per_call < 0 ? NAN : row->per_call);
		frames(f, row);
		fputc('}', f);
	}
	fputc(']', f);
}

/* The counters of one JSON object ("drops" or "unwind"), in enum lt_stat order. */
static void stat_keys(FILE *f, const struct lt_report *r, enum lt_stat_json obj)
{
	bool first = true;

	for (int i = 0; i < LT_STAT__COUNT; i++) {
		if (lt_stats[i].json != obj || !lt_stats[i].key)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",", lt_stats[i].key, r->stats[i]);
		first = false;
	}
}

static void counters(FILE *f, const struct lt_report *r)
{
	fputs(",\"drops\":{", f);
	stat_keys(f, r, LT_STAT_JSON_DROPS);
	fprintf(f, ",\"regions_not_kept\":%" PRIu64 "},\"unwind\":{", r->regions_dropped);
	stat_keys(f, r, LT_STAT_JSON_UNWIND);
	fprintf(f, ",\"table_rows\":%zu,\"table_bytes\":%zu}", r->unwind_rows, r->unwind_bytes);
}

int out_json__write(FILE *f, const struct lt_report *r)
{
	fprintf(f, "{\"type\":\"%s\",\"version\":%d,\"elapsed_s\":", r->final ? "final" : "interval",
		LT_JSON_VERSION);
	num(f, r->elapsed_s);
	fputs(",\"interval_s\":", f);
	num(f, r->interval_s);
	fputs(",\"window_s\":", f);
	num(f, r->window_s);
	fputs(",\"baseline_s\":", f);
	num(f, r->baseline_s);
	fprintf(f, ",\"sample_bytes\":%" PRIu64 ",\"per_call\":", r->sample_bytes);
	str(f, r->per_call);
	fprintf(f, ",\"traced\":{\"heap\":%s,\"mmap\":%s,\"sockets\":%s}",
		r->no_heap ? "false" : "true", r->no_heap ? "false" : "true",
		r->no_sockets ? "false" : "true");
	fprintf(f, ",\"scope\":{\"kind\":\"%s\",\"name\":",
		r->scope == LT_SCOPE_KIND_ALL ? "all" : r->scope == LT_SCOPE_KIND_CGROUP ? "cgroup"
											     : "pids");
	str(f, r->scope_name);
	fprintf(f, ",\"processes\":%zu}", r->self.procs_seen);
	procs(f, r);
	containers(f, r);
	groups(f, r);
	stacks(f, r);
	counters(f, r);
	fputs(",\"self\":{\"cpu_pct\":", f);
	num(f, r->self.cpu_pct);
	fprintf(f, ",\"rss\":%" PRIu64 ",\"bpf_bytes\":%" PRIu64 ",\"purged_processes\":%" PRIu64
		",\"purged_allocations\":%" PRIu64 ",\"allocator_files\":%zu}", r->self.rss,
		r->self.bpf_bytes, r->self.purged_procs, r->self.purged_allocs, r->self.objects);
	fputs("}\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
