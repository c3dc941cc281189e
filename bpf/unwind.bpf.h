/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CFI unwinder: walks a user stack with the unwind tables user space builds from each
 * object's .eh_frame, so code built without frame pointers (Debian's -O2) still yields every
 * frame. Frames in code without CFI (JIT code, the vDSO, stripped objects) are stepped by frame
 * pointer instead. Every way a walk can end is counted in `stats`.
 */
#ifndef LEAKTOP_UNWIND_BPF_H
#define LEAKTOP_UNWIND_BPF_H

/* Every object's rows, concatenated; each mapping names its object's range. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by user space from the tables it built */
	__type(key, __u32);
	__type(value, struct lt_unwind_row);
} unwind_rows SEC(".maps");

/*
 * Per process: its executable mappings and their tables. No entry: frame pointers only.
 * Entries are 16 KiB, and --all may size the map for thousands: allocate them as they come.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 64); /* resized by user space */
	__type(key, __u32);
	__type(value, struct lt_unwind_proc);
} unwind_procs SEC(".maps");

/* log2 bounds for the binary searches, so the verifier sees bounded loops. */
#define LT_MAPS_SEARCH_STEPS 10 /* LT_MAX_UNWIND_MAPS = 512 */
#define LT_ROWS_SEARCH_STEPS 25 /* up to 32M rows */
/* A frame pointer further than this above sp is not one. */
#define LT_MAX_FP_GAP (64ULL << 20)

/* Where a walk starts: the user registers, and whether ip is a return address. */
struct lt_uregs {
	__u64 ip, sp, bp;
	bool ip_is_return; /* at an allocator's return; false at a syscall */
};

struct lt_walk {
	__u64 pc, sp, bp;
	__u32 frames;	/* native frames walked (the last loop index + 1) */
	__u32 pc_is_ip; /* pc was interrupted (after a signal frame), not a return address */
	__u32 bp_lost;	/* rbp was saved where the walker cannot follow */
	__u32 end;	/* the LT_STAT_UNWIND_* reason the walk ended, 0 while it runs */
	struct lt_stack *st;
	struct lt_unwind_proc *proc;
	struct lt_row_cache *cache;	/* the thread's: LT_ROW_CACHE entries */
	__u32 gen;			/* proc->gen, read once */
	struct lt_stack_win *win;	/* the stack's innermost bytes, copied; NULL: none */
	__u64 win_base;			/* the user address win[0] was copied from */
	const struct lt_v8_proc *v8;	/* a node process's V8 layout; NULL: not one */
	__u8 *v8_buf;			/* the thread's LT_V8_SFI_WINDOW bytes */
};

/*
 * The binary searches below are branch-free: each step moves `base` by `half` times a 0/1
 * comparison result instead of branching on it. Branching on values the verifier must track
 * precisely multiplies its states at every step; this keeps each walk program's verification
 * small and quick.
 */

/* 1 when a <= b, else 0, without a branch (both below 2^63). */
static __always_inline __u64 lt_le(__u64 a, __u64 b)
{
	return ((b - a) >> 63) ^ 1;
}

static __always_inline struct lt_unwind_map *lt_find_map(struct lt_unwind_proc *proc, __u64 pc)
{
	__u32 base = 0, n = proc->n;
	struct lt_unwind_map *m;

	if (n > LT_MAX_UNWIND_MAPS)
		n = LT_MAX_UNWIND_MAPS;
	if (!n)
		return NULL;
	/* The last mapping starting at or below pc. */
	for (int k = 0; k < LT_MAPS_SEARCH_STEPS; k++) {
		__u32 half = n / 2;

		if (n <= 1)
			break;
		m = &proc->maps[(base + half) & (LT_MAX_UNWIND_MAPS - 1)];
		base += half * lt_le(m->start, pc);
		n -= half;
	}
	m = &proc->maps[base & (LT_MAX_UNWIND_MAPS - 1)];
	return pc >= m->start && pc < m->end ? m : NULL;
}

/* The row in force at table address `key`: the last one starting at or below it. */
static __always_inline struct lt_unwind_row *lt_find_row(struct lt_unwind_map *m, __u64 key)
{
	__u32 base = m->first, n = m->count;
	struct lt_unwind_row *r;

	if (!n)
		return NULL;
	for (int k = 0; k < LT_ROWS_SEARCH_STEPS; k++) {
		__u32 half = n / 2, idx = base + half;

		if (n <= 1)
			break;
		r = bpf_map_lookup_elem(&unwind_rows, &idx);
		if (!r)
			return NULL;
		base += half * lt_le(r->pc, key);
		n -= half;
	}
	r = bpf_map_lookup_elem(&unwind_rows, &base);
	return r && r->pc <= key ? r : NULL;
}

static __always_inline bool lt_read(__u64 *dst, __u64 addr)
{
	return !bpf_probe_read_user(dst, sizeof(*dst), (void *)addr);
}

