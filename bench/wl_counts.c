// SPDX-License-Identifier: MIT
/*
 * Figures measured once: system calls made by 10^6 allocations,
 * memory resident after a trimmed reset, and WsAlloc's overhead.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "bench.h"
#include "harness.h"
#include "memfd_arena.h"
#include "webservices.h"
#include "wsheap.h"

void wl_syscalls1m(void)
{
	const size_t n = QN(1000000, 100000);
	struct wsheap_ctx_stats c0, c1;
	struct wsheap_stats s0, s1;
	struct memfd_arena a;
	struct wsheap *heap;
	uint64_t sys0;
	WS_HEAP *wh;
	char note[192];
	void *p;
	size_t i;

	fprintf(stderr, "syscalls1m: system calls made by %zu allocations of 64 B\n", n);
	CHECK(!wsheap_create(NULL, UINT64_MAX, 0, 0, &heap), "wsheap_create");
	wsheap_stats(heap, &s0);
	for (i = 0; i < n; i++) {
		CHECK(!wsheap_alloc(heap, 64, &p), "wsheap_alloc");
		TOUCH(p, i);
	}
	wsheap_stats(heap, &s1);
	snprintf(note, sizeof(note),
		 "ioctls during the allocations (wsheap_stats.ioctls; CREATE not counted); %" PRIu64 " mmaps, %" PRIu64 " blocks",
		 s1.mmaps - s0.mmaps, s1.blocks);
	emit_value("syscalls1m", "wsheap", "count",
		   (double)(s1.ioctls - s0.ioctls), note);
	CHECK(!wsheap_free(heap), "wsheap_free");

	CHECK(WsCreateHeap(SIZE_MAX, 0, NULL, 0, &wh, NULL) == S_OK,
	      "WsCreateHeap");
	wsheap_ctx_stats(NULL, &c0);
	for (i = 0; i < n; i++) {
		CHECK(WsAlloc(wh, 64, &p, NULL) == S_OK, "WsAlloc");
		TOUCH(p, i);
	}
	wsheap_ctx_stats(NULL, &c1);
	snprintf(note, sizeof(note),
		 "ioctls during the allocations (default context's wsheap_ctx_stats.ioctls); %" PRIu64 " mmaps",
		 c1.mmaps - c0.mmaps);
	emit_value("syscalls1m", "WsAlloc", "count",
		   (double)(c1.ioctls - c0.ioctls), note);
	WsFreeHeap(wh);

	CHECK(!memfd_arena_create(&a, UINT64_MAX, 0, 0), "memfd_arena_create");
	sys0 = a.syscalls;
	for (i = 0; i < n; i++) {
		CHECK(!memfd_arena_alloc(&a, 64, &p), "memfd_arena_alloc");
		TOUCH(p, i);
	}
	emit_value("syscalls1m", "memfd", "count", (double)(a.syscalls - sys0),
		   "system calls the arena made during the allocations (its own counter; 4 at creation: memfd_create, ftruncate, F_ADD_SEALS, mmap)");
	memfd_arena_destroy(&a);
}

/* Pages of [p, p + len) resident now (mincore). */
static uint64_t resident_pages(void *p, size_t len)
{
	size_t i, pages = len / PAGE;
	unsigned char *v = xmalloc(pages);
	uint64_t n = 0;

	CHECK(!mincore(p, len, v), "mincore");
	for (i = 0; i < pages; i++)
		n += v[i] & 1;
	free(v);
	return n;
}

