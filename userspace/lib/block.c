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
 *
 * The current block of a thread-safe heap is one 16-byte word {cur, end}
 * in the heap object (struct wsheap_tsblock).  Threads allocate from it
 * with a 16-byte compare-and-swap of the whole word, so a thread whose
 * view of it is stale (it was preempted across any number of new blocks
 * and resets) only fails its swap: no allocation is ever computed against
 * a block that is not the current one, and nothing a thread may still read
 * is ever freed.  Where the CPU has no such swap, the word changes only
 * under the heap's mutex, which every allocation then takes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wsheap_priv.h"

#if defined(__WSHEAP_HAVE_CMPXCHG16) && defined(__x86_64__)
#include <cpuid.h>
#endif

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

/*
 * Do thread-safe heaps use the 16-byte compare-and-swap?  -1 until the CPU
 * is probed, then 0 or 1.  The library's tests set 0 to run the mutex
 * variant on any CPU.
 */
int wsheap__ts_cas_mode = -1;

static bool cpu_has_cmpxchg16(void)
{
#if defined(__WSHEAP_HAVE_CMPXCHG16) && defined(__x86_64__)
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_CMPXCHG16B);
#elif defined(__WSHEAP_HAVE_CMPXCHG16)
	return true;
#else
	return false;
#endif
}

/* For a new thread-safe heap: may its block word change lock-free? */
bool wsheap__ts_cas_usable(void)
{
	int mode = __wsheap_load_relaxed(&wsheap__ts_cas_mode);

	if (mode < 0) {
		mode = cpu_has_cmpxchg16();
		__wsheap_store_relaxed(&wsheap__ts_cas_mode, mode);
	}
	return mode;
}

/*
 * Replace the block word with @b if it still is *@old; else load it into
 * *@old.  Without ts_cas the caller holds h->lock, the only writer then.
 */
#ifdef __WSHEAP_HAVE_CMPXCHG16
__WSHEAP_CMPXCHG16_FN
#endif
bool wsheap__ts_cas(struct wsheap_impl *h, struct wsheap_tsblock *old,
		    struct wsheap_tsblock b)
{
#ifdef __WSHEAP_HAVE_CMPXCHG16
	__wsheap_u128 o, n;
	int ok;

	if (h->ts_cas) {
		memcpy(&o, old, sizeof(o));
		memcpy(&n, &b, sizeof(n));
		ok = __wsheap_cmpxchg16((__wsheap_u128 *)(void *)&h->ts, &o, n);
		memcpy(old, &o, sizeof(o));
		return ok;
	}
#endif
	if (h->ts.cur == old->cur && h->ts.end == old->end) {
		h->ts = b;
		return true;
	}
	*old = h->ts;
	return false;
}

/* Make [@cur, @end) the current block of a thread-safe heap (h->lock held). */
void wsheap__ts_set(struct wsheap_impl *h, uintptr_t cur, uintptr_t end)
{
	struct wsheap_tsblock old = wsheap__ts_load(h), b = { cur, end };

	while (!wsheap__ts_cas(h, &old, b))
		;
}

/* The heap has no current block any more (both allocators). */
void wsheap__block_drop(struct wsheap_impl *h)
{
	uint64_t req = wsheap__req(h);

	h->pub.cur = EMPTY;
	h->pub.end = EMPTY;
	h->blk_end = EMPTY;
	wsheap__req_set(h, req);
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		wsheap__ts_set(h, EMPTY, EMPTY);
}

/*
 * Where the inline path must stop: the block's end, or earlier where the
 * quota runs out.  An inline allocation takes its size rounded up to 8 from
 * the block, which is what the quota counts (wsheap__req()); with pub.end -
 * pub.cur a multiple of 8 and at most what is left of the quota, the
 * rounded size fits whenever the size does, so cur never passes pub.end and
 * no inline allocation can exceed the quota: the inline path need not check
 * it.  A heap the inline path must not serve gets pub.end = pub.cur, so
 * that only zero-size requests pass.  Called whenever cur, the quota or the
 * block change outside the inline path.
 */
