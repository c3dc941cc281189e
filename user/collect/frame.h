/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects frames are in, as the report model holds them: the symbolizer fills them in,
 * and the writers read them (pprof's Mappings, the flame graph's module names) without
 * knowing where they came from.
 */
#ifndef LEAKTOP_FRAME_H
#define LEAKTOP_FRAME_H

#include <stdbool.h>
#include <stdint.h>

/* An object a process maps, as pprof's Mapping describes it. */
struct lt_module {
	const char *path;	/* as the process maps it (its own mount namespace) */
	const char *base;	/* the path's basename */
	const char *build_id;	/* GNU build id in lowercase hex, or NULL */
	uint64_t start, end;	/* the addresses its mappings span in the process */
	uint64_t offset;	/* the file offset mapped at `start` */
	bool is_exe;		/* the process's executable (/proc/PID/exe) */
};

#endif /* LEAKTOP_FRAME_H */
