// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfobj.h"
#include "hashmap.h"
#include "objects.h"
#include "procmaps.h"
#include "procmem.h"
#include "util.h"
#include "v8.h"

/* Bounds on what is read from a target, which may be hostile. */
#define NAME_MAX_UNITS 512		/* UTF-16 units of a function or script name */
#define SOURCE_MAX_UNITS (8u << 20)	/* of a script's source, to find its lines */
#define LINES_MAX (1u << 20)		/* lines of a script */
#define POSITIONS_MAX (64 * 1024)	/* bytes of a source position table */
#define FUNCS_MAX 65536			/* functions named per process */
#define SCRIPTS_MAX 4096		/* scripts whose lines are known, per process */
#define STR_DEPTH 8			/* cons, thin and sliced strings followed */
#define LOCALS_MAX 100000		/* a ScopeInfo's context locals */
/*
 * What is kept of a process's functions and scripts (their names, position tables and line
 * ends), and of every process's: past either, a new function is not named, a new table not kept.
 * A hostile process could otherwise have 65,536 functions of 64 KiB tables (4 GiB) and 4,096
 * scripts of a million lines (16 GiB) kept.
 */
#define PROC_BYTES_MAX (64u << 20)
#define ALL_BYTES_MAX (256u << 20)
/* Files known to have no V8 metadata, not read again (each process is looked at again often). */
#define PLAIN_MAX 4096

/* The postmortem symbols read, each an int in the binary's data. */
enum {
	S_SMI_SHIFT,
	S_FP_CONTEXT,
	S_FP_FUNCTION,
	S_FP_BC_ARRAY,
	S_FP_BC_OFFSET,
	S_MAP,
	S_MAP_TYPE,
	S_FN_SHARED,
	S_SFI_DATA,
	S_SFI_NAME,
	S_SFI_SCRIPT,
	S_SFI_LENGTH,
	S_SFI_PARAMS,
	S_SFI_TOKEN,
	S_SFI_FLAGS,
	S_SCRIPT_NAME,
	S_SCRIPT_SOURCE,
	S_SCRIPT_LINE_ENDS,
	S_SCRIPT_EVAL_FROM,
	S_STR_LENGTH,
	S_SEQ1_CHARS,
	S_SEQ2_CHARS,
	S_CONS_FIRST,
	S_CONS_SECOND,
	S_THIN_ACTUAL,
	S_SLICED_PARENT,
	S_SLICED_OFFSET,
	S_EXT_RESOURCE,
	S_FA_LENGTH,
	S_FIRST_NONSTRING,
	S_REPR_MASK,
	S_ENC_MASK,
	S_ONE_BYTE_TAG,
	S_SEQ_TAG,
	S_CONS_TAG,
	S_EXT_TAG,
	S_SLICED_TAG,
	S_THIN_TAG,
	S_T_SFI,
	S_T_SCOPE_INFO,
	S_T_SCRIPT,
	S_T_BYTECODE,
	S_T_BYTE_ARRAY,
	S_T_FIXED_ARRAY,
	S_T_TRUSTED_BYTE_ARRAY,
	S_T_CODE,
	S_CODE_BYTECODE,
	S_BC_DATA,
	S_T_ODDBALL,
	S_VERSION_MAJOR,
	S_VERSION_MINOR,
	S__COUNT,
};

/*
 * Each symbol's names. The metadata names a field after its type, and V8 renamed some types
 * (Object became Tagged<Object>) or fields (script_or_debug_info became script) between
 * releases: every name a supported release uses is listed, the first being what leaktop says
 * when none is there.
 */
static const struct {
	int s;
	const char *name;
} sym_list[] = {
	{ S_SMI_SHIFT, "v8dbg_SmiShiftSize" },
	{ S_FP_CONTEXT, "v8dbg_off_fp_context_or_frame_type" },
	{ S_FP_FUNCTION, "v8dbg_off_fp_function" },
	{ S_FP_BC_ARRAY, "v8dbg_off_fp_bytecode_array" },
	{ S_FP_BC_OFFSET, "v8dbg_off_fp_bytecode_offset" },
	{ S_MAP, "v8dbg_class_HeapObject__map__Map" },
	{ S_MAP_TYPE, "v8dbg_class_Map__instance_type__uint16_t" },
	{ S_FN_SHARED, "v8dbg_class_JSFunction__shared__SharedFunctionInfo" },
	{ S_SFI_DATA, "v8dbg_class_SharedFunctionInfo__function_data__Object" },
	{ S_SFI_NAME, "v8dbg_class_SharedFunctionInfo__name_or_scope_info__Object" },
	{ S_SFI_NAME, "v8dbg_class_SharedFunctionInfo__name_or_scope_info__Tagged_Object_" },
	{ S_SFI_NAME, "v8dbg_class_SharedFunctionInfo__name_or_scope_info__Tagged_NameOrScopeInfoT_" },
	{ S_SFI_SCRIPT, "v8dbg_class_SharedFunctionInfo__script_or_debug_info__HeapObject" },
	{ S_SFI_SCRIPT, "v8dbg_class_SharedFunctionInfo__script__Tagged_HeapObject_" },
	{ S_SFI_LENGTH, "v8dbg_class_SharedFunctionInfo__length__uint16_t" },
	{ S_SFI_PARAMS, "v8dbg_class_SharedFunctionInfo__internal_formal_parameter_count__uint16_t" },
	{ S_SFI_TOKEN, "v8dbg_class_SharedFunctionInfo__raw_function_token_offset__int16_t" },
	{ S_SFI_FLAGS, "v8dbg_class_SharedFunctionInfo__flags__int" },
	{ S_SCRIPT_NAME, "v8dbg_class_Script__name__Object" },
	{ S_SCRIPT_SOURCE, "v8dbg_class_Script__source__Object" },
	{ S_SCRIPT_LINE_ENDS, "v8dbg_class_Script__line_ends__Object" },
	{ S_SCRIPT_EVAL_FROM, "v8dbg_class_Script__eval_from_shared_or_wrapped_arguments__Object" },
	{ S_SCRIPT_EVAL_FROM,
	  "v8dbg_class_Script__eval_from_shared_or_wrapped_arguments_or_sfi_table__Object" },
	{ S_SCRIPT_EVAL_FROM, "v8dbg_class_Script__eval_from_shared_or_wrapped_arguments__Tagged_Object_" },
	{ S_STR_LENGTH, "v8dbg_class_String__length__int32_t" },
	{ S_SEQ1_CHARS, "v8dbg_class_SeqOneByteString__chars__char" },
	{ S_SEQ2_CHARS, "v8dbg_class_SeqTwoByteString__chars__char" },
	{ S_CONS_FIRST, "v8dbg_class_ConsString__first__String" },
	{ S_CONS_SECOND, "v8dbg_class_ConsString__second__String" },
	{ S_THIN_ACTUAL, "v8dbg_class_ThinString__actual__String" },
	{ S_SLICED_PARENT, "v8dbg_class_SlicedString__parent__String" },
	{ S_SLICED_OFFSET, "v8dbg_class_SlicedString__offset__SMI" },
	{ S_EXT_RESOURCE, "v8dbg_class_ExternalString__resource__Object" },
	{ S_FA_LENGTH, "v8dbg_class_FixedArrayBase__length__SMI" },
	{ S_FIRST_NONSTRING, "v8dbg_FirstNonstringType" },
	{ S_REPR_MASK, "v8dbg_StringRepresentationMask" },
	{ S_ENC_MASK, "v8dbg_StringEncodingMask" },
	{ S_ONE_BYTE_TAG, "v8dbg_OneByteStringTag" },
	{ S_SEQ_TAG, "v8dbg_SeqStringTag" },
	{ S_CONS_TAG, "v8dbg_ConsStringTag" },
	{ S_EXT_TAG, "v8dbg_ExternalStringTag" },
	{ S_SLICED_TAG, "v8dbg_SlicedStringTag" },
	{ S_THIN_TAG, "v8dbg_ThinStringTag" },
	{ S_T_SFI, "v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE" },
	{ S_T_SCOPE_INFO, "v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE" },
	{ S_T_SCRIPT, "v8dbg_type_Script__SCRIPT_TYPE" },
	{ S_T_BYTECODE, "v8dbg_type_BytecodeArray__BYTECODE_ARRAY_TYPE" },
	{ S_T_BYTE_ARRAY, "v8dbg_type_ByteArray__BYTE_ARRAY_TYPE" },
	{ S_T_FIXED_ARRAY, "v8dbg_type_FixedArray__FIXED_ARRAY_TYPE" },
	{ S_T_TRUSTED_BYTE_ARRAY, "v8dbg_type_TrustedByteArray__TRUSTED_BYTE_ARRAY_TYPE" },
	{ S_T_CODE, "v8dbg_type_Code__CODE_TYPE" },
	{ S_T_ODDBALL, "v8dbg_type_Oddball__ODDBALL_TYPE" },
	/* Baseline (Sparkplug) code's bytecode. */
	{ S_CODE_BYTECODE, "v8dbg_class_Code__bytecode_or_interpreter_data__HeapObject" },
	/* Where the first bytecode is: the array's header size, which frames' offsets include. */
	{ S_BC_DATA, "v8dbg_class_BytecodeArray__data__uintptr_t" },
	{ S_VERSION_MAJOR, "_ZN2v88internal7Version6major_E" },
	{ S_VERSION_MINOR, "_ZN2v88internal7Version6minor_E" },
};

