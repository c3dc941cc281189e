/* leaktop.h: the only header shared by the BPF programs and the user-space loader. */
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * No includes and only __u32/__u64: the BPF side gets those types from vmlinux.h, user space
 * from <linux/types.h>. Every constant that both sides need is defined here, once.
 */
#ifndef LEAKTOP_H
#define LEAKTOP_H

/* Deepest user stack kept per allocation site; the kernel's own limit for bpf_get_stack. */
#define LT_MAX_FRAMES 127

/*
 * Stack id 0 never names a captured stack: allocations whose stack could not be captured or
 * stored are accounted under it, so their bytes are never lost.
 */
#define LT_STACK_NONE 0

/*
 * The allocator entry points leaktop probes. Each probe's BPF cookie is one of these, so one
 * generic program reads the right arguments for every function.
 */
enum lt_fn {
	LT_FN_MALLOC,	      /* (size) */
	LT_FN_CALLOC,	      /* (nmemb, size) */
	LT_FN_REALLOC,	      /* (ptr, size) */
	LT_FN_REALLOCARRAY,   /* (ptr, nmemb, size) */
	LT_FN_POSIX_MEMALIGN, /* (memptr, alignment, size) */
	LT_FN_ALIGNED_ALLOC,  /* (alignment, size) */
	LT_FN_MEMALIGN,	      /* (alignment, size) */
	LT_FN_VALLOC,	      /* (size) */
	LT_FN_PVALLOC,	      /* (size) */
	LT_FN_FREE,	      /* (ptr) */
	LT_FN__COUNT,
};

/*
 * Counts in the totals are kept in units of 1/LT_COUNT_ONE block, so that sampled estimates
 * (a block standing for 3.7 blocks) add up without rounding. Tracking every allocation adds
 * exactly LT_COUNT_ONE per block.
 */
#define LT_COUNT_ONE 1024

/* Entries of the exponential-interval table that sampling draws from (a power of two). */
#define LT_EXP_TABLE_SIZE 1024
#define LT_EXP_TABLE_SHIFT 16 /* entries are Q16: 65536 is one mean interval */

/*
 * Default sizes of the maps the user can resize before load. Live blocks: a million fit twice
 * over, and the map is not preallocated (leaktop.bpf.c).
 */
#define LT_DEFAULT_MAX_ALLOCS (1 << 21)
/* Counters of the filter in front of the live allocations with sampling (256 KiB). */
#define LT_FILTER_SLOTS (1 << 16)
#define LT_DEFAULT_MAX_STACKS (1 << 14)

/*
 * Counters in the per-CPU `stats` array. Everything that makes the tables incomplete has a
 * counter here, and user space prints all non-zero ones.
 */
