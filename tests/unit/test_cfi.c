// SPDX-License-Identifier: GPL-2.0
/*
 * The unwind-row builder, checked row by row against binutils: for every row `readelf
 * --debug-dump=frames-interp` prints for an object's .eh_frame, the row leaktop builds for that
 * address must give the same CFA rule, the same place for the saved rbp, and the same answer
 * to "is this the outermost frame". And the end of every FDE that no other FDE continues must
 * be marked as having no CFI. Objects: a fixture built for its varied CFI, and this system's
 * libc and python3.
 */
#include <fcntl.h>
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
	ASSERT_EQ(cfi__build_rows(elf, NULL, &rows, &n, &st), 0, "build");
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

	ASSERT_EQ(cfi__build_rows(elf, NULL, &rows, &n, &st), 0, "build");
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

	ASSERT_EQ(cfi__build_rows(elf, NULL, &rows, &n, &st), 0, "an object without CFI builds");
	ASSERT_TRUE(n <= 4, "and has (almost) no rows");
	free(rows);
	elf_end(elf);
	close(fd);
}

TEST_MAIN(TEST(test_fixture), TEST(test_fixture_rules), TEST(test_system_objects),
	  TEST(test_no_cfi))
