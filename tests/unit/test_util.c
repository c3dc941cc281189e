// SPDX-License-Identifier: GPL-2.0
/* Number parsing and formatting, and the hash map. */
#include <errno.h>

#include "hashmap.h"
#include "test.h"
#include "util.h"

static void test_fmt_bytes(void)
{
	char b[32];

	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 0, false, false), "0 B", "zero");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 1023, false, false), "1023 B", "below 1 KiB");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 1024, false, false), "1.00 KiB", "1 KiB");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 1536, false, true), "+1.50 KiB", "signed");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), -1536, false, true), "-1.50 KiB", "negative");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 31 * 1048576LL, false, false), "31.0 MiB", "MiB");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 987LL << 30, false, false), "987 GiB", "GiB");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 400000, true, false), "400000", "exact");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), 400000, true, true), "+400000", "exact signed");
	ASSERT_STREQ(fmt_bytes(b, sizeof(b), -7, true, true), "-7", "exact negative");
}

static void test_parse(void)
{
	uint64_t v = 99;
	double d = 99;

	ASSERT_EQ(parse_u64("42", 0, 100, &v), 0, "u64 ok");
	ASSERT_EQ(v, 42, "u64 value");
	ASSERT_EQ(parse_u64("101", 0, 100, &v), -ERANGE, "u64 above max");
	ASSERT_EQ(parse_u64("", 0, 100, &v), -EINVAL, "u64 empty");
	ASSERT_EQ(parse_u64("4 2", 0, 100, &v), -EINVAL, "u64 trailing junk");
	ASSERT_EQ(parse_u64("-1", 0, 100, &v), -EINVAL, "u64 negative");
	ASSERT_EQ(parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE, "u64 overflow");
	ASSERT_EQ(v, 42, "untouched on error");
	ASSERT_EQ(parse_seconds("2.5", 0.1, 10, &d), 0, "seconds ok");
	ASSERT_TRUE(d == 2.5, "seconds value");
	ASSERT_EQ(parse_seconds("inf", 0.1, 10, &d), -ERANGE, "infinite");
	ASSERT_EQ(parse_seconds("1e", 0.1, 10, &d), -EINVAL, "junk");
	ASSERT_EQ(parse_seconds("0.01", 0.1, 10, &d), -ERANGE, "below min");
}

static void test_hashmap(void)
{
	struct lt_hashmap m = {};
	uint64_t v, k, sum = 0;
	size_t n = 0;

	ASSERT_TRUE(!hashmap__get(&m, 1, &v), "empty map");
	for (uint64_t i = 0; i < 10000; i++)
		hashmap__set(&m, i * 4096, i);
	ASSERT_EQ(m.n, 10000, "count after inserts");
	ASSERT_TRUE(hashmap__get(&m, 4096 * 777, &v) && v == 777, "lookup");
	hashmap__set(&m, 4096 * 777, 1);
	ASSERT_TRUE(hashmap__get(&m, 4096 * 777, &v) && v == 1, "overwrite");
	ASSERT_EQ(m.n, 10000, "overwrite keeps count");
	ASSERT_TRUE(!hashmap__get(&m, 4096 * 10000, &v), "absent key");
	for (size_t it = 0; hashmap__next(&m, &it, &k, &v);) {
		n++;
		sum += v;
	}
	ASSERT_EQ(n, 10000, "iteration visits every entry");
	ASSERT_EQ(sum, 10000ULL * 9999 / 2 - 777 + 1, "iteration values");
	hashmap__clear(&m);
	ASSERT_TRUE(!hashmap__get(&m, 0, &v), "cleared");
	hashmap__free(&m);
}

/* lt_log_capture(): the last message alone, truncated to the buffer, until NULL. */
static void test_log_capture(void)
{
	char buf[16];

	lt_log_capture(buf, sizeof(buf));
	lt_err("no such process: %d", 42);
	ASSERT_STREQ(buf, "no such process", "error: message alone, truncated");
	lt_warn("%s", "careful");
	ASSERT_STREQ(buf, "careful", "warning: replaces the last message");
	lt_info(0, "an info line on stderr, as it should be");
	ASSERT_STREQ(buf, "careful", "info: not captured");
	lt_log_capture(NULL, 0);
	lt_warn("a warning on stderr, as it should be: the capture stopped");
	ASSERT_STREQ(buf, "careful", "stopped");
}

TEST_MAIN(TEST(test_fmt_bytes), TEST(test_parse), TEST(test_hashmap), TEST(test_log_capture))
