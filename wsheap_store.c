// SPDX-License-Identifier: GPL-2.0
/*
 * The page store of a heap and how its pages reach user space.
 *
 * Every heap gets a file on a private pseudo filesystem, so it has an inode
 * and an address space of its own: unmap_mapping_range() on it zaps exactly
 * this heap's pages in every process, which the shared inode of
 * anon_inode_getfile() could not do.  Mappings made through /dev/wsheap are
 * moved onto that file (vma_set_file(), as dma_buf_mmap() does).
 *
 * Pages are order-0, zeroed when allocated, charged to the heap creator's
 * memory cgroup, and installed on fault with vmf_insert_page().  The page
 * at WSHEAP_STATUS_OFFSET is the heap's status page, mapped read-only.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

#define WSHEAP_FS_MAGIC	0x77736870	/* "wshp" */

static struct vfsmount *wsheap_mnt;

static int wsheap_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, WSHEAP_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type wsheap_fs_type = {
	.name = "wsheap",
	.init_fs_context = wsheap_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * wsheap_store_get_page() - the page at an index, allocated if missing
 * @heap: the heap
 * @index: page index below committed_pages
 *
 * Caller holds @heap->inval_sem or @heap->lock, which keep the page from
 * being freed.  Racing callers agree on one page.
 *
 * Return: the page, or an ERR_PTR().
 */
struct page *wsheap_store_get_page(struct wsheap_heap *heap, pgoff_t index)
{
	struct mem_cgroup *old_memcg;
	struct page *page, *old = NULL;

	page = xa_load(&heap->pages, index);
	if (page)
		return page;

	/*
	 * RETRY_MAYFAIL, for the page and the xarray node: at a memcg's limit
	 * fail (ENOMEM, or SIGBUS for a lazy fault) rather than invoke the
	 * OOM killer.
	 */
	old_memcg = set_active_memcg(heap->memcg);
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT |
			  __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (page)
		old = xa_cmpxchg(&heap->pages, index, NULL, page,
				 GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				 __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!page)
		return ERR_PTR(-ENOMEM);
	if (old) {
		__free_page(page);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	atomic_long_inc(&heap->resident);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_store_get_page);

/* Free the pages at index >= @from; nothing may map them any more. */
static void wsheap_store_free_from(struct wsheap_heap *heap, pgoff_t from)
{
	struct page *page;
	unsigned long index;

	xa_for_each_start(&heap->pages, index, page, from) {
		xa_erase(&heap->pages, index);
		atomic_long_dec(&heap->resident);
		put_page(page);
	}
}

/**
 * wsheap_store_populate() - allocate the pages of a range now
 * @heap: the heap, with @heap->lock held
 * @start: first page index
 * @end: page index past the range
 *
 * Return: 0, or -ENOMEM with the range's new pages freed again.
 */
int wsheap_store_populate(struct wsheap_heap *heap, pgoff_t start,
			  pgoff_t end)
{
	pgoff_t index;
	struct page *page;

	lockdep_assert_held(&heap->lock);
	for (index = start; index < end; index++) {
		page = wsheap_store_get_page(heap, index);
		if (IS_ERR(page)) {
			/* Nothing maps pages beyond committed_pages yet. */
			wsheap_store_free_from(heap, start);
			return PTR_ERR(page);
		}
		if (fatal_signal_pending(current)) {
			wsheap_store_free_from(heap, start);
			return -EINTR;
		}
		cond_resched();
	}
	return 0;
}

/**
 * wsheap_store_release() - unmap and free the pages from an index on
 * @heap: the heap, with @heap->inval_sem held for writing and @heap->lock
 * @from: first page index to give back
 *
 * Zap before free: once this returns, no process can reach those pages.
 */
void wsheap_store_release(struct wsheap_heap *heap, pgoff_t from)
{
	lockdep_assert_held_write(&heap->inval_sem);
	lockdep_assert_held(&heap->lock);

	/* Data pages only: the status page stays mapped. */
	unmap_mapping_range(heap->mapping, (loff_t)from << PAGE_SHIFT,
			    (loff_t)(WSHEAP_STATUS_PGOFF - from) << PAGE_SHIFT,
			    1);
	wsheap_store_free_from(heap, from);
}

/**
 * wsheap_store_update_status() - publish the heap's state on its status page
 * @heap: the heap, with @heap->lock held
 */
void wsheap_store_update_status(struct wsheap_heap *heap)
{
	struct wsheap_status *st = page_address(heap->status);
	u32 flags = (heap->dead ? WSHEAP_STATUS_DEAD : 0) |
		    (heap->resetting ? WSHEAP_STATUS_RESETTING : 0);

	lockdep_assert_held(&heap->lock);
	WRITE_ONCE(st->committed, heap->committed_pages << PAGE_SHIFT);
	/* A reader that sees RESETTING clear (acquire) sees the zeroing. */
	smp_store_release(&st->flags, flags);
	/* Readers load the generation with acquire, then the rest. */
	smp_store_release(&st->generation, heap->generation);
}

/**
 * wsheap_store_user_page() - the last heap page a user range lies in
 * @heap: the heap
 * @uaddr: start of the range in the current task's address space
 * @len: bytes in the range
 *
 * Looks up both ends of the range (a small ioctl argument spans at most
 * two pages) in the current task's mappings of @heap.
 *
 * Return: the highest page index of @heap that the range maps, or -1 when
 * neither end lies in a mapping of @heap's arena.
 */
long wsheap_store_user_page(struct wsheap_heap *heap, const void __user *uaddr,
			    size_t len)
{
	unsigned long ends[2] = { (unsigned long)uaddr,
				  (unsigned long)uaddr + len - 1 };
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long index;
	long last = -1;
	int i;

	if (!len || !mm || ends[1] < ends[0])
		return -1;
	mmap_read_lock(mm);
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		vma = vma_lookup(mm, ends[i]);
		if (!vma || vma->vm_file != heap->file)
			continue;
		index = vma->vm_pgoff + ((ends[i] - vma->vm_start) >> PAGE_SHIFT);
		if (index < WSHEAP_STATUS_PGOFF)
			last = max_t(long, last, index);
	}
	mmap_read_unlock(mm);
	return last;
}

/**
 * wsheap_store_zero() - zero the present pages below an index
 * @heap: the heap, with @heap->lock held
 * @end: page index past the range
 */
void wsheap_store_zero(struct wsheap_heap *heap, pgoff_t end)
{
	struct page *page;
	unsigned long index;

	lockdep_assert_held(&heap->lock);
	if (!end)
		return;
	xa_for_each_range(&heap->pages, index, page, 0, end - 1) {
		clear_highpage(page);
		cond_resched();
	}
}

static vm_fault_t wsheap_vm_fault(struct vm_fault *vmf)
{
	struct wsheap_heap *heap = vmf->vma->vm_file->private_data;
	struct page *page;
	vm_fault_t ret;

	if (vmf->pgoff >= WSHEAP_STATUS_PGOFF) {
		/* wsheap_store_mmap() made such mappings read-only. */
		if (vmf->pgoff != WSHEAP_STATUS_PGOFF)
			return VM_FAULT_SIGBUS;
		return vmf_insert_page(vmf->vma, vmf->address, heap->status);
	}

	down_read(&heap->inval_sem);
	/* Pairs with the release in wsheap_heap_alloc(): the commit is done. */
	if (vmf->pgoff >= smp_load_acquire(&heap->committed_pages)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	/*
	 * Out of memory is SIGBUS, not VM_FAULT_OOM: a lazy heap must not
	 * trigger the global OOM killer.  POPULATE heaps never allocate here.
	 */
	page = wsheap_store_get_page(heap, vmf->pgoff);
	if (IS_ERR(page))
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_page(vmf->vma, vmf->address, page);
out:
	up_read(&heap->inval_sem);
	return ret;
}

static const struct vm_operations_struct wsheap_vm_ops = {
	.fault = wsheap_vm_fault,
};

/**
 * wsheap_store_mmap() - set up a mapping of a heap's file
 * @heap: the heap; @vma->vm_file is (or is about to be) its file
 * @vma: the mapping, with vm_pgoff relative to the heap's byte 0
 *
 * Return: 0, -EINVAL for a private mapping or one beyond WSHEAP_SPAN, or
 * -EACCES for a writable mapping of the status area.
 */
int wsheap_store_mmap(struct wsheap_heap *heap, struct vm_area_struct *vma)
{
	/* Read-only shared mappings have VM_MAYSHARE without VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff > WSHEAP_SPAN_PAGES ||
	    vma_pages(vma) > WSHEAP_SPAN_PAGES - vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_pgoff + vma_pages(vma) > WSHEAP_STATUS_PGOFF) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}

	/* MIXEDMAP for vmf_insert_page(); DONTEXPAND refuses growing mremap. */
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &wsheap_vm_ops;
	return 0;
}

static int wsheap_heap_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return wsheap_store_mmap(file->private_data, vma);
}

static int wsheap_heap_file_release(struct inode *inode, struct file *file)
{
	wsheap_heap_free(file->private_data);
	return 0;
}

static const struct file_operations wsheap_heap_fops = {
	.owner = THIS_MODULE,
	.mmap = wsheap_heap_file_mmap,
	.release = wsheap_heap_file_release,
};

/* A file on @inode, whose reference the caller passes on. */
static struct file *wsheap_store_new_file(struct inode *inode, int flags,
					  const struct file_operations *fops)
{
	struct file *file;

	/* __fput() drops a module reference for fops with an owner. */
	if (!try_module_get(fops->owner)) {
		iput(inode);
		return ERR_PTR(-ENOENT);
	}
	file = alloc_file_pseudo(inode, wsheap_mnt, "wsheap", flags, fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(fops->owner);
	}
	return file;
}

/**
 * wsheap_store_file() - make the file and inode that anchor a heap
 * @heap: the heap, which the file's ->release() frees
 *
 * Return: the file with one reference, or an ERR_PTR().
 */
struct file *wsheap_store_file(struct wsheap_heap *heap)
{
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(wsheap_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	inode->i_size = WSHEAP_SPAN;
	file = wsheap_store_new_file(inode, O_RDWR, &wsheap_heap_fops);
	if (!IS_ERR(file))
		file->private_data = heap;
	return file;
}

/**
 * wsheap_store_view() - another file on a heap's inode
 * @heap: the heap; the caller gives the view a reference to it
 * @flags: O_RDWR or O_RDONLY, and O_CLOEXEC-like flags are the fd's business
 * @fops: the view's file operations
 *
 * Views share the heap's address space, so a reset zaps their mappings too.
 *
 * Return: the file with one reference, or an ERR_PTR().
 */
struct file *wsheap_store_view(struct wsheap_heap *heap, int flags,
			       const struct file_operations *fops)
{
	struct inode *inode = file_inode(heap->file);
	struct file *file;

	ihold(inode);
	file = wsheap_store_new_file(inode, flags, fops);
	if (!IS_ERR(file))
		file->private_data = heap;
	return file;
}

/**
 * wsheap_store_is_heap_file() - is this a heap's anchor file?
 * @file: any file
 *
 * Return: true if @file is one made by wsheap_store_file().
 */
bool wsheap_store_is_heap_file(struct file *file)
{
	return file->f_op == &wsheap_heap_fops;
}

/**
 * wsheap_store_init() - mount the pseudo filesystem heap files live on
 *
 * Return: 0 or a negative errno.
 */
int wsheap_store_init(void)
{
	wsheap_mnt = kern_mount(&wsheap_fs_type);
	return PTR_ERR_OR_ZERO(wsheap_mnt);
}

/**
 * wsheap_store_exit() - unmount it; no heap file can exist any more
 */
void wsheap_store_exit(void)
{
	kern_unmount(wsheap_mnt);
}
