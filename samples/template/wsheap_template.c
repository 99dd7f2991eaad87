// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_template: the start of a driver that shares arenas with user
 * space through wsheap, built outside wsheap's tree against an installed
 * wsheap (see Kbuild).  Copy the directory, rename, keep what you need.
 *
 * User space creates a heap, exports it (WSHEAP_IOC_EXPORT, or
 * wsheap_export() in libwsheap) and passes the descriptor in; the driver
 * allocates blocks in the heap and returns their offsets, which user space
 * reads through its own mapping of the heap: no copy.
 *
 * FILL shows the one-shot path: allocate, map, fill, unmap.  KEEP and
 * STAMP show a driver that holds a block across calls: a reset of the heap
 * by user space ends the block's generation, and wsheap refuses the late
 * write with -ESTALE instead of letting it land in memory that now belongs
 * to the heap's next generation.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include <wsheap_kernel.h>

#include "wsheap_template.h"

/* Namespaces are strings from 6.13 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("WSHEAP");
#else
MODULE_IMPORT_NS(WSHEAP);
#endif

/* What one open of the device keeps for STAMP. */
struct template_file {
	struct mutex lock;		/* protects @heap and @blk */
	struct wsheap_heap *heap;	/* NULL: no block kept */
	struct wsheap_block blk;
};

static void template_report(struct wsheap_template_io *io,
			    const struct wsheap_block *blk)
{
	io->offset = blk->offset;
	io->generation = blk->generation;
}

static int template_fill(struct wsheap_heap *heap,
			 struct wsheap_template_io *io)
{
	struct wsheap_block blk;
	u8 *p;
	u32 i;

	/* Allocated and pinned at once: no reset can come in between. */
	p = wsheap_alloc_vmap(heap, io->size, 64, &blk);
	if (IS_ERR(p))
		return PTR_ERR(p);
	for (i = 0; i < io->size; i++)
		p[i] = wsheap_template_byte(io->value, i);
	wsheap_vunmap(heap, p);
	template_report(io, &blk);
	return 0;
}

/* Keep @heap (and our reference to it) with a new block; 0 or -errno. */
static int template_keep(struct template_file *tf, struct wsheap_heap *heap,
			 struct wsheap_template_io *io)
{
	int ret;

	mutex_lock(&tf->lock);
	ret = -EBUSY;
	if (!tf->heap) {
		ret = wsheap_alloc(heap, io->size, 64, &tf->blk);
		if (!ret) {
			tf->heap = heap;
			template_report(io, &tf->blk);
		}
	}
	mutex_unlock(&tf->lock);
	return ret;
}

static void template_drop(struct template_file *tf)
{
	if (tf->heap) {
		wsheap_put(tf->heap);
		tf->heap = NULL;
	}
}

static int template_stamp(struct template_file *tf,
			  struct wsheap_template_io *io)
{
	int ret = -ENODATA;

	mutex_lock(&tf->lock);
	if (tf->heap) {
		ret = wsheap_write(tf->heap, &tf->blk, 0, &io->value,
				   sizeof(io->value));
		template_report(io, &tf->blk);
		/* The heap was reset: the block is gone for good. */
		if (ret == -ESTALE)
			template_drop(tf);
	}
	mutex_unlock(&tf->lock);
	return ret;
}

static long template_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct template_file *tf = file->private_data;
	struct wsheap_template_io io;
	struct wsheap_heap *heap;
	int ret;

	if (cmd != WSHEAP_TEMPLATE_FILL && cmd != WSHEAP_TEMPLATE_KEEP &&
	    cmd != WSHEAP_TEMPLATE_STAMP)
		return -ENOTTY;
	if (copy_from_user(&io, (void __user *)arg, sizeof(io)))
		return -EFAULT;

	if (cmd == WSHEAP_TEMPLATE_STAMP) {
		ret = template_stamp(tf, &io);
	} else {
		if (!io.size || io.size > WSHEAP_TEMPLATE_MAX)
			return -EINVAL;
		heap = wsheap_get(io.heap_fd);
		if (IS_ERR(heap))
			return PTR_ERR(heap);
		if (cmd == WSHEAP_TEMPLATE_FILL) {
			ret = template_fill(heap, &io);
			wsheap_put(heap);
		} else {
			ret = template_keep(tf, heap, &io);
			if (ret)
				wsheap_put(heap);
		}
	}
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &io, sizeof(io)) ? -EFAULT : 0;
}

static int template_open(struct inode *inode, struct file *file)
{
	struct template_file *tf = kzalloc(sizeof(*tf), GFP_KERNEL);

	if (!tf)
		return -ENOMEM;
	mutex_init(&tf->lock);
	file->private_data = tf;
	return 0;
}

static int template_release(struct inode *inode, struct file *file)
{
	struct template_file *tf = file->private_data;

	template_drop(tf);
	mutex_destroy(&tf->lock);
	kfree(tf);
	return 0;
}

static const struct file_operations template_fops = {
	.owner = THIS_MODULE,
	.open = template_open,
	.release = template_release,
	.unlocked_ioctl = template_ioctl,
};

static struct miscdevice template_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wsheap_template",
	.fops = &template_fops,
	.mode = 0600,
};

module_misc_device(template_misc);

MODULE_DESCRIPTION("wsheap template: an out-of-tree driver using wsheap");
MODULE_LICENSE("GPL");
