// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop's probes on the allocator. Each allocation and free does a fixed number of map
 * operations and updates per-stack totals here, in the kernel; user space only reads the
 * totals, so no per-allocation event ever leaves the kernel.
 *
 * One generic program serves every allocating function: each probe's BPF cookie is its
 * enum lt_fn, which says where the arguments are. It is attached one of three ways, chosen by
 * user space from what the kernel offers:
 *   - alloc_session: a uprobe session (kernel 6.13+). Its entry half returns 1 for a call it
 *     does not track (nested, or not sampled), so that call pays no return probe at all.
 *   - alloc_enter + alloc_exit: a uprobe and a uretprobe (uprobe_multi links or perf events).
 * free_enter is an entry probe only.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "leaktop.h"

char LICENSE[] SEC("license") = "GPL";

#ifndef EEXIST
#define EEXIST 17
#endif

/* glibc serves requests from 128 KiB up by mmap; jemalloc and tcmalloc from about 64 KiB. */
#define LT_MMAP_CANDIDATE (64 * 1024)

/* Configuration, written by user space before load. */
const volatile __u64 cfg_sample_bytes = 0; /* mean bytes between samples; 0 tracks everything */
const volatile bool cfg_empty = false;	   /* benchmarks: the probes' cost alone */
const volatile bool cfg_empty_entry = false; /* ... and no return half: one trap per call */
const volatile bool cfg_no_stacks = false; /* benchmarks: everything but the stack walk */
const volatile bool cfg_unwind_cfi = false; /* walk by CFI where a process has tables */
/* Exponential intervals, Q16 with mean 1, for sampling (see sampler.c). */
const volatile __u32 cfg_exp_q16[LT_EXP_TABLE_SIZE] = {};

extern bool bpf_session_is_return(void) __ksym __weak;

/*
 * Live allocations of every traced process. Not preallocated: an entry's memory is taken when
 * a block is tracked and given back at its free, so the default can hold millions of blocks
 * while a process with few costs little more than the hash buckets.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LT_DEFAULT_MAX_ALLOCS); /* resized by user space before load */
	__type(key, struct lt_alloc_key);
	__type(value, struct lt_alloc);
} allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LT_DEFAULT_MAX_STACKS); /* resized with `stacks` */
	__type(key, struct lt_totals_key);
	__type(value, struct lt_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* How an allocating call hands its result back; selects the work done at return. */
enum lt_call_kind {
	LT_CALL_RET_PTR,    /* the return value is the block (malloc, calloc, memalign...) */
	LT_CALL_REALLOC,    /* the return value is the block, and the old block is released */
	LT_CALL_RET_MEMPTR, /* the block is stored through an out-pointer (posix_memalign) */
};

/*
 * A walk's copy of the stack, and how often it slid. The count lives here, in map memory:
 * on the BPF stack the verifier would track it as a constant that differs each time, and the
 * walk loop's states would never merge.
 */
struct lt_stack_win {
	__u64 slides;
	__u8 b[LT_STACK_WINDOW];
};

/*
 * Per-thread state: the allocator call in flight between its entry and its return, the
 * sampling countdown, and the scratch memory the stack walk writes into. Task storage is
 * freed with the thread, and no other thread can touch it.
 */
struct lt_thread {
	__u64 pending_sp;     /* user sp at the call's entry; 0 when no call is pending */
	__u64 pending_size;
	__u64 pending_weight; /* bytes the new block stands for */
	__u64 pending_arg;    /* realloc: the old block; posix_memalign: the out-pointer */
	__u32 pending_kind;   /* enum lt_call_kind */
	__u32 pending_record; /* 0: a realloc not sampled, which only releases its old block */
	__s64 sample_countdown; /* bytes until the next sample point */
	__u64 sample_n;		/* ... drawn for this mean interval; 0: not drawn yet */
	__u64 sample_cached;	/* the process's interval with a budget (cost.bpf.h) ... */
	__u32 sample_gen;	/* ... as of this sampling_gen */
	__u32 sys_in_alloc;	/* the syscall in flight was made by a traced allocator call */
	__u64 sys_arg[3];	/* the syscall in flight's arguments, for its exit */
	__u32 sys_rec;		/* what its exit records once walked (sys.bpf.h), ... */
	__u32 sys_sock_kind;	/* ... a socket's kind, */
	__u32 sys_fd[2];	/* ... its fds, */
	__u32 sys_flags;	/* ... a mapping's event flags */
	struct lt_stack scratch;
	struct lt_row_cache rows[LT_ROW_CACHE]; /* the CFI walk's last rows (unwind.bpf.h) */
	struct lt_stack_win stack_win;	/* ... and its copy of the stack's innermost bytes */
	__u8 py_frame[LT_PY_WINDOW]; /* the Python walk's reads (python.bpf.h) */
	__u8 py_code[LT_PY_WINDOW];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lt_thread);
} threads SEC(".maps");

