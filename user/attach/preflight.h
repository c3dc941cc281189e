/* SPDX-License-Identifier: GPL-2.0 */
/* Checks made before anything is loaded or attached, each with a one-line reason. */
#ifndef LEAKTOP_PREFLIGHT_H
#define LEAKTOP_PREFLIGHT_H

#include <stddef.h>

/* Root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN). 0 or -EPERM with `err` set. */
int preflight__privileges(char *err, size_t errlen);

/* The kernel's BTF, which CO-RE relocations need. 0 or -ENOENT with `err` set. */
int preflight__btf(char *err, size_t errlen);

/*
 * Mount tracefs at /sys/kernel/tracing and bpffs at /sys/fs/bpf when they are missing, as
 * perf mounts tracefs. Failures only warn: leaktop attaches through perf events and needs
 * neither when the kernel has the uprobe PMU.
 */
void preflight__mount_fs(void);

/* libbpf's messages on stderr: warnings from -v, info from -vv, debug from -vvv. */
void preflight__libbpf_logging(int verbosity);

#endif /* LEAKTOP_PREFLIGHT_H */
