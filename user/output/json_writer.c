// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer. Its state is where the next token goes: a value or member after another
 * in the same container takes a comma first; one right after '{', '[' or a name does not.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "json_writer.h"

struct json_writer {
	FILE *f;
	unsigned int depth;	/* containers open */
	bool comma;		/* the next value or name follows a sibling */
};

struct json_writer *jw_new(FILE *f)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (jw)
		jw->f = f;
	return jw;
}

void jw_free(struct json_writer *jw)
{
	free(jw);
}

/* Before a value, a name or a container's opening. */
static void before(struct json_writer *jw)
{
	if (jw->comma)
		fputc(',', jw->f);
}

/* After a value, or a container's closing: its siblings follow a comma; the top level a line. */
static void after(struct json_writer *jw)
{
	jw->comma = jw->depth > 0;
	if (!jw->depth)
		fputc('\n', jw->f);
}

static void open_container(struct json_writer *jw, char c)
{
	before(jw);
	fputc(c, jw->f);
	jw->depth++;
	jw->comma = false;
}

static void close_container(struct json_writer *jw, char c)
{
	fputc(c, jw->f);
	if (jw->depth)
		jw->depth--;
	after(jw);
}

void jw_start_object(struct json_writer *jw)
{
	open_container(jw, '{');
}

void jw_end_object(struct json_writer *jw)
{
	close_container(jw, '}');
}

void jw_start_array(struct json_writer *jw)
{
	open_container(jw, '[');
}

void jw_end_array(struct json_writer *jw)
{
	close_container(jw, ']');
}

/* s in quotes, escaped; bytes from 0x80 up (UTF-8) pass as they are. */
static void quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number, a boolean or null. */
static void __attribute__((format(printf, 2, 3))) scalar(struct json_writer *jw,
							 const char *fmt, ...)
{
	va_list ap;

	before(jw);
	va_start(ap, fmt);
	vfprintf(jw->f, fmt, ap);
	va_end(ap);
	after(jw);
}

void jw_name(struct json_writer *jw, const char *name)
{
	before(jw);
	quote(jw->f, name);
	fputc(':', jw->f);
	jw->comma = false;
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!s) {
		jw_null(jw);
		return;
	}
	before(jw);
	quote(jw->f, s);
	after(jw);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	scalar(jw, "%" PRId64, v);
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	scalar(jw, "%" PRIu64, v);
}

void jw_double(struct json_writer *jw, double v)
{
	if (isfinite(v))
		scalar(jw, "%.17g", v);
	else
		jw_null(jw);
}

void jw_bool(struct json_writer *jw, bool v)
{
	scalar(jw, "%s", v ? "true" : "false");
}

void jw_null(struct json_writer *jw)
{
	scalar(jw, "null");
}

/* The members in one call: the name, then the value. */
#define JW_FIELD(kind, type)                                                     \
	void jw_##kind##_field(struct json_writer *jw, const char *name, type v) \
	{                                                                        \
		jw_name(jw, name);                                               \
		jw_##kind(jw, v);                                                \
	}

JW_FIELD(string, const char *)
JW_FIELD(int, int64_t)
JW_FIELD(uint, uint64_t)
JW_FIELD(double, double)
JW_FIELD(bool, bool)