static __always_inline void lt_stat_add(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		__sync_fetch_and_add(v, n);
}

/*
 * The same without the atomic add, for the walks' statistics, counted on every walk: the
 * counters are per CPU, so only a program preempted between the load and the store by
 * another on its CPU may lose an add. Drops keep lt_stat_add(): every one is counted.
 */
static __always_inline void lt_stat_add_local(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += n;
}

#include "scope.bpf.h"
#include "cost.bpf.h"
#include "unwind.bpf.h"
#include "python.bpf.h"
#include "stack.bpf.h"

/* Blocks a weight stands for, in 1/LT_COUNT_ONE units: exactly one when it is the size. */
static __always_inline __u64 lt_count_weight(__u64 size, __u64 weight)
{
	if (weight == size || !size)
		return LT_COUNT_ONE;
	return weight * LT_COUNT_ONE / size;
}

/*
 * A counting filter in front of `allocs`, for sampled traces, where most frees are of blocks
 * never recorded and the hash lookup that says so is the dearest part of a free's program.
 * One counter per slot of (process, address): raised before a block is recorded, lowered
 * after its record is deleted, so never below the records in its slot; a free whose slot
 * counts 0 has no record. Records user space purges (a process gone) leave their counts:
 * a lookup more, never a free missed. A full trace does without it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LT_FILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} live_filter SEC(".maps");

static __always_inline bool lt_filter_on(void)
{
	return cfg_sample_bytes || cfg_budget;
}

static __always_inline __u32 *lt_filter_slot(__u32 tgid, __u64 addr)
{
	__u32 k = ((addr >> 4) ^ ((__u64)tgid << 44)) * 0x9e3779b97f4a7c15ULL >> 48;

	return bpf_map_lookup_elem(&live_filter, &k);
}

/* Whether a record may exist for `addr` of `tgid`: false only when none does. */
static __always_inline bool lt_filter_maybe(__u32 tgid, __u64 addr)
{
	__u32 *n;

	if (!lt_filter_on())
		return true;
	n = lt_filter_slot(tgid, addr);
	return !n || *n;
}

static __always_inline void lt_filter_add(__u32 tgid, __u64 addr, int delta)
{
	__u32 *n;

	if (!lt_filter_on())
		return;
	n = lt_filter_slot(tgid, addr);
	if (n)
		__sync_fetch_and_add(n, delta);
}

/* Account the release of `addr`, if it is a live allocation we track. */
static __always_inline void lt_release(__u32 tgid, __u64 addr)
{
	__u32 gen = lt_exec_gen();
	struct lt_alloc_key key = { .tgid = tgid, .gen = gen, .addr = addr };
	struct lt_totals_key tkey = { .tgid = tgid, .gen = gen };
	struct lt_totals *t;
	struct lt_alloc *a;
	__u64 size, weight;

	if (!lt_filter_maybe(tgid, addr))
		return; /* not recorded */
	a = bpf_map_lookup_elem(&allocs, &key);
	if (!a)
		return; /* made before we attached, not sampled, or not tracked */
	size = a->size;
	weight = a->weight;
	tkey.stack_id = a->stack_id;
	/* Only the thread whose delete succeeds accounts it, so a racing double free counts once. */
	if (bpf_map_delete_elem(&allocs, &key))
		return;
	lt_filter_add(tgid, addr, -1);
	t = bpf_map_lookup_elem(&totals, &tkey);
	if (!t)
		return;
	__sync_fetch_and_add(&t->frees, lt_count_weight(size, weight));
	__sync_fetch_and_add(&t->free_bytes, weight);
}

