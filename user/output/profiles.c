// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
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
 * The files written at exit go through a temporary file in the same directory: find out now,
 * not after the whole trace, when that directory cannot be written.
 */
static int check_writable(const char *path)
{
	char *copy, *dir;
	int err = 0;

	if (!path)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK)) {
		err = -errno;
		lt_err("cannot write %s: %s", path, strerror(errno));
	}
	free(copy);
	return err;
}

int profiles__check(const struct lt_config *cfg)
{
	return check_writable(cfg->folded_path) ?: check_writable(cfg->svg_path)
						 ?: check_writable(cfg->pprof_path);
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
