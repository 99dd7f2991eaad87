/* SPDX-License-Identifier: MIT */
/*
 * wsheap.h - the native API of libwsheap, arena heaps in kernel memory.
 *
 * Every function returns 0 on success or a negative errno value on failure
 * (the liburing convention); errno itself is not used.  A heap hands out
 * memory with a bump pointer in user space: wsheap_alloc() and
 * wsheap_alloc_aligned() are inline and make no system call until the block
 * the heap got from the kernel is used up.  Blocks come from /dev/wsheap
 * (WSHEAP_IOC_ALLOC, then an mmap of the heap's pages) in geometrically
 * growing sizes, so n allocations cost O(log n) system calls.
 *
 * See libwsheap(3) for the model: contexts, quota, block growth, threads,
 * fork and the relation to the kernel ABI in wsheap_ioctl.h.
 *
 * Quota: the kernel's quota counts block sizes; the library enforces
 * max_size itself, on the bytes allocations take from blocks (each size
 * rounded up to 8; alignment padding is free), and creates the kernel heap
 * with max_size = UINT64_MAX.  <webservices.h>'s WsAlloc enforces maxSize on
 * the exact sizes, as Windows does.
 *
 * Fork: a child shares its parent's contexts and mappings, hence every heap
 * and its pages, but is never handed the bytes the parent is handed: a
 * pthread_atfork() child handler drops the current block of every heap, so
 * the child's next allocation takes a fresh block from the kernel, whose
 * cursor both share.  Memory allocated before the fork is shared, not
 * copied.  wsheap_reset() and wsheap_free() act on the shared kernel heap,
 * so they release the other process's allocations too: a child should use
 * heaps of its own and drop inherited ones with wsheap_detach(), leaving
 * resets and frees to the owner.  (1.3) Since either process can reset an
 * inherited heap, the child allocates from it in the slow path only, which
 * maps the heap's status page and so sees a reset by the parent at its next
 * allocation; so does the parent from its next allocation that reaches the
 * slow path (its inline path may be running in another thread during the
 * fork, so its current block is left to it).  Neither rewinds it in place
 * any more (wsheap_reset()).
 *
 * Sharing (1.1): wsheap_export() makes a file descriptor for a heap that
 * another process (over SCM_RIGHTS, fork or exec) turns into a heap of its
 * own with wsheap_import().  All parties share the pages and the kernel's
 * bump cursor, so blocks (and hence allocations) of different parties never
 * overlap; they exchange offsets (wsheap_offset(), wsheap_ptr()), since
 * addresses differ per process.  A reset by any party releases everyone's
 * allocations; the heap's status page tells each party of it without a
 * system call (wsheap_generation()).  See libwsheap(3), SHARING.
 */
#ifndef WSHEAP_H
#define WSHEAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The kernel's ABI header, installed as <wsheap/wsheap_ioctl.h> (in the
 * source tree, userspace/include/wsheap/wsheap_ioctl.h points at the one
 * copy, ../wsheap_ioctl.h).
 */
#include <wsheap/wsheap_ioctl.h>
#include <wsheap/barrier.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The library's version: the one place it is written (the Makefile reads
 * it from here for the soname, the file names and wsheap.pc).  A release
 * that adds functions raises the minor version and gets a version node of
 * its own (LIBWSHEAP_<major>.<minor>); the major version changes only with
 * the soname.  wsheap_version() gives the version of the library a program
 * runs with, which may be newer than the headers it was built with.
 */
#define WSHEAP_LIB_VERSION_MAJOR	1
#define WSHEAP_LIB_VERSION_MINOR	3
#define WSHEAP_LIB_VERSION_PATCH	0

/* A version as one number, for comparisons: 1.2.0 is 0x010200. */
#define WSHEAP_VERSION_CODE(major, minor, patch) \
	((unsigned int)(major) << 16 | (unsigned int)(minor) << 8 | \
	 (unsigned int)(patch))
#define WSHEAP_LIB_VERSION	WSHEAP_VERSION_CODE(WSHEAP_LIB_VERSION_MAJOR, \
						    WSHEAP_LIB_VERSION_MINOR, \
						    WSHEAP_LIB_VERSION_PATCH)
/* Are these headers those of major.minor or later (of the same major)? */
#define WSHEAP_CHECK_VERSION(major, minor) \
	((major) == WSHEAP_LIB_VERSION_MAJOR && \
	 (minor) <= WSHEAP_LIB_VERSION_MINOR)

/*
 * WSHEAP_INLINE marks the fast-path functions.  By default they are
 * "static inline"; the library defines it empty in one source file so that
 * every inline function is also exported as a real symbol (for FFI users and
 * for callers that take their address), as liburing-ffi does.
 */
#ifndef WSHEAP_INLINE
# define WSHEAP_INLINE static inline
#endif