void wl_resident_after_reset(void)
{
	const uint64_t trim = 1 * MiB, piece = 64 * KiB;
	struct wsheap_info info;
	struct memfd_arena a;
	struct wsheap *heap;
	char note[192];
	struct stat st;
	uint64_t used;
	char *base;
	void *p;

	fprintf(stderr, "resident_after_reset: trim 1 MiB, 64 MiB used, reset\n");
	CHECK(!wsheap_create(NULL, UINT64_MAX, trim, 0, &heap), "wsheap_create");
	for (used = 0; used < 64 * MiB; used += piece) {
		CHECK(!wsheap_alloc(heap, piece, &p), "wsheap_alloc");
		memset(p, 0xa5, piece);
	}
	CHECK(!wsheap_get_info(heap, &info), "INFO");
	snprintf(note, sizeof(note),
		 "bytes resident (INFO.resident) after reset; before reset %" PRIu64 " resident, %" PRIu64 " committed; trim 1048576",
		 (uint64_t)info.resident, (uint64_t)info.committed);
	CHECK(!wsheap_reset(heap), "wsheap_reset");
	CHECK(!wsheap_get_info(heap, &info), "INFO");
	emit_value("resident_after_reset", "wsheap", "bytes",
		   (double)info.resident, note);
	CHECK(!wsheap_free(heap), "wsheap_free");

	CHECK(!memfd_arena_create(&a, UINT64_MAX, trim, 0), "memfd_arena_create");
	for (used = 0; used < 64 * MiB; used += piece) {
		CHECK(!memfd_arena_alloc(&a, piece, &p), "memfd_arena_alloc");
		memset(p, 0xa5, piece);
	}
	CHECK(!memfd_arena_reset(&a), "memfd_arena_reset");
	CHECK(!fstat(a.fd, &st), "fstat");
	emit_value("resident_after_reset", "memfd", "bytes",
		   (double)st.st_blocks * 512,
		   "bytes the memfd holds (st_blocks) after the reset punched the pages beyond the trim");
	memfd_arena_destroy(&a);

	base = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED, "mmap");
	CHECK(!madvise(base, 64 * MiB, MADV_NOHUGEPAGE), "madvise");
	memset(base, 0xa5, 64 * MiB);
	CHECK(!madvise(base + trim, 64 * MiB - trim, MADV_DONTNEED),
	      "madvise(DONTNEED)");
	emit_value("resident_after_reset", "bump", "bytes",
		   (double)(resident_pages(base, 64 * MiB) * PAGE),
		   "bytes resident (mincore) of 64 MiB of anonymous memory after madvise(DONTNEED) beyond 1 MiB");
	munmap(base, 64 * MiB);
}

void wl_overhead24(void)
{
	const size_t n = 100000;
	struct wsheap_info info;
	struct wsheap_stats st;
	struct wsheap *heap;
	SIZE_T actual, requested;
	WS_HEAP *wh;
	char note[192];
	void *p;
	size_t i;

	fprintf(stderr, "overhead24: %zu allocations of 24 B\n", n);
	CHECK(WsCreateHeap(SIZE_MAX, 0, NULL, 0, &wh, NULL) == S_OK,
	      "WsCreateHeap");
	for (i = 0; i < n; i++)
		CHECK(WsAlloc(wh, 24, &p, NULL) == S_OK, "WsAlloc");
	CHECK(WsGetHeapProperty(wh, WS_HEAP_PROPERTY_ACTUAL_SIZE, &actual,
				sizeof(actual), NULL) == S_OK, "ACTUAL_SIZE");
	CHECK(WsGetHeapProperty(wh, WS_HEAP_PROPERTY_REQUESTED_SIZE,
				&requested, sizeof(requested), NULL) == S_OK,
	      "REQUESTED_SIZE");
	snprintf(note, sizeof(note),
		 "WsGetHeapProperty ACTUAL_SIZE %zu / REQUESTED_SIZE %zu",
		 (size_t)actual, (size_t)requested);
	emit_value("overhead24", "WsAlloc", "ratio",
		   (double)actual / (double)requested, note);
	WsFreeHeap(wh);

	/* The native heap: what the kernel commits for the same requests. */
	CHECK(!wsheap_create(NULL, UINT64_MAX, 0, 0, &heap), "wsheap_create");
	for (i = 0; i < n; i++)
		CHECK(!wsheap_alloc(heap, 24, &p), "wsheap_alloc");
	CHECK(!wsheap_get_info(heap, &info), "INFO");
	wsheap_stats(heap, &st);
	snprintf(note, sizeof(note),
		 "kernel INFO.committed %" PRIu64 " / requested %" PRIu64 " (library blocks: %" PRIu64 ")",
		 (uint64_t)info.committed, st.requested, st.blocks);
	emit_value("overhead24", "wsheap", "ratio",
		   (double)info.committed / (double)st.requested, note);
	CHECK(!wsheap_free(heap), "wsheap_free");
}
