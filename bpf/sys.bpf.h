/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Syscall tracepoints: sockets and memory mappings. These also see static and Go binaries,
 * which have no malloc to probe. Tracepoints fire in every process, so each program first
 * checks that its process is traced.
 *
 * Sockets are aggregated here, like heap blocks: {tgid, fd} -> the stack that opened it, and
 * per-stack opened/closed counts. Mappings go to user space as events (regions.c).
 */
#ifndef LEAKTOP_SYS_BPF_H
#define LEAKTOP_SYS_BPF_H

#define LT_AF_UNIX 1
#define LT_AF_INET 2
#define LT_AF_INET6 10
#define LT_SOCK_STREAM 1
#define LT_SOCK_DGRAM 2
#define LT_CLOSE_RANGE_CLOEXEC (1U << 2)
#define LT_MAP_ANONYMOUS 0x20

#define LT_EVENTS_BYTES (1 << 20)
/* Mappings' events wake user space only once this much waits (a quarter of the ring), ... */
#define LT_EVENTS_WAKE_BYTES (LT_EVENTS_BYTES / 4)
/* ... and then once a step of this much more (lt_events_wakeup()). */
#define LT_EVENTS_WAKE_STEP (64 << 10)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LT_EVENTS_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16); /* resized by user space */
	__type(key, struct lt_sock_key);
	__type(value, struct lt_sock);
} sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LT_DEFAULT_MAX_STACKS); /* resized with `stacks` */
	__type(key, struct lt_sock_totals_key);
	__type(value, struct lt_sock_totals);
} sock_totals SEC(".maps");

/* --per-call: calls of one user function per process. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64); /* resized by user space */
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

static __always_inline struct lt_thread *lt_thread_of_current(bool create)
{
	return bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* The user registers of a task in a syscall, where its stack walk starts. */
static __always_inline void lt_syscall_regs(struct lt_uregs *r)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	r->ip = BPF_CORE_READ(regs, ip);
	r->sp = BPF_CORE_READ(regs, sp);
	r->bp = BPF_CORE_READ(regs, bp);
	r->ip_is_return = false;
}

/* The stack of a traced process's syscall, and what walking it cost the process. */
static __always_inline __u64 lt_syscall_stack(void *ctx, __u32 tgid, struct lt_thread *th)
{
	struct lt_uregs regs;
	__u64 t0, id;

	if (cfg_no_stacks)
		return LT_STACK_NONE;
	t0 = bpf_ktime_get_ns();
	lt_syscall_regs(&regs);
	id = lt_stack_capture(ctx, tgid, &regs, th);
	lt_cost_sys(tgid, t0);
	return id;
}

static __always_inline __u32 lt_sock_kind(__u64 family, __u64 type)
{
	type &= 0xf; /* without SOCK_NONBLOCK and SOCK_CLOEXEC */
	if (family == LT_AF_UNIX)
		return LT_SOCK_UNIX;
	if (family != LT_AF_INET && family != LT_AF_INET6)
		return LT_SOCK_OTHER;
	return type == LT_SOCK_STREAM ? LT_SOCK_TCP : type == LT_SOCK_DGRAM ? LT_SOCK_UDP
									    : LT_SOCK_OTHER;
}

/* The kind of the socket behind `fd` of the current task, read from its struct sock. */
static __always_inline __u32 lt_sock_kind_of_fd(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return LT_SOCK_OTHER;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	return lt_sock_kind(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_type));
}

static __always_inline void lt_sock_close(__u32 tgid, __u32 fd)
{
	struct lt_sock_key key = { .tgid = tgid, .fd = fd };
	struct lt_sock_totals_key tkey = { .tgid = tgid };
	struct lt_sock_totals *t;
	struct lt_sock *s;

	s = bpf_map_lookup_elem(&sockets, &key);
	if (!s)
		return;
	tkey.kind = s->kind;
	tkey.stack_id = s->stack_id;
	if (bpf_map_delete_elem(&sockets, &key))
		return;
	t = bpf_map_lookup_elem(&sock_totals, &tkey);
	if (t)
		__sync_fetch_and_add(&t->closed, 1);
}

