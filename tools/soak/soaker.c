// SPDX-License-Identifier: GPL-2.0
/*
 * make soak's target: keeps LIVE blocks allocated (16 to 256 bytes, each filled with a
 * pattern derived from its slot and generation), and replaces RATE of them a second (a free
 * and a malloc each), for as long as it runs. On SIGUSR1 it stops replacing (so exactly LIVE
 * blocks are held, none in flight between a free and its malloc) and prints "paused". On
 * SIGTERM it checks every live block's pattern and prints "checksum ok N" or "checksum BAD N",
 * then exits 0 or 1. It prints "started", allocates nothing until SIGUSR2 (so a tracer
 * attached first sees every block), then prints "ready" once its blocks are allocated.
 *   soaker LIVE RATE
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop, pause_churn, go;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	go = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	pause_churn = 1;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct block {
	unsigned char *p;
	uint32_t size, gen;
};

static unsigned char pattern(size_t slot, uint32_t gen, size_t i)
{
	return (unsigned char)(slot * 31 + gen * 7 + i);
}

static int fill(struct block *b, size_t slot)
{
	b->size = 16 + (uint32_t)(next() % 241);
	b->p = malloc(b->size);
	if (!b->p)
		return -1;
	for (size_t i = 0; i < b->size; i++)
		b->p[i] = pattern(slot, b->gen, i);
	return 0;
}

int main(int argc, char **argv)
{
	size_t live = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t rate = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	struct block *blocks = calloc(live, sizeof(*blocks));
	struct timespec t0, now, tick = { 0, 10 * 1000 * 1000 };
	size_t per_tick = rate / 100, bad = 0;
	uint64_t done = 0;

	if (!blocks || !live)
		return 2;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	printf("started\n");
	fflush(stdout);
	while (!go && !stop)
		pause();
	for (size_t s = 0; s < live; s++) {
		if (fill(&blocks[s], s))
			return 2;
	}
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		if (pause_churn) {
			printf("paused\n");
			fflush(stdout);
			while (!stop)
				pause();
			break;
		}
		for (size_t k = 0; k < per_tick; k++) {
			size_t s = next() % live;

			free(blocks[s].p);
			blocks[s].gen++;
			if (fill(&blocks[s], s))
				return 2;
		}
		done += per_tick;
		/* Keep to the rate: sleep until this tick's share of the second is due. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		double ahead = (double)done / (double)rate -
			       ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9);
		if (ahead > 0) {
			tick.tv_sec = 0;
			tick.tv_nsec = (long)(ahead * 1e9);
			nanosleep(&tick, NULL);
		}
	}
	for (size_t s = 0; s < live; s++) {
		for (size_t i = 0; i < blocks[s].size; i++)
			bad += blocks[s].p[i] != pattern(s, blocks[s].gen, i);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("checksum %s %zu replaced %llu in %.0f s\n", bad ? "BAD" : "ok", live,
	       (unsigned long long)done, (double)(now.tv_sec - t0.tv_sec));
	return bad ? 1 : 0;
}
