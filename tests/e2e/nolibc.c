// SPDX-License-Identifier: GPL-2.0
/* A process that maps no allocator: static, without libc. It sleeps until killed. */
#include <asm/unistd.h>

static long sys1(long nr, long a)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a) : "rcx", "r11", "memory");
	return ret;
}

void _start(void)
{
	for (;;)
		sys1(__NR_pause, 0);
}
