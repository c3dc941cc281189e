/* SPDX-License-Identifier: GPL-2.0 */
/* Checks made before anything is loaded or attached, each saying why it failed in one line. */
#ifndef LEAKTOP_PREFLIGHT_H
#define LEAKTOP_PREFLIGHT_H

/* Root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN). 0, or -EPERM after lt_err(). */
int preflight__privileges(void);

/* The kernel's BTF, which CO-RE relocations need. 0, or -ENOENT after lt_err(). */
int preflight__btf(void);

/*
 * Mount tracefs at /sys/kernel/tracing and bpffs at /sys/fs/bpf when they are missing, as
 * perf mounts tracefs. Failures only warn: leaktop attaches through perf events and needs
 * neither when the kernel has the uprobe PMU.
 */
void preflight__mount_fs(void);

/* libbpf's messages on stderr: warnings from -v, info from -vv, debug from -vvv. */
void preflight__libbpf_logging(int verbosity);

#endif /* LEAKTOP_PREFLIGHT_H */
