// SPDX-License-Identifier: GPL-2.0
/*
 * The report model from plain inputs: rows and processes as the sampling step gives them,
 * a history fed through report__record(), a fake frame namer. No kernel, no /proc.
 */
#include <math.h>

#include "history.h"
#include "report.h"
#include "test.h"

static const __u64 leak_ips[] = { 0x1010, 0x2020, 0x3030 };

/* Names every frame "fn_<ip>" in module "app", as the symbolizer would. */
static int fake_namer(void *ctx, pid_t pid, const __u64 *ips, uint32_t nips,
		      struct lt_frame **frames, size_t *n)
{
	static char names[8][32];
	static int next;

	*frames = calloc(nips, sizeof(**frames));
	for (uint32_t i = 0; i < nips; i++) {
		struct lt_frame *f = &(*frames)[i];
		char *name = names[next++ % 8];

		(*(int *)ctx)++;
		snprintf(name, 32, "fn_%llx_%d", (unsigned long long)ips[i], pid);
		f->ip = ips[i];
		f->func = name;
		f->offset = 4;
		f->module = "app";
	}
	*n = nips;
	return 0;
}

struct fixture {
	struct lt_row rows[4];
	struct lt_proc procs[2];
	struct lt_report_input in;
	int named;
};

/* Two processes: 100 leaks 100,000 B a sample on one stack; 200 holds a socket and a steady block. */
static void sample_at(struct fixture *fx, struct lt_history *h, int t, bool final)
{
	memset(fx->rows, 0, sizeof(fx->rows));
	fx->rows[0] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 100, .stack_id = 7,
				       .bytes = 100000 * (t + 1), .count = t + 1, .delta = 100000,
				       .allocs = 1, .total_allocs = t + 1,
				       .total_alloc_bytes = 100000 * (t + 1), .age_s = t,
				       .ips = leak_ips, .nips = 3 };
	fx->rows[1] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 200, .stack_id = 9,
				       .bytes = 512, .count = 1, .total_allocs = 1,
				       .total_alloc_bytes = 512, .age_s = -1 };
	fx->rows[2] = (struct lt_row){ .kind = LT_ROW_SOCK + LT_SOCK_TCP, .pid = 200,
				       .stack_id = 11, .count = 1, .total_allocs = 1, .age_s = -1 };
	/* Nothing held, nothing done: pruned (kept only when final, for its activity). */
	fx->rows[3] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 100, .stack_id = 13,
				       .total_allocs = 5, .total_frees = 5, .age_s = -1 };
	memset(fx->procs, 0, sizeof(fx->procs));
	fx->procs[0] = (struct lt_proc){ .pid = 200, .comm = "db", .rss = 1 << 20 };
	snprintf(fx->procs[0].container, sizeof(fx->procs[0].container), "docker:abc");
	fx->procs[1] = (struct lt_proc){ .pid = 100, .comm = "svc", .rss = 2 << 20 };
	fx->in = (struct lt_report_input){
		.rows = fx->rows, .nrows = 4, .procs = fx->procs, .nprocs = 2, .history = h,
		.name_stack = fake_namer, .namer_ctx = &fx->named, .now = 100 + t, .start = 99,
		.interval_s = 1, .top_n = 5, .final = final, .scope = LT_SCOPE_KIND_ALL,
		.scope_name = "every user process",
	};
	fx->in.stats[LT_STAT_STACK_MAP_FULL] = 3;
}

/* The model of the fixture's sample, recorded into its history. */
static int record(const struct lt_report_input *in)
{
	struct lt_report r;
	int err = report__build(&r, in);

	if (!err)
		report__record(&r, in);
	report__free(&r);
	return err;
}

/* The whole report of the fixture's sample: built, recorded, annotated. */
static int build(struct lt_report *r, const struct lt_report_input *in)
{
	int err = report__build(r, in);

	if (!err)
		report__record(r, in);
	return err ?: report__annotate(r, in);
}

