// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Heaps: creation, the allocation slow path, blocks, windows, reset, fork.
 *
 * Blocks.  A heap takes blocks from the kernel (WSHEAP_IOC_ALLOC with page
 * alignment) and bumps a pointer through the current one in user space.  The
 * next block is as large as all blocks of the generation together, clamped
 * to [WSHEAP_BLOCK_MIN, WSHEAP_BLOCK_MAX]: 64K, 64K, 128K, 256K, ... 64M,
 * 64M, ...  The first block after a reset is sized for what the previous
 * generation used (rounded up to a power of two, same clamp), so a steady
 * allocate-and-reset loop takes one block per generation.  A request larger
 * than the next block gets a block of its own (page rounded), and the
 * current block stays current if it has more room left.
 *
 * Windows.  The kernel places the blocks of a generation one after the
 * other from offset 0, so offsets repeat after every reset.  A block is
 * reached through a window, an mmap() of a range of the heap's offsets.  A
 * block that no window covers gets a prefix window [0, X), X four times the
 * power of two at or above the block's end (at least 64 KiB, at most the
 * heap's span): it is address space only, the kernel installs pages on
 * touch, and the library never touches a page it has no block for.  So a
 * growing heap maps O(log n) windows, the largest covers every block of the
 * next generations, and a reset loop makes no mmap() at all.  Over-aligned
 * blocks (alignment above the page size) get a window of their own, placed at
 * an aligned address.  A reset unmaps the windows no block used in the
 * generation that ends (unless that generation took no block at all), so
 * the windows of a heap are those of at most two generations.  Pages the
 * kernel frees at a reset are zapped from the windows by the kernel.
 *
 * Sharing.  An exported or imported heap maps the kernel's status page and
 * points pub.gen_ptr at its generation, so the inline fast path notices a
 * reset by another party with one load.  The slow path (and wsheap_refresh())
 * then starts a new generation without a RESET of its own: the current
 * block is dropped, requested goes back to 0, windows are pruned as at a
 * reset.  ALLOC's generation tells the same for heaps without a status page
 * (a forked child's reset).  A thread-safe heap cannot free the block
 * descriptors of the generation that ends at once, since other threads may
 * still be reading them: they are retired and freed one generation later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wsheap_priv.h"

/*
 * The current block of an empty heap: zero-size requests get this (non-NULL)
 * address, every other request fails the inline bounds check.
 */
static _Alignas(4096) char wsheap_empty[8];
#define EMPTY		((uintptr_t)wsheap_empty)
#define EMPTY_ALIGN	((size_t)4096)

/*
 * The generation a read-only import's fast path compares with: never equal
 * to its pub.gen (0), so every allocation takes the slow path (-EPERM).
 */
static const uint64_t gen_never = UINT64_MAX;

/* A non-NULL pointer for a zero-size request that no block can serve. */
static uintptr_t zero_size_ptr(size_t align)
{
	return align <= EMPTY_ALIGN ? EMPTY : (uintptr_t)align;
}

/* ---- registry and fork ---------------------------------------------------- */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wsheap_impl *reg_head;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static int atfork_err;

static void reg_add(struct wsheap_impl *h)
{
	pthread_mutex_lock(&reg_lock);
	h->reg_prev = NULL;
	h->reg_next = reg_head;
	if (reg_head)
		reg_head->reg_prev = h;
	reg_head = h;
	pthread_mutex_unlock(&reg_lock);
}

static void reg_del(struct wsheap_impl *h)
{
	pthread_mutex_lock(&reg_lock);
	if (h->reg_prev)
		h->reg_prev->reg_next = h->reg_next;
	else
		reg_head = h->reg_next;
	if (h->reg_next)
		h->reg_next->reg_prev = h->reg_prev;
	h->reg_prev = h->reg_next = NULL;
	pthread_mutex_unlock(&reg_lock);
}

/*
 * Before fork: hold every lock a child could need, so it inherits them in a
 * consistent state.  Order: default pool, registry, heaps.
 */
static void atfork_prepare(void)
{
	struct wsheap_impl *h;

	wsheap__default_lock();
	pthread_mutex_lock(&reg_lock);
	for (h = reg_head; h; h = h->reg_next) {
		if (h->flags & WSHEAP_HEAP_THREADSAFE)
			pthread_mutex_lock(&h->lock);
		/* both processes now bump in the kernel heap: no in-place reset */
		h->forked = true;
	}
}

static void atfork_parent(void)
{
	struct wsheap_impl *h;

	for (h = reg_head; h; h = h->reg_next)
		if (h->flags & WSHEAP_HEAP_THREADSAFE)
			pthread_mutex_unlock(&h->lock);
	pthread_mutex_unlock(&reg_lock);
	wsheap__default_unlock();
}

/*
 * In the child: the parent keeps bumping through its current blocks, so the
 * child must never use them.  Drop every heap's current block: the child's
 * next allocation takes a fresh block from the kernel, whose cursor is
 * shared by both processes and advanced atomically.
 */
static void atfork_child(void)
{
	struct wsheap_impl *h;

	for (h = reg_head; h; h = h->reg_next) {
		h->pub.cur = EMPTY;
		h->pub.end = EMPTY;
		h->blk_end = EMPTY;
		if (h->flags & WSHEAP_HEAP_THREADSAFE) {
			__wsheap_store_relaxed(&h->tscur, NULL);
			pthread_mutex_unlock(&h->lock);
		}
	}
	pthread_mutex_unlock(&reg_lock);
	wsheap__default_unlock();
}

static void atfork_init(void)
{
	atfork_err = pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ---- windows --------------------------------------------------------------- */

/* The offsets [0, X) of a new prefix window for a block ending at @end. */
static uint64_t prefix_len(const struct wsheap_impl *h, uint64_t end)
{
	uint64_t x = WSHEAP_BLOCK_MIN;

	if (x < h->ctx->page_size)
		x = h->ctx->page_size;
	while (x < end && x < h->data_span)
		x <<= 1;
	if (x <= h->data_span / 4)
		x <<= 2;
	else
		x = h->data_span;
	return x < end ? end : x;
}

static void *map_at(struct wsheap_impl *h, void *addr, uint64_t off,
		    uint64_t len, int extra_flags)
{
	COUNT_ADD(h->mmaps, 1);
	COUNT_ADD(h->ctx->mmaps, 1);
	return mmap(addr, len, h->prot, MAP_SHARED | extra_flags,
		    h->ctx->fd, (off_t)(h->mmap_offset + off));
}

static void unmap(struct wsheap_impl *h, uintptr_t va, uint64_t len)
{
	COUNT_ADD(h->munmaps, 1);
	COUNT_ADD(h->ctx->munmaps, 1);
	munmap((void *)va, len);
}

static int window_add(struct wsheap_impl *h, uint64_t off, uint64_t len,
		      uintptr_t va)
{
	struct wsheap_window *w = malloc(sizeof(*w));

	if (!w) {
		unmap(h, va, len);
		return -ENOMEM;
	}
	w->off = off;
	w->len = len;
	w->va = va;
	w->last_gen = h->gen;
	w->next = h->windows;
	h->windows = w;
	COUNT_ADD(h->nwindows, 1);
	COUNT_ADD(h->mapped_bytes, len);
	return 0;
}

/* Map heap bytes [off, off + len) at an address aligned to @align. */
static int window_map_aligned(struct wsheap_impl *h, uint64_t off,
			      uint64_t len, uint64_t align, uintptr_t *vap)
{
	uintptr_t res, va;
	void *p;

	if (len + align < len)
		return -ENOMEM;
	p = mmap(NULL, len + align, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	COUNT_ADD(h->mmaps, 1);
	COUNT_ADD(h->ctx->mmaps, 1);
	if (p == MAP_FAILED)
		return -errno;
	res = (uintptr_t)p;
	va = ALIGN_UP(res, (uintptr_t)align);

	p = map_at(h, (void *)va, off, len, MAP_FIXED);
	if (p == MAP_FAILED) {
		int ret = -errno;

		unmap(h, res, len + align);
		return ret;
	}
	if (va > res)
		unmap(h, res, va - res);
	if (res + len + align > va + len)
		unmap(h, va + len, res + len + align - (va + len));

	*vap = va;
	return window_add(h, off, len, va);
}

static int window_map(struct wsheap_impl *h, uint64_t off, uint64_t len,
		      uintptr_t *vap)
{
	void *p = map_at(h, NULL, off, len, 0);

	if (p == MAP_FAILED)
		return -errno;
	*vap = (uintptr_t)p;
	return window_add(h, off, len, (uintptr_t)p);
}

/*
 * The address of heap bytes [off, off + len), mapping them if needed.  @off
 * need not be page aligned (wsheap_ptr()); blocks are.
 */
static int map_block(struct wsheap_impl *h, uint64_t off, uint64_t len,
		     uint64_t align, uintptr_t *vap)
{
	uint64_t pg = h->ctx->page_size, x, start;
	struct wsheap_window *w;
	uintptr_t va;
	int ret;

	for (w = h->windows; w; w = w->next) {
		if (off < w->off || off + len > w->off + w->len)
			continue;
		va = w->va + (off - w->off);
		if (va & (align - 1))
			continue;
		w->last_gen = h->gen;
		*vap = va;
		return 0;
	}

	if (align > pg)
		return window_map_aligned(h, off, len, align, vap);

	x = prefix_len(h, off + len);
	ret = window_map(h, 0, x, &va);
	if (!ret) {
		*vap = va + off;
		return 0;
	}
	/* No room for the prefix: map just the pages of the range. */
	start = off & ~(pg - 1);
	ret = window_map(h, start, ALIGN_UP(off + len, pg) - start, &va);
	if (!ret)
		*vap = va + (off - start);
	return ret;
}

/* Unmap the windows no block used in the generation that is ending. */
static void windows_prune(struct wsheap_impl *h)
{
	struct wsheap_window **pw = &h->windows, *w;

	if (!h->blocks)
		return;	/* an idle generation says nothing about the next */

	while ((w = *pw)) {
		if (w->last_gen < h->gen) {
			*pw = w->next;
			unmap(h, w->va, w->len);
			COUNT_SUB(h->nwindows, 1);
			COUNT_SUB(h->mapped_bytes, w->len);
			free(w);
		} else {
			pw = &w->next;
		}
	}
}

static void windows_unmap_all(struct wsheap_impl *h)
{
	struct wsheap_window *w, *next;

	for (w = h->windows; w; w = next) {
		next = w->next;
		unmap(h, w->va, w->len);
		free(w);
	}
	h->windows = NULL;
	h->nwindows = 0;
	h->mapped_bytes = 0;
}

/* ---- the status page and generations ----------------------------------- */

/* The heap's status page, mapped on first use (race-free, once per heap). */
static int status_get(struct wsheap_impl *h, struct wsheap_status **stp)
{
	struct wsheap_status *st, *expected = NULL;
	void *p;

	st = __wsheap_load_acquire(&h->status);
	if (st) {
		*stp = st;
		return 0;
	}
	COUNT_ADD(h->mmaps, 1);
	COUNT_ADD(h->ctx->mmaps, 1);
	p = mmap(NULL, h->ctx->page_size, PROT_READ, MAP_SHARED, h->ctx->fd,
		 (off_t)(h->mmap_offset + WSHEAP_STATUS_OFFSET));
	if (p == MAP_FAILED)
		return -errno;
	st = p;
	if (!__wsheap_cmpxchg_acq_rel(&h->status, &expected, st)) {
		/* Another thread mapped it first. */
		unmap(h, (uintptr_t)p, h->ctx->page_size);
		st = expected;
	}
	*stp = st;
	return 0;
}

static void status_unmap(struct wsheap_impl *h)
{
	if (h->status) {
		unmap(h, (uintptr_t)h->status, h->ctx->page_size);
		h->status = NULL;
	}
}

/* The generation on the status page (acquire, as the kernel publishes it). */
static uint64_t status_gen(const struct wsheap_status *st)
{
	return __wsheap_load_acquire(&st->generation);
}

/*
 * The kernel generation the library's state now belongs to.  For a writable
 * heap it is also the fast path's key.
 */
static void set_kgen(struct wsheap_impl *h, uint64_t g)
{
	/* Release: who sees @g sees the dropped block (foreign_reset_pending). */
	__wsheap_store_release(&h->kgen, g);
	if (!h->rdonly)
		__wsheap_store_release(&h->pub.gen, g);
}

/*
 * Point the fast path at the status page (writable heaps only).  pub.gen
 * stays the generation of the current block, so if the heap was reset
 * meanwhile the next allocation takes the slow path and drops the block.
 */
static void use_status(struct wsheap_impl *h, struct wsheap_status *st)
{
	if (h->rdonly)
		return;
	__wsheap_store_release(&h->pub.gen_ptr,
			       (const uint64_t *)(const void *)&st->generation);
}

static void tsblocks_free_list(struct wsheap_tsblock *b)
{
	struct wsheap_tsblock *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
}

static uint64_t next_hint(struct wsheap_impl *h);
static void windows_prune(struct wsheap_impl *h);

/*
 * A new generation begins: @g, after a RESET of ours or one by another party
 * (@foreign).  Drops the current block and the generation's accounting.  For
 * a thread-safe heap, h->lock is held; after a local reset no allocation
 * runs, after a foreign one other threads may still read the old block
 * descriptors, so they are retired rather than freed.
 */
static void new_generation(struct wsheap_impl *h, uint64_t g, bool foreign)
{
	h->hint = next_hint(h);
	windows_prune(h);
	h->gen++;
	h->block_bytes = 0;
	h->blocks = 0;
	h->kend = 0;
	h->pub.cur = EMPTY;
	h->pub.end = EMPTY;
	h->blk_end = EMPTY;
	h->pub.requested = 0;
	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		__wsheap_store_release(&h->tscur, NULL);
		tsblocks_free_list(h->tsretired);
		if (foreign) {
			h->tsretired = h->tsblocks;
		} else {
			tsblocks_free_list(h->tsblocks);
			h->tsretired = NULL;
		}
		h->tsblocks = NULL;
		__wsheap_store_relaxed(&h->ts_requested, 0);
	}
	if (foreign)
		COUNT_ADD(h->foreign_resets, 1);
	set_kgen(h, g);
}

/*
 * Has another party reset the heap since the current block was taken?  Only
 * heaps whose status page is mapped can tell without a system call.
 */
static bool foreign_reset_pending(struct wsheap_impl *h, uint64_t *g)
{
	struct wsheap_status *st = __wsheap_load_acquire(&h->status);

	if (!st)
		return false;
	*g = status_gen(st);
	return *g != __wsheap_load_acquire(&h->kgen);
}

/* Notice a foreign reset; h->lock held for a thread-safe heap. */
static bool sync_generation(struct wsheap_impl *h)
{
	uint64_t g;

	if (!foreign_reset_pending(h, &g))
		return false;
	new_generation(h, g, true);
	return true;
}

static void ts_lock(struct wsheap_impl *h)
{
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		pthread_mutex_lock(&h->lock);
}

static void ts_unlock(struct wsheap_impl *h)
{
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		pthread_mutex_unlock(&h->lock);
}

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
static void set_limit(struct wsheap_impl *h)
{
	uint64_t room = (h->pub.max_size - h->pub.requested) & ~(uint64_t)7;

	if (h->blk_end == EMPTY)
		return;
	h->pub.end = h->blk_end - h->pub.cur > room ? h->pub.cur + room :
		     h->blk_end;
}

/* ---- blocks ---------------------------------------------------------------- */

/*
 * Take a block of at least @need bytes from the kernel and map it at an
 * address aligned to @align.  *@own is set for a block made for this request
 * only (larger than the growth policy's size, or over-aligned).
 */
static int get_block(struct wsheap_impl *h, uint64_t need, uint64_t align,
		     uintptr_t *basep, uint64_t *lenp, bool *own)
{
	uint64_t pg = h->ctx->page_size, want, len;
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

	*own = align > pg || need > want;
	len = *own ? need : want;

	memset(&a, 0, sizeof(a));
	a.handle = h->handle;
	a.size = len;
	a.align = pg;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_ALLOC, &a);
	if (ret)
		return (ret == -EFBIG || ret == -EOVERFLOW || ret == -ENOSPC) ?
			-ENOMEM : ret;

	/* The block is of a newer generation: someone else reset the heap. */
	if (a.generation != __wsheap_load_relaxed(&h->kgen))
		new_generation(h, a.generation, true);
	h->block_bytes += len;
	h->blocks++;
	if (a.offset + len > h->kend)
		h->kend = a.offset + len;

	ret = map_block(h, a.offset, len, align, basep);
	if (ret)
		return ret;
	*lenp = len;
	return 0;
}

/*
 * The first block of the next generation: what this one used (the blocks
 * less the room left in the current one), rounded up to a power of two.
 */
static uint64_t next_hint(struct wsheap_impl *h)
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

/* ---- allocation -------------------------------------------------------------- */

/* Give back quota reserved by ts_alloc(); never below 0 (see below). */
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

static int ts_alloc(struct wsheap_impl *h, size_t size, size_t align,
		    void **ptr)
{
	struct wsheap_tsblock *b, *nb;
	uint64_t old, len, epoch, g;
	uintptr_t c, p, base;
	size_t rsz;
	bool own;
	int ret;

	/* Another party reset the heap: drop the block before using it. */
	if (foreign_reset_pending(h, &g)) {
		pthread_mutex_lock(&h->lock);
		sync_generation(h);
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
			*ptr = (void *)zero_size_ptr(align);
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
		ret = get_block(h, rsz, align, &base, &len, &own);
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

int __wsheap_alloc_slow(struct wsheap *heap, size_t size, size_t align,
			void **ptr)
{
	struct wsheap_impl *h;
	uintptr_t p, base;
	uint64_t len;
	size_t rsz;
	bool own;
	int ret;

	if (!heap || !ptr)
		return -EINVAL;
	if (align & (align - 1))
		return -EINVAL;
	if (align < WSHEAP_MIN_ALIGN)
		align = WSHEAP_MIN_ALIGN;
	if (align > WSHEAP_MAX_ALIGN)
		return -EINVAL;

	h = to_impl(heap);
	if (h->rdonly)
		return -EPERM;
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		return ts_alloc(h, size, align, ptr);

	/* Another party reset the heap: the current block is not ours. */
	sync_generation(h);

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
		p = zero_size_ptr(align);
		goto done;
	}

	/* A foreign reset noticed by ALLOC drops the current block. */
	ret = get_block(h, rsz, align, &base, &len, &own);
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
	set_limit(h);
	*ptr = (void *)p;
	return 0;
}

/* ---- life cycle ---------------------------------------------------------------- */

/* A zeroed heap object for @ctx; NULL when out of memory. */
static struct wsheap_impl *heap_alloc_obj(struct wsheap_ctx *ctx)
{
	struct wsheap_impl *h;

	h = aligned_alloc(64, ALIGN_UP(sizeof(*h), (size_t)64));
	if (!h)
		return NULL;
	memset(h, 0, sizeof(*h));
	h->ctx = ctx;
	h->prot = PROT_READ | PROT_WRITE;
	h->pub.cur = EMPTY;
	h->pub.end = EMPTY;
	h->blk_end = EMPTY;
	/* Not shared: the fast path compares pub.gen with itself. */
	h->pub.gen_ptr = &h->pub.gen;
	return h;
}

/* The offsets of a heap whose handle and mmap_offset are set. */
static void heap_set_span(struct wsheap_impl *h, uint64_t mmap_span)
{
	h->mmap_span = mmap_span ? mmap_span : h->ctx->span;
	h->data_span = h->mmap_span;
	/* The status area at the end of the span holds no data. */
	if (h->data_span > WSHEAP_STATUS_OFFSET)
		h->data_span = WSHEAP_STATUS_OFFSET;
}

/* The last steps of creation or import: quota, locks, registry. */
static void heap_publish(struct wsheap_impl *h, struct wsheap **heapp)
{
	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		/* The inline path serves zero-size requests only. */
		h->pub.max_size = 0;
		pthread_mutex_init(&h->lock, NULL);
	} else {
		h->pub.max_size = h->max_size;
	}
	COUNT_ADD(h->ctx->heaps, 1);
	reg_add(h);
	*heapp = &h->pub;
}

int wsheap__create_in(struct wsheap_ctx *ctx, uint64_t max_size,
		      uint64_t trim_size, unsigned int flags,
		      struct wsheap **heapp)
{
	struct wsheap_create c;
	struct wsheap_impl *h;
	uint32_t kflags = 0;
	int ret;

	if (flags & ~WSHEAP_HEAP_FLAGS)
		return -EINVAL;
	if (flags & WSHEAP_HEAP_POPULATE)
		kflags |= WSHEAP_CREATE_POPULATE;
	if (flags & WSHEAP_HEAP_ZERO_ON_RESET)
		kflags |= WSHEAP_CREATE_ZERO_ON_RESET;
	if (kflags & ~ctx->create_flags)
		return -EOPNOTSUPP;

	pthread_once(&atfork_once, atfork_init);
	if (atfork_err)
		return -atfork_err;

	h = heap_alloc_obj(ctx);
	if (!h)
		return -ENOMEM;

	memset(&c, 0, sizeof(c));
	c.max_size = UINT64_MAX;	/* the library enforces max_size */
	c.trim_size = trim_size;
	c.flags = kflags;
	ret = wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_CREATE, &c);
	if (ret) {
		free(h);
		return ret;
	}

	h->handle = c.handle;
	h->flags = flags;
	h->mmap_offset = c.mmap_offset;
	heap_set_span(h, c.mmap_span);
	h->max_size = max_size;
	h->trim_size = trim_size;
	heap_publish(h, heapp);
	return 0;
}

