/* SPDX-License-Identifier: GPL-2.0 */
/* The files a trace writes at exit (folded stacks, flame graph, pprof), checked at start. */
#ifndef LEAKTOP_PROFILES_H
#define LEAKTOP_PROFILES_H

#include <stdbool.h>

struct lt_config;
struct lt_report;

/* Whether the options ask for any file at exit. */
bool profiles__wanted(const struct lt_config *cfg);
/* Fail now, not after the whole trace, when a file could not be written. 0 or -errno, said. */
int profiles__check(const struct lt_config *cfg);
/* Write each file asked for from the final report. 0 or the first -errno; each failure said. */
int profiles__write(const struct lt_config *cfg, const struct lt_report *r);

/*
 * --pprof-dir: write the report as DIR/leaktop-HOST-YYYYmmddTHHMMSSZ.pb.gz (atomically: a
 * watcher never sees a partial file), then delete the oldest such files past --pprof-keep.
 * 0 or -errno, said.
 */
int profiles__roll(const struct lt_config *cfg, const struct lt_report *r, const char *host);

#endif /* LEAKTOP_PROFILES_H */
