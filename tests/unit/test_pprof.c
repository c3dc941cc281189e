// SPDX-License-Identifier: GPL-2.0
/*
 * The pprof writer, checked by decoding what it writes: a small protobuf reader here takes the
 * message apart by profile.proto's field numbers, written down independently of the encoder,
 * and the tests compare what comes back with the report it was made from.
 */
#include <errno.h>
#include <math.h>
#include <zlib.h>

#include "output.h"
#include "report_fixture.h"
#include "test.h"
#include "util.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* The part of a message still to read. */
struct rd {
	const uint8_t *p, *end;
	bool bad;
};

struct field {
	unsigned int num, wire;
	uint64_t v;	/* WIRE_VARINT */
	struct rd sub;	/* WIRE_LEN: its bytes */
};

struct t_value_type {
	uint64_t type, unit;
};

struct t_label {
	uint64_t key, str, num, num_unit;
};

struct t_sample {
	uint64_t loc[64], val[8];
	size_t nloc, nval;
	struct t_label label[4];
	size_t nlabel;
};

struct t_mapping {
	uint64_t id, start, limit, offset, filename, build_id, has_functions;
};

struct t_location {
	uint64_t id, mapping_id, address;
	uint64_t func[4];	/* Line.function_id */
	uint64_t line[4];	/* Line.line */
	size_t nline;
};

struct t_function {
	uint64_t id, name, system_name, filename, start_line;
};

struct t_profile {
	struct t_value_type *sample_type, period_type;
	struct t_sample *sample;
	struct t_mapping *mapping;
	struct t_location *location;
	struct t_function *function;
	char **str;
	size_t nsample_type, nsample, nmapping, nlocation, nfunction, nstr;
	uint64_t time_nanos, duration_nanos, period, default_sample_type;
	uint64_t comment[8];
	size_t ncomment;
	bool bad;	/* malformed, or a field profile.proto does not have here */
};

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		abort();
	return p;
}

/* Append a zeroed element to a growing array, doubling it when n is a power of two. */
#define PUSH(arr, n)                                                                            \
	({                                                                                      \
		if (!((n) & ((n) - 1)))                                                         \
			(arr) = xrealloc((arr), ((n) ? 2 * (n) : 1) * sizeof(*(arr)));          \
		memset(&(arr)[n], 0, sizeof(*(arr)));                                           \
		&(arr)[(n)++];                                                                  \
	})