/* Record socket `fd`, opened by the stack `stack_id`. */
static __always_inline void lt_sock_open(__u32 tgid, __u32 fd, __u32 kind, __u64 stack_id)
{
	struct lt_sock_key key = { .tgid = tgid, .fd = fd };
	struct lt_sock_totals_key tkey = { .tgid = tgid, .kind = kind, .stack_id = stack_id };
	static const struct lt_sock_totals zero;
	struct lt_sock val = { .kind = kind };
	struct lt_sock_totals *t;

	t = bpf_map_lookup_elem(&sock_totals, &tkey);
	if (!t) {
		bpf_map_update_elem(&sock_totals, &tkey, &zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&sock_totals, &tkey);
	}
	if (!t) {
		lt_stat_add(LT_STAT_SOCK_TOTALS_FULL, 1);
		return;
	}
	lt_sock_close(tgid, fd); /* an fd reused without our seeing its close */
	val.stack_id = tkey.stack_id;
	val.ts_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&sockets, &key, &val, BPF_ANY)) {
		lt_stat_add(LT_STAT_SOCK_MAP_FULL, 1);
		return;
	}
	__sync_fetch_and_add(&t->opened, 1);
}

/*
 * Whether a mapping's event, reserved and not yet submitted, wakes user space. A wakeup is a
 * few microseconds of the mapping process's syscall, so none while the backlog is under a
 * quarter of the ring: user space drains it in its loop's next turn (a second at most), before
 * each table, and at each process event, which always wakes it. Past a quarter, one wakeup as
 * the backlog crosses each LT_EVENTS_WAKE_STEP, not one an event: a user space busy elsewhere
 * (a report) drains when it is back, and waking it for every event would be waste. The
 * backlog counts the reserved records, this one's too; two CPUs crossing a step together may
 * both miss it, and the next step wakes.
 */
static __always_inline __u64 lt_events_wakeup(__u64 size)
{
	__u64 rec = (size + 8 + 7) & ~7ULL; /* with the ring's 8-byte header */
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	if (avail < LT_EVENTS_WAKE_BYTES || avail < rec ||
	    avail / LT_EVENTS_WAKE_STEP == (avail - rec) / LT_EVENTS_WAKE_STEP)
		return BPF_RB_NO_WAKEUP;
	return BPF_RB_FORCE_WAKEUP;
}

/* A mapping's change, told to user space (regions.c). */
static __always_inline void lt_emit(__u32 tgid, __u32 type, __u64 addr, __u64 len,
				    __u64 new_addr, __u64 new_len, __u32 flags, __u64 stack_id)
{
	struct lt_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		lt_stat_add(LT_STAT_EVENTS_LOST, 1);
		return;
	}
	ev->type = type;
	ev->tgid = tgid;
	ev->addr = addr;
	ev->len = len;
	ev->new_addr = new_addr;
	ev->new_len = new_len;
	ev->stack_id = stack_id;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->flags = flags;
	ev->_pad = 0;
	bpf_ringbuf_submit(ev, lt_events_wakeup(sizeof(*ev)));
}

/*
 * The exits that record a stack walk it in one program, sys_exit_stack, reached by a tail
 * call: the walk is most of a program's instructions, and each program that holds a copy is
 * verified on its own (about 0.35 s each at load, for six of them before). The exit leaves in
 * its thread's storage what to record (`sys_rec` and its fields); the walk's program reads
 * it, walks, and records.
 */
enum lt_sys_rec {
	LT_SYS_REC_SOCK = 1,	/* a socket: sys_fd[0], of sys_sock_kind */
	LT_SYS_REC_SOCKPAIR,	/* two: sys_fd[0] and sys_fd[1] */
	LT_SYS_REC_MMAP,	/* a mapping at ret, sys_arg[0] long, with sys_flags */
	LT_SYS_REC_MREMAP,	/* sys_arg[0..1] moved to ret, sys_arg[2] long */
};

