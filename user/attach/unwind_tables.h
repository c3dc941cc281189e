/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind tables for the CFI walker: rows built once per object (keyed by build id, or by
 * device and inode) and shared by every process that maps it, and a mapping array per
 * process. scan_maps() takes a process's mappings and builds what is new; sync() pushes new rows
 * and changed mapping arrays into the BPF maps. Objects mapped later (dlopen) are picked up by
 * the next scan. An object whose rows do not fit the rows map is walked by frame pointers, and
 * counted.
 */
#ifndef LEAKTOP_UNWIND_TABLES_H
#define LEAKTOP_UNWIND_TABLES_H

#include <stddef.h>
#include <sys/types.h>

struct lt_unwind;

struct lt_unwind_stats {
	size_t objects;		/* distinct objects seen */
	size_t objects_no_cfi;	/* of which without any CFI */
	size_t objects_no_room;	/* of which left out: the rows map was full */
	size_t rows;		/* rows in the kernel */
	size_t procs;		/* processes with tables */
	size_t bytes;		/* kernel memory for rows and mapping arrays */
	double build_s;		/* time spent building rows */
};

/* The most rows the kernel's rows map may hold (--config unwind-rows can ask for fewer). */
#define LT_UNWIND_ROWS_MAX (1UL << 25)

/*
 * Tables for a rows map of at most `max_rows` rows. Rows wait in memory from their build to the
 * next sync, and never more than that: an object whose rows would not fit is walked by frame
 * pointers, with a warning, and its rows are freed at once (under --all, many large objects
 * mapped at once cannot make leaktop hold their tables all together).
 */
struct lt_unwind *unwind__new(size_t max_rows);
void unwind__free(struct lt_unwind *u);

/*
 * From `pid`'s mappings (the registry's snapshot of /proc/PID/maps), build rows for the
 * executable objects not seen before. Cheap when nothing changed. Returns 0, or -errno.
 */
struct lt_maps;
int unwind__scan_maps(struct lt_unwind *u, pid_t pid, const struct lt_maps *maps);

/* Rows built so far, uploaded or not: what the rows map must hold. */
size_t unwind__rows_needed(const struct lt_unwind *u);

/*
 * Push rows not yet in the kernel into `rows_fd` (an array of `max_rows` entries) and the
 * mapping arrays that changed into `procs_fd`. 0 or -errno.
 */
int unwind__sync(struct lt_unwind *u, int rows_fd, int procs_fd, size_t max_rows);

/* Drop a process's mapping array (it exited). */
void unwind__forget(struct lt_unwind *u, int procs_fd, pid_t pid);

void unwind__stats(const struct lt_unwind *u, struct lt_unwind_stats *st);

#endif /* LEAKTOP_UNWIND_TABLES_H */
