// SPDX-License-Identifier: GPL-2.0
/*
 * Output files: a regular file (or a new one) is replaced whole or not at all; a device or a
 * FIFO is written in place, since renaming a file over it would replace the device itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

/* Symbolic links followed before giving up, as the kernel does (MAXSYMLINKS). */
#define MAX_LINKS 40

/*
 * Where `path` leads once its symbolic links are followed: the file a link points to is the one
 * to replace, not the link. A dangling link leads to the file it names, to be created. The
 * last component only: a renamed file stays in the directory it is in. NULL with errno set.
 */
static char *resolve(const char *path)
{
	char *cur = strdup(path);

	for (int hops = 0; cur; hops++) {
		char target[PATH_MAX], *next;
		struct stat st;
		ssize_t n;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode))
			return cur; /* not a link, or nothing there yet: the caller's stat says */
		if (hops == MAX_LINKS) {
			free(cur);
			errno = ELOOP;
			return NULL;
		}
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		target[n] = '\0';
		if (target[0] == '/') {
			next = strdup(target);
		} else {
			char *slash = strrchr(cur, '/');

			if (!slash)
				next = strdup(target);
			else if (asprintf(&next, "%.*s/%s", (int)(slash - cur), cur, target) < 0)
				next = NULL;
		}
		free(cur);
		cur = next;
	}
	return NULL;
}

/* The directory `path` is in, for its temporary file. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

/* All `len` bytes to `fd`, or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* A device or a FIFO: written where it is, as a shell's redirection would. */
static int write_in_place(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/*
 * A regular file, or none yet: a temporary file beside it, renamed over it once complete. The
 * file keeps the permissions it had.
 */
static int replace(const char *path, const struct stat *old, const char *buf, size_t len)
{
	char *tmp = NULL;
	int fd, err;

	if (asprintf(&tmp, "%s.tmp.%d", path, getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = write_all(fd, buf, len);
	if (!err && old && fchmod(fd, old->st_mode & 07777))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

/* What `path` leads to: 0 with *st filled, or 1 when there is nothing yet; -errno. */
static int look(const char *path, struct stat *st)
{
	if (!stat(path, st))
		return S_ISDIR(st->st_mode) ? -EISDIR : 0;
	return errno == ENOENT ? 1 : -errno;
}

int out__check_path(const char *path)
{
	char *real = resolve(path), *dir = NULL;
	struct stat st;
	int err;

	if (!real)
		return -errno;
	err = look(real, &st);
	if (err < 0)
		goto out;
	if (!err && !S_ISREG(st.st_mode)) {
		/* Written in place: it must take writes. A socket cannot be opened at all. */
		err = S_ISSOCK(st.st_mode) ? -ENXIO : access(real, W_OK) ? -errno : 0;
		goto out;
	}
	/* A new file, or a replaced one: made in its directory. */
	dir = dir_of(real);
	err = !dir ? -ENOMEM : access(dir, W_OK | X_OK) ? -errno : 0;
out:
	free(dir);
	free(real);
	return err;
}

int out__write_file(const char *path, lt_writer_fn writer, const void *arg)
{
	char *buf = NULL, *real = NULL;
	size_t len = 0;
	struct stat st;
	FILE *f;
	int err;

	/* Whole in memory first: a writer that fails leaves any old file as it was. */
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	err = writer(f, arg);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err)
		goto out;
	real = resolve(path);
	if (!real) {
		err = -errno;
		goto out;
	}
	err = look(real, &st);
	if (err == 1)
		err = replace(real, NULL, buf, len);
	else if (!err && S_ISREG(st.st_mode))
		err = replace(real, &st, buf, len);
	else if (!err)
		err = write_in_place(real, buf, len);
out:
	free(real);
	free(buf);
	return err;
}
