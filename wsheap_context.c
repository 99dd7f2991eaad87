// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts: the handle namespace of one open of /dev/wsheap, and the
 * commands that act on a heap through a handle.  Arguments arrive already
 * copied in by the ioctl layer; nothing here touches user memory.
 *
 * A handle's rights are part of its entry (a tagged pointer), so a handle
 * is never visible without them.  Handles and descriptors a command makes
 * are reserved first and published by wsheap_cmd_commit() only after the
 * result has reached user space.  A context opened without write access
 * hands out nothing writable: its mappings, exports and dma-bufs.
 */
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

/**
 * wsheap_context_create() - make an empty context
 * @rdonly: the device was opened without write access
 *
 * Context: process context; may sleep.
 * Return: the context with one reference, or NULL when out of memory.
 */
struct wsheap_context *wsheap_context_create(bool rdonly)
{
	struct wsheap_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	ctx->account = wsheap_account_alloc();
	if (!ctx->account) {
		kfree(ctx);
		return NULL;
	}
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->handles, XA_FLAGS_ALLOC1);
	ctx->rdonly = rdonly;
	ctx->pid = task_tgid_nr(current);
	wsheap_registry_add_context(ctx);
	return ctx;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_create);

static void wsheap_context_release(struct kref *ref)
{
	struct wsheap_context *ctx = container_of(ref, struct wsheap_context,
						  ref);

	wsheap_registry_del_context(ctx);
	wsheap_account_put(ctx->account);
	xa_destroy(&ctx->handles);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

/**
 * wsheap_context_get() - take a reference to a context
 * @ctx: the context
 *
 * Context: any.
 */
void wsheap_context_get(struct wsheap_context *ctx)
{
	kref_get(&ctx->ref);
}

/**
 * wsheap_context_put() - drop a reference to a context
 * @ctx: the context; freed with its last reference
 *
 * Context: process context.
 */
void wsheap_context_put(struct wsheap_context *ctx)
{
	kref_put(&ctx->ref, wsheap_context_release);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_put);

static struct wsheap_heap *wsheap_entry_heap(void *entry, bool *rdonly)
{
	*rdonly = xa_pointer_tag(entry) == WSHEAP_HANDLE_RDONLY;
	return xa_untag_pointer(entry);
}

/**
 * wsheap_context_close() - drop every handle and the opener's reference
 * @ctx: the context; no command can be running on it
 *
 * Heaps that are still held elsewhere (mapped, exported) live on.
 *
 * Context: process context (the device file's ->release()).
 */
void wsheap_context_close(struct wsheap_context *ctx)
{
	unsigned long handle;
	struct wsheap_heap *heap;
	bool rdonly;
	void *entry;

	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->handles, handle, entry) {
		xa_erase(&ctx->handles, handle);
		ctx->nr_heaps--;
		heap = wsheap_entry_heap(entry, &rdonly);
		wsheap_heap_user_put(heap);
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
 * @rdonly: returns whether the handle is read-only
 *
 * Context: any; takes the handle table's spinlock.
 * Return: the heap, to be released with wsheap_heap_put(), or NULL.
 */
struct wsheap_heap *wsheap_context_get_heap(struct wsheap_context *ctx,
					    u32 handle, bool *rdonly)
{
	struct wsheap_heap *heap = NULL;
	void *entry;

	xa_lock(&ctx->handles);
	entry = xa_load(&ctx->handles, handle);
	if (entry) {
		heap = wsheap_entry_heap(entry, rdonly);
		wsheap_heap_get(heap);
	}
	xa_unlock(&ctx->handles);
	return heap;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_context_get_heap);

/*
 * The heap behind @handle, for a command that changes it (@write) or hands
 * out something writable (@handout): -ENOENT without it, -EPERM if the
 * handle, or for @handout the context, is read-only.
 */
static struct wsheap_heap *wsheap_context_heap_for(struct wsheap_context *ctx,
						   u32 handle, bool write,
						   bool handout)
{
	struct wsheap_heap *heap;
	bool rdonly;

	heap = wsheap_context_get_heap(ctx, handle, &rdonly);
	if (!heap)
		return ERR_PTR(-ENOENT);
	if ((write && rdonly) || (handout && (rdonly || ctx->rdonly))) {
		wsheap_heap_put(heap);
		return ERR_PTR(-EPERM);
	}
	return heap;
}

/*
 * Reserve a handle: handles are handed out cyclically, so a destroyed one
 * is not reused until the space wraps.  xa_alloc_cyclic() would restart from
 * the bottom on any error, -ENOMEM included, and give back a handle just
 * destroyed: only a full range (-EBUSY) wraps here.  The entry stays NULL
 * (invisible to lookups) until wsheap_cmd_commit().
 */
static int wsheap_context_reserve(struct wsheap_context *ctx, u32 *handle)
{
	u32 next;
	int ret;

	mutex_lock(&ctx->lock);
	ret = -EMFILE;
	if (ctx->nr_heaps >= READ_ONCE(wsheap_max_heaps_per_context))
		goto out;
	next = ctx->next_handle;
	if (next < 1 || next > WSHEAP_MAX_HANDLE)
		next = 1;
	ret = xa_alloc(&ctx->handles, handle, NULL,
		       XA_LIMIT(next, WSHEAP_MAX_HANDLE), GFP_KERNEL_ACCOUNT);
	if (ret == -EBUSY && next > 1)
		ret = xa_alloc(&ctx->handles, handle, NULL,
			       XA_LIMIT(1, next - 1), GFP_KERNEL_ACCOUNT);
	if (ret == -EBUSY)
		ret = -EMFILE;
	if (!ret) {
		ctx->next_handle = *handle + 1;
		ctx->nr_heaps++;
	}
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

/**
 * wsheap_cmd_commit() - publish what a command made, now the caller knows
 * @ctx: the context the command ran in
 * @cmd: the command; its descriptor is installed, its handle published
 *
 * Context: process context, after the result was copied to user space.
 */
void wsheap_cmd_commit(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	void *entry;

	if (cmd->file) {
		fd_install(cmd->fd, cmd->file);
		cmd->file = NULL;
	}
	if (cmd->heap) {
		/* Count the user first: a DESTROY may follow at once. */
		wsheap_heap_user_get(cmd->heap);
		entry = xa_tag_pointer(cmd->heap,
				       cmd->rdonly ? WSHEAP_HANDLE_RDONLY : 0);
		/* A reserved slot needs no memory. */
		xa_store(&ctx->handles, cmd->handle, entry, GFP_KERNEL);
		cmd->heap = NULL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_commit);

/**
 * wsheap_cmd_abort() - undo what a command reserved
 * @ctx: the context the command ran in
 * @cmd: the command, whose result could not reach user space
 *
 * Nothing is left behind: the descriptor number is freed with its file,
 * the handle with the heap reference it would have held.
 *
 * Context: process context.
 */
void wsheap_cmd_abort(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	if (cmd->file) {
		put_unused_fd(cmd->fd);
		fput(cmd->file);
		cmd->file = NULL;
	}
	if (cmd->heap) {
		mutex_lock(&ctx->lock);
		xa_release(&ctx->handles, cmd->handle);
		ctx->nr_heaps--;
		mutex_unlock(&ctx->lock);
		wsheap_heap_put(cmd->heap);
		cmd->heap = NULL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_abort);

/* Give @heap (whose reference the caller passes on) a reserved handle. */
static int wsheap_cmd_new_handle(struct wsheap_context *ctx,
				 struct wsheap_cmd *cmd,
				 struct wsheap_heap *heap, bool rdonly,
				 u32 *handle, u64 *mmap_offset)
{
	int ret;

	ret = wsheap_context_reserve(ctx, handle);
	if (ret) {
		wsheap_heap_put(heap);
		return ret;
	}
	*mmap_offset = (u64)*handle << WSHEAP_SPAN_SHIFT;
	cmd->heap = heap;
	cmd->handle = *handle;
	cmd->rdonly = rdonly;
	return 0;
}

static bool wsheap_reserved_zero(const __u64 *reserved, size_t n)
{
	return !memchr_inv(reserved, 0, n * sizeof(*reserved));
}

/*
 * The heap a command that takes no flags acts on: -EINVAL for flags or
 * reserved words, else as wsheap_context_heap_for().
 */
static struct wsheap_heap *wsheap_cmd_heap(struct wsheap_context *ctx,
					   u32 handle, u32 flags,
					   const __u64 *reserved, size_t n)
{
	if (flags || !wsheap_reserved_zero(reserved, n))
		return ERR_PTR(-EINVAL);
	return wsheap_context_heap_for(ctx, handle, true, false);
}

/**
 * wsheap_cmd_create() - WSHEAP_IOC_CREATE
 * @ctx: the context
 * @cmd: the copied-in arguments; results are written back into it
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL, -EMFILE at max_heaps_per_context, or -ENOMEM.
 */
int wsheap_cmd_create(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_create *args = &cmd->args.create;
	struct wsheap_heap *heap;

	if (args->flags & ~WSHEAP_CREATE_FLAGS ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_file_create_heap(ctx, args->max_size, args->trim_size,
				       args->flags);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	args->mmap_span = WSHEAP_SPAN;
	return wsheap_cmd_new_handle(ctx, cmd, heap, false, &args->handle,
				     &args->mmap_offset);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_create);

/**
 * wsheap_cmd_alloc() - WSHEAP_IOC_ALLOC
 * @ctx: the context
 * @cmd: the copied-in arguments; results are written back into it
 *
 * Context: process context; may sleep.
 * Return: 0, -EPERM for a read-only handle, or a negative errno as
 * wsheap_heap_alloc() returns.
 */
int wsheap_cmd_alloc(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_alloc *args = &cmd->args.alloc;
	struct wsheap_heap *heap;
	int ret;

	heap = wsheap_cmd_heap(ctx, args->handle, args->flags, args->reserved,
			       ARRAY_SIZE(args->reserved));
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	ret = wsheap_heap_alloc(heap, args->size, args->align, &args->offset,
				&args->generation);
	wsheap_heap_put(heap);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_alloc);

/**
 * wsheap_cmd_reset() - WSHEAP_IOC_RESET (and WSHEAP_IOC_RESET_V0)
 * @ctx: the context
 * @cmd: the copied-in arguments; the new generation is written back into
 *	them (which only RESET_V0 copies out)
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL, -ENOENT, -EPERM for a read-only handle, or -EBUSY
 * while a kernel user has allocations pinned.
 */
int wsheap_cmd_reset(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_reset *args = &cmd->args.reset;
	struct wsheap_heap *heap;
	int ret;

	heap = wsheap_cmd_heap(ctx, args->handle, args->flags, args->reserved,
			       ARRAY_SIZE(args->reserved));
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	ret = wsheap_heap_reset(heap, &args->generation);
	wsheap_heap_put(heap);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_reset);

/**
 * wsheap_cmd_destroy() - WSHEAP_IOC_DESTROY
 * @ctx: the context
 * @cmd: the copied-in arguments
 *
 * Removes the handle.  If no other user (handle, exported descriptor or
 * kernel user) remains, gives back all of the heap's memory now, even if
 * mappings of it remain (they raise SIGBUS from then on).
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL or -ENOENT.
 */
int wsheap_cmd_destroy(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_destroy *args = &cmd->args.destroy;
	struct wsheap_heap *heap;
	bool rdonly;
	void *entry;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	/* A reserved handle is not there yet: xa_load() sees NULL. */
	entry = args->handle ? xa_load(&ctx->handles, args->handle) : NULL;
	if (entry) {
		xa_erase(&ctx->handles, args->handle);
		ctx->nr_heaps--;
	}
	mutex_unlock(&ctx->lock);
	if (!entry)
		return -ENOENT;

	heap = wsheap_entry_heap(entry, &rdonly);
	if (wsheap_heap_user_put(heap))
		wsheap_heap_kill(heap);
	wsheap_heap_put(heap);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_destroy);

/**
 * wsheap_cmd_info() - WSHEAP_IOC_INFO
 * @ctx: the context
 * @cmd: the copied-in arguments; results are written back into it
 *
 * Context: process context.
 * Return: 0, -EINVAL or -ENOENT.
 */
int wsheap_cmd_info(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_info *args = &cmd->args.info;
	struct wsheap_heap *heap;
	bool rdonly;

	if (args->reserved)
		return -EINVAL;
	heap = wsheap_context_get_heap(ctx, args->handle, &rdonly);
	if (!heap)
		return -ENOENT;
	wsheap_heap_info(heap, args);
	wsheap_heap_put(heap);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_info);

/**
 * wsheap_cmd_version() - WSHEAP_IOC_VERSION
 * @ctx: the context
 * @cmd: the results are written into it
 *
 * Context: any.
 * Return: 0.
 */
int wsheap_cmd_version(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_version *ver = &cmd->args.version;

	ver->abi = WSHEAP_ABI_VERSION;
	ver->page_size = PAGE_SIZE;
	ver->create_flags = WSHEAP_CREATE_FLAGS;
	ver->span = WSHEAP_SPAN;
	return 0;
}

/**
 * wsheap_cmd_export() - WSHEAP_IOC_EXPORT
 * @ctx: the context
 * @cmd: the copied-in arguments; results are written back into it
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL, -ENOENT, -EPERM to export for writing through a
 * read-only handle or context, -EMFILE without a free descriptor, or
 * -ENOMEM.
 */
int wsheap_cmd_export(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_export *args = &cmd->args.export;
	bool rdonly = args->flags & WSHEAP_EXPORT_RDONLY;
	struct wsheap_heap *heap;
	struct file *file;
	int fd;

	if (args->flags & ~WSHEAP_EXPORT_FLAGS || args->pad ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_heap_for(ctx, args->handle, false, !rdonly);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	fd = get_unused_fd_flags(args->flags & WSHEAP_EXPORT_NO_CLOEXEC ?
				 0 : O_CLOEXEC);
	if (fd < 0) {
		wsheap_heap_put(heap);
		return fd;
	}
	file = wsheap_file_export(heap, rdonly);
	wsheap_heap_put(heap);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	args->fd = fd;
	cmd->file = file;
	cmd->fd = fd;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_export);

/**
 * wsheap_cmd_import() - WSHEAP_IOC_IMPORT
 * @ctx: the context
 * @cmd: the copied-in arguments; results are written back into it
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL (also for a descriptor that is not an exported heap),
 * -EBADF, or -EMFILE at max_heaps_per_context.
 */
int wsheap_cmd_import(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_import *args = &cmd->args.import;
	struct wsheap_heap *heap;
	bool rdonly;

	if (args->flags ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_file_fdget(args->fd, &rdonly);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	args->access = rdonly ? WSHEAP_ACCESS_RDONLY : 0;
	return wsheap_cmd_new_handle(ctx, cmd, heap, rdonly, &args->handle,
				     &args->mmap_offset);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_import);

/**
 * wsheap_cmd_export_dmabuf() - WSHEAP_IOC_EXPORT_DMABUF
 * @ctx: the context
 * @cmd: the copied-in arguments; results are written back into it
 *
 * Even a read-only dma-buf can be written by a device it is attached to,
 * so only a writable handle in a writable context may export one.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a bad range or flags, -ENOENT, -EPERM for a
 * read-only handle or context, -EMFILE without a free descriptor,
 * -EDQUOT or -ENOMEM over a limit or out of memory.
 */
int wsheap_cmd_export_dmabuf(struct wsheap_context *ctx,
			     struct wsheap_cmd *cmd)
{
	struct wsheap_export_dmabuf *args = &cmd->args.export_dmabuf;
	struct wsheap_heap *heap;
	struct dma_buf *dmabuf;
	int fd;

	if (args->flags & ~WSHEAP_DMABUF_FLAGS || args->pad ||
	    !wsheap_reserved_zero(args->reserved, ARRAY_SIZE(args->reserved)))
		return -EINVAL;
	heap = wsheap_context_heap_for(ctx, args->handle, true, true);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	dmabuf = wsheap_dmabuf_export(heap, NULL, args->offset, args->size,
				      args->flags & WSHEAP_DMABUF_RDONLY);
	wsheap_heap_put(heap);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = get_unused_fd_flags(args->flags & WSHEAP_DMABUF_NO_CLOEXEC ?
				 0 : O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	args->fd = fd;
	cmd->file = dmabuf->file;
	cmd->fd = fd;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_export_dmabuf);

/**
 * wsheap_cmd_set_address() - WSHEAP_IOC_SET_ADDRESS
 * @ctx: the context
 * @cmd: the copied-in arguments
 *
 * Context: process context.
 * Return: 0, -EINVAL (flags, reserved, an unaligned address), -ENOENT, or
 * -EPERM for a read-only handle.
 */
int wsheap_cmd_set_address(struct wsheap_context *ctx, struct wsheap_cmd *cmd)
{
	struct wsheap_set_address *args = &cmd->args.set_address;
	struct wsheap_heap *heap;

	if (!PAGE_ALIGNED(args->address))
		return -EINVAL;
	heap = wsheap_cmd_heap(ctx, args->handle, args->flags, args->reserved,
			       ARRAY_SIZE(args->reserved));
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	wsheap_heap_set_address(heap, args->address);
	wsheap_heap_put(heap);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_cmd_set_address);
