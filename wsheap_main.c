// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap: arena heaps (the Windows Web Services heap model) in kernel
 * memory, mapped into user space.
 *
 * This file holds the module's entry points: limits, the /dev/wsheap misc
 * device, context open and release, ioctl decoding, and mmap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

unsigned int wsheap_max_heaps_per_context = 4096;
module_param_named(max_heaps_per_context, wsheap_max_heaps_per_context,
		   uint, 0644);
MODULE_PARM_DESC(max_heaps_per_context,
		 "Heaps one open of /dev/wsheap may hold (EMFILE beyond)");
EXPORT_SYMBOL_IF_KUNIT(wsheap_max_heaps_per_context);

/* 0 at load time means the machine's RAM. */
unsigned long long wsheap_max_bytes_per_context;
module_param_named(max_bytes_per_context, wsheap_max_bytes_per_context,
		   ullong, 0644);
MODULE_PARM_DESC(max_bytes_per_context,
		 "Bytes the heaps of one context may commit (EDQUOT beyond)");
EXPORT_SYMBOL_IF_KUNIT(wsheap_max_bytes_per_context);

unsigned long long wsheap_max_bytes_total;
module_param_named(max_bytes_total, wsheap_max_bytes_total, ullong, 0644);
MODULE_PARM_DESC(max_bytes_total,
		 "Bytes all heaps may commit (ENOMEM beyond)");
EXPORT_SYMBOL_IF_KUNIT(wsheap_max_bytes_total);

/* Large enough for every argument struct. */
union wsheap_ioctl_args {
	struct wsheap_create create;
	struct wsheap_alloc alloc;
	struct wsheap_reset reset;
	struct wsheap_destroy destroy;
	struct wsheap_info info;
	struct wsheap_version version;
	struct wsheap_export export;
	struct wsheap_import import;
	struct wsheap_export_dmabuf export_dmabuf;
};

static int wsheap_ioctl_create(struct wsheap_context *ctx,
			       union wsheap_ioctl_args *args,
			       void __user *uarg)
{
	return wsheap_cmd_create(ctx, &args->create);
}

static int wsheap_ioctl_alloc(struct wsheap_context *ctx,
			      union wsheap_ioctl_args *args,
			      void __user *uarg)
{
	return wsheap_cmd_alloc(ctx, &args->alloc);
}

static int wsheap_ioctl_reset(struct wsheap_context *ctx,
			      union wsheap_ioctl_args *args,
			      void __user *uarg)
{
	/* RESET must not give back the page its own argument lies in. */
	return wsheap_cmd_reset(ctx, &args->reset, uarg,
				sizeof(struct wsheap_reset));
}

static int wsheap_ioctl_destroy(struct wsheap_context *ctx,
				union wsheap_ioctl_args *args,
				void __user *uarg)
{
	return wsheap_cmd_destroy(ctx, &args->destroy);
}

static int wsheap_ioctl_info(struct wsheap_context *ctx,
			     union wsheap_ioctl_args *args,
			     void __user *uarg)
{
	return wsheap_cmd_info(ctx, &args->info);
}

static int wsheap_ioctl_export(struct wsheap_context *ctx,
			       union wsheap_ioctl_args *args,
			       void __user *uarg)
{
	return wsheap_cmd_export(ctx, &args->export);
}

static int wsheap_ioctl_import(struct wsheap_context *ctx,
			       union wsheap_ioctl_args *args,
			       void __user *uarg)
{
	return wsheap_cmd_import(ctx, &args->import);
}

static int wsheap_ioctl_export_dmabuf(struct wsheap_context *ctx,
				      union wsheap_ioctl_args *args,
				      void __user *uarg)
{
	return wsheap_cmd_export_dmabuf(ctx, &args->export_dmabuf);
}

static int wsheap_ioctl_version(struct wsheap_context *ctx,
				union wsheap_ioctl_args *args,
				void __user *uarg)
{
	struct wsheap_version *ver = &args->version;

	ver->abi = WSHEAP_ABI_VERSION;
	ver->page_size = PAGE_SIZE;
	ver->create_flags = WSHEAP_CREATE_FLAGS;
	ver->span = WSHEAP_SPAN;
	return 0;
}

/**
 * struct wsheap_ioctl_desc - one command of the dispatch table
 * @cmd: the command as wsheap_ioctl.h defines it now
 * @min_size: the size of the command's first struct; smaller is -EINVAL
 * @fn: the handler, on a zero-extended copy of the argument (and its user
 *	address, for the handler that must know where it lies)
 */
struct wsheap_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	int (*fn)(struct wsheap_context *ctx, union wsheap_ioctl_args *args,
		  void __user *uarg);
};

