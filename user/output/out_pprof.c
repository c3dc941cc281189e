// SPDX-License-Identifier: GPL-2.0
/*
 * The heap rows as pprof's profile.proto, encoded by hand: the message needs only varints and
 * length-delimited fields, which is less than a protobuf library would cost us as a dependency.
 *
 * Every Mapping, Location, Function and string is encoded once, when first met, into the
 * buffer of its repeated field, so ids follow row order then frame order and the same report
 * always gives the same bytes. The buffers are joined in field-number order at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hashmap.h"
#include "output.h"
#include "util.h"

/* Field numbers, from github.com/google/pprof/proto/profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};

enum {
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
};

enum {
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,
};

enum {
	LABEL_KEY = 1,
	LABEL_STR = 2,
	LABEL_NUM = 3,
};

enum {
	MAPPING_ID = 1,
	MAPPING_MEMORY_START = 2,
	MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILE_OFFSET = 4,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
};

enum {
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
};

enum {
	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,
};

enum {
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

enum {
	WIRE_VARINT = 0,
	WIRE_LEN = 2,
};

/*
 * The strings every profile has, interned first, so their indices are these constants. Index
 * 0 must be "", which profile.proto reads as unset.
 */
enum {
	S_EMPTY,
	S_ALLOC_OBJECTS,
	S_ALLOC_SPACE,
	S_INUSE_OBJECTS,
	S_INUSE_SPACE,
	S_COUNT,
	S_BYTES,
	S_SPACE,
	S_PID,
	S_COMM,
	S_HEAP_PROFILE,
	S_NO_STACK,
	S__FIXED,
};

static const char *const fixed_strs[S__FIXED] = {
	[S_EMPTY] = "",
	[S_ALLOC_OBJECTS] = "alloc_objects",
	[S_ALLOC_SPACE] = "alloc_space",
	[S_INUSE_OBJECTS] = "inuse_objects",
	[S_INUSE_SPACE] = "inuse_space",
	[S_COUNT] = "count",
	[S_BYTES] = "bytes",
	[S_SPACE] = "space",
	[S_PID] = "pid",
	[S_COMM] = "comm",
	[S_HEAP_PROFILE] = "leaktop heap profile",
	[S_NO_STACK] = "[stack unavailable]",
};

/* Sample types in the order of Go's heap profiles, which tools expect. */
static const uint64_t sample_types[][2] = {
	{ S_ALLOC_OBJECTS, S_COUNT },
	{ S_ALLOC_SPACE, S_BYTES },
	{ S_INUSE_OBJECTS, S_COUNT },
	{ S_INUSE_SPACE, S_BYTES },
};

/* Rows without a stack share one location, under a pid that no process has. */
#define NO_STACK_PID ((pid_t)-1)

/*
 * A growing buffer of protobuf. A failed allocation sticks, and passes into any buffer this one
 * is copied into, so the encoder checks once, on the whole message.
 */
struct pb {
	uint8_t *data;
	size_t len, cap;
	bool nomem;
};

/* A location's (pid, address), or a mapping's (pid, struct lt_module pointer). */
struct pid_key {
	uint64_t v;
	pid_t pid;
};

/* Distinct pid_keys, numbered from 1 in the order they come. */
struct keyset {
	struct lt_hashmap idx;	/* hash (+ 1, + 2... past collisions) -> index in keys */
	struct pid_key *keys;	/* keys[id - 1] */
	size_t n, cap;
};

struct enc {
	/* Allocation failures other than a pb's: the encoder goes on, its output is dropped. */
	int err;
	/* The string table. The strings live in the report, fixed_strs, or `comment`. */
	const char **strs;
	size_t nstrs, strs_cap;
	struct lt_hashmap str_idx; /* hash (+ 1, + 2... past collisions) -> index in strs */
	struct keyset locs, maps;
	/* name index << 32 | filename index -> id: 2^32 strings would take over 100 GiB here. */
	struct lt_hashmap func_ids;
	uint64_t nfuncs;
	uint64_t *loc_ids;	/* one row's locations */
	size_t loc_ids_cap;
	/* Repeated fields of Profile, entries in id order. */
	struct pb samples, mappings, locations, functions, strtab;
	/* Scratch: a message, and one nested in it or a packed field of it. */
	struct pb msg, sub;
	char comment[160];
};