struct create_args {
	uint64_t max_size;
	uint64_t trim_size;
	unsigned int flags;
	struct wsheap **heapp;
};

static int create_fn(struct wsheap_ctx *ctx, void *arg)
{
	struct create_args *a = arg;

	return wsheap__create_in(ctx, a->max_size, a->trim_size, a->flags,
				 a->heapp);
}

int wsheap_create(struct wsheap_ctx *ctx, uint64_t max_size,
		  uint64_t trim_size, unsigned int flags, struct wsheap **heapp)
{
	struct create_args a = { max_size, trim_size, flags, heapp };

	if (!heapp || (flags & ~WSHEAP_HEAP_FLAGS))
		return -EINVAL;
	if (!ctx)
		return wsheap__in_default_pool(create_fn, &a);
	return wsheap__create_in(ctx, max_size, trim_size, flags, heapp);
}

static void heap_release(struct wsheap_impl *h)
{
	windows_unmap_all(h);
	status_unmap(h);
	tsblocks_free_list(h->tsblocks);
	tsblocks_free_list(h->tsretired);
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		pthread_mutex_destroy(&h->lock);
	COUNT_SUB(h->ctx->heaps, 1);
	free(h);
}

int wsheap_free(struct wsheap *heap)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_destroy d;
	int ret;

	if (!heap)
		return 0;
	reg_del(h);
	/* Unmap first: nothing of ours may still map pages DESTROY frees. */
	windows_unmap_all(h);
	status_unmap(h);

	memset(&d, 0, sizeof(d));
	d.handle = h->handle;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_DESTROY, &d);
	heap_release(h);
	return ret;
}