static bool rd_varint(struct rd *r, uint64_t *v)
{
	*v = 0;
	for (unsigned int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
		uint8_t b = *r->p++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	r->bad = true;
	return false;
}

/* The next field; false at the end, or when malformed (r->bad). */
static bool rd_next(struct rd *r, struct field *f)
{
	uint64_t key, n;

	if (r->bad || r->p == r->end || !rd_varint(r, &key))
		return false;
	f->num = key >> 3;
	f->wire = key & 7;
	if (f->wire == WIRE_VARINT)
		return rd_varint(r, &f->v);
	/* profile.proto has no fixed-width fields, nor groups. */
	if (f->wire != WIRE_LEN || !rd_varint(r, &n) || n > (size_t)(r->end - r->p)) {
		r->bad = true;
		return false;
	}
	f->sub = (struct rd){ r->p, r->p + n, false };
	r->p += n;
	return true;
}

/* A packed repeated varint field, appended to v[]. */
static void dec_packed(struct t_profile *p, struct field *f, uint64_t *v, size_t *n, size_t max)
{
	if (f->wire != WIRE_LEN) {
		p->bad = true;
		return;
	}
	while (f->sub.p < f->sub.end && !f->sub.bad) {
		if (*n == max) {
			p->bad = true;
			return;
		}
		rd_varint(&f->sub, &v[(*n)++]);
	}
	p->bad |= f->sub.bad;
}

/* A message of varint fields only: field n goes to *slot[n]; a field with no slot is bad. */
static void dec_flat(struct t_profile *p, struct field *f, uint64_t *const *slot, size_t nslot)
{
	struct field g;

	if (f->wire != WIRE_LEN) {
		p->bad = true;
		return;
	}
	while (rd_next(&f->sub, &g)) {
		if (g.num < nslot && slot[g.num] && g.wire == WIRE_VARINT)
			*slot[g.num] = g.v;
		else
			p->bad = true;
	}
	p->bad |= f->sub.bad;
}

#define DEC_FLAT(p, f, ...)                                                                     \
	dec_flat(p, f, (uint64_t *const[]){ __VA_ARGS__ },                                      \
		 sizeof((uint64_t *const[]){ __VA_ARGS__ }) / sizeof(uint64_t *))

static void dec_value_type(struct t_profile *p, struct field *f, struct t_value_type *vt)
{
	DEC_FLAT(p, f, NULL, &vt->type, &vt->unit);
}

static void dec_sample(struct t_profile *p, struct field *f)
{
	struct t_sample *s = PUSH(p->sample, p->nsample);
	struct t_label *l;
	struct field g;

	while (rd_next(&f->sub, &g)) {
		switch (g.num) {
		case 1:
			dec_packed(p, &g, s->loc, &s->nloc, ARRAY_SIZE(s->loc));
			break;
		case 2:
			dec_packed(p, &g, s->val, &s->nval, ARRAY_SIZE(s->val));
			break;
		case 3:
			if (s->nlabel == ARRAY_SIZE(s->label)) {
				p->bad = true;
				break;
			}
			l = &s->label[s->nlabel++];
			DEC_FLAT(p, &g, NULL, &l->key, &l->str, &l->num, &l->num_unit);
			break;
		default:
			p->bad = true;
		}
	}
	p->bad |= f->sub.bad || f->wire != WIRE_LEN;
}

static void dec_location(struct t_profile *p, struct field *f)
{
	struct t_location *l = PUSH(p->location, p->nlocation);
	struct field g;

	while (rd_next(&f->sub, &g)) {
		if (g.num == 1 && g.wire == WIRE_VARINT)
			l->id = g.v;
		else if (g.num == 2 && g.wire == WIRE_VARINT)
			l->mapping_id = g.v;
		else if (g.num == 3 && g.wire == WIRE_VARINT)
			l->address = g.v;
		else if (g.num == 4 && l->nline < ARRAY_SIZE(l->func)) {
			DEC_FLAT(p, &g, NULL, &l->func[l->nline], &l->line[l->nline]);
			l->nline++;
		}
		else
			p->bad = true;
	}
	p->bad |= f->sub.bad || f->wire != WIRE_LEN;
}

static void dec_string(struct t_profile *p, struct field *f)
{
	char **s = PUSH(p->str, p->nstr);

	if (f->wire != WIRE_LEN) {
		p->bad = true;
		return;
	}
	*s = strndup((const char *)f->sub.p, f->sub.end - f->sub.p);
	if (!*s || strlen(*s) != (size_t)(f->sub.end - f->sub.p))
		p->bad = true;
}

static void dec_scalar(struct t_profile *p, struct field *f, uint64_t *v)
{
	if (f->wire == WIRE_VARINT)
		*v = f->v;
	else
		p->bad = true;
}

static struct t_profile *decode(const uint8_t *buf, size_t len)
{
	struct t_profile *p = calloc(1, sizeof(*p));
	struct rd r = { buf, buf + len, false };
	struct t_mapping *m;
	struct t_function *fn;
	struct field f;

	if (!p)
		abort();
	while (rd_next(&r, &f)) {
		switch (f.num) {
		case 1:
			dec_value_type(p, &f, PUSH(p->sample_type, p->nsample_type));
			break;
		case 2:
			dec_sample(p, &f);
			break;
		case 3:
			m = PUSH(p->mapping, p->nmapping);
			DEC_FLAT(p, &f, NULL, &m->id, &m->start, &m->limit, &m->offset,
				 &m->filename, &m->build_id, &m->has_functions);
			break;
		case 4:
			dec_location(p, &f);
			break;
		case 5:
			fn = PUSH(p->function, p->nfunction);
			DEC_FLAT(p, &f, NULL, &fn->id, &fn->name, &fn->system_name, &fn->filename,
				 &fn->start_line);
			break;
		case 6:
			dec_string(p, &f);
			break;
		case 9:
			dec_scalar(p, &f, &p->time_nanos);
			break;
		case 10:
			dec_scalar(p, &f, &p->duration_nanos);
			break;
		case 11:
			dec_value_type(p, &f, &p->period_type);
			break;
		case 12:
			dec_scalar(p, &f, &p->period);
			break;
		case 13:
			dec_packed(p, &f, p->comment, &p->ncomment, ARRAY_SIZE(p->comment));
			break;
		case 14:
			dec_scalar(p, &f, &p->default_sample_type);
			break;
		default:
			p->bad = true;
		}
	}
	p->bad |= r.bad;
	return p;
}

static void profile_free(struct t_profile *p)
{
	for (size_t i = 0; i < p->nstr; i++)
		free(p->str[i]);
	free(p->str);
	free(p->sample_type);
	free(p->sample);
	free(p->mapping);
	free(p->location);
	free(p->function);
	free(p);
}

/* String `i`, or NULL when the table has none such. */
static const char *str_at(const struct t_profile *p, uint64_t i)
{
	return i < p->nstr ? p->str[i] : NULL;
}

/* Ids run 1, 2, 3...: entries come in id order. NULL for an unknown id. */
static const struct t_location *loc_of(const struct t_profile *p, uint64_t id)
{
	return id && id <= p->nlocation ? &p->location[id - 1] : NULL;
}

static const struct t_mapping *mapping_of(const struct t_profile *p, uint64_t id)
{
	return id && id <= p->nmapping ? &p->mapping[id - 1] : NULL;
}

static const struct t_function *function_of(const struct t_profile *p, uint64_t id)
{
	return id && id <= p->nfunction ? &p->function[id - 1] : NULL;
}

/* The label `key` of a sample, or NULL. */
static const struct t_label *label_of(const struct t_profile *p, const struct t_sample *s,
				      const char *key)
{
	for (size_t i = 0; i < s->nlabel; i++) {
		const char *k = str_at(p, s->label[i].key);

		if (k && !strcmp(k, key))
			return &s->label[i];
	}
	return NULL;
}

static struct t_profile *encode_decode(const struct lt_report *r)
{
	struct t_profile *p;
	uint8_t *buf = NULL;
	size_t len = 0;

	ASSERT_EQ(out_pprof__encode(r, &buf, &len), 0, "encode");
	p = decode(buf, len);
	ASSERT_TRUE(!p->bad, "a well-formed profile.proto message");
	free(buf);
	return p;
}

static bool is_sample(const struct lt_row *row)
{
	return row->kind == LT_ROW_HEAP &&
	       (row->bytes > 0 || row->count > 0 || row->total_allocs > 0);
}

/* What every profile has, whatever its rows. */
static void check_header(const struct t_profile *p, const struct lt_report *r)
{
	static const char *const types[][2] = {
		{ "alloc_objects", "count" },
		{ "alloc_space", "bytes" },
		{ "inuse_objects", "count" },
		{ "inuse_space", "bytes" },
	};

	ASSERT_TRUE(p->nstr > 0 && !strcmp(p->str[0], ""), "string_table[0] is \"\"");
	for (size_t i = 1; i < p->nstr; i++) {
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(p->str[i], p->str[j]))
				ASSERT_STREQ(p->str[i], "(a duplicate)", "no string twice");
		}
	}
	if (ASSERT_EQ(p->nsample_type, 4, "four sample types")) {
		for (size_t i = 0; i < 4; i++) {
			ASSERT_STREQ(str_at(p, p->sample_type[i].type), types[i][0], "sample type");
			ASSERT_STREQ(str_at(p, p->sample_type[i].unit), types[i][1], "its unit");
		}
	}
	ASSERT_STREQ(str_at(p, p->default_sample_type), "inuse_space", "default sample type");
	ASSERT_STREQ(str_at(p, p->period_type.type), "space", "period type");
	ASSERT_STREQ(str_at(p, p->period_type.unit), "bytes", "period unit");
	ASSERT_EQ(p->period, r->sample_bytes ? r->sample_bytes : 1, "period");
	ASSERT_EQ(p->time_nanos, r->start_ns, "time_nanos");
	ASSERT_EQ(p->duration_nanos, llround(r->elapsed_s * 1e9), "duration_nanos");
	if (ASSERT_EQ(p->ncomment, r->sample_bytes ? 2 : 1, "comments"))
		ASSERT_STREQ(str_at(p, p->comment[0]), "leaktop heap profile", "first comment");
	for (size_t i = 0; i < p->nmapping; i++)
		ASSERT_EQ(p->mapping[i].id, i + 1, "mapping ids run from 1");
	for (size_t i = 0; i < p->nlocation; i++)
		ASSERT_EQ(p->location[i].id, i + 1, "location ids run from 1");
	for (size_t i = 0; i < p->nfunction; i++)
		ASSERT_EQ(p->function[i].id, i + 1, "function ids run from 1");
}

