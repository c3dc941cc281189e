// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: commas, nesting, escapes and number formats, byte for byte. */
#include <math.h>

#include "json_writer.h"
#include "test.h"

/* Run `fill` on a writer into memory and return what it wrote (free it), or NULL. */
static char *capture(void (*fill)(struct json_writer *jw, const void *arg), const void *arg)
{
	struct json_writer *jw;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	jw = jw_new(f);
	if (jw)
		fill(jw, arg);
	jw_free(jw);
	fclose(f);
	if (!jw) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A string value alone at the top level: the writer ends the line. */
static void one_string(struct json_writer *jw, const void *s)
{
	jw_string(jw, s);
}

static void test_escapes(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
		{ "plain", "\"plain\"\n", "plain ASCII as is" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"\n", "quotes escaped" },
		{ "C:\\dir\\", "\"C:\\\\dir\\\\\"\n", "backslashes escaped" },
		{ "a\nb\tc\r", "\"a\\u000ab\\u0009c\\u000d\"\n", "newline, tab, CR as \\u00XX" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"\n", "every control character as \\u00XX" },
		{ " \x7f", "\" \x7f\"\n", "space and DEL are not control characters here" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b\"\n", "UTF-8 passes through" },
		{ "", "\"\"\n", "the empty string" },
		{ NULL, "null\n", "NULL is null" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = capture(one_string, cases[i].in);

		ASSERT_STREQ(got, cases[i].want, cases[i].name);
		free(got);
	}
}

static void nested(struct json_writer *jw, const void *unused)
{
	(void)unused;
	jw_start_object(jw);
	jw_name(jw, "a");
	jw_start_object(jw);
	jw_name(jw, "b");
	jw_start_array(jw);
	jw_start_array(jw);
	jw_int(jw, 1);
	jw_int(jw, 2);
	jw_end_array(jw);
	jw_start_array(jw);
	jw_int(jw, 3);
	jw_end_array(jw);
	jw_end_array(jw);
	jw_int_field(jw, "c", 4);
	jw_end_object(jw);
	jw_int_field(jw, "d", 5);
	jw_end_object(jw);
}

static void siblings(struct json_writer *jw, const void *unused)
{
	(void)unused;
	jw_start_object(jw);
	jw_string_field(jw, "a", "x");
	jw_name(jw, "empty");
	jw_start_object(jw);
	jw_end_object(jw);
	jw_name(jw, "list");
	jw_start_array(jw);
	jw_int(jw, 1);
	jw_start_array(jw);
	jw_end_array(jw);
	jw_start_object(jw);
	jw_bool_field(jw, "t", true);
	jw_bool_field(jw, "f", false);
	jw_end_object(jw);
	jw_null(jw);
	jw_end_array(jw);
	jw_name(jw, "na\"me");
	jw_string(jw, NULL);
	jw_end_object(jw);
}

/* Two values at the top level: a line each. */
static void top_level(struct json_writer *jw, const void *unused)
{
	(void)unused;
	jw_start_array(jw);
	jw_end_array(jw);
	jw_start_object(jw);
	jw_end_object(jw);
}

static void numbers(struct json_writer *jw, const void *unused)
{
	(void)unused;
	jw_start_array(jw);
	jw_int(jw, 0);
	jw_int(jw, -42);
	jw_int(jw, INT64_MIN);
	jw_uint(jw, UINT64_MAX);
	jw_double(jw, 0.1);
	jw_double(jw, 2.0);
	jw_double(jw, -1e21);
	jw_double(jw, 0x1p-20);
	jw_double(jw, NAN);
	jw_double(jw, INFINITY);
	jw_double(jw, -INFINITY);
	jw_end_array(jw);
}

static void fields(struct json_writer *jw, const void *unused)
{
	(void)unused;
	jw_start_object(jw);
	jw_int_field(jw, "i", -1);
	jw_uint_field(jw, "u", 1);
	jw_double_field(jw, "d", 0.5);
	jw_bool_field(jw, "b", true);
	jw_string_field(jw, "s", "\"");
	jw_string_field(jw, "n", NULL);
	jw_end_object(jw);
}

static void test_documents(void)
{
	static const struct {
		void (*fill)(struct json_writer *jw, const void *unused);
		const char *want, *name;
	} cases[] = {
		{ nested, "{\"a\":{\"b\":[[1,2],[3]],\"c\":4},\"d\":5}\n",
		  "a comma after a closed container, none after an opening" },
		{ siblings, "{\"a\":\"x\",\"empty\":{},\"list\":[1,[],{\"t\":true,\"f\":false},null],"
			    "\"na\\\"me\":null}\n",
		  "commas between siblings only, names escaped" },
		{ top_level, "[]\n{}\n", "a line per top-level value, no comma between them" },
		{ numbers, "[0,-42,-9223372036854775808,18446744073709551615,0.10000000000000001,2,"
			   "-1e+21,9.5367431640625e-07,null,null,null]\n",
		  "integers exact, doubles %.17g, null for what JSON cannot hold" },
		{ fields, "{\"i\":-1,\"u\":1,\"d\":0.5,\"b\":true,\"s\":\"\\\"\",\"n\":null}\n",
		  "a member in one call" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = capture(cases[i].fill, NULL);

		ASSERT_STREQ(got, cases[i].want, cases[i].name);
		free(got);
	}
}

TEST_MAIN(TEST(test_escapes), TEST(test_documents))
