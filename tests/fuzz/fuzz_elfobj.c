// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: ELF files. leaktop opens the objects a traced process maps, including
 * files inside containers that their owners control, and debug files a server sent: their
 * symbols, build id, .gnu_debuglink and .gnu_debugdata (MiniDebugInfo) are read here too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "debuginfo.h"
#include "elfobj.h"
#include "symtab.h"

/* What the symbolizer reads of a file: its names, as found and loaded. */
static void read_names(int fd)
{
	struct lt_elf *e = elfobj__open_fd_read(dup(fd));
	struct lt_names_file f;
	struct lt_symtab *t;
	char link[256];
	uint32_t crc;
	uint64_t off;

	if (!e)
		return;
	elfobj__debuglink(e, link, sizeof(link), &crc);
	debuginfo__find(-1, "/nonexistent/fuzz", e, fd, "", &f);
	t = debuginfo__load(&f, "fuzz");
	for (uint64_t a = 0; t && a < 0x10000; a += 0x101)
		symtab__lookup(t, a, &off);
	symtab__free(t);
	elfobj__close(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "malloc", "free", "calloc", "realloc" };
	struct lt_elf_func f[4];
	struct lt_elf *e;
	char id[64];
	uint64_t off;
	int fd = memfd_create("fuzz-elf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	read_names(fd);
	e = elfobj__open_fd(fd); /* takes the fd */
	if (!e)
		return 0;
	elfobj__find_funcs(e, names, 4, f);
	elfobj__build_id(e, id, sizeof(id));
	elfobj__vaddr_to_offset(e, 0x1000, &off);
	elfobj__close(e);
	return 0;
}
