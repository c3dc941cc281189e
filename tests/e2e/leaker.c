// SPDX-License-Identifier: GPL-2.0
/*
 * The end-to-end tests' target. It starts, prints "ready PID", and waits for SIGUSR1, which the
 * test sends once leaktop says it is attached. Then it leaks known byte counts through one
 * named function per allocator entry point, runs balanced churn that must net to zero, prints
 * "done", and waits for SIGTERM.
 *
 * `leaker --expect` prints the table the tests assert against: "function bytes count" per
 * leaking function, so the expected numbers live in one place, next to the code that leaks.
 *
 * Other modes (same ready/USR1/done protocol):
 *   leaker --flood N   leak N blocks of 100 bytes from one stack (leak_flood)
 *   leaker --flood-churn N  N times: leak a block of 100 bytes (leak_flood_churn), then
 *                      allocate 1000 bytes and free them (flood_churn)
 *   leaker --deep N    leak one 1000-byte block from each of N distinct stacks (leak_deep)
 *   leaker --chain     leak 3000 bytes through chain_1 -> chain_2 -> ... -> chain_8
 *   leaker --wide-chain  leak 3100 bytes through wide_1 -> ... -> wide_12, each frame over
 *                      1 KiB: a stack of 13 KiB, past the walk's 2 KiB window many times over
 *   leaker --dlopen LIB  after the signal, dlopen LIB, wait 2 s (for leaktop's next rescan),
 *                      then leak 4321 bytes through its cfi_plt_calls()
 */
#include <dlfcn.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

/* Leaked blocks are kept here, so nothing can prove them dead and drop the calls. */
static void *volatile kept[256];
static int nkept;

static void keep(void *p)
{
	if (!p) {
		fprintf(stderr, "leaker: allocation failed\n");
		exit(3);
	}
	kept[nkept++] = p;
}

NOINLINE void leak_malloc(void)
{
	for (int i = 0; i < 10; i++)
		keep(malloc(1000));
}

NOINLINE void leak_calloc(void)
{
	for (int i = 0; i < 5; i++)
		keep(calloc(10, 300));
}

/* A block that grows through realloc: only its final size is outstanding. */
NOINLINE void leak_realloc_chain(void)
{
	void *p = malloc(100);

	p = realloc(p, 2000);
	p = realloc(p, 70000);
	/* Past the mmap threshold: glibc's realloc calls malloc itself for this one. */
	p = realloc(p, 300000);
	p = realloc(p, 400000);
	keep(p);
}

NOINLINE void leak_reallocarray(void)
{
	void *p = reallocarray(NULL, 40, 100);

	keep(reallocarray(p, 50, 100));
}

NOINLINE void leak_posix_memalign(void)
{
	for (int i = 0; i < 3; i++) {
		void *p = NULL;

		if (posix_memalign(&p, 64, 1200))
			p = NULL;
		keep(p);
	}
}

NOINLINE void leak_aligned_alloc(void)
{
	keep(aligned_alloc(256, 2560));
	keep(aligned_alloc(256, 2560));
}

NOINLINE void leak_memalign(void)
{
	keep(memalign(128, 1100));
}

NOINLINE void leak_valloc(void)
{
	keep(valloc(5000));
}

#ifdef __GLIBC__ /* musl has no pvalloc */
NOINLINE void leak_pvalloc(void)
{
	keep(pvalloc(6000));
}
#endif

static const struct {
	const char *name;
	void (*fn)(void);
	long bytes, count;
} leaks[] = {
	{ "leak_malloc", leak_malloc, 10000, 10 },
	{ "leak_calloc", leak_calloc, 15000, 5 },
	{ "leak_realloc_chain", leak_realloc_chain, 400000, 1 },
	{ "leak_reallocarray", leak_reallocarray, 5000, 1 },
	{ "leak_posix_memalign", leak_posix_memalign, 3600, 3 },
	{ "leak_aligned_alloc", leak_aligned_alloc, 5120, 2 },
	{ "leak_memalign", leak_memalign, 1100, 1 },
	{ "leak_valloc", leak_valloc, 5000, 1 },
#ifdef __GLIBC__
	{ "leak_pvalloc", leak_pvalloc, 6000, 1 },
#endif
};

/* Balanced work through every entry point: it must leave nothing outstanding. */
NOINLINE void churn(int rounds)
{
	static void *volatile slot;

	for (int i = 0; i < rounds; i++) {
		size_t size = 16 + (i * 7919) % 4080;
		void *p;

		slot = malloc(size);
		free(slot);
		slot = calloc(3, size);
		free(slot);
		p = malloc(size);
		p = realloc(p, size * 2);
		slot = p;
		/* glibc frees on realloc(p, 0) and returns NULL. */
		slot = realloc(slot, 0);
		free(slot);
		if (!posix_memalign(&p, 32, size)) {
			slot = p;
			free(slot);
		}
		slot = aligned_alloc(64, 64 * (1 + i % 8));
		free(slot);
	}
}

NOINLINE void leak_flood(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(100);

		if (!p)
			exit(3);
		kept[i % 256] = p; /* the leak itself: dropped from view, never freed */
	}
}

