// SPDX-License-Identifier: GPL-2.0
/* The folded and table writers against golden files, from a hand-built report. */
#include <linux/types.h>
#include <math.h>

#include "output.h"
#include "report_fixture.h"
#include "cxxname.h"
#include "test.h"

#define GOLDEN_DIR "tests/unit/golden/"

/* Run a writer into memory and return what it wrote (free it). */
static char *capture(int (*write)(FILE *, const void *, const void *), const void *a,
		     const void *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (write(f, a, b))
		fprintf(f, "<writer failed>");
	fclose(f);
	return buf;
}

static int folded(FILE *f, const void *r, const void *unused)
{
	(void)unused;
	return out_folded__write(f, r, LT_PROFILE_OUTSTANDING);
}

static int folded_growth(FILE *f, const void *r, const void *unused)
{
	(void)unused;
	return out_folded__write(f, r, LT_PROFILE_GROWTH);
}

static int table(FILE *f, const void *r, const void *o)
{
	return out_table__write(f, r, o);
}

static int json(FILE *f, const void *r, const void *unused)
{
	(void)unused;
	return out_json__write(f, r);
}

static int prom(FILE *f, const void *r, const void *o)
{
	return out_prom__write(f, r, o);
}

/* Prometheus text and OpenMetrics: the golden files, and what each format requires. */
static void test_prometheus(void)
{
	struct lt_prom_opts o = { .top_n = 5 };
	char *text = capture(prom, &fx_report, &o), *om;
	size_t len;

	o.openmetrics = true;
	om = capture(prom, &fx_report, &o);
	test_golden(text, GOLDEN_DIR "report.prom");
	test_golden(om, GOLDEN_DIR "report.openmetrics");
	ASSERT_CONTAINS(text, "leaktop_heap_outstanding_bytes{pid=\"4242\",comm=\"service\","
			      "container=\"\"} 31525328\n", "heap held");
	ASSERT_CONTAINS(text, "leaktop_sockets_open{pid=\"4242\",comm=\"service\",container=\"\","
			      "kind=\"tcp\"} 987\n", "sockets");
	ASSERT_CONTAINS(text, "verdict=\"tracked_explains\"} 1\n", "the verdict's series is 1");
	ASSERT_CONTAINS(text, "verdict=\"rss_steady\"} 0\n", "the others are 0");
	/* The growing stacks: write_jsonl's heap stack and the tcp one; not the sawtooth. */
	ASSERT_CONTAINS(text, "kind=\"heap\",stack=\"0xb\",frame=\"write_jsonl\"}", "heap stack");
	ASSERT_CONTAINS(text, "frame=\"graphql_connect \\\"pool\\\"\"}", "quotes escaped");
	ASSERT_TRUE(!strstr(text, "stack=\"0xd\""), "a sawtooth stack is not growth");
	ASSERT_CONTAINS(text, "# TYPE leaktop_drops_total counter\n", "text: counters keep _total");
	ASSERT_CONTAINS(om, "# TYPE leaktop_drops counter\n", "OpenMetrics: the family has none");
	ASSERT_CONTAINS(om, "leaktop_drops_total{reason=\"alloc_map_full\"} 3\n", "drops");
	len = om ? strlen(om) : 0;
	ASSERT_TRUE(len > 6 && !strcmp(om + len - 6, "# EOF\n"), "OpenMetrics ends in # EOF");
	ASSERT_TRUE(!strstr(text, "# EOF"), "the text format does not");
	free(text);
	free(om);
}

