/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uprobe_multi and uprobe session links. Debian's libbpf 1.1 predates both, so this small
 * module issues BPF_LINK_CREATE itself with the kernel's uapi layout. One link covers many
 * offsets in one file, which also makes detaching cheap: the kernel waits for one grace
 * period a link, not one per probe.
 */
#ifndef LEAKTOP_ULINK_H
#define LEAKTOP_ULINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* enum bpf_attach_type values newer than libbpf 1.1's headers. */
#define LT_BPF_TRACE_UPROBE_MULTI   48 /* kernel 6.6 */
#define LT_BPF_TRACE_UPROBE_SESSION 57 /* kernel 6.13 */
#define LT_BPF_F_UPROBE_MULTI_RETURN 1

/* Whether the kernel can create links of this attach type (probed once, then cached). */
bool ulink__supported(unsigned int attach_type);

/*
 * Attach program `prog_fd` at `cnt` file offsets of `path`, for process `pid` only, each with
 * its BPF cookie. `flags` is LT_BPF_F_UPROBE_MULTI_RETURN for return probes of a multi link.
 * Returns the link fd (close() it to detach), or -errno.
 */
int ulink__create(int prog_fd, unsigned int attach_type, const char *path,
		  const uint64_t *offsets, const uint64_t *cookies, size_t cnt, pid_t pid,
		  unsigned int flags);

#endif /* LEAKTOP_ULINK_H */
