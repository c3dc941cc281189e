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
#include "python.h"
#include "util.h"

/* Bounds on what is read from a target, which may be hostile. */
#define STR_MAX 512	       /* characters of a name or a file path */
#define LINES_MAX (64 * 1024) /* bytes of a line table */
#define MEMBERS_MAX 64	       /* entries of a type's member table */
#define CODE_HEAD 256	       /* bytes of a code object read: every field leaktop uses */
#define CODES_MAX 65536	       /* code objects named per process; more are not named */

/* PyTypeObject fields, the same from 3.8 to 3.13. */
#define TP_NAME 24
#define TP_BASICSIZE 32
#define TP_MEMBERS 240
#define MEMBER_SIZE 40 /* PyMemberDef: name, type, offset (+16), flags, doc */

/* What is read from a code object, at the offsets its type's member table gives. */
struct layout {
	int minor;
	uint64_t code_type, str_type, bytes_type;
	uint32_t basicsize;	/* PyCode_Type.tp_basicsize: 3.11+'s bytecode starts there */
	uint32_t filename, name, qualname, lines, firstlineno; /* qualname 0: use name */
	uint32_t argcount;
	uint32_t str_ascii, str_compact; /* where a compact str's characters start */
	uint64_t eval_lo, eval_hi;	/* _PyEval_EvalFrameDefault */
};

/* A code object, named. */
struct code {
	uint64_t addr;
	uint32_t sum;
	const char *func, *file;
	int firstlineno;
	uint8_t *lines;
	size_t nlines;
};

struct proc {
	pid_t pid;
	int fd;			/* /proc/PID/mem while followed; -1 before */
	bool followed;		/* its layout is known and checked */
	char version[16];
	struct layout l;
	struct lt_py_proc bpf;	/* its entry for the BPF walk */
	uint64_t refused;	/* hash of why the last look refused it, said once */
	struct lt_hashmap cache; /* code address and checksum -> index into codes */
	struct code *codes;
	size_t ncodes, cap_codes;
};

struct lt_python {
	struct proc *procs;
	size_t nprocs, cap_procs;
	struct lt_strings strings;	/* every name handed out, freed at the end */
};

struct lt_python *python__new(void)
{
	return calloc(1, sizeof(struct lt_python));
}

static void proc_clear(struct proc *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	for (size_t i = 0; i < p->ncodes; i++)
		free(p->codes[i].lines);
	free(p->codes);
	hashmap__free(&p->cache);
	p->codes = NULL;
	p->ncodes = p->cap_codes = 0;
	p->followed = false;
}

void python__free(struct lt_python *py)
{
	if (!py)
		return;
	for (size_t i = 0; i < py->nprocs; i++)
		proc_clear(&py->procs[i]);
	lt_strings_free(&py->strings);
	free(py->procs);
	free(py);
}

static struct proc *proc_find(const struct lt_python *py, pid_t pid)
{
	for (size_t i = 0; i < py->nprocs; i++) {
		if (py->procs[i].pid == pid)
			return &py->procs[i];
	}
	return NULL;
}

static struct proc *proc_get(struct lt_python *py, pid_t pid)
{
	struct proc *p = proc_find(py, pid);

