// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_sample: a driver that shares an arena with user space through the
 * in-kernel API of wsheap and nothing else.
 *
 * PRODUCE: user space passes a heap descriptor; the driver allocates room
 * for N records in the heap, maps it (pinning it against resets while it
 * writes), fills it, and returns the offset.  User space reads the records
 * through its own mapping of the heap: no copy.
 *
 * CONSUME: user space wrote N records at an offset; the driver reads them
 * out of the heap and counts those whose check value is right.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "wsheap_compat.h"
#include "wsheap_kernel.h"
#include "wsheap_sample.h"

MODULE_IMPORT_NS(WSHEAP_NS);

static int sample_produce(struct wsheap_heap *heap,
			  struct wsheap_sample_io *io)
{
	size_t len = io->count * sizeof(struct wsheap_sample_record);
	struct wsheap_sample_record *rec;
	u64 offset;
	u32 i;
	int ret;

	ret = wsheap_alloc(heap, len, 64, &offset);
	if (ret)
		return ret;
	/* The mapping pins the records: a reset now fails with -EBUSY. */
	rec = wsheap_vmap(heap, offset, len);
	if (!rec)
		return -ENOMEM;
	for (i = 0; i < io->count; i++) {
		rec[i].seq = i;
		rec[i].value = io->seed + i;
		rec[i].check = wsheap_sample_check(i, io->seed + i);
		rec[i].pad = 0;
	}
	wsheap_vunmap(heap, rec);
	io->offset = offset;
	return 0;
}

static int sample_consume(struct wsheap_heap *heap,
			  struct wsheap_sample_io *io)
{
	struct wsheap_sample_record rec;
	u64 good = 0;
	u32 i;
	int ret;

	for (i = 0; i < io->count; i++) {
		ret = wsheap_read(heap, io->offset + (u64)i * sizeof(rec), &rec,
				  sizeof(rec));
		if (ret)
			return ret;
		if (rec.check == wsheap_sample_check(rec.seq, rec.value))
			good++;
	}
	io->seed = good;
	return 0;
}

static long sample_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct wsheap_sample_io io;
	struct wsheap_heap *heap;
	int ret;

	if (cmd != WSHEAP_SAMPLE_PRODUCE && cmd != WSHEAP_SAMPLE_CONSUME)
		return -ENOTTY;
	if (copy_from_user(&io, (void __user *)arg, sizeof(io)))
		return -EFAULT;
	if (!io.count || io.count > WSHEAP_SAMPLE_MAX)
		return -EINVAL;

	heap = wsheap_get(io.heap_fd);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	if (cmd == WSHEAP_SAMPLE_PRODUCE)
		ret = sample_produce(heap, &io);
	else
		ret = sample_consume(heap, &io);
	wsheap_put(heap);

	if (!ret && copy_to_user((void __user *)arg, &io, sizeof(io)))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations sample_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = sample_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice sample_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wsheap_sample",
	.fops = &sample_fops,
	.mode = 0600,
};

module_misc_device(sample_misc);

MODULE_DESCRIPTION("wsheap sample: a driver sharing an arena with user space");
MODULE_LICENSE("GPL");