enum lt_stat {
	LT_STAT_ALLOC_MAP_FULL,	   /* allocation not tracked: the allocs map is full */
	LT_STAT_ALLOC_MAP_FULL_BYTES, /* ... and the bytes those allocations held */
	LT_STAT_TOTALS_MAP_FULL,   /* allocation not tracked: no room for its stack's totals */
	LT_STAT_STACK_MAP_FULL,	   /* stack not stored (map full): counted under LT_STACK_NONE */
	LT_STAT_STACK_FAILED,	   /* the stack walk failed: counted under LT_STACK_NONE */
	LT_STAT_THREAD_STATE_FAILED, /* no per-thread state could be made: call not tracked */
	LT_STAT_NESTED_CALLS,	   /* allocator calls made by a traced allocator call (ignored) */
	LT_STAT_ADDR_REUSED,	   /* an address came back from the allocator twice, free unseen */
	LT_STAT_SAMPLED,	   /* allocations sampled (with --sample-bytes) */
	/* The CFI unwinder: what it did, then each way a walk can fail. */
	LT_STAT_UNWIND_WALKS,	   /* walks made */
	LT_STAT_UNWIND_FRAMES,	   /* frames found by them */
	LT_STAT_UNWIND_FP_FRAMES,  /* of which through frame pointers (code without CFI) */
	LT_STAT_UNWIND_COMPLETE,   /* walks that reached the outermost frame */
	LT_STAT_UNWIND_TRUNCATED,  /* walks cut at LT_MAX_FRAMES */
	LT_STAT_UNWIND_ERR_NO_CFI, /* pc with no CFI and no usable frame pointer */
	LT_STAT_UNWIND_ERR_RULE,   /* a CFA or rbp rule the walker does not support */
	LT_STAT_UNWIND_ERR_READ,   /* a saved register could not be read from the stack */
	LT_STAT_UNWIND_ERR_LOOP,   /* the stack pointer did not move up: a corrupt stack */
	LT_STAT_EVENTS_LOST,	   /* mmap events lost: the ring buffer was full */
	LT_STAT_SOCK_MAP_FULL,	   /* sockets not tracked: the sockets map is full */
	LT_STAT_SOCK_TOTALS_FULL,  /* sockets not tracked: no room for their stack's totals */
	LT_STAT_PROC_EVENTS_LOST,  /* exec, exit or fork events lost: the ring buffer was full */
	/* Python frames (python.bpf.h): walks made, frames found, and how walks ended early. */
	LT_STAT_PY_WALKS,	   /* stacks of a CPython process that looked for Python frames */
	LT_STAT_PY_FRAMES,	   /* Python frames found by them */
	LT_STAT_PY_NO_THREAD,	   /* the thread had no Python thread state (not a Python thread) */
	LT_STAT_PY_ERR_READ,	   /* a thread state or frame could not be read */
	LT_STAT_PY_ERR_CODE,	   /* a frame's code object was not a code object: walk stopped */
	LT_STAT_PY_TRUNCATED,	   /* cut at LT_PY_MAX_FRAMES, or no room left in the stack */
	LT_STAT_TREE_FULL,	   /* a launched command's new process not traced: no room */
	/* JavaScript frames (v8.bpf.h): frames found in node's frame-pointer frames. */
	LT_STAT_V8_WALKS,	   /* stacks of a node process walked */
	LT_STAT_V8_FRAMES,	   /* JavaScript frames found by them */
	LT_STAT_V8_NO_ROOM,	   /* JavaScript frames left native: no room left in the stack */
	LT_STAT_COST_MAP_FULL,	   /* probe hits whose cost was not counted: the costs map is full */
	LT_STAT__COUNT,
};

/*
 * The cookie of an allocator function's probe: its enum lt_fn, and LT_COOKIE_STEPPED when the
 * probe sits on an instruction the kernel single-steps (a dearer trap).
 */
#define LT_COOKIE_FN_MASK 0xffffULL
#define LT_COOKIE_STEPPED (1ULL << 16)
/* A free whose block is its second argument: pymalloc's _PyObject_Free(ctx, block). */
#define LT_COOKIE_ARG2 (1ULL << 17)

/*
 * What leaktop's probes cost a traced process, counted where it pays: per CPU, keyed by tgid
 * (`costs`). A hit's cost is its trap (calibrated at start, calibrate.c) plus the time spent
 * in leaktop's program. Reading the clock twice costs as much as a small program here, so one
 * hit in LT_COST_TIME_EVERY on average, chosen at random, is timed, and user space scales the
 * time of the timed hits to all of them. Entry halves and frees run on every call whatever the
 * sampling; return halves (recording the block, walking the stack) only for the calls
 * followed, so the two are kept apart: a budget (--max-overhead) raises the sampling interval
 * to cut the second.
 */
#define LT_COST_TIME_EVERY 16

struct lt_cost {
	__u64 calls;	   /* allocating calls: one entry trap each */
	__u64 frees;	   /* free calls: one entry trap each */
	__u64 stepped;	   /* of those traps, on a single-stepped instruction */
	__u64 rets;	   /* return traps of calls followed to their return */
	__u64 idle_rets;   /* return traps of calls not followed (uretprobes fire on every call) */
	__u64 bytes;	   /* bytes the allocating calls asked for */
	__u64 entry_ns;	   /* time measured in the entries, frees and idle returns timed ... */
	__u64 entry_timed; /* ... and how many were */
	__u64 ret_ns;	   /* the same for the return halves */
	__u64 ret_timed;
	__u64 sys_walks;   /* stacks walked in the process's syscall tracepoints (sockets, mmap) */
	__u64 sys_ns;	   /* their time, every one timed */
	__s64 countdown;   /* hits on this CPU until the next timed one */
};