	if (p)
		return p;
	if (lt_grow((void **)&py->procs, &py->cap_procs, py->nprocs, sizeof(*py->procs)))
		return NULL;
	p = &py->procs[py->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->fd = -1;
	return p;
}

/* --- Reading the target --------------------------------------------------------------- */

/*
 * Whether an object's header reads as a live object of `type`: a freed one keeps its type,
 * but the allocator writes its free-list link over the reference count (a pointer, or 0).
 * 3.12+'s immortal objects count 2^32 - 1.
 */
static bool live(const uint8_t *head, uint64_t type)
{
	uint64_t refcnt;

	memcpy(&refcnt, head, sizeof(refcnt));
	return refcnt >= 1 && refcnt < (1ULL << 40) && (!type || !memcmp(&type, head + 8, 8));
}

/* A NUL-terminated C string of the target, at most len - 1 bytes. */
static int cstr_read(int fd, uint64_t addr, char *buf, size_t len)
{
	ssize_t n;

	if (!addr)
		return -EIO;
	/* A string near the end of a mapping: read less, as far as the mapping goes. */
	for (size_t want = len - 1; want >= 8; want /= 2) {
		n = pread(fd, buf, want, (off_t)addr);
		if (n > 0) {
			buf[n] = '\0';
			return memchr(buf, '\0', (size_t)n) ? 0 : -EIO;
		}
	}
	return -EIO;
}

/*
 * A str object as UTF-8 (compact strings only: code objects' names and files are). Control
 * characters become '?': they would break the table and the folded format.
 */
static char *str_read(int fd, const struct layout *l, uint64_t addr)
{
	uint8_t head[80], raw[STR_MAX * 4];
	uint32_t state, kind;
	int64_t length;
	size_t o = 0, start;
	char *out;

	if (!addr || procmem__read(fd, addr, head, sizeof(head)) || !live(head, l->str_type))
		return NULL;
	length = (int64_t)procmem__u64(head, 16);
	state = procmem__u32(head, 32);
	kind = (state >> 2) & 7;
	if (length < 0 || !(state & (1U << 5)) || (kind != 1 && kind != 2 && kind != 4))
		return NULL; /* not compact, or not a str */
	if (length > STR_MAX)
		length = STR_MAX;
	start = (state & (1U << 6)) ? l->str_ascii : l->str_compact;
	if (length && procmem__read(fd, addr + start, raw, (size_t)length * kind))
		return NULL;
	out = malloc(STR_MAX * 4 + 1);
	if (!out)
		return NULL;
	for (int64_t i = 0; i < length; i++) {
		uint32_t c = kind == 1 ? raw[i] : kind == 2 ? (uint32_t)raw[2 * i] | raw[2 * i + 1] << 8
							    : procmem__u32(raw, 4 * i);

		procmem__put_utf8(out, &o, STR_MAX * 4, c);
	}
	out[o] = '\0';
	return realloc(out, o + 1) ?: out; /* kept for the session: no slack */
}

/* A bytes object's contents (a line table), at most LINES_MAX bytes. */
static uint8_t *bytes_read(int fd, uint64_t type, uint64_t addr, size_t *len)
{
	uint8_t head[32], *buf;
	int64_t n;

	*len = 0;
	if (!addr || procmem__read(fd, addr, head, sizeof(head)) || !live(head, type))
		return NULL;
	n = (int64_t)procmem__u64(head, 16);
	if (n < 0 || n > LINES_MAX)
		return NULL;
	buf = malloc((size_t)n + 1); /* an empty table is a buffer of length 0, not NULL */
	if (buf && !n)
		return buf;
	if (buf && procmem__read(fd, addr + 32, buf, (size_t)n)) {
		free(buf);
		return NULL;
	}
	*len = buf ? (size_t)n : 0;
	return buf;
}

/* --- Finding the interpreter ---------------------------------------------------------- */

/* The interpreter's symbols, at run-time addresses. */
enum {
	SYM_RUNTIME,
	SYM_CODE_TYPE,
	SYM_FRAME_TYPE,
	SYM_VERSION,
	SYM_GILSTATE,
	SYM_EVAL,
	SYM_STR_TYPE,
	SYM_BYTES_TYPE,
	SYM__COUNT,
};

static const char *const sym_names[SYM__COUNT] = {
	"_PyRuntime", "PyCode_Type", "PyFrame_Type", "Py_Version",
	"PyGILState_GetThisThreadState", "_PyEval_EvalFrameDefault", "PyUnicode_Type",
	"PyBytes_Type",
};

struct interp {
	const struct lt_vma *vma;
	struct lt_elf_func sym[SYM__COUNT];
	uint64_t bias;
	int minor;		/* from the file's name; -1 unknown */
};

/* "libpython3.11.so.1.0", "python3.11", "python3.11d": the minor version, or -1. */
static int minor_from_name(const char *base)
{
	const char *p = strstr(base, "python3.");
	char *end;
	long m;

	if (!p)
		return -1;
	m = strtol(p + 8, &end, 10);
	return end != p + 8 && m >= 0 && m < 100 ? (int)m : -1;
}

static bool interp_candidate(const char *base)
{
	return !fnmatch("libpython3*", base, 0) || !fnmatch("python3*", base, 0) ||
	       !strcmp(base, "python");
}

/* Find the object that holds the interpreter (_PyRuntime and PyCode_Type). 0 or -ENOENT. */
static int find_interp(pid_t pid, const struct lt_maps *maps, struct interp *it)
{
	for (size_t i = 0; i < maps->n; i++) {
		const struct lt_vma *v = &maps->vmas[i];
		const char *base = strrchr(v->path, '/') ? strrchr(v->path, '/') + 1 : v->path;
		struct lt_elf *e;
		char *path;
		int found;

		if (!procmaps__is_file(v) || v->offset || !interp_candidate(base))
			continue;
		if (i && maps->vmas[i - 1].inode == v->inode && !strcmp(maps->vmas[i - 1].path, v->path))
			continue; /* not the file's first mapping */
		path = objects__open_path(pid, v);
		e = path ? elfobj__open(path) : NULL;
		free(path);
		if (!e)
			continue;
		elfobj__find_syms(e, sym_names, SYM__COUNT, it->sym);
		found = it->sym[SYM_RUNTIME].found && it->sym[SYM_CODE_TYPE].found &&
			!elfobj__bias(e, v->start, v->offset, &it->bias);
		elfobj__close(e);
		if (found) {
			it->vma = v;
			it->minor = minor_from_name(base);
			return 0;
		}
	}
	return -ENOENT;
}

static uint64_t sym_addr(const struct interp *it, int which)
{
	return it->sym[which].found ? it->sym[which].vaddr + it->bias : 0;
}

/* A type object's name, instance size and members (name -> offset). */
struct members {
	char tp_name[16];
	uint32_t basicsize;
	size_t n;
	char names[MEMBERS_MAX][24];
	uint32_t offs[MEMBERS_MAX];
};

static int type_read(int fd, uint64_t type, struct members *m)
{
	uint8_t t[256], md[MEMBER_SIZE];
	uint64_t members;

	memset(m, 0, sizeof(*m));
	if (!type || procmem__read(fd, type, t, sizeof(t)))
		return -EIO;
	if (cstr_read(fd, procmem__u64(t, TP_NAME), m->tp_name, sizeof(m->tp_name)))
		return -EIO;
	m->basicsize = (uint32_t)procmem__u64(t, TP_BASICSIZE);
	members = procmem__u64(t, TP_MEMBERS);
	for (size_t i = 0; members && i < MEMBERS_MAX; i++) {
		uint64_t name, off;

		if (procmem__read(fd, members + i * MEMBER_SIZE, md, sizeof(md)))
			return -EIO;
		name = procmem__u64(md, 0);
		if (!name)
			break;
		off = procmem__u64(md, 16);
		if (off > 4096 || cstr_read(fd, name, m->names[m->n], sizeof(m->names[0])))
			return -EIO;
		m->offs[m->n++] = (uint32_t)off;
	}
	return 0;
}

/* A member's offset, or 0 when the table has no such member. */
static uint32_t member(const struct members *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->names[i], name))
			return m->offs[i];
	}
	return 0;
}

