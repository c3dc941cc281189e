// SPDX-License-Identifier: GPL-2.0
/*
 * The report as Prometheus metrics: the text exposition format 0.0.4, or OpenMetrics 1.0.0.
 * A stack's `frame` label is its first own frame (report__own_frame).
 * docs/FLEET.md lists the families. Every series is bounded: per process a fixed set, plus
 * at most `top_n` growing stacks; processes that exited are left out, so their series go.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util.h"

/* One family's header; OpenMetrics names a counter without its _total. */
static void family(FILE *f, const char *name, const char *type, const char *help, bool om)
{
	size_t len = strlen(name);

	if (om && !strcmp(type, "counter") && len > 6 && !strcmp(name + len - 6, "_total"))
		fprintf(f, "# HELP %.*s %s\n# TYPE %.*s counter\n", (int)len - 6, name, help,
			(int)len - 6, name);
	else
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The length of the valid UTF-8 sequence at s (not a surrogate, not overlong), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * A label value, escaped as both formats want (backslash, double quote, newline), and valid
 * UTF-8: names come from the traced processes (comm, symbols, perf maps, Python files), and
 * one invalid byte makes Prometheus reject the whole scrape. Invalid bytes become U+FFFD.
 */
static void label_value(FILE *f, const char *v)
{
	const unsigned char *s = (const unsigned char *)(v ? v : "");

	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);

		if (!n) {
			fputs("\xef\xbf\xbd", f);
			s++;
		} else if (*s == '\\' || *s == '"') {
			fprintf(f, "\\%c", *s);
			s++;
		} else if (*s == '\n') {
			fputs("\\n", f);
			s++;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	fputc('"', f);
}

static void value(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (fabs(v) < 1e15 && v == (double)(int64_t)v)
		fprintf(f, " %" PRId64 "\n", (int64_t)v);
	else
		fprintf(f, " %.17g\n", v);
}

/* name{pid="",comm="",container=""[,extra="..."]} v */
static void proc_sample(FILE *f, const char *name, const struct lt_proc *p, const char *k1,
			const char *v1, double v)
{
	fprintf(f, "%s{pid=\"%d\",comm=", name, p->pid);
	label_value(f, p->comm);
	fputs(",container=", f);
	label_value(f, p->container);
	if (k1) {
		fprintf(f, ",%s=", k1);
		label_value(f, v1);
	}
	fputc('}', f);
	value(f, v);
}

static const char *verdict_names[] = {
	[LT_PROC_TOO_EARLY] = "too_early",
	[LT_PROC_RSS_STEADY] = "rss_steady",
	[LT_PROC_TRACKED_EXPLAINS] = "tracked_explains",
	[LT_PROC_UNTRACKED_GROWTH] = "untracked_growth",
	[LT_PROC_RSS_SHRINKS] = "rss_shrinks",
};

/* A process's sums per section: what its rows hold, and the rates of those that grow. */
struct sums {
	double heap_rate, mmap_rate;
	int64_t sockets[LT_SOCK__KINDS];
	double socket_rate[LT_SOCK__KINDS];
};

/* Every process's sums (r->procs order), in one pass over the rows. NULL on ENOMEM. */
static struct sums *sum_rows(const struct lt_report *r)
{
	struct sums *all = calloc(r->nprocs + 1, sizeof(*all));

	for (size_t i = 0; all && i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];
		const struct lt_proc *p = report__proc(r, row->pid);
		/* Growth is a trend: a sawtooth's or a transient stack's slope is not a leak. */
		double rate = row->trend == LT_TREND_GROWING ? row->rate : 0;
		struct sums *s;

		if (!p)
			continue;
		s = &all[p - r->procs];
		if (row->kind == LT_ROW_HEAP) {
			s->heap_rate += rate;
		} else if (report__is_mmap(row->kind)) {
			s->mmap_rate += rate;
		} else if (report__is_socket(row->kind)) {
			s->sockets[row->kind - LT_ROW_SOCK] += row->count;
			s->socket_rate[row->kind - LT_ROW_SOCK] += rate;
		}
	}
	return all;
}