static __always_inline struct lt_totals *lt_totals_get(struct lt_totals_key *key)
{
	static const struct lt_totals zero;
	struct lt_totals *t;

	t = bpf_map_lookup_elem(&totals, key);
	if (t)
		return t;
	bpf_map_update_elem(&totals, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&totals, key);
}

/* Record a new live block of `size` bytes at `addr`, made by the stack the caller is on. */
static __always_inline void lt_record(struct pt_regs *ctx, struct lt_thread *th, __u32 tgid,
				      __u64 addr, __u64 size, __u64 weight)
{
	__u32 gen = lt_exec_gen();
	struct lt_alloc_key key = { .tgid = tgid, .gen = gen, .addr = addr };
	struct lt_totals_key tkey = { .tgid = tgid, .gen = gen };
	struct lt_alloc val = { .size = size, .weight = weight };
	struct lt_totals *t;
	long err;

	if (!cfg_no_stacks) {
		struct lt_uregs regs = {
			.ip = PT_REGS_IP(ctx),
			.sp = PT_REGS_SP(ctx),
			.bp = PT_REGS_FP(ctx),
			.ip_is_return = true,
		};

		tkey.stack_id = lt_stack_capture(ctx, tgid, &regs, th);
	}
	t = lt_totals_get(&tkey);
	if (!t) {
		lt_stat_add(LT_STAT_TOTALS_MAP_FULL, 1);
		return;
	}
	val.stack_id = tkey.stack_id;
	val.ts_ns = bpf_ktime_get_ns();
	/* Counted before it is recorded: a free in another thread must find it counted. */
	lt_filter_add(tgid, addr, 1);
	/* One insert, which finds an existing entry itself: no lookup before it. */
	err = bpf_map_update_elem(&allocs, &key, &val, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* Its free went by unseen: settle the old record first so no bytes count twice. */
		lt_stat_add(LT_STAT_ADDR_REUSED, 1);
		lt_release(tgid, addr);
		err = bpf_map_update_elem(&allocs, &key, &val, BPF_ANY);
	}
	if (err) {
		lt_filter_add(tgid, addr, -1); /* not recorded after all */
		lt_stat_add(LT_STAT_ALLOC_MAP_FULL, 1);
		lt_stat_add(LT_STAT_ALLOC_MAP_FULL_BYTES, weight);
		return;
	}
	__sync_fetch_and_add(&t->allocs, lt_count_weight(size, weight));
	__sync_fetch_and_add(&t->alloc_bytes, weight);
}

/* An allocating call's arguments, read by its function's calling convention. */
struct lt_call {
	__u64 size;
	__u64 arg;
	__u32 kind;
};

static __always_inline bool lt_decode(struct pt_regs *ctx, __u64 fn, struct lt_call *c)
{
	__u64 a1 = PT_REGS_PARM1(ctx), a2 = PT_REGS_PARM2(ctx), a3 = PT_REGS_PARM3(ctx);

	c->arg = 0;
	c->kind = LT_CALL_RET_PTR;
	switch (fn) {
	case LT_FN_MALLOC:
	case LT_FN_VALLOC:
	case LT_FN_PVALLOC: /* the size asked for, not pvalloc's page-rounded one */
		c->size = a1;
		return true;
	case LT_FN_CALLOC: /* an overflowing product makes calloc fail: nothing is recorded */
		c->size = a1 * a2;
		return true;
	case LT_FN_REALLOC:
		c->kind = LT_CALL_REALLOC;
		c->arg = a1;
		c->size = a2;
		return true;
	case LT_FN_REALLOCARRAY:
		c->kind = LT_CALL_REALLOC;
		c->arg = a1;
		c->size = a2 * a3;
		return true;
	case LT_FN_POSIX_MEMALIGN:
		c->kind = LT_CALL_RET_MEMPTR;
		c->arg = a1;
		c->size = a3;
		return true;
	case LT_FN_ALIGNED_ALLOC:
	case LT_FN_MEMALIGN:
		c->size = a2;
		return true;
	default:
		return false;
	}
}

