/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report model: one interval's view of every traced process and of every stack holding
 * heap, mappings or sockets, with growth rates, trends and symbolized frames. The writers
 * (out_*.c) only read this model; nothing here prints.
 */
#ifndef LEAKTOP_REPORT_H
#define LEAKTOP_REPORT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "analysis.h"
#include "cost.h"
#include "frame.h"
#include "leaktop.h"

struct lt_history;

/* What a row counts. Sockets come in LT_SOCK__KINDS kinds, in enum lt_sock_kind order. */
enum lt_row_kind {
	LT_ROW_HEAP,
	LT_ROW_MMAP_ANON,
	LT_ROW_MMAP_FILE,
	LT_ROW_SOCK, /* + enum lt_sock_kind */
	LT_ROW__KINDS = LT_ROW_SOCK + LT_SOCK__KINDS,
};

/*
 * Which part of a node process's memory a row's bytes are, from the native frames of its stack
 * (the sampling step's frames__js_mem(); jsmem.h has the rules).
 */
enum lt_js_mem {
	LT_JS_MEM_NONE,		/* another process's; native malloc; another mapping */
	LT_JS_MEM_HEAP,		/* a mapping V8's page allocator made for its JavaScript heap */
	LT_JS_MEM_EXTERNAL,	/* memory holding an ArrayBuffer's (a Buffer's) contents */
};

/* What a frame's code is, for colouring flame graphs. */
enum lt_frame_class {
	LT_FRAME_UNKNOWN,	/* in no known object */
	LT_FRAME_APP,		/* the process's executable */
	LT_FRAME_LIB,		/* a shared library */
	LT_FRAME_ALLOC,		/* an allocation function: malloc's family, operator new, strdup */
	LT_FRAME_PYTHON,	/* a Python function: `func` is its qualified name, in `file` */
	LT_FRAME_JS,		/* a JavaScript function: `func` is its name, in script `file` */
};

/* What the table's rows are: stacks, or their sums per process or per container. */
enum lt_group_by {
	LT_GROUP_STACK,
	LT_GROUP_PROCESS,
	LT_GROUP_CONTAINER,
};

struct lt_frame {
	uint64_t ip;		/* a return address; an interpreter frame's code slot (leaktop.h) */
	const char *func;	/* NULL when unknown */
	uint64_t offset;	/* from func, or from the module's base when func is NULL */
	const char *module;	/* object basename, NULL when unknown */
	const struct lt_module *mod; /* the object (frame.h), NULL when unknown */
	enum lt_frame_class cls;
	/* Source frames (LT_FRAME_PYTHON, LT_FRAME_JS) only: */
	uint64_t pos;		/* the position slot (leaktop.h) */
	const char *file;	/* the source file */
	uint32_t line;		/* the line in it; 0 when unknown */
	bool runtime;		/* not the program's own code: frames__is_runtime() */
};

/* A frame of interpreted or JIT-compiled source (Python, JavaScript): named by file and line. */
static inline bool report__frame_is_source(const struct lt_frame *f)
{
	return f->cls == LT_FRAME_PYTHON || f->cls == LT_FRAME_JS;
}

struct lt_row {
	enum lt_row_kind kind;
	enum lt_js_mem js_mem;	/* a node process's heap and mapping rows: which part */
	pid_t pid;
	const char *comm;
	uint64_t stack_id;
	int64_t bytes;		/* outstanding bytes (heap, mmap); 0 for sockets */
	int64_t count;		/* outstanding blocks, regions or sockets */
	int64_t delta;		/* change of the row's value (bytes, or sockets) since the last report */
	int64_t growth;		/* change of the row's value since the baseline (lt_report) */
	uint64_t allocs, frees; /* in the interval: allocations, maps or opens; and their reverse */
	uint64_t total_allocs, total_frees, total_alloc_bytes; /* since attach */
	double rate;		/* growth of the value over the window, per second */
	enum lt_trend trend;
	double age_s;		/* age of the oldest outstanding block, region or socket; < 0 unknown */
	double per_call;	/* held per --per-call call, both since attach; < 0 none */
	size_t nframes;
	struct lt_frame *frames; /* innermost first: frames[0] called the allocator */
	const char *group;	/* a group row's name (--group-by); NULL for a stack */
	const __u64 *ips;	/* the raw stack, innermost first (report input; NULL: unknown) */
	uint32_t nips;
	size_t members;		/* a group row's stacks */
};

