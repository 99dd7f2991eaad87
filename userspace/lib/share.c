// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Sharing a heap between parties: export and import, dma-bufs of ranges,
 * offsets and addresses (which differ per process), and the generation
 * every party reads from the status page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wsheap_priv.h"

/*
 * The generation a read-only import's fast path compares with: never equal
 * to its pub.gen (0), so every allocation takes the slow path (-EPERM).
 */
static const uint64_t gen_never = UINT64_MAX;

/* Map the status page and make the fast path check the generation there. */
static int watch_status(struct wsheap_impl *h)
{
	struct wsheap_status *st;
	int ret;

	ret = wsheap__status_get(h, &st);
	if (ret)
		return ret;
	ts_lock(h);
	wsheap__use_status(h, st);
	ts_unlock(h);
	return 0;
}

int wsheap_export(struct wsheap *heap, unsigned int flags, int *fdp)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_export e;
	uint32_t share;
	int ret;

	if (!heap || !fdp || (flags & ~WSHEAP_SHARE_FLAGS))
		return -EINVAL;

	/*
	 * Others may reset the heap from now on: the fast path must read the
	 * generation from the status page before anyone can.
	 */
	ret = watch_status(h);
	if (ret)
		return ret;
	/* ... and the inline path, which does not, must stop serving it. */
	share = __wsheap_load_relaxed(&h->share);
	if (!(h->flags & WSHEAP_HEAP_THREADSAFE)) {
		h->share = share | WSHEAP_STATS_EXPORTED;
		wsheap__paths(h);
	}

	memset(&e, 0, sizeof(e));
	e.handle = h->handle;
	if (flags & WSHEAP_SHARE_RDONLY)
		e.flags |= WSHEAP_EXPORT_RDONLY;
	if (flags & WSHEAP_SHARE_NO_CLOEXEC)
		e.flags |= WSHEAP_EXPORT_NO_CLOEXEC;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_EXPORT, &e);
	if (ret) {
		if (!(h->flags & WSHEAP_HEAP_THREADSAFE)) {
			h->share = share;
			wsheap__paths(h);
		}
		return ret;
	}
	__wsheap_or_relaxed(&h->share, WSHEAP_STATS_EXPORTED);
	*fdp = e.fd;
	return 0;
}

int wsheap_export_dmabuf(struct wsheap *heap, const void *ptr, size_t size,
			 unsigned int flags, int *fdp)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_export_dmabuf e;
	uint64_t off, g;
	int ret;

	if (!heap || !ptr || !fdp || !size || (flags & ~WSHEAP_SHARE_FLAGS) ||
	    ((uintptr_t)ptr & (h->ctx->page_size - 1)))
		return -EINVAL;
	if (h->rdonly)
		return -EPERM;
	ts_lock(h);
	ret = wsheap__window_offset(h, (uintptr_t)ptr, &off);
	ts_unlock(h);
	if (ret)
		return ret;
	/* The bytes at @ptr went with a reset by another party. */
	if (wsheap__foreign_reset_pending(h, &g))
		return -ESTALE;

	memset(&e, 0, sizeof(e));
	e.handle = h->handle;
	e.offset = off;
	e.size = size;
	if (flags & WSHEAP_SHARE_RDONLY)
		e.flags |= WSHEAP_DMABUF_RDONLY;
	if (flags & WSHEAP_SHARE_NO_CLOEXEC)
		e.flags |= WSHEAP_DMABUF_NO_CLOEXEC;
	ret = wsheap__ioctl(h->ctx, &h->ioctls, WSHEAP_IOC_EXPORT_DMABUF, &e);
	if (ret)
		return ret;
	*fdp = e.fd;
	return 0;
}

static int import_in(struct wsheap_ctx *ctx, int fd, unsigned int flags,
		     struct wsheap **heapp)
{
	struct wsheap_status *st;
	struct wsheap_destroy d;
	struct wsheap_import im;
	struct wsheap_info in;
	struct wsheap_impl *h;
	int ret;

	ret = wsheap__heap_new(ctx, &h);
	if (ret)
		return ret;

	memset(&im, 0, sizeof(im));
	im.fd = fd;
	ret = wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_IMPORT, &im);
	if (ret) {
		free(h);
		return ret;
	}
	h->handle = im.handle;
	h->mmap_offset = im.mmap_offset;
	wsheap__heap_set_span(h, 0);
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
		ret = wsheap__status_get(h, &st);
	if (ret) {
		memset(&d, 0, sizeof(d));
		d.handle = h->handle;
		wsheap__ioctl(ctx, &h->ioctls, WSHEAP_IOC_DESTROY, &d);
		wsheap__status_unmap(h);
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
	wsheap__set_kgen(h, wsheap__status_gen(st));
	wsheap__use_status(h, st);
	wsheap__heap_publish(h, heapp);
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

	return import_in(ctx, a->fd, a->flags, a->heapp);
}

int wsheap_import(struct wsheap_ctx *ctx, int fd, unsigned int flags,
		  struct wsheap **heapp)
{
	struct import_args a = { fd, flags, heapp };

	if (!heapp || (flags & ~WSHEAP_HEAP_THREADSAFE))
		return -EINVAL;
	if (!ctx)
		return wsheap__in_default_pool(import_fn, &a);
	return import_in(ctx, fd, flags, heapp);
}

int wsheap_ptr(struct wsheap *heap, uint64_t offset, size_t len, void **ptr)
{
	struct wsheap_impl *h = to_impl(heap);
	struct wsheap_status *st;
	uintptr_t va;
	int ret;

	if (!heap || !ptr)
		return -EINVAL;
	if (offset > h->data_span || len > h->data_span - offset)
		return -EINVAL;

	ret = wsheap__status_get(h, &st);
	if (ret)
		return ret;
	ret = wsheap__status_range(st, offset + len);
	if (ret)
		return ret;

	ts_lock(h);
	ret = wsheap__window_map(h, offset, len, 1, &va);
	ts_unlock(h);
	if (ret)
		return ret;
	wsheap__san_unpoison(va, len);
	*ptr = (void *)va;
	return 0;
}

int wsheap_offset(struct wsheap *heap, const void *ptr, uint64_t *offset)
{
	struct wsheap_impl *h = to_impl(heap);
	int ret;

	if (!heap || !ptr || !offset)
		return -EINVAL;
	ts_lock(h);
	ret = wsheap__window_offset(h, (uintptr_t)ptr, offset);
	ts_unlock(h);
	return ret;
}

int wsheap_generation(struct wsheap *heap, uint64_t *generation)
{
	struct wsheap_status *st, s;
	int ret;

	if (!heap || !generation)
		return -EINVAL;
	ret = wsheap__status_get(to_impl(heap), &st);
	if (ret)
		return ret;
	/* As of no reset under way: the one that made it is over. */
	wsheap__status_read(st, &s);
	*generation = s.generation;
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
	bool seen;
	int ret;

	if (!heap)
		return -EINVAL;
	ret = watch_status(h);
	if (ret)
		return ret;
	ts_lock(h);
	seen = wsheap__sync_generation(h);
	ts_unlock(h);
	return seen;
}
