// SPDX-License-Identifier: GPL-2.0
/*
 * The flame graph writer: a golden file, and invariants read back from the markup, since a
 * golden file cannot say whether widths add up or whether any name can break the XML.
 */
#include <errno.h>
#include <linux/types.h>
#include <unistd.h>

#include "output.h"
#include "report_fixture.h"
#include "test.h"

#define GOLDEN_DIR "tests/unit/golden/"
#define FULL_W 120000 /* the frames' width, 1200 px, in hundredths */

/* A frame as the markup gives it: positions in hundredths of a pixel. */
struct pframe {
	char name[256];
	int64_t v, n, x, w;
	int d;
};

static char *capture(const struct lt_report *r, enum lt_profile_value what, const char *title)
{
	struct lt_svg_opts o = { .what = what, .title = title };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (out_svg__write(f, r, &o))
		fprintf(f, "<writer failed>");
	fclose(f);
	return buf;
}

/* The value of ` key="..."` in [p, end), into buf; NULL when absent. */
static const char *attr(const char *p, const char *end, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *q = p, *e;

	/* Skip longer names that start alike: " data-n" is in " data-name" too. */
	do {
		q = memmem(q, end - q, key, kl);
		if (!q || q + kl + 2 > end)
			return NULL;
		q += kl;
	} while (q[0] != '=' || q[1] != '"');
	q += 2;
	e = memchr(q, '"', end - q);
	if (!e || (size_t)(e - q) >= len)
		return NULL;
	memcpy(buf, q, e - q);
	buf[e - q] = '\0';
	return buf;
}

/* "12.34" as 1234; -1 unless it has exactly two decimals. */
static int64_t hundredths(const char *s)
{
	char *end;
	long long i = strtoll(s, &end, 10);

	if (!s[0] || *end != '.' || end[1] < '0' || end[1] > '9' || end[2] < '0' || end[2] > '9' ||
	    end[3])
		return -1;
	return i * 100 + (end[1] - '0') * 10 + (end[2] - '0');
}

/* Every <g class="f"> in document order; *n gets how many. NULL when one is malformed. */
static struct pframe *parse(const char *doc, size_t *n)
{
	const char *p = doc;
	struct pframe *out = NULL;
	size_t cap = 0;

	*n = 0;
	while (doc && (p = strstr(p, "<g class=\"f\""))) {
		const char *end = strstr(p, "</g>"), *rect;
		char buf[256];
		struct pframe *fr;

		if (*n == cap) {
			struct pframe *tmp = realloc(out, (cap = cap * 2 + 16) * sizeof(*out));

			if (!tmp)
				goto fail;
			out = tmp;
		}
		fr = &out[(*n)++];
		rect = end ? strstr(p, "<rect ") : NULL;
		if (!rect || rect > end || !attr(p, rect, " data-name", fr->name, sizeof(fr->name)))
			goto fail;
		fr->v = attr(p, rect, " data-v", buf, sizeof(buf)) ? strtoll(buf, NULL, 10) : -1;
		fr->n = attr(p, rect, " data-n", buf, sizeof(buf)) ? strtoll(buf, NULL, 10) : -1;
		fr->d = attr(p, rect, " data-d", buf, sizeof(buf)) ? atoi(buf) : -1;
		fr->x = attr(rect, end, " x", buf, sizeof(buf)) ? hundredths(buf) : -1;
		fr->w = attr(rect, end, " width", buf, sizeof(buf)) ? hundredths(buf) : -1;
		if (fr->v < 0 || fr->n < 0 || fr->d < 0 || fr->x < 0 || fr->w < 0)
			goto fail;
		p = end;
	}
	return out ?: calloc(1, sizeof(*out));
fail:
	free(out);
	return NULL;
}

/*
 * Parents from document order and depth, as the script reads them. Then per frame: its
 * children's values add up to at most its own, and they tile its interval from its left edge
 * without a gap, overlap or overhang. Returns how many frames break a rule.
 */
static size_t tree_violations(const struct pframe *fr, size_t n)
{
	size_t bad = 0;
	int64_t *kids_v = calloc(n + 1, sizeof(*kids_v)), *next_x = calloc(n + 1, sizeof(*next_x));
	size_t stack[256], depth = 0;

	if (!kids_v || !next_x) {
		bad = n + 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		while (depth && fr[stack[depth - 1]].d >= fr[i].d)
			depth--;
		if (!depth) {
			bad += i != 0 || fr[i].d != 0; /* one root, first */
		} else {
			size_t p = stack[depth - 1];

			bad += fr[i].d != fr[p].d + 1;
			bad += fr[i].x != (next_x[p] ?: fr[p].x);
			bad += fr[i].x + fr[i].w > fr[p].x + fr[p].w;
			kids_v[p] += fr[i].v;
			next_x[p] = fr[i].x + fr[i].w;
		}
		if (depth == sizeof(stack) / sizeof(stack[0])) {
			bad = n + 1;
			goto out;
		}
		stack[depth++] = i;
		next_x[i] = 0;
	}
	for (size_t i = 0; i < n; i++)
		bad += kids_v[i] > fr[i].v;
out:
	free(kids_v);
	free(next_x);
	return bad;
}

