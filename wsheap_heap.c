// SPDX-License-Identifier: GPL-2.0
/*
 * The heap object: a bump allocator over a page store, with a quota on the
 * bytes requested, a trim size kept across resets, and a commitment charged
 * to its creating context and to the module-wide total.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

#define CREATE_TRACE_POINTS
#include "wsheap_trace.h"

/* Bytes committed by every heap of every context. */
atomic64_t wsheap_committed_total = ATOMIC64_INIT(0);
EXPORT_SYMBOL_IF_KUNIT(wsheap_committed_total);

/**
 * wsheap_trim_pages() - pages a reset keeps for a trim size
 * @trim_size: bytes, any value
 *
 * Return: @trim_size rounded up to pages, without overflowing.
 */
u64 wsheap_trim_pages(u64 trim_size)
{
	return (trim_size >> PAGE_SHIFT) + !!(trim_size & ~PAGE_MASK);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_trim_pages);

/* Charge @pages of commitment, or fail with nothing charged. */
static int wsheap_charge(struct wsheap_heap *heap, u64 pages)
{
	struct wsheap_context *ctx = heap->owner;
	u64 bytes = pages << PAGE_SHIFT;

	if (atomic64_add_return(bytes, &ctx->committed) >
	    READ_ONCE(wsheap_max_bytes_per_context)) {
		atomic64_sub(bytes, &ctx->committed);
		return -EDQUOT;
	}
	if (atomic64_add_return(bytes, &wsheap_committed_total) >
	    READ_ONCE(wsheap_max_bytes_total)) {
		atomic64_sub(bytes, &wsheap_committed_total);
		atomic64_sub(bytes, &ctx->committed);
		return -ENOMEM;
	}
	return 0;
}

static void wsheap_uncharge(struct wsheap_heap *heap, u64 pages)
{
	u64 bytes = pages << PAGE_SHIFT;

	atomic64_sub(bytes, &heap->owner->committed);
	atomic64_sub(bytes, &wsheap_committed_total);
}

/**
 * wsheap_heap_create() - make a heap and the file that anchors it
 * @owner: the context charged for the heap's commitment
 * @max_size: quota on the sum of allocation sizes between resets
 * @trim_size: bytes a reset keeps committed
 * @flags: WSHEAP_CREATE_* flags, already validated
 *
 * Commits no memory.  The caller owns the one reference to the heap's file.
 *
 * Return: the heap, or an ERR_PTR().
 */
struct wsheap_heap *wsheap_heap_create(struct wsheap_context *owner,
				       u64 max_size, u64 trim_size, u32 flags)
{
	struct wsheap_heap *heap;
	struct file *file;

	heap = kzalloc(sizeof(*heap), GFP_KERNEL_ACCOUNT);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	heap->status = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!heap->status) {
		kfree(heap);
		return ERR_PTR(-ENOMEM);
	}

	init_rwsem(&heap->inval_sem);
	mutex_init(&heap->lock);
	xa_init(&heap->pages);
	atomic_long_set(&heap->resident, 0);
	atomic_set(&heap->users, 0);
	heap->max_size = max_size;
	heap->trim_size = trim_size;
	heap->flags = flags;

	file = wsheap_store_file(heap);
	if (IS_ERR(file)) {
		__free_page(heap->status);
		kfree(heap);
		return ERR_CAST(file);
	}
	heap->file = file;
	heap->mapping = file->f_mapping;
	/* Pages are charged to the creator even when another task faults. */
	heap->memcg = get_mem_cgroup_from_mm(current->mm);
	kref_get(&owner->ref);
	heap->owner = owner;
	heap->id = file_inode(file)->i_ino;
	heap->pid = task_tgid_nr(current);
	wsheap_debugfs_add_heap(heap);
	trace_wsheap_create(heap->id, max_size, trim_size, flags);
	return heap;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_create);

/**
 * wsheap_heap_get() - take a reference to a heap
 * @heap: the heap
 */
void wsheap_heap_get(struct wsheap_heap *heap)
{
	get_file(heap->file);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_get);

/**
 * wsheap_heap_put() - drop a reference to a heap
 * @heap: the heap; freed when its last reference goes
 */
void wsheap_heap_put(struct wsheap_heap *heap)
{
	fput(heap->file);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_put);

/**
 * wsheap_heap_user_get() - count a new user (handle, descriptor, driver)
 * @heap: the heap; the user holds a reference of its own to it
 */
