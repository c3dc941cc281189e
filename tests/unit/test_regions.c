// SPDX-License-Identifier: GPL-2.0
/*
 * Mapped regions under partial and overlapping unmaps: head, tail, middle and several-region
 * cuts, MAP_FIXED over existing mappings, mremap moves, and the bound on regions kept. No byte
 * may be counted that is no longer mapped.
 */
#include <linux/types.h>

#include "regions.h"
#include "test.h"

#define PAGE 4096ULL
#define BASE 0x7f0000000000ULL

static void ev(struct lt_regions *r, __u32 type, uint64_t addr, uint64_t len, uint64_t new_addr,
	       uint64_t new_len, uint64_t stack, bool anon)
{
	struct lt_event e = {
		.type = type, .tgid = 7, .addr = addr, .len = len, .new_addr = new_addr,
		.new_len = new_len, .stack_id = stack, .ts_ns = 1000 + addr / PAGE,
		.flags = anon ? LT_EV_ANON : 0,
	};

	regions__apply(r, &e);
}

/* Bytes and regions held by one stack (anonymous). */
static void held(struct lt_regions *r, uint64_t stack, bool anon, int64_t *bytes, int64_t *count)
{
	const struct lt_region_totals *t;
	size_t n = regions__totals(r, &t);

	*bytes = *count = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i].stack_id == stack && t[i].anon == anon) {
			*bytes += t[i].bytes;
			*count += t[i].count;
		}
	}
}

static void test_partial_unmaps(void)
{
	struct lt_regions *r = regions__new(1000);
	int64_t b, c;

	ev(r, LT_EV_MMAP, BASE, 8 * PAGE, 0, 0, 1, true);
	ev(r, LT_EV_MUNMAP, BASE, PAGE, 0, 0, 0, false); /* head */
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 7 * PAGE && c == 1, "head cut: 7 pages in one region");
	ev(r, LT_EV_MUNMAP, BASE + 7 * PAGE, PAGE, 0, 0, 0, false); /* tail */
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 6 * PAGE && c == 1, "tail cut: 6 pages");
	ev(r, LT_EV_MUNMAP, BASE + 3 * PAGE, 2 * PAGE, 0, 0, 0, false); /* middle */
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 4 * PAGE && c == 2, "middle cut: 4 pages in two regions");
	ev(r, LT_EV_MUNMAP, BASE + 3 * PAGE, 2 * PAGE, 0, 0, 0, false); /* the hole again */
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 4 * PAGE && c == 2, "unmapping a hole changes nothing");
	ev(r, LT_EV_MUNMAP, BASE, 100 * PAGE, 0, 0, 0, false); /* over all of it and more */
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 0 && c == 0, "all gone, no phantom bytes");
	regions__free(r);
}

static void test_several_regions(void)
{
	struct lt_regions *r = regions__new(1000);
	int64_t b1, c1, b2, c2;

	/* Three adjacent regions from two stacks, one of them a file mapping. */
	ev(r, LT_EV_MMAP, BASE, 4 * PAGE, 0, 0, 1, true);
	ev(r, LT_EV_MMAP, BASE + 4 * PAGE, 4 * PAGE, 0, 0, 2, false);
	ev(r, LT_EV_MMAP, BASE + 8 * PAGE, 4 * PAGE, 0, 0, 1, true);
	held(r, 2, false, &b2, &c2);
	ASSERT_TRUE(b2 == 4 * PAGE && c2 == 1, "stack 2's file mapping");
	held(r, 2, true, &b2, &c2);
	ASSERT_EQ(b2, 0, "anonymous and file mappings are kept apart");
	/* One unmap from the middle of the first to the middle of the third. */
	ev(r, LT_EV_MUNMAP, BASE + 2 * PAGE, 8 * PAGE, 0, 0, 0, false);
	held(r, 1, true, &b1, &c1);
	held(r, 2, false, &b2, &c2);
	ASSERT_TRUE(b1 == 4 * PAGE && c1 == 2, "stack 1 keeps the outer halves");
	ASSERT_TRUE(b2 == 0 && c2 == 0, "the file mapping between is gone");
	regions__free(r);
}

static void test_fixed_and_unaligned(void)
{
	struct lt_regions *r = regions__new(1000);
	int64_t b1, c1, b2, c2;

	ev(r, LT_EV_MMAP, BASE, 10 * PAGE, 0, 0, 1, true);
	/* MAP_FIXED over pages 2..4 by another stack: those pages change hands. */
	ev(r, LT_EV_MMAP, BASE + 2 * PAGE, 3 * PAGE, 0, 0, 2, true);
	held(r, 1, true, &b1, &c1);
	held(r, 2, true, &b2, &c2);
	ASSERT_TRUE(b1 == 7 * PAGE && c1 == 2, "the first mapping split around it");
	ASSERT_TRUE(b2 == 3 * PAGE && c2 == 1, "the fixed mapping");
	/* A length that is not a page multiple covers whole pages. */
	ev(r, LT_EV_MMAP, BASE + 100 * PAGE, 100, 0, 0, 3, true);
	held(r, 3, true, &b1, &c1);
	ASSERT_EQ(b1, PAGE, "100 bytes map a page");
	regions__free(r);
}