/* The frames named `name`: how many, and the last one's value and count. */
static size_t find(const struct pframe *fr, size_t n, const char *name, int64_t *v, int64_t *cnt)
{
	size_t hits = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(fr[i].name, name))
			continue;
		hits++;
		*v = fr[i].v;
		*cnt = fr[i].n;
	}
	return hits;
}

/*
 * Markup outside CDATA: each '<' opens a tag, a comment or a declaration, each '&' an entity,
 * and no attribute value holds a '<'. What a stray name character would break.
 */
static bool markup_ok(const char *doc)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	bool in_tag = false, in_value = false;

	for (const char *p = doc; *p; p++) {
		if (!in_tag && !strncmp(p, "<![CDATA[", 9)) {
			p = strstr(p, "]]>");
			if (!p)
				return false;
			p += 2;
		} else if (*p == '<') {
			if (in_tag || !(p[1] == '/' || p[1] == '?' || (p[1] >= 'a' && p[1] <= 'z')))
				return false;
			in_tag = true;
		} else if (*p == '>' && in_tag && !in_value) {
			in_tag = false;
		} else if (*p == '"' && in_tag) {
			in_value = !in_value;
		} else if (*p == '&') {
			bool ent = false;

			for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
				ent = ent || !strncmp(p, ents[i], strlen(ents[i]));
			if (!ent)
				return false;
		}
	}
	return !in_tag;
}

/* xmllint's verdict; when it is not installed, a skip (markup_ok still checks). */
static bool xmllint_ok(const char *doc)
{
	FILE *p;

	if (access("/usr/bin/xmllint", X_OK)) {
		printf("SKIP: %s: no /usr/bin/xmllint (make deps installs libxml2-utils)\n",
		       test_current);
		test_skips++;
		return true;
	}
	p = popen("/usr/bin/xmllint --noout -", "w");
	if (!p)
		return false;
	fputs(doc, p);
	return pclose(p) == 0;
}

static void test_golden_outstanding(void)
{
	char *got = capture(&fx_report, LT_PROFILE_OUTSTANDING, NULL);

	test_golden(got, GOLDEN_DIR "flame.svg");
	ASSERT_TRUE(got && !strncmp(got, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44),
		    "an XML declaration, then the svg");
	ASSERT_CONTAINS(got, "xmlns=\"http://www.w3.org/2000/svg\"", "the SVG namespace");
	ASSERT_CONTAINS(got, "viewBox=\"0 0 1220 ", "a viewBox");
	ASSERT_CONTAINS(got, "id=\"leaktop-flame\"", "the id the script finds its svg by");
	ASSERT_CONTAINS(got, "<script type=\"text/ecmascript\"><![CDATA[", "the script inline");
	ASSERT_CONTAINS(got, "leaktop: heap bytes held at 15.0 s", "a title from the report");
	ASSERT_CONTAINS(got, "30.1 MiB (31525328 bytes) held in 503 blocks by 4 stacks",
			"the total under the title");
	ASSERT_TRUE(!strstr(got, "href") && !strstr(got, "url("), "no external resources");
	ASSERT_TRUE(markup_ok(got), "markup scan");
	ASSERT_TRUE(xmllint_ok(got), "xmllint --noout");
	free(got);
}

static void test_invariants(void)
{
	char *got = capture(&fx_report, LT_PROFILE_OUTSTANDING, NULL);
	int64_t v = 0, cnt = 0;
	struct pframe *fr;
	size_t n;

	fr = parse(got, &n);
	if (!ASSERT_TRUE(fr && n >= 6, "frames parsed")) {
		free(got);
		return;
	}
	ASSERT_EQ(tree_violations(fr, n), 0, "children tile their parent");
	ASSERT_STREQ(fr[0].name, "all", "the root first");
	ASSERT_EQ(fr[0].v, 31457280 + 65536 + 2000 + 512, "the root holds every heap byte");
	ASSERT_EQ(fr[0].n, 480 + 1 + 20 + 2, "and every block");
	ASSERT_EQ(fr[0].x, 0, "the root starts at the left");
	ASSERT_EQ(fr[0].w, FULL_W, "and spans the width");
	ASSERT_STREQ(fr[1].name, "service (4242)", "a process under the root");
	ASSERT_EQ(fr[1].d, 1, "at depth 1");
	ASSERT_EQ(find(fr, n, "write_jsonl", &v, &cnt), 1, "two call sites, one frame");
	ASSERT_EQ(v, 31522816, "their bytes summed");
	ASSERT_EQ(cnt, 481, "their blocks summed");
	ASSERT_EQ(find(fr, n, "python3.11", &v, &cnt), 0, "rows holding nothing are left out");
	ASSERT_TRUE(!strstr(got, "mmap64") && !strstr(got, "socket"), "heap rows only");
	/* main's 2000 bytes and the lost stack's 512 are each under 0.1 px of 30 MiB. */
	ASSERT_EQ(find(fr, n, "[2 more stacks]", &v, &cnt), 1, "narrow siblings merged");
	ASSERT_EQ(v, 2512, "with their bytes");
	free(fr);
	free(got);
}