#define LT_NAME_MAX 160

struct lt_proc {
	pid_t pid;
	char comm[17];
	bool exited;
	double exit_s;		/* exited: when, in seconds after attach; < 0 when not known */
	bool at_exit;		/* exited and kept (departed.h): its rows and sums are what it
				   held at exit, not counted again */
	size_t stacks_not_kept;	/* at_exit: its smaller stacks, over LT_EXITED_MAX_ROWS */
	bool go;		/* a Go program: its heap is not malloc's, and not traced */
	bool started_unprobed;	/* it ran before one of its allocators was probed: its first
				   allocations there may be missing */
	char container[LT_NAME_MAX]; /* its container's name; "" on the host */
	char label[LT_NAME_MAX + 48]; /* "pid 4242 (service)", and " in <container>" */
	uint64_t rss, anon;	/* bytes; 0 once exited */
	int64_t heap, mmap, sockets; /* tracked: heap bytes, mapped bytes, open sockets */
	struct lt_proc_view view; /* RSS against the tracked memory */
	uint64_t calls;		/* --per-call calls so far */
	/*
	 * A node process (it runs V8, or has rows of its parts): its memory in parts, each
	 * tracked since attach (heap bytes, mapped bytes; sockets), and what grows.
	 */
	bool node;
	int64_t node_part[LT_NODE__PARTS];
	struct lt_node_view node_view;
	/* What leaktop costs it (cost.h). Read by the sampling step: */
	bool costed;		/* its probes' counts were read */
	struct lt_cost cost;	/* its probes' counts since attach */
	struct lt_cost cost_prev; /* ... at the previous report */
	uint64_t sample_bytes;	/* the mean bytes between samples in force (0: every call) */
	bool at_floor;		/* with a budget: its entries and frees alone exceed it */
	/* Computed by report__build(), over the interval (the final report: since attach): */
	double hits_per_s;	/* probe hits a second */
	double added_ratio;	/* the CPU leaktop adds to it, estimated, as a share of one core */
	double floor_ratio;	/* of which what no sampling interval removes (entries and frees) */
	double added_s;		/* the CPU seconds it added since attach, estimated */
	uint64_t hits;		/* probe hits since attach (of which cost.stepped single-stepped) */
};

/* A container's processes summed, for the host summary (--all, --cgroup, --container). */
struct lt_container_sum {
	char name[LT_NAME_MAX];
	size_t nprocs;
	uint64_t rss;
	int64_t heap, mmap, sockets;
	struct lt_proc_view view; /* from the sums of its processes' samples */
};

/* Which processes a session traces. */
enum lt_scope_kind {
	LT_SCOPE_KIND_PIDS,	/* -p */
	LT_SCOPE_KIND_ALL,	/* --all */
	LT_SCOPE_KIND_CGROUP,	/* --cgroup or --container */
	LT_SCOPE_KIND_LAUNCH,	/* -- COMMAND: the command and the processes it starts */
};

/* leaktop's own cost, for the footer. */
struct lt_self {
	double cpu_pct;		/* of one core, since the previous report */
	uint64_t rss;		/* bytes */
	uint64_t bpf_bytes;	/* memory charged for its BPF maps */
	uint64_t purged_procs;	/* processes gone, whose entries were deleted */
	uint64_t purged_allocs;	/* live blocks deleted with them */
	uint64_t purged_stacks;	/* stacks deleted once no process held anything under them */
	uint64_t started_unprobed; /* processes that ran before their allocator was probed */
	double cpu_secs;	/* CPU time since attach */
	size_t procs_seen;	/* processes in scope */
	size_t objects;		/* distinct allocator files attached */
	struct lt_trap_cost trap; /* what a trap costs here, measured at attach */
	double budget;		/* --max-overhead as a share of one core; 0: none */
};

