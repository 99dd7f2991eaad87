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

/**
 * struct wsheap_pair - two u64s that one compare-and-exchange updates
 * @lo: the first
 * @hi: the second
 */
struct wsheap_pair {
	u64 lo;
	u64 hi;
} __aligned(16);

/*
 * A 16-byte compare-and-exchange: try_cmpxchg128() from 6.5 on,
 * cmpxchg_double() before.  On failure @old gets the current value.
 * x86's system_has_cmpxchg128() is boot_cpu_has(), which user-mode Linux
 * (make kunit's um run) gets only from <asm/cpufeature.h>.
 */
#if defined(CONFIG_X86) || defined(CONFIG_UML)
#include <asm/cpufeature.h>
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#ifdef system_has_cmpxchg128
#define wsheap_have_cmpxchg_pair()	system_has_cmpxchg128()
#endif
#elif defined(system_has_cmpxchg_double)
#define wsheap_have_cmpxchg_pair()	system_has_cmpxchg_double()
#endif
#ifndef wsheap_have_cmpxchg_pair
#define wsheap_have_cmpxchg_pair()	false
#endif

static inline bool wsheap_cmpxchg_pair(struct wsheap_pair *p,
				       struct wsheap_pair *old,
				       struct wsheap_pair new)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	u128 o = ((u128)old->hi << 64) | old->lo;
	bool ok = try_cmpxchg128((u128 *)p, &o,
				 ((u128)new.hi << 64) | new.lo);

	if (!ok) {
		old->lo = (u64)o;
		old->hi = (u64)(o >> 64);
	}
	return ok;
#else
	if (cmpxchg_double(&p->lo, &p->hi, old->lo, old->hi, new.lo,
			   new.hi))
		return true;
	old->lo = READ_ONCE(p->lo);
	old->hi = READ_ONCE(p->hi);
	return false;
#endif
}

/*
 * PTEs mapping an order-0 folio: folio_mapcount() is an inline from 6.9,
 * an unexported function before, where page_mapcount() serves.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define wsheap_folio_mapcount(folio)	folio_mapcount(folio)
#else
#define wsheap_folio_mapcount(folio)	page_mapcount(&(folio)->page)
#endif

/* struct file's count became a file_ref_t in 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define wsheap_file_tryget(file)	file_ref_get(&(file)->f_ref)
#else
#define wsheap_file_tryget(file)	atomic_long_inc_not_zero(&(file)->f_count)
#endif

#endif /* _WSHEAP_COMPAT_H */