/* One exponential interval with mean n. */
static __always_inline __s64 lt_sample_interval(__u64 n)
{
	__u32 i = bpf_get_prandom_u32() & (LT_EXP_TABLE_SIZE - 1);

	return (n * cfg_exp_q16[i]) >> LT_EXP_TABLE_SHIFT;
}

/*
 * Decide whether to record an allocation of `size` and what it stands for (*weight bytes).
 *
 * Sampling by bytes, as the tcmalloc and jemalloc heap profilers do: sample points fall on the
 * allocated bytes as a renewal process with mean interval N (`n`: --sample-bytes, or the
 * process's own under a budget). A block holding k points is recorded with weight k * N, so
 * the expected weight of any block is its size: the totals are unbiased estimates. Blocks of
 * N bytes or more are always recorded, at their exact size, which keeps the large ones free of
 * sampling noise.
 *
 * When a budget changes N, the thread's countdown is drawn afresh with the new mean: the
 * intervals are exponential, so the points from then on are a process of mean N whatever
 * came before, and each point weighs the N it was drawn with.
 */
static __always_inline bool lt_sample(struct lt_thread *th, __u64 n, __u64 size, __u64 *weight)
{
	__u64 k = 0;

	*weight = size;
	if (!n || size >= n)
		return true;
	if (th->sample_n != n) {
		th->sample_countdown = lt_sample_interval(n);
		th->sample_n = n;
	}
	th->sample_countdown -= size;
	if (th->sample_countdown > 0)
		return false;
	for (int i = 0; i < 8 && th->sample_countdown <= 0; i++) {
		k++;
		th->sample_countdown += lt_sample_interval(n);
	}
	if (th->sample_countdown <= 0) /* eight tiny intervals in a row: start afresh */
		th->sample_countdown = lt_sample_interval(n);
	*weight = k * n;
	lt_stat_add(LT_STAT_SAMPLED, 1);
	return true;
}

static __always_inline bool lt_tracked(__u32 tgid, __u64 addr)
{
	struct lt_alloc_key key = { .tgid = tgid, .gen = lt_exec_gen(), .addr = addr };

	return lt_filter_maybe(tgid, addr) && bpf_map_lookup_elem(&allocs, &key) != NULL;
}

/*
 * Entry half of an allocating call: decide whether to follow it and remember its arguments
 * until it returns. Returns true when the return half must run.
 *
 * Allocators call each other: glibc's realloc calls malloc for mmapped blocks, realloc(p, 0)
 * calls free, musl's posix_memalign calls aligned_alloc. Only the outermost traced call of a
 * thread is recorded, with the arguments its caller passed. A call is nested when its stack
 * pointer is at or below that of the pending call: below for a call, equal for a tail call
 * (glibc's reallocarray jumps to realloc, tcmalloc's pvalloc to memalign with the size
 * rounded up). A tail call returns straight to the outer caller, where the outer call's
 * return probe fires, so the outer call's pending slot is the one to keep.
 */
static __always_inline bool lt_alloc_follow(struct pt_regs *ctx, __u32 tgid,
					    const struct lt_call *c)
{
	__u64 sp = PT_REGS_SP(ctx), weight;
	struct lt_thread *th;
	__u32 record = 1;

	th = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!th) {
		lt_stat_add(LT_STAT_THREAD_STATE_FAILED, 1);
		return false;
	}
	if (th->pending_sp && sp <= th->pending_sp) {
		lt_stat_add(LT_STAT_NESTED_CALLS, 1);
		return false;
	}
	if (!lt_sample(th, lt_sample_bytes(th, tgid), c->size, &weight)) {
		/*
		 * Not sampled. Still follow it to its return when it may mmap (so the mapping is
		 * known as the allocator's own), or when it is a realloc releasing a block we
		 * track.
		 */
		if (c->size < LT_MMAP_CANDIDATE &&
		    (c->kind != LT_CALL_REALLOC || !c->arg || !lt_tracked(tgid, c->arg)))
			return false;
		record = 0;
	}
	th->pending_sp = sp;
	th->pending_size = c->size;
	th->pending_weight = weight;
	th->pending_arg = c->arg;
	th->pending_kind = c->kind;
	th->pending_record = record;
	return true;
}

