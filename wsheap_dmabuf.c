// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf exports of heap ranges, so any importer (GPU, RDMA, V4L2, another
 * driver) can use arena memory.
 *
 * The dma-buf takes its own reference on each page of the range.  A reset
 * or the heap's end drops the heap's references and unmaps the heap's
 * mappings, but the pages live on, with their data, until the dma-buf is
 * released: an importer can never see freed memory.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "wsheap_compat.h"
#include "wsheap_internal.h"

MODULE_IMPORT_NS(WSHEAP_DMA_BUF_NS);

/**
 * struct wsheap_dmabuf - what a dma-buf of a heap range holds
 * @pages: the range's pages, each with a reference of ours
 * @npages: how many
 */
struct wsheap_dmabuf {
	struct page **pages;
	pgoff_t npages;
};

static int wsheap_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(sgt, buf->pages, buf->npages, 0,
					buf->npages << PAGE_SHIFT, GFP_KERNEL);
	if (ret) {
		kfree(sgt);
		return ret;
	}
	attach->priv = sgt;
	return 0;
}

static void wsheap_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct sg_table *sgt = attach->priv;

	sg_free_table(sgt);
	kfree(sgt);
}

static struct sg_table *wsheap_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct sg_table *sgt = attach->priv;
	int ret;

	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	return ret ? ERR_PTR(ret) : sgt;
}

static void wsheap_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
}

static int wsheap_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	unsigned long addr = vma->vm_start;
	pgoff_t i;
	int ret;

	/* dma_buf_mmap_internal() checked the range against the size. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	for (i = vma->vm_pgoff; addr < vma->vm_end; i++, addr += PAGE_SIZE) {
		ret = vm_insert_page(vma, addr, buf->pages[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int wsheap_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct wsheap_dmabuf *buf = dmabuf->priv;
	void *vaddr;

	vaddr = vmap(buf->pages, buf->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void wsheap_dmabuf_vunmap(struct dma_buf *dmabuf,
				 struct iosys_map *map)
{
	vunmap(map->vaddr);
}

static void wsheap_dmabuf_free(struct wsheap_dmabuf *buf)
{
	pgoff_t i;

	for (i = 0; i < buf->npages; i++)
		put_page(buf->pages[i]);
	kvfree(buf->pages);
	kfree(buf);
}

static void wsheap_dmabuf_release(struct dma_buf *dmabuf)
{
	wsheap_dmabuf_free(dmabuf->priv);
}

static const struct dma_buf_ops wsheap_dmabuf_ops = {
	.attach = wsheap_dmabuf_attach,
	.detach = wsheap_dmabuf_detach,
	.map_dma_buf = wsheap_dmabuf_map,
	.unmap_dma_buf = wsheap_dmabuf_unmap,
	.mmap = wsheap_dmabuf_mmap,
	.vmap = wsheap_dmabuf_vmap,
	.vunmap = wsheap_dmabuf_vunmap,
	.release = wsheap_dmabuf_release,
};

/* Take a reference on each page of [first, first + n), allocating. */
static int wsheap_dmabuf_take_pages(struct wsheap_heap *heap,
				    struct wsheap_dmabuf *buf, pgoff_t first)
{
	pgoff_t i, committed;
	int ret = 0;

	down_read(&heap->inval_sem);
	/* Pairs with the release in wsheap_heap_alloc(), as faults do. */
	committed = smp_load_acquire(&heap->committed_pages);
	if (heap->dead || first + buf->npages > committed)
		ret = -EINVAL;
	for (i = 0; !ret && i < buf->npages; i++) {
		buf->pages[i] = wsheap_store_get_page(heap, first + i);
		if (IS_ERR(buf->pages[i])) {
			ret = PTR_ERR(buf->pages[i]);
			break;
		}
		get_page(buf->pages[i]);
	}
	up_read(&heap->inval_sem);
	if (ret)
		while (i--)
			put_page(buf->pages[i]);
	return ret;
}

/**
 * wsheap_dmabuf_export() - export a heap range as a dma-buf
 * @heap: the heap
 * @offset: page-aligned start
 * @size: bytes, non-zero, within the committed pages
 * @rdonly: the dma-buf's file is read-only
 *
 * Return: the dma-buf, or an ERR_PTR(): -EINVAL for a bad range.
 */
struct dma_buf *wsheap_dmabuf_export(struct wsheap_heap *heap, u64 offset,
				     u64 size, bool rdonly)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct wsheap_dmabuf *buf;
	struct dma_buf *dmabuf;
	u64 pages;
	int ret;

	if (!size || !PAGE_ALIGNED(offset) || offset >= WSHEAP_STATUS_OFFSET ||
	    size > WSHEAP_STATUS_OFFSET - offset)
		return ERR_PTR(-EINVAL);
	pages = wsheap_trim_pages(size);
	/*
	 * Refuse a range beyond the committed pages before sizing anything
	 * from it; wsheap_dmabuf_take_pages() checks again under the lock.
	 */
	if (READ_ONCE(heap->dead) ||
	    (offset >> PAGE_SHIFT) + pages > READ_ONCE(heap->committed_pages))
		return ERR_PTR(-EINVAL);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->npages = pages;
	buf->pages = kvmalloc_array(pages, sizeof(*buf->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf->pages) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = wsheap_dmabuf_take_pages(heap, buf, offset >> PAGE_SHIFT);
	if (ret)
		goto err_free;

	exp.exp_name = "wsheap";
	exp.ops = &wsheap_dmabuf_ops;
	exp.size = pages << PAGE_SHIFT;
	exp.flags = rdonly ? O_RDONLY : O_RDWR;
	exp.priv = buf;
	dmabuf = dma_buf_export(&exp);
	/* The release op runs only for a dma-buf that was made. */
	if (IS_ERR(dmabuf))
		wsheap_dmabuf_free(buf);
	return dmabuf;

err_free:
	kvfree(buf->pages);
	kfree(buf);
	return ERR_PTR(ret);
}
