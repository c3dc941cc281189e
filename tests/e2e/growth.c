// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads for the growth, verdict, mapping, socket and per-call tests. Each prints "ready",
 * waits for SIGUSR1 (sent once leaktop is attached), runs, and stops at SIGTERM. The other
 * modes print "done" when their work is over.
 *
 *   growth steady     leak 102400 bytes every 100 ms from leak_steady (1,024,000 B/s)
 *   growth sawtooth   add 200 KiB every 100 ms in sawtooth_step, free it all every 1.3 s
 *   growth fragment   each 100 ms, 50 buffers of a size that keeps growing, shrunk to 64
 *                     bytes each: the freed tails are holes too small for the next round, so
 *                     RSS grows about 10 MB/s while the heap grows 32 KB/s
 *   growth mmaps      mappings with known sizes (see mmaps), then "done"
 *   growth sockets    three UDP sockets kept, five closed by dup2 and close_range; then, every
 *                     100 ms until SIGUSR2, one TCP socket kept and two unix socket pairs
 *                     closed; then "done ROUNDS"
 *   growth percall    call handle_event every 20 ms, each leaking 3000 bytes, until SIGUSR2;
 *                     then "done CALLS" (no call is left half-way)
 *   growth warmup     a service warming up: 35 rounds, one every 100 ms, each keeping 30000
 *                     bytes from warmup_cache and touching 60 KiB more of a buffer mapped
 *                     before leaktop attached (memory it cannot track); then "warm ROUNDS",
 *                     and only balanced work (one block allocated and freed every 100 ms)
 *                     until SIGTERM: heap +1.05 MB and RSS about +3 MB, then flat
 *   growth exitleak N SIZE
 *                     leak N blocks of SIZE bytes from leak_before_exit, print "done N" and
 *                     exit: what a process still held when it exited
 *   growth churn N    N short children one after the other, each leaking from a stack of its
 *                     own (a recursion 1 to 100 deep) 80 ms after its fork (time for a scope
 *                     to attach to it) and exiting; then, 3 s later, the parent leaks 10
 *                     blocks of 1000 bytes from final_leak; "done N"
 * For the cost tests:
 *   growth busy N     N malloc (16 to 4096 bytes) + free pairs as fast as it can: 2N allocator
 *                     calls and nothing else; "done N"
 *   growth idle       nothing at all; "done 0"
 *   growth service R  a service at R requests a second (in 1 ms ticks), each from 48 distinct
 *                     functions deep: a 256-byte block, one in four kept (serve_request); from
 *                     a first SIGUSR2 on, calm: one request every 10 ms; at a second one,
 *                     "done KEPT" (blocks kept)
 */
#define _GNU_SOURCE /* mremap */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define PAGE 4096

static sigset_t waitset;
static void *volatile sink;

/* Sleep `ms`; return the signal that cut it short (SIGTERM or SIGUSR2), or 0. */
static int nap(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };
	int sig = sigtimedwait(&waitset, NULL, &ts);

	return sig < 0 ? 0 : sig;
}

static void fail(const char *what)
{
	perror(what);
	exit(3);
}

NOINLINE void leak_steady(void)
{
	char *p = malloc(102400);

	if (!p)
		fail("malloc");
	memset(p, 1, 102400);
	sink = p;
}

static void steady(void)
{
	do
		leak_steady();
	while (nap(100) != SIGTERM);
}

static void *teeth[64];
static int nteeth;

NOINLINE void sawtooth_step(void)
{
	teeth[nteeth] = malloc(200 * 1024);
	if (!teeth[nteeth])
		fail("malloc");
	memset(teeth[nteeth++], 2, 200 * 1024);
}

static void sawtooth(void)
{
	do {
		sawtooth_step();
		if (nteeth == 13) {
			while (nteeth)
				free(teeth[--nteeth]);
		}
	} while (nap(100) != SIGTERM);
}

/*
 * Each round: 50 buffers of a size that grows by 512 bytes a round, filled, then shrunk in
 * place to 64 bytes by realloc. The allocator keeps each freed tail as a hole between two
 * live heads, and every later buffer is too big for the holes: RSS grows by about 1 MB a
 * round while the tracked heap grows by 3.2 KB.
 */
