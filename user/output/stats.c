// SPDX-License-Identifier: GPL-2.0
/* The drop and unwind counters (enum lt_stat) as each writer names them: one table for all. */
#include "output.h"

/* Counters with neither key nor words (nested calls, reused addresses, ...) show nowhere. */
const struct lt_stat_info lt_stats[LT_STAT__COUNT] = {
	[LT_STAT_ALLOC_MAP_FULL] = {
		LT_STAT_JSON_DROPS, "alloc_map_full",
		"allocations not tracked (allocation map full: raise --max-tracked)",
	},
	/* The table says these bytes after the count above. */
	[LT_STAT_ALLOC_MAP_FULL_BYTES] = { LT_STAT_JSON_DROPS, "alloc_map_full_bytes" },
	[LT_STAT_TOTALS_MAP_FULL] = {
		LT_STAT_JSON_DROPS, "totals_map_full",
		"allocations not tracked (per-stack map full: raise --max-stacks)",
	},
	[LT_STAT_STACK_MAP_FULL] = {
		LT_STAT_JSON_DROPS, "stack_map_full",
		"stacks not stored (stack map full: raise --max-stacks)",
	},
	[LT_STAT_STACK_FAILED] = { LT_STAT_JSON_DROPS, "stack_failed", "stack walks failed" },
	[LT_STAT_THREAD_STATE_FAILED] = {
		LT_STAT_JSON_DROPS, "thread_state_failed", "calls missed (no per-thread state)",
	},
	[LT_STAT_UNWIND_WALKS] = { LT_STAT_JSON_UNWIND, "walks" },
	[LT_STAT_UNWIND_FRAMES] = { LT_STAT_JSON_UNWIND, "frames" },
	[LT_STAT_UNWIND_FP_FRAMES] = { LT_STAT_JSON_UNWIND, "fp_frames" },
	[LT_STAT_UNWIND_COMPLETE] = { LT_STAT_JSON_UNWIND, "complete" },
	[LT_STAT_UNWIND_TRUNCATED] = {
		LT_STAT_JSON_UNWIND, "truncated", .unwind = "cut at 127 frames",
	},
	[LT_STAT_UNWIND_ERR_NO_CFI] = {
		LT_STAT_JSON_UNWIND, "err_no_cfi", .unwind = "no CFI and no frame pointer",
	},
	[LT_STAT_UNWIND_ERR_RULE] = {
		LT_STAT_JSON_UNWIND, "err_rule", .unwind = "unsupported CFI rule",
	},
	[LT_STAT_UNWIND_ERR_READ] = {
		LT_STAT_JSON_UNWIND, "err_read", .unwind = "stack unreadable",
	},
	[LT_STAT_UNWIND_ERR_LOOP] = {
		LT_STAT_JSON_UNWIND, "err_loop", .unwind = "corrupt stack",
	},
	[LT_STAT_EVENTS_LOST] = {
		LT_STAT_JSON_DROPS, "events_lost", "mapping events lost (ring buffer full)",
	},
	[LT_STAT_PY_WALKS] = { LT_STAT_JSON_PYTHON, "walks" },
	[LT_STAT_PY_FRAMES] = { LT_STAT_JSON_PYTHON, "frames" },
	[LT_STAT_PY_NO_THREAD] = {
		LT_STAT_JSON_PYTHON, "no_thread_state", .python = "in threads not running Python",
	},
	[LT_STAT_PY_ERR_READ] = {
		LT_STAT_JSON_PYTHON, "err_read", .python = "interpreter state unreadable",
	},
	[LT_STAT_PY_ERR_CODE] = {
		LT_STAT_JSON_PYTHON, "err_code", .python = "a frame without a code object",
	},
	[LT_STAT_V8_WALKS] = { LT_STAT_JSON_JS, "walks" },
	[LT_STAT_V8_FRAMES] = { LT_STAT_JSON_JS, "frames" },
	[LT_STAT_V8_NO_ROOM] = { LT_STAT_JSON_JS, "no_room" },
	[LT_STAT_PY_TRUNCATED] = {
		LT_STAT_JSON_PYTHON, "truncated", .python = "cut at 48 Python frames or 127 in all",
	},
	[LT_STAT_SOCK_MAP_FULL] = {
		LT_STAT_JSON_DROPS, "socket_map_full", "sockets not tracked (sockets map full)",
	},
	[LT_STAT_TREE_FULL] = {
		LT_STAT_JSON_DROPS, "tree_full",
		"processes of the command not traced (too many at once)",
	},
	[LT_STAT_COST_MAP_FULL] = {
		LT_STAT_JSON_DROPS, "cost_map_full",
		"probe hits not counted in a process's cost (costs map full)",
	},
	[LT_STAT_SOCK_TOTALS_FULL] = {
		LT_STAT_JSON_DROPS, "socket_totals_full",
		"sockets not tracked (per-stack map full: raise --max-stacks)",
	},
};
