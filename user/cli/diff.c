// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "exitcode.h"
#include "hashmap.h"
#include "output.h"
#include "util.h"

/* Frames shown per stack in the table, as the live table's --frames default. */
#define DIFF_FRAMES 8
#define DIFF_TOP_DEFAULT 20
#define DIFF_TOP_MAX 1000000

#define FOLDED_WANT "want 'stack;frames VALUE'"

/* A file being read: the result so far, and the map from stack hashes to its indices. */
struct reader {
	struct lt_folded *f;
	size_t cap_stacks, cap_values;	/* of f->stacks and f->values */
	struct lt_hashmap map;
	int64_t total;	/* every value so far: kept within int64_t, so sums of growth are too */
};

static int add_stack(struct reader *r, const char *stack, uint64_t key)
{
	struct lt_folded *f = r->f;
	int err;

	if (lt_grow((void **)&f->stacks, &r->cap_stacks, f->n, sizeof(*f->stacks)) ||
	    lt_grow((void **)&f->values, &r->cap_values, f->n, sizeof(*f->values)))
		return -ENOMEM;
	f->stacks[f->n] = strdup(stack);
	if (!f->stacks[f->n])
		return -ENOMEM;
	err = hashmap__set(&r->map, key, f->n);
	if (err) {
		free(f->stacks[f->n]);
		return err;
	}
	f->values[f->n++] = 0;
	return 0;
}

/*
 * The index of `stack`, added with value 0 if it is new. A stack's key is its hash or, when
 * a different stack holds that key (the two hash alike), the first free key after it.
 * Nothing is ever removed, so a lookup walking the same keys meets its stack before any
 * free key; at most n keys are taken, so the walk ends.
 */
static int find_or_add(struct reader *r, const char *stack, size_t *idx)
{
	uint64_t key = str_hash(stack), v; /* the first key in the map */
	int err;

	for (; hashmap__get(&r->map, key, &v); key++) {
		if (!strcmp(r->f->stacks[v], stack)) {
			*idx = v;
			return 0;
		}
	}
	err = add_stack(r, stack, key);
	if (!err)
		*idx = r->f->n - 1;
	return err;
}

/* One line without its newline: skipped, or added to its stack. 0, -EINVAL or -ENOMEM. */
static int read_line(struct reader *r, char *line, const char *path, size_t lineno)
{
	char *sp = strrchr(line, ' ');
	uint64_t v;
	size_t idx;
	int e;

	if (line[0] == '#' || !line[strspn(line, " \t")])
		return 0;
	/* Only the last space ends the stack: C++ frames have spaces of their own. */
	if (!sp || strspn(line, " \t") >= (size_t)(sp - line)) {
		lt_err("%s:%zu: not a folded line (" FOLDED_WANT ")", path, lineno);
		return -EINVAL;
	}
	e = parse_u64(sp + 1, 0, INT64_MAX, &v);
	if (e) {
		lt_err("%s:%zu: %s '%.24s%s' (" FOLDED_WANT ", VALUE from 0 to %" PRId64 ")", path,
		       lineno, e == -ERANGE ? "value out of range" : "not a folded line: VALUE",
		       sp + 1, strlen(sp + 1) > 24 ? "..." : "", INT64_MAX);
		return -EINVAL;
	}
	if ((int64_t)v > INT64_MAX - r->total) {
		lt_err("%s:%zu: the values add up past %" PRId64, path, lineno, INT64_MAX);
		return -EINVAL;
	}
	*sp = '\0';
	e = find_or_add(r, line, &idx);
	if (e)
		return e;
	r->f->values[idx] += v;
	r->total += v;
	return 0;
}

int diff__read(const char *path, struct lt_folded *out)
{
	struct reader r = { .f = out };
	size_t cap = 0, lineno = 0;
	char *line = NULL;
	ssize_t len;
	int ret = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		lt_err("cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		ret = read_line(&r, line, path, lineno);
		if (ret)
			break;
	}
	/* getline() returns -1 at the end and on errors alike (EISDIR for a directory, ENOMEM). */
	if (!ret && !feof(f))
		ret = -errno;
	if (ret == -ENOMEM)
		lt_err("out of memory reading %s", path);
	else if (ret && ret != -EINVAL)
		lt_err("cannot read %s: %s", path, strerror(-ret));
	free(line);
	fclose(f);
	hashmap__free(&r.map);
	if (ret)
		diff__free(out);
	return ret;
}

void diff__free(struct lt_folded *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->stacks[i]);
	free(f->stacks);
	free(f->values);
	memset(f, 0, sizeof(*f));
}

/* A stack in either file, with its value in each (0 where it is absent). */
struct entry {
	const char *stack;
	int64_t before, after;
};

struct diff {
	struct entry *e;	/* sorted by stack */
	size_t n;
	const struct entry **grown;	/* the entries that grew, by growth */
	size_t ngrown;
};

static int cmp_stack(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->stack, ((const struct entry *)b)->stack);
}