#if defined(__GNUC__) || defined(__clang__)
# define WSHEAP_LIKELY(x)	__builtin_expect(!!(x), 1)
# define WSHEAP_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#else
# define WSHEAP_LIKELY(x)	(x)
# define WSHEAP_UNLIKELY(x)	(x)
#endif
/* The names of 1.1, kept for code that used them. */
#define WSHEAP_LOAD_RELAXED(p)	__wsheap_load_relaxed(p)
#define WSHEAP_LOAD_ACQUIRE(p)	__wsheap_load_acquire(p)

/* Flags for wsheap_create() */
/* Allocation may be called from several threads at once. */
#define WSHEAP_HEAP_THREADSAFE		(1U << 0)
/*
 * The kernel allocates (zeroed) pages when a block is taken, not on touch,
 * and (1.3) the library maps them into this process then
 * (MADV_POPULATE_WRITE), so the program's own stores take no page fault.
 */
#define WSHEAP_HEAP_POPULATE		(1U << 1)
/* The kernel zeroes the pages a reset keeps: no byte survives a reset. */
#define WSHEAP_HEAP_ZERO_ON_RESET	(1U << 2)
#define WSHEAP_HEAP_FLAGS	(WSHEAP_HEAP_THREADSAFE | WSHEAP_HEAP_POPULATE | \
				 WSHEAP_HEAP_ZERO_ON_RESET)

/* Flags for wsheap_export() */
/* Importers get read-only access (WSHEAP_EXPORT_RDONLY). */
#define WSHEAP_SHARE_RDONLY		(1U << 0)
/* The descriptor stays open across execve() (WSHEAP_EXPORT_NO_CLOEXEC). */
#define WSHEAP_SHARE_NO_CLOEXEC		(1U << 1)
#define WSHEAP_SHARE_FLAGS	(WSHEAP_SHARE_RDONLY | WSHEAP_SHARE_NO_CLOEXEC)

/* Bits of struct wsheap_stats' share field */
#define WSHEAP_STATS_EXPORTED		(1U << 0)	/* wsheap_export() made */
#define WSHEAP_STATS_IMPORTED		(1U << 1)	/* made by wsheap_import() */
#define WSHEAP_STATS_RDONLY		(1U << 2)	/* a read-only import */

/* Every allocation is aligned to at least this many bytes. */
#define WSHEAP_MIN_ALIGN	8

/* First and largest size of the blocks a heap takes from the kernel. */
#define WSHEAP_BLOCK_MIN	(64ULL << 10)
#define WSHEAP_BLOCK_MAX	(64ULL << 20)

/** struct wsheap_ctx - a context: one open file of /dev/wsheap (opaque) */
struct wsheap_ctx;

/**
 * struct wsheap - a heap
 *
 * Only the fields the inline fast path needs are visible; the library
 * allocates the real object, which is larger.  Treat every field as private:
 * read a heap's state with wsheap_stats().
 *
 * @cur: the next free byte of the current block (8-byte aligned)
 * @end: where the fast path stops: the end of the current block, or earlier
 *	where the quota would run out, so the fast path need not check the
 *	quota; equal to @cur for a heap the fast path must not serve
 * @requested: (contracts 1 and 2 only) what their inline code adds sizes
 *	to; the library no longer reads it (wsheap_stats() has the figure)
 * @max_size: (contract 1 only) UINT64_MAX, or 0 for a thread-safe heap
 * @gen_ptr: (contract 2 only) where the heap's generation is read: the
 *	kernel's status page once the heap is shared, else @gen itself
 * @gen: (contract 2 only) the generation the current block belongs to
 *
 * The library allocates the object, so the struct may grow, but only at the
 * end, and a field once inlined keeps its offset and meaning for the
 * programs that inline it: see WSHEAP_INLINE_ABI.
 */
struct wsheap {
	uintptr_t cur;
	uintptr_t end;
	uint64_t requested;
	uint64_t max_size;
	const uint64_t *gen_ptr;
	uint64_t gen;
};

/**
 * struct wsheap_stats - the library's view of a heap
 * @max_size: the quota given to wsheap_create()
 * @trim_size: the trim size given to wsheap_create()
 * @requested: (1.3) bytes the allocations since creation or the last reset
 *	take: the sum of their sizes each rounded up to 8
 *	(WSHEAP_MIN_ALIGN); alignment padding does not count.  Before 1.3 the
 *	exact sizes; both agree for sizes that are multiples of 8
 * @block_bytes: bytes of the blocks taken from the kernel since creation or
 *	the last reset
 * @blocks: number of those blocks
 * @free_bytes: bytes left in the current block
 * @mapped_bytes: address space of the windows mapped now
 * @windows: number of windows (mmaps of the heap) mapped now
 * @generation: generations this process's library saw end: its own resets
 *	plus the resets by other parties it noticed (@foreign_resets)
 * @ioctls: ioctl() calls made for this heap since creation, CREATE included
 * @mmaps: mmap() calls made for this heap since creation
 * @munmaps: munmap() calls made for this heap since creation
 * @flags: WSHEAP_HEAP_* given to wsheap_create() (for an imported heap: the
 *	THREADSAFE flag given to wsheap_import() and the creator's POPULATE and
 *	ZERO_ON_RESET)
 * @handle: the kernel's handle of the heap in its context
 * @foreign_resets: (1.1) resets by other parties (other processes, or other
 *	heap objects of the same kernel heap) that the library noticed and for
 *	which it dropped its current block
 * @kernel_generation: (1.1) the kernel generation the library's current
 *	block and @requested belong to (after a reset of a heap that is not
 *	shared, the library's count: the next block corrects it if a forked
 *	child reset the heap meanwhile)
 * @share: (1.1) WSHEAP_STATS_* bits
 * @pad: zero
 * @reserved: zero
 */
