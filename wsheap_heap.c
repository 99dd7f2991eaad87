// SPDX-License-Identifier: GPL-2.0
/*
 * The heap object: a bump allocator over a page store, with a quota on the
 * bytes requested, a trim size kept across resets, pins that hold resets
 * off, the dma-buf ranges of the current generation, and the contents of
 * the status page.  A heap's commitment is charged to its creator's account.
 *
 * A generation is a capability: every allocation belongs to the generation
 * it was made in, and kernel accesses name it (wsheap_heap_check()).  A
 * reset ends the generation; the pages it keeps are reused by the next one,
 * so it first takes from the heap every page that outlives the generation
 * elsewhere: those of its dma-bufs and those a long-term pin holds.
 */
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

#define CREATE_TRACE_POINTS
#include "wsheap_trace.h"

/* The status page (wsheap_store.c) publishes what changes under the lock. */
static void wsheap_status_write(struct wsheap_heap *heap, bool resetting)
{
	heap->resetting = resetting;
	wsheap_store_status_write(heap);
}

/* The sequence counter: odd while a reset or destroy runs. */
static void wsheap_status_begin(struct wsheap_heap *heap)
{
	heap->sequence++;
	wsheap_store_status_sequence(heap);
}

static void wsheap_status_end(struct wsheap_heap *heap)
{
	heap->sequence++;
	wsheap_store_status_sequence(heap);
}

/**
 * wsheap_heap_create() - make a heap over a new page store
 * @owner: the context whose account is charged for the heap's memory
 * @mapping: the page store, set up with wsheap_store_setup()
 * @max_size: quota on the sum of allocation sizes between resets
 * @trim_size: bytes a reset keeps committed
 * @flags: WSHEAP_CREATE_* flags, already validated
 *
 * Commits no memory: the status page comes with its first mapping.  The
 * caller makes the anchor file
 * and sets @file.
 *
 * Context: process context; may sleep.
 * Return: the heap, or an ERR_PTR().
 */
struct wsheap_heap *wsheap_heap_create(struct wsheap_context *owner,
				       struct address_space *mapping,
				       u64 max_size, u64 trim_size, u32 flags)
{
	struct wsheap_heap *heap;

	heap = kzalloc(sizeof(*heap), GFP_KERNEL_ACCOUNT);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	/* Pages are charged to the creator even when another task faults. */
	heap->memcg = get_mem_cgroup_from_mm(current->mm);
	heap->mapping = mapping;
	mutex_init(&heap->lock);
	INIT_LIST_HEAD(&heap->exports);
	atomic_long_set(&heap->held, 0);
	atomic_set(&heap->users, 0);
	heap->max_size = max_size;
	heap->trim_size = trim_size;
	heap->flags = flags;
	wsheap_account_get(owner->account);
	heap->account = owner->account;
	heap->owner_id = owner->id;
	heap->id = mapping->host->i_ino;
	heap->pid = task_tgid_nr(current);
	if (wsheap_reclaim_track(heap)) {
		wsheap_account_put(heap->account);
		mem_cgroup_put(heap->memcg);
		kfree(heap);
		return ERR_PTR(-ENOMEM);
	}
	wsheap_registry_add_heap(heap);
	trace_wsheap_create(heap->id, max_size, trim_size, flags);
	return heap;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_create);

/**
 * wsheap_heap_check() - is a range allocated in a generation?
 * @heap: the heap, with @heap->lock or the invalidate lock held
 * @generation: the generation the range was allocated in
 * @offset: start of the range
 * @len: bytes
 *
 * Context: any, with the locks above.
 * Return: 0, -ENOENT if the heap is dead, -ESTALE if a reset ended
 * @generation, -EINVAL outside what the generation allocated.
 */
int wsheap_heap_check(struct wsheap_heap *heap, u64 generation, u64 offset,
		      u64 len)
{
	u64 end;

	if (heap->dead)
		return -ENOENT;
	if (generation != heap->generation)
		return -ESTALE;
	if (check_add_overflow(offset, len, &end) ||
	    end > wsheap_heap_cursor(heap))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_check);

