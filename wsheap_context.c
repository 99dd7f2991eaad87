// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts: the handle namespace of one open of /dev/wsheap, and the
 * commands that act on a heap through a handle.  Arguments arrive already
 * copied in by the ioctl layer; nothing here touches user memory.
 */
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/sched.h>
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
	ctx->pid = task_tgid_nr(current);
	wsheap_debugfs_add_context(ctx);
	return ctx;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_create);

static void wsheap_context_release(struct kref *ref)
{
	struct wsheap_context *ctx = container_of(ref, struct wsheap_context,
						  ref);

	WARN_ON_ONCE(atomic64_read(&ctx->committed));
	wsheap_debugfs_del_context(ctx);
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
		wsheap_heap_user_put(heap);
		wsheap_heap_put(heap);
	}
	mutex_unlock(&ctx->lock);
	wsheap_context_put(ctx);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_close);

/**
 * wsheap_context_get_heap_access() - look a handle up, with its access
 * @ctx: the context
 * @handle: the handle
 * @rdonly: returns whether the handle is read-only
 *
 * Return: the heap, to be released with wsheap_heap_put(), or NULL.
 */
struct wsheap_heap *wsheap_context_get_heap_access(struct wsheap_context *ctx,
						   u32 handle, bool *rdonly)
{
	struct wsheap_heap *heap;

	xa_lock(&ctx->handles);
	heap = xa_load(&ctx->handles, handle);
	if (heap) {
		wsheap_heap_get(heap);
		*rdonly = xa_get_mark(&ctx->handles, handle,
				      WSHEAP_MARK_RDONLY);
	}
	xa_unlock(&ctx->handles);
	return heap;
}

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
	bool rdonly;

	return wsheap_context_get_heap_access(ctx, handle, &rdonly);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_get_heap);

/* A heap the caller may modify through @handle, or an ERR_PTR(). */
static struct wsheap_heap *wsheap_context_get_writable(struct wsheap_context *ctx,
						       u32 handle)
{
	struct wsheap_heap *heap;
	bool rdonly;

	heap = wsheap_context_get_heap_access(ctx, handle, &rdonly);
	if (!heap)
		return ERR_PTR(-ENOENT);
	if (rdonly) {
		wsheap_heap_put(heap);
		return ERR_PTR(-EPERM);
	}
	return heap;
}

/*
 * Handles are handed out cyclically, so a destroyed handle is not reused
 * until the space wraps.  xa_alloc_cyclic() would restart from the bottom
 * on any error, -ENOMEM included, and give back a handle just destroyed:
 * only a full range (-EBUSY) wraps here.
 */
static int wsheap_context_alloc_handle(struct wsheap_context *ctx,
				       struct wsheap_heap *heap, u32 *handle)
{
	u32 next = ctx->next_handle;
	int ret;

	if (next < 1 || next > WSHEAP_MAX_HANDLE)
		next = 1;
	lockdep_assert_held(&ctx->lock);
	ret = xa_alloc(&ctx->handles, handle, heap,
		       XA_LIMIT(next, WSHEAP_MAX_HANDLE), GFP_KERNEL_ACCOUNT);
	if (ret == -EBUSY && next > 1)
		ret = xa_alloc(&ctx->handles, handle, heap,
			       XA_LIMIT(1, next - 1), GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret == -EBUSY ? -EMFILE : ret;
	ctx->next_handle = *handle + 1;
	return 0;
}

/*
 * Give @heap (whose reference the caller passes on) a handle in @ctx.  On
 * failure the reference is dropped.
 */
static int wsheap_context_install(struct wsheap_context *ctx,
				  struct wsheap_heap *heap, bool rdonly,
				  u32 *handle)
{
	int ret;

	mutex_lock(&ctx->lock);
	if (ctx->nr_heaps >= READ_ONCE(wsheap_max_heaps_per_context)) {
		ret = -EMFILE;
		goto err_unlock;
	}
	ret = wsheap_context_alloc_handle(ctx, heap, handle);
	if (ret)
		goto err_unlock;
	if (rdonly)
		xa_set_mark(&ctx->handles, *handle, WSHEAP_MARK_RDONLY);
	wsheap_heap_user_get(heap);
	ctx->nr_heaps++;
	mutex_unlock(&ctx->lock);
	return 0;

err_unlock:
	mutex_unlock(&ctx->lock);
	wsheap_heap_put(heap);
	return ret;
}

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
	ret = wsheap_context_install(ctx, heap, false, &handle);
	if (ret)
		return ret;

	args->handle = handle;
	args->mmap_offset = (u64)handle << WSHEAP_SPAN_SHIFT;
	args->mmap_span = WSHEAP_SPAN;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_create);

