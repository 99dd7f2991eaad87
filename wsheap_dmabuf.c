// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf exports of heap ranges, so any importer (GPU, RDMA, V4L2, another
 * driver) can use arena memory; the exporter follows
 * drivers/dma-buf/heaps/system_heap.c: one sg_table per attachment, kept on
 * a list, synced for the CPU and the devices in begin/end_cpu_access, and a
 * refcounted kernel mapping.
 *
 * The dma-buf references each page of its range.  The range belongs to the
 * generation it was exported in: a reset or destroy takes those pages out
 * of the heap, so the dma-buf keeps them with their data and the heap's
 * next generation gets fresh pages at those offsets: a dma-buf never reads
 * or writes another generation's memory.  Its pages are charged to the heap
 * creator's account for the dma-buf's whole life.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "wsheap_compat.h"
#include "wsheap_internal.h"

MODULE_IMPORT_NS(WSHEAP_DMA_BUF_NS);

/**
 * struct wsheap_dmabuf - what a dma-buf of a heap range holds
 * @heap: the heap, referenced
 * @range: the pages' place in the heap
 * @pages: the range's pages, each with a reference of ours
 * @lock: protects @attachments, @vaddr and @vmap_count
 * @attachments: struct wsheap_dmabuf_attachment, one per attached device
 * @vaddr: the kernel mapping while @vmap_count > 0
 * @vmap_count: vmap()s not yet undone
 */
struct wsheap_dmabuf {
	struct wsheap_heap *heap;
	struct wsheap_range range;
	struct page **pages;
	struct mutex lock;		/* attachments and the vmap */
	struct list_head attachments;
	void *vaddr;
	unsigned int vmap_count;
};

/**
 * struct wsheap_dmabuf_attachment - one device's view of the pages
 * @dev: the device
 * @sgt: its scatterlist
 * @node: in &wsheap_dmabuf.attachments
 * @mapped: @sgt is DMA-mapped for @dev
 */
struct wsheap_dmabuf_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head node;
	bool mapped;
};

static int wsheap_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	struct wsheap_dmabuf_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(&a->sgt, buf->pages, buf->range.npages,
					0, buf->range.npages << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&buf->lock);
	list_add(&a->node, &buf->attachments);
	mutex_unlock(&buf->lock);
	return 0;
}

static void wsheap_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	struct wsheap_dmabuf_attachment *a = attach->priv;

	mutex_lock(&buf->lock);
	list_del(&a->node);
	mutex_unlock(&buf->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *wsheap_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct wsheap_dmabuf_attachment *a = attach->priv;
	int ret;

	ret = dma_map_sgtable(attach->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	a->mapped = true;
	return &a->sgt;
}

static void wsheap_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct wsheap_dmabuf_attachment *a = attach->priv;

	a->mapped = false;
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
}

/* Hand the pages to the CPU (@for_cpu) or back to the devices. */
static int wsheap_dmabuf_sync(struct dma_buf *dmabuf,
			      enum dma_data_direction dir, bool for_cpu)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	struct wsheap_dmabuf_attachment *a;

	mutex_lock(&buf->lock);
	if (buf->vmap_count && for_cpu)
		invalidate_kernel_vmap_range(buf->vaddr, dmabuf->size);
	else if (buf->vmap_count)
		flush_kernel_vmap_range(buf->vaddr, dmabuf->size);
	list_for_each_entry(a, &buf->attachments, node) {
		if (!a->mapped)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, dir);
		else
			dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
	}
	mutex_unlock(&buf->lock);
	return 0;
}

static int wsheap_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	return wsheap_dmabuf_sync(dmabuf, dir, true);
}

static int wsheap_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	return wsheap_dmabuf_sync(dmabuf, dir, false);
}

/*
 * PFN mappings, as the system heap makes: the pages may still be the heap's
 * page-cache pages, which must never be mapped (with a mapcount) by a VMA
 * the heap's truncation cannot find.  The VMA holds the dma-buf, and so the
 * pages.  Rights come from the dma-buf's file, whoever's VMA this is.
 */
