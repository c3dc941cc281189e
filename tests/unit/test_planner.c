// SPDX-License-Identifier: GPL-2.0
/*
 * The probe offset planner on known byte sequences: the prologues of Debian 12's glibc 2.36
 * (copied from its libc.so.6, so the test does not depend on the machine's libc), an
 * endbr64 prologue, and prologues where no instruction is safe.
 */
#include <errno.h>
#include <string.h>

#include "planner.h"
#include "test.h"

#define PLAN(code, nargs, ret, out) planner__plan(code, sizeof(code), 0x1000, nargs, ret, out)

/* glibc 2.36 (Debian 12) */
static const uint8_t glibc_free[] = { 0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0x00, 0x00, 0x00,
				      0x55, 0x48, 0x8d, 0x77, 0xf0, 0x53, 0x48, 0x83, 0xec,
				      0x18, 0x48, 0x8b, 0x1d, 0xd6, 0x9e, 0x13, 0x00 };
static const uint8_t glibc_malloc[] = { 0x41, 0x54, 0x55, 0x53, 0x48, 0x89, 0xfb, 0x48,
					0x83, 0xec, 0x10, 0x80, 0x3d, 0x46, 0x1b, 0x14,
					0x00, 0x00, 0x0f, 0x84, 0xf8, 0x01, 0x00, 0x00 };
static const uint8_t glibc_calloc[] = { 0x41, 0x55, 0x48, 0x89, 0xf8, 0x41, 0x54, 0x55,
					0x53, 0x48, 0x83, 0xec, 0x18, 0x48, 0xf7, 0xe6 };
static const uint8_t glibc_realloc[] = { 0x41, 0x57, 0x41, 0x56, 0x41, 0x55, 0x41, 0x54,
					 0x55, 0x48, 0x89, 0xf5, 0x53, 0x48, 0x89, 0xfb };
static const uint8_t glibc_posix_memalign[] = { 0x80, 0x3d, 0x01, 0x02, 0x14, 0x00, 0x00,
						0x41, 0x54, 0x49, 0x89, 0xd4, 0x55, 0x48,
						0x89, 0xfd, 0x53, 0x48, 0x89, 0xf3, 0x74, 0x5a };
/* mov %rsi,%rax; mul %rdx; mov %rax,%rsi; jo: the arguments change before any branch. */
static const uint8_t glibc_reallocarray[] = { 0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2, 0x48, 0x89,
					      0xc6, 0x70, 0x05, 0xe9, 0x40, 0xb8, 0xf8, 0xff };

static void test_glibc_prologues(void)
{
	struct lt_plan p;

	ASSERT_EQ(PLAN(glibc_free, 1, false, &p), 0, "free decodes");
	ASSERT_EQ(p.delta, 3, "free: past 'test rdi, rdi' to its je");
	ASSERT_TRUE(p.emulated, "free: emulated");
	ASSERT_CONTAINS(p.insn, "je", "free: the je");

	PLAN(glibc_malloc, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "malloc: push r12 at +0");
	ASSERT_TRUE(p.emulated, "malloc: emulated");
	ASSERT_CONTAINS(p.insn, "push r12", "malloc: the push");

	PLAN(glibc_calloc, 2, true, &p);
	ASSERT_EQ(p.delta, 0, "calloc: push r13 at +0");
	ASSERT_TRUE(p.emulated, "calloc: emulated");

	PLAN(glibc_realloc, 2, true, &p);
	ASSERT_EQ(p.delta, 0, "realloc: push r15 at +0");
	ASSERT_TRUE(p.emulated, "realloc: emulated");

	PLAN(glibc_posix_memalign, 3, true, &p);
	ASSERT_EQ(p.delta, 7, "posix_memalign: past the rip-relative cmpb to push r12");
	ASSERT_TRUE(p.emulated, "posix_memalign: emulated");

	PLAN(glibc_reallocarray, 3, true, &p);
	ASSERT_EQ(p.delta, 0, "reallocarray: no safe spot, +0");
	ASSERT_TRUE(!p.emulated, "reallocarray: single-stepped");
	ASSERT_CONTAINS(p.why, "'mul rdx' at +3 writes argument register rdx", "reallocarray: why");
}

static void test_endbr64(void)
{
	/* endbr64; push %rbp; mov %rsp,%rbp */
	static const uint8_t fp[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5 };
	/* endbr64; sub $8,%rsp; push %rbx */
	static const uint8_t sub_first[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x83,
					     0xec, 0x08, 0x53 };
	struct lt_plan p;

	PLAN(fp, 1, true, &p);
	ASSERT_EQ(p.delta, 4, "endbr64 is single-stepped: probe the push after it");
	ASSERT_TRUE(p.emulated, "push rbp emulated");

	PLAN(sub_first, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "sp moves before any emulated insn: +0 for a return probe");
	ASSERT_CONTAINS(p.why, "moves the stack pointer", "why: the return address");
	PLAN(sub_first, 1, false, &p);
	ASSERT_EQ(p.delta, 8, "without a return probe the sp may move");
}