/*
 * Where PyGILState_GetThisThreadState finds its Py_tss_t: it loads &_PyRuntime from the GOT
 * and adds the field's offset (a shared libpython), or reads the key at a rip-relative
 * address (a static interpreter). 0 when its code is neither.
 */
static uint64_t tss_from_code(int fd, const struct interp *it, uint64_t runtime)
{
	uint64_t fn = sym_addr(it, SYM_GILSTATE), got = 0;
	uint8_t c[48];

	if (!fn || procmem__read(fd, fn, c, sizeof(c)))
		return 0;
	for (size_t i = 0; i + 7 <= sizeof(c); i++) {
		int32_t d;

		memcpy(&d, c + i + (c[i] == 0x48 ? 3 : 2), sizeof(d));
		/* mov GOT(%rip),%rax: the GOT slot must hold &_PyRuntime */
		if (c[i] == 0x48 && c[i + 1] == 0x8b && c[i + 2] == 0x05) {
			uint64_t slot = fn + i + 7 + (int64_t)d, v;

			if (!procmem__read(fd, slot, &v, sizeof(v)) && v == runtime)
				got = 1;
			i += 6;
			continue;
		}
		/* lea disp32(%rax),%reg after it */
		if (got && c[i] == 0x48 && c[i + 1] == 0x8d && (c[i + 2] & 0xc7) == 0x80)
			return d > 0 && d < 1 << 16 ? runtime + (uint32_t)d : 0;
		/* mov disp32(%rip),%edi: the key itself, 4 bytes into its Py_tss_t */
		if (c[i] == 0x8b && c[i + 1] == 0x3d) {
			uint64_t at = fn + i + 6 + (int64_t)d;

			return at >= runtime + 4 && at < runtime + (1 << 16) ? at - 4 : 0;
		}
	}
	return 0;
}