/*
 * Each CPU counts the hits of the process it last ran a probe for in a slot of its own
 * (`cost_cpu`, found without a hash lookup), and adds them to the process's `costs` entry when
 * a hit of another process comes. User space reads both.
 */
struct lt_cost_slot {
	__u32 tgid;	/* the process `c` counts for; 0: none */
	__u32 _pad;
	struct lt_cost c;
};

/* What leaktop's calibration programs measured of themselves (calibrate.c), per probe kind. */
enum lt_calib_site {
	LT_CALIB_ENTRY,	  /* an entry probe on an emulated instruction, no return probe */
	LT_CALIB_BOTH,	  /* an entry probe and its return probe */
	LT_CALIB_STEPPED, /* an entry probe on a single-stepped instruction */
	LT_CALIB_RETURN,  /* the return halves of LT_CALIB_BOTH */
	LT_CALIB__COUNT,
};
#define LT_CALIB_SKIP_RETURN 0x100ULL /* in a calibration cookie: the entry returns 1 */

/*
 * `gen` is the process's exec generation (the low 32 bits of its task's self_exec_id, which
 * each exec increments and fork copies): what a program allocates after an exec is keyed
 * apart from what the old program held, so that purging the old program's entries never
 * takes the new one's, however soon after the exec it allocates.
 */
struct lt_alloc_key {
	__u32 tgid;
	__u32 gen;
	__u64 addr;
};

/* One live allocation. */
struct lt_alloc {
	__u64 size;	/* bytes asked for */
	__u64 weight;	/* bytes it stands for in the totals: its size, or a sampled estimate */
	__u64 stack_id;
	__u64 ts_ns;	/* bpf_ktime_get_ns() when it was made */
};

struct lt_totals_key {
	__u32 tgid;
	__u32 gen;	/* as lt_alloc_key's */
	__u64 stack_id;
};

/*
 * Totals per {tgid, stack}, updated by BPF on every allocation and free. Outstanding bytes are
 * alloc_bytes - free_bytes and the outstanding count is allocs - frees: two atomic adds per
 * event instead of four, and the deltas user space needs come from the same four numbers.
 * allocs and frees are in units of 1/LT_COUNT_ONE block.
 */
struct lt_totals {
	__u64 alloc_bytes;
	__u64 free_bytes;
	__u64 allocs;
	__u64 frees;
};

/* Sockets, tracked from syscall tracepoints, per process, stack and kind. */
enum lt_sock_kind {
	LT_SOCK_TCP,
	LT_SOCK_UDP,
	LT_SOCK_UNIX,
	LT_SOCK_OTHER,
	LT_SOCK__KINDS,
};

struct lt_sock_key {
	__u32 tgid;
	__u32 fd;
};

struct lt_sock {
	__u64 stack_id;
	__u64 ts_ns;
	__u32 kind;
	__u32 _pad;
};

struct lt_sock_totals_key {
	__u32 tgid;
	__u32 kind;
	__u64 stack_id;
};

struct lt_sock_totals {
	__u64 opened;
	__u64 closed;
};

/*
 * mmap, munmap and mremap reach user space as events: partial and overlapping unmaps need
 * an interval structure, which user space keeps (regions.c). They are rare next to malloc.
 */
enum lt_event_type {
	LT_EV_MMAP,   /* [addr, addr + len) mapped */
	LT_EV_MUNMAP, /* [addr, addr + len) unmapped */
	LT_EV_MREMAP, /* [addr, addr + len) moved to [new_addr, new_addr + new_len) */
	/* The life of traced processes, so user space follows them and purges what they leave. */
	LT_EV_EXEC,   /* tgid ran a new program: its old heap is gone; `addr`: its new gen */
	LT_EV_EXIT,   /* tgid's last thread exited */
	LT_EV_FORK,   /* tgid is a new process, forked by process `addr` */
};

