/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The ioctl of the benchmark module (/dev/wsheap_bench): time N in-kernel
 * allocations of one size with one allocator and report nanoseconds.
 */
#ifndef _UAPI_WSHEAP_BENCH_IOCTL_H
#define _UAPI_WSHEAP_BENCH_IOCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Allocators (struct wsheap_bench_run.kind) */
#define WSHEAP_BENCH_WSHEAP	0	/* wsheap_alloc() from a heap fd */
#define WSHEAP_BENCH_KMALLOC	1	/* kmalloc() + kfree() */
#define WSHEAP_BENCH_KMEM_CACHE	2	/* kmem_cache_alloc() + kmem_cache_free() */
#define WSHEAP_BENCH_GEN_POOL	3	/* gen_pool_alloc() + gen_pool_free() */
#define WSHEAP_BENCH_MUTEX	4	/* diagnostic: mutex_lock() + mutex_unlock() */
#define WSHEAP_BENCH_KINDS	5

/* The peers keep at most this many allocations live, then free them all. */
#define WSHEAP_BENCH_BATCH	1024
#define WSHEAP_BENCH_MAX_ITERS	(1U << 24)
#define WSHEAP_BENCH_MAX_SIZE	4096

/**
 * struct wsheap_bench_run - WSHEAP_BENCH_IOC_RUN
 * @kind: in: WSHEAP_BENCH_*
 * @heap_fd: in: for WSHEAP_BENCH_WSHEAP, a descriptor from WSHEAP_IOC_EXPORT
 * @iters: in: allocations, 1..WSHEAP_BENCH_MAX_ITERS
 * @size: in: bytes per allocation, 1..WSHEAP_BENCH_MAX_SIZE
 * @ns: out: nanoseconds the allocations (and the peers' frees) took
 * @reserved: must be zero
 *
 * wsheap allocations are never freed by the module: user space resets the
 * heap afterwards (one ioctl, outside the timed loop).  The peers allocate
 * WSHEAP_BENCH_BATCH objects, free them, and so on, inside the timed loop.
 */
struct wsheap_bench_run {
	__u32 kind;
	__s32 heap_fd;
	__u32 iters;
	__u32 size;
	__u64 ns;
	__u64 reserved[2];
};

#define WSHEAP_BENCH_IOC_RUN	_IOWR(0xB9, 0x60, struct wsheap_bench_run)

#endif /* _UAPI_WSHEAP_BENCH_IOCTL_H */