static bool is_growing(const struct lt_row *row)
{
	return row->trend == LT_TREND_GROWING && row->rate > 0;
}

/* The top growing stacks of every live process, with their leading frame as a label. */
static void stacks(FILE *f, const struct lt_report *r, const struct lt_prom_opts *o)
{
	const struct lt_row **sel;
	size_t n, *shown;

	family(f, "leaktop_stack_growth_per_second", "gauge",
	       "Growth of a growing stack, per second: bytes (heap, anon, file) or sockets (tcp, "
	       "udp, unix, other); the top growing stacks of each process", o->openmetrics);
	sel = report__select(r, is_growing, report__cmp_rate, &n);
	shown = calloc(r->nprocs + 1, sizeof(*shown));
	/* One pass, fastest first: each live process's first top_n. */
	for (size_t k = 0; sel && shown && k < n; k++) {
		const struct lt_row *row = sel[k];
		const struct lt_proc *p = report__proc(r, row->pid);
		const struct lt_frame *lead = report__own_frame(row);
		char frame[512], id[24];

		if (!p || p->exited || shown[p - r->procs] >= o->top_n)
			continue;
		shown[p - r->procs]++;
		if (lead)
			report__frame_str(frame, sizeof(frame), lead, false);
		else
			snprintf(frame, sizeof(frame), "[stack unavailable]");
		snprintf(id, sizeof(id), "%#" PRIx64, row->stack_id);
		fprintf(f, "leaktop_stack_growth_per_second{pid=\"%d\",comm=", p->pid);
		label_value(f, p->comm);
		fputs(",container=", f);
		label_value(f, p->container);
		fprintf(f, ",kind=\"%s\",stack=\"%s\",frame=", report__kind_name(row->kind), id);
		label_value(f, frame);
		fputc('}', f);
		value(f, row->rate);
	}
	free(shown);
	free(sel);
}

/* What leaktop costs each live process: its probe hits, the CPU they add, its sampling. */
static void cost_metrics(FILE *f, const struct lt_report *r, bool om)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "leaktop_added_cpu_ratio", "gauge",
		  "CPU leaktop's probes add to the process, estimated, as a share of one core, over "
		  "the last interval" },
		{ "leaktop_added_cpu_seconds_total", "counter",
		  "CPU seconds leaktop's probes added to the process since attach, estimated" },
		{ "leaktop_probe_hits_total", "counter", "Probe hits in the process since attach" },
		{ "leaktop_sample_bytes", "gauge",
		  "Mean bytes between samples in force for the process; 0: every allocation" },
		{ "leaktop_budget_floor", "gauge",
		  "1 when the process's probes alone exceed the --max-overhead budget" },
	};

	for (size_t k = 0; k < ARRAY_SIZE(m); k++) {
		family(f, m[k].name, m[k].type, m[k].help, om);
		for (size_t i = 0; i < r->nprocs; i++) {
			const struct lt_proc *p = &r->procs[i];
			double v[] = { p->added_ratio, p->added_s, (double)p->hits,
				       (double)p->sample_bytes, p->at_floor };

			if (!p->exited && p->costed)
				proc_sample(f, m[k].name, p, NULL, NULL, v[k]);
		}
	}
}