static __always_inline void lt_sys_record(struct trace_event_raw_sys_exit *ctx,
					  struct lt_thread *th, __u32 tgid, __u64 stack_id)
{
	switch (th->sys_rec) {
	case LT_SYS_REC_SOCKPAIR:
		lt_sock_open(tgid, th->sys_fd[1], th->sys_sock_kind, stack_id);
		/* fallthrough */
	case LT_SYS_REC_SOCK:
		lt_sock_open(tgid, th->sys_fd[0], th->sys_sock_kind, stack_id);
		break;
	case LT_SYS_REC_MMAP:
		lt_emit(tgid, LT_EV_MMAP, ctx->ret, th->sys_arg[0], 0, 0, th->sys_flags, stack_id);
		break;
	case LT_SYS_REC_MREMAP:
		lt_emit(tgid, LT_EV_MREMAP, th->sys_arg[0], th->sys_arg[1], ctx->ret,
			th->sys_arg[2], 0, stack_id);
		break;
	}
	th->sys_rec = 0;
}

/* Not attached: the syscall exits' tail. The same context as theirs. */
SEC("tracepoint")
int sys_exit_stack(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = lt_tgid();
	struct lt_thread *th = lt_thread_of_current(false);

	if (th && th->sys_rec)
		lt_sys_record(ctx, th, tgid, lt_syscall_stack(ctx, tgid, th));
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(void *));
} sys_tail SEC(".maps") = {
	.values = { [0] = (void *)&sys_exit_stack },
};

/* Record `rec` with the stack of the syscall: in sys_exit_stack, or here without a stack. */
static __always_inline int lt_sys_walk_then(struct trace_event_raw_sys_exit *ctx,
					    struct lt_thread *th, __u32 tgid, __u32 rec)
{
	th->sys_rec = rec;
	if (!cfg_no_stacks) {
		bpf_tail_call(ctx, &sys_tail, 0);
		lt_stat_add(LT_STAT_STACK_FAILED, 1); /* not reached unless the call failed */
	}
	lt_sys_record(ctx, th, tgid, LT_STACK_NONE);
	return 0;
}

