/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the probes cost each traced process, and the sampling interval each one is held to.
 *
 * Every program that runs for a traced process counts its trap for the process (in its CPU's
 * slot, below), and one in LT_COST_TIME_EVERY also its run time (bpf_ktime_get_ns() at its
 * start and end); user space adds the trap's own cost, calibrated at start (calibrate.c), and
 * turns the counts into an estimate of the CPU leaktop adds to the process. The counts are per
 * CPU, so no atomic is needed: a program preempted between the load and the store of an add
 * may lose that add to another task of the process on the same CPU, which is rare and only a
 * count.
 *
 * With a budget (--max-overhead), user space sets a sampling interval per process in
 * `sampling` and bumps `sampling_gen`; each thread keeps its process's interval in its task
 * storage and looks it up again only when the generation moved, so a call pays no lookup.
 */
#ifndef LEAKTOP_COST_BPF_H
#define LEAKTOP_COST_BPF_H

const volatile bool cfg_budget = false; /* per-process sampling intervals, in `sampling` */

/* Bumped by user space each time it changes `sampling` (starts at 1: threads start at 0). */
__u32 sampling_gen = 1;

/* Calibration: what the calibration programs measured of themselves (calibrate.c). */
__u64 calib_hits[LT_CALIB__COUNT];
__u64 calib_ns[LT_CALIB__COUNT];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64); /* resized by user space: one entry per traced process */
	__type(key, __u32);
	__type(value, struct lt_cost);
} costs SEC(".maps");

/* --max-overhead: the mean bytes between samples of each process held to its budget. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64); /* resized by user space */
	__type(key, __u32);
	__type(value, __u64);
} sampling SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_cost_slot);
} cost_cpu SEC(".maps");

/* Add what this CPU's slot counted to its process's entry, and give the slot to `tgid`. */
static __noinline void lt_cost_switch(struct lt_cost_slot *s, __u32 tgid)
{
	static const struct lt_cost zero;
	struct lt_cost *t, *c = NULL;
	__u32 old;

	if (!s) /* the verifier cannot know the caller checked */
		return;
	t = &s->c;
	old = s->tgid;
	/*
	 * The entry is made when a process's first hit takes a slot, and only then: a slot
	 * flushed after its process exited and was purged finds no entry, and its counts go
	 * with the process rather than making a stale entry.
	 */
	if (old)
		c = bpf_map_lookup_elem(&costs, &old);
	if (c) {
		c->calls += t->calls;
		c->frees += t->frees;
		c->stepped += t->stepped;
		c->rets += t->rets;
		c->idle_rets += t->idle_rets;
		c->bytes += t->bytes;
		c->entry_ns += t->entry_ns;
		c->entry_timed += t->entry_timed;
		c->ret_ns += t->ret_ns;
		c->ret_timed += t->ret_timed;
		c->sys_walks += t->sys_walks;
		c->sys_ns += t->sys_ns;
	}
	t->calls = t->frees = t->stepped = t->rets = t->idle_rets = t->bytes = 0;
	t->entry_ns = t->entry_timed = t->ret_ns = t->ret_timed = 0;
	t->sys_walks = t->sys_ns = 0;
	s->tgid = tgid;
	if (!bpf_map_lookup_elem(&costs, &tgid) &&
	    bpf_map_update_elem(&costs, &tgid, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&costs, &tgid))
		lt_stat_add(LT_STAT_COST_MAP_FULL, 1);
}

/*
 * Where this CPU counts a hit of process `tgid`: its slot, once the counts of the process it
 * held are added to that process's entry. A program preempted by another process's probe on
 * the same CPU may count its hit for that process: rare, and one hit.
 */
static __always_inline struct lt_cost *lt_cost_of(__u32 tgid)
{
	__u32 zero = 0;
	struct lt_cost_slot *s = bpf_map_lookup_elem(&cost_cpu, &zero);

	if (!s)
		return NULL;
	if (s->tgid != tgid)
		lt_cost_switch(s, tgid);
	return &s->c;
}

/*
 * Whether this hit of `tgid` is timed: the clock now, or 0. The gaps between timed hits are
 * drawn from 1 to 2 * LT_COST_TIME_EVERY - 1, at random so that no periodic pattern of calls
 * is always or never timed.
 */
static __always_inline __u64 lt_cost_start(__u32 tgid)
{
	struct lt_cost *c = lt_cost_of(tgid);
	__u32 r;

	if (!c || --c->countdown > 0)
		return 0;
	r = bpf_get_prandom_u32();
	c->countdown = 1 + (r & (LT_COST_TIME_EVERY - 1)) + (r >> 16 & (LT_COST_TIME_EVERY - 1));
	return bpf_ktime_get_ns();
}

