// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop: attach to running processes and show which stacks hold memory and sockets, and how
 * they grow. This file is the lifecycle only: check, find, load, attach, poll, report, clean up.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "diff.h"
#include "events.h"
#include "history.h"
#include "leaktop.skel.h"
#include "objects.h"
#include "output.h"
#include "preflight.h"
#include "probes.h"
#include "regions.h"
#include "report.h"
#include "sampler.h"
#include "symbolizer.h"
#include "target.h"
#include "unwind_tables.h"
#include "util.h"

/* Mappings kept over all processes, and open sockets tracked. */
#define LT_MAX_REGIONS (1 << 20)
#define LT_MAX_SOCKETS (1 << 16)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_WARN && verbosity < 1) || (level == LIBBPF_INFO && verbosity < 2) ||
	    (level == LIBBPF_DEBUG && verbosity < 3))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct session {
	struct lt_config cfg;
	struct lt_target targets[LT_MAX_TARGETS];
	int ntargets;
	struct lt_object_list objects[LT_MAX_TARGETS];
	struct leaktop_bpf *skel;
	struct lt_probes *probes;
	enum lt_attach_mode mode;
	struct lt_collector *collector;
	struct lt_symbolizer *symbolizer;
	struct lt_unwind *unwind; /* NULL with --unwind fp */
	size_t unwind_rows_max;
	struct lt_history *history;
	struct lt_regions *regions; /* NULL with --no-heap */
	struct lt_events *events;
	FILE *json;
	double start, last;
	uint64_t start_ns;	/* attach, CLOCK_REALTIME */
};

/* Rows map size: what the tables need now, with room for objects mapped later. */
static size_t rows_map_size(const struct lt_config *cfg, size_t needed)
{
	size_t rows = needed * 2 > needed + (1 << 18) ? needed * 2 : needed + (1 << 18);

	if (cfg->unwind_rows)
		return cfg->unwind_rows;
	return rows > (1 << 25) ? 1 << 25 : rows;
}

/* Build the unwind tables of every target before load: they size the rows map. */
static int build_unwind_tables(struct session *s)
{
	if (s->cfg.unwind == LT_UNWIND_FP)
		return 0;
	s->unwind = unwind__new();
	if (!s->unwind)
		return -1;
	for (int i = 0; i < s->ntargets; i++) {
		int err = unwind__scan(s->unwind, s->targets[i].pid);

		if (err && s->cfg.unwind == LT_UNWIND_DWARF) {
			lt_err("cannot build unwind tables for pid %d: %s", s->targets[i].pid,
			       strerror(-err));
			return -1;
		}
	}
	if (s->cfg.unwind == LT_UNWIND_DWARF && !unwind__rows_needed(s->unwind)) {
		lt_err("--unwind dwarf: no object of the traced processes has CFI (.eh_frame)");
		return -1;
	}
	s->unwind_rows_max = rows_map_size(&s->cfg, unwind__rows_needed(s->unwind));
	return 0;
}

static int sync_unwind_tables(struct session *s)
{
	int err;

	if (!s->unwind)
		return 0;
	err = unwind__sync(s->unwind, bpf_map__fd(s->skel->maps.unwind_rows),
			   bpf_map__fd(s->skel->maps.unwind_procs), s->unwind_rows_max);
	if (err)
		lt_err("failed to load the unwind tables into the kernel: %s", strerror(-err));
	return err;
}

static int open_targets(struct session *s)
{
	char err[256];

	for (int i = 0; i < s->cfg.npids; i++) {
		if (target__open(&s->targets[i], s->cfg.pids[i], err, sizeof(err))) {
			lt_err("%s", err);
			return -1;
		}
		s->ntargets++;
	}
	return 0;
}