NOINLINE void flood_churn(void)
{
	void *volatile p = malloc(1000);

	free(p);
}

/* What the process holds grows by 100 bytes a round; what it allocates, by 1100. */
NOINLINE void leak_flood_churn(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(100);

		if (!p)
			exit(3);
		kept[i % 256] = p;
		flood_churn();
	}
}

/* Each depth returns to a different frame sequence, so each leak has its own stack. */
NOINLINE int leak_deep(int depth)
{
	void *volatile p;

	if (depth > 0)
		return leak_deep(depth - 1) + 1;
	p = malloc(1000);
	kept[0] = p;
	return 0;
}

/*
 * Chains of frames between main and malloc, none of them inlined or tail-called, each link's
 * frame holding `pad` bytes of its own: chain_1 to chain_8, small frames; wide_1 to wide_12,
 * over 1 KiB each, so that the walk's stack window must slide, then give out.
 */
#define CHAIN_END(name, slot)                                                                   \
	NOINLINE void *name(size_t n)                                                           \
	{                                                                                       \
		void *p = malloc(n);                                                            \
                                                                                                \
		kept[slot] = p;                                                                 \
		return p;                                                                       \
	}
#define CHAIN_LINK(name, next, pad)                                                             \
	NOINLINE void *name(size_t n)                                                           \
	{                                                                                       \
		volatile char frame[pad];                                                       \
		void *p;                                                                        \
                                                                                                \
		frame[0] = (char)n;                                                             \
		p = next(n + (size_t)(frame[0] - (char)n));                                     \
		__asm__ volatile("" ::"r"(frame) : "memory"); /* no tail call, frame kept */    \
		return p;                                                                       \
	}
CHAIN_END(chain_8, 1)
CHAIN_LINK(chain_7, chain_8, 1)
CHAIN_LINK(chain_6, chain_7, 1)
CHAIN_LINK(chain_5, chain_6, 1)
CHAIN_LINK(chain_4, chain_5, 1)
CHAIN_LINK(chain_3, chain_4, 1)
CHAIN_LINK(chain_2, chain_3, 1)
CHAIN_LINK(chain_1, chain_2, 1)
CHAIN_END(wide_12, 3)
CHAIN_LINK(wide_11, wide_12, 1024)
CHAIN_LINK(wide_10, wide_11, 1024)
CHAIN_LINK(wide_9, wide_10, 1024)
CHAIN_LINK(wide_8, wide_9, 1024)
CHAIN_LINK(wide_7, wide_8, 1024)
CHAIN_LINK(wide_6, wide_7, 1024)
CHAIN_LINK(wide_5, wide_6, 1024)
CHAIN_LINK(wide_4, wide_5, 1024)
CHAIN_LINK(wide_3, wide_4, 1024)
CHAIN_LINK(wide_2, wide_3, 1024)
CHAIN_LINK(wide_1, wide_2, 1024)

NOINLINE void leak_dlopened(const char *lib)
{
	void *(*site)(size_t);
	void *h = dlopen(lib, RTLD_NOW);

	if (!h || !(site = (void *(*)(size_t))dlsym(h, "cfi_plt_calls"))) {
		fprintf(stderr, "leaker: %s\n", dlerror());
		exit(3);
	}
	sleep(2);
	kept[2] = site(4321);
}

static void wait_for(int sig)
{
	sigset_t set;
	int got;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigwait(&set, &got);
}

int main(int argc, char **argv)
{
	int rounds = 2000, flood = 0, flood_churn_n = 0, deep = 0, chain = 0, wide = 0;
	const char *dl = NULL;
	sigset_t set;

	if (argc > 1 && !strcmp(argv[1], "--expect")) {
		for (size_t i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
			printf("%s %ld %ld\n", leaks[i].name, leaks[i].bytes, leaks[i].count);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--flood"))
		flood = atoi(argv[2]);
	else if (argc > 2 && !strcmp(argv[1], "--flood-churn"))
		flood_churn_n = atoi(argv[2]);
	else if (argc > 2 && !strcmp(argv[1], "--deep"))
		deep = atoi(argv[2]);
	else if (argc > 1 && !strcmp(argv[1], "--chain"))
		chain = 1;
	else if (argc > 1 && !strcmp(argv[1], "--wide-chain"))
		wide = 1;
	else if (argc > 2 && !strcmp(argv[1], "--dlopen"))
		dl = argv[2];
	else if (argc > 1)
		rounds = atoi(argv[1]);
	/* Block the signals we wait for, so they queue instead of killing us early. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	wait_for(SIGUSR1);

	if (chain) {
		chain_1(3000);
	} else if (wide) {
		wide_1(3100);
	} else if (dl) {
		leak_dlopened(dl);
	} else if (flood) {
		leak_flood(flood);
	} else if (flood_churn_n) {
		leak_flood_churn(flood_churn_n);
	} else if (deep) {
		for (int d = 0; d < deep; d++)
			leak_deep(d);
	} else {
		for (size_t i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
			leaks[i].fn();
		churn(rounds);
	}

	printf("done\n");
	wait_for(SIGTERM);
	return 0;
}