struct wsheap_stats {
	uint64_t max_size;
	uint64_t trim_size;
	uint64_t requested;
	uint64_t block_bytes;
	uint64_t blocks;
	uint64_t free_bytes;
	uint64_t mapped_bytes;
	uint64_t windows;
	uint64_t generation;
	uint64_t ioctls;
	uint64_t mmaps;
	uint64_t munmaps;
	uint32_t flags;
	uint32_t handle;
	uint64_t foreign_resets;
	uint64_t kernel_generation;
	uint32_t share;
	uint32_t pad;
	uint64_t reserved[1];
};

/**
 * struct wsheap_mark - a savepoint of a heap, from wsheap_mark() (1.3)
 * @generation: the library generation it belongs to
 * @requested: the quota used then
 * @cur: the cursor then
 * @blocks: blocks the generation had taken
 * @block: the current block's place among them (from 1; 0: none)
 * @reserved: zero
 *
 * Keep it and hand it to wsheap_rewind(); treat the fields as private.
 */
struct wsheap_mark {
	uint64_t generation;
	uint64_t requested;
	uintptr_t cur;
	uint32_t blocks;
	uint32_t block;
	uint64_t reserved[2];
};

/**
 * struct wsheap_ctx_stats - a context's counters
 * @ioctls: ioctl() calls made on the context since it was opened (VERSION at
 *	open included), for all its heaps
 * @mmaps: mmap() calls for all its heaps
 * @munmaps: munmap() calls for all its heaps
 * @heaps: heaps that live in the context now
 * @contexts: number of contexts summed up (more than one only for the default
 *	pool, see wsheap_ctx_stats())
 * @page_size: the module's page size
 * @abi: the module's ABI version
 * @create_flags: the CREATE flags the module accepts
 * @pad: zero
 * @span: bytes each heap may address (WSHEAP_SPAN)
 * @reserved: zero
 */
struct wsheap_ctx_stats {
	uint64_t ioctls;
	uint64_t mmaps;
	uint64_t munmaps;
	uint64_t heaps;
	uint64_t contexts;
	uint32_t page_size;
	uint32_t abi;
	uint32_t create_flags;
	uint32_t pad;
	uint64_t span;
	uint64_t reserved[4];
};

/**
 * wsheap_version() - the version of the library the program runs with (1.2)
 *
 * Return: WSHEAP_VERSION_CODE(major, minor, patch) of the loaded library,
 * which may be newer than WSHEAP_LIB_VERSION, the headers' version.
 */
unsigned int wsheap_version(void);

/**
 * wsheap_check_version() - does the library provide major.minor? (1.2)
 * @major: the major version wanted (WSHEAP_LIB_VERSION_MAJOR to ask for
 *	the headers' own)
 * @minor: the minor version wanted
 *
 * A library provides the functions and behaviour of every earlier minor
 * version of its major version.  Use it before relying on behaviour that
 * has no symbol of its own (symbols carry their version node: the loader
 * checks those).
 *
 * Return: 0 if the loaded library is major.minor or a later minor of the
 * same major, -ENOSYS if not.
 */
int wsheap_check_version(unsigned int major, unsigned int minor);

/**
 * wsheap_strerror() - what an error of libwsheap means, and what to do (1.2)
 * @err: a negative errno value a function of this library returned (or
 *	its positive value)
 *
 * The message says what the error means as the functions that open
 * /dev/wsheap return it (wsheap_ctx_open(), wsheap_ctx_default(),
 * wsheap_create(), wsheap_import()) and, where the user can act, what to
 * do: a missing device (-ENOENT, -ENODEV) names "modprobe wsheap", a
 * permission failure (-EACCES) names /dev/wsheap, the group "wsheap" and
 * the udev rule 60-wsheap.rules.  For what an errno means elsewhere, see
 * each function (wsheap_ptr()'s -ENOENT: the heap was destroyed).
 *
 * Return: a message, in English, without a trailing newline: a constant,
 * or for an errno the library does not know, "error N" in a buffer of the
 * calling thread that the next such call overwrites.
 */
const char *wsheap_strerror(int err);

