/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JavaScript frames: in a node process, each frame the CFI walk steps by frame pointer (V8's
 * JIT code and builtins have no CFI, and every V8 frame keeps rbp) may be a JavaScript
 * function's. Its fixed slots below the frame pointer say so: a context (a heap object) rather
 * than a Smi frame-type marker, then the JSFunction. The frame keeps its return address, and
 * gains the function's SharedFunctionInfo and position (leaktop.h); user space names them.
 * Three user reads per JavaScript frame (JSFunction.shared, the SharedFunctionInfo's first
 * bytes, its script's id) after the frame's own slots. Nothing is trusted here: user space
 * checks every object's type, and the checksum, before it names anything.
 *
 * Included by unwind.bpf.h: it steps the walk's frames.
 */
#ifndef LEAKTOP_V8_BPF_H
#define LEAKTOP_V8_BPF_H

const volatile bool cfg_v8 = false; /* look for JavaScript frames in processes of v8_procs */
/* As py_any, for v8_procs. */
__u32 v8_any;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64); /* resized by user space */
	__type(key, __u32);
	__type(value, struct lt_v8_proc);
} v8_procs SEC(".maps");

/* A pointer to a V8 heap object: tagged, in user space. */
static __always_inline bool lt_v8_heap(__u64 v)
{
	return (v & 3) == 1 && v < (1ULL << 47) && v > 4096;
}

/* The index, in a read of the LT_V8_FRAME_BYTES below a frame pointer, of a slot at `off`. */
static __always_inline __u32 lt_v8_slot(__s16 off)
{
	return ((__u32)(off + LT_V8_FRAME_BYTES) >> 3) & (LT_V8_FRAME_SLOTS - 1);
}

/*
 * The frame at w->bp, which is about to be stepped by frame pointer: when it is a JavaScript
 * function's, append its two slots after its return address (the last slot written).
 */
static __always_inline void lt_v8_frame(struct lt_walk *w, const struct lt_v8_proc *v8)
{
	__u64 *slots = (__u64 *)w->v8_buf, fn, sfi, pos = LT_V8_POS_NONE, data, sum, sum2, ctx,
	      array, off, script, id = 0;
	__u8 *sfi_buf = w->v8_buf + LT_V8_FRAME_BYTES;
	__u32 slot = w->st->len;

	/* The frame's fixed slots, below its frame pointer, in one read. */
	if (w->bp_lost || bpf_probe_read_user(slots, LT_V8_FRAME_BYTES, (void *)(w->bp - LT_V8_FRAME_BYTES)))
		return;
	ctx = slots[lt_v8_slot(v8->fp_context)];
	fn = slots[lt_v8_slot(v8->fp_function)];
	/* A typed frame (entry, exit, stub) has a Smi marker where a context would be. */
	if (!lt_v8_heap(ctx) || !lt_v8_heap(fn) || !lt_read(&sfi, fn - 1 + v8->fn_shared) ||
	    !lt_v8_heap(sfi))
		return;
	if (slot + 2 > LT_MAX_FRAMES) {
		lt_stat_add(LT_STAT_V8_NO_ROOM, 1);
		return;
	}
	if (bpf_probe_read_user(sfi_buf, LT_V8_SFI_WINDOW, (void *)(sfi - 1)))
		return;
	__builtin_memcpy(&data, sfi_buf + (v8->sfi_data & (LT_V8_SFI_WINDOW - 8)), sizeof(data));
	__builtin_memcpy(&sum, sfi_buf + (v8->sfi_sum & (LT_V8_SFI_WINDOW - 8)), sizeof(sum));
	__builtin_memcpy(&sum2, sfi_buf + ((v8->sfi_sum + 8) & (LT_V8_SFI_WINDOW - 8)), sizeof(sum2));
	__builtin_memcpy(&script, sfi_buf + (v8->sfi_script & (LT_V8_SFI_WINDOW - 8)), sizeof(script));
	/* The script's id tells functions of one shape apart (leaktop.h); 0 without one. */
	if (!lt_v8_heap(script) || !lt_read(&id, script - 1 + v8->script_id))
		id = 0;
	/* Interpreted: the frame runs its function's own bytecode, at a Smi offset. */
	array = slots[lt_v8_slot(v8->fp_bytecode_array)];
	off = slots[lt_v8_slot(v8->fp_bytecode_offset)];
	if (array == data && !(off & 0xffffffffULL))
		pos = off >> 32;
	if (slot < LT_MAX_FRAMES - 1) {
		w->st->ips[slot] = LT_TAG_V8_SFI << LT_TAG_SHIFT | sfi;
		w->st->ips[slot + 1] = LT_TAG_V8_POS << LT_TAG_SHIFT | lt_v8_sum(sum, sum2, id) << 32 |
				       pos;
	}
	w->st->len = slot + 2;
}

#endif /* LEAKTOP_V8_BPF_H */
