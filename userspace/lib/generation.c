// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Generations: where one ends and the next begins.
 *
 * A generation ends with a RESET of ours, or with one by another party that
 * the library notices: on the status page (heaps that map it) or in the
 * generation ALLOC reports for a new block (every heap; a forked child's
 * reset, say).  Either way the current block is dropped, requested goes back
 * to 0 and the windows no block of the ending generation used are unmapped;
 * a foreign reset needs no RESET of our own.  Threads of a thread-safe heap
 * that still allocate from the dropped block only fail their
 * compare-and-swap (see block.c).
 */
#include "wsheap_priv.h"

/*
 * The kernel generation the library's state now belongs to.  For a writable
 * heap it is also the fast path's key.
 */
void wsheap__set_kgen(struct wsheap_impl *h, uint64_t g)
{
	/* Release: who sees @g sees the dropped block (foreign_reset_pending). */
	__wsheap_store_release(&h->kgen, g);
	if (!h->rdonly)
		__wsheap_store_release(&h->pub.gen, g);
}

/*
 * A new generation begins: @g, after a RESET of ours or one by another party
 * (@foreign).  Drops the current block and the generation's accounting.  For
 * a thread-safe heap, h->lock is held.
 */
void wsheap__new_generation(struct wsheap_impl *h, uint64_t g, bool foreign)
{
	h->hint = wsheap__next_hint(h);
	/* Everything the generation handed out is released. */
	wsheap__san_reset(h);
	wsheap__windows_prune(h);
	h->gen++;
	h->block_bytes = 0;
	h->blocks = 0;
	h->kend = 0;
	h->blks.n = 0;
	h->spare.n = 0;
	wsheap__block_drop(h);
	wsheap__req_set(h, 0);
	h->pub.requested = 0;
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		__wsheap_store_relaxed(&h->ts_requested, 0);
	if (foreign)
		COUNT_ADD(h->foreign_resets, 1);
	wsheap__set_kgen(h, g);
	wsheap__paths(h);
}

/* Notice a foreign reset; h->lock held for a thread-safe heap. */
bool wsheap__sync_generation(struct wsheap_impl *h)
{
	uint64_t g;

	if (!wsheap__foreign_reset_pending(h, &g))
		return false;
	wsheap__new_generation(h, g, true);
	return true;
}

/*
 * A block of at least @need bytes, mapped at an address aligned to @align,
 * for the current generation: if ALLOC says another party reset the heap,
 * a new generation begins before the block is counted.  *@own is set for a
 * block made for this request only.
 */
/*
 * A block a rewind released that holds @need bytes at @align (from its
 * start): the generation's again (it stays counted in block_bytes).
 */
static bool spare_block(struct wsheap_impl *h, uint64_t need, uint64_t align,
			uintptr_t *basep, uint64_t *lenp, bool *own)
{
	struct wsheap_blk *v = h->spare.v;
	uint32_t i;

	for (i = h->spare.n; i-- > 0;) {
		if (v[i].len < need || (v[i].base & (align - 1)))
			continue;
		if (wsheap__blks_push(&h->blks, v[i].base, v[i].len))
			return false;
		*basep = v[i].base;
		*lenp = v[i].len;
		*own = false;
		v[i] = v[--h->spare.n];
		return true;
	}
	return false;
}

int wsheap__get_block(struct wsheap_impl *h, uint64_t need, uint64_t align,
		      uintptr_t *basep, uint64_t *lenp, bool *own)
{
	struct wsheap_block b;
	int ret;

	if (h->spare.n && spare_block(h, need, align, basep, lenp, own))
		return 0;

	ret = wsheap__block_alloc(h, need, align, &b);
	if (ret)
		return ret;
	if (b.generation != __wsheap_load_relaxed(&h->kgen))
		wsheap__new_generation(h, b.generation, true);
	ret = wsheap__block_map(h, &b, align, basep);
	if (ret)
		return ret;
	*own = b.own;
	*lenp = b.len;
	return 0;
}