int wsheap_detach(struct wsheap *heap)
{
	struct wsheap_impl *h = to_impl(heap);

	if (!heap)
		return 0;
	reg_del(h);
	heap_release(h);
	return 0;
}

/*
 * A reset that would give nothing back to the kernel needs no system call:
 * when this process alone has ever allocated in the heap (never exported,
 * imported or forked, status page never mapped, not thread-safe), the
 * kernel has committed no more than the blocks this library took since the
 * kernel's last reset, and those fit in the trim size, the kernel's RESET
 * would keep every page.  Then rewind the current block to its start
 * instead, if it is the generation's only block: a generation of several
 * blocks goes to the kernel, so that the next one starts at offset 0 with
 * one block sized for it (next_hint()) and no committed page lies unused.
 * The kernel's generation and INFO's cursor do not move.
 */
static bool reset_in_place(struct wsheap_impl *h)
{
	uint64_t pg = h->ctx->page_size, keep;
	struct wsheap_window *w;

	keep = h->trim_size > UINT64_MAX - pg ? UINT64_MAX :
	       ALIGN_UP(h->trim_size, pg);
	if ((h->flags & (WSHEAP_HEAP_THREADSAFE | WSHEAP_HEAP_ZERO_ON_RESET)) ||
	    h->share || h->forked ||
	    __wsheap_load_acquire(&h->status) ||
	    h->blk_end == EMPTY || h->blocks != 1 || !h->kend ||
	    h->kend > keep)
		return false;
	/* block_bytes and blocks (1) already describe the one block kept */
	h->gen++;
	h->pub.cur = h->cur_base;
	h->pub.requested = 0;
	set_limit(h);
	/* the block's window is in use in the new generation */
	for (w = h->windows; w; w = w->next)
		if (h->cur_base >= w->va && h->cur_base - w->va < w->len)
			w->last_gen = h->gen;
	return true;
}

