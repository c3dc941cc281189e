// SPDX-License-Identifier: GPL-2.0
/* Output files written whole or not at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "output.h"

int out__write_file(const char *path, int (*write)(FILE *f, const void *arg), const void *arg)
{
	char *tmp = NULL;
	FILE *f;
	int err;

	if (asprintf(&tmp, "%s.tmp.%d", path, getpid()) < 0)
		return -ENOMEM;
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = write(f, arg);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
