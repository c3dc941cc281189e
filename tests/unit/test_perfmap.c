// SPDX-License-Identifier: GPL-2.0
/* JIT perf maps: parsing (hostile lines too), lookups, a map that grows, names that last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perfmap.h"
#include "test.h"

static void test_parse(void)
{
	static const char good[] = "1000 10 JS:~first a.js:1:1\n2000 20 Builtin:Thing\n";
	static const char bad[] = "zz 10 x\n1000 0 empty\n1000 10\n1000 10 \n"
				  "ffffffffffffffff 10 wraps\n 1000 10 lead\n3000 10 ok\n4000 10 cut";

	ASSERT_EQ(perfmap__parse_count(good, strlen(good)), 2, "two lines");
	ASSERT_EQ(perfmap__parse_count(bad, strlen(bad)), 1, "only the one good line; no partial last line");
	ASSERT_EQ(perfmap__parse_count("", 0), 0, "empty");
}

static void test_lookup(void)
{
	char path[64];
	struct lt_perfmaps *m = perfmap__new();
	const char *a, *b;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	f = fopen(path, "w");
	if (!ASSERT_TRUE(f != NULL, "write a perf map"))
		return;
	fprintf(f, "7f0000001000 100 JS:*hot /srv/app.js:10:5\n7f0000000000 40 JS:~cold /srv/app.js:2:1\n");
	fclose(f);
	a = perfmap__lookup(m, getpid(), 0x7f0000001000 + 0x10);
	ASSERT_STREQ(a, "JS:*hot /srv/app.js:10:5", "inside the first entry");
	ASSERT_STREQ(perfmap__lookup(m, getpid(), 0x7f0000000001), "JS:~cold /srv/app.js:2:1",
		     "a return address at the start: ip - 1 is the entry's first byte");
	ASSERT_TRUE(!perfmap__lookup(m, getpid(), 0x7f0000000041 + 0x10), "between entries");
	ASSERT_TRUE(!perfmap__lookup(m, getpid(), 0x7f0000001101), "past the last");
	ASSERT_TRUE(!perfmap__lookup(m, getpid(), 0x1000), "before the first");
	/* The runtime appends: read again (after the once-a-second limit), old names still valid. */
	f = fopen(path, "a");
	fprintf(f, "7f0000002000 100 JS:*later /srv/app.js:30:1\n");
	fclose(f);
	sleep(1);
	b = perfmap__lookup(m, getpid(), 0x7f0000002050);
	ASSERT_STREQ(b, "JS:*later /srv/app.js:30:1", "a line added later");
	ASSERT_STREQ(a, "JS:*hot /srv/app.js:10:5", "a name handed out before stays valid");
	ASSERT_TRUE(perfmap__lookup(m, getpid(), 0x7f0000001010) == a, "and is the same string");
	ASSERT_TRUE(!perfmap__lookup(m, 1 << 22, 0x7f0000001010), "a process without a map");
	unlink(path);
	perfmap__forget(m, getpid());
	perfmap__free(m);
}

/* A hostile process's map: a FIFO must not block the tracer, nor a symlink lead out. */
static void test_hostile(void)
{
	char path[64];
	struct lt_perfmaps *m = perfmap__new();

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	unlink(path);
	if (!ASSERT_EQ(mkfifo(path, 0600), 0, "a FIFO in place of the map"))
		return;
	alarm(5); /* a blocking open would end the test here */
	ASSERT_TRUE(!perfmap__lookup(m, getpid(), 0x7f0000001010), "a FIFO names nothing");
	alarm(0);
	unlink(path);
	ASSERT_EQ(symlink("/etc/passwd", path), 0, "a symlink in place of the map");
	ASSERT_TRUE(!perfmap__lookup(m, getpid(), 0x7f0000001010), "a symlink is not followed");
	unlink(path);
	perfmap__free(m);
}

TEST_MAIN(TEST(test_parse), TEST(test_lookup), TEST(test_hostile))
