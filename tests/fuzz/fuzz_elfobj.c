// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: ELF files. leaktop opens the objects a traced process maps, including
 * files inside containers that their owners control.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfobj.h"

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
	e = elfobj__open_fd(fd); /* takes the fd */
	if (!e)
		return 0;
	elfobj__find_funcs(e, names, 4, f);
	elfobj__build_id(e, id, sizeof(id));
	elfobj__vaddr_to_offset(e, 0x1000, &off);
	elfobj__close(e);
	return 0;
}