/* Names from a hostile process: invalid UTF-8 is replaced, never passed on to Prometheus. */
static void test_prometheus_hostile_names(void)
{
	struct lt_proc proc = { .pid = 7, .comm = "b\xff\"q\xed\xa0\x80\xc3" };
	struct lt_report r = { .procs = &proc, .nprocs = 1 };
	struct lt_prom_opts o = { .top_n = 5 };
	char *text;

	snprintf(proc.container, sizeof(proc.container), "ok\xe2\x82\xac\n");
	proc.view.rss_rate = INFINITY;
	text = capture(prom, &r, &o);
	ASSERT_CONTAINS(text, "comm=\"b\xef\xbf\xbd\\\"q\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
			      "container=\"ok\xe2\x82\xac\\n\"}", "invalid bytes replaced, valid ones kept");
	ASSERT_CONTAINS(text, "leaktop_rss_growth_bytes_per_second{pid=\"7\",comm=", "the process");
	ASSERT_CONTAINS(text, "} +Inf\n", "infinity as the formats spell it");
	free(text);
}

/* Two samples tell nothing: the summary says too early, with what is held, not "no leak". */
static void test_summary_too_early(void)
{
	struct lt_proc proc = { .pid = 9, .comm = "node", .heap = 72 << 20, .sockets = 834,
				.view = { .verdict = LT_PROC_TOO_EARLY } };
	struct lt_report r = { .procs = &proc, .nprocs = 1, .final = true };
	struct lt_table_opts o = { .top_n = 5, .frames = 4 };
	char *got;

	snprintf(proc.label, sizeof(proc.label), "pid 9 (node)");
	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "  too early to tell whether anything leaks: fewer than 6 samples; it "
			     "holds 72.0 MiB of heap, 0 B of mappings and 834 open sockets.\n",
			"too early, with what is held");
	ASSERT_TRUE(got && !strstr(got, "no leak found"), "not 'no leak found'");
	free(got);
}

static void test_folded(void)
{
	char *got = capture(folded, &fx_report, NULL);

	test_golden(got, GOLDEN_DIR "report.folded");
	/* Independently of the golden file: the two write_jsonl stacks summed on one line. */
	ASSERT_CONTAINS(got, "service;__libc_start_call_main;main;handle_event;write_jsonl 31522816\n",
			"call sites of one function fold together");
	ASSERT_CONTAINS(got, "service;main;cache::Store<int: long>::put(int);operator new(unsigned long) 2000\n",
			"';' in a symbol cannot split frames");
	ASSERT_CONTAINS(got, "service;[stack unavailable] 512\n", "lost stacks keep their bytes");
	ASSERT_TRUE(!strstr(got, "python3.11"), "rows holding nothing are left out");
	free(got);
}

static void test_folded_growth(void)
{
	struct lt_report r = fx_report;
	char *got = capture(folded_growth, &fx_report, NULL);

	test_golden(got, GOLDEN_DIR "report_growth.folded");
	/* 20 MiB of write_jsonl's 30 MiB grew after the first table; its other site did not. */
	ASSERT_CONTAINS(got, "service;__libc_start_call_main;main;handle_event;write_jsonl 20971520\n",
			"growth, not what is held");
	ASSERT_CONTAINS(got, "# leaktop: heap bytes grown from the first table (5.0 s after attach) "
			"to the end (15.0 s); stacks that shrank are left out\n",
			"the baseline is said");
	ASSERT_TRUE(!strstr(got, "python3.11"), "stacks that shrank are left out");
	ASSERT_CONTAINS(got, "cache::Store<int: long>::put(int);operator new(unsigned long) 1500\n",
			"a stack that grew less than it holds");
	free(got);

	r.baseline_s = 0;
	got = capture(folded_growth, &r, NULL);
	ASSERT_CONTAINS(got, "# leaktop: heap bytes grown since attach (15.0 s); there was no table "
			"before the end\n", "no baseline: from attach");
	free(got);
}

/* No comment line may end in a number: flamegraph.pl would read it as a stack. */
static void test_folded_comments(void)
{
	struct lt_report r = fx_report;
	char *got, *line;
	int comments = 0;

	r.sample_bytes = 524288;
	got = capture(folded_growth, &r, NULL);
	for (line = got; line && *line; line = strchr(line, '\n') + 1) {
		size_t len = strcspn(line, "\n");

		if (*line == '#') {
			comments++;
			ASSERT_TRUE(len && (line[len - 1] < '0' || line[len - 1] > '9'),
				    "a comment ends in a word");
		}
		if (!strchr(line, '\n'))
			break;
	}
	ASSERT_EQ(comments, 2, "two comments: growth, and sampling");
	free(got);
}

