// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ulink.h"

/* union bpf_attr's link_create, as of kernel 6.13, for the uprobe_multi member. */
struct lt_link_create_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t _pad;
};

int ulink__create(int prog_fd, unsigned int attach_type, const char *path,
		  const uint64_t *offsets, const uint64_t *cookies, size_t cnt, pid_t pid,
		  unsigned int flags)
{
	struct lt_link_create_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = prog_fd;
	attr.attach_type = attach_type;
	attr.path = (uintptr_t)path;
	attr.offsets = (uintptr_t)offsets;
	attr.cookies = (uintptr_t)cookies;
	attr.cnt = cnt;
	attr.multi_flags = flags;
	attr.pid = pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}

/*
 * Load a program that does nothing with this expected attach type, and link it to offset 0 of
 * "/", a directory: a kernel that knows the link type fails that with EBADF (libbpf probes
 * uprobe_multi the same way); one that does not, with EINVAL.
 */
static bool probe(unsigned int attach_type)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type);
	uint64_t offset = 0;
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);
	if (prog < 0)
		return false;
	link = ulink__create(prog, attach_type, "/", &offset, NULL, 1, 0, 0);
	err = link;
	if (link >= 0)
		close(link);
	close(prog);
	return err == -EBADF;
}

bool ulink__supported(unsigned int attach_type)
{
	static int multi = -1, session = -1;
	int *known = attach_type == LT_BPF_TRACE_UPROBE_SESSION ? &session : &multi;

	if (*known < 0)
		*known = probe(attach_type);
	return *known;
}
