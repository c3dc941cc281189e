// SPDX-License-Identifier: GPL-2.0
/*
 * The CFA programs are run here, not by libdw (which only splits the sections into CIEs and
 * FDEs, dwarf_next_cfi). libdw's dwarf_cfi_addrframe answers one pc at a time: a table of n
 * rows costs n runs of the program from its start (a crafted 600 KB FDE took 40 s), every
 * DW_CFA_remember_state copies a frame state as large as the highest register named (1 MB of
 * them took 1 GB), and it follows a CIE pointer or an .eh_frame_hdr entry to any offset, where
 * bytes no check has seen can name register 100,000,000 (a 1.5 GB realloc). One pass per FDE
 * that follows only the CFA, the return address and rbp has none of these costs.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"
#include "util.h"

/* x86-64 DWARF register numbers. */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

static const struct lt_cfi_limits default_limits = {
	.max_section_bytes = LT_CFI_MAX_SECTION_BYTES,
	.max_cies = LT_CFI_MAX_CIES,
	.max_fdes = LT_CFI_MAX_FDES,
	.max_rows = LT_CFI_MAX_ROWS,
};

/* --- Frame state: the CFA and the two registers the walker restores ----------------------- */

enum reg_kind {
	RULE_SAME,	 /* the caller's value (x86-64's default for rbp and the return address) */
	RULE_UNDEF,	 /* no value: for the return address, the outermost frame */
	RULE_OFFSET,	 /* saved at CFA + off */
	RULE_VAL_OFFSET, /* the value CFA + off */
	RULE_REGISTER,	 /* in another register */
	RULE_EXPR,	 /* saved at the address an expression computes, CFA pushed first */
	RULE_VAL_EXPR,
};

struct reg_rule {
	uint8_t kind;
	int64_t off;
	const uint8_t *expr; /* RULE_EXPR, RULE_VAL_EXPR: the expression's bytes */
	uint64_t len;
};

enum cfa_kind {
	CFA_UNDEF,   /* no rule yet */
	CFA_REG,     /* register + offset */
	CFA_EXPR,    /* an expression */
	CFA_INVALID, /* an offset or register change while the rule was not register + offset */
};

struct frame {
	uint8_t cfa;
	uint64_t cfa_reg;
	int64_t cfa_off;
	const uint8_t *expr;
	uint64_t len;
	struct reg_rule ra, rbp;
};

struct cie {
	Dwarf_Off off;
	uint64_t caf;	/* code alignment factor */
	int64_t daf;	/* data alignment factor */
	uint8_t enc;	/* FDE pointer encoding */
	bool z;		/* 'z' augmentation: each FDE has augmentation data before its program */
	bool signal;	/* 'S': its FDEs are signal frames */
	bool bad;	/* its initial instructions are malformed: its FDEs get no rows */
	struct frame init; /* the state its initial instructions leave, where FDEs start */
};

struct cie_list {
	struct cie *v;
	size_t n, cap;
};

struct fde {
	uint64_t begin, end;
	const uint8_t *prog, *prog_end;
	const struct cie *cie;
	bool debug_frame;
};

struct fde_list {
	struct fde *v;
	size_t n, cap;
};

struct row_buf {
	struct lt_unwind_row *v;
	size_t n, cap;
};

struct build {
	const struct lt_cfi_limits *lim;
	struct lt_cfi_stats *st;
	struct row_buf rows;
};

static int exceeded(struct lt_cfi_stats *st, enum lt_cfi_bound b, size_t limit)
{
	st->exceeded = b;
	st->limit = limit;
	return -E2BIG;
}

const char *cfi__bound_name(enum lt_cfi_bound b)
{
	switch (b) {
	case LT_CFI_BOUND_SECTION:
		return "bytes of .eh_frame or .debug_frame";
	case LT_CFI_BOUND_CIES:
		return "CIEs";
	case LT_CFI_BOUND_FDES:
		return "FDEs";
	case LT_CFI_BOUND_ROWS:
		return "unwind rows";
	default:
		return "(none)";
	}
}

/* --- Decoding ----------------------------------------------------------------------------- */