/* The first name of a symbol, to say which is missing. */
static const char *sym_name(int s)
{
	for (size_t i = 0; i < ARRAY_SIZE(sym_list); i++) {
		if (sym_list[i].s == s)
			return sym_list[i].name;
	}
	return "?";
}

/*
 * What the metadata does not say, per V8 release, checked against every object read: where
 * BytecodeArray keeps its source position table, and ScopeInfo's layout (its flags, the bits
 * that say which optional slots it has, where its variable part starts, and where the
 * function's start position is). Each was read from that release's objects in its node's own
 * memory (functions of each shape: declared, named expression, inferred name, method, arrow,
 * async, 74 and 75 context locals, in a script and a module), not guessed: a release not
 * listed keeps native frames. And Script's id, between the line ends and eval_from_shared the
 * metadata places. (In every release listed, SharedFunctionInfo's function literal id is the 4
 * bytes after its flags.)
 */
struct release {
	int major, minor;
	int node;		/* the node release line that ships it */
	uint32_t sfi_data;	/* SharedFunctionInfo's function data when the metadata has no
				   symbol for it (V8 12 split it, for the sandbox); 0: it has */
	uint32_t code_bytecode;	/* baseline Code's BytecodeArray, when the metadata has no symbol
				   for it; 0: it has */
	uint32_t bc_positions;	/* BytecodeArray.source_position_table */
	bool bc_trusted;	/* ... a TrustedByteArray (V8 12 moved bytecode to trusted space) */
	bool si_flags_smi;	/* ScopeInfo's flags: a Smi, else a uint32 (V8 13) */
	uint32_t si_flags, si_locals, si_vars; /* ScopeInfo: flags, context_local_count (a Smi),
						  and its variable part */
	uint32_t si_positions;	/* the start and end positions (Smis), when at a fixed place (V8 13);
				   0: after the inferred name, in a function's scope only */
	uint32_t si_inline_max;	/* context locals named inline, below this many */
	int fl_saved_class, fl_fn_var, fl_inferred; /* flag bits (fn_var: 2 bits) */
	uint32_t module_scope;	/* the scope type (flags' low 4 bits) with a module slot first */
	uint32_t function_scope; /* ... of a function, which has its source positions */
	uint32_t script_id;	/* Script.id, a Smi */
};

static const struct release releases[] = {
	{ .major = 10, .minor = 2, .node = 18, .code_bytecode = 16, .bc_positions = 32,
	  .si_flags_smi = true, .si_flags = 8, .si_locals = 24, .si_vars = 32, .si_inline_max = 75,
	  .fl_saved_class = 10, .fl_fn_var = 12, .fl_inferred = 14, .module_scope = 3,
	  .function_scope = 2, .script_id = 64 },
	{ .major = 11, .minor = 3, .node = 20, .bc_positions = 32, .si_flags_smi = true,
	  .si_flags = 8, .si_locals = 24, .si_vars = 32, .si_inline_max = 75, .fl_saved_class = 10,
	  .fl_fn_var = 12, .fl_inferred = 14, .module_scope = 3, .function_scope = 2,
	  .script_id = 64 },
	{ .major = 12, .minor = 4, .node = 22, .sfi_data = 8, .code_bytecode = 8, .bc_positions = 24,
	  .bc_trusted = true, .si_flags_smi = true, .si_flags = 8, .si_locals = 24, .si_vars = 32,
	  .si_inline_max = 75, .fl_saved_class = 10, .fl_fn_var = 12, .fl_inferred = 14,
	  .module_scope = 3, .function_scope = 2, .script_id = 64 },
	/* ScopeType gained SCRIPT_SCOPE and REPL_MODE_SCOPE first; positions moved up. */
	{ .major = 13, .minor = 6, .node = 24, .sfi_data = 8, .code_bytecode = 8, .bc_positions = 24,
	  .bc_trusted = true, .si_flags = 8, .si_locals = 24, .si_vars = 48, .si_positions = 32,
	  .si_inline_max = 75, .fl_saved_class = 10, .fl_fn_var = 12, .fl_inferred = 14,
	  .module_scope = 5, .function_scope = 4, .script_id = 64 },
};