/* One frame's location against the frame it came from. */
static void check_frame(const struct t_profile *p, uint64_t loc_id, const struct lt_frame *fr)
{
	const struct t_location *l = loc_of(p, loc_id);
	const struct t_function *fn;
	const struct t_mapping *m;

	if (!ASSERT_TRUE(l, "location id resolves"))
		return;
	/* A Python frame: no address and no mapping; its source file and line. */
	ASSERT_EQ(l->address, fr->cls == LT_FRAME_PYTHON ? 0 : fr->ip, "location address");
	if (fr->func && ASSERT_EQ(l->nline, 1, "one line")) {
		fn = function_of(p, l->func[0]);
		ASSERT_EQ(l->line[0], fr->line, "line number");
		if (ASSERT_TRUE(fn, "function id resolves")) {
			ASSERT_STREQ(str_at(p, fn->name), fr->func, "function name");
			ASSERT_STREQ(str_at(p, fn->system_name), fr->func, "system name");
			ASSERT_STREQ(str_at(p, fn->filename),
				     fr->cls == LT_FRAME_PYTHON ? fr->file
								: fr->mod ? fr->mod->path : "",
				     "function file");
		}
	} else if (!fr->func) {
		ASSERT_EQ(l->nline, 0, "no name, no line");
	}
	if (!fr->mod) {
		ASSERT_EQ(l->mapping_id, 0, "no object, no mapping");
		return;
	}
	m = mapping_of(p, l->mapping_id);
	if (!ASSERT_TRUE(m, "mapping id resolves"))
		return;
	ASSERT_STREQ(str_at(p, m->filename), fr->mod->path, "mapping file");
	ASSERT_STREQ(str_at(p, m->build_id), fr->mod->build_id ?: "", "mapping build id");
	ASSERT_EQ(m->start, fr->mod->start, "memory_start");
	ASSERT_EQ(m->limit, fr->mod->end, "memory_limit");
	ASSERT_EQ(m->offset, fr->mod->offset, "file_offset");
	ASSERT_EQ(m->has_functions, 1, "has_functions");
}

