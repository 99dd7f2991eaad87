// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The allocator of WSHEAP_HEAP_THREADSAFE heaps.  The inline path of such a
 * heap serves zero-size requests only (its pub.max_size is 0), so every
 * other request comes here.
 *
 * Threads carve their allocations from the heap's block word with a 16-byte
 * compare-and-swap and take the heap's mutex only to install a new block
 * (block.c says why a stale view of the word is harmless).  Where the CPU
 * has no such swap (h->ts_cas false), every allocation holds the mutex.
 * The quota (sizes rounded up to 8, as for every heap) is reserved with a
 * compare-and-swap before the memory is carved, and given back if that
 * fails.
 */
#include <errno.h>

#include "wsheap_priv.h"

/*
 * Called between reading the block word and swapping it, lock-free heaps
 * only: the tests define it to hold a thread there while others reset the
 * heap and take new blocks.  Not defined in the library.
 */
WSHEAP_HIDDEN void wsheap__ts_hook(struct wsheap *heap) __attribute__((weak));

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

static bool ts_reserve(struct wsheap_impl *h, size_t size)
{
	uint64_t old = __wsheap_load_relaxed(&h->ts_requested);

	do {
		if (size > h->quota - old)
			return false;
	} while (!__wsheap_cmpxchg_relaxed(&h->ts_requested, &old,
					   old + size));
	return true;
}

/* Where [p, p + rsz) aligned to @align fits in block @b; 0 if it does not. */
static uintptr_t ts_fit(struct wsheap_tsblock b, size_t rsz, size_t align)
{
	uintptr_t p = ALIGN_UP(b.cur, (uintptr_t)align);

	if (p < b.cur || p > b.end || rsz > b.end - p)
		return 0;
	return p;
}

#ifdef __WSHEAP_HAVE_CMPXCHG16
/* The block word as the 16-byte compare-and-swap sees it. */
union ts_word {
	struct wsheap_tsblock b;
	__wsheap_u128 w;
};

/*
 * Carve rsz bytes from the current block, whose word read as @b: its
 * address, or 0 if full.
 */
__WSHEAP_CMPXCHG16_FN
static uintptr_t ts_bump_cas(struct wsheap_impl *h, struct wsheap_tsblock b,
			     size_t rsz, size_t align)
{
	union ts_word old, nw;
	uintptr_t p;

	old.b = b;
	for (;;) {
		p = ts_fit(old.b, rsz, align);
		if (!p)
			return 0;
		nw.b.cur = p + rsz;
		nw.b.end = old.b.end;
		/* Fails if the word changed since it was read; reloads it. */
		if (__wsheap_cmpxchg16((__wsheap_u128 *)(void *)&h->ts, &old.w,
				       nw.w))
			return p;
	}
}
#endif

/* The same with h->lock held, where the word has no other writer. */
static uintptr_t ts_bump_locked(struct wsheap_impl *h, size_t rsz,
				size_t align)
{
	uintptr_t p = ts_fit(h->ts, rsz, align);

	if (p)
		h->ts.cur = p + rsz;
	return p;
}

#ifdef __WSHEAP_HAVE_CMPXCHG16
__WSHEAP_CMPXCHG16_FN
#endif
static uintptr_t ts_bump(struct wsheap_impl *h, size_t rsz, size_t align)
{
#ifdef __WSHEAP_HAVE_CMPXCHG16
	struct wsheap_tsblock b;

	if (h->ts_cas) {
		b = wsheap__ts_load(h);
		if (wsheap__ts_hook)
			wsheap__ts_hook(&h->pub);
		return ts_bump_cas(h, b, rsz, align);
	}
#endif
	return ts_bump_locked(h, rsz, align);
}

/*
 * A new block for a request the current one cannot hold (h->lock held):
 * it becomes the current block unless it was made for this request alone
 * and leaves less room than the current one.
 */
static int ts_new_block(struct wsheap_impl *h, size_t rsz,
			size_t align, uintptr_t *pp)
{
	struct wsheap_tsblock b = wsheap__ts_load(h);
	uint64_t len, epoch = h->gen;
	uintptr_t base;
	bool own;
	int ret;

	ret = wsheap__get_block(h, rsz, align, &base, &len, &own);
	if (h->gen != epoch) {
		/*
		 * ALLOC told of a foreign reset: the block was dropped and the
		 * quota counter zeroed with our reservation in it.
		 */
		b.cur = b.end = EMPTY;
		if (!ret)
			__wsheap_add_relaxed(&h->ts_requested, rsz);
	}
	if (ret)
		return ret;
	if (!own || base + len - (base + rsz) > b.end - b.cur)
		wsheap__ts_set(h, base + rsz, base + len);
	*pp = base;
	return 0;
}

/* Only the ts_cas paths swap 16 bytes: they may have the swap inline. */
#ifdef __WSHEAP_HAVE_CMPXCHG16
__WSHEAP_CMPXCHG16_FN
#endif
int wsheap__ts_alloc(struct wsheap_impl *h, size_t size, size_t align,
		     void **ptr)
{
	bool cas = h->ts_cas;
	uintptr_t p;
	size_t rsz;
	uint64_t g;
	int ret = 0;

	if (!cas)
		pthread_mutex_lock(&h->lock);
	/* Another party reset the heap: drop the block before using it. */
	if (wsheap__foreign_reset_pending(h, &g)) {
		if (cas)
			pthread_mutex_lock(&h->lock);
		wsheap__sync_generation(h);
		if (cas)
			pthread_mutex_unlock(&h->lock);
	}

	/* Reserve the quota first; give it back if the allocation fails. */
	rsz = size > SIZE_MAX - 7 ? SIZE_MAX & ~(size_t)7 :
	      (size + 7) & ~(size_t)7;
	if (!ts_reserve(h, rsz)) {
		ret = -ENOSPC;
		goto out;
	}
	if (size > h->data_span) {
		ret = -ENOMEM;
		goto undo;
	}

	for (;;) {
		p = ts_bump(h, rsz, align);
		if (p)
			break;
		if (size == 0) {
			p = wsheap__zero_size_ptr(align);
			break;
		}
		if (!cas) {
			ret = ts_new_block(h, rsz, align, &p);
			break;
		}
		pthread_mutex_lock(&h->lock);
		/* Another thread may have installed a block that fits. */
		if (ts_fit(wsheap__ts_load(h), rsz, align)) {
			pthread_mutex_unlock(&h->lock);
			continue;
		}
		ret = ts_new_block(h, rsz, align, &p);
		pthread_mutex_unlock(&h->lock);
		break;
	}
	if (!ret) {
		if (size)
			wsheap__san_alloc(h, p, size);
		*ptr = (void *)p;
		goto out;
	}
undo:
	ts_unreserve(h, rsz);
out:
	if (!cas)
		pthread_mutex_unlock(&h->lock);
	return ret;
}
