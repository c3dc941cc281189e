// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"
#include "util.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/* Fields of /proc/PID/stat after the parenthesised comm, which may hold spaces. */
static int read_stat(pid_t pid, char *state, unsigned long *flags, char *comm, size_t commlen,
		     uint64_t *start_time)
{
	char path[64], *text, *open, *close;
	unsigned long long start = 0;
	int ret = -ESRCH;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	text = read_file(path, NULL);
	if (!text)
		return errno == ENOENT ? -ESRCH : -errno;
	open = strchr(text, '(');
	close = strrchr(text, ')');
	/* state ppid pgrp session tty tpgid flags ... starttime is the 20th after the comm */
	if (open && close && close > open &&
	    sscanf(close + 1, " %c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			      "%*d %*d %*d %llu", state, flags, &start) >= 2) {
		snprintf(comm, commlen, "%.*s", (int)(close - open - 1), open + 1);
		if (start_time)
			*start_time = start;
		ret = 0;
	}
	free(text);
	return ret;
}

static pid_t tgid_of(pid_t pid)
{
	char path[64], *text, *line;
	pid_t tgid = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_file(path, NULL);
	if (!text)
		return 0;
	line = strstr(text, "\nTgid:");
	if (line)
		tgid = strtol(line + 6, NULL, 10);
	free(text);
	return tgid;
}

/* `found` (by a scope): no pidfd, and no message, since a scope meets kernel threads and exits. */
static int open_target(struct lt_target *t, pid_t pid, bool found)
{
	unsigned long flags = 0;
	char state = 0;
	pid_t tgid;
	int e;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	t->named_at = now_mono();
	tgid = found ? pid : tgid_of(pid);
	if (tgid <= 0) {
		if (!found)
			lt_err("no such process: %d", pid);
		return -ESRCH;
	}
	e = read_stat(tgid, &state, &flags, t->comm, sizeof(t->comm), &t->start_time);
	if (e) {
		if (!found)
			lt_err("cannot read /proc/%d/stat: %s", tgid, strerror(-e));
		return e == -ENOENT ? -ESRCH : e;
	}
	if (flags & PF_KTHREAD) {
		if (!found)
			lt_err("pid %d (%s) is a kernel thread: it has no user memory to trace",
			       tgid, t->comm);
		return -EINVAL;
	}
	if (state == 'Z' || state == 'X') {
		if (!found)
			lt_err("pid %d (%s) has already exited", tgid, t->comm);
		return -ESRCH;
	}
	if (tgid != pid)
		lt_info(0, "pid %d is a thread of process %d (%s): tracing the process", pid, tgid,
			t->comm);
	t->pid = tgid;
	if (!found)
		t->pidfd = syscall(SYS_pidfd_open, tgid, 0);
	return 0;
}

int target__open(struct lt_target *t, pid_t pid)
{
	return open_target(t, pid, false);
}

int target__open_found(struct lt_target *t, pid_t pid)
{
	return open_target(t, pid, true);
}

void target__close(struct lt_target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}

bool target__exited(struct lt_target *t)
{
	struct pollfd pfd = { .fd = t->pidfd, .events = POLLIN };
	char state = 0, comm[17];
	unsigned long flags;

	if (t->exited)
		return true;
	if (t->pidfd >= 0) {
		/* A pidfd polls readable once the process has exited, zombie or not. */
		if (poll(&pfd, 1, 0) == 1)
			t->exited = true;
	} else {
		uint64_t start = 0;

		/* Gone, a zombie, or another process that got the pid since. */
		if (read_stat(t->pid, &state, &flags, comm, sizeof(comm), &start) || state == 'Z' ||
		    state == 'X' || (t->start_time && start != t->start_time))
			t->exited = true;
	}
	return t->exited;
}

/* A "Name:   1234 kB" field of a /proc status-like file, in bytes. */
static bool kb_field(const char *text, const char *name, uint64_t *bytes)
{
	const char *p = strstr(text, name);

	if (!p || (p != text && p[-1] != '\n'))
		return false;
	*bytes = strtoull(p + strlen(name), NULL, 10) * 1024;
	return true;
}

int target__memory(pid_t pid, uint64_t *rss, uint64_t *anon)
{
	char path[64], *text;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	ok = kb_field(text, "Rss:", rss) && kb_field(text, "Anonymous:", anon);
	free(text);
	return ok ? 0 : -EINVAL;
}

int target__memory_fast(pid_t pid, uint64_t *rss, uint64_t *anon)
{
	char path[64], *text;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	ok = kb_field(text, "VmRSS:", rss) && kb_field(text, "RssAnon:", anon);
	free(text);
	return ok ? 0 : -EINVAL;
}

bool target__exited_early(struct lt_target *t)
{
	if (!target__exited(t))
		return false;
	lt_err("pid %d (%s) exited before leaktop could attach", t->pid, t->comm);
	return true;
}

bool target__pid_alive(pid_t pid)
{
	char state = 0, comm[17];
	unsigned long flags;

	return !read_stat(pid, &state, &flags, comm, sizeof(comm), NULL) && state != 'Z' &&
	       state != 'X';
}

int target__rss(pid_t pid, uint64_t *bytes)
{
	unsigned long size, resident;
	char path[64], *text;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	text = read_file(path, NULL);
	if (!text)
		return -errno;
	n = sscanf(text, "%lu %lu", &size, &resident);
	free(text);
	if (n != 2)
		return -EINVAL;
	*bytes = (uint64_t)resident * sysconf(_SC_PAGESIZE);
	return 0;
}
