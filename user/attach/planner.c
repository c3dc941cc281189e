// SPDX-License-Identifier: GPL-2.0
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner.h"
#include "util.h"

/* How far into a function the planner looks for its probe. */
#define PLAN_WINDOW 64
/* How much of a function it decodes to find jumps back into the prologue. */
#define PLAN_MAX_FUNC 16384

/* The kernel's x86_nops[] for 64-bit (arch/x86/include/asm/nops.h), lengths 1 to 8. */
static const uint8_t std_nops[9][8] = {
	[1] = { 0x90 },
	[2] = { 0x66, 0x90 },
	[3] = { 0x0f, 0x1f, 0x00 },
	[4] = { 0x0f, 0x1f, 0x40, 0x00 },
	[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[6] = { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[7] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	[8] = { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

/*
 * Whether the kernel emulates this instruction instead of single-stepping it, mirroring
 * branch_setup_xol_ops() and push_setup_xol_ops() in arch/x86/kernel/uprobes.c.
 */
static bool kernel_emulates(const uint8_t *b, size_t n)
{
	bool has_66 = false;
	size_t p = 0;
	uint8_t op;

	if (n <= 8 && !memcmp(b, std_nops[n], n))
		return true;
	while (p < n && is_legacy_prefix(b[p]))
		has_66 |= b[p++] == 0x66;
	if (p < n && (b[p] & 0xf0) == 0x40) /* REX */
		p++;
	if (p >= n)
		return false;
	op = b[p];
	if (op == 0x90) /* prefix* + nop */
		return true;
	/* push reg: 50-57, or 41 50-57 for r8-r15, nothing longer. */
	if (n == 1 && op >= 0x50 && op <= 0x57)
		return true;
	if (n == 2 && b[0] == 0x41 && op >= 0x50 && op <= 0x57)
		return true;
	if (has_66) /* 16-bit branches are refused */
		return false;
	if (op == 0xeb || op == 0xe9 || op == 0xe8 || (op >= 0x70 && op <= 0x7f))
		return true;
	return op == 0x0f && p + 1 < n && b[p + 1] >= 0x80 && b[p + 1] <= 0x8f;
}

/* The argument register (0 = rdi ... 5 = r9) a register belongs to, or -1. */
static int arg_index(unsigned int reg)
{
	switch (reg) {
	case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
		return 0;
	case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
		return 1;
	case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH:
		return 2;
	case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
		return 3;
	case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
		return 4;
	case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B:
		return 5;
	default:
		return -1;
	}
}

static bool is_sp(unsigned int reg)
{
	return reg == X86_REG_RSP || reg == X86_REG_ESP || reg == X86_REG_SP || reg == X86_REG_SPL;
}

static bool in_group(const cs_insn *in, uint8_t group)
{
	for (uint8_t i = 0; i < in->detail->groups_count; i++) {
		if (in->detail->groups[i] == group)
			return true;
	}
	return false;
}

static bool leaves_block(const cs_insn *in)
{
	return in_group(in, CS_GRP_JUMP) || in_group(in, CS_GRP_CALL) ||
	       in_group(in, CS_GRP_RET) || in_group(in, CS_GRP_INT) || in_group(in, CS_GRP_IRET) ||
	       in->id == X86_INS_SYSCALL || in->id == X86_INS_UD2 || in->id == X86_INS_HLT;
}

/* The target of a direct branch, or 0. */
static uint64_t branch_target(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	if (!in_group(in, CS_GRP_BRANCH_RELATIVE) || x->op_count != 1 ||
	    x->operands[0].type != X86_OP_IMM)
		return 0;
	return x->operands[0].imm;
}

static void describe(char *buf, size_t len, const cs_insn *in)
{
	snprintf(buf, len, "%.31s%s%.120s", in->mnemonic, in->op_str[0] ? " " : "", in->op_str);
}

/* True when some direct branch in the function lands in (0, delta]: the probe would fire twice. */
static bool jumped_into(const cs_insn *ins, size_t n, uint64_t vaddr, uint32_t delta,
			uint64_t *from)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t t = branch_target(&ins[i]);

		if (t > vaddr && t <= vaddr + delta) {
			*from = ins[i].address;
			return true;
		}
	}
	return false;
}

int planner__plan(const uint8_t *code, size_t len, uint64_t vaddr, unsigned int nargs,
		  bool has_return, struct lt_plan *out)
{
	cs_insn *ins = NULL;
	size_t n = 0;
	csh cs;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->why, sizeof(out->why), "no emulated instruction in the first %d bytes",
		 PLAN_WINDOW);
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		snprintf(out->why, sizeof(out->why), "capstone is unavailable");
		return -EINVAL;
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(cs, code, len, vaddr, 0, &ins);
	if (!n) {
		snprintf(out->why, sizeof(out->why), "the first instruction does not decode");
		ret = -EINVAL;
		goto out;
	}
	describe(out->insn, sizeof(out->insn), &ins[0]);
	for (size_t i = 0; i < n && ins[i].address - vaddr <= PLAN_WINDOW; i++) {
		const cs_insn *in = &ins[i];
		uint32_t delta = in->address - vaddr;
		cs_regs rd, wr;
		uint8_t nrd, nwr;
		char what[160];
		uint64_t from;

		describe(what, sizeof(what), in);
		if (kernel_emulates(in->bytes, in->size)) {
			if (delta && jumped_into(ins, n, vaddr, delta, &from)) {
				snprintf(out->why, sizeof(out->why),
					 "+%u '%s' is emulated, but the code at %#lx jumps back to it",
					 delta, what, (unsigned long)(from - vaddr));
				break;
			}
			out->delta = delta;
			out->emulated = true;
			snprintf(out->insn, sizeof(out->insn), "%s", what);
			if (delta)
				snprintf(out->why, sizeof(out->why),
					 "skips %u bytes the kernel would single-step", delta);
			else
				snprintf(out->why, sizeof(out->why), "the first instruction is emulated");
			goto out;
		}
		if (leaves_block(in)) {
			snprintf(out->why, sizeof(out->why),
				 "'%s' at +%u leaves the entry block first", what, delta);
			break;
		}
		if (cs_regs_access(cs, in, rd, &nrd, wr, &nwr) != CS_ERR_OK) {
			snprintf(out->why, sizeof(out->why), "cannot tell what '%s' writes", what);
			break;
		}
		for (uint8_t k = 0; k < nwr; k++) {
			int a = arg_index(wr[k]);

			if (a >= 0 && (unsigned int)a < nargs) {
				snprintf(out->why, sizeof(out->why),
					 "'%s' at +%u writes argument register %s first", what,
					 delta, cs_reg_name(cs, wr[k]));
				goto out;
			}
			if (has_return && is_sp(wr[k])) {
				snprintf(out->why, sizeof(out->why),
					 "'%s' at +%u moves the stack pointer, where the return "
					 "probe needs the return address",
					 what, delta);
				goto out;
			}
		}
	}
out:
	if (ins)
		cs_free(ins, n);
	cs_close(&cs);
	return ret;
}

/* Whether `code` at `*at` starts with `want`; if so, past it. */
static bool take(const uint8_t *code, size_t len, size_t *at, const uint8_t *want, size_t n)
{
	if (len < *at + n || memcmp(code + *at, want, n))
		return false;
	*at += n;
	return true;
}

/* A displacement of `size` bytes (1 or 4) at `*at`, sign-extended; past it. */
static bool take_disp(const uint8_t *code, size_t len, size_t *at, size_t size, int64_t *out)
{
	int32_t d32;

	if (len < *at + size)
		return false;
	if (size == 1) {
		*out = (int8_t)code[*at];
	} else {
		memcpy(&d32, code + *at, sizeof(d32));
		*out = d32;
	}
	*at += size;
	return true;
}

bool planner__forwarder(const uint8_t *code, size_t len, uint64_t vaddr,
			struct lt_forwarder *out)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const uint8_t mov_rdi_rsi[] = { 0x48, 0x89, 0xfe };
	static const uint8_t mov_rip_rdi[] = { 0x48, 0x8b, 0x3d };
	static const uint8_t mov_rip_rax[] = { 0x48, 0x8b, 0x05 };
	static const uint8_t jmp_rip[] = { 0xff, 0x25 };
	size_t at = 0, size;
	int64_t d, ctx;

	memset(out, 0, sizeof(*out));
	take(code, len, &at, endbr64, sizeof(endbr64));
	if (take(code, len, &at, mov_rdi_rsi, 3)) {
		/* mov %rdi,%rsi; mov CTX(%rip),%rdi; jmp *FN(%rip): 3.6 to 3.11 */
		if (!take(code, len, &at, mov_rip_rdi, 3) || !take_disp(code, len, &at, 4, &ctx) ||
		    !take(code, len, &at, jmp_rip, 2) || !take_disp(code, len, &at, 4, &d))
			return false;
		out->at = vaddr + at + d; /* rip-relative: from the end of the jump */
		return true;
	}
	/*
	 * mov RT(%rip),%rax; mov %rdi,%rsi; mov CTX(%rax),%rdi; jmp *FN(%rax): 3.12 and later
	 * keep the pointers in _PyRuntime, reached through the GOT.
	 */
	if (!take(code, len, &at, mov_rip_rax, 3) || !take_disp(code, len, &at, 4, &d))
		return false;
	out->at = vaddr + at + d;
	out->via = true;
	if (!take(code, len, &at, mov_rdi_rsi, 3) || len < at + 3 || code[at] != 0x48 ||
	    code[at + 1] != 0x8b || (code[at + 2] != 0x78 && code[at + 2] != 0xb8))
		return false;
	size = code[at + 2] == 0x78 ? 1 : 4;
	at += 3;
	if (!take_disp(code, len, &at, size, &ctx) || len < at + 2 || code[at] != 0xff ||
	    (code[at + 1] != 0x60 && code[at + 1] != 0xa0))
		return false;
	size = code[at + 1] == 0x60 ? 1 : 4;
	at += 2;
	return take_disp(code, len, &at, size, &out->off);
}

