// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop's probes on the allocator. Each allocation and free does a fixed number of map
 * operations and updates per-stack totals here, in the kernel; user space only reads the
 * totals, so no per-allocation event ever leaves the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "leaktop.h"

char LICENSE[] SEC("license") = "GPL";

#ifndef EEXIST
#define EEXIST 17
#endif

/* Live allocations of every traced process. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
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

/*
 * Per-thread state: the allocator call in flight between its entry and its return, and the
 * scratch memory the stack walk writes into. Task storage is freed with the thread, so a
 * thread that dies leaves nothing behind, and no other thread can touch it.
 */
struct lt_thread {
	__u64 pending_sp; /* user sp at the call's entry; 0 when no call is pending */
	__u64 pending_size;
	__u64 pending_arg; /* realloc: the old block; posix_memalign: the out-pointer */
	__u32 pending_kind; /* enum lt_call_kind */
	__u32 _pad;
	struct lt_stack scratch;
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

#include "stack.bpf.h"

static __always_inline __u32 lt_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* Account the release of `addr`, if it is a live allocation we track. */
static __always_inline void lt_release(__u32 tgid, __u64 addr)
{
	struct lt_alloc_key key = { .tgid = tgid, .addr = addr };
	struct lt_totals_key tkey = { .tgid = tgid };
	struct lt_totals *t;
	struct lt_alloc *a;
	__u64 size;

	a = bpf_map_lookup_elem(&allocs, &key);
	if (!a)
		return; /* made before we attached, or not tracked */
	size = a->size;
	tkey.stack_id = a->stack_id;
	/* Only the thread whose delete succeeds accounts it, so a racing double free counts once. */
	if (bpf_map_delete_elem(&allocs, &key))
		return;
	t = bpf_map_lookup_elem(&totals, &tkey);
	if (!t)
		return;
	__sync_fetch_and_add(&t->frees, 1);
	__sync_fetch_and_add(&t->free_bytes, size);
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
				      __u64 addr, __u64 size)
{
	struct lt_alloc_key key = { .tgid = tgid, .addr = addr };
	struct lt_totals_key tkey = { .tgid = tgid };
	struct lt_alloc val = { .size = size };
	struct lt_totals *t;

	tkey.stack_id = lt_stack_capture(ctx, &th->scratch);
	t = lt_totals_get(&tkey);
	if (!t) {
		lt_stat_add(LT_STAT_TOTALS_MAP_FULL, 1);
		return;
	}
	if (bpf_map_lookup_elem(&allocs, &key)) {
		/* Its free went by unseen: settle the old record first so no bytes are counted twice. */
		lt_stat_add(LT_STAT_ADDR_REUSED, 1);
		lt_release(tgid, addr);
	}
	val.stack_id = tkey.stack_id;
	val.ts_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&allocs, &key, &val, BPF_ANY)) {
		lt_stat_add(LT_STAT_ALLOC_MAP_FULL, 1);
		lt_stat_add(LT_STAT_ALLOC_MAP_FULL_BYTES, size);
		return;
	}
	__sync_fetch_and_add(&t->allocs, 1);
	__sync_fetch_and_add(&t->alloc_bytes, size);
}

/*
 * Entry half of an allocating call: remember its arguments until it returns.
 *
 * Allocators call each other: glibc's realloc calls malloc for mmapped blocks, realloc(p, 0)
 * calls free, musl's posix_memalign calls aligned_alloc. Only the outermost traced call of a
 * thread is recorded, with the arguments its caller passed. A call is nested when its stack
 * pointer is at or below that of the pending call: below for a call, equal for a tail call
 * (glibc's reallocarray jumps to realloc, tcmalloc's pvalloc to memalign with the size
 * rounded up). A tail call returns straight to the outer caller, where the outer call's
 * return probe fires, so the outer call's pending slot is the one to keep.
 */
static __always_inline int lt_enter(struct pt_regs *ctx, enum lt_call_kind kind, __u64 size,
				    __u64 arg)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 sp = PT_REGS_SP(ctx);
	struct lt_thread *th;

	th = bpf_task_storage_get(&threads, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!th) {
		lt_stat_add(LT_STAT_THREAD_STATE_FAILED, 1);
		return 0;
	}
	if (th->pending_sp && sp <= th->pending_sp) {
		lt_stat_add(LT_STAT_NESTED_CALLS, 1);
		return 0;
	}
	th->pending_sp = sp;
	th->pending_size = size;
	th->pending_arg = arg;
	th->pending_kind = kind;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size)
{
	return lt_enter(ctx, LT_CALL_RET_PTR, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 nmemb, __u64 size)
{
	/* An overflowing product makes calloc fail, and failures record nothing. */
	return lt_enter(ctx, LT_CALL_RET_PTR, nmemb * size, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, __u64 old, __u64 size)
{
	return lt_enter(ctx, LT_CALL_REALLOC, size, old);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_enter, __u64 old, __u64 nmemb, __u64 size)
{
	return lt_enter(ctx, LT_CALL_REALLOC, nmemb * size, old);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	return lt_enter(ctx, LT_CALL_RET_MEMPTR, size, memptr);
}

/* memalign and aligned_alloc: (alignment, size). */
SEC("uprobe")
int BPF_KPROBE(memalign_enter, __u64 align, __u64 size)
{
	return lt_enter(ctx, LT_CALL_RET_PTR, size, 0);
}

/* valloc and pvalloc: (size). The requested size is recorded, as for every other call. */
SEC("uprobe")
int BPF_KPROBE(valloc_enter, __u64 size)
{
	return lt_enter(ctx, LT_CALL_RET_PTR, size, 0);
}

/* Return half of every allocating call. */
SEC("uretprobe")
int BPF_KRETPROBE(alloc_exit, __u64 ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = lt_tgid();
	struct lt_thread *th;
	__u64 addr = ret, size, arg;
	__u32 kind;

	th = bpf_task_storage_get(&threads, task, NULL, 0);
	if (!th || !th->pending_sp)
		return 0;
	/* The return of a nested call comes back to a lower sp than the pending call's entry. */
	if (PT_REGS_SP(ctx) <= th->pending_sp)
		return 0;
	size = th->pending_size;
	arg = th->pending_arg;
	kind = th->pending_kind;
	th->pending_sp = 0;

	switch (kind) {
	case LT_CALL_REALLOC:
		/* realloc(p, 0) frees p and returns NULL; a failed realloc leaves p alone. */
		if (arg && (ret || !size))
			lt_release(tgid, arg);
		break;
	case LT_CALL_RET_MEMPTR:
		if ((int)ret != 0)
			return 0;
		if (bpf_probe_read_user(&addr, sizeof(addr), (void *)arg))
			return 0;
		break;
	default:
		break;
	}
	if (addr)
		lt_record(ctx, th, tgid, addr, size);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 addr)
{
	if (addr)
		lt_release(lt_tgid(), addr);
	return 0;
}
