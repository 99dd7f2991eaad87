/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals shared by the module's files and its KUnit suites.
 *
 * Files, one concern each; calls go down this list, never up (no cycles):
 *   wsheap_main.c      module init, /dev/wsheap, ioctl dispatch, its mmap
 *   wsheap_debugfs.c   read-only views of the registry
 *   wsheap_context.c   contexts: handle tables, the commands on handles
 *   wsheap_kapi.c      the in-kernel API for drivers (wsheap_kernel.h)
 *   wsheap_dmabuf.c    dma-buf exports of heap ranges
 *   wsheap_file.c      a heap's files: its anchor, exported views,
 *                      read-only mapping files, the pseudo filesystem
 *   wsheap_heap.c      the heap object: bump allocator, quota, trim, reset,
 *                      destroy, pins, the status page's contents
 *   wsheap_reclaim.c   the shrinker that takes back kept pages nothing uses
 *   wsheap_store.c     the page store: the heap inode's page cache, faults,
 *                      giving pages back, pages a GUP pin still holds
 *   wsheap_limits.c    module-parameter limits and the charges against them
 *   wsheap_registry.c  every live context and heap, for observers
 *
 * (testing/callgraph.sh checks this order with nm on the built objects.)
 *
 * Lifetime.  A heap's anchor is its own file on the wsheap pseudo
 * filesystem (wsheap_file.c), as a dma-buf's is: a context handle, an
 * exported descriptor, a read-only mapping file, a dma-buf, a kernel user,
 * a mapping (the VMA's vm_file) and an in-flight operation each hold a
 * reference to that file, and the heap is freed in its ->release().  Each
 * heap holds a reference to the context that created it, which is charged
 * for its memory.  Users (handles, exported descriptors, kernel users) are
 * also counted: an explicit DESTROY by the last of them gives the memory
 * back at once, even if mappings remain.
 *
 * Rights travel with the file a mapping points to.  A writable mapping's
 * vm_file is the anchor; every read-only mapping's is a file opened without
 * FMODE_WRITE on the heap's inode, so no mm path (mprotect, mremap,
 * remap_file_pages, fork, GUP, /proc/pid/mem) can make it writable.  Every
 * ->mmap refuses VM_EXEC and clears VM_MAYEXEC.
 *
 * Locks, outermost first:
 *   mmap_lock (or, on 6.12, the per-VMA lock: the store has ->map_pages,
 *	so its faults run under the VMA lock)
 *   mapping->invalidate_lock (filemap_invalidate_lock) of the heap's inode:
 *	faults, kernel accesses and dma-buf exports take it shared; reset and
 *	destroy exclusive, so no page is found or installed while pages are
 *	being given back.  Never held across a user-memory access or while
 *	taking mmap_lock.
 *   heap->lock (mutex): the allocator state, pins, exports; taken inside the
 *	invalidate lock by reset and destroy, alone by ALLOC and INFO.
 *   folio locks and i_mmap_rwsem: the page cache's own, taken inside both.
 *   ctx->lock (mutex): handle creation and removal and nr_heaps; never
 *	held while taking a heap's locks.
 *   ctx->handles' xa_lock (spinlock): lookups; taken alone.
 *   the registry mutex (wsheap_registry.c): the lists of contexts and heaps;
 *	debugfs takes heap->lock inside it, nothing takes it inside a heap's
 *	locks.
 *   wsheap_orphans_lock (spinlock, wsheap_store.c): the list of pages a GUP
 *	pin kept after the store gave them up; taken alone.
 *   the reclaim list_lru's per-memcg spinlocks (wsheap_reclaim.c): taken
 *	inside heap->lock by a reset that offers its heap; the shrinker's
 *	scan holds one and only trylocks the invalidate lock and heap->lock
 *	(reclaim may run inside a fault that holds the invalidate lock).
 */
#ifndef _WSHEAP_INTERNAL_H
#define _WSHEAP_INTERNAL_H

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "wsheap_compat.h"
#include "wsheap_ioctl.h"

struct dma_buf;
struct file;
struct folio;
struct mem_cgroup;
struct vm_area_struct;

/* Handles must fit below the mmap offset's heap bits (off_t is signed). */
#define WSHEAP_MAX_HANDLE	((1U << (63 - WSHEAP_SPAN_SHIFT)) - 1)
#define WSHEAP_SPAN_PAGES	(WSHEAP_SPAN >> PAGE_SHIFT)
#define WSHEAP_STATUS_PGOFF	(WSHEAP_STATUS_OFFSET >> PAGE_SHIFT)