struct layout {
	const struct release *rel;
	int32_t v[S__COUNT];
	bool have[S__COUNT];	/* which symbols the binary has */
	int32_t positions_type;	/* the instance type of a source position table */
};

/* A script: its name, and where its lines end. */
struct script {
	uint64_t id;		/* Script.id, unique in the isolate: its address may be reused */
	const char *name;	/* NULL: none */
	uint32_t *ends;		/* source positions of each line's end */
	size_t nends;
};

#define NO_SCRIPT (-1)		/* a V8 builtin or API function: native */
#define SCRIPT_UNKNOWN (-2)	/* a script, which could not be read (moved or freed first) */
#define LITERAL_NONE 0xffffffffu /* the function literal id of a function with no script */

/* A function, named. */
struct func {
	uint64_t addr;
	uint32_t sum;
	const char *name;
	int64_t script;		/* index into scripts; NO_SCRIPT, SCRIPT_UNKNOWN */
	uint8_t *positions;	/* its bytecode's source position table; NULL: none */
	size_t npositions;
	uint64_t bc_len;	/* its bytecode's length: offsets past it are not its */
	int64_t start;		/* where its source starts; -1: unknown */
	double looked_at;	/* when its position table was last looked for (now_mono()) */
};

struct proc {
	pid_t pid;
	int fd;
	bool runs;		/* its metadata was found: it runs V8, followed or not */
	bool followed;
	char version[16];
	struct layout l;
	struct lt_v8_proc bpf;
	int refused_err;		/* why v8__look() did not follow it (-errno), 0: it does */
	struct lt_hashmap cache;	/* address ^ checksum -> index into funcs */
	struct func *funcs;
	size_t nfuncs, cap_funcs;
	struct lt_hashmap failed;	/* address ^ checksum of frames that could not be named
					   -> the error */
	struct lt_hashmap script_idx;	/* script id -> index into scripts */
	struct script *scripts;
	size_t nscripts, cap_scripts;
	struct lt_strings strings;	/* the names of funcs and scripts */
	size_t kept;			/* bytes of names and tables, below PROC_BYTES_MAX */
};

struct lt_v8 {
	struct proc *procs;
	size_t nprocs, cap_procs;
	uint64_t named, unnamed;	/* of processes forgotten */
	size_t kept;			/* every process's kept bytes, below ALL_BYTES_MAX */
	struct lt_hashmap plain;	/* files read that have no V8 metadata: dev, inode */
};

struct lt_v8 *v8__new(void)
{
	return calloc(1, sizeof(struct lt_v8));
}

/*
 * A process's names are freed with it: every output that outlives a report copies the names it
 * keeps (check.c, top.c), and a process is forgotten between reports.
 */
static void proc_clear(struct lt_v8 *v8, struct proc *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	for (size_t i = 0; i < p->nfuncs; i++)
		free(p->funcs[i].positions);
	for (size_t i = 0; i < p->nscripts; i++)
		free(p->scripts[i].ends);
	free(p->funcs);
	free(p->scripts);
	hashmap__free(&p->cache);
	hashmap__free(&p->failed);
	hashmap__free(&p->script_idx);
	lt_strings_free(&p->strings);
	v8->kept -= p->kept;
	p->kept = 0;
	p->funcs = NULL;
	p->scripts = NULL;
	p->nfuncs = p->cap_funcs = p->nscripts = p->cap_scripts = 0;
	p->followed = false;
}

void v8__free(struct lt_v8 *v8)
{
	if (!v8)
		return;
	for (size_t i = 0; i < v8->nprocs; i++)
		proc_clear(v8, &v8->procs[i]);
	hashmap__free(&v8->plain);
	free(v8->procs);
	free(v8);
}

static struct proc *proc_find(const struct lt_v8 *v8, pid_t pid)
{
	for (size_t i = 0; i < v8->nprocs; i++) {
		if (v8->procs[i].pid == pid)
			return &v8->procs[i];
	}
	return NULL;
}

static struct proc *proc_get(struct lt_v8 *v8, pid_t pid)
{
	struct proc *p = proc_find(v8, pid);

