// SPDX-License-Identifier: GPL-2.0
/*
 * The JavaScript namer on a V8 heap this test builds in its own memory: it exports node 20's
 * v8dbg_* metadata, so v8__look() follows it like a node, and v8__name() reads the functions,
 * scripts and strings it lays out, as a hostile process could lay them out. Checked: names,
 * scripts and lines; a function or script the GC replaced at the same address; cons strings
 * that loop; what is kept per process (names, position tables, line ends) and freed with it.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procmaps.h"
#include "test.h"
#include "util.h"
#include "v8.h"

/* node 20's (V8 11.3) metadata, read from its binary: v8__look() finds it in this one. */
int v8dbg_SmiShiftSize = 31;
int v8dbg_off_fp_context_or_frame_type = -8;
int v8dbg_off_fp_function = -16;
int v8dbg_off_fp_bytecode_array = -32;
int v8dbg_off_fp_bytecode_offset = -40;
int v8dbg_class_HeapObject__map__Map = 0;
int v8dbg_class_Map__instance_type__uint16_t = 12;
int v8dbg_class_JSFunction__shared__SharedFunctionInfo = 24;
int v8dbg_class_SharedFunctionInfo__function_data__Object = 8;
int v8dbg_class_SharedFunctionInfo__name_or_scope_info__Object = 16;
int v8dbg_class_SharedFunctionInfo__script_or_debug_info__HeapObject = 32;
int v8dbg_class_SharedFunctionInfo__length__uint16_t = 40;
int v8dbg_class_SharedFunctionInfo__internal_formal_parameter_count__uint16_t = 42;
int v8dbg_class_SharedFunctionInfo__raw_function_token_offset__int16_t = 44;
int v8dbg_class_SharedFunctionInfo__flags__int = 48;
int v8dbg_class_Script__name__Object = 16;
int v8dbg_class_Script__source__Object = 8;
int v8dbg_class_Script__line_ends__Object = 56;
int v8dbg_class_Script__eval_from_shared_or_wrapped_arguments__Object = 72;
int v8dbg_class_String__length__int32_t = 12;
int v8dbg_class_SeqOneByteString__chars__char = 16;
int v8dbg_class_SeqTwoByteString__chars__char = 16;
int v8dbg_class_ConsString__first__String = 16;
int v8dbg_class_ConsString__second__String = 24;
int v8dbg_class_ThinString__actual__String = 16;
int v8dbg_class_SlicedString__parent__String = 16;
int v8dbg_class_SlicedString__offset__SMI = 24;
int v8dbg_class_ExternalString__resource__Object = 16;
int v8dbg_class_FixedArrayBase__length__SMI = 8;
int v8dbg_FirstNonstringType = 128;
int v8dbg_StringRepresentationMask = 7;
int v8dbg_StringEncodingMask = 8;
int v8dbg_OneByteStringTag = 8;
int v8dbg_SeqStringTag = 0;
int v8dbg_ConsStringTag = 1;
int v8dbg_ExternalStringTag = 2;
int v8dbg_SlicedStringTag = 3;
int v8dbg_ThinStringTag = 5;
int v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE = 262;
int v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE = 261;
int v8dbg_type_Script__SCRIPT_TYPE = 167;
int v8dbg_type_BytecodeArray__BYTECODE_ARRAY_TYPE = 191;
int v8dbg_type_ByteArray__BYTE_ARRAY_TYPE = 190;
int v8dbg_type_FixedArray__FIXED_ARRAY_TYPE = 175;
int v8dbg_type_Oddball__ODDBALL_TYPE = 131;
int v8dbg_type_Code__CODE_TYPE = 245;
int v8dbg_class_Code__bytecode_or_interpreter_data__HeapObject = 16;
int v8dbg_class_BytecodeArray__data__uintptr_t = 54;
int v8_major __asm__("_ZN2v88internal7Version6major_E") = 11;
int v8_minor __asm__("_ZN2v88internal7Version6minor_E") = 3;

enum { T_ONE_BYTE = 8, T_CONS_ONE_BYTE = 9 };

#define ARENA (64u << 20)

static uint8_t *arena;
static size_t used;
static uint64_t map_sfi, map_script, map_string, map_cons, map_fixed, map_oddball, map_bytecode,
	map_bytes, undefined;