/* Set the bump state under @heap->lock, against lock-free allocations. */
static void wsheap_bump_set(struct wsheap_heap *heap, struct wsheap_pair new)
{
	struct wsheap_pair v = heap->bump;

	lockdep_assert_held(&heap->lock);
	if (!wsheap_have_cmpxchg_pair()) {
		heap->bump = new;
		return;
	}
	while (!wsheap_cmpxchg_pair(&heap->bump, &v, new))
		;
}

/*
 * Place a block in the bump state @v: -ENOSPC over quota, -EOVERFLOW,
 * -EFBIG beyond the data area.  @align is a valid power of two.
 */
static int wsheap_bump_place(struct wsheap_heap *heap, struct wsheap_pair v,
			     u64 size, u64 align, u64 *start, u64 *end)
{
	/* requested <= max_size always holds, so this cannot wrap. */
	if (size > heap->max_size - wsheap_bump_requested(v))
		return -ENOSPC;
	if (check_add_overflow(wsheap_bump_cursor(v), align - 1, start))
		return -EOVERFLOW;
	*start &= ~(align - 1);
	if (check_add_overflow(*start, size, end))
		return -EOVERFLOW;
	if (*end > WSHEAP_STATUS_OFFSET)
		return -EFBIG;
	return 0;
}

/*
 * The lock-free path: a block that fits in the committed pages is placed
 * with one cmpxchg of {cursor, requested, generation}.  A reset changes
 * that word last (under the lock), so a racing placement either lands in
 * the generation that ends or fails and retries in the new one; a destroy
 * sets dead.  Committing pages needs the lock.
 * Return: true if it placed the block.
 */
static bool wsheap_heap_alloc_fast(struct wsheap_heap *heap, u64 size,
				   u64 align, u64 *offset, u64 *generation)
{
	struct wsheap_pair v, new;
	u64 start, end;

	if (!wsheap_have_cmpxchg_pair() || READ_ONCE(heap->dead))
		return false;
	v.lo = READ_ONCE(heap->bump.lo);
	v.hi = READ_ONCE(heap->bump.hi);
	/* The state before the committed size it is checked against. */
	smp_rmb();
	do {
		if (wsheap_bump_place(heap, v, size, align, &start, &end))
			return false;
		/* Pairs with the release that publishes committed pages. */
		if (end > smp_load_acquire(&heap->committed_pages) << PAGE_SHIFT)
			return false;
		new = wsheap_bump_pack(end, wsheap_bump_requested(v) + size,
				       wsheap_bump_generation(v));
	} while (!wsheap_cmpxchg_pair(&heap->bump, &v, new));
	*offset = start;
	*generation = wsheap_bump_generation(v);
	return true;
}

static int wsheap_heap_alloc_locked(struct wsheap_heap *heap, u64 size,
				    u64 align, u64 *offset, u64 *generation)
{
	struct wsheap_pair v;
	u64 start, end, pages, old;
	int ret;

	lockdep_assert_held(&heap->lock);
	if (heap->dead)
		return -ENOENT;
	v = wsheap_bump_read(heap);
retry:
	ret = wsheap_bump_place(heap, v, size, align, &start, &end);
	if (ret)
		return ret;

	old = heap->committed_pages;
	pages = wsheap_trim_pages(end);
	if (pages > old) {
		ret = wsheap_limits_charge(heap->account, pages - old);
		if (ret)
			return ret;
		if (heap->flags & WSHEAP_CREATE_CONTIG)
			ret = wsheap_store_populate_contig(heap, old, pages);
		else if (heap->flags & WSHEAP_CREATE_POPULATE)
			ret = wsheap_store_populate(heap, old, pages);
		if (ret) {
			wsheap_limits_uncharge(heap->account, pages - old);
			return ret;
		}
		/* Faults read this without the lock: publish it last. */
		smp_store_release(&heap->committed_pages, pages);
		wsheap_status_write(heap, false);
	}
	/* Lock-free placements may have moved the cursor meanwhile. */
	if (wsheap_have_cmpxchg_pair() &&
	    !wsheap_cmpxchg_pair(&heap->bump, &v,
				 wsheap_bump_pack(end, wsheap_bump_requested(v) +
						  size, heap->generation)))
		goto retry;
	if (!wsheap_have_cmpxchg_pair())
		heap->bump = wsheap_bump_pack(end, wsheap_bump_requested(v) +
					      size, heap->generation);
	*offset = start;
	*generation = heap->generation;
	trace_wsheap_alloc(heap->id, size, align, start,
			   heap->committed_pages << PAGE_SHIFT);
	return 0;
}

