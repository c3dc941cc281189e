// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: C++ name shortening. The names are demangled symbols of the files a
 * traced process maps, so anything a crafted symbol table can hold: the shortener must stay
 * inside its buffers and terminate whatever the brackets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxxname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1), out[256], tiny[4];

	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	cxxname__shorten(name, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		abort();
	cxxname__shorten(name, tiny, sizeof(tiny));
	free(name);
	return 0;
}