static void test_mremap(void)
{
	struct lt_regions *r = regions__new(1000);
	int64_t b, c;

	ev(r, LT_EV_MMAP, BASE, 4 * PAGE, 0, 0, 1, true);
	/* Grown and moved by another stack: the bytes stay with the stack that mapped them. */
	ev(r, LT_EV_MREMAP, BASE, 4 * PAGE, BASE + 64 * PAGE, 16 * PAGE, 9, true);
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 16 * PAGE && c == 1, "moved and grown, same stack");
	ev(r, LT_EV_MUNMAP, BASE, 4 * PAGE, 0, 0, 0, false);
	held(r, 1, true, &b, &c);
	ASSERT_EQ(b, 16 * PAGE, "the old place is empty");
	/* mremap of a mapping made before we looked: the mremap's stack gets it. */
	ev(r, LT_EV_MREMAP, BASE + 500 * PAGE, PAGE, BASE + 600 * PAGE, 2 * PAGE, 9, true);
	held(r, 9, true, &b, &c);
	ASSERT_EQ(b, 2 * PAGE, "unknown region: its new size under the mremap stack");
	regions__free(r);
}

static void test_bound_and_purge(void)
{
	struct lt_regions *r = regions__new(3);
	int64_t b, c;

	for (int i = 0; i < 5; i++)
		ev(r, LT_EV_MMAP, BASE + i * 2 * PAGE, PAGE, 0, 0, 1, true);
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 3 * PAGE && c == 3, "three regions kept");
	ASSERT_EQ(regions__dropped(r), 2, "two counted as dropped");
	regions__purge(r, 7);
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 0 && c == 0, "purged");
	regions__free(r);
}

/*
 * An exec acted on after the new program mapped: its regions stay, with its counts, and the
 * old program's go. ev() dates a region by its page number, so a higher address is later.
 */
static void test_restart_keeps_new_program(void)
{
	struct lt_regions *r = regions__new(1000);
	uint64_t exec_ns = 1000 + (BASE + 10 * PAGE) / PAGE;
	const struct lt_region_totals *t;
	int64_t b, c;
	uint64_t maps = 0;
	size_t n;

	ev(r, LT_EV_MMAP, BASE, 4 * PAGE, 0, 0, 1, true);		/* the old program's */
	ev(r, LT_EV_MMAP, BASE + 4 * PAGE, 2 * PAGE, 0, 0, 2, true);	/* the old program's */
	ev(r, LT_EV_MMAP, BASE + 10 * PAGE, 6 * PAGE, 0, 0, 2, true);	/* at the exec: new */
	ev(r, LT_EV_MUNMAP, BASE + 12 * PAGE, PAGE, 0, 0, 0, false);	/* split in two */
	ev(r, LT_EV_MMAP, BASE + 20 * PAGE, 3 * PAGE, 0, 0, 3, false);	/* new, a file */
	regions__restart(r, 7, exec_ns);
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == 0 && c == 0, "the old program's stack: nothing");
	held(r, 2, true, &b, &c);
	ASSERT_TRUE(b == 5 * PAGE && c == 2, "the new program's split region: both parts, 5 pages");
	held(r, 3, false, &b, &c);
	ASSERT_TRUE(b == 3 * PAGE && c == 1, "the new program's file region");
	n = regions__totals(r, &t);
	for (size_t i = 0; i < n; i++)
		maps += t[i].maps;
	ASSERT_EQ(maps, 3, "counts start over from the regions kept");
	/* The old program's address space is gone: an unmap there now touches nothing. */
	ev(r, LT_EV_MUNMAP, BASE, 10 * PAGE, 0, 0, 0, false);
	held(r, 2, true, &b, &c);
	ASSERT_TRUE(b == 5 * PAGE && c == 2, "an unmap below: the new regions stay");
	regions__restart(r, 7, UINT64_MAX - 1);
	held(r, 2, true, &b, &c);
	ASSERT_TRUE(b == 0 && c == 0, "a restart after everything: nothing kept");
	ev(r, LT_EV_MMAP, BASE, PAGE, 0, 0, 1, true);
	held(r, 1, true, &b, &c);
	ASSERT_TRUE(b == PAGE && c == 1, "and the process maps again");
	regions__free(r);
}

TEST_MAIN(TEST(test_partial_unmaps), TEST(test_several_regions), TEST(test_fixed_and_unaligned),
	  TEST(test_mremap), TEST(test_bound_and_purge), TEST(test_restart_keeps_new_program))
