// SPDX-License-Identifier: GPL-2.0
/*
 * The flame graph writer: heap rows as a tree (all, process, outermost frame ... innermost),
 * drawn root at the bottom, as one SVG file with its own style and script.
 *
 * Positions are integers, in hundredths of a pixel, computed from byte offsets in the layout
 * rather than accumulated from rounded widths: a node spanning bytes [a, b) is drawn from
 * X(a) to X(b). Siblings tile their parent's interval, so a frame's width is exactly its
 * children's plus its own, whatever the rounding.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "stackpath.h"
#include "util.h"

#define SVG_W		1200	/* the frames' width, in pixels */
#define PAD		10	/* margin left and right of the frames */
#define TOP		56	/* title, subtitle and controls above the frames */
#define ROW_H		16	/* a frame's rect is 15 px high; 1 px between rows */
#define MAX_DEPTH	200	/* levels, the root's included; deeper frames fold into the last */
#define MIN_W		10	/* hundredths of a pixel: narrower siblings merge into one */
/*
 * Hundredths of a pixel per character of 12 px monospace: 0.6 em in DejaVu Sans Mono,
 * Liberation Mono and Courier is 7.2 px, and a label must not spill over its frame.
 * The script uses the same figure to label frames after a zoom.
 */
#define CHAR_W		725

enum node_kind { N_ROOT, N_PROC, N_FRAME, N_MORE };

struct node {
	const char *name;	/* borrowed from a struct lt_stack_path; NULL for N_MORE */
	const char *module;	/* the frame's object basename, or NULL */
	enum node_kind kind;
	enum lt_frame_class cls;
	int depth;
	int64_t value;		/* of every stack through the node */
	int64_t count;		/* blocks of those stacks */
	int64_t start;		/* bytes before it in the layout */
	size_t nstacks;		/* stacks through it: N of "[N more stacks]" */
	struct node **kids;
	size_t nkids, cap;
};

struct svg {
	FILE *f;
	enum lt_profile_value what;
	int64_t total;
	int maxd;		/* the deepest level drawn */
};

/* FNV-1a and murmur3's finalizer: colours that differ between similar names. */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ h >> 16;
}

static const char *class_name(const struct node *n)
{
	static const char *const cls[] = {
		[LT_FRAME_UNKNOWN] = "unknown", [LT_FRAME_APP] = "app",
		[LT_FRAME_LIB] = "lib", [LT_FRAME_ALLOC] = "alloc", [LT_FRAME_PYTHON] = "python",
		[LT_FRAME_JS] = "js",
	};

	if (n->kind == N_ROOT)
		return "root";
	if (n->kind == N_PROC)
		return "proc";
	if (n->kind == N_MORE)
		return "more";
	return n->cls < ARRAY_SIZE(cls) ? cls[n->cls] : "unknown";
}

/*
 * "#rrggbb": program frames warm, libraries cool, the allocator green, Python frames yellow,
 * unknown code grey;
 * the name's hash varies the shade so that neighbours stand apart, the same in every file.
 */
