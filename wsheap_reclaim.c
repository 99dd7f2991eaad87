// SPDX-License-Identifier: GPL-2.0
/*
 * Trim memory the kernel can take back.  The pages a reset keeps hold no
 * allocation until the next generation reaches them; under memory pressure
 * a shrinker gives back those that no current allocation covers, so the
 * next touch faults in a fresh zeroed page.  Nothing live is lost: only
 * pages at or beyond the heap's cursor go, never a page a dma-buf of this
 * generation or a long-term pin holds, never a POPULATE or CONTIG heap's.
 *
 * The shrinker is memcg aware: every heap has an item on a memcg-aware
 * list_lru, allocated in the creator's memory cgroup, so reclaim inside
 * that cgroup finds it (binder's shrinker, not memcg aware, would never be
 * called there).  A heap is on the list from a reset that kept pages until
 * the shrinker has visited it.  The scan only trylocks: reclaim can recurse
 * from wsheap's own fault path, which holds the invalidate lock.
 */
#include <linux/fs.h>
#include <linux/list_lru.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "wsheap_compat.h"
#include "wsheap_internal.h"

/**
 * struct wsheap_reclaim_item - a heap's place on the shrinker's list
 * @node: on wsheap_reclaim_lru while the heap may have pages to give
 * @heap: the heap; valid while the item is on the list (the heap's
 *	release takes it off before the heap goes)
 */
struct wsheap_reclaim_item {
	struct list_head node;
	struct wsheap_heap *heap;
};

static struct kmem_cache *wsheap_reclaim_cache;
static struct list_lru wsheap_reclaim_lru;
static struct shrinker wsheap_shrinker_storage;	/* for kernels before 6.7 */
static struct shrinker *wsheap_shrinker;
/* The list is set up (on 6.1 the shrinker is registered before it). */
static bool wsheap_reclaim_ready;

static bool wsheap_reclaim_eligible(struct wsheap_heap *heap)
{
	return !(heap->flags & (WSHEAP_CREATE_POPULATE | WSHEAP_CREATE_CONTIG));
}

/* Is page @index part of a range a dma-buf of this generation holds? */
static bool wsheap_reclaim_exported(struct wsheap_heap *heap, pgoff_t index)
{
	struct wsheap_range *range;

	list_for_each_entry(range, &heap->exports, node)
		if (index >= range->first &&
		    index - range->first < range->npages)
			return true;
	return false;
}

/**
 * wsheap_reclaim_heap() - give back a heap's kept pages that hold nothing
 * @heap: the heap, with the invalidate lock held exclusive and @heap->lock
 *
 * Context: process context (reclaim); may sleep.
 * Return: pages given back.
 */
unsigned long wsheap_reclaim_heap(struct wsheap_heap *heap)
{
	unsigned long freed;

	lockdep_assert_held_write(&heap->mapping->invalidate_lock);
	lockdep_assert_held(&heap->lock);
	if (heap->dead || !wsheap_reclaim_eligible(heap))
		return 0;
	freed = wsheap_store_reclaim(heap, wsheap_trim_pages(heap->cursor),
				     heap->committed_pages,
				     wsheap_reclaim_exported);
	heap->reclaimed += freed;
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_reclaim_heap);

static enum lru_status wsheap_reclaim_isolate(struct list_head *node,
					      struct list_lru_one *list,
					      spinlock_t *lock, void *arg)
{
	struct wsheap_reclaim_item *item =
		container_of(node, struct wsheap_reclaim_item, node);
	struct wsheap_heap *heap = item->heap;
	struct rw_semaphore *inval = &heap->mapping->invalidate_lock;
	unsigned long *freed = arg;

	/* A heap whose last reference is going: its release takes it off. */
	if (!wsheap_file_tryget(heap->file))
		return LRU_SKIP;
	if (!down_write_trylock(inval)) {
		fput(heap->file);
		return LRU_SKIP;
	}
	if (!mutex_trylock(&heap->lock)) {
		up_write(inval);
		fput(heap->file);
		return LRU_SKIP;
	}
	list_lru_isolate(list, node);
	spin_unlock(lock);

	*freed += wsheap_reclaim_heap(heap);

	mutex_unlock(&heap->lock);
	up_write(inval);
	fput(heap->file);
	spin_lock(lock);
	return LRU_REMOVED_RETRY;
}

static enum lru_status wsheap_reclaim_count_one(struct list_head *node,
						struct list_lru_one *list,
						spinlock_t *lock, void *arg)
{
	struct wsheap_reclaim_item *item =
		container_of(node, struct wsheap_reclaim_item, node);
	struct wsheap_heap *heap = item->heap;
	u64 committed = READ_ONCE(heap->committed_pages);
	u64 used = wsheap_trim_pages(READ_ONCE(heap->cursor));

	/* An estimate: committed, not resident, pages past the cursor. */
	if (committed > used)
		*(unsigned long *)arg += committed - used;
	return LRU_SKIP;
}