/* Every sample against its row, in row order: values, labels, and stack innermost first. */
static void check_samples(const struct t_profile *p, const struct lt_report *r)
{
	size_t j = 0;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];
		const struct t_sample *s;
		const struct t_label *l;

		if (!is_sample(row))
			continue;
		if (!ASSERT_TRUE(j < p->nsample, "a sample for each heap row with something"))
			return;
		s = &p->sample[j++];
		if (ASSERT_EQ(s->nval, 4, "four values")) {
			ASSERT_EQ(s->val[0], row->total_allocs, "alloc_objects");
			ASSERT_EQ(s->val[1], row->total_alloc_bytes, "alloc_space");
			ASSERT_EQ(s->val[2], row->count, "inuse_objects");
			ASSERT_EQ(s->val[3], row->bytes, "inuse_space");
		}
		l = label_of(p, s, "pid");
		if (ASSERT_TRUE(l, "pid label")) {
			ASSERT_EQ(l->num, row->pid, "pid label's number");
			ASSERT_EQ(l->str, 0, "pid label is a number");
			ASSERT_EQ(l->num_unit, 0, "pid has no unit");
		}
		l = label_of(p, s, "comm");
		if (row->comm && ASSERT_TRUE(l, "comm label"))
			ASSERT_STREQ(str_at(p, l->str), row->comm, "comm label's string");
		else if (!row->comm)
			ASSERT_TRUE(!l, "no comm, no label");
		if (!row->nframes) {
			const struct t_location *loc = loc_of(p, s->nloc == 1 ? s->loc[0] : 0);
			const struct t_function *fn;

			if (ASSERT_TRUE(loc && loc->nline == 1, "a location for a lost stack")) {
				fn = function_of(p, loc->func[0]);
				ASSERT_STREQ(fn ? str_at(p, fn->name) : NULL, "[stack unavailable]",
					     "a lost stack is named");
			}
			continue;
		}
		if (!ASSERT_EQ(s->nloc, row->nframes, "a location per frame"))
			continue;
		for (size_t k = 0; k < row->nframes; k++)
			check_frame(p, s->loc[k], &row->frames[k]);
	}
	ASSERT_EQ(p->nsample, j, "no other samples");
}