/* 0 means the default alignment; others must be powers of two, bounded. */
static int wsheap_heap_check_align(u64 *align)
{
	if (!*align)
		*align = WSHEAP_DEFAULT_ALIGN;
	if (!is_power_of_2(*align) || *align > WSHEAP_MAX_ALIGN)
		return -EINVAL;
	return 0;
}

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
 * Context: process context; takes @heap->lock, may sleep.
 * Return: 0, -EINVAL for a bad alignment, -ENOENT if the heap was destroyed,
 * -ENOSPC over quota, -EOVERFLOW if the block's end overflows, -EFBIG beyond
 * WSHEAP_STATUS_OFFSET, -EDQUOT over the context's limit, -ENOMEM over the
 * total limit or out of memory, -EINTR on a fatal signal while populating.
 */
int wsheap_heap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		      u64 *offset, u64 *generation)
{
	int ret = wsheap_heap_check_align(&align);

	if (ret)
		return ret;
	if (wsheap_heap_alloc_fast(heap, size, align, offset, generation)) {
		trace_wsheap_alloc(heap->id, size, align, *offset,
				   READ_ONCE(heap->committed_pages) << PAGE_SHIFT);
		return 0;
	}
	mutex_lock(&heap->lock);
	ret = wsheap_heap_alloc_locked(heap, size, align, offset, generation);
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_alloc);

/**
 * wsheap_heap_alloc_pinned() - carve a block and pin it, atomically
 * @heap: the heap
 * @size: as for wsheap_heap_alloc()
 * @align: as for wsheap_heap_alloc()
 * @offset: returns the block's offset in the heap
 * @generation: returns the generation the block belongs to
 *
 * No reset can come between the allocation and the pin.
 *
 * Context: process context; takes @heap->lock, may sleep.
 * Return: as wsheap_heap_alloc().
 */
int wsheap_heap_alloc_pinned(struct wsheap_heap *heap, u64 size, u64 align,
			     u64 *offset, u64 *generation)
{
	int ret = wsheap_heap_check_align(&align);

	if (ret)
		return ret;
	/* Under the lock: no reset may come between the block and its pin. */
	mutex_lock(&heap->lock);
	ret = wsheap_heap_alloc_locked(heap, size, align, offset, generation);
	if (!ret)
		heap->pins++;
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_alloc_pinned);

/**
 * wsheap_heap_pin() - hold resets off while a range is in use
 * @heap: the heap
 * @generation: the generation the range was allocated in
 * @offset: start of the range
 * @len: bytes
 *
 * Pins nest: each is undone by one wsheap_heap_unpin().
 *
 * Context: process context; takes @heap->lock.
 * Return: as wsheap_heap_check().
 */
int wsheap_heap_pin(struct wsheap_heap *heap, u64 generation, u64 offset,
		    u64 len)
{
	int ret;

	mutex_lock(&heap->lock);
	ret = wsheap_heap_check(heap, generation, offset, len);
	if (!ret)
		heap->pins++;
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_pin);

/**
 * wsheap_heap_unpin() - undo one pin
 * @heap: the heap
 *
 * Context: process context; takes @heap->lock.
 */
void wsheap_heap_unpin(struct wsheap_heap *heap)
{
	mutex_lock(&heap->lock);
	if (!WARN_ON_ONCE(!heap->pins))
		heap->pins--;
	mutex_unlock(&heap->lock);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_unpin);

/**
 * wsheap_heap_add_range() - record that a dma-buf holds a range's pages
 * @heap: the heap, with the invalidate lock held shared
 * @generation: the generation the range must belong to, or NULL for the
 *	current one
 * @range: the range, which must lie within the committed pages
 *
 * The next reset or destroy gives the range's pages up to the dma-buf.
 *
 * Context: process context; takes @heap->lock.
 * Return: 0, -ENOENT if the heap is dead, -ESTALE for an ended
 * generation, -EINVAL beyond the committed pages.
 */
int wsheap_heap_add_range(struct wsheap_heap *heap, const u64 *generation,
			  struct wsheap_range *range)
{
	int ret = 0;

