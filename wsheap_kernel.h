/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap for kernel drivers: fill and read an arena that user space maps.
 *
 * User space hands a driver a heap descriptor (WSHEAP_IOC_EXPORT, or
 * wsheap_export() in libwsheap); the driver takes the heap with
 * wsheap_get(), allocates blocks in it, writes or reads them, and tells
 * user space the blocks' offsets, which its own mapping of the heap sees
 * without a copy.  Memory is charged to the heap creator's memory cgroup
 * and limits whichever task allocates it.
 *
 * A generation is a capability.  Every block carries the generation it was
 * allocated in (struct wsheap_block); a reset of the heap ends it, and every
 * call that is given a block from an earlier generation fails with -ESTALE
 * instead of touching what now belongs to someone else.  A driver that must
 * keep using a block across user-space activity pins it (wsheap_pin(),
 * wsheap_vmap(), or atomically at allocation with wsheap_alloc_pin() and
 * wsheap_alloc_vmap()): while any pin is held, a reset fails with -EBUSY.
 *
 * Every function may sleep; none may be called from atomic context.  No
 * lock of the caller's is needed: each call takes the heap's own locks.
 *
 * The symbols are in the WSHEAP namespace: MODULE_IMPORT_NS(WSHEAP) (the
 * string "WSHEAP" from Linux 6.13 on).  Out of the tree, build against the
 * installed Module.symvers: KBUILD_EXTRA_SYMBOLS (see the README).
 */
#ifndef _WSHEAP_KERNEL_H
#define _WSHEAP_KERNEL_H

#include <linux/types.h>

struct dma_buf;
struct wsheap_heap;

/**
 * struct wsheap_block - a block allocated from the kernel
 * @offset: where it starts in the heap: the offset user space maps
 * @size: its size in bytes
 * @generation: the heap generation it belongs to; gone after a reset
 */
struct wsheap_block {
	u64 offset;
	u64 size;
	u64 generation;
};

/**
 * wsheap_get() - take the heap behind a descriptor user space passed in
 * @fd: a descriptor made by WSHEAP_IOC_EXPORT, in the calling task's table
 *
 * The driver becomes a user of the heap: an explicit DESTROY elsewhere does
 * not give the memory back while the driver holds it.  Release it with
 * wsheap_put() (from any process context, e.g. the driver file's
 * ->release()).
 *
 * Context: process context of the task that owns @fd; may sleep.
 * Return: the heap, or an ERR_PTR() (never NULL): -EBADF for a bad
 * descriptor, -EINVAL for one that is not an exported heap, -EPERM for a
 * read-only one.
 */
struct wsheap_heap *wsheap_get(int fd);

/**
 * wsheap_put() - let go of a heap taken with wsheap_get()
 * @heap: the heap; every pin and vmap the driver took must be undone first
 *
 * Context: process context; may sleep.
 */
void wsheap_put(struct wsheap_heap *heap);

/**
 * wsheap_alloc() - allocate a block in a heap from the kernel
 * @heap: the heap
 * @size: bytes; 0 is allowed
 * @align: a power of two up to 1 GiB, or 0 for 8; PAGE_SIZE for a block
 *	that wsheap_export_dmabuf() will export
 * @blk: returns the block (offset, size, generation)
 *
 * The block counts against the heap's quota like a user-space allocation;
 * its memory is charged to the heap's creator.  A failed call changes
 * nothing.  Tell user space @blk->offset; it maps the same bytes.
 *
 * Context: process context; takes the heap's mutex, may sleep.
 * Return: 0, or -ENOSPC over the heap's quota, -EDQUOT or -ENOMEM over a
 * limit or out of memory, -EFBIG beyond the heap's span, -EOVERFLOW,
 * -EINVAL for a bad alignment, -ENOENT for a destroyed heap.
 */
int wsheap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		 struct wsheap_block *blk);

/**
 * wsheap_write() - copy bytes into a block
 * @heap: the heap
 * @blk: a block of @heap
 * @pos: where in the block
 * @buf: the bytes (kernel memory)
 * @len: how many; [@pos, @pos + @len) must lie within the block
 *
 * Context: process context; may sleep.  Holds resets off while it copies.
 * Return: 0, -ESTALE if a reset ended the block's generation, -EINVAL
 * beyond the block, -ENOENT for a destroyed heap, -ENOMEM.
 */
int wsheap_write(struct wsheap_heap *heap, const struct wsheap_block *blk,
		 u64 pos, const void *buf, size_t len);