/**
 * wsheap_ctx_open() - open a new context
 * @ctxp: out: the context
 *
 * Opens WSHEAP_DEVICE (close-on-exec) and checks the module's ABI version.
 *
 * Return: 0, or -EINVAL (@ctxp is NULL), -ENOENT (no /dev/wsheap: the
 * module is not loaded), -ENODEV (a /dev/wsheap that no module serves),
 * -EACCES (no permission to open /dev/wsheap), -EPROTO (unknown ABI
 * version), -ENOMEM, or what open(2) or the VERSION ioctl failed with.
 * wsheap_strerror() says what to do about the first three.
 */
int wsheap_ctx_open(struct wsheap_ctx **ctxp);

/**
 * wsheap_ctx_close() - close a context that holds no heap
 * @ctx: the context
 *
 * Return: 0, -EINVAL (@ctx is NULL), -EBUSY (heaps still live in @ctx, or
 * @ctx is the process's default context, which is never closed).
 */
int wsheap_ctx_close(struct wsheap_ctx *ctx);

/**
 * wsheap_ctx_default() - the process-wide default context
 * @ctxp: out: the context
 *
 * The default context is opened on first use (thread-safe) and lives until
 * the process exits.  Heaps created with a NULL context live in it; when it
 * holds the module's max_heaps_per_context heaps, further heaps go to extra
 * contexts the library opens as needed (the default pool).
 *
 * Return: 0, or an error of wsheap_ctx_open().
 */
int wsheap_ctx_default(struct wsheap_ctx **ctxp);

/**
 * wsheap_ctx_fd() - the file descriptor of a context
 * @ctx: the context, or NULL for the default one
 *
 * Return: the descriptor (>= 0), or a negative errno.
 */
int wsheap_ctx_fd(struct wsheap_ctx *ctx);

/**
 * wsheap_ctx_stats() - a context's counters and the module's parameters
 * @ctx: the context, or NULL for the default pool (its counters are summed)
 * @st: out
 *
 * Return: 0, -EINVAL (@st is NULL), or an error of wsheap_ctx_default().
 */
int wsheap_ctx_stats(struct wsheap_ctx *ctx, struct wsheap_ctx_stats *st);

/**
 * wsheap_create() - create a heap
 * @ctx: the context, or NULL for the default one
 * @max_size: the quota: the most the sizes passed to wsheap_alloc*() may add
 *	up to between resets; any value, 0 and UINT64_MAX included
 * @trim_size: bytes of memory a reset keeps (the kernel rounds up to pages)
 * @flags: WSHEAP_HEAP_*
 * @heapp: out: the heap
 *
 * The library enforces @max_size itself (1.3): an allocation succeeds while
 * the sizes of the generation's allocations, each rounded up to a multiple
 * of 8 (the bytes it takes from a block), add up to at most @max_size
 * rounded up to a multiple of 8.  Padding for alignment uses no quota.  (Up
 * to 1.2 the exact sizes were summed; for sizes that are multiples of 8 the
 * two rules agree.  The rounded rule lets the inline path derive the quota
 * from its cursor instead of counting each allocation.)  The kernel heap is
 * created with max_size = UINT64_MAX and @trim_size.  Creating a heap takes
 * no memory and no address space: blocks are taken on demand.
 *
 * Return: 0, or -EINVAL (bad @flags, @heapp NULL), -EOPNOTSUPP (the module
 * lacks a flag), -EMFILE (@ctx holds max_heaps_per_context heaps), -ENOMEM,
 * or an error of wsheap_ctx_default().
 */
int wsheap_create(struct wsheap_ctx *ctx, uint64_t max_size, uint64_t trim_size,
		  unsigned int flags, struct wsheap **heapp);

/**
 * wsheap_free() - destroy a heap and everything allocated from it
 * @heap: the heap, or NULL (nothing happens)
 *
 * Unmaps the heap's windows, then destroys the kernel heap's handle.  The
 * heap's memory is gone for every process that shares the handle (see
 * libwsheap(3), fork).  A heap that was exported or imported lives on while
 * another handle, exported descriptor or kernel user holds it: then only
 * this party's handle is dropped.
 *
 * Return: 0, or the error of the DESTROY ioctl (the library's state of the
 * heap is freed anyway).
 */
int wsheap_free(struct wsheap *heap);

/**
 * wsheap_detach() - forget a heap in this process only
 * @heap: the heap, or NULL (nothing happens)
 *
 * Unmaps the heap's windows and frees the library's state of @heap without
 * resetting or destroying the kernel heap.  Meant for a forked child that
 * inherited heaps it does not own: the parent keeps using them.
 *
 * Return: 0.
 */
int wsheap_detach(struct wsheap *heap);