static int find_allocators(struct session *s)
{
	if (!s->cfg.heap)
		return 0;
	for (int i = 0; i < s->ntargets; i++) {
		struct lt_target *t = &s->targets[i];
		struct lt_maps maps;
		int err;

		err = procmaps__read(t->pid, &maps);
		if (err) {
			lt_err("cannot read /proc/%d/maps: %s", t->pid, strerror(-err));
			return -1;
		}
		err = objects__find_allocators(t->pid, &maps, &s->objects[i]);
		if (err == -ENOENT) {
			char searched[256];

			objects__searched(&maps, searched, sizeof(searched));
			lt_err("no allocator found in pid %d (%s): no object it maps defines malloc "
			       "and free (searched: %s; leaktop knows glibc, musl, jemalloc, "
			       "tcmalloc, any library that exports malloc, and static executables)",
			       t->pid, t->comm, searched);
		} else if (err) {
			lt_err("cannot inspect the objects of pid %d: %s", t->pid, strerror(-err));
		}
		procmaps__free(&maps);
		if (err)
			return -1;
	}
	return 0;
}

static int load_bpf(struct session *s)
{
	struct leaktop_bpf *skel;
	char why[256];
	int err;

	s->skel = skel = leaktop_bpf__open();
	if (!skel) {
		lt_err("failed to open the BPF object: %s", strerror(errno));
		return -1;
	}
	if (probes__prepare(skel, s->cfg.attach, &s->mode, why, sizeof(why))) {
		lt_err("%s", why);
		return -1;
	}
	probes__select_syscalls(skel, s->cfg.sockets, s->cfg.heap);
	skel->rodata->cfg_sample_bytes = s->cfg.sample_bytes;
	skel->rodata->cfg_empty = s->cfg.empty_probes;
	skel->rodata->cfg_no_stacks = s->cfg.no_stacks;
	skel->rodata->cfg_unwind_cfi = s->unwind != NULL;
	sampler__exp_table((uint32_t *)skel->rodata->cfg_exp_q16);
	bpf_map__set_max_entries(skel->maps.unwind_rows, s->unwind ? s->unwind_rows_max : 1);
	bpf_map__set_max_entries(skel->maps.unwind_procs, LT_MAX_TARGETS);
	bpf_map__set_max_entries(skel->maps.allocs, s->cfg.max_allocs);
	bpf_map__set_max_entries(skel->maps.stacks, s->cfg.max_stacks);
	/* Room for every stack, plus each process's [stack unavailable] row. */
	bpf_map__set_max_entries(skel->maps.totals, s->cfg.max_stacks + LT_MAX_TARGETS);
	bpf_map__set_max_entries(skel->maps.sock_totals, s->cfg.max_stacks + LT_MAX_TARGETS);
	bpf_map__set_max_entries(skel->maps.sockets, LT_MAX_SOCKETS);
	bpf_map__set_max_entries(skel->maps.targets, LT_MAX_TARGETS);
	bpf_map__set_max_entries(skel->maps.calls, LT_MAX_TARGETS);
	err = leaktop_bpf__load(skel);
	if (err) {
		lt_err("failed to load the BPF programs: %s%s", strerror(-err),
		       verbosity < 1 ? " (-v shows libbpf's log)" : "");
		return -1;
	}
	for (int i = 0; i < s->ntargets; i++) {
		__u32 tgid = s->targets[i].pid, one = 1;

		bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &tgid, &one, BPF_ANY);
	}
	return 0;
}

/* --per-call BINARY:FUNCTION in each target that maps BINARY. */
static int attach_per_call(struct session *s)
{
	char *spec = strdup(s->cfg.per_call), *func = strrchr(spec, ':');
	int attached = 0, err = 0;

	*func++ = '\0';
	for (int i = 0; i < s->ntargets && !err; i++) {
		const struct lt_vma *v;
		struct lt_maps maps;
		char *path;

		if (procmaps__read(s->targets[i].pid, &maps))
			continue;
		v = objects__find_mapped(&maps, spec);
		path = v ? objects__open_path(s->targets[i].pid, v) : NULL;
		if (path)
			err = probes__attach_per_call(s->probes, s->targets[i].pid, path, v->path,
						      func);
		attached += path && !err;
		free(path);
		procmaps__free(&maps);
	}
	if (!err && !attached) {
		lt_err("--per-call: no traced process maps %s", spec);
		err = -ENOENT;
	}
	free(spec);
	return err;
}

