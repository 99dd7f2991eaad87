/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where wsheap adapts to the kernel version it is built for
 * (Debian's 6.1 and 6.12, and later).
 */
#ifndef _WSHEAP_COMPAT_H
#define _WSHEAP_COMPAT_H

#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/swap.h>
#include <linux/version.h>

/*
 * Symbol namespaces became string literals in 6.13.  Use these with
 * EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS(), which stringify older
 * kernels' bare names.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define WSHEAP_NS		"WSHEAP"
#define WSHEAP_DMA_BUF_NS	"DMA_BUF"
#define WSHEAP_KUNIT_NS		"EXPORTED_FOR_KUNIT_TESTING"
#else
#define WSHEAP_NS		WSHEAP
#define WSHEAP_DMA_BUF_NS	DMA_BUF
#define WSHEAP_KUNIT_NS		EXPORTED_FOR_KUNIT_TESTING
#endif

/* The vm_flags accessors arrived in 6.3; before, vm_flags was writable. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * The largest order the page allocator hands out: MAX_ORDER was one past
 * it until 6.4, then the order itself, then MAX_PAGE_ORDER from 6.8.
 */
#if defined(MAX_PAGE_ORDER)
#define WSHEAP_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define WSHEAP_MAX_PAGE_ORDER	MAX_ORDER
#else
#define WSHEAP_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/*
 * Shrinkers: from 6.7 shrinker_alloc() makes one and shrinker_register()
 * starts it; before, the caller's struct is registered by name, and
 * register_shrinker() gives it the id a memcg-aware list_lru needs, so
 * there the lru is set up after registering (the caller's callbacks must
 * not touch it before wsheap_shrinker_start() returns).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static inline struct shrinker *wsheap_shrinker_alloc(struct shrinker *storage,
						     unsigned int flags,
						     const char *name)
{
	return shrinker_alloc(flags, "%s", name);
}

static inline int wsheap_shrinker_start(struct shrinker *s,
					struct list_lru *lru, const char *name)
{
	int ret = list_lru_init_memcg(lru, s);

	if (ret)
		shrinker_free(s);
	else
		shrinker_register(s);
	return ret;
}

static inline void wsheap_shrinker_stop(struct shrinker *s)
{
	shrinker_free(s);
}
#else
static inline struct shrinker *wsheap_shrinker_alloc(struct shrinker *storage,
						     unsigned int flags,
						     const char *name)
{
	storage->flags = flags;
	storage->seeks = DEFAULT_SEEKS;
	return storage;
}

static inline int wsheap_shrinker_start(struct shrinker *s,
					struct list_lru *lru, const char *name)
{
	int ret = register_shrinker(s, "%s", name);

	if (ret)
		return ret;
	ret = list_lru_init_memcg(lru, s);
	if (ret)
		unregister_shrinker(s);
	return ret;
}

static inline void wsheap_shrinker_stop(struct shrinker *s)
{
	unregister_shrinker(s);
}
#endif

/* list_lru_add() and _del() take the node and memcg from 6.8 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define wsheap_list_lru_add(lru, item)	list_lru_add_obj(lru, item)
#define wsheap_list_lru_del(lru, item)	list_lru_del_obj(lru, item)
#else
#define wsheap_list_lru_add(lru, item)	list_lru_add(lru, item)
#define wsheap_list_lru_del(lru, item)	list_lru_del(lru, item)
#endif

/*
 * Pages a shrinker frees that are not slab: counted as reclaim progress
 * with mm_account_reclaimed_pages() from 6.4, in reclaimed_slab before.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
static inline void mm_account_reclaimed_pages(unsigned long pages)
{
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
}
#endif

/* struct file's count became a file_ref_t in 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define wsheap_file_tryget(file)	file_ref_get(&(file)->f_ref)
#else
#define wsheap_file_tryget(file)	atomic_long_inc_not_zero(&(file)->f_count)
#endif

#endif /* _WSHEAP_COMPAT_H */
