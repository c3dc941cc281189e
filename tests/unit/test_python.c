// SPDX-License-Identifier: GPL-2.0
/* Python frames: line tables of every supported version, hostile tables, and stack slots. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procmaps.h"
#include "python.h"
#include "test.h"
#include "util.h"

struct lines_fixture {
	int minor, firstlineno;
	const char *table;
	size_t len;
	struct { int at, line; } rows[64];
	size_t nrows;
};

static const struct lines_fixture fixtures[] = {
#include "fixtures/py_lines.inc"
};

/* Every instruction's line, as CPython's own dis reads it, for 3.8 to 3.13. */
static void test_line_tables(void)
{
	for (size_t f = 0; f < ARRAY_SIZE(fixtures); f++) {
		const struct lines_fixture *fx = &fixtures[f];
		size_t bad = 0;

		for (size_t i = 0; i < fx->nrows; i++) {
			int got = python__line(fx->minor, (const uint8_t *)fx->table, fx->len,
					       fx->firstlineno, fx->rows[i].at);

			if (got != fx->rows[i].line && !bad++)
				ASSERT_EQ(got, fx->rows[i].line, "3.x: the first wrong instruction's line");
		}
		ASSERT_EQ(bad, 0, "instructions with a wrong line");
		ASSERT_TRUE(fx->nrows > 20, "the sample has instructions");
	}
	ASSERT_EQ(ARRAY_SIZE(fixtures), 6, "3.8 to 3.13");
}

/* Tables from a hostile process: never a read past the table, and a line or -1. */
static void test_line_hostile(void)
{
	static const uint8_t varint_cut[] = { 0xf0, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f };
	static const uint8_t not_entry[] = { 0x05, 0x06 };
	uint8_t *junk = malloc(4096);

	for (int minor = 8; minor <= 13; minor++) {
		ASSERT_EQ(python__line(minor, NULL, 0, 7, 3), -1, "a table that could not be read");
		ASSERT_EQ(python__line(minor, (const uint8_t *)"", 0, 7, 3), minor <= 9 ? 7 : -1,
			  "an empty table: the first line up to 3.9, none after");
		ASSERT_EQ(python__line(minor, (const uint8_t *)"", 0, 7, -1), -1, "no position");
	}
	ASSERT_EQ(python__line(11, varint_cut, sizeof(varint_cut), 1, 0) != 0, 1, "a cut varint");
	ASSERT_EQ(python__line(12, not_entry, sizeof(not_entry), 1, 0), -1, "not an entry start");
	ASSERT_EQ(python__line(10, not_entry, 1, 1, 100), -1, "an odd-length 3.10 table");
	{
		/* Deltas that would overflow an int: no undefined behaviour, no line. */
		static const uint8_t up[] = { 0x10, 0x7f, 0x10, 0x7f };
		static const uint8_t far[] = { 0xf0, 0x7e, 0x7f, 0x7f, 0x7f, 0x3f };

		ASSERT_EQ(python__line(8, up, sizeof(up), INT32_MAX - 10, 100), -1, "past INT_MAX");
		ASSERT_EQ(python__line(12, far, sizeof(far), INT32_MAX, 0), -1, "a huge varint delta");
		/* 3.10 counts bytes, twice the code units: found by fuzz_python (make ubsan). */
		ASSERT_EQ(python__line(10, up, sizeof(up), 1, INT64_MAX / 2 + 1), -1,
			  "a position whose byte offset overflows");
	}
	srand(1);
	for (int round = 0; junk && round < 2000; round++) {
		size_t len = (size_t)(rand() % 4096);

		for (size_t i = 0; i < len; i++)
			junk[i] = (uint8_t)rand();
		/* Only its bounds matter here: ASan and valgrind watch the reads. */
		python__line(8 + round % 6, junk, len, rand() % 1000, rand() % 100000);
	}
	free(junk);
}

static void test_slots(void)
{
	ASSERT_TRUE(python__is_slot(LT_TAG_PY_CODE << LT_TAG_SHIFT | 0x7f0000001000ULL), "code");
	ASSERT_TRUE(python__is_slot(LT_TAG_PY_POS << LT_TAG_SHIFT | LT_PY_GROUP_END | 42), "pos");
	ASSERT_TRUE(!python__is_slot(0x7f0000001000ULL), "a return address");
	ASSERT_TRUE(!python__is_slot(0x00007fffffffffffULL), "the top of user space");
	ASSERT_EQ(lt_py_sum(1, 2, 3, 4), lt_py_sum(1, 2, 3, 4), "the checksum is a function");
	ASSERT_TRUE(lt_py_sum(1, 2, 3, 4) != lt_py_sum(1, 2, 3, 5), "of every field");
	ASSERT_TRUE(lt_py_sum(1, 2, 3, 4) <= LT_PY_SUM_MASK, "31 bits");
}

/* A process without an interpreter (this test): not Python, and nothing said. */
static void test_not_python(void)
{
	struct lt_python *py = python__new();
	struct lt_py_proc e;
	struct lt_maps maps;
	char why[64];

	if (!ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "own maps"))
		return;
	ASSERT_EQ(python__look(py, getpid(), &maps, &e, why, sizeof(why)), 0, "not Python");
	ASSERT_STREQ(why, "", "nothing to say");
	ASSERT_TRUE(!python__version(py, getpid()), "no version");
	ASSERT_TRUE(!python__is_eval(py, getpid(), 0x1000), "no evaluation loop");
	procmaps__free(&maps);
	python__forget(py, getpid());
	python__free(py);
}

TEST_MAIN(TEST(test_line_tables), TEST(test_line_hostile), TEST(test_slots), TEST(test_not_python))