static void test_folded_empty(void)
{
	struct lt_report empty = { .nrows = 0 };
	char *got = capture(folded, &empty, NULL);

	ASSERT_STREQ(got, "", "no rows, no lines");
	free(got);
}

static void test_table_human(void)
{
	struct lt_table_opts o = { .top_n = 10, .frames = 3 };
	char *got = capture(table, &fx_report, &o);

	test_golden(got, GOLDEN_DIR "table_human.txt");
	free(got);
}

static void test_table_exact_top2(void)
{
	struct lt_table_opts o = { .top_n = 2, .frames = 8, .exact = true };
	char *got = capture(table, &fx_report, &o);

	test_golden(got, GOLDEN_DIR "table_exact_top2.txt");
	ASSERT_CONTAINS(got, "31457280", "exact bytes");
	ASSERT_CONTAINS(got, "3 allocations not tracked (allocation map full: raise --max-tracked), which asked for 3072 (how much is still held is not known)",
			"drop counters in the footer");
	free(got);
}

static void test_table_final_summary(void)
{
	struct lt_report r = fx_report;
	struct lt_table_opts o = { .top_n = 10, .frames = 2 };
	char *got;

	r.final = true;
	got = capture(table, &r, &o);
	test_golden(got, GOLDEN_DIR "table_final.txt");
	ASSERT_CONTAINS(got, "SUMMARY\n(from incomplete data: 3 allocations were not tracked "
			      "(--max-tracked); 2 had no stack; see the drops line)\n"
			      "pid 4242 (service): RSS grows +30.9 MiB/h and the tracked",
			"verdict in words, after what makes them incomplete");
	ASSERT_CONTAINS(got, "heap +29.8 MiB/h at write_jsonl+0x26 [service] <- handle_event <- main",
			"the leak in words");
	ASSERT_CONTAINS(got, "64.0 KiB per handle_event call", "bytes per call");
	ASSERT_CONTAINS(got, "tcp +1188/h at graphql_connect \"pool\"+0x44 [service] via socket: 987 open,",
			"the socket leak, named by its own frame");
	ASSERT_CONTAINS(got, "1 stack rises and falls back (sawtooth)", "sawtooth named");
	ASSERT_TRUE(!strstr(got, "no leak found"), "leaks found");
	free(got);
}

/*
 * RSS grows while the tracked heap is flat: with a full allocation map, the allocations leaktop
 * could not track are the first suspect, and the verdict says so; without, it is retention or
 * fragmentation.
 */
static void test_table_untracked_growth(void)
{
	struct lt_proc p = fx_procs[0];
	struct lt_report r = fx_report;
	struct lt_table_opts o = { .top_n = 10, .frames = 2 };
	char *got;

	p.view = (struct lt_proc_view){ .verdict = LT_PROC_UNTRACKED_GROWTH, .rss_rate = 9000,
					.tracked_rate = 0 };
	r.procs = &p;
	r.final = true;
	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "pid 4242 (service): RSS grows +30.9 MiB/h while the tracked heap is "
			     "flat (0 B/h), from incomplete data: the 3 allocations leaktop could "
			     "not track (a full map) may hold it, or allocator retention, "
			     "fragmentation, memory not from malloc/mmap.\n",
			"a full map named first in the verdict");
	free(got);
	memset(r.stats, 0, sizeof(r.stats));
	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "pid 4242 (service): RSS grows +30.9 MiB/h while the tracked heap is "
			     "flat (0 B/h): allocator retention or fragmentation, or memory not "
			     "from malloc/mmap.\n",
			"nothing dropped: retention or fragmentation");
	ASSERT_TRUE(!strstr(got, "incomplete"), "and nothing incomplete");
	free(got);
}