int wsheap_reset(struct wsheap *heap)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_reset r;
	int ret;

	if (!heap)
		return -EINVAL;
	if (h->rdonly)
		return -EPERM;
	if (reset_in_place(h))
		return 0;
	ts_lock(h);

	memset(&r, 0, sizeof(r));
	r.handle = h->handle;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_RESET, &r);
	if (!ret)
		new_generation(h, r.generation, false);
	ts_unlock(h);
	return ret;
}

int wsheap_stats(struct wsheap *heap, struct wsheap_stats *st)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_tsblock *b;

	if (!heap || !st)
		return -EINVAL;

	memset(st, 0, sizeof(*st));
	st->max_size = h->max_size;
	st->trim_size = h->trim_size;
	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		st->requested = __wsheap_load_relaxed(&h->ts_requested);
		b = __wsheap_load_acquire(&h->tscur);
		if (b)
			st->free_bytes = b->end - __wsheap_load_relaxed(&b->cur);
	} else {
		st->requested = heap->requested;
		st->free_bytes = h->blk_end - heap->cur;
	}
	st->block_bytes = h->block_bytes;
	st->blocks = h->blocks;
	st->mapped_bytes = COUNT_READ(h->mapped_bytes);
	st->windows = COUNT_READ(h->nwindows);
	st->generation = h->gen;
	st->ioctls = COUNT_READ(h->ioctls);
	st->mmaps = COUNT_READ(h->mmaps);
	st->munmaps = COUNT_READ(h->munmaps);
	st->flags = h->flags;
	st->handle = h->handle;
	st->foreign_resets = COUNT_READ(h->foreign_resets);
	st->kernel_generation = __wsheap_load_acquire(&h->kgen);
	st->share = h->share;
	return 0;
}