static struct lt_v8 *v8;

/* A tagged heap object of `size` bytes, zeroed, with its map. */
static uint64_t obj(size_t size, uint64_t map)
{
	uint64_t o = (uint64_t)(uintptr_t)(arena + used) + 1;

	used += (size + 7) & ~7UL;
	if (used > ARENA)
		abort();
	memcpy((void *)(uintptr_t)(o - 1), &map, 8);
	return o;
}

static void put64(uint64_t o, uint32_t off, uint64_t v)
{
	memcpy((void *)(uintptr_t)(o - 1 + off), &v, 8);
}

static void put32(uint64_t o, uint32_t off, uint32_t v)
{
	memcpy((void *)(uintptr_t)(o - 1 + off), &v, 4);
}

static uint64_t smi(int32_t v)
{
	return (uint64_t)(uint32_t)v << 32;
}

static uint64_t map_of(uint16_t type)
{
	uint64_t m = obj(16, 0);

	memcpy((void *)(uintptr_t)(m - 1 + 12), &type, 2);
	return m;
}

static uint64_t string(const char *s)
{
	size_t n = strlen(s);
	uint64_t o = obj(16 + n, map_string);

	put32(o, 12, (uint32_t)n);
	memcpy((void *)(uintptr_t)(o - 1 + 16), s, n);
	return o;
}

static uint64_t fixed(const uint64_t *v, int32_t n)
{
	uint64_t o = obj(16 + 8 * (size_t)n, map_fixed);

	put64(o, 8, smi(n));
	memcpy((void *)(uintptr_t)(o - 1 + 16), v, 8 * (size_t)n);
	return o;
}

static uint64_t script(uint64_t at, int32_t id, uint64_t name, uint64_t line_ends)
{
	uint64_t o = at ? at : obj(80, map_script);

	memset((void *)(uintptr_t)(o - 1), 0, 80);
	put64(o, 0, map_script);
	put64(o, 8, undefined);
	put64(o, 16, name);
	put64(o, 56, line_ends);
	put64(o, 64, smi(id));
	put64(o, 72, undefined);
	return o;
}

/* A SharedFunctionInfo, at `at` (or new): its slot pair, as the BPF walk writes it, in *pos. */
static uint64_t sfi(uint64_t at, uint64_t name, uint64_t scr, int32_t literal, uint64_t data,
		    uint64_t *pos)
{
	uint64_t o = at ? at : obj(64, map_sfi);
	uint64_t shape = 1 | 2ULL << 16 | 12ULL << 32, flags = (uint64_t)(uint32_t)literal << 32;
	uint64_t id = 0;

	memset((void *)(uintptr_t)(o - 1), 0, 64);
	put64(o, 0, map_sfi);
	put64(o, 8, data ? data : undefined);
	put64(o, 16, name);
	put64(o, 32, scr);
	put64(o, 40, shape);
	put64(o, 48, flags);
	memcpy(&id, (void *)(uintptr_t)(scr - 1 + 64), 8);
	*pos = LT_TAG_V8_POS << LT_TAG_SHIFT | lt_v8_sum(shape, flags, id) << 32 | LT_V8_POS_NONE;
	return LT_TAG_V8_SFI << LT_TAG_SHIFT | o;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Follow this process as a node: its metadata, and the heap about to be built. */
static bool setup(void)
{
	struct lt_maps maps;
	struct lt_v8_proc e;
	char why[160];
	int rc;

	if (!arena) {
		arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (arena == MAP_FAILED)
			abort();
	}
	used = 0;
	map_sfi = map_of(262);
	map_script = map_of(167);
	map_string = map_of(T_ONE_BYTE);
	map_cons = map_of(T_CONS_ONE_BYTE);
	map_fixed = map_of(175);
	map_oddball = map_of(131);
	map_bytecode = map_of(191);
	map_bytes = map_of(190);
	undefined = obj(32, map_oddball);
	v8 = v8__new();
	if (!ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "own maps"))
		return false;
	rc = v8__look(v8, getpid(), &maps, &e, why, sizeof(why));
	procmaps__free(&maps);
	return ASSERT_EQ(rc, 1, "followed as a node") && ASSERT_STREQ(why, "", "nothing to say");
}