/* glibc's struct pthread: where the first block of thread-specific data starts. 0: unknown. */
static uint32_t tls_base(pid_t pid, int fd, const struct lt_maps *maps)
{
	static const char *const names[] = { "pthread_getspecific" };

	for (size_t i = 0; i < maps->n; i++) {
		const struct lt_vma *v = &maps->vmas[i];
		const char *base = strrchr(v->path, '/') ? strrchr(v->path, '/') + 1 : v->path;
		struct lt_elf_func f;
		struct lt_elf *e;
		uint64_t bias;
		uint8_t c[32];
		char *path;
		int ok;

		if (v->offset || (fnmatch("libc.so.6", base, 0) && fnmatch("libc-2.*.so", base, 0)))
			continue;
		path = objects__open_path(pid, v);
		e = path ? elfobj__open(path) : NULL;
		free(path);
		if (!e)
			return 0;
		ok = elfobj__find_funcs(e, names, 1, &f) == 1 &&
		     !elfobj__bias(e, v->start, v->offset, &bias);
		elfobj__close(e);
		if (!ok || procmem__read(fd, f.vaddr + bias, c, sizeof(c)))
			return 0;
		/* add $N,%rax; shl $4,%rax: &specific_1stblock[key] = fsbase + (key + N) * 16 */
		for (size_t k = 0; k + 8 <= sizeof(c); k++) {
			if (c[k] == 0x48 && c[k + 1] == 0x83 && c[k + 2] == 0xc0 &&
			    c[k + 4] == 0x48 && c[k + 5] == 0xc1 && c[k + 6] == 0xe0 && c[k + 7] == 4)
				return (uint32_t)c[k + 3] * 16;
		}
		return 0;
	}
	return 0;
}

/* Each version's Py_tss_t offset in _PyRuntime, when its code cannot be read. */
static const uint32_t tss_offsets[] = {
	[8] = 0x570, [9] = 0x248, [10] = 0x248, [11] = 0x250, [12] = 0x608, [13] = 0x870,
};

/* 3.13's _Py_DebugOffsets, at the start of _PyRuntime: the fields leaktop reads. */
#define DBG_VERSION 8
#define DBG_TS_CURRENT_FRAME 184
#define DBG_FRAME_PREVIOUS 232
#define DBG_FRAME_EXECUTABLE 240
#define DBG_FRAME_INSTR_PTR 248
#define DBG_FRAME_OWNER 264
#define DBG_CODE_FILENAME 280
#define DBG_CODE_NAME 288
#define DBG_CODE_QUALNAME 296
#define DBG_CODE_LINETABLE 304
#define DBG_CODE_FIRSTLINENO 312
#define DBG_CODE_ARGCOUNT 320
#define DBG_CODE_ADAPTIVE 344
#define DBG_SIZE 352