	if (p)
		return p;
	if (lt_grow((void **)&v8->procs, &v8->cap_procs, v8->nprocs, sizeof(*v8->procs)))
		return NULL;
	p = &v8->procs[v8->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->fd = -1;
	return p;
}

/* Take n bytes of what may be kept: false past the process's share or everyone's. */
static bool budget_take(struct lt_v8 *v8, struct proc *p, size_t n)
{
	if (n > PROC_BYTES_MAX - p->kept || n > ALL_BYTES_MAX - v8->kept)
		return false;
	p->kept += n;
	v8->kept += n;
	return true;
}

/* Keep a name (malloc'ed, or NULL) within the budget; NULL when it is not kept. */
static const char *name_keep(struct lt_v8 *v8, struct proc *p, char *name)
{
	size_t n = name ? strlen(name) + 1 : 0;
	const char *kept;

	if (!name || !budget_take(v8, p, n)) {
		free(name);
		return NULL;
	}
	kept = lt_strings_keep(&p->strings, name);
	if (!kept) {
		p->kept -= n;
		v8->kept -= n;
	}
	return kept;
}

/* --- Reading V8's heap ------------------------------------------------------------------ */

static bool is_heap(uint64_t v)
{
	return (v & 3) == 1 && v > 4096 && v < (1ULL << 47);
}

/* A Smi's value (no pointer compression: the upper half); false when v is not one. */
static bool smi(uint64_t v, int64_t *out)
{
	if (v & 0xffffffffULL)
		return false;
	*out = (int32_t)(v >> 32);
	return true;
}

static int word(const struct proc *p, uint64_t obj, uint32_t off, uint64_t *out)
{
	return procmem__read(p->fd, obj - 1 + off, out, sizeof(*out));
}

/* An object's instance type, or -1. */
static int type_of(const struct proc *p, uint64_t obj)
{
	uint64_t map;
	uint16_t t;

	if (!is_heap(obj) || word(p, obj, (uint32_t)p->l.v[S_MAP], &map) || !is_heap(map) ||
	    procmem__read(p->fd, map - 1 + (uint32_t)p->l.v[S_MAP_TYPE], &t, sizeof(t)))
		return -1;
	return t;
}

static bool is_string_type(const struct layout *l, int t)
{
	return t >= 0 && t < l->v[S_FIRST_NONSTRING];
}

/*
 * Characters [from, from + n) of a string, as UTF-16 units, into out. Follows thin, cons and
 * sliced strings (depth-bounded); external strings by the data pointer V8 caches after their
 * resource. 0 or -EIO.
 */
static int str_units(const struct proc *p, uint64_t s, uint64_t from, uint64_t n, uint16_t *out,
		     int depth)
{
	const struct layout *l = &p->l;
	int t = type_of(p, s), repr;
	bool one;
	int32_t len;
	uint64_t a, b, data;
	int64_t off;

	if (!is_string_type(l, t) || depth > STR_DEPTH ||
	    procmem__read(p->fd, s - 1 + (uint32_t)l->v[S_STR_LENGTH], &len, sizeof(len)) ||
	    len < 0 || from + n > (uint64_t)len)
		return -EIO;
	if (!n)
		return 0;
	repr = t & l->v[S_REPR_MASK];
	one = (t & l->v[S_ENC_MASK]) == l->v[S_ONE_BYTE_TAG];
	if (repr == l->v[S_THIN_TAG]) {
		if (word(p, s, (uint32_t)l->v[S_THIN_ACTUAL], &a))
			return -EIO;
		return str_units(p, a, from, n, out, depth + 1);
	}
	if (repr == l->v[S_SLICED_TAG]) {
		if (word(p, s, (uint32_t)l->v[S_SLICED_PARENT], &a) ||
		    word(p, s, (uint32_t)l->v[S_SLICED_OFFSET], &b) || !smi(b, &off) || off < 0)
			return -EIO;
		return str_units(p, a, from + (uint64_t)off, n, out, depth + 1);
	}
	if (repr == l->v[S_CONS_TAG]) {
		int32_t first_len;
		uint64_t k;

		if (word(p, s, (uint32_t)l->v[S_CONS_FIRST], &a) ||
		    word(p, s, (uint32_t)l->v[S_CONS_SECOND], &b) || !is_heap(a) ||
		    procmem__read(p->fd, a - 1 + (uint32_t)l->v[S_STR_LENGTH], &first_len,
				  sizeof(first_len)) ||
		    first_len < 0 || first_len > len)
			return -EIO;
		k = (uint64_t)first_len;
		if (from < k) {
			uint64_t m = n < k - from ? n : k - from;

			if (str_units(p, a, from, m, out, depth + 1))
				return -EIO;
			from += m, n -= m, out += m;
		}
		return n ? str_units(p, b, from - k, n, out, depth + 1) : 0;
	}
	if (repr == l->v[S_SEQ_TAG])
		data = s - 1 + (uint32_t)l->v[one ? S_SEQ1_CHARS : S_SEQ2_CHARS];
	else if (repr == l->v[S_EXT_TAG]) {
		/* The resource's data, cached by V8 in the word after it. */
		if (word(p, s, (uint32_t)l->v[S_EXT_RESOURCE] + 8, &data) || !data)
			return -EIO;
	} else {
		return -EIO;
	}
	if (!one)
		return procmem__read(p->fd, data + 2 * from, out, 2 * n);
	uint8_t *bytes = malloc(n);
	int err = bytes ? procmem__read(p->fd, data + from, bytes, n) : -ENOMEM;

	for (uint64_t i = 0; !err && i < n; i++)
		out[i] = bytes[i];
	free(bytes);
	return err;
}

static int32_t str_len(const struct proc *p, uint64_t s)
{
	int32_t len;

	if (!is_string_type(&p->l, type_of(p, s)) ||
	    procmem__read(p->fd, s - 1 + (uint32_t)p->l.v[S_STR_LENGTH], &len, sizeof(len)) ||
	    len < 0)
		return -1;
	return len;
}

/* A string as UTF-8, at most NAME_MAX_UNITS of its characters; NULL when it is not one. */
static char *str_utf8(const struct proc *p, uint64_t s)
{
	uint16_t u[NAME_MAX_UNITS];
	int32_t len = str_len(p, s);
	size_t o = 0, cap = NAME_MAX_UNITS * 3 + 1;
	char *out;

	if (len < 0)
		return NULL;
	if (len > NAME_MAX_UNITS)
		len = NAME_MAX_UNITS;
	if (str_units(p, s, 0, (uint64_t)len, u, 0))
		return NULL;
	out = malloc(cap);
	if (!out)
		return NULL;
	for (int32_t i = 0; i < len; i++) {
		uint32_t c = u[i];

		if (c >= 0xd800 && c < 0xdc00 && i + 1 < len && u[i + 1] >= 0xdc00 &&
		    u[i + 1] < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00);
			i++;
		}
		procmem__put_utf8(out, &o, cap, c);
	}
	out[o] = '\0';
	return realloc(out, o + 1) ?: out;
}

/*
 * What a function's ScopeInfo says: its name (the function variable's, else the one V8 inferred,
 * as for `obj.method = function () {}`; NULL when it has neither), and where its source starts
 * (-1 when unknown).
 */
static char *scope_info_read(const struct proc *p, uint64_t si, int64_t *start)
{
	const struct release *r = p->l.rel;
	uint64_t fw, lw, name = 0, pw[2];
	int64_t flags, locals, begin, end;
	uint64_t slot;
	char *found = NULL;

	*start = -1;
	if (word(p, si, r->si_flags, &fw) || word(p, si, r->si_locals, &lw) ||
	    !smi(lw, &locals) || locals < 0 || locals > LOCALS_MAX)
		return NULL;
	if (r->si_flags_smi) {
		if (!smi(fw, &flags))
			return NULL;
	} else {
		/* A uint32, then padding that V8 keeps zero. */
		if (fw >> 32)
			return NULL;
		flags = (int64_t)fw;
	}
	slot = r->si_vars;
	if ((uint64_t)(flags & 0xf) == r->module_scope)
		slot += 8;
	slot += 8 * ((uint64_t)(locals < r->si_inline_max ? locals : 1) + (uint64_t)locals);
	if (flags & (1LL << r->fl_saved_class))
		slot += 8;
	if ((flags >> r->fl_fn_var) & 3) {
		if (word(p, si, (uint32_t)slot, &name))
			return NULL;
		slot += 16;
		if (str_len(p, name) > 0)
			found = str_utf8(p, name);
	}
	if (flags & (1LL << r->fl_inferred)) {
		if (word(p, si, (uint32_t)slot, &name))
			return found;
		slot += 8;
		if (!found && str_len(p, name) > 0)
			found = str_utf8(p, name);
	}
	/* A function's scope has its start and end positions: here, or at a fixed place. */
	if (r->si_positions)
		slot = r->si_positions;
	if ((uint64_t)(flags & 0xf) == r->function_scope &&
	    !procmem__read(p->fd, si - 1 + slot, pw, sizeof(pw)) && smi(pw[0], &begin) &&
	    smi(pw[1], &end) && begin >= 0 && end >= begin)
		*start = begin;
	return found;
}

