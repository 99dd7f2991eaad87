// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API (wsheap_kernel.h): drivers share arenas with user space.
 *
 * Kernel access goes page by page through the heap's page store, as binder
 * does, under the heap's invalidate lock so a reset cannot free a page
 * while it is being copied.
 */
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "wsheap_compat.h"
#include "wsheap_internal.h"
#include "wsheap_kernel.h"

/**
 * wsheap_get() - take the heap behind a descriptor user space passed in
 * @fd: a descriptor made by WSHEAP_IOC_EXPORT, in the calling task
 *
 * The driver becomes a user of the heap: an explicit DESTROY elsewhere does
 * not give the memory back while the driver holds it.
 *
 * Return: the heap, or ERR_PTR(-EBADF) for a bad descriptor,
 * ERR_PTR(-EINVAL) for one that is not a heap, ERR_PTR(-EPERM) for a
 * read-only one.
 */
struct wsheap_heap *wsheap_get(int fd)
{
	struct wsheap_heap *heap;
	bool rdonly;

	heap = wsheap_share_fdget(fd, &rdonly);
	if (IS_ERR(heap))
		return heap;
	if (rdonly) {
		wsheap_heap_put(heap);
		return ERR_PTR(-EPERM);
	}
	wsheap_heap_user_get(heap);
	return heap;
}
EXPORT_SYMBOL_NS_GPL(wsheap_get, WSHEAP_NS);

/**
 * wsheap_put() - let go of a heap taken with wsheap_get()
 * @heap: the heap; every pin the driver took must be undone first
 */
void wsheap_put(struct wsheap_heap *heap)
{
	wsheap_heap_user_put(heap);
	wsheap_heap_put(heap);
}
EXPORT_SYMBOL_NS_GPL(wsheap_put, WSHEAP_NS);

/**
 * wsheap_alloc() - allocate in a heap from the kernel
 * @heap: the heap
 * @size: bytes
 * @align: power of two, or 0 for 8
 * @offset: returns the allocation's offset, the same user space sees
 *
 * Context: process context; may sleep.
 * Return: 0 or a negative errno, as WSHEAP_IOC_ALLOC returns.
 */
int wsheap_alloc(struct wsheap_heap *heap, u64 size, u64 align, u64 *offset)
{
	u64 generation;

	return wsheap_heap_alloc(heap, size, align, offset, &generation);
}
EXPORT_SYMBOL_NS_GPL(wsheap_alloc, WSHEAP_NS);

/* Copy between @buf and the heap, page by page; @to_heap picks the way. */
static int wsheap_copy(struct wsheap_heap *heap, u64 offset, void *buf,
		       size_t len, bool to_heap)
{
	struct page *page;
	size_t chunk;
	int ret;

	down_read(&heap->inval_sem);
	mutex_lock(&heap->lock);
	ret = wsheap_heap_check_range(heap, offset, len);
	mutex_unlock(&heap->lock);
	while (!ret && len) {
		chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(offset));
		page = wsheap_store_get_page(heap, offset >> PAGE_SHIFT);
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}
		if (to_heap)
			memcpy_to_page(page, offset_in_page(offset), buf, chunk);
		else
			memcpy_from_page(buf, page, offset_in_page(offset),
					 chunk);
		offset += chunk;
		buf += chunk;
		len -= chunk;
	}
	up_read(&heap->inval_sem);
	return ret;
}

/**
 * wsheap_write() - copy bytes into an allocation
 * @heap: the heap
 * @offset: where, inside what has been allocated since the last reset
 * @buf: the bytes
 * @len: how many
 *
 * Return: 0, -EINVAL outside the allocated range, -ENOENT for a destroyed
 * heap, -ENOMEM.
 */
int wsheap_write(struct wsheap_heap *heap, u64 offset, const void *buf,
		 size_t len)
{
	return wsheap_copy(heap, offset, (void *)buf, len, true);
}
EXPORT_SYMBOL_NS_GPL(wsheap_write, WSHEAP_NS);

/**
 * wsheap_read() - copy bytes out of an allocation
 * @heap: the heap
 * @offset: where, inside what has been allocated since the last reset
 * @buf: where to
 * @len: how many
 *
 * Return: 0, -EINVAL outside the allocated range, -ENOENT for a destroyed
 * heap, -ENOMEM.
 */
