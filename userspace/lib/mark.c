// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Savepoints: wsheap_mark() and wsheap_rewind().
 *
 * A mark is the heap's state at one moment of a generation: the cursor, the
 * quota used and how many blocks the generation had taken.  A rewind puts
 * the cursor back and gives the quota back; the blocks taken since the mark
 * become spares that the generation's next blocks come from before the
 * kernel is asked (generation.c), and the next reset gives them back to the
 * kernel by its trim rules, as any block.  The kernel has no call that
 * frees part of a generation, so until then they stay committed.
 *
 * Only a heap this process alone allocates from can rewind: for a shared or
 * inherited heap, the allocations after a mark may be another party's (the
 * kernel's cursor is theirs too), and a thread-safe heap has no one cursor
 * a mark could name.
 */
#include <errno.h>
#include <string.h>

#include "wsheap_priv.h"

/* Can @heap take or rewind to @mark?  0 or the function's error. */
static int markable(struct wsheap *heap, const void *mark)
{
	const struct wsheap_impl *h;

	if (!heap || !mark)
		return -EINVAL;
	h = to_impl(heap);
	if (h->rdonly)
		return -EPERM;
	if ((h->flags & WSHEAP_HEAP_THREADSAFE) ||
	    __wsheap_load_relaxed(&h->share) || h->forked)
		return -EOPNOTSUPP;
	return 0;
}

int wsheap_mark(struct wsheap *heap, struct wsheap_mark *mark)
{
	struct wsheap_impl *h = to_impl(heap);
	uint32_t i;
	int ret;

	ret = markable(heap, mark);
	if (ret)
		return ret;
	memset(mark, 0, sizeof(*mark));
	mark->generation = h->gen;
	mark->requested = wsheap__req(h);
	mark->cur = heap->cur;
	mark->blocks = h->blks.n;
	/* the current block's place in the list (0: none) */
	for (i = h->blks.n; h->blk_end != EMPTY && i-- > 0;) {
		if (h->blks.v[i].base == h->cur_base) {
			mark->block = i + 1;
			break;
		}
	}
	return 0;
}

int wsheap_rewind(struct wsheap *heap, const struct wsheap_mark *mark)
{
	struct wsheap_impl *h = to_impl(heap);
	const struct wsheap_blk *b = NULL;
	uint32_t i;
	int ret;

	ret = markable(heap, mark);
	if (ret)
		return ret;
	/* a mark of an earlier generation, or from beyond where we are now */
	if (mark->generation != h->gen || mark->blocks > h->blks.n ||
	    mark->block > mark->blocks)
		return -ESTALE;
	if (mark->block) {
		b = &h->blks.v[mark->block - 1];
		if (mark->cur < b->base || mark->cur - b->base > b->len)
			return -ESTALE;
	}
	/* nothing taken since: the cursor must still be at or beyond it */
	if (mark->blocks == h->blks.n &&
	    (b ? b->base != h->cur_base || mark->cur > heap->cur :
		 h->blk_end != EMPTY))
		return -ESTALE;

	/* The blocks since the mark are spares now; their bytes are free. */
	for (i = mark->blocks; i < h->blks.n; i++) {
		wsheap__san_release(h->blks.v[i].base, h->blks.v[i].len);
		/* without room in the list, the block only is not reused */
		wsheap__blks_push(&h->spare, h->blks.v[i].base,
				  h->blks.v[i].len);
	}
	h->blks.n = mark->blocks;
	if (b) {
		wsheap__san_release(mark->cur, b->base + b->len - mark->cur);
		heap->cur = mark->cur;
		h->cur_base = b->base;
		h->blk_end = b->base + b->len;
	} else {
		wsheap__block_drop(h);
	}
	wsheap__req_set(h, mark->requested);
	heap->requested = mark->requested;
	wsheap__paths(h);
	return 0;
}