/* Most growth first; equal growth by stack, so the order never depends on qsort. */
static int cmp_growth(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	int64_t gx = x->after - x->before, gy = y->after - y->before;

	if (gx != gy)
		return gx > gy ? -1 : 1;
	return strcmp(x->stack, y->stack);
}

/*
 * Both files' stacks in one array sorted by stack, a stack in both merged into one entry.
 * Each file holds a stack once, so equal stacks come in pairs, one from each file: adding
 * the pair's fields merges them whichever of the two qsort put first.
 */
static int diff_build(struct diff *d, const struct lt_folded *a, const struct lt_folded *b)
{
	size_t n = 0;

	d->e = calloc(a->n + b->n + 1, sizeof(*d->e));
	d->grown = calloc(a->n + b->n + 1, sizeof(*d->grown));
	if (!d->e || !d->grown)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++)
		d->e[n++] = (struct entry){ .stack = a->stacks[i], .before = a->values[i] };
	for (size_t i = 0; i < b->n; i++)
		d->e[n++] = (struct entry){ .stack = b->stacks[i], .after = b->values[i] };
	qsort(d->e, n, sizeof(*d->e), cmp_stack);
	for (size_t i = 0; i < n; i++) {
		struct entry e = d->e[i];

		if (i + 1 < n && !strcmp(e.stack, d->e[i + 1].stack)) {
			e.before += d->e[i + 1].before;
			e.after += d->e[i + 1].after;
			i++;
		}
		d->e[d->n++] = e;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->e[i].after > d->e[i].before)
			d->grown[d->ngrown++] = &d->e[i];
	}
	qsort(d->grown, d->ngrown, sizeof(*d->grown), cmp_growth);
	return 0;
}

static void diff_free(struct diff *d)
{
	free(d->e);
	free(d->grown);
}

/* "inner <- ... <- outer <- ... (comm)": the folded stack is "comm;outer;...;inner". */
static void print_stack(FILE *f, const char *stack)
{
	const char *semi = strchr(stack, ';');
	const char *end = stack + strlen(stack);
	int shown = 0;

	if (!semi) {
		fprintf(f, "(%s)\n", stack);
		return;
	}
	while (end > semi) {
		const char *start = end;

		while (start[-1] != ';')
			start--;
		if (shown == DIFF_FRAMES) {
			fputs(" <- ...", f);
			break;
		}
		fprintf(f, "%s%.*s", shown++ ? " <- " : "", (int)(end - start), start);
		end = start - 1;
	}
	fprintf(f, " (%.*s)\n", (int)(semi - stack), stack);
}

struct diff_opts {
	size_t top_n;	/* 0: every stack that grew */
	bool exact;
	const char *folded_path;
	const char *before_path, *after_path;
};

static void print_summary(FILE *f, const struct diff *d, const struct diff_opts *o)
{
	int64_t total_before = 0, total_after = 0, grew = 0, shrank = 0;
	size_t nshrank = 0, nnew = 0, ngone = 0;
	char b1[32], b2[32], b3[32];

	for (size_t i = 0; i < d->n; i++) {
		const struct entry *e = &d->e[i];

		total_before += e->before;
		total_after += e->after;
		if (e->after > e->before) {
			grew += e->after - e->before;
			nnew += !e->before;
		} else if (e->after < e->before) {
			shrank += e->after - e->before;
			nshrank++;
			ngone += !e->after;
		}
	}
	fprintf(f, "leaktop diff: %s -> %s\n", o->before_path, o->after_path);
	fprintf(f, "total %s -> %s (%s) over %zu stack%s\n",
		fmt_bytes(b1, sizeof(b1), total_before, o->exact, false),
		fmt_bytes(b2, sizeof(b2), total_after, o->exact, false),
		fmt_bytes(b3, sizeof(b3), total_after - total_before, o->exact, true), d->n,
		d->n == 1 ? "" : "s");
	fprintf(f, "grew: %zu stack%s, %s (%zu new); shrank: %zu, %s (%zu gone); unchanged: %zu\n",
		d->ngrown, d->ngrown == 1 ? "" : "s",
		fmt_bytes(b1, sizeof(b1), grew, o->exact, true), nnew, nshrank,
		fmt_bytes(b2, sizeof(b2), shrank, o->exact, true), ngone,
		d->n - d->ngrown - nshrank);
}

static void print_table(FILE *f, const struct diff *d, const struct diff_opts *o)
{
	size_t n = o->top_n && o->top_n < d->ngrown ? o->top_n : d->ngrown;
	char g[32], b[32], a[32];

	print_summary(f, d, o);
	if (!d->ngrown) {
		fprintf(f, "no stack grew\n");
		return;
	}
	fprintf(f, "\n%14s %14s %14s  %s\n", "GROWTH", "BEFORE", "AFTER",
		"STACK (innermost first)");
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = d->grown[i];

		fprintf(f, "%14s %14s %14s  ",
			fmt_bytes(g, sizeof(g), e->after - e->before, o->exact, true),
			fmt_bytes(b, sizeof(b), e->before, o->exact, false),
			fmt_bytes(a, sizeof(a), e->after, o->exact, false));
		print_stack(f, e->stack);
	}
	if (n < d->ngrown)
		fprintf(f, "... %zu more stack%s grew (-n 0 shows all)\n", d->ngrown - n,
			d->ngrown - n > 1 ? "s" : "");
}