void wsheap_heap_user_get(struct wsheap_heap *heap)
{
	atomic_inc(&heap->users);
}

/**
 * wsheap_heap_user_put() - uncount a user
 * @heap: the heap
 *
 * Return: true if that was the last user.
 */
bool wsheap_heap_user_put(struct wsheap_heap *heap)
{
	return atomic_dec_and_test(&heap->users);
}

/**
 * wsheap_heap_check_range() - is a range allocated in this generation?
 * @heap: the heap, with @heap->lock or @heap->inval_sem held
 * @offset: start of the range
 * @len: bytes
 *
 * Return: 0, -ENOENT if the heap is dead, -EINVAL outside [0, cursor).
 */
int wsheap_heap_check_range(struct wsheap_heap *heap, u64 offset, u64 len)
{
	u64 end;

	if (heap->dead)
		return -ENOENT;
	if (check_add_overflow(offset, len, &end) || end > heap->cursor)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_check_range);

/**
 * wsheap_heap_alloc() - carve a block from a heap
 * @heap: the heap
 * @size: bytes; 0 is allowed and uses no quota
 * @align: power of two up to WSHEAP_MAX_ALIGN, or 0 for the default
 * @offset: returns the block's offset in the heap
 * @generation: returns the generation the block belongs to
 *
 * A failed call changes nothing.
 *
 * Return: 0, -EINVAL for a bad alignment, -ENOENT if the heap was destroyed,
 * -ENOSPC over quota, -EOVERFLOW if the block's end overflows, -EFBIG beyond
 * WSHEAP_STATUS_OFFSET, -EDQUOT over the context's limit, -ENOMEM over the
 * total limit or out of memory.
 */
int wsheap_heap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		      u64 *offset, u64 *generation)
{
	u64 start, end, pages, old;
	int ret;

	if (!align)
		align = WSHEAP_DEFAULT_ALIGN;
	if (!is_power_of_2(align) || align > WSHEAP_MAX_ALIGN)
		return -EINVAL;

	mutex_lock(&heap->lock);
	ret = -ENOENT;
	if (heap->dead)
		goto out;
	/* requested <= max_size always holds, so this cannot wrap. */
	ret = -ENOSPC;
	if (size > heap->max_size - heap->requested)
		goto out;
	ret = -EOVERFLOW;
	if (check_add_overflow(heap->cursor, align - 1, &start))
		goto out;
	start &= ~(align - 1);
	if (check_add_overflow(start, size, &end))
		goto out;
	ret = -EFBIG;
	if (end > WSHEAP_STATUS_OFFSET)
		goto out;

	old = heap->committed_pages;
	pages = wsheap_trim_pages(end);
	if (pages > old) {
		ret = wsheap_charge(heap, pages - old);
		if (ret)
			goto out;
		if (heap->flags & WSHEAP_CREATE_POPULATE) {
			ret = wsheap_store_populate(heap, old, pages);
			if (ret) {
				wsheap_uncharge(heap, pages - old);
				goto out;
			}
		}
		/* Faults read this without the lock: publish it last. */
		smp_store_release(&heap->committed_pages, pages);
		wsheap_store_update_status(heap);
	}
	heap->cursor = end;
	heap->requested += size;
	*offset = start;
	*generation = heap->generation;
	trace_wsheap_alloc(heap->id, size, align, start,
			   heap->committed_pages << PAGE_SHIFT);
	ret = 0;
out:
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_alloc);

/**
 * wsheap_heap_reset_keeping() - reset a heap unless it gives back a page
 * @heap: the heap
 * @keep_page: a page index the reset must keep, or -1
 * @generation: returns the generation after the reset
 *
 * As wsheap_heap_reset(), but fails without acting if @keep_page is a page
 * the reset would give back: RESET's argument may lie in the arena, and the
 * result could not be written back into a page that is gone.
 *
 * Return: as wsheap_heap_reset(), or -EFAULT for @keep_page.
 */