	mutex_lock(&heap->lock);
	if (heap->dead)
		ret = -ENOENT;
	else if (generation && *generation != heap->generation)
		ret = -ESTALE;
	else if (range->first + range->npages > heap->committed_pages)
		ret = -EINVAL;
	if (!ret)
		list_add_tail(&range->node, &heap->exports);
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_add_range);

/**
 * wsheap_heap_del_range() - a dma-buf lets go of its range
 * @heap: the heap
 * @range: a range added with wsheap_heap_add_range()
 *
 * Context: process context; takes @heap->lock.
 */
void wsheap_heap_del_range(struct wsheap_heap *heap,
			   struct wsheap_range *range)
{
	mutex_lock(&heap->lock);
	if (range->detached)
		atomic_long_sub(range->npages, &heap->held);
	else
		list_del(&range->node);
	mutex_unlock(&heap->lock);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_del_range);

/*
 * The generation ends: the pages its dma-bufs hold become theirs alone.
 * Those below @keep are taken out of the store now (the rest go with the
 * give-back), so the next generation gets fresh pages at their offsets.
 * Return: whether a page below @keep left the store.
 */
static bool wsheap_heap_detach_ranges(struct wsheap_heap *heap, pgoff_t keep)
{
	struct wsheap_range *range, *tmp;
	bool kept_went = false;

	list_for_each_entry_safe(range, tmp, &heap->exports, node) {
		if (range->first < keep) {
			wsheap_store_give_back(heap, range->first,
					       min_t(pgoff_t, keep, range->first +
						     range->npages));
			kept_went = true;
		}
		range->detached = true;
		atomic_long_add(range->npages, &heap->held);
		list_del_init(&range->node);
	}
	return kept_went;
}

/*
 * A POPULATE heap backs every committed page: add the pages a reset gave
 * to their holders again, or, without the memory, keep less.
 * Return: the pages kept.
 */
static u64 wsheap_heap_refill(struct wsheap_heap *heap, u64 keep)
{
	u64 filled = wsheap_store_fill(heap, keep,
				       !(heap->flags & WSHEAP_CREATE_CONTIG));

	if (filled < keep) {
		wsheap_store_give_back(heap, filled, keep);
		WRITE_ONCE(heap->committed_pages, filled);
	}
	return filled;
}

/**
 * wsheap_heap_reset() - release every allocation of a heap at once
 * @heap: the heap
 * @generation: returns the generation after the reset (may be NULL)
 *
 * Keeps at most trim_size bytes (page rounded) committed.  Every page beyond
 * is unmapped from every process before it is freed; kept pages that a
 * dma-buf or a long-term pin holds leave the heap to their holder.  Takes
 * time in the number of pages given back, never in the number of
 * allocations.  The new generation is on the status page.
 *
 * Context: process context; takes the invalidate lock exclusive and
 * @heap->lock, may sleep.
 * Return: 0, -ENOENT if the heap was destroyed, or -EBUSY while a kernel
 * user has allocations pinned.
 */
int wsheap_heap_reset(struct wsheap_heap *heap, u64 *generation)
{
	bool kept_went;
	u64 keep, old;
	int ret = 0;

	filemap_invalidate_lock(heap->mapping);
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
	wsheap_status_begin(heap);
	heap->generation++;
	/* Faults wait on the invalidate lock; fault-around reads this. */
	WRITE_ONCE(heap->committed_pages, keep);
	wsheap_status_write(heap, true);
	kept_went = wsheap_heap_detach_ranges(heap, keep);
	wsheap_store_give_back(heap, keep, old);
	if (wsheap_store_release_held(heap, keep))
		kept_went = true;
	if (kept_went && (heap->flags & (WSHEAP_CREATE_POPULATE |
					 WSHEAP_CREATE_CONTIG)))
		keep = wsheap_heap_refill(heap, keep);
	if (heap->flags & WSHEAP_CREATE_ZERO_ON_RESET)
		wsheap_store_zero(heap, keep);
	/*
	 * The new generation's allocations begin last: until now lock-free
	 * ones could only place blocks of the old one, which ends here, and
	 * none lands in a page still being zeroed or given back.
	 */
	wsheap_bump_set(heap, wsheap_bump_pack(0, 0, heap->generation));
	wsheap_limits_uncharge(heap->account, old - keep);
	trace_wsheap_reset(heap->id, heap->generation, keep << PAGE_SHIFT,
			   (old - keep) << PAGE_SHIFT);
	wsheap_status_write(heap, false);
	wsheap_status_end(heap);
	wsheap_reclaim_offer(heap);
	if (generation)
		*generation = heap->generation;
out:
	mutex_unlock(&heap->lock);
	filemap_invalidate_unlock(heap->mapping);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_reset);

