// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calibrate.h"
#include "leaktop.skel.h"
#include "procmaps.h"
#include "ulink.h"
#include "util.h"

/*
 * The functions probed, in leaktop's own text, written in assembly so that their first
 * instruction is known: `push %rbp`, which the kernel emulates (as the planner's probes on
 * the allocators are), and `test %rdi,%rdi`, which it single-steps (glibc's free at +0).
 */
__asm__(".text\n"
	".globl lt_calib_entry\n"
	".type lt_calib_entry, @function\n"
	"lt_calib_entry:\n"
	"	push %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size lt_calib_entry, .-lt_calib_entry\n"
	".globl lt_calib_both\n"
	".type lt_calib_both, @function\n"
	"lt_calib_both:\n"
	"	push %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size lt_calib_both, .-lt_calib_both\n"
	".globl lt_calib_stepped\n"
	".type lt_calib_stepped, @function\n"
	"lt_calib_stepped:\n"
	"	test %rdi, %rdi\n"
	"	ret\n"
	".size lt_calib_stepped, .-lt_calib_stepped\n");

void lt_calib_entry(void);
void lt_calib_both(void);
void lt_calib_stepped(void);

/* Calls per timed batch, and batches; the median batch counts. */
#define CALLS 400
#define CALLS_STEPPED 100
#define BATCHES 9

static void (*const sites[])(void) = {
	[LT_CALIB_ENTRY] = lt_calib_entry,
	[LT_CALIB_BOTH] = lt_calib_both,
	[LT_CALIB_STEPPED] = lt_calib_stepped,
};

static double thread_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The median over BATCHES of one call's CPU time, with preemption left out: this thread's CPU
 * time counts what the trap costs it, not what other tasks took meanwhile.
 */
static double per_call(void (*fn)(void), int calls)
{
	void (*volatile f)(void) = fn;
	double t[BATCHES];

	for (int b = 0; b < BATCHES; b++) {
		double t0 = thread_ns();

		for (int i = 0; i < calls; i++)
			f();
		t[b] = (thread_ns() - t0) / calls;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp_double);
	return t[BATCHES / 2];
}

/* The file offsets of the calibration functions in leaktop's executable, and its path. */
static int locate(char *path, size_t len, uint64_t *offsets)
{
	struct lt_maps maps;
	ssize_t n = readlink("/proc/self/exe", path, len - 1);
	int err;

	if (n < 0)
		return -errno;
	path[n] = '\0';
	err = procmaps__read(getpid(), &maps);
	if (err)
		return err;
	for (int i = 0; i < LT_CALIB_RETURN; i++) {
		uint64_t addr = (uintptr_t)sites[i];
		const struct lt_vma *v = procmaps__find(&maps, addr);

		if (!v || !procmaps__is_file(v)) {
			err = -ENOENT;
			break;
		}
		offsets[i] = addr - v->start + v->offset;
	}
	procmaps__free(&maps);
	return err;
}

static int keep(struct lt_probes *p, int fd)
{
	return fd < 0 ? fd : probes__keep_fd(p, fd);
}

static int keep_link(struct lt_probes *p, struct bpf_link *l)
{
	return l ? probes__keep_link(p, l) : -errno;
}

static struct bpf_link *perf_probe(struct bpf_program *prog, bool ret, const char *path,
				   uint64_t offset, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .bpf_cookie = cookie);

	return bpf_program__attach_uprobe_opts(prog, getpid(), path, offset, &opts);
}

