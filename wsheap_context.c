// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts: the handle namespace of one open of /dev/wsheap, and the
 * commands that act on a heap through a handle.  Arguments arrive already
 * copied in by the ioctl layer; nothing here touches user memory.
 */
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

/**
 * wsheap_context_create() - make an empty context
 *
 * Return: the context with one reference, or NULL when out of memory.
 */
struct wsheap_context *wsheap_context_create(void)
{
	struct wsheap_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->handles, XA_FLAGS_ALLOC1);
	atomic64_set(&ctx->committed, 0);
	return ctx;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_create);

static void wsheap_context_release(struct kref *ref)
{
	struct wsheap_context *ctx = container_of(ref, struct wsheap_context,
						  ref);

	WARN_ON_ONCE(atomic64_read(&ctx->committed));
	xa_destroy(&ctx->handles);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

/**
 * wsheap_context_put() - drop a reference to a context
 * @ctx: the context; freed with its last reference
 */
void wsheap_context_put(struct wsheap_context *ctx)
{
	kref_put(&ctx->ref, wsheap_context_release);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_put);

/**
 * wsheap_context_close() - drop every handle and the opener's reference
 * @ctx: the context
 *
 * Heaps that are still mapped somewhere live on without a handle.
 */
void wsheap_context_close(struct wsheap_context *ctx)
{
	struct wsheap_heap *heap;
	unsigned long handle;

	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->handles, handle, heap) {
		xa_erase(&ctx->handles, handle);
		ctx->nr_heaps--;
		wsheap_heap_put(heap);
	}
	mutex_unlock(&ctx->lock);
	wsheap_context_put(ctx);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_close);

/**
 * wsheap_context_get_heap() - look a handle up and reference its heap
 * @ctx: the context
 * @handle: the handle
 *
 * Return: the heap, to be released with wsheap_heap_put(), or NULL.
 */
struct wsheap_heap *wsheap_context_get_heap(struct wsheap_context *ctx,
					    u32 handle)
{
	struct wsheap_heap *heap;

	xa_lock(&ctx->handles);
	heap = xa_load(&ctx->handles, handle);
	if (heap)
		wsheap_heap_get(heap);
	xa_unlock(&ctx->handles);
	return heap;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_get_heap);

static bool wsheap_reserved_zero(const __u64 *reserved, size_t n)
{
	return !memchr_inv(reserved, 0, n * sizeof(*reserved));
}

/**
 * wsheap_cmd_create() - WSHEAP_IOC_CREATE
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EINVAL, -EMFILE at max_heaps_per_context, or -ENOMEM.
 */
int wsheap_cmd_create(struct wsheap_context *ctx, struct wsheap_create *args)
{
	struct wsheap_heap *heap;
	u32 handle;
	int ret;

	if (args->flags & ~WSHEAP_CREATE_FLAGS ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;

	heap = wsheap_heap_create(ctx, args->max_size, args->trim_size,
				  args->flags);
	if (IS_ERR(heap))
		return PTR_ERR(heap);

	mutex_lock(&ctx->lock);
	if (ctx->nr_heaps >= READ_ONCE(wsheap_max_heaps_per_context)) {
		ret = -EMFILE;
		goto err_unlock;
	}
	ret = xa_alloc_cyclic(&ctx->handles, &handle, heap,
			      XA_LIMIT(1, WSHEAP_MAX_HANDLE),
			      &ctx->next_handle, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		ret = ret == -EBUSY ? -EMFILE : ret;
		goto err_unlock;
	}
	ctx->nr_heaps++;
	mutex_unlock(&ctx->lock);

	args->handle = handle;
	args->mmap_offset = (u64)handle << WSHEAP_SPAN_SHIFT;
	args->mmap_span = WSHEAP_SPAN;
	return 0;

err_unlock:
	mutex_unlock(&ctx->lock);
	wsheap_heap_put(heap);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_create);

/**
 * wsheap_cmd_alloc() - WSHEAP_IOC_ALLOC
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0 or a negative errno, see wsheap_heap_alloc().
 */
int wsheap_cmd_alloc(struct wsheap_context *ctx, struct wsheap_alloc *args)
{
	struct wsheap_heap *heap;
	int ret;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_heap(ctx, args->handle);
	if (!heap)
		return -ENOENT;
	ret = wsheap_heap_alloc(heap, args->size, args->align, &args->offset,
				&args->generation);
	wsheap_heap_put(heap);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_alloc);

/**
 * wsheap_cmd_reset() - WSHEAP_IOC_RESET
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EINVAL or -ENOENT.
 */
int wsheap_cmd_reset(struct wsheap_context *ctx, struct wsheap_reset *args)
{
	struct wsheap_heap *heap;
	int ret;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_heap(ctx, args->handle);
	if (!heap)
		return -ENOENT;
	ret = wsheap_heap_reset(heap, &args->generation);
	wsheap_heap_put(heap);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_reset);

/**
 * wsheap_cmd_destroy() - WSHEAP_IOC_DESTROY
 * @ctx: the context
 * @args: the copied-in arguments
 *
 * Removes the handle and gives back all of the heap's memory now, even if
 * mappings of it remain (they raise SIGBUS from then on).
 *
 * Return: 0, -EINVAL or -ENOENT.
 */
int wsheap_cmd_destroy(struct wsheap_context *ctx,
		       struct wsheap_destroy *args)
{
	struct wsheap_heap *heap;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	heap = args->handle ? xa_erase(&ctx->handles, args->handle) : NULL;
	if (heap)
		ctx->nr_heaps--;
	mutex_unlock(&ctx->lock);
	if (!heap)
		return -ENOENT;

	wsheap_heap_kill(heap);
	wsheap_heap_put(heap);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_destroy);

/**
 * wsheap_cmd_info() - WSHEAP_IOC_INFO
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EINVAL or -ENOENT.
 */
int wsheap_cmd_info(struct wsheap_context *ctx, struct wsheap_info *args)
{
	struct wsheap_heap *heap;

	if (!wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_heap(ctx, args->handle);
	if (!heap)
		return -ENOENT;
	wsheap_heap_info(heap, args);
	wsheap_heap_put(heap);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_info);
