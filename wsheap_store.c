// SPDX-License-Identifier: GPL-2.0
/*
 * The page store: a heap's pages are the page cache of its own inode, as
 * mm/secretmem.c keeps its pages.  Faults find or allocate a folio and
 * return it locked (VM_FAULT_LOCKED); fault-around maps what is present;
 * a reset or destroy gives pages back with truncate_pagecache_range(),
 * which zaps them from every process's mappings before it frees them.  The
 * invalidate lock of the mapping keeps faults out while pages go.
 *
 * Data folios are order-0, zeroed, unevictable and not movable (kernel
 * users and dma-bufs hold them by address), allocated without
 * __GFP_ACCOUNT: filemap_add_folio() charges them to the heap creator's
 * memory cgroup, which is made the active one around it.
 *
 * A page that a long-term GUP pin (RDMA, io_uring fixed buffers) holds when
 * the heap gives it up, or when a reset would keep it, leaves the heap: the
 * pinner keeps the old page, and the heap's next generation gets a fresh
 * one, so no pin taken in one generation reaches the next.  Such an orphan
 * stays charged to the heap's creator until the pin goes and it is freed,
 * even if the heap goes first.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

/* Not movable: kernel users, vmaps and dma-bufs hold pages by address. */
#define WSHEAP_DATA_GFP	(GFP_HIGHUSER | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static int wsheap_migrate_folio(struct address_space *mapping,
				struct folio *dst, struct folio *src,
				enum migrate_mode mode)
{
	return -EBUSY;
}

static const struct address_space_operations wsheap_aops = {
	.dirty_folio = noop_dirty_folio,
	.migrate_folio = wsheap_migrate_folio,
};

/**
 * wsheap_store_setup() - make a new inode's page cache a heap's page store
 * @mapping: the inode's address space
 *
 * Context: process context, before the inode is used.
 */
void wsheap_store_setup(struct address_space *mapping)
{
	mapping->a_ops = &wsheap_aops;
	mapping_set_gfp_mask(mapping, WSHEAP_DATA_GFP);
	mapping_set_unevictable(mapping);
}

/* Add a fresh folio at @index, charged to @memcg; returns it locked. */
static struct folio *wsheap_store_add(struct address_space *mapping,
				      pgoff_t index, gfp_t gfp,
				      struct mem_cgroup *memcg)
{
	struct mem_cgroup *old_memcg;
	struct folio *folio;
	int err;

	folio = folio_alloc(gfp | __GFP_ZERO, 0);
	if (!folio)
		return ERR_PTR(-ENOMEM);
	__folio_mark_uptodate(folio);
	old_memcg = set_active_memcg(memcg);
	err = filemap_add_folio(mapping, folio, index,
				mapping_gfp_mask(mapping));
	set_active_memcg(old_memcg);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio;
}

/**
 * wsheap_store_status_folio() - add the status page to a new page store
 * @mapping: the store
 * @memcg: charged for it
 *
 * The status page lives at WSHEAP_STATUS_PGOFF for the heap's whole life:
 * nothing gives it back before the inode goes.  It is a lowmem page, so
 * the heap writes it through folio_address().
 *
 * Context: process context; may sleep.
 * Return: the folio with a reference of the caller's, or an ERR_PTR().
 */
struct folio *wsheap_store_status_folio(struct address_space *mapping,
					struct mem_cgroup *memcg)
{
	struct folio *folio;

	folio = wsheap_store_add(mapping, WSHEAP_STATUS_PGOFF,
				 GFP_KERNEL | __GFP_RETRY_MAYFAIL |
				 __GFP_NOWARN, memcg);
	if (!IS_ERR(folio))
		folio_unlock(folio);
	return folio;
}

/* The folio at @index, locked and referenced, added (zeroed) if absent. */
static struct folio *wsheap_store_lock_folio(struct wsheap_heap *heap,
					     pgoff_t index)
{
	struct folio *folio;

	for (;;) {
		/* NULL on 6.1, ERR_PTR(-ENOENT) from 6.3 on, if absent. */
		folio = filemap_lock_folio(heap->mapping, index);
		if (!IS_ERR_OR_NULL(folio))
			return folio;
		folio = wsheap_store_add(heap->mapping, index, WSHEAP_DATA_GFP,
					 heap->memcg);
		if (folio != ERR_PTR(-EEXIST))
			return folio;
	}
}