/**
 * wsheap_heap_kill() - give back all of a heap's memory for good
 * @heap: the heap
 *
 * Unmaps and frees every page (dma-bufs and pins keep theirs); later faults
 * raise SIGBUS and later operations fail with -ENOENT.  The heap itself
 * lives until its last reference goes.
 *
 * Context: process context; takes the invalidate lock exclusive and
 * @heap->lock, may sleep.
 */
void wsheap_heap_kill(struct wsheap_heap *heap)
{
	u64 old;

	filemap_invalidate_lock(heap->mapping);
	mutex_lock(&heap->lock);
	if (!heap->dead) {
		old = heap->committed_pages;
		trace_wsheap_destroy(heap->id, old << PAGE_SHIFT);
		wsheap_status_begin(heap);
		WRITE_ONCE(heap->dead, true);
		WRITE_ONCE(heap->committed_pages, 0);
		wsheap_status_write(heap, false);
		wsheap_heap_detach_ranges(heap, 0);
		wsheap_store_give_back(heap, 0, old);
		wsheap_limits_uncharge(heap->account, old);
		wsheap_status_end(heap);
	}
	mutex_unlock(&heap->lock);
	filemap_invalidate_unlock(heap->mapping);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_kill);

/**
 * wsheap_heap_info() - snapshot a heap's sizes and counters
 * @heap: the heap
 * @info: filled in, except @info->handle
 *
 * Context: process context; takes @heap->lock.
 */
void wsheap_heap_info(struct wsheap_heap *heap, struct wsheap_info *info)
{
	struct wsheap_pair v;

	mutex_lock(&heap->lock);
	v = wsheap_bump_read(heap);
	info->flags = heap->flags;
	info->max_size = heap->max_size;
	info->trim_size = heap->trim_size;
	info->requested = wsheap_bump_requested(v);
	info->committed = heap->committed_pages << PAGE_SHIFT;
	info->resident = (u64)wsheap_store_resident(heap) << PAGE_SHIFT;
	info->cursor = wsheap_bump_cursor(v);
	info->generation = heap->generation;
	info->held = (u64)atomic_long_read(&heap->held) << PAGE_SHIFT;
	info->reclaimed = heap->reclaimed << PAGE_SHIFT;
	info->address = heap->address;
	mutex_unlock(&heap->lock);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_info);

/**
 * wsheap_heap_generation() - the heap's current generation
 * @heap: the heap
 *
 * Context: process context; takes @heap->lock.
 * Return: the number of resets so far.
 */
u64 wsheap_heap_generation(struct wsheap_heap *heap)
{
	u64 generation;

	mutex_lock(&heap->lock);
	generation = heap->generation;
	mutex_unlock(&heap->lock);
	return generation;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_generation);

/**
 * wsheap_heap_set_address() - record where the heap is mapped
 * @heap: the heap
 * @address: a page-aligned user address, or 0
 *
 * Context: process context; takes @heap->lock.
 */
void wsheap_heap_set_address(struct wsheap_heap *heap, u64 address)
{
	mutex_lock(&heap->lock);
	heap->address = address;
	mutex_unlock(&heap->lock);
}

/**
 * wsheap_heap_free() - free a heap whose last reference is gone
 * @heap: the heap; no mapping, dma-buf or pin of it can exist any more
 *
 * Called from the anchor file's ->release().
 *
 * Context: process context; may sleep.
 */
void wsheap_heap_free(struct wsheap_heap *heap)
{
	wsheap_heap_kill(heap);
	wsheap_store_forget(heap);
	wsheap_reclaim_untrack(heap);
	wsheap_registry_del_heap(heap);
	if (heap->status)
		folio_put(heap->status);
	mem_cgroup_put(heap->memcg);
	wsheap_account_put(heap->account);
	mutex_destroy(&heap->lock);
	kfree(heap);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_heap_free);