/* --full-names: C++ names as demangled; without it, shortened; the files keep them whole. */
static void test_table_full_names(void)
{
	struct lt_report r = fx_report;
	struct lt_table_opts o = { .top_n = 10, .frames = 2 };
	char *got;

	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "  cache::Store<" LT_CXX_ELLIPSIS ">::put+0x12 [service] via operator new\n",
			"short by default: own frame, via the allocator");
	free(got);
	o.full_names = true;
	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "  cache::Store<int; long>::put(int)+0x12 [service] via operator new("
			     "unsigned long)\n", "--full-names: as demangled");
	free(got);
}

static void test_json(void)
{
	char *got = capture(json, &fx_report, NULL);

	test_golden(got, GOLDEN_DIR "report.json");
	ASSERT_TRUE(got && got[strlen(got) - 1] == '\n' && !strchr(got, '\n')[1],
		    "one line per report");
	ASSERT_CONTAINS(got, "\"function\":\"graphql_connect \\\"pool\\\"\"",
			"quotes in names escaped");
	ASSERT_CONTAINS(got, "\"kind\":\"tcp\"", "socket kind");
	ASSERT_CONTAINS(got, "\"age_s\":null", "unknown age is null");
	ASSERT_CONTAINS(got, "\"verdict\":\"tracked_explains\"", "process verdict");
	free(got);
}

/*
 * A host scope (--all) grouped by container: three processes, two in one container. The groups
 * and sums are made by report.c; here they are written by hand, as the writers take them.
 */
static struct lt_proc host_procs[] = {
	{ .pid = 4242, .comm = "service", .container = "docker:0123456789ab",
	  .label = "pid 4242 (service) in docker:0123456789ab", .rss = 48 << 20, .anon = 40 << 20,
	  .heap = 31525328, .sockets = 987,
	  .view = { .verdict = LT_PROC_TRACKED_EXPLAINS, .rss_rate = 9000, .tracked_rate = 8800 },
	  .costed = true, .hits_per_s = 41230, .added_ratio = 0.0412, .floor_ratio = 0.021,
	  .added_s = 0.62, .hits = 618450, .sample_bytes = 65536 },
	/* Its probes alone exceed the 5% budget: sampled as sparsely as can be. */
	{ .pid = 4300, .comm = "worker", .container = "docker:0123456789ab",
	  .label = "pid 4300 (worker) in docker:0123456789ab", .rss = 20 << 20, .heap = 1 << 20,
	  .view = { .verdict = LT_PROC_RSS_STEADY },
	  .costed = true, .hits_per_s = 108000, .added_ratio = 0.0622, .floor_ratio = 0.061,
	  .added_s = 0.93, .hits = 1620000, .sample_bytes = 1 << 30, .at_floor = true },
	{ .pid = 5000, .comm = "cron", .label = "pid 5000 (cron)", .rss = 4 << 20, .heap = 4096,
	  .go = true, .view = { .verdict = LT_PROC_UNTRACKED_GROWTH, .rss_rate = 30000 },
	  .costed = true },
};

static struct lt_container_sum host_containers[] = {
	{ .name = "docker:0123456789ab", .nprocs = 2, .rss = 68 << 20, .heap = 32573904,
	  .sockets = 987,
	  .view = { .verdict = LT_PROC_TRACKED_EXPLAINS, .rss_rate = 9100, .tracked_rate = 8800 } },
};

static struct lt_row host_groups[] = {
	{ .kind = LT_ROW_HEAP, .group = "docker:0123456789ab", .members = 5, .bytes = 32573904,
	  .count = 503, .delta = 1048576, .allocs = 36, .rate = 8800, .trend = LT_TREND_GROWING,
	  .age_s = 723, .per_call = -1 },
	{ .kind = LT_ROW_HEAP, .group = "host", .members = 1, .bytes = 4096, .count = 1,
	  .trend = LT_TREND_STEADY, .age_s = 60, .per_call = -1 },
	{ .kind = LT_ROW_SOCK + LT_SOCK_TCP, .group = "docker:0123456789ab", .members = 1,
	  .count = 987, .delta = 12, .allocs = 12, .rate = 0.33, .trend = LT_TREND_GROWING,
	  .age_s = 7300, .per_call = -1 },
};

