// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

#define CONN_LIMIT 32	  /* connections at once */
#define CONN_PER_IP 8	  /* ... from one address */
#define CONN_TIMEOUT_S 10 /* an idle or slow connection is closed after this */

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"

struct lt_http {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *text, *om;	/* the last exposition; NULL before the first report */
	size_t text_len, om_len;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Whether the scraper's Accept header asks for OpenMetrics. */
static bool wants_openmetrics(struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

	return accept && strstr(accept, "application/openmetrics-text");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	static const char index_page[] = "leaktop: metrics at /metrics\n";
	struct lt_http *h = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	bool om;
	char *copy;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/plain", index_page, sizeof(index_page) - 1);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
	om = wants_openmetrics(c);
	pthread_mutex_lock(&h->lock);
	len = om ? h->om_len : h->text_len;
	copy = (om ? h->om : h->text) ? malloc(len + 1) : NULL;
	if (copy)
		memcpy(copy, om ? h->om : h->text, len);
	pthread_mutex_unlock(&h->lock);
	if (!copy)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			     "no report yet: the first comes after one interval (-i)\n", 56);
	r = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(copy);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om ? CT_OM : CT_TEXT);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* "[HOST:]PORT" into a port and a socket address (*any: no host). 0 or -EINVAL, said. */
static int parse_spec(const char *spec, struct sockaddr_storage *ss, bool *any, uint64_t *p)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *res;
	char host[256] = "", port[16];
	const char *colon = strrchr(spec, ':');
	int err;

	if (colon) {
		size_t n = (size_t)(colon - spec);

		if (spec[0] == '[' && n >= 2 && spec[n - 1] == ']') /* [::1]:9464 */
			snprintf(host, sizeof(host), "%.*s", (int)(n - 2), spec + 1);
		else
			snprintf(host, sizeof(host), "%.*s", (int)n, spec);
	}
	snprintf(port, sizeof(port), "%s", colon ? colon + 1 : spec);
	if (parse_u64(port, 1, 65535, p)) {
		lt_err("--prometheus %s: the port must be a number from 1 to 65535", spec);
		return -EINVAL;
	}
	*any = !host[0];
	if (!host[0])
		return 0;
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		lt_err("--prometheus %s: cannot resolve %s: %s", spec, host, gai_strerror(err));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

int http__start(const char *spec, struct lt_http **out)
{
	struct sockaddr_storage ss = { 0 };
	struct lt_http *h;
	/* poll or epoll, not select: leaktop's descriptors go past 1024 under --all. */
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	bool any = true;
	uint64_t port = 0;
	int err;

	*out = NULL;
	err = parse_spec(spec, &ss, &any, &port);
	if (err)
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	if (any)
		flags |= MHD_USE_DUAL_STACK;
	else if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = any ? MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, h,
				      MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
				      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP,
				      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
				      MHD_OPTION_END)
		   : MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, h,
				      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				      MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
				      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP,
				      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
				      MHD_OPTION_END);
	if (!h->d) {
		err = errno ? -errno : -EADDRINUSE;
		lt_err("--prometheus %s: cannot listen: %s", spec, strerror(-err));
		pthread_mutex_destroy(&h->lock);
		free(h);
		return err;
	}
	*out = h;
	return 0;
}

void http__publish(struct lt_http *h, char *text, size_t text_len, char *om, size_t om_len)
{
	char *old_text, *old_om;

	pthread_mutex_lock(&h->lock);
	old_text = h->text;
	old_om = h->om;
	h->text = text;
	h->text_len = text_len;
	h->om = om;
	h->om_len = om_len;
	pthread_mutex_unlock(&h->lock);
	free(old_text);
	free(old_om);
}

void http__stop(struct lt_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h->text);
	free(h->om);
	free(h);
}