/* Which processes the programs trace. */
enum lt_scope {
	LT_SCOPE_PIDS,	 /* -p: those in `targets` (uprobes are pid-filtered at attach too) */
	LT_SCOPE_ALL,	 /* --all: every process but leaktop */
	LT_SCOPE_CGROUP, /* --cgroup, --container: those whose cgroup is in `scope_cgroups` */
	LT_SCOPE_TREE,	 /* leaktop -- COMMAND: those in `targets`, where a fork adds the child */
};

#define LT_EV_ANON 1 /* flags: anonymous memory, not a file */

struct lt_event {
	__u32 type;
	__u32 tgid;
	__u64 addr, len;
	__u64 new_addr, new_len;
	__u64 stack_id;
	__u64 ts_ns;
	__u32 flags;
	__u32 _pad;
};

/*
 * Unwind tables. User space turns each object's CFI (.eh_frame, or .debug_frame) into rows,
 * sorted by pc; a row holds from its pc to the next row's. The CFA is where the caller's sp
 * was before the call, and the return address sits at CFA - 8.
 */
enum lt_cfa_rule {
	LT_CFA_NONE,	    /* no CFI covers this pc: a gap between functions */
	LT_CFA_RSP,	    /* CFA = rsp + cfa_off */
	LT_CFA_RBP,	    /* CFA = rbp + cfa_off */
	LT_CFA_PLT,	    /* PLT entries: rsp + cfa_off, + 8 once (pc & 15) >= rbp_off */
	LT_CFA_DEREF_RSP,   /* CFA = *(rsp + cfa_off) */
	LT_CFA_DEREF_RBP,   /* CFA = *(rbp + cfa_off) (stack realignment) */
	LT_CFA_SIGNAL,	    /* a signal frame: sp, pc and rbp saved at rsp + cfa_off, +8, rbp_off */
	LT_CFA_STOP,	    /* the return address is undefined: the outermost frame */
	LT_CFA_UNSUPPORTED, /* any other rule */
};

enum lt_rbp_rule {
	LT_RBP_SAME,	/* the caller's rbp is this frame's */
	LT_RBP_AT_CFA,	/* saved at CFA + rbp_off */
	LT_RBP_LOST,	/* saved where the walker cannot follow */
};

struct lt_unwind_row {
	__u64 pc;	/* the object's own address (table pc = runtime pc - bias) */
	__s32 cfa_off;
	__s16 rbp_off;
	__u8 cfa;	/* enum lt_cfa_rule */
	__u8 rbp;	/* enum lt_rbp_rule */
};

/* Executable mappings per process, sorted by start. */
#define LT_MAX_UNWIND_MAPS 512

struct lt_unwind_map {
	__u64 start, end;
	__u64 bias;
	__u32 first;	/* the object's first row in the rows map */
	__u32 count;	/* its rows; 0: no CFI, walk by frame pointers */
};

struct lt_unwind_proc {
	__u32 n;
	__u32 gen;	/* changes each time user space writes the entry: cached rows expire */
	struct lt_unwind_map maps[LT_MAX_UNWIND_MAPS];
};

/*
 * Each thread keeps the unwind rows its last walks used, by pc (direct-mapped): a thread
 * allocates from the same few call sites, so most frames skip both binary searches.
 */
#define LT_ROW_CACHE 32

/* Bytes of the user stack, from sp up, the CFI walk copies at once (a power of two). */
#define LT_STACK_WINDOW 2048
/*
 * Times a walk may copy its window again further up the stack, when fewer than
 * LT_WINDOW_SLIDE_AT bytes of it are left above the frame walked (unwind.bpf.h).
 */
#define LT_WINDOW_SLIDES 8
#define LT_WINDOW_SLIDE_AT 512

