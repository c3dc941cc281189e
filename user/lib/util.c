// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int verbosity;
static char *capture_buf;
static size_t capture_len;

void lt_set_verbosity(int level)
{
	verbosity = level;
}

void lt_log_capture(char *buf, size_t len)
{
	capture_buf = len ? buf : NULL;
	capture_len = len;
}

static void vreport(const char *prefix, bool capture, const char *fmt, va_list ap)
{
	if (capture && capture_buf) {
		vsnprintf(capture_buf, capture_len, fmt, ap);
		return;
	}
	fprintf(stderr, "leaktop: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void lt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", true, fmt, ap);
	va_end(ap);
}

void lt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", true, fmt, ap);
	va_end(ap);
}

void lt_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < level)
		return;
	va_start(ap, fmt);
	vreport("", false, fmt, ap);
	va_end(ap);
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || end == s || isnan(v))
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *fmt_bytes(char *buf, size_t len, int64_t bytes, bool exact, bool sign)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	const char *plus = sign && bytes > 0 ? "+" : "";
	double v = llabs(bytes);
	size_t u = 0;

	if (exact || llabs(bytes) < 1024) {
		snprintf(buf, len, "%s%" PRId64 "%s", plus, bytes, exact ? "" : " B");
		return buf;
	}
	while (v >= 1024 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%s%s%.*f %s", plus, bytes < 0 ? "-" : "", v >= 100 ? 0 : v >= 10 ? 1 : 2,
		 v, units[u]);
	return buf;
}

char *read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *tmp;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (!buf || cap - n < 2) {
			cap *= 2;
			tmp = realloc(buf, cap);
			if (!tmp) {
				err = ENOMEM;
				goto fail;
			}
			buf = tmp;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
fail:
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

bool proc_comm(int pid, char *buf, size_t len)
{
	char path[64], *comm;
	bool read;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm = read_file(path, NULL);
	read = comm != NULL;
	snprintf(buf, len, "%.*s", read ? (int)strcspn(comm, "\n") : 1, read ? comm : "?");
	free(comm);
	return read;
}

int lt_open_in_root(int root_fd, const char *path, bool follow)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd;

	while (*path == '/')
		path++; /* relative to the root: RESOLVE_IN_ROOT treats "/" as it anyway */
	fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	return fd;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

uint64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int lt_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *tmp;

	if (n < *cap)
		return 0;
	while (c <= n) /* room for index n, however far past the end it is */
		c *= 2;
	tmp = reallocarray(*arr, c, elem);
	if (!tmp)
		return -ENOMEM;
	*arr = tmp;
	*cap = c;
	return 0;
}

const char *lt_strings_keep(struct lt_strings *s, char *str)
{
	if (!str)
		return NULL;
	if (lt_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v))) {
		free(str);
		return NULL;
	}
	s->v[s->n++] = str;
	return str;
}

void lt_strings_free(struct lt_strings *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct lt_strings){ 0 };
}

const char *fmt_rate(char *buf, size_t len, double per_s, bool count, bool exact)
{
	double per_h = per_s * 3600;
	char b[32];

	if (count)
		snprintf(buf, len, "%+.*f/h", fabs(per_h) < 10 ? 1 : 0, per_h);
	else
		snprintf(buf, len, "%s/h", fmt_bytes(b, sizeof(b), llround(per_h), exact, true));
	return buf;
}

const char *fmt_age(char *buf, size_t len, double s)
{
	long t = (long)s;

	if (s < 0)
		snprintf(buf, len, "-");
	else if (t < 60)
		snprintf(buf, len, "%lds", t);
	else if (t < 3600)
		snprintf(buf, len, "%ldm%02ld", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%ldh%02ld", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
	return buf;
}
