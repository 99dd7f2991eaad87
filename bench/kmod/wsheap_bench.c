// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench: times in-kernel allocations of one size for `make bench`:
 * wsheap_alloc() from a heap user space exported, against kmalloc(),
 * a kmem_cache and a gen_pool.  One ioctl on /dev/wsheap_bench runs one
 * timed loop (ktime) and reports its nanoseconds.
 */
#include <linux/fs.h>
#include <linux/genalloc.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "wsheap_compat.h"
#include "wsheap_kernel.h"
#include "wsheap_bench_ioctl.h"

MODULE_IMPORT_NS(WSHEAP_NS);

static int bench_wsheap(struct wsheap_bench_run *run)
{
	struct wsheap_heap *heap;
	struct wsheap_block blk;
	u64 t0, t1, sum = 0;
	u32 i;
	int ret = 0;

	heap = wsheap_get(run->heap_fd);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	t0 = ktime_get_ns();
	for (i = 0; i < run->iters; i++) {
		ret = wsheap_alloc(heap, run->size, 0, &blk);
		if (ret)
			break;
		sum += blk.offset;
	}
	t1 = ktime_get_ns();
	wsheap_put(heap);
	/* The offsets are used, so the loop cannot be optimised away. */
	if (!ret && !sum && run->iters > 1)
		ret = -EIO;
	run->ns = t1 - t0;
	return ret;
}

/*
 * The peers: WSHEAP_BENCH_BATCH allocations live at a time, then all freed,
 * until @iters allocations are done.  One loop per kind, with direct calls
 * (an indirect call costs a retpoline on a mitigated kernel).
 */
#define DEFINE_PEER_LOOP(name, type, ALLOC, FREE)			\
static noinline int name(type arg, struct wsheap_bench_run *run,	\
			 void **slots)					\
{									\
	u32 done = 0, n, i, size __maybe_unused = run->size;		\
	u64 t0, t1;							\
	int ret = 0;							\
									\
	t0 = ktime_get_ns();						\
	while (done < run->iters) {					\
		n = min_t(u32, run->iters - done, WSHEAP_BENCH_BATCH);	\
		for (i = 0; i < n; i++) {				\
			slots[i] = (void *)(ALLOC);			\
			if (unlikely(!slots[i]))			\
				break;					\
		}							\
		if (i < n)						\
			ret = -ENOMEM;					\
		n = i;							\
		for (i = 0; i < n; i++)					\
			FREE;						\
		if (ret)						\
			break;						\
		done += n;						\
	}								\
	t1 = ktime_get_ns();						\
	run->ns = t1 - t0;						\
	return ret;							\
}

DEFINE_PEER_LOOP(bench_kmalloc, void *, kmalloc(size, GFP_KERNEL),
		 kfree(slots[i]))
DEFINE_PEER_LOOP(bench_cache, struct kmem_cache *,
		 kmem_cache_alloc(arg, GFP_KERNEL),
		 kmem_cache_free(arg, slots[i]))
DEFINE_PEER_LOOP(bench_pool, struct gen_pool *, gen_pool_alloc(arg, size),
		 gen_pool_free(arg, (unsigned long)slots[i], size))

/*
 * Diagnostic: what a lock and an unlock of an uncontended mutex cost
 * (wsheap_alloc() takes the heap's mutex once per call).
 */
static noinline int bench_mutex(struct wsheap_bench_run *run)
{
	static DEFINE_MUTEX(lock);
	u64 t0, t1;
	u32 i;

	t0 = ktime_get_ns();
	for (i = 0; i < run->iters; i++) {
		mutex_lock(&lock);
		mutex_unlock(&lock);
	}
	t1 = ktime_get_ns();
	run->ns = t1 - t0;
	return 0;
}

static int bench_run(struct wsheap_bench_run *run)
{
	struct kmem_cache *cache = NULL;
	struct gen_pool *pool = NULL;
	void *pool_mem = NULL;
	void **slots;
	size_t pool_size;
	int ret;

	if (run->kind == WSHEAP_BENCH_WSHEAP)
		return bench_wsheap(run);
	if (run->kind == WSHEAP_BENCH_MUTEX)
		return bench_mutex(run);

	slots = kvmalloc_array(WSHEAP_BENCH_BATCH, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	ret = -ENOMEM;
	switch (run->kind) {
	case WSHEAP_BENCH_KMALLOC:
		ret = bench_kmalloc(NULL, run, slots);
		break;
	case WSHEAP_BENCH_KMEM_CACHE:
		cache = kmem_cache_create("wsheap_bench", run->size, 8, 0,
					  NULL);
		if (!cache)
			goto out;
		ret = bench_cache(cache, run, slots);
		break;
	case WSHEAP_BENCH_GEN_POOL:
		/* Granule: the allocation size rounded up to a power of two. */
		pool = gen_pool_create(order_base_2(run->size), NUMA_NO_NODE);
		if (!pool)
			goto out;
		pool_size = (size_t)roundup_pow_of_two(run->size) *
			    WSHEAP_BENCH_BATCH;
		pool_mem = kvmalloc(pool_size, GFP_KERNEL);
		if (!pool_mem)
			goto out;
		ret = gen_pool_add(pool, (unsigned long)pool_mem, pool_size,
				   NUMA_NO_NODE);
		if (ret)
			goto out;
		ret = bench_pool(pool, run, slots);
		break;
	default:
		ret = -EINVAL;
		goto out;
	}
out:
	if (pool)
		gen_pool_destroy(pool);
	kvfree(pool_mem);
	kmem_cache_destroy(cache);
	kvfree(slots);
	return ret;
}

static long bench_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct wsheap_bench_run run;
	int ret;

	if (cmd != WSHEAP_BENCH_IOC_RUN)
		return -ENOTTY;
	if (copy_from_user(&run, (void __user *)arg, sizeof(run)))
		return -EFAULT;
	if (run.kind >= WSHEAP_BENCH_KINDS || !run.iters ||
	    run.iters > WSHEAP_BENCH_MAX_ITERS || !run.size ||
	    run.size > WSHEAP_BENCH_MAX_SIZE || run.reserved[0] ||
	    run.reserved[1])
		return -EINVAL;
	ret = bench_run(&run);
	if (!ret && copy_to_user((void __user *)arg, &run, sizeof(run)))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = bench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice bench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wsheap_bench",
	.fops = &bench_fops,
	.mode = 0600,
};

module_misc_device(bench_misc);

MODULE_DESCRIPTION("wsheap benchmark: in-kernel allocation against kmalloc, kmem_cache, gen_pool");
MODULE_LICENSE("GPL");
