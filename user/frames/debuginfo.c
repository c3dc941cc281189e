// SPDX-License-Identifier: GPL-2.0
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "debuginfo.h"
#include "elfobj.h"
#include "symtab.h"
#include "util.h"

const char *debuginfo__source_name(enum lt_names_source s)
{
	static const char *const names[] = {
		[LT_NAMES_NONE] = "none",
		[LT_NAMES_DYNSYM] = "dynsym",
		[LT_NAMES_SYMTAB] = "symtab",
		[LT_NAMES_DEBUGDATA] = "gnu_debugdata",
		[LT_NAMES_BUILD_ID] = "build-id",
		[LT_NAMES_DEBUGLINK] = "debuglink",
		[LT_NAMES_DEBUGINFOD] = "debuginfod",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void *debuginfo__unxz(const void *in, size_t len, size_t max, size_t *out_len, int *err)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	size_t cap = len < max / 4 ? len * 4 : max;
	uint8_t *out, *tmp;

	*err = 0;
	if (cap < 4096)
		cap = max < 4096 ? max : 4096;
	out = malloc(cap ? cap : 1);
	if (!out || lzma_stream_decoder(&strm, LT_XZ_MEMLIMIT, 0) != LZMA_OK) {
		free(out);
		*err = -ENOMEM;
		return NULL;
	}
	strm.next_in = in;
	strm.avail_in = len;
	strm.next_out = out;
	strm.avail_out = cap;
	for (;;) {
		lzma_ret r = lzma_code(&strm, LZMA_FINISH);

		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_MEMLIMIT_ERROR || r == LZMA_MEM_ERROR) {
			*err = r == LZMA_MEM_ERROR ? -ENOMEM : -E2BIG;
			break;
		}
		if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
			*err = -EINVAL;
			break;
		}
		if (strm.avail_out) { /* no room was missing: the input ended early */
			*err = -EINVAL;
			break;
		}
		if (cap >= max) {
			*err = -E2BIG;
			break;
		}
		tmp = realloc(out, cap * 2 < max ? cap * 2 : max);
		if (!tmp) {
			*err = -ENOMEM;
			break;
		}
		out = tmp;
		strm.next_out = out + cap;
		strm.avail_out = (cap * 2 < max ? cap * 2 : max) - cap;
		cap += strm.avail_out;
	}
	*out_len = strm.total_out;
	lzma_end(&strm);
	if (*err) {
		free(out);
		return NULL;
	}
	return out;
}

/* The standard CRC-32 of a whole file, as .gnu_debuglink records it. 0 or -errno. */
static int file_crc(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uint64_t done = 0;
	uLong c = crc32(0, NULL, 0);
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), done)) > 0) {
		c = crc32(c, buf, n);
		done += n;
		if (done > LT_DEBUGLINK_CRC_MAX)
			return -E2BIG;
	}
	if (n < 0)
		return -errno;
	*crc = c;
	return 0;
}

/*
 * Whether the file open at `fd` is the debug file of the object: an ELF with a .symtab whose
 * build id is `build_id`, or, for an object without one, whose CRC is `crc`. Closes fd when
 * not.
 */
static bool debug_matches(int fd, const char *build_id, bool use_crc, uint32_t crc)
{
	char id[LT_BUILD_ID_HEX_MAX];
	struct lt_elf *e;
	bool ok = false;
	int dfd = dup(fd);
	uint32_t got;

	e = dfd >= 0 ? elfobj__open_fd_read(dfd) : NULL; /* owns dfd */
	if (e && symtab__elf_has(elfobj__elf(e), SHT_SYMTAB)) {
		if (!use_crc)
			ok = !elfobj__build_id(e, id, sizeof(id)) && !strcmp(id, build_id);
		else
			ok = !file_crc(fd, &got) && got == crc;
	}
	elfobj__close(e);
	if (!ok)
		close(fd);
	return ok;
}