static const struct lt_row *find_row(const struct lt_report *r, pid_t pid, uint64_t stack)
{
	for (size_t i = 0; i < r->nrows; i++) {
		if (r->rows[i].pid == pid && r->rows[i].stack_id == stack)
			return &r->rows[i];
	}
	return NULL;
}

static void test_build_from_arrays(void)
{
	struct lt_history *h = history__new(60);
	struct fixture fx = { 0 };
	struct lt_report r;
	const struct lt_row *leak;

	for (int t = 0; t < 5; t++) {
		sample_at(&fx, h, t, false);
		ASSERT_EQ(record(&fx.in), 0, "record");
	}
	sample_at(&fx, h, 5, false);
	ASSERT_EQ(build(&r, &fx.in), 0, "build");
	ASSERT_EQ(r.nrows, 3, "the empty, inactive row is pruned");
	ASSERT_EQ(r.nprocs, 2, "both processes");
	ASSERT_EQ(r.procs[0].pid, 100, "processes sorted by pid");
	ASSERT_STREQ(r.procs[1].label, "pid 200 (db) in docker:abc", "label with the container");
	ASSERT_EQ(r.procs[0].heap, 600000, "a process's heap is the sum of its rows");
	ASSERT_EQ(r.procs[1].sockets, 1, "and its sockets");
	ASSERT_EQ(r.total_bytes, 600512, "heap total");
	ASSERT_EQ(r.stats[LT_STAT_STACK_MAP_FULL], 3, "counters copied");
	ASSERT_TRUE(fabs(r.elapsed_s - 6) < 1e-9, "elapsed from start and now");
	ASSERT_TRUE(fabs(r.baseline_s - 1) < 1e-9, "the baseline is the first record's time");
	leak = find_row(&r, 100, 7);
	ASSERT_TRUE(leak != NULL, "the leak's row");
	if (leak) {
		ASSERT_EQ(leak->trend, LT_TREND_GROWING, "a steady rise is growing");
		ASSERT_TRUE(fabs(leak->rate - 100000) < 1e-6, "100,000 B/s");
		ASSERT_EQ(leak->growth, 500000, "growth since the baseline sample (100,000 B then)");
		ASSERT_STREQ(leak->comm, "svc", "row named after its process");
		ASSERT_EQ(leak->nframes, 3, "its frames, from the raw stack");
		ASSERT_STREQ(leak->frames ? leak->frames[0].func : NULL, "fn_1010_100",
			     "named by the namer, innermost first");
	}
	ASSERT_EQ(r.ncontainers, 1, "one container");
	ASSERT_STREQ(r.containers[0].name, "docker:abc", "its name");
	ASSERT_EQ(r.containers[0].heap, 512, "its heap");
	report__free(&r);

	/* Final: a row balanced since attach is evidence, kept. */
	sample_at(&fx, h, 6, true);
	ASSERT_EQ(build(&r, &fx.in), 0, "build final");
	ASSERT_EQ(r.nrows, 4, "the balanced row is kept in the final report");
	report__free(&r);
	history__free(h);
}

static void test_groups_and_no_namer(void)
{
	struct lt_history *h = history__new(60);
	struct fixture fx = { 0 };
	struct lt_report r;

	sample_at(&fx, h, 0, false);
	fx.in.group_by = LT_GROUP_CONTAINER;
	fx.in.name_stack = NULL;
	ASSERT_EQ(build(&r, &fx.in), 0, "build");
	ASSERT_EQ(fx.named, 0, "no namer: nothing named");
	ASSERT_TRUE(r.ngroups == 3, "host heap, container heap, container tcp");
	for (size_t i = 0; i < r.ngroups; i++) {
		const struct lt_row *g = &r.groups[i];

		if (g->kind == LT_ROW_HEAP && !strcmp(g->group, "host"))
			ASSERT_EQ(g->bytes, 100000, "the host's heap group");
		else if (g->kind == LT_ROW_HEAP)
			ASSERT_EQ(g->bytes, 512, "the container's heap group");
	}
	ASSERT_EQ(find_row(&r, 100, 7)->nframes, 3, "frames keep their addresses");
	ASSERT_TRUE(find_row(&r, 100, 7)->frames[0].func == NULL, "unnamed");
	ASSERT_EQ(find_row(&r, 100, 7)->frames[0].ip, 0x1010, "the address");
	report__free(&r);
	history__free(h);
}