/**
 * struct wsheap_account - what one context has committed
 * @ref: held by the context and by every heap it created
 * @committed: bytes charged: the heaps' committed pages, the pages their
 *	dma-bufs hold, and pages GUP pins kept after a heap gave them up
 */
struct wsheap_account {
	refcount_t ref;
	atomic64_t committed;
};

/**
 * struct wsheap_context - one open of /dev/wsheap
 * @ref: held by the open file and by operations in flight
 * @lock: serialises handle creation and removal with @nr_heaps
 * @handles: handle -> heap, a tagged pointer (tag WSHEAP_HANDLE_RDONLY for
 *	a read-only handle); each entry holds a reference to the heap's file.
 *	A reserved (NULL) entry is a handle not yet published.
 * @next_handle: cursor for cyclic handle allocation
 * @nr_heaps: handles, published or reserved, bounded by
 *	max_heaps_per_context
 * @rdonly: the device was opened without write access: the context hands
 *	out nothing writable
 * @account: charged for the heaps this context creates
 * @id: a number for observers (debugfs)
 * @pid: the process that opened it
 * @node: in the registry
 */
struct wsheap_context {
	struct kref ref;
	struct mutex lock;		/* handle creation and removal */
	struct xarray handles;
	u32 next_handle;
	unsigned int nr_heaps;
	bool rdonly;
	struct wsheap_account *account;
	u64 id;
	pid_t pid;
	struct list_head node;
};

/* The tag of a read-only handle's entry in wsheap_context.handles. */
#define WSHEAP_HANDLE_RDONLY	1

/**
 * struct wsheap_range - a range of a heap's pages that a dma-buf holds
 * @node: in &wsheap_heap.exports while the pages are still the heap's
 * @first: first page index
 * @npages: pages
 * @detached: a reset or destroy gave the pages up; the dma-buf holds them
 *	alone (counted in &wsheap_heap.held)
 */
struct wsheap_range {
	struct list_head node;
	pgoff_t first;
	pgoff_t npages;
	bool detached;
};

/**
 * struct wsheap_heap - an arena
 * @file: the heap's anchor file; its refcount is the heap's
 * @mapping: the page cache of @file's inode: the page store
 * @account: the creating context's, charged for @committed_pages
 * @owner_id: the creating context's id, for observers
 * @memcg: the creator's memory cgroup, charged for pages and metadata
 * @lock: protects the allocator state below (see the locking rules above)
 * @max_size: quota on @requested
 * @trim_size: bytes a reset keeps committed
 * @flags: WSHEAP_CREATE_* flags
 * @dead: destroyed; every access fails
 * @users: handles, exported descriptors and kernel users
 * @pins: kernel pins (wsheap_pin(), vmaps); a reset fails with -EBUSY
 * @status: the status page, a folio of @mapping at WSHEAP_STATUS_PGOFF
 * @sequence: the status page's sequence counter
 * @requested: sum of allocation sizes since creation or reset
 * @cursor: next free offset
 * @committed_pages: pages [0, @committed_pages) may be backed; a fault
 *	beyond is SIGBUS.  Grows under @lock, shrinks under the invalidate
 *	lock too; read locklessly with smp_load_acquire().
 * @generation: number of resets; changes only under the invalidate lock
 *	held exclusive, so it is stable under the shared lock
 * @exports: ranges held by dma-bufs of this generation (struct wsheap_range)
 * @held: pages given up by the store that a dma-buf or GUP pin still holds
 * @reclaimed: kept pages the shrinker gave back, since creation
 * @reclaim: the heap's item on the shrinker's list
 * @address: where the creator says byte 0 is mapped (SET_ADDRESS)
 * @id: a number for observers: the inode number of @file
 * @pid: the process that created it
 * @node: in the registry
 */
struct wsheap_heap {
	struct file *file;
	struct address_space *mapping;
	struct wsheap_account *account;
	u64 owner_id;
	struct mem_cgroup *memcg;
	struct mutex lock;		/* the allocator state below */
	u64 max_size;
	u64 trim_size;
	u32 flags;
	bool dead;
	atomic_t users;
	unsigned int pins;
	struct folio *status;
	u64 sequence;
	u64 requested;
	u64 cursor;
	u64 committed_pages;
	u64 generation;
	struct list_head exports;
	atomic_long_t held;
	u64 reclaimed;
	struct wsheap_reclaim_item *reclaim;
	u64 address;
	u64 id;
	pid_t pid;
	struct list_head node;
};

/* Bytes rounded up to pages, without overflowing: what a trim size keeps. */
static inline u64 wsheap_trim_pages(u64 trim_size)
{
	return (trim_size >> PAGE_SHIFT) + !!(trim_size & ~PAGE_MASK);
}

