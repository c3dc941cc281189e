// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark workload: `hotloop pairs N` runs N malloc (16 to 4096 bytes) + free pairs;
 * `hotloop free N` runs N free(NULL) calls, one probe hit each; `hotloop deep D N` runs the
 * pairs D function frames deep, to price stack walks by depth. It prints "ready", waits for
 * SIGUSR1 (sent once the tracer is attached), times the loop, and prints "ns_per_op X".
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *volatile sink;
static long loop_n;

static void pairs_loop(long n)
{
	for (long i = 0; i < n; i++) {
		sink = malloc(16 + (i * 7919) % 4081);
		free(sink);
	}
}

/* D frames of recursion, then the loop: every malloc's stack is D + a few frames deep. */
__attribute__((noinline)) static int descend(int d)
{
	if (d <= 1)
		pairs_loop(loop_n);
	else
		d = descend(d - 1);
	__asm__ volatile("" ::: "memory"); /* no tail call */
	return d + 1;
}
static void *volatile null_ptr; /* opaque to the compiler, which drops free(NULL) */

int main(int argc, char **argv)
{
	struct timespec a, b;
	int depth = 0, sig;
	bool pairs;
	sigset_t set;
	long n;

	if (argc == 4 && !strcmp(argv[1], "deep")) {
		depth = atoi(argv[2]);
		argv++;
		argc--;
	}
	if (argc != 3 || (strcmp(argv[1], "pairs") && strcmp(argv[1], "free") && !depth)) {
		fprintf(stderr, "usage: hotloop pairs|free N, or hotloop deep D N\n");
		return 2;
	}
	pairs = depth || !strcmp(argv[1], "pairs");
	n = atol(argv[2]);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (depth) {
		loop_n = n;
		descend(depth);
	} else if (pairs) {
		pairs_loop(n);
	} else {
		for (long i = 0; i < n; i++)
			free(null_ptr);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ns_per_op %.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
