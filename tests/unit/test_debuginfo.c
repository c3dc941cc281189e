// SPDX-License-Identifier: GPL-2.0
/*
 * Finding and reading a stripped program's names: symbol tables and their lookups, the xz
 * decoder's bounds, where each kind of debug file is found (the leakers tests/Makefile strips
 * in DBG_DIR), that a debug file of another build is refused, that a crafted .gnu_debugdata
 * stops at its bound, and that a path inside a process's root cannot lead out of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo.h"
#include "elfobj.h"
#include "symtab.h"
#include "test.h"
#include "util.h"

__attribute__((noinline)) int debuginfo_test_target(int x)
{
	return x * 7 + 3;
}

int (*volatile keep_target)(int) = debuginfo_test_target;

/* The ELF address of a function of this binary (a PIE: minus the load bias). */
static uint64_t own_vaddr(const void *fn)
{
	struct lt_elf *e = elfobj__open("/proc/self/exe");
	struct lt_elf_func f;
	uint64_t v = 0;

	if (e && !elfobj__find_user_func(e, "debuginfo_test_target", &f))
		v = f.vaddr;
	elfobj__close(e);
	(void)fn;
	return v;
}

static void test_symtab_lookup(void)
{
	struct lt_elf *e = elfobj__open_fd_read(open("/proc/self/exe", O_RDONLY));
	struct lt_symtab *t = symtab__new();
	uint64_t va = own_vaddr(debuginfo_test_target), off = 0;
	const char *name;

	if (!ASSERT_TRUE(e && t && va, "open this binary"))
		goto out;
	ASSERT_TRUE(symtab__add_elf(t, elfobj__elf(e), SHT_SYMTAB) > 10, "its .symtab read");
	symtab__finish(t);
	name = symtab__lookup(t, va + 2, &off);
	ASSERT_STREQ(name, "debuginfo_test_target", "the function holding an address");
	ASSERT_EQ(off, 2, "offset from its start");
	name = symtab__lookup(t, va, &off);
	ASSERT_STREQ(name, "debuginfo_test_target", "its first byte");
	ASSERT_TRUE(!symtab__lookup(t, 0x10, &off), "below every function: none");
	ASSERT_TRUE(!symtab__lookup(t, UINT64_MAX - 1, &off), "above every function: none");
	ASSERT_EQ(symtab__add_elf(t, elfobj__elf(e), SHT_DYNSYM), -EINVAL, "no add once finished");
out:
	symtab__free(t);
	elfobj__close(e);
}

/* xz-compress `len` bytes of `byte` in 1 MiB steps. */
static uint8_t *xz_of(int byte, size_t len, size_t *out_len)
{
	static uint8_t chunk[1 << 20];
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = len / 100 + 65536;
	uint8_t *out = malloc(cap);

	memset(chunk, byte, sizeof(chunk));
	if (!out || lzma_easy_encoder(&s, 1, LZMA_CHECK_CRC64) != LZMA_OK)
		return NULL;
	s.next_out = out;
	s.avail_out = cap;
	for (size_t done = 0; done < len; done += sizeof(chunk)) {
		s.next_in = chunk;
		s.avail_in = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		while (s.avail_in) {
			if (lzma_code(&s, LZMA_RUN) != LZMA_OK)
				return NULL;
		}
	}
	while (lzma_code(&s, LZMA_FINISH) == LZMA_OK)
		;
	*out_len = s.total_out;
	lzma_end(&s);
	return out;
}

static void test_unxz(void)
{
	size_t zlen, len;
	uint8_t *z = xz_of('a', 3 << 20, &zlen), *got;
	int err;

	if (!ASSERT_TRUE(z && zlen < 4096, "compressed"))
		return;
	got = debuginfo__unxz(z, zlen, 4 << 20, &len, &err);
	ASSERT_TRUE(got && len == 3u << 20 && got[0] == 'a' && got[len - 1] == 'a', "round trip");
	free(got);
	got = debuginfo__unxz(z, zlen, 1 << 20, &len, &err);
	ASSERT_TRUE(!got && err == -E2BIG, "stops at its bound: a bomb is not inflated");
	got = debuginfo__unxz(z, zlen - 20, 4 << 20, &len, &err);
	ASSERT_TRUE(!got && err == -EINVAL, "truncated");
	memset(z + 12, 0x5a, 32);
	got = debuginfo__unxz(z, zlen, 4 << 20, &len, &err);
	ASSERT_TRUE(!got && err == -EINVAL, "corrupt");
	got = debuginfo__unxz("not xz at all", 13, 4 << 20, &len, &err);
	ASSERT_TRUE(!got && err == -EINVAL, "not xz");
	free(z);
}

/* Where `path`'s names are, as the symbolizer finds them, with the host's root. */
static void find(const char *path, struct lt_names_file *f, char *id, size_t idlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct lt_elf *e = fd >= 0 ? elfobj__open_fd_read(dup(fd)) : NULL;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	id[0] = '\0';
	*f = (struct lt_names_file){ .fd = -1 };
	if (e) {
		if (elfobj__build_id(e, id, idlen))
			id[0] = '\0';
		debuginfo__find(root, path, e, fd, id, f);
	}
	elfobj__close(e);
	if (fd >= 0)
		close(fd);
	if (root >= 0)
		close(root);
}

/* The ELF address of leak_malloc, from the unstripped build. */
static uint64_t leak_malloc_vaddr(void)
{
	struct lt_elf *e = elfobj__open(DBG_DIR "/leaker.full");
	struct lt_elf_func f = { 0 };

	if (e)
		elfobj__find_user_func(e, "leak_malloc", &f);
	elfobj__close(e);
	return f.vaddr;
}

