/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe offset planner. A uprobe on an instruction the kernel emulates (push reg, nop,
 * jmp/jcc/call rel) costs about 0.6 us a hit on this kernel; on any other instruction the
 * kernel single-steps it out of line, at 10-16 us. glibc's free starts with `test %rdi,%rdi`,
 * so a probe at free+0 makes every free some 20 times dearer than at free+3, its `je`.
 *
 * The planner decodes a function's first instructions with capstone and picks the first one
 * the kernel emulates that every path from the entry reaches, before any argument register the
 * probe reads is written and, when a return probe will take the return address from *sp there,
 * before the stack pointer moves. When none qualifies it falls back to +0 and says why.
 */
#ifndef LEAKTOP_PLANNER_H
#define LEAKTOP_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfobj.h"

struct lt_plan {
	uint32_t delta;		/* bytes past the function's first byte */
	bool emulated;		/* the instruction there is emulated, not single-stepped */
	char insn[160];		/* that instruction, disassembled */
	char why[256];		/* the reason for this choice, for -v */
};

/*
 * Plan a probe on the function whose code is `code` (`len` bytes, ideally the whole function,
 * which lets the planner check that nothing inside it jumps back into the prologue). `nargs`
 * integer argument registers must hold the caller's values at the probe. `has_return`: a
 * return probe will hijack the return address at this spot, so the stack pointer must not
 * have moved. Always fills `out`; returns 0, or -EINVAL when not even the first instruction
 * decodes (out then says +0).
 */
int planner__plan(const uint8_t *code, size_t len, uint64_t vaddr, unsigned int nargs,
		  bool has_return, struct lt_plan *out);

/* Plan for function `f` of the ELF file at `path`, reading its code from the file. */
int planner__plan_func(const char *path, const struct lt_elf_func *f, unsigned int nargs,
		       bool has_return, struct lt_plan *out);

/*
 * Where a forwarder jumps through: the pointer at `at` (ELF address), or with `via`, the
 * pointer at `off` past the address stored at `at` (a GOT entry).
 */
struct lt_forwarder {
	uint64_t at;
	bool via;
	int64_t off;
};

/*
 * Whether the code at `vaddr` only passes its first argument on, second, to a function it
 * jumps to through a pointer:
 *   mov %rdi,%rsi; mov CTX(%rip),%rdi; jmp *FN(%rip)
 *   mov RT(%rip),%rax; mov %rdi,%rsi; mov CTX(%rax),%rdi; jmp *FN(%rax)
 * (after an optional endbr64). CPython built as a shared library (pyenv's, the Docker
 * images') makes PyObject_Free and PyMem_Free such forwarders, the first form up to 3.11, the
 * second from 3.12 on; the kernel emulates none of those instructions, so a probe there is
 * single-stepped, some 10 us a free.
 */
bool planner__forwarder(const uint8_t *code, size_t len, uint64_t vaddr,
			struct lt_forwarder *out);

/*
 * Whether the code at `vaddr` loads a function pointer and compares it with a function's
 * address, the shape of a call through a pointer that link-time optimization devirtualized:
 * Debian's python3 builds PyObject_Malloc so, and compiles the same test with pymalloc's code
 * into many of its callers. The address compared with must be code, in [text, text_end).
 * When it is so, `*slot` is the pointer's ELF address.
 */
bool planner__devirtualized(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t text,
			    uint64_t text_end, uint64_t *slot);

#endif /* LEAKTOP_PLANNER_H */
