// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop: attach to running processes and show which stacks hold memory and sockets, and how
 * they grow. This file is the commands and the trace's lifecycle: parse, open, load, attach,
 * loop, report, clean up. docs/ARCHITECTURE.md says where each stage lives.
 */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "diff.h"
#include "events.h"
#include "history.h"
#include "leaktop.skel.h"
#include "objects.h"
#include "output.h"
#include "preflight.h"
#include "profiles.h"
#include "regions.h"
#include "registry.h"
#include "sample.h"
#include "session.h"
#include "symbolizer.h"
#include "python.h"
#include "frames.h"
#include "perfmap.h"
#include "http.h"
#include "unwind_tables.h"
#include "util.h"

/* Mappings kept over all processes. */
#define LT_MAX_REGIONS (1 << 20)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * After a purge, or when stacks stopped fitting: free the stacks no process holds anything
 * under (the mappings' stacks are kept), so a host's churn never leaves the map full.
 */
static void collect_stacks(struct lt_session *s)
{
	uint64_t full = collector__stats(s->collector)[LT_STAT_STACK_MAP_FULL], *keep = NULL;
	const struct lt_region_totals *rt = NULL;
	size_t n = s->regions ? regions__totals(s->regions, &rt) : 0, freed = 0;

	if (!s->stacks_gc_due && full == s->stack_full_seen)
		return;
	keep = malloc((n + 1) * sizeof(*keep));
	if (!keep)
		return;
	for (size_t i = 0; i < n; i++)
		keep[i] = rt[i].stack_id;
	if (!collector__gc_stacks(s->collector, keep, n, &freed)) {
		s->self.purged_stacks += freed;
		s->stacks_gc_due = false;
		s->stack_full_seen = full;
	}
	free(keep);
}

/* The model as metrics, in both formats, for the endpoint's next scrapes. */
static void publish_metrics(struct lt_session *s, const struct lt_report *r)
{
	struct lt_prom_opts o = { .top_n = s->cfg.prom_stacks };
	char *text = NULL, *om = NULL;
	size_t text_len = 0, om_len = 0;
	FILE *f = open_memstream(&text, &text_len);
	int err = f ? out_prom__write(f, r, &o) : -ENOMEM;

	if (f && fclose(f))
		err = -ENOMEM;
	o.openmetrics = true;
	f = err ? NULL : open_memstream(&om, &om_len);
	err = err ?: f ? out_prom__write(f, r, &o) : -ENOMEM;
	if (f && fclose(f))
		err = -ENOMEM;
	if (err) {
		lt_warn("cannot render the metrics: %s; the endpoint serves the last ones",
			strerror(-err));
		free(text);
		free(om);
		return;
	}
	http__publish(s->http, text, text_len, om, om_len);
}

/* Sample, feed the history, build the model, write it: the table, the JSON, the files. */
static int report(struct lt_session *s, bool final)
{
	size_t n = registry__count(s->reg);
	struct lt_sample_target *targets = calloc(n + 1, sizeof(*targets));
	struct lt_sample_sources src = {
		.collector = s->collector, .regions = s->regions, .targets = targets,
		.ntargets = n, .scope = s->scope.ops->kind, .now = now_mono(), .final = final,
	};
	struct lt_report_input in = {
		.history = s->history, .name_stack = frames__name_stack, .namer_ctx = &s->frames,
		.scope = src.scope, .scope_name = s->scope.ops->follows ? s->scope.name : NULL,
		.group_by = s->cfg.group_by, .now = src.now, .start = s->start,
		.interval_s = src.now - s->last, .start_ns = s->start_ns, .top_n = s->cfg.top_n,
		.all_frames = (final && profiles__wanted(&s->cfg)) || s->json || s->http ||
			      s->cfg.pprof_dir,
		.host = s->host,
		.sort_outstanding = s->cfg.sort_outstanding, .final = final,
		.no_heap = !s->cfg.heap, .no_sockets = !s->cfg.sockets,
		.per_call = s->cfg.per_call ? strrchr(s->cfg.per_call, ':') + 1 : NULL,
		.sample_bytes = s->cfg.sample_bytes,
	};
	struct lt_table_opts opts = {
		.top_n = s->cfg.top_n, .frames = s->cfg.table_frames,
		.exact = s->cfg.exact_bytes, .redraw = isatty(STDOUT_FILENO),
	};
	struct lt_sample sample = { 0 };
	struct lt_report r = { 0 };
	int err;

	for (size_t i = 0; targets && i < n; i++) {
		const struct lt_proc_rec *p = registry__at(s->reg, i);

		targets[i] = (struct lt_sample_target){
			.pid = p->t.pid, .comm = p->t.comm, .exited = p->t.exited,
			.go = allocators__is_go(s, p),
			.container = p->in_container ? p->container.name : NULL,
		};
	}
	if (s->unwind) {
		struct lt_unwind_stats u;

		unwind__stats(s->unwind, &u);
		in.unwind_rows = u.rows;
		in.unwind_bytes = u.bytes;
	}
	events__drain(s->events);
	err = targets ? collector__sample(s->collector) : -ENOMEM;
	if (err) {
		lt_err("failed to read the kernel maps: %s", strerror(-err));
		goto out;
	}
	collect_stacks(s);
	selfcost__measure(&s->self, s->skel->obj, &in.self);
	in.self.procs_seen = n;
	in.self.objects = s->objects_attached;
	err = sample__take(&src, &sample, &in);
	if (!err)
		frames__prefetch(&s->frames, in.rows, in.nrows);
	err = err ?: report__build(&r, &in);
	if (!err)
		report__record(&r, &in);
	err = err ?: report__annotate(&r, &in);
	if (err) {
		lt_err("failed to build the report: %s", strerror(-err));
		goto out;
	}
	s->last = src.now;
	if (!s->cfg.quiet && (err = out_table__write(stdout, &r, &opts)))
		lt_err("cannot write the table to stdout: %s", strerror(-err));
	if (s->http)
		publish_metrics(s, &r);
	if (s->cfg.pprof_dir && (final || src.now >= s->next_pprof)) {
		s->next_pprof = src.now + s->cfg.pprof_every_s;
		err = profiles__roll(&s->cfg, &r, s->host) ?: err;
	}
	if (s->json) {
		int e = out_json__write(s->json, &r);

		if (e)
			lt_err("failed to write %s: %s", s->cfg.json_path, strerror(-e));
		err = err ?: e;
	}
	if (final && profiles__wanted(&s->cfg))
		err = profiles__write(&s->cfg, &r) ?: err;
out:
	report__free(&r);
	sample__free(&sample);
	free(targets);
	return err;
}

/*
 * Sleep until `deadline`, a signal, or the exit of every target, applying events as they come
 * and looking after the processes when they are due.
 */
static void wait_until(struct lt_session *s, double deadline)
{
	struct pollfd pfds[LT_MAX_TARGETS + 1];
	int n = 0;

	for (size_t i = 0; !s->scope.ops->follows && i < registry__count(s->reg); i++) {
		const struct lt_target *t = &registry__at(s->reg, i)->t;

		if (!t->exited && t->pidfd >= 0)
			pfds[n++] = (struct pollfd){ .fd = t->pidfd, .events = POLLIN };
	}
	pfds[n++] = (struct pollfd){ .fd = events__fd(s->events), .events = POLLIN };
	while (!stop_signal) {
		double now, left;

		events__drain(s->events);
		if (now_mono() >= follow__next(s))
			follow__service(s);
		now = now_mono();
		left = fmin(deadline, follow__next(s)) - now;
		if (deadline - now <= 0 || follow__all_exited(s))
			return;
		/* Wake at least every second to notice targets without a pidfd. */
		poll(pfds, n, (int)ceil(fmax(0.001, fmin(left, 1.0)) * 1000));
	}
}

static int trace(struct lt_session *s)
{
	double end = s->cfg.duration_s ? s->start + s->cfg.duration_s : INFINITY;
	double next = s->start + s->cfg.interval_s;

	while (!stop_signal) {
		wait_until(s, fmin(next, end));
		if (stop_signal || now_mono() >= end)
			break;
		if (follow__all_exited(s)) {
			lt_info(0, "every traced process has exited");
			break;
		}
		if (report(s, false))
			return -1;
		next += s->cfg.interval_s;
		if (next < now_mono())
			next = now_mono() + s->cfg.interval_s;
	}
	for (size_t i = 0; i < registry__count(s->reg); i++)
		target__exited(&registry__at(s->reg, i)->t);
	events__drain(s->events);
	follow__reexamine(s);
	return report(s, true);
}

/* The stages that need the BPF side, in order. 0 or -errno, each failure said. */
static int open_session(struct lt_session *s)
{
	int err;

	s->objcache = objects__cache_new();
	objects__set_pymalloc(!s->cfg.no_pymalloc);
	s->symbolizer = symbolizer__new();
	s->python = s->cfg.no_python ? NULL : python__new();
	s->frames = (struct lt_frames){ .sym = s->symbolizer, .python = s->python,
					.perfmaps = perfmap__new() };
	s->history = history__new(s->cfg.window);
	s->unwind = s->cfg.unwind == LT_UNWIND_FP
			    ? NULL
			    : unwind__new(s->cfg.unwind_rows ?: LT_UNWIND_ROWS_MAX);
	if (!s->objcache || !s->symbolizer || !s->history || (!s->cfg.no_python && !s->python) ||
	    !s->frames.perfmaps ||
	    (s->cfg.unwind != LT_UNWIND_FP && !s->unwind)) {
		lt_err("out of memory");
		return -ENOMEM;
	}
	err = follow__start(s);
	if (err)
		return err;
	if (s->cfg.json_path && !(s->json = fopen(s->cfg.json_path, "w"))) {
		err = -errno;
		lt_err("cannot write %s: %s", s->cfg.json_path, strerror(errno));
		return err;
	}
	err = profiles__check(&s->cfg);
	if (err)
		return err;
	if (s->cfg.prometheus && (err = http__start(s->cfg.prometheus, &s->http)))
		return err;
	preflight__mount_fs();
	err = loader__build_unwind(s) ?: loader__load(s);
	if (err)
		return err;
	s->collector = collector__new(s->skel, s->cfg.max_stacks + s->scope.ops->max_procs);
	s->regions = s->cfg.heap ? regions__new(LT_MAX_REGIONS) : NULL;
	if (!s->collector || (s->cfg.heap && !s->regions)) {
		lt_err("out of memory");
		return -ENOMEM;
	}
	s->events = events__new(bpf_map__fd(s->skel->maps.events), s->regions, s->collector,
				&(struct lt_event_hooks){ .on_proc = follow__on_event,
							  .in_allocator = allocators__in_allocator,
							  .ctx = s });
	if (!s->events) {
		err = -errno;
		lt_err("cannot read the kernel's events: %s", strerror(errno));
		return err;
	}
	return loader__attach(s);
}

static void close_session(struct lt_session *s)
{
	/* Detach first, so that nothing fires into maps that are going away. */
	registry__free(s->reg);
	probes__free(s->probes);
	events__free(s->events);
	leaktop_bpf__destroy(s->skel);
	collector__free(s->collector);
	http__stop(s->http);
	symbolizer__free(s->symbolizer);
	python__free(s->python);
	perfmap__free(s->frames.perfmaps);
	unwind__free(s->unwind);
	history__free(s->history);
	regions__free(s->regions);
	if (s->json)
		fclose(s->json);
	objects__cache_free(s->objcache);
	free(s->found);
}

/*
 * Each followed process can hold descriptors (its /proc/PID/mem for Python names, its pidfd),
 * and a scope holds thousands of processes: the soft limit goes up to the hard one.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The host's name, for labels and file names: letters, digits, '-', '_' and '.' only. */
static void host_name(char *buf, size_t len)
{
	if (gethostname(buf, len - 1))
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	for (char *c = buf; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			*c = '_';
	}
}

static int cmd_trace(int argc, char **argv)
{
	static struct lt_session s;
	struct sigaction sa = { .sa_handler = on_signal };
	enum cli_result cr;
	int ret = 1;

	cr = cli__parse(&s.cfg, argc, argv, stdout);
	if (cr == CLI_EXIT_OK)
		return 0;
	if (cr == CLI_ERROR)
		return 2;
	lt_set_verbosity(s.cfg.verbose);
	host_name(s.host, sizeof(s.host));
	raise_fd_limit();
	preflight__libbpf_logging(s.cfg.verbose);
	if (preflight__privileges() || preflight__btf())
		return 1;
	/* No SA_RESTART: poll() must return so the loop sees the signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (scope__init(&s.scope, &s.cfg) || open_session(&s))
		goto out;
	if (s.scope.ops->strict)
		follow__reexamine(&s); /* -p's processes named now, from one maps snapshot each */
	announce__attached(&s);
	s.start = s.last = now_mono();
	/* leaktop's CPU counts from here, not from its start-up. */
	selfcost__measure(&s.self, NULL, &(struct lt_self){ 0 });
	s.start_ns = now_realtime_ns();
	s.next_pprof = s.start + s.cfg.pprof_every_s;
	follow__arm(&s);
	ret = trace(&s) ? 1 : 0;
out:
	close_session(&s);
	return ret;
}

static int cmd_diff(int argc, char **argv)
{
	return diff__main(argc, argv, stdout);
}

/* Subcommands, as bpftool has them: the first word, or the trace when none matches. */
static const struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	int skip;	/* words of argv the command does not see */
} cmds[] = {
	{ "diff", cmd_diff, 1 },
	{ NULL, cmd_trace, 0 }, /* leaktop [options]: the default */
};

int main(int argc, char **argv)
{
	const struct cmd *c = cmds;
	int ret;

	while (c->name && !(argc > 1 && !strcmp(argv[1], c->name)))
		c++;
	ret = c->run(argc - c->skip, argv + c->skip);
	/*
	 * What went to stdout and was not checked (--help's text, --version): a full device must
	 * not pass for success. errno is still the failed write's.
	 */
	if (!ret && (fflush(stdout) || ferror(stdout))) {
		lt_err("cannot write to stdout: %s", strerror(errno ?: EIO));
		ret = 1;
	}
	return ret;
}
