// SPDX-License-Identifier: GPL-2.0
/*
 * The unwind-row builder, checked row by row against binutils: for every row `readelf
 * --debug-dump=frames-interp` prints for an object's .eh_frame, the row leaktop builds for that
 * address must give the same CFA rule, the same place for the saved rbp, and the same answer
 * to "is this the outermost frame". And the end of every FDE that no other FDE continues must
 * be marked as having no CFI. Objects: a fixture built for its varied CFI, and this system's
 * libc and python3. Then crafted objects: each cost libdw's row builder seconds or a gigabyte,
 * and must now cost little, or be refused at a bound.
 */
#include <dwarf.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfi.h"
#include "test.h"

struct check {
	const char *path;
	size_t readelf_rows, fdes_checked, gaps_checked, mismatches;
	struct range {
		uint64_t begin, end;
	} *fdes;
	size_t nfdes, cap;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static const char *cfa_name(int c)
{
	static const char *const names[] = { "none", "rsp", "rbp", "plt", "deref-rsp",
					     "deref-rbp", "signal", "stop", "unsupported" };

	return c >= 0 && c < (int)(sizeof(names) / sizeof(names[0])) ? names[c] : "?";
}

static void mismatch(struct check *c, uint64_t loc, const char *what, const char *line,
		     const struct lt_unwind_row *r)
{
	if (c->mismatches++ < 10)
		fprintf(stderr, "%s at %#lx: %s\n  readelf: %s  leaktop: cfa %s%+d rbp %d%+d\n",
			c->path, (unsigned long)loc, what, line, r ? cfa_name(r->cfa) : "(no row)",
			r ? r->cfa_off : 0, r ? r->rbp : -1, r ? r->rbp_off : 0);
}

/* The end of every FDE that the next one (by address) does not start at is a gap. */
static void check_gaps(struct check *c, const struct lt_unwind_row *rows, size_t n)
{
	qsort(c->fdes, c->nfdes, sizeof(*c->fdes), cmp_range);
	for (size_t i = 0; i < c->nfdes; i++) {
		uint64_t end = c->fdes[i].end;
		const struct lt_unwind_row *r;

		if (i + 1 < c->nfdes && c->fdes[i + 1].begin <= end)
			continue; /* the next FDE starts right there (or overlaps) */
		r = cfi__lookup(rows, n, end);
		c->gaps_checked++;
		if (!r || r->cfa != LT_CFA_NONE)
			mismatch(c, end, "gap after an FDE not marked", "(end of an FDE)\n", r);
	}
}

/* Compare one readelf row: LOC, CFA and the ra and rbp columns (rbp_col/ra_col, -1: absent). */
static void check_row(struct check *c, const struct lt_unwind_row *rows, size_t n, char **f,
		      int nf, int rbp_col, int ra_col, const char *line)
{
	uint64_t loc = strtoull(f[0], NULL, 16);
	const struct lt_unwind_row *r = cfi__lookup(rows, n, loc);
	const char *cfa = f[1], *ra = ra_col < nf && ra_col >= 0 ? f[ra_col] : "c-8";
	const char *rbp = rbp_col >= 0 && rbp_col < nf ? f[rbp_col] : "u";
	long off;

	c->readelf_rows++;
	if (!r || r->cfa == LT_CFA_NONE) {
		mismatch(c, loc, "no row", line, r);
		return;
	}
	if (!strcmp(ra, "u")) {
		if (r->cfa != LT_CFA_STOP)
			mismatch(c, loc, "outermost frame not marked", line, r);
		return;
	}
	if (strcmp(ra, "c-8") && strcmp(cfa, "exp")) {
		/* The return address kept elsewhere (vfork keeps it in rdi): not followed. */
		if (r->cfa != LT_CFA_UNSUPPORTED)
			mismatch(c, loc, "return address off the stack should be unsupported", line, r);
		return;
	}
	if (!strncmp(cfa, "rsp+", 4) || !strncmp(cfa, "rbp+", 4)) {
		off = strtol(cfa + 4, NULL, 10);
		if (r->cfa != (cfa[1] == 's' ? LT_CFA_RSP : LT_CFA_RBP) || r->cfa_off != off)
			mismatch(c, loc, "CFA differs", line, r);
	} else if (!strcmp(cfa, "exp")) {
		if (r->cfa != LT_CFA_PLT && r->cfa != LT_CFA_DEREF_RSP &&
		    r->cfa != LT_CFA_DEREF_RBP && r->cfa != LT_CFA_SIGNAL)
			mismatch(c, loc, "CFA expression not understood", line, r);
		return; /* expression rows carry their own register rules */
	} else {
		if (r->cfa != LT_CFA_UNSUPPORTED)
			mismatch(c, loc, "CFA in another register should be unsupported", line, r);
		return;
	}
	if (rbp[0] == 'c' && (rbp[1] == '-' || rbp[1] == '+')) {
		off = strtol(rbp + 1, NULL, 10);
		if (r->rbp != LT_RBP_AT_CFA || r->rbp_off != off)
			mismatch(c, loc, "saved rbp differs", line, r);
	} else if (!strcmp(rbp, "u") || !strcmp(rbp, "s")) {
		if (r->rbp == LT_RBP_AT_CFA)
			mismatch(c, loc, "rbp should be the caller's", line, r);
	} else if (r->rbp != LT_RBP_LOST) {
		mismatch(c, loc, "rbp in a register or expression should be lost", line, r);
	}
}

static void check_object(const char *path, size_t min_rows)
{
	struct check c = { .path = path };
	struct lt_unwind_row *rows;
	struct lt_cfi_stats st;
	char cmd[512], line[1024];
	bool in_fde = false, in_eh = false;
	int rbp_col = -1, ra_col = -1;
	size_t n;
	Elf *elf;
	FILE *p;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	if (!ASSERT_TRUE(elf, path))
		return;
	ASSERT_EQ(cfi__build_rows(elf, NULL, NULL, &rows, &n, &st), 0, "build");
	ASSERT_TRUE(n >= min_rows, "enough rows");

	snprintf(cmd, sizeof(cmd), "readelf --debug-dump=frames-interp '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		char *f[64], *save = NULL, copy[1024];
		int nf = 0;

		if (!strncmp(line, "Contents of the ", 16))
			in_eh = strstr(line, ".eh_frame") != NULL;
		if (!in_eh)
			continue;
		snprintf(copy, sizeof(copy), "%s", line);
		for (char *t = strtok_r(copy, " \t\n", &save); t && nf < 64;
		     t = strtok_r(NULL, " \t\n", &save)) {
			/* A register rule prints as two words, "r3 (rbx)": one column. */
			if (t[0] == '(' && nf)
				continue;
			f[nf++] = t;
		}
		if (nf >= 4 && !strcmp(f[3], "FDE")) {
			char *range = strstr(line, "pc=");

			if (c.nfdes == c.cap) {
				c.cap = c.cap ? c.cap * 2 : 1024;
				c.fdes = realloc(c.fdes, c.cap * sizeof(*c.fdes));
			}
			c.fdes[c.nfdes].begin = range ? strtoull(range + 3, &range, 16) : 0;
			c.fdes[c.nfdes++].end = range ? strtoull(range + 2, NULL, 16) : 0;
			in_fde = true;
			c.fdes_checked++;
			rbp_col = ra_col = -1;
		} else if (nf >= 4 && !strcmp(f[3], "CIE")) {
			in_fde = false;
		} else if (nf >= 2 && !strcmp(f[0], "LOC")) {
			for (int i = 1; i < nf; i++) {
				if (!strcmp(f[i], "rbp"))
					rbp_col = i;
				if (!strcmp(f[i], "ra"))
					ra_col = i;
			}
		} else if (in_fde && nf >= 2 && strlen(f[0]) == 16) {
			check_row(&c, rows, n, f, nf, rbp_col, ra_col, line);
		}
	}
	if (p)
		pclose(p);
	check_gaps(&c, rows, n);
	printf("%s: %zu rows built from %zu FDEs; checked %zu readelf rows in %zu FDEs and %zu "
	       "gaps; %zu unsupported rows\n",
	       path, n, st.fdes, c.readelf_rows, c.fdes_checked, c.gaps_checked, st.unsupported);
	ASSERT_TRUE(c.readelf_rows >= min_rows, "readelf rows read");
	ASSERT_EQ(c.mismatches, 0, "rows that differ from readelf");
	free(rows);
	free(c.fdes);
	elf_end(elf);
	close(fd);
}

static void test_fixture(void)
{
	check_object(CFI_FIXTURE, 10);
}

static void test_fixture_rules(void)
{
	struct lt_unwind_row *rows;
	struct lt_cfi_stats st;
	bool rbp_frame = false, plt = false;
	size_t n;
	int fd = open(CFI_FIXTURE, O_RDONLY);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);

