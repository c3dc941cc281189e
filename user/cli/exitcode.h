/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leaktop's exit codes, every one of them: the man pages (docs/leaktop.8, docs/leaktop-diff.8)
 * and the README list the same. A script or a CI job tells the cases apart by these values
 * alone, so they never change.
 */
#ifndef LEAKTOP_EXITCODE_H
#define LEAKTOP_EXITCODE_H

enum lt_exit_code {
	LT_EXIT_OK = 0,		/* the trace ran and ended (-d, a signal, q, the targets' exit) */
	LT_EXIT_ERROR = 1,	/* a runtime error: no such process, no permission, no BTF, a
				   file that cannot be written, out of memory; said on stderr */
	LT_EXIT_USAGE = 2,	/* a bad command line: an unknown option, a bad value, options
				   that do not go together; said on stderr in one line */
	LT_EXIT_CHECK = 3,	/* --fail-on: the check failed; the stacks that failed it are
				   printed after the final report */
};

#endif /* LEAKTOP_EXITCODE_H */