/**
 * wsheap_read() - copy bytes out of a block
 * @heap: the heap
 * @blk: a block of @heap
 * @pos: where in the block
 * @buf: where to (kernel memory)
 * @len: how many; [@pos, @pos + @len) must lie within the block
 *
 * For bytes user space placed in the heap, describe them as a block of the
 * current generation (wsheap_generation()): if user space resets the heap
 * meanwhile, the read fails instead of reading the next generation's bytes.
 *
 * Context: process context; may sleep.  Holds resets off while it copies.
 * Return: as wsheap_write().
 */
int wsheap_read(struct wsheap_heap *heap, const struct wsheap_block *blk,
		u64 pos, void *buf, size_t len);

/**
 * wsheap_pin() - keep a block from being reset away
 * @heap: the heap
 * @blk: an allocated block of the current generation
 *
 * While any pin is held, a reset of the heap fails with -EBUSY (and
 * WsResetHeap() with WS_E_INVALID_OPERATION).  Pins nest: each is undone by
 * one wsheap_unpin().  A destroy by the last user still gives the memory
 * back; the driver holds the heap as a user, so only its own wsheap_put()
 * can allow that.
 *
 * Context: process context; takes the heap's mutex.
 * Return: 0, -ESTALE for a block of an ended generation, -EINVAL for a
 * range the generation did not allocate, -ENOENT for a destroyed heap.
 */
int wsheap_pin(struct wsheap_heap *heap, const struct wsheap_block *blk);

/**
 * wsheap_alloc_pin() - allocate a block and pin it, atomically
 * @heap: the heap
 * @size: as for wsheap_alloc()
 * @align: as for wsheap_alloc()
 * @blk: returns the block
 *
 * No reset can come between the allocation and the pin.
 *
 * Context: process context; takes the heap's mutex, may sleep.
 * Return: as wsheap_alloc().
 */
int wsheap_alloc_pin(struct wsheap_heap *heap, u64 size, u64 align,
		     struct wsheap_block *blk);

/**
 * wsheap_unpin() - undo one wsheap_pin() or wsheap_alloc_pin()
 * @heap: the heap
 *
 * Context: process context; takes the heap's mutex.
 */
void wsheap_unpin(struct wsheap_heap *heap);

/**
 * wsheap_vmap() - map a block into the kernel's address space
 * @heap: the heap
 * @blk: a non-empty block of the current generation, or part of one
 *
 * Pins the block (see wsheap_pin()) and references its pages until
 * wsheap_vunmap(): the mapping stays valid memory even if the heap goes.
 *
 * Context: process context; may sleep.
 * Return: the kernel address of @blk->offset, or an ERR_PTR() (never
 * NULL): as wsheap_pin(), or -ENOMEM.
 */
void *wsheap_vmap(struct wsheap_heap *heap, const struct wsheap_block *blk);

/**
 * wsheap_alloc_vmap() - allocate a block and map it, atomically
 * @heap: the heap
 * @size: bytes, non-zero
 * @align: as for wsheap_alloc()
 * @blk: returns the block
 *
 * No reset can come between the allocation and the mapping.  If the
 * mapping fails, the block stays allocated (a reset releases it) but is not
 * pinned.
 *
 * Context: process context; may sleep.
 * Return: the kernel address of the block, or an ERR_PTR(): as
 * wsheap_alloc(), or -ENOMEM.
 */
void *wsheap_alloc_vmap(struct wsheap_heap *heap, u64 size, u64 align,
			struct wsheap_block *blk);

/**
 * wsheap_vunmap() - undo wsheap_vmap() or wsheap_alloc_vmap()
 * @heap: the heap
 * @vaddr: what the map call returned
 *
 * Context: process context; may sleep.
 */
void wsheap_vunmap(struct wsheap_heap *heap, void *vaddr);

/**
 * wsheap_generation() - the heap's current generation
 * @heap: the heap
 *
 * Context: process context; takes the heap's mutex.
 * Return: the number of resets so far; every block of an earlier
 * generation is gone.
 */
u64 wsheap_generation(struct wsheap_heap *heap);

/**
 * wsheap_export_dmabuf() - make a dma-buf of a block
 * @heap: the heap
 * @blk: an allocated block of the current generation whose offset is page
 *	aligned (allocate it with @align PAGE_SIZE); the dma-buf covers its
 *	pages, the last one rounded up
 *
 * The dma-buf references the pages: they and their data stay valid while
 * it lives, and a reset or destroy gives them to the dma-buf instead of
 * reusing them, so it never reads or writes a later generation.  Its pages
 * count against the heap creator's limits for its whole life.
 *
 * Context: process context; may sleep.
 * Return: the dma-buf, or an ERR_PTR(): -EINVAL for an unaligned or
 * unallocated range, -ESTALE, -ENOENT, -EDQUOT or -ENOMEM.
 */
struct dma_buf *wsheap_export_dmabuf(struct wsheap_heap *heap,
				     const struct wsheap_block *blk);

#endif /* _WSHEAP_KERNEL_H */