/* A reference to a heap is a reference to its anchor file. */
static inline void wsheap_heap_get(struct wsheap_heap *heap)
{
	get_file(heap->file);
}

static inline void wsheap_heap_put(struct wsheap_heap *heap)
{
	fput(heap->file);
}

/* Users: handles, exported descriptors, kernel users (see Lifetime). */
static inline void wsheap_heap_user_get(struct wsheap_heap *heap)
{
	atomic_inc(&heap->users);
}

/* Return: true if that was the last user. */
static inline bool wsheap_heap_user_put(struct wsheap_heap *heap)
{
	return atomic_dec_and_test(&heap->users);
}

/* wsheap_limits.c: module parameters and charges against them */
extern unsigned int wsheap_max_heaps_per_context;
extern unsigned long long wsheap_max_bytes_per_context;
extern unsigned long long wsheap_max_bytes_total;
extern atomic64_t wsheap_committed_total;
void wsheap_limits_init(void);
struct wsheap_account *wsheap_account_alloc(void);
void wsheap_account_get(struct wsheap_account *account);
void wsheap_account_put(struct wsheap_account *account);
int wsheap_limits_charge(struct wsheap_account *account, u64 pages);
void wsheap_limits_charge_force(struct wsheap_account *account, u64 pages);
void wsheap_limits_uncharge(struct wsheap_account *account, u64 pages);

/* wsheap_debugfs.c: observers */
void wsheap_debugfs_init(void);
void wsheap_debugfs_exit(void);

/* wsheap_registry.c: every live object, for observers */
typedef void wsheap_context_fn(struct wsheap_context *ctx, void *arg);
typedef void wsheap_heap_fn(struct wsheap_heap *heap, void *arg);
void wsheap_registry_add_context(struct wsheap_context *ctx);
void wsheap_registry_del_context(struct wsheap_context *ctx);
void wsheap_registry_add_heap(struct wsheap_heap *heap);
void wsheap_registry_del_heap(struct wsheap_heap *heap);
void wsheap_registry_visit_contexts(wsheap_context_fn *fn, void *arg);
void wsheap_registry_visit_heaps(wsheap_heap_fn *fn, void *arg);

/* wsheap_reclaim.c: the shrinker over kept pages */
struct wsheap_reclaim_item;
int wsheap_reclaim_init(void);
void wsheap_reclaim_exit(void);
int wsheap_reclaim_track(struct wsheap_heap *heap);
void wsheap_reclaim_offer(struct wsheap_heap *heap);
void wsheap_reclaim_untrack(struct wsheap_heap *heap);
unsigned long wsheap_reclaim_heap(struct wsheap_heap *heap);

/* wsheap_store.c: the page store */
void wsheap_store_exit(void);
void wsheap_store_setup(struct address_space *mapping);
struct folio *wsheap_store_status_folio(struct address_space *mapping,
					struct mem_cgroup *memcg);
struct folio *wsheap_store_get_folio(struct wsheap_heap *heap, pgoff_t index);
int wsheap_store_populate(struct wsheap_heap *heap, pgoff_t start,
			  pgoff_t end);
void wsheap_store_give_back(struct wsheap_heap *heap, pgoff_t start,
			    pgoff_t end);
unsigned long wsheap_store_release_pinned(struct wsheap_heap *heap,
					  pgoff_t end);
pgoff_t wsheap_store_fill(struct wsheap_heap *heap, pgoff_t end, bool add);
typedef bool wsheap_index_fn(struct wsheap_heap *heap, pgoff_t index);
unsigned long wsheap_store_reclaim(struct wsheap_heap *heap, pgoff_t start,
				   pgoff_t end, wsheap_index_fn *keep);
int wsheap_store_populate_contig(struct wsheap_heap *heap, pgoff_t start,
				 pgoff_t end);
void wsheap_store_zero(struct wsheap_heap *heap, pgoff_t end);
unsigned long wsheap_store_resident(struct wsheap_heap *heap);
void wsheap_store_forget(struct wsheap_heap *heap);
int wsheap_store_mmap(struct vm_area_struct *vma, bool writable);

/* wsheap_heap.c: the heap object and its bump allocator */
struct wsheap_heap *wsheap_heap_create(struct wsheap_context *owner,
				       struct address_space *mapping,
				       u64 max_size, u64 trim_size, u32 flags);
void wsheap_heap_free(struct wsheap_heap *heap);
int wsheap_heap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		      u64 *offset, u64 *generation);
int wsheap_heap_alloc_pinned(struct wsheap_heap *heap, u64 size, u64 align,
			     u64 *offset, u64 *generation);
