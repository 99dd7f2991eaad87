/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libwsheap internals shared by the library's sources.  Not installed.
 */
#ifndef WSHEAP_PRIV_H
#define WSHEAP_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Everything declared by the public headers is exported. */
#pragma GCC visibility push(default)
#include "wsheap.h"
#pragma GCC visibility pop

#define WSHEAP_HIDDEN	__attribute__((visibility("hidden")))

#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

/* Relaxed counters: statistics only, never used for synchronisation. */
#define COUNT_ADD(var, n)	__wsheap_add_relaxed(&(var), (n))
#define COUNT_SUB(var, n)	__wsheap_sub_relaxed(&(var), (n))
#define COUNT_READ(var)		__wsheap_load_relaxed(&(var))

/**
 * struct wsheap_ctx - one open file of /dev/wsheap
 * @fd: the file
 * @page_size: the module's page size (mmap offset and commit granule)
 * @abi: the module's ABI version
 * @create_flags: the CREATE flags the module accepts
 * @span: bytes a heap may address
 * @heaps: heaps living in this context
 * @ioctls: counters (relaxed atomics)
 * @mmaps: "
 * @munmaps: "
 * @is_default: part of the default pool, never closed
 * @reset_v0: the module refused ABI 2's RESET: use WSHEAP_IOC_RESET_V0
 *	(relaxed atomic)
 * @pool_next: next context of the default pool
 */
struct wsheap_ctx {
	int fd;
	uint32_t page_size;
	uint32_t abi;
	uint32_t create_flags;
	uint64_t span;
	uint64_t heaps;
	uint64_t ioctls;
	uint64_t mmaps;
	uint64_t munmaps;
	bool is_default;
	bool reset_v0;
	struct wsheap_ctx *pool_next;
};

/**
 * struct wsheap_window - one mmap() of a range of a heap's offsets
 * @off: first heap offset mapped (page aligned)
 * @len: bytes mapped
 * @va: where
 * @last_gen: the library generation in which a block last used it
 * @next: list link
 */
struct wsheap_window {
	uint64_t off;
	uint64_t len;
	uintptr_t va;
	uint64_t last_gen;
	struct wsheap_window *next;
};

/**
 * struct wsheap_tsblock - the current block of a thread-safe heap
 * @cur: next free byte
 * @end: end of the block
 *
 * One 16-byte word inside the heap object, changed only as a whole (with
 * a 16-byte compare-and-swap, or under the heap's mutex where the CPU has
 * none: see block.c), so it never needs to be freed while threads may
 * still read it.
 */
struct wsheap_tsblock {
	uintptr_t cur;
	uintptr_t end;
};

/**
 * struct wsheap_blk - a block of the current generation, in this process
 * @base: its address
 * @len: its length
 */
struct wsheap_blk {
	uintptr_t base;
	uint64_t len;
};

/**
 * struct wsheap_blks - a growable array of blocks
 * @v: the blocks
 * @n: how many
 * @cap: room in @v
 */
struct wsheap_blks {
	struct wsheap_blk *v;
	uint32_t n;
	uint32_t cap;
};

/**
 * struct wsheap_impl - a heap; @pub must stay first
 */
struct wsheap_impl {
	struct wsheap pub;

	struct wsheap_ctx *ctx;
	uint32_t handle;
	unsigned int flags;
	bool ts_cas;		/* THREADSAFE: ts changes by compare-and-swap,
				 * not under the lock (fixed at creation) */
	uint64_t mmap_offset;
	uint64_t mmap_span;
	uint64_t data_span;	/* offsets that can hold data */
	uint64_t max_size;
	uint64_t quota;		/* max_size rounded up to 8 (UINT64_MAX saturates) */
	uint64_t trim_size;
	uint64_t keep;		/* page_align(trim_size): what RESET keeps */

