/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A JSON writer that owns the punctuation: the commas between members and elements, the
 * quotes and escapes of strings, so a caller only says what comes next. After bpftool's
 * json_writer. The output is compact (no spaces), and each top-level value ends with a
 * newline, so that a stream of them is JSON Lines.
 *
 * The caller keeps the grammar: inside an object, jw_name() before each value; inside an
 * array, values only. The stream's errors are the caller's to check once done (ferror()):
 * past jw_new(), nothing here fails.
 */
#ifndef LEAKTOP_JSON_WRITER_H
#define LEAKTOP_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

/* A writer to f, which it does not own. NULL with errno set (ENOMEM). */
struct json_writer *jw_new(FILE *f);
/* NULL-safe. */
void jw_free(struct json_writer *jw);

void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);

/* The name of an object's next member, escaped as a string: the next value is its value. */
void jw_name(struct json_writer *jw, const char *name);

/*
 * Values. A string is UTF-8 as given, with '"' and '\' escaped and control characters
 * written "\u00XX"; NULL is null.
 */
void jw_string(struct json_writer *jw, const char *s);
void jw_int(struct json_writer *jw, int64_t v);
void jw_uint(struct json_writer *jw, uint64_t v);
/* "%.17g", which reads back as the same double; null for NaN and infinities. */
void jw_double(struct json_writer *jw, double v);
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);

/* A member in one call: jw_name(), then the value. */
void jw_string_field(struct json_writer *jw, const char *name, const char *s);
void jw_int_field(struct json_writer *jw, const char *name, int64_t v);
void jw_uint_field(struct json_writer *jw, const char *name, uint64_t v);
void jw_double_field(struct json_writer *jw, const char *name, double v);
void jw_bool_field(struct json_writer *jw, const char *name, bool v);

#endif /* LEAKTOP_JSON_WRITER_H */
