// SPDX-License-Identifier: GPL-2.0
/*
 * Launch mode: fork the command, hold it on a pipe until leaktop is attached, then let it
 * exec. A second pipe, closed by a successful exec (O_CLOEXEC), carries exec's errno back
 * when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "util.h"

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* The held child: wait for the go, then exec; never returns. */
static void __attribute__((noreturn)) child(int go, int err, char *const argv[])
{
	ssize_t n;
	char c;
	int e;

	do
		n = read(go, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* leaktop gave up before attaching */
	execvp(argv[0], argv);
	e = errno;
	if (write(err, &e, sizeof(e)) != sizeof(e))
		_exit(127);
	_exit(127);
}

int launch__start(struct lt_launch *l, char *const argv[])
{
	int go[2], err[2], e;

	*l = (struct lt_launch){ .go_fd = -1, .err_fd = -1, .pidfd = -1 };
	if (pipe2(go, O_CLOEXEC)) {
		e = -errno;
		lt_err("cannot start %s: %s", argv[0], strerror(errno));
		return e;
	}
	if (pipe2(err, O_CLOEXEC)) {
		e = -errno;
		close(go[0]);
		close(go[1]);
		lt_err("cannot start %s: %s", argv[0], strerror(-e));
		return e;
	}
	/* What stdio holds is the parent's to write, not the child's to write twice. */
	fflush(NULL);
	l->pid = fork();
	if (l->pid < 0) {
		e = -errno;
		lt_err("cannot start %s: %s", argv[0], strerror(errno));
		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		l->pid = 0;
		return e;
	}
	if (!l->pid) {
		close(go[1]);
		close(err[0]);
		child(go[0], err[1], argv);
	}
	close(go[0]);
	close(err[1]);
	l->go_fd = go[1];
	l->err_fd = err[0];
	l->pidfd = pidfd_of(l->pid);
	return 0;
}

/*
 * Wait for the exec stop of a seized command, run `at_exec` there, and let it go. A signal
 * that comes first is passed on; anything else ends the watch (detached). Its exit is kept
 * for launch__exited().
 */
static void watch_exec(struct lt_launch *l, void (*at_exec)(void *ctx), void *ctx)
{
	for (;;) {
		int st;
		pid_t r = waitpid(l->pid, &st, __WALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != l->pid)
			return;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			l->reaped = true;
			l->status = st;
			return;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
			at_exec(ctx);
			ptrace(PTRACE_DETACH, l->pid, NULL, NULL);
			return;
		}
		if (st >> 16) { /* a group stop or another event: not ours to handle */
			ptrace(PTRACE_DETACH, l->pid, NULL, NULL);
			return;
		}
		ptrace(PTRACE_CONT, l->pid, NULL, (void *)(long)WSTOPSIG(st));
	}
}

int launch__release(struct lt_launch *l, const char *file, void (*at_exec)(void *ctx),
		    void *ctx)
{
	bool seized;
	ssize_t n;
	int e = 0;

	/*
	 * Stopped right after its exec, the new program is mapped and has not run: the caller
	 * looks at it there, so that a command that exits at once is still named. Then it is
	 * let go: ptrace holds it for that moment only.
	 */
	seized = at_exec && !ptrace(PTRACE_SEIZE, l->pid, NULL, (void *)PTRACE_O_TRACEEXEC);
	if (at_exec && !seized)
		lt_info(1, "cannot stop pid %d at its exec (%s): a command that exits at once may "
			"keep unnamed frames", l->pid, strerror(errno));
	if (write(l->go_fd, "g", 1) != 1) {
		e = -errno;
		lt_err("cannot start %s: %s", file, strerror(errno));
		return e;
	}
	close(l->go_fd);
	l->go_fd = -1;
	/* EOF: exec closed the pipe. An errno: exec failed. */
	do
		n = read(l->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(l->err_fd);
	l->err_fd = -1;
	if (n != sizeof(e)) {
		if (seized)
			watch_exec(l, at_exec, ctx);
		return 0;
	}
	lt_err("cannot run %s: %s", file, strerror(e));
	return -e;
}

bool launch__exited(struct lt_launch *l)
{
	pid_t r;

	if (!l->pid || l->reaped)
		return l->reaped;
	do
		r = waitpid(l->pid, &l->status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == l->pid || (r < 0 && errno == ECHILD))
		l->reaped = true;
	return l->reaped;
}

int launch__fd(const struct lt_launch *l)
{
	return l->reaped ? -1 : l->pidfd;
}

void launch__signal(struct lt_launch *l, int sig)
{
	if (l->pid && !launch__exited(l))
		kill(l->pid, sig);
}

void launch__finish(struct lt_launch *l, volatile sig_atomic_t *stop)
{
	sig_atomic_t seen = stop ? *stop : 0;

	while (l->pid && !l->reaped) {
		pid_t r = waitpid(l->pid, &l->status, 0);

		if (r == l->pid || (r < 0 && errno != EINTR)) {
			l->reaped = true;
			break;
		}
		/* Interrupted by a signal that came after those that ended the trace. */
		if (stop && *stop != seen) {
			lt_warn("pid %d has not exited: killing it", l->pid);
			kill(l->pid, SIGKILL);
		}
		seen = stop ? *stop : 0;
	}
	if (l->go_fd >= 0)
		close(l->go_fd);
	if (l->err_fd >= 0)
		close(l->err_fd);
	if (l->pidfd >= 0)
		close(l->pidfd);
	l->go_fd = l->err_fd = l->pidfd = -1;
}

void launch__abort(struct lt_launch *l)
{
	if (!l->pid)
		return;
	if (!launch__exited(l))
		kill(l->pid, SIGKILL);
	launch__finish(l, NULL);
}

int launch__exit_code(const struct lt_launch *l, bool failed, int failed_code)
{
	if (failed || !l->reaped)
		return failed_code;
	if (WIFEXITED(l->status))
		return WEXITSTATUS(l->status);
	if (WIFSIGNALED(l->status))
		return 128 + WTERMSIG(l->status);
	return failed_code;
}