/* Room in the array *arr for n elements of `size` bytes, doubling as lt_grow() does. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
	return n ? lt_grow(arr, cap, n - 1, size) : 0;
}

static void pb_raw(struct pb *b, const void *p, size_t n)
{
	if (b->nomem || !n)
		return;
	if (reserve((void **)&b->data, &b->cap, b->len + n, 1)) {
		b->nomem = true;
		return;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	pb_raw(b, tmp, n);
}

static void pb_tag(struct pb *b, unsigned int field, unsigned int wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

/*
 * A varint field: uint64, bool, or int64 as its two's complement. Zero, proto3's default, is
 * left out, as it reads the same.
 */
static void pb_uint(struct pb *b, unsigned int field, uint64_t v)
{
	if (!v)
		return;
	pb_tag(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, unsigned int field, const void *p, size_t n)
{
	pb_tag(b, field, WIRE_LEN);
	pb_varint(b, n);
	pb_raw(b, p, n);
}

/* Append the message `m` as a field of b, and empty m for the next one. */
static void pb_msg(struct pb *b, unsigned int field, struct pb *m)
{
	pb_bytes(b, field, m->data, m->len);
	b->nomem |= m->nomem;
	m->len = 0;
}

/* Append the fields in `src` to b. */
static void pb_append(struct pb *b, const struct pb *src)
{
	pb_raw(b, src->data, src->len);
	b->nomem |= src->nomem;
}

/* A packed repeated varint field, built in `tmp`. */
static void pb_packed(struct pb *b, unsigned int field, struct pb *tmp, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_varint(tmp, v[i]);
	pb_msg(b, field, tmp);
}

/*
 * The index of `s` in the string table, adding it when new; NULL is "", index 0. An entry
 * takes the first free key of hash, hash + 1, ... and none is ever removed, so a lookup that
 * walks the same keys meets its string before any free key; comparing the strings passes over
 * those whose hashes collided.
 */
static uint64_t intern(struct enc *e, const char *s)
{
	uint64_t key, i;
	int err;

	if (!s)
		return S_EMPTY;
	for (key = str_hash(s); hashmap__get(&e->str_idx, key, &i); key++) {
		if (!strcmp(e->strs[i], s))
			return i;
	}
	if (lt_grow((void **)&e->strs, &e->strs_cap, e->nstrs, sizeof(*e->strs))) {
		e->err = -ENOMEM;
		return S_EMPTY;
	}
	err = hashmap__set(&e->str_idx, key, e->nstrs);
	if (err) {
		e->err = err;
		return S_EMPTY;
	}
	e->strs[e->nstrs] = s;
	pb_bytes(&e->strtab, PROFILE_STRING_TABLE, s, strlen(s));
	return e->nstrs++;
}

/*
 * Cheap, and easy to invert, so a test can build two keys that collide; the map mixes the
 * bits before it picks a slot.
 */
static uint64_t pid_key_hash(pid_t pid, uint64_t v)
{
	return v ^ (uint32_t)pid * 0x9e3779b97f4a7c15ULL;
}

/*
 * The id of (pid, v) in ks, adding it when new, and then setting *added. Collisions are walked
 * past as in intern(). 0 when out of memory.
 */
static uint64_t keyset_id(struct enc *e, struct keyset *ks, pid_t pid, uint64_t v, bool *added)
{
	uint64_t key, i;
	int err;

	*added = false;
	for (key = pid_key_hash(pid, v); hashmap__get(&ks->idx, key, &i); key++) {
		if (ks->keys[i].pid == pid && ks->keys[i].v == v)
			return i + 1;
	}
	if (lt_grow((void **)&ks->keys, &ks->cap, ks->n, sizeof(*ks->keys))) {
		e->err = -ENOMEM;
		return 0;
	}
	err = hashmap__set(&ks->idx, key, ks->n);
	if (err) {
		e->err = err;
		return 0;
	}
	ks->keys[ks->n] = (struct pid_key){ .v = v, .pid = pid };
	*added = true;
	return ++ks->n;
}

static void keyset_free(struct keyset *ks)
{
	hashmap__free(&ks->idx);
	free(ks->keys);
}

/* Mappings are per process: one object loads at different addresses in each. */
static uint64_t mapping_id(struct enc *e, pid_t pid, const struct lt_module *mod)
{
	struct pb *m = &e->msg;
	bool added;
	uint64_t id = keyset_id(e, &e->maps, pid, (uintptr_t)mod, &added);

	if (!added)
		return id;
	pb_uint(m, MAPPING_ID, id);
	pb_uint(m, MAPPING_MEMORY_START, mod->start);
	pb_uint(m, MAPPING_MEMORY_LIMIT, mod->end);
	pb_uint(m, MAPPING_FILE_OFFSET, mod->offset);
	pb_uint(m, MAPPING_FILENAME, intern(e, mod->path));
	pb_uint(m, MAPPING_BUILD_ID, intern(e, mod->build_id));
	/* The frames are named already: pprof must not symbolize them again. */
	pb_uint(m, MAPPING_HAS_FUNCTIONS, 1);
	pb_msg(&e->mappings, PROFILE_MAPPING, m);
	return id;
}

static uint64_t function_id(struct enc *e, const char *name, const char *file)
{
	uint64_t name_idx = intern(e, name), file_idx = intern(e, file), id;
	uint64_t key = name_idx << 32 | file_idx;
	struct pb *m = &e->msg;
	int err;

	if (hashmap__get(&e->func_ids, key, &id))
		return id;
	err = hashmap__set(&e->func_ids, key, e->nfuncs + 1);
	if (err) {
		e->err = err;
		return 0;
	}
	id = ++e->nfuncs;
	pb_uint(m, FUNCTION_ID, id);
	pb_uint(m, FUNCTION_NAME, name_idx);
	pb_uint(m, FUNCTION_SYSTEM_NAME, name_idx);
	pb_uint(m, FUNCTION_FILENAME, file_idx);
	pb_msg(&e->functions, PROFILE_FUNCTION, m);
	return id;
}

static void put_location(struct enc *e, uint64_t id, uint64_t mapping, uint64_t addr, uint64_t func,
			 uint32_t line)
{
	pb_uint(&e->msg, LOCATION_ID, id);
	pb_uint(&e->msg, LOCATION_MAPPING_ID, mapping);
	pb_uint(&e->msg, LOCATION_ADDRESS, addr);
	if (func) {
		pb_uint(&e->sub, LINE_FUNCTION_ID, func);
		if (line)
			pb_uint(&e->sub, LINE_LINE, line);
		pb_msg(&e->msg, LOCATION_LINE, &e->sub);
	}
	pb_msg(&e->locations, PROFILE_LOCATION, &e->msg);
}

/* Locations are per process too: an address means different code in each. */
static uint64_t location_id(struct enc *e, pid_t pid, const struct lt_frame *f)
{
	bool python = report__frame_is_source(f), added;
	/* A source frame is its code object (or function) and position: no address, no mapping,
	 * a line. */
	uint64_t key = python ? f->ip ^ f->pos * 0x9e3779b97f4a7c15ULL : f->ip, mapping, func;
	uint64_t id = keyset_id(e, &e->locs, pid, key, &added);

	if (!added)
		return id;
	/* Before put_location(): they write to the same scratch buffers. */
	mapping = f->mod && !python ? mapping_id(e, pid, f->mod) : 0;
	func = f->func ? function_id(e, f->func, python ? f->file : f->mod ? f->mod->path : NULL)
		       : 0;
	put_location(e, id, mapping, python ? 0 : f->ip, func, python ? f->line : 0);
	return id;
}

/* So that the bytes of a row whose stack was lost still count. */
static uint64_t no_stack_location(struct enc *e)
{
	uint64_t func;
	bool added;
	uint64_t id = keyset_id(e, &e->locs, NO_STACK_PID, 0, &added);

	if (!added)
		return id;
	func = function_id(e, fixed_strs[S_NO_STACK], NULL);
	put_location(e, id, 0, 0, func, 0);
	return id;
}

/* Heap rows holding something or that allocated something: the alloc_* types count the latter. */
static bool is_sample(const struct lt_row *row)
{
	return row->kind == LT_ROW_HEAP &&
	       (row->bytes > 0 || row->count > 0 || row->total_allocs > 0);
}

static void add_sample(struct enc *e, const struct lt_report *r, const struct lt_row *row)
{
	const struct lt_proc *p = report__proc(r, row->pid);
	/* In sample_types order; int64 values as their two's complement. */
	const uint64_t vals[] = { row->total_allocs, row->total_alloc_bytes, (uint64_t)row->count,
				  (uint64_t)row->bytes };
	size_t n = row->nframes ? row->nframes : 1;
	struct pb *m = &e->msg;
	uint64_t *ids;

	if (reserve((void **)&e->loc_ids, &e->loc_ids_cap, n, sizeof(*e->loc_ids))) {
		e->err = -ENOMEM;
		return;
	}
	ids = e->loc_ids;
	/* Locations first: a new one is written through the scratch buffers. */
	for (size_t i = 0; i < row->nframes; i++)
		ids[i] = location_id(e, row->pid, &row->frames[i]);
	if (!row->nframes)
		ids[0] = no_stack_location(e);

	pb_packed(m, SAMPLE_LOCATION_ID, &e->sub, ids, n);
	pb_packed(m, SAMPLE_VALUE, &e->sub, vals, ARRAY_SIZE(vals));
	pb_uint(&e->sub, LABEL_KEY, S_PID);
	pb_uint(&e->sub, LABEL_NUM, (uint64_t)(int64_t)row->pid);
	pb_msg(m, SAMPLE_LABEL, &e->sub);
	if (row->comm) {
		pb_uint(&e->sub, LABEL_KEY, S_COMM);
		pb_uint(&e->sub, LABEL_STR, intern(e, row->comm));
		pb_msg(m, SAMPLE_LABEL, &e->sub);
	}
	if (p && p->exited) { /* what it held at its exit */
		pb_uint(&e->sub, LABEL_KEY, intern(e, "exited"));
		pb_uint(&e->sub, LABEL_STR, intern(e, "true"));
		pb_msg(m, SAMPLE_LABEL, &e->sub);
	}
	if (p && p->container[0]) {
		pb_uint(&e->sub, LABEL_KEY, intern(e, "container"));
		pb_uint(&e->sub, LABEL_STR, intern(e, p->container));
		pb_msg(m, SAMPLE_LABEL, &e->sub);
	}
	if (r->host) {
		pb_uint(&e->sub, LABEL_KEY, intern(e, "host"));
		pb_uint(&e->sub, LABEL_STR, intern(e, r->host));
		pb_msg(m, SAMPLE_LABEL, &e->sub);
	}
	pb_msg(&e->samples, PROFILE_SAMPLE, m);
}

static void value_type(struct enc *e, struct pb *b, unsigned int field, uint64_t type,
		       uint64_t unit)
{
	pb_uint(&e->sub, VALUE_TYPE_TYPE, type);
	pb_uint(&e->sub, VALUE_TYPE_UNIT, unit);
	pb_msg(b, field, &e->sub);
}

/* The whole message, into `out`; every string it uses is in the table already. */
static void assemble(struct enc *e, const struct lt_report *r, const uint64_t *comments,
		     size_t ncomments, struct pb *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(sample_types); i++)
		value_type(e, out, PROFILE_SAMPLE_TYPE, sample_types[i][0], sample_types[i][1]);
	pb_append(out, &e->samples);
	pb_append(out, &e->mappings);
	pb_append(out, &e->locations);
	pb_append(out, &e->functions);
	pb_append(out, &e->strtab);
	pb_uint(out, PROFILE_TIME_NANOS, r->start_ns);
	pb_uint(out, PROFILE_DURATION_NANOS, (uint64_t)llround(r->elapsed_s * 1e9));
	value_type(e, out, PROFILE_PERIOD_TYPE, S_SPACE, S_BYTES);
	pb_uint(out, PROFILE_PERIOD, r->sample_bytes ? r->sample_bytes : 1);
	pb_packed(out, PROFILE_COMMENT, &e->sub, comments, ncomments);
	pb_uint(out, PROFILE_DEFAULT_SAMPLE_TYPE, S_INUSE_SPACE);
}

