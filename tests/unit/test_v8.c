// SPDX-License-Identifier: GPL-2.0
/* JavaScript frames: V8's source position tables and line ends, hostile tables, stack slots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procmaps.h"
#include "test.h"
#include "util.h"
#include "v8.h"

/*
 * The source position table node 20 built for
 *   function leakNamed(a, b) { let x = a + b; return () => x; }
 * read from its BytecodeArray: entries (bytecode offset, script offset) (-1, 18) the function's
 * entry, (0, 18), (8, 35) `a + b`, (10, 37), (13, 35), (15, 42) `return`, (19, 57) the closing
 * brace. Offsets count from -1, V8's function entry offset: the first bytecode's is 0.
 */
static const uint8_t table[] = { 0x01, 0x4c, 0x03, 0x00, 0x10, 0x44, 0x05,
				 0x08, 0x07, 0x07, 0x04, 0x1c, 0x08, 0x3c };

static void test_positions(void)
{
	static const struct { int64_t offset, want; } cases[] = {
		{ -1, 18 }, { 0, 18 }, { 1, 18 }, { 7, 18 }, { 8, 35 }, { 9, 35 }, { 10, 37 },
		{ 12, 37 }, { 13, 35 }, { 15, 42 }, { 18, 42 }, { 19, 57 }, { 1000, 57 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ASSERT_EQ(v8__position(table, sizeof(table), cases[i].offset), cases[i].want,
			  "the position of a bytecode offset");
}

static void test_hostile_positions(void)
{
	static const uint8_t unterminated[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
						0x80, 0x80, 0x80, 0x80 };
	static const uint8_t external[] = { 0x00, 0x03 }; /* raw position 1 (odd): external */
	static const uint8_t none[] = { 0x00, 0x00 };	 /* raw position 0: no position */
	/* Four entries of bytecode offset +0, positions +2^62, +2^62, +2^62, +2^62 + 20. */
	static const uint8_t wraps[] = {
		0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
		0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
		0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
		0x00, 0xa8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
	};
	/* Found by fuzz_v8: an offset delta whose negation overflowed. */
	static const uint8_t min_offset[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0x01, 0x00 };
	uint8_t big[4096];

	ASSERT_EQ(v8__position(NULL, 0, 0), -1, "no table");
	ASSERT_EQ(v8__position(table, 0, 0), -1, "an empty table");
	ASSERT_EQ(v8__position(table, 1, 0), -1, "a table cut inside its first entry");
	ASSERT_EQ(v8__position(table, 5, 100), 18, "a table cut inside an entry keeps the last whole one");
	ASSERT_EQ(v8__position(unterminated, sizeof(unterminated), 0), -1, "an endless number");
	ASSERT_EQ(v8__position(external, sizeof(external), 0), -1, "an external position");
	ASSERT_EQ(v8__position(none, sizeof(none), 0), -1, "no position");
	/* Continuation bytes everywhere: each number ends at the 64-bit limit, nothing overflows. */
	memset(big, 0xff, sizeof(big));
	ASSERT_EQ(v8__position(big, sizeof(big), 5), -1, "all continuation bytes");
	/* 2048 entries of +63 bytecodes, +63 positions: the last holds, 2048 * 63 / 2 - 1. */
	memset(big, 0x7e, sizeof(big));
	ASSERT_EQ(v8__position(big, sizeof(big), 1 << 20), 64511, "a long table read to its end");
	/* Deltas V8 never writes: the sums would overflow (undefined), and wrap to a position. */
	ASSERT_EQ(v8__position(wraps, sizeof(wraps), 0), -1, "positions summing past 2^63");
	ASSERT_EQ(v8__position(min_offset, sizeof(min_offset), 5), -1, "an offset delta of -2^63");
}

static void test_lines(void)
{
	static const uint32_t ends[] = { 10, 20, 30 }; /* the '\n' of lines 1 and 2, then the end */

	ASSERT_EQ(v8__line(ends, 3, 0), 1, "the first character");
	ASSERT_EQ(v8__line(ends, 3, 10), 1, "a line's newline is its own");
	ASSERT_EQ(v8__line(ends, 3, 11), 2, "the next line");
	ASSERT_EQ(v8__line(ends, 3, 30), 3, "the last character");
	ASSERT_EQ(v8__line(ends, 3, 31), 0, "past the source");
	ASSERT_EQ(v8__line(ends, 3, -1), 0, "no position");
	ASSERT_EQ(v8__line(NULL, 0, 5), 0, "no line ends");
}

static void test_slots(void)
{
	uint64_t w = 0x0002001200030002ULL;

	ASSERT_TRUE(v8__is_slot(LT_TAG_V8_SFI << LT_TAG_SHIFT | 0x2a9c4c762b31ULL), "function");
	ASSERT_TRUE(v8__is_slot(LT_TAG_V8_POS << LT_TAG_SHIFT | LT_V8_POS_NONE), "position");
	ASSERT_TRUE(!v8__is_slot(0x7f0000001000ULL), "a return address");
	ASSERT_TRUE(!v8__is_slot(LT_TAG_PY_CODE << LT_TAG_SHIFT | 0x1000), "a Python slot");
	uint64_t w2 = 7ULL << 32 | 0x00401234; /* function literal id 7; flags */
	uint64_t id = 42ULL << 32;		 /* script id 42, a Smi */
	uint64_t sum = lt_v8_sum(w, w2, id);

	ASSERT_EQ(sum, lt_v8_sum(w ^ 0xffff000000000000ULL, w2, id), "the last 2 bytes may change");
	ASSERT_EQ(sum, lt_v8_sum(w, w2 ^ 0xffffffffULL, id), "the flags may change");
	ASSERT_TRUE(sum != lt_v8_sum(w + 1, w2, id), "the length is summed");
	ASSERT_TRUE(sum != lt_v8_sum(w + (1ULL << 32), w2, id), "the token offset is summed");
	ASSERT_TRUE(sum != lt_v8_sum(w, w2 + (1ULL << 32), id), "the function literal id is summed");
	ASSERT_TRUE(sum != lt_v8_sum(w, w2, id + (1ULL << 32)), "the script id is summed");
	ASSERT_TRUE(sum <= LT_V8_SUM_MASK, "24 bits");
}

/* Every ELF file the namer opens (tests/Makefile wraps elfobj__open). */
static int elf_opens;
struct lt_elf *__real_elfobj__open(const char *path);
struct lt_elf *__wrap_elfobj__open(const char *path)
{
	elf_opens++;
	return __real_elfobj__open(path);
}

/*
 * A process is looked at again every interval (-p) or every 10 s (--all): a file found to have
 * no V8 metadata is not read again.
 */
static void test_plain_read_once(void)
{
	struct lt_v8 *v8 = v8__new();
	struct lt_maps maps = { 0 };
	struct lt_v8_proc e;
	char why[160];

	if (!ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "own maps"))
		return;
	elf_opens = 0;
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(v8__look(v8, getpid(), &maps, &e, why, sizeof(why)), 0, "not node");
	ASSERT_EQ(elf_opens, 1, "its executable read once in 5 looks");
	procmaps__free(&maps);
	v8__free(v8);
}

/* leaktop itself runs no V8: looked at, it is not followed, and nothing is said. */
static void test_not_node(void)
{
	struct lt_v8 *v8 = v8__new();
	struct lt_js_frame js;
	struct lt_maps maps = { 0 };
	struct lt_v8_proc e;
	char why[160];

	if (!ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "own maps"))
		return;
	ASSERT_EQ(v8__look(v8, getpid(), &maps, &e, why, sizeof(why)), 0, "not node");
	ASSERT_STREQ(why, "", "nothing to say");
	ASSERT_TRUE(!v8__version(v8, getpid()), "no version");
	ASSERT_EQ(v8__name(v8, getpid(), LT_TAG_V8_SFI << LT_TAG_SHIFT | 0x1001,
			   LT_TAG_V8_POS << LT_TAG_SHIFT, &js),
		  -ESRCH, "a frame of a process not followed");
	procmaps__free(&maps);
	v8__free(v8);
}

TEST_MAIN(TEST(test_positions), TEST(test_hostile_positions), TEST(test_lines), TEST(test_slots),
	  TEST(test_not_node), TEST(test_plain_read_once))
