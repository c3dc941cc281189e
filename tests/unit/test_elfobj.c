// SPDX-License-Identifier: GPL-2.0
/*
 * ELF symbol lookup and allocator discovery. The file offsets are checked the way a uprobe
 * uses them: the bytes at that offset in the file must be the bytes of the function in memory.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfobj.h"
#include "objects.h"
#include "procmaps.h"
#include "test.h"

/* The function's first 16 bytes in memory equal those at `file_offset` of `path`. */
static bool same_code(const char *path, uint64_t file_offset, const void *fn)
{
	unsigned char buf[16];
	int fd = open(path, O_RDONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, buf, sizeof(buf), file_offset) == sizeof(buf) && !memcmp(buf, fn, 16);
	close(fd);
	return ok;
}

static void test_fixture_lib(void)
{
	static const char *const names[] = { "fixture_alloc_site", "no_such_function" };
	void *h = dlopen(FIXTURE_LIB, RTLD_NOW);
	struct lt_elf_func f[2];
	struct lt_elf *e;
	char id[64], want[64] = "";
	FILE *p;

	e = elfobj__open(FIXTURE_LIB);
	if (!ASSERT_TRUE(e && h, "open fixture"))
		return;
	ASSERT_EQ(elfobj__find_funcs(e, names, 2, f), 1, "one of two names found");
	ASSERT_TRUE(f[0].found && !f[1].found, "which one");
	ASSERT_TRUE(f[0].size > 0, "size from the symbol");
	ASSERT_TRUE(same_code(FIXTURE_LIB, f[0].file_offset, dlsym(h, "fixture_alloc_site")),
		    "file offset holds the function's code");

	ASSERT_EQ(elfobj__build_id(e, id, sizeof(id)), 0, "build id");
	p = popen("readelf -n " FIXTURE_LIB " | sed -n 's/.*Build ID: //p'", "r");
	if (p && fgets(want, sizeof(want), p))
		want[strcspn(want, "\n")] = '\0';
	if (p)
		pclose(p);
	ASSERT_STREQ(id, want, "build id matches readelf");
	elfobj__close(e);
	dlclose(h);
}

/* --per-call's lookup: globals, statics, compiler clones of statics, and ambiguity. */
static void test_user_funcs(void)
{
	static const char *const global[] = { "fixture_alloc_site" };
	struct lt_elf *e = elfobj__open(FIXTURE_LIB);
	struct lt_elf_func f, g;

	if (!ASSERT_TRUE(e, "open fixture"))
		return;
	elfobj__find_funcs(e, global, 1, &g);
	ASSERT_EQ(elfobj__find_user_func(e, "fixture_alloc_site", &f), 0, "a global");
	ASSERT_TRUE(f.found && f.vaddr == g.vaddr && f.file_offset == g.file_offset,
		    "the same symbol find_funcs gives");
	ASSERT_EQ(elfobj__find_funcs(e, (const char *const[]){ "fixture_static_step" }, 1, &g), 0,
		  "allocator lookup ignores statics");
	ASSERT_EQ(elfobj__find_user_func(e, "fixture_static_step", &f), 0, "a static function");
	ASSERT_TRUE(f.found && f.size > 0, "with its size");
	ASSERT_EQ(elfobj__find_user_func(e, "fixture_cloned", &f), 0, "a clone's name");
	ASSERT_TRUE(f.found, "found by the name before the dot");
	ASSERT_EQ(elfobj__find_user_func(e, "fixture_clone", &f), -ENOENT, "a prefix is not a name");
	ASSERT_EQ(elfobj__find_user_func(e, "fixture_twice", &f), -EEXIST,
		  "two statics of one name are ambiguous");
	ASSERT_TRUE(!f.found, "and nothing is returned");
	ASSERT_EQ(elfobj__find_user_func(e, "no_such_function", &f), -ENOENT, "none");
	elfobj__close(e);
}

static void test_not_elf(void)
{
	errno = 0;
	ASSERT_TRUE(!elfobj__open("tests/unit/test_elfobj.c"), "text file rejected");
	ASSERT_EQ(errno, ENOEXEC, "ENOEXEC");
	ASSERT_TRUE(!elfobj__open("/nonexistent/lib.so"), "missing file");
	ASSERT_EQ(errno, ENOENT, "ENOENT");
}

