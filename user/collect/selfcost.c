// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "report.h"
#include "selfcost.h"
#include "target.h"
#include "util.h"

/* The memory charged for a map, from its fdinfo. */
static uint64_t map_memlock(int fd)
{
	char path[64], *text, *line;
	uint64_t bytes = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = read_file(path, NULL);
	line = text ? strstr(text, "memlock:") : NULL;
	if (line)
		bytes = strtoull(line + 8, NULL, 10);
	free(text);
	return bytes;
}

void selfcost__measure(struct lt_selfcost *c, const struct bpf_object *obj, struct lt_self *out)
{
	double now = now_mono(), secs;
	struct bpf_map *map;
	struct rusage ru;
	uint64_t rss = 0;

	getrusage(RUSAGE_SELF, &ru);
	secs = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
	if (now > c->cpu_at)
		out->cpu_pct = 100 * (secs - c->cpu_secs) / (now - c->cpu_at);
	c->cpu_at = now;
	c->cpu_secs = secs;
	if (!c->cpu_start_set) {
		c->cpu_start = secs;
		c->cpu_start_set = true;
	}
	out->cpu_secs = secs - c->cpu_start;
	if (!target__rss(getpid(), &rss))
		out->rss = rss;
	if (obj) {
		bpf_object__for_each_map(map, obj) {
			int fd = bpf_map__fd(map);

			if (fd >= 0)
				out->bpf_bytes += map_memlock(fd);
		}
	}
	out->purged_procs = c->purged_procs;
	out->purged_allocs = c->purged_allocs;
	out->started_unprobed = c->started_unprobed;
	out->purged_stacks = c->purged_stacks;
}
