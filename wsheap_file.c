// SPDX-License-Identifier: GPL-2.0
/*
 * A heap's files.  Every heap gets an inode of its own on a private pseudo
 * filesystem, so its page cache is its page store and a truncation zaps
 * exactly this heap's pages in every process.  Files on that inode:
 *
 *  - the anchor (O_RDWR): its refcount is the heap's, its ->release() frees
 *    the heap, and every writable mapping points to it;
 *  - exported views: the descriptors EXPORT hands out, O_RDWR or O_RDONLY;
 *    each counts as a user of the heap;
 *  - read-only mapping files: every read-only mapping points to one, made
 *    for it, so the file a mapping points to carries its rights: without
 *    FMODE_WRITE, no mm path can make the mapping writable.
 *
 * The filesystem is mounted MNT_NOEXEC and every ->mmap refuses VM_EXEC.
 * Its inodes cannot be opened by path (alloc_anon_inode() gives them no
 * ->open), so /proc/self/fd cannot reopen a view with more rights.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
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

static int wsheap_anchor_mmap(struct file *file, struct vm_area_struct *vma)
{
	return wsheap_store_mmap(file->private_data, vma, true);
}

static int wsheap_anchor_release(struct inode *inode, struct file *file)
{
	wsheap_heap_free(file->private_data);
	return 0;
}

static const struct file_operations wsheap_anchor_fops = {
	.owner = THIS_MODULE,
	.mmap = wsheap_anchor_mmap,
	.release = wsheap_anchor_release,
};

/* ->mmap runs again for remap_file_pages(); the file stays read-only. */
static int wsheap_rofile_mmap(struct file *file, struct vm_area_struct *vma)
{
	return wsheap_store_mmap(file->private_data, vma, false);
}

static int wsheap_rofile_release(struct inode *inode, struct file *file)
{
	wsheap_heap_put(file->private_data);
	return 0;
}

static const struct file_operations wsheap_rofile_fops = {
	.owner = THIS_MODULE,
	.mmap = wsheap_rofile_mmap,
	.release = wsheap_rofile_release,
};

static int wsheap_view_mmap(struct file *file, struct vm_area_struct *vma)
{
	return wsheap_file_mmap(file->private_data, vma,
				file->f_mode & FMODE_WRITE);
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

/* A file on @inode, whose reference the caller passes on (even on error). */
static struct file *wsheap_file_new(struct inode *inode, int flags,
				    const struct file_operations *fops,
				    struct wsheap_heap *heap)
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
		return file;
	}
	file->private_data = heap;
	return file;
}

/* Another file on @heap's inode; it holds a reference to the heap. */
static struct file *wsheap_file_open(struct wsheap_heap *heap, int flags,
				     const struct file_operations *fops)
{
	struct inode *inode = file_inode(heap->file);
	struct file *file;

	ihold(inode);
	wsheap_heap_get(heap);
	file = wsheap_file_new(inode, flags, fops, heap);
	if (IS_ERR(file))
		wsheap_heap_put(heap);
	return file;
}

/**
 * wsheap_file_create_heap() - make a heap, its inode and its anchor file
 * @owner: the context whose account is charged
 * @max_size: quota on the sum of allocation sizes between resets
 * @trim_size: bytes a reset keeps committed
 * @flags: WSHEAP_CREATE_* flags, already validated
 *
 * Context: process context; may sleep.
 * Return: the heap with one reference (its anchor's), or an ERR_PTR().
 */
struct wsheap_heap *wsheap_file_create_heap(struct wsheap_context *owner,
					    u64 max_size, u64 trim_size,
					    u32 flags)
{
	struct wsheap_heap *heap;
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(wsheap_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	inode->i_size = WSHEAP_SPAN;
	/* Nothing reads a heap's times: write faults need not update them. */
	inode->i_flags |= S_NOCMTIME;
	wsheap_store_setup(inode->i_mapping);
	heap = wsheap_heap_create(owner, inode->i_mapping, max_size,
				  trim_size, flags);
	if (IS_ERR(heap)) {
		iput(inode);
		return heap;
	}
	/* The heap needs its inode until it is freed, even on failure. */
	ihold(inode);
	file = wsheap_file_new(inode, O_RDWR, &wsheap_anchor_fops, heap);
	if (IS_ERR(file)) {
		wsheap_heap_free(heap);
		iput(inode);
		return ERR_CAST(file);
	}
	iput(inode);
	heap->file = file;
	return heap;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_file_create_heap);

/**
 * wsheap_file_mmap() - map a heap, pointing the mapping at the right file
 * @heap: the heap
 * @vma: the mapping, with vm_pgoff relative to the heap's byte 0
 * @writable: whether the mapping may ever be written
 *
 * A writable mapping points to the anchor; a read-only one to a new
 * read-only file of its own, so that its rights cannot grow.  Either way
 * the mapping holds the heap, not the file it was made through.
 *
 * Context: ->mmap(), mmap_lock held for writing.
 * Return: 0 or a negative errno (see wsheap_store_mmap()).
 */
int wsheap_file_mmap(struct wsheap_heap *heap, struct vm_area_struct *vma,
		     bool writable)
{
	struct file *rofile = NULL;
	int ret;

	if (!writable) {
		rofile = wsheap_file_open(heap, O_RDONLY, &wsheap_rofile_fops);
		if (IS_ERR(rofile))
			return PTR_ERR(rofile);
	}
	ret = wsheap_store_mmap(heap, vma, writable);
	if (!ret)
		vma_set_file(vma, writable ? heap->file : rofile);
	if (rofile)
		fput(rofile);
	return ret;
}

/**
 * wsheap_file_export() - make an exported descriptor's file for a heap
 * @heap: the heap
 * @rdonly: make a read-only view
 *
 * The view counts as a user of the heap until it is released.
 *
 * Context: process context; may sleep.
 * Return: the view with one reference, or an ERR_PTR().
 */
struct file *wsheap_file_export(struct wsheap_heap *heap, bool rdonly)
{
	struct file *file;

	file = wsheap_file_open(heap, rdonly ? O_RDONLY : O_RDWR,
				&wsheap_view_fops);
	if (!IS_ERR(file))
		wsheap_heap_user_get(heap);
	return file;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_file_export);

/**
 * wsheap_file_fdget() - the heap behind an exported descriptor
 * @fd: a descriptor of the calling task
 * @rdonly: returns whether the descriptor is read-only
 *
 * Context: process context.
 * Return: the heap, referenced (drop with wsheap_heap_put()), -EBADF for a
 * bad descriptor or -EINVAL for one that is not an exported heap.
 */
struct wsheap_heap *wsheap_file_fdget(int fd, bool *rdonly)
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
EXPORT_SYMBOL_IF_KUNIT(wsheap_file_fdget);

/**
 * wsheap_file_init() - mount the pseudo filesystem heap files live on
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int wsheap_file_init(void)
{
	wsheap_mnt = kern_mount(&wsheap_fs_type);
	if (IS_ERR(wsheap_mnt))
		return PTR_ERR(wsheap_mnt);
	/* As secretmem does: nothing on it may ever be executed. */
	wsheap_mnt->mnt_flags |= MNT_NOEXEC;
	return 0;
}

/**
 * wsheap_file_exit() - unmount it; no heap file can exist any more
 *
 * Context: module exit.
 */
void wsheap_file_exit(void)
{
	kern_unmount(wsheap_mnt);
}
