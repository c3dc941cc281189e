// SPDX-License-Identifier: GPL-2.0
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

struct fde_range {
	uint64_t begin, end;
	bool debug_frame;
};

struct fde_list {
	struct fde_range *v;
	size_t n, cap;
};

struct row_buf {
	struct lt_unwind_row *v;
	size_t n, cap;
};

/* --- Decoding FDE address ranges ------------------------------------------------------ */

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

/* The FDE pointer encoding a CIE's augmentation declares ('R'), absptr when none. */
static uint8_t cie_fde_encoding(const Dwarf_CIE *cie)
{
	const uint8_t *d = cie->augmentation_data;
	const uint8_t *end = d ? d + cie->augmentation_data_size : NULL;
	const char *a = cie->augmentation;

	if (!a || a[0] != 'z' || !d)
		return DW_EH_PE_absptr;
	for (a++; *a && d < end; a++) {
		uint64_t skip;

		switch (*a) {
		case 'R':
			return *d;
		case 'P': { /* personality: its encoding, then the pointer */
			uint8_t penc = *d++;

			if (!read_encoded(&d, end, penc & 0x7f, &skip))
				return DW_EH_PE_absptr;
			break;
		}
		case 'L':
			d++;
			break;
		default: /* 'S', 'B', 'G': no data */
			break;
		}
	}
	return DW_EH_PE_absptr;
}

struct cie_enc {
	Dwarf_Off off;
	uint8_t enc;
	bool z;		/* 'z' augmentation: each FDE has augmentation data before its program */
};

/* --- Bounding what libdw is asked to run ------------------------------------------------ */

/*
 * Registers a CFA program may name. x86-64's DWARF numbers stop at 66 (flags, segments, FS
 * and GS bases); libdw makes each frame state as large as the highest register it names, so
 * a crafted .eh_frame naming register 100,000,000 would cost gigabytes.
 */
#define LT_CFI_MAX_REG 128

static bool uleb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	return read_encoded(p, end, DW_EH_PE_uleb128, v);
}

/* Skip `n` bytes; false past the end. */
static bool skip(const uint8_t **p, const uint8_t *end, uint64_t n)
{
	if (n > (uint64_t)(end - *p))
		return false;
	*p += n;
	return true;
}

/*
 * Whether a CFA program decodes to its end with known opcodes and names only registers below
 * LT_CFI_MAX_REG. An object with any other program is not unwound by its CFI at all.
 */
static bool program_ok(const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		uint8_t op = *p++;
		uint64_t reg = 0, reg2 = 0, v;
		bool ok = true;

		if (op >> 6 == 1 || op >> 6 == 3) /* advance_loc, restore: the operand is in op */
			continue;
		if (op >> 6 == 2) { /* offset: the register is in op, then a ULEB */
			if (!uleb(&p, end, &v))
				return false;
			continue;
		}
		switch (op) {
		case DW_CFA_nop:
		case DW_CFA_remember_state:
		case DW_CFA_restore_state:
			break;
		case DW_CFA_advance_loc1:
			ok = skip(&p, end, 1);
			break;
		case DW_CFA_advance_loc2:
			ok = skip(&p, end, 2);
			break;
		case DW_CFA_advance_loc4:
			ok = skip(&p, end, 4);
			break;
		case DW_CFA_def_cfa_offset:
		case DW_CFA_def_cfa_offset_sf:
		case DW_CFA_GNU_args_size:
			ok = uleb(&p, end, &v);
			break;
		case DW_CFA_restore_extended:
		case DW_CFA_undefined:
		case DW_CFA_same_value:
		case DW_CFA_def_cfa_register:
			ok = uleb(&p, end, &reg);
			break;
		case DW_CFA_offset_extended:
		case DW_CFA_offset_extended_sf:
		case DW_CFA_val_offset:
		case DW_CFA_val_offset_sf:
		case DW_CFA_def_cfa:
		case DW_CFA_def_cfa_sf:
		case DW_CFA_GNU_negative_offset_extended:
			ok = uleb(&p, end, &reg) && uleb(&p, end, &v);
			break;
		case DW_CFA_register:
			ok = uleb(&p, end, &reg) && uleb(&p, end, &reg2);
			break;
		case DW_CFA_def_cfa_expression:
			ok = uleb(&p, end, &v) && skip(&p, end, v);
			break;
		case DW_CFA_expression:
		case DW_CFA_val_expression:
			ok = uleb(&p, end, &reg) && uleb(&p, end, &v) && skip(&p, end, v);
			break;
		default: /* set_loc (its operand's size is the FDE's encoding) and vendor opcodes */
			return false;
		}
		if (!ok || reg >= LT_CFI_MAX_REG || reg2 >= LT_CFI_MAX_REG)
			return false;
	}
	return true;
}

