// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The allocator of WSHEAP_HEAP_THREADSAFE heaps: threads bump the current
 * block's cursor with compare-and-swap and take the heap's mutex only to
 * install a new block.  The inline path of such a heap serves zero-size
 * requests only (its pub.max_size is 0), so every other request comes here.
 */
#include <errno.h>
#include <stdlib.h>

#include "wsheap_priv.h"

/* Give back quota reserved by wsheap__ts_alloc(); never below 0. */
static void ts_unreserve(struct wsheap_impl *h, size_t size)
{
	uint64_t old = __wsheap_load_relaxed(&h->ts_requested);

	/*
	 * A foreign reset noticed meanwhile zeroed the counter: saturate rather
	 * than wrap.
	 */
	while (!__wsheap_cmpxchg_relaxed(&h->ts_requested, &old,
					 old > size ? old - size : 0))
		;
}

int wsheap__ts_alloc(struct wsheap_impl *h, size_t size, size_t align,
		     void **ptr)
{
	struct wsheap_tsblock *b, *nb;
	uint64_t old, len, epoch, g;
	uintptr_t c, p, base;
	size_t rsz;
	bool own;
	int ret;

	/* Another party reset the heap: drop the block before using it. */
	if (wsheap__foreign_reset_pending(h, &g)) {
		pthread_mutex_lock(&h->lock);
		wsheap__sync_generation(h);
		pthread_mutex_unlock(&h->lock);
	}

	/* Reserve the quota first; give it back if the allocation fails. */
	old = __wsheap_load_relaxed(&h->ts_requested);
	do {
		if (size > h->max_size - old)
			return -ENOSPC;
	} while (!__wsheap_cmpxchg_relaxed(&h->ts_requested, &old,
					   old + size));

	if (size > h->data_span) {
		ret = -ENOMEM;
		goto undo;
	}
	rsz = (size + 7) & ~(size_t)7;

	for (;;) {
		b = __wsheap_load_acquire(&h->tscur);
		if (b) {
			c = __wsheap_load_relaxed(&b->cur);
			for (;;) {
				p = ALIGN_UP(c, (uintptr_t)align);
				if (p < c || p > b->end || rsz > b->end - p)
					break;
				if (__wsheap_cmpxchg_relaxed(&b->cur, &c,
							     p + rsz)) {
					*ptr = (void *)p;
					return 0;
				}
			}
		}
		if (size == 0) {
			*ptr = (void *)wsheap__zero_size_ptr(align);
			return 0;
		}

		pthread_mutex_lock(&h->lock);
		if (__wsheap_load_relaxed(&h->tscur) != b) {
			/* Another thread installed a block: try it. */
			pthread_mutex_unlock(&h->lock);
			continue;
		}
		nb = malloc(sizeof(*nb));
		if (!nb) {
			pthread_mutex_unlock(&h->lock);
			ret = -ENOMEM;
			goto undo;
		}
		epoch = h->gen;
		ret = wsheap__get_block(h, rsz, align, &base, &len, &own);
		if (h->gen != epoch) {
			/*
			 * ALLOC told of a foreign reset: the old block is
			 * retired and the counter was zeroed with our
			 * reservation in it.
			 */
			b = NULL;
			if (!ret)
				__wsheap_add_relaxed(&h->ts_requested, size);
		}
		if (ret) {
			pthread_mutex_unlock(&h->lock);
			free(nb);
			goto undo;
		}
		p = base;
		if (!own || !b ||
		    base + len - (p + rsz) >
		    b->end - __wsheap_load_relaxed(&b->cur)) {
			nb->cur = p + rsz;
			nb->end = base + len;
			nb->next = h->tsblocks;
			h->tsblocks = nb;
			__wsheap_store_release(&h->tscur, nb);
		} else {
			free(nb);
		}
		pthread_mutex_unlock(&h->lock);
		*ptr = (void *)p;
		return 0;
	}

undo:
	ts_unreserve(h, size);
	return ret;
}