/* Open a candidate: inside the process's root when there is one, else on this host. */
static int open_candidate(int root_fd, const char *path)
{
	if (root_fd >= 0)
		return lt_open_in_root(root_fd, path, true);
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

static bool try_debug(int root_fd, const char *path, const char *build_id, bool use_crc,
		      uint32_t crc, struct lt_names_file *out, enum lt_names_source source)
{
	int fd = open_candidate(root_fd, path);
	struct stat st;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	if (!debug_matches(fd, build_id, use_crc, crc))
		return false;
	out->source = source;
	out->fd = fd;
	snprintf(out->where, sizeof(out->where), "%s%s", root_fd >= 0 ? "" : "(host) ", path);
	return true;
}

int debuginfo__open_build_id(int root_fd, const char *build_id)
{
	char path[LT_BUILD_ID_HEX_MAX + 64], id[LT_BUILD_ID_HEX_MAX];

	if (strlen(build_id) < 3)
		return -1;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id,
		 build_id + 2);
	for (int inside = root_fd >= 0; inside >= 0; inside--) {
		int fd = open_candidate(inside ? root_fd : -1, path);
		struct lt_elf *e = fd >= 0 ? elfobj__open_fd_read(dup(fd)) : NULL;
		bool ok = e && !elfobj__build_id(e, id, sizeof(id)) && !strcmp(id, build_id);

		elfobj__close(e);
		if (ok)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	return -1;
}

/* /usr/lib/debug/.build-id/ab/cdef....debug, in the process's root, then on this host. */
static bool find_build_id(int root_fd, const char *build_id, struct lt_names_file *out)
{
	char path[LT_BUILD_ID_HEX_MAX + 64];

	if (strlen(build_id) < 3)
		return false;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id,
		 build_id + 2);
	return (root_fd >= 0 && try_debug(root_fd, path, build_id, false, 0, out, LT_NAMES_BUILD_ID)) ||
	       try_debug(-1, path, build_id, false, 0, out, LT_NAMES_BUILD_ID);
}

/*
 * The .gnu_debuglink file, where gdb looks: beside the object, in .debug/ beside it, and under
 * /usr/lib/debug with the object's directory (in the process's root, then on this host).
 */
static bool find_debuglink(int root_fd, const char *path, struct lt_elf *obj, const char *build_id,
			   struct lt_names_file *out)
{
	char name[256], dir[4096], cand[4096 + 300];
	const char *slash = strrchr(path, '/');
	bool use_crc = !build_id[0];
	uint32_t crc;

	if (elfobj__debuglink(obj, name, sizeof(name), &crc) || !slash || path[0] != '/' ||
	    (size_t)(slash - path) >= sizeof(dir))
		return false;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	snprintf(cand, sizeof(cand), "%s/%s", dir, name);
	if (root_fd >= 0 && try_debug(root_fd, cand, build_id, use_crc, crc, out, LT_NAMES_DEBUGLINK))
		return true;
	snprintf(cand, sizeof(cand), "%s/.debug/%s", dir, name);
	if (root_fd >= 0 && try_debug(root_fd, cand, build_id, use_crc, crc, out, LT_NAMES_DEBUGLINK))
		return true;
	snprintf(cand, sizeof(cand), "/usr/lib/debug%s/%s", dir, name);
	return (root_fd >= 0 &&
		try_debug(root_fd, cand, build_id, use_crc, crc, out, LT_NAMES_DEBUGLINK)) ||
	       try_debug(-1, cand, build_id, use_crc, crc, out, LT_NAMES_DEBUGLINK);
}

void debuginfo__find(int root_fd, const char *path, struct lt_elf *obj, int obj_fd,
		     const char *build_id, struct lt_names_file *out)
{
	Elf *elf = elfobj__elf(obj);
	const void *data;
	size_t len;

	*out = (struct lt_names_file){ .source = LT_NAMES_NONE, .fd = -1 };
	if (symtab__elf_has(elf, SHT_SYMTAB))
		out->source = LT_NAMES_SYMTAB;
	else if (!elfobj__section(obj, ".gnu_debugdata", LT_DEBUGDATA_MAX_IN, &data, &len))
		out->source = LT_NAMES_DEBUGDATA;
	else if ((build_id[0] && find_build_id(root_fd, build_id, out)) ||
		 find_debuglink(root_fd, path, obj, build_id, out))
		return;
	else if (symtab__elf_has(elf, SHT_DYNSYM))
		out->source = LT_NAMES_DYNSYM;
	if (out->source != LT_NAMES_NONE && (out->fd = dup(obj_fd)) < 0)
		out->source = LT_NAMES_NONE;
}

