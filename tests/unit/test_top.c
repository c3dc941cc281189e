// SPDX-License-Identifier: GPL-2.0
/*
 * The interactive view without a terminal: keys decoded from their bytes, screens rendered
 * into memory and read back as a terminal would lay them out (cursor moves, clears), at
 * several sizes: never a line wider than the screen, never more lines, the header first.
 */
#include "report_fixture.h"
#include "term.h"
#include "cxxname.h"
#include "test.h"
#include "top.h"
#include "util.h"

static void test_decode(void)
{
	static const struct {
		const char *bytes;
		int key;
		size_t used;
	} cases[] = {
		{ "q", 'q', 1 },	   { "\r", LT_KEY_ENTER, 1 },  { "\n", LT_KEY_ENTER, 1 },
		{ "\033[A", LT_KEY_UP, 3 }, { "\033[B", LT_KEY_DOWN, 3 }, { "\033OA", LT_KEY_UP, 3 },
		{ "\033[5~", LT_KEY_PGUP, 4 }, { "\033[6~", LT_KEY_PGDN, 4 },
		{ "\033[1;5A", LT_KEY_UP, 6 }, { "\033", LT_KEY_ESC, 1 }, { "\033q", LT_KEY_ESC, 1 },
		{ "\033[200~", LT_KEY_UNKNOWN, 6 }, { "\033[12", LT_KEY_UNKNOWN, 4 },
		{ "+", '+', 1 },	   { " ", ' ', 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t used;
		int key = term__decode((const unsigned char *)cases[i].bytes,
				       strlen(cases[i].bytes), &used);

		ASSERT_EQ(key, cases[i].key, cases[i].bytes + (cases[i].bytes[0] == '\033'));
		ASSERT_EQ(used, cases[i].used, "bytes taken");
	}
}

#define SCREEN_MAX 200

/* A screen as a terminal shows it: the rendered bytes replayed (CUP, EL, ED, SGR). */
struct screen {
	int cols, lines;
	char cell[SCREEN_MAX][SCREEN_MAX * 4 + 1]; /* each line's bytes (UTF-8) */
	int width[SCREEN_MAX];			     /* its columns */
	bool reverse[SCREEN_MAX];
	bool overflow;				     /* a character past the last column */
};

static void replay(struct screen *s, const char *out)
{
	int y = 0;

	memset(s->cell, 0, sizeof(s->cell));
	memset(s->width, 0, sizeof(s->width));
	memset(s->reverse, 0, sizeof(s->reverse));
	s->overflow = false;
	for (const char *p = out; *p;) {
		if (*p == '\033' && p[1] == '[') {
			int a = 0, b = 0, *cur = &a;

			p += 2;
			for (; (*p >= '0' && *p <= '9') || *p == ';' || *p == '?'; p++) {
				if (*p == ';')
					cur = &b;
				else if (*p != '?')
					*cur = *cur * 10 + *p - '0';
			}
			if (*p == 'H') {
				y = a ? a - 1 : 0;
			} else if (*p == 'K') {
				s->cell[y][0] = '\0';
				s->width[y] = 0;
			} else if (*p == 'J') {
				for (int i = y; i < SCREEN_MAX; i++)
					s->cell[i][0] = '\0', s->width[i] = 0;
			} else if (*p == 'm' && a == 7) {
				s->reverse[y] = true;
			}
			p++;
			continue;
		}
		if (*p == '\n' || *p == '\r' || y >= s->lines) {
			s->overflow = true; /* nothing may scroll or be drawn below the screen */
			p++;
			continue;
		}
		size_t len = strlen(s->cell[y]);

		if (len < sizeof(s->cell[y]) - 1)
			s->cell[y][len] = *p;
		if ((*p & 0xc0) != 0x80 && ++s->width[y] > s->cols)
			s->overflow = true;
		p++;
	}
}

static char *render(struct lt_top *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_EQ(top__render(t, f), 0, "rendered");
	fclose(f);
	return text;
}

static struct screen scr;

static void show(struct lt_top *t, int cols, int lines)
{
	char *text;

	top__resize(t, cols, lines);
	scr.cols = cols;
	scr.lines = lines;
	text = render(t);
	replay(&scr, text);
	free(text);
	ASSERT_TRUE(!scr.overflow, "nothing past the screen's width or height");
}

static int line_with(const char *needle)
{
	for (int i = 0; i < scr.lines; i++) {
		if (strstr(scr.cell[i], needle))
			return i;
	}
	return -1;
}

/* A report of 30 heap stacks, growing at different rates, one with a very long C++ name. */
static struct lt_frame long_name[] = {
	{ 0x401300,
	  "std::vector<std::__cxx11::basic_string<char, std::char_traits<char>, "
	  "std::allocator<char> >, std::allocator<std::__cxx11::basic_string<char, "
	  "std::char_traits<char>, std::allocator<char> > > >::_M_realloc_insert\033[31m",
	  0x12, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x401240, "main", 0x3a, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
};

static void fixture(struct lt_report *r, struct lt_proc *p, struct lt_row *rows, size_t n)
{
	memset(r, 0, sizeof(*r));
	*p = (struct lt_proc){ .pid = 42, .comm = "service", .label = "pid 42 (service)" };
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct lt_row){
			.kind = LT_ROW_HEAP, .pid = 42, .stack_id = i + 1,
			.bytes = 1000 * (int64_t)(n - i), .count = 1, .rate = (double)i,
			.trend = LT_TREND_GROWING, .frames = i == 3 ? long_name : fx_write_jsonl,
			.nframes = i == 3 ? ARRAY_SIZE(long_name) : ARRAY_SIZE(fx_write_jsonl),
		};
	rows[n - 1].kind = LT_ROW_SOCK;
	rows[n - 1].count = 7;
	r->procs = p;
	r->nprocs = 1;
	r->rows = rows;
	r->nrows = n;
	r->elapsed_s = 3725;
	r->total_bytes = 123456;
	r->total_count = 30;
}

static void test_screens(void)
{
	/* Full names: the long one must be cut at the window's edge. */
	struct lt_top_opts o = { .exact = true, .interval_s = 5, .full_names = true };
	struct lt_top *t = top__new(&o);
	struct lt_row rows[31];
	struct lt_proc p;
	struct lt_report r;
	int y;

	/* Before the first report: it says so. */
	show(t, 160, 45);
	ASSERT_TRUE(line_with("the first sample comes in 5.0s") == 0, "waiting");

	fixture(&r, &p, rows, ARRAY_SIZE(rows));
	ASSERT_EQ(top__update(t, &r), 0, "update");
	/* The report can go: the view has its own copy. */
	memset(rows, 0, sizeof(rows));
	memset(&r, 0, sizeof(r));

	show(t, 160, 45);
	ASSERT_TRUE(line_with("leaktop - 1:02:05 elapsed") == 0, "header first");
	ASSERT_TRUE(line_with("Heap: 123456 in 30 blocks, 30 stacks") == 1, "totals");
	ASSERT_TRUE(line_with("Drops: 0 |") == 2, "drops and cost");
	ASSERT_TRUE(line_with("HEAP by growth rate, 30 stacks, rows 40") == 3, "view line");
	/* Fastest first: stack 30 (rate 29) on top, selected. */
	y = line_with("   1 ");
	ASSERT_EQ(y, 5, "the first row under the titles");
	ASSERT_TRUE(scr.reverse[y], "the first row is selected");
	ASSERT_TRUE(line_with("write_jsonl+0x26 [service]") == 5, "named by its frame");
	/* 30 rows fit below 5 lines of header; the long name is cut, its escape neutralized. */
	y = line_with("_M_realloc_insert");
	ASSERT_TRUE(y < 0, "the long name's tail is cut at 160 columns");
	y = line_with("std::vector<std::__cxx11::basic_string");
	ASSERT_TRUE(y > 0 && scr.width[y] == 160, "the long row fills the line, no more");
	ASSERT_TRUE(y > 0 && !strchr(scr.cell[y], '\033'), "no escape from a name reaches the terminal");
	ASSERT_TRUE(line_with("  30 ") == 34, "all 30 rows");

	/* A small window: the header stays, rows scroll, nothing wraps. */
	show(t, 50, 10);
	ASSERT_TRUE(line_with("leaktop - 1:02:05") == 0, "header at 50x10");
	ASSERT_TRUE(line_with("   5 ") == 9 && line_with("   6 ") < 0, "5 rows fit");
	for (int i = 0; i < 7; i++)
		ASSERT_EQ(top__key(t, LT_KEY_DOWN), LT_TOP_REDRAW, "down");
	show(t, 50, 10);
	y = line_with("   8 ");
	ASSERT_TRUE(y == 9 && scr.reverse[y], "the selection scrolled into view");
	ASSERT_TRUE(line_with("   4 ") == 5, "the rows above it shown");

	/* s: the sort changes, the selected stack stays selected. */
	show(t, 160, 45);
	ASSERT_EQ(top__key(t, 's'), LT_TOP_REDRAW, "s");
	show(t, 160, 45);
	ASSERT_TRUE(line_with("HEAP by outstanding,") == 3, "sort label");
	y = line_with("  23 ");
	ASSERT_TRUE(y > 0 && scr.reverse[y], "stack 23 of 30 by value is the one selected (8th by rate)");

	/* +/-: the row count. */
	ASSERT_EQ(top__key(t, '-'), LT_TOP_REDRAW, "-");
	ASSERT_EQ(top__key(t, '-'), LT_TOP_REDRAW, "-");
	show(t, 160, 45);
	ASSERT_TRUE(line_with("rows 38 |") == 3, "two rows fewer");
	for (int i = 0; i < 5; i++)
		top__key(t, '+');
	show(t, 160, 45);
	ASSERT_TRUE(line_with("rows 40 |") == 3, "no more rows than fit");

	/* Enter: the stack in full; Esc: back. */
	ASSERT_EQ(top__key(t, LT_KEY_ENTER), LT_TOP_REDRAW, "enter");
	show(t, 160, 45);
	ASSERT_TRUE(line_with("Stack #23 of 30 in HEAP") == 4, "the stack view");
	ASSERT_TRUE(line_with("    0  write_jsonl+0x26 [service]") == 6, "frame 0");
	ASSERT_TRUE(line_with("    3  __libc_start_call_main+0x80 [libc.so.6]") == 9, "every frame");
	show(t, 160, 8);
	ASSERT_TRUE(line_with("... 3 more frames") == 7, "a short window says what it left out");
	ASSERT_EQ(top__key(t, LT_KEY_ESC), LT_TOP_REDRAW, "esc");
	show(t, 160, 45);
	ASSERT_TRUE(line_with("Stack #") < 0, "back to the list");

	/* k: sockets; space: paused; q: quit. */
	ASSERT_EQ(top__key(t, 'k'), LT_TOP_REDRAW, "k");
	show(t, 160, 45);
	ASSERT_TRUE(line_with("SOCKETS by outstanding, 1 stacks") == 3, "sockets");
	ASSERT_TRUE(line_with("OPEN      KIND") == 4, "socket columns");
	ASSERT_TRUE(line_with("   1            7       tcp") == 5, "the socket row");
	ASSERT_EQ(top__key(t, ' '), LT_TOP_REDRAW, "space");
	show(t, 160, 45);
	ASSERT_TRUE(line_with("| PAUSED |") == 3, "paused");
	ASSERT_EQ(top__key(t, 'x'), LT_TOP_NOTHING, "other keys do nothing");
	ASSERT_EQ(top__key(t, 'q'), LT_TOP_QUIT, "q quits");
	top__free(t);
}

/* The row's name is one function's choice. */
static void test_row_frame(void)
{
	struct lt_row row = { .frames = fx_stripped, .nframes = ARRAY_SIZE(fx_stripped) };

	ASSERT_TRUE(top__row_frame(&row) == &fx_stripped[1], "the Python frame names the row");
	row.nframes = 0;
	ASSERT_TRUE(top__row_frame(&row) == NULL, "no frames, no name");
}

/* By default a row's C++ name is short, as in the table: its template arguments elided. */
static void test_short_names(void)
{
	struct lt_top_opts o = { .exact = true, .interval_s = 5 };
	struct lt_top *t = top__new(&o);
	struct lt_row rows[31];
	struct lt_proc p;
	struct lt_report r;
	int y;

	fixture(&r, &p, rows, ARRAY_SIZE(rows));
	ASSERT_EQ(top__update(t, &r), 0, "update");
	show(t, 160, 45);
	y = line_with("std::vector<" LT_CXX_ELLIPSIS ">::_M_realloc_insert");
	ASSERT_TRUE(y > 0 && scr.width[y] < 160, "short: std::vector<…>::_M_realloc_insert, whole");
	ASSERT_TRUE(line_with("__cxx11") < 0, "no inline namespace");
	ASSERT_TRUE(y > 0 && !strchr(scr.cell[y], '\033'), "no escape from a name reaches the terminal");
	top__free(t);
}

TEST_MAIN(TEST(test_decode), TEST(test_screens), TEST(test_short_names), TEST(test_row_frame))