static void enc_free(struct enc *e)
{
	struct pb *bufs[] = { &e->samples, &e->mappings, &e->locations, &e->functions,
			      &e->strtab, &e->msg, &e->sub };

	free(e->strs);
	hashmap__free(&e->str_idx);
	keyset_free(&e->locs);
	keyset_free(&e->maps);
	hashmap__free(&e->func_ids);
	free(e->loc_ids);
	for (size_t i = 0; i < ARRAY_SIZE(bufs); i++)
		free(bufs[i]->data);
}

int out_pprof__encode(const struct lt_report *r, uint8_t **buf, size_t *len)
{
	struct enc e = {};
	struct pb out = {};
	uint64_t comments[2];
	size_t ncomments = 0;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(fixed_strs); i++)
		intern(&e, fixed_strs[i]);
	comments[ncomments++] = S_HEAP_PROFILE;
	if (r->sample_bytes) {
		snprintf(e.comment, sizeof(e.comment),
			 "values are unbiased estimates from sampling one point per %" PRIu64
			 " bytes on average", r->sample_bytes);
		comments[ncomments++] = intern(&e, e.comment);
	}
	for (size_t i = 0; i < r->nrows && !e.err; i++) {
		if (is_sample(&r->rows[i]))
			add_sample(&e, r, &r->rows[i]);
	}
	assemble(&e, r, comments, ncomments, &out);
	err = e.err ?: out.nomem ? -ENOMEM : 0;
	enc_free(&e);
	if (err) {
		free(out.data);
		return err;
	}
	*buf = out.data;
	*len = out.len;
	return 0;
}

