// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfobj.h"
#include "util.h"

struct lt_elf {
	int fd;
	Elf *elf;
	void *mem;	/* the image of elfobj__open_mem(), or NULL */
};

static struct lt_elf *open_fd(int fd, Elf_Cmd cmd)
{
	struct lt_elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	e->fd = fd;
	e->elf = elf_begin(fd, cmd, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		elfobj__close(e);
		errno = ENOEXEC;
		return NULL;
	}
	return e;
}

struct lt_elf *elfobj__open_fd(int fd)
{
	return open_fd(fd, ELF_C_READ_MMAP);
}

struct lt_elf *elfobj__open_fd_read(int fd)
{
	return open_fd(fd, ELF_C_READ);
}

struct lt_elf *elfobj__open_mem(void *buf, size_t len)
{
	struct lt_elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE || !(e = calloc(1, sizeof(*e)))) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	e->fd = -1;
	e->mem = buf;
	e->elf = elf_memory(buf, len);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		elfobj__close(e);
		errno = ENOEXEC;
		return NULL;
	}
	return e;
}

struct lt_elf *elfobj__open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	return elfobj__open_fd(fd);
}

void elfobj__close(struct lt_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->mem);
	free(e);
}

void *elfobj__elf(struct lt_elf *e)
{
	return e->elf;
}

int elfobj__fd(struct lt_elf *e)
{
	return e->fd;
}

static Elf_Scn *find_section(Elf *elf, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	}
	return NULL;
}

bool elfobj__has_section(struct lt_elf *e, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(e->elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e->elf, scn))) {
		const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e->elf, shstrndx, sh.sh_name)
						     : NULL;

		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

/*
 * True when dynamic symbol `i` is a hidden (non-default) version, such as glibc's
 * memcpy@GLIBC_2.2.5 beside the default memcpy@@GLIBC_2.14: a program linked today gets the
 * default one, so that is the one to probe.
 */
static bool hidden_version(Elf_Data *versym, size_t i)
{
	GElf_Versym v;

	return versym && gelf_getversym(versym, i, &v) && (v & 0x8000);
}

/* Fill the still-missing names from one symbol table; returns how many it found. */
static int scan_symtab(struct lt_elf *e, Elf_Scn *scn, const char *const *names, size_t n,
		       struct lt_elf_func *out, bool objects)
{
	Elf_Data *data = elf_getdata(scn, NULL), *versym = NULL;
	Elf_Scn *vscn;
	GElf_Shdr sh;
	size_t count;
	int found = 0;

	if (!data || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	if (sh.sh_type == SHT_DYNSYM) {
		vscn = find_section(e->elf, SHT_GNU_versym);
		versym = vscn ? elf_getdata(vscn, NULL) : NULL;
	}
	count = sh.sh_size / sh.sh_entsize;
	for (size_t i = 1; i < count; i++) {
		const char *name;
		GElf_Sym sym;
		int bind;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		if (hidden_version(versym, i))
			continue;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		    (!objects || GELF_ST_TYPE(sym.st_info) != STT_OBJECT))
			continue;
		bind = GELF_ST_BIND(sym.st_info);
		if (bind != STB_GLOBAL && bind != STB_WEAK)
			continue;
		name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
		if (!name)
			continue;
		for (size_t k = 0; k < n; k++) {
			uint64_t off = 0;

			if (out[k].found || strcmp(name, names[k]))
				continue;
			/* Data in .bss has no file offset; only functions need one (for probes). */
			if (elfobj__vaddr_to_offset(e, sym.st_value, &off) &&
			    GELF_ST_TYPE(sym.st_info) == STT_FUNC)
				break;
			out[k] = (struct lt_elf_func){
				.found = true,
				.vaddr = sym.st_value,
				.size = sym.st_size,
				.file_offset = off,
			};
			found++;
			break;
		}
	}
	return found;
}

static int find_syms(struct lt_elf *e, const char *const *names, size_t n,
		     struct lt_elf_func *out, bool data)
{
	static const Elf64_Word types[] = { SHT_DYNSYM, SHT_SYMTAB };
	int found = 0;

	memset(out, 0, n * sizeof(*out));
	for (size_t t = 0; t < ARRAY_SIZE(types) && (size_t)found < n; t++) {
		Elf_Scn *scn = find_section(e->elf, types[t]);

		if (scn)
			found += scan_symtab(e, scn, names, n, out, data);
	}
	return found;
}

