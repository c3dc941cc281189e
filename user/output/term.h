/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal, for the interactive view (top.h): plain termios and ANSI escapes. The view
 * draws on the alternate screen, so what was on the terminal before comes back when it ends,
 * and the final report is printed after, on the normal screen, where it stays.
 */
#ifndef LEAKTOP_TERM_H
#define LEAKTOP_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

/* Keys past the byte range: arrows and the like, from their escape sequences. */
enum lt_key {
	LT_KEY_NONE = 0,
	LT_KEY_ENTER = '\r',
	LT_KEY_ESC = 0x1b,
	LT_KEY_UP = 0x100,
	LT_KEY_DOWN,
	LT_KEY_LEFT,
	LT_KEY_RIGHT,
	LT_KEY_PGUP,
	LT_KEY_PGDN,
	LT_KEY_HOME,
	LT_KEY_END,
	LT_KEY_UNKNOWN,		/* an escape sequence no key here has */
};

struct lt_term {
	bool active;		/* on the alternate screen */
	bool keys;		/* stdin is the terminal too: keys are read (raw, no echo) */
	int in_fd, out_fd;
	struct termios saved;	/* stdin's settings before, restored by term__leave() */
};

/* Whether the interactive view can run: stdout is a terminal. */
bool term__usable(int out_fd);

/*
 * Enter the view: the alternate screen, the cursor hidden; when `in_fd` is a terminal too,
 * keys without echo or line buffering (signals stay: Ctrl-C is still SIGINT). 0 or -errno.
 */
int term__enter(struct lt_term *t, int in_fd, int out_fd);
/* Leave it as it was: the terminal's settings, the cursor, the normal screen. Idempotent. */
void term__leave(struct lt_term *t);

/* The window's size; 80x24 when it cannot be read. */
void term__size(const struct lt_term *t, int *cols, int *lines);

/*
 * The first key in buf[0..n): its code (a byte, or enum lt_key), and *used the bytes it took.
 * A lone ESC is LT_KEY_ESC; a CSI or SS3 sequence is its key or LT_KEY_UNKNOWN, whole.
 */
int term__decode(const unsigned char *buf, size_t n, size_t *used);

#endif /* LEAKTOP_TERM_H */