static const char *path_of(const struct lt_frame *f)
{
	return f->mod ? f->mod->path : "";
}

enum by {
	BY_LOCATION,
	BY_FUNCTION,
	BY_MAPPING,
};

struct pid_frame {
	pid_t pid;
	const struct lt_frame *f;
};

/* Whether two frames make one Location, Function or Mapping. */
static bool same(enum by by, const struct pid_frame *a, const struct pid_frame *b)
{
	switch (by) {
	case BY_FUNCTION:
		return !strcmp(a->f->func, b->f->func) && !strcmp(path_of(a->f), path_of(b->f));
	case BY_MAPPING:
		return a->pid == b->pid && a->f->mod == b->f->mod;
	default:
		return a->pid == b->pid && a->f->ip == b->f->ip;
	}
}

/* How many distinct Locations, Functions or Mappings the samples' frames make, counted naively. */
static size_t count_distinct(const struct lt_report *r, enum by by)
{
	struct pid_frame *seen = NULL;
	size_t n = 0, j;

	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t k = 0; is_sample(&r->rows[i]) && k < r->rows[i].nframes; k++) {
			struct pid_frame pf = { r->rows[i].pid, &r->rows[i].frames[k] };

			if ((by == BY_FUNCTION && !pf.f->func) || (by == BY_MAPPING && !pf.f->mod))
				continue;
			for (j = 0; j < n && !same(by, &seen[j], &pf); j++)
				;
			if (j == n)
				*PUSH(seen, n) = pf;
		}
	}
	free(seen);
	return n;
}

static bool has_lost_stack(const struct lt_report *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		if (is_sample(&r->rows[i]) && !r->rows[i].nframes)
			return true;
	}
	return false;
}

static void test_fixture(void)
{
	struct t_profile *p = encode_decode(&fx_report);
	int64_t heap_bytes = 0, inuse_space = 0;
	size_t want = 0, lost;

	check_header(p, &fx_report);
	for (size_t i = 0; i < fx_report.nrows; i++) {
		want += is_sample(&fx_report.rows[i]);
		if (fx_report.rows[i].kind == LT_ROW_HEAP)
			heap_bytes += fx_report.rows[i].bytes;
	}
	ASSERT_TRUE(want > 0 && want < fx_report.nrows, "the fixture has rows of both sorts");
	ASSERT_EQ(p->nsample, want, "a sample per heap row with something");
	check_samples(p, &fx_report);
	for (size_t i = 0; i < p->nsample; i++)
		inuse_space += (int64_t)p->sample[i].val[3];
	ASSERT_EQ(inuse_space, heap_bytes, "inuse_space sums to the heap rows' bytes");
	ASSERT_EQ(inuse_space, fx_report.total_bytes, "and to the report's total");

	lost = has_lost_stack(&fx_report);
	ASSERT_EQ(p->nlocation, count_distinct(&fx_report, BY_LOCATION) + lost,
		  "a location per distinct (pid, ip), and one for lost stacks");
	ASSERT_EQ(p->nfunction, count_distinct(&fx_report, BY_FUNCTION) + lost,
		  "a function per distinct (name, file)");
	ASSERT_EQ(p->nmapping, count_distinct(&fx_report, BY_MAPPING),
		  "a mapping per distinct (pid, object)");
	for (size_t i = 0; i < p->nmapping; i++) {
		const char *file = str_at(p, p->mapping[i].filename);

		if (file && !strcmp(file, fx_service.path))
			ASSERT_STREQ(str_at(p, p->mapping[i].build_id), fx_service.build_id,
				     "the executable's build id");
		if (file && !strcmp(file, fx_libc.path))
			ASSERT_STREQ(str_at(p, p->mapping[i].build_id), fx_libc.build_id,
				     "libc's build id");
		if (file && !strcmp(file, fx_libstdcxx.path))
			ASSERT_EQ(p->mapping[i].build_id, 0, "no build id, none given");
	}
	profile_free(p);
}

