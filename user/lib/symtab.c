// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symtab.h"
#include "util.h"

/* Sections a symbol may point at; a symbol in one past this has no known section. */
#define MAX_SECTIONS 65536

struct sym {
	uint64_t addr;
	uint64_t end;		/* one past its last byte */
	uint32_t name;		/* offset into names */
	uint32_t order;		/* the order it was added in: the tie breaker */
	uint8_t rank;		/* binding (global 3, weak 2, local 1) * 2 + sized */
};

struct lt_symtab {
	struct sym *v;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	bool finished;
};

struct lt_symtab *symtab__new(void)
{
	return calloc(1, sizeof(struct lt_symtab));
}

void symtab__free(struct lt_symtab *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->names);
	free(t);
}

size_t symtab__count(const struct lt_symtab *t)
{
	return t ? t->n : 0;
}

static Elf_Scn *find_table(Elf *elf, Elf64_Word type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, sh) && sh->sh_type == type && sh->sh_size && sh->sh_entsize)
			return scn;
	}
	return NULL;
}

bool symtab__elf_has(Elf *elf, Elf64_Word type)
{
	GElf_Shdr sh;

	return elf && find_table(elf, type, &sh) != NULL;
}

/* Where each section lies, and whether it holds code, for the symbols that point at it. */
struct section {
	uint64_t addr, end;
	bool exec;
};

static struct section *sections(Elf *elf, size_t *n)
{
	struct section *s;
	size_t shnum;

	*n = 0;
	if (elf_getshdrnum(elf, &shnum) || !shnum)
		return NULL;
	if (shnum > MAX_SECTIONS)
		shnum = MAX_SECTIONS;
	s = calloc(shnum, sizeof(*s));
	for (size_t i = 0; s && i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
			continue;
		s[i] = (struct section){
			.addr = sh.sh_addr,
			.end = sh.sh_addr + sh.sh_size < sh.sh_addr ? UINT64_MAX : sh.sh_addr + sh.sh_size,
			.exec = sh.sh_flags & SHF_EXECINSTR,
		};
	}
	*n = s ? shnum : 0;
	return s;
}

static int binding_rank(int bind)
{
	return bind == STB_GLOBAL ? 3 : bind == STB_WEAK ? 2 : bind == STB_LOCAL ? 1 : 0;
}

/* Copy a name into the table; its offset, or -E2BIG past the bound. */
static long keep_name(struct lt_symtab *t, const char *name)
{
	size_t len = strnlen(name, LT_SYMTAB_MAX_NAME), off = t->names_len;

	if (t->names_len + len + 1 > LT_SYMTAB_MAX_NAME_BYTES)
		return -E2BIG;
	if (lt_grow((void **)&t->names, &t->names_cap, t->names_len + len + 1, 1))
		return -ENOMEM;
	memcpy(t->names + off, name, len);
	t->names[off + len] = '\0';
	t->names_len += len + 1;
	return off;
}

long symtab__add_elf(struct lt_symtab *t, Elf *elf, Elf64_Word type)
{
	struct section *secs = NULL;
	size_t nsecs, count, added = 0;
	Elf_Data *data;
	Elf_Scn *scn;
	GElf_Shdr sh, strsh;
	long err = 0;

	if (!t || !elf || t->finished)
		return -EINVAL;
	scn = find_table(elf, type, &sh);
	if (!scn)
		return -ENOENT;
	/* libelf checks that sections lie inside the file; the file itself may be huge. */
	if (sh.sh_size > LT_SYMTAB_MAX_SECTION || !elf_getscn(elf, sh.sh_link) ||
	    !gelf_getshdr(elf_getscn(elf, sh.sh_link), &strsh) || strsh.sh_type != SHT_STRTAB ||
	    strsh.sh_size > LT_SYMTAB_MAX_SECTION)
		return -E2BIG;
	data = elf_getdata(scn, NULL);
	if (!data)
		return -EINVAL;
	secs = sections(elf, &nsecs);
	count = sh.sh_size / sh.sh_entsize;
	for (size_t i = 1; i < count; i++) {
		const struct section *sec;
		const char *name;
		GElf_Sym sym;
		int st_type;
		long off;

		if (!gelf_getsym(data, i, &sym) || !sym.st_value || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= SHN_LORESERVE)
			continue;
		st_type = GELF_ST_TYPE(sym.st_info);
		sec = sym.st_shndx < nsecs ? &secs[sym.st_shndx] : NULL;
		if (st_type != STT_FUNC && st_type != STT_GNU_IFUNC &&
		    !(st_type == STT_NOTYPE && sec && sec->exec))
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (t->n >= LT_SYMTAB_MAX_SYMS) {
			err = -E2BIG;
			break;
		}
		if (lt_grow((void **)&t->v, &t->cap, t->n, sizeof(*t->v))) {
			err = -ENOMEM;
			break;
		}
		off = keep_name(t, name);
		if (off < 0) {
			err = off;
			break;
		}
		t->v[t->n] = (struct sym){
			.addr = sym.st_value,
			/* Unsized: its section's end for now; symtab__finish() cuts it at the next. */
			.end = sym.st_size ? sym.st_value + sym.st_size
			       : sec && sec->end > sym.st_value ? sec->end : UINT64_MAX,
			.name = off,
			.order = t->n,
			.rank = binding_rank(GELF_ST_BIND(sym.st_info)) * 2 + !!sym.st_size,
		};
		if (t->v[t->n].end < t->v[t->n].addr) /* wrapped: a crafted size */
			t->v[t->n].end = UINT64_MAX;
		t->n++;
		added++;
	}
	free(secs);
	if (err)
		return err;
	return added ? (long)added : -ENOENT;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void symtab__finish(struct lt_symtab *t)
{
	size_t k = 0;

	if (!t || t->finished)
		return;
	t->finished = true;
	if (!t->n)
		return;
	qsort(t->v, t->n, sizeof(*t->v), cmp_sym);
	for (size_t i = 0; i < t->n; i++) {
		if (k && t->v[k - 1].addr == t->v[i].addr)
			continue; /* the best symbol of this address is already kept */
		t->v[k++] = t->v[i];
	}
	t->n = k;
	for (size_t i = 0; i + 1 < t->n; i++) {
		if (!(t->v[i].rank & 1) && t->v[i].end > t->v[i + 1].addr)
			t->v[i].end = t->v[i + 1].addr;
	}
	/* An unsized last symbol in no known section would name everything above it. */
	if (t->v[t->n - 1].end == UINT64_MAX && !(t->v[t->n - 1].rank & 1))
		t->v[t->n - 1].end = t->v[t->n - 1].addr + 1;
}

const char *symtab__lookup(const struct lt_symtab *t, uint64_t addr, uint64_t *offset)
{
	size_t index;

	return symtab__lookup_index(t, addr, offset, &index);
}

const char *symtab__lookup_index(const struct lt_symtab *t, uint64_t addr, uint64_t *offset,
				 size_t *index)
{
	size_t lo = 0, hi;

	if (!t || !t->finished || !t->n)
		return NULL;
	hi = t->n;
	while (lo < hi) { /* the first symbol past addr */
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * The closest symbol at or below addr, or a larger one just before it that encloses it
	 * (a function with an inner label): a few steps back at most.
	 */
	for (size_t i = lo, steps = 0; i > 0 && steps < 8; i--, steps++) {
		const struct sym *s = &t->v[i - 1];

		if (addr < s->end) {
			*offset = addr - s->addr;
			*index = i - 1;
			return t->names + s->name;
		}
	}
	return NULL;
}
