// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark workload: `hotloop pairs N` runs N malloc (16 to 4096 bytes) + free pairs;
 * `hotloop free N` runs N free(NULL) calls, one probe hit each; `hotloop deep D N` runs the
 * pairs D function frames deep, to price stack walks by depth. For the syscall tracepoints:
 * `hotloop close N` runs N close(-1) (EBADF: the cheapest traced syscall), `hotloop socket N`
 * N socket + close pairs, `hotloop mmap N` N one-page mmap + munmap pairs. It prints "ready",
 * waits for SIGUSR1 (sent once the tracer is attached), times the loop, and prints
 * "ns_per_op X", then "cpu_ns X": the CPU time it has used since it started, which the bench
 * compares with leaktop's estimate of what it added.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
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

/* The syscall loops; returns false for an unknown mode. */
static bool syscall_loop(const char *mode, long n)
{
	if (!strcmp(mode, "close")) {
		for (long i = 0; i < n; i++)
			close(-1);
	} else if (!strcmp(mode, "socket")) {
		for (long i = 0; i < n; i++)
			close(socket(AF_INET, SOCK_DGRAM, 0));
	} else if (!strcmp(mode, "mmap")) {
		for (long i = 0; i < n; i++) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			munmap(p, 4096);
		}
	} else {
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	int depth = 0, sig;
	bool pairs, sys;
	sigset_t set;
	long n;

	if (argc == 4 && !strcmp(argv[1], "deep")) {
		depth = atoi(argv[2]);
		argv++;
		argc--;
	}
	sys = argc == 3 && (!strcmp(argv[1], "close") || !strcmp(argv[1], "socket") ||
			    !strcmp(argv[1], "mmap"));
	if (argc != 3 || (strcmp(argv[1], "pairs") && strcmp(argv[1], "free") && !depth && !sys)) {
		fprintf(stderr, "usage: hotloop pairs|free|close|socket|mmap N, or hotloop deep D N\n");
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
	if (sys) {
		syscall_loop(argv[1], n);
	} else if (depth) {
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
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("cpu_ns %.0f\n", b.tv_sec * 1e9 + b.tv_nsec);
	return 0;
}