/* A window base no user address is within LT_STACK_WINDOW of. */
#define LT_WINDOW_NOWHERE (~0ULL - LT_STACK_WINDOW)

/*
 * A word of the user stack: from the copy of its innermost LT_STACK_WINDOW bytes the walk
 * made at its start when the word is in it, else read from user memory. Most saved return
 * addresses and frame pointers of a walk are in the window: one copy instead of a helper
 * call per word.
 */
static __always_inline bool lt_read_stack(struct lt_walk *w, __u64 *dst, __u64 addr)
{
	__u64 off = addr - w->win_base;

	if (w->win && off <= LT_STACK_WINDOW - 8) {
		off &= LT_STACK_WINDOW - 1;
		if (off <= LT_STACK_WINDOW - 8) {
			__builtin_memcpy(dst, w->win->b + off, sizeof(*dst));
			return true;
		}
	}
	return lt_read(dst, addr);
}

#include "v8.bpf.h"

/* Step one frame by frame pointer: for code with no CFI. */
static __always_inline long lt_fp_step(struct lt_walk *w)
{
	__u64 bp = w->bp, next_bp, ra;

	if (w->bp_lost || bp < w->sp || bp - w->sp > LT_MAX_FP_GAP || (bp & 7)) {
		w->end = LT_STAT_UNWIND_ERR_NO_CFI;
		return 1;
	}
	if (!lt_read_stack(w, &next_bp, bp) || !lt_read_stack(w, &ra, bp + 8)) {
		w->end = LT_STAT_UNWIND_ERR_READ;
		return 1;
	}
	lt_stat_add_local(LT_STAT_UNWIND_FP_FRAMES, 1);
	w->sp = bp + 16;
	w->bp = next_bp;
	w->pc = ra;
	w->pc_is_ip = 0;
	return 0;
}

/*
 * The row for `lookup` (a runtime pc): from the thread's cache when an earlier walk found it
 * under the same table generation, else by the two binary searches, then cached. A row whose
 * rule is LT_CFA_NONE means no CFI covers the pc.
 */
static __always_inline void lt_row_for(struct lt_walk *w, __u64 lookup, struct lt_unwind_row *out)
{
	__u32 slot = (lookup ^ (lookup >> 7) ^ (lookup >> 17)) & (LT_ROW_CACHE - 1);
	struct lt_row_cache *c = &w->cache[slot];
	struct lt_unwind_map *m;
	struct lt_unwind_row *r = NULL;

	if (c->pc == lookup && c->gen == w->gen) {
		*out = c->row;
		return;
	}
	m = lt_find_map(w->proc, lookup);
	if (m && m->count)
		r = lt_find_row(m, lookup - m->bias);
	if (r)
		*out = *r;
	else
		out->cfa = LT_CFA_NONE;
	c->pc = lookup;
	c->gen = w->gen;
	c->row = *out;
}

