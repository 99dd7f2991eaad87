// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The slow path of the inline allocator of <wsheap.h>: a new block, a large
 * or over-aligned request, a heap the inline path must not serve (shared,
 * forked, read-only, or a sanitizer run), or an error.  Thread-safe heaps
 * are handed to alloc_ts.c.
 */
#include <errno.h>

#include "wsheap_priv.h"

/*
 * A forked heap can be reset by the other process: watch its status page
 * from the first allocation after the fork, as a shared heap does, so the
 * slow path notices such a reset.  Failing to map it leaves things as they
 * were before 1.3 (the next ALLOC reports the reset).
 */
static void watch_forked(struct wsheap_impl *h)
{
	struct wsheap_status *st;

	if (wsheap__status_get(h, &st) == 0)
		wsheap__use_status(h, st);
}

/* A heap without WSHEAP_HEAP_THREADSAFE; @align is valid. */
static __attribute__((noinline)) int alloc_slow(struct wsheap_impl *h,
						size_t size, size_t align,
						void **ptr)
{
	struct wsheap *heap = &h->pub;
	uintptr_t p, base;
	uint64_t len, req;
	size_t rsz;
	bool own;
	int ret;

	if (h->forked && !__wsheap_load_relaxed(&h->status))
		watch_forked(h);
	/* Another party reset the heap: the current block is not ours. */
	wsheap__sync_generation(h);

	/* The quota counts sizes rounded up to 8 (wsheap_create()). */
	req = wsheap__req(h);
	if (size > h->quota - req)
		return -ENOSPC;
	if (size > h->data_span)
		return -ENOMEM;
	rsz = (size + 7) & ~(size_t)7;
	if (rsz > h->quota - req)
		return -ENOSPC;

	/* The current block, with an alignment the inline path did not try. */
	p = ALIGN_UP(heap->cur, (uintptr_t)align);
	if (p >= heap->cur && p <= h->blk_end && rsz <= h->blk_end - p) {
		/* padding is free: the quota moves by rsz only */
		heap->cur = p + rsz;
		wsheap__req_set(h, req + rsz);
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
	req = wsheap__req(h);
	p = base;
	if (!own || base + len - (p + rsz) > h->blk_end - heap->cur) {
		heap->cur = p + rsz;
		h->blk_end = base + len;
		h->cur_base = base;
		wsheap__req_set(h, req + rsz);
	} else {
		/* a block of its own that does not become current */
		h->req_adj += rsz;
	}
	wsheap__paths(h);
done:
	if (size)
		wsheap__san_alloc(h, p, size);
	wsheap__set_limit(h);
	*ptr = (void *)p;
	return 0;
}

/*
 * Check the arguments and hand the request to the heap's allocator: kept
 * small, since thread-safe and shared heaps come here for every allocation.
 */
int __wsheap_alloc_slow_v3(struct wsheap *heap, size_t size, size_t align,
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
 * The slow paths of programs that inline contract 1 (the 1.0 headers) or
 * 2 (1.1 and 1.2): the same code.  Every heap object holds all the fields
 * those programs read (WSHEAP_INLINE_ABI); the library keeps pub.end ==
 * pub.cur wherever their inline code must not serve, so their generation
 * or quota checks never decide anything the slow path would not.
 */
__attribute__((visibility("default")))
int __wsheap_alloc_slow_v2(struct wsheap *heap, size_t size, size_t align,
			   void **ptr)
	__attribute__((alias("__wsheap_alloc_slow_v3")));

__attribute__((visibility("default")))
int __wsheap_alloc_slow(struct wsheap *heap, size_t size, size_t align,
			void **ptr)
	__attribute__((alias("__wsheap_alloc_slow_v3")));
