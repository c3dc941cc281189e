// SPDX-License-Identifier: GPL-2.0
/*
 * The C++ leaker, built -O2 without frame pointers: objects leaked through operator new from
 * a named function, so the test can check that operator new's caller is in the stack. Same
 * protocol as leaker.c: "ready", SIGUSR1, leak, "done", SIGTERM.
 */
#include <csignal>
#include <cstdio>
#include <vector>

namespace shop {
struct Order {
	long id;
	char note[120];
};

/* 32 orders of 128 bytes, never deleted. */
__attribute__((noinline)) void remember_orders(std::vector<Order *> &book)
{
	for (int i = 0; i < 32; i++)
		book.push_back(new Order{ i, {} });
}
} // namespace shop

static void wait_for(int sig)
{
	sigset_t set;
	int got;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigwait(&set, &got);
}

int main()
{
	static std::vector<shop::Order *> book;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, nullptr);
	book.reserve(64); /* before the trace: only the orders are leaked after it */
	setvbuf(stdout, nullptr, _IOLBF, 0);
	std::printf("ready\n");
	wait_for(SIGUSR1);
	shop::remember_orders(book);
	std::printf("done\n");
	wait_for(SIGTERM);
	return 0;
}