static int debug_offsets(int fd, uint64_t runtime, const struct layout *l, struct lt_py_proc *out,
			 char *why, size_t len)
{
	uint8_t d[DBG_SIZE];
	uint64_t v;

	if (procmem__read(fd, runtime, d, sizeof(d)) || memcmp(d, "xdebugpy", 8)) {
		snprintf(why, len, "CPython 3.13 without its debug offsets");
		return -EINVAL;
	}
	v = procmem__u64(d, DBG_VERSION);
	if ((v >> 24) != 3 || ((v >> 16) & 0xff) != 13) {
		snprintf(why, len, "debug offsets of version %#llx", (unsigned long long)v);
		return -EINVAL;
	}
	if (procmem__u64(d, DBG_CODE_FILENAME) != l->filename || procmem__u64(d, DBG_CODE_NAME) != l->name ||
	    procmem__u64(d, DBG_CODE_QUALNAME) != l->qualname ||
	    procmem__u64(d, DBG_CODE_LINETABLE) != l->lines ||
	    procmem__u64(d, DBG_CODE_FIRSTLINENO) != l->firstlineno ||
	    procmem__u64(d, DBG_CODE_ARGCOUNT) != l->argcount ||
	    procmem__u64(d, DBG_CODE_ADAPTIVE) != l->basicsize) {
		snprintf(why, len, "its debug offsets and PyCode_Type's members disagree");
		return -EINVAL;
	}
	if (procmem__u64(d, DBG_TS_CURRENT_FRAME) > 1024 || procmem__u64(d, DBG_FRAME_PREVIOUS) > 120 ||
	    procmem__u64(d, DBG_FRAME_EXECUTABLE) > 120 || procmem__u64(d, DBG_FRAME_INSTR_PTR) > 120 ||
	    procmem__u64(d, DBG_FRAME_OWNER) >= LT_PY_WINDOW) {
		snprintf(why, len, "debug offsets out of range");
		return -EINVAL;
	}
	out->ts_frame = (uint16_t)procmem__u64(d, DBG_TS_CURRENT_FRAME);
	out->f_back = (uint16_t)procmem__u64(d, DBG_FRAME_PREVIOUS);
	out->f_code = (uint16_t)procmem__u64(d, DBG_FRAME_EXECUTABLE);
	out->f_instr = (uint16_t)procmem__u64(d, DBG_FRAME_INSTR_PTR);
	out->f_entry = (uint16_t)procmem__u64(d, DBG_FRAME_OWNER);
	return 0;
}

/* The layout of the code objects, from PyCode_Type's member table. */
static int code_layout(int fd, struct layout *l, char *why, size_t len)
{
	static const char *const need[] = { "co_argcount", "co_firstlineno", "co_filename",
					    "co_name" };
	struct members m;

	if (type_read(fd, l->code_type, &m) || strcmp(m.tp_name, "code")) {
		snprintf(why, len, "PyCode_Type does not read as the code type");
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		if (!member(&m, need[i])) {
			snprintf(why, len, "PyCode_Type has no member %s", need[i]);
			return -EINVAL;
		}
	}
	l->basicsize = m.basicsize;
	l->argcount = member(&m, "co_argcount");
	l->firstlineno = member(&m, "co_firstlineno");
	l->filename = member(&m, "co_filename");
	l->name = member(&m, "co_name");
	l->qualname = member(&m, "co_qualname");
	l->lines = member(&m, l->minor >= 10 ? "co_linetable" : "co_lnotab");
	/* The version the members tell, against the one found. */
	if (!l->lines || (l->minor >= 11) != (l->qualname != 0) ||
	    (l->minor == 10) != (!l->qualname && member(&m, "co_linetable"))) {
		snprintf(why, len, "PyCode_Type's members are not those of CPython 3.%d", l->minor);
		return -EINVAL;
	}
	/*
	 * The BPF walk sums four of them from its 128-byte window; user space reads every field
	 * from the object's first basicsize bytes (at most CODE_HEAD).
	 */
	if (l->basicsize < 64 || l->basicsize > CODE_HEAD || l->argcount > 124 ||
	    l->firstlineno > 124 || l->name > 124 || l->filename > 124 ||
	    l->filename + 8 > l->basicsize || l->name + 8 > l->basicsize ||
	    l->qualname + 8 > l->basicsize || l->lines + 8 > l->basicsize ||
	    l->qualname + 8 > CODE_HEAD || l->lines + 8 > CODE_HEAD) {
		snprintf(why, len, "PyCode_Type's members are out of range");
		return -EINVAL;
	}
	return 0;
}

/* The frames' layout: from PyFrame_Type's members (<= 3.10), each version's header, or 3.13's own. */
static int frame_layout(int fd, const struct interp *it, uint64_t runtime, const struct layout *l,
			struct lt_py_proc *out, char *why, size_t len)
{
	struct members m;

