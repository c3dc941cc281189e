// SPDX-License-Identifier: GPL-2.0
/* The terminal for the interactive view: see term.h. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "term.h"

/* The alternate screen, cursor hidden; and back. Auto-wrap stays on: lines are cut instead. */
#define ENTER_SEQ "\033[?1049h\033[?25l\033[H\033[2J"
#define LEAVE_SEQ "\033[?25h\033[?1049l"

static void put(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

bool term__usable(int out_fd)
{
	return isatty(out_fd);
}

int term__enter(struct lt_term *t, int in_fd, int out_fd)
{
	memset(t, 0, sizeof(*t));
	t->in_fd = in_fd;
	t->out_fd = out_fd;
	if (!isatty(out_fd))
		return -ENOTTY;
	if (isatty(in_fd) && !tcgetattr(in_fd, &t->saved)) {
		struct termios raw = t->saved;

		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_iflag &= ~(ICRNL | IXON);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		t->keys = !tcsetattr(in_fd, TCSANOW, &raw);
	}
	put(out_fd, ENTER_SEQ);
	t->active = true;
	return 0;
}

void term__leave(struct lt_term *t)
{
	if (!t->active)
		return;
	if (t->keys)
		tcsetattr(t->in_fd, TCSANOW, &t->saved);
	put(t->out_fd, LEAVE_SEQ);
	t->active = t->keys = false;
}

void term__size(const struct lt_term *t, int *cols, int *lines)
{
	struct winsize ws;

	*cols = 80;
	*lines = 24;
	if (!ioctl(t->out_fd, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*lines = ws.ws_row;
	}
}

/* A CSI sequence's final letter, or "N~" for the keypad's others. */
static int csi_key(const unsigned char *p, size_t n, size_t *used)
{
	size_t i = 0;
	int num = 0;

	/* Parameters and intermediates, then one final byte in 0x40..0x7e. */
	while (i < n && p[i] >= 0x20 && p[i] < 0x40) {
		if (p[i] >= '0' && p[i] <= '9' && num < 1000)
			num = num * 10 + p[i] - '0';
		i++;
	}
	if (i == n) {
		*used = i;
		return LT_KEY_UNKNOWN; /* cut short: dropped whole */
	}
	*used = i + 1;
	switch (p[i]) {
	case 'A': return LT_KEY_UP;
	case 'B': return LT_KEY_DOWN;
	case 'C': return LT_KEY_RIGHT;
	case 'D': return LT_KEY_LEFT;
	case 'H': return LT_KEY_HOME;
	case 'F': return LT_KEY_END;
	case '~':
		switch (num) {
		case 1: case 7: return LT_KEY_HOME;
		case 4: case 8: return LT_KEY_END;
		case 5: return LT_KEY_PGUP;
		case 6: return LT_KEY_PGDN;
		}
	}
	return LT_KEY_UNKNOWN;
}

int term__decode(const unsigned char *buf, size_t n, size_t *used)
{
	*used = 0;
	if (!n)
		return LT_KEY_NONE;
	*used = 1;
	if (buf[0] == '\n')
		return LT_KEY_ENTER;
	if (buf[0] != 0x1b)
		return buf[0];
	if (n == 1)
		return LT_KEY_ESC;
	if (buf[1] == '[') {
		int k = csi_key(buf + 2, n - 2, used);

		*used += 2;
		return k;
	}
	if (buf[1] == 'O' && n > 2) { /* SS3: the arrows in application mode */
		*used = 3;
		switch (buf[2]) {
		case 'A': return LT_KEY_UP;
		case 'B': return LT_KEY_DOWN;
		case 'C': return LT_KEY_RIGHT;
		case 'D': return LT_KEY_LEFT;
		case 'H': return LT_KEY_HOME;
		case 'F': return LT_KEY_END;
		}
		return LT_KEY_UNKNOWN;
	}
	return LT_KEY_ESC; /* ESC then another key: the ESC alone, the key next */
}
