// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of a node process's memory from the native frames of its stacks. The names are
 * node 20's (V8 11) as leaktop's symbolizer gives them, from its stacks of V8's heap pages,
 * Buffers and V8's own bookkeeping.
 */
#include "jsmem.h"
#include "test.h"

#define JSMEM(mapping, ...)                                                                      \
	jsmem__of_funcs(mapping, (const char *const[]){ __VA_ARGS__ },                            \
			sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Pages of V8's heap: old space, large objects, the young generation, compaction. */
static void test_js_heap(void)
{
	ASSERT_EQ(JSMEM(true, "__mmap",
			"v8::base::OS::Allocate(void*, unsigned long, unsigned long, "
			"v8::base::OS::MemoryPermission)",
			"v8::internal::VirtualMemory::VirtualMemory(v8::PageAllocator*, unsigned long, "
			"void*, unsigned long, v8::internal::JitPermission)",
			"v8::internal::MemoryAllocator::AllocateAlignedMemory(unsigned long, unsigned "
			"long, unsigned long, v8::internal::AllocationSpace, v8::internal::Executability, "
			"void*, v8::internal::VirtualMemory*)",
			"v8::internal::MemoryAllocator::AllocatePage(v8::internal::MemoryAllocator::"
			"AllocationMode, v8::internal::Space*, v8::internal::Executability)",
			"v8::internal::PagedSpaceBase::TryExpandImpl()"),
		  LT_JS_MEM_HEAP, "an old-space page");
	ASSERT_EQ(JSMEM(true, "__mmap", NULL, NULL,
			"v8::internal::MemoryAllocator::AllocateLargePage(v8::internal::"
			"LargeObjectSpace*, unsigned long, v8::internal::Executability)",
			"v8::internal::NewLargeObjectSpace::AllocateRaw(int)"),
		  LT_JS_MEM_HEAP, "a large object's page, past frames with no symbol");
	ASSERT_EQ(JSMEM(true, "__mmap",
			"v8::base::PageAllocator::AllocatePages(void*, unsigned long, unsigned long, "
			"v8::PageAllocator::Permission)",
			"v8::internal::SemiSpace::EnsureCurrentCapacity()"),
		  LT_JS_MEM_HEAP, "V8's page allocator itself");
	ASSERT_EQ(JSMEM(true, "mmap64", "cppgc::internal::PageBackend::AllocateNormalPageMemory()"),
		  LT_JS_MEM_HEAP, "the C++ garbage-collected heap's pages");
}

/* What holds ArrayBuffers' and Buffers' contents. */
static void test_external(void)
{
	ASSERT_EQ(JSMEM(false, "node::NodeArrayBufferAllocator::Allocate(unsigned long)",
			"v8::internal::BackingStore::Allocate(v8::internal::Isolate*, unsigned long, "
			"v8::internal::SharedFlag, v8::internal::InitializedFlag)",
			"v8::ArrayBuffer::NewBackingStore(v8::Isolate*, unsigned long, "
			"v8::BackingStoreInitializationMode)"),
		  LT_JS_MEM_EXTERNAL, "Buffer.alloc's contents");
	ASSERT_EQ(JSMEM(false, "node::NodeArrayBufferAllocator::AllocateUninitialized(unsigned long)"),
		  LT_JS_MEM_EXTERNAL, "Buffer.allocUnsafe's contents");
	ASSERT_EQ(JSMEM(false, "v8::(anonymous namespace)::ArrayBufferAllocator::Allocate(unsigned long)",
			"node::NodeArrayBufferAllocator::Allocate(unsigned long)"),
		  LT_JS_MEM_EXTERNAL, "through V8's default allocator, under node's");
	ASSERT_EQ(JSMEM(false, "node::NodeArrayBufferAllocator::Reallocate(void*, unsigned long, "
			       "unsigned long)"),
		  LT_JS_MEM_EXTERNAL, "a resized buffer");
	ASSERT_EQ(JSMEM(true, "__mmap", "v8::base::OS::Allocate(void*, unsigned long, unsigned long, "
					"v8::base::OS::MemoryPermission)",
			"v8::base::PageAllocator::AllocatePages(void*, unsigned long, unsigned long, "
			"v8::PageAllocator::Permission)",
			"v8::internal::BackingStore::TryAllocateAndPartiallyCommitMemory("
			"v8::internal::Isolate*, unsigned long, unsigned long, unsigned long, unsigned "
			"long, unsigned long, v8::internal::WasmMemoryFlag, v8::internal::SharedFlag)"),
		  LT_JS_MEM_EXTERNAL, "a WebAssembly memory: through the page allocator, yet external");
}

/* Native malloc and other mappings: no part of the others. */
static void test_native(void)
{
	ASSERT_EQ(JSMEM(false, "operator new(unsigned long)",
			"v8::internal::BackingStore::Allocate(v8::internal::Isolate*, unsigned long, "
			"v8::internal::SharedFlag, v8::internal::InitializedFlag)"),
		  LT_JS_MEM_NONE, "a BackingStore's own C++ object is native");
	ASSERT_EQ(JSMEM(false, "operator new(unsigned long)",
			"v8::internal::Page::AllocateFreeListCategories()",
			"v8::internal::PagedSpaceBase::InitializePage(v8::internal::MemoryChunk*)",
			"v8::internal::MemoryAllocator::AllocatePage(v8::internal::MemoryAllocator::"
			"AllocationMode, v8::internal::Space*, v8::internal::Executability)"),
		  LT_JS_MEM_NONE, "V8's bookkeeping of a page is native malloc, not the JS heap");
	ASSERT_EQ(JSMEM(false, "node::binding::DLOpen(v8::FunctionCallbackInfo<v8::Value> const&)"),
		  LT_JS_MEM_NONE, "node's own");
	ASSERT_EQ(JSMEM(true, "__mmap", "allocate_stack", "pthread_create@@GLIBC_2.34",
			"node::WorkerThreadsTaskRunner::WorkerThreadsTaskRunner(int)"),
		  LT_JS_MEM_NONE, "a thread's stack is another mapping");
	ASSERT_EQ(JSMEM(true, "__mmap",
			"v8::base::OS::Allocate(void*, unsigned long, unsigned long, "
			"v8::base::OS::MemoryPermission)",
			"v8::internal::VirtualMemory::VirtualMemory(v8::PageAllocator*, unsigned long, "
			"void*, unsigned long, v8::internal::JitPermission)",
			"v8::internal::VirtualMemoryCage::InitReservation(v8::internal::"
			"VirtualMemoryCage::ReservationParams const&, v8::base::AddressRegion)",
			"v8::internal::CodeRange::InitReservation(v8::PageAllocator*, unsigned long)",
			"v8::internal::Heap::SetUp(v8::internal::LocalHeap*)"),
		  LT_JS_MEM_NONE, "the code range V8 reserves (512 MiB of address space) is not heap");
	ASSERT_EQ(JSMEM(true, "__mmap", "v8::base::OS::AllocateShared(unsigned long, "
					"v8::base::OS::MemoryPermission)"),
		  LT_JS_MEM_NONE, "a prefix must match as a whole name: OS::AllocateShared is not");
	ASSERT_EQ(JSMEM(false, "node::NodeArrayBufferAllocatorX::Allocate(unsigned long)"),
		  LT_JS_MEM_NONE, "nor another class with the same start");
	ASSERT_EQ(JSMEM(true, NULL, NULL), LT_JS_MEM_NONE, "frames with no symbol");
	ASSERT_EQ(jsmem__of_funcs(true, NULL, 0), LT_JS_MEM_NONE, "no frame");
}

/* Only the innermost LT_JSMEM_DEPTH frames count: a marker deeper is not this stack's. */
static void test_depth(void)
{
	const char *funcs[LT_JSMEM_DEPTH + 1] = { "__mmap" };

	funcs[LT_JSMEM_DEPTH - 1] = "v8::internal::MemoryAllocator::AllocatePage()";
	ASSERT_EQ(jsmem__of_funcs(true, funcs, LT_JSMEM_DEPTH), LT_JS_MEM_HEAP, "within the depth");
	funcs[LT_JSMEM_DEPTH - 1] = NULL;
	funcs[LT_JSMEM_DEPTH] = "v8::internal::MemoryAllocator::AllocatePage()";
	ASSERT_EQ(jsmem__of_funcs(true, funcs, LT_JSMEM_DEPTH + 1), LT_JS_MEM_NONE,
		  "past the depth");
}

TEST_MAIN(TEST(test_js_heap), TEST(test_external), TEST(test_native), TEST(test_depth))