	ASSERT_EQ(cfi__build_rows(elf, NULL, NULL, &rows, &n, &st), 0, "build");
	for (size_t i = 0; i < n; i++) {
		rbp_frame |= rows[i].cfa == LT_CFA_RBP;
		plt |= rows[i].cfa == LT_CFA_PLT;
		if (i)
			ASSERT_TRUE(rows[i].pc > rows[i - 1].pc, "rows sorted, one per pc");
	}
	ASSERT_TRUE(rbp_frame, "an rbp-based CFA (alloca, frame pointer)");
	ASSERT_TRUE(plt, "the PLT rule");
	ASSERT_EQ(st.unsupported, 0, "every rule understood");
	free(rows);
	elf_end(elf);
	close(fd);
}

static void test_system_objects(void)
{
	/* libc holds the PLT rule and a signal frame (__restore_rt). */
	check_object("/lib/x86_64-linux-gnu/libc.so.6", 10000);
	check_object("/usr/bin/python3.11", 20000);
}

static void test_no_cfi(void)
{
	struct lt_unwind_row *rows;
	struct lt_cfi_stats st;
	size_t n = 99;
	int fd = open(NOLIBC_BIN, O_RDONLY);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);

	ASSERT_EQ(cfi__build_rows(elf, NULL, NULL, &rows, &n, &st), 0, "an object without CFI builds");
	ASSERT_TRUE(n <= 4, "and has (almost) no rows");
	free(rows);
	elf_end(elf);
	close(fd);
}

