// SPDX-License-Identifier: GPL-2.0
/* `leaktop diff`: the folded reader, the table and the differential folded file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "diff.h"
#include "test.h"
#include "util.h"

#define GOLDEN_DIR "tests/unit/golden/"

/* Inputs go here; outputs name it, so the golden files see "TMP" instead. */
static char tmpdir[] = "/tmp/leaktop_diff.XXXXXX";

/* Write `text` to `name` in tmpdir; `path` gets the file's path. */
static void put(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		fprintf(stderr, "cannot write %s\n", path);
}

/* Replace every tmpdir in `s` with "TMP", in place. */
static char *strip_tmpdir(char *s)
{
	size_t n = strlen(tmpdir);
	char *p;

	while (s && (p = strstr(s, tmpdir))) {
		memcpy(p, "TMP", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
	return s;
}

/*
 * Run diff__main on a NULL-terminated argument list (argv[0] "diff" added). *out gets its
 * stdout and, if err is not NULL, *err its stderr; both with tmpdir shown as TMP.
 */
static int run_diff(char **out, char **err, ...)
{
	char *argv[16] = { "diff" }, errpath[128], *buf = NULL;
	int argc = 1, ret, saved = -1, fd = -1;
	size_t len = 0;
	FILE *f;
	va_list ap;

	va_start(ap, err);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	if (err) {
		fflush(stderr);
		saved = dup(STDERR_FILENO);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		dup2(fd, STDERR_FILENO);
	}
	f = open_memstream(&buf, &len);
	ret = diff__main(argc, argv, f);
	fclose(f);
	if (err) {
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
		close(fd);
		*err = strip_tmpdir(read_file(errpath, NULL));
		unlink(errpath);
	}
	*out = strip_tmpdir(buf);
	return ret;
}

static const char before_text[] =
	"# leaktop: heap bytes held at exit\n"
	"service;__libc_start_call_main;main;handle_event;write_jsonl 1048576\n"
	"service;main;cache::Store<int: long>::put(int);operator new(unsigned long) 2000\n"
	"service;main;load_config;strdup 4096\n"
	"service;main;idle 512\n"
	"service;[stack unavailable] 512\n"
	"deep;f1;f2;f3;f4;f5;f6;f7;f8;f9;f10 100\n";

/*
 * Against before_text: write_jsonl +12 MiB, mmap64 new (+8 MiB), operator new and deep
 * +1000 each (a tie: by stack, "deep" first), python3.11 new and with no frames (+64);
 * idle unchanged; [stack unavailable] shrank, load_config gone.
 */
static const char after_text[] =
	"service;__libc_start_call_main;main;handle_event;write_jsonl 12582912\n"
	"\n"
	"service;main;grow_arena;mmap64 8388608\n"
	"service;main;cache::Store<int: long>::put(int);operator new(unsigned long) 3000\n"
	"service;__libc_start_call_main;main;handle_event;write_jsonl 1048576\n"
	"service;main;idle 512\n"
	"service;[stack unavailable] 256\n"
	"deep;f1;f2;f3;f4;f5;f6;f7;f8;f9;f10 1100\n"
	"python3.11 64\n";

/* diff__read with its message, if any, captured into err. */
static int read_captured(const char *path, struct lt_folded *f, char *err, size_t len)
{
	int ret;

	lt_log_capture(err, len);
	ret = diff__read(path, f);
	lt_log_capture(NULL, 0);
	return ret;
}

static void test_read(void)
{
	char path[128], err[256] = "";
	struct lt_folded f;
	int ret;

	put("read.folded",
	    "# a comment; 12\n"
	    "\n"
	    "   \t\n"
	    "app;main;alloc 10\n"
	    "app;main;operator new(unsigned long) 7\r\n"
	    "#app;main;alloc 1000\n"
	    "app;main;alloc 5\n"
	    "app;main;zero 0\n"
	    "app;main;operator new(unsigned long) 3",	/* no newline at the end */
	    path, sizeof(path));
	ret = read_captured(path, &f, err, sizeof(err));
	if (!ASSERT_EQ(ret, 0, "read") || !ASSERT_EQ(f.n, 3, "three distinct stacks"))
		goto out;
	ASSERT_STREQ(f.stacks[0], "app;main;alloc", "first seen first");
	ASSERT_EQ(f.values[0], 15, "duplicates summed, comments skipped");
	ASSERT_STREQ(f.stacks[1], "app;main;operator new(unsigned long)",
		     "only the last space ends the stack");
	ASSERT_EQ(f.values[1], 10, "CRLF and a last line without a newline");
	ASSERT_STREQ(f.stacks[2], "app;main;zero", "a zero value is a stack");
	ASSERT_EQ(f.values[2], 0, "zero");
out:
	diff__free(&f);
	diff__free(&f); /* NULL-safe and idempotent */
	diff__free(NULL);
}

/* Each bad line as line 3, after a comment and a good line; the message is `want`. */
static void read_error(const char *line, const char *want, const char *name)
{
	char path[128], text[256], err[512] = "", msg[256];
	struct lt_folded f;
	int ret;

	snprintf(text, sizeof(text), "# c\napp;main 1\n%s\napp;main 2\n", line);
	put("bad.folded", text, path, sizeof(path));
	ret = read_captured(path, &f, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, name);
	snprintf(msg, sizeof(msg), "%s:3: %s", path, want);
	ASSERT_CONTAINS(err, msg, name);
	ASSERT_TRUE(!f.n && !f.stacks && !f.values, "nothing kept after an error");
	diff__free(&f);
}

static void test_read_errors(void)
{
	char path[128], err[512] = "", want[256];
	struct lt_folded f;

	read_error("app;main;alloc", "not a folded line (want 'stack;frames VALUE')", "no space");
	read_error("app;main;alloc x12", "not a folded line: VALUE 'x12'", "no number");
	read_error("app;main;alloc -5", "not a folded line: VALUE '-5'", "negative");
	read_error("app;main;alloc 1.5", "not a folded line: VALUE '1.5'", "not an integer");
	read_error("app;main;alloc 12 ", "not a folded line: VALUE ''", "a space at the end");
	read_error(" 12", "not a folded line (want", "an empty stack");
	read_error(" \t 12", "not a folded line (want", "a blank stack");
	read_error("app;main 9223372036854775808", "value out of range '9223372036854775808'",
		   "past int64");
	read_error("app;main 99999999999999999999999999999",
		   "value out of range '999999999999999999999999...'", "long overflow");
	read_error("app;other 9223372036854775807", "the values add up past 9223372036854775807",
		   "a sum past int64");

	snprintf(path, sizeof(path), "%s/missing.folded", tmpdir);
	ASSERT_EQ(read_captured(path, &f, err, sizeof(err)), -ENOENT, "missing file");
	snprintf(want, sizeof(want), "cannot read %s: %s", path, strerror(ENOENT));
	ASSERT_STREQ(err, want, "missing file message");
	ASSERT_EQ(read_captured(tmpdir, &f, err, sizeof(err)), -EISDIR, "a directory");
	ASSERT_CONTAINS(err, "cannot read /tmp/", "a directory's message");
	diff__free(&f);
}

/*
 * Two stacks with the same FNV-1a 64 hash (0x501566f758e3df11), found with Brent's cycle
 * finding over x -> str_hash("app;" + x as 16 hex digits) in a couple of minutes: they must
 * stay two stacks, each summing its own lines.
 */
#define COLLIDE_A "app;55b04f6a06ceb1d8"
#define COLLIDE_B "app;05f95e93eccc1517"

static void test_hash_collision(void)
{
	char path[128], err[256] = "";
	struct lt_folded f;

	ASSERT_TRUE(strcmp(COLLIDE_A, COLLIDE_B) && str_hash(COLLIDE_A) == str_hash(COLLIDE_B),
		    "the stacks collide");
	put("collide.folded",
	    COLLIDE_A " 1\n" COLLIDE_B " 10\n" COLLIDE_B " 100\n" COLLIDE_A " 1000\n"
	    "app;other 5\n" COLLIDE_B " 10000\n",
	    path, sizeof(path));
	if (!ASSERT_EQ(read_captured(path, &f, err, sizeof(err)), 0, "read") ||
	    !ASSERT_EQ(f.n, 3, "colliding stacks kept apart"))
		goto out;
	ASSERT_STREQ(f.stacks[0], COLLIDE_A, "first");
	ASSERT_EQ(f.values[0], 1001, "first sums its own lines");
	ASSERT_STREQ(f.stacks[1], COLLIDE_B, "second");
	ASSERT_EQ(f.values[1], 10110, "second sums its own lines");
	ASSERT_EQ(f.values[2], 5, "a third stack");
out:
	diff__free(&f);
}

/* 100k distinct stacks, each twice, and 127-frame lines longer than any fixed buffer. */
static void test_read_many(void)
{
	enum { N = 100000 };
	char path[128], err[256] = "";
	struct lt_folded f;
	size_t len = 0, bad = 0;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, &len);

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++)
			fprintf(m, "svc;main;f%d %d\n", i, i);
	}
	fprintf(m, "svc");
	for (int i = 0; i < 127; i++)
		fprintf(m, ";std::vector<std::basic_string<char>>::_M_realloc_insert(frame %d)", i);
	fprintf(m, " 42\n");
	fclose(m);
	put("many.folded", buf, path, sizeof(path));
	free(buf);
	if (!ASSERT_EQ(read_captured(path, &f, err, sizeof(err)), 0, "read") ||
	    !ASSERT_EQ(f.n, N + 1, "distinct stacks"))
		goto out;
	for (int i = 0; i < N; i++)
		bad += f.values[i] != 2 * i;
	ASSERT_EQ(bad, 0, "every stack summed over its two lines");
	ASSERT_TRUE(strlen(f.stacks[N]) > 127 * 60, "a long line whole");
	ASSERT_EQ(f.values[N], 42, "a long line's value");
