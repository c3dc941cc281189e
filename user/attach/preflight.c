// SPDX-License-Identifier: GPL-2.0
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "preflight.h"
#include "util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS_MAGIC 0x74726163
#define BPF_FS_MAGIC  0xcafe4a11

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

int preflight__privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data)) {
		lt_err("cannot read capabilities: %s", strerror(errno));
		return -EPERM;
	}
	if (has_cap(data, CAP_SYS_ADMIN) ||
	    (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	lt_err("permission denied: leaktop needs root, or CAP_BPF and CAP_PERFMON (uid %d has %s)",
	       getuid(),
	       has_cap(data, CAP_BPF)	    ? "CAP_BPF only"
	       : has_cap(data, CAP_PERFMON) ? "CAP_PERFMON only"
					    : "neither");
	return -EPERM;
}

int preflight__btf(void)
{
	struct btf *btf;
	int e;

	/* The same search libbpf makes at load: sysfs first, then vmlinux images on disk. */
	btf = btf__load_vmlinux_btf();
	e = libbpf_get_error(btf);
	if (!e) {
		btf__free(btf);
		return 0;
	}
	lt_err("this kernel has no usable BTF: %s, and no vmlinux image with BTF was found; "
	       "leaktop's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y",
	       access("/sys/kernel/btf/vmlinux", F_OK)
		   ? "/sys/kernel/btf/vmlinux is missing"
		   : "/sys/kernel/btf/vmlinux is not valid BTF");
	return -ENOENT;
}

static void ensure_mounted(const char *dir, const char *type, long magic, const char *opts)
{
	struct statfs sfs;

	if (!statfs(dir, &sfs) && sfs.f_type == magic)
		return;
	if (mount(type, dir, type, 0, opts))
		lt_info(1, "could not mount %s at %s: %s", type, dir, strerror(errno));
	else
		lt_info(1, "mounted %s at %s", type, dir);
}

void preflight__mount_fs(void)
{
	ensure_mounted("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC, NULL);
	ensure_mounted("/sys/fs/bpf", "bpf", BPF_FS_MAGIC, "mode=0700");
}

static int libbpf_verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_WARN && libbpf_verbosity < 1) ||
	    (level == LIBBPF_INFO && libbpf_verbosity < 2) ||
	    (level == LIBBPF_DEBUG && libbpf_verbosity < 3))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void preflight__libbpf_logging(int verbosity)
{
	libbpf_verbosity = verbosity;
	libbpf_set_print(libbpf_print);
}