/* gzip with zlib's default header: no name, mtime 0, so the same message gives the same bytes. */
static int gzip(FILE *f, const uint8_t *buf, size_t len)
{
	uint8_t out[16384];
	z_stream zs = {};
	size_t fed = 0, n;
	int ret;

	ret = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	zs.next_in = (Bytef *)buf;
	do {
		/* avail_in has 32 bits: a larger message goes in pieces. */
		if (!zs.avail_in && fed < len) {
			zs.avail_in = len - fed > UINT_MAX ? UINT_MAX : len - fed;
			fed += zs.avail_in;
		}
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		ret = deflate(&zs, fed == len ? Z_FINISH : Z_NO_FLUSH);
		n = sizeof(out) - zs.avail_out;
		if (n && fwrite(out, 1, n, f) != n) {
			ret = Z_ERRNO;
			break;
		}
	} while (ret == Z_OK || ret == Z_BUF_ERROR);
	deflateEnd(&zs);
	if (ret != Z_STREAM_END)
		return -EIO;
	return fflush(f) || ferror(f) ? -EIO : 0;
}

int out_pprof__write(FILE *f, const struct lt_report *r)
{
	uint8_t *buf;
	size_t len;
	int err;

	err = out_pprof__encode(r, &buf, &len);
	if (err)
		return err;
	err = gzip(f, buf, len);
	free(buf);
	return err;
}
