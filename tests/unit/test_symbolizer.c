// SPDX-License-Identifier: GPL-2.0
/*
 * The symbolizer against this very process: its own C and C++ functions, a static function
 * only .symtab names, and a dlopen'ed fixture library, reached through /proc/PID/root as for
 * any traced process.
 */
#include <dlfcn.h>
#include <unistd.h>

#include "procmaps.h"
#include "symbolizer.h"
#include "test.h"

void *fixture_widget_make_addr(void);

__attribute__((noinline)) static int static_helper(int x)
{
	return x * 3 + 1;
}

int (*volatile keep_static)(int) = static_helper;

/* What leaktop does at each look: this process's mappings, read once, to the symbolizer. */
static int refresh(struct lt_symbolizer *s)
{
	struct lt_maps maps;
	int err = procmaps__read(getpid(), &maps);

	if (err)
		return err;
	err = symbolizer__refresh_maps(s, getpid(), &maps);
	procmaps__free(&maps);
	return err;
}

static void test_demangle(void)
{
	char *s;

	s = symbolizer__demangle("_ZN7fixture6Widget4makeEi");
	ASSERT_STREQ(s, "fixture::Widget::make(int)", "C++ method");
	free(s);
	s = symbolizer__demangle("_Znwm");
	ASSERT_STREQ(s, "operator new(unsigned long)", "operator new");
	free(s);
	s = symbolizer__demangle("_ZN4core3fmt5write17h0123456789abcdefE");
	ASSERT_STREQ(s, "core::fmt::write", "Rust legacy mangling, hash hidden");
	free(s);
	ASSERT_TRUE(!symbolizer__demangle("malloc"), "C name left alone");
	ASSERT_TRUE(!symbolizer__demangle("_Zgarbage"), "invalid mangling left alone");
	ASSERT_TRUE(!symbolizer__demangle(NULL), "NULL");
}

static void test_own_process(void)
{
	struct lt_symbolizer *s = symbolizer__new();
	uint64_t cxx = (uint64_t)(uintptr_t)fixture_widget_make_addr();
	uint64_t stat = (uint64_t)(uintptr_t)keep_static;
	struct lt_sym sym;

	ASSERT_EQ(refresh(s), 0, "refresh");

	symbolizer__symbolize(s, getpid(), cxx + 5, &sym);
	ASSERT_STREQ(sym.func, "fixture::Widget::make(int)", "C++ function demangled");
	ASSERT_EQ(sym.offset, 5, "offset of the return address");
	ASSERT_STREQ(sym.module, "test_symbolizer", "module basename");

	/* A return address just past the function's first byte still names it (ip - 1). */
	symbolizer__symbolize(s, getpid(), stat + 1, &sym);
	ASSERT_STREQ(sym.func, "static_helper", "static function from .symtab");
	ASSERT_EQ(sym.offset, 1, "offset 1");

	/* Cached answers are the same answers. */
	symbolizer__symbolize(s, getpid(), cxx + 5, &sym);
	ASSERT_STREQ(sym.func, "fixture::Widget::make(int)", "cached");

	symbolizer__symbolize(s, getpid(), 0x10, &sym);
	ASSERT_TRUE(!sym.func && !sym.module, "unmapped address has no name");
	symbolizer__symbolize(s, 0x7ffffff, cxx + 5, &sym);
	ASSERT_TRUE(!sym.func, "unknown pid has no names");
	symbolizer__free(s);
}

static void test_dlopen_library(void)
{
	struct lt_symbolizer *s = symbolizer__new();
	void *h = dlopen(FIXTURE_LIB, RTLD_NOW);
	uint64_t addr;
	struct lt_sym sym;

	if (!ASSERT_TRUE(h, "dlopen fixture"))
		goto out;
	addr = (uint64_t)(uintptr_t)dlsym(h, "fixture_alloc_site");
	/* Refresh after the dlopen, as leaktop does every interval. */
	ASSERT_EQ(refresh(s), 0, "refresh");
	symbolizer__symbolize(s, getpid(), addr + 9, &sym);
	ASSERT_STREQ(sym.func, "fixture_alloc_site", "function in a shared library");
	ASSERT_EQ(sym.offset, 9, "offset in a relocated library");
	ASSERT_STREQ(sym.module, "libfixture.so", "library basename");
	dlclose(h);
out:
	symbolizer__free(s);
}

TEST_MAIN(TEST(test_demangle), TEST(test_own_process), TEST(test_dlopen_library))
