/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe attachment: the allocator functions of one object in one process, each with its entry
 * program and, for allocating functions, a return probe. Links live here until
 * probes__free() detaches them all.
 */
#ifndef LEAKTOP_PROBES_H
#define LEAKTOP_PROBES_H

#include <stddef.h>
#include <sys/types.h>

#include "objects.h"

struct leaktop_bpf;
struct lt_probes;

struct lt_probes *probes__new(struct leaktop_bpf *skel);
/* Detach everything. NULL-safe. */
void probes__free(struct lt_probes *p);

/*
 * Attach to every allocator function `o` defines, for process `pid` only. Functions that share
 * an address (glibc's memalign and aligned_alloc) are probed once. On failure nothing of this
 * object stays attached, and the error names the function and offset.
 */
int probes__attach_object(struct lt_probes *p, pid_t pid, const struct lt_object *o);

/* Number of links attached. */
size_t probes__count(const struct lt_probes *p);

#endif /* LEAKTOP_PROBES_H */