/* --- Crafted objects ---------------------------------------------------------------------- */

struct img {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct img *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	if (n) /* put_cie(b, NULL, 0): no extra instructions */
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put8(struct img *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put32(struct img *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put64(struct img *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put_uleb(struct img *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		put8(b, c | (v ? 0x80 : 0));
	} while (v);
}

static void set32(struct img *b, size_t at, uint32_t v)
{
	memcpy(b->p + at, &v, 4);
}

/* A CIE as compilers write it (CFA rsp+8, return address at CFA-8), then `extra`. */
static size_t put_cie(struct img *b, const uint8_t *extra, size_t n)
{
	static const uint8_t head[] = { 1, 0, 1, 0x78, 16, DW_CFA_def_cfa, 7, 8, 0x80 | 16, 1 };
	size_t at = b->n;

	put32(b, 0);
	put32(b, 0); /* a CIE */
	put(b, head, sizeof(head)); /* version 1, no augmentation, factors 1 and -8, ra 16 */
	put(b, extra, n);
	set32(b, at, b->n - at - 4);
	return at;
}

/* An FDE of [begin, begin + range) under the CIE at cie; its program follows, then fde_end. */
static size_t put_fde(struct img *b, size_t cie, uint64_t begin, uint64_t range)
{
	size_t at = b->n;

	put32(b, 0);
	put32(b, b->n - cie);
	put64(b, begin);
	put64(b, range);
	return at;
}

static void fde_end(struct img *b, size_t at)
{
	set32(b, at, b->n - at - 4);
}

/* An ELF image with one section of `data`, named `name`, at address 0x100000, with `flags`. */
static struct img elf_image(const char *name, const struct img *data, uint64_t flags)
{
	char shstr[64];
	size_t names = snprintf(shstr, sizeof(shstr), "%c%s%c.shstrtab", 0, name, 0) + 1;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_ehsize = sizeof(eh), .e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 3,
		.e_shstrndx = 2,
	};
	size_t data_off = sizeof(eh), str_off = data_off + data->n;
	size_t sh_off = (str_off + names + 7) & ~7UL;
	Elf64_Shdr sh[3] = {
		{ 0 },
		{ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = flags, .sh_addr = 0x100000,
		  .sh_offset = data_off, .sh_size = data->n, .sh_addralign = 8 },
		{ .sh_name = strlen(name) + 2, .sh_type = SHT_STRTAB, .sh_offset = str_off,
		  .sh_size = names, .sh_addralign = 1 },
	};
	struct img b = {};

	eh.e_shoff = sh_off;
	put(&b, &eh, sizeof(eh));
	put(&b, data->p, data->n);
	put(&b, shstr, names);
	while (b.n < sh_off)
		put8(&b, 0);
	put(&b, sh, sizeof(sh));
	return b;
}

/* What a build in a child process did, and what it cost. */
struct outcome {
	int err;
	size_t n;
	struct lt_cfi_stats st;
	struct lt_unwind_row first[4], last;
	bool exited;	/* not killed (by the CPU or memory limit) */
	double cpu_s;
	long maxrss_kib;
};

/*
 * Build the rows of the image (and of `debug`, if any) in a child, under a CPU limit of 20 s
 * and an address-space limit of 3 GiB, so that a regression fails this test instead of taking
 * the machine; the child's CPU time and peak memory are measured by the kernel.
 */
static struct outcome build_in_child(const struct img *image, const struct img *debug,
				     const struct lt_cfi_limits *lim)
{
	struct outcome o = { .err = -1 };
	struct rusage ru;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return o;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct rlimit cpu = { 20, 20 }, as = { 3UL << 30, 3UL << 30 };
		struct lt_unwind_row *rows = NULL;
		Elf *elf, *dbg = NULL;

		setrlimit(RLIMIT_CPU, &cpu);
		setrlimit(RLIMIT_AS, &as);
		elf_version(EV_CURRENT);
		elf = elf_memory((char *)image->p, image->n);
		if (debug)
			dbg = elf_memory((char *)debug->p, debug->n);
		o.err = cfi__build_rows(elf, dbg, lim, &rows, &o.n, &o.st);
		for (size_t i = 0; i < 4 && i < o.n; i++)
			o.first[i] = rows[i];
		if (o.n)
			o.last = rows[o.n - 1];
		if (write(fds[1], &o, sizeof(o)) != sizeof(o))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &o, sizeof(o)) != sizeof(o))
		o.err = -1;
	close(fds[0]);
	if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
		o.exited = WIFEXITED(status) && !WEXITSTATUS(status);
		o.cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
		o.maxrss_kib = ru.ru_maxrss;
	}
	printf("%s: err %d, %zu rows, %zu FDEs, %zu malformed, bound %d (%zu); %.2f s CPU, "
	       "peak RSS %ld KiB\n",
	       test_current, o.err, o.n, o.st.fdes, o.st.bad_fdes, o.st.exceeded, o.st.limit,
	       o.cpu_s, o.maxrss_kib);
	return o;
}