/* The source positions where a script's lines end: V8's own table when built, else found. */
static int script_lines(const struct proc *p, uint64_t script, struct script *out)
{
	const struct layout *l = &p->l;
	uint64_t ends, src, w;
	int64_t n, v = 0;

	if (!word(p, script, (uint32_t)l->v[S_SCRIPT_LINE_ENDS], &ends) &&
	    type_of(p, ends) == l->v[S_T_FIXED_ARRAY] &&
	    !word(p, ends, (uint32_t)l->v[S_FA_LENGTH], &w) && smi(w, &n) && n > 0 &&
	    n <= LINES_MAX) {
		uint64_t *raw = malloc((size_t)n * 8);

		out->ends = malloc((size_t)n * sizeof(*out->ends));
		if (raw && out->ends &&
		    !procmem__read(p->fd, ends - 1 + (uint32_t)l->v[S_FA_LENGTH] + 8, raw,
				   (size_t)n * 8)) {
			bool ok = true;

			for (int64_t i = 0; i < n && ok; i++) {
				ok = smi(raw[i], &v) && v >= 0 && (i == 0 || v >= out->ends[i - 1]);
				out->ends[i] = (uint32_t)v;
			}
			if (ok) {
				free(raw);
				out->nends = (size_t)n;
				return 0;
			}
		}
		free(raw);
		free(out->ends);
		out->ends = NULL;
	}
	/* Not built yet: the newlines of the source. */
	int32_t len;
	uint16_t *u;
	size_t cap = 0;

	if (word(p, script, (uint32_t)l->v[S_SCRIPT_SOURCE], &src))
		return -EIO;
	len = str_len(p, src);
	if (len < 0 || (uint32_t)len > SOURCE_MAX_UNITS)
		return -EIO;
	u = malloc((size_t)len * 2 + 2);
	if (!u)
		return -ENOMEM;
	if (str_units(p, src, 0, (uint64_t)len, u, 0)) {
		free(u);
		return -EIO;
	}
	out->nends = 0;
	for (int32_t i = 0; i <= len && out->nends < LINES_MAX; i++) {
		if (i < len && u[i] != '\n')
			continue;
		if (out->nends == cap &&
		    lt_grow((void **)&out->ends, &cap, out->nends, sizeof(*out->ends))) {
			free(u);
			return -ENOMEM;
		}
		out->ends[out->nends++] = (uint32_t)i;
	}
	free(u);
	return 0;
}

/*
 * The script at `addr`, whose id word is `id`: its name and lines found the first time. Cached
 * by id, not address: the GC moves scripts, and puts others where they were. -1 when it is
 * not one.
 */
static int64_t script_get(struct lt_v8 *v8, struct proc *p, uint64_t addr, uint64_t id)
{
	struct script s = { .id = id };
	uint64_t idx, name;
	int64_t n;

	if (type_of(p, addr) != p->l.v[S_T_SCRIPT] || !smi(id, &n) || n <= 0)
		return NO_SCRIPT;
	if (hashmap__get(&p->script_idx, id, &idx))
		return (int64_t)idx;
	if (p->nscripts >= SCRIPTS_MAX)
		return NO_SCRIPT;
	/*
	 * eval, new Function and the like make scripts with no name (undefined, or ""): V8 says
	 * <anonymous>. A name that cannot be read (the script freed since) is not known.
	 */
	if (word(p, addr, (uint32_t)p->l.v[S_SCRIPT_NAME], &name))
		name = 0;
	if (str_len(p, name) > 0)
		s.name = name_keep(v8, p, str_utf8(p, name) ?: strdup("?"));
	else if (str_len(p, name) == 0 || type_of(p, name) == p->l.v[S_T_ODDBALL])
		s.name = name_keep(v8, p, strdup("<anonymous>"));
	else
		s.name = name_keep(v8, p, strdup("?"));
	if (!s.name)
		return NO_SCRIPT;
	if (script_lines(p, addr, &s) || !budget_take(v8, p, s.nends * sizeof(*s.ends))) {
		free(s.ends);
		s.ends = NULL;
		s.nends = 0;
	}
	if (lt_grow((void **)&p->scripts, &p->cap_scripts, p->nscripts, sizeof(*p->scripts)) ||
	    hashmap__set(&p->script_idx, id, p->nscripts)) {
		free(s.ends);
		return NO_SCRIPT;
	}
	p->scripts[p->nscripts] = s;
	return (int64_t)p->nscripts++;
}

/* The function's bytecode and its source position table, when it has them (and room). */
static void bytecode_read(struct lt_v8 *v8, struct proc *p, uint64_t data, struct func *f)
{
	const struct layout *l = &p->l;
	uint64_t table, w;
	int64_t n, len;

	/* A function V8 compiled to baseline code since: the bytecode that code was made from. */
	if (type_of(p, data) == l->v[S_T_CODE] &&
	    word(p, data, (uint32_t)l->v[S_CODE_BYTECODE], &data))
		return;
	if (type_of(p, data) != l->v[S_T_BYTECODE] ||
	    word(p, data, (uint32_t)l->v[S_FA_LENGTH], &w) || !smi(w, &len) || len < 0 ||
	    word(p, data, l->rel->bc_positions, &table) || type_of(p, table) != l->positions_type ||
	    word(p, table, (uint32_t)l->v[S_FA_LENGTH], &w) || !smi(w, &n) || n <= 0 ||
	    n > POSITIONS_MAX || !budget_take(v8, p, (size_t)n))
		return;
	f->positions = malloc((size_t)n);
	if (!f->positions ||
	    procmem__read(p->fd, table - 1 + (uint32_t)l->v[S_FA_LENGTH] + 8, f->positions,
			  (size_t)n)) {
		free(f->positions);
		f->positions = NULL;
		p->kept -= (size_t)n;
		v8->kept -= (size_t)n;
		return;
	}
	f->npositions = (size_t)n;
	f->bc_len = (uint64_t)len;
}

/*
 * The checksum of the SharedFunctionInfo whose first bytes are h, as the BPF walk computed it
 * (v8.bpf.h); *id: its script's id word (0: none).
 */
static uint32_t sfi_sum(const struct proc *p, const uint8_t *h, uint64_t *id)
{
	uint64_t script = procmem__u64(h, (size_t)p->l.v[S_SFI_SCRIPT]);

	if (!is_heap(script) || procmem__read(p->fd, script - 1 + p->l.rel->script_id, id, sizeof(*id)))
		*id = 0;
	return (uint32_t)lt_v8_sum(procmem__u64(h, p->bpf.sfi_sum),
				   procmem__u64(h, p->bpf.sfi_sum + 8u), *id);
}

