// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Growing the most recent allocation in place (wsheap_grow()), and
 * wsheap_realloc(), which moves when it must.
 *
 * The most recent allocation of a heap ends at the cursor, so growing it is
 * moving the cursor: requested follows (it is derived from the cursor) and
 * the quota is checked as for an allocation of the difference.  A builder
 * that doubles its buffer with wsheap_grow() makes no copy and no system
 * call while the block has room.  The library does not record where the
 * last allocation starts (the inline path only moves the cursor): that the
 * pointer is the most recent allocation is the caller's promise, as with
 * obstack's growing objects.
 */
#include <errno.h>
#include <string.h>

#include "wsheap_priv.h"

int wsheap_grow(struct wsheap *heap, void *ptr, size_t new_size)
{
	struct wsheap_impl *h = to_impl(heap);
	uintptr_t p = (uintptr_t)ptr, end, old;
	uint64_t req;

	if (!heap || !ptr)
		return -EINVAL;
	if (h->rdonly)
		return -EPERM;
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		return -EOPNOTSUPP;
	wsheap__sync_generation(h);	/* a foreign reset took the block */
	old = heap->cur;
	if (h->blk_end == EMPTY || p < h->cur_base || p > old || (p & 7))
		return -EINVAL;
	/* blk_end - p is a multiple of 8: the rounded size fits if it does */
	if (new_size > h->blk_end - p)
		return -E2BIG;
	end = p + ((new_size + 7) & ~(size_t)7);
	req = wsheap__req(h);
	if (end > old && end - old > h->quota - req)
		return -ENOSPC;
	heap->cur = end;
	wsheap__req_set(h, req + (end - old));
	wsheap__san_resize(h, p, old - p, new_size);
	wsheap__set_limit(h);
	return 0;
}

int wsheap_realloc(struct wsheap *heap, void *ptr, size_t old_size,
		   size_t new_size, void **newp)
{
	void *q;
	int ret;

	if (!heap || !newp)
		return -EINVAL;
	/* in place only if it is the most recent allocation */
	if (ptr && (uintptr_t)ptr + ((old_size + 7) & ~(size_t)7) ==
		   heap->cur) {
		ret = wsheap_grow(heap, ptr, new_size);
		if (!ret) {
			*newp = ptr;
			return 0;
		}
		if (ret != -E2BIG)
			return ret;
	}
	ret = wsheap_alloc(heap, new_size, &q);
	if (ret)
		return ret;
	if (ptr)
		memcpy(q, ptr, old_size < new_size ? old_size : new_size);
	*newp = q;
	return 0;
}