/* Cheap: under a second of CPU and 64 MiB (libdw took 10 to 40 s, or 1 to 1.5 GB). */
static void assert_cheap(const struct outcome *o)
{
	ASSERT_TRUE(o->exited, "the build finished (not killed at the CPU or memory limit)");
	ASSERT_TRUE(o->cpu_s < 1.0, "under a second of CPU");
	ASSERT_TRUE(o->maxrss_kib < 64 * 1024, "under 64 MiB");
}

/*
 * An FDE whose CIE pointer names a CIE hidden inside another CIE's DW_CFA_def_cfa_expression
 * block, where no scan of the section's entries looks, and that CIE names register
 * 100,000,000. libdw followed the pointer and sized a frame state by that register (1.5 GB).
 */
static void test_hostile_hidden_cie(void)
{
	static const uint8_t huge_reg[] = { DW_CFA_undefined, 0x80, 0xc2, 0xd7, 0x2f };
	struct img sec = {}, hidden = {}, extra = {}, image;
	size_t cie, fde, hidden_at;
	struct outcome o;

	put_cie(&hidden, huge_reg, sizeof(huge_reg));
	put8(&extra, DW_CFA_def_cfa_expression);
	put_uleb(&extra, hidden.n);
	put(&extra, hidden.p, hidden.n);
	put(&extra, (uint8_t[]){ DW_CFA_def_cfa, 7, 8 }, 3);
	cie = put_cie(&sec, extra.p, extra.n);
	/* length, id, the 10 bytes of put_cie's head, the opcode and the block's length */
	hidden_at = cie + 4 + 4 + 10 + 1 + 1;
	ASSERT_EQ(memcmp(sec.p + hidden_at, hidden.p, hidden.n), 0, "the hidden CIE is there");
	fde = put_fde(&sec, cie, 0x1000, 0x100);
	set32(&sec, fde + 4, fde + 4 - hidden_at);
	put8(&sec, DW_CFA_advance_loc | 1);
	fde_end(&sec, fde);
	put32(&sec, 0);
	image = elf_image(".eh_frame", &sec, SHF_ALLOC);
	o = build_in_child(&image, NULL, NULL);
	assert_cheap(&o);
	ASSERT_EQ(o.err, 0, "built");
	ASSERT_EQ(o.st.bad_fdes, 1, "the FDE without a CIE of the section is malformed");
	ASSERT_EQ(o.n, 0, "and has no rows");
	free(sec.p), free(hidden.p), free(extra.p), free(image.p);
}

