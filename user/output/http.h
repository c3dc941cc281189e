/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics endpoint (--prometheus): libmicrohttpd serves GET /metrics from its own thread,
 * always from the last exposition published, a copy made under a lock. A scrape never waits
 * for the trace, and a slow or broken client never stalls it: connections are limited in
 * number (per client too) and time out.
 */
#ifndef LEAKTOP_HTTP_H
#define LEAKTOP_HTTP_H

#include <stddef.h>

struct lt_http;

/*
 * Listen on `spec`, "[HOST:]PORT" ("9464", "127.0.0.1:9464", "[::1]:9464"; no host: every
 * address). 0 or -errno, said.
 */
int http__start(const char *spec, struct lt_http **out);

/*
 * Serve these from now on: the text format and the OpenMetrics one (for a scraper whose
 * Accept asks for it). Takes both buffers (malloc'ed), even on error.
 */
void http__publish(struct lt_http *h, char *text, size_t text_len, char *om, size_t om_len);

void http__stop(struct lt_http *h);

#endif /* LEAKTOP_HTTP_H */