/* The decoded profile as text, one line per entry, in the spirit of `go tool pprof -raw`. */
static char *dump(const struct t_profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "time_nanos %" PRIu64 " duration_nanos %" PRIu64 " period %" PRIu64
		   " %s/%s default %s\n", p->time_nanos, p->duration_nanos, p->period,
		str_at(p, p->period_type.type), str_at(p, p->period_type.unit),
		str_at(p, p->default_sample_type));
	for (size_t i = 0; i < p->ncomment; i++)
		fprintf(f, "comment %s\n", str_at(p, p->comment[i]));
	for (size_t i = 0; i < p->nsample_type; i++)
		fprintf(f, "sample_type %s/%s\n", str_at(p, p->sample_type[i].type),
			str_at(p, p->sample_type[i].unit));
	for (size_t i = 0; i < p->nsample; i++) {
		const struct t_sample *sm = &p->sample[i];

		fprintf(f, "sample");
		for (size_t k = 0; k < sm->nval; k++)
			fprintf(f, " %" PRIu64, sm->val[k]);
		fprintf(f, " @");
		for (size_t k = 0; k < sm->nloc; k++)
			fprintf(f, " %" PRIu64, sm->loc[k]);
		for (size_t k = 0; k < sm->nlabel; k++) {
			const struct t_label *l = &sm->label[k];

			if (l->str)
				fprintf(f, " %s=%s", str_at(p, l->key), str_at(p, l->str));
			else
				fprintf(f, " %s=%" PRIu64, str_at(p, l->key), l->num);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->nlocation; i++) {
		const struct t_location *l = &p->location[i];

		fprintf(f, "location %" PRIu64 " %#" PRIx64 " mapping %" PRIu64, l->id, l->address,
			l->mapping_id);
		for (size_t k = 0; k < l->nline; k++) {
			fprintf(f, " function %" PRIu64, l->func[k]);
			if (l->line[k])
				fprintf(f, " line %" PRIu64, l->line[k]);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->nfunction; i++)
		fprintf(f, "function %" PRIu64 " %s (%s) in %s\n", p->function[i].id,
			str_at(p, p->function[i].name), str_at(p, p->function[i].system_name),
			p->function[i].filename ? str_at(p, p->function[i].filename) : "-");
	for (size_t i = 0; i < p->nmapping; i++) {
		const struct t_mapping *m = &p->mapping[i];

		fprintf(f, "mapping %" PRIu64 " %#" PRIx64 "-%#" PRIx64 " offset %#" PRIx64
			   " %s build_id %s%s\n", m->id, m->start, m->limit, m->offset,
			str_at(p, m->filename), m->build_id ? str_at(p, m->build_id) : "-",
			m->has_functions ? " has_functions" : "");
	}
	fclose(f);
	return buf;
}

/* The whole profile of the fixture against a golden text dump, to review by eye. */
static void test_golden_dump(void)
{
	struct t_profile *p = encode_decode(&fx_report);
	char *got = p ? dump(p) : NULL;

	test_golden(got, "tests/unit/golden/report.pprof.txt");
	free(got);
	profile_free(p);
}

static void test_deterministic(void)
{
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	ASSERT_EQ(out_pprof__encode(&fx_report, &a, &alen), 0, "first encode");
	ASSERT_EQ(out_pprof__encode(&fx_report, &b, &blen), 0, "second encode");
	ASSERT_TRUE(alen == blen && !memcmp(a, b, alen), "the same report, the same bytes");
	free(a);
	free(b);
}

/* out_pprof__write() into memory. */
static char *write_gz(const struct lt_report *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!ASSERT_TRUE(f, "open_memstream"))
		return NULL;
	ASSERT_EQ(out_pprof__write(f, r), 0, "write");
	fclose(f);
	return buf;
}

