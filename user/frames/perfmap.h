/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JIT perf maps: /tmp/perf-PID.map, written by runtimes started to write one (node
 * --perf-basic-prof, the JVM with perf-map-agent, ...), "START SIZE NAME" per line, in hex.
 * Read through /proc/PID/root (a container's own /tmp) under the pid the process has in its
 * own namespace. Only for addresses no object covers: JIT code.
 */
#ifndef LEAKTOP_PERFMAP_H
#define LEAKTOP_PERFMAP_H

#include <stdint.h>
#include <sys/types.h>

struct lt_perfmaps;

struct lt_perfmaps *perfmap__new(void);
void perfmap__free(struct lt_perfmaps *m);

/*
 * The name of the JIT code at `ip` in process `pid` (a return address: ip - 1 is looked up),
 * or NULL. The map is read again when it grew since the last look. The string lives as long
 * as `m`.
 */
const char *perfmap__lookup(struct lt_perfmaps *m, pid_t pid, uint64_t ip);

/* Forget a process (exec, purge). */
void perfmap__forget(struct lt_perfmaps *m, pid_t pid);

/* Parse a perf map's text into sorted entries; for tests. Returns the entries read. */
size_t perfmap__parse_count(const char *text, size_t len);

#endif /* LEAKTOP_PERFMAP_H */
