// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * A heap's life: creation, reset (in place when the kernel would give
 * nothing back), the library's statistics, and its end (free or detach).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wsheap_priv.h"

/*
 * A zeroed heap object for @ctx in *@hp, with the fork handlers installed:
 * 0, or the fork handlers' error, or -ENOMEM.
 */
int wsheap__heap_new(struct wsheap_ctx *ctx, struct wsheap_impl **hp)
{
	struct wsheap_impl *h;
	int ret = wsheap__fork_init();

	if (ret)
		return ret;
	h = aligned_alloc(64, ALIGN_UP(sizeof(*h), (size_t)64));
	if (!h)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	h->ctx = ctx;
	h->prot = PROT_READ | PROT_WRITE;
	h->pub.cur = EMPTY;
	h->pub.end = EMPTY;
	h->blk_end = EMPTY;
	wsheap__req_set(h, 0);
	/* Not shared: the fast path compares pub.gen with itself. */
	h->pub.gen_ptr = &h->pub.gen;
	*hp = h;
	return 0;
}

/* The offsets of a heap whose handle and mmap_offset are set. */
void wsheap__heap_set_span(struct wsheap_impl *h, uint64_t mmap_span)
{
	h->mmap_span = mmap_span ? mmap_span : h->ctx->span;
	h->data_span = h->mmap_span;
	/* The status area at the end of the span holds no data. */
	if (h->data_span > WSHEAP_STATUS_OFFSET)
		h->data_span = WSHEAP_STATUS_OFFSET;
}

/* The last steps of creation or import: quota, locks, registry. */
void wsheap__heap_publish(struct wsheap_impl *h, struct wsheap **heapp)
{
	uint64_t pg = h->ctx->page_size;

	/* The quota counts sizes rounded up to 8: so does its limit. */
	h->quota = h->max_size > UINT64_MAX - 7 ? UINT64_MAX :
		   ALIGN_UP(h->max_size, 8);
	h->keep = h->trim_size > UINT64_MAX - pg ? UINT64_MAX :
		  ALIGN_UP(h->trim_size, pg);
	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		/* The inline path serves zero-size requests only. */
		h->pub.max_size = 0;
		h->ts_cas = wsheap__ts_cas_usable();
		h->ts.cur = EMPTY;
		h->ts.end = EMPTY;
		pthread_mutex_init(&h->lock, NULL);
	} else {
		/*
		 * Contract 1's inline quota check never decides: pub.end
		 * already stops where the quota runs out.
		 */
		h->pub.max_size = UINT64_MAX;
	}
	h->san = wsheap__san_active();
	wsheap__san_heap_new(h);
	wsheap__paths(h);
	COUNT_ADD(h->ctx->heaps, 1);
	wsheap__reg_add(h);
	*heapp = &h->pub;
}

static int create_in(struct wsheap_ctx *ctx, uint64_t max_size,
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

	ret = wsheap__heap_new(ctx, &h);
	if (ret)
		return ret;

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
	wsheap__heap_set_span(h, c.mmap_span);
	h->max_size = max_size;
	h->trim_size = trim_size;
	wsheap__heap_publish(h, heapp);
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

	return create_in(ctx, a->max_size, a->trim_size, a->flags, a->heapp);
}

int wsheap_create(struct wsheap_ctx *ctx, uint64_t max_size,
		  uint64_t trim_size, unsigned int flags, struct wsheap **heapp)
{
	struct create_args a = { max_size, trim_size, flags, heapp };

	if (!heapp || (flags & ~WSHEAP_HEAP_FLAGS))
		return -EINVAL;
	if (!ctx)
		return wsheap__in_default_pool(create_fn, &a);
	return create_in(ctx, max_size, trim_size, flags, heapp);
}