int wsheap_get_info(struct wsheap *heap, struct wsheap_info *info)
{
	struct wsheap_impl *h = to_impl(heap);

	if (!heap || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->handle = h->handle;
	return wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_INFO, info);
}

struct wsheap_ctx *wsheap_ctx_of(struct wsheap *heap)
{
	return heap ? to_impl(heap)->ctx : NULL;
}

/* ---- sharing ------------------------------------------------------------------ */

int wsheap_export(struct wsheap *heap, unsigned int flags, int *fdp)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_status *st;
	struct wsheap_export e;
	int ret;

	if (!heap || !fdp || (flags & ~WSHEAP_SHARE_FLAGS))
		return -EINVAL;

	/*
	 * Others may reset the heap from now on: the fast path must read the
	 * generation from the status page before anyone can.
	 */
	ret = status_get(h, &st);
	if (ret)
		return ret;
	ts_lock(h);
	use_status(h, st);
	ts_unlock(h);

	memset(&e, 0, sizeof(e));
	e.handle = h->handle;
	if (flags & WSHEAP_SHARE_RDONLY)
		e.flags |= WSHEAP_EXPORT_RDONLY;
	if (flags & WSHEAP_SHARE_NO_CLOEXEC)
		e.flags |= WSHEAP_EXPORT_NO_CLOEXEC;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_EXPORT, &e);
	if (ret)
		return ret;
	__wsheap_or_relaxed(&h->share, WSHEAP_STATS_EXPORTED);
	*fdp = e.fd;
	return 0;
}

