// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing a heap through a file descriptor.
 *
 * An export is a view: another file on the heap's inode, so its mappings
 * share the heap's address space and are zapped by a reset like any other.
 * A read-only export is an O_RDONLY view: mmap() refuses PROT_WRITE and
 * clears VM_MAYWRITE, so mprotect() cannot upgrade it.  A view counts as a
 * user of the heap and holds a reference to it.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

/*
 * Mappings move onto the heap's own file, as those made through /dev/wsheap
 * do, so they hold the heap but not the view: closing the descriptor ends
 * its user count even while its mappings live.  A read-only view's mapping
 * stays read-only: mmap() already refused PROT_WRITE and cleared VM_MAYWRITE.
 */
static int wsheap_view_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct wsheap_heap *heap = file->private_data;
	int ret;

	ret = wsheap_store_mmap(heap, vma);
	if (!ret)
		vma_set_file(vma, heap->file);
	return ret;
}

static int wsheap_view_release(struct inode *inode, struct file *file)
{
	struct wsheap_heap *heap = file->private_data;

	/* Closing never destroys: only an explicit DESTROY gives back early. */
	wsheap_heap_user_put(heap);
	wsheap_heap_put(heap);
	return 0;
}

static const struct file_operations wsheap_view_fops = {
	.owner = THIS_MODULE,
	.mmap = wsheap_view_mmap,
	.release = wsheap_view_release,
};

/**
 * wsheap_share_export() - make a descriptor's file for a heap
 * @heap: the heap
 * @rdonly: make a read-only view
 *
 * Return: the view with one reference, or an ERR_PTR().
 */
struct file *wsheap_share_export(struct wsheap_heap *heap, bool rdonly)
{
	struct file *file;

	wsheap_heap_get(heap);
	wsheap_heap_user_get(heap);
	file = wsheap_store_view(heap, rdonly ? O_RDONLY : O_RDWR,
				 &wsheap_view_fops);
	if (IS_ERR(file)) {
		wsheap_heap_user_put(heap);
		wsheap_heap_put(heap);
	}
	return file;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_share_export);

/**
 * wsheap_share_fdget() - the heap behind an exported descriptor
 * @fd: a descriptor of the calling task
 * @rdonly: returns whether the descriptor is read-only
 *
 * Return: the heap, referenced (drop with wsheap_heap_put()), -EBADF for a
 * bad descriptor or -EINVAL for one that is not an exported heap.
 */
struct wsheap_heap *wsheap_share_fdget(int fd, bool *rdonly)
{
	struct wsheap_heap *heap;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &wsheap_view_fops) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	heap = file->private_data;
	*rdonly = !(file->f_mode & FMODE_WRITE);
	wsheap_heap_get(heap);
	fput(file);
	return heap;
}