static const char *name_at(struct lt_symtab *t, uint64_t va)
{
	uint64_t off;

	return symtab__lookup(t, va + 4, &off);
}

static void test_find(void)
{
	uint64_t va = leak_malloc_vaddr();
	char id[LT_BUILD_ID_HEX_MAX], dir[] = "/tmp/lt-debuginfo-XXXXXX", path[PATH_MAX];
	char msg[256] = "";
	struct lt_names_file f;
	struct lt_symtab *t;

	if (!ASSERT_TRUE(va && mkdtemp(dir), "leak_malloc's address, a temp dir"))
		return;

	find(DBG_DIR "/leaker.full", &f, id, sizeof(id));
	ASSERT_EQ(f.source, LT_NAMES_SYMTAB, "unstripped: its own .symtab");
	t = debuginfo__load(&f, "leaker.full");
	ASSERT_STREQ(name_at(t, va), "leak_malloc", "named from .symtab");
	symtab__free(t);

	find(DBG_DIR "/leaker_minidebug", &f, id, sizeof(id));
	ASSERT_EQ(f.source, LT_NAMES_DEBUGDATA, "MiniDebugInfo found");
	t = debuginfo__load(&f, "leaker_minidebug");
	ASSERT_STREQ(name_at(t, va), "leak_malloc", "named from .gnu_debugdata");
	symtab__free(t);

	find(DBG_DIR "/leaker_bomb", &f, id, sizeof(id));
	ASSERT_EQ(f.source, LT_NAMES_DEBUGDATA, "crafted .gnu_debugdata found");
	lt_log_capture(msg, sizeof(msg));
	t = debuginfo__load(&f, "leaker_bomb");
	lt_log_capture(NULL, 0);
	ASSERT_TRUE(!name_at(t, va), "140 MiB of zeros: past the bound, not read");
	ASSERT_STREQ(msg, "leaker_bomb: its .gnu_debugdata decompresses past 128 MiB: not read "
			  "(corrupt or crafted)", "and said");
	symtab__free(t);

	find(DBG_DIR "/leaker_stripped", &f, id, sizeof(id));
	ASSERT_EQ(f.source, LT_NAMES_DYNSYM, "stripped, nothing around: .dynsym only");
	t = debuginfo__load(&f, "leaker_stripped");
	ASSERT_TRUE(!name_at(t, va), "leak_malloc is not exported");
	symtab__free(t);

	/* .gnu_debuglink: beside it, in .debug/ beside it; only this build's file. */
	snprintf(path, sizeof(path), "cp %s/leaker_debuglink %s/ && mkdir %s/.debug && "
		 "cp %s/leaker.debug %s/.debug/", DBG_DIR, dir, dir, DBG_DIR, dir);
	ASSERT_EQ(system(path), 0, "lay out a debuglink");
	snprintf(path, sizeof(path), "%s/leaker_debuglink", dir);
	find(path, &f, id, sizeof(id));
	ASSERT_EQ(f.source, LT_NAMES_DEBUGLINK, "debuglink found in .debug/");
	t = debuginfo__load(&f, "leaker_debuglink");
	ASSERT_STREQ(name_at(t, va), "leak_malloc", "named from the debuglink file");
	symtab__free(t);
	snprintf(path, sizeof(path), "objcopy --only-keep-debug %s %s/.debug/leaker.debug",
		 LEAKER_NOFP, dir);
	ASSERT_EQ(system(path), 0, "another build's debug file in its place");
	snprintf(path, sizeof(path), "%s/leaker_debuglink", dir);
	find(path, &f, id, sizeof(id));
	ASSERT_EQ(f.source, LT_NAMES_DYNSYM, "another build's debug file is refused");
	debuginfo__release(&f);

	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ASSERT_EQ(system(path), 0, "clean up");
}

/* A path inside a process's root never leads out of it, by symlink or "..". */
static void test_open_in_root(void)
{
	char root[] = "/tmp/lt-root-XXXXXX", path[PATH_MAX + 64], buf[64] = "";
	int rfd, fd;

	if (!ASSERT_TRUE(mkdtemp(root), "a fake root"))
		return;
	snprintf(path, sizeof(path), "mkdir -p %s/etc %s/d && echo inside > %s/etc/hostname && "
		 "ln -s /etc/hostname %s/abs && ln -s ../../../../etc/hostname %s/d/rel && "
		 "mkfifo %s/fifo", root, root, root, root, root, root);
	ASSERT_EQ(system(path), 0, "lay out the root");
	rfd = open(root, O_PATH | O_DIRECTORY);
	fd = lt_open_in_root(rfd, "/abs", true);
	ASSERT_TRUE(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 7 && !strcmp(buf, "inside\n"),
		    "an absolute symlink resolves inside the root");
	if (fd >= 0)
		close(fd);
	memset(buf, 0, sizeof(buf));
	fd = lt_open_in_root(rfd, "d/rel", true);
	ASSERT_TRUE(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 7 && !strcmp(buf, "inside\n"),
		    "'..' stops at the root");
	if (fd >= 0)
		close(fd);
	fd = lt_open_in_root(rfd, "abs", false);
	ASSERT_TRUE(fd < 0, "a final symlink is refused when not followed");
	fd = lt_open_in_root(rfd, "fifo", true);
	ASSERT_TRUE(fd < 0 && errno == EINVAL, "a FIFO: refused, without blocking");
	fd = lt_open_in_root(rfd, "etc", true);
	ASSERT_TRUE(fd < 0 && errno == EISDIR, "a directory: refused");
	close(rfd);
	snprintf(path, sizeof(path), "rm -rf %s", root);
	ASSERT_EQ(system(path), 0, "clean up");
}

TEST_MAIN(TEST(test_symtab_lookup), TEST(test_unxz), TEST(test_find), TEST(test_open_in_root))