static int func_read(struct lt_v8 *v8, struct proc *p, uint64_t sfi, uint32_t sum, struct func *f)
{
	const struct layout *l = &p->l;
	uint8_t h[LT_V8_SFI_WINDOW];
	uint64_t name, script, data, id;
	char *s = NULL;
	int64_t start = -1;
	int t;

	if (procmem__read(p->fd, sfi - 1, h, sizeof(h)))
		return -EIO;
	name = procmem__u64(h, (size_t)l->v[S_SFI_NAME]);
	script = procmem__u64(h, (size_t)l->v[S_SFI_SCRIPT]);
	data = procmem__u64(h, (size_t)l->v[S_SFI_DATA]);
	if (type_of(p, sfi) != l->v[S_T_SFI] || sfi_sum(p, h, &id) != sum)
		return -ESTALE;
	t = type_of(p, name);
	if (is_string_type(l, t))
		s = str_utf8(p, name);
	else if (t == l->v[S_T_SCOPE_INFO])
		s = scope_info_read(p, name, &start);
	if (!s && !(s = strdup("")))
		return -ENOMEM;
	*f = (struct func){
		.addr = sfi,
		.sum = sum,
		.name = name_keep(v8, p, s),
		.start = start,
		.looked_at = now_mono(),
	};
	if (!f->name)
		return -ENOSPC;
	f->script = script_get(v8, p, script, id);
	/* A function of a script whose script is gone: not a builtin, whose frames say native. */
	if (f->script == NO_SCRIPT && procmem__u32(h, p->bpf.sfi_sum + 12u) != LITERAL_NONE)
		f->script = SCRIPT_UNKNOWN;
	bytecode_read(v8, p, data, f);
	return 0;
}

/*
 * V8 builds a function's source position table lazily (for a stack trace, an exception, a
 * profiler), maybe after leaktop first named it: an interpreted frame of a function that had
 * none looks again, once a second at most.
 */
static void positions_again(struct lt_v8 *v8, struct proc *p, struct func *f)
{
	uint8_t h[LT_V8_SFI_WINDOW];
	double now = now_mono();
	uint64_t id;

	if (now - f->looked_at < 1.0)
		return;
	f->looked_at = now;
	if (procmem__read(p->fd, f->addr - 1, h, sizeof(h)) || type_of(p, f->addr) != p->l.v[S_T_SFI] ||
	    sfi_sum(p, h, &id) != f->sum)
		return;
	bytecode_read(v8, p, procmem__u64(h, (size_t)p->l.v[S_SFI_DATA]), f);
}

int v8__name(struct lt_v8 *v8, pid_t pid, uint64_t sfi_slot, uint64_t pos_slot,
	     struct lt_js_frame *out)
{
	uint64_t sfi = sfi_slot & ((1ULL << LT_TAG_SHIFT) - 1);
	uint32_t sum = (uint32_t)((pos_slot >> 32) & LT_V8_SUM_MASK);
	uint64_t raw = pos_slot & 0xffffffffULL, key = sfi * 0x9e3779b97f4a7c15ULL ^ sum, idx;
	struct proc *p = proc_find(v8, pid);
	const struct func *f;
	int64_t offset = -1, pos;
	uint64_t header;

	memset(out, 0, sizeof(*out));
	if (!p || !p->followed)
		return -ESRCH;
	if (!hashmap__get(&p->cache, key, &idx) || p->funcs[idx].addr != sfi ||
	    p->funcs[idx].sum != sum) {
		struct func fresh;
		uint64_t why;
		int err;

		if (p->nfuncs >= FUNCS_MAX)
			return -ENOSPC;
		/*
		 * A frame that could not be named will not be: its function moved or was freed, and
		 * another there has another checksum. Each report names its rows again: no read.
		 */
		if (hashmap__get(&p->failed, key, &why))
			return -(int)why;
		err = func_read(v8, p, sfi, sum, &fresh);
		if (err) {
			if (p->failed.n < FUNCS_MAX)
				hashmap__set(&p->failed, key, (uint64_t)-err);
			return err;
		}
		if (lt_grow((void **)&p->funcs, &p->cap_funcs, p->nfuncs, sizeof(*p->funcs)) ||
		    hashmap__set(&p->cache, key, p->nfuncs)) {
			free(fresh.positions);
			return -ENOMEM;
		}
		idx = p->nfuncs;
		p->funcs[p->nfuncs++] = fresh;
	}
	f = &p->funcs[idx];
	if (!f->positions && raw != LT_V8_POS_NONE)
		positions_again(v8, p, &p->funcs[idx]);
	out->func = f->name;
	if (f->script == SCRIPT_UNKNOWN)
		out->file = "?";
	if (f->script < 0)
		return 0;
	out->file = p->scripts[f->script].name;
	header = (uint64_t)p->l.v[S_BC_DATA];
	/* V8 keeps the offset from the array's tagged address: header included, tag taken. */
	if (raw != LT_V8_POS_NONE && raw >= header - 1 && raw - (header - 1) < f->bc_len)
		offset = (int64_t)(raw - (header - 1));
	/*
	 * The bytecode's position; V8 builds position tables lazily, so without one, the
	 * function's own start.
	 */
	pos = v8__position(f->positions, f->npositions, offset);
	if (pos < 0)
		pos = f->start;
	if (pos >= 0)
		out->line = v8__line(p->scripts[f->script].ends, p->scripts[f->script].nends, pos);
	return 0;
}

/* --- V8's formats ---------------------------------------------------------------------- */

/* A zigzag VLQ, 7 bits a byte, least significant first. false at the table's end. */
static bool vlq(const uint8_t *t, size_t len, size_t *i, int64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; *i < len && shift < 64; shift += 7) {
		uint8_t b = t[(*i)++];

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
			return true;
		}
	}
	return false;
}

int64_t v8__position(const uint8_t *table, size_t len, int64_t offset)
{
	/*
	 * Offsets count from V8's function entry offset, -1: the first entry, the function's
	 * entry (its stack check), is there, and the first bytecode's is at 0.
	 */
	int64_t code = -1, raw = 0, best = -1, d, sp;
	size_t i = 0;

	if (!table)
		return -1;
	/*
	 * Entries by ascending bytecode offset: the last at or before `offset` holds. V8 writes
	 * offsets of 32 bits and positions of 47 (script offset, inlining id): a delta past those
	 * is not V8's and ends the table, and so does a table past POSITIONS_MAX bytes. Neither
	 * sum can overflow then (at most 2^15 entries, each moving it below 2^48).
	 */
	while (i < POSITIONS_MAX && vlq(table, len, &i, &d) && vlq(table, len, &i, &sp)) {
		if (d > INT32_MAX || d < INT32_MIN || sp >= (1LL << 48) || sp <= -(1LL << 48))
			break;
		/* The offset's sign says whether the entry is a statement's: not needed here. */
		code += d >= 0 ? d : -d - 1;
		raw += sp;
		if (offset >= 0 && code > offset)
			break;
		best = raw;
		if (offset < 0)
			break; /* the function's first position */
	}
	/* A script offset plus one (0: none), above the "external" bit; inlining ids above it. */
	if (best <= 0 || (best & 1))
		return -1;
	best = ((best >> 1) & ((1LL << 30) - 1)) - 1;
	return best >= 0 ? best : -1;
}