int wsheap__import_in(struct wsheap_ctx *ctx, int fd, unsigned int flags,
		      struct wsheap **heapp)
{
	struct wsheap_status *st;
	struct wsheap_destroy d;
	struct wsheap_import im;
	struct wsheap_info in;
	struct wsheap_impl *h;
	int ret;

	pthread_once(&atfork_once, atfork_init);
	if (atfork_err)
		return -atfork_err;

	h = heap_alloc_obj(ctx);
	if (!h)
		return -ENOMEM;

	memset(&im, 0, sizeof(im));
	im.fd = fd;
	ret = wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_IMPORT, &im);
	if (ret) {
		free(h);
		return ret;
	}
	h->handle = im.handle;
	h->mmap_offset = im.mmap_offset;
	heap_set_span(h, 0);
	h->rdonly = im.access & WSHEAP_ACCESS_RDONLY;
	h->share = WSHEAP_STATS_IMPORTED;
	if (h->rdonly) {
		h->prot = PROT_READ;
		h->share |= WSHEAP_STATS_RDONLY;
		h->pub.gen_ptr = &gen_never;
	}

	memset(&in, 0, sizeof(in));
	in.handle = h->handle;
	ret = wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_INFO, &in);
	if (!ret)
		ret = status_get(h, &st);
	if (ret) {
		memset(&d, 0, sizeof(d));
		d.handle = h->handle;
		wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_DESTROY, &d);
		status_unmap(h);
		free(h);
		return ret;
	}

	h->flags = flags & WSHEAP_HEAP_THREADSAFE;
	if (in.flags & WSHEAP_CREATE_POPULATE)
		h->flags |= WSHEAP_HEAP_POPULATE;
	if (in.flags & WSHEAP_CREATE_ZERO_ON_RESET)
		h->flags |= WSHEAP_HEAP_ZERO_ON_RESET;
	h->max_size = UINT64_MAX;	/* the kernel heap's own quota applies */
	h->trim_size = in.trim_size;
	/* The state (empty) belongs to the generation the status page shows. */
	set_kgen(h, status_gen(st));
	use_status(h, st);
	heap_publish(h, heapp);
	return 0;
}

