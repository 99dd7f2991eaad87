/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals shared by the module's files and its KUnit suites.
 *
 * Lifetime: a heap's anchor is its own file on the wsheap pseudo filesystem
 * (as a dma-buf's is): a context handle, a mapping (the VMA's vm_file) and an
 * in-flight operation each hold a reference to that file, and the heap is
 * freed in the file's ->release().  Each heap owns a reference to the context
 * that created it, because that context is charged for its memory.
 *
 * Locking order: mmap_lock -> heap->inval_sem -> heap->lock -> i_mmap_rwsem.
 */
#ifndef _WSHEAP_INTERNAL_H
#define _WSHEAP_INTERNAL_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "wsheap_ioctl.h"

struct file;
struct mem_cgroup;
struct vm_area_struct;

/* Handles must fit below the mmap offset's heap bits (off_t is signed). */
#define WSHEAP_MAX_HANDLE	((1U << (63 - WSHEAP_SPAN_SHIFT)) - 1)
#define WSHEAP_SPAN_PAGES	(WSHEAP_SPAN >> PAGE_SHIFT)

/**
 * struct wsheap_context - one open of /dev/wsheap
 * @ref: held by the open file and by every heap the context created
 * @lock: serialises handle creation and removal with @nr_heaps
 * @handles: handle -> heap; each entry holds a reference to the heap's file
 * @next_handle: cursor for cyclic handle allocation
 * @nr_heaps: live handles, bounded by max_heaps_per_context
 * @committed: bytes committed by heaps this context created
 */
struct wsheap_context {
	struct kref ref;
	struct mutex lock;		/* handle creation and removal */
	struct xarray handles;
	u32 next_handle;
	unsigned int nr_heaps;
	atomic64_t committed;
};

/**
 * struct wsheap_heap - an arena
 * @file: the heap's own file; its refcount is the heap's
 * @mapping: the address space of @file's private inode, for zapping
 * @owner: the creating context, charged for @committed_pages
 * @memcg: the creator's memory cgroup, charged for pages and metadata
 * @inval_sem: faults take it shared; reset and destroy exclusive, so no
 *	page can be installed while pages are being given back
 * @lock: protects the allocator state below
 * @max_size: quota on @requested
 * @trim_size: bytes a reset keeps committed
 * @flags: WSHEAP_CREATE_* flags
 * @dead: destroyed; every access fails
 * @requested: sum of allocation sizes since creation or reset
 * @cursor: next free offset
 * @committed_pages: pages [0, @committed_pages) may be backed; a fault
 *	beyond is SIGBUS.  Grows under @lock, shrinks under @inval_sem too.
 * @generation: number of resets
 * @pages: page store, page index -> struct page
 * @resident: pages present in @pages
 */
struct wsheap_heap {
	struct file *file;
	struct address_space *mapping;
	struct wsheap_context *owner;
	struct mem_cgroup *memcg;
	struct rw_semaphore inval_sem;
	struct mutex lock;		/* the allocator state below */
	u64 max_size;
	u64 trim_size;
	u32 flags;
	bool dead;
	u64 requested;
	u64 cursor;
	u64 committed_pages;
	u64 generation;
	struct xarray pages;
	atomic_long_t resident;
};

/* wsheap_main.c: limits (module parameters) */
extern unsigned int wsheap_max_heaps_per_context;
extern unsigned long long wsheap_max_bytes_per_context;
extern unsigned long long wsheap_max_bytes_total;

/* wsheap_context.c: contexts and their handle tables */
struct wsheap_context *wsheap_context_create(void);
void wsheap_context_close(struct wsheap_context *ctx);
void wsheap_context_put(struct wsheap_context *ctx);
struct wsheap_heap *wsheap_context_get_heap(struct wsheap_context *ctx,
					    u32 handle);
int wsheap_cmd_create(struct wsheap_context *ctx, struct wsheap_create *args);
int wsheap_cmd_alloc(struct wsheap_context *ctx, struct wsheap_alloc *args);
int wsheap_cmd_reset(struct wsheap_context *ctx, struct wsheap_reset *args);
int wsheap_cmd_destroy(struct wsheap_context *ctx,
		       struct wsheap_destroy *args);
int wsheap_cmd_info(struct wsheap_context *ctx, struct wsheap_info *args);

/* wsheap_heap.c: the heap object and its bump allocator */
extern atomic64_t wsheap_committed_total;
struct wsheap_heap *wsheap_heap_create(struct wsheap_context *owner,
				       u64 max_size, u64 trim_size, u32 flags);
void wsheap_heap_get(struct wsheap_heap *heap);
void wsheap_heap_put(struct wsheap_heap *heap);
int wsheap_heap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		      u64 *offset, u64 *generation);
int wsheap_heap_reset(struct wsheap_heap *heap, u64 *generation);
void wsheap_heap_kill(struct wsheap_heap *heap);
void wsheap_heap_info(struct wsheap_heap *heap, struct wsheap_info *info);
void wsheap_heap_free(struct wsheap_heap *heap);
u64 wsheap_trim_pages(u64 trim_size);

/* wsheap_store.c: pages, the pseudo filesystem, mmap and faults */
int wsheap_store_init(void);
void wsheap_store_exit(void);
struct file *wsheap_store_file(struct wsheap_heap *heap);
struct page *wsheap_store_get_page(struct wsheap_heap *heap, pgoff_t index);
int wsheap_store_populate(struct wsheap_heap *heap, pgoff_t start,
			  pgoff_t end);
void wsheap_store_release(struct wsheap_heap *heap, pgoff_t from);
void wsheap_store_zero(struct wsheap_heap *heap, pgoff_t end);
int wsheap_store_mmap(struct wsheap_heap *heap, struct vm_area_struct *vma);

#endif /* _WSHEAP_INTERNAL_H */