	out->cf_frame = LT_PY_NO_CFRAME;
	switch (l->minor) {
	case 8:
	case 9:
	case 10:
		if (type_read(fd, sym_addr(it, SYM_FRAME_TYPE), &m) || strcmp(m.tp_name, "frame") ||
		    !member(&m, "f_back") || !member(&m, "f_code")) {
			snprintf(why, len, "PyFrame_Type does not read as the frame type");
			return -EINVAL;
		}
		out->ts_frame = 24; /* PyThreadState.frame */
		out->f_back = (uint16_t)member(&m, "f_back");
		out->f_code = (uint16_t)member(&m, "f_code");
		/* 3.10 has f_lasti right after f_gen; 3.8 and 3.9 publish it. */
		out->f_instr = (uint16_t)(l->minor == 10 ? 96 : member(&m, "f_lasti"));
		out->instr_kind = l->minor == 10 ? LT_PY_LASTI_UNITS : LT_PY_LASTI_BYTES;
		out->entry_kind = LT_PY_ENTRY_EACH;
		if (!out->f_instr) {
			snprintf(why, len, "PyFrame_Type has no member f_lasti");
			return -EINVAL;
		}
		break;
	case 11:
		*out = (struct lt_py_proc){ .ts_frame = 56, .cf_frame = 8, .f_code = 32,
					    .f_back = 48, .f_instr = 56, .f_entry = 68,
					    .entry_kind = LT_PY_ENTRY_FLAG };
		break;
	case 12:
		*out = (struct lt_py_proc){ .ts_frame = 56, .cf_frame = 0, .f_code = 0, .f_back = 8,
					    .f_instr = 56, .f_entry = 70,
					    .entry_kind = LT_PY_ENTRY_SHIM };
		break;
	case 13:
		out->entry_kind = LT_PY_ENTRY_SHIM;
		if (debug_offsets(fd, runtime, l, out, why, len))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (l->minor >= 11)
		out->instr_kind = LT_PY_INSTR_PTR;
	if (out->f_code + 8 > LT_PY_WINDOW || out->f_back + 8 > LT_PY_WINDOW ||
	    out->f_instr + 8 > LT_PY_WINDOW || out->f_entry >= LT_PY_WINDOW) {
		snprintf(why, len, "frame fields out of range");
		return -EINVAL;
	}
	return 0;
}

int python__look(struct lt_python *py, pid_t pid, const struct lt_maps *maps,
		 struct lt_py_proc *out, char *why, size_t len)
{
	struct lt_py_proc bpf = { 0 };
	struct interp it = { 0 };
	struct layout l = { 0 };
	uint64_t runtime, tss;
	uint32_t key[2];
	char path[64];
	struct proc *p;
	int fd, err;

	why[0] = '\0';
	p = proc_find(py, pid);
	if (p && p->followed) { /* an interpreter stays until the process execs (and is forgotten) */
		*out = p->bpf;
		return 1;
	}
	if (find_interp(pid, maps, &it))
		return 0;
	p = proc_get(py, pid);
	if (!p)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot read its memory: %s", strerror(errno));
		return -errno;
	}
	runtime = sym_addr(&it, SYM_RUNTIME);
	l.code_type = sym_addr(&it, SYM_CODE_TYPE);
	l.str_type = sym_addr(&it, SYM_STR_TYPE);
	l.bytes_type = sym_addr(&it, SYM_BYTES_TYPE);
	l.minor = it.minor;
	if (it.sym[SYM_VERSION].found) { /* 3.11+: Py_Version, as PY_VERSION_HEX */
		uint32_t v;

		if (procmem__read(fd, sym_addr(&it, SYM_VERSION), &v, sizeof(v)) || (v >> 24) != 3) {
			snprintf(why, len, "Py_Version does not read as CPython 3");
			err = -EINVAL;
			goto fail;
		}
		l.minor = (v >> 16) & 0xff;
	}
	if (l.minor < 0) {
		snprintf(why, len, "cannot tell its CPython version");
		err = -EINVAL;
		goto fail;
	}
	if (l.minor < 8 || l.minor > 13) {
		snprintf(why, len, "CPython 3.%d is not supported (3.8 to 3.13 are)", l.minor);
		err = -ENOTSUP;
		goto fail;
	}
	err = code_layout(fd, &l, why, len);
	if (!err)
		err = frame_layout(fd, &it, runtime, &l, &bpf, why, len);
	if (err)
		goto fail;
	l.str_ascii = l.minor >= 12 ? 40 : 48;
	l.str_compact = l.minor >= 12 ? 56 : 72;
	l.eval_lo = sym_addr(&it, SYM_EVAL);
	l.eval_hi = l.eval_lo + it.sym[SYM_EVAL].size;