out:
	diff__free(&f);
}

static void test_table(void)
{
	char before[128], after[128], *out, *err;

	put("before.folded", before_text, before, sizeof(before));
	put("after.folded", after_text, after, sizeof(after));
	ASSERT_EQ(run_diff(&out, &err, before, after, NULL), 0, "diff");
	test_golden(out, GOLDEN_DIR "diff_table.txt");
	ASSERT_STREQ(err, "", "nothing on stderr");
	ASSERT_CONTAINS(out, "grew: 5 stacks, +20.0 MiB (2 new); shrank: 2, -4.25 KiB (1 gone); "
			"unchanged: 1\n", "counts");
	ASSERT_CONTAINS(out, "f10 <- f9 <- f8 <- f7 <- f6 <- f5 <- f4 <- f3 <- ... (deep)\n",
			"eight frames, innermost first, then the process");
	ASSERT_TRUE(!strstr(out, "load_config"), "a stack that went is not in the table");
	free(out);
	free(err);

	/* Options after the files, as getopt permutes them. */
	ASSERT_EQ(run_diff(&out, NULL, before, after, "--bytes", NULL), 0, "--bytes");
	test_golden(out, GOLDEN_DIR "diff_table_bytes.txt");
	ASSERT_CONTAINS(out, "     +12582912        1048576       13631488  write_jsonl <- ",
			"exact bytes");
	free(out);

	ASSERT_EQ(run_diff(&out, NULL, "-n", "2", before, after, NULL), 0, "-n 2");
	test_golden(out, GOLDEN_DIR "diff_table_top2.txt");
	ASSERT_CONTAINS(out, "... 3 more stacks grew (-n 0 shows all)\n", "says what -n hid");
	free(out);

	ASSERT_EQ(run_diff(&out, NULL, "--top=0", before, after, NULL), 0, "-n 0");
	ASSERT_CONTAINS(out, "(python3.11)\n", "-n 0 shows all");
	ASSERT_TRUE(!strstr(out, "more stack"), "none hidden");
	free(out);
}

