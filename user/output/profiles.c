// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "profiles.h"
#include "util.h"

bool profiles__wanted(const struct lt_config *cfg)
{
	return cfg->folded_path || cfg->svg_path || cfg->pprof_path;
}

/*
 * Each file written at exit, checked now rather than after the whole trace: a directory, a
 * device that cannot be written, or a directory that cannot take the new file.
 */
static int check_file(const char *path)
{
	int err;

	if (!path)
		return 0;
	err = out__check_path(path);
	if (err)
		lt_err("cannot write %s: %s", path, strerror(-err));
	return err;
}

static int check_dir(const char *dir)
{
	struct stat st;
	int err = 0;

	if (!dir)
		return 0;
	if (stat(dir, &st))
		err = -errno;
	else if (!S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	else if (access(dir, W_OK | X_OK))
		err = -errno;
	if (err)
		lt_err("--pprof-dir %s: %s", dir, err == -ENOTDIR ? "not a directory" : strerror(-err));
	return err;
}

int profiles__check(const struct lt_config *cfg)
{
	return check_file(cfg->folded_path) ?: check_file(cfg->svg_path) ?:
	       check_file(cfg->pprof_path) ?: check_dir(cfg->pprof_dir);
}

/* What the writers below get from out__write_file(): the report and the writer's options. */
struct profile_arg {
	const struct lt_report *r;
	const void *opts;
};

static int write_folded(FILE *f, const void *arg)
{
	const struct profile_arg *a = arg;

	return out_folded__write(f, a->r, *(const enum lt_profile_value *)a->opts);
}

static int write_svg(FILE *f, const void *arg)
{
	const struct profile_arg *a = arg;

	return out_svg__write(f, a->r, a->opts);
}

static int write_pprof(FILE *f, const void *arg)
{
	const struct profile_arg *a = arg;

	return out_pprof__write(f, a->r);
}

int profiles__write(const struct lt_config *cfg, const struct lt_report *r)
{
	enum lt_profile_value folded_of = cfg->folded_growth ? LT_PROFILE_GROWTH
							     : LT_PROFILE_OUTSTANDING;
	struct lt_svg_opts svg = {
		.what = cfg->svg_growth ? LT_PROFILE_GROWTH : LT_PROFILE_OUTSTANDING,
	};
	const struct {
		const char *path, *what;
		lt_writer_fn write;
		const void *arg;
	} files[] = {
		{ cfg->folded_path, "folded stacks", write_folded, &folded_of },
		{ cfg->svg_path, "a flame graph", write_svg, &svg },
		{ cfg->pprof_path, "a pprof profile", write_pprof, NULL },
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct profile_arg arg = { r, files[i].arg };
		int e;

		if (!files[i].path)
			continue;
		e = out__write_file(files[i].path, files[i].write, &arg);
		if (e)
			lt_err("failed to write %s: %s", files[i].path, strerror(-e));
		else
			lt_info(0, "wrote %s to %s", files[i].what, files[i].path);
		err = err ?: e;
	}
	return err;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Delete the oldest of this host's rolling profiles in `dir` past `keep`. */
static void prune_rolled(const char *dir, const char *prefix, unsigned int keep)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, prefix, strlen(prefix)) || len < 7 ||
		    strcmp(de->d_name + len - 6, ".pb.gz"))
			continue;
		if (lt_grow((void **)&names, &cap, n, sizeof(*names)))
			break;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	/* The timestamp sorts them: oldest first. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (i + keep < n) {
			char *path = NULL;

			if (asprintf(&path, "%s/%s", dir, names[i]) >= 0 && unlink(path))
				lt_warn("cannot delete %s: %s", path, strerror(errno));
			free(path);
		}
		free(names[i]);
	}
	free(names);
}

int profiles__roll(const struct lt_config *cfg, const struct lt_report *r, const char *host)
{
	struct profile_arg arg = { .r = r };
	char stamp[32], *prefix = NULL, *path = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int err;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&prefix, "leaktop-%s-", host) < 0)
		return -ENOMEM;
	if (asprintf(&path, "%s/%s%s.pb.gz", cfg->pprof_dir, prefix, stamp) < 0) {
		free(prefix);
		return -ENOMEM;
	}
	err = out__write_file(path, write_pprof, &arg);
	if (err)
		lt_err("cannot write %s: %s", path, strerror(-err));
	else
		prune_rolled(cfg->pprof_dir, prefix, cfg->pprof_keep);
	free(prefix);
	free(path);
	return err;
}