/**
 * wsheap_store_get_folio() - the folio at an index, added if absent
 * @heap: the heap
 * @index: a page index below the heap's committed pages
 *
 * Context: process context; may sleep.  The caller holds the invalidate
 * lock (shared) or @heap->lock, so the index stays committed.
 * Return: the folio with a reference of the caller's, or ERR_PTR(-ENOMEM).
 */
struct folio *wsheap_store_get_folio(struct wsheap_heap *heap, pgoff_t index)
{
	struct folio *folio = wsheap_store_lock_folio(heap, index);

	if (!IS_ERR(folio))
		folio_unlock(folio);
	return folio;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_store_get_folio);

/* Truncate [start, end) from the page cache: zap everywhere, then free. */
static void wsheap_store_truncate(struct wsheap_heap *heap, pgoff_t start,
				  pgoff_t end)
{
	/* lend is inclusive. */
	truncate_pagecache_range(heap->mapping->host,
				 (loff_t)start << PAGE_SHIFT,
				 ((loff_t)end << PAGE_SHIFT) - 1);
}

/**
 * wsheap_store_populate() - add the pages of a range now
 * @heap: the heap, with @heap->lock held; nothing maps the range yet
 * @start: first page index
 * @end: page index past the range
 *
 * Context: process context; may sleep.
 * Return: 0, -ENOMEM or -EINTR (fatal signal) with the range empty again.
 */