static void test_folded(void)
{
	char before[128], after[128], folded[128], *out, *got;

	put("before.folded", before_text, before, sizeof(before));
	put("after.folded", after_text, after, sizeof(after));
	snprintf(folded, sizeof(folded), "%s/diff.folded", tmpdir);
	ASSERT_EQ(run_diff(&out, NULL, "--folded", folded, before, after, NULL), 0, "--folded");
	free(out);
	got = read_file(folded, NULL);
	test_golden(got, GOLDEN_DIR "diff.folded");
	ASSERT_CONTAINS(got, "service;main;load_config;strdup 4096 0\n", "a stack that went");
	ASSERT_CONTAINS(got, "python3.11 0 64\n", "a new stack");
	ASSERT_CONTAINS(got, "service;main;idle 512 512\n", "an unchanged stack");
	unlink(folded);
	free(got);

	/* The same diff into a folder that does not exist: an error, and no file. */
	snprintf(folded, sizeof(folded), "%s/nodir/diff.folded", tmpdir);
	ASSERT_EQ(run_diff(&out, &got, "--folded", folded, before, after, NULL), 1, "bad --folded");
	ASSERT_CONTAINS(got, "leaktop: error: cannot write TMP/nodir/diff.folded: ",
			"names the file");
	free(out);
	free(got);
}