static void test_no_safe_instruction(void)
{
	/* mov 0x10(%rip),%rdi; push %rbx: the argument is overwritten first. */
	static const uint8_t clobber[] = { 0x48, 0x8b, 0x3d, 0x10, 0x00, 0x00, 0x00, 0x53 };
	/* endbr64; call *%rax; push %rbx: leaves the entry block first. */
	static const uint8_t leaves[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xff, 0xd0, 0x53 };
	/* endbr64; nop; dec %rdi; jne back to the nop: the probe would fire twice. */
	static const uint8_t loop[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x90, 0x48, 0xff, 0xcf, 0x75, 0xfa };
	/* 16-bit jump (66 e9): the kernel refuses to emulate branches with 0x66. */
	static const uint8_t jmp16[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x66, 0xe9, 0x00, 0x00 };
	struct lt_plan p;

	PLAN(clobber, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "argument clobbered: +0");
	ASSERT_CONTAINS(p.why, "writes argument register rdi", "why: rdi");
	PLAN(clobber, 0, true, &p);
	ASSERT_EQ(p.delta, 7, "no argument read: the push is fine");

	PLAN(leaves, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "indirect call first: +0");
	ASSERT_CONTAINS(p.why, "leaves the entry block", "why: control flow");

	PLAN(loop, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "a jump back into the prologue: +0");
	ASSERT_CONTAINS(p.why, "jumps back", "why: jumped into");

	PLAN(jmp16, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "66 e9 is not emulated");
	ASSERT_TRUE(!p.emulated, "not emulated");
}

static void test_nops(void)
{
	static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x53 };
	static const uint8_t pause[] = { 0xf3, 0x90, 0x53 };
	static const uint8_t nopw_cs[] = { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00,
					   0x00, 0x00, 0x00, 0x53 };
	struct lt_plan p;

	PLAN(nop5, 1, true, &p);
	ASSERT_TRUE(p.delta == 0 && p.emulated, "5-byte nop emulated");
	PLAN(pause, 1, true, &p);
	ASSERT_TRUE(p.delta == 0 && p.emulated, "prefix + 0x90 emulated");
	PLAN(nopw_cs, 1, true, &p);
	ASSERT_EQ(p.delta, 10, "a non-standard long nop is stepped: probe the push after it");
}

static void test_garbage(void)
{
	static const uint8_t bad[] = { 0x0f, 0x0b }; /* ud2 */
	static const uint8_t empty[] = { 0xff };
	struct lt_plan p;

	PLAN(bad, 1, true, &p);
	ASSERT_EQ(p.delta, 0, "ud2: +0");
	ASSERT_EQ(planner__plan(empty, 1, 0x1000, 1, true, &p), -EINVAL, "undecodable");
	ASSERT_EQ(p.delta, 0, "undecodable: +0");
}

/*
 * PyObject_Free in pyenv's shared libpython: 3.11.7's, at 0x1af270, jumps through 0x45c280;
 * 3.13.0's, at 0x16a630, through 0x330 past what the GOT entry at 0x4eacb0 holds.
 */