/*
 * 1,000,000 DW_CFA_remember_state in one FDE whose CIE names register 127: libdw copied a
 * 1 KiB frame state for each (1 GB). Nesting past LT_CFI_MAX_DEPTH makes the FDE malformed.
 */
static void test_hostile_remember_state(void)
{
	static const uint8_t reg127[] = { DW_CFA_undefined, 127 };
	struct img sec = {}, image;
	size_t cie, fde;
	struct outcome o;

	cie = put_cie(&sec, reg127, sizeof(reg127));
	fde = put_fde(&sec, cie, 0x1000, 0x10);
	for (int i = 0; i < 1000000; i++)
		put8(&sec, DW_CFA_remember_state);
	put8(&sec, DW_CFA_advance_loc | 1);
	fde_end(&sec, fde);
	put32(&sec, 0);
	image = elf_image(".eh_frame", &sec, SHF_ALLOC);
	o = build_in_child(&image, NULL, NULL);
	assert_cheap(&o);
	ASSERT_EQ(o.err, 0, "built");
	ASSERT_EQ(o.st.bad_fdes, 1, "nesting past the bound makes the FDE malformed");
	ASSERT_TRUE(o.n >= 1 && o.first[0].pc == 0x1000 && o.first[0].cfa == LT_CFA_NONE,
		    "its code has no CFI");
	free(sec.p), free(image.p);
}

/*
 * One FDE of 200,000 rows (advance 1, CFA offset 16 then 24, ...): libdw ran the program from
 * its start for each row, 40 s for this 600 KB. One pass builds every row.
 */
static void test_hostile_many_rows(void)
{
	struct img sec = {}, image;
	size_t cie, fde;
	struct outcome o;

	cie = put_cie(&sec, NULL, 0);
	fde = put_fde(&sec, cie, 0x1000, 0x1000000);
	for (int i = 0; i < 200000; i++) {
		put8(&sec, DW_CFA_advance_loc | 1);
		put8(&sec, DW_CFA_def_cfa_offset);
		put8(&sec, i & 1 ? 24 : 16);
	}
	fde_end(&sec, fde);
	put32(&sec, 0);
	image = elf_image(".eh_frame", &sec, SHF_ALLOC);
	o = build_in_child(&image, NULL, NULL);
	assert_cheap(&o);
	ASSERT_EQ(o.err, 0, "built");
	ASSERT_EQ(o.n, 200002, "a row per advance, the last, and the end of the FDE");
	ASSERT_TRUE(o.first[0].pc == 0x1000 && o.first[0].cfa == LT_CFA_RSP &&
			    o.first[0].cfa_off == 8,
		    "the first row: the CIE's rule");
	ASSERT_TRUE(o.first[1].pc == 0x1001 && o.first[1].cfa_off == 16 &&
			    o.first[2].pc == 0x1002 && o.first[2].cfa_off == 24,
		    "then one row per advance");
	ASSERT_TRUE(o.last.pc == 0x1001000 && o.last.cfa == LT_CFA_NONE, "the FDE's end");
	free(sec.p), free(image.p);
}

