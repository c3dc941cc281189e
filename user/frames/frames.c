// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxxname.h"
#include "frames.h"
#include "jsmem.h"
#include "perfmap.h"
#include "python.h"
#include "report.h"
#include "debuginfo.h"
#include "symbolizer.h"
#include "v8.h"
#include "util.h"

/* The native frames of a stack come first; interpreter slots follow them. */
static uint32_t native_len(const __u64 *ips, uint32_t nips)
{
	uint32_t n = 0;

	while (n < nips && !python__is_slot(ips[n]))
		n++;
	return n;
}

/* Files of the runtime, by the start of their names: the C and C++ runtime, allocators, libpython. */
static const char *const runtime_files[] = {
	"libc.so", "libc-", "libc.musl", "ld-linux", "ld-musl", "ld.so", "libm.so", "libm-",
	"libmvec.so", "libpthread.so", "libpthread-", "libdl.so", "libdl-", "librt.so", "librt-",
	"libstdc++.so", "libc++.so", "libc++abi.so", "libgcc_s.so", "libunwind.so",
	"libjemalloc.so", "libtcmalloc", "libmimalloc", "libpython",
};

/*
 * The runtime's code compiled into the program itself, by namespace: C++'s templates
 * (std::, also Rust's standard library, as are core:: and alloc::), and Go's runtime.
 */
static const char *const runtime_scopes[] = { "std::", "__gnu_cxx::", "__cxxabiv1::", "core::",
					      "alloc::", "runtime.", "syscall.", "internal/" };

/* The C runtime's start-up code, linked into every program. */
static const char *const runtime_funcs[] = { "_start", "_init", "_fini", "__libc_csu_init" };

/* V8's own code among JIT frames (node --perf-basic-prof): builtins, stubs, handlers. */
static const char *const v8_internal[] = { "Builtin:", "BytecodeHandler:", "Stub:", "Handler:",
					   "RegExp:" };