/**
 * wsheap_reset() - release every allocation of a heap at once
 * @heap: the heap
 *
 * All pointers the heap handed out become invalid; the full quota is
 * available again.  The kernel keeps page_align(trim_size) bytes of the
 * heap's memory committed and frees the rest; the library keeps the mappings
 * it used in the last generation for reuse and unmaps older ones, so a
 * steady reset loop makes no mmap() at all.  With WSHEAP_HEAP_THREADSAFE,
 * no allocation may run during the reset.
 *
 * When the kernel would give nothing back, the reset makes no system call:
 * for a heap only this process has used (never exported or imported, no
 * fork() while it lived, wsheap_generation() never called, neither
 * THREADSAFE nor ZERO_ON_RESET) whose blocks since the kernel's last reset
 * fit in trim_size, and whose generation used one block, the library
 * rewinds that block in place.  The
 * kernel's generation and its INFO cursor then stay as they were; the
 * memory committed stays within trim_size as always.
 *
 * A shared heap (wsheap_export(), wsheap_import()) is reset for every
 * party: their allocations are released too and their libraries drop their
 * current blocks when they notice (see wsheap_refresh()).
 *
 * One WSHEAP_IOC_RESET, which (ABI 2) writes nothing back: the library
 * takes the new generation from the status page when it maps it, and
 * counts it itself otherwise.  A module older than that gets ABI 1's
 * RESET (WSHEAP_IOC_RESET_V0).
 *
 * Return: 0, or -EINVAL (@heap is NULL), -EPERM (a read-only import), -EBUSY
 * (a kernel driver has allocations pinned), or another error of the RESET
 * ioctl.
 */
int wsheap_reset(struct wsheap *heap);

/**
 * wsheap_stats() - the library's view of a heap
 * @heap: the heap
 * @st: out
 *
 * Makes no system call.
 *
 * Return: 0, or -EINVAL (@heap or @st is NULL).
 */
int wsheap_stats(struct wsheap *heap, struct wsheap_stats *st);

/**
 * wsheap_get_info() - the kernel's view of a heap (WSHEAP_IOC_INFO)
 * @heap: the heap
 * @info: out: the kernel's struct wsheap_info; its requested field counts
 *	the blocks the library took, its max_size is UINT64_MAX
 *
 * Return: 0, or -EINVAL (@heap or @info is NULL), or the error of the ioctl.
 */
int wsheap_get_info(struct wsheap *heap, struct wsheap_info *info);

/**
 * wsheap_ctx_of() - the context a heap lives in
 * @heap: the heap
 *
 * Return: the context, or NULL if @heap is NULL.
 */
struct wsheap_ctx *wsheap_ctx_of(struct wsheap *heap);

/* ---- sharing (LIBWSHEAP_1.1) ----------------------------------------- */

/**
 * wsheap_export() - make a file descriptor that shares a heap
 * @heap: the heap (created or imported)
 * @flags: WSHEAP_SHARE_RDONLY (importers get read-only access),
 *	WSHEAP_SHARE_NO_CLOEXEC (no O_CLOEXEC on the descriptor)
 * @fdp: out: the descriptor; the caller owns it (close(2) it when done)
 *
 * WSHEAP_IOC_EXPORT.  The descriptor holds the kernel heap: pass it over
 * SCM_RIGHTS, fork or exec and turn it into a heap with wsheap_import().
 * Before exporting, the library maps the heap's status page (once per heap;
 * one mmap()) and from then on serves the heap in the slow path only, which
 * checks the heap's generation there (1.3; before, the inline path did), so
 * a reset by another party is never followed by memory from a stale block.  With WSHEAP_HEAP_THREADSAFE, no allocation may run during the
 * first export (the switch to the status page).
 *
 * Return: 0, or -EINVAL (@heap or @fdp NULL, unknown @flags), -EPERM (a
 * read-only import exported without WSHEAP_SHARE_RDONLY), -EMFILE, -ENOMEM,
 * or the error of mmap() or the ioctl.
 */
int wsheap_export(struct wsheap *heap, unsigned int flags, int *fdp);

/**
 * wsheap_export_dmabuf() - a dma-buf of a range of a heap (1.2)
 * @heap: the heap (created or imported, not read-only)
 * @ptr: the range's first byte, in this process (from wsheap_alloc*() or
 *	wsheap_ptr()); page aligned
 * @size: bytes, not 0; the dma-buf holds whole pages, [ptr, ptr +
 *	page_align(size)): allocate the buffer page aligned and page sized
 *	(wsheap_alloc_aligned() with the page size) so it holds nothing else
 * @flags: WSHEAP_SHARE_RDONLY (a dma-buf its importers may only read),
 *	WSHEAP_SHARE_NO_CLOEXEC (no O_CLOEXEC on the descriptor)
 * @fdp: out: the dma-buf's descriptor; the caller owns it
 *
 * WSHEAP_IOC_EXPORT_DMABUF of the range's heap offsets.  The dma-buf holds
 * its pages: they keep their data while it lives, whatever happens to the
 * heap (see wsheap(4)).  Hand it to a driver that imports dma-bufs, or to
 * another process (SCM_RIGHTS), which can mmap() it.
 *
 * Return: 0, or -EINVAL (NULL argument, unknown @flags, @size 0, @ptr not
 * page aligned or not in a mapping of @heap, a range beyond what the heap
 * has committed), -ESTALE (another party reset the heap since this process
 * took the block: @ptr is no longer an allocation), -EPERM (a read-only
 * import), -EMFILE, -ENOMEM, or another error of the ioctl.
 */