static void test_forwarders(void)
{
	static const uint8_t py311[] = { 0x48, 0x89, 0xfe, 0x48, 0x8b, 0x3d, 0xe6, 0xcf, 0x2a,
					 0x00, 0xff, 0x25, 0x00, 0xd0, 0x2a, 0x00 };
	static const uint8_t py313[] = { 0x48, 0x8b, 0x05, 0x79, 0x06, 0x38, 0x00, 0x48, 0x89,
					 0xfe, 0x48, 0x8b, 0xb8, 0x10, 0x03, 0x00, 0x00, 0xff,
					 0xa0, 0x30, 0x03, 0x00, 0x00 };
	/* The same with one-byte displacements, after an endbr64. */
	static const uint8_t short_disp[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8b, 0x05, 0x10,
					      0x00, 0x00, 0x00, 0x48, 0x89, 0xfe, 0x48, 0x8b,
					      0x78, 0x08, 0xff, 0x60, 0xf0 };
	struct lt_forwarder f;

	ASSERT_TRUE(planner__forwarder(py311, sizeof(py311), 0x1af270, &f), "3.11's form");
	ASSERT_TRUE(f.at == 0x45c280 && !f.via, "3.11: the pointer's address, rip-relative");
	ASSERT_TRUE(planner__forwarder(py313, sizeof(py313), 0x16a630, &f), "3.13's form");
	ASSERT_TRUE(f.at == 0x4eacb0 && f.via && f.off == 0x330, "3.13: GOT entry + 0x330");
	ASSERT_TRUE(planner__forwarder(short_disp, sizeof(short_disp), 0x1000, &f), "disp8");
	ASSERT_TRUE(f.at == 0x1000 + 11 + 0x10 && f.via && f.off == -0x10, "disp8, negative");
	/* Cut short anywhere, or any byte changed in an opcode: not a forwarder. */
	for (size_t n = 0; n < sizeof(py313); n++)
		ASSERT_TRUE(!planner__forwarder(py313, n, 0x16a630, &f), "cut short");
	for (size_t n = 0; n < sizeof(py311); n++)
		ASSERT_TRUE(!planner__forwarder(py311, n, 0x1af270, &f), "3.11's, cut short");
	ASSERT_TRUE(!planner__forwarder(glibc_free, sizeof(glibc_free), 0x1000, &f), "glibc free");
	{
		uint8_t other[sizeof(py311)];

		memcpy(other, py311, sizeof(other));
		other[2] = 0xfa; /* mov %rdi,%rdx */
		ASSERT_TRUE(!planner__forwarder(other, sizeof(other), 0x1000, &f), "another move");
		memcpy(other, py311, sizeof(other));
		other[11] = 0x15; /* call *, not jmp * */
		ASSERT_TRUE(!planner__forwarder(other, sizeof(other), 0x1000, &f), "a call");
	}
}

/*
 * Debian's python3.11, link-time optimized: PyObject_Malloc (0x4fb350) loads the pointer at
 * 0x959f48 and compares it with pymalloc's own function, 0x4fb450. The same code with a lea'd
 * address (a position-independent build) is one too; pyenv's forwarder is not.
 */
static void test_devirtualized(void)
{
	static const uint8_t deb311[] = { 0x53, 0x48, 0x85, 0xff, 0x0f, 0x88, 0x65, 0xad, 0xf2,
					  0xff, 0x48, 0x8b, 0x05, 0xe7, 0xeb, 0x45, 0x00, 0x48,
					  0x89, 0xfb, 0x48, 0x8b, 0x3d, 0xd5, 0xeb, 0x45, 0x00,
					  0x48, 0x3d, 0x50, 0xb4, 0x4f, 0x00, 0x0f, 0x85, 0xc3,
					  0x00, 0x00, 0x00 };
	/* mov 0x100(%rip),%rax; lea 0x200(%rip),%rdx; cmp %rdx,%rax; jne */
	static const uint8_t pie[] = { 0x48, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00, 0x48, 0x8d, 0x15,
				       0x00, 0x02, 0x00, 0x00, 0x48, 0x39, 0xd0, 0x75, 0x10 };
	static const uint8_t py311[] = { 0x48, 0x89, 0xfe, 0x48, 0x85, 0xff, 0x78, 0x10, 0x48,
					 0x8b, 0x3d, 0xc1, 0x0e, 0x1d, 0x00, 0xff, 0x25, 0xc3,
					 0x0e, 0x1d, 0x00 };
	uint64_t slot = 0;

	ASSERT_TRUE(planner__devirtualized(deb311, sizeof(deb311), 0x4fb350, 0x420000, 0x800000,
					   &slot), "Debian 3.11");
	ASSERT_EQ(slot, 0x959f48, "the pointer it loads");
	ASSERT_TRUE(planner__devirtualized(pie, sizeof(pie), 0x1000, 0x1000, 0x2000, &slot),
		    "against a lea");
	ASSERT_EQ(slot, 0x1000 + 7 + 0x100, "PIE: the pointer it loads");
	/* Compared with an address outside the code: not a function's. */
	ASSERT_TRUE(!planner__devirtualized(deb311, sizeof(deb311), 0x4fb350, 0x500000, 0x800000,
					    &slot), "not code");
	ASSERT_TRUE(!planner__devirtualized(pie, sizeof(pie), 0x1000, 0x1000, 0x1200, &slot),
		    "a lea outside the code");
	ASSERT_TRUE(!planner__devirtualized(py311, sizeof(py311), 0x1000, 0, ~0ULL, &slot),
		    "a forwarder");
	ASSERT_TRUE(!planner__devirtualized(glibc_malloc, sizeof(glibc_malloc), 0x1000, 0, ~0ULL,
					    &slot), "glibc's malloc");
	ASSERT_TRUE(!planner__devirtualized(deb311, 27, 0x4fb350, 0x420000, 0x800000, &slot),
		    "cut before the cmp");
}

TEST_MAIN(TEST(test_glibc_prologues), TEST(test_endbr64), TEST(test_no_safe_instruction),
	  TEST(test_nops), TEST(test_garbage), TEST(test_forwarders), TEST(test_devirtualized))