void wsheap__set_limit(struct wsheap_impl *h)
{
	uint64_t req, room;

	if (h->blk_end == EMPTY)
		return;
	if (!h->inline_ok) {
		h->pub.end = h->pub.cur;
		return;
	}
	req = wsheap__req(h);
	room = req < h->quota ? (h->quota - req) & ~(uint64_t)7 : 0;
	h->pub.end = h->blk_end - h->pub.cur > room ? h->pub.cur + room :
		     h->blk_end;
}

/*
 * Work out which paths may serve the heap (WSHEAP_INLINE_ABI 3), whenever
 * its sharing, fork state, status page or blocks change:
 *  - the inline path, for a heap no other party can reset (never exported,
 *    imported or forked), neither thread-safe nor read-only, outside a
 *    sanitizer run (sanitize.c);
 *  - the in-place reset, when the kernel's RESET would keep every page:
 *    such a heap, no status page (whose generation a rewind would not
 *    move), no ZERO_ON_RESET, one block in the generation, and all blocks
 *    since the kernel's last reset within the trim size.  The generation's
 *    only block is then rewound instead: a generation of several blocks goes
 *    to the kernel, so that the next one starts at offset 0 with one block
 *    sized for it (wsheap__next_hint()) and no committed page lies unused.
 * wsheap_reset() then tests one flag.
 */
void wsheap__paths(struct wsheap_impl *h)
{
	bool priv = !(h->flags & WSHEAP_HEAP_THREADSAFE) &&
		    !__wsheap_load_relaxed(&h->share) && !h->forked &&
		    !h->rdonly;

	/* a sanitizer sees every allocation in the slow path */
	h->inline_ok = priv && !h->san;
	h->inplace = priv && !(h->flags & WSHEAP_HEAP_ZERO_ON_RESET) &&
		     !__wsheap_load_acquire(&h->status) &&
		     h->blk_end != EMPTY && h->blocks == 1 && h->kend &&
		     h->kend <= h->keep;
	wsheap__set_limit(h);
}

/*
 * The first block of the next generation: what this one used (the blocks
 * less the room left in the current one), rounded up to a power of two.
 */
uint64_t wsheap__next_hint(struct wsheap_impl *h)
{
	struct wsheap_tsblock b;
	uint64_t used = h->block_bytes, left, x;

	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		b = wsheap__ts_load(h);
		left = b.end - b.cur;
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
	int ret;

	h->block_bytes += b->len;
	h->blocks++;
	if (b->offset + b->len > h->kend)
		h->kend = b->offset + b->len;
	ret = wsheap__window_map(h, b->offset, b->len, align, basep);
	if (ret)
		return ret;
	/*
	 * A POPULATE heap's pages exist from ALLOC on: map them now, so the
	 * program's own stores take no fault (the kernel's fault path does
	 * it, in one call).  Best effort: before Linux 5.14 there is no
	 * MADV_POPULATE_WRITE, and the stores fault as before.
	 */
	if ((h->flags & WSHEAP_HEAP_POPULATE) && !h->rdonly)
		madvise((void *)*basep, b->len, MADV_POPULATE_WRITE);
	/* without room in the list, only a rewind cannot reuse the block */
	wsheap__blks_push(&h->blks, *basep, b->len);
	wsheap__san_block(h, *basep, b->len);
	return 0;
}

/* Append a block to @a: 0 or -ENOMEM. */
int wsheap__blks_push(struct wsheap_blks *a, uintptr_t base, uint64_t len)
{
	struct wsheap_blk *v;
	uint32_t cap;

	if (a->n == a->cap) {
		cap = a->cap ? 2 * a->cap : 8;
		v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].base = base;
	a->v[a->n].len = len;
	a->n++;
	return 0;
}