static void teardown(void)
{
	v8__free(v8);
	v8 = NULL;
}

static void test_names(void)
{
	uint64_t ends[] = { smi(10), smi(20) }, pos, f, builtin, anon;
	struct lt_js_frame js;

	if (!setup())
		return;
	f = sfi(0, string("leakHere"), script(0, 7, string("/srv/app.js"), fixed(ends, 2)), 3, 0,
		&pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "named");
	ASSERT_STREQ(js.func, "leakHere", "its name");
	ASSERT_STREQ(js.file, "/srv/app.js", "its script");
	/* eval and new Function leave a script's name undefined. */
	anon = sfi(0, string("made"), script(0, 8, undefined, fixed(ends, 2)), 1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), anon, pos, &js), 0, "named");
	ASSERT_STREQ(js.file, "<anonymous>", "a script with no name");
	/* A builtin: no script, and no function literal id. */
	builtin = sfi(0, string("Uint8Array"), undefined, -1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), builtin, pos, &js), 0, "named");
	ASSERT_TRUE(!js.file, "a builtin has no script");
	teardown();
}

/*
 * A compiled function's name and start are in its ScopeInfo: with no position table, its line
 * is where it starts, when its start and end positions read as such.
 */
static void test_scope_info_start(void)
{
	uint64_t ends[] = { smi(10), smi(20), smi(30) }, pos, f, si, scr, map_scope;
	struct lt_js_frame js;

	if (!setup())
		return;
	map_scope = map_of(261);
	scr = script(0, 11, string("/srv/lines.js"), fixed(ends, 3));
	/* A function scope (type 2), no context locals, no function variable nor inferred name. */
	si = obj(48, map_scope);
	put64(si, 8, smi(2));
	put64(si, 24, smi(0));
	put64(si, 32, smi(15));
	put64(si, 40, smi(25));
	f = sfi(0, si, scr, 1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "named");
	ASSERT_EQ(js.line, 2, "the line it starts at");
	si = obj(48, map_scope);
	put64(si, 8, smi(2));
	put64(si, 24, smi(0));
	put64(si, 32, smi(15));
	put64(si, 40, scr); /* not a Smi: not a start and an end */
	f = sfi(0, si, scr, 2, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "named");
	ASSERT_EQ(js.line, 0, "no line from positions that do not read as such");
	teardown();
}

/* The GC frees a function and its script, and puts others of the same shape where they were. */
static void test_reuse(void)
{
	uint64_t ends[] = { smi(100) }, pos_a, pos_b, a, b, where, scr;
	struct lt_js_frame js;

	if (!setup())
		return;
	scr = script(0, 1, string("/srv/a.js"), fixed(ends, 1));
	a = sfi(0, string("fromA"), scr, 1, 0, &pos_a);
	ASSERT_EQ(v8__name(v8, getpid(), a, pos_a, &js), 0, "named");
	ASSERT_STREQ(js.func, "fromA", "the first function");
	ASSERT_STREQ(js.file, "/srv/a.js", "in its script");
	where = a & ((1ULL << LT_TAG_SHIFT) - 1);
	script(scr, 2, string("/srv/b.js"), fixed(ends, 1));
	b = sfi(where, string("fromB"), scr, 1, 0, &pos_b);
	ASSERT_EQ(a, b, "the same address");
	ASSERT_TRUE(pos_a != pos_b, "another checksum: another script id");
	ASSERT_EQ(v8__name(v8, getpid(), b, pos_b, &js), 0, "named");
	ASSERT_STREQ(js.func, "fromB", "the second function, not the first's cached name");
	ASSERT_STREQ(js.file, "/srv/b.js", "in its own script, not the first's");
	ASSERT_EQ(v8__name(v8, getpid(), a, pos_a, &js), 0, "the first, named before, stays so");
	ASSERT_STREQ(js.func, "fromA", "the first function's frames keep its name");
	/* Another function of the same script, same shape: its literal id tells it apart. */
	b = sfi(where, string("sibling"), scr, 2, 0, &pos_a);
	ASSERT_EQ(v8__name(v8, getpid(), b, pos_a, &js), 0, "named");
	ASSERT_STREQ(js.func, "sibling", "a sibling of the same shape");
	teardown();
}

