// SPDX-License-Identifier: GPL-2.0
/*
 * The C++ leaker, built -O2 without frame pointers. Same protocol as leaker.c: "ready",
 * SIGUSR1, leak, "done", SIGTERM.
 *
 *   leaker_cxx           32 objects of 128 bytes leaked through operator new from a named
 *                        function, so the test can check operator new's caller is in the stack
 *   leaker_cxx --logger  after SIGUSR1, Logger::write_jsonl formats an event as a JSON line
 *                        with a std::ostringstream every 5 ms and keeps the std::string for
 *                        good, until SIGUSR2: the leak is in libstdc++'s frames, five deep,
 *                        under the program's own function. Prints "done EVENTS BYTES", BYTES
 *                        being what the kept strings hold on the heap (capacity + 1 each).
 */
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <string>
#include <time.h>
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

struct Logger {
	std::vector<std::string> lines;

	/* One event as a JSON line, kept: every line ever written stays in `lines`. */
	__attribute__((noinline)) void write_jsonl(const char *event, int user, int cart)
	{
		std::ostringstream os;

		os << "{\"event\":\"" << event << "\",\"user\":" << std::setw(6) << std::setfill('0')
		   << user << ",\"cart\":" << std::setw(4) << cart << ",\"items\":\""
		   << std::string(200, 'x') << "\"}";
		lines.push_back(os.str());
	}
};

static volatile sig_atomic_t stop;

static void on_usr2(int)
{
	stop = 1;
}

static void wait_for(int sig)
{
	sigset_t set;
	int got;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigwait(&set, &got);
}

static void run_logger()
{
	static Logger log;
	struct timespec tick = { 0, 5000000 };
	long events = 0, bytes = 0;
	sigset_t usr2;

	log.lines.reserve(200000); /* before the trace: only the lines are leaked after it */
	std::signal(SIGUSR2, on_usr2);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	std::printf("ready\n");
	wait_for(SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &usr2, nullptr);
	while (!stop && events < 200000) {
		log.write_jsonl("checkout", (int)(events * 7919 % 1000000), (int)(events % 10000));
		events++;
		nanosleep(&tick, nullptr);
	}
	for (const std::string &s : log.lines)
		bytes += s.capacity() > 15 ? (long)s.capacity() + 1 : 0; /* else in the string itself */
	std::printf("done %ld %ld\n", events, bytes);
	wait_for(SIGTERM);
}

int main(int argc, char **argv)
{
	static std::vector<shop::Order *> book;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, nullptr);
	setvbuf(stdout, nullptr, _IOLBF, 0);
	if (argc > 1 && !std::strcmp(argv[1], "--logger")) {
		run_logger();
		return 0;
	}
	book.reserve(64); /* before the trace: only the orders are leaked after it */
	std::printf("ready\n");
	wait_for(SIGUSR1);
	shop::remember_orders(book);
	std::printf("done\n");
	wait_for(SIGTERM);
	return 0;
}