struct import_args {
	int fd;
	unsigned int flags;
	struct wsheap **heapp;
};

static int import_fn(struct wsheap_ctx *ctx, void *arg)
{
	struct import_args *a = arg;

	return wsheap__import_in(ctx, a->fd, a->flags, a->heapp);
}

int wsheap_import(struct wsheap_ctx *ctx, int fd, unsigned int flags,
		  struct wsheap **heapp)
{
	struct import_args a = { fd, flags, heapp };

	if (!heapp || (flags & ~WSHEAP_HEAP_THREADSAFE))
		return -EINVAL;
	if (!ctx)
		return wsheap__in_default_pool(import_fn, &a);
	return wsheap__import_in(ctx, fd, flags, heapp);
}

int wsheap_ptr(struct wsheap *heap, uint64_t offset, size_t len, void **ptr)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_status *st;
	uint64_t end, committed;
	uintptr_t va;
	int ret;

	if (!heap || !ptr)
		return -EINVAL;
	if (offset > h->data_span || len > h->data_span - offset)
		return -EINVAL;
	end = offset + len;

	ret = status_get(h, &st);
	if (ret)
		return ret;
	if (__wsheap_load_acquire(&st->flags) & WSHEAP_STATUS_DEAD)
		return -ENOENT;
	committed = __wsheap_load_acquire(&st->committed);
	if (end > committed)
		return -ENXIO;

	ts_lock(h);
	ret = map_block(h, offset, len, 1, &va);
	ts_unlock(h);
	if (ret)
		return ret;
	*ptr = (void *)va;
	return 0;
}

