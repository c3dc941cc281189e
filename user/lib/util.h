/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every module uses: diagnostics, number parsing and formatting, file reading. */
#ifndef LEAKTOP_UTIL_H
#define LEAKTOP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Kernel-style short types stay on the BPF side; user code says __u32 or uint32_t. */
#pragma GCC poison u8 u16 u32 u64 s32 s64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Diagnostics go to stderr so that stdout stays parseable: "leaktop: error: <msg>",
 * "leaktop: warning: <msg>". The module that knows why something failed says it here, once;
 * its caller only passes the -errno on.
 */
void lt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed only when the verbosity is at least `level`. */
void lt_info(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lt_set_verbosity(int level);
/*
 * For tests: from now on lt_err() and lt_warn() write their message alone (no "leaktop: " and
 * no "error: ") into buf, NUL-terminated and truncated to len, instead of stderr; each message
 * replaces the one before. NULL goes back to stderr. lt_info() is not captured.
 */
void lt_log_capture(char *buf, size_t len);

/*
 * Strict number parsing: the whole string must be a number in [min, max]. Return 0 or
 * -EINVAL / -ERANGE; *out is untouched on error.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_seconds(const char *s, double min, double max, double *out);

/*
 * Format a byte count into buf: exact ("1048576") when `exact`, else binary units with three
 * significant digits ("1.00 MiB"). `sign` adds a leading '+' to positive values.
 */
const char *fmt_bytes(char *buf, size_t len, int64_t bytes, bool exact, bool sign);
/* A rate per second shown per hour: "+31.2 MiB/h", or "+1.2/h" for counts (sockets). */
const char *fmt_rate(char *buf, size_t len, double per_s, bool count, bool exact);
/* An age: "45s", "12m03", "3h05", "2d04h"; "-" when unknown (negative). */
const char *fmt_age(char *buf, size_t len, double s);

/*
 * Read a whole file (procfs files report size 0, so this reads until EOF). Returns a
 * NUL-terminated buffer the caller frees, or NULL with errno set.
 */
char *read_file(const char *path, size_t *len);

/* Process `pid`'s name (/proc/PID/comm) into buf; "?" and false when it cannot be read. */
bool proc_comm(int pid, char *buf, size_t len);

/*
 * Open a regular file of a traced process by its path inside the process's root (`root_fd`,
 * an O_PATH descriptor of /proc/PID/root): resolved inside that root, so neither an absolute
 * symlink nor ".." leads out of it to this host's files; not blocking (a FIFO would hang the
 * open); read-only. The descriptor, or -1 with errno set (EISDIR etc. for what is not a
 * regular file). `follow`: whether a symlink as the last component is followed (inside the root
 * too).
 */
int lt_open_in_root(int root_fd, const char *path, bool follow);

/* Time from CLOCK_MONOTONIC, in seconds. */
double now_mono(void);
/* FNV-1a, 64 bits, of a string: the first key of string-keyed hash maps. */
uint64_t str_hash(const char *s);

/* CLOCK_REALTIME in nanoseconds since the epoch. */
uint64_t now_realtime_ns(void);

/*
 * Make room in the array *arr (of *cap elements of `elem` bytes) for element index n: doubles
 * *cap (from 16) until it holds index n. 0, or -ENOMEM with the array unchanged.
 */
int lt_grow(void **arr, size_t *cap, size_t n, size_t elem);

/* Strings handed out by a module, kept until it goes. A zeroed struct is empty. */
struct lt_strings {
	char **v;
	size_t n, cap;
};

/* Keep `str` (malloc'ed) until lt_strings_free(); NULL stays NULL, and NULL on ENOMEM. */
const char *lt_strings_keep(struct lt_strings *s, char *str);
void lt_strings_free(struct lt_strings *s);

#endif /* LEAKTOP_UTIL_H */