/* Remember a syscall's arguments until its exit. Returns false for untraced processes. */
static __always_inline bool lt_sys_save(__u64 a0, __u64 a1, __u64 a2)
{
	struct lt_thread *th;

	if (!lt_traced(lt_tgid()))
		return false;
	th = lt_thread_of_current(true);
	if (!th)
		return false;
	th->sys_arg[0] = a0;
	th->sys_arg[1] = a1;
	th->sys_arg[2] = a2;
	/* A mapping made by a traced allocator call is the allocator's own, not the program's. */
	th->sys_in_alloc = th->pending_sp != 0;
	return true;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int sys_enter_socket(struct trace_event_raw_sys_enter *ctx)
{
	lt_sys_save(ctx->args[0], ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socket")
int sys_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = lt_tgid();
	struct lt_thread *th;

	if (ctx->ret < 0 || !lt_traced(tgid) || !(th = lt_thread_of_current(false)))
		return 0;
	th->sys_sock_kind = lt_sock_kind(th->sys_arg[0], th->sys_arg[1]);
	th->sys_fd[0] = ctx->ret;
	return lt_sys_walk_then(ctx, th, tgid, LT_SYS_REC_SOCK);
}

static __always_inline int lt_accepted(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = lt_tgid();
	struct lt_thread *th;

	if (ctx->ret < 0 || !lt_traced(tgid) || !(th = lt_thread_of_current(true)))
		return 0;
	th->sys_sock_kind = lt_sock_kind_of_fd(ctx->ret);
	th->sys_fd[0] = ctx->ret;
	return lt_sys_walk_then(ctx, th, tgid, LT_SYS_REC_SOCK);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return lt_accepted(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return lt_accepted(ctx);
}

SEC("tracepoint/syscalls/sys_enter_socketpair")
int sys_enter_socketpair(struct trace_event_raw_sys_enter *ctx)
{
	lt_sys_save(ctx->args[0], ctx->args[1], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socketpair")
int sys_exit_socketpair(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = lt_tgid();
	struct lt_thread *th;
	int sv[2];

	if (ctx->ret < 0 || !lt_traced(tgid) || !(th = lt_thread_of_current(false)))
		return 0;
	if (bpf_probe_read_user(sv, sizeof(sv), (void *)th->sys_arg[2]))
		return 0;
	th->sys_sock_kind = lt_sock_kind(th->sys_arg[0], th->sys_arg[1]);
	th->sys_fd[0] = sv[0];
	th->sys_fd[1] = sv[1];
	return lt_sys_walk_then(ctx, th, tgid, LT_SYS_REC_SOCKPAIR); /* one walk for both ends */
}

SEC("tracepoint/syscalls/sys_enter_close")
int sys_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = lt_tgid();

	if (lt_traced(tgid))
		lt_sock_close(tgid, ctx->args[0]);
	return 0;
}

/* dup2 and dup3 close their target fd first. */
static __always_inline int lt_dup_onto(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = lt_tgid();

	if (ctx->args[0] != ctx->args[1] && lt_traced(tgid))
		lt_sock_close(tgid, ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_dup2")
int sys_enter_dup2(struct trace_event_raw_sys_enter *ctx)
{
	return lt_dup_onto(ctx);
}

SEC("tracepoint/syscalls/sys_enter_dup3")
int sys_enter_dup3(struct trace_event_raw_sys_enter *ctx)
{
	return lt_dup_onto(ctx);
}

struct lt_range_close {
	__u32 tgid;
	__u32 first, last;
};

static long lt_close_in_range(struct bpf_map *map, struct lt_sock_key *key, struct lt_sock *val,
			      struct lt_range_close *rc)
{
	if (key->tgid == rc->tgid && key->fd >= rc->first && key->fd <= rc->last)
		lt_sock_close(key->tgid, key->fd);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close_range")
int sys_enter_close_range(struct trace_event_raw_sys_enter *ctx)
{
	struct lt_range_close rc = {
		.tgid = lt_tgid(),
		.first = ctx->args[0],
		.last = ctx->args[1],
	};

	if ((ctx->args[2] & LT_CLOSE_RANGE_CLOEXEC) || !lt_traced(rc.tgid))
		return 0;
	bpf_for_each_map_elem(&sockets, lt_close_in_range, &rc, 0);
	return 0;
}

/* --- Mappings ------------------------------------------------------------------------ */

static __always_inline struct lt_thread *lt_sys_done(long ret)
{
	struct lt_thread *th;

	if (ret < 0 && ret > -4096)
		return NULL; /* failed: nothing changed */
	if (!lt_traced(lt_tgid()))
		return NULL;
	th = lt_thread_of_current(false);
	return th && !th->sys_in_alloc ? th : NULL;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int sys_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	/* len, flags, fd */
	lt_sys_save(ctx->args[1], ctx->args[3], ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int sys_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	struct lt_thread *th = lt_sys_done(ctx->ret);
	bool anon;

	if (!th)
		return 0;
	anon = (th->sys_arg[1] & LT_MAP_ANONYMOUS) || (int)th->sys_arg[2] < 0;
	th->sys_flags = anon ? LT_EV_ANON : 0;
	return lt_sys_walk_then(ctx, th, lt_tgid(), LT_SYS_REC_MMAP);
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int sys_enter_munmap(struct trace_event_raw_sys_enter *ctx)
{
	lt_sys_save(ctx->args[0], ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int sys_exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	struct lt_thread *th = lt_sys_done(ctx->ret);

	if (th)
		lt_emit(lt_tgid(), LT_EV_MUNMAP, th->sys_arg[0], th->sys_arg[1], 0, 0, 0,
			LT_STACK_NONE);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int sys_enter_mremap(struct trace_event_raw_sys_enter *ctx)
{
	/* old address, old length, new length */
	lt_sys_save(ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int sys_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	struct lt_thread *th = lt_sys_done(ctx->ret);

	if (!th)
		return 0;
	return lt_sys_walk_then(ctx, th, lt_tgid(), LT_SYS_REC_MREMAP);
}

/* --- Processes --------------------------------------------------------------------- */

/* Tell user space that a traced process forked, ran a new program or exited. */
static __always_inline void lt_proc_event(__u32 type, __u32 tgid, __u64 parent)
{
	struct lt_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		lt_stat_add(LT_STAT_PROC_EVENTS_LOST, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->tgid = tgid;
	ev->addr = parent;
	ev->ts_ns = bpf_ktime_get_ns();
	/* Forced: the mappings' events before it may have woken no one. */
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
}

/*
 * What the BPF side keeps per process for its stack walks: the unwind tables' mappings, and
 * the CPython or V8 layout. A forked child has its parent's address space, so it gets the parent's
 * entries at once; a process that runs a new program or exits loses them. User space writes
 * them again once it has looked at the new program, and walks fall back to frame pointers
 * until then: frame 0, the allocator's caller, is right in either walk.
 */
static __always_inline void lt_walk_state_copy(__u32 parent, __u32 child)
{
	struct lt_unwind_proc *u = bpf_map_lookup_elem(&unwind_procs, &parent);
	struct lt_py_proc *py = bpf_map_lookup_elem(&py_procs, &parent);
	struct lt_v8_proc *v8 = bpf_map_lookup_elem(&v8_procs, &parent);

	if (u)
		bpf_map_update_elem(&unwind_procs, &child, u, BPF_ANY);
	if (py)
		bpf_map_update_elem(&py_procs, &child, py, BPF_ANY);
	if (v8)
		bpf_map_update_elem(&v8_procs, &child, v8, BPF_ANY);
}

static __always_inline void lt_walk_state_drop(__u32 tgid)
{
	bpf_map_delete_elem(&unwind_procs, &tgid);
	bpf_map_delete_elem(&py_procs, &tgid);
	bpf_map_delete_elem(&v8_procs, &tgid);
}

/*
 * A new process (not a thread). A scope traces it from its first instruction: --all's and
 * --cgroup's checks hold for it already (the child is in its parent's cgroup), and a launched
 * command's tree takes it in here, before it runs.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(proc_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(child, tgid), ptgid = lt_tgid(), one = 1;

	/* The child is not running yet; the parent's scope is the child's. */
	if (tgid != (__u32)BPF_CORE_READ(child, pid) || !lt_traced(ptgid))
		return 0;
	if (cfg_scope == LT_SCOPE_TREE &&
	    bpf_map_update_elem(&targets, &tgid, &one, BPF_ANY))
		lt_stat_add(LT_STAT_TREE_FULL, 1);
	if (cfg_scope != LT_SCOPE_PIDS)
		lt_walk_state_copy(ptgid, tgid);
	lt_proc_event(LT_EV_FORK, tgid, BPF_CORE_READ(parent, tgid));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(proc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = lt_tgid();

	if (!lt_traced(tgid))
		return 0;
	lt_walk_state_drop(tgid);
	lt_proc_event(LT_EV_EXEC, tgid, lt_exec_gen());
	return 0;
}

/* Fired by each exiting thread; the process is gone with its last one. */
SEC("tracepoint/sched/sched_process_exit")
int proc_exit(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = lt_tgid();

	if (BPF_CORE_READ(task, signal, live.counter) || !lt_traced(tgid))
		return 0;
	lt_proc_event(LT_EV_EXIT, tgid, 0);
	lt_walk_state_drop(tgid);
	if (cfg_scope == LT_SCOPE_TREE)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

/* --per-call: count calls of the user's function. */
SEC("uprobe")
int per_call(struct pt_regs *ctx)
{
	__u32 tgid = lt_tgid();
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&calls, &tgid);
	if (!n && !bpf_map_update_elem(&calls, &tgid, &one, BPF_NOEXIST))
		return 0;
	n = n ?: bpf_map_lookup_elem(&calls, &tgid); /* another thread made it first */
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

#endif /* LEAKTOP_SYS_BPF_H */