/* A DW_EH_PE-encoded value at p (bounded by end). Returns false when it runs past end. */
static bool read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uint64_t *out)
{
	const uint8_t *s = *p;
	uint64_t v = 0;
	int shift = 0;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		if (end - s < 8)
			return false;
		memcpy(&v, s, 8);
		s += 8;
		break;
	case DW_EH_PE_udata4:
		if (end - s < 4)
			return false;
		v = (uint32_t)(s[0] | s[1] << 8 | s[2] << 16 | (uint32_t)s[3] << 24);
		s += 4;
		break;
	case DW_EH_PE_sdata4:
		if (end - s < 4)
			return false;
		v = (uint64_t)(int64_t)(int32_t)(s[0] | s[1] << 8 | s[2] << 16 | (uint32_t)s[3] << 24);
		s += 4;
		break;
	case DW_EH_PE_udata2:
		if (end - s < 2)
			return false;
		v = (uint16_t)(s[0] | s[1] << 8);
		s += 2;
		break;
	case DW_EH_PE_sdata2:
		if (end - s < 2)
			return false;
		v = (uint64_t)(int64_t)(int16_t)(s[0] | s[1] << 8);
		s += 2;
		break;
	case DW_EH_PE_uleb128:
	case DW_EH_PE_sleb128:
		do {
			if (s >= end || shift > 63)
				return false;
			v |= (uint64_t)(*s & 0x7f) << shift;
			shift += 7;
		} while (*s++ & 0x80);
		if ((enc & 0x0f) == DW_EH_PE_sleb128 && shift < 64 && (s[-1] & 0x40))
			v |= ~0ULL << shift;
		break;
	default:
		return false;
	}
	*p = s;
	*out = v;
	return true;
}

static bool uleb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	return read_encoded(p, end, DW_EH_PE_uleb128, v);
}

static bool sleb(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	return read_encoded(p, end, DW_EH_PE_sleb128, (uint64_t *)v);
}

/* Skip `n` bytes; false past the end. */
static bool skip(const uint8_t **p, const uint8_t *end, uint64_t n)
{
	if (n > (uint64_t)(end - *p))
		return false;
	*p += n;
	return true;
}

/* Parse a CIE's augmentation: its FDE pointer encoding ('R'), and 'S' (signal frames). */
static void cie_augmentation(const Dwarf_CIE *e, struct cie *c)
{
	const uint8_t *d = e->augmentation_data;
	const uint8_t *end = d ? d + e->augmentation_data_size : NULL;
	const char *a = e->augmentation;

	c->enc = DW_EH_PE_absptr;
	c->z = a && a[0] == 'z';
	if (!c->z || !d)
		return;
	for (a++; *a; a++) {
		uint64_t ignored;

		switch (*a) {
		case 'R':
			if (d < end)
				c->enc = *d++;
			break;
		case 'P': { /* personality: its encoding, then the pointer */
			uint8_t penc = d < end ? *d++ : 0;

			if (!read_encoded(&d, end, penc & 0x7f, &ignored))
				d = end;
			break;
		}
		case 'L':
			if (d < end)
				d++;
			break;
		case 'S':
			c->signal = true;
			break;
		default: /* 'B', 'G': no data */
			break;
		}
	}
}

/* --- The CFA interpreter ------------------------------------------------------------------- */

/* One run of a CFA program: a CIE's initial instructions, or an FDE's program from its CIE's. */
struct run {
	const struct cie *cie;
	bool fde;	       /* false: running the CIE's own initial instructions */
	struct frame stack[LT_CFI_MAX_DEPTH];
	unsigned int depth;
	uint64_t loc, end; /* FDE: the current row's first pc, and the FDE's end */
};

/* libdw keeps register offsets in 61 bits; so does this, so that tables come out the same. */
static int64_t offset61(uint64_t v)
{
	return (int64_t)(v << 3) >> 3;
}

static int64_t factored(uint64_t v, int64_t factor)
{
	return offset61(v * (uint64_t)factor);
}

static void set_reg(struct frame *f, uint64_t reg, uint8_t kind, int64_t off, const uint8_t *expr,
		    uint64_t len)
{
	struct reg_rule r = { kind, off, expr, len };

	if (reg == REG_RA)
		f->ra = r;
	else if (reg == REG_RBP)
		f->rbp = r;
}

/* An expression block: its length, then its bytes. */
static bool block(const uint8_t **p, const uint8_t *end, const uint8_t **expr, uint64_t *len)
{
	if (!uleb(p, end, len))
		return false;
	*expr = *p;
	return skip(p, end, *len);
}

/*
 * Run the instruction at *pp. Returns 1 for an advance of the location by *delta (not yet
 * scaled by the code alignment factor), 0 for a change of the state, -EINVAL for an
 * instruction that is malformed, unknown, or not allowed here.
 */