bool planner__devirtualized(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t text,
			    uint64_t text_end, uint64_t *slot)
{
	/* Per register (capstone's numbering): loaded from a rip-relative pointer, or a lea. */
	uint64_t loaded[X86_REG_ENDING] = { 0 }, lea[X86_REG_ENDING] = { 0 };
	cs_insn *ins = NULL;
	bool found = false;
	size_t n;
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return false;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(cs, code, len, vaddr, 16, &ins);
	for (size_t i = 0; i < n && !found; i++) {
		const cs_x86 *x = &ins[i].detail->x86;
		const cs_x86_op *a = &x->operands[0], *b = &x->operands[1];
		uint64_t at;

		if (x->op_count != 2)
			continue;
		if ((ins[i].id == X86_INS_MOV || ins[i].id == X86_INS_LEA) && a->type == X86_OP_REG &&
		    b->type == X86_OP_MEM && b->mem.base == X86_REG_RIP &&
		    b->mem.index == X86_REG_INVALID && a->reg < X86_REG_ENDING) {
			at = ins[i].address + ins[i].size + b->mem.disp;
			if (ins[i].id == X86_INS_MOV && b->size == 8)
				loaded[a->reg] = at;
			else if (ins[i].id == X86_INS_LEA)
				lea[a->reg] = at;
			continue;
		}
		if (ins[i].id != X86_INS_CMP || a->type != X86_OP_REG || a->reg >= X86_REG_ENDING ||
		    !loaded[a->reg])
			continue;
		/* the pointer against the address of code: pymalloc's own function */
		if (b->type == X86_OP_IMM)
			at = (uint64_t)b->imm;
		else if (b->type == X86_OP_REG && b->reg < X86_REG_ENDING)
			at = lea[b->reg];
		else
			continue;
		if (at >= text && at < text_end) {
			*slot = loaded[a->reg];
			found = true;
		}
	}
	if (ins)
		cs_free(ins, n);
	cs_close(&cs);
	return found;
}

int planner__plan_func(const char *path, const struct lt_elf_func *f, unsigned int nargs,
		       bool has_return, struct lt_plan *out)
{
	size_t len = f->size ? f->size : PLAN_WINDOW + 16;
	uint8_t *code;
	ssize_t got;
	int fd, err;

	if (len > PLAN_MAX_FUNC)
		len = PLAN_MAX_FUNC;
	code = malloc(len);
	if (!code)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(code);
		memset(out, 0, sizeof(*out));
		snprintf(out->why, sizeof(out->why), "cannot read the code: %s", strerror(-err));
		return err;
	}
	got = pread(fd, code, len, f->file_offset);
	close(fd);
	if (got <= 0) {
		free(code);
		memset(out, 0, sizeof(*out));
		snprintf(out->why, sizeof(out->why), "cannot read the code");
		return -EIO;
	}
	err = planner__plan(code, got, f->vaddr, nargs, has_return, out);
	free(code);
	return err;
}