struct lt_row_cache {
	__u64 pc;			/* the pc looked up (runtime address); 0: empty */
	__u32 gen;			/* the process entry's gen it was found under */
	__u32 _pad;
	struct lt_unwind_row row;	/* row.cfa == LT_CFA_NONE: no CFI there */
};

/* A user stack, innermost frame first. Frame 0 is the allocator's caller. */
struct lt_stack {
	__u32 len;
	/*
	 * stack_epoch when the stack was last captured: user space deletes a stack that no
	 * totals entry holds only once it went unused for a whole collection (no capture under
	 * way may lose the stack it is about to count under). Not part of the stack's id.
	 */
	__u32 epoch;
	__u64 ips[LT_MAX_FRAMES];
};

/*
 * Python frames. A stack of a CPython process carries, after its native frames, two slots per
 * Python frame, innermost first. Their top byte is a tag no user address has (user space ends
 * below 2^47), so user space tells them from return addresses:
 *   code slot:     LT_TAG_PY_CODE << 56 | the code object's address
 *   position slot: LT_TAG_PY_POS << 56 | group end << 55 | checksum << 24 | instruction
 * The checksum (31 bits, lt_py_sum()) hashes immutable fields of the code object (argcount,
 * firstlineno, and the addresses of its name and file name), so a code object freed and
 * another made at its address are told apart. The instruction is the raw
 * position (enum lt_py_instr), clamped to LT_PY_INSTR_NONE. "Group end" marks the outermost
 * Python frame of one native _PyEval_EvalFrameDefault call: the frames from one group end to
 * the next are what that native frame was running. A pair whose code address is 0 is an
 * empty group: a native call that runs no Python frame at that moment.
 */
#define LT_PY_MAX_FRAMES 48
#define LT_TAG_SHIFT 56
#define LT_TAG_PY_CODE 0xc1ULL
#define LT_TAG_PY_POS 0xc2ULL
#define LT_PY_GROUP_END (1ULL << 55)
#define LT_PY_SUM_SHIFT 24
#define LT_PY_SUM_MASK 0x7fffffffULL
#define LT_PY_INSTR_NONE 0xffffffULL
#define LT_PY_WINDOW 128 /* bytes of a frame, or of a code object, read at once */

/* What a frame's position field holds. */
enum lt_py_instr {
	LT_PY_LASTI_BYTES, /* 3.8, 3.9: f_lasti, a byte offset into co_code */
	LT_PY_LASTI_UNITS, /* 3.10: f_lasti, in 2-byte code units */
	LT_PY_INSTR_PTR,   /* 3.11+: a pointer into the code object (emitted less the code's address) */
};

/* How the Python frames of one native eval call are told apart. */
enum lt_py_entry {
	LT_PY_ENTRY_EACH, /* <= 3.10: every Python frame is its own native call */
	LT_PY_ENTRY_FLAG, /* 3.11: a frame whose byte at f_entry is non-zero was entered from C */
	LT_PY_ENTRY_SHIM, /* 3.12+: a frame whose byte at f_entry is 3 is C's shim: it ends a group */
};

#define LT_PY_OWNER_CSTACK 3
#define LT_PY_NO_CFRAME 0xffff

/* Per CPython process: where its state is, checked by user space before it is written. */
struct lt_py_proc {
	__u64 tss;		/* &_PyRuntime's GIL-state Py_tss_t {int initialized; unsigned key} */
	__u64 code_type;	/* &PyCode_Type: every code object's ob_type */
	__u32 tls_base;		/* glibc: struct pthread's first block of thread-specific data */
	__u16 ts_frame;		/* PyThreadState: frame, cframe or current_frame */
	__u16 cf_frame;		/* _PyCFrame: current_frame; LT_PY_NO_CFRAME without a cframe */
	__u16 f_code, f_back, f_instr, f_entry; /* in a frame, all below LT_PY_WINDOW */
	__u16 co_sum[4];	/* code fields summed: argcount, firstlineno, name, filename (the
				   low 32 bits of the last two, which are pointers) */
	__u8 instr_kind;	/* enum lt_py_instr */
	__u8 entry_kind;	/* enum lt_py_entry */
	__u8 _pad[2];
	__u32 tss_key;		/* the key, when it existed at attach; else LT_PY_KEY_UNKNOWN */
};