static bool starts_with_any(const char *s, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		if (!strncmp(s, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

static bool is_jit(const struct lt_frame *f)
{
	return !f->mod && f->module && !strcmp(f->module, "jit");
}

/* A JavaScript frame of node's own (node:buffer), or a V8 builtin (no script). */
static bool js_internal(const struct lt_frame *f)
{
	return f->cls == LT_FRAME_JS && (!f->file || !strncmp(f->file, "node:", 5));
}

/* A JavaScript function's frame named by node's perf map (not V8's own code). */
static bool is_js(const struct lt_frame *f)
{
	return is_jit(f) && f->func && !starts_with_any(f->func, v8_internal, ARRAY_SIZE(v8_internal));
}

/* Whether a C++ name, without its return type, starts in one of these scopes. */
static bool in_scope(const char *func, const char *const *scopes, size_t n)
{
	char buf[512];
	bool any = false;

	for (size_t i = 0; i < n && !any; i++)
		any = strstr(func, scopes[i]) != NULL;
	return any && starts_with_any(cxxname__shorten(func, buf, sizeof(buf)), scopes, n);
}

bool frames__is_runtime(const struct lt_frames *fr, const struct lt_frame *f)
{
	const char *base = f->mod ? f->mod->base : NULL;

	if (report__frame_is_source(f))
		return js_internal(f);
	if (is_jit(f))
		return !is_js(f);
	if (f->cls == LT_FRAME_ALLOC)
		return true;
	if (base && starts_with_any(base, runtime_files, ARRAY_SIZE(runtime_files)))
		return true;
	if (!f->func)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(runtime_funcs); i++) {
		if (!strcmp(f->func, runtime_funcs[i]))
			return true;
	}
	if (in_scope(f->func, runtime_scopes, ARRAY_SIZE(runtime_scopes)))
		return true;
	for (size_t i = 0; fr && i < fr->nruntime; i++) {
		const char *r = fr->runtime[i];
		size_t l = strlen(r);

		if (l > 2 && !strcmp(r + l - 2, "::") ? in_scope(f->func, &r, 1)
		    : base && !strncmp(base, r, l))
			return true;
	}
	return false;
}

/* The first of frames[0..n) that `pick` accepts: its index, or n. */
static size_t first(const struct lt_frame *frames, size_t n, bool (*pick)(const struct lt_frame *))
{
	size_t i = 0;

	while (i < n && !pick(&frames[i]))
		i++;
	return i;
}

/* The program's own source: a Python frame, or JavaScript that is not node's or V8's. */
static bool own_source(const struct lt_frame *f)
{
	return report__frame_is_source(f) && !js_internal(f);
}

static bool any_source(const struct lt_frame *f)
{
	return report__frame_is_source(f);
}

static bool own_native(const struct lt_frame *f)
{
	return !f->runtime;
}

const struct lt_frame *frames__own_frame(const struct lt_frame *frames, size_t n,
					 const struct lt_frame **via)
{
	/* Interpreted code first: the program is the script, the interpreter all runtime. */
	static bool (*const order[])(const struct lt_frame *) = { own_source, is_js, any_source,
								   own_native };
	size_t own = n;

	if (via)
		*via = NULL;
	if (!n)
		return NULL;
	for (size_t k = 0; k < ARRAY_SIZE(order) && own == n; k++)
		own = first(frames, n, order[k]);
	if (own == n)
		own = 0; /* all runtime: the innermost */
	if (via && own && !report__frame_is_source(&frames[own]) && !is_jit(&frames[own]))
		*via = &frames[own - 1];
	return &frames[own];
}

void frames__release(struct lt_frames *fr)
{
	hashmap__free(&fr->verdicts);
}

/*
 * frames__is_runtime, once per function and file: the symbolizer hands out one string per
 * function, so its address and the file's name key the verdict (names of C++ templates are
 * parsed to find their scope, which is worth doing once).
 */
static bool runtime_cached(struct lt_frames *fr, const struct lt_frame *f)
{
	uint64_t key, v;
	bool r;

	if (!f->func || !f->mod || f->cls == LT_FRAME_ALLOC)
		return frames__is_runtime(fr, f);
	key = ((uint64_t)(uintptr_t)f->func * 0x9e3779b97f4a7c15ULL) ^ str_hash(f->mod->base);
	if (hashmap__get(&fr->verdicts, key, &v))
		return v;
	r = frames__is_runtime(fr, f);
	hashmap__set(&fr->verdicts, key, r);
	return r;
}

static void name_native(struct lt_frames *fr, pid_t pid, struct lt_frame *f)
{
	struct lt_sym sym;

	symbolizer__symbolize(fr->sym, pid, f->ip, &sym);
	f->func = sym.func;
	f->offset = sym.offset;
	f->module = sym.module;
	f->mod = sym.mod;
	/* In no object: JIT code, which the runtime's perf map may name. */
	if (!f->func && !f->mod && fr->perfmaps) {
		f->func = perfmap__lookup(fr->perfmaps, pid, f->ip);
		f->module = f->func ? "jit" : NULL;
		f->offset = 0;
	}
	f->cls = report__frame_class(f->func, f->mod);
	f->runtime = runtime_cached(fr, f);
}

static void name_python(struct lt_frames *fr, pid_t pid, struct lt_frame *f)
{
	struct lt_py_frame py;
	int err = python__name(fr->python, pid, f->ip, f->pos, &py);

	f->cls = LT_FRAME_PYTHON;
	f->module = "python";
	if (!err) {
		f->func = py.func;
		f->file = py.file;
		f->line = py.line;
		return;
	}
	f->func = err == -ESTALE ? "[python code freed]" : "[python code unreadable]";
}

/*
 * A JavaScript frame: its slot pair named (its native frame kept when it cannot be: the
 * function moved or freed since, or the process is gone without it ever being named).
 */
static bool name_js(struct lt_frames *fr, pid_t pid, uint64_t sfi, uint64_t pos,
		    struct lt_frame *f)
{
	struct lt_js_frame js;

	if (!fr->v8 || v8__name(fr->v8, pid, sfi, pos, &js))
		return false;
	*f = (struct lt_frame){ .ip = sfi, .pos = pos, .cls = LT_FRAME_JS, .module = "js",
				.func = js.func[0] ? js.func : "(anonymous)", .file = js.file,
				.line = js.line };
	return true;
}

/* Whether slots i + 1 and i + 2 are the JavaScript pair of the frame at slot i. */
static bool has_js(const __u64 *ips, uint32_t n, uint32_t i)
{
	return i + 2 < n && ips[i + 1] >> LT_TAG_SHIFT == LT_TAG_V8_SFI &&
	       ips[i + 2] >> LT_TAG_SHIFT == LT_TAG_V8_POS;
}

/* Whether a native frame is the interpreter's evaluation loop, which Python frames replace. */
static bool is_eval(struct lt_frames *fr, pid_t pid, const struct lt_frame *f)
{
	return python__is_eval(fr->python, pid, f->ip) ||
	       (f->func && !strncmp(f->func, "_PyEval_EvalFrameDefault", 24));
}

int frames__name_stack(void *ctx, pid_t pid, const __u64 *ips, uint32_t nips,
		       struct lt_frame **frames, size_t *n)
{
	struct lt_frames *fr = ctx;
	uint32_t nn = native_len(ips, nips), next = nn; /* next: the next group's first slot */
	struct lt_frame *out = calloc(nips + 1, sizeof(*out));
	size_t k = 0;

	if (!out)
		return -ENOMEM;
	for (uint32_t i = 0; i < nn; i++) {
		struct lt_frame f = { .ip = ips[i] };

		if (v8__is_slot(ips[i]))
			continue; /* a pair without its frame: never written so */
		if (has_js(ips, nn, i)) {
			if (!name_js(fr, pid, ips[i + 1], ips[i + 2], &f))
				name_native(fr, pid, &f);
			out[k++] = f;
			i += 2;
			continue;
		}
		name_native(fr, pid, &f);
		if (next + 1 >= nips || !fr->python || !is_eval(fr, pid, &f)) {
			out[k++] = f;
			continue;
		}
		/*
		 * This evaluation call ran the Python frames up to the next group end; one that
		 * ran none at that moment (an empty group) keeps its native frame.
		 */
		size_t before = k;

		while (next + 1 < nips) {
			uint64_t code = ips[next], pos = ips[next + 1];

			next += 2;
			if (!python__slot_empty(code)) {
				out[k] = (struct lt_frame){ .ip = code, .pos = pos };
				name_python(fr, pid, &out[k++]);
			}
			if (pos & LT_PY_GROUP_END)
				break;
		}
		if (k == before)
			out[k++] = f;
	}
	/* Python frames whose native calls the walk did not reach: the outermost, in order. */
	for (; fr->python && next + 1 < nips; next += 2) {
		if (python__slot_empty(ips[next]))
			continue;
		out[k] = (struct lt_frame){ .ip = ips[next], .pos = ips[next + 1] };
		name_python(fr, pid, &out[k++]);
	}
	*frames = out;
	*n = k;
	return 0;
}

void frames__prefetch(struct lt_frames *fr, const struct lt_row *rows, size_t nrows)
{
	struct lt_py_frame py;
	struct lt_js_frame js;

	for (size_t r = 0; r < nrows && fr->v8; r++) {
		const struct lt_row *row = &rows[r];

		if (!row->ips || !v8__version(fr->v8, row->pid))
			continue;
		for (uint32_t i = 0; i < row->nips; i++) {
			if (has_js(row->ips, row->nips, i))
				v8__name(fr->v8, row->pid, row->ips[i + 1], row->ips[i + 2], &js);
		}
	}
	if (!fr->python)
		return;
	for (size_t r = 0; r < nrows; r++) {
		const struct lt_row *row = &rows[r];

		if (!row->ips || !python__version(fr->python, row->pid))
			continue;
		for (uint32_t i = native_len(row->ips, row->nips); i + 1 < row->nips; i += 2) {
			if (!python__slot_empty(row->ips[i]))
				python__name(fr->python, row->pid, row->ips[i], row->ips[i + 1], &py);
		}
	}
}

/* The part of a node process's memory a row holds, from its innermost native frames' names. */
static enum lt_js_mem js_mem(struct lt_frames *fr, const struct lt_row *row)
{
	uint32_t nn = native_len(row->ips, row->nips);
	const char *funcs[LT_JSMEM_DEPTH];
	size_t n = 0;

	for (uint32_t i = 0; i < nn && n < LT_JSMEM_DEPTH; i++) {
		struct lt_sym sym;

		if (v8__is_slot(row->ips[i]))
			continue; /* a JavaScript frame's slots: its native frame is JIT code */
		symbolizer__symbolize(fr->sym, row->pid, row->ips[i], &sym);
		funcs[n++] = sym.func;
	}
	return jsmem__of_funcs(report__is_mmap(row->kind), funcs, n);
}

void frames__js_mem(struct lt_frames *fr, struct lt_row *rows, size_t nrows)
{
	pid_t last = 0;
	bool runs = false;

	for (size_t i = 0; i < nrows && fr->v8; i++) {
		struct lt_row *row = &rows[i];

		row->js_mem = LT_JS_MEM_NONE;
		if (!row->ips || (row->kind != LT_ROW_HEAP && !report__is_mmap(row->kind)))
			continue;
		if (row->pid != last) { /* rows come grouped by process, mostly */
			last = row->pid;
			runs = v8__runs(fr->v8, row->pid);
		}
		if (runs)
			row->js_mem = js_mem(fr, row);
	}
}

void frames__settle(struct lt_frames *fr, const struct lt_row *rows, size_t nrows)
{
	struct lt_sym sym;
	double timeout;

	if (!debuginfod__urls() || !symbolizer__debuginfod_allowed(fr->sym))
		return;
	for (size_t r = 0; r < nrows; r++) {
		const struct lt_row *row = &rows[r];

		for (uint32_t i = 0; row->ips && i < native_len(row->ips, row->nips); i++) {
			if (!v8__is_slot(row->ips[i])) /* a JavaScript frame's slots: no address */
				symbolizer__symbolize(fr->sym, row->pid, row->ips[i], &sym);
		}
	}
	timeout = symbolizer__debuginfod_timeout(fr->sym);
	if (timeout > 0)
		symbolizer__settle(fr->sym, now_mono() + timeout);
}