uint32_t v8__line(const uint32_t *ends, size_t n, int64_t position)
{
	size_t lo = 0, hi = n;

	if (!ends || position < 0)
		return 0;
	/* The first line whose end is at or after the position. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ends[mid] < position)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? (uint32_t)lo + 1 : 0;
}

/* --- Finding V8 -------------------------------------------------------------------------- */

/*
 * Read the metadata of the object mapped at v, when it has V8's: every symbol it has (l->have
 * says which). 0; -ENOENT when it has none; -ENOEXEC when it cannot be read (the process gone,
 * say); or -errno.
 */
/*
 * V8's metadata of the object at v: -ENOENT when it has none. The process's memory (*fd,
 * opened here from `mem` the first time it is needed: only for an object that has V8's
 * metadata, so a process that is not node is never asked for it) holds the values.
 */
static int metadata(pid_t pid, int *fd, const char *mem, const struct lt_vma *v,
		    struct layout *l)
{
	const char *names[ARRAY_SIZE(sym_list)];
	struct lt_elf_func syms[ARRAY_SIZE(sym_list)];
	uint64_t bias;
	struct lt_elf *e;
	char *path = objects__open_path(pid, v);

	e = path ? elfobj__open(path) : NULL;
	free(path);
	if (!e)
		return -ENOEXEC;
	for (size_t i = 0; i < ARRAY_SIZE(sym_list); i++)
		names[i] = sym_list[i].name;
	/* node, or a program linking V8: its postmortem metadata says so. */
	elfobj__find_syms(e, names, ARRAY_SIZE(sym_list), syms);
	if (!syms[0].found || elfobj__bias(e, v->start, v->offset, &bias)) {
		elfobj__close(e);
		return -ENOENT;
	}
	elfobj__close(e);
	if (*fd < 0)
		*fd = open(mem, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(sym_list); i++) {
		int s = sym_list[i].s;

		if (!syms[i].found || l->have[s])
			continue;
		if (procmem__read(*fd, syms[i].vaddr + bias, &l->v[s], sizeof(l->v[s])))
			return -EIO;
		l->have[s] = true;
	}
	return 0;
}

/*
 * The release's own facts in the layout, where the metadata has none. NULL, or the symbol
 * that is missing.
 */
static const char *complete(struct layout *l)
{
	const struct release *r = l->rel;

	if (!l->have[S_SFI_DATA] && r->sfi_data) {
		l->v[S_SFI_DATA] = (int32_t)r->sfi_data;
		l->have[S_SFI_DATA] = true;
	}
	if (!l->have[S_CODE_BYTECODE] && r->code_bytecode) {
		l->v[S_CODE_BYTECODE] = (int32_t)r->code_bytecode;
		l->have[S_CODE_BYTECODE] = true;
	}
	for (int i = 0; i < S__COUNT; i++) {
		/* The table type of another release's position tables is not needed. */
		if (i == (r->bc_trusted ? S_T_BYTE_ARRAY : S_T_TRUSTED_BYTE_ARRAY))
			continue;
		if (!l->have[i])
			return sym_name(i);
	}
	l->positions_type = l->v[r->bc_trusted ? S_T_TRUSTED_BYTE_ARRAY : S_T_BYTE_ARRAY];
	return NULL;
}

/* Whether the metadata reads as a layout this walk and these readers can use. */
static const char *check(const struct layout *l)
{
	const int32_t *v = l->v;

	if (v[S_SMI_SHIFT] != 31)
		return "pointer compression (Smis of 31 bits) is not supported";
	for (int i = S_FP_CONTEXT; i <= S_FP_BC_OFFSET; i++) {
		if (v[i] >= 0 || v[i] < -LT_V8_FRAME_BYTES || (v[i] & 7))
			return "its frame slots do not read as offsets below the frame pointer";
	}
	if (v[S_SFI_DATA] < 8 || v[S_SFI_DATA] > LT_V8_SFI_WINDOW - 8 || (v[S_SFI_DATA] & 7) ||
	    v[S_SFI_NAME] > LT_V8_SFI_WINDOW - 8 || v[S_SFI_SCRIPT] > LT_V8_SFI_WINDOW - 8 ||
	    v[S_SFI_NAME] < 8 || v[S_SFI_SCRIPT] < 8 || (v[S_SFI_NAME] & 7) || (v[S_SFI_SCRIPT] & 7))
		return "SharedFunctionInfo's fields are not where leaktop reads them";
	/*
	 * The checksum covers the 8 bytes holding length, parameter count and token offset, and
	 * the next 8: flags, then the function literal id.
	 */
	if (v[S_SFI_LENGTH] < 8 || v[S_SFI_LENGTH] > LT_V8_SFI_WINDOW - 16 ||
	    (v[S_SFI_LENGTH] & 7) || v[S_SFI_PARAMS] - v[S_SFI_LENGTH] < 0 ||
	    v[S_SFI_PARAMS] - v[S_SFI_LENGTH] > 4 || v[S_SFI_TOKEN] - v[S_SFI_LENGTH] < 0 ||
	    v[S_SFI_TOKEN] - v[S_SFI_LENGTH] > 4 || v[S_SFI_FLAGS] != v[S_SFI_LENGTH] + 8)
		return "SharedFunctionInfo's length, parameter count, token offset and flags are not two words";
	if ((int64_t)l->rel->script_id != v[S_SCRIPT_LINE_ENDS] + 8 ||
	    (int64_t)l->rel->script_id != v[S_SCRIPT_EVAL_FROM] - 8)
		return "Script's id is not between its line ends and eval_from_shared";
	if (v[S_FN_SHARED] < 8 || v[S_FN_SHARED] > 256 || (v[S_FN_SHARED] & 7) || v[S_MAP] != 0 ||
	    v[S_MAP_TYPE] < 8 || v[S_MAP_TYPE] > 64)
		return "JSFunction's or Map's fields are out of range";
	for (int i = S_SCRIPT_NAME; i <= S_FA_LENGTH; i++) {
		if (v[i] < 8 || v[i] > 512)
			return "a string's or script's field is out of range";
	}
	if (v[S_FIRST_NONSTRING] <= 0 || v[S_FIRST_NONSTRING] > 1024)
		return "its string types are out of range";
	/* The instance types read: each a non-string type, none another's. */
	const int32_t types[] = { v[S_T_SFI], v[S_T_SCOPE_INFO], v[S_T_SCRIPT], v[S_T_BYTECODE],
				  v[S_T_FIXED_ARRAY], v[S_T_CODE], v[S_T_ODDBALL],
				  l->positions_type };

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (types[i] < v[S_FIRST_NONSTRING] || types[i] > 0xffff)
			return "its instance types are out of range";
		for (size_t j = 0; j < i; j++) {
			if (types[i] == types[j])
				return "two of its instance types are equal";
		}
	}
	if (v[S_BC_DATA] < 16 || v[S_BC_DATA] > 256)
		return "BytecodeArray's header is out of range";
	if (v[S_CODE_BYTECODE] < 8 || v[S_CODE_BYTECODE] > 256 || (v[S_CODE_BYTECODE] & 7))
		return "Code's bytecode field is out of range";
	return NULL;
}

