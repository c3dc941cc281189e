/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of a node process's memory, told from the native frames of the stack that
 * allocated it:
 *   - the JavaScript heap: the pages V8 maps for its heap, through its page allocator
 *     (v8::internal::MemoryAllocator, VirtualMemory, v8::base::PageAllocator, OS::Allocate),
 *     but not the code range V8 reserves at start (address space, not memory);
 *   - external memory: what holds ArrayBuffers' (so Buffers') contents, which node's
 *     ArrayBuffer allocator takes from malloc (node::NodeArrayBufferAllocator), and the
 *     mappings V8 makes for a BackingStore itself (WebAssembly memories, resizable buffers);
 *   - the rest of the heap is native malloc (node's and V8's own C++ objects, addons).
 * The rules are over names only, so a test gives them names.
 */
#ifndef LEAKTOP_JSMEM_H
#define LEAKTOP_JSMEM_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* Frames looked at, from the innermost: each marker sits within a few of the allocation. */
#define LT_JSMEM_DEPTH 16

/*
 * The part of a heap block (mapping false) or a mapping (true) allocated under these native
 * frames (demangled names, innermost first; a NULL name is a frame with no symbol).
 */
enum lt_js_mem jsmem__of_funcs(bool mapping, const char *const *funcs, size_t n);

#endif /* LEAKTOP_JSMEM_H */
