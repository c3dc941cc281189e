// SPDX-License-Identifier: GPL-2.0
/*
 * The bundled demo for `make demo`: a small "service" with an event loop. Each event is
 * parsed into a request buffer (freed: balanced churn), looked up in a bounded cache (steady),
 * added to a batch that is flushed every 1000 events (a sawtooth, not a leak), and written as a
 * JSON line into a stream buffer that nobody ever releases: the leak, 4112 bytes per event,
 * in write_jsonl(). Every 50th event also opens an upstream connection it never closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define CACHE_SLOTS 64
#define BATCH 1000

struct event {
	unsigned long id;
	char payload[96];
};

struct chunk {
	struct chunk *next;
	size_t len;
	char data[];
};

static struct chunk *stream; /* grows forever: every chunk stays reachable, never freed */
static char *cache[CACHE_SLOTS];
static char *batch[BATCH];
static int batched;

NOINLINE static char *parse_request(const struct event *ev)
{
	char *req = malloc(512 + ev->id % 512);

	snprintf(req, 512, "{\"id\":%lu,\"payload\":\"%s\"}", ev->id, ev->payload);
	return req;
}

NOINLINE static void cache_put(unsigned long key, const char *req)
{
	size_t slot = key % CACHE_SLOTS;

	free(cache[slot]); /* bounded: the slot's previous entry goes */
	cache[slot] = strdup(req);
}

NOINLINE static void write_jsonl(const char *req)
{
	size_t len = strlen(req);
	struct chunk *c = malloc(sizeof(*c) + 4096);

	/* The "buffered writer" keeps a 4 KiB chunk per line and never flushes. */
	c->len = len < 4096 ? len : 4095;
	memcpy(c->data, req, c->len);
	c->data[c->len] = '\n';
	c->next = stream;
	stream = c;
}

/* Batched for a bulk insert: held until the batch is full, then all released. */
NOINLINE static void batch_add(const char *req)
{
	char *rec = malloc(256);

	strncpy(rec, req, 256);
	batch[batched++] = rec;
	if (batched == BATCH) {
		while (batched)
			free(batch[--batched]);
	}
}

/* The "connection pool" that forgets to close: a TCP socket every 50th event. */
NOINLINE static void connect_upstream(unsigned long id)
{
	static volatile int pool[64]; /* kept, never closed */

	if (id % 50 == 0)
		pool[id / 50 % 64] = socket(AF_INET, SOCK_STREAM, 0);
}

NOINLINE static void handle_event(const struct event *ev)
{
	char *req = parse_request(ev);

	cache_put(ev->id, req);
	batch_add(req);
	write_jsonl(req);
	connect_upstream(ev->id);
	free(req);
}

int main(void)
{
	struct timespec pause = { .tv_nsec = 5 * 1000 * 1000 };
	struct event ev = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("leaky_service: pid %d, handling events\n", getpid());
	for (;;) {
		ev.id++;
		snprintf(ev.payload, sizeof(ev.payload), "event-%lu", ev.id);
		handle_event(&ev);
		nanosleep(&pause, NULL);
	}
}
