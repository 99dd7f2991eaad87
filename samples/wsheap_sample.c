// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_sample: a driver that shares an arena with user space through the
 * in-kernel API of wsheap and nothing else.
 *
 * PRODUCE: user space passes a heap descriptor; the driver allocates room
 * for N records in the heap and maps it in one step (wsheap_alloc_vmap():
 * no reset can come between), fills it, and returns the offset.  User
 * space reads the records through its own mapping of the heap: no copy.
 *
 * CONSUME: user space wrote N records at an offset; the driver reads them
 * out of the heap and counts those whose check value is right.  An offset
 * from user space belongs to the heap's generation at the time of the call:
 * if user space resets the heap meanwhile, the read fails with -ESTALE
 * instead of reading the next generation's bytes.
 *
 * HOLD/RELEASE: the driver keeps records pinned, as one doing DMA into
 * them would; until it lets go, a reset of the heap fails with -EBUSY.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "wsheap_compat.h"
#include "wsheap_kernel.h"
#include "wsheap_sample.h"

MODULE_IMPORT_NS(WSHEAP_NS);

/* What one open of the device holds pinned. */
struct sample_file {
	struct mutex lock;		/* protects @held */
	struct wsheap_heap *held;
};

/* The records user space says it wrote at @io->offset, in this generation. */
static struct wsheap_block sample_block(struct wsheap_heap *heap,
					const struct wsheap_sample_io *io)
{
	struct wsheap_block blk = {
		.offset = io->offset,
		.size = (u64)io->count * sizeof(struct wsheap_sample_record),
		.generation = wsheap_generation(heap),
	};

	return blk;
}

static int sample_produce(struct wsheap_heap *heap,
			  struct wsheap_sample_io *io)
{
	size_t len = io->count * sizeof(struct wsheap_sample_record);
	struct wsheap_sample_record *rec;
	struct wsheap_block blk;
	u32 i;

	/* The mapping pins the records: a reset now fails with -EBUSY. */
	rec = wsheap_alloc_vmap(heap, len, 64, &blk);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	for (i = 0; i < io->count; i++) {
		rec[i].seq = i;
		rec[i].value = io->seed + i;
		rec[i].check = wsheap_sample_check(i, io->seed + i);
		rec[i].pad = 0;
	}
	wsheap_vunmap(heap, rec);
	io->offset = blk.offset;
	return 0;
}

static int sample_consume(struct wsheap_heap *heap,
			  struct wsheap_sample_io *io)
{
	struct wsheap_block blk = sample_block(heap, io);
	struct wsheap_sample_record rec;
	u64 good = 0;
	u32 i;
	int ret;

	for (i = 0; i < io->count; i++) {
		ret = wsheap_read(heap, &blk, (u64)i * sizeof(rec), &rec,
				  sizeof(rec));
		if (ret)
			return ret;
		if (rec.check == wsheap_sample_check(rec.seq, rec.value))
			good++;
	}
	io->seed = good;
	return 0;
}

static void sample_release_hold(struct sample_file *sf)
{
	mutex_lock(&sf->lock);
	if (sf->held) {
		wsheap_unpin(sf->held);
		wsheap_put(sf->held);
		sf->held = NULL;
	}
	mutex_unlock(&sf->lock);
}

static int sample_hold(struct sample_file *sf, struct wsheap_heap *heap,
		       struct wsheap_sample_io *io)
{
	struct wsheap_block blk = sample_block(heap, io);
	int ret;

	mutex_lock(&sf->lock);
	ret = -EBUSY;
	if (!sf->held) {
		ret = wsheap_pin(heap, &blk);
		if (!ret)
			sf->held = heap;	/* keeps our reference */
	}
	mutex_unlock(&sf->lock);
	return ret;
}

static long sample_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct sample_file *sf = file->private_data;
	struct wsheap_sample_io io;
	struct wsheap_heap *heap;
	int ret;

	if (cmd == WSHEAP_SAMPLE_RELEASE) {
		sample_release_hold(sf);
		return 0;
	}
	if (cmd != WSHEAP_SAMPLE_PRODUCE && cmd != WSHEAP_SAMPLE_CONSUME &&
	    cmd != WSHEAP_SAMPLE_HOLD)
		return -ENOTTY;
	if (copy_from_user(&io, (void __user *)arg, sizeof(io)))
		return -EFAULT;
	if (!io.count || io.count > WSHEAP_SAMPLE_MAX)
		return -EINVAL;

	heap = wsheap_get(io.heap_fd);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	if (cmd == WSHEAP_SAMPLE_HOLD) {
		ret = sample_hold(sf, heap, &io);
		if (ret)
			wsheap_put(heap);
		return ret;
	}
	if (cmd == WSHEAP_SAMPLE_PRODUCE)
		ret = sample_produce(heap, &io);
	else
		ret = sample_consume(heap, &io);
	wsheap_put(heap);

	if (!ret && copy_to_user((void __user *)arg, &io, sizeof(io)))
		ret = -EFAULT;
	return ret;
}

static int sample_open(struct inode *inode, struct file *file)
{
	struct sample_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL);

	if (!sf)
		return -ENOMEM;
	mutex_init(&sf->lock);
	file->private_data = sf;
	return 0;
}

static int sample_release(struct inode *inode, struct file *file)
{
	struct sample_file *sf = file->private_data;

	sample_release_hold(sf);
	mutex_destroy(&sf->lock);
	kfree(sf);
	return 0;
}

static const struct file_operations sample_fops = {
	.owner = THIS_MODULE,
	.open = sample_open,
	.release = sample_release,
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