static long lt_unwind_step(__u32 i, void *ctx)
{
	struct lt_walk *w = ctx;
	struct lt_unwind_row row = {};
	struct lt_stack *st = w->st;
	__u64 lookup, cfa = 0, ra, bp;
	__u32 slot;
	__s64 off;

	if (!st || !w->proc || !w->cache)
		return 1;
	if (!w->pc) { /* the return address of the outermost frame */
		w->end = LT_STAT_UNWIND_COMPLETE;
		return 1;
	}
	/* A JavaScript frame takes three slots: the loop may end before the stack is full. */
	/*
	 * The slots used so far live in map memory (st->len), not in this struct on the stack:
	 * the verifier would track a stack copy as a constant that differs on every iteration,
	 * so the loop's states would never merge.
	 */
	slot = st->len;
	if (i >= LT_MAX_FRAMES || slot >= LT_MAX_FRAMES) {
		w->end = LT_STAT_UNWIND_TRUNCATED;
		return 1;
	}
	st->ips[slot] = w->pc;
	st->len = slot + 1;
	w->frames = i + 1;

	/*
	 * Near the window's end, the window slides up to the frame now walked, where the frames
	 * still to walk are: one copy for them instead of a read per word, at most
	 * LT_WINDOW_SLIDES times a walk, and once a step (at each read, the verifier's states
	 * multiplied past its bound). A copy that faults (the stack ends within the window's
	 * length) leaves the buffer zeroed: a base no address is near then sends every read to
	 * user memory. (`win` itself never changes: a pointer that may become NULL in the loop
	 * keeps the verifier's states from merging.)
	 */
	if (w->win && w->sp - w->win_base > LT_STACK_WINDOW - LT_WINDOW_SLIDE_AT &&
	    w->win->slides < LT_WINDOW_SLIDES) {
		w->win->slides++;
		w->win_base = w->sp;
		if (bpf_probe_read_user(w->win->b, LT_STACK_WINDOW, (void *)w->sp)) {
			w->win_base = LT_WINDOW_NOWHERE;
			w->win->slides = LT_WINDOW_SLIDES;
		}
	}

	/* A return address points after its call, maybe past the caller's last byte. */
	lookup = w->pc_is_ip ? w->pc : w->pc - 1;
	lt_row_for(w, lookup, &row);
	if (row.cfa == LT_CFA_NONE) {
		if (w->v8)
			lt_v8_frame(w, w->v8);
		return lt_fp_step(w);
	}

	off = row.cfa_off;
	switch (row.cfa) {
	case LT_CFA_RSP:
		cfa = w->sp + off;
		break;
	case LT_CFA_RBP:
		if (w->bp_lost) {
			w->end = LT_STAT_UNWIND_ERR_RULE;
			return 1;
		}
		cfa = w->bp + off;
		break;
	case LT_CFA_PLT:
		cfa = w->sp + off + ((w->pc & 15) >= (__u64)row.rbp_off ? 8 : 0);
		break;
	case LT_CFA_DEREF_RSP:
	case LT_CFA_DEREF_RBP:
		if (!lt_read_stack(w, &cfa, (row.cfa == LT_CFA_DEREF_RSP ? w->sp : w->bp) + off)) {
			w->end = LT_STAT_UNWIND_ERR_READ;
			return 1;
		}
		break;
	case LT_CFA_SIGNAL:
		/* The kernel's sigcontext: the interrupted sp, then pc, and rbp further down. */
		if (!lt_read_stack(w, &cfa, w->sp + off) || !lt_read_stack(w, &ra, w->sp + off + 8) ||
		    !lt_read_stack(w, &bp, w->sp + row.rbp_off)) {
			w->end = LT_STAT_UNWIND_ERR_READ;
			return 1;
		}
		w->sp = cfa;
		w->pc = ra;
		w->bp = bp;
		w->bp_lost = 0;
		w->pc_is_ip = 1;
		return 0;
	case LT_CFA_STOP:
		w->end = LT_STAT_UNWIND_COMPLETE;
		return 1;
	default:
		w->end = LT_STAT_UNWIND_ERR_RULE;
		return 1;
	}
	if (cfa <= w->sp) {
		w->end = LT_STAT_UNWIND_ERR_LOOP;
		return 1;
	}
	if (!lt_read_stack(w, &ra, cfa - 8)) {
		w->end = LT_STAT_UNWIND_ERR_READ;
		return 1;
	}
	if (row.rbp == LT_RBP_AT_CFA) {
		if (!lt_read_stack(w, &bp, cfa + row.rbp_off)) {
			w->end = LT_STAT_UNWIND_ERR_READ;
			return 1;
		}
		w->bp = bp;
		w->bp_lost = 0;
	} else if (row.rbp == LT_RBP_LOST) {
		w->bp_lost = 1;
	}
	w->sp = cfa;
	w->pc = ra;
	w->pc_is_ip = 0;
	return 0;
}

/*
 * Walk the stack from `regs` into st->ips. Returns the number of frames. At an allocator's
 * return the registers are the caller's own, so frame 0 is the call site, a return address
 * like every frame after it; at a syscall, frame 0 is the interrupted pc in the wrapper.
 */
static __always_inline long lt_unwind_cfi(const struct lt_uregs *regs,
					  struct lt_unwind_proc *proc, struct lt_stack *st,
					  struct lt_row_cache *cache, struct lt_stack_win *win,
					  const struct lt_v8_proc *v8, __u8 *v8_buf)
{
	struct lt_walk w = {
		.pc = regs->ip,
		.sp = regs->sp,
		.bp = regs->bp,
		.pc_is_ip = !regs->ip_is_return,
		.st = st,
		.proc = proc,
		.cache = cache,
		.gen = proc->gen,
		.win_base = regs->sp,
		.v8 = v8,
		.v8_buf = v8_buf,
	};

	__u32 n;

	st->len = 0;
	/* A stack shallower than the window cannot be copied whole: then word by word. */
	if (!bpf_probe_read_user(win->b, LT_STACK_WINDOW, (void *)regs->sp)) {
		w.win = win;
		win->slides = 0;
	}

	bpf_loop(LT_MAX_FRAMES + 1, lt_unwind_step, &w, 0);
	lt_stat_add_local(LT_STAT_UNWIND_WALKS, 1);
	lt_stat_add_local(LT_STAT_UNWIND_FRAMES, w.frames);
	if (w.end)
		lt_stat_add_local(w.end, 1);
	n = st->len;
	if (v8) {
		lt_stat_add_local(LT_STAT_V8_WALKS, 1);
		lt_stat_add_local(LT_STAT_V8_FRAMES, (n - w.frames) / 2);
	}
	return n;
}

#endif /* LEAKTOP_UNWIND_BPF_H */
