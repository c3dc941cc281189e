/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `leaktop diff BEFORE.folded AFTER.folded`: the stacks that grew between two folded captures,
 * sorted by growth, and optionally a differential folded file ("stack BEFORE AFTER", the
 * format of flamegraph.pl's difffolded.pl) for a differential flame graph.
 */
#ifndef LEAKTOP_DIFF_H
#define LEAKTOP_DIFF_H

#include <stdint.h>
#include <stdio.h>

/* One folded file: its stacks (duplicates summed) and values, in file order of first sight. */
struct lt_folded {
	char **stacks;
	int64_t *values;
	size_t n;
};

/*
 * Read folded lines ("frame;frame;... VALUE"). Blank lines and lines starting with '#' are
 * skipped; any other line must end in a space and a non-negative integer. Returns 0, -errno,
 * or -EINVAL with `err` naming the file and line.
 */
int diff__read(const char *path, struct lt_folded *out);
void diff__free(struct lt_folded *f);

/*
 * argv[0] is "diff". Returns the process exit status (exitcode.h): LT_EXIT_OK, LT_EXIT_ERROR (a
 * file error) or LT_EXIT_USAGE.
 */
int diff__main(int argc, char **argv, FILE *out);

#endif /* LEAKTOP_DIFF_H */
