/* SPDX-License-Identifier: MIT */
/*
 * The workloads of wsheap_bench (one function each) and what they share.
 * main.c runs them in order; each prints its raw measurements.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* heap_workloads.c: every heap (impl.h) */
void wl_alloc16(void);
void wl_alloc64(void);
void wl_alloc256(void);
void wl_alloc4096(void);
void wl_reset100k(void);
void wl_steady(void);
void wl_steady_pressure(void);
void wl_reset_trim64m(void);
void wl_firsttouch64m(void);
void wl_grow(void);

/* steady's message: MSG_ALLOCS sizes, msg_bytes in all */
#define MSG_ALLOCS 200
extern uint32_t msg_sizes[MSG_ALLOCS];
extern size_t msg_bytes;
void make_msg_sizes(void);

/* diag.c: where wsheap's steady message spends its time; the parts of a
 * fast path */
void steady_breakdown(size_t rounds);
void wl_fastpath64(void);

/* wl_kernel.c: the ioctl path and in-kernel allocation */
void wl_ioctl(void);
void wl_kalloc64(void);

/* wl_share.c: moving data between processes */
void wl_share256m(void);

/* wl_dmabuf.c: a dma-buf of arena memory */
void wl_dmabuf32m(void);

/* wl_counts.c: figures measured once */
void wl_syscalls1m(void);
void wl_resident_after_reset(void);
void wl_overhead24(void);

/* The raw ioctl interface, for the workloads that bypass the library. */
struct raw {
	int fd;
	uint32_t handle;
	size_t n;
	uint64_t size;		/* ioctl: ALLOC size */
	uint64_t align;		/* ioctl: ALLOC alignment */
};

void raw_open(struct raw *r, uint64_t trim);
void raw_reset(struct raw *r);
void raw_close(struct raw *r);

#endif /* BENCH_BENCH_H */
