// SPDX-License-Identifier: GPL-2.0
/* The report as one line of JSON (docs/JSON.md), through the JSON writer. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "json_writer.h"
#include "output.h"
#include "util.h"

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

/* A 64-bit value as a hexadecimal string: JSON readers hold numbers in doubles. */
static void hex_field(struct json_writer *jw, const char *name, const char *fmt, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), fmt, v);
	jw_string_field(jw, name, buf);
}

/* `name`: an array of one object per element of v[n], each element's members from item(). */
static void objects(struct json_writer *jw, const char *name, const void *v, size_t n,
		    size_t size, void (*item)(struct json_writer *jw, const void *elem))
{
	jw_name(jw, name);
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		jw_start_object(jw);
		item(jw, (const char *)v + i * size);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

/* What a process or a container holds, and the verdict on its growth. */
static void tracked(struct json_writer *jw, int64_t heap, int64_t mmap, int64_t sockets,
		    const struct lt_proc_view *v)
{
	jw_int_field(jw, "heap_bytes", heap);
	jw_int_field(jw, "mmap_bytes", mmap);
	jw_int_field(jw, "sockets", sockets);
	jw_double_field(jw, "rss_rate", v->rss_rate);
	jw_double_field(jw, "tracked_rate", v->tracked_rate);
	jw_string_field(jw, "verdict", verdict_name(v->verdict));
}

static const char *node_verdict_name(enum lt_node_verdict v)
{
	static const char *const names[] = {
		[LT_NODE_TOO_EARLY] = "too_early",
		[LT_NODE_STEADY] = "steady",
		[LT_NODE_EXTERNAL_GROWS] = "external_grows",
		[LT_NODE_JS_HEAP_GROWS] = "js_heap_grows",
		[LT_NODE_BOTH_GROW] = "both_grow",
		[LT_NODE_NATIVE_GROWS] = "native_grows",
	};

	return names[v];
}

/* A node process's memory in parts, each with its rate and trend, and its verdict; or null. */
static void node(struct json_writer *jw, const struct lt_proc *p)
{
	static const char *const names[LT_NODE__PARTS] = {
		[LT_NODE_JS_HEAP] = "js_heap", [LT_NODE_EXTERNAL] = "external",
		[LT_NODE_NATIVE] = "native", [LT_NODE_SOCKETS] = "sockets",
	};

	jw_name(jw, "node");
	if (!p->node) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	for (int k = 0; k < LT_NODE__PARTS; k++) {
		jw_name(jw, names[k]);
		jw_start_object(jw);
		jw_int_field(jw, k == LT_NODE_SOCKETS ? "count" : "bytes", p->node_part[k]);
		jw_double_field(jw, "rate_per_s", p->node_view.rate[k]);
		jw_string_field(jw, "trend", analysis__trend_name(p->node_view.trend[k]));
		jw_end_object(jw);
	}
	jw_string_field(jw, "verdict", node_verdict_name(p->node_view.verdict));
	jw_end_object(jw);
}

static void proc(struct json_writer *jw, const void *elem)
{
	const struct lt_proc *p = elem;

	jw_int_field(jw, "pid", p->pid);
	jw_string_field(jw, "comm", p->comm);
	jw_bool_field(jw, "exited", p->exited);
	jw_double_field(jw, "exit_s", p->exited && p->exit_s >= 0 ? p->exit_s : NAN);
	jw_uint_field(jw, "rss", p->rss);
	jw_uint_field(jw, "anon", p->anon);
	tracked(jw, p->heap, p->mmap, p->sockets, &p->view);
	jw_uint_field(jw, "calls", p->calls);
	jw_bool_field(jw, "go", p->go);
	jw_bool_field(jw, "started_unprobed", p->started_unprobed);
	jw_string_field(jw, "container", p->container[0] ? p->container : NULL);
	node(jw, p);
	/* What leaktop costs it: over the interval (the final report: since attach). */
	jw_name(jw, "cost");
	if (!p->costed) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	jw_uint_field(jw, "probe_hits", p->hits);
	jw_double_field(jw, "probe_hits_per_s", p->hits_per_s);
	jw_uint_field(jw, "stepped_hits", p->cost.stepped);
	jw_double_field(jw, "added_cpu_ratio", p->added_ratio);
	jw_double_field(jw, "floor_cpu_ratio", p->floor_ratio);
	jw_double_field(jw, "added_cpu_s", p->added_s);
	jw_uint_field(jw, "sample_bytes", p->sample_bytes);
	jw_bool_field(jw, "at_floor", p->at_floor);
	jw_end_object(jw);
}

static void container(struct json_writer *jw, const void *elem)
{
	const struct lt_container_sum *c = elem;

	jw_string_field(jw, "name", c->name);
	jw_uint_field(jw, "processes", c->nprocs);
	jw_uint_field(jw, "rss", c->rss);
	tracked(jw, c->heap, c->mmap, c->sockets, &c->view);
}

static void frame(struct json_writer *jw, const void *elem)
{
	const struct lt_frame *fr = elem;

	hex_field(jw, "ip", "0x%" PRIx64, fr->ip);
	jw_string_field(jw, "function", fr->func);
	jw_uint_field(jw, "offset", fr->offset);
	jw_string_field(jw, "module", fr->module);
	if (report__frame_is_source(fr)) {
		jw_string_field(jw, "file", fr->file);
		jw_uint_field(jw, "line", fr->line);
	}
}

/* The index of the frame the stack is named by (frames__own_frame), or null. */
static void own_frame(struct json_writer *jw, const struct lt_row *row)
{
	const struct lt_frame *own = report__own_frame(row);

	jw_name(jw, "own_frame");
	if (own)
		jw_uint(jw, own - row->frames);
	else
		jw_null(jw);
}

/* What stacks and groups both have: what they hold, and how it changes. */
static void amounts(struct json_writer *jw, const struct lt_row *row)
{
	jw_int_field(jw, "bytes", row->bytes);
	jw_int_field(jw, "count", row->count);
	jw_int_field(jw, "delta", row->delta);
	jw_int_field(jw, "growth", row->growth);
}

/* A row of a --group-by: a group's name instead of frames. */
static void group(struct json_writer *jw, const void *elem)
{
	const struct lt_row *g = elem;

	jw_string_field(jw, "group", g->group);
	jw_int_field(jw, "pid", g->pid);
	jw_string_field(jw, "kind", report__kind_name(g->kind));
	jw_uint_field(jw, "stacks", g->members);
	amounts(jw, g);
	jw_double_field(jw, "rate_per_s", g->rate);
	jw_string_field(jw, "trend", analysis__trend_name(g->trend));
}

static void stack(struct json_writer *jw, const void *elem)
{
	const struct lt_row *row = elem;

	jw_int_field(jw, "pid", row->pid);
	jw_string_field(jw, "kind", report__kind_name(row->kind));
	hex_field(jw, "stack_id", "%#" PRIx64, row->stack_id);
	amounts(jw, row);
	jw_uint_field(jw, "allocs", row->allocs);
	jw_uint_field(jw, "frees", row->frees);
	jw_uint_field(jw, "total_allocs", row->total_allocs);
	jw_uint_field(jw, "total_frees", row->total_frees);
	jw_double_field(jw, "rate_per_s", row->rate);
	jw_string_field(jw, "trend", analysis__trend_name(row->trend));
	jw_double_field(jw, "age_s", row->age_s < 0 ? NAN : row->age_s);
	jw_double_field(jw, "per_call", row->per_call < 0 ? NAN : row->per_call);
	objects(jw, "frames", row->frames, row->nframes, sizeof(*row->frames), frame);
	own_frame(jw, row);
}

/* The counters of one object ("drops" or "unwind"), in enum lt_stat order. */
static void stat_fields(struct json_writer *jw, const struct lt_report *r, enum lt_stat_json obj)
{
	for (int i = 0; i < LT_STAT__COUNT; i++) {
		if (lt_stats[i].json == obj && lt_stats[i].key)
			jw_uint_field(jw, lt_stats[i].key, r->stats[i]);
	}
}

static void counters(struct json_writer *jw, const struct lt_report *r)
{
	jw_name(jw, "drops");
	jw_start_object(jw);
	stat_fields(jw, r, LT_STAT_JSON_DROPS);
	jw_uint_field(jw, "regions_not_kept", r->regions_dropped);
	jw_uint_field(jw, "started_unprobed", r->self.started_unprobed);
	jw_uint_field(jw, "exited_not_kept", r->exited_dropped);
	jw_uint_field(jw, "exited_stacks_not_kept", r->exited_rows_dropped);
	jw_end_object(jw);
	jw_name(jw, "unwind");
	jw_start_object(jw);
	stat_fields(jw, r, LT_STAT_JSON_UNWIND);
	jw_uint_field(jw, "table_rows", r->unwind_rows);
	jw_uint_field(jw, "table_bytes", r->unwind_bytes);
	jw_end_object(jw);
	jw_name(jw, "python");
	jw_start_object(jw);
	stat_fields(jw, r, LT_STAT_JSON_PYTHON);
	jw_end_object(jw);
	jw_name(jw, "javascript");
	jw_start_object(jw);
	stat_fields(jw, r, LT_STAT_JSON_JS);
	jw_uint_field(jw, "functions_named", r->js_named);
	jw_uint_field(jw, "frames_unnamed", r->js_unnamed);
	jw_end_object(jw);
}

/* The session: when, what is traced, and where. */
static void session(struct json_writer *jw, const struct lt_report *r)
{
	jw_string_field(jw, "type", r->final ? "final" : "interval");
	jw_int_field(jw, "version", LT_JSON_VERSION);
	jw_double_field(jw, "elapsed_s", r->elapsed_s);
	jw_double_field(jw, "interval_s", r->interval_s);
	jw_double_field(jw, "window_s", r->window_s);
	jw_double_field(jw, "baseline_s", r->baseline_s);
	jw_uint_field(jw, "sample_bytes", r->sample_bytes);
	jw_name(jw, "max_overhead");
	if (r->self.budget)
		jw_double(jw, r->self.budget);
	else
		jw_null(jw);
	jw_string_field(jw, "per_call", r->per_call);
	jw_name(jw, "traced");
	jw_start_object(jw);
	jw_bool_field(jw, "heap", !r->no_heap);
	jw_bool_field(jw, "mmap", !r->no_heap);
	jw_bool_field(jw, "sockets", !r->no_sockets);
	jw_end_object(jw);
	jw_name(jw, "scope");
	jw_start_object(jw);
	jw_string_field(jw, "kind", r->scope == LT_SCOPE_KIND_ALL ? "all"
				    : r->scope == LT_SCOPE_KIND_CGROUP ? "cgroup"
				    : r->scope == LT_SCOPE_KIND_LAUNCH ? "command" : "pids");
	jw_string_field(jw, "name", r->scope_name);
	jw_uint_field(jw, "processes", r->self.procs_seen);
	jw_end_object(jw);
}

static void self(struct json_writer *jw, const struct lt_report *r)
{
	jw_name(jw, "self");
	jw_start_object(jw);
	jw_double_field(jw, "cpu_pct", r->self.cpu_pct);
	jw_uint_field(jw, "rss", r->self.rss);
	jw_uint_field(jw, "bpf_bytes", r->self.bpf_bytes);
	jw_uint_field(jw, "purged_processes", r->self.purged_procs);
	jw_uint_field(jw, "purged_allocations", r->self.purged_allocs);
	jw_uint_field(jw, "purged_stacks", r->self.purged_stacks);
	jw_uint_field(jw, "allocator_files", r->self.objects);
	jw_name(jw, "trap_ns");
	if (r->self.trap.known) {
		jw_start_object(jw);
		jw_double_field(jw, "entry", r->self.trap.entry_ns);
		jw_double_field(jw, "return", r->self.trap.ret_ns);
		jw_double_field(jw, "stepped", r->self.trap.step_ns);
		jw_double_field(jw, "clock", r->self.trap.clock_ns);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	jw_end_object(jw);
}

int out_json__write(FILE *f, const struct lt_report *r)
{
	static const char *const group_by[] = {
		[LT_GROUP_STACK] = "stack", [LT_GROUP_PROCESS] = "process",
		[LT_GROUP_CONTAINER] = "container",
	};
	struct json_writer *jw;

	errno = 0; /* set from here on by a failed write only */
	jw = jw_new(f);
	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	session(jw, r);
	objects(jw, "processes", r->procs, r->nprocs, sizeof(*r->procs), proc);
	objects(jw, "containers", r->containers, r->ncontainers, sizeof(*r->containers),
		container);
	jw_string_field(jw, "group_by", group_by[r->group_by]);
	objects(jw, "groups", r->groups, r->ngroups, sizeof(*r->groups), group);
	objects(jw, "stacks", r->rows, r->nrows, sizeof(*r->rows), stack);
	counters(jw, r);
	self(jw, r);
	jw_end_object(jw);
	jw_free(jw);
	if (fflush(f))
		return -errno;
	return ferror(f) ? -(errno ?: EIO) : 0; /* an earlier write failed: errno is its reason */
}