/* An object past a bound is refused whole, and says which bound. */
static void test_bounds(void)
{
	struct lt_cfi_limits small = { .max_section_bytes = LT_CFI_MAX_SECTION_BYTES,
				       .max_cies = 4, .max_fdes = 10, .max_rows = LT_CFI_MAX_ROWS };
	struct img sec = {}, image, debug;
	struct outcome o;
	size_t cie, fde;

	/* At the default bound: 4,194,305 rows and more. */
	cie = put_cie(&sec, NULL, 0);
	fde = put_fde(&sec, cie, 0x1000, 0x10000000);
	for (size_t i = 0; i <= LT_CFI_MAX_ROWS; i++) {
		put8(&sec, DW_CFA_advance_loc | 1);
		put8(&sec, DW_CFA_def_cfa_offset);
		put8(&sec, i & 1 ? 24 : 16);
	}
	fde_end(&sec, fde);
	put32(&sec, 0);
	image = elf_image(".eh_frame", &sec, SHF_ALLOC);
	o = build_in_child(&image, NULL, NULL);
	ASSERT_TRUE(o.exited && o.cpu_s < 2.0, "refused within 2 s of CPU");
	ASSERT_TRUE(o.maxrss_kib < 160 * 1024, "with the rows' 64 MiB at most");
	ASSERT_EQ(o.err, -E2BIG, "more rows than the bound: refused");
	ASSERT_EQ(o.st.exceeded, LT_CFI_BOUND_ROWS, "the rows bound");
	ASSERT_EQ(o.st.limit, LT_CFI_MAX_ROWS, "its value");
	ASSERT_STREQ(cfi__bound_name(o.st.exceeded), "unwind rows", "named");
	free(image.p);

	/* 11 FDEs past a bound of 10, 5 CIEs past 4, a section past its size. */
	sec.n = 0;
	cie = put_cie(&sec, NULL, 0);
	for (int i = 0; i < 11; i++)
		fde_end(&sec, put_fde(&sec, cie, 0x1000 + 16 * i, 16));
	put32(&sec, 0);
	image = elf_image(".eh_frame", &sec, SHF_ALLOC);
	o = build_in_child(&image, NULL, &small);
	ASSERT_TRUE(o.err == -E2BIG && o.st.exceeded == LT_CFI_BOUND_FDES && o.st.limit == 10,
		    "more FDEs than the bound: refused");
	small.max_fdes = 11;
	o = build_in_child(&image, NULL, &small);
	ASSERT_TRUE(o.err == 0 && o.st.fdes == 11, "as many as the bound: built");
	small.max_section_bytes = sec.n - 1;
	o = build_in_child(&image, NULL, &small);
	ASSERT_TRUE(o.err == -E2BIG && o.st.exceeded == LT_CFI_BOUND_SECTION,
		    "a larger section than the bound: refused");
	free(image.p);
	sec.n = 0;
	for (int i = 0; i < 5; i++)
		put_cie(&sec, NULL, 0);
	put32(&sec, 0);
	image = elf_image(".eh_frame", &sec, SHF_ALLOC);
	o = build_in_child(&image, NULL, &small);
	ASSERT_TRUE(o.err == -E2BIG && o.st.exceeded == LT_CFI_BOUND_CIES && o.st.limit == 4,
		    "more CIEs than the bound: refused");

	/* A compressed .debug_frame that says it holds 1 GiB: refused before inflating it. */
	sec.n = 0;
	put32(&sec, ELFCOMPRESS_ZLIB);
	put32(&sec, 0);
	put64(&sec, 1UL << 30);
	put64(&sec, 1);
	put64(&sec, 0);
	debug = elf_image(".debug_frame", &sec, SHF_COMPRESSED);
	o = build_in_child(&image, &debug, NULL);
	assert_cheap(&o);
	ASSERT_TRUE(o.err == -E2BIG && o.st.exceeded == LT_CFI_BOUND_SECTION &&
			    o.st.limit == LT_CFI_MAX_SECTION_BYTES,
		    "a .debug_frame of 1 GiB: refused at the section bound");
	free(sec.p), free(image.p), free(debug.p);
}

TEST_MAIN(TEST(test_fixture), TEST(test_fixture_rules), TEST(test_system_objects),
	  TEST(test_no_cfi), TEST(test_hostile_hidden_cie), TEST(test_hostile_remember_state),
	  TEST(test_hostile_many_rows), TEST(test_bounds))
