// SPDX-License-Identifier: GPL-2.0
/*
 * A target that leaks at once: its first call in main leaks known bytes, before it could wait
 * for anything, so only probes in place before it started can see them. For the tests of
 * processes that start while leaktop runs (--all, --cgroup's forks) and of launch mode.
 *
 *   startleak                 leak, print "done PID", wait for SIGTERM, exit 0
 *   startleak --exit N        leak, then exit with status N
 *   startleak --signal N      leak, then kill itself with signal N
 *   startleak --fork N        leak, print "ready PID", wait for SIGUSR1; then fork N children
 *                             that each leak at once (their first call after fork) and print
 *                             "child PID"; the parent prints "done PID"; all wait for SIGTERM
 *   startleak --expect        "function bytes count" of the leak at start
 *   startleak --expect-child  the same for each child's leak
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

/* Leaked blocks are kept here, so nothing can prove them dead and drop the calls. */
static void *volatile kept[64];
static int nkept;

static void keep(void *p)
{
	if (!p)
		_exit(3);
	kept[nkept++ % 64] = p;
}

#define START_BLOCKS 8
#define START_SIZE 1500
#define CHILD_BLOCKS 5
#define CHILD_SIZE 700

NOINLINE void leak_at_start(void)
{
	for (int i = 0; i < START_BLOCKS; i++)
		keep(malloc(START_SIZE));
}

NOINLINE void leak_in_child(void)
{
	for (int i = 0; i < CHILD_BLOCKS; i++)
		keep(malloc(CHILD_SIZE));
}

static void wait_sig(int sig)
{
	sigset_t set;
	int got;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigwait(&set, &got);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	sigset_t set;

	leak_at_start();
	if (!strcmp(mode, "--expect")) {
		printf("leak_at_start %d %d\n", START_BLOCKS * START_SIZE, START_BLOCKS);
		return 0;
	}
	if (!strcmp(mode, "--expect-child")) {
		printf("leak_in_child %d %d\n", CHILD_BLOCKS * CHILD_SIZE, CHILD_BLOCKS);
		return 0;
	}
	if (!strcmp(mode, "--exit"))
		return n;
	if (!strcmp(mode, "--signal")) {
		signal(n, SIG_DFL);
		raise(n);
		return 100; /* a signal that does not kill */
	}
	/* SIGTERM and SIGUSR1 queue until they are waited for, in the children too. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "--fork")) {
		printf("ready %d\n", getpid());
		wait_sig(SIGUSR1);
	}
	for (int i = 0; !strcmp(mode, "--fork") && i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 3;
		if (!pid) {
			leak_in_child();
			printf("child %d\n", getpid());
			wait_sig(SIGTERM);
			return 0;
		}
	}
	printf("done %d\n", getpid());
	wait_sig(SIGTERM);
	return 0;
}