int out_prom__write(FILE *f, const struct lt_report *r, const struct lt_prom_opts *o)
{
	static const struct {
		const char *name, *help;
	} per_proc[] = {
		{ "leaktop_heap_outstanding_bytes", "Heap bytes the process holds, as traced" },
		{ "leaktop_heap_growth_bytes_per_second", "Growth of its growing heap stacks" },
		{ "leaktop_mmap_outstanding_bytes", "Bytes of mappings the process holds" },
		{ "leaktop_mmap_growth_bytes_per_second", "Growth of its growing mapping stacks" },
		{ "leaktop_rss_bytes", "Resident set size" },
		{ "leaktop_rss_growth_bytes_per_second", "RSS growth over the window, per second" },
	};
	bool om = o->openmetrics;
	struct sums *sums = sum_rows(r);

	if (!sums)
		return -ENOMEM;
	for (size_t m = 0; m < ARRAY_SIZE(per_proc); m++) {
		family(f, per_proc[m].name, "gauge", per_proc[m].help, om);
		for (size_t i = 0; i < r->nprocs; i++) {
			const struct lt_proc *p = &r->procs[i];
			double v[] = { (double)p->heap, sums[i].heap_rate, (double)p->mmap,
				       sums[i].mmap_rate, (double)p->rss, p->view.rss_rate };

			if (p->exited)
				continue;
			proc_sample(f, per_proc[m].name, p, NULL, NULL, v[m]);
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			family(f, "leaktop_socket_growth_per_second", "gauge",
			       "Growth of its growing socket stacks, per second", om);
		else
			family(f, "leaktop_sockets_open", "gauge",
			       "Sockets the process holds open, per kind", om);
		for (size_t i = 0; i < r->nprocs; i++) {
			const struct lt_proc *p = &r->procs[i];
			const struct sums *s = &sums[i];

			if (p->exited)
				continue;
			for (int k = 0; k < LT_SOCK__KINDS; k++)
				proc_sample(f, pass ? "leaktop_socket_growth_per_second"
						    : "leaktop_sockets_open",
					    p, "kind", report__kind_name(LT_ROW_SOCK + k),
					    pass ? s->socket_rate[k] : (double)s->sockets[k]);
		}
	}
	cost_metrics(f, r, om);
	family(f, "leaktop_verdict", "gauge",
	       "The process's verdict on its RSS: the series whose verdict label holds is 1", om);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		for (size_t v = 0; !p->exited && v < ARRAY_SIZE(verdict_names); v++)
			proc_sample(f, "leaktop_verdict", p, "verdict", verdict_names[v],
				    p->view.verdict == v);
	}
	stacks(f, r, o);

	family(f, "leaktop_drops_total", "counter",
	       "What the tables lost since start, by reason: allocations, stacks, events", om);
	for (int i = 0; i < LT_STAT__COUNT; i++) {
		const char *key = lt_stats[i].key;

		if (lt_stats[i].json != LT_STAT_JSON_DROPS || !key || strstr(key, "_bytes"))
			continue;
		fprintf(f, "leaktop_drops_total{reason=\"%s\"} %" PRIu64 "\n", key, r->stats[i]);
	}
	fprintf(f, "leaktop_drops_total{reason=\"regions_not_kept\"} %" PRIu64 "\n",
		r->regions_dropped);
	family(f, "leaktop_dropped_bytes_total", "counter",
	       "Bytes of the allocations not tracked, since start, by reason", om);
	fprintf(f, "leaktop_dropped_bytes_total{reason=\"alloc_map_full\"} %" PRIu64 "\n",
		r->stats[LT_STAT_ALLOC_MAP_FULL_BYTES]);
	family(f, "leaktop_self_cpu_seconds_total", "counter", "leaktop's own CPU time", om);
	fprintf(f, "leaktop_self_cpu_seconds_total %.6f\n", r->self.cpu_secs);
	family(f, "leaktop_self_rss_bytes", "gauge", "leaktop's own resident set size", om);
	fprintf(f, "leaktop_self_rss_bytes %" PRIu64 "\n", r->self.rss);
	family(f, "leaktop_self_bpf_map_bytes", "gauge",
	       "Kernel memory charged for leaktop's BPF maps", om);
	fprintf(f, "leaktop_self_bpf_map_bytes %" PRIu64 "\n", r->self.bpf_bytes);
	family(f, "leaktop_processes", "gauge", "Processes in scope, live", om);
	{
		size_t live = 0;

		for (size_t i = 0; i < r->nprocs; i++)
			live += !r->procs[i].exited;
		fprintf(f, "leaktop_processes %zu\n", live);
	}
	if (om)
		fputs("# EOF\n", f);
	free(sums);
	return ferror(f) ? -EIO : 0;
}