static void test_gzip(void)
{
	uint8_t *raw = NULL, *out;
	size_t raw_len = 0, gz_len = 0, gz2_len = 0;
	char *gz = write_gz(&fx_report, &gz_len), *gz2 = write_gz(&fx_report, &gz2_len);
	z_stream zs = {};

	ASSERT_EQ(out_pprof__encode(&fx_report, &raw, &raw_len), 0, "encode");
	ASSERT_TRUE(gz && gz_len > 10 && (uint8_t)gz[0] == 0x1f && (uint8_t)gz[1] == 0x8b,
		    "gzip magic");
	ASSERT_TRUE(gz && !gz[4] && !gz[5] && !gz[6] && !gz[7], "mtime 0");
	ASSERT_TRUE(gz && gz2 && gz_len == gz2_len && !memcmp(gz, gz2, gz_len),
		    "the same compressed bytes each time");

	/* One spare byte, to see that nothing follows the message. */
	out = malloc(raw_len + 1);
	if (gz && out && ASSERT_EQ(inflateInit2(&zs, 15 + 32), Z_OK, "inflateInit2")) {
		zs.next_in = (Bytef *)gz;
		zs.avail_in = gz_len;
		zs.next_out = out;
		zs.avail_out = raw_len + 1;
		ASSERT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END, "one whole gzip stream");
		ASSERT_EQ(zs.avail_in, 0, "nothing after it");
		ASSERT_EQ(zs.total_out, raw_len, "its length");
		ASSERT_TRUE(!memcmp(out, raw, raw_len), "gunzips to the encoded message");
		inflateEnd(&zs);
	}
	free(out);
	free(raw);
	free(gz);
	free(gz2);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");

	if (!ASSERT_TRUE(f, "open /dev/full"))
		return;
	ASSERT_EQ(out_pprof__write(f, &fx_report), -EIO, "a failed write is -EIO");
	fclose(f);
}

static void test_empty(void)
{
	struct lt_report empty = { .nrows = 0 };
	struct t_profile *p = encode_decode(&empty);

	check_header(p, &empty);
	ASSERT_EQ(p->nsample, 0, "no samples");
	ASSERT_EQ(p->nlocation, 0, "no locations");
	ASSERT_EQ(p->nfunction, 0, "no functions");
	ASSERT_EQ(p->nmapping, 0, "no mappings");
	profile_free(p);
}

/*
 * Two processes map one object (one struct lt_module, as a shared symbolizer entry could be):
 * each gets its own Mapping and its own Locations, and they share the Function.
 */
static void test_two_processes(void)
{
	static const struct lt_module lib = {
		.path = "/usr/lib/libshared.so", .base = "libshared.so", .build_id = "abcdef01",
		.start = 0x7f1000000000, .end = 0x7f1000100000, .offset = 0x1000,
	};
	static const struct lt_module exe = {
		.path = "/usr/bin/app", .base = "app", .start = 0x1000, .end = 0x9000,
		.is_exe = true,
	};
	struct lt_frame a[] = {
		{ .ip = 0x7f1000001234, .func = "shared_alloc", .mod = &lib },
		{ .ip = 0x1100, .func = "main", .mod = &exe },
	};
	struct lt_frame b[] = {
		{ .ip = 0x7f1000001234, .func = "shared_alloc", .mod = &lib },
	};
	struct lt_row rows[] = {
		{ .kind = LT_ROW_HEAP, .pid = 100, .comm = "app", .bytes = 100, .count = 1,
		  .total_allocs = 1, .total_alloc_bytes = 100, .nframes = 2, .frames = a },
		/* Everything freed, but it allocated: alloc_* count it. */
		{ .kind = LT_ROW_HEAP, .pid = 200, .total_allocs = 5, .total_alloc_bytes = 500,
		  .nframes = 1, .frames = b },
		{ .kind = LT_ROW_MMAP_ANON, .pid = 200, .bytes = 4096, .count = 1, .nframes = 1,
		  .frames = b },
		{ .kind = LT_ROW_HEAP, .pid = 100, .comm = "app", .nframes = 1, .frames = b },
	};
	struct lt_report r = { .rows = rows, .nrows = ARRAY_SIZE(rows), .sample_bytes = 524288,
			       .elapsed_s = 2.5, .start_ns = 1 };
	struct t_profile *p = encode_decode(&r);
	const struct t_location *l0, *l1;

	check_header(p, &r);
	check_samples(p, &r);
	ASSERT_EQ(p->nsample, 2, "only heap rows, with something");
	ASSERT_EQ(p->nmapping, 3, "mappings per (pid, object)");
	ASSERT_EQ(p->nlocation, 3, "locations per (pid, ip)");
	ASSERT_EQ(p->nfunction, 2, "functions per (name, file)");
	if (p->nsample == 2 && p->sample[1].nloc == 1) {
		l0 = loc_of(p, p->sample[0].loc[0]);
		l1 = loc_of(p, p->sample[1].loc[0]);
		ASSERT_TRUE(l0 && l1 && l0 != l1, "one address, two processes, two locations");
		ASSERT_TRUE(l0 && l1 && l0->mapping_id != l1->mapping_id, "and two mappings");
		ASSERT_TRUE(l0 && l1 && l0->func[0] == l1->func[0], "and one function");
	}
	if (ASSERT_EQ(p->ncomment, 2, "a comment on sampling"))
		ASSERT_CONTAINS(str_at(p, p->comment[1]), "one point per 524288 bytes",
				"the sampling period in words");
	profile_free(p);
}