static void test_growth(void)
{
	char *got = capture(&fx_report, LT_PROFILE_GROWTH, NULL);
	int64_t v = 0, cnt = 0;
	struct pframe *fr;
	size_t n;

	fr = parse(got, &n);
	if (!ASSERT_TRUE(fr && n, "frames parsed")) {
		free(got);
		return;
	}
	ASSERT_EQ(tree_violations(fr, n), 0, "children tile their parent");
	ASSERT_EQ(fr[0].v, 20971520 + 1500 + 512, "the root holds the growth");
	ASSERT_EQ(find(fr, n, "write_jsonl", &v, &cnt), 1, "the growing stack drawn");
	ASSERT_EQ(v, 20971520, "with its growth");
	ASSERT_EQ(cnt, 480, "and no blocks of the 64 KiB stack that did not grow");
	ASSERT_TRUE(!strstr(got, "python3.11"), "a stack that shrank is left out");
	ASSERT_CONTAINS(got, "leaktop: heap bytes grown since the first table (5.0 s to 15.0 s)",
			"the title says growth");
	ASSERT_CONTAINS(got, "480 blocks held</title>", "counts are blocks held");
	ASSERT_TRUE(xmllint_ok(got), "xmllint --noout");
	free(fr);
	free(got);
}

static void test_escaping(void)
{
	struct lt_frame frames[] = {
		{ 0x1000, "a<b>&\"c'", 0x10, "we<ird>.so", NULL, LT_FRAME_LIB, 0, NULL, 0, false },
		{ 0x2000, "bad\x01utf8\xff\xc3", 0x10, "svc", NULL, LT_FRAME_APP, 0, NULL, 0, false },
		{ 0x3000, "cache::Store<std::pair<int, \"q\">>::put]]>", 0x10, "svc", NULL,
		  LT_FRAME_APP, 0, NULL, 0, false },
	};
	struct lt_row rows[] = {
		{ .kind = LT_ROW_HEAP, .pid = 7, .comm = "a&b<c>", .bytes = 4096, .count = 2,
		  .nframes = 3, .frames = frames },
	};
	struct lt_report r = { .elapsed_s = 1, .rows = rows, .nrows = 1 };
	char *got = capture(&r, LT_PROFILE_OUTSTANDING, "<title> & \"quotes\"");

	ASSERT_CONTAINS(got, "data-name=\"a&lt;b&gt;&amp;&quot;c&apos;\"", "an attribute escaped");
	ASSERT_CONTAINS(got, ">a&lt;b&gt;&amp;&quot;c&apos;</text>", "a label escaped");
	ASSERT_CONTAINS(got, "<title>a&lt;b&gt;&amp;&quot;c&apos; in we&lt;ird&gt;.so: 4.00 KiB",
			"a tooltip escaped");
	ASSERT_CONTAINS(got, "data-name=\"a&amp;b&lt;c&gt; (7)\"", "the process name escaped");
	ASSERT_CONTAINS(got, "data-name=\"bad\xef\xbf\xbdutf8\xef\xbf\xbd\xef\xbf\xbd\"",
			"control and invalid bytes replaced");
	ASSERT_CONTAINS(got, ">&lt;title&gt; &amp; &quot;quotes&quot;</text>", "the title escaped");
	ASSERT_TRUE(markup_ok(got), "markup scan");
	ASSERT_TRUE(xmllint_ok(got), "xmllint --noout");
	free(got);
}