static const char *colour(char *buf, size_t len, const struct node *n)
{
	uint32_t h = hash(n->name ? n->name : "");
	unsigned int a = h & 0xff, b = h >> 8 & 0xff, c = h >> 16 & 0xff, rgb[3];

	if (n->kind == N_ROOT) {
		rgb[0] = 200, rgb[1] = 200, rgb[2] = 205;
	} else if (n->kind == N_PROC) {
		rgb[0] = 196, rgb[1] = 184, rgb[2] = 222;
	} else if (n->kind == N_MORE) {
		rgb[0] = 221, rgb[1] = 221, rgb[2] = 221;
	} else if (n->cls == LT_FRAME_APP) {
		rgb[0] = 225 + a % 31, rgb[1] = 70 + b * 140 / 255, rgb[2] = 30 + c % 40;
	} else if (n->cls == LT_FRAME_LIB) {
		rgb[0] = 50 + a % 60, rgb[1] = 140 + b * 90 / 255, rgb[2] = 200 + c % 56;
	} else if (n->cls == LT_FRAME_ALLOC) {
		rgb[0] = 70 + a % 60, rgb[1] = 180 + b % 60, rgb[2] = 60 + c % 60;
	} else if (n->cls == LT_FRAME_PYTHON) {
		rgb[0] = 230 + a % 26, rgb[1] = 200 + b % 40, rgb[2] = 40 + c % 60;
	} else if (n->cls == LT_FRAME_JS) {
		rgb[0] = 200 + a % 40, rgb[1] = 150 + b % 50, rgb[2] = 210 + c % 40;
	} else {
		rgb[0] = rgb[1] = rgb[2] = 160 + a % 50;
	}
	snprintf(buf, len, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	return buf;
}

/*
 * The length of the valid UTF-8 character XML 1.0 allows at s, or 0. Names come from the
 * traced program and may hold anything; one stray byte would make the whole file unreadable.
 */
static size_t xml_char_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	size_t n;

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* A copy of s with each byte XML cannot carry replaced by U+FFFD, or NULL on ENOMEM. */
static char *clean_utf8(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *p = out;

	if (!out)
		return NULL;
	while (*s) {
		size_t n = xml_char_len((const unsigned char *)s);

		if (n) {
			memcpy(p, s, n);
			p += n;
			s += n;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			s++;
		}
	}
	*p = '\0';
	return out;
}

/* n bytes of clean UTF-8 as text or an attribute value. */
static void xml_putn(FILE *f, const char *s, size_t n)
{
	for (; n--; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void xml_puts(FILE *f, const char *s)
{
	xml_putn(f, s, strlen(s));
}

/* A byte offset in the layout to hundredths of a pixel: round(v * SVG_W * 100 / total). */
static int64_t hund(int64_t v, int64_t total)
{
	unsigned __int128 n = (unsigned __int128)v * (SVG_W * 100) * 2 + (uint64_t)total;

	return (int64_t)(n / ((unsigned __int128)total * 2));
}

/* Hundredths as "12.34". */
static const char *fixed(char *buf, size_t len, int64_t h)
{
	snprintf(buf, len, "%" PRId64 ".%02" PRId64, h / 100, h % 100);
	return buf;
}

/* Paths in order, so that stacks sharing a prefix are neighbours. */
static int cmp_path(const void *pa, const void *pb)
{
	const struct lt_stack_path *a = pa, *b = pb;

	for (size_t k = 0; k < a->n && k < b->n; k++) {
		int c = strcmp(a->names[k], b->names[k]);

		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

/*
 * The heap rows with something to draw, sorted by path: each names its process "comm (pid)"
 * and is cut at MAX_DEPTH levels, the root's included.
 */
static int collect(const struct lt_report *r, enum lt_profile_value what,
		   struct lt_stack_path **out, size_t *nout)
{
	const struct lt_stack_path_opts po = {
		.what = what, .pid = true, .max_levels = MAX_DEPTH - 1, .clean = clean_utf8,
	};
	int err = stackpath__collect(r, &po, out, nout);

	if (!err)
		qsort(*out, *nout, sizeof(**out), cmp_path);
	return err;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n);
}

static struct node *node_add(struct node *parent, enum node_kind kind, const char *name)
{
	struct node *n;

	if (lt_grow((void **)&parent->kids, &parent->cap, parent->nkids, sizeof(*parent->kids)))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->name = name;
	n->depth = parent->depth + 1;
	parent->kids[parent->nkids++] = n;
	return n;
}

/*
 * Build the tree from stacks sorted by path: a stack shares the nodes of its predecessor's
 * common prefix, which merges same-named siblings as the folded writer merges lines.
 */
static int build(struct node *root, const struct lt_stack_path *s, size_t n)
{
	struct node *path[MAX_DEPTH] = { root };

	for (size_t i = 0; i < n; i++) {
		const struct lt_row *row = s[i].row;
		size_t k = 0;

		while (i && k < s[i].n && k < s[i - 1].n &&
		       !strcmp(s[i].names[k], s[i - 1].names[k]))
			k++;
		for (; k < s[i].n; k++) {
			struct node *c = node_add(path[k], k >= s[i].top ? N_FRAME : N_PROC,
						  s[i].names[k]);

			if (!c)
				return -ENOMEM;
			if (k >= s[i].top && row->nframes) {
				const struct lt_frame *fr = &row->frames[row->nframes - 1 - (k - s[i].top)];

				c->cls = fr->cls;
				c->module = fr->module ?: (fr->mod ? fr->mod->base : NULL);
			}
			path[k + 1] = c;
		}
		for (k = 0; k <= s[i].n; k++) {
			path[k]->value += s[i].value;
			path[k]->count += row->count;
			path[k]->nstacks++;
		}
	}
	return 0;
}

/* Larger first, then by name: the widest frame at the left, and a stable order. */
static int cmp_node(const void *pa, const void *pb)
{
	const struct node *a = *(const struct node *const *)pa;
	const struct node *b = *(const struct node *const *)pb;

	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return strcmp(a->name, b->name);
}

/*
 * Place n's children from its start, left to right, and below them theirs. Children narrower
 * than MIN_W become one "[N more stacks]" node after the others: thousands of invisible
 * frames would only make the file large. Sorted by value, those are the last ones.
 */
static int layout(struct node *n, struct svg *s)
{
	int64_t pos = n->start;
	size_t first = n->nkids;

	if (n->depth > s->maxd)
		s->maxd = n->depth;
	if (n->nkids > 1) /* a leaf has no kids, and a NULL array: qsort must not see it */
		qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_node);
	for (size_t i = 0; i < n->nkids && first == n->nkids; i++) {
		if (hund(pos + n->kids[i]->value, s->total) - hund(pos, s->total) < MIN_W)
			first = i;
		pos += n->kids[i]->value;
	}
	if (n->nkids - first >= 2) {
		struct node *more = calloc(1, sizeof(*more));

		if (!more)
			return -ENOMEM;
		more->kind = N_MORE;
		more->depth = n->depth + 1;
		for (size_t i = first; i < n->nkids; i++) {
			more->value += n->kids[i]->value;
			more->count += n->kids[i]->count;
			more->nstacks += n->kids[i]->nstacks;
			node_free(n->kids[i]);
		}
		n->kids[first] = more;
		n->nkids = first + 1;
	}
	pos = n->start;
	for (size_t i = 0; i < n->nkids; i++) {
		int err;

		n->kids[i]->start = pos;
		pos += n->kids[i]->value;
		err = layout(n->kids[i], s);
		if (err)
			return err;
	}
	return 0;
}

/* The label that fits w hundredths: the name, cut with "..", or nothing under 3 characters. */
static void label(FILE *f, const char *name, int64_t w)
{
	int64_t fit = w > 600 ? (w - 600) / CHAR_W : 0, chars = 0;
	const char *p;

	if (fit < 3)
		return;
	for (p = name; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars <= fit) {
		xml_putn(f, name, p - name);
		return;
	}
	/* Whole characters only (names are clean UTF-8): stop at the lead byte of the next. */
	chars = 0;
	for (p = name; *p; p++) {
		if ((*p & 0xc0) != 0x80 && chars++ == fit - 2)
			break;
	}
	xml_putn(f, name, p - name);
	fputs("..", f);
}

/* "write_jsonl in service: 30.1 MiB (31522816 bytes), 99.9%, 481 blocks" */
static void tooltip(FILE *f, const struct node *n, const char *name, const struct svg *s)
{
	unsigned __int128 pm = ((unsigned __int128)n->value * 2000 + (uint64_t)s->total) /
			       ((unsigned __int128)s->total * 2);
	bool growth = s->what == LT_PROFILE_GROWTH;
	char b[32];

	xml_puts(f, name);
	if (n->module) {
		fputs(" in ", f);
		xml_puts(f, n->module);
	}
	fprintf(f, ": %s (%" PRId64 " bytes), %u.%u%%, %" PRId64 " block%s%s",
		fmt_bytes(b, sizeof(b), n->value, false, growth), n->value, (unsigned int)(pm / 10),
		(unsigned int)(pm % 10), n->count, n->count == 1 ? "" : "s", growth ? " held" : "");
}

static void emit(const struct node *n, const struct svg *s)
{
	int64_t x = hund(n->start, s->total), w = hund(n->start + n->value, s->total) - x;
	int y = TOP + (s->maxd - n->depth) * ROW_H;
	char more[48], bx[24], bw[24], bt[24], fill[16];
	const char *name = n->name;
	FILE *f = s->f;

	if (n->kind == N_MORE) {
		snprintf(more, sizeof(more), "[%zu more stacks]", n->nstacks);
		name = more;
	}
	fputs("<g class=\"f\" data-name=\"", f);
	xml_puts(f, name);
	fprintf(f, "\" data-v=\"%" PRId64 "\" data-n=\"%" PRId64 "\" data-d=\"%d\" data-c=\"%s\">"
		"<title>", n->value, n->count, n->depth, class_name(n));
	tooltip(f, n, name, s);
	fprintf(f, "</title><rect x=\"%s\" y=\"%d\" width=\"%s\" height=\"15\" rx=\"2\" "
		"fill=\"%s\"/><text x=\"%s\" y=\"%d\">",
		fixed(bx, sizeof(bx), x), y, fixed(bw, sizeof(bw), w),
		colour(fill, sizeof(fill), n), fixed(bt, sizeof(bt), x + 300), y + 11);
	label(f, name, w);
	fputs("</text></g>\n", f);
	for (size_t i = 0; i < n->nkids; i++)
		emit(n->kids[i], s);
}

/*
 * Reads the frames back from the markup, so that the file needs nothing else: parents from
 * document order and depth, positions from the rects. Works both as an SVG document and
 * inlined into an HTML page, where the root element is not the <svg>: it is found by id,
 * and runs last, once every element it needs exists.
 */
static const char script[] =
	"(function () {\n"
	"'use strict';\n"
	"var svg = document.getElementById('leaktop-flame');\n"
	"if (!svg)\n"
	"\treturn;\n"
	"var W = 1200, CHAR_W = 7.25, HIT = 'rgb(230,0,230)';\n"
	"function byId(id) { return svg.querySelector('#' + id); }\n"
	"var details = byId('lt-details'), matched = byId('lt-matched');\n"
	"var unzoomCtl = byId('lt-unzoom'), searchCtl = byId('lt-search');\n"
	"var unsearchCtl = byId('lt-unsearch'), hint = details.textContent;\n"
	"var frames = [], open = [], inside = false, last = '';\n"
	"var gs = svg.querySelectorAll('g.f');\n"
	"for (var i = 0; i < gs.length; i++) {\n"
	"\tvar g = gs[i], rect = g.querySelector('rect');\n"
	"\tvar fr = { g: g, rect: rect, text: g.querySelector('text'),\n"
	"\t\ttitle: g.querySelector('title').textContent, name: g.getAttribute('data-name'),\n"
	"\t\tv: Number(g.getAttribute('data-v')), d: Number(g.getAttribute('data-d')),\n"
	"\t\tx: parseFloat(rect.getAttribute('x')), w: parseFloat(rect.getAttribute('width')),\n"
	"\t\tfill: rect.getAttribute('fill'), parent: -1, end: gs.length };\n"
	"\t/* A frame's subtree is the frames after it, up to one as shallow as it. */\n"
	"\twhile (open.length && frames[open[open.length - 1]].d >= fr.d)\n"
	"\t\tframes[open.pop()].end = i;\n"
	"\tfr.parent = open.length ? open[open.length - 1] : -1;\n"
	"\topen.push(i);\n"
	"\tframes.push(fr);\n"
	"\tg.ltIndex = i;\n"
	"}\n"
	"var total = frames.length ? frames[0].v : 0;\n"
	"\n"
	"function show(el, on) { el.classList.toggle('hide', !on); }\n"
	"function label(fr, w) {\n"
	"\tvar chars = Array.from(fr.name), n = Math.floor((w - 6) / CHAR_W);\n"
	"\tfr.text.textContent = n < 3 ? '' : chars.length <= n ? fr.name :\n"
	"\t\tchars.slice(0, n - 2).join('') + '..';\n"
	"}\n"
	"function place(fr, x, w) {\n"
	"\tfr.rect.setAttribute('x', x.toFixed(2));\n"
	"\tfr.rect.setAttribute('width', w.toFixed(2));\n"
	"\tfr.text.setAttribute('x', (x + 3).toFixed(2));\n"
	"\tlabel(fr, w);\n"
	"}\n"
	"/* Frame i spans the width, its ancestors too but dimmed; the rest hides. */\n"
	"/* zoom(0) resets. */\n"
	"function zoom(i) {\n"
	"\tvar z = frames[i], up = {};\n"
	"\tif (!z || !(z.w > 0))\n"
	"\t\treturn;\n"
	"\tfor (var p = z.parent; p >= 0; p = frames[p].parent)\n"
	"\t\tup[p] = true;\n"
	"\tframes.forEach(function (fr, j) {\n"
	"\t\tvar sub = j >= i && j < z.end;\n"
	"\t\tfr.g.classList.toggle('hide', !sub && !up[j]);\n"
	"\t\tfr.g.classList.toggle('dim', !!up[j]);\n"
	"\t\tif (sub)\n"
	"\t\t\tplace(fr, (fr.x - z.x) * W / z.w, fr.w * W / z.w);\n"
	"\t\telse if (up[j])\n"
	"\t\t\tplace(fr, 0, W);\n"
	"\t});\n"
	"\tshow(unzoomCtl, i > 0);\n"
	"}\n"
	"/* Matches nested in a match are in its value already: count each subtree once. */\n"
	"function search(term) {\n"
	"\tvar re, sum = 0, end = 0;\n"
	"\ttry {\n"
	"\t\tre = new RegExp(term);\n"
	"\t} catch (e) {\n"
	"\t\tdetails.textContent = 'Search: ' + e.message;\n"
	"\t\treturn;\n"
	"\t}\n"
	"\tframes.forEach(function (fr, j) {\n"
	"\t\tvar hit = re.test(fr.name);\n"
	"\t\tfr.rect.setAttribute('fill', hit ? HIT : fr.fill);\n"
	"\t\tif (hit && j >= end) {\n"
	"\t\t\tsum += fr.v;\n"
	"\t\t\tend = fr.end;\n"
	"\t\t}\n"
	"\t});\n"
	"\tlast = term;\n"
	"\tmatched.textContent = 'Matched: ' + (total ? (100 * sum / total).toFixed(1) : '0.0') +\n"
	"\t\t'% of the total';\n"
	"\tshow(unsearchCtl, true);\n"
	"}\n"
	"function unsearch() {\n"
	"\tframes.forEach(function (fr) { fr.rect.setAttribute('fill', fr.fill); });\n"
	"\tmatched.textContent = '';\n"
	"\tshow(unsearchCtl, false);\n"
	"}\n"
	"function ask() {\n"
	"\tvar term = window.prompt('Search frames (a regular expression):', last);\n"
	"\tif (term)\n"
	"\t\tsearch(term);\n"
	"}\n"
	"function frameOf(t) {\n"
	"\tfor (; t && t !== svg; t = t.parentNode) {\n"
	"\t\tif (t.ltIndex !== undefined)\n"
	"\t\t\treturn t.ltIndex;\n"
	"\t}\n"
	"\treturn -1;\n"
	"}\n"
	"\n"
	"svg.addEventListener('click', function (e) {\n"
	"\tvar i = frameOf(e.target);\n"
	"\tif (i >= 0)\n"
	"\t\tzoom(i);\n"
	"});\n"
	"svg.addEventListener('mouseover', function (e) {\n"
	"\tvar i = frameOf(e.target);\n"
	"\tdetails.textContent = i >= 0 ? frames[i].title : hint;\n"
	"});\n"
	"svg.addEventListener('mouseenter', function () { inside = true; });\n"
	"svg.addEventListener('mouseleave', function () {\n"
	"\tinside = false;\n"
	"\tdetails.textContent = hint;\n"
	"});\n"
	"unzoomCtl.addEventListener('click', function () { zoom(0); });\n"
	"searchCtl.addEventListener('click', ask);\n"
	"unsearchCtl.addEventListener('click', unsearch);\n"
	"/* Inlined in a page, take over its keys only while the pointer is on the graph. */\n"
	"document.addEventListener('keydown', function (e) {\n"
	"\tif (!inside && svg !== document.documentElement)\n"
	"\t\treturn;\n"
	"\tif ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {\n"
	"\t\te.preventDefault();\n"
	"\t\task();\n"
	"\t} else if (e.key === 'Escape') {\n"
	"\t\tunsearch();\n"
	"\t}\n"
	"});\n"
	"})();\n";

static const char style[] =
	"#leaktop-flame .title { font-family: sans-serif; font-size: 17px; }\n"
	"#leaktop-flame .f { cursor: pointer; }\n"
	"#leaktop-flame .f text { pointer-events: none; }\n"
	"#leaktop-flame .f:hover rect { stroke: #222; stroke-width: 0.8; }\n"
	"#leaktop-flame .dim { opacity: 0.55; }\n"
	"#leaktop-flame .hide { display: none; }\n"
	"#leaktop-flame .ctl { cursor: pointer; fill: #1a56b0; }\n"
	"#leaktop-flame .ctl:hover { text-decoration: underline; }\n";

static void default_title(char *buf, size_t len, const struct lt_report *r,
			  enum lt_profile_value what)
{
	if (what == LT_PROFILE_GROWTH && r->baseline_s > 0)
		snprintf(buf, len, "leaktop: heap bytes grown since the first table "
			 "(%.1f s to %.1f s)", r->baseline_s, r->elapsed_s);
	else if (what == LT_PROFILE_GROWTH)
		snprintf(buf, len, "leaktop: heap bytes grown since attach (%.1f s)", r->elapsed_s);
	else if (r->final)
		snprintf(buf, len, "leaktop: heap bytes held at exit (%.1f s)", r->elapsed_s);
	else
		snprintf(buf, len, "leaktop: heap bytes held at %.1f s", r->elapsed_s);
}

/* The totals under the title, or why there is nothing to draw. */
static void subtitle(FILE *f, const struct lt_report *r, const struct node *root,
		     enum lt_profile_value what)
{
	bool growth = what == LT_PROFILE_GROWTH;
	char b[32];

	if (!root->value)
		fputs(r->no_heap ? "Nothing to show: the heap was not traced (--no-heap)"
		      : growth ? "Nothing to show: no heap stack grew"
			       : "Nothing to show: no heap stack holds any bytes", f);
	else
		fprintf(f, "%s (%" PRId64 " bytes) %s in %" PRId64 " block%s by %zu stack%s%s",
			fmt_bytes(b, sizeof(b), root->value, false, growth), root->value,
			growth ? "grown" : "held", root->count, root->count == 1 ? "" : "s",
			root->nstacks, root->nstacks == 1 ? "" : "s",
			growth ? "; stacks that shrank are left out" : "");
	if (r->sample_bytes)
		fprintf(f, "; estimates from sampling one point per %s of allocation",
			fmt_bytes(b, sizeof(b), r->sample_bytes, false, false));
}

/* Swatches of the four frame classes, in the middle of their colour ranges. */
static void legend(FILE *f, int y)
{
	static const struct {
		const char *fill, *what;
	} items[] = {
		{ "#f08c32", "program" },
		{ "#55b9e4", "libraries" },
		{ "#5fd05a", "allocator" },
		{ "#b9b9b9", "unknown" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(items); i++)
		fprintf(f, "<rect x=\"%zu\" y=\"%d\" width=\"12\" height=\"12\" rx=\"2\" "
			"fill=\"%s\"/><text x=\"%zu\" y=\"%d\">%s</text>\n", PAD + i * 110, y - 10,
			items[i].fill, PAD + i * 110 + 16, y, items[i].what);
}

static int write_svg(const struct lt_report *r, const struct lt_svg_opts *o, struct svg *s,
		     const struct node *root)
{
	int bottom = TOP + (s->maxd + 1) * ROW_H, height = bottom + 50;
	FILE *f = s->f;
	char buf[256], *title;

	if (!o->title)
		default_title(buf, sizeof(buf), r, o->what);
	title = clean_utf8(o->title ? o->title : buf);
	if (!title)
		return -ENOMEM;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"leaktop-flame\" version=\"1.1\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" "
		"font-size=\"12\">\n", SVG_W + 2 * PAD, height, SVG_W + 2 * PAD, height);
	fprintf(f, "<style><![CDATA[\n%s]]></style>\n", style);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f4\"/>\n");
	fprintf(f, "<text class=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">",
		SVG_W / 2 + PAD);
	xml_puts(f, title);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"44\" text-anchor=\"middle\">", SVG_W / 2 + PAD);
	subtitle(f, r, root, o->what);
	fprintf(f, "</text>\n"
		"<text id=\"lt-unzoom\" class=\"ctl hide\" x=\"%d\" y=\"24\">Reset zoom</text>\n"
		"<text id=\"lt-unsearch\" class=\"ctl hide\" x=\"%d\" y=\"24\" "
		"text-anchor=\"end\">Reset search</text>\n"
		"<text id=\"lt-search\" class=\"ctl\" x=\"%d\" y=\"24\" "
		"text-anchor=\"end\">Search</text>\n", PAD, SVG_W + PAD - 70, SVG_W + PAD);
	/* The frames' x are 0-based, the way the script computes them after a zoom. */
	fprintf(f, "<g id=\"lt-frames\" transform=\"translate(%d 0)\">\n", PAD);
	if (root->value)
		emit(root, s);
	fprintf(f, "</g>\n<text id=\"lt-details\" x=\"%d\" y=\"%d\">%s</text>\n"
		"<text id=\"lt-matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n", PAD,
		bottom + 16, root->value ? "Hover over a frame for details, click to zoom, Ctrl-F "
		"to search" : "", SVG_W + PAD, bottom + 16);
	legend(f, bottom + 38);
	fprintf(f, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n", script);
	free(title);
	return 0;
}

int out_svg__write(FILE *f, const struct lt_report *r, const struct lt_svg_opts *o)
{
	struct node root = { .kind = N_ROOT, .name = "all" };
	struct svg s = { .f = f, .what = o->what };
	struct lt_stack_path *stacks = NULL;
	size_t n = 0;
	int err;

	err = collect(r, o->what, &stacks, &n);
	if (err)
		return err;
	err = build(&root, stacks, n);
	s.total = root.value;
	if (!err && s.total)
		err = layout(&root, &s);
	err = err ?: write_svg(r, o, &s, &root);
	if (!err && (fflush(f) || ferror(f)))
		err = -EIO;
	for (size_t i = 0; i < root.nkids; i++)
		node_free(root.kids[i]);
	free(root.kids);
	stackpath__free(stacks, n);
	return err;
}