/*
 * out_pprof.c hashes (pid, address) as address ^ (u32)pid * 0x9e3779b97f4a7c15, so these two
 * locations collide: the second must still get its own id, and each must be found again. If
 * the hash changes, this test still passes, but without a collision.
 */
static void test_hash_collision(void)
{
	const uint64_t mul = 0x9e3779b97f4a7c15ULL, ip = 0x401000;
	struct lt_frame a[] = { { .ip = ip, .func = "first" } };
	struct lt_frame b[] = { { .ip = ip ^ 1 * mul ^ 2 * mul, .func = "second" } };
	struct lt_row rows[] = {
		{ .kind = LT_ROW_HEAP, .pid = 1, .bytes = 1, .nframes = 1, .frames = a },
		{ .kind = LT_ROW_HEAP, .pid = 2, .bytes = 2, .nframes = 1, .frames = b },
		{ .kind = LT_ROW_HEAP, .pid = 1, .bytes = 3, .nframes = 1, .frames = a },
		{ .kind = LT_ROW_HEAP, .pid = 2, .bytes = 4, .nframes = 1, .frames = b },
	};
	struct lt_report r = { .rows = rows, .nrows = ARRAY_SIZE(rows) };
	struct t_profile *p = encode_decode(&r);

	check_samples(p, &r);
	ASSERT_EQ(p->nlocation, 2, "colliding keys, two locations");
	if (p->nsample == 4) {
		ASSERT_EQ(p->sample[2].loc[0], p->sample[0].loc[0], "the first found again");
		ASSERT_EQ(p->sample[3].loc[0], p->sample[1].loc[0], "the second found again");
	}
	profile_free(p);
}

/* Enough distinct names and addresses to grow every table many times over. */
static void test_many(void)
{
	enum { N = 3000 };
	struct lt_frame *frames = calloc(N, sizeof(*frames));
	struct lt_row *rows = calloc(N, sizeof(*rows));
	char (*names)[16] = calloc(N, sizeof(*names));
	struct lt_report r = { .rows = rows, .nrows = N };
	struct t_profile *p;

	if (!frames || !rows || !names)
		abort();
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "fn_%zu", i % (N / 2));
		frames[i] = (struct lt_frame){ .ip = 0x400000 + i * 16, .func = names[i],
					       .mod = i % 3 ? &fx_libc : &fx_service };
		rows[i] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 1000 + i % 7,
					   .comm = names[i % 5], .bytes = i + 1, .count = 1,
					   .nframes = 1, .frames = &frames[i] };
	}
	p = encode_decode(&r);
	check_header(p, &r);
	check_samples(p, &r);
	ASSERT_EQ(p->nsample, N, "every row a sample");
	ASSERT_EQ(p->nlocation, N, "every address its own location");
	ASSERT_EQ(p->nmapping, 14, "two objects in seven processes");
	ASSERT_EQ(p->nfunction, N / 2, "each name in one object");
	profile_free(p);
	free(names);
	free(rows);
	free(frames);
}

TEST_MAIN(TEST(test_fixture), TEST(test_golden_dump), TEST(test_deterministic), TEST(test_gzip),
	  TEST(test_write_error), TEST(test_empty), TEST(test_two_processes),
	  TEST(test_hash_collision), TEST(test_many))