	/*
	 * requested (non-thread-safe heaps) is req_adj + pub.cur, modulo 2^64:
	 * the inline path moves only the cursor (WSHEAP_INLINE_ABI 3), and the
	 * slow path sets req_adj whenever the cursor jumps (wsheap__req_set()).
	 */
	uint64_t req_adj;

	/*
	 * inline_ok: the inline path may serve this heap (pub.end may pass
	 * pub.cur); inplace: a reset may rewind the block in place.  Both are
	 * computed by wsheap__paths() whenever what they depend on changes.
	 */
	bool inline_ok;
	bool inplace;

	/* Blocks of the current generation. */
	uint64_t block_bytes;
	uint64_t blocks;
	uint64_t hint;		/* first block size of a generation */
	uint64_t gen;		/* generations ended: own resets + foreign */
	uint64_t kgen;		/* the kernel generation of the current state
				 * (atomic for THREADSAFE heaps) */
	uint64_t foreign_resets;

	/*
	 * The current block is [cur_base, blk_end); pub.end may stop short of
	 * blk_end where the quota runs out (see set_limit()).
	 */
	uintptr_t blk_end;
	uintptr_t cur_base;	/* start of the current block */
	uint64_t kend;		/* end of this heap's blocks since the
				 * kernel's last reset */
	bool forked;		/* a fork() happened while the heap lived */

	struct wsheap_blks blks;	/* the generation's blocks, in order */
	struct wsheap_blks spare;	/* blocks a rewind released, for reuse */
	bool san;		/* a sanitizer watches (wsheap__san_active()) */

	/* Sharing. */
	struct wsheap_status *status;	/* the status page, or NULL (atomic) */
	int prot;		/* of the windows */
	bool rdonly;		/* a read-only import */
	uint32_t share;		/* WSHEAP_STATS_* */

	/* Mappings. */
	struct wsheap_window *windows;
	uint64_t nwindows;
	uint64_t mapped_bytes;

	/* Counters (relaxed atomics). */
	uint64_t ioctls;
	uint64_t mmaps;
	uint64_t munmaps;

	/*
	 * WSHEAP_HEAP_THREADSAFE only.  What every allocation writes has a
	 * cache line of its own, away from what every allocation reads.
	 */
	_Alignas(64) struct wsheap_tsblock ts;	/* the current block */
	uint64_t ts_requested;			/* atomic */
	_Alignas(64) pthread_mutex_t lock;

	/* Registry of all heaps of the process (for fork). */
	struct wsheap_impl *reg_prev;
	struct wsheap_impl *reg_next;
};

static inline struct wsheap_impl *to_impl(struct wsheap *heap)
{
	return (struct wsheap_impl *)heap;
}

/*
 * The block word of a thread-safe heap (block.c), as two loads: possibly
 * torn, which the compare-and-swap that follows detects.
 */
static inline struct wsheap_tsblock wsheap__ts_load(struct wsheap_impl *h)
{
	struct wsheap_tsblock b;

	b.cur = __wsheap_load_relaxed(&h->ts.cur);
	b.end = __wsheap_load_relaxed(&h->ts.end);
	return b;
}

/* The mutex of a thread-safe heap (a no-op for the others). */
static inline void ts_lock(struct wsheap_impl *h)
{
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		pthread_mutex_lock(&h->lock);
}

static inline void ts_unlock(struct wsheap_impl *h)
{
	if (h->flags & WSHEAP_HEAP_THREADSAFE)
		pthread_mutex_unlock(&h->lock);
}

/* The quota used (non-thread-safe heaps): see req_adj. */
static inline uint64_t wsheap__req(const struct wsheap_impl *h)
{
	return h->req_adj + h->pub.cur;
}

/* Set what wsheap__req() says, for the cursor as it is now. */
static inline void wsheap__req_set(struct wsheap_impl *h, uint64_t req)
{
	h->req_adj = req - h->pub.cur;
}

/*
 * The internal interfaces, one section per source file, in the order the
 * files depend on each other: each file calls only into the files above it
 * (`make -C userspace check-layers` verifies it from the objects' symbols).
 */

