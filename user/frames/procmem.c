// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>

#include "procmem.h"

int procmem__read(int fd, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	if (fd < 0)
		return -ESRCH;
	n = pread(fd, buf, len, (off_t)addr);
	return n == (ssize_t)len ? 0 : -EIO;
}

void procmem__put_utf8(char *out, size_t *o, size_t cap, uint32_t c)
{
	char b[4];
	size_t n;

	if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c < 0xe000) || c >= 0x110000)
		c = '?';
	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (*o + n < cap) {
		memcpy(out + *o, b, n);
		*o += n;
	}
}