int elfobj__find_funcs(struct lt_elf *e, const char *const *names, size_t n,
		       struct lt_elf_func *out)
{
	return find_syms(e, names, n, out, false);
}

int elfobj__find_syms(struct lt_elf *e, const char *const *names, size_t n,
		      struct lt_elf_func *out)
{
	return find_syms(e, names, n, out, true);
}

/* How well a symbol's name and binding match a user function's name; 0 not at all. */
static int user_match(const char *sym, int bind, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(sym, name, len))
		return 0;
	if (!sym[len])
		return bind == STB_LOCAL ? 2 : 3;
	/* A compiler's clone of a static function: handle_event.constprop.0, .isra.0, .part.0 */
	return sym[len] == '.' && bind == STB_LOCAL ? 1 : 0;
}

int elfobj__find_user_func(struct lt_elf *e, const char *name, struct lt_elf_func *out)
{
	static const Elf64_Word types[] = { SHT_DYNSYM, SHT_SYMTAB };
	int best = 0;
	bool ambiguous = false;

	memset(out, 0, sizeof(*out));
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		Elf_Scn *scn = find_section(e->elf, types[t]);
		Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
		GElf_Shdr sh;

		if (!data || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
			continue;
		for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *sname;
			GElf_Sym sym;
			uint64_t off;
			int rank;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			sname = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			rank = sname ? user_match(sname, GELF_ST_BIND(sym.st_info), name) : 0;
			if (!rank || rank < best || elfobj__vaddr_to_offset(e, sym.st_value, &off))
				continue;
			if (rank == best) {
				/* The same function in .dynsym and .symtab is one; two are ambiguous. */
				ambiguous |= sym.st_value != out->vaddr;
				continue;
			}
			best = rank;
			ambiguous = false;
			*out = (struct lt_elf_func){
				.found = true,
				.vaddr = sym.st_value,
				.size = sym.st_size,
				.file_offset = off,
			};
		}
	}
	if (ambiguous) {
		memset(out, 0, sizeof(*out));
		return -EEXIST;
	}
	return best ? 0 : -ENOENT;
}

int elfobj__reloc_value(struct lt_elf *e, uint64_t slot, uint64_t *value)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data, *syms;
		Elf_Scn *symscn;
		GElf_Shdr sh;
		GElf_Sym sym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;

			if (!gelf_getrela(data, i, &r))
				break; /* a section shorter than its header says */
			if (r.r_offset != slot)
				continue;
			switch (GELF_R_TYPE(r.r_info)) {
			case R_X86_64_RELATIVE:
				*value = r.r_addend;
				return 0;
			case R_X86_64_GLOB_DAT:
			case R_X86_64_64:
				symscn = elf_getscn(e->elf, sh.sh_link);
				syms = symscn ? elf_getdata(symscn, NULL) : NULL;
				if (!syms || !gelf_getsym(syms, GELF_R_SYM(r.r_info), &sym) ||
				    sym.st_shndx == SHN_UNDEF)
					return -ENOENT;
				*value = sym.st_value + r.r_addend;
				return 0;
			default:
				return -ENOENT;
			}
		}
	}
	return -ENOENT;
}