int wsheap_export_dmabuf(struct wsheap *heap, const void *ptr, size_t size,
			 unsigned int flags, int *fdp);

/**
 * wsheap_import() - a heap object for a heap another party exported
 * @ctx: the context to import into, or NULL for the default pool
 * @fd: a descriptor made by wsheap_export() (or WSHEAP_IOC_EXPORT); it can
 *	be closed once this returns
 * @flags: 0 or WSHEAP_HEAP_THREADSAFE (how this process uses the object)
 * @heapp: out: the heap
 *
 * WSHEAP_IOC_IMPORT, WSHEAP_IOC_INFO and an mmap() of the status page.
 * The heap works like a created one: wsheap_alloc() takes blocks from the
 * shared kernel cursor (never overlapping other parties' blocks), and
 * wsheap_reset() resets it for everyone.  The library's quota of an imported
 * heap is UINT64_MAX (each party's library enforces its own; the kernel
 * heap's maximum size still applies to blocks).  A read-only export gives a
 * read-only heap: every allocation (but of size 0, 1.3) and reset fails
 * with -EPERM and the library maps it PROT_READ; read it with wsheap_ptr().
 *
 * Return: 0, or -EINVAL (@heapp NULL, unknown @flags, @fd not an exported
 * heap), -EBADF (@fd not open), -EMFILE (@ctx holds max_heaps_per_context
 * heaps), -ENOMEM, or an error of wsheap_ctx_default(), the ioctls or mmap().
 */
int wsheap_import(struct wsheap_ctx *ctx, int fd, unsigned int flags,
		  struct wsheap **heapp);

/**
 * wsheap_ptr() - this process's address of a range of heap offsets
 * @heap: the heap
 * @offset: the first byte, as another party got it from wsheap_offset() (or
 *	a kernel driver from WSHEAP_IOC_ALLOC)
 * @len: bytes that will be accessed (0 is allowed)
 * @ptr: out: the address of @offset, valid until the heap is reset or freed
 *
 * Uses a window (mapping) of the heap that covers the range, or maps one on
 * demand: the offsets [0, X) with X four times the power of two at or above
 * the range's end, as for blocks, so few windows serve any offset.  Checks
 * the range against what the heap has committed now (from the status page,
 * no system call): pages beyond would raise SIGBUS.  Not concurrently with
 * other calls on a heap without WSHEAP_HEAP_THREADSAFE.
 *
 * Return: 0, or -EINVAL (@heap or @ptr NULL, range beyond the heap's span),
 * -ENXIO (the range is not committed: never allocated, or released by a
 * reset), -ENOENT (the heap was destroyed), or the error of mmap().
 */
int wsheap_ptr(struct wsheap *heap, uint64_t offset, size_t len, void **ptr);

/**
 * wsheap_offset() - the heap offset of an address in this process
 * @heap: the heap
 * @ptr: an address inside memory of @heap (from wsheap_alloc*() or
 *	wsheap_ptr())
 * @offset: out: its offset in the heap, the same for every party
 *
 * Makes no system call.
 *
 * Return: 0, or -EINVAL (NULL argument, or @ptr not inside a mapping of
 * @heap, such as the pointer of a zero-size allocation).
 */
int wsheap_offset(struct wsheap *heap, const void *ptr, uint64_t *offset);

/**
 * wsheap_generation() - the heap's generation: resets so far, by any party
 * @heap: the heap
 * @generation: out: the generation, read from the heap's status page
 *	under its sequence counter: while a reset runs, the call waits for it
 *	to end, so the generation is one whose reset is complete
 *
 * The first call on a heap that was neither exported nor imported maps the
 * status page (one mmap(), once per heap); every other call makes no system
 * call.  Read the generation before allocating and pass it to
 * wsheap_is_current() later to learn whether those allocations were reset
 * away by another party.  Safe from any thread at any time (the first
 * mapping is race-free); it changes nothing in the library's state.
 *
 * Return: 0, or -EINVAL (NULL argument), or the error of mmap().
 */
int wsheap_generation(struct wsheap *heap, uint64_t *generation);

/**
 * wsheap_is_current() - has nobody reset the heap since a generation?
 * @heap: the heap
 * @generation: a value from wsheap_generation()
 *
 * No system call (but as wsheap_generation() for the first call).
 *
 * Return: 1 if the heap is still in @generation, 0 if it has been reset
 * since, or a negative errno as wsheap_generation().
 */
int wsheap_is_current(struct wsheap *heap, uint64_t generation);