/* An lt_writer_fn for out__write_file(): the diff in `arg` as a differential folded file. */
static int write_folded(FILE *f, const void *arg)
{
	const struct diff *d = arg;

	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s %" PRId64 " %" PRId64 "\n", d->e[i].stack, d->e[i].before,
			d->e[i].after);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: leaktop diff [options] BEFORE.folded AFTER.folded\n"
		"\n"
		"Compare two folded captures (leaktop --folded) and show the stacks that grew,\n"
		"by how much, most first.\n"
		"\n"
		"  -n, --top N         stacks shown (default %d; 0: all that grew)\n"
		"      --bytes         exact byte counts instead of KiB/MiB\n"
		"      --folded FILE   also write a differential folded file: one line\n"
		"                      'stack BEFORE AFTER' per stack, which flamegraph.pl\n"
		"                      renders as a differential flame graph\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: %d done, %d a file error, %d bad usage.\n",
		DIFF_TOP_DEFAULT, LT_EXIT_OK, LT_EXIT_ERROR, LT_EXIT_USAGE);
}

enum { OPT_BYTES = 0x100, OPT_FOLDED };

static const struct option long_opts[] = {
	{ "top", required_argument, NULL, 'n' },
	{ "bytes", no_argument, NULL, OPT_BYTES },
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "help", no_argument, NULL, 'h' },
	{},
};

/* The option getopt complained about: optopt for short ones, the argv word for long ones. */
static const char *opt_name(char **argv, char *buf, size_t len)
{
	if (optopt > 0 && optopt < 0x80) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

/* -1 to go on, or the exit status: LT_EXIT_OK after --help, LT_EXIT_USAGE after a usage error
 * (reported). */
static int parse_args(int argc, char **argv, struct diff_opts *o, FILE *out)
{
	char optname[8];
	uint64_t v;
	int opt, e;

	opterr = 0;
	optind = 0; /* full re-initialisation: the main parser may have run in this process */
	while ((opt = getopt_long(argc, argv, ":n:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			e = parse_u64(optarg, 0, DIFF_TOP_MAX, &v);
			if (e) {
				lt_err("bad -n '%s': %s (0 to %d)", optarg,
				       e == -ERANGE ? "out of range" : "not a number",
				       DIFF_TOP_MAX);
				return LT_EXIT_USAGE;
			}
			o->top_n = v;
			break;
		case OPT_BYTES:
			o->exact = true;
			break;
		case OPT_FOLDED:
			if (!*optarg) {
				lt_err("--folded needs a file name");
				return LT_EXIT_USAGE;
			}
			o->folded_path = optarg;
			break;
		case 'h':
			usage(out);
			return LT_EXIT_OK;
		case ':':
			lt_err("option '%s' needs a value",
			       opt_name(argv, optname, sizeof(optname)));
			return LT_EXIT_USAGE;
		default:
			lt_err("unknown option '%s' (see leaktop diff --help)",
			       opt_name(argv, optname, sizeof(optname)));
			return LT_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		if (argc - optind > 2)
			lt_err("unexpected argument '%s' (see leaktop diff --help)",
			       argv[optind + 2]);
		else
			lt_err("want two files: leaktop diff BEFORE.folded AFTER.folded");
		return LT_EXIT_USAGE;
	}
	o->before_path = argv[optind];
	o->after_path = argv[optind + 1];
	return -1;
}

int diff__main(int argc, char **argv, FILE *out)
{
	struct diff_opts o = { .top_n = DIFF_TOP_DEFAULT };
	struct lt_folded before = {}, after = {};
	struct diff d = {};
	int ret, e;

	ret = parse_args(argc, argv, &o, out);
	if (ret >= 0)
		return ret;
	ret = LT_EXIT_ERROR;
	/* Before any work: a directory or an unwritable device is said now. */
	if (o.folded_path && (e = out__check_path(o.folded_path))) {
		lt_err("cannot write %s: %s", o.folded_path, strerror(-e));
		goto out;
	}
	if (diff__read(o.before_path, &before) || diff__read(o.after_path, &after))
		goto out;
	if (diff_build(&d, &before, &after)) {
		lt_err("out of memory comparing %s and %s", o.before_path, o.after_path);
		goto out;
	}
	print_table(out, &d, &o);
	if (fflush(out) || ferror(out)) {
		lt_err("cannot write the table: %s", strerror(errno ?: EIO));
		goto out;
	}
	if (o.folded_path) {
		e = out__write_file(o.folded_path, write_folded, &d);
		if (e) {
			lt_err("cannot write %s: %s", o.folded_path, strerror(-e));
			goto out;
		}
	}
	ret = LT_EXIT_OK;
out:
	diff_free(&d);
	diff__free(&before);
	diff__free(&after);
	return ret;
}