int wsheap_read(struct wsheap_heap *heap, u64 offset, void *buf, size_t len)
{
	return wsheap_copy(heap, offset, buf, len, false);
}
EXPORT_SYMBOL_NS_GPL(wsheap_read, WSHEAP_NS);

/**
 * wsheap_pin() - keep allocations from being reset away
 * @heap: the heap
 * @offset: start of an allocated range
 * @len: its length
 *
 * While any pin is held, a reset of the heap fails with -EBUSY (and
 * WsResetHeap() with WS_E_INVALID_OPERATION).  Undo with wsheap_unpin().
 *
 * Return: 0, -EINVAL outside the allocated range, -ENOENT if destroyed.
 */
int wsheap_pin(struct wsheap_heap *heap, u64 offset, u64 len)
{
	int ret;

	mutex_lock(&heap->lock);
	ret = wsheap_heap_check_range(heap, offset, len);
	if (!ret)
		heap->pins++;
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(wsheap_pin, WSHEAP_NS);

/**
 * wsheap_unpin() - undo one wsheap_pin()
 * @heap: the heap
 */
void wsheap_unpin(struct wsheap_heap *heap)
{
	mutex_lock(&heap->lock);
	if (!WARN_ON_ONCE(!heap->pins))
		heap->pins--;
	mutex_unlock(&heap->lock);
}
EXPORT_SYMBOL_NS_GPL(wsheap_unpin, WSHEAP_NS);

/**
 * wsheap_vmap() - map an allocation into the kernel's address space
 * @heap: the heap
 * @offset: start of an allocated range
 * @len: its length
 *
 * Pins the range (see wsheap_pin()) until wsheap_vunmap().
 *
 * Return: the kernel address of @offset, or NULL.
 */
void *wsheap_vmap(struct wsheap_heap *heap, u64 offset, u64 len)
{
	pgoff_t first = offset >> PAGE_SHIFT, i, n;
	struct page **pages;
	void *vaddr = NULL;

	if (!len || wsheap_pin(heap, offset, len))
		return NULL;
	n = ((offset + len - 1) >> PAGE_SHIFT) - first + 1;
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		goto err_unpin;
	down_read(&heap->inval_sem);
	for (i = 0; i < n; i++) {
		pages[i] = wsheap_store_get_page(heap, first + i);
		if (IS_ERR(pages[i]))
			break;
	}
	up_read(&heap->inval_sem);
	if (i == n)
		vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	if (!vaddr)
		goto err_unpin;
	return vaddr + offset_in_page(offset);

err_unpin:
	wsheap_unpin(heap);
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(wsheap_vmap, WSHEAP_NS);

/**
 * wsheap_vunmap() - undo wsheap_vmap()
 * @heap: the heap
 * @addr: what wsheap_vmap() returned
 */
void wsheap_vunmap(struct wsheap_heap *heap, void *addr)
{
	vunmap((void *)((unsigned long)addr & PAGE_MASK));
	wsheap_unpin(heap);
}
EXPORT_SYMBOL_NS_GPL(wsheap_vunmap, WSHEAP_NS);

/**
 * wsheap_generation() - how many times the heap was reset
 * @heap: the heap
 *
 * Return: the generation; an allocation is gone once it changes.
 */
u64 wsheap_generation(struct wsheap_heap *heap)
{
	u64 generation;

	mutex_lock(&heap->lock);
	generation = heap->generation;
	mutex_unlock(&heap->lock);
	return generation;
}
EXPORT_SYMBOL_NS_GPL(wsheap_generation, WSHEAP_NS);

/**
 * wsheap_export_dmabuf() - make a dma-buf of a heap range
 * @heap: the heap
 * @offset: page-aligned start
 * @size: bytes, within the committed pages
 *
 * The dma-buf holds the pages and keeps them (and their data) valid while
 * it lives, across resets and after the heap is gone.
 *
 * Return: the dma-buf, or an ERR_PTR().
 */
struct dma_buf *wsheap_export_dmabuf(struct wsheap_heap *heap, u64 offset,
				     u64 size)
{
	return wsheap_dmabuf_export(heap, offset, size, false);
}
EXPORT_SYMBOL_NS_GPL(wsheap_export_dmabuf, WSHEAP_NS);