static const struct wsheap_ioctl_desc wsheap_ioctls[] = {
	[_IOC_NR(WSHEAP_IOC_CREATE)] = {
		WSHEAP_IOC_CREATE, sizeof(struct wsheap_create),
		wsheap_ioctl_create },
	[_IOC_NR(WSHEAP_IOC_ALLOC)] = {
		WSHEAP_IOC_ALLOC, sizeof(struct wsheap_alloc),
		wsheap_ioctl_alloc },
	[_IOC_NR(WSHEAP_IOC_RESET)] = {
		WSHEAP_IOC_RESET, sizeof(struct wsheap_reset),
		wsheap_ioctl_reset },
	[_IOC_NR(WSHEAP_IOC_DESTROY)] = {
		WSHEAP_IOC_DESTROY, sizeof(struct wsheap_destroy),
		wsheap_ioctl_destroy },
	[_IOC_NR(WSHEAP_IOC_INFO)] = {
		WSHEAP_IOC_INFO, sizeof(struct wsheap_info),
		wsheap_ioctl_info },
	[_IOC_NR(WSHEAP_IOC_VERSION)] = {
		WSHEAP_IOC_VERSION, sizeof(struct wsheap_version),
		wsheap_ioctl_version },
	[_IOC_NR(WSHEAP_IOC_EXPORT)] = {
		WSHEAP_IOC_EXPORT, sizeof(struct wsheap_export),
		wsheap_ioctl_export },
	[_IOC_NR(WSHEAP_IOC_IMPORT)] = {
		WSHEAP_IOC_IMPORT, sizeof(struct wsheap_import),
		wsheap_ioctl_import },
	[_IOC_NR(WSHEAP_IOC_EXPORT_DMABUF)] = {
		WSHEAP_IOC_EXPORT_DMABUF, sizeof(struct wsheap_export_dmabuf),
		wsheap_ioctl_export_dmabuf },
};

/*
 * Arguments are copied in whole before a command runs and copied out after,
 * so no command holds a lock across a user access.  The user's struct size
 * comes from the command: a larger one must be zero beyond what we know
 * (copy_struct_from_user() returns -E2BIG otherwise).
 */
static long wsheap_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct wsheap_context *ctx = file->private_data;
	const struct wsheap_ioctl_desc *desc;
	void __user *uarg = (void __user *)arg;
	union wsheap_ioctl_args args;
	unsigned int nr = _IOC_NR(cmd);
	size_t usize = _IOC_SIZE(cmd);
	size_t ksize;
	int ret;

	if (_IOC_TYPE(cmd) != WSHEAP_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(wsheap_ioctls))
		return -ENOTTY;
	desc = &wsheap_ioctls[array_index_nospec(nr,
						 ARRAY_SIZE(wsheap_ioctls))];
	if (!desc->fn || _IOC_DIR(cmd) != _IOC_DIR(desc->cmd))
		return -ENOTTY;
	if (usize < desc->min_size)
		return -EINVAL;

	ksize = _IOC_SIZE(desc->cmd);
	memset(&args, 0, sizeof(args));
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(&args, ksize, uarg, usize);
		if (ret)
			return ret;
	}
	/*
	 * Probe that the results can be written back (by writing the user's
	 * own bytes) before acting, so an unwritable argument fails with
	 * -EFAULT and changes nothing.
	 */
	usize = min(usize, ksize);
	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, &args, usize))
		return -EFAULT;
	ret = desc->fn(ctx, &args, uarg);
	if (ret)
		return ret;
	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, &args, usize))
		return -EFAULT;
	return 0;
}

/*
 * mmap offsets carry the handle above WSHEAP_SPAN_SHIFT and the byte offset
 * in the heap below it.  The mapping is moved onto the heap's own file, so
 * it holds the heap and a reset can zap it through the heap's inode.
 */
static int wsheap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct wsheap_context *ctx = file->private_data;
	const unsigned int shift = WSHEAP_SPAN_SHIFT - PAGE_SHIFT;
	struct wsheap_heap *heap;
	unsigned long handle = vma->vm_pgoff >> shift;
	bool rdonly;
	int ret;

	if (handle > WSHEAP_MAX_HANDLE)
		return -ENXIO;
	heap = wsheap_context_get_heap_access(ctx, handle, &rdonly);
	if (!heap)
		return -ENXIO;
	/* A read-only handle maps read-only, for good. */
	if (rdonly && (vma->vm_flags & VM_WRITE)) {
		wsheap_heap_put(heap);
		return -EACCES;
	}
	if (rdonly)
		vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_pgoff &= WSHEAP_SPAN_PAGES - 1;
	ret = wsheap_store_mmap(heap, vma);
	if (!ret)
		vma_set_file(vma, heap->file);
	wsheap_heap_put(heap);
	return ret;
}

static int wsheap_open(struct inode *inode, struct file *file)
{
	struct wsheap_context *ctx;

	ctx = wsheap_context_create();
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

static const struct file_operations wsheap_fops = {
	.owner = THIS_MODULE,
	.open = wsheap_open,
	.release = wsheap_release,
	.unlocked_ioctl = wsheap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
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
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	int ret;

	if (!wsheap_max_bytes_per_context)
		wsheap_max_bytes_per_context = ram;
	if (!wsheap_max_bytes_total)
		wsheap_max_bytes_total = ram;

	ret = wsheap_store_init();
	if (ret)
		return ret;
	wsheap_debugfs_init();
	ret = misc_register(&wsheap_misc);
	if (ret) {
		wsheap_debugfs_exit();
		wsheap_store_exit();
		return ret;
	}
	return 0;
}

static void __exit wsheap_exit(void)
{
	misc_deregister(&wsheap_misc);
	wsheap_debugfs_exit();
	wsheap_store_exit();
}

module_init(wsheap_init);
module_exit(wsheap_exit);

MODULE_DESCRIPTION("Arena heaps in kernel memory, mapped into user space");
MODULE_AUTHOR("The wsheap developers");
MODULE_LICENSE("GPL");
