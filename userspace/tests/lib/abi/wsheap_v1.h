/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inline fast path of layout 1 (WSHEAP_INLINE_ABI), as libwsheap 1.0's
 * <wsheap.h> declared it and every program built with it carries it: four
 * fields, the quota checked inline, the slow path __wsheap_alloc_slow of
 * LIBWSHEAP_1.0.  Stands alone (a 1.0 program has no newer header); the
 * heap is the opaque struct wsheap of whichever library made it.
 */
#ifndef WSHEAP_V1_H
#define WSHEAP_V1_H

#include <stddef.h>
#include <stdint.h>

#define V1_MIN_ALIGN	8
#define V1_MAX_ALIGN	(1ULL << 30)

struct wsheap;

struct wsheap_v1 {
	uintptr_t cur;
	uintptr_t end;
	uint64_t requested;
	uint64_t max_size;
};

int __wsheap_alloc_slow(struct wsheap *heap, size_t size, size_t align,
			void **ptr);

/* 1.0's inline wsheap_alloc(). */
static inline int v1_alloc(struct wsheap *h, size_t size, void **ptr)
{
	struct wsheap_v1 *heap = (struct wsheap_v1 *)h;

	if (__builtin_expect(heap != NULL && ptr != NULL, 1)) {
		uintptr_t p = heap->cur;

		if (__builtin_expect(size <= heap->end - p &&
				     size <= heap->max_size - heap->requested,
				     1)) {
			heap->cur = p + ((size + 7) & ~(size_t)7);
			heap->requested += size;
			*ptr = (void *)p;
			return 0;
		}
	}
	return __wsheap_alloc_slow(h, size, V1_MIN_ALIGN, ptr);
}

/* 1.0's inline wsheap_alloc_aligned(). */
static inline int v1_alloc_aligned(struct wsheap *h, size_t size,
				   size_t align, void **ptr)
{
	struct wsheap_v1 *heap = (struct wsheap_v1 *)h;

	if (__builtin_expect(heap != NULL && ptr != NULL &&
			     align - V1_MIN_ALIGN <=
			     V1_MAX_ALIGN - V1_MIN_ALIGN &&
			     (align & (align - 1)) == 0, 1)) {
		uintptr_t p = (heap->cur + (align - 1)) &
			      ~(uintptr_t)(align - 1);

		if (__builtin_expect(p >= heap->cur && p <= heap->end &&
				     size <= heap->end - p &&
				     size <= heap->max_size - heap->requested,
				     1)) {
			heap->cur = p + ((size + 7) & ~(size_t)7);
			heap->requested += size;
			*ptr = (void *)p;
			return 0;
		}
	}
	return __wsheap_alloc_slow(h, size, align, ptr);
}

#endif /* WSHEAP_V1_H */