/*
 * A sample with nothing in it comes with NULL arrays (nothing was ever allocated for them):
 * built without passing them to memcpy or qsort (make ubsan checks), and empty.
 */
static void test_empty_sample(void)
{
	struct lt_history *h = history__new(60);
	struct lt_report_input in = {
		.history = h, .now = 100, .start = 99, .interval_s = 1, .top_n = 5, .final = true,
		.scope = LT_SCOPE_KIND_ALL, .scope_name = "every user process",
	};
	struct lt_report r;

	ASSERT_EQ(build(&r, &in), 0, "build from NULL arrays");
	ASSERT_EQ(r.nrows, 0, "no rows");
	ASSERT_EQ(r.nprocs, 0, "no processes");
	ASSERT_EQ(r.total_bytes, 0, "nothing held");
	report__free(&r);
	history__free(h);
}

/*
 * The final summary lists every growing row, not only the table's top ones: with -n 1, the
 * second process's slower leak is named too, in the final report (and only there).
 */
static void test_final_names_growing(void)
{
	static const __u64 slow_ips[] = { 0x4040, 0x5050 };
	struct lt_history *h = history__new(60);
	struct lt_row rows[2];
	struct lt_proc procs[2] = { { .pid = 100, .comm = "fast" }, { .pid = 200, .comm = "slow" } };
	int named = 0;
	struct lt_report_input in = {
		.rows = rows, .nrows = 2, .procs = procs, .nprocs = 2, .history = h,
		.name_stack = fake_namer, .namer_ctx = &named, .start = 99, .interval_s = 1,
		.top_n = 1, .scope = LT_SCOPE_KIND_PIDS,
	};
	struct lt_report r;

	for (int t = 0; t <= 6; t++) {
		rows[0] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 100, .stack_id = 7,
					   .bytes = 100000 * (t + 1), .count = t + 1, .delta = 100000,
					   .allocs = 1, .total_allocs = t + 1, .age_s = t,
					   .ips = leak_ips, .nips = 3 };
		rows[1] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 200, .stack_id = 9,
					   .bytes = 50000 * (t + 1), .count = t + 1, .delta = 50000,
					   .allocs = 1, .total_allocs = t + 1, .age_s = t,
					   .ips = slow_ips, .nips = 2 };
		in.now = 100 + t;
		in.final = t >= 5;
		if (t < 5) {
			ASSERT_EQ(record(&in), 0, "record");
			continue;
		}
		ASSERT_EQ(build(&r, &in), 0, "build");
		ASSERT_EQ(find_row(&r, 200, 9)->trend, LT_TREND_GROWING, "the slow leak grows");
		ASSERT_EQ(find_row(&r, 200, 9)->nframes, 2, "the slow leak is named in the final report");
		report__free(&r);
		in.final = false;
		ASSERT_EQ(build(&r, &in), 0, "build an interval report");
		ASSERT_EQ(find_row(&r, 200, 9)->nframes, 0, "not in an interval's: only the table's top");
		report__free(&r);
	}
	history__free(h);
}

/*
 * A node process's memory in parts: its rows' js_mem sum into the JS heap and external memory,
 * the rest of its heap is native malloc; the parts' series make the verdict. A process that
 * runs V8 is a node process from its first sample; one with such rows is one too.
 */
