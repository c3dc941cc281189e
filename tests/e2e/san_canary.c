// SPDX-License-Identifier: GPL-2.0
/*
 * Built with the sanitizers leaktop's make asan uses, for the sanitized pass's own check
 * (sanitizers_caught.sh): "leak" loses a block and exits 0, which only LeakSanitizer at exit
 * notices; "overflow" overflows a signed int, which UBSan stops.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "leak")) {
		sink = malloc(4096);
		sink = NULL; /* lost */
		return 0;
	}
	if (!strcmp(mode, "overflow")) {
		volatile int big = INT_MAX;

		printf("%d\n", big + argc);
		return 0;
	}
	return 2;
}