int wsheap_heap_check(struct wsheap_heap *heap, u64 generation, u64 offset,
		      u64 len);
int wsheap_heap_pin(struct wsheap_heap *heap, u64 generation, u64 offset,
		    u64 len);
void wsheap_heap_unpin(struct wsheap_heap *heap);
int wsheap_heap_reset(struct wsheap_heap *heap, u64 *generation);
void wsheap_heap_kill(struct wsheap_heap *heap);
void wsheap_heap_info(struct wsheap_heap *heap, struct wsheap_info *info);
u64 wsheap_heap_generation(struct wsheap_heap *heap);
void wsheap_heap_set_address(struct wsheap_heap *heap, u64 address);
int wsheap_heap_add_range(struct wsheap_heap *heap, const u64 *generation,
			  struct wsheap_range *range);
void wsheap_heap_del_range(struct wsheap_heap *heap,
			   struct wsheap_range *range);

/* wsheap_file.c: a heap's files and the pseudo filesystem */
int wsheap_file_init(void);
void wsheap_file_exit(void);
struct wsheap_heap *wsheap_file_create_heap(struct wsheap_context *owner,
					    u64 max_size, u64 trim_size,
					    u32 flags);
int wsheap_file_mmap(struct wsheap_heap *heap, struct vm_area_struct *vma,
		     bool writable);
struct file *wsheap_file_export(struct wsheap_heap *heap, bool rdonly);
struct wsheap_heap *wsheap_file_fdget(int fd, bool *rdonly);

/* wsheap_dmabuf.c: dma-buf exports of heap ranges */
struct dma_buf *wsheap_dmabuf_export(struct wsheap_heap *heap,
				     const u64 *generation, u64 offset,
				     u64 size, bool rdonly);

/**
 * struct wsheap_cmd - one ioctl's arguments and what it must publish
 * @args: the command's struct, copied in (zero-extended) and out whole
 * @args.create: WSHEAP_IOC_CREATE
 * @args.alloc: WSHEAP_IOC_ALLOC
 * @args.reset: WSHEAP_IOC_RESET and WSHEAP_IOC_RESET_V0
 * @args.destroy: WSHEAP_IOC_DESTROY
 * @args.info: WSHEAP_IOC_INFO
 * @args.version: WSHEAP_IOC_VERSION
 * @args.export: WSHEAP_IOC_EXPORT
 * @args.import: WSHEAP_IOC_IMPORT
 * @args.export_dmabuf: WSHEAP_IOC_EXPORT_DMABUF
 * @args.set_address: WSHEAP_IOC_SET_ADDRESS
 * @file: a file to install at @fd once the result reached user space
 * @fd: the descriptor reserved for @file
 * @heap: a heap to publish at @handle once the result reached user space
 * @handle: the handle reserved for @heap
 * @rdonly: @handle is read-only
 *
 * Descriptors and handles are made visible last: the command reserves
 * them, the dispatcher copies the result out and then calls
 * wsheap_cmd_commit(), or wsheap_cmd_abort() if the copy failed, so a
 * caller never holds a descriptor or handle it was not told about.
 */
struct wsheap_cmd {
	union {
		struct wsheap_create create;
		struct wsheap_alloc alloc;
		struct wsheap_reset reset;
		struct wsheap_destroy destroy;
		struct wsheap_info info;
		struct wsheap_version version;
		struct wsheap_export export;
		struct wsheap_import import;
		struct wsheap_export_dmabuf export_dmabuf;
		struct wsheap_set_address set_address;
	} args;
	struct file *file;
	int fd;
	struct wsheap_heap *heap;
	u32 handle;
	bool rdonly;
};

/* wsheap_context.c: contexts and their handle tables */
struct wsheap_context *wsheap_context_create(bool rdonly);
void wsheap_context_close(struct wsheap_context *ctx);
void wsheap_context_get(struct wsheap_context *ctx);
void wsheap_context_put(struct wsheap_context *ctx);
struct wsheap_heap *wsheap_context_get_heap(struct wsheap_context *ctx,
					    u32 handle, bool *rdonly);
void wsheap_cmd_commit(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
void wsheap_cmd_abort(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_create(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_alloc(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_reset(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_destroy(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_info(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_version(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_export(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_import(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
int wsheap_cmd_export_dmabuf(struct wsheap_context *ctx,
			     struct wsheap_cmd *cmd);
int wsheap_cmd_set_address(struct wsheap_context *ctx, struct wsheap_cmd *cmd);

#endif /* _WSHEAP_INTERNAL_H */
