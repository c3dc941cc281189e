/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The function symbols of one object, sorted by address, for naming return addresses. Built
 * from an ELF's .symtab and/or .dynsym (MiniDebugInfo's table is merged with the object's
 * .dynsym, as gdb does), from files a traced process or a debuginfod server handed us: every
 * size is checked and bounded, and names are copied out of the file, so nothing points into
 * it once built.
 *
 * Lifecycle: symtab__new(), symtab__add_elf() per table, symtab__finish(), then lookups
 * (read-only: a finished table may be handed to another thread), symtab__free().
 */
#ifndef LEAKTOP_SYMTAB_H
#define LEAKTOP_SYMTAB_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds per table: a crafted file gets this far, no further (what fit is kept). */
#define LT_SYMTAB_MAX_SYMS (1u << 21)
#define LT_SYMTAB_MAX_NAME_BYTES (128u << 20)
#define LT_SYMTAB_MAX_NAME 4096		/* longer names are cut there */
#define LT_SYMTAB_MAX_SECTION (512ull << 20) /* a larger symbol or string table is skipped */

struct lt_symtab;

struct lt_symtab *symtab__new(void);
void symtab__free(struct lt_symtab *t);

/*
 * Add the functions of `elf`'s symbol table of type SHT_SYMTAB or SHT_DYNSYM: defined STT_FUNC
 * and STT_GNU_IFUNC symbols, and untyped ones in executable sections (assembly). Returns how
 * many were added, -ENOENT when the table is absent or empty, or -E2BIG when a bound stopped
 * it (the ones before are kept).
 */
long symtab__add_elf(struct lt_symtab *t, Elf *elf, Elf64_Word type);

/*
 * Sort, keep one symbol per address (global over weak over local, sized over unsized, then
 * the table's order), and give each unsized symbol the extent up to the next symbol or the end
 * of its section. Call once, after the adds.
 */
void symtab__finish(struct lt_symtab *t);

size_t symtab__count(const struct lt_symtab *t);

/*
 * The function that holds ELF address `addr`: its name as the table spells it (mangled),
 * valid as long as `t`, and `*offset` from its start. NULL when no function holds it.
 */
const char *symtab__lookup(const struct lt_symtab *t, uint64_t addr, uint64_t *offset);
/* The same, with the symbol's index in the table (for caches keyed by symbol) in *index. */
const char *symtab__lookup_index(const struct lt_symtab *t, uint64_t addr, uint64_t *offset,
				 size_t *index);

/* Whether `elf` has a non-empty table of that type. */
bool symtab__elf_has(Elf *elf, Elf64_Word type);

#endif /* LEAKTOP_SYMTAB_H */