/**
 * wsheap_refresh() - drop the current block if another party reset the heap
 * @heap: the heap
 *
 * What the slow path does on its own: compare the heap's generation with
 * the one the current block belongs to and, if another party reset the heap
 * since, drop the block (its bytes are no longer the library's), start a new
 * generation (requested back to 0, the windows of the old one pruned as a
 * reset does) and count a foreign reset.  Maps the status page first if
 * needed (the inline path of a heap only this process uses stays on: only
 * a fork or an export lets another party reset it).
 * Threading as for wsheap_alloc().
 *
 * Return: 1 if a foreign reset was noticed, 0 if not, or a negative errno
 * (-EINVAL for a NULL @heap, or the error of mmap()).
 */
int wsheap_refresh(struct wsheap *heap);

/* ---- savepoints (LIBWSHEAP_1.3) ------------------------------------------ */

/**
 * wsheap_mark() - remember where a heap is now, to rewind to it later
 * @heap: the heap: not thread-safe, not shared, not inherited across fork()
 * @mark: out: the savepoint
 *
 * No system call.  Marks nest: take as many as you like and rewind to any
 * of them, innermost first or not.
 *
 * Return: 0, or -EINVAL (a NULL argument), -EPERM (a read-only import),
 * -EOPNOTSUPP (a thread-safe, exported, imported or forked heap: there the
 * allocations after a mark may be another party's or another thread's).
 */
int wsheap_mark(struct wsheap *heap, struct wsheap_mark *mark);

/**
 * wsheap_rewind() - release everything allocated since a mark
 * @heap: the heap the mark was taken of
 * @mark: a mark from wsheap_mark() in the heap's current generation
 *
 * Every allocation made after @mark is released: pointers to it become
 * invalid, the quota and requested are what they were at the mark, and the
 * next allocation gets the memory at the mark again.  Blocks taken since
 * the mark are kept by the library as spares that later allocations of the
 * generation use before asking the kernel; the next wsheap_reset() gives
 * them back by the trim rules, as any block (the kernel has no call that
 * frees part of a generation, so wsheap_get_info()'s committed bytes stay
 * until then).  No system call.  A mark stays usable while the heap is at
 * or beyond it: rewinding to an outer mark makes the inner ones stale.
 * Sanitizers see the released memory (libwsheap(3), SANITIZERS).
 *
 * Return: 0, or -EINVAL (a NULL argument), -EPERM, -EOPNOTSUPP (as
 * wsheap_mark()), -ESTALE (@mark is from before a reset, or the heap was
 * rewound to before it).
 */
int wsheap_rewind(struct wsheap *heap, const struct wsheap_mark *mark);

/* ---- growing in place (LIBWSHEAP_1.3) ------------------------------------ */

/**
 * wsheap_grow() - resize the most recent allocation in place
 * @heap: the heap (not thread-safe)
 * @ptr: the most recent allocation of @heap (the caller's promise: the
 *	library checks only that it lies in the current block, before the
 *	cursor)
 * @new_size: its new size, larger or smaller
 *
 * Moves the cursor to @ptr + @new_size (rounded up to 8) if the current
 * block has room and the quota allows the difference; otherwise changes
 * nothing.  requested follows.  No system call, no copy: a builder that
 * doubles its buffer with it makes neither while the block has room.
 *
 * Return: 0, or -EINVAL (NULL argument, @ptr not in the current block
 * before the cursor, or not 8-aligned; also after a foreign reset took the
 * block), -E2BIG (the block has no room: allocate and copy, or use
 * wsheap_realloc()), -ENOSPC (the quota), -EPERM (a read-only import),
 * -EOPNOTSUPP (a thread-safe heap).
 */
int wsheap_grow(struct wsheap *heap, void *ptr, size_t new_size);

/**
 * wsheap_realloc() - resize an allocation, moving it when it must
 * @heap: the heap
 * @ptr: an allocation of @heap of @old_size bytes, or NULL (then an
 *	allocation of @new_size)
 * @old_size: its size
 * @new_size: the size wanted
 * @newp: out: the allocation: @ptr if it was the most recent allocation
 *	(it ends at the cursor) and grew in place, else a new one holding
 *	the first min(@old_size, @new_size) bytes (the old one stays until
 *	the reset, as every allocation)
 *
 * Return: 0, or an error of wsheap_grow() (but -E2BIG, which moves) or of
 * wsheap_alloc().
 */
int wsheap_realloc(struct wsheap *heap, void *ptr, size_t old_size,
		   size_t new_size, void **newp);

