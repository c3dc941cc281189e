/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Python frames: the CPython frames a thread is running, read from the interpreter's own
 * state when it allocates, and appended to its native stack as (code object, position) slot
 * pairs (leaktop.h). No string is read here: user space names the code objects through
 * /proc/PID/mem. Two reads per frame (the frame, then its code object), bounded by
 * LT_PY_MAX_FRAMES.
 *
 * The thread state is the calling thread's own, found through the interpreter's GIL-state
 * thread-specific key, so a thread that released the GIL (a C extension allocating) still gets
 * its own frames, not those of the thread holding the GIL.
 */
#ifndef LEAKTOP_PYTHON_BPF_H
#define LEAKTOP_PYTHON_BPF_H

const volatile bool cfg_python = false; /* look for Python frames in processes of py_procs */
/*
 * Set by user space once it has put a process in py_procs, never cleared (BPF's fork copies
 * only a parent's entry): until then no walk pays the lookup.
 */
__u32 py_any;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64); /* resized by user space */
	__type(key, __u32);
	__type(value, struct lt_py_proc);
} py_procs SEC(".maps");

/* Fields of a 128-byte window (a frame's or a code object's), at offsets user space checked. */
static __always_inline __u64 lt_py_word(const __u8 *buf, __u32 off)
{
	return *(const __u64 *)(buf + (off & 0x78));
}

static __always_inline __u32 lt_py_int(const __u8 *buf, __u32 off)
{
	return *(const __u32 *)(buf + (off & 0x7c));
}

/* The current thread's PyThreadState, or 0. */
static __always_inline __u64 lt_py_thread_state(const struct lt_py_proc *py)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tss[2] = { 1, py->tss_key };
	__u64 ts = 0;

	/* A key made after attach (an interpreter still starting then) is read here. */
	if (py->tss_key == LT_PY_KEY_UNKNOWN &&
	    bpf_probe_read_user(tss, sizeof(tss), (void *)py->tss))
		return 0;
	if (!tss[0] || tss[1] >= 32)
		return 0;
	/* glibc keeps keys below 32 in struct pthread (at fsbase): {seq, data} per key. */
	if (bpf_probe_read_user(&ts, sizeof(ts),
				(void *)(task->thread.fsbase + py->tls_base + 16 * tss[1] + 8)))
		return 0;
	return ts;
}

/* A walk's state, handed to each step by bpf_loop(). */
struct lt_py_walk {
	struct lt_thread *th;
	const struct lt_py_proc *py;
	__u64 frame;	/* the next frame to read; 0 at the end */
	__u32 n;	/* slots used in th->scratch */
	__u32 found;	/* Python frames appended */
	__u32 open;	/* the last frame appended does not end its group */
	__u32 end;	/* the LT_STAT_PY_* reason the walk stopped early, 0 while it runs */
};