static int wsheap_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	unsigned long addr = vma->vm_start;
	pgoff_t i;
	int ret;

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (!(dmabuf->file->f_mode & FMODE_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	vm_flags_clear(vma, VM_MAYEXEC);
	/* dma_buf_mmap_internal() checked the range against the size. */
	for (i = vma->vm_pgoff; addr < vma->vm_end; i++, addr += PAGE_SIZE) {
		ret = remap_pfn_range(vma, addr, page_to_pfn(buf->pages[i]),
				      PAGE_SIZE, vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

static int wsheap_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (!buf->vmap_count) {
		buf->vaddr = vmap(buf->pages, buf->range.npages, VM_MAP,
				  PAGE_KERNEL);
		if (!buf->vaddr)
			ret = -ENOMEM;
	}
	if (!ret) {
		buf->vmap_count++;
		iosys_map_set_vaddr(map, buf->vaddr);
	}
	mutex_unlock(&buf->lock);
	return ret;
}

static void wsheap_dmabuf_vunmap(struct dma_buf *dmabuf,
				 struct iosys_map *map)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	if (!--buf->vmap_count) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
	iosys_map_clear(map);
}

/* Let go of the first @taken pages, the charge and the heap. */
static void wsheap_dmabuf_free(struct wsheap_dmabuf *buf, pgoff_t taken)
{
	struct wsheap_heap *heap = buf->heap;
	pgoff_t i;

	for (i = 0; i < taken; i++) {
		put_page(buf->pages[i]);
		cond_resched();
	}
	wsheap_limits_uncharge(heap->account, buf->range.npages);
	kvfree(buf->pages);
	mutex_destroy(&buf->lock);
	kfree(buf);
	wsheap_heap_put(heap);
}

static void wsheap_dmabuf_release_buf(struct wsheap_dmabuf *buf)
{
	wsheap_heap_del_range(buf->heap, &buf->range);
	wsheap_dmabuf_free(buf, buf->range.npages);
}

static void wsheap_dmabuf_release(struct dma_buf *dmabuf)
{
	wsheap_dmabuf_release_buf(dmabuf->priv);
}

static const struct dma_buf_ops wsheap_dmabuf_ops = {
	.attach = wsheap_dmabuf_attach,
	.detach = wsheap_dmabuf_detach,
	.map_dma_buf = wsheap_dmabuf_map,
	.unmap_dma_buf = wsheap_dmabuf_unmap,
	.begin_cpu_access = wsheap_dmabuf_begin_cpu_access,
	.end_cpu_access = wsheap_dmabuf_end_cpu_access,
	.mmap = wsheap_dmabuf_mmap,
	.vmap = wsheap_dmabuf_vmap,
	.vunmap = wsheap_dmabuf_vunmap,
	.release = wsheap_dmabuf_release,
};

/*
 * Record the range and reference its pages (adding missing ones), with
 * resets held off.  Return: pages taken; all of them on success.
 */
static pgoff_t wsheap_dmabuf_take_pages(struct wsheap_dmabuf *buf,
					const u64 *generation, int *err)
{
	struct wsheap_heap *heap = buf->heap;
	struct folio *folio;
	pgoff_t i = 0;

	filemap_invalidate_lock_shared(heap->mapping);
	*err = wsheap_heap_add_range(heap, generation, &buf->range);
	if (*err)
		goto out;
	for (; i < buf->range.npages; i++) {
		folio = wsheap_store_get_folio(heap, buf->range.first + i);
		if (IS_ERR(folio)) {
			*err = PTR_ERR(folio);
			wsheap_heap_del_range(heap, &buf->range);
			break;
		}
		buf->pages[i] = folio_page(folio, 0);
		cond_resched();
	}
out:
	filemap_invalidate_unlock_shared(heap->mapping);
	return i;
}

/**
 * wsheap_dmabuf_export() - export a heap range as a dma-buf
 * @heap: the heap
 * @generation: the generation the range must belong to, or NULL for the
 *	heap's current one
 * @offset: page-aligned start
 * @size: bytes, non-zero, within the committed pages (rounded up to pages)
 * @rdonly: the dma-buf's file is read-only (CPU mappings cannot write)
 *
 * Context: process context; may sleep.
 * Return: the dma-buf, or an ERR_PTR(): -EINVAL for a bad range, -ESTALE
 * for an ended generation, -ENOENT for a destroyed heap, -EDQUOT or
 * -ENOMEM over a limit or out of memory.
 */
struct dma_buf *wsheap_dmabuf_export(struct wsheap_heap *heap,
				     const u64 *generation, u64 offset,
				     u64 size, bool rdonly)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct wsheap_dmabuf *buf;
	struct dma_buf *dmabuf;
	pgoff_t npages, taken;
	u64 committed;
	int ret;

	if (!size || !PAGE_ALIGNED(offset) || offset >= WSHEAP_STATUS_OFFSET ||
	    size > WSHEAP_STATUS_OFFSET - offset)
		return ERR_PTR(-EINVAL);
	npages = wsheap_trim_pages(size);
	/*
	 * Refuse a range beyond the committed pages before sizing anything
	 * from it; wsheap_heap_add_range() checks again under the lock.
	 */
	/* Pairs with the release in wsheap_heap_alloc_locked(). */
	committed = smp_load_acquire(&heap->committed_pages);
	if ((offset >> PAGE_SHIFT) + npages > committed)
		return ERR_PTR(-EINVAL);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->pages = kvmalloc_array(npages, sizeof(*buf->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf->pages) {
		kfree(buf);
		return ERR_PTR(-ENOMEM);
	}
	ret = wsheap_limits_charge(heap->account, npages);
	if (ret) {
		kvfree(buf->pages);
		kfree(buf);
		return ERR_PTR(ret);
	}
	wsheap_heap_get(heap);
	buf->heap = heap;
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	buf->range.first = offset >> PAGE_SHIFT;
	buf->range.npages = npages;

	taken = wsheap_dmabuf_take_pages(buf, generation, &ret);
	if (ret) {
		wsheap_dmabuf_free(buf, taken);
		return ERR_PTR(ret);
	}
	exp.exp_name = "wsheap";
	exp.ops = &wsheap_dmabuf_ops;
	exp.size = npages << PAGE_SHIFT;
	exp.flags = rdonly ? O_RDONLY : O_RDWR;
	exp.priv = buf;
	dmabuf = dma_buf_export(&exp);
	/* The release op runs only for a dma-buf that was made. */
	if (IS_ERR(dmabuf))
		wsheap_dmabuf_release_buf(buf);
	return dmabuf;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_dmabuf_export);