	tss = tss_from_code(fd, &it, runtime);
	if (!tss)
		tss = runtime + tss_offsets[l.minor];
	if (procmem__read(fd, tss, key, sizeof(key)) || key[0] > 1 || (key[0] && key[1] >= 32)) {
		snprintf(why, len, "its GIL-state key does not read as one (%u, %u)", key[0], key[1]);
		err = -EINVAL;
		goto fail;
	}
	bpf.tls_base = tls_base(pid, fd, maps);
	if (!bpf.tls_base || bpf.tls_base > 4096) {
		snprintf(why, len, "its C library's thread-specific data is not glibc's");
		err = -ENOTSUP;
		goto fail;
	}
	bpf.tss = tss;
	bpf.tss_key = key[0] ? key[1] : LT_PY_KEY_UNKNOWN;
	bpf.code_type = l.code_type;
	bpf.co_sum[0] = (uint16_t)l.argcount;
	bpf.co_sum[1] = (uint16_t)l.firstlineno;
	bpf.co_sum[2] = (uint16_t)l.name;
	bpf.co_sum[3] = (uint16_t)l.filename;

	p->fd = fd;
	p->l = l;
	p->followed = true;
	p->bpf = bpf;
	snprintf(p->version, sizeof(p->version), "3.%d", l.minor);
	*out = bpf;
	return 1;
fail:
	close(fd);
	/* Looked at again (after load, for dlopen): the same reason was said already. */
	if (p->refused == str_hash(why))
		why[0] = '\0';
	else
		p->refused = str_hash(why);
	return err;
}

void python__forget(struct lt_python *py, pid_t pid)
{
	struct proc *p = proc_find(py, pid);

	if (!p)
		return;
	proc_clear(p);
	*p = py->procs[--py->nprocs];
}

bool python__entry(const struct lt_python *py, pid_t pid, struct lt_py_proc *out)
{
	const struct proc *p = proc_find(py, pid);

	if (!p || !p->followed)
		return false;
	*out = p->bpf;
	return true;
}

const char *python__version(const struct lt_python *py, pid_t pid)
{
	const struct proc *p = proc_find(py, pid);

	return p && p->followed ? p->version : NULL;
}

bool python__is_eval(const struct lt_python *py, pid_t pid, uint64_t ip)
{
	const struct proc *p = proc_find(py, pid);

	return p && p->followed && ip - 1 >= p->l.eval_lo && ip - 1 < p->l.eval_hi;
}

/* --- Naming code objects -------------------------------------------------------------- */

static int code_read(struct lt_python *py, struct proc *p, uint64_t addr, uint32_t sum,
		     struct code *c)
{
	const struct layout *l = &p->l;
	uint8_t h[CODE_HEAD];
	uint32_t got;
	char *func, *file;

	if (procmem__read(p->fd, addr, h, l->basicsize))
		return -EIO;
	if (!live(h, l->code_type))
		return -ESTALE;
	got = (uint32_t)lt_py_sum(procmem__u32(h, l->argcount), procmem__u32(h, l->firstlineno),
				  procmem__u32(h, l->name), procmem__u32(h, l->filename));
	if (got != sum)
		return -ESTALE;
	func = str_read(p->fd, l, procmem__u64(h, l->qualname ? l->qualname : l->name));
	file = str_read(p->fd, l, procmem__u64(h, l->filename));
	*c = (struct code){
		.addr = addr,
		.sum = sum,
		.func = lt_strings_keep(&py->strings, func ? func : strdup("?")),
		.file = lt_strings_keep(&py->strings, file ? file : strdup("?")),
		.firstlineno = (int)procmem__u32(h, l->firstlineno),
	};
	if (!c->func || !c->file)
		return -ENOMEM;
	c->lines = bytes_read(p->fd, l->bytes_type, procmem__u64(h, l->lines), &c->nlines);
	return 0;
}

int python__name(struct lt_python *py, pid_t pid, uint64_t code_slot, uint64_t pos_slot,
		 struct lt_py_frame *out)
{
	uint64_t addr = code_slot & ((1ULL << LT_TAG_SHIFT) - 1);
	uint32_t sum = (uint32_t)((pos_slot >> LT_PY_SUM_SHIFT) & LT_PY_SUM_MASK);
	int64_t instr = (int64_t)(pos_slot & LT_PY_INSTR_NONE);
	uint64_t key = addr * 0x9e3779b97f4a7c15ULL ^ sum, idx;
	struct proc *p = proc_find(py, pid);
	const struct code *c;
	int line;