int wsheap_store_populate(struct wsheap_heap *heap, pgoff_t start,
			  pgoff_t end)
{
	struct folio *folio;
	pgoff_t index;
	int ret = 0;

	lockdep_assert_held(&heap->lock);
	for (index = start; index < end; index++) {
		folio = wsheap_store_get_folio(heap, index);
		if (IS_ERR(folio)) {
			ret = PTR_ERR(folio);
			break;
		}
		folio_put(folio);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (ret)
		wsheap_store_truncate(heap, start, end);
	return ret;
}

/* Add the n order-0 pages of a split run at [start, start + n); -errno. */
static int wsheap_store_add_run(struct wsheap_heap *heap, struct page *run,
				pgoff_t start, pgoff_t n)
{
	struct mem_cgroup *old_memcg;
	struct folio *folio;
	pgoff_t i;
	int err = 0;

	old_memcg = set_active_memcg(heap->memcg);
	for (i = 0; i < n; i++) {
		folio = page_folio(run + i);
		if (!err) {
			__folio_mark_uptodate(folio);
			err = filemap_add_folio(heap->mapping, folio, start + i,
						mapping_gfp_mask(heap->mapping));
		}
		if (!err)
			folio_unlock(folio);
		/* The cache holds what it took; the rest goes. */
		folio_put(folio);
	}
	set_active_memcg(old_memcg);
	return err;
}

/**
 * wsheap_store_populate_contig() - add a physically contiguous range now
 * @heap: the heap, with @heap->lock held; nothing maps the range yet
 * @start: first page index
 * @end: page index past the range, at most 2^WSHEAP_MAX_PAGE_ORDER pages on
 *
 * One higher-order allocation, split into order-0 pages so that each is a
 * folio of its own in the page cache (a reset may give back any of them).
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOMEM (no free run that large) with the range empty.
 */
int wsheap_store_populate_contig(struct wsheap_heap *heap, pgoff_t start,
				 pgoff_t end)
{
	unsigned int order = get_order((end - start) << PAGE_SHIFT);
	gfp_t gfp = WSHEAP_DATA_GFP | __GFP_ZERO;
	struct page *run;
	pgoff_t i;
	int err;

	lockdep_assert_held(&heap->lock);
	if (start >= end)
		return 0;
	if (order > WSHEAP_MAX_PAGE_ORDER)
		return -ENOMEM;
	/* Fail fast rather than compact hard for a large run. */
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		gfp = (gfp & ~__GFP_RETRY_MAYFAIL) | __GFP_NORETRY;
	run = alloc_pages(gfp, order);
	if (!run)
		return -ENOMEM;
	split_page(run, order);
	for (i = end - start; i < (1UL << order); i++)
		__free_page(run + i);
	err = wsheap_store_add_run(heap, run, start, end - start);
	if (err)
		wsheap_store_truncate(heap, start, end);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_store_populate_contig);

/**
 * wsheap_store_fill() - add the pages missing below an index
 * @heap: the heap, with @heap->lock held
 * @end: page index past the range
 * @add: add missing pages; without it, stop at the first one
 *
 * For a POPULATE heap whose reset gave kept pages to their holders (a
 * CONTIG heap keeps only what is still contiguous: it does not add).
 *
 * Context: process context; may sleep.
 * Return: the first index that could not be filled, or @end.
 */
pgoff_t wsheap_store_fill(struct wsheap_heap *heap, pgoff_t end, bool add)
{
	struct folio *folio;
	pgoff_t index;

	lockdep_assert_held(&heap->lock);
	for (index = 0; index < end; index++) {
		if (add) {
			folio = wsheap_store_get_folio(heap, index);
		} else {
			folio = filemap_get_folio(heap->mapping, index);
			if (!folio)
				folio = ERR_PTR(-ENOENT);
		}
		if (IS_ERR(folio))
			break;
		folio_put(folio);
		cond_resched();
	}
	return index;
}

/**
 * struct wsheap_orphan - a page a GUP pin kept after its heap gave it up
 * @node: in wsheap_orphans
 * @folio: the page, with a reference of ours
 * @account: charged for it until it is freed, referenced
 * @heap: the heap it came from, which counts it as held, or NULL once the
 *	heap is gone (wsheap_store_forget(); under wsheap_orphans_lock)
 *
 * An orphan does not hold its heap: a heap's last release may itself give
 * up pinned pages.
 */
struct wsheap_orphan {
	struct list_head node;
	struct folio *folio;
	struct wsheap_account *account;
	struct wsheap_heap *heap;
};

static LIST_HEAD(wsheap_orphans);
static DEFINE_SPINLOCK(wsheap_orphans_lock);
static void wsheap_orphans_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(wsheap_orphans_work, wsheap_orphans_reap);

/* Let go of orphans taken off the list; their pages go with the pins. */
static void wsheap_orphans_free(struct list_head *list)
{
	struct wsheap_orphan *o, *tmp;

	list_for_each_entry_safe(o, tmp, list, node) {
		folio_put(o->folio);
		wsheap_limits_uncharge(o->account, 1);
		wsheap_account_put(o->account);
		kfree(o);
		cond_resched();
	}
}

/* Free the orphans no pin holds any more (only our reference is left). */
static void wsheap_orphans_reap(struct work_struct *work)
{
	struct wsheap_orphan *o, *tmp;
	LIST_HEAD(freed);
	bool more;

	spin_lock(&wsheap_orphans_lock);
	list_for_each_entry_safe(o, tmp, &wsheap_orphans, node) {
		if (folio_ref_count(o->folio) != 1)
			continue;
		if (o->heap)
			atomic_long_dec(&o->heap->held);
		list_move(&o->node, &freed);
	}
	more = !list_empty(&wsheap_orphans);
	spin_unlock(&wsheap_orphans_lock);
	wsheap_orphans_free(&freed);
	if (more)
		schedule_delayed_work(&wsheap_orphans_work, HZ);
}

/**
 * wsheap_store_forget() - a heap goes: its orphans stop counting in it
 * @heap: the heap, whose last reference is gone
 *
 * They stay charged to the heap's account until their pins go.
 *
 * Context: process context; takes wsheap_orphans_lock.
 */
void wsheap_store_forget(struct wsheap_heap *heap)
{
	struct wsheap_orphan *o;

	spin_lock(&wsheap_orphans_lock);
	list_for_each_entry(o, &wsheap_orphans, node)
		if (o->heap == heap)
			o->heap = NULL;
	spin_unlock(&wsheap_orphans_lock);
}

/* Keep @folio, which a pin holds, counted until the pin goes. */
static void wsheap_store_orphan(struct wsheap_heap *heap, struct folio *folio)
{
	struct wsheap_orphan *o;

	/* Without memory to track it, the page leaves uncounted. */
	o = kmalloc(sizeof(*o), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!o)
		return;
	folio_get(folio);
	o->folio = folio;
	o->heap = heap;
	o->account = heap->account;
	wsheap_account_get(o->account);
	atomic_long_inc(&heap->held);
	wsheap_limits_charge_force(o->account, 1);
	spin_lock(&wsheap_orphans_lock);
	list_add_tail(&o->node, &wsheap_orphans);
	spin_unlock(&wsheap_orphans_lock);
	schedule_delayed_work(&wsheap_orphans_work, HZ);
}

/*
 * Call @fn on every folio in [start, end) that a long-term pin may hold.
 * Our locks keep the folios in the cache; filemap_get_folios() references
 * them while @fn runs.
 */
typedef void wsheap_folio_fn(struct wsheap_heap *heap, struct folio *folio);

static unsigned long wsheap_store_visit_pinned(struct wsheap_heap *heap,
					       pgoff_t start, pgoff_t end,
					       wsheap_folio_fn *fn)
{
	struct folio_batch fbatch;
	unsigned long visited = 0;
	pgoff_t index = start;
	unsigned int i;

	if (start >= end)
		return 0;
	folio_batch_init(&fbatch);
	while (filemap_get_folios(heap->mapping, &index, end - 1, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			if (folio_maybe_dma_pinned(fbatch.folios[i])) {
				fn(heap, fbatch.folios[i]);
				visited++;
			}
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	return visited;
}

/**
 * wsheap_store_give_back() - unmap and free the pages of a range
 * @heap: the heap, with the invalidate lock held exclusive and @heap->lock
 * @start: first page index
 * @end: page index past the range (at most WSHEAP_STATUS_PGOFF)
 *
 * Zap before free, in batches that reschedule: once this returns, no
 * process can reach those pages through a mapping of the heap.
 *
 * Context: process context; may sleep.
 */
void wsheap_store_give_back(struct wsheap_heap *heap, pgoff_t start,
			    pgoff_t end)
{
	lockdep_assert_held_write(&heap->mapping->invalidate_lock);
	lockdep_assert_held(&heap->lock);
	if (start >= end)
		return;
	wsheap_store_visit_pinned(heap, start, end, wsheap_store_orphan);
	wsheap_store_truncate(heap, start, end);
}

static void wsheap_store_release_one(struct wsheap_heap *heap,
				     struct folio *folio)
{
	wsheap_store_orphan(heap, folio);
	wsheap_store_truncate(heap, folio->index, folio->index + 1);
}

/**
 * wsheap_store_release_pinned() - give up kept pages that a pin holds
 * @heap: the heap, with the invalidate lock held exclusive and @heap->lock
 * @end: the reset keeps [0, @end)
 *
 * The pinner keeps its page; the next fault at that index gets a fresh one.
 *
 * Context: process context; may sleep.
 * Return: how many pages left the heap.
 */
unsigned long wsheap_store_release_pinned(struct wsheap_heap *heap,
					  pgoff_t end)
{
	lockdep_assert_held_write(&heap->mapping->invalidate_lock);
	return wsheap_store_visit_pinned(heap, 0, end,
					 wsheap_store_release_one);
}

/**
 * wsheap_store_reclaim() - give back present pages nothing holds
 * @heap: the heap, with the invalidate lock held exclusive and @heap->lock
 * @start: first page index
 * @end: page index past the range
 * @keep: pages it says true for stay (a dma-buf holds them)
 *
 * Pages that a long-term pin holds stay too.  The rest are zapped and
 * freed in runs; the next touch faults in fresh ones.
 *
 * Context: process context; may sleep.
 * Return: pages freed.
 */
unsigned long wsheap_store_reclaim(struct wsheap_heap *heap, pgoff_t start,
				   pgoff_t end, wsheap_index_fn *keep)
{
	unsigned long freed = 0, run = 0;
	struct folio_batch fbatch;
	pgoff_t index = start, run_start = start, i;
	unsigned int k;

	lockdep_assert_held_write(&heap->mapping->invalidate_lock);
	if (start >= end)
		return 0;
	folio_batch_init(&fbatch);
	while (filemap_get_folios(heap->mapping, &index, end - 1, &fbatch)) {
		for (k = 0; k < folio_batch_count(&fbatch); k++) {
			struct folio *folio = fbatch.folios[k];

			i = folio->index;
			if (!folio_maybe_dma_pinned(folio) && !keep(heap, i)) {
				run++;
				continue;
			}
			/* A page that stays ends the run before it. */
			if (run)
				wsheap_store_truncate(heap, run_start, i);
			freed += run;
			run = 0;
			run_start = i + 1;
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	if (run)
		wsheap_store_truncate(heap, run_start, end);
	return freed + run;
}

/**
 * wsheap_store_zero() - zero the present pages below an index
 * @heap: the heap, with the invalidate lock held exclusive and @heap->lock
 * @end: page index past the range
 *
 * Context: process context; may sleep.
 */
void wsheap_store_zero(struct wsheap_heap *heap, pgoff_t end)
{
	struct folio_batch fbatch;
	pgoff_t index = 0;
	unsigned int i;

	lockdep_assert_held(&heap->lock);
	if (!end)
		return;
	folio_batch_init(&fbatch);
	while (filemap_get_folios(heap->mapping, &index, end - 1, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++)
			clear_highpage(folio_page(fbatch.folios[i], 0));
		folio_batch_release(&fbatch);
		cond_resched();
	}
}

/**
 * wsheap_store_resident() - pages the heap keeps alive now
 * @heap: the heap
 *
 * Its data pages in the page cache, and those it gave up that a dma-buf or
 * pin still holds.
 *
 * Context: any.
 * Return: a page count.
 */
unsigned long wsheap_store_resident(struct wsheap_heap *heap)
{
	unsigned long pages = READ_ONCE(heap->mapping->nrpages);

	/* The status page is the heap's, not data. */
	return (pages ? pages - 1 : 0) + atomic_long_read(&heap->held);
}

static vm_fault_t wsheap_store_fault(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct wsheap_heap *heap = file->private_data;
	struct address_space *mapping = file->f_mapping;
	pgoff_t index = vmf->pgoff;
	struct folio *folio;
	vm_fault_t ret = VM_FAULT_LOCKED;

	if (index > WSHEAP_STATUS_PGOFF)
		return VM_FAULT_SIGBUS;
	filemap_invalidate_lock_shared(mapping);
	if (index == WSHEAP_STATUS_PGOFF) {
		folio = heap->status;
		folio_get(folio);
		folio_lock(folio);
		/* Pairs with the release in wsheap_heap_alloc_locked(). */
	} else if (index >= smp_load_acquire(&heap->committed_pages)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	} else {
		/*
		 * Out of memory is SIGBUS, not VM_FAULT_OOM: a lazy heap at its
		 * memcg limit must not invoke the OOM killer.
		 */
		folio = wsheap_store_lock_folio(heap, index);
		if (IS_ERR(folio)) {
			ret = VM_FAULT_SIGBUS;
			goto out;
		}
	}
	vmf->page = folio_file_page(folio, index);
out:
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

/*
 * Fault-around maps pages already present, and filemap_map_pages() clamps
 * only to i_size (the whole span): clamp to what is committed.  Truncation
 * locks each folio and clears its mapping, which filemap_map_pages()
 * checks, so nothing a reset gives back stays mapped.
 */
static vm_fault_t wsheap_store_map_pages(struct vm_fault *vmf, pgoff_t start,
					 pgoff_t end)
{
	struct wsheap_heap *heap = vmf->vma->vm_file->private_data;
	/* Pairs with the release in wsheap_heap_alloc_locked(). */
	u64 committed = smp_load_acquire(&heap->committed_pages);

	if (start >= committed)
		return 0;
	return filemap_map_pages(vmf, start, min_t(u64, end, committed - 1));
}

static const struct vm_operations_struct wsheap_store_vm_ops = {
	.fault = wsheap_store_fault,
	.map_pages = wsheap_store_map_pages,
};

/**
 * wsheap_store_mmap() - check and set up a mapping of a heap's pages
 * @vma: the mapping; vm_pgoff is relative to the heap's byte 0 and
 *	vm_file is a file of the heap's inode (or is about to be)
 * @writable: the file the mapping will point to may be written
 *
 * Context: ->mmap(), mmap_lock held for writing.
 * Return: 0; -EACCES for a writable mapping that may not be (a read-only
 * file, or a window reaching into the status area); -EINVAL for a private
 * mapping or one beyond WSHEAP_SPAN; -EPERM for an executable one.
 */
int wsheap_store_mmap(struct vm_area_struct *vma, bool writable)
{
	/* Rights first, as do_mmap() checks a read-only file. */
	if (!writable && (vma->vm_flags & VM_WRITE))
		return -EACCES;
	/* Read-only shared mappings have VM_MAYSHARE without VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff > WSHEAP_SPAN_PAGES ||
	    vma_pages(vma) > WSHEAP_SPAN_PAGES - vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_pgoff + vma_pages(vma) > WSHEAP_STATUS_PGOFF) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		writable = false;
	}
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYEXEC | (writable ? 0 : VM_MAYWRITE));
	/* DONTEXPAND refuses growing mremap. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &wsheap_store_vm_ops;
	return 0;
}

/**
 * wsheap_store_exit() - stop reaping orphans and let go of those left
 *
 * No heap is left; a page a pin still holds is freed when the pin goes,
 * uncounted from here on.
 *
 * Context: module exit.
 */
void wsheap_store_exit(void)
{
	LIST_HEAD(left);

	cancel_delayed_work_sync(&wsheap_orphans_work);
	spin_lock(&wsheap_orphans_lock);
	list_splice_init(&wsheap_orphans, &left);
	spin_unlock(&wsheap_orphans_lock);
	wsheap_orphans_free(&left);
}