static int attach(struct session *s)
{
	s->probes = probes__new(s->skel, s->mode, !s->cfg.entry_offsets);
	if (!s->probes)
		return -1;
	for (int i = 0; i < s->ntargets; i++) {
		for (size_t k = 0; k < s->objects[i].n; k++) {
			const struct lt_object *o = &s->objects[i].v[k];

			if (probes__attach_object(s->probes, s->targets[i].pid, o))
				return -1;
			lt_info(1, "pid %d (%s): probing %s allocator %s", s->targets[i].pid,
				s->targets[i].comm, objects__family_name(o->family), o->path);
		}
	}
	if (probes__attach_syscalls(s->probes, s->cfg.sockets, s->cfg.heap))
		return -1;
	return s->cfg.per_call ? attach_per_call(s) : 0;
}

/* The mapping events' source, and what tells the allocator's own mappings apart. */
static int start_events(struct session *s)
{
	if (!s->cfg.heap)
		return 0;
	s->regions = regions__new(LT_MAX_REGIONS);
	s->events = s->regions ? events__new(bpf_map__fd(s->skel->maps.events), s->regions,
					     s->collector)
			       : NULL;
	if (!s->events) {
		lt_err("cannot read mapping events: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < s->ntargets; i++) {
		struct lt_range ranges[64];
		struct lt_maps maps;
		size_t n;

		if (procmaps__read(s->targets[i].pid, &maps))
			continue;
		n = objects__alloc_ranges(&maps, &s->objects[i], ranges, ARRAY_SIZE(ranges));
		procmaps__free(&maps);
		if (events__set_ranges(s->events, s->targets[i].pid, ranges, n))
			return -1;
	}
	return 0;
}

static bool all_exited(struct session *s)
{
	for (int i = 0; i < s->ntargets; i++) {
		if (!target__exited(&s->targets[i]))
			return false;
	}
	return true;
}

/* Sleep until `deadline`, a signal, or the exit of every target, applying events as they come. */
static void wait_until(struct session *s, double deadline)
{
	struct pollfd pfds[LT_MAX_TARGETS + 1];
	int n = 0;

	for (int i = 0; i < s->ntargets; i++) {
		if (!s->targets[i].exited && s->targets[i].pidfd >= 0)
			pfds[n++] = (struct pollfd){ .fd = s->targets[i].pidfd, .events = POLLIN };
	}
	if (s->events)
		pfds[n++] = (struct pollfd){ .fd = events__fd(s->events), .events = POLLIN };
	while (!stop_signal) {
		double left = deadline - now_mono();

		if (s->events)
			events__drain(s->events);
		if (left <= 0 || all_exited(s))
			return;
		/* Wake at least every second to notice targets without a pidfd. */
		poll(pfds, n, (int)ceil(fmin(left, 1.0) * 1000));
	}
}

static int write_folded(FILE *f, const struct lt_report *r, const void *what)
{
	return out_folded__write(f, r, *(const enum lt_profile_value *)what);
}

static int write_svg(FILE *f, const struct lt_report *r, const void *opts)
{
	return out_svg__write(f, r, opts);
}

static int write_pprof(FILE *f, const struct lt_report *r, const void *unused)
{
	(void)unused;
	return out_pprof__write(f, r);
}

/* The files written at exit: folded stacks, the flame graph, the pprof profile. */
static int write_profiles(struct session *s, const struct lt_report *r)
{
	enum lt_profile_value folded_of = s->cfg.folded_growth ? LT_PROFILE_GROWTH
							       : LT_PROFILE_OUTSTANDING;
	struct lt_svg_opts svg = {
		.what = s->cfg.svg_growth ? LT_PROFILE_GROWTH : LT_PROFILE_OUTSTANDING,
	};
	const struct {
		const char *path, *what;
		lt_writer_fn write;
		const void *arg;
	} files[] = {
		{ s->cfg.folded_path, "folded stacks", write_folded, &folded_of },
		{ s->cfg.svg_path, "a flame graph", write_svg, &svg },
		{ s->cfg.pprof_path, "a pprof profile", write_pprof, NULL },
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		int e;

		if (!files[i].path)
			continue;
		e = out__write_file(files[i].path, files[i].write, r, files[i].arg);
		if (e)
			lt_err("failed to write %s: %s", files[i].path, strerror(-e));
		else
			lt_info(0, "wrote %s to %s", files[i].what, files[i].path);
		err = err ?: e;
	}
	return err;
}

static int report(struct session *s, bool final)
{
	bool profiles = final && (s->cfg.folded_path || s->cfg.svg_path || s->cfg.pprof_path);
	struct lt_table_opts opts = {
		.top_n = s->cfg.top_n,
		.frames = s->cfg.table_frames,
		.exact = s->cfg.exact_bytes,
		.redraw = isatty(STDOUT_FILENO),
	};
	double now = now_mono();
	struct lt_report_sources src = {
		.collector = s->collector,
		.regions = s->regions,
		.symbolizer = s->symbolizer,
		.history = s->history,
		.targets = s->targets,
		.ntargets = s->ntargets,
		.now = now,
		.top_n = s->cfg.top_n,
		.all_frames = profiles || s->json,
		.sort_outstanding = s->cfg.sort_outstanding,
		.per_call = s->cfg.per_call ? strrchr(s->cfg.per_call, ':') + 1 : NULL,
		.final = final,
	};
	struct lt_report r;
	double baseline;
	int err;

	if (s->events)
		events__drain(s->events);
	err = collector__sample(s->collector);
	if (err) {
		lt_err("failed to read the kernel maps: %s", strerror(-err));
		return err;
	}
	err = report__build(&r, &src);
	if (err) {
		lt_err("failed to build the report: %s", strerror(-err));
		report__free(&r);
		return err;
	}
	r.elapsed_s = now - s->start;
	r.start_ns = s->start_ns;
	if (history__has_baseline(s->history, &baseline))
		r.baseline_s = baseline - s->start;
	r.interval_s = now - s->last;
	r.final = final;
	r.no_heap = !s->cfg.heap;
	r.no_sockets = !s->cfg.sockets;
	r.sample_bytes = s->cfg.sample_bytes;
	if (s->unwind) {
		struct lt_unwind_stats u;

		unwind__stats(s->unwind, &u);
		r.unwind_rows = u.rows;
		r.unwind_bytes = u.bytes;
	}
	s->last = now;
	err = out_table__write(stdout, &r, &opts);
	if (s->json && out_json__write(s->json, &r)) {
		lt_err("failed to write %s", s->cfg.json_path);
		err = err ?: -EIO;
	}
	if (profiles) {
		int e = write_profiles(s, &r);

		err = err ?: e;
	}
	report__free(&r);
	return err;
}

/* Pick up objects the targets mapped since the last look (dlopen): names and tables. */
static void refresh_targets(struct session *s)
{
	for (int i = 0; i < s->ntargets; i++) {
		if (s->targets[i].exited)
			continue;
		symbolizer__refresh(s->symbolizer, s->targets[i].pid);
		if (s->unwind)
			unwind__scan(s->unwind, s->targets[i].pid);
	}
	sync_unwind_tables(s);
}

static int trace(struct session *s)
{
	double end = s->cfg.duration_s ? s->start + s->cfg.duration_s : INFINITY;
	double next = s->start + s->cfg.interval_s;

	while (!stop_signal) {
		wait_until(s, fmin(next, end));
		if (stop_signal || now_mono() >= end)
			break;
		if (all_exited(s)) {
			lt_info(0, "every traced process has exited");
			break;
		}
		refresh_targets(s);
		if (report(s, false))
			return -1;
		next += s->cfg.interval_s;
		if (next < now_mono())
			next = now_mono() + s->cfg.interval_s;
	}
	for (int i = 0; i < s->ntargets; i++)
		target__exited(&s->targets[i]);
	refresh_targets(s);
	return report(s, true) ? -1 : 0;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: poll() must return so the loop sees the signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void announce(struct session *s)
{
	for (int i = 0; i < s->ntargets; i++) {
		fprintf(stderr, "leaktop: tracing pid %d (%s)", s->targets[i].pid,
			s->targets[i].comm);
		for (size_t k = 0; k < s->objects[i].n; k++)
			fprintf(stderr, "%s %s", k ? "," : " through", s->objects[i].v[k].path);
		fprintf(stderr, "%s%s\n", s->cfg.heap ? "" : " (heap off)",
			s->cfg.sockets ? "" : " (sockets off)");
	}
	if (s->unwind) {
		struct lt_unwind_stats u;
		char b[32];

		unwind__stats(s->unwind, &u);
		fprintf(stderr,
			"leaktop: unwind tables: %zu objects (%zu without CFI), %zu rows, %s of kernel "
			"memory, built in %.2f s\n",
			u.objects, u.objects_no_cfi, u.rows, fmt_bytes(b, sizeof(b), u.bytes, false, false),
			u.build_s);
	}
	fprintf(stderr, "leaktop: attached %zu probes (%s links%s%s); Ctrl-C prints the final table\n",
		probes__count(s->probes), probes__mode_name(s->mode),
		s->cfg.entry_offsets ? ", at +0" : "", s->cfg.empty_probes ? ", empty" : "");
}

static void cleanup(struct session *s)
{
	/* Detach first, so that nothing fires into maps that are going away. */
	probes__free(s->probes);
	events__free(s->events);
	leaktop_bpf__destroy(s->skel);
	collector__free(s->collector);
	symbolizer__free(s->symbolizer);
	unwind__free(s->unwind);
	history__free(s->history);
	regions__free(s->regions);
	if (s->json)
		fclose(s->json);
	for (int i = 0; i < s->ntargets; i++) {
		objects__free(&s->objects[i]);
		target__close(&s->targets[i]);
	}
}

/*
 * The files written at exit go through a temporary file in the same directory: find out now,
 * not after the whole trace, when that directory cannot be written.
 */
static int check_writable(const char *path)
{
	char *copy, *dir;
	int err = 0;

	if (!path)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK)) {
		err = -errno;
		lt_err("cannot write %s: %s", path, strerror(errno));
	}
	free(copy);
	return err;
}