static int step(struct run *x, struct frame *f, const uint8_t **pp, const uint8_t *end,
		uint64_t *delta)
{
	const struct cie *cie = x->cie;
	const uint8_t *p = *pp;
	uint8_t op = *p++;
	uint64_t reg = 0, v = 0, len = 0;
	const uint8_t *expr = NULL;
	int64_t s = 0;
	bool ok = true;

	*delta = 0;
	switch (op >> 6) {
	case 1: /* DW_CFA_advance_loc */
		*delta = op & 0x3f;
		*pp = p;
		return 1;
	case 2: /* DW_CFA_offset */
		if (!uleb(&p, end, &v))
			return -EINVAL;
		set_reg(f, op & 0x3f, RULE_OFFSET, factored(v, cie->daf), NULL, 0);
		*pp = p;
		return 0;
	case 3: /* DW_CFA_restore */
		reg = op & 0x3f;
		op = DW_CFA_restore_extended;
		goto restore;
	}
	switch (op) {
	case DW_CFA_nop:
	case DW_CFA_GNU_args_size:
		ok = op == DW_CFA_nop || uleb(&p, end, &v);
		break;
	case DW_CFA_advance_loc1:
		ok = p < end;
		*delta = ok ? *p++ : 0;
		*pp = p;
		return ok ? 1 : -EINVAL;
	case DW_CFA_advance_loc2:
		if (end - p < 2)
			return -EINVAL;
		*delta = p[0] | p[1] << 8;
		*pp = p + 2;
		return 1;
	case DW_CFA_advance_loc4:
		if (end - p < 4)
			return -EINVAL;
		*delta = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
		*pp = p + 4;
		return 1;
	case DW_CFA_def_cfa:
		ok = uleb(&p, end, &reg) && uleb(&p, end, &v);
		f->cfa = CFA_REG, f->cfa_reg = reg, f->cfa_off = (int64_t)v;
		break;
	case DW_CFA_def_cfa_sf:
		ok = uleb(&p, end, &reg) && sleb(&p, end, &s);
		f->cfa = CFA_REG, f->cfa_reg = reg;
		f->cfa_off = (int64_t)((uint64_t)s * (uint64_t)cie->daf);
		break;
	case DW_CFA_def_cfa_register:
		ok = uleb(&p, end, &reg);
		if (f->cfa != CFA_REG)
			f->cfa = CFA_INVALID;
		f->cfa_reg = reg;
		break;
	case DW_CFA_def_cfa_offset:
	case DW_CFA_def_cfa_offset_sf:
		if (op == DW_CFA_def_cfa_offset)
			ok = uleb(&p, end, &v);
		else if ((ok = sleb(&p, end, &s)))
			v = (uint64_t)s * (uint64_t)cie->daf;
		if (f->cfa != CFA_REG)
			f->cfa = CFA_INVALID;
		f->cfa_off = (int64_t)v;
		break;
	case DW_CFA_def_cfa_expression:
		ok = block(&p, end, &expr, &len);
		f->cfa = CFA_EXPR, f->expr = expr, f->len = len;
		break;
	case DW_CFA_undefined:
	case DW_CFA_same_value:
		ok = uleb(&p, end, &reg);
		set_reg(f, reg, op == DW_CFA_undefined ? RULE_UNDEF : RULE_SAME, 0, NULL, 0);
		break;
	case DW_CFA_offset_extended:
	case DW_CFA_val_offset:
		ok = uleb(&p, end, &reg) && uleb(&p, end, &v);
		set_reg(f, reg, op == DW_CFA_val_offset ? RULE_VAL_OFFSET : RULE_OFFSET,
			factored(v, cie->daf), NULL, 0);
		break;
	case DW_CFA_offset_extended_sf:
	case DW_CFA_val_offset_sf:
		ok = uleb(&p, end, &reg) && sleb(&p, end, &s);
		set_reg(f, reg, op == DW_CFA_val_offset_sf ? RULE_VAL_OFFSET : RULE_OFFSET,
			factored((uint64_t)s, cie->daf), NULL, 0);
		break;
	case DW_CFA_GNU_negative_offset_extended:
		ok = uleb(&p, end, &reg) && uleb(&p, end, &v);
		set_reg(f, reg, RULE_OFFSET, factored(-v, cie->daf), NULL, 0);
		break;
	case DW_CFA_register:
		ok = uleb(&p, end, &reg) && uleb(&p, end, &v);
		set_reg(f, reg, RULE_REGISTER, 0, NULL, 0);
		break;
	case DW_CFA_expression:
	case DW_CFA_val_expression:
		ok = uleb(&p, end, &reg) && block(&p, end, &expr, &len);
		set_reg(f, reg, op == DW_CFA_expression ? RULE_EXPR : RULE_VAL_EXPR, 0, expr, len);
		break;
	case DW_CFA_restore_extended:
		ok = uleb(&p, end, &reg);
restore:
		/*
		 * Back to the CIE's rule. In the CIE's own instructions (some compilers emit them
		 * for cold code), back to x86-64's default, as libgcc's unwinder reads them.
		 */
		if (reg == REG_RA)
			f->ra = x->fde ? cie->init.ra : (struct reg_rule){ RULE_SAME };
		else if (reg == REG_RBP)
			f->rbp = x->fde ? cie->init.rbp : (struct reg_rule){ RULE_SAME };
		break;
	case DW_CFA_remember_state:
		if (x->depth == LT_CFI_MAX_DEPTH)
			return -EINVAL;
		x->stack[x->depth++] = *f;
		break;
	case DW_CFA_restore_state:
		if (!x->depth)
			return -EINVAL;
		*f = x->stack[--x->depth];
		break;
	default: /* set_loc (x86-64 code has no use for it), vendor opcodes */
		return -EINVAL;
	}
	if (!ok)
		return -EINVAL;
	*pp = p;
	return 0;
}

