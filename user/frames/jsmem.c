// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "jsmem.h"
#include "util.h"

/* node's ArrayBuffer allocators: what they return holds an ArrayBuffer's contents. */
static const char *const external_heap[] = {
	"node::NodeArrayBufferAllocator::",
	"node::DebuggingArrayBufferAllocator::",
};

/* A BackingStore that maps its own memory: a WebAssembly memory, a resizable ArrayBuffer. */
static const char *const external_map[] = {
	"v8::internal::BackingStore::",
};

/*
 * Address space V8 reserves at start (its code range: 512 MiB, inaccessible until pages are
 * committed inside it, without another mmap), not memory: another mapping.
 */
static const char *const reservations[] = {
	"v8::internal::VirtualMemoryCage::InitReservation(",
	"v8::internal::CodeRange::InitReservation(",
};

/*
 * V8's page allocation: every page of its heap (young and old generations, large objects,
 * read-only space) comes through these.
 */
static const char *const js_heap_map[] = {
	"v8::internal::MemoryAllocator::",
	"v8::internal::VirtualMemory::",
	"v8::base::PageAllocator::",
	"v8::base::BoundedPageAllocator::",
	"v8::base::OS::Allocate(",
	"cppgc::internal::PageBackend::",
};

static bool any_prefix(const char *func, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; func && i < n; i++) {
		if (!strncmp(func, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

/* Whether one of the innermost frames has one of the prefixes. */
static bool under(const char *const *funcs, size_t n, const char *const *prefixes, size_t np)
{
	for (size_t i = 0; i < n && i < LT_JSMEM_DEPTH; i++) {
		if (any_prefix(funcs[i], prefixes, np))
			return true;
	}
	return false;
}

enum lt_js_mem jsmem__of_funcs(bool mapping, const char *const *funcs, size_t n)
{
	if (!mapping) {
		if (under(funcs, n, external_heap, ARRAY_SIZE(external_heap)))
			return LT_JS_MEM_EXTERNAL;
		return LT_JS_MEM_NONE; /* malloc'ed under V8's page allocator: its bookkeeping */
	}
	/* A BackingStore's mapping goes through the page allocator too: it is not the heap. */
	if (under(funcs, n, external_map, ARRAY_SIZE(external_map)))
		return LT_JS_MEM_EXTERNAL;
	if (under(funcs, n, reservations, ARRAY_SIZE(reservations)))
		return LT_JS_MEM_NONE;
	if (under(funcs, n, js_heap_map, ARRAY_SIZE(js_heap_map)))
		return LT_JS_MEM_HEAP;
	return LT_JS_MEM_NONE;
}