static void heap_release(struct wsheap_impl *h)
{
	wsheap__windows_unmap_all(h);
	wsheap__status_unmap(h);
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		pthread_mutex_destroy(&h->lock);
	wsheap__san_heap_end(h);
	free(h->blks.v);
	free(h->spare.v);
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
	wsheap__reg_del(h);
	/* Unmap first: nothing of ours may still map pages DESTROY frees. */
	wsheap__windows_unmap_all(h);
	wsheap__status_unmap(h);

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
	wsheap__reg_del(h);
	heap_release(h);
	return 0;
}

/*
 * A reset that would give nothing back to the kernel needs no system call
 * (wsheap__paths() says when: h->inplace): rewind the generation's one
 * block to its start.  The kernel's generation and INFO's cursor do not
 * move.  A fork() or a status page mapped since the flag was computed (by
 * other threads, which do not recompute it) rules it out as well.
 */
static bool reset_in_place(struct wsheap_impl *h)
{
	if (!h->inplace || h->forked || __wsheap_load_acquire(&h->status))
		return false;
	/* block_bytes and blocks (1) already describe the one block kept */
	if (h->san)
		wsheap__san_reset(h);
	h->gen++;
	h->pub.cur = h->cur_base;
	wsheap__req_set(h, 0);
	h->pub.requested = 0;
	wsheap__set_limit(h);
	/* the block's window is in use in the new generation */
	wsheap__window_touch(h, h->cur_base);
	return true;
}

/*
 * RESET (ABI 2: _IOW, nothing written back) and the kernel generation it
 * made.  A heap that maps the status page reads it there, once the reset
 * is over; one that does not is reset by this process alone, but for a
 * forked child that may have reset it too: then the next ALLOC reports a
 * newer generation and the library counts the child's reset as foreign
 * (its state is empty until then anyway).  A module older than ABI 2
 * refuses the _IOW encoding (ENOTTY): use ABI 1's RESET, which writes the
 * generation back, from then on for the context.
 */
static int reset_kernel(struct wsheap_impl *h, uint64_t *gen)
{
	struct wsheap_status *st = __wsheap_load_acquire(&h->status), s;
	struct wsheap_ctx *ctx = h->ctx;
	struct wsheap_reset r;
	int ret = -ENOTTY;

	memset(&r, 0, sizeof(r));
	r.handle = h->handle;
	if (!__wsheap_load_relaxed(&ctx->reset_v0)) {
		ret = wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_RESET, &r);
		if (ret == -ENOTTY)
			__wsheap_store_relaxed(&ctx->reset_v0, true);
	}
	if (ret == -ENOTTY) {
		ret = wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_RESET_V0, &r);
		*gen = r.generation;
		return ret;
	}
	if (ret)
		return ret;
	if (st) {
		wsheap__status_read(st, &s);
		*gen = s.generation;
	} else {
		*gen = __wsheap_load_relaxed(&h->kgen) + 1;
	}
	return 0;
}

int wsheap_reset(struct wsheap *heap)
{
	struct wsheap_impl *h = to_impl(heap);
	uint64_t gen;
	int ret;

	if (!heap)
		return -EINVAL;
	if (h->rdonly)
		return -EPERM;
	if (reset_in_place(h))
		return 0;
	ts_lock(h);
	ret = reset_kernel(h, &gen);
	if (!ret)
		wsheap__new_generation(h, gen, false);
	ts_unlock(h);
	return ret;
}

int wsheap_stats(struct wsheap *heap, struct wsheap_stats *st)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_tsblock b;

	if (!heap || !st)
		return -EINVAL;

	memset(st, 0, sizeof(*st));
	st->max_size = h->max_size;
	st->trim_size = h->trim_size;
	if (h->flags & WSHEAP_HEAP_THREADSAFE) {
		st->requested = __wsheap_load_relaxed(&h->ts_requested);
		b = wsheap__ts_load(h);	/* torn by a new block: 0 */
		st->free_bytes = b.end > b.cur ? b.end - b.cur : 0;
	} else {
		st->requested = wsheap__req(h);
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
