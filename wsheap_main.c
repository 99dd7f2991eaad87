// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap: arena heaps (the Windows Web Services heap model) in kernel
 * memory, mapped into user space.
 *
 * This file holds the module's entry points: the /dev/wsheap misc device,
 * context open and release, ioctl decoding and dispatch, and the mmap of
 * the device, which finds the heap named by the offset.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "wsheap_internal.h"

/**
 * struct wsheap_ioctl_desc - one command of the dispatch table
 * @cmd: the command as wsheap_ioctl.h defines it now
 * @old_cmd: an older encoding still accepted (ABI 1's RESET), or 0
 * @min_size: the command's *_SIZE_VER0; smaller is -EINVAL
 * @fn: the handler, on a zero-extended copy of the argument
 */
struct wsheap_ioctl_desc {
	unsigned int cmd;
	unsigned int old_cmd;
	unsigned int min_size;
	int (*fn)(struct wsheap_context *ctx, struct wsheap_cmd *cmd);
};

static const struct wsheap_ioctl_desc wsheap_ioctls[] = {
	[_IOC_NR(WSHEAP_IOC_CREATE)] = {
		.cmd = WSHEAP_IOC_CREATE, .min_size = WSHEAP_CREATE_SIZE_VER0,
		.fn = wsheap_cmd_create },
	[_IOC_NR(WSHEAP_IOC_ALLOC)] = {
		.cmd = WSHEAP_IOC_ALLOC, .min_size = WSHEAP_ALLOC_SIZE_VER0,
		.fn = wsheap_cmd_alloc },
	[_IOC_NR(WSHEAP_IOC_RESET)] = {
		.cmd = WSHEAP_IOC_RESET, .old_cmd = WSHEAP_IOC_RESET_V0,
		.min_size = WSHEAP_RESET_SIZE_VER0, .fn = wsheap_cmd_reset },
	[_IOC_NR(WSHEAP_IOC_DESTROY)] = {
		.cmd = WSHEAP_IOC_DESTROY, .min_size = WSHEAP_DESTROY_SIZE_VER0,
		.fn = wsheap_cmd_destroy },
	[_IOC_NR(WSHEAP_IOC_INFO)] = {
		.cmd = WSHEAP_IOC_INFO, .min_size = WSHEAP_INFO_SIZE_VER0,
		.fn = wsheap_cmd_info },
	[_IOC_NR(WSHEAP_IOC_VERSION)] = {
		.cmd = WSHEAP_IOC_VERSION, .min_size = WSHEAP_VERSION_SIZE_VER0,
		.fn = wsheap_cmd_version },
	[_IOC_NR(WSHEAP_IOC_EXPORT)] = {
		.cmd = WSHEAP_IOC_EXPORT, .min_size = WSHEAP_EXPORT_SIZE_VER0,
		.fn = wsheap_cmd_export },
	[_IOC_NR(WSHEAP_IOC_IMPORT)] = {
		.cmd = WSHEAP_IOC_IMPORT, .min_size = WSHEAP_IMPORT_SIZE_VER0,
		.fn = wsheap_cmd_import },
	[_IOC_NR(WSHEAP_IOC_EXPORT_DMABUF)] = {
		.cmd = WSHEAP_IOC_EXPORT_DMABUF,
		.min_size = WSHEAP_EXPORT_DMABUF_SIZE_VER0,
		.fn = wsheap_cmd_export_dmabuf },
	[_IOC_NR(WSHEAP_IOC_SET_ADDRESS)] = {
		.cmd = WSHEAP_IOC_SET_ADDRESS,
		.min_size = WSHEAP_SET_ADDRESS_SIZE_VER0,
		.fn = wsheap_cmd_set_address },
};

/*
 * Arguments are copied in whole before a command runs and copied out after,
 * so no command holds a lock across a user access.  The user's struct size
 * comes from the command: a larger one must be zero beyond what we know
 * (copy_struct_from_user() returns -E2BIG otherwise).  What a command makes
 * visible to others (a descriptor, a handle) is published only once the
 * result is in user memory.
 */