/**
 * wsheap_cmd_alloc() - WSHEAP_IOC_ALLOC
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EPERM for a read-only handle, or a negative errno as
 * wsheap_heap_alloc() returns.
 */
int wsheap_cmd_alloc(struct wsheap_context *ctx, struct wsheap_alloc *args)
{
	struct wsheap_heap *heap;
	int ret;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_writable(ctx, args->handle);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
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
 * @uarg: where the caller's struct lies in user memory, or NULL
 * @len: its size
 *
 * Return: 0, -EINVAL, -ENOENT, -EPERM for a read-only handle, -EBUSY
 * while a kernel user has allocations pinned, or -EFAULT (nothing done)
 * when @uarg lies in a page of the heap that the reset would give back.
 */
int wsheap_cmd_reset(struct wsheap_context *ctx, struct wsheap_reset *args,
		     const void __user *uarg, size_t len)
{
	struct wsheap_heap *heap;
	long arg_page = -1;
	int ret;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_writable(ctx, args->handle);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	if (uarg)
		arg_page = wsheap_store_user_page(heap, uarg, len);
	ret = wsheap_heap_reset_keeping(heap, arg_page, &args->generation);
	wsheap_heap_put(heap);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_reset);

/**
 * wsheap_cmd_destroy() - WSHEAP_IOC_DESTROY
 * @ctx: the context
 * @args: the copied-in arguments
 *
 * Removes the handle.  If no other user (handle, exported descriptor or
 * kernel user) remains, gives back all of the heap's memory now, even if
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

	if (wsheap_heap_user_put(heap))
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

/**
 * wsheap_cmd_export() - WSHEAP_IOC_EXPORT
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EINVAL, -ENOENT, -EPERM to export a read-only handle for
 * writing, -EMFILE without a free descriptor, or -ENOMEM.
 */
int wsheap_cmd_export(struct wsheap_context *ctx, struct wsheap_export *args)
{
	struct wsheap_heap *heap;
	struct file *file;
	bool rdonly;
	int fd;

	if (args->flags & ~WSHEAP_EXPORT_FLAGS || args->pad ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_heap_access(ctx, args->handle, &rdonly);
	if (!heap)
		return -ENOENT;
	if (rdonly && !(args->flags & WSHEAP_EXPORT_RDONLY)) {
		wsheap_heap_put(heap);
		return -EPERM;
	}

	fd = get_unused_fd_flags(args->flags & WSHEAP_EXPORT_NO_CLOEXEC ?
				 0 : O_CLOEXEC);
	if (fd < 0) {
		wsheap_heap_put(heap);
		return fd;
	}
	file = wsheap_share_export(heap, args->flags & WSHEAP_EXPORT_RDONLY);
	wsheap_heap_put(heap);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	args->fd = fd;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_export);

/**
 * wsheap_cmd_import() - WSHEAP_IOC_IMPORT
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EINVAL (also for a descriptor that is not an exported heap),
 * -EBADF, or -EMFILE at max_heaps_per_context.
 */
int wsheap_cmd_import(struct wsheap_context *ctx, struct wsheap_import *args)
{
	struct wsheap_heap *heap;
	bool rdonly;
	u32 handle;
	int ret;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_share_fdget(args->fd, &rdonly);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	ret = wsheap_context_install(ctx, heap, rdonly, &handle);
	if (ret)
		return ret;
	args->handle = handle;
	args->access = rdonly ? WSHEAP_ACCESS_RDONLY : 0;
	args->mmap_offset = (u64)handle << WSHEAP_SPAN_SHIFT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_import);

/**
 * wsheap_cmd_export_dmabuf() - WSHEAP_IOC_EXPORT_DMABUF
 * @ctx: the context
 * @args: the copied-in arguments; results are written back into it
 *
 * Return: 0, -EINVAL for a bad range or flags, -ENOENT, -EPERM for a
 * read-only handle, -EMFILE without a free descriptor, or -ENOMEM.
 */
int wsheap_cmd_export_dmabuf(struct wsheap_context *ctx,
			     struct wsheap_export_dmabuf *args)
{
	struct wsheap_heap *heap;
	struct dma_buf *dmabuf;
	int fd;

	if (args->flags & ~WSHEAP_DMABUF_FLAGS || args->pad ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_get_writable(ctx, args->handle);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	dmabuf = wsheap_dmabuf_export(heap, args->offset, args->size,
				      args->flags & WSHEAP_DMABUF_RDONLY);
	wsheap_heap_put(heap);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = dma_buf_fd(dmabuf, args->flags & WSHEAP_DMABUF_NO_CLOEXEC ?
			0 : O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	args->fd = fd;
	return 0;
}