static unsigned long wsheap_reclaim_count(struct shrinker *shrinker,
					  struct shrink_control *sc)
{
	unsigned long pages = 0, walk = ULONG_MAX;

	/* Pairs with the release in wsheap_reclaim_init(). */
	if (!smp_load_acquire(&wsheap_reclaim_ready))
		return 0;
	list_lru_walk_one(&wsheap_reclaim_lru, sc->nid, sc->memcg,
			  wsheap_reclaim_count_one, &pages, &walk);
	return pages ?: SHRINK_EMPTY;
}

static unsigned long wsheap_reclaim_scan(struct shrinker *shrinker,
					 struct shrink_control *sc)
{
	unsigned long freed = 0;

	/* Pairs with the release in wsheap_reclaim_init(). */
	if (!smp_load_acquire(&wsheap_reclaim_ready))
		return SHRINK_STOP;
	list_lru_shrink_walk(&wsheap_reclaim_lru, sc, wsheap_reclaim_isolate,
			     &freed);
	/* Page-cache pages, not slab: tell reclaim they went. */
	mm_account_reclaimed_pages(freed);
	return freed;
}

/**
 * wsheap_reclaim_track() - give a new heap its item, in its creator's memcg
 * @heap: the heap
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int wsheap_reclaim_track(struct wsheap_heap *heap)
{
	struct wsheap_reclaim_item *item;
	struct mem_cgroup *old_memcg;

	old_memcg = set_active_memcg(heap->memcg);
	item = kmem_cache_alloc_lru(wsheap_reclaim_cache, &wsheap_reclaim_lru,
				    GFP_KERNEL_ACCOUNT);
	set_active_memcg(old_memcg);
	if (!item)
		return -ENOMEM;
	INIT_LIST_HEAD(&item->node);
	item->heap = heap;
	heap->reclaim = item;
	return 0;
}

/**
 * wsheap_reclaim_offer() - a reset kept pages: let the shrinker see them
 * @heap: the heap, with @heap->lock held
 *
 * Context: any; takes the list's spinlock.
 */
void wsheap_reclaim_offer(struct wsheap_heap *heap)
{
	lockdep_assert_held(&heap->lock);
	if (heap->committed_pages && wsheap_reclaim_eligible(heap))
		wsheap_list_lru_add(&wsheap_reclaim_lru, &heap->reclaim->node);
}

/**
 * wsheap_reclaim_untrack() - take a heap's item off, before the heap goes
 * @heap: the heap; its last reference is gone
 *
 * Context: process context.
 */
void wsheap_reclaim_untrack(struct wsheap_heap *heap)
{
	if (!heap->reclaim)
		return;
	/* Waits for a scan that holds the list's lock. */
	wsheap_list_lru_del(&wsheap_reclaim_lru, &heap->reclaim->node);
	kmem_cache_free(wsheap_reclaim_cache, heap->reclaim);
	heap->reclaim = NULL;
}

/**
 * wsheap_reclaim_init() - set up the list and the shrinker
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int wsheap_reclaim_init(void)
{
	int ret;

	wsheap_reclaim_cache = KMEM_CACHE(wsheap_reclaim_item, SLAB_ACCOUNT);
	if (!wsheap_reclaim_cache)
		return -ENOMEM;
	wsheap_shrinker = wsheap_shrinker_alloc(&wsheap_shrinker_storage,
						SHRINKER_MEMCG_AWARE |
						SHRINKER_NUMA_AWARE,
						"wsheap-trim");
	ret = -ENOMEM;
	if (!wsheap_shrinker)
		goto err_cache;
	wsheap_shrinker->count_objects = wsheap_reclaim_count;
	wsheap_shrinker->scan_objects = wsheap_reclaim_scan;
	ret = wsheap_shrinker_start(wsheap_shrinker, &wsheap_reclaim_lru,
				    "wsheap-trim");
	if (ret)
		goto err_cache;
	/* The list is set up before the callbacks may use it. */
	smp_store_release(&wsheap_reclaim_ready, true);
	return 0;

err_cache:
	kmem_cache_destroy(wsheap_reclaim_cache);
	return ret;
}

/**
 * wsheap_reclaim_exit() - stop the shrinker; no heap is left
 *
 * Context: module exit.
 */
void wsheap_reclaim_exit(void)
{
	wsheap_shrinker_stop(wsheap_shrinker);
	list_lru_destroy(&wsheap_reclaim_lru);
	kmem_cache_destroy(wsheap_reclaim_cache);
}