NOINLINE void fragment_round(int round)
{
	static void *buf[50];
	size_t size = 20000 + round * 512;

	for (int i = 0; i < 50; i++) {
		buf[i] = malloc(size);
		if (!buf[i])
			fail("malloc");
		memset(buf[i], 3, size);
	}
	for (int i = 0; i < 50; i++)
		sink = realloc(buf[i], 64); /* shrinks in place */
}

static void fragment(void)
{
	int round = 0;

	do
		fragment_round(round++);
	while (nap(100) != SIGTERM);
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap");
	return p;
}

/* Three 64 KiB anonymous regions, kept: 196608 bytes. */
NOINLINE void leak_anon_maps(void)
{
	for (int i = 0; i < 3; i++)
		sink = map(16 * PAGE);
}

/* Two pages of a file, kept: 8192 bytes, file-backed. */
NOINLINE void leak_file_map(void)
{
	char path[] = "/tmp/leaktop-growth-XXXXXX";
	int fd = mkstemp(path);
	void *p;

	if (fd < 0 || ftruncate(fd, 2 * PAGE))
		fail("mkstemp");
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		fail("mmap file");
	unlink(path);
	close(fd);
	sink = p;
}

NOINLINE void balanced_maps(void)
{
	for (int i = 0; i < 100; i++)
		munmap(map(4 * PAGE), 4 * PAGE);
}

/* 16 pages; the head, the tail and two middle pages unmapped: 12 pages in 2 regions. */
NOINLINE void partial_region(void)
{
	char *p = map(16 * PAGE);

	munmap(p, PAGE);
	munmap(p + 15 * PAGE, PAGE);
	munmap(p + 5 * PAGE, 2 * PAGE);
}

/*
 * Three adjacent 4-page regions laid over a reservation, then one unmap from the middle of
 * the first to the middle of the third: 2 pages of the first and 2 of the third remain.
 */
