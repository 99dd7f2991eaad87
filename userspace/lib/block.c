// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Blocks: the page-granular pieces a heap takes from the kernel, how large
 * the next one is, and the empty block a heap without one points at.
 *
 * A heap takes blocks from the kernel (WSHEAP_IOC_ALLOC with page alignment)
 * and bumps a pointer through the current one in user space.  The next
 * block is as large as all blocks of the generation together, clamped to
 * [WSHEAP_BLOCK_MIN, WSHEAP_BLOCK_MAX]: 64K, 64K, 128K, 256K, ... 64M, 64M,
 * ...  The first block after a reset is sized for what the previous
 * generation used (rounded up to a power of two, same clamp), so a steady
 * allocate-and-reset loop takes one block per generation.  A request larger
 * than the next block gets a block of its own (page rounded), and the
 * current block stays current if it has more room left.
 */
#include <errno.h>
#include <string.h>

#include "wsheap_priv.h"

/*
 * The current block of an empty heap: zero-size requests get this (non-NULL)
 * address, every other request fails the inline bounds check.
 */
_Alignas(4096) char wsheap__empty[8];
#define EMPTY_ALIGN	((size_t)4096)

/* A non-NULL pointer for a zero-size request that no block can serve. */
uintptr_t wsheap__zero_size_ptr(size_t align)
{
	return align <= EMPTY_ALIGN ? EMPTY : (uintptr_t)align;
}

/* The heap has no current block any more (both allocators). */
void wsheap__block_drop(struct wsheap_impl *h)
{
	h->pub.cur = EMPTY;
	h->pub.end = EMPTY;
	h->blk_end = EMPTY;
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		__wsheap_store_release(&h->tscur, NULL);
}

/*
 * The first block of the next generation: what this one used (the blocks
 * less the room left in the current one), rounded up to a power of two.
 */
uint64_t wsheap__next_hint(struct wsheap_impl *h)
{
	struct wsheap_tsblock *b;
	uint64_t used = h->block_bytes, left, x;

	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		b = __wsheap_load_relaxed(&h->tscur);
		left = b ? b->end - b->cur : 0;
	} else {
		left = h->blk_end - h->pub.cur;
	}
	used = used > left ? used - left : 0;
	for (x = WSHEAP_BLOCK_MIN; x < used && x < WSHEAP_BLOCK_MAX; x <<= 1)
		;
	return x;
}

/*
 * Take a block of at least @need bytes from the kernel (WSHEAP_IOC_ALLOC),
 * sized by the growth policy unless the request needs one of its own.
 */
int wsheap__block_alloc(struct wsheap_impl *h, uint64_t need, uint64_t align,
			struct wsheap_block *b)
{
	uint64_t pg = h->ctx->page_size, want;
	struct wsheap_alloc a;
	int ret;

	if (need > h->data_span)
		return -ENOMEM;
	need = ALIGN_UP(need ? need : 1, pg);

	want = h->block_bytes > h->hint ? h->block_bytes : h->hint;
	if (want < WSHEAP_BLOCK_MIN)
		want = WSHEAP_BLOCK_MIN;
	if (want > WSHEAP_BLOCK_MAX)
		want = WSHEAP_BLOCK_MAX;
	want = ALIGN_UP(want, pg);

	b->own = align > pg || need > want;
	b->len = b->own ? need : want;

	memset(&a, 0, sizeof(a));
	a.handle = h->handle;
	a.size = b->len;
	a.align = pg;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_ALLOC, &a);
	if (ret)
		return (ret == -EFBIG || ret == -EOVERFLOW || ret == -ENOSPC) ?
			-ENOMEM : ret;
	b->offset = a.offset;
	b->generation = a.generation;
	return 0;
}

/*
 * Count a block in the current generation and map it at an address aligned
 * to @align.
 */
int wsheap__block_map(struct wsheap_impl *h, const struct wsheap_block *b,
		      uint64_t align, uintptr_t *basep)
{
	h->block_bytes += b->len;
	h->blocks++;
	if (b->offset + b->len > h->kend)
		h->kend = b->offset + b->len;
	return wsheap__window_map(h, b->offset, b->len, align, basep);
}