void debuginfo__release(struct lt_names_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* MiniDebugInfo's symbols, and the object's exported ones beside them. */
static int load_debugdata(struct lt_elf *e, struct lt_symtab *t)
{
	const void *data;
	size_t len, out_len;
	struct lt_elf *mini;
	void *image;
	int err;

	/* The exported names stay usable whatever the section holds. */
	symtab__add_elf(t, elfobj__elf(e), SHT_DYNSYM);
	err = elfobj__section(e, ".gnu_debugdata", LT_DEBUGDATA_MAX_IN, &data, &len);
	if (err)
		return err;
	image = debuginfo__unxz(data, len, LT_DEBUGDATA_MAX_OUT, &out_len, &err);
	if (!image)
		return err;
	mini = elfobj__open_mem(image, out_len);
	if (!mini)
		return -ENOEXEC;
	err = symtab__add_elf(t, elfobj__elf(mini), SHT_SYMTAB) < 0 ? -ENOENT : 0;
	elfobj__close(mini);
	return err;
}

/*
 * Read a found file's names. What went wrong goes into `msg` (when it is not NULL: the worker
 * thread leaves printing to the main thread), else is said here.
 */
static struct lt_symtab *load(struct lt_names_file *f, const char *what, char *msg, size_t len)
{
	struct lt_symtab *t = NULL;
	struct lt_elf *e;
	char buf[512] = "";
	bool warn = true;
	long err = 0;

	if (f->fd < 0 || f->source == LT_NAMES_NONE) {
		debuginfo__release(f);
		return NULL;
	}
	e = elfobj__open_fd_read(f->fd); /* owns the fd now */
	f->fd = -1;
	t = e ? symtab__new() : NULL;
	if (!t)
		goto out;
	switch (f->source) {
	case LT_NAMES_DEBUGDATA:
		err = load_debugdata(e, t);
		break;
	case LT_NAMES_DYNSYM:
		err = symtab__add_elf(t, elfobj__elf(e), SHT_DYNSYM);
		break;
	default:
		err = symtab__add_elf(t, elfobj__elf(e), SHT_SYMTAB);
		break;
	}
	if (f->where[0])
		what = f->where;
	if (err == -E2BIG && f->source == LT_NAMES_DEBUGDATA)
		snprintf(buf, sizeof(buf), "%s: its .gnu_debugdata decompresses past %u MiB: not "
			 "read (corrupt or crafted)", what, LT_DEBUGDATA_MAX_OUT >> 20);
	else if (err == -E2BIG)
		snprintf(buf, sizeof(buf), "%s: more symbols than leaktop reads (%u, or %u MiB of "
			 "names): only the first are used", what, LT_SYMTAB_MAX_SYMS,
			 LT_SYMTAB_MAX_NAME_BYTES >> 20);
	else if (err < 0 && err != -ENOENT) {
		warn = false; /* an unreadable table only costs names: -v says so */
		snprintf(buf, sizeof(buf), "cannot read the %s symbols of %s: %s",
			 debuginfo__source_name(f->source), what, strerror((int)-err));
	}
	symtab__finish(t);
	if (!symtab__count(t)) {
		symtab__free(t);
		t = NULL;
	}
out:
	elfobj__close(e);
	if (msg)
		snprintf(msg, len, "%s", buf);
	else if (buf[0] && warn)
		lt_warn("%s", buf);
	else if (buf[0])
		lt_info(1, "%s", buf);
	return t;
}

struct lt_symtab *debuginfo__load(struct lt_names_file *f, const char *what)
{
	return load(f, what, NULL, 0);
}

/* --- debuginfod ----------------------------------------------------------------------- */

#define MAX_QUESTIONS 4096

struct question {
	uint64_t key;
	char build_id[LT_BUILD_ID_HEX_MAX];
};

struct lt_debuginfod {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a question came, an answer is ready, or stop */
	struct question *q;	/* asked; [head, nq) still to ask */
	size_t head, nq, capq;
	struct lt_debuginfod_answer *a; /* answered, not taken yet */
	size_t na, capa;
	bool busy;		/* the worker is on a question */
	bool stop;		/* read by the progress callback without the lock: atomics */
	double timeout_s;
	/* The question in flight, for the progress callback (worker thread only). */
	double started, last_progress;
	long last_bytes;
	bool timed_out;
};

const char *debuginfod__urls(void)
{
	const char *urls = getenv(DEBUGINFOD_URLS_ENV_VAR);

	return urls && *urls ? urls : NULL;
}

/*
 * libdebuginfod calls this about once a second while it waits: a = bytes received and b the
 * size (-1 unknown) once a server answers, b == 0 before. Returning non-zero gives up.
 */
static int progress(debuginfod_client *c, long a, long b)
{
	struct lt_debuginfod *d = debuginfod_get_user_data(c);
	double now = now_mono();

	if (__atomic_load_n(&d->stop, __ATOMIC_RELAXED))
		return 1;
	if (b != 0 && a != d->last_bytes) {
		d->last_bytes = a;
		d->last_progress = now;
	}
	if (now - d->last_progress > d->timeout_s) {
		d->timed_out = true;
		return 1;
	}
	return 0;
}

/* Where libdebuginfod keeps its cache, as debuginfod_find_debuginfo(3) says it chooses. */
static void cache_dir(char *buf, size_t len)
{
	const char *path = getenv(DEBUGINFOD_CACHE_PATH_ENV_VAR), *home = getenv("HOME");
	const char *xdg = getenv("XDG_CACHE_HOME");
	struct stat st;

	if (path && *path) {
		snprintf(buf, len, "%s", path);
		return;
	}
	snprintf(buf, len, "%s/.debuginfod_client_cache", home ? home : "");
	if (!stat(buf, &st))
		return;
	if (xdg && *xdg)
		snprintf(buf, len, "%s/debuginfod_client", xdg);
	else
		snprintf(buf, len, "%s/.cache/debuginfod_client", home ? home : "");
}

/*
 * libdebuginfod records a question it was made to give up on as a miss (an empty file, not
 * asked again for 10 minutes). One cut short because leaktop is exiting is no miss: the next
 * run must ask again. One that timed out is kept: a silent server is not waited for again.
 */
static void forget_miss(const char *build_id, double since)
{
	char dir[3072], path[3300];
	struct stat st;

	cache_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/debuginfo", dir, build_id);
	if (!lstat(path, &st) && S_ISREG(st.st_mode) && !st.st_size &&
	    st.st_mtime + 1 >= time(NULL) - (time_t)(now_mono() - since))
		unlink(path);
}

/* Ask the servers for one debug file, and read its names. */
static void fetch(struct lt_debuginfod *d, debuginfod_client *c, const struct question *q,
		  struct lt_debuginfod_answer *ans)
{
	char *path = NULL, id[LT_BUILD_ID_HEX_MAX];
	struct lt_names_file f = { .source = LT_NAMES_DEBUGINFOD, .fd = -1 };
	struct lt_elf *e;
	int fd;

	*ans = (struct lt_debuginfod_answer){ .key = q->key };
	d->started = d->last_progress = now_mono();
	d->last_bytes = -1;
	d->timed_out = false;
	fd = c ? debuginfod_find_debuginfo(c, (const unsigned char *)q->build_id, 0, &path)
	       : -ENOSYS;
	ans->secs = now_mono() - d->started;
	if (fd < 0) {
		ans->err = d->timed_out ? -ETIME : fd;
		if (__atomic_load_n(&d->stop, __ATOMIC_RELAXED))
			forget_miss(q->build_id, d->started);
		goto out;
	}
	snprintf(ans->path, sizeof(ans->path), "%s", path ? path : "");
	snprintf(f.where, sizeof(f.where), "%s", ans->path);
	/* A server's file is as untrusted as the process's: it must be this build id's. */
	e = elfobj__open_fd_read(dup(fd));
	if (!e || elfobj__build_id(e, id, sizeof(id)) || strcmp(id, q->build_id)) {
		ans->err = -EBADMSG;
		elfobj__close(e);
		close(fd);
		goto out;
	}
	elfobj__close(e);
	f.fd = fd;
	ans->tab = load(&f, ans->path, ans->msg, sizeof(ans->msg));
	ans->err = ans->tab ? 0 : -ENOENT;
out:
	free(path);
}

static void *worker(void *arg)
{
	struct lt_debuginfod *d = arg;
	debuginfod_client *c = debuginfod_begin();

	if (c) {
		debuginfod_set_user_data(c, d);
		debuginfod_set_progressfn(c, progress);
	}
	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct lt_debuginfod_answer ans;
		struct question q;

		while (!d->stop && d->head == d->nq)
			pthread_cond_wait(&d->cond, &d->lock);
		if (d->stop)
			break;
		q = d->q[d->head++];
		d->busy = true;
		pthread_mutex_unlock(&d->lock);
		fetch(d, c, &q, &ans);
		pthread_mutex_lock(&d->lock);
		d->busy = false;
		if (lt_grow((void **)&d->a, &d->capa, d->na, sizeof(*d->a)))
			symtab__free(ans.tab);
		else
			d->a[d->na++] = ans;
		pthread_cond_broadcast(&d->cond);
	}
	pthread_mutex_unlock(&d->lock);
	if (c)
		debuginfod_end(c);
	return NULL;
}