static long wsheap_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct wsheap_context *ctx = file->private_data;
	const struct wsheap_ioctl_desc *desc;
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd), dir = _IOC_DIR(cmd);
	size_t usize = _IOC_SIZE(cmd), ksize;
	struct wsheap_cmd c = {};
	int ret;

	if (_IOC_TYPE(cmd) != WSHEAP_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(wsheap_ioctls))
		return -ENOTTY;
	desc = &wsheap_ioctls[array_index_nospec(nr,
						 ARRAY_SIZE(wsheap_ioctls))];
	if (!desc->fn || (dir != _IOC_DIR(desc->cmd) &&
			  (!desc->old_cmd || dir != _IOC_DIR(desc->old_cmd))))
		return -ENOTTY;
	if (usize < desc->min_size)
		return -EINVAL;

	ksize = _IOC_SIZE(desc->cmd);
	if (dir & _IOC_WRITE) {
		ret = copy_struct_from_user(&c.args, ksize, uarg, usize);
		if (ret)
			return ret;
	}
	/*
	 * Probe that the results can be written back (by writing the user's
	 * own bytes) before acting, so an unwritable argument fails with
	 * -EFAULT and changes nothing.
	 */
	usize = min(usize, ksize);
	if ((dir & _IOC_READ) && copy_to_user(uarg, &c.args, usize))
		return -EFAULT;
	ret = desc->fn(ctx, &c);
	if (ret)
		return ret;
	if ((dir & _IOC_READ) && copy_to_user(uarg, &c.args, usize)) {
		/*
		 * Another thread took the memory away since the probe.  ABI 1's
		 * RESET, whose argument may lie in memory the reset itself gave
		 * back, has still done its work.
		 */
		wsheap_cmd_abort(ctx, &c);
		return desc->old_cmd == cmd ? 0 : -EFAULT;
	}
	wsheap_cmd_commit(ctx, &c);
	return 0;
}

/*
 * mmap offsets carry the handle above WSHEAP_SPAN_SHIFT and the byte offset
 * in the heap below it.  The mapping is moved onto a file of the heap's
 * inode that carries its rights (wsheap_file_mmap()).
 */
static int wsheap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct wsheap_context *ctx = file->private_data;
	const unsigned int shift = WSHEAP_SPAN_SHIFT - PAGE_SHIFT;
	unsigned long handle = vma->vm_pgoff >> shift;
	struct wsheap_heap *heap;
	bool rdonly;
	int ret;

	/* A descriptor passed to a 32-bit process: see wsheap_open(). */
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	if (handle > WSHEAP_MAX_HANDLE)
		return -ENXIO;
	heap = wsheap_context_get_heap(ctx, handle, &rdonly);
	if (!heap)
		return -ENXIO;
	vma->vm_pgoff &= WSHEAP_SPAN_PAGES - 1;
	ret = wsheap_file_mmap(heap, vma, !rdonly && !ctx->rdonly);
	wsheap_heap_put(heap);
	return ret;
}

static int wsheap_open(struct inode *inode, struct file *file)
{
	struct wsheap_context *ctx;

	/* mmap2() cannot reach the span's offsets: see wsheap_ioctl.h. */
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	ctx = wsheap_context_create(!(file->f_mode & FMODE_WRITE));
	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

static int wsheap_release(struct inode *inode, struct file *file)
{
	wsheap_context_close(file->private_data);
	return 0;
}

/* No .compat_ioctl: a 32-bit task holding a context gets -ENOTTY. */
static const struct file_operations wsheap_fops = {
	.owner = THIS_MODULE,
	.open = wsheap_open,
	.release = wsheap_release,
	.unlocked_ioctl = wsheap_ioctl,
	.mmap = wsheap_mmap,
};

static struct miscdevice wsheap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wsheap",
	.fops = &wsheap_fops,
	.mode = 0600,
};

static int __init wsheap_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct wsheap_create) != WSHEAP_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_alloc) != WSHEAP_ALLOC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_reset) != WSHEAP_RESET_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_destroy) != WSHEAP_DESTROY_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_info) != WSHEAP_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_version) != WSHEAP_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_export) != WSHEAP_EXPORT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_import) != WSHEAP_IMPORT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_export_dmabuf) !=
		     WSHEAP_EXPORT_DMABUF_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct wsheap_set_address) !=
		     WSHEAP_SET_ADDRESS_SIZE_VER0);

	wsheap_limits_init();
	ret = wsheap_file_init();
	if (ret)
		return ret;
	ret = wsheap_reclaim_init();
	if (ret)
		goto err_file;
	wsheap_debugfs_init();
	ret = misc_register(&wsheap_misc);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	wsheap_debugfs_exit();
	wsheap_reclaim_exit();
err_file:
	wsheap_file_exit();
	return ret;
}

static void __exit wsheap_exit(void)
{
	misc_deregister(&wsheap_misc);
	wsheap_debugfs_exit();
	wsheap_reclaim_exit();
	wsheap_store_exit();
	wsheap_file_exit();
}

module_init(wsheap_init);
module_exit(wsheap_exit);

MODULE_DESCRIPTION("Arena heaps in kernel memory, mapped into user space");
MODULE_AUTHOR("The wsheap developers");
MODULE_LICENSE("GPL");
