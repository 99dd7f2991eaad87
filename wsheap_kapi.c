// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API (wsheap_kernel.h): drivers share arenas with user space.
 *
 * Every access names a block and so its generation, and is checked against
 * the heap's current one under the heap's invalidate lock, which a reset
 * holds exclusive: a driver that keeps a block across a reset gets -ESTALE
 * instead of another party's memory.  Kernel access goes page by page
 * through the page store, as binder does; a vmap references its pages, so
 * even a heap destroyed under a buggy driver never frees memory it maps.
 */
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "wsheap_compat.h"
#include "wsheap_internal.h"
#include "wsheap_kernel.h"

/**
 * struct wsheap_kmap - one wsheap_vmap() mapping
 * @pages: its pages, each referenced
 * @npages: how many
 */
struct wsheap_kmap {
	struct page **pages;
	unsigned long npages;
};

/* Live vmaps, by the page frame of their first byte's address. */
static DEFINE_XARRAY(wsheap_kmaps);

struct wsheap_heap *wsheap_get(int fd)
{
	struct wsheap_heap *heap;
	bool rdonly;

	heap = wsheap_file_fdget(fd, &rdonly);
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

void wsheap_put(struct wsheap_heap *heap)
{
	wsheap_heap_user_put(heap);
	wsheap_heap_put(heap);
}
EXPORT_SYMBOL_NS_GPL(wsheap_put, WSHEAP_NS);

static void wsheap_block_set(struct wsheap_block *blk, u64 offset, u64 size,
			     u64 generation)
{
	blk->offset = offset;
	blk->size = size;
	blk->generation = generation;
}

int wsheap_alloc(struct wsheap_heap *heap, u64 size, u64 align,
		 struct wsheap_block *blk)
{
	u64 offset, generation;
	int ret;

	ret = wsheap_heap_alloc(heap, size, align, &offset, &generation);
	if (!ret)
		wsheap_block_set(blk, offset, size, generation);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(wsheap_alloc, WSHEAP_NS);

/* [pos, pos + len) of @blk, as a heap range; -EINVAL beyond the block. */
static int wsheap_block_range(const struct wsheap_block *blk, u64 pos,
			      u64 len, u64 *offset)
{
	u64 end;

	if (check_add_overflow(pos, len, &end) || end > blk->size)
		return -EINVAL;
	*offset = blk->offset + pos;
	return 0;
}

/* Check @blk's range under the locks that keep it from being reset. */
static int wsheap_block_check(struct wsheap_heap *heap,
			      const struct wsheap_block *blk, u64 offset,
			      u64 len)
{
	int ret;

	mutex_lock(&heap->lock);
	ret = wsheap_heap_check(heap, blk->generation, offset, len);
	mutex_unlock(&heap->lock);
	return ret;
}

/* Copy between @buf and a block, page by page; @to_heap picks the way. */
static int wsheap_copy(struct wsheap_heap *heap,
		       const struct wsheap_block *blk, u64 pos, void *buf,
		       size_t len, bool to_heap)
{
	struct folio *folio;
	u64 offset;
	size_t chunk;
	int ret;

	ret = wsheap_block_range(blk, pos, len, &offset);
	if (ret)
		return ret;
	filemap_invalidate_lock_shared(heap->mapping);
	ret = wsheap_block_check(heap, blk, offset, len);
	while (!ret && len) {
		chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(offset));
		folio = wsheap_store_get_folio(heap, offset >> PAGE_SHIFT);
		if (IS_ERR(folio)) {
			ret = PTR_ERR(folio);
			break;
		}
		if (to_heap)
			memcpy_to_page(folio_page(folio, 0),
				       offset_in_page(offset), buf, chunk);
		else
			memcpy_from_page(buf, folio_page(folio, 0),
					 offset_in_page(offset), chunk);
		folio_put(folio);
		offset += chunk;
		buf += chunk;
		len -= chunk;
		cond_resched();
	}
	filemap_invalidate_unlock_shared(heap->mapping);
	return ret;
}

int wsheap_write(struct wsheap_heap *heap, const struct wsheap_block *blk,
		 u64 pos, const void *buf, size_t len)
{
	return wsheap_copy(heap, blk, pos, (void *)buf, len, true);
}
EXPORT_SYMBOL_NS_GPL(wsheap_write, WSHEAP_NS);

int wsheap_read(struct wsheap_heap *heap, const struct wsheap_block *blk,
		u64 pos, void *buf, size_t len)
{
	return wsheap_copy(heap, blk, pos, buf, len, false);
}
EXPORT_SYMBOL_NS_GPL(wsheap_read, WSHEAP_NS);

int wsheap_pin(struct wsheap_heap *heap, const struct wsheap_block *blk)
{
	return wsheap_heap_pin(heap, blk->generation, blk->offset, blk->size);
}
EXPORT_SYMBOL_NS_GPL(wsheap_pin, WSHEAP_NS);

int wsheap_alloc_pin(struct wsheap_heap *heap, u64 size, u64 align,
		     struct wsheap_block *blk)
{
	u64 offset, generation;
	int ret;

