/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap for kernel drivers: fill and read an arena that user space maps.
 *
 * User space hands a driver a heap descriptor (WSHEAP_IOC_EXPORT); the
 * driver takes the heap with wsheap_get(), allocates in it, writes or reads
 * the bytes, and tells user space the offsets, which its own mapping of the
 * heap sees without a copy.  Memory is charged to the heap creator's memory
 * cgroup whichever task allocates it.
 *
 * Allocations live until the heap is reset.  A driver that must keep using
 * an allocation across user-space activity pins it (wsheap_pin() or
 * wsheap_vmap()): while anything is pinned, a reset fails with -EBUSY.
 *
 * The symbols are in the WSHEAP namespace: MODULE_IMPORT_NS(WSHEAP).
 */
#ifndef _WSHEAP_KERNEL_H
#define _WSHEAP_KERNEL_H

#include <linux/types.h>

struct dma_buf;
struct wsheap_heap;

struct wsheap_heap *wsheap_get(int fd);
void wsheap_put(struct wsheap_heap *heap);
int wsheap_alloc(struct wsheap_heap *heap, u64 size, u64 align, u64 *offset);
int wsheap_write(struct wsheap_heap *heap, u64 offset, const void *buf,
		 size_t len);
int wsheap_read(struct wsheap_heap *heap, u64 offset, void *buf, size_t len);
int wsheap_pin(struct wsheap_heap *heap, u64 offset, u64 len);
void wsheap_unpin(struct wsheap_heap *heap);
void *wsheap_vmap(struct wsheap_heap *heap, u64 offset, u64 len);
void wsheap_vunmap(struct wsheap_heap *heap, void *addr);
u64 wsheap_generation(struct wsheap_heap *heap);
struct dma_buf *wsheap_export_dmabuf(struct wsheap_heap *heap, u64 offset,
				     u64 size);

#endif /* _WSHEAP_KERNEL_H */