/* --- Rules into rows ---------------------------------------------------------------------- */

/* A DWARF expression operation, of the few the walker's rules are made of. */
struct op {
	uint8_t atom;
	uint64_t reg;	 /* DW_OP_breg*: the register */
	uint64_t number; /* DW_OP_breg*: the offset; DW_OP_plus_uconst: the addend */
};

#define MAX_OPS 9 /* the longest rule understood: the PLT's */

/*
 * Decode an expression of the operations the rules below are made of. Returns how many, or -1
 * for an expression with any other operation or longer than MAX_OPS: no rule matches it.
 */
static int decode_ops(const uint8_t *p, uint64_t len, struct op *ops)
{
	const uint8_t *end = p + len;
	int n = 0;

	while (p < end) {
		struct op o = { .atom = *p++ };
		int64_t s = 0;
		bool ok = true;

		if (n == MAX_OPS)
			return -1;
		if (o.atom >= DW_OP_breg0 && o.atom <= DW_OP_breg31) {
			o.reg = o.atom - DW_OP_breg0;
			o.atom = DW_OP_breg0; /* one form for every register */
			ok = sleb(&p, end, &s);
			o.number = (uint64_t)s;
		} else if (o.atom == DW_OP_bregx) {
			ok = uleb(&p, end, &o.reg) && sleb(&p, end, &s);
			o.atom = DW_OP_breg0;
			o.number = (uint64_t)s;
		} else if (o.atom == DW_OP_plus_uconst) {
			ok = uleb(&p, end, &o.number);
		} else if (!(o.atom >= DW_OP_lit0 && o.atom <= DW_OP_lit31) &&
			   o.atom != DW_OP_deref && o.atom != DW_OP_and && o.atom != DW_OP_ge &&
			   o.atom != DW_OP_shl && o.atom != DW_OP_plus) {
			return -1;
		}
		if (!ok)
			return -1;
		ops[n++] = o;
	}
	return n;
}

/* "Saved at CFA + N": an offset rule (N != 0), or the expression DW_OP_plus_uconst N. */
static bool at_cfa(const struct reg_rule *r, int64_t *off)
{
	struct op ops[MAX_OPS];

	if (r->kind == RULE_OFFSET && r->off) {
		*off = r->off;
		return true;
	}
	if (r->kind != RULE_EXPR || decode_ops(r->expr, r->len, ops) != 1 ||
	    ops[0].atom != DW_OP_plus_uconst)
		return false;
	*off = (int64_t)ops[0].number;
	return true;
}

/* "Saved at rsp + N" (signal frames): the expression DW_OP_breg7 N. */
static bool at_rsp(const struct reg_rule *r, int64_t *off)
{
	struct op ops[MAX_OPS];

	if (r->kind != RULE_EXPR || decode_ops(r->expr, r->len, ops) != 1 ||
	    ops[0].atom != DW_OP_breg0 || ops[0].reg != REG_RSP)
		return false;
	*off = (int64_t)ops[0].number;
	return true;
}

