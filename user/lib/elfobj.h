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
/*
 * The same, for a file read at length (symbol tables): sections are read with pread, not
 * mapped, so a file truncated while open gives read errors, never SIGBUS.
 */
struct lt_elf *elfobj__open_fd_read(int fd);
/* An ELF image in memory (decompressed MiniDebugInfo): takes ownership of buf (malloc'ed). */
struct lt_elf *elfobj__open_mem(void *buf, size_t len);
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

/*
 * The ELF address the dynamic loader stores at `slot` (an ELF address), where a statically
 * initialized pointer or a GOT entry points: from an R_X86_64_RELATIVE relocation there, or
 * an R_X86_64_GLOB_DAT or R_X86_64_64 one to a symbol this file defines. 0, or -ENOENT.
 */
int elfobj__reloc_value(struct lt_elf *e, uint64_t slot, uint64_t *value);

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

/*
 * The raw bytes of the section named `name` (SHT_PROGBITS), at most `max` of them: 0, -ENOENT,
 * or -E2BIG when larger. *data lives as long as `e`.
 */
int elfobj__section(struct lt_elf *e, const char *name, size_t max, const void **data,
		    size_t *len);

/*
 * The dynamic section's library names (DT_NEEDED, at most `max`, strdup'ed into `needed`) and
 * its search path (DT_RUNPATH, else DT_RPATH, strdup'ed, or NULL). Returns how many names, or
 * -errno. The caller frees each string.
 */
int elfobj__needed(struct lt_elf *e, char **needed, size_t max, char **runpath, bool *is_rpath);

/* Where the section named `name` is: its address, file offset and size. 0 or -ENOENT. */
int elfobj__section_at(struct lt_elf *e, const char *name, uint64_t *addr, uint64_t *offset,
		       uint64_t *size);

/*
 * The .gnu_debuglink file name (a plain file name: no '/', printable, at most len - 1 bytes)
 * and its CRC32. 0, -ENOENT, or -EINVAL when malformed.
 */
int elfobj__debuglink(struct lt_elf *e, char *name, size_t len, uint32_t *crc);

/* A PT_LOAD segment, for load biases computed without the file. */
struct lt_elf_load {
	uint64_t vaddr, offset, filesz;
};
#define LT_ELF_MAX_LOADS 16

/* The PT_LOAD segments (at most LT_ELF_MAX_LOADS): how many. */
size_t elfobj__loads(struct lt_elf *e, struct lt_elf_load *out);

/* elfobj__bias() over segments kept from elfobj__loads(). 0 or -ENOENT. */
int elfobj__bias_of(const struct lt_elf_load *loads, size_t n, uint64_t start, uint64_t offset,
		    uint64_t *bias);

/* The underlying libelf handle and fd, for modules that read more of the file. */
void *elfobj__elf(struct lt_elf *e);
int elfobj__fd(struct lt_elf *e);

#endif /* LEAKTOP_ELFOBJ_H */