struct lt_debuginfod *debuginfod__start(double timeout_s)
{
	struct lt_debuginfod *d;
	pthread_condattr_t attr;
	sigset_t all, old;
	int err;

	errno = 0;
	if (!debuginfod__urls())
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->timeout_s = timeout_s;
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &attr);
	pthread_condattr_destroy(&attr);
	/* The thread takes no signal: SIGINT and SIGTERM must interrupt the main loop's poll. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&d->thread, NULL, worker, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&d->cond);
		pthread_mutex_destroy(&d->lock);
		free(d);
		errno = err;
		return NULL;
	}
	return d;
}

void debuginfod__stop(struct lt_debuginfod *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	__atomic_store_n(&d->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	for (size_t i = 0; i < d->na; i++)
		symtab__free(d->a[i].tab);
	free(d->a);
	free(d->q);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int debuginfod__ask(struct lt_debuginfod *d, const char *build_id, uint64_t key)
{
	int err = 0;

	if (!d)
		return -ENOSYS;
	if (strlen(build_id) < 2 || strlen(build_id) >= LT_BUILD_ID_HEX_MAX)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (d->nq - d->head >= MAX_QUESTIONS) {
		err = -EAGAIN;
	} else {
		if (d->head == d->nq) /* all asked: start the array again */
			d->head = d->nq = 0;
		if (lt_grow((void **)&d->q, &d->capq, d->nq, sizeof(*d->q))) {
			err = -ENOMEM;
		} else {
			d->q[d->nq].key = key;
			snprintf(d->q[d->nq].build_id, LT_BUILD_ID_HEX_MAX, "%s", build_id);
			d->nq++;
			pthread_cond_broadcast(&d->cond);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

bool debuginfod__answer(struct lt_debuginfod *d, struct lt_debuginfod_answer *out)
{
	bool got = false;

	if (!d)
		return false;
	pthread_mutex_lock(&d->lock);
	if (d->na) {
		*out = d->a[0];
		memmove(d->a, d->a + 1, (d->na - 1) * sizeof(*d->a));
		d->na--;
		got = true;
	}
	pthread_mutex_unlock(&d->lock);
	return got;
}

size_t debuginfod__wait(struct lt_debuginfod *d, double deadline)
{
	size_t left;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct timespec ts;
		double now = now_mono();

		left = d->nq - d->head + d->busy;
		if (!left || now >= deadline)
			break;
		ts.tv_sec = (time_t)deadline;
		ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
		pthread_cond_timedwait(&d->cond, &d->lock, &ts);
	}
	pthread_mutex_unlock(&d->lock);
	return left;
}