/* One frame: returns 1 to stop the loop. */
static long lt_py_step(__u64 i, void *arg)
{
	struct lt_py_walk *w = arg;
	struct lt_thread *th = w->th;
	const struct lt_py_proc *py = w->py;
	__u64 code, instr, pos;
	__u32 slot;
	__u8 entry;

	if (!w->frame)
		return 1;
	if (bpf_probe_read_user(th->py_frame, sizeof(th->py_frame), (void *)w->frame)) {
		w->end = LT_STAT_PY_ERR_READ;
		return 1;
	}
	code = lt_py_word(th->py_frame, py->f_code);
	entry = th->py_frame[py->f_entry & 0x7f];
	w->frame = lt_py_word(th->py_frame, py->f_back);
	if (py->entry_kind == LT_PY_ENTRY_SHIM && entry == LT_PY_OWNER_CSTACK) {
		/*
		 * C's shim: the frame before it was the first of its native call. With none
		 * (the shim is current, as while a returning frame's locals are freed), that
		 * call ran no Python frame here: an empty group, a pair with no code.
		 */
		if (w->open) {
			slot = w->n - 1;
			if (slot < LT_MAX_FRAMES)
				th->scratch.ips[slot] |= LT_PY_GROUP_END;
			w->open = 0;
			return 0;
		}
		slot = w->n;
		if (slot >= LT_MAX_FRAMES - 1) {
			w->end = LT_STAT_PY_TRUNCATED;
			return 1;
		}
		th->scratch.ips[slot] = LT_TAG_PY_CODE << LT_TAG_SHIFT;
		th->scratch.ips[slot + 1] = LT_TAG_PY_POS << LT_TAG_SHIFT | LT_PY_GROUP_END |
					    LT_PY_INSTR_NONE;
		w->n += 2;
		return 0;
	}
	if (w->found >= LT_PY_MAX_FRAMES || w->n + 2 > LT_MAX_FRAMES) {
		w->end = LT_STAT_PY_TRUNCATED;
		return 1;
	}
	if (!code || code >= (1ULL << 47) ||
	    bpf_probe_read_user(th->py_code, sizeof(th->py_code), (void *)code)) {
		w->end = LT_STAT_PY_ERR_READ;
		return 1;
	}
	if (*(__u64 *)(th->py_code + 8) != py->code_type) {
		w->end = LT_STAT_PY_ERR_CODE;
		return 1;
	}
	if (py->instr_kind == LT_PY_INSTR_PTR)
		instr = lt_py_word(th->py_frame, py->f_instr) - code;
	else
		instr = (__s32)lt_py_int(th->py_frame, py->f_instr);
	if (instr >= LT_PY_INSTR_NONE)
		instr = LT_PY_INSTR_NONE;
	pos = LT_TAG_PY_POS << LT_TAG_SHIFT | instr |
	      lt_py_sum(lt_py_int(th->py_code, py->co_sum[0]), lt_py_int(th->py_code, py->co_sum[1]),
			lt_py_int(th->py_code, py->co_sum[2]), lt_py_int(th->py_code, py->co_sum[3]))
		      << LT_PY_SUM_SHIFT;
	if (py->entry_kind == LT_PY_ENTRY_EACH || (py->entry_kind == LT_PY_ENTRY_FLAG && entry))
		pos |= LT_PY_GROUP_END;
	slot = w->n;
	if (slot < LT_MAX_FRAMES - 1) {
		__u64 *at = &th->scratch.ips[slot];

		at[0] = LT_TAG_PY_CODE << LT_TAG_SHIFT | code;
		at[1] = pos;
	}
	w->n += 2;
	w->found++;
	w->open = !(pos & LT_PY_GROUP_END);
	return 0;
}

/*
 * Append the Python frames of the current thread to its scratch stack, whose first `n` slots
 * are native. Returns the new length.
 */
static __always_inline __u32 lt_py_walk(struct lt_thread *th, __u32 n, __u32 tgid)
{
	struct lt_py_walk w = { .th = th, .n = n };
	__u64 ts;

	if (!py_any)
		return n;
	w.py = bpf_map_lookup_elem(&py_procs, &tgid);
	if (!w.py)
		return n;
	lt_stat_add(LT_STAT_PY_WALKS, 1);
	ts = lt_py_thread_state(w.py);
	if (!ts) {
		lt_stat_add(LT_STAT_PY_NO_THREAD, 1);
		return n;
	}
	if (bpf_probe_read_user(&w.frame, sizeof(w.frame), (void *)(ts + w.py->ts_frame)) ||
	    (w.frame && w.py->cf_frame != LT_PY_NO_CFRAME &&
	     bpf_probe_read_user(&w.frame, sizeof(w.frame), (void *)(w.frame + w.py->cf_frame)))) {
		lt_stat_add(LT_STAT_PY_ERR_READ, 1);
		return n;
	}
	/* Shims take a step each: room for one per frame. */
	bpf_loop(LT_PY_MAX_FRAMES * 2, lt_py_step, &w, 0);
	if (w.frame && !w.end)
		w.end = LT_STAT_PY_TRUNCATED;
	if (w.end)
		lt_stat_add(w.end, 1);
	lt_stat_add(LT_STAT_PY_FRAMES, w.found);
	return w.n;
}

#endif /* LEAKTOP_PYTHON_BPF_H */