/* Cons strings that point back at themselves, and lengths that lie. */
static void test_hostile_strings(void)
{
	uint64_t ends[] = { smi(5) }, pos, f, loop, deep, leaf;
	struct lt_js_frame js;

	if (!setup())
		return;
	loop = obj(32, map_cons);
	put32(loop, 12, 400);
	put64(loop, 16, loop);
	put64(loop, 24, loop);
	f = sfi(0, loop, script(0, 3, string("/x.js"), fixed(ends, 1)), 1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "a looping name is no name");
	ASSERT_STREQ(js.func, "", "empty");
	/* Balanced to the depth limit: 2^8 leaves of 2 characters, all followed. */
	leaf = string("ab");
	deep = leaf;
	for (int d = 0; d < 8; d++) {
		uint64_t c = obj(32, map_cons);

		put32(c, 12, 2u << (d + 1));
		put64(c, 16, deep);
		put64(c, 24, deep);
		deep = c;
	}
	f = sfi(0, deep, script(0, 4, string("/y.js"), fixed(ends, 1)), 1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "named");
	ASSERT_EQ(strlen(js.func), 512, "a cons tree read to the name limit");
	/* A first part longer than the whole. */
	loop = obj(32, map_cons);
	put32(loop, 12, 4);
	put64(loop, 16, string("toolong"));
	put64(loop, 24, leaf);
	f = sfi(0, loop, script(0, 5, string("/z.js"), fixed(ends, 1)), 1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "named");
	ASSERT_STREQ(js.func, "", "a cons string whose parts do not add up is no name");
	teardown();
}

/*
 * Scripts of a million lines and functions with 64 KiB position tables: what one process has
 * kept stays within its budget (64 MiB), and is given back when it is forgotten.
 */
static void test_budget(void)
{
	enum { NLINES = 1 << 20, NSCRIPTS = 40, NFUNCS = 2000, TABLE = 64 * 1024 };
	size_t before = heap_in_use(), peak = 0;
	uint64_t *ends = malloc(NLINES * sizeof(*ends)), line_ends, table, bytecode, pos, f, scr = 0;
	struct lt_js_frame js;
	int named = 0, in_script = 0;

	if (!ends || !setup())
		return;
	for (int i = 0; i < NLINES; i++)
		ends[i] = smi(i * 10);
	line_ends = fixed(ends, NLINES);
	free(ends);
	/* One position table and bytecode array shared by every function. */
	table = obj(16 + TABLE, map_bytes);
	put64(table, 8, smi(TABLE));
	memset((void *)(uintptr_t)(table - 1 + 16), 0x02, TABLE);
	bytecode = obj(64, map_bytecode);
	put64(bytecode, 8, smi(100));
	put64(bytecode, 32, table);
	/* 40 scripts of a million lines, then 2000 functions with position tables. */
	for (int i = 0; i < NSCRIPTS + NFUNCS; i++) {
		if (i < NSCRIPTS)
			scr = script(0, 10 + i, string("/srv/big.js"), line_ends);
		f = sfi(0, string("aFunctionWithAName"), scr, 1 + i, i < NSCRIPTS ? 0 : bytecode,
			&pos);
		if (!v8__name(v8, getpid(), f, pos, &js)) {
			named++;
			in_script += js.file && !strcmp(js.file, "/srv/big.js");
		}
		if (heap_in_use() > peak)
			peak = heap_in_use();
	}
	printf("kept %zu bytes at most (%d of %d functions named, %d in their script)\n",
	       peak - before, named, NSCRIPTS + NFUNCS, in_script);
	ASSERT_TRUE(peak - before < (80u << 20), "at most 64 MiB kept, plus its working memory");
	ASSERT_EQ(named, NSCRIPTS + NFUNCS, "every function named: names fit beside the tables");
	ASSERT_EQ(in_script, NSCRIPTS + NFUNCS, "each in its script");
	teardown();
	printf("after: %zd bytes more than before\n", (ssize_t)(heap_in_use() - before));
	ASSERT_TRUE((ssize_t)(heap_in_use() - before) < (1 << 20),
		    "given back when the process is forgotten");
}