/*
 * A hit is counted at its program's end, in the slot found again then: a program preempted
 * in its work while another process's probe took the slot counts in the right process.
 */
static __always_inline void lt_cost_time(__u64 t0, __u64 *ns, __u64 *timed)
{
	if (t0) {
		*ns += bpf_ktime_get_ns() - t0;
		(*timed)++;
	}
}

/* An allocating call's entry half ran (`stepped`: on a single-stepped instruction). */
static __always_inline void lt_cost_entry(__u32 tgid, __u64 t0, bool stepped, __u64 bytes)
{
	struct lt_cost *c = lt_cost_of(tgid);

	if (!c)
		return;
	lt_cost_time(t0, &c->entry_ns, &c->entry_timed);
	c->calls++;
	c->stepped += stepped;
	c->bytes += bytes;
}

static __always_inline void lt_cost_free(__u32 tgid, __u64 t0, bool stepped)
{
	struct lt_cost *c = lt_cost_of(tgid);

	if (!c)
		return;
	lt_cost_time(t0, &c->entry_ns, &c->entry_timed);
	c->frees++;
	c->stepped += stepped;
}

/* The return half of a followed call. */
static __always_inline void lt_cost_return(__u32 tgid, __u64 t0)
{
	struct lt_cost *c = lt_cost_of(tgid);

	if (!c)
		return;
	lt_cost_time(t0, &c->ret_ns, &c->ret_timed);
	c->rets++;
}

/* A return probe that found no call of its thread followed: the trap, and little work. */
static __always_inline void lt_cost_idle_return(__u32 tgid, __u64 t0)
{
	struct lt_cost *c = lt_cost_of(tgid);

	if (!c)
		return;
	lt_cost_time(t0, &c->entry_ns, &c->entry_timed);
	c->idle_rets++;
}

/* A stack walked in a syscall tracepoint of the process, from `t0`: rare, each one timed. */
static __always_inline void lt_cost_sys(__u32 tgid, __u64 t0)
{
	struct lt_cost *c = lt_cost_of(tgid);

	if (!c)
		return;
	c->sys_ns += bpf_ktime_get_ns() - t0;
	c->sys_walks++;
}

/*
 * The mean bytes between samples for the calling thread's process: --sample-bytes, or with a
 * budget the interval user space set for the process (cached per thread by generation).
 */
static __always_inline __u64 lt_sample_bytes(struct lt_thread *th, __u32 tgid)
{
	__u32 gen;
	__u64 *v;

	if (!cfg_budget)
		return cfg_sample_bytes;
	gen = sampling_gen;
	if (th->sample_gen == gen)
		return th->sample_cached;
	v = bpf_map_lookup_elem(&sampling, &tgid);
	th->sample_cached = v ? *v : cfg_sample_bytes;
	th->sample_gen = gen;
	return th->sample_cached;
}

/*
 * Calibration programs, attached by calibrate.c to functions of leaktop's own, in leaktop
 * only: a trap with next to nothing to run but what every real program does outside the time
 * it measures (its process's cost entry found), timed by the same two clock reads, every hit.
 * A hit's cost then splits into the trap and the time measured inside. The cookie holds the
 * site (enum lt_calib_site), and LT_CALIB_SKIP_RETURN when the entry half is to skip the
 * return probe.
 */
static __always_inline void lt_calib_count(__u64 site)
{
	struct lt_cost *c = lt_cost_of(lt_tgid());
	__u64 t0 = bpf_ktime_get_ns();

	if (!c || site >= LT_CALIB__COUNT)
		return;
	calib_ns[site] += bpf_ktime_get_ns() - t0;
	calib_hits[site]++;
}

SEC("uprobe")
int calib_session(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	if (bpf_session_is_return()) {
		lt_calib_count(LT_CALIB_RETURN);
		return 0;
	}
	lt_calib_count(cookie & 0xff);
	return !!(cookie & LT_CALIB_SKIP_RETURN);
}

SEC("uprobe")
int calib_enter(struct pt_regs *ctx)
{
	lt_calib_count(bpf_get_attach_cookie(ctx) & 0xff);
	return 0;
}

SEC("uretprobe")
int calib_exit(struct pt_regs *ctx)
{
	lt_calib_count(LT_CALIB_RETURN);
	return 0;
}

#endif /* LEAKTOP_COST_BPF_H */