/* Probe the three functions, in leaktop only, as `mode` attaches the allocators. */
static int attach(struct leaktop_bpf *skel, struct lt_probes *p, enum lt_attach_mode mode,
		  const char *path, const uint64_t *off)
{
	uint64_t cookies[3] = {
		LT_CALIB_ENTRY | LT_CALIB_SKIP_RETURN, LT_CALIB_BOTH,
		LT_CALIB_STEPPED | LT_CALIB_SKIP_RETURN,
	};
	int err;

	switch (mode) {
	case LT_ATTACH_SESSION:
		return keep(p, ulink__create(bpf_program__fd(skel->progs.calib_session),
					     LT_BPF_TRACE_UPROBE_SESSION, path, off, cookies, 3,
					     getpid(), 0));
	case LT_ATTACH_MULTI:
		err = keep(p, ulink__create(bpf_program__fd(skel->progs.calib_exit),
					    LT_BPF_TRACE_UPROBE_MULTI, path, &off[LT_CALIB_BOTH],
					    &cookies[LT_CALIB_BOTH], 1, getpid(),
					    LT_BPF_F_UPROBE_MULTI_RETURN));
		return err ?: keep(p, ulink__create(bpf_program__fd(skel->progs.calib_enter),
						    LT_BPF_TRACE_UPROBE_MULTI, path, off, cookies, 3,
						    getpid(), 0));
	default:
		err = keep_link(p, perf_probe(skel->progs.calib_exit, true, path,
					      off[LT_CALIB_BOTH], LT_CALIB_BOTH));
		for (int i = 0; i < 3 && !err; i++)
			err = keep_link(p, perf_probe(skel->progs.calib_enter, false, path, off[i],
						      cookies[i]));
		return err;
	}
}

int calibrate__run(struct leaktop_bpf *skel, struct lt_probes *probes, enum lt_attach_mode mode,
		   struct lt_trap_cost *out)
{
	double base[LT_CALIB_RETURN], probed[LT_CALIB_RETURN], clock_ns, ret_clock;
	uint64_t off[LT_CALIB_RETURN];
	double t0 = now_mono();
	char path[PATH_MAX];
	int err;

	memset(out, 0, sizeof(*out));
	err = locate(path, sizeof(path), off);
	for (int i = 0; !err && i < LT_CALIB_RETURN; i++)
		base[i] = per_call(sites[i], i == LT_CALIB_STEPPED ? CALLS_STEPPED : CALLS);
	err = err ?: attach(skel, probes, mode, path, off);
	if (err) {
		lt_warn("cannot measure what a trap costs (%s): the cost estimates count leaktop's "
			"BPF time only", strerror(-err));
		return err;
	}
	memset(skel->bss->calib_hits, 0, sizeof(skel->bss->calib_hits));
	memset(skel->bss->calib_ns, 0, sizeof(skel->bss->calib_ns));
	for (int i = 0; i < LT_CALIB_RETURN; i++)
		probed[i] = per_call(sites[i], i == LT_CALIB_STEPPED ? CALLS_STEPPED : CALLS);
	for (int i = 0; i <= LT_CALIB_RETURN; i++) {
		if (!skel->bss->calib_hits[i]) {
			lt_warn("cannot measure what a trap costs (the calibration probe %d never "
				"fired): the cost estimates count leaktop's BPF time only", i);
			return -ENOENT;
		}
	}
	/* What a timed span measures: one clock read (the programs do nothing else in it). */
	clock_ns = (double)skel->bss->calib_ns[LT_CALIB_ENTRY] /
		   skel->bss->calib_hits[LT_CALIB_ENTRY];
	ret_clock = (double)skel->bss->calib_ns[LT_CALIB_RETURN] /
		    skel->bss->calib_hits[LT_CALIB_RETURN];
	/*
	 * Each calibration hit reads the clock twice; a real hit does so one time in
	 * LT_COST_TIME_EVERY, which the model adds back.
	 */
	out->clock_ns = clock_ns;
	out->entry_ns = probed[LT_CALIB_ENTRY] - base[LT_CALIB_ENTRY] - 2 * clock_ns;
	out->ret_ns = probed[LT_CALIB_BOTH] - base[LT_CALIB_BOTH] - 2 * clock_ns - 2 * ret_clock -
		      out->entry_ns;
	out->step_ns = probed[LT_CALIB_STEPPED] - base[LT_CALIB_STEPPED] -
		       (probed[LT_CALIB_ENTRY] - base[LT_CALIB_ENTRY]);
	if (out->entry_ns < 0)
		out->entry_ns = 0;
	if (out->ret_ns < 0)
		out->ret_ns = 0;
	if (out->step_ns < 0)
		out->step_ns = 0;
	out->known = true;
	lt_info(1, "a trap costs %.0f ns at entry, %.0f ns more at return, %.0f ns more "
		   "single-stepped; a clock read %.0f ns (%s links; measured in %.0f ms)",
		out->entry_ns, out->ret_ns, out->step_ns, out->clock_ns, probes__mode_name(mode),
		(now_mono() - t0) * 1000);
	return 0;
}