int elfobj__vaddr_to_offset(struct lt_elf *e, uint64_t vaddr, uint64_t *offset)
{
	size_t nph;

	if (elf_getphdrnum(e->elf, &nph))
		return -ENOENT;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

size_t elfobj__loads(struct lt_elf *e, struct lt_elf_load *out)
{
	size_t nph, n = 0;

	if (elf_getphdrnum(e->elf, &nph))
		return 0;
	for (size_t i = 0; i < nph && n < LT_ELF_MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e->elf, i, &ph) && ph.p_type == PT_LOAD)
			out[n++] = (struct lt_elf_load){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	return n;
}

int elfobj__bias_of(const struct lt_elf_load *loads, size_t n, uint64_t start, uint64_t offset,
		    uint64_t *bias)
{
	for (size_t i = 0; i < n; i++) {
		const struct lt_elf_load *ph = &loads[i];

		/* The mapping starts on the page that holds the segment's first byte, or later. */
		if (offset >= (ph->offset & ~0xfffULL) && offset < ph->offset + ph->filesz) {
			*bias = start - (ph->vaddr - ph->offset) - offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elfobj__bias(struct lt_elf *e, uint64_t start, uint64_t offset, uint64_t *bias)
{
	struct lt_elf_load loads[LT_ELF_MAX_LOADS];

	return elfobj__bias_of(loads, elfobj__loads(e, loads), start, offset, bias);
}

int elfobj__build_id(struct lt_elf *e, char *buf, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			if (!nh.n_descsz || len < nh.n_descsz * 2 + 1)
				return -ENOENT;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(buf + 2 * i, 3, "%02x", d[i]);
			return 0;
		}
	}
	return -ENOENT;
}

static Elf_Scn *section_named(struct lt_elf *e, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e->elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e->elf, scn))) {
		const char *n = gelf_getshdr(scn, sh) ? elf_strptr(e->elf, shstrndx, sh->sh_name)
						    : NULL;

		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

int elfobj__section(struct lt_elf *e, const char *name, size_t max, const void **data,
		    size_t *len)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_named(e, name, &sh);
	Elf_Data *d;

	if (!scn || sh.sh_type != SHT_PROGBITS || !sh.sh_size)
		return -ENOENT;
	if (sh.sh_size > max)
		return -E2BIG;
	d = elf_rawdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size != sh.sh_size)
		return -EINVAL;
	*data = d->d_buf;
	*len = d->d_size;
	return 0;
}

int elfobj__needed(struct lt_elf *e, char **needed, size_t max, char **runpath, bool *is_rpath)
{
	Elf_Scn *scn = find_section(e->elf, SHT_DYNAMIC);
	const char *rpath = NULL, *run = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	size_t n = 0;

	*runpath = NULL;
	*is_rpath = false;
	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
		return -ENOENT;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		const char *name;
		GElf_Dyn d;

		if (!gelf_getdyn(data, i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag != DT_NEEDED && d.d_tag != DT_RUNPATH && d.d_tag != DT_RPATH)
			continue;
		name = elf_strptr(e->elf, sh.sh_link, d.d_un.d_val);
		if (!name)
			continue;
		if (d.d_tag == DT_RUNPATH)
			run = name;
		else if (d.d_tag == DT_RPATH)
			rpath = name;
		else if (n < max && (needed[n] = strdup(name)))
			n++;
	}
	/* The loader ignores DT_RPATH when DT_RUNPATH is there. */
	if (run || rpath) {
		*runpath = strdup(run ? run : rpath);
		*is_rpath = !run;
	}
	return n;
}

int elfobj__section_at(struct lt_elf *e, const char *name, uint64_t *addr, uint64_t *offset,
		       uint64_t *size)
{
	GElf_Shdr sh;

	if (!section_named(e, name, &sh) || sh.sh_type != SHT_PROGBITS)
		return -ENOENT;
	*addr = sh.sh_addr;
	*offset = sh.sh_offset;
	*size = sh.sh_size;
	return 0;
}

int elfobj__debuglink(struct lt_elf *e, char *name, size_t len, uint32_t *crc)
{
	const unsigned char *d;
	const void *raw;
	size_t n, nlen, at;
	GElf_Ehdr eh;
	uint32_t v;
	int err = elfobj__section(e, ".gnu_debuglink", 4096, &raw, &n);

	if (err)
		return err == -E2BIG ? -EINVAL : err;
	d = raw;
	nlen = strnlen((const char *)d, n);
	/* The name, its NUL, padding to 4 bytes, then the CRC in the file's byte order. */
	at = (nlen + 4) & ~(size_t)3;
	if (!nlen || nlen >= len || at + 4 > n)
		return -EINVAL;
	for (size_t i = 0; i < nlen; i++) {
		if (d[i] == '/' || d[i] < 0x21 || d[i] > 0x7e)
			return -EINVAL;
	}
	if (!strcmp((const char *)d, ".") || !strcmp((const char *)d, ".."))
		return -EINVAL;
	memcpy(name, d, nlen + 1);
	memcpy(&v, d + at, 4);
	if (gelf_getehdr(e->elf, &eh) &&
	    (eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
		v = __builtin_bswap32(v);
	*crc = v;
	return 0;
}