/* sanitize.c: what AddressSanitizer and Valgrind are told (bottom layer) */
WSHEAP_HIDDEN bool wsheap__san_active(void);
WSHEAP_HIDDEN void wsheap__san_heap_new(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__san_heap_end(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__san_block(struct wsheap_impl *h, uintptr_t base,
				     uint64_t len);
WSHEAP_HIDDEN void wsheap__san_alloc(struct wsheap_impl *h, uintptr_t p,
				     uint64_t size);
WSHEAP_HIDDEN void wsheap__san_resize(struct wsheap_impl *h, uintptr_t p,
				      uint64_t old_size, uint64_t new_size);
WSHEAP_HIDDEN void wsheap__san_release(uintptr_t p, uint64_t len);
WSHEAP_HIDDEN void wsheap__san_reset(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__san_unpoison(uintptr_t p, uint64_t len);
WSHEAP_HIDDEN void wsheap__san_forget(uintptr_t p, uint64_t len);

/* ctx.c: contexts, the default pool, the ioctl wrapper */
WSHEAP_HIDDEN int wsheap__ioctl(struct wsheap_ctx *ctx, uint64_t *heap_counter,
				unsigned long cmd, void *arg);
WSHEAP_HIDDEN int wsheap__in_default_pool(int (*fn)(struct wsheap_ctx *ctx,
						    void *arg),
					  void *arg);
WSHEAP_HIDDEN void wsheap__default_lock(void);
WSHEAP_HIDDEN void wsheap__default_unlock(void);

/* window.c: every mmap() of a heap, and the windows onto its offsets */
WSHEAP_HIDDEN void *wsheap__mmap(struct wsheap_impl *h, void *addr,
				 uint64_t len, int prot, int flags, int fd,
				 uint64_t off);
WSHEAP_HIDDEN void wsheap__munmap(struct wsheap_impl *h, uintptr_t va,
				  uint64_t len);
WSHEAP_HIDDEN int wsheap__window_map(struct wsheap_impl *h, uint64_t off,
				     uint64_t len, uint64_t align,
				     uintptr_t *vap);
WSHEAP_HIDDEN int wsheap__window_offset(struct wsheap_impl *h, uintptr_t va,
					uint64_t *offset);
WSHEAP_HIDDEN void wsheap__window_touch(struct wsheap_impl *h, uintptr_t va);
WSHEAP_HIDDEN void wsheap__windows_prune(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__windows_unmap_all(struct wsheap_impl *h);

/* status.c: the kernel's status page of a heap */
WSHEAP_HIDDEN int wsheap__status_get(struct wsheap_impl *h,
				     struct wsheap_status **stp);
WSHEAP_HIDDEN void wsheap__status_unmap(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__status_read(const struct wsheap_status *st,
					struct wsheap_status *out);
WSHEAP_HIDDEN int wsheap__status_range(const struct wsheap_status *st,
				       uint64_t end);
WSHEAP_HIDDEN void wsheap__use_status(struct wsheap_impl *h,
				      struct wsheap_status *st);

/*
 * The generation on the status page (acquire, as the kernel publishes it):
 * the fast path's view, which changes as soon as a reset begins.
 * wsheap__status_read() waits for the reset to be over.
 */
static inline uint64_t wsheap__status_gen(const struct wsheap_status *st)
{
	return __wsheap_load_acquire(&st->generation);
}

/*
 * Has another party reset the heap since the current block was taken?  Only
 * heaps whose status page is mapped can tell without a system call.  Inline:
 * thread-safe heaps ask at every allocation.
 */
static inline bool wsheap__foreign_reset_pending(struct wsheap_impl *h,
						 uint64_t *g)
{
	struct wsheap_status *st = __wsheap_load_acquire(&h->status);

	if (!st)
		return false;
	*g = wsheap__status_gen(st);
	return *g != __wsheap_load_acquire(&h->kgen);
}

/* block.c: blocks from the kernel, the current block, the empty block */
WSHEAP_HIDDEN extern char wsheap__empty[];
#define EMPTY		((uintptr_t)wsheap__empty)

/**
 * struct wsheap_block - a block ALLOC carved for a heap
 * @offset: its offset in the heap
 * @len: its length (page multiple)
 * @generation: the kernel generation ALLOC reported
 * @own: made for one request only (larger than the growth policy's size,
 *	or over-aligned)
 */
struct wsheap_block {
	uint64_t offset;
	uint64_t len;
	uint64_t generation;
	bool own;
};

WSHEAP_HIDDEN uintptr_t wsheap__zero_size_ptr(size_t align);
WSHEAP_HIDDEN extern int wsheap__ts_cas_mode;
WSHEAP_HIDDEN bool wsheap__ts_cas_usable(void);
WSHEAP_HIDDEN bool wsheap__ts_cas(struct wsheap_impl *h,
				  struct wsheap_tsblock *old,
				  struct wsheap_tsblock b);
WSHEAP_HIDDEN void wsheap__ts_set(struct wsheap_impl *h, uintptr_t cur,
				  uintptr_t end);
WSHEAP_HIDDEN void wsheap__block_drop(struct wsheap_impl *h);
WSHEAP_HIDDEN uint64_t wsheap__next_hint(struct wsheap_impl *h);
WSHEAP_HIDDEN int wsheap__block_alloc(struct wsheap_impl *h, uint64_t need,
				      uint64_t align, struct wsheap_block *b);
WSHEAP_HIDDEN int wsheap__block_map(struct wsheap_impl *h,
				    const struct wsheap_block *b,
				    uint64_t align, uintptr_t *basep);
WSHEAP_HIDDEN int wsheap__blks_push(struct wsheap_blks *a, uintptr_t base,
				    uint64_t len);
WSHEAP_HIDDEN void wsheap__paths(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__set_limit(struct wsheap_impl *h);

/* generation.c: where one generation ends and the next begins */
WSHEAP_HIDDEN void wsheap__set_kgen(struct wsheap_impl *h, uint64_t g);
WSHEAP_HIDDEN void wsheap__new_generation(struct wsheap_impl *h, uint64_t g,
					  bool foreign);
WSHEAP_HIDDEN bool wsheap__sync_generation(struct wsheap_impl *h);
WSHEAP_HIDDEN int wsheap__get_block(struct wsheap_impl *h, uint64_t need,
				    uint64_t align, uintptr_t *basep,
				    uint64_t *lenp, bool *own);

/* alloc_ts.c: the allocator of WSHEAP_HEAP_THREADSAFE heaps */
WSHEAP_HIDDEN int wsheap__ts_alloc(struct wsheap_impl *h, size_t size,
				   size_t align, void **ptr);

/* alloc.c: the slow path of the inline allocator */

/* fork.c: the registry of heaps and the fork handlers */
WSHEAP_HIDDEN int wsheap__fork_init(void);
WSHEAP_HIDDEN void wsheap__reg_add(struct wsheap_impl *h);
WSHEAP_HIDDEN void wsheap__reg_del(struct wsheap_impl *h);

/* heap.c: a heap's life: creation, reset, statistics, end */
WSHEAP_HIDDEN int wsheap__heap_new(struct wsheap_ctx *ctx,
				   struct wsheap_impl **hp);
WSHEAP_HIDDEN void wsheap__heap_set_span(struct wsheap_impl *h,
					 uint64_t mmap_span);
WSHEAP_HIDDEN void wsheap__heap_publish(struct wsheap_impl *h,
					struct wsheap **heapp);

/* mark.c: savepoints (wsheap_mark(), wsheap_rewind()) */

/* grow.c: growing the last allocation (wsheap_grow(), wsheap_realloc()) */

/* share.c: export, import, offsets and generations across parties (top) */

#endif /* WSHEAP_PRIV_H */
