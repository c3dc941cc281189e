// SPDX-License-Identifier: GPL-2.0
#include "test.h"
#include "util.h"

bool test_golden(const char *got, const char *path)
{
	const char *update = getenv("LEAKTOP_UPDATE_GOLDEN");
	char *want;
	bool ok;

	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "w");

		if (!f || fputs(got, f) < 0 || fclose(f)) {
			fprintf(stderr, "cannot write %s\n", path);
			return false;
		}
		return true;
	}
	want = read_file(path, NULL);
	if (!want) {
		fprintf(stderr, "FAIL %s: cannot read golden file %s\n", test_current, path);
		test_failures++;
		return false;
	}
	ok = TEST_REPORT(!strcmp(got, want), path, "output differs from the golden file:\n%s", got);
	free(want);
	return ok;
}
