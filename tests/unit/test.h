/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit-test harness in the style of the kernel's BPF selftests: each assertion
 * prints PASS or FAIL with its name and returns whether it held, and TEST_MAIN runs the
 * listed test functions and exits 1 if any assertion failed.
 */
#ifndef LEAKTOP_TEST_H
#define LEAKTOP_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int test_failures;
extern int test_skips; /* checks that could not run here: the binary then exits 2 */
extern int test_checks;
extern const char *test_current;

#define TEST_REPORT(ok, name, fmt, ...)                                                         \
	({                                                                                      \
		bool ___ok = (ok);                                                              \
		test_checks++;                                                                  \
		if (!___ok) {                                                                   \
			test_failures++;                                                        \
			fprintf(stderr, "FAIL %s: %s: " fmt " (%s:%d)\n", test_current, name,  \
				##__VA_ARGS__, __FILE__, __LINE__);                             \
		}                                                                               \
		___ok;                                                                          \
	})

#define ASSERT_TRUE(cond, name) TEST_REPORT(!!(cond), name, "expected true: %s", #cond)

#define ASSERT_EQ(got, want, name)                                                              \
	({                                                                                      \
		int64_t ___g = (int64_t)(got), ___w = (int64_t)(want);                          \
		TEST_REPORT(___g == ___w, name, "got %" PRId64 ", want %" PRId64, ___g, ___w);  \
	})

#define ASSERT_STREQ(got, want, name)                                                           \
	({                                                                                      \
		const char *___g = (got), *___w = (want);                                       \
		TEST_REPORT(___g && ___w && !strcmp(___g, ___w), name, "got \"%s\", want \"%s\"", \
			    ___g ? ___g : "(null)", ___w ? ___w : "(null)");                    \
	})

#define ASSERT_CONTAINS(hay, needle, name)                                                      \
	({                                                                                      \
		const char *___h = (hay), *___n = (needle);                                     \
		TEST_REPORT(___h && strstr(___h, ___n), name, "\"%s\" not found in \"%s\"", ___n, \
			    ___h ? ___h : "(null)");                                            \
	})

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_MAIN(...)                                                                          \
	int test_failures, test_checks, test_skips;                                             \
	const char *test_current;                                                               \
	int main(void)                                                                          \
	{                                                                                       \
		static const struct test_case cases[] = { __VA_ARGS__ };                        \
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {                 \
			int before = test_failures;                                             \
			test_current = cases[i].name;                                           \
			cases[i].fn();                                                          \
			printf("%s %s\n", test_failures == before ? "PASS" : "FAIL",            \
			       cases[i].name);                                                  \
		}                                                                               \
		printf("%d checks, %d failed\n", test_checks, test_failures);                   \
		if (!test_failures && test_skips)                                               \
			printf("%d tests skipped some checks (SKIP lines above)\n", test_skips); \
		return test_failures ? 1 : test_skips ? 2 : 0;                                  \
	}

#define TEST(fn) { #fn, fn }

/* Compare `got` with the golden file; LEAKTOP_UPDATE_GOLDEN=1 rewrites the file instead. */
bool test_golden(const char *got, const char *path);

#endif /* LEAKTOP_TEST_H */