struct lt_report {
	double elapsed_s;	/* since attach */
	uint64_t start_ns;	/* attach, in CLOCK_REALTIME nanoseconds */
	/*
	 * Rows' `growth` counts from the first interval report, `baseline_s` after attach (what
	 * stacks held then, in flight or cached, is not growth). 0: from attach, when this final
	 * report is the first.
	 */
	double baseline_s;
	double interval_s;	/* since the previous report */
	double window_s;	/* span of the rates' window */
	bool final;
	bool sort_outstanding;	/* sections by outstanding value, not by growth */
	bool no_heap;		/* --no-heap: neither heap nor mappings traced */
	bool no_sockets;	/* --no-sockets */
	uint64_t sample_bytes;	/* non-zero: heap figures are estimates from sampling */
	const char *per_call;	/* the --per-call function's name, or NULL */
	struct lt_proc *procs;
	size_t nprocs;
	struct lt_row *rows;	/* every row with something held or some activity (since attach,
				   in the final report) */
	size_t nrows;
	uint64_t stats[LT_STAT__COUNT];
	int64_t total_bytes, total_count; /* heap outstanding, over every stack */
	size_t unwind_rows, unwind_bytes;  /* CFI unwind tables in the kernel; 0 without */
	uint64_t js_named, js_unnamed;	   /* JavaScript functions named; frames left native */
	uint64_t regions_dropped;	   /* mappings not kept: too many regions */
	uint64_t exited_dropped;	   /* exited processes not kept for the final report */
	uint64_t exited_rows_dropped;	   /* ... and stacks of theirs not kept */
	enum lt_scope_kind scope;
	const char *scope_name;		   /* the --cgroup path or --container name, or NULL */
	const char *host;		   /* the host's name for labels (pprof), or NULL */
	enum lt_group_by group_by;
	struct lt_row *groups;		   /* group_by != STACK: the rows summed per group */
	size_t ngroups;
	struct lt_container_sum *containers; /* the containers of the traced processes */
	size_t ncontainers;
	struct lt_self self;
};

/*
 * Names a raw stack of process `pid` (ips, innermost first, as the kernel stored it): fills
 * *frames (to free) and *n with its frames, native and interpreted, innermost first. Strings
 * must outlive the report. 0 or -ENOMEM.
 */
typedef int (*lt_stack_namer_fn)(void *ctx, pid_t pid, const __u64 *ips, uint32_t nips,
				 struct lt_frame **frames, size_t *n);

/*
 * Everything a report is built from, as plain values: the sampling step (sample.h) reads the
 * kernel maps, the regions and /proc into it.
 */
struct lt_report_input {
	const struct lt_row *rows;	/* counters and js_mem only: no rate, trend, growth or
					   frames yet */
	size_t nrows;
	/*
	 * pid, comm, exited, exit_s, go, container, rss, anon, calls, node (runs V8); a process
	 * kept after its exit (at_exit) also its sums, and its rows their rate, trend, growth and
	 * age at exit.
	 */
	const struct lt_proc *procs;
	size_t nprocs;
	struct lt_history *history;	/* read by report__annotate(); report__record() feeds it */
	lt_stack_namer_fn name_stack;	/* NULL: frames keep their addresses only */
	void *namer_ctx;
	uint64_t stats[LT_STAT__COUNT];
	uint64_t regions_dropped;
	uint64_t exited_dropped, exited_rows_dropped; /* see lt_report */
	enum lt_scope_kind scope;
	const char *scope_name;		/* NULL with -p */
	const char *host;		/* the host's name, for labels; NULL: none */
	enum lt_group_by group_by;
	double now;			/* CLOCK_MONOTONIC seconds, the clock of bpf_ktime_get_ns */
	double start;			/* attach, on the same clock */
	double interval_s;		/* since the previous report */
	uint64_t start_ns;		/* attach, CLOCK_REALTIME nanoseconds */
	size_t top_n;			/* rows per section to name, unless all_frames */
	bool all_frames;
	bool sort_outstanding;
	bool final;			/* the last report: keeps every row active since attach */
	bool no_heap, no_sockets;
	const char *per_call;
	uint64_t sample_bytes;
	size_t unwind_rows, unwind_bytes;
	uint64_t js_named, js_unnamed;	/* distinct JavaScript functions named, and not */
	struct lt_self self;
};