NOINLINE void several_regions(void)
{
	char *r = mmap(NULL, 12 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		fail("mmap reserve");
	for (int i = 0; i < 3; i++) {
		if (mmap(r + i * 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			fail("mmap fixed");
	}
	munmap(r + 2 * PAGE, 8 * PAGE);
}

/* Four pages grown to twelve by mremap, which may move them: 49152 bytes in one region. */
NOINLINE void grown_region(void)
{
	char *p = map(4 * PAGE);

	p = mremap(p, 4 * PAGE, 12 * PAGE, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		fail("mremap");
	p[11 * PAGE] = 1;
}

/* A 4 MiB malloc, which glibc serves with its own mmap: heap bytes, not a mapping. */
NOINLINE void leak_big_malloc(void)
{
	char *p = malloc(4 << 20);

	if (!p)
		fail("malloc");
	p[0] = 1;
	sink = p;
}

static void mmaps(void)
{
	leak_anon_maps();
	leak_file_map();
	balanced_maps();
	partial_region();
	several_regions();
	grown_region();
	leak_big_malloc();
}

/* One TCP socket, kept open. */
NOINLINE void leak_tcp(void)
{
	if (socket(AF_INET, SOCK_STREAM, 0) < 0)
		fail("socket");
}

/* Three UDP sockets, kept open. */
NOINLINE void leak_udp(void)
{
	for (int i = 0; i < 3; i++) {
		if (socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0)
			fail("socket");
	}
}

/* Two unix socket pairs, each end closed. */
NOINLINE void balanced_pairs(void)
{
	for (int i = 0; i < 2; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			fail("socketpair");
		close(sv[0]);
		close(sv[1]);
	}
}

/* A socket closed by dup2 over it, and four closed by close_range. */
NOINLINE void closed_otherwise(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), first = -1, last = -1;

	if (s < 0)
		fail("socket");
	if (dup2(STDERR_FILENO, s) != s) /* closes the socket */
		fail("dup2");
	close(s);
	for (int i = 0; i < 4; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0)
			fail("socket");
		first = first < 0 || fd < first ? fd : first;
		last = fd > last ? fd : last;
	}
	if (syscall(SYS_close_range, first, last, 0))
		fail("close_range");
}

/* Returns the number of rounds, each of which leaked one TCP socket. */
static int sockets(void)
{
	int rounds = 0;

	leak_udp();
	closed_otherwise();
	do {
		leak_tcp();
		balanced_pairs();
		rounds++;
	} while (!nap(100));
	return rounds;
}

NOINLINE void handle_event(int i)
{
	char *p = malloc(3000);

	if (!p)
		fail("malloc");
	p[0] = i;
	sink = p;
}

NOINLINE void churn_leak(int depth)
{
	if (depth > 0) {
		churn_leak(depth - 1);
		sink = (void *)(long)depth; /* no tail call: each level is a frame */
		return;
	}
	sink = malloc(64);
}

NOINLINE void final_leak(void)
{
	for (int i = 0; i < 10; i++) {
		char *p = malloc(1000);

		if (!p)
			fail("malloc");
		p[0] = i;
		sink = p;
	}
}

/* Children that leak from stacks of their own and exit; then one leak in the parent. */
static int churn(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (!pid) {
			usleep(80000);
			churn_leak(1 + i % 100);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	nap(3000);
	final_leak();
	return n;
}

#define WARMUP_ROUNDS 35
#define WARMUP_KEEP 30000
#define WARMUP_TOUCH (60 * 1024)

static char *arena; /* mapped before leaktop attaches: its pages are untracked memory */
static void *cache[WARMUP_ROUNDS];

NOINLINE void warmup_cache(int i)
{
	cache[i] = malloc(WARMUP_KEEP);
	if (!cache[i])
		fail("malloc");
	memset(cache[i], 4, WARMUP_KEEP);
}

NOINLINE void steady_work(void)
{
	char *p = malloc(4096);

	if (!p)
		fail("malloc");
	p[0] = 1;
	sink = p;
	free(p);
}

static void warmup(void)
{
	for (int i = 0; i < WARMUP_ROUNDS; i++) {
		warmup_cache(i);
		memset(arena + (size_t)i * WARMUP_TOUCH, 5, WARMUP_TOUCH);
		if (nap(100) == SIGTERM)
			exit(0);
	}
	printf("warm %d\n", WARMUP_ROUNDS);
	do
		steady_work();
	while (nap(100) != SIGTERM);
}

NOINLINE void leak_before_exit(int n, size_t size)
{
	for (int i = 0; i < n; i++) {
		char *p = malloc(size);

		if (!p)
			fail("malloc");
		memset(p, 6, size);
		sink = p;
	}
}

static int busy(long n)
{
	for (long i = 0; i < n; i++) {
		sink = malloc(16 + (i * 7919) % 4081);
		free(sink);
	}
	return n;
}

static void **kept;
static long nkept, cap_kept;

/* The list of kept blocks grows from a stack of its own, not serve_request's. */
NOINLINE void keep_block(void *p)
{
	if (nkept == cap_kept) {
		cap_kept = cap_kept ? cap_kept * 2 : 4096;
		kept = realloc(kept, cap_kept * sizeof(*kept));
		if (!kept)
			fail("realloc");
	}
	kept[nkept++] = p;
}

/* One request: a 256-byte block, kept one time in four (a leak of 64 bytes a request). */
NOINLINE void serve_request(long i)
{
	char *p = malloc(256);

	if (!p)
		fail("malloc");
	p[0] = i;
	if (i % 4)
		free(p);
	else
		keep_block(p);
}

/*
 * 48 distinct functions between the request loop and the allocation, as a real service's
 * stack has: more return addresses than the unwinder's row cache holds, so its walk does what
 * a real one does. Each calls the next, then writes sink (no tail call: each is a frame).
 */
#define STEP(n, next)                                                                      \
	NOINLINE void step##n(long i)                                                      \
	{                                                                                  \
		next(i);                                                                   \
		sink = (void *)(long)n;                                                    \
	}
STEP(47, serve_request) STEP(46, step47) STEP(45, step46) STEP(44, step45)
STEP(43, step44) STEP(42, step43) STEP(41, step42) STEP(40, step41)
STEP(39, step40) STEP(38, step39) STEP(37, step38) STEP(36, step37)
STEP(35, step36) STEP(34, step35) STEP(33, step34) STEP(32, step33)
STEP(31, step32) STEP(30, step31) STEP(29, step30) STEP(28, step29)
STEP(27, step28) STEP(26, step27) STEP(25, step26) STEP(24, step25)
STEP(23, step24) STEP(22, step23) STEP(21, step22) STEP(20, step21)
STEP(19, step20) STEP(18, step19) STEP(17, step18) STEP(16, step17)
STEP(15, step16) STEP(14, step15) STEP(13, step14) STEP(12, step13)
STEP(11, step12) STEP(10, step11) STEP(9, step10) STEP(8, step9)
STEP(7, step8) STEP(6, step7) STEP(5, step6) STEP(4, step5)
STEP(3, step4) STEP(2, step3) STEP(1, step2) STEP(0, step1)

/*
 * `rate` requests a second, in 1 ms ticks; after a SIGUSR2, one every 10 ms; after another
 * (or SIGTERM), it returns the blocks kept.
 */
static long service(long rate)
{
	struct timespec next;
	long i = 0, per_tick = rate / 1000 ? rate / 1000 : 1, tick_ns = 1000000;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		struct timespec zero = { 0 };
		int sig;

		for (long k = 0; k < per_tick; k++)
			step0(i++);
		sig = sigtimedwait(&waitset, NULL, &zero);
		if (sig == SIGTERM || (sig == SIGUSR2 && tick_ns > 1000000))
			return nkept;
		if (sig == SIGUSR2) {
			per_tick = 1;
			tick_ns = 10000000;
		}
		next.tv_nsec += tick_ns;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}

/* Returns the number of calls. */
static int percall(void)
{
	int i = 0;

	do
		handle_event(i++);
	while (!nap(20));
	return i;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	sigset_t start;
	int sig, n = 0;

	sigemptyset(&start);
	sigaddset(&start, SIGUSR1);
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGTERM);
	sigaddset(&waitset, SIGUSR2);
	sigprocmask(SIG_BLOCK, &start, NULL);
	sigprocmask(SIG_BLOCK, &waitset, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "warmup"))
		arena = map(WARMUP_ROUNDS * WARMUP_TOUCH);
	printf("ready %d\n", getpid());
	sigwait(&start, &sig);

	/* The continuous modes run until SIGTERM. */
	if (!strcmp(mode, "steady"))
		steady();
	else if (!strcmp(mode, "sawtooth"))
		sawtooth();
	else if (!strcmp(mode, "fragment"))
		fragment();
	else if (!strcmp(mode, "warmup"))
		warmup();
	if (!strcmp(mode, "steady") || !strcmp(mode, "sawtooth") || !strcmp(mode, "fragment") ||
	    !strcmp(mode, "warmup"))
		return 0;
	if (!strcmp(mode, "mmaps"))
		mmaps();
	else if (!strcmp(mode, "sockets"))
		n = sockets();
	else if (!strcmp(mode, "percall"))
		n = percall();
	else if (!strcmp(mode, "churn"))
		n = churn(argc > 2 ? atoi(argv[2]) : 100);
	else if (!strcmp(mode, "exitleak") && argc > 3)
		leak_before_exit(n = atoi(argv[2]), strtoul(argv[3], NULL, 10));
	else if (!strcmp(mode, "busy"))
		n = busy(argc > 2 ? atol(argv[2]) : 100000);
	else if (!strcmp(mode, "service"))
		n = service(argc > 2 ? atol(argv[2]) : 10000);
	else if (strcmp(mode, "idle"))
		fail("mode");
	printf("done %d\n", n);
	if (!strcmp(mode, "exitleak"))
		return 0; /* exits holding what it leaked */
	while (!sigwait(&waitset, &sig) && sig != SIGTERM)
		;
	return 0;
}