int wsheap_offset(struct wsheap *heap, const void *ptr, uint64_t *offset)
{
	struct wsheap_impl *h = to_impl(heap);
	uintptr_t va = (uintptr_t)ptr;
	struct wsheap_window *w;
	int ret = -EINVAL;

	if (!heap || !ptr || !offset)
		return -EINVAL;
	ts_lock(h);
	for (w = h->windows; w; w = w->next) {
		if (va >= w->va && va - w->va < w->len) {
			*offset = w->off + (va - w->va);
			ret = 0;
			break;
		}
	}
	ts_unlock(h);
	return ret;
}

int wsheap_generation(struct wsheap *heap, uint64_t *generation)
{
	struct wsheap_status *st;
	int ret;

	if (!heap || !generation)
		return -EINVAL;
	ret = status_get(to_impl(heap), &st);
	if (ret)
		return ret;
	*generation = status_gen(st);
	return 0;
}

int wsheap_is_current(struct wsheap *heap, uint64_t generation)
{
	uint64_t g;
	int ret;

	ret = wsheap_generation(heap, &g);
	if (ret)
		return ret;
	return g == generation;
}

int wsheap_refresh(struct wsheap *heap)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_status *st;
	bool seen;
	int ret;

	if (!heap)
		return -EINVAL;
	ret = status_get(h, &st);
	if (ret)
		return ret;
	ts_lock(h);
	use_status(h, st);
	seen = sync_generation(h);
	ts_unlock(h);
	return seen;
}