static struct lt_report host_report(void)
{
	struct lt_report r = fx_report;

	r.procs = host_procs;
	r.nprocs = sizeof(host_procs) / sizeof(host_procs[0]);
	r.containers = host_containers;
	r.ncontainers = 1;
	r.groups = host_groups;
	r.ngroups = sizeof(host_groups) / sizeof(host_groups[0]);
	r.group_by = LT_GROUP_CONTAINER;
	r.scope = LT_SCOPE_KIND_ALL;
	r.scope_name = "every user process";
	r.self.procs_seen = 212;
	r.self.objects = 3;
	r.self.purged_procs = 4;
	r.self.purged_allocs = 1234;
	r.self.budget = 0.05;
	r.final = true;
	return r;
}

static void test_table_host(void)
{
	struct lt_report r = host_report();
	struct lt_table_opts o = { .top_n = 10, .frames = 2 };
	char *got = capture(table, &r, &o);

	test_golden(got, GOLDEN_DIR "table_host.txt");
	ASSERT_CONTAINS(got, "HEAP: CONTAINERS BY GROWTH RATE\n", "grouped by container");
	ASSERT_CONTAINS(got, "HOST: CONTAINERS BY GROWTH\n", "the containers summed");
	/* The worst offender first: cron's RSS grows fastest (30 kB/s), untracked. */
	ASSERT_CONTAINS(got, "HOST: PROCESSES BY GROWTH\n", "the processes");
	ASSERT_TRUE(strstr(got, "pid 5000 (cron) (Go: heap not traced)") &&
			    strstr(got, "pid 5000 (cron) (Go: heap not traced)") <
				    strstr(got, "pid 4242 (service) in docker:0123456789ab\n"),
		    "sorted by growth");
	ASSERT_CONTAINS(got, "purged 4 exited processes (1234 live blocks, 0 stacks)", "purges in the footer");
	ASSERT_CONTAINS(got, "SUMMARY of every user process: 3 processes with something traced\n",
			"the summary names the scope");
	ASSERT_CONTAINS(got, "no leak found in the other 1 process.\n",
			"quiet processes counted, not listed");
	/* What leaktop costs each process, the sampling in force, and the one over its budget. */
	ASSERT_CONTAINS(got, "budget: leaktop keeps what it adds to each process under 5% of a core",
			"the budget in the header");
	ASSERT_CONTAINS(got, "ADDED CPU  SAMPLING  PROCESS\n", "cost columns");
	ASSERT_CONTAINS(got, "     4.1%  64.0 KiB  pid 4242 (service) in docker", "a sampled process");
	ASSERT_CONTAINS(got, "pid 4300 (worker) in docker:0123456789ab: its probes alone cost 6.1% "
			"of a core, over the 5% budget: sampling cannot bring that down (every "
			"allocator call traps); a budget of 8% would hold it, or trace fewer "
			"processes\n", "the process at its floor, named, with what would hold it");
	free(got);
}

static void test_folded_by_container(void)
{
	struct lt_report r = host_report();
	char *got;

	r.procs = (struct lt_proc[]){ { .pid = 4242, .comm = "service",
					  .container = "docker:0123456789ab" } };
	r.nprocs = 1;
	got = capture(folded, &r, NULL);
	ASSERT_CONTAINS(got, "docker:0123456789ab;service;__libc_start_call_main;main;handle_event;"
			     "write_jsonl 31522816\n",
			"the container is the outermost frame");
	free(got);
}