/*
 * WSHEAP_INLINE_ABI - the contract between the inline functions below and
 * the library: which fields of struct wsheap they read and write, and what
 * the library promises about them.  Every program that inlines them carries
 * its contract:
 *   1 (libwsheap 1.0): cur, end, requested, max_size, the quota checked
 *	inline; slow path __wsheap_alloc_slow (LIBWSHEAP_1.0)
 *   2 (libwsheap 1.1, 1.2): 1 + gen_ptr, gen, a generation check in the
 *	inline path, requested += size; slow path __wsheap_alloc_slow_v2
 *	(LIBWSHEAP_1.2)
 *   3 (libwsheap 1.3 and later): the same fields, of which the inline path
 *	reads and writes only cur and end: the library keeps end == cur for
 *	every heap that another party can reset (exported, imported, forked),
 *	thread-safe heaps and read-only imports, so those take the slow path, which checks the generation; and it derives the quota
 *	from cur (see wsheap_create()).  Slow path __wsheap_alloc_slow_v3
 *	(LIBWSHEAP_1.3)
 * Each contract's inline code calls the slow path through a symbol of its
 * own version node, the node of the first library that keeps it.  A program
 * built with these headers therefore needs a library that keeps contract 3:
 * on an older libwsheap.so.1, which would let it bump through a shared
 * heap's block without a generation check, the dynamic loader refuses to
 * start it ("version `LIBWSHEAP_1.3' not found").  The library keeps every
 * older contract and symbol: every heap object holds all the fields, and
 * gen_ptr/gen stay valid for programs of contract 2.  (Programs built with
 * the 1.1 headers inline contract 2 but bind only to LIBWSHEAP_1.0; they need
 * a 1.1 library, which nothing can check for them.)
 */
#define WSHEAP_INLINE_ABI	3

/*
 * The slow path of the allocators (contract 3): a new block, a large or
 * over-aligned request, a heap that must not be served inline (see
 * WSHEAP_INLINE_ABI), or an error.  Not for direct use.
 */
int __wsheap_alloc_slow_v3(struct wsheap *heap, size_t size, size_t align,
			   void **ptr);

/**
 * wsheap_alloc() - allocate from a heap
 * @heap: the heap
 * @size: bytes; 0 is allowed, uses no quota and yields a non-NULL pointer
 *	that must not be dereferenced
 * @ptr: out: the memory, aligned to 8 bytes, not zeroed (except fresh pages),
 *	valid until the heap is reset or freed; written only on success
 *
 * Inline: a room check and a bump, no system call, while the current block
 * has room.  A heap that another party can reset (exported, imported or
 * inherited across fork()) takes the slow path for every allocation, which
 * checks the heap's generation on the kernel's status page: after a reset
 * by another party, it drops the stale block.  A reset that runs
 * concurrently with an allocation is a race no check can close: parties
 * must agree on when a shared heap is reset (see libwsheap(3), SHARING).
 *
 * Return: 0, or -EINVAL (@heap or @ptr is NULL), -ENOSPC (the quota would be
 * exceeded; nothing is consumed), -ENOMEM (no memory, or the heap's span is
 * exhausted), -EDQUOT (the context's byte limit), -EPERM (a read-only
 * import; since 1.3 a size of 0 succeeds there too, inline).
 */
WSHEAP_INLINE int wsheap_alloc(struct wsheap *heap, size_t size, void **ptr)
{
	if (WSHEAP_LIKELY(heap != NULL && ptr != NULL)) {
		uintptr_t p = heap->cur;

		/* end stops where the quota runs out (no check needed) */
		if (WSHEAP_LIKELY(size <= heap->end - p)) {
			heap->cur = p + ((size + 7) & ~(size_t)7);
			*ptr = (void *)p;
			return 0;
		}
	}
	return __wsheap_alloc_slow_v3(heap, size, WSHEAP_MIN_ALIGN, ptr);
}

/**
 * wsheap_alloc_aligned() - allocate aligned memory from a heap
 * @heap: the heap
 * @size: bytes (as for wsheap_alloc())
 * @align: a power of two up to WSHEAP_MAX_ALIGN (1 GiB); 0 and values below
 *	8 give 8.  Padding for alignment uses no quota.
 * @ptr: out (as for wsheap_alloc())
 *
 * Inline when the cursor is already aligned (no padding); otherwise the
 * slow path pads, without a system call while the block has room.
 *
 * Return: as wsheap_alloc(), and -EINVAL for a bad @align.
 */
WSHEAP_INLINE int wsheap_alloc_aligned(struct wsheap *heap, size_t size,
				       size_t align, void **ptr)
{
	if (WSHEAP_LIKELY(heap != NULL && ptr != NULL &&
			  align - WSHEAP_MIN_ALIGN <=
			  WSHEAP_MAX_ALIGN - WSHEAP_MIN_ALIGN &&
			  (align & (align - 1)) == 0)) {
		uintptr_t p = heap->cur;

		if (WSHEAP_LIKELY((p & (align - 1)) == 0 &&
				  size <= heap->end - p)) {
			heap->cur = p + ((size + 7) & ~(size_t)7);
			*ptr = (void *)p;
			return 0;
		}
	}
	return __wsheap_alloc_slow_v3(heap, size, align, ptr);
}

#ifdef __cplusplus
}
#endif

#endif /* WSHEAP_H */