/* "V8 12.9 is not supported (V8 10.2, ... and 13.6, of node 18, ... and 24, are)" */
static void supported(char *why, size_t len, int major, int minor)
{
	size_t n = ARRAY_SIZE(releases), o;

	o = (size_t)snprintf(why, len, "V8 %d.%d is not supported (V8", major, minor);
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(why + o, len - o, "%s%d.%d", i ? (i + 1 < n ? ", " : " and ") : " ",
				      releases[i].major, releases[i].minor);
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(why + o, len - o, "%s%d", i ? (i + 1 < n ? ", " : " and ") : ", of node ",
				      releases[i].node);
	if (o < len)
		snprintf(why + o, len - o, ", are)");
}

int v8__look(struct lt_v8 *v8, pid_t pid, const struct lt_maps *maps, struct lt_v8_proc *out,
	     char *why, size_t len)
{
	struct layout l = { 0 };
	const char *bad = NULL;
	char path[64];
	struct proc *p;
	int fd, err = -ENOENT;
	bool first = true;

	why[0] = '\0';
	p = proc_find(v8, pid);
	if (p && p->followed) {
		*out = p->bpf;
		return 1;
	}
	/* Refused: for the same reason until it runs a new program (then it is forgotten). */
	if (p && p->refused_err)
		return p->refused_err;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = -1;
	for (size_t i = 0; i < maps->n && (err == -ENOENT || err == -ENOEXEC); i++) {
		const struct lt_vma *v = &maps->vmas[i];
		const char *base = strrchr(v->path, '/') ? strrchr(v->path, '/') + 1 : v->path;
		uint64_t file = (v->inode ^ ((uint64_t)v->dev_major << 52 | (uint64_t)v->dev_minor << 32)) *
				0x9e3779b97f4a7c15ULL;

		if (!procmaps__is_file(v) || v->offset)
			continue;
		if (i && maps->vmas[i - 1].inode == v->inode && !strcmp(maps->vmas[i - 1].path, v->path))
			continue;
		/* The executable (the first object mapped), or node's shared library. */
		if (!first && fnmatch("libnode.so*", base, 0))
			continue;
		first = false;
		if (hashmap__get(&v8->plain, file, NULL))
			continue;
		err = metadata(pid, &fd, path, v, &l);
		if (err == -ENOENT) {
			if (v8->plain.n >= PLAIN_MAX)
				hashmap__clear(&v8->plain);
			hashmap__set(&v8->plain, file, 0);
		}
	}
	if (err == -ENOENT || err == -ENOEXEC) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	p = proc_get(v8, pid);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	p->runs = true;
	if (err == -EACCES || err == -EPERM) {
		snprintf(why, len, "cannot read its memory: %s", strerror(-err));
		goto fail;
	}
	if (err) {
		snprintf(why, len, "cannot read its V8 metadata: %s", strerror(-err));
		goto fail;
	}
	if (!l.have[S_VERSION_MAJOR] || !l.have[S_VERSION_MINOR]) {
		snprintf(why, len, "its V8 metadata has no %s",
			 sym_name(l.have[S_VERSION_MAJOR] ? S_VERSION_MINOR : S_VERSION_MAJOR));
		err = -ENODATA;
		goto fail;
	}
	/* Only a release whose layouts were read from its own objects. */
	for (size_t i = 0; i < ARRAY_SIZE(releases) && !l.rel; i++) {
		if (releases[i].major == l.v[S_VERSION_MAJOR] &&
		    releases[i].minor == l.v[S_VERSION_MINOR])
			l.rel = &releases[i];
	}
	if (!l.rel) {
		supported(why, len, l.v[S_VERSION_MAJOR], l.v[S_VERSION_MINOR]);
		err = -ENOTSUP;
		goto fail;
	}
	bad = complete(&l);
	if (bad) {
		snprintf(why, len, "its V8 metadata has no %s", bad);
		err = -ENODATA;
		goto fail;
	}
	bad = check(&l);
	if (bad) {
		snprintf(why, len, "its V8 metadata does not validate: %s", bad);
		err = -EINVAL;
		goto fail;
	}
	p->bpf = (struct lt_v8_proc){
		.fp_context = (__s16)l.v[S_FP_CONTEXT],
		.fp_function = (__s16)l.v[S_FP_FUNCTION],
		.fp_bytecode_array = (__s16)l.v[S_FP_BC_ARRAY],
		.fp_bytecode_offset = (__s16)l.v[S_FP_BC_OFFSET],
		.fn_shared = (__u16)l.v[S_FN_SHARED],
		.sfi_data = (__u16)l.v[S_SFI_DATA],
		.sfi_sum = (__u16)l.v[S_SFI_LENGTH],
		.sfi_script = (__u16)l.v[S_SFI_SCRIPT],
		.script_id = (__u16)l.rel->script_id,
	};
	p->fd = fd;
	p->l = l;
	p->followed = true;
	snprintf(p->version, sizeof(p->version), "%d.%d", l.v[S_VERSION_MAJOR],
		 l.v[S_VERSION_MINOR]);
	*out = p->bpf;
	return 1;
fail:
	if (fd >= 0)
		close(fd);
	p->refused_err = err ? err : -EINVAL;
	return p->refused_err;
}

void v8__counts(const struct lt_v8 *v8, uint64_t *named, uint64_t *unnamed)
{
	*named = v8->named;
	*unnamed = v8->unnamed;
	for (size_t i = 0; i < v8->nprocs; i++) {
		*named += v8->procs[i].nfuncs;
		*unnamed += v8->procs[i].failed.n;
	}
}

void v8__forget(struct lt_v8 *v8, pid_t pid)
{
	struct proc *p = proc_find(v8, pid);

	if (!p)
		return;
	v8->named += p->nfuncs;
	v8->unnamed += p->failed.n;
	proc_clear(v8, p);
	*p = v8->procs[--v8->nprocs];
}

bool v8__entry(const struct lt_v8 *v8, pid_t pid, struct lt_v8_proc *out)
{
	const struct proc *p = proc_find(v8, pid);

	if (!p || !p->followed)
		return false;
	*out = p->bpf;
	return true;
}

bool v8__runs(const struct lt_v8 *v8, pid_t pid)
{
	const struct proc *p = v8 ? proc_find(v8, pid) : NULL;

	return p && p->runs;
}

const char *v8__version(const struct lt_v8 *v8, pid_t pid)
{
	const struct proc *p = proc_find(v8, pid);

	return p && p->followed ? p->version : NULL;
}