static void test_table_redraw(void)
{
	struct lt_table_opts o = { .top_n = 1, .frames = 1, .redraw = true };
	char *got = capture(table, &fx_report, &o);

	ASSERT_TRUE(got && !strncmp(got, "\033[H\033[2J", 7), "a terminal table clears first");
	free(got);
}

/* A node process: its memory in parts, with rates, and the verdict, in the table and JSON. */
static struct lt_proc node_proc(enum lt_node_verdict verdict)
{
	struct lt_proc p = {
		.pid = 77, .comm = "node", .label = "pid 77 (node)", .rss = 200 << 20,
		.anon = 150 << 20, .heap = (24 << 20) + 51200, .mmap = 1 << 20, .sockets = 25,
		.view = { .verdict = LT_PROC_TRACKED_EXPLAINS, .rss_rate = 1 << 20,
			  .tracked_rate = 1 << 20 },
		.node = true,
		.node_part = { [LT_NODE_JS_HEAP] = 1 << 20, [LT_NODE_EXTERNAL] = 24 << 20,
			       [LT_NODE_NATIVE] = 51200, [LT_NODE_SOCKETS] = 25 },
		.node_view = { .verdict = verdict,
			       .rate = { [LT_NODE_EXTERNAL] = 3 << 20, [LT_NODE_JS_HEAP] = 1024,
					 [LT_NODE_SOCKETS] = 0.5 },
			       .trend = { [LT_NODE_EXTERNAL] = LT_TREND_GROWING,
					  [LT_NODE_SOCKETS] = LT_TREND_GROWING } },
	};

	return p;
}

static void test_node_table(void)
{
	struct lt_proc procs[2] = { node_proc(LT_NODE_EXTERNAL_GROWS),
				    { .pid = 78, .comm = "cat", .label = "pid 78 (cat)" } };
	struct lt_report r = { .procs = procs, .nprocs = 2, .final = true };
	struct lt_table_opts o = { .top_n = 5, .frames = 4 };
	char *got = capture(table, &r, &o);

	ASSERT_CONTAINS(got, "pid 77 (node): JS heap 1.00 MiB (+3.52 MiB/h), external 24.0 MiB "
			     "(+10.5 GiB/h), native malloc 50.0 KiB (0 B/h), 25 sockets (+1800/h); "
			     "external memory grows while the JS heap is flat: buffers kept from "
			     "JavaScript; open sockets grow: connections never closed\n",
			"the parts side by side, each with its rate, and the verdict");
	ASSERT_CONTAINS(got, "pid 77 (node): RSS grows +3.52 GiB/h and the tracked heap and mappings "
			     "grow +3.52 GiB/h: they explain the growth.\n"
			     "  node: external memory grows +10.5 GiB/h while the JS heap is flat: "
			     "buffers kept from JavaScript; open sockets grow +1800/h: connections "
			     "never closed.\n",
			"the summary says the node verdict, with rates");
	ASSERT_TRUE(got && !strstr(got, "pid 78 (cat): JS heap"), "no node line for another process");
	free(got);

	/* Each verdict in words. */
	static const struct {
		enum lt_node_verdict v;
		const char *words;
	} words[] = {
		{ LT_NODE_JS_HEAP_GROWS, "the JS heap grows +3.52 MiB/h: objects kept in JavaScript "
					 "(use a heap snapshot)" },
		{ LT_NODE_BOTH_GROW, "the JS heap grows +3.52 MiB/h and external memory "
				     "+10.5 GiB/h: objects kept in JavaScript, and the buffers they "
				     "hold (use a heap snapshot)" },
		{ LT_NODE_NATIVE_GROWS, "native memory grows 0 B/h while the JS heap and external "
					"memory are flat: kept by native code (node's own, or an "
					"addon), not by JavaScript objects" },
		{ LT_NODE_STEADY, "the JS heap, external memory and native memory are flat" },
		{ LT_NODE_TOO_EARLY, "too early for a verdict on the JS heap and external memory" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char want[400];

		procs[0] = node_proc(words[i].v);
		procs[0].node_view.trend[LT_NODE_SOCKETS] = LT_TREND_STEADY;
		got = capture(table, &r, &o);
		snprintf(want, sizeof(want), "  node: %s.\n", words[i].words);
		ASSERT_CONTAINS(got, want, "the verdict in words");
		free(got);
	}

	/* --no-sockets, and --no-heap (then no parts at all). */
	procs[0] = node_proc(LT_NODE_STEADY);
	r.no_sockets = true;
	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "native malloc 50.0 KiB (0 B/h), sockets not traced; the JS heap,",
			"sockets not traced");
	free(got);
	r.no_sockets = false;
	r.no_heap = true;
	got = capture(table, &r, &o);
	ASSERT_TRUE(got && !strstr(got, "JS heap"), "no parts without the heap");
	free(got);
}

