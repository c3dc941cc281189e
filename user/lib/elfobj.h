/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An ELF object on disk: its function symbols, file offsets and build id. Objects come from
 * traced processes, possibly from inside containers, so nothing in them is trusted.
 */
#ifndef LEAKTOP_ELFOBJ_H
#define LEAKTOP_ELFOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lt_elf;

struct lt_elf_func {
	bool found;
	uint64_t vaddr;		/* st_value */
	uint64_t size;		/* st_size; 0 when the symbol does not say */
	uint64_t file_offset;	/* where a uprobe goes */
};

/* Open by path, or take ownership of an open fd. NULL with errno set on failure. */
struct lt_elf *elfobj__open(const char *path);
struct lt_elf *elfobj__open_fd(int fd);
void elfobj__close(struct lt_elf *e);

/*
 * Look up defined function symbols by exact name, in .dynsym and then .symtab, in one pass
 * over each. out[i] describes names[i]. Indirect functions (IFUNC) are skipped: their symbol
 * is the resolver, not the code that runs. Returns how many names were found.
 */
int elfobj__find_funcs(struct lt_elf *e, const char *const *names, size_t n,
		       struct lt_elf_func *out);

/* The same for functions and data objects (global variables), such as an interpreter's state. */
int elfobj__find_syms(struct lt_elf *e, const char *const *names, size_t n,
		      struct lt_elf_func *out);

/*
 * A user's function by name, for probes such as --per-call: a global or weak symbol, else a
 * static one, else a compiler's clone of a static one ("name.constprop.0"). 0; -ENOENT when
 * there is none; -EEXIST when several different functions match equally well (static
 * functions of the same name in two files).
 */
int elfobj__find_user_func(struct lt_elf *e, const char *name, struct lt_elf_func *out);

/* The file offset that holds `vaddr`, from the PT_LOAD segments. 0 or -ENOENT. */
int elfobj__vaddr_to_offset(struct lt_elf *e, uint64_t vaddr, uint64_t *offset);

/*
 * The load bias of the mapping that puts file offset `offset` at `start`: runtime address =
 * ELF address + bias. 0 or -ENOENT when no PT_LOAD holds that offset.
 */
int elfobj__bias(struct lt_elf *e, uint64_t start, uint64_t offset, uint64_t *bias);

/* Whether the object has a section of that name (".go.buildinfo"). */
bool elfobj__has_section(struct lt_elf *e, const char *name);

/* The GNU build id as lowercase hex into buf (at least 41 bytes). 0 or -ENOENT. */
int elfobj__build_id(struct lt_elf *e, char *buf, size_t len);

/* The underlying libelf handle and fd, for modules that read more of the file. */
void *elfobj__elf(struct lt_elf *e);
int elfobj__fd(struct lt_elf *e);

#endif /* LEAKTOP_ELFOBJ_H */