static int push_range(struct fde_list *l, uint64_t begin, uint64_t end, bool debug_frame)
{
	if (lt_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = (struct fde_range){ begin, end, debug_frame };
	return 0;
}

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

/* Every FDE's [begin, end) in the section `name`: .eh_frame or .debug_frame. */
static int collect_fdes(Elf *elf, const char *name, struct fde_list *out)
{
	bool eh = !strcmp(name, ".eh_frame");
	struct cie_enc *cies = NULL;
	size_t ncies = 0, cap = 0;
	Dwarf_Off off = 0, next;
	const char *ident;
	Elf_Data *data;
	Elf_Scn *scn;
	GElf_Shdr sh;
	int err = 0;

	scn = find_scn(elf, name);
	if (!scn || !gelf_getshdr(scn, &sh) || !(data = elf_getdata(scn, NULL)) || !data->d_buf)
		return 0;
	ident = elf_getident(elf, NULL);
	if (!ident)
		return 0;
	for (;;) {
		Dwarf_CFI_Entry e;
		int r = dwarf_next_cfi((const unsigned char *)ident, data, eh, off, &next, &e);

		if (r > 0)
			break;
		if (r < 0) {
			if (next == (Dwarf_Off)-1 || next <= off)
				break;
			off = next;
			continue;
		}
		if (dwarf_cfi_cie_p(&e)) {
			if (lt_grow((void **)&cies, &cap, ncies, sizeof(*cies))) {
				err = -ENOMEM;
				break;
			}
			if (e.cie.return_address_register >= LT_CFI_MAX_REG ||
			    !program_ok(e.cie.initial_instructions, e.cie.initial_instructions_end)) {
				err = -E2BIG;
				break;
			}
			cies[ncies++] = (struct cie_enc){
				off, eh ? cie_fde_encoding(&e.cie) : 0,
				e.cie.augmentation && e.cie.augmentation[0] == 'z',
			};
		} else {
			const uint8_t *p = e.fde.start, *end = e.fde.end;
			uint8_t enc = DW_EH_PE_absptr;
			uint64_t begin, range, aug;
			bool z = false;

			for (size_t i = 0; i < ncies; i++) {
				if (cies[i].off == e.fde.CIE_pointer) {
					enc = cies[i].enc;
					z = cies[i].z;
				}
			}
			if (read_encoded(&p, end, enc & 0x0f, &begin) &&
			    read_encoded(&p, end, enc & 0x0f, &range)) {
				/* Its program, after the augmentation data: what libdw will run. */
				const uint8_t *prog = p;

				if ((z && (!uleb(&prog, end, &aug) || !skip(&prog, end, aug))) ||
				    !program_ok(prog, end)) {
					err = -E2BIG;
					break;
				}
				if ((enc & 0x70) == DW_EH_PE_pcrel)
					begin += sh.sh_addr + (e.fde.start - (const uint8_t *)data->d_buf);
				if (range && begin + range > begin)
					err = push_range(out, begin, begin + range, !eh);
			}
		}
		if (err || next == (Dwarf_Off)-1 || next <= off)
			break;
		off = next;
	}
	free(cies);
	return err;
}

static int cmp_range(const void *a, const void *b)
{
	const struct fde_range *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* --- Rules into rows --------------------------------------------------------------------- */

static bool breg(const Dwarf_Op *op, int *reg, int64_t *off)
{
	if (op->atom == DW_OP_bregx) {
		*reg = op->number;
		*off = (int64_t)op->number2;
		return true;
	}
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*reg = op->atom - DW_OP_breg0;
		*off = (int64_t)op->number;
		return true;
	}
	return false;
}

/* "Saved at CFA + N": libdw gives DW_OP_call_frame_cfa; DW_OP_plus_uconst N. */
static bool at_cfa(const Dwarf_Op *ops, size_t n, int64_t *off)
{
	if (n != 2 || ops[0].atom != DW_OP_call_frame_cfa || ops[1].atom != DW_OP_plus_uconst)
		return false;
	*off = (int64_t)ops[1].number;
	return true;
}

/* "Saved at rsp + N" (signal frames): DW_OP_call_frame_cfa; DW_OP_breg7 N. */
static bool at_rsp(const Dwarf_Op *ops, size_t n, int64_t *off)
{
	int reg;

	return n == 2 && ops[0].atom == DW_OP_call_frame_cfa && breg(&ops[1], &reg, off) &&
	       reg == REG_RSP;
}

/* The PLT rule: rsp + N, + 8 more once (rip & 15) >= T. */
static bool plt_rule(const Dwarf_Op *ops, size_t n, int64_t *off, int *threshold)
{
	static const uint8_t shape[] = { 0, DW_OP_breg16, DW_OP_lit15, DW_OP_and, 0, DW_OP_ge,
					 DW_OP_lit3, DW_OP_shl, DW_OP_plus };
	int reg;

	if (n != 9 || !breg(&ops[0], &reg, off) || reg != REG_RSP || ops[1].number)
		return false;
	for (size_t i = 1; i < n; i++) {
		if (shape[i] && ops[i].atom != shape[i])
			return false;
	}
	if (ops[4].atom < DW_OP_lit0 || ops[4].atom > DW_OP_lit31)
		return false;
	*threshold = ops[4].atom - DW_OP_lit0;
	return true;
}

static bool fits(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static void cfa_rule(Dwarf_Frame *fr, struct lt_unwind_row *r)
{
	int64_t off = 0;
	Dwarf_Op *ops;
	size_t n = 0;
	int reg, t;

	r->cfa = LT_CFA_UNSUPPORTED;
	if (dwarf_frame_cfa(fr, &ops, &n) || !n)
		return;
	if (n == 1 && breg(&ops[0], &reg, &off) && (reg == REG_RSP || reg == REG_RBP))
		r->cfa = reg == REG_RSP ? LT_CFA_RSP : LT_CFA_RBP;
	else if (n == 2 && breg(&ops[0], &reg, &off) && ops[1].atom == DW_OP_deref &&
		 (reg == REG_RSP || reg == REG_RBP))
		r->cfa = reg == REG_RSP ? LT_CFA_DEREF_RSP : LT_CFA_DEREF_RBP;
	else if (plt_rule(ops, n, &off, &t))
		r->cfa = LT_CFA_PLT, r->rbp_off = t;
	if (r->cfa != LT_CFA_UNSUPPORTED && !fits(off, INT32_MIN, INT32_MAX))
		r->cfa = LT_CFA_UNSUPPORTED;
	r->cfa_off = off;
}

/* The kernel's signal frame: sp, then pc, saved at rsp + N and N + 8, rbp at rsp + M. */
static void signal_rule(Dwarf_Frame *fr, struct lt_unwind_row *r)
{
	int64_t sp_at, ra_at, bp_at;
	Dwarf_Op *ops, mem[3];
	size_t n;
	int reg;

	r->cfa = LT_CFA_UNSUPPORTED;
	if (dwarf_frame_cfa(fr, &ops, &n) || n != 2 || !breg(&ops[0], &reg, &sp_at) ||
	    reg != REG_RSP || ops[1].atom != DW_OP_deref)
		return;
	if (dwarf_frame_register(fr, REG_RA, mem, &ops, &n) || !at_rsp(ops, n, &ra_at) ||
	    ra_at != sp_at + 8)
		return;
	if (dwarf_frame_register(fr, REG_RBP, mem, &ops, &n) || !at_rsp(ops, n, &bp_at) ||
	    !fits(sp_at, 0, INT32_MAX) || !fits(bp_at, 0, INT16_MAX))
		return;
	r->cfa = LT_CFA_SIGNAL;
	r->cfa_off = sp_at;
	r->rbp_off = bp_at;
}

static void convert(Dwarf_Frame *fr, bool signalp, struct lt_unwind_row *r)
{
	Dwarf_Op *ops, mem[3];
	int64_t off;
	size_t n;

	r->cfa_off = 0;
	r->rbp_off = 0;
	r->rbp = LT_RBP_SAME;
	if (signalp) {
		signal_rule(fr, r);
		return;
	}
	/* An undefined return address marks the outermost frame (_start, clone). */
	if (dwarf_frame_register(fr, REG_RA, mem, &ops, &n) == 0 && !n && ops == mem) {
		r->cfa = LT_CFA_STOP;
		return;
	}
	if (!at_cfa(ops, n, &off) || off != -8) {
		r->cfa = LT_CFA_UNSUPPORTED;
		return;
	}
	cfa_rule(fr, r);
	if (dwarf_frame_register(fr, REG_RBP, mem, &ops, &n)) {
		r->rbp = LT_RBP_LOST;
	} else if (!n) {
		/* same value keeps the caller's; "undefined" leaves nothing to recover */
		r->rbp = ops ? LT_RBP_LOST : LT_RBP_SAME;
	} else if (r->cfa != LT_CFA_PLT && at_cfa(ops, n, &off) && fits(off, INT16_MIN, INT16_MAX)) {
		r->rbp = LT_RBP_AT_CFA;
		r->rbp_off = off;
	} else {
		r->rbp = LT_RBP_LOST;
	}
}

static bool same_rule(const struct lt_unwind_row *a, const struct lt_unwind_row *b)
{
	return a->cfa == b->cfa && a->cfa_off == b->cfa_off && a->rbp == b->rbp &&
	       a->rbp_off == b->rbp_off;
}

static int emit(struct row_buf *b, const struct lt_unwind_row *r)
{
	if (b->n && same_rule(&b->v[b->n - 1], r))
		return 0; /* the same rule goes on */
	if (b->n && b->v[b->n - 1].pc == r->pc) {
		b->v[b->n - 1] = *r; /* an empty row: the new one replaces it */
		return 0;
	}
	if (lt_grow((void **)&b->v, &b->cap, b->n, sizeof(*b->v)))
		return -ENOMEM;
	b->v[b->n++] = *r;
	return 0;
}

/* Rows for one FDE, [begin, end). */
static int fde_rows(Dwarf_CFI *cfi, const struct fde_range *f, struct row_buf *b,
		    struct lt_cfi_stats *st)
{
	uint64_t pc = f->begin;
	int err = 0;

	while (pc < f->end && !err) {
		struct lt_unwind_row r = { .pc = pc };
		Dwarf_Addr start, end;
		Dwarf_Frame *fr;
		bool signalp = false;

		if (dwarf_cfi_addrframe(cfi, pc, &fr)) {
			r.cfa = LT_CFA_NONE; /* a hole inside the FDE's claimed range */
			return emit(b, &r);
		}
		if (dwarf_frame_info(fr, &start, &end, &signalp) < 0 || end <= pc)
			end = pc + 1;
		convert(fr, signalp, &r);
		free(fr);
		st->unsupported += r.cfa == LT_CFA_UNSUPPORTED;
		err = emit(b, &r);
		pc = end < f->end ? end : f->end;
	}
	return err;
}

int cfi__build_rows(Elf *elf, Elf *debug, struct lt_unwind_row **rows, size_t *n,
		    struct lt_cfi_stats *stats)
{
	struct fde_list eh = {}, dbg = {};
	struct row_buf b = {};
	uint64_t covered = 0; /* end of the FDEs taken so far */
	Dwarf *dwarf = NULL;
	Dwarf_CFI *eh_cfi, *dbg_cfi = NULL;
	int err;

	memset(stats, 0, sizeof(*stats));
	*rows = NULL;
	*n = 0;
	eh_cfi = dwarf_getcfi_elf(elf);
	err = collect_fdes(elf, ".eh_frame", &eh);
	if (!err && debug) {
		dwarf = dwarf_begin_elf(debug, DWARF_C_READ, NULL);
		dbg_cfi = dwarf ? dwarf_getcfi(dwarf) : NULL;
		if (dbg_cfi)
			err = collect_fdes(debug, ".debug_frame", &dbg);
	}
	if (err)
		goto out;
	/* .debug_frame only where .eh_frame says nothing. */
	if (eh.n)
		qsort(eh.v, eh.n, sizeof(*eh.v), cmp_range);
	for (size_t i = 0; i < dbg.n && !err; i++) {
		const struct fde_range key = dbg.v[i];
		const struct fde_range *hit = NULL;

		for (size_t k = 0; k < eh.n && eh.v[k].begin < key.end; k++) {
			if (eh.v[k].end > key.begin) {
				hit = &eh.v[k];
				break;
			}
		}
		if (!hit)
			err = push_range(&eh, key.begin, key.end, true);
	}
	if (eh.n)
		qsort(eh.v, eh.n, sizeof(*eh.v), cmp_range);
	for (size_t i = 0; i < eh.n && !err; i++) {
		const struct fde_range *f = &eh.v[i];
		Dwarf_CFI *cfi = f->debug_frame ? dbg_cfi : eh_cfi;
		struct lt_unwind_row gap = { .pc = covered, .cfa = LT_CFA_NONE };

		/* No CFI handle, or it overlaps an FDE already taken: keep the first. */
		if (!cfi || f->begin < covered)
			continue;
		/* Code between the last FDE and this one has no CFI. */
		if (b.n && f->begin > covered)
			err = emit(&b, &gap);
		stats->fdes++;
		stats->debug_frame_fdes += f->debug_frame;
		err = err ?: fde_rows(cfi, f, &b, stats);
		covered = f->end;
	}
	if (!err && b.n) {
		struct lt_unwind_row gap = { .pc = covered, .cfa = LT_CFA_NONE };

		err = emit(&b, &gap);
	}
out:
	if (eh_cfi)
		dwarf_cfi_end(eh_cfi);
	if (dwarf)
		dwarf_end(dwarf);
	free(eh.v);
	free(dbg.v);
	if (err) {
		free(b.v);
		return err;
	}
	*rows = b.v;
	*n = b.n;
	stats->rows = b.n;
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