static void test_libc_allocators(void)
{
	struct lt_object_list list;
	const struct lt_object *libc = NULL;
	struct lt_maps maps;
	char want_prefix[64];

	ASSERT_EQ(procmaps__read(getpid(), &maps), 0, "read maps");
	ASSERT_EQ(objects__find_allocators(getpid(), &maps, NULL, &list), 0, "found allocators");
	for (size_t i = 0; i < list.n; i++) {
		if (list.v[i].family == LT_FAMILY_GLIBC)
			libc = &list.v[i];
	}
	if (!ASSERT_TRUE(libc, "glibc found"))
		goto out;
	snprintf(want_prefix, sizeof(want_prefix), "/proc/%d/root/", getpid());
	ASSERT_TRUE(!strncmp(libc->open_path, want_prefix, strlen(want_prefix)),
		    "reached through /proc/PID/root");
	for (int fn = 0; fn < LT_FN__COUNT; fn++) {
		void *addr = dlsym(RTLD_DEFAULT, lt_fn_names[fn]);

		if (!ASSERT_TRUE(libc->funcs[fn].found, lt_fn_names[fn]))
			continue;
		ASSERT_TRUE(same_code(libc->open_path, libc->funcs[fn].file_offset, addr),
			    lt_fn_names[fn]);
	}
	ASSERT_EQ(libc->funcs[LT_FN_MEMALIGN].vaddr, libc->funcs[LT_FN_ALIGNED_ALLOC].vaddr,
		  "glibc's memalign and aligned_alloc are one function");
	{
		/* memcpy@@GLIBC_2.14 is an IFUNC; memcpy@GLIBC_2.2.5 a plain but hidden version. */
		static const char *const ifunc[] = { "memcpy", "strlen" };
		struct lt_elf_func f[2];
		struct lt_elf *e = elfobj__open(libc->open_path);

		elfobj__find_funcs(e, ifunc, 2, f);
		ASSERT_TRUE(!f[0].found, "neither a hidden version nor an IFUNC resolver is taken");
		ASSERT_TRUE(!f[1].found, "an IFUNC resolver is never taken for the function");
		elfobj__close(e);
	}
out:
	objects__free(&list);
	procmaps__free(&maps);
}

static void test_no_allocator(void)
{
	static const char text[] = "00400000-00401000 r-xp 00000000 00:00 0 [vdso]\n";
	struct lt_object_list list;
	struct lt_maps maps;

	procmaps__parse(text, sizeof(text) - 1, &maps);
	ASSERT_EQ(objects__find_allocators(getpid(), &maps, NULL, &list), -ENOENT, "nothing found");
	ASSERT_EQ(list.n, 0, "empty list");
	objects__free(&list);
	procmaps__free(&maps);
}

/* A file deleted after mapping is reached through map_files, which needs CAP_SYS_ADMIN. */
static void test_deleted_file(void)
{
	char path[] = "/tmp/leaktop-test-XXXXXX";
	int fd = mkstemp(path);
	struct lt_maps maps;
	const struct lt_vma *v;
	char *open_path;
	void *m;

	if (!ASSERT_TRUE(fd >= 0 && !ftruncate(fd, 4096), "temp file"))
		return;
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	unlink(path);
	close(fd);
	procmaps__read(getpid(), &maps);
	v = procmaps__find(&maps, (uint64_t)(uintptr_t)m);
	if (ASSERT_TRUE(v && v->deleted, "mapping of a deleted file")) {
		open_path = objects__open_path(getpid(), v);
		if (geteuid() == 0)
			ASSERT_CONTAINS(open_path, "/map_files/", "deleted file via map_files");
		else
			ASSERT_TRUE(!open_path, "map_files needs privilege");
		free(open_path);
	}
	procmaps__free(&maps);
	munmap(m, 4096);
}

TEST_MAIN(TEST(test_fixture_lib), TEST(test_user_funcs), TEST(test_not_elf), TEST(test_libc_allocators),
	  TEST(test_no_allocator), TEST(test_deleted_file))
