/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals shared by the module's files and its KUnit suites.
 *
 * Lifetime: a heap's anchor is its own file on the wsheap pseudo filesystem
 * (as a dma-buf's is): a context handle, an exported descriptor, a kernel
 * user, a mapping (the VMA's vm_file) and an in-flight operation each hold a
 * reference to that file, and the heap is freed in the file's ->release().
 * Each heap owns a reference to the context that created it, because that
 * context is charged for its memory.
 *
 * Users (handles, exported descriptors, kernel users) are also counted: an
 * explicit DESTROY by the last of them gives the memory back at once, even
 * if mappings remain.
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

#include "wsheap_compat.h"
#include "wsheap_ioctl.h"

struct file;
struct mem_cgroup;
struct vm_area_struct;

/* Handles must fit below the mmap offset's heap bits (off_t is signed). */
#define WSHEAP_MAX_HANDLE	((1U << (63 - WSHEAP_SPAN_SHIFT)) - 1)
#define WSHEAP_SPAN_PAGES	(WSHEAP_SPAN >> PAGE_SHIFT)
#define WSHEAP_STATUS_PGOFF	(WSHEAP_STATUS_OFFSET >> PAGE_SHIFT)

/* The handle-table mark of read-only (imported read-only) handles. */
#define WSHEAP_MARK_RDONLY	XA_MARK_1

/**
 * struct wsheap_context - one open of /dev/wsheap
 * @ref: held by the open file and by every heap the context created
 * @lock: serialises handle creation and removal with @nr_heaps
 * @handles: handle -> heap; each entry holds a reference to the heap's file
 * @next_handle: cursor for cyclic handle allocation
 * @nr_heaps: live handles, bounded by max_heaps_per_context
 * @committed: bytes committed by heaps this context created
 * @id: a number for observers (debugfs)
 * @pid: the process that opened it
 * @node: in the list of all contexts
 */
struct wsheap_context {
	struct kref ref;
	struct mutex lock;		/* handle creation and removal */
	struct xarray handles;
	u32 next_handle;
	unsigned int nr_heaps;
	atomic64_t committed;
	u64 id;
	pid_t pid;
	struct list_head node;
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
 * @resetting: a reset is under way (shown on the status page)
 * @users: handles, exported descriptors and kernel users
 * @pins: kernel pins (wsheap_pin(), vmaps); a reset fails with -EBUSY
 * @status: the read-only status page user space may map
 * @requested: sum of allocation sizes since creation or reset
 * @cursor: next free offset
 * @committed_pages: pages [0, @committed_pages) may be backed; a fault
 *	beyond is SIGBUS.  Grows under @lock, shrinks under @inval_sem too.
 * @generation: number of resets
 * @pages: page store, page index -> struct page
 * @resident: pages present in @pages
 * @id: a number for observers: the inode number of @file
 * @pid: the process that created it
 * @node: in the list of all heaps
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
	bool resetting;
	atomic_t users;
	unsigned int pins;
	struct page *status;
	u64 requested;
	u64 cursor;
	u64 committed_pages;
	u64 generation;
	struct xarray pages;
	atomic_long_t resident;
	u64 id;
	pid_t pid;
	struct list_head node;
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
int wsheap_cmd_reset(struct wsheap_context *ctx, struct wsheap_reset *args,
		     const void __user *uarg, size_t len);
int wsheap_cmd_destroy(struct wsheap_context *ctx,
		       struct wsheap_destroy *args);
int wsheap_cmd_info(struct wsheap_context *ctx, struct wsheap_info *args);

int wsheap_cmd_export(struct wsheap_context *ctx,
		      struct wsheap_export *args);
int wsheap_cmd_import(struct wsheap_context *ctx,
		      struct wsheap_import *args);
int wsheap_cmd_export_dmabuf(struct wsheap_context *ctx,
			     struct wsheap_export_dmabuf *args);
struct wsheap_heap *wsheap_context_get_heap_access(struct wsheap_context *ctx,
						   u32 handle, bool *rdonly);

/* wsheap_heap.c: the heap object and its bump allocator */
extern atomic64_t wsheap_committed_total;
struct wsheap_heap *wsheap_heap_create(struct wsheap_context *owner,
				       u64 max_size, u64 trim_size, u32 flags);
void wsheap_heap_get(struct wsheap_heap *heap);
void wsheap_heap_put(struct wsheap_heap *heap);
void wsheap_heap_user_get(struct wsheap_heap *heap);
bool wsheap_heap_user_put(struct wsheap_heap *heap);
int wsheap_heap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		      u64 *offset, u64 *generation);
int wsheap_heap_reset(struct wsheap_heap *heap, u64 *generation);
int wsheap_heap_reset_keeping(struct wsheap_heap *heap, long keep_page,
			      u64 *generation);
void wsheap_heap_kill(struct wsheap_heap *heap);
void wsheap_heap_info(struct wsheap_heap *heap, struct wsheap_info *info);
void wsheap_heap_free(struct wsheap_heap *heap);
u64 wsheap_trim_pages(u64 trim_size);
int wsheap_heap_check_range(struct wsheap_heap *heap, u64 offset, u64 len);

/* wsheap_share.c: exported descriptors */
struct file *wsheap_share_export(struct wsheap_heap *heap, bool rdonly);
struct wsheap_heap *wsheap_share_fdget(int fd, bool *rdonly);

/* wsheap_dmabuf.c: dma-buf exports of heap ranges */
struct dma_buf *wsheap_dmabuf_export(struct wsheap_heap *heap, u64 offset,
				     u64 size, bool rdonly);

/* wsheap_debugfs.c: observability */
void wsheap_debugfs_init(void);
void wsheap_debugfs_exit(void);
void wsheap_debugfs_add_context(struct wsheap_context *ctx);
void wsheap_debugfs_del_context(struct wsheap_context *ctx);
void wsheap_debugfs_add_heap(struct wsheap_heap *heap);
void wsheap_debugfs_del_heap(struct wsheap_heap *heap);

/* wsheap_store.c: pages, the pseudo filesystem, mmap and faults */
int wsheap_store_init(void);
void wsheap_store_exit(void);
struct file *wsheap_store_file(struct wsheap_heap *heap);
struct file *wsheap_store_view(struct wsheap_heap *heap, int flags,
			       const struct file_operations *fops);
bool wsheap_store_is_heap_file(struct file *file);
struct page *wsheap_store_get_page(struct wsheap_heap *heap, pgoff_t index);
int wsheap_store_populate(struct wsheap_heap *heap, pgoff_t start,
			  pgoff_t end);
void wsheap_store_release(struct wsheap_heap *heap, pgoff_t from);
void wsheap_store_zero(struct wsheap_heap *heap, pgoff_t end);
void wsheap_store_update_status(struct wsheap_heap *heap);
long wsheap_store_user_page(struct wsheap_heap *heap, const void __user *uaddr,
			    size_t len);
int wsheap_store_mmap(struct wsheap_heap *heap, struct vm_area_struct *vma);

#endif /* _WSHEAP_INTERNAL_H */