static void test_node_parts(void)
{
	struct lt_history *h = history__new(60);
	struct lt_row rows[6];
	struct lt_proc procs[3];
	struct lt_report_input in = {
		.rows = rows, .nrows = 6, .procs = procs, .nprocs = 3, .history = h, .start = 99,
		.interval_s = 1, .top_n = 5, .scope = LT_SCOPE_KIND_PIDS,
	};
	struct lt_report r;
	const int samples = LT_MIN_SAMPLES + 4;

	for (int t = 0; t < samples; t++) {
		/* Buffers kept, 1 MiB a second; the JS heap flat; V8's bookkeeping flat. */
		rows[0] = (struct lt_row){ .kind = LT_ROW_HEAP, .js_mem = LT_JS_MEM_EXTERNAL,
					   .pid = 300, .stack_id = 1, .bytes = (t + 1) << 20,
					   .count = t + 1, .total_allocs = t + 1, .age_s = t };
		rows[1] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 300, .stack_id = 2,
					   .bytes = 100000, .count = 10, .total_allocs = 10, .age_s = t };
		rows[2] = (struct lt_row){ .kind = LT_ROW_MMAP_ANON, .js_mem = LT_JS_MEM_HEAP,
					   .pid = 300, .stack_id = 3, .bytes = 8 << 20, .count = 32,
					   .total_allocs = 32, .age_s = t };
		rows[3] = (struct lt_row){ .kind = LT_ROW_MMAP_ANON, .pid = 300, .stack_id = 4,
					   .bytes = 1 << 20, .count = 1, .total_allocs = 1, .age_s = t };
		rows[4] = (struct lt_row){ .kind = LT_ROW_SOCK + LT_SOCK_TCP, .pid = 300,
					   .stack_id = 5, .count = 3, .total_allocs = 3, .age_s = t };
		/* A process not known to run V8, with a row of V8's heap: node too. */
		rows[5] = (struct lt_row){ .kind = LT_ROW_MMAP_ANON, .js_mem = LT_JS_MEM_HEAP,
					   .pid = 500, .stack_id = 6, .bytes = 256 << 10, .count = 1,
					   .total_allocs = 1, .age_s = t };
		procs[0] = (struct lt_proc){ .pid = 300, .comm = "node", .node = true };
		procs[1] = (struct lt_proc){ .pid = 400, .comm = "idle-node", .node = true };
		procs[2] = (struct lt_proc){ .pid = 500, .comm = "embedder" };
		in.now = 100 + t;
		if (t + 1 < samples) {
			ASSERT_EQ(record(&in), 0, "record");
			continue;
		}
		ASSERT_EQ(build(&r, &in), 0, "build");
	}
	ASSERT_EQ(r.procs[0].pid, 300, "the node process");
	ASSERT_TRUE(r.procs[0].node, "is a node process");
	ASSERT_EQ(r.procs[0].node_part[LT_NODE_JS_HEAP], 8 << 20, "its JS heap: V8's mappings");
	ASSERT_EQ(r.procs[0].node_part[LT_NODE_EXTERNAL], samples << 20, "its external memory");
	ASSERT_EQ(r.procs[0].node_part[LT_NODE_NATIVE], 100000, "native: the rest of its heap");
	ASSERT_EQ(r.procs[0].node_part[LT_NODE_SOCKETS], 3, "its sockets");
	ASSERT_EQ(r.procs[0].mmap, 9 << 20, "its mappings, V8's and others");
	ASSERT_EQ(r.procs[0].node_view.verdict, LT_NODE_EXTERNAL_GROWS,
		  "external grows while the JS heap is flat");
	ASSERT_TRUE(fabs(r.procs[0].node_view.rate[LT_NODE_EXTERNAL] - (1 << 20)) < 1e-6,
		    "external grows 1 MiB a second");
	ASSERT_EQ(r.procs[0].node_view.trend[LT_NODE_JS_HEAP], LT_TREND_STEADY, "the JS heap flat");
	ASSERT_TRUE(r.procs[1].node, "a process running V8 with nothing traced is a node process");
	ASSERT_EQ(r.procs[1].node_view.verdict, LT_NODE_STEADY, "and nothing of it grows");
	ASSERT_TRUE(r.procs[2].node, "rows of V8's heap make a node process");
	ASSERT_EQ(r.procs[2].node_part[LT_NODE_JS_HEAP], 256 << 10, "its JS heap");
	ASSERT_EQ(r.procs[2].node_view.verdict, LT_NODE_STEADY,
		  "its JS heap is flat: steady");
	report__free(&r);

	in.no_heap = true;
	ASSERT_EQ(build(&r, &in), 0, "build with --no-heap");
	ASSERT_TRUE(!r.procs[0].node && !r.procs[2].node, "--no-heap: no parts, no node process");
	report__free(&r);
	history__free(h);
}

