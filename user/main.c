// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop: attach to running processes and show which stacks hold memory and sockets, and how
 * they grow. This file is the commands and the trace's lifecycle: parse, open, load, attach,
 * loop, report, clean up. docs/ARCHITECTURE.md says where each stage lives.
 */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "collector.h"
#include "departed.h"
#include "diff.h"
#include "events.h"
#include "exitcode.h"
#include "history.h"
#include "launch.h"
#include "leaktop.skel.h"
#include "objects.h"
#include "output.h"
#include "overhead.h"
#include "preflight.h"
#include "profiles.h"
#include "regions.h"
#include "registry.h"
#include "sample.h"
#include "session.h"
#include "symbolizer.h"
#include "python.h"
#include "v8.h"
#include "frames.h"
#include "perfmap.h"
#include "http.h"
#include "term.h"
#include "top.h"
#include "unwind_tables.h"
#include "util.h"

/* Mappings kept over all processes. */
#define LT_MAX_REGIONS (1 << 20)

static volatile sig_atomic_t stop_signal, stop_count, resized;

static void on_signal(int sig)
{
	stop_signal = sig;
	stop_count++;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

/* The interactive view: the screen again, from its last snapshot. */
static void view_draw(struct lt_session *s)
{
	if (s->top && s->term.active)
		top__render(s->top, stdout);
}

/*
 * Leave the interactive view for the normal screen, where what comes next (the final
 * report, the last messages) stays.
 */
static void view_leave(struct lt_session *s)
{
	term__leave(&s->term);
}

/* Start the view on a terminal (not --quiet, not piped); without it, tables as before. */
static void view_start(struct lt_session *s)
{
	struct lt_top_opts o = {
		.exact = s->cfg.exact_bytes, .sort_outstanding = s->cfg.sort_outstanding,
		.no_heap = !s->cfg.heap, .no_sockets = !s->cfg.sockets,
		.interval_s = s->cfg.interval_s, .full_names = s->cfg.full_names,
	};
	struct sigaction sa = { .sa_handler = on_winch };
	int cols, lines;

	if (s->cfg.quiet || !term__usable(STDOUT_FILENO))
		return;
	s->top = top__new(&o);
	if (!s->top || term__enter(&s->term, STDIN_FILENO, STDOUT_FILENO)) {
		top__free(s->top);
		s->top = NULL;
		return;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	term__size(&s->term, &cols, &lines);
	top__resize(s->top, cols, lines);
	view_draw(s);
}

/* Keys waiting on the terminal: each acted on; 'q' ends the trace as Ctrl-C does. */
static void view_keys(struct lt_session *s)
{
	unsigned char buf[64];
	bool redraw = false;
	ssize_t n = read(s->term.in_fd, buf, sizeof(buf));

	for (size_t off = 0, used; n > 0 && off < (size_t)n; off += used) {
		int key = term__decode(buf + off, n - off, &used);
		enum lt_top_action a = top__key(s->top, key);

		if (a == LT_TOP_QUIT)
			stop_signal = SIGINT;
		redraw |= a == LT_TOP_REDRAW;
	}
	if (redraw && !stop_signal)
		view_draw(s);
}

/* SIGWINCH: the view fits the new size. */
static void view_resized(struct lt_session *s)
{
	int cols, lines;

	resized = 0;
	if (!s->top || !s->term.active)
		return;
	term__size(&s->term, &cols, &lines);
	top__resize(s->top, cols, lines);
	view_draw(s);
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

/*
 * --fail-on: judge the final report, print the verdict after it (also with --quiet: a CI log
 * needs the stacks), and keep the exit code. 0 or -errno.
 */
static int check(struct lt_session *s, const struct lt_report *r, const struct lt_table_opts *o)
{
	struct lt_check_result res;
	int rc = check__result(&s->check, r, &res), err;

	if (rc < 0) {
		lt_err("cannot judge --fail-on %s: %s", check__name(s->cfg.fail_on), strerror(-rc));
		return rc;
	}
	err = out_check__write(stdout, r, &res, o);
	if (err)
		lt_err("cannot write the check's verdict to stdout: %s", strerror(-err));
	if (rc == LT_EXIT_CHECK)
		lt_info(0, "--fail-on %s failed: %zu stack%s growing, %" PRIu64 " held at a "
			"process's exit (the stacks are after the final report); exit %d",
			check__name(s->cfg.fail_on), res.ngrowing, res.ngrowing == 1 ? "" : "s",
			(uint64_t)(res.nheld + res.nexits + res.more_stacks), LT_EXIT_CHECK);
	else if (res.too_early)
		lt_warn("--fail-on %s: too few samples to judge growth (fewer than %d): use a "
			"shorter -i or a longer -d",
			check__name(s->cfg.fail_on), LT_MIN_SAMPLES);
	s->check_rc = rc;
	check__free_result(&res);
	return err;
}

/* The report's stack namer: a process kept after its exit by its names then, others now. */
static int name_stack(void *ctx, pid_t pid, const __u64 *ips, uint32_t nips,
		      struct lt_frame **frames, size_t *n)
{
	struct lt_session *s = ctx;
	int kept = departed__name(s->departed, pid, ips, frames, n);

	if (kept)
		return kept < 0 ? kept : 0;
	return frames__name_stack(&s->frames, pid, ips, nips, frames, n);
}

/* Sample, feed the history, build the model, write it: the table, the JSON, the files. */
static int report(struct lt_session *s, bool final)
{
	size_t n = registry__count(s->reg);
	struct lt_sample_target *targets = calloc(n + 1, sizeof(*targets));
	struct lt_sample_sources src = {
		.collector = s->collector, .regions = s->regions, .targets = targets,
		.ntargets = n, .scope = s->scope.ops->kind, .now = now_mono(), .final = final,
		.departed = s->departed,
		.costs = !s->cfg.empty_probes, .sample_bytes = s->cfg.sample_bytes,
		.budget_of = s->budget ? overhead__of : NULL, .budget_ctx = s->budget,
	};
	struct lt_report_input in = {
		.history = s->history, .name_stack = name_stack, .namer_ctx = s,
		.scope = src.scope, .scope_name = s->scope.ops->follows ? s->scope.name : NULL,
		.group_by = s->cfg.group_by, .now = src.now, .start = s->start,
		.interval_s = src.now - s->last, .start_ns = s->start_ns,
		.top_n = s->top && s->cfg.top_n < LT_TOP_MAX_ROWS ? LT_TOP_MAX_ROWS : s->cfg.top_n,
		.all_frames = (final && (profiles__wanted(&s->cfg) ||
					 s->cfg.fail_on == LT_FAIL_LEAK)) ||
			      s->json || s->http || s->cfg.pprof_dir,
		.host = s->host,
		.sort_outstanding = s->cfg.sort_outstanding, .final = final,
		.no_heap = !s->cfg.heap, .no_sockets = !s->cfg.sockets,
		.per_call = s->cfg.per_call ? strrchr(s->cfg.per_call, ':') + 1 : NULL,
		.sample_bytes = s->cfg.sample_bytes,
	};
	struct lt_table_opts opts = {
		.top_n = s->cfg.top_n, .frames = s->cfg.table_frames,
		.exact = s->cfg.exact_bytes, .redraw = !s->top && isatty(STDOUT_FILENO),
		.full_names = s->cfg.full_names,
	};
	struct lt_sample sample = { 0 };
	struct lt_report r = { 0 };
	int err;

	for (size_t i = 0; targets && i < n; i++) {
		const struct lt_proc_rec *p = registry__at(s->reg, i);

		targets[i] = (struct lt_sample_target){
			.pid = p->t.pid, .comm = p->t.comm, .exited = p->t.exited,
			.exit_s = p->exit_at ? p->exit_at - s->start : -1,
			.go = allocators__is_go(s, p),
			.v8 = v8__runs(s->v8, p->t.pid),
			.started_unprobed = p->started_unprobed,
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
		view_leave(s); /* the error stays on the normal screen */
		lt_err("failed to read the kernel maps: %s", strerror(-err));
		goto out;
	}
	collect_stacks(s);
	selfcost__measure(&s->self, s->skel->obj, &in.self);
	in.self.procs_seen = n;
	in.self.objects = s->objects_attached;
	in.self.trap = s->trap;
	in.self.budget = s->cfg.max_overhead;
	err = sample__take(&src, &sample, &in);
	if (!err) {
		frames__prefetch(&s->frames, in.rows, in.nrows);
		frames__js_mem(&s->frames, sample.rows, sample.nrows);
	}
	if (!err && final)
		frames__settle(&s->frames, in.rows, in.nrows);
	/* After the prefetch: what it named counts. */
	if (s->v8)
		v8__counts(s->v8, &in.js_named, &in.js_unnamed);
	err = err ?: report__build(&r, &in);
	if (!err)
		report__record(&r, &in);
	err = err ?: report__annotate(&r, &in);
	if (err) {
		view_leave(s); /* the error stays on the normal screen */
		lt_err("failed to build the report: %s", strerror(-err));
		goto out;
	}
	s->last = src.now;
	if (final)
		view_leave(s); /* the final report goes to the normal screen, and stays */
	if (s->top && !final) {
		if (top__update(s->top, &r))
			lt_warn("out of memory: the view keeps its last figures");
		view_draw(s);
	} else if (!s->cfg.quiet && (err = out_table__write(stdout, &r, &opts))) {
		lt_err("cannot write the table to stdout: %s", strerror(-err));
	}
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
	if (final && s->cfg.fail_on)
		err = check(s, &r, &opts) ?: err;
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
	struct pollfd pfds[LT_MAX_TARGETS + 2];
	int n = 0;

	if (s->launch && launch__fd(s->launch) >= 0)
		pfds[n++] = (struct pollfd){ .fd = launch__fd(s->launch), .events = POLLIN };
	for (size_t i = 0; !s->scope.ops->follows && i < registry__count(s->reg); i++) {
		const struct lt_target *t = &registry__at(s->reg, i)->t;

		if (!t->exited && t->pidfd >= 0)
			pfds[n++] = (struct pollfd){ .fd = t->pidfd, .events = POLLIN };
	}
	pfds[n++] = (struct pollfd){ .fd = events__fd(s->events), .events = POLLIN };
	if (s->term.keys)
		pfds[n++] = (struct pollfd){ .fd = s->term.in_fd, .events = POLLIN };
	while (!stop_signal) {
		double now, left;

		if (s->term.keys && pfds[n - 1].revents) {
			if (pfds[n - 1].revents & POLLIN)
				view_keys(s);
			/* A terminal that hung up would wake poll at once, for ever. */
			if (pfds[n - 1].revents & (POLLHUP | POLLERR | POLLNVAL))
				pfds[n - 1].fd = -1;
			pfds[n - 1].revents = 0;
		}
		if (resized)
			view_resized(s);
		if (stop_signal)
			return;
		events__drain(s->events);
		if (now_mono() >= follow__next(s))
			follow__service(s);
		/* Purged processes' stacks go now, not at the next table (-i may be minutes). */
		if (s->stacks_gc_due && s->collector && now_mono() >= s->next_gc) {
			collect_stacks(s);
			s->next_gc = now_mono() + LT_STACKS_GC_S;
		}
		if (s->budget && now_mono() >= overhead__next(s->budget))
			overhead__service(s->budget, s->collector, &s->trap, now_mono());
		now = now_mono();
		left = fmin(deadline, follow__next(s)) - now;
		if (s->budget)
			left = fmin(left, overhead__next(s->budget) - now);
		if (s->stacks_gc_due)
			left = fmin(left, s->next_gc - now);
		if (deadline - now <= 0 || follow__all_exited(s))
			return;
		/* Wake at least every second to notice targets without a pidfd. */
		poll(pfds, n, (int)ceil(fmax(0.001, fmin(left, 1.0)) * 1000));
	}
}

/* -- COMMAND: how the command ended, before the final report. */
static void say_command_status(const struct lt_launch *l)
{
	if (WIFSIGNALED(l->status))
		lt_info(0, "pid %d was killed by signal %d (%s)", l->pid, WTERMSIG(l->status),
			strsignal(WTERMSIG(l->status)));
	else
		lt_info(0, "pid %d exited with status %d", l->pid, WEXITSTATUS(l->status));
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
			view_leave(s);
			if (!s->launch)
				lt_info(0, "every traced process has exited");
			break;
		}
		if (report(s, false))
			return -1;
		next += s->cfg.interval_s;
		if (next < now_mono())
			next = now_mono() + s->cfg.interval_s;
	}
	if (s->launch && launch__exited(s->launch))
		say_command_status(s->launch);
	for (size_t i = 0; i < registry__count(s->reg); i++)
		target__exited(&registry__at(s->reg, i)->t);
	events__drain(s->events);
	/* Forks and execs not acted on yet: the report must not show what exec'd programs held. */
	follow__settle(s);
	follow__reexamine(s);
	return report(s, true);
}

/* The stages that need the BPF side, in order. 0 or -errno, each failure said. */
static int open_session(struct lt_session *s)
{
	int err;

	s->links = s->cfg.links ?: s->scope.ops->links;
	s->objcache = objects__cache_new();
	objects__set_pymalloc(!s->cfg.no_pymalloc);
	s->symbolizer = symbolizer__new();
	if (s->symbolizer)
		symbolizer__set_debuginfod(s->symbolizer, s->cfg.debuginfod_timeout);
	s->python = s->cfg.no_python ? NULL : python__new();
	s->v8 = s->cfg.no_js ? NULL : v8__new();
	s->frames = (struct lt_frames){ .sym = s->symbolizer, .python = s->python, .v8 = s->v8,
					.perfmaps = perfmap__new(), .runtime = s->cfg.runtime,
					.nruntime = s->cfg.nruntime };
	s->history = history__new(s->cfg.window);
	s->unwind = s->cfg.unwind == LT_UNWIND_FP
			    ? NULL
			    : unwind__new(s->cfg.unwind_rows ?: LT_UNWIND_ROWS_MAX);
	/* A scope purges the processes that exit: what they held is kept for the final report. */
	s->departed = s->scope.ops->follows ? departed__new(0, 0, 0) : NULL;
	if (!s->objcache || !s->symbolizer || !s->history || (!s->cfg.no_python && !s->python) ||
	    (!s->cfg.no_js && !s->v8) || (s->scope.ops->follows && !s->departed) ||
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
	if (s->cfg.max_overhead > 0)
		s->budget = overhead__new(s->cfg.max_overhead, s->cfg.sample_bytes,
					  bpf_map__fd(s->skel->maps.sampling),
					  &s->skel->data->sampling_gen);
	if (!s->collector || (s->cfg.heap && !s->regions) ||
	    (s->cfg.max_overhead > 0 && !s->budget)) {
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
	view_leave(s);
	top__free(s->top);
	/* Detach first, so that nothing fires into maps that are going away. */
	registry__free(s->reg);
	probes__free(s->probes);
	events__free(s->events);
	leaktop_bpf__destroy(s->skel);
	collector__free(s->collector);
	overhead__free(s->budget);
	http__stop(s->http);
	symbolizer__free(s->symbolizer);
	python__free(s->python);
	v8__free(s->v8);
	perfmap__free(s->frames.perfmaps);
	frames__release(&s->frames);
	unwind__free(s->unwind);
	history__free(s->history);
	departed__free(s->departed);
	regions__free(s->regions);
	if (s->json)
		fclose(s->json);
	objects__free(&s->system_libs);
	objects__cache_free(s->objcache);
	check__free(&s->check);
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

/*
 * -- COMMAND, once the session is closed: a command never let run is killed. One that still
 * runs after the trace (a stop signal, -d's end, or leaktop failed) gets the stop signal, or
 * SIGTERM. leaktop waits for it and exits with its status, unless leaktop failed.
 */
static int end_command(struct lt_launch *l, bool released, bool traced, bool failed)
{
	if (!released) {
		launch__abort(l);
		return launch__exit_code(l, true, 1);
	}
	if (traced)
		launch__signal(l, stop_signal ?: SIGTERM);
	launch__finish(l, &stop_count);
	return launch__exit_code(l, failed, 1);
}

/* -- COMMAND, stopped right after its exec: looked at before it runs. */
static void command_exec(void *ctx)
{
	struct lt_session *s = ctx;

	events__drain(s->events);
	follow__restart(s, s->launch->pid);
}

static int cmd_trace(int argc, char **argv)
{
	static struct lt_session s;
	static struct lt_launch launch;
	struct sigaction sa = { .sa_handler = on_signal };
	bool released = false, traced = false, failed = true;
	enum cli_result cr;
	int ret = LT_EXIT_ERROR;

	cr = cli__parse(&s.cfg, argc, argv, stdout);
	if (cr == CLI_EXIT_OK)
		return LT_EXIT_OK;
	if (cr == CLI_ERROR)
		return LT_EXIT_USAGE;
	s.check.on = s.cfg.fail_on;
	lt_set_verbosity(s.cfg.verbose);
	host_name(s.host, sizeof(s.host));
	raise_fd_limit();
	preflight__libbpf_logging(s.cfg.verbose);
	if (preflight__privileges() || preflight__btf())
		return LT_EXIT_ERROR;
	/* No SA_RESTART: poll() must return so the loop sees the signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The command first, held before exec: its pid is the scope. */
	if (s.cfg.command) {
		if (launch__start(&launch, s.cfg.command))
			return 1;
		s.launch = &launch;
		s.cfg.launched = launch.pid;
	}
	if (scope__init(&s.scope, &s.cfg) || open_session(&s))
		goto out;
	if (s.launch && allocators__attach_command(&s, s.cfg.command[0]))
		goto out;
	/* -p's processes (and a cgroup's: eager_names) named now, from one maps snapshot each. */
	if (s.scope.ops->strict || s.scope.ops->eager_names)
		follow__reexamine(&s);
	announce__attached(&s);
	view_start(&s);
	s.start = s.last = now_mono();
	if (s.budget)
		overhead__start(s.budget, s.start);
	/* leaktop's CPU counts from here, not from its start-up. */
	selfcost__measure(&s.self, NULL, &(struct lt_self){ 0 });
	s.start_ns = now_realtime_ns();
	s.next_pprof = s.start + s.cfg.pprof_every_s;
	follow__arm(&s);
	if (s.launch) {
		released = true;
		/* It could not run: nothing to trace, and its status (127) is leaktop's. */
		if (launch__release(s.launch, s.cfg.command[0], command_exec, &s)) {
			failed = false;
			goto out;
		}
	}
	traced = true;
	failed = trace(&s) != 0;
	ret = failed ? LT_EXIT_ERROR : s.check_rc;
out:
	close_session(&s);
	/* The command's exit code, unless --fail-on's check failed. */
	if (s.launch) {
		ret = end_command(s.launch, released, traced, failed);
		if (!failed && s.check_rc == LT_EXIT_CHECK)
			ret = LT_EXIT_CHECK;
	}
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
	if ((ret == LT_EXIT_OK || ret == LT_EXIT_CHECK) && (fflush(stdout) || ferror(stdout))) {
		lt_err("cannot write to stdout: %s", strerror(errno ?: EIO));
		ret = LT_EXIT_ERROR;
	}
	return ret;
}