static void test_no_growth(void)
{
	char before[128], after[128], *out;

	put("before.folded", "app;main;a 100\napp;main;b 5\n", before, sizeof(before));
	put("after.folded", "app;main;a 100\n", after, sizeof(after));
	ASSERT_EQ(run_diff(&out, NULL, before, after, NULL), 0, "diff");
	ASSERT_STREQ(out,
		     "leaktop diff: TMP/before.folded -> TMP/after.folded\n"
		     "total 105 B -> 100 B (-5 B) over 2 stacks\n"
		     "grew: 0 stacks, 0 B (0 new); shrank: 1, -5 B (1 gone); unchanged: 1\n"
		     "no stack grew\n",
		     "says so");
	free(out);

	put("empty.folded", "# nothing\n", after, sizeof(after));
	ASSERT_EQ(run_diff(&out, NULL, after, after, NULL), 0, "two empty files");
	ASSERT_CONTAINS(out, "total 0 B -> 0 B (0 B) over 0 stacks\n", "empty");
	ASSERT_CONTAINS(out, "no stack grew\n", "empty: nothing grew");
	free(out);
}

/* A usage or file error: `status`, nothing on stdout, one line on stderr. */
static void bad_run(int status, const char *want, const char *name, char *a1, char *a2,
		    char *a3, char *a4)
{
	char *out, *err;

	ASSERT_EQ(run_diff(&out, &err, a1, a2, a3, a4, NULL), status, name);
	ASSERT_STREQ(out, "", name);
	ASSERT_CONTAINS(err, want, name);
	ASSERT_TRUE(err && strchr(err, '\n') == err + strlen(err) - 1, "one line");
	free(out);
	free(err);
}

static void test_usage(void)
{
	char before[128], bad[128], missing[128], *out;

	put("before.folded", before_text, before, sizeof(before));
	put("bad.folded", "app;main 1\napp;main\n", bad, sizeof(bad));
	snprintf(missing, sizeof(missing), "%s/none.folded", tmpdir);
	ASSERT_EQ(run_diff(&out, NULL, "--help", NULL), 0, "--help");
	ASSERT_CONTAINS(out, "Usage: leaktop diff [options] BEFORE.folded AFTER.folded\n", "usage");
	free(out);
	ASSERT_EQ(run_diff(&out, NULL, before, "-h", before, NULL), 0, "-h among files");
	ASSERT_CONTAINS(out, "--folded FILE", "usage");
	free(out);

	bad_run(2, "leaktop: error: want two files: leaktop diff BEFORE.folded AFTER.folded",
		"no files", NULL, NULL, NULL, NULL);
	bad_run(2, "want two files", "one file", before, NULL, NULL, NULL);
	bad_run(2, "unexpected argument 'extra'", "three files", before, before, "extra", NULL);
	bad_run(2, "unknown option '--frobnicate'", "long option", "--frobnicate", before, before,
		NULL);
	bad_run(2, "unknown option '-x'", "short option", "-x", before, before, NULL);
	bad_run(2, "bad -n 'ten': not a number (0 to 1000000)", "-n word", "-n", "ten", before,
		before);
	bad_run(2, "bad -n '-1': not a number", "-n negative", "-n", "-1", before, before);
	bad_run(2, "bad -n '1000001': out of range", "-n huge", "-n", "1000001", before, before);
	bad_run(2, "option '-n' needs a value", "-n last", before, before, "-n", NULL);
	bad_run(2, "option '--folded' needs a value", "--folded last", before, before, "--folded",
		NULL);
	bad_run(2, "--folded needs a file name", "--folded ''", "--folded", "", before, before);
	bad_run(1, "leaktop: error: cannot read TMP/none.folded: No such file or directory",
		"missing file", before, missing, NULL, NULL);
	bad_run(1, "leaktop: error: TMP/bad.folded:2: not a folded line", "bad line", bad, before,
		NULL, NULL);
}

static void test_setup(void)
{
	ASSERT_TRUE(mkdtemp(tmpdir), "mkdtemp");
}

static void test_cleanup(void)
{
	static const char *const names[] = { "read.folded",  "bad.folded",   "collide.folded",
					      "many.folded",  "before.folded", "after.folded",
					      "empty.folded" };
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	ASSERT_EQ(rmdir(tmpdir), 0, "the temporary folder is left empty");
}

TEST_MAIN(TEST(test_setup), TEST(test_read), TEST(test_read_errors), TEST(test_hash_collision),
	  TEST(test_read_many), TEST(test_table), TEST(test_folded), TEST(test_no_growth),
	  TEST(test_usage), TEST(test_cleanup))