	memset(out, 0, sizeof(*out));
	if (!p || !p->followed)
		return -ESRCH;
	if (!hashmap__get(&p->cache, key, &idx) || p->codes[idx].addr != addr ||
	    p->codes[idx].sum != sum) {
		struct code fresh;
		int err;

		if (p->ncodes >= CODES_MAX)
			return -ENOSPC;
		err = code_read(py, p, addr, sum, &fresh);
		if (err)
			return err;
		if (lt_grow((void **)&p->codes, &p->cap_codes, p->ncodes, sizeof(*p->codes)) ||
		    hashmap__set(&p->cache, key, p->ncodes)) {
			free(fresh.lines);
			return -ENOMEM;
		}
		idx = p->ncodes;
		p->codes[p->ncodes++] = fresh;
	}
	c = &p->codes[idx];
	out->func = c->func;
	out->file = c->file;
	if (instr == (int64_t)LT_PY_INSTR_NONE)
		return 0;
	if (p->l.minor >= 11) /* a pointer into the code object: in code units from its bytecode */
		instr = (instr - (int64_t)p->l.basicsize) / 2;
	line = python__line(p->l.minor, c->lines, c->nlines, c->firstlineno, instr);
	out->line = line > 0 ? (uint32_t)line : 0;
	return 0;
}

/* --- Line tables ------------------------------------------------------------------------ */

/* A line computed from a hostile table: in 1..INT_MAX, or -1. */
static int line_ok(int64_t line)
{
	return line >= 1 && line <= INT32_MAX ? (int)line : -1;
}

/* 3.8, 3.9: co_lnotab, (byte offset increment, signed line increment) pairs. */
static int line_lnotab(const uint8_t *t, size_t len, int first, int64_t at)
{
	int64_t addr = 0, line = first;

	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		if (addr > at)
			break;
		line += (int8_t)t[i + 1];
	}
	return line_ok(line);
}

/* 3.10: co_linetable, (byte length, signed line delta or -128 for none) pairs. */
static int line_310(const uint8_t *t, size_t len, int first, int64_t at)
{
	int64_t end = 0, line = first, cur = -1;

	for (size_t i = 0; i + 1 < len; i += 2) {
		int8_t d = (int8_t)t[i + 1];

		end += t[i];
		if (d == -128) {
			cur = -1;
		} else {
			line += d;
			cur = line;
		}
		if (at < end)
			return cur < 0 ? -1 : line_ok(cur);
	}
	return -1;
}

/* 3.11+'s location table: a signed varint in 6-bit chunks, its low bit the sign. */
static int svarint(const uint8_t *t, size_t len, size_t *i)
{
	uint32_t v = 0;
	int shift = 0;

	while (*i < len && shift < 30) {
		uint8_t b = t[(*i)++];

		v |= (uint32_t)(b & 0x3f) << shift;
		shift += 6;
		if (!(b & 0x40))
			break;
	}
	return v & 1 ? -(int)(v >> 1) : (int)(v >> 1);
}

static int line_311(const uint8_t *t, size_t len, int first, int64_t at)
{
	int64_t addr = 0, line = first;

	for (size_t i = 0; i < len;) {
		uint8_t b = t[i++];
		int kind = (b >> 3) & 15;
		int64_t cur = -1;

		if (!(b & 0x80))
			return -1; /* not the start of an entry: a corrupt table */
		if (kind == 13 || kind == 14)
			line += svarint(t, len, &i);
		else if (kind >= 10 && kind <= 12)
			line += kind - 10;
		if (kind != 15)
			cur = line;
		addr += (b & 7) + 1;
		if (at < addr)
			return cur < 0 ? -1 : line_ok(cur);
		while (i < len && !(t[i] & 0x80))
			i++;
	}
	return -1;
}

int python__line(int minor, const uint8_t *table, size_t len, int firstlineno, int64_t at)
{
	if (at < 0)
		return -1;
	if (!table) /* the table could not be read */
		return -1;
	if (minor <= 9) /* an empty co_lnotab: every instruction is on the first line */
		return line_lnotab(table, len, firstlineno, at);
	if (minor <= 9)
		return line_lnotab(table, len, firstlineno, at);
	if (minor == 10) /* code units to bytes; a position from a hostile process may not fit */
		return at > INT64_MAX / 2 ? -1 : line_310(table, len, firstlineno, at * 2);
	return line_311(table, len, firstlineno, at);
}
