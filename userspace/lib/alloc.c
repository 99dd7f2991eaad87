// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The slow path of the inline allocator of <wsheap.h>: a new block, a large
 * or over-aligned request, a reset by another party, or an error; and where
 * the inline path must stop.  Thread-safe heaps are handed to alloc_ts.c.
 */
#include <errno.h>

#include "wsheap_priv.h"

/*
 * Where the inline path must stop: the block's end, or earlier where the
 * quota runs out.  An inline allocation takes its size rounded up to 8 from
 * the block and adds its size to requested; with pub.end - pub.cur a
 * multiple of 8 and at most max_size - requested, the rounded size fits
 * whenever the size does, so cur never passes pub.end and no inline
 * allocation can exceed the quota: the inline path need not check it.  The
 * slow path serves what the rounding leaves out.  Called whenever cur,
 * requested or the block change outside the inline path.
 */
void wsheap__set_limit(struct wsheap_impl *h)
{
	uint64_t room = (h->pub.max_size - h->pub.requested) & ~(uint64_t)7;

	if (h->blk_end == EMPTY)
		return;
	h->pub.end = h->blk_end - h->pub.cur > room ? h->pub.cur + room :
		     h->blk_end;
}

/* A heap without WSHEAP_HEAP_THREADSAFE; @align is valid. */
static __attribute__((noinline)) int alloc_slow(struct wsheap_impl *h,
						size_t size, size_t align,
		      void **ptr)
{
	struct wsheap *heap = &h->pub;
	uintptr_t p, base;
	uint64_t len;
	size_t rsz;
	bool own;
	int ret;

	/* Another party reset the heap: the current block is not ours. */
	wsheap__sync_generation(h);

	if (size > heap->max_size - heap->requested)
		return -ENOSPC;
	if (size > h->data_span)
		return -ENOMEM;
	rsz = (size + 7) & ~(size_t)7;

	/* The current block, with an alignment the inline path did not try. */
	p = ALIGN_UP(heap->cur, (uintptr_t)align);
	if (p >= heap->cur && p <= h->blk_end && rsz <= h->blk_end - p) {
		heap->cur = p + rsz;
		goto done;
	}
	if (size == 0) {
		p = wsheap__zero_size_ptr(align);
		goto done;
	}

	/* A foreign reset noticed by ALLOC drops the current block. */
	ret = wsheap__get_block(h, rsz, align, &base, &len, &own);
	if (ret)
		return ret;
	p = base;
	if (!own || base + len - (p + rsz) > h->blk_end - heap->cur) {
		heap->cur = p + rsz;
		h->blk_end = base + len;
		h->cur_base = base;
	}
done:
	heap->requested += size;
	wsheap__set_limit(h);
	*ptr = (void *)p;
	return 0;
}

/*
 * Check the arguments and hand the request to the heap's allocator: kept
 * small, since thread-safe heaps come here for every allocation.
 */
int __wsheap_alloc_slow_v2(struct wsheap *heap, size_t size, size_t align,
			   void **ptr)
{
	struct wsheap_impl *h = to_impl(heap);

	if (!heap || !ptr || (align & (align - 1)) || align > WSHEAP_MAX_ALIGN)
		return -EINVAL;
	if (align < WSHEAP_MIN_ALIGN)
		align = WSHEAP_MIN_ALIGN;
	if (h->rdonly)
		return -EPERM;
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		return wsheap__ts_alloc(h, size, align, ptr);
	return alloc_slow(h, size, align, ptr);
}

/*
 * The slow path of programs that inline layout 1 (built with the 1.0
 * headers): the same code, since every heap object holds layout 2 and so
 * the first four fields layout 1 reads (WSHEAP_INLINE_ABI).
 */
__attribute__((visibility("default")))
int __wsheap_alloc_slow(struct wsheap *heap, size_t size, size_t align,
			void **ptr)
	__attribute__((alias("__wsheap_alloc_slow_v2")));