/* With a scope, the node processes have their own lines, those that grow first. */
static void test_node_table_scope(void)
{
	struct lt_proc procs[3] = { node_proc(LT_NODE_STEADY), node_proc(LT_NODE_JS_HEAP_GROWS),
				    node_proc(LT_NODE_STEADY) };
	struct lt_report r = { .procs = procs, .nprocs = 3, .final = true,
			       .scope = LT_SCOPE_KIND_ALL, .scope_name = "every user process" };
	struct lt_table_opts o = { .top_n = 1, .frames = 4 };
	char *got;

	for (int i = 0; i < 3; i++) {
		procs[i].pid = 80 + i;
		procs[i].node_view.trend[LT_NODE_SOCKETS] = LT_TREND_STEADY;
		snprintf(procs[i].label, sizeof(procs[i].label), "pid %d (node)", 80 + i);
	}
	got = capture(table, &r, &o);
	ASSERT_CONTAINS(got, "\nNODE: MEMORY IN PARTS\npid 81 (node): JS heap 1.00 MiB", "the growing one first");
	ASSERT_CONTAINS(got, "    ... 2 more node processes\n", "the others counted (-n 1)");
	ASSERT_CONTAINS(got, "pid 81 (node): RSS grows", "in the summary: its JS heap grows");
	ASSERT_CONTAINS(got, "  node: the JS heap grows +3.52 MiB/h", "with its verdict");
	free(got);
}

static void test_node_json(void)
{
	struct lt_proc procs[2] = { node_proc(LT_NODE_EXTERNAL_GROWS),
				    { .pid = 78, .comm = "cat", .label = "pid 78 (cat)" } };
	struct lt_report r = { .procs = procs, .nprocs = 2, .final = true };
	char *got = capture(json, &r, NULL);

	ASSERT_CONTAINS(got, "\"node\":{\"js_heap\":{\"bytes\":1048576,\"rate_per_s\":1024,"
			     "\"trend\":\"new\"},\"external\":{\"bytes\":25165824,"
			     "\"rate_per_s\":3145728,\"trend\":\"growing\"},\"native\":{\"bytes\":"
			     "51200,\"rate_per_s\":0,\"trend\":\"new\"},\"sockets\":{\"count\":25,"
			     "\"rate_per_s\":0.5,\"trend\":\"growing\"},\"verdict\":"
			     "\"external_grows\"}",
			"the node object");
	ASSERT_CONTAINS(got, "\"container\":null,\"node\":null,", "null for another process");
	free(got);
}

TEST_MAIN(TEST(test_folded), TEST(test_folded_growth), TEST(test_folded_comments),
	  TEST(test_folded_empty), TEST(test_folded_by_container), TEST(test_table_human),
	  TEST(test_table_exact_top2), TEST(test_table_final_summary),
	  TEST(test_table_untracked_growth), TEST(test_table_host),
	  TEST(test_table_full_names),
	  TEST(test_json), TEST(test_table_redraw), TEST(test_prometheus),
	  TEST(test_prometheus_hostile_names), TEST(test_summary_too_early), TEST(test_node_table),
	  TEST(test_node_table_scope), TEST(test_node_json))
