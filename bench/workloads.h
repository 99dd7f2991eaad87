/* SPDX-License-Identifier: MIT */
/*
 * The heap workloads' timed loops, instantiated once per implementation.
 * Include this at the end of an impl_*.c file that defined:
 *
 *   IMPL_SYM, IMPL_NAME, IMPL_CAPS     the table entry, its name, CAP_*
 *   struct heap
 *   void heap_open(struct heap *, const struct heap_cfg *)
 *   void heap_close(struct heap *)
 *   hctx, hctx heap_ctx(struct heap *)              what the allocation call
 *                                                  takes, read once per run
 *                                                  (a loop keeps it in a
 *                                                  register, as a caller
 *                                                  holding a heap pointer
 *                                                  would)
 *   void *heap_alloc(hctx, size_t)                 inline; never NULL
 *   void heap_release(struct heap *)               everything at once
 *
 * and, for the workloads it can run:
 *
 *   CAP_TOUCH: void *heap_alloc_pages(struct heap *, size_t)   page aligned
 *
 * Every function here is static: each implementation gets its own copy of
 * each loop, with its heap_alloc() inlined.
 */
#ifndef IMPL_SYM
#error "define IMPL_SYM, IMPL_NAME and IMPL_CAPS before including workloads.h"
#endif

#include <string.h>

static inline struct heap *run_heap(void *arg)
{
	return ((struct run *)arg)->heap;
}

/* allocN: n allocations of one size, each written, then one release. */
static void wl_alloc(void *arg, struct sample *s)
{
	const struct heap_cfg *c = &((struct run *)arg)->cfg;
	struct heap *h = run_heap(arg);
	const hctx x = heap_ctx(h);
	const size_t n = c->n, size = c->size;
	size_t i;

	sample_start(s);
	for (i = 0; i < n; i++)
		TOUCH(heap_alloc(x, size), i);
	heap_release(h);
	sample_stop(s);
}

/* reset100k: n allocations (not timed), then the release alone. */
static void wl_reset(void *arg, struct sample *s)
{
	const struct heap_cfg *c = &((struct run *)arg)->cfg;
	struct heap *h = run_heap(arg);
	const hctx x = heap_ctx(h);
	const size_t n = c->n, size = c->size;
	size_t i;

	for (i = 0; i < n; i++)
		TOUCH(heap_alloc(x, size), i);
	sample_start(s);
	heap_release(h);
	sample_stop(s);
}

/* steady: messages of c->n mixed-size allocations, each then released. */
static void wl_steady(void *arg, struct sample *s)
{
	const struct heap_cfg *c = &((struct run *)arg)->cfg;
	struct heap *h = run_heap(arg);
	const hctx x = heap_ctx(h);
	const uint32_t *sizes = c->sizes;
	const size_t n = c->n, rounds = c->rounds;
	size_t r, i;

	sample_start(s);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++)
			TOUCH(heap_alloc(x, sizes[i]), i);
		heap_release(h);
	}
	sample_stop(s);
}

#if (IMPL_CAPS) & CAP_TOUCH
/*
 * firsttouch64m: a fresh heap (made before the clock starts), 64 MiB from
 * it, every byte written.
 */
static void wl_touch(void *arg, struct sample *s)
{
	const struct heap_cfg *c = &((struct run *)arg)->cfg;
	struct heap *h = run_heap(arg);

	heap_open(h, c);
	sample_start(s);
	memset(heap_alloc_pages(h, TOUCH_BYTES), 0x5a, TOUCH_BYTES);
	sample_stop(s);
	heap_close(h);
}
#else
#define wl_touch NULL
#endif

static void impl_open(void *heap, const struct heap_cfg *cfg)
{
	heap_open(heap, cfg);
}

static void impl_close(void *heap)
{
	heap_close(heap);
}

const struct impl IMPL_SYM = {
	.name = IMPL_NAME,
	.caps = IMPL_CAPS,
	.heap_size = sizeof(struct heap),
	.open = impl_open,
	.close = impl_close,
	.alloc = wl_alloc,
	.reset = wl_reset,
	.steady = wl_steady,
	.touch = wl_touch,
};
