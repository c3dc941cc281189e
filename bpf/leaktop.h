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

/* Default sizes of the maps the user can resize before load. */
#define LT_DEFAULT_MAX_ALLOCS (1 << 18)
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
	LT_STAT__COUNT,
};

struct lt_alloc_key {
	__u32 tgid;
	__u32 _pad;
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
	__u32 _pad;
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

/* A user stack, innermost frame first. Frame 0 is the allocator's caller. */
struct lt_stack {
	__u32 len;
	__u32 _pad;
	__u64 ips[LT_MAX_FRAMES];
};

#endif /* LEAKTOP_H */