	ret = wsheap_heap_alloc_pinned(heap, size, align, &offset,
				       &generation);
	if (!ret)
		wsheap_block_set(blk, offset, size, generation);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(wsheap_alloc_pin, WSHEAP_NS);

void wsheap_unpin(struct wsheap_heap *heap)
{
	wsheap_heap_unpin(heap);
}
EXPORT_SYMBOL_NS_GPL(wsheap_unpin, WSHEAP_NS);

static void wsheap_kmap_free(struct wsheap_kmap *km, unsigned long taken)
{
	while (taken--)
		put_page(km->pages[taken]);
	kvfree(km->pages);
	kfree(km);
}

/* Map a pinned block: reference its pages and vmap them. */
static void *wsheap_map_block(struct wsheap_heap *heap,
			      const struct wsheap_block *blk)
{
	pgoff_t first = blk->offset >> PAGE_SHIFT;
	struct wsheap_kmap *km;
	struct folio *folio;
	unsigned long i = 0;
	void *vaddr;
	int ret = -ENOMEM;

	km = kzalloc(sizeof(*km), GFP_KERNEL);
	if (!km)
		return ERR_PTR(-ENOMEM);
	km->npages = ((blk->offset + blk->size - 1) >> PAGE_SHIFT) - first + 1;
	km->pages = kvmalloc_array(km->npages, sizeof(*km->pages), GFP_KERNEL);
	if (!km->pages)
		goto err;
	/* Pinned: no reset can come; the lock keeps destroy out too. */
	filemap_invalidate_lock_shared(heap->mapping);
	for (; i < km->npages; i++) {
		folio = wsheap_store_get_folio(heap, first + i);
		if (IS_ERR(folio)) {
			ret = PTR_ERR(folio);
			break;
		}
		km->pages[i] = folio_page(folio, 0);
	}
	filemap_invalidate_unlock_shared(heap->mapping);
	if (i < km->npages)
		goto err;
	vaddr = vmap(km->pages, km->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		goto err;
	ret = xa_err(xa_store(&wsheap_kmaps, (unsigned long)vaddr >> PAGE_SHIFT,
			      km, GFP_KERNEL));
	if (ret) {
		vunmap(vaddr);
		goto err;
	}
	return vaddr + offset_in_page(blk->offset);
err:
	wsheap_kmap_free(km, i);
	return ERR_PTR(ret);
}

/* Map @blk once wsheap_pin() or wsheap_alloc_pin() returned @pinned. */
static void *wsheap_map_pinned(struct wsheap_heap *heap,
			       const struct wsheap_block *blk, int pinned)
{
	void *vaddr;

	if (pinned)
		return ERR_PTR(pinned);
	vaddr = wsheap_map_block(heap, blk);
	if (IS_ERR(vaddr))
		wsheap_heap_unpin(heap);
	return vaddr;
}

void *wsheap_vmap(struct wsheap_heap *heap, const struct wsheap_block *blk)
{
	if (!blk->size)
		return ERR_PTR(-EINVAL);
	return wsheap_map_pinned(heap, blk, wsheap_pin(heap, blk));
}
EXPORT_SYMBOL_NS_GPL(wsheap_vmap, WSHEAP_NS);

void *wsheap_alloc_vmap(struct wsheap_heap *heap, u64 size, u64 align,
			struct wsheap_block *blk)
{
	if (!size)
		return ERR_PTR(-EINVAL);
	return wsheap_map_pinned(heap, blk,
				 wsheap_alloc_pin(heap, size, align, blk));
}
EXPORT_SYMBOL_NS_GPL(wsheap_alloc_vmap, WSHEAP_NS);

void wsheap_vunmap(struct wsheap_heap *heap, void *vaddr)
{
	unsigned long base = (unsigned long)vaddr & PAGE_MASK;
	struct wsheap_kmap *km;

	km = xa_erase(&wsheap_kmaps, base >> PAGE_SHIFT);
	if (WARN_ON_ONCE(!km))
		return;
	vunmap((void *)base);
	wsheap_kmap_free(km, km->npages);
	wsheap_heap_unpin(heap);
}
EXPORT_SYMBOL_NS_GPL(wsheap_vunmap, WSHEAP_NS);

u64 wsheap_generation(struct wsheap_heap *heap)
{
	return wsheap_heap_generation(heap);
}
EXPORT_SYMBOL_NS_GPL(wsheap_generation, WSHEAP_NS);

struct dma_buf *wsheap_export_dmabuf(struct wsheap_heap *heap,
				     const struct wsheap_block *blk)
{
	int ret;

	ret = wsheap_block_check(heap, blk, blk->offset, blk->size);
	if (ret)
		return ERR_PTR(ret);
	return wsheap_dmabuf_export(heap, &blk->generation, blk->offset,
				    blk->size, false);
}
EXPORT_SYMBOL_NS_GPL(wsheap_export_dmabuf, WSHEAP_NS);