/* The same, with what it cost the process (cost.bpf.h). */
static __always_inline bool lt_alloc_entry(struct pt_regs *ctx, __u64 cookie)
{
	__u32 tgid = lt_tgid();
	struct lt_call c;
	bool follow;
	__u64 t0;

	if (!lt_uprobe_tgid_in_scope(tgid) || !lt_decode(ctx, cookie & LT_COOKIE_FN_MASK, &c))
		return false;
	t0 = lt_cost_start(tgid);
	follow = lt_alloc_follow(ctx, tgid, &c);
	lt_cost_entry(tgid, t0, cookie & LT_COOKIE_STEPPED, c.size);
	return follow;
}

/* Return half of an allocating call. Returns whether it was the return of a followed call. */
static __always_inline bool lt_alloc_return(struct pt_regs *ctx, struct lt_thread *th, __u32 tgid)
{
	__u64 ret = PT_REGS_RC(ctx), addr = ret, size, arg;

	if (!th->pending_sp)
		return false;
	/* With uretprobes, a nested call's return comes back below the pending call's entry. */
	if (PT_REGS_SP(ctx) <= th->pending_sp)
		return false;
	size = th->pending_size;
	arg = th->pending_arg;
	th->pending_sp = 0;

	switch (th->pending_kind) {
	case LT_CALL_REALLOC:
		/* realloc(p, 0) frees p and returns NULL; a failed realloc leaves p alone. */
		if (arg && (ret || !size))
			lt_release(tgid, arg);
		break;
	case LT_CALL_RET_MEMPTR:
		if ((int)ret != 0)
			return true;
		if (bpf_probe_read_user(&addr, sizeof(addr), (void *)arg))
			return true;
		break;
	default:
		break;
	}
	if (addr && th->pending_record)
		lt_record(ctx, th, tgid, addr, size, th->pending_weight);
	return true;
}

/* The same, with what it cost the process; `tgid` is in scope. */
static __always_inline void lt_alloc_return_counted(struct pt_regs *ctx, __u32 tgid)
{
	__u64 t0 = lt_cost_start(tgid);
	struct lt_thread *th = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL, 0);

	if (th && lt_alloc_return(ctx, th, tgid))
		lt_cost_return(tgid, t0);
	else
		lt_cost_idle_return(tgid, t0);
}

/*
 * Attached as a uprobe session: one program for both halves of every allocating call. A
 * return half runs only for a call its entry half followed, in scope.
 */
SEC("uprobe")
int alloc_session(struct pt_regs *ctx)
{
	if (cfg_empty)
		return cfg_empty_entry; /* the floor: with both halves, or the entry's alone */
	if (bpf_session_is_return()) {
		lt_alloc_return_counted(ctx, lt_tgid());
		return 0;
	}
	return lt_alloc_entry(ctx, bpf_get_attach_cookie(ctx)) ? 0 : 1;
}

SEC("uprobe")
int alloc_enter(struct pt_regs *ctx)
{
	if (!cfg_empty)
		lt_alloc_entry(ctx, bpf_get_attach_cookie(ctx));
	return 0;
}

/* A uretprobe fires on every call's return, followed or not. */
SEC("uretprobe")
int alloc_exit(struct pt_regs *ctx)
{
	__u32 tgid;

	if (cfg_empty)
		return 0;
	tgid = lt_tgid();
	if (lt_uprobe_tgid_in_scope(tgid))
		lt_alloc_return_counted(ctx, tgid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 addr, __u64 second)
{
	__u64 cookie;
	__u32 tgid;
	__u64 t0;

	if (cfg_empty)
		return 0;
	tgid = lt_tgid();
	if (!lt_uprobe_tgid_in_scope(tgid))
		return 0;
	t0 = lt_cost_start(tgid);
	cookie = bpf_get_attach_cookie(ctx);
	if (cookie & LT_COOKIE_ARG2)
		addr = second;
	if (addr)
		lt_release(tgid, addr);
	lt_cost_free(tgid, t0, cookie & LT_COOKIE_STEPPED);
	return 0;
}

/* Sockets and mappings, from syscall tracepoints. */
#include "sys.bpf.h"