int wsheap_heap_reset_keeping(struct wsheap_heap *heap, long keep_page,
			      u64 *generation)
{
	u64 keep, old;
	int ret = 0;

	down_write(&heap->inval_sem);
	mutex_lock(&heap->lock);
	if (heap->dead) {
		ret = -ENOENT;
		goto out;
	}
	if (heap->pins) {
		ret = -EBUSY;
		goto out;
	}
	old = heap->committed_pages;
	keep = min(wsheap_trim_pages(heap->trim_size), old);
	if (keep_page >= 0 && keep_page >= keep) {
		ret = -EFAULT;
		goto out;
	}
	/*
	 * Publish the new state (generation, committed size) before a kept
	 * page is zeroed or a page is given back: a lock-free reader that
	 * sees the old generation again after reading the arena (a
	 * seqlock-style re-check) then knows that what it read was not yet
	 * wiped.  Faults wait on inval_sem, so none sees the new size early.
	 */
	*generation = ++heap->generation;
	heap->cursor = 0;
	heap->requested = 0;
	WRITE_ONCE(heap->committed_pages, keep);
	heap->resetting = true;
	wsheap_store_update_status(heap);
	/* Pairs with readers' fence between the data and the re-check. */
	smp_wmb();
	/*
	 * No page exists, and no mapping reaches a page, at or beyond the
	 * old committed size: when everything is kept there is nothing to
	 * zap or free, and walking the mappings' page tables would be the
	 * cost.
	 */
	if (keep < old)
		wsheap_store_release(heap, keep);
	if (heap->flags & WSHEAP_CREATE_ZERO_ON_RESET)
		wsheap_store_zero(heap, keep);
	wsheap_uncharge(heap, old - keep);
	trace_wsheap_reset(heap->id, heap->generation, keep << PAGE_SHIFT,
			   (old - keep) << PAGE_SHIFT);
	heap->resetting = false;
	wsheap_store_update_status(heap);
out:
	mutex_unlock(&heap->lock);
	up_write(&heap->inval_sem);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_reset_keeping);

/**
 * wsheap_heap_reset() - release every allocation of a heap at once
 * @heap: the heap
 * @generation: returns the generation after the reset
 *
 * Keeps at most trim_size bytes (page rounded) committed.  Every page beyond
 * is unmapped from every process before it is freed.  Takes time in the
 * number of pages given back, never in the number of allocations.
 *
 * Return: 0, -ENOENT if the heap was destroyed, or -EBUSY while a kernel
 * user has allocations pinned.
 */
int wsheap_heap_reset(struct wsheap_heap *heap, u64 *generation)
{
	return wsheap_heap_reset_keeping(heap, -1, generation);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_reset);

/**
 * wsheap_heap_kill() - give back all of a heap's memory for good
 * @heap: the heap
 *
 * Unmaps and frees every page; later faults raise SIGBUS and later
 * operations fail with -ENOENT.  The heap itself lives until its last
 * reference goes.
 */
void wsheap_heap_kill(struct wsheap_heap *heap)
{
	down_write(&heap->inval_sem);
	mutex_lock(&heap->lock);
	if (!heap->dead) {
		heap->dead = true;
		trace_wsheap_destroy(heap->id,
				     heap->committed_pages << PAGE_SHIFT);
		wsheap_store_release(heap, 0);
		wsheap_uncharge(heap, heap->committed_pages);
		WRITE_ONCE(heap->committed_pages, 0);
		wsheap_store_update_status(heap);
	}
	mutex_unlock(&heap->lock);
	up_write(&heap->inval_sem);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_kill);

/**
 * wsheap_heap_info() - snapshot a heap's sizes and counters
 * @heap: the heap
 * @info: filled in, except @info->handle
 */
void wsheap_heap_info(struct wsheap_heap *heap, struct wsheap_info *info)
{
	mutex_lock(&heap->lock);
	info->flags = heap->flags;
	info->max_size = heap->max_size;
	info->trim_size = heap->trim_size;
	info->requested = heap->requested;
	info->committed = heap->committed_pages << PAGE_SHIFT;
	info->resident = (u64)atomic_long_read(&heap->resident) << PAGE_SHIFT;
	info->cursor = heap->cursor;
	info->generation = heap->generation;
	mutex_unlock(&heap->lock);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_info);

/**
 * wsheap_heap_free() - free a heap whose last reference is gone
 * @heap: the heap; no mapping of it can exist any more
 *
 * Called from the heap file's ->release().
 */
void wsheap_heap_free(struct wsheap_heap *heap)
{
	struct wsheap_context *owner = heap->owner;

	wsheap_heap_kill(heap);
	wsheap_debugfs_del_heap(heap);
	xa_destroy(&heap->pages);
	mem_cgroup_put(heap->memcg);
	__free_page(heap->status);
	mutex_destroy(&heap->lock);
	kfree(heap);
	wsheap_context_put(owner);
}