#define LT_PY_KEY_UNKNOWN 0xffffffffU

/* The checksum of a code object's immutable fields, computed alike on both sides. */
static inline __u64 lt_py_sum(__u32 a, __u32 b, __u32 c, __u32 d)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;

	h = (h ^ a) * 0x100000001b3ULL;
	h = (h ^ b) * 0x100000001b3ULL;
	h = (h ^ c) * 0x100000001b3ULL;
	h = (h ^ d) * 0x100000001b3ULL;
	return (h ^ (h >> 31)) & LT_PY_SUM_MASK;
}

/*
 * JavaScript frames (V8, in node). Each frame a V8 process runs JavaScript in keeps its
 * return address slot, followed by two more, tagged like the Python ones:
 *   function slot: LT_TAG_V8_SFI << 56 | the frame's SharedFunctionInfo (a tagged pointer)
 *   position slot: LT_TAG_V8_POS << 56 | checksum << 32 | bytecode offset
 * The function is the SharedFunctionInfo, not the JSFunction: every closure of one function
 * shares it, so a closure made per call does not make a stack per call. The checksum
 * (lt_v8_sum()) hashes what V8 never changes in a function: its length, formal parameter count
 * and function token offset, its function literal id (its index among its script's functions)
 * and its script's id (unique in the isolate, never reused). So another function the GC put
 * at the same address is told apart, even one of the same shape (every `() => {...}` has the
 * same length, parameter count and token offset, and V8's allocation pattern puts such
 * functions on each other's addresses), and neither its stack nor its name is taken for the
 * old one's. The bytecode offset is the frame's own (an interpreted frame's bytecode array is
 * the function's), as V8 keeps it (header included); LT_V8_POS_NONE in other frames.
 */
#define LT_TAG_V8_SFI 0xc3ULL
#define LT_TAG_V8_POS 0xc4ULL
#define LT_V8_POS_NONE 0xffffffffULL
#define LT_V8_SUM_MASK 0xffffffULL
#define LT_V8_SFI_WINDOW 64 /* bytes of a SharedFunctionInfo read at once */
#define LT_V8_FRAME_SLOTS 8 /* words below a frame pointer read at once (a power of two) */
#define LT_V8_FRAME_BYTES (LT_V8_FRAME_SLOTS * 8)

/* Per node process: V8's frame and object layout, from its postmortem metadata (v8dbg_*). */
struct lt_v8_proc {
	__s16 fp_context;	 /* the context, or a Smi frame-type marker */
	__s16 fp_function;	 /* the JSFunction */
	__s16 fp_bytecode_array; /* an interpreted frame's BytecodeArray */
	__s16 fp_bytecode_offset; /* ... and its bytecode offset, a Smi */
	__u16 fn_shared;	 /* JSFunction.shared */
	__u16 sfi_data;		 /* SharedFunctionInfo.function_data, below LT_V8_SFI_WINDOW - 8 */
	__u16 sfi_sum;		 /* the 16 bytes the checksum covers (length, parameter count,
				    token offset; flags, function literal id), below
				    LT_V8_SFI_WINDOW - 16 */
	__u16 sfi_script;	 /* SharedFunctionInfo.script_or_debug_info, in the window */
	__u16 script_id;	 /* Script.id, a Smi */
	__u16 _pad;
};

/*
 * Of the word at the length field, its first 6 bytes (the last 2 may change); of the next, the
 * function literal id (its upper half: the flags below it may change); and the script's id
 * word (0 when the function has no script or it cannot be read).
 */
static inline __u64 lt_v8_sum(__u64 w, __u64 w2, __u64 script_id)
{
	__u64 h = w & 0xffffffffffffULL;

	h ^= (w2 >> 32) * 0x9e3779b97f4a7c15ULL;
	h ^= script_id * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h & LT_V8_SUM_MASK;
}

#endif /* LEAKTOP_H */