/* 2000 stacks each far under a pixel next to one holding a GiB: one frame for them all. */
static void test_many_narrow(void)
{
	size_t nrows = 2001;
	struct lt_row *rows = calloc(nrows, sizeof(*rows));
	struct lt_frame *frames = calloc(nrows, sizeof(*frames));
	char (*names)[16] = calloc(nrows, sizeof(*names));
	struct lt_report r = { .elapsed_s = 1, .rows = rows, .nrows = nrows };
	int64_t total = 0, v = 0, cnt = 0;
	struct pframe *fr = NULL;
	char *got = NULL;
	size_t n;

	if (!ASSERT_TRUE(rows && frames && names, "allocated"))
		goto out;
	for (size_t i = 0; i < nrows; i++) {
		snprintf(names[i], sizeof(names[i]), i ? "tiny_%04zu" : "huge", i);
		frames[i] = (struct lt_frame){ .ip = 0x1000 + i, .func = names[i], .module = "svc",
					       .cls = LT_FRAME_APP, 0, NULL, 0 };
		rows[i] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 1, .comm = "svc",
					   .bytes = i ? 16 : 1 << 30, .count = 1, .nframes = 1,
					   .frames = &frames[i] };
		total += rows[i].bytes;
	}
	got = capture(&r, LT_PROFILE_OUTSTANDING, NULL);
	fr = parse(got, &n);
	if (!ASSERT_TRUE(fr && n, "frames parsed"))
		goto out;
	ASSERT_TRUE(strlen(got) < 200 * 1024, "the file stays small");
	ASSERT_EQ(n, 4, "all, the process, huge and the rest");
	ASSERT_EQ(fr[0].v, total, "the root holds every byte");
	ASSERT_EQ(find(fr, n, "[2000 more stacks]", &v, &cnt), 1, "the narrow ones merged");
	ASSERT_EQ(v, 2000 * 16, "with their bytes");
	ASSERT_EQ(cnt, 2000, "and their blocks");
	ASSERT_EQ(tree_violations(fr, n), 0, "children tile their parent");
out:
	free(fr);
	free(got);
	free(names);
	free(frames);
	free(rows);
}

/* A stack deeper than 200 levels is cut, its bytes kept in the deepest frame drawn. */
static void test_depth_cap(void)
{
	struct lt_frame frames[300];
	struct lt_row row = { .kind = LT_ROW_HEAP, .pid = 1, .comm = "deep", .bytes = 1000,
			      .count = 1, .nframes = 300, .frames = frames };
	struct lt_report r = { .elapsed_s = 1, .rows = &row, .nrows = 1 };
	struct pframe *fr;
	char *got;
	int maxd = 0;
	size_t n;

	for (size_t i = 0; i < 300; i++)
		frames[i] = (struct lt_frame){ .ip = 0x1000 + i, .offset = i + 1, .module = "deep",
					       .cls = LT_FRAME_APP, 0, NULL, 0 };
	got = capture(&r, LT_PROFILE_OUTSTANDING, NULL);
	fr = parse(got, &n);
	if (ASSERT_TRUE(fr && n, "frames parsed")) {
		for (size_t i = 0; i < n; i++)
			maxd = fr[i].d > maxd ? fr[i].d : maxd;
		ASSERT_EQ(n, 200, "200 levels");
		ASSERT_EQ(maxd, 199, "the deepest at 199");
		ASSERT_EQ(fr[n - 1].v, 1000, "holding the bytes");
		ASSERT_STREQ(fr[2].name, "[deep+0x12c]", "the outermost frames kept");
		ASSERT_EQ(tree_violations(fr, n), 0, "children tile their parent");
	}
	free(fr);
	free(got);
}

static void test_empty(void)
{
	struct lt_row mmap_only = { .kind = LT_ROW_MMAP_ANON, .pid = 1, .comm = "svc",
				    .bytes = 4096, .count = 1 };
	struct lt_report r = { .elapsed_s = 2, .rows = &mmap_only, .nrows = 1 };
	char *got = capture(&r, LT_PROFILE_OUTSTANDING, NULL);

	ASSERT_CONTAINS(got, "Nothing to show: no heap stack holds any bytes", "says so");
	ASSERT_TRUE(got && !strstr(got, "<g class=\"f\""), "no frames");
	ASSERT_CONTAINS(got, "</svg>\n", "a whole document");
	ASSERT_TRUE(xmllint_ok(got), "xmllint --noout");
	free(got);

	r.nrows = 0;
	got = capture(&r, LT_PROFILE_GROWTH, NULL);
	ASSERT_CONTAINS(got, "Nothing to show: no heap stack grew", "growth says so");
	ASSERT_TRUE(xmllint_ok(got), "xmllint --noout, growth");
	free(got);
}

/* A stream that cannot be written: the writer says so. */
static void test_write_error(void)
{
	struct lt_svg_opts o = { .what = LT_PROFILE_OUTSTANDING };
	FILE *f = fopen("/dev/full", "w");

	if (!ASSERT_TRUE(f, "/dev/full opens"))
		return;
	ASSERT_EQ(out_svg__write(f, &fx_report, &o), -EIO, "-EIO on a full device");
	fclose(f);
}

TEST_MAIN(TEST(test_golden_outstanding), TEST(test_invariants), TEST(test_growth),
	  TEST(test_escaping), TEST(test_many_narrow), TEST(test_depth_cap), TEST(test_empty),
	  TEST(test_write_error))