/*
 * A process kept after its exit (departed.h) in the final report: its sums are those it came
 * with (its rows are not added again), its rows keep the rate and trend they had at its exit,
 * go into no series of the history, and are named, all of them, beyond the table's top.
 */
static void test_kept_at_exit(void)
{
	static const __u64 ips[] = { 0x6060 };
	struct lt_history *h = history__new(60);
	struct lt_row rows[3];
	struct lt_proc procs[2] = {
		{ .pid = 100, .comm = "svc", .exit_s = -1 },
		{ .pid = 300, .comm = "job", .exited = true, .at_exit = true, .exit_s = 2.5,
		  .heap = 9000, .sockets = 1 },
	};
	int named = 0;
	struct lt_report_input in = {
		.rows = rows, .nrows = 3, .procs = procs, .nprocs = 2, .history = h,
		.name_stack = fake_namer, .namer_ctx = &named, .start = 99, .now = 110,
		.interval_s = 1, .top_n = 1, .scope = LT_SCOPE_KIND_CGROUP, .final = true,
	};
	struct lt_series s;
	struct lt_report r;

	rows[0] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 100, .stack_id = 7, .bytes = 500000,
				   .count = 5, .total_allocs = 5, .age_s = 1, .ips = leak_ips,
				   .nips = 3 };
	for (int i = 1; i < 3; i++)
		rows[i] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 300, .stack_id = 20 + i,
					   .bytes = 3000 * i, .count = i, .total_allocs = i,
					   .age_s = 0.5, .ips = ips, .nips = 1, .rate = 42,
					   .trend = LT_TREND_STEADY, .growth = 3000 * i };
	ASSERT_EQ(build(&r, &in), 0, "build");
	ASSERT_EQ(report__proc(&r, 300)->heap, 9000, "its sums as they came, not added again");
	ASSERT_EQ(report__proc(&r, 100)->heap, 500000, "a live process's sums from its rows");
	ASSERT_EQ(find_row(&r, 300, 22)->trend, LT_TREND_STEADY, "its trend at exit");
	ASSERT_TRUE(find_row(&r, 300, 22)->rate == 42, "its rate at exit");
	ASSERT_EQ(find_row(&r, 300, 21)->nframes, 1, "named, beyond the table's top row");
	ASSERT_EQ(find_row(&r, 300, 22)->nframes, 1, "every row of it");
	history__get(h, &(struct lt_series_key){ LT_ROW_HEAP, 300, 22 }, &s);
	ASSERT_EQ(s.n, 0, "no series for it in the history");
	history__get(h, &(struct lt_series_key){ LT_ROW_HEAP, 100, 7 }, &s);
	ASSERT_EQ(s.n, 1, "a live row's series");
	report__free(&r);
	history__free(h);
}

TEST_MAIN(TEST(test_build_from_arrays), TEST(test_groups_and_no_namer), TEST(test_empty_sample),
	  TEST(test_final_names_growing), TEST(test_node_parts), TEST(test_kept_at_exit))
