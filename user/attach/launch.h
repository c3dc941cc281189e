/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Launch mode (leaktop [options] -- COMMAND [ARGS...]): the command is forked at once and held
 * before its exec until leaktop has put it in scope and attached, so that its first
 * instruction already runs probed. leaktop is its parent: it reaps it, and its exit status
 * becomes leaktop's.
 *
 * Lifecycle: launch__start() (held) -> the session opens and attaches -> launch__release()
 * (it execs) -> launch__exited() polled, launch__fd() to wait on -> launch__finish().
 * launch__abort() ends a command that was never released, or must not go on.
 */
#ifndef LEAKTOP_LAUNCH_H
#define LEAKTOP_LAUNCH_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct lt_launch {
	pid_t pid;	/* the command's process; 0 before start */
	int go_fd;	/* written once to let it exec; -1 after */
	int err_fd;	/* gives exec's errno if exec failed, EOF once it succeeded */
	int pidfd;	/* readable once it has exited; -1 if the kernel has none */
	bool reaped;
	int status;	/* its wait status, once reaped */
};

/*
 * Fork the command, held before exec. 0, or -errno after saying why. On success the caller
 * must end with launch__release() or launch__abort(), and launch__finish().
 */
int launch__start(struct lt_launch *l, char *const argv[]);

/*
 * Let it exec. 0 once it runs the command; -errno when exec failed (said: "cannot run").
 * `at_exec` (may be NULL) runs while the new program is stopped right after its exec, before
 * its first instruction, when the kernel lets leaktop stop it (ptrace, for that moment only).
 */
int launch__release(struct lt_launch *l, const char *file, void (*at_exec)(void *ctx),
		    void *ctx);

/* Whether it has exited (reaped here, without blocking). */
bool launch__exited(struct lt_launch *l);

/* A descriptor that polls readable once it has exited; -1 when there is none. */
int launch__fd(const struct lt_launch *l);

/* Send it a signal, if it still runs. */
void launch__signal(struct lt_launch *l, int sig);

/*
 * Wait for it to exit. A signal that interrupts the wait (`*stop`: how many stop signals
 * leaktop's handler has counted, if not NULL) kills it. Then close the descriptors. Safe on a
 * launch never started.
 */
void launch__finish(struct lt_launch *l, volatile sig_atomic_t *stop);

/* Kill a command that must not go on (held, or leaktop failed), and reap it. */
void launch__abort(struct lt_launch *l);

/*
 * leaktop's exit status in launch mode: the command's (its exit code, or 128 + the signal that
 * ended it), unless leaktop failed (`failed`: then `failed_code`).
 */
int launch__exit_code(const struct lt_launch *l, bool failed, int failed_code);

#endif /* LEAKTOP_LAUNCH_H */