/* The PLT rule: rsp + N, + 8 more once (rip & 15) >= T. */
static bool plt_rule(const struct op *ops, int n, int64_t *off, int *threshold)
{
	static const uint8_t shape[] = { DW_OP_breg0, DW_OP_breg0, DW_OP_lit15, DW_OP_and, 0,
					 DW_OP_ge,    DW_OP_lit3,  DW_OP_shl,   DW_OP_plus };

	if (n != MAX_OPS || ops[0].reg != REG_RSP || ops[1].reg != REG_RA || ops[1].number)
		return false;
	for (int i = 0; i < n; i++) {
		if (shape[i] && ops[i].atom != shape[i])
			return false;
	}
	if (ops[4].atom < DW_OP_lit0 || ops[4].atom > DW_OP_lit31)
		return false;
	*off = (int64_t)ops[0].number;
	*threshold = ops[4].atom - DW_OP_lit0;
	return true;
}

static bool fits(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static bool rsp_or_rbp(uint64_t reg)
{
	return reg == REG_RSP || reg == REG_RBP;
}

static void cfa_rule(const struct frame *f, struct lt_unwind_row *r)
{
	struct op ops[MAX_OPS];
	int64_t off = 0;
	int n, t;

	r->cfa = LT_CFA_UNSUPPORTED;
	if (f->cfa == CFA_REG && rsp_or_rbp(f->cfa_reg)) {
		r->cfa = f->cfa_reg == REG_RSP ? LT_CFA_RSP : LT_CFA_RBP;
		off = f->cfa_off;
	} else if (f->cfa == CFA_EXPR && (n = decode_ops(f->expr, f->len, ops)) > 0) {
		if (n == 1 && ops[0].atom == DW_OP_breg0 && rsp_or_rbp(ops[0].reg)) {
			r->cfa = ops[0].reg == REG_RSP ? LT_CFA_RSP : LT_CFA_RBP;
			off = (int64_t)ops[0].number;
		} else if (n == 2 && ops[0].atom == DW_OP_breg0 && ops[1].atom == DW_OP_deref &&
			   rsp_or_rbp(ops[0].reg)) {
			r->cfa = ops[0].reg == REG_RSP ? LT_CFA_DEREF_RSP : LT_CFA_DEREF_RBP;
			off = (int64_t)ops[0].number;
		} else if (plt_rule(ops, n, &off, &t)) {
			r->cfa = LT_CFA_PLT;
			r->rbp_off = t;
		}
	}
	if (r->cfa != LT_CFA_UNSUPPORTED && !fits(off, INT32_MIN, INT32_MAX))
		r->cfa = LT_CFA_UNSUPPORTED;
	r->cfa_off = off;
}

/* The kernel's signal frame: sp, then pc, saved at rsp + N and N + 8, rbp at rsp + M. */
static void signal_rule(const struct frame *f, struct lt_unwind_row *r)
{
	int64_t sp_at, ra_at, bp_at;
	struct op ops[MAX_OPS];

	r->cfa = LT_CFA_UNSUPPORTED;
	if (f->cfa != CFA_EXPR || decode_ops(f->expr, f->len, ops) != 2 ||
	    ops[0].atom != DW_OP_breg0 || ops[0].reg != REG_RSP || ops[1].atom != DW_OP_deref)
		return;
	sp_at = (int64_t)ops[0].number;
	if (!fits(sp_at, 0, INT32_MAX) || !at_rsp(&f->ra, &ra_at) || ra_at != sp_at + 8 ||
	    !at_rsp(&f->rbp, &bp_at) || !fits(bp_at, 0, INT16_MAX))
		return;
	r->cfa = LT_CFA_SIGNAL;
	r->cfa_off = sp_at;
	r->rbp_off = bp_at;
}

static void rules(const struct frame *f, bool signalp, struct lt_unwind_row *r)
{
	int64_t off;

	if (signalp) {
		signal_rule(f, r);
		return;
	}
	/* An undefined return address marks the outermost frame (_start, clone). */
	if (f->ra.kind == RULE_UNDEF) {
		r->cfa = LT_CFA_STOP;
		return;
	}
	if (!at_cfa(&f->ra, &off) || off != -8) {
		r->cfa = LT_CFA_UNSUPPORTED;
		return;
	}
	cfa_rule(f, r);
	if (f->rbp.kind == RULE_SAME) {
		r->rbp = LT_RBP_SAME; /* the caller's */
	} else if (r->cfa != LT_CFA_PLT && at_cfa(&f->rbp, &off) &&
		   fits(off, INT16_MIN, INT16_MAX)) {
		r->rbp = LT_RBP_AT_CFA;
		r->rbp_off = off;
	} else {
		r->rbp = LT_RBP_LOST; /* undefined, or somewhere the walker does not look */
	}
}

static void convert(const struct frame *f, bool signalp, struct lt_unwind_row *r)
{
	r->cfa_off = 0;
	r->rbp_off = 0;
	r->rbp = LT_RBP_SAME;
	rules(f, signalp, r);
	/* The walker stops at an unsupported row: one form for all, so that they merge. */
	if (r->cfa == LT_CFA_UNSUPPORTED) {
		r->cfa_off = 0;
		r->rbp = LT_RBP_SAME;
		r->rbp_off = 0;
	}
}

static bool same_rule(const struct lt_unwind_row *a, const struct lt_unwind_row *b)
{
	return a->cfa == b->cfa && a->cfa_off == b->cfa_off && a->rbp == b->rbp &&
	       a->rbp_off == b->rbp_off;
}

static int emit(struct build *b, const struct lt_unwind_row *r)
{
	struct row_buf *rb = &b->rows;

	if (rb->n && same_rule(&rb->v[rb->n - 1], r))
		return 0; /* the same rule goes on */
	if (rb->n && rb->v[rb->n - 1].pc == r->pc) {
		rb->v[rb->n - 1] = *r; /* an empty row: the new one replaces it */
		return 0;
	}
	if (rb->n == b->lim->max_rows)
		return exceeded(b->st, LT_CFI_BOUND_ROWS, b->lim->max_rows);
	if (lt_grow((void **)&rb->v, &rb->cap, rb->n, sizeof(*rb->v)))
		return -ENOMEM;
	rb->v[rb->n++] = *r;
	return 0;
}

static int emit_state(struct build *b, uint64_t pc, const struct frame *f, bool signalp)
{
	struct lt_unwind_row r = { .pc = pc };

	convert(f, signalp, &r);
	b->st->unsupported += r.cfa == LT_CFA_UNSUPPORTED;
	return emit(b, &r);
}

/*
 * The rows of one FDE: its program runs once, from its CIE's state, and each advance of the
 * location ends a row. A malformed program leaves its code from there on without CFI.
 */
static int fde_rows(struct build *b, const struct fde *d)
{
	struct run x = { .cie = d->cie, .fde = true, .loc = d->begin, .end = d->end };
	struct frame f = d->cie->init;
	const uint8_t *p = d->prog;
	int r = 0;

	while (p < d->prog_end) {
		uint64_t delta, to;

		r = step(&x, &f, &p, d->prog_end, &delta);
		if (r < 0)
			break;
		if (r == 0 || !delta)
			continue;
		/* A row [loc, loc + delta). The last one ends with the FDE, however far. */
		if (__builtin_mul_overflow(delta, d->cie->caf, &delta) ||
		    __builtin_add_overflow(x.loc, delta, &to) || to >= x.end)
			break;
		r = emit_state(b, x.loc, &f, d->cie->signal);
		if (r)
			return r;
		x.loc = to;
	}
	if (r < 0) {
		struct lt_unwind_row none = { .pc = x.loc, .cfa = LT_CFA_NONE };

		b->st->bad_fdes++;
		return emit(b, &none);
	}
	return emit_state(b, x.loc, &f, d->cie->signal);
}

/* A CIE's initial state: x86-64's defaults (rbp and the return address keep the caller's), then
 * its initial instructions. */
static void cie_init(struct cie *c, const uint8_t *p, const uint8_t *end)
{
	struct run x = { .cie = c };
	struct frame f = { .cfa = CFA_UNDEF, .ra.kind = RULE_SAME, .rbp.kind = RULE_SAME };

	while (p < end) {
		uint64_t delta;

		/* No advance in a CIE: there is no location yet. */
		if (step(&x, &f, &p, end, &delta)) {
			c->bad = true;
			break;
		}
	}
	c->init = f;
}

/* --- CIEs and FDEs --------------------------------------------------------------------------- */

static Elf_Scn *find_scn(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/*
 * The bytes of the section `name` (decompressed: debug files compress .debug_frame), if it is
 * within the bound. 0 with *data NULL when there is no such section or it cannot be read.
 */
static int section_data(struct build *b, Elf *elf, const char *name, Elf_Data **data,
			GElf_Shdr *sh)
{
	Elf_Scn *scn = find_scn(elf, name);
	uint64_t size;
	GElf_Chdr ch;

	*data = NULL;
	if (!scn || !gelf_getshdr(scn, sh))
		return 0;
	size = sh->sh_size;
	if (sh->sh_flags & SHF_COMPRESSED) {
		if (!gelf_getchdr(scn, &ch))
			return 0;
		size = ch.ch_size; /* checked before anything is decompressed */
	}
	if (size > b->lim->max_section_bytes)
		return exceeded(b->st, LT_CFI_BOUND_SECTION, b->lim->max_section_bytes);
	if ((sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return 0;
	*data = elf_getdata(scn, NULL);
	if (*data && (!(*data)->d_buf || !(*data)->d_size || (*data)->d_size > size))
		*data = NULL;
	return 0;
}

/* Every CIE of a section, in offset order, with its initial state. */
static int collect_cies(struct build *b, const unsigned char *ident, Elf_Data *data, bool eh,
			struct cie_list *out)
{
	Dwarf_Off off = 0, next;

	for (;;) {
		Dwarf_CFI_Entry e;
		int r = dwarf_next_cfi(ident, data, eh, off, &next, &e);
		struct cie *c;

		if (r > 0)
			break;
		if (r == 0 && dwarf_cfi_cie_p(&e)) {
			if (out->n == b->lim->max_cies)
				return exceeded(b->st, LT_CFI_BOUND_CIES, b->lim->max_cies);
			if (lt_grow((void **)&out->v, &out->cap, out->n, sizeof(*out->v)))
				return -ENOMEM;
			c = &out->v[out->n++];
			memset(c, 0, sizeof(*c));
			c->off = off;
			c->caf = e.cie.code_alignment_factor;
			c->daf = e.cie.data_alignment_factor;
			cie_augmentation(&e.cie, c);
			if (!eh)
				c->enc = DW_EH_PE_absptr;
			cie_init(c, e.cie.initial_instructions, e.cie.initial_instructions_end);
		}
		if (next == (Dwarf_Off)-1 || next <= off)
			break;
		off = next;
	}
	return 0;
}

/* The CIE at `off`: only one the scan of the section found, never bytes found elsewhere. */
static const struct cie *find_cie(const struct cie_list *l, Dwarf_Off off)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].off == off)
			return &l->v[mid];
		if (l->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int push_fde(struct build *b, struct fde_list *l, const struct fde *f)
{
	if (l->n == b->lim->max_fdes)
		return exceeded(b->st, LT_CFI_BOUND_FDES, b->lim->max_fdes);
	if (lt_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = *f;
	return 0;
}

/* Every FDE of a section with its range and program. */
static int collect_fdes(struct build *b, const unsigned char *ident, Elf_Data *data,
			const GElf_Shdr *sh, bool eh, const struct cie_list *cies,
			struct fde_list *out)
{
	Dwarf_Off off = 0, next;
	int err = 0;

	for (;;) {
		Dwarf_CFI_Entry e;
		int r = dwarf_next_cfi(ident, data, eh, off, &next, &e);

		if (r > 0)
			break;
		if (r == 0 && !dwarf_cfi_cie_p(&e)) {
			const struct cie *c = find_cie(cies, e.fde.CIE_pointer);
			const uint8_t *p = e.fde.start, *end = e.fde.end;
			uint64_t begin, range, aug;

			if (!c || c->bad || !read_encoded(&p, end, c->enc & 0x0f, &begin) ||
			    !read_encoded(&p, end, c->enc & 0x0f, &range) ||
			    (c->z && (!uleb(&p, end, &aug) || !skip(&p, end, aug)))) {
				b->st->bad_fdes++;
			} else {
				struct fde f = { .prog = p, .prog_end = end, .cie = c,
						 .debug_frame = !eh };

				if ((c->enc & 0x70) == DW_EH_PE_pcrel)
					begin += sh->sh_addr +
						 (e.fde.start - (const uint8_t *)data->d_buf);
				f.begin = begin;
				f.end = begin + range;
				if (range && f.end > begin)
					err = push_fde(b, out, &f);
			}
		}
		if (err || next == (Dwarf_Off)-1 || next <= off)
			break;
		off = next;
	}
	return err;
}

/* The FDEs of `elf`'s section `name` (.eh_frame or .debug_frame), their CIEs in `cies`. */
static int section_fdes(struct build *b, Elf *elf, const char *name, struct cie_list *cies,
			struct fde_list *out)
{
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	bool eh = !strcmp(name, ".eh_frame");
	Elf_Data *data;
	GElf_Shdr sh;
	int err;

	/* x86-64 objects only: 64-bit, little-endian. */
	if (!ident || ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
		return 0;
	err = section_data(b, elf, name, &data, &sh);
	if (err || !data)
		return err;
	return collect_cies(b, ident, data, eh, cies) ?:
	       collect_fdes(b, ident, data, &sh, eh, cies, out);
}

static int cmp_fde(const void *a, const void *b)
{
	const struct fde *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	/* The same start: .eh_frame's first, then the section's order. */
	if (x->debug_frame != y->debug_frame)
		return x->debug_frame ? 1 : -1;
	return x->prog < y->prog ? -1 : x->prog > y->prog;
}

/*
 * Add the .debug_frame FDEs that no .eh_frame FDE overlaps (`eh` sorted): a binary search for
 * the .eh_frame FDEs that start before one ends, and the furthest end among them.
 */
static int merge_debug_frame(struct build *b, struct fde_list *eh, const struct fde_list *dbg)
{
	size_t n = eh->n;
	uint64_t *max_end = NULL;
	int err = 0;

	if (!dbg->n)
		return 0;
	if (n && !(max_end = malloc(n * sizeof(*max_end))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		max_end[i] = i && max_end[i - 1] > eh->v[i].end ? max_end[i - 1] : eh->v[i].end;
	for (size_t i = 0; i < dbg->n && !err; i++) {
		const struct fde *d = &dbg->v[i];
		size_t lo = 0, hi = n;

		while (lo < hi) { /* how many .eh_frame FDEs begin before d ends */
			size_t mid = lo + (hi - lo) / 2;

			if (eh->v[mid].begin < d->end)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo || max_end[lo - 1] <= d->begin)
			err = push_fde(b, eh, d);
	}
	free(max_end);
	return err;
}

int cfi__build_rows(Elf *elf, Elf *debug, const struct lt_cfi_limits *lim,
		    struct lt_unwind_row **rows, size_t *n, struct lt_cfi_stats *stats)
{
	struct build b = { .lim = lim ?: &default_limits, .st = stats };
	struct cie_list eh_cies = {}, dbg_cies = {};
	struct fde_list fdes = {}, dbg = {};
	uint64_t covered = 0; /* end of the FDEs taken so far */
	int err;

	memset(stats, 0, sizeof(*stats));
	*rows = NULL;
	*n = 0;
	err = section_fdes(&b, elf, ".eh_frame", &eh_cies, &fdes);
	if (!err && debug)
		err = section_fdes(&b, debug, ".debug_frame", &dbg_cies, &dbg);
	if (!err && fdes.n)
		qsort(fdes.v, fdes.n, sizeof(*fdes.v), cmp_fde);
	err = err ?: merge_debug_frame(&b, &fdes, &dbg);
	if (!err && dbg.n && fdes.n)
		qsort(fdes.v, fdes.n, sizeof(*fdes.v), cmp_fde);
	for (size_t i = 0; i < fdes.n && !err; i++) {
		const struct fde *f = &fdes.v[i];
		struct lt_unwind_row gap = { .pc = covered, .cfa = LT_CFA_NONE };

		/* It overlaps an FDE already taken: keep the first. */
		if (f->begin < covered)
			continue;
		/* Code between the last FDE and this one has no CFI. */
		if (b.rows.n && f->begin > covered)
			err = emit(&b, &gap);
		stats->fdes++;
		stats->debug_frame_fdes += f->debug_frame;
		err = err ?: fde_rows(&b, f);
		covered = f->end;
	}
	if (!err && b.rows.n) {
		struct lt_unwind_row gap = { .pc = covered, .cfa = LT_CFA_NONE };

		err = emit(&b, &gap);
	}
	free(eh_cies.v);
	free(dbg_cies.v);
	free(fdes.v);
	free(dbg.v);
	if (err) {
		free(b.rows.v);
		return err;
	}
	*rows = b.rows.v;
	*n = b.rows.n;
	stats->rows = b.rows.n;
	return 0;
}

const struct lt_unwind_row *cfi__lookup(const struct lt_unwind_row *rows, size_t n, uint64_t pc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &rows[lo - 1] : NULL;
}
