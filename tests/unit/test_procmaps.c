// SPDX-License-Identifier: GPL-2.0
/* The /proc/PID/maps parser, on text with every kind of line the kernel prints. */
#include <errno.h>
#include <unistd.h>

#include "procmaps.h"
#include "test.h"

static const char sample[] =
	"00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon\n"
	"00e03000-00e24000 rw-p 00000000 00:00 0           [heap]\n"
	"7f2c4b000000-7f2c4b021000 r--p 00000000 fd:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f2c4b021000-7f2c4b1a0000 r-xp 00021000 fd:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f2c4c000000-7f2c4c001000 r-xs 00002000 103:0a 99 /opt/my app/lib with spaces.so\n"
	"7f2c4d000000-7f2c4d010000 r-xp 00000000 00:05 7 /memfd:jit (deleted)\n"
	"7f2c4e000000-7f2c4e010000 r-xp 00000000 fd:01 4321 /usr/lib/old.so (deleted)\n"
	"this line is not a mapping\n"
	"7fff00000000-7ffe00000000 r-xp 00000000 00:00 0 [backwards]\n"
	"7ffd1234a000-7ffd1234c000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

static void test_parse_sample(void)
{
	struct lt_maps m;

	ASSERT_EQ(procmaps__parse(sample, sizeof(sample) - 1, &m), 0, "parse");
	if (!ASSERT_EQ(m.n, 9, "malformed and backwards lines skipped"))
		goto out;
	ASSERT_EQ(m.vmas[0].start, 0x400000, "start");
	ASSERT_EQ(m.vmas[0].end, 0x452000, "end");
	ASSERT_TRUE(m.vmas[0].r && !m.vmas[0].w && m.vmas[0].x && !m.vmas[0].shared, "perms");
	ASSERT_EQ(m.vmas[0].dev_major, 8, "dev major");
	ASSERT_EQ(m.vmas[0].dev_minor, 2, "dev minor");
	ASSERT_EQ(m.vmas[0].inode, 173521, "inode");
	ASSERT_STREQ(m.vmas[0].path, "/usr/bin/dbus-daemon", "path");
	ASSERT_TRUE(procmaps__is_file(&m.vmas[0]), "exe is a file");

	ASSERT_STREQ(m.vmas[1].path, "[heap]", "pseudo path kept");
	ASSERT_TRUE(!procmaps__is_file(&m.vmas[1]), "heap is not a file");

	ASSERT_EQ(m.vmas[3].offset, 0x21000, "offset");
	ASSERT_EQ(m.vmas[3].dev_major, 0xfd, "hex major");

	ASSERT_STREQ(m.vmas[4].path, "/opt/my app/lib with spaces.so", "spaces in path");
	ASSERT_TRUE(m.vmas[4].shared, "shared");
	ASSERT_EQ(m.vmas[4].dev_major, 0x103, "3-digit major");
	ASSERT_EQ(m.vmas[4].dev_minor, 0xa, "minor");

	ASSERT_STREQ(m.vmas[5].path, "/memfd:jit", "memfd path");
	ASSERT_TRUE(m.vmas[5].deleted, "memfd deleted");
	ASSERT_STREQ(m.vmas[6].path, "/usr/lib/old.so", "deleted suffix stripped");
	ASSERT_TRUE(m.vmas[6].deleted, "deleted flag");
	ASSERT_TRUE(!m.vmas[3].deleted, "live file not deleted");

	ASSERT_STREQ(m.vmas[7].path, "[vdso]", "vdso");
	ASSERT_EQ(m.vmas[8].start, 0xffffffffff600000ULL, "16-digit address");
	ASSERT_TRUE(!m.vmas[8].r && m.vmas[8].x, "--xp");
out:
	procmaps__free(&m);
}

static void test_find(void)
{
	struct lt_maps m;
	const struct lt_vma *v;

	procmaps__parse(sample, sizeof(sample) - 1, &m);
	v = procmaps__find(&m, 0x7f2c4b021000);
	ASSERT_TRUE(v && v->offset == 0x21000, "first byte of a mapping");
	v = procmaps__find(&m, 0x7f2c4b19ffff);
	ASSERT_TRUE(v && v->offset == 0x21000, "last byte of a mapping");
	ASSERT_TRUE(!procmaps__find(&m, 0x7f2c4b1a0000), "end is exclusive, gap after");
	ASSERT_TRUE(!procmaps__find(&m, 0x1000), "below every mapping");
	procmaps__free(&m);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"\n\n\n",
		"00400000-00452000",
		"00400000-00452000 r-xp",
		"00400000-00452000 r-xp 00000000 08:02",
		"00400000-00452000 r-xp 00000000 08:02 x /a",
		"zz400000-00452000 r-xp 00000000 08:02 1 /a",
		"00400000-00452000 r-xp 00000000 0802 1 /a",
		"00400000-00452000 r-x 00000000 08:02 1 /a",
		"100000000000000000-200000000000000000 r-xp 00000000 08:02 1 /a",
		"00400000-00452000 r-xp 00000000 08:02 99999999999999999999999 /a",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lt_maps m;
		char name[64];

		snprintf(name, sizeof(name), "bad line %zu rejected", i);
		ASSERT_EQ(procmaps__parse(bad[i], strlen(bad[i]), &m), 0, "parse ok");
		ASSERT_EQ(m.n, 0, name);
		procmaps__free(&m);
	}
}

static void test_no_trailing_newline_and_anon(void)
{
	static const char text[] = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0";
	struct lt_maps m;

	procmaps__parse(text, sizeof(text) - 1, &m);
	if (ASSERT_EQ(m.n, 1, "one anonymous mapping")) {
		ASSERT_STREQ(m.vmas[0].path, "", "empty path");
		ASSERT_TRUE(!procmaps__is_file(&m.vmas[0]), "anonymous is not a file");
	}
	procmaps__free(&m);
}

static void test_read_self(void)
{
	struct lt_maps m;
	const struct lt_vma *v;

	ASSERT_EQ(procmaps__read(getpid(), &m), 0, "read own maps");
	v = procmaps__find(&m, (uint64_t)(uintptr_t)test_read_self);
	ASSERT_TRUE(v && v->x && procmaps__is_file(v), "own code is in an executable file mapping");
	procmaps__free(&m);
	ASSERT_EQ(procmaps__read(0x7ffffff, &m), -ENOENT, "no such pid");
}

TEST_MAIN(TEST(test_parse_sample), TEST(test_find), TEST(test_malformed),
	  TEST(test_no_trailing_newline_and_anon), TEST(test_read_self))