/* Names go with their process: a session that sees many node processes does not grow. */
static void test_forget_frees(void)
{
	char name[401];
	size_t before, after;
	uint64_t ends[] = { smi(5) }, scr, pos, f;
	struct lt_js_frame js;
	struct lt_maps maps;
	struct lt_v8_proc e;
	char why[160];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	if (!setup())
		return;
	scr = script(0, 9, string("/srv/names.js"), fixed(ends, 1));
	f = sfi(0, string(name), scr, 1, 0, &pos);
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), 0, "named");
	v8__forget(v8, getpid());
	if (!ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "own maps"))
		return;
	before = heap_in_use();
	for (int round = 0; round < 200; round++) {
		ASSERT_EQ(v8__look(v8, getpid(), &maps, &e, why, sizeof(why)), 1, "followed again");
		for (int i = 0; i < 20; i++) {
			f = sfi(f & ((1ULL << LT_TAG_SHIFT) - 1), string(name), scr, 1 + i, 0, &pos);
			v8__name(v8, getpid(), f, pos, &js);
		}
		v8__forget(v8, getpid());
	}
	after = heap_in_use();
	procmaps__free(&maps);
	printf("after 200 processes of 20 names of 400 characters: %zd bytes more\n",
	       (ssize_t)(after - before));
	ASSERT_TRUE((ssize_t)(after - before) < (64 << 10), "no name kept past its process");
	teardown();
}

/* Every ELF file the namer opens (tests/Makefile wraps elfobj__open). */
static int elf_opens;
struct lt_elf *__real_elfobj__open(const char *path);
struct lt_elf *__wrap_elfobj__open(const char *path)
{
	elf_opens++;
	return __real_elfobj__open(path);
}

/* The namer's reads of the target's memory (tests/Makefile wraps procmem__read). */
static int mem_reads;
int __real_procmem__read(int fd, uint64_t addr, void *buf, size_t len);
int __wrap_procmem__read(int fd, uint64_t addr, void *buf, size_t len)
{
	mem_reads++;
	return __real_procmem__read(fd, addr, buf, len);
}

/* A frame whose function is gone is not named, and not read again at each report. */
static void test_stale_once(void)
{
	uint64_t ends[] = { smi(5) }, pos, f, where;
	struct lt_js_frame js;

	if (!setup())
		return;
	f = sfi(0, string("gone"), script(0, 12, string("/srv/gone.js"), fixed(ends, 1)), 1, 0,
		&pos);
	where = f & ((1ULL << LT_TAG_SHIFT) - 1);
	put64(where, 0, map_string); /* freed: something else now */
	ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), -ESTALE, "moved or freed");
	mem_reads = 0;
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(v8__name(v8, getpid(), f, pos, &js), -ESTALE, "still not named");
	ASSERT_EQ(mem_reads, 0, "not read again");
	teardown();
}

/* A node leaktop cannot follow is said so once, and its files are not read again. */
static void test_refused_once(void)
{
	struct lt_v8 *refusing = v8__new();
	struct lt_maps maps;
	struct lt_v8_proc e;
	char why[160];

	if (!ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "own maps"))
		return;
	v8dbg_SmiShiftSize = 0; /* as with pointer compression */
	elf_opens = 0;
	ASSERT_EQ(v8__look(refusing, getpid(), &maps, &e, why, sizeof(why)), -EINVAL, "refused");
	ASSERT_CONTAINS(why, "pointer compression", "said why");
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(v8__look(refusing, getpid(), &maps, &e, why, sizeof(why)), -EINVAL,
			  "refused again");
		ASSERT_STREQ(why, "", "said once");
	}
	ASSERT_EQ(elf_opens, 1, "its executable read once in 5 looks");
	v8dbg_SmiShiftSize = 31;
	v8__forget(refusing, getpid());
	ASSERT_EQ(v8__look(refusing, getpid(), &maps, &e, why, sizeof(why)), 1,
		  "forgotten (it ran a new program): looked at anew");
	procmaps__free(&maps);
	v8__free(refusing);
}

TEST_MAIN(TEST(test_names), TEST(test_scope_info_start), TEST(test_reuse), TEST(test_hostile_strings), TEST(test_budget),
	  TEST(test_forget_frees), TEST(test_refused_once), TEST(test_stale_once))