/*
 * A report in three steps, none of which reads anything but `in` and its history:
 *   report__build()    the model of one sample: rows, processes (sorted by pid, with their
 *                      sums), groups, containers, and the sample's header fields;
 *   report__record()   feeds `in->history` this sample of every row, group, process and
 *                      container (the first interval report is also the growth baseline; a
 *                      final report that comes first is not: growth then counts from attach);
 *   report__annotate() rates, trends, growth and verdicts from the history, drops the rows
 *                      with nothing to show, and names the frames of those the writers show.
 * Each returns 0 or -errno (report__record cannot fail); report__free() in every case.
 */
int report__build(struct lt_report *r, const struct lt_report_input *in);
void report__record(const struct lt_report *r, const struct lt_report_input *in);
int report__annotate(struct lt_report *r, const struct lt_report_input *in);

/*
 * Rows of a process about to be forgotten after its exit (departed.h): their rate, trend and
 * growth from the history as it stands, the process's last samples.
 */
void report__annotate_exited(struct lt_row *rows, size_t n, struct lt_history *h);

/* Whether a row has anything to show: something held, or activity (since attach, when final). */
bool report__row_kept(const struct lt_row *row, bool final);
void report__free(struct lt_report *r);

/* Which section a row belongs to. */
bool report__is_socket(enum lt_row_kind k);
bool report__is_mmap(enum lt_row_kind k);
/* The same of rows, as report__select() filters: the table's sections. */
bool report__row_is_heap(const struct lt_row *r);
bool report__row_is_mmap(const struct lt_row *r);
bool report__row_is_socket(const struct lt_row *r);
/* "heap", "anon", "file", "tcp", "udp", "unix", "other" */
const char *report__kind_name(enum lt_row_kind k);

/* Row orders, descending with stable ties: by outstanding value, by growth rate, by delta. */
int report__cmp_value(const void *a, const void *b);
int report__cmp_rate(const void *a, const void *b);
int report__cmp_delta(const void *a, const void *b);

/*
 * Pointers to the rows that `keep` accepts (all when NULL), in `cmp` order; *n gets how many.
 * free() the array. NULL on ENOMEM.
 */
const struct lt_row **report__select(const struct lt_report *r,
				     bool (*keep)(const struct lt_row *),
				     int (*cmp)(const void *, const void *), size_t *n);
/* The same over any rows (the report's groups). */
const struct lt_row **report__select_rows(const struct lt_row *rows, size_t nrows,
					  bool (*keep)(const struct lt_row *),
					  int (*cmp)(const void *, const void *), size_t *n);

/* The process a row belongs to, or NULL. */
const struct lt_proc *report__proc(const struct lt_report *r, pid_t pid);

/* A process's or container's growth for sorting the host summary: RSS's or the tracked one's. */
double report__proc_growth(const struct lt_proc_view *v);

/*
 * Write a frame as "func+0x1f [module]" (the table) or "func" (folded, where offsets would
 * split one function into many). Returns the number of characters written, as snprintf.
 */
int report__frame_str(char *buf, size_t len, const struct lt_frame *f, bool with_offset);
/*
 * The same for the table, the summary and the TTY view: a native frame's C++ name shortened
 * (cxxname__shorten) unless `full_names` (--full-names).
 */
int report__frame_name(char *buf, size_t len, const struct lt_frame *f, bool with_offset,
		       bool full_names);

/* The row's own frame: frames__own_frame() of its frames. NULL without frames. */
const struct lt_frame *report__own_frame(const struct lt_row *row);
/* The frame a row is known by: its own frame (the same function, kept under its old name). */
const struct lt_frame *report__lead_frame(const struct lt_row *row);
/*
 * What a row is named by in the table and the summary: its own frame, and the runtime frame
 * it went through: "Logger::write_jsonl+0x4e [service] via std::operator<< <…>". Returns the
 * number of characters written, as snprintf.
 */
int report__own_label(char *buf, size_t len, const struct lt_row *row, bool full_names);

/* The class of a frame from its function name and object. */
enum lt_frame_class report__frame_class(const char *func, const struct lt_module *mod);

#endif /* LEAKTOP_REPORT_H */
