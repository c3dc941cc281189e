/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a traced process's memory (/proc/PID/mem) for the interpreter namers: exact reads,
 * and text turned into the UTF-8 the outputs can carry. The target may be hostile: every
 * caller bounds what it asks for.
 */
#ifndef LEAKTOP_PROCMEM_H
#define LEAKTOP_PROCMEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Read exactly len bytes at addr. 0; -ESRCH without a descriptor; -EIO when short. */
int procmem__read(int fd, uint64_t addr, void *buf, size_t len);

/* Append code point c to out (cap bytes, one kept for the NUL) as UTF-8; control characters
 * become '?' (they would break the table and the folded format), and so does what does not fit
 * Unicode. */
void procmem__put_utf8(char *out, size_t *o, size_t cap, uint32_t c);

static inline uint64_t procmem__u64(const uint8_t *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static inline uint32_t procmem__u32(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static inline uint16_t procmem__u16(const uint8_t *b, size_t off)
{
	uint16_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

#endif /* LEAKTOP_PROCMEM_H */
