/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stack capture: the one place that decides how a user stack is walked and stored. Everything
 * else asks for a stack id.
 */
#ifndef LEAKTOP_STACK_BPF_H
#define LEAKTOP_STACK_BPF_H

/* Bumped by user space at each collection of the stacks no process holds (collector.c). */
__u32 stack_epoch;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LT_DEFAULT_MAX_STACKS); /* resized by user space before load */
	__uint(map_flags, BPF_F_NO_PREALLOC);	    /* new stacks are rare; don't pin 16 MB */
	__type(key, __u64);
	__type(value, struct lt_stack);
} stacks SEC(".maps");

/*
 * Mix the frames into a 64-bit id. Collisions would merge two stacks; at 64 bits and a few
 * thousand stacks their chance is below 1e-12. Never returns LT_STACK_NONE.
 */
static __always_inline __u64 lt_stack_hash(const struct lt_stack *st)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (__u32 i = 0; i < LT_MAX_FRAMES; i++) {
		if (i >= st->len)
			break;
		h ^= st->ips[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h == LT_STACK_NONE ? 1 : h;
}

/*
 * Capture the user stack at an allocator's return and return its id, storing the frames the
 * first time a stack is seen. At return the registers are the caller's own: ip is the call
 * site, and sp and rbp are the caller's. So frame 0 is the allocator's immediate caller, with
 * no need to recover it from *sp as an entry probe must, and no dependence on how far into the
 * prologue the entry probe sits.
 *
 * A process with unwind tables is walked by its CFI (unwind.bpf.h), from `regs`; any other by
 * the kernel's frame-pointer walk of the current task, with `ctx` (a uprobe's or tracepoint's).
 *
 * A CPython process's stack then gets its Python frames appended (python.bpf.h); a node
 * process's JavaScript frames are found by the CFI walk itself (v8.bpf.h).
 *
 * The walks write into per-thread memory (`th`): a per-CPU buffer is not safe here, because
 * uprobe programs run with only migration disabled and another task on this CPU may run in
 * between.
 */
static __always_inline __u64 lt_stack_capture(void *ctx, __u32 tgid,
					      const struct lt_uregs *regs,
					      struct lt_thread *th)
{
	struct lt_stack *scratch = &th->scratch, *known;
	struct lt_unwind_proc *proc = NULL;
	__u32 epoch = stack_epoch;
	long n;
	__u64 id;

	if (cfg_unwind_cfi)
		proc = bpf_map_lookup_elem(&unwind_procs, &tgid);
	if (proc) {
		const struct lt_v8_proc *v8 =
			cfg_v8 && v8_any ? bpf_map_lookup_elem(&v8_procs, &tgid) : NULL;

		/* The Python walk's buffer: no process runs both. */
		n = lt_unwind_cfi(regs, proc, scratch, th->rows, &th->stack_win, v8, th->py_code);
	} else {
		n = bpf_get_stack(ctx, scratch->ips, sizeof(scratch->ips), BPF_F_USER_STACK);
		if (n > 0)
			n /= sizeof(scratch->ips[0]);
	}
	if (n <= 0) {
		lt_stat_add(LT_STAT_STACK_FAILED, 1);
		return LT_STACK_NONE;
	}
	if (cfg_python)
		n = lt_py_walk(th, n, tgid);
	scratch->len = n;
	id = lt_stack_hash(scratch);
	known = bpf_map_lookup_elem(&stacks, &id);
	if (known) {
		if (known->epoch != epoch) /* written once an epoch: the line stays shared */
			known->epoch = epoch;
		return id;
	}
	scratch->epoch = epoch;
	n = bpf_map_update_elem(&stacks, &id, scratch, BPF_NOEXIST);
	if (n && n != -EEXIST) {
		lt_stat_add(LT_STAT_STACK_MAP_FULL, 1);
		return LT_STACK_NONE;
	}
	return id;
}

#endif /* LEAKTOP_STACK_BPF_H */