int main(int argc, char **argv)
{
	static struct session s;
	enum cli_result cr;
	char err[512];
	int ret = 1;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return diff__main(argc - 1, argv + 1, stdout);
	cr = cli__parse(&s.cfg, argc, argv, err, sizeof(err), stdout);
	if (cr == CLI_EXIT_OK)
		return 0;
	if (cr == CLI_ERROR) {
		lt_err("%s", err);
		return 2;
	}
	verbosity = s.cfg.verbose;
	lt_set_verbosity(verbosity);
	libbpf_set_print(libbpf_print);

	if (preflight__privileges(err, sizeof(err)) || preflight__btf(err, sizeof(err))) {
		lt_err("%s", err);
		return 1;
	}
	install_signals();
	if (open_targets(&s) || find_allocators(&s))
		goto out;
	if (s.cfg.json_path && !(s.json = fopen(s.cfg.json_path, "w"))) {
		lt_err("cannot write %s: %s", s.cfg.json_path, strerror(errno));
		goto out;
	}
	if (check_writable(s.cfg.folded_path) || check_writable(s.cfg.svg_path) ||
	    check_writable(s.cfg.pprof_path))
		goto out;
	preflight__mount_fs();
	s.symbolizer = symbolizer__new();
	s.history = history__new(s.cfg.window);
	if (!s.symbolizer || !s.history || build_unwind_tables(&s) || load_bpf(&s) ||
	    sync_unwind_tables(&s))
		goto out;
	s.collector = collector__new(s.skel, s.cfg.max_stacks + LT_MAX_TARGETS);
	if (!s.collector) {
		lt_err("out of memory");
		goto out;
	}
	if (start_events(&s) || attach(&s))
		goto out;
	refresh_targets(&s);
	announce(&s);
	s.start = s.last = now_mono();
	s.start_ns = now_realtime_ns();
	ret = trace(&s) ? 1 : 0;
out:
	cleanup(&s);
	return ret;
}
