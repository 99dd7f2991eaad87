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
 *   CAP_TRIM:  void heap_trim(struct heap *)       a release that gives all
 *              but cfg->trim back to the kernel
 *   CAP_TOUCH: void *heap_alloc_pages(struct heap *, size_t)   page aligned
 *   CAP_GROW:  HEAP_APPEND: void heap_append(struct heap *, const void *,
 *              size_t) and char *heap_finish(struct heap *) (a builder of
 *              its own), or else char *heap_resize(struct heap *, char *buf,
 *              size_t len, size_t *size, size_t need): room for @need bytes
 *              in the buffer @buf of *@size bytes whose first @len are used
 *              (in place when it can, else moved), *@size updated.
 *   IMPL_GROW_WHY: a reason to show instead of a grow row (no CAP_GROW)
 *
 * Every function here is static: each implementation gets its own copy of
 * each loop, with its heap_alloc() inlined.
 */
#ifndef IMPL_SYM
#error "define IMPL_SYM, IMPL_NAME and IMPL_CAPS before including workloads.h"
#endif

#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

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

#if (IMPL_CAPS) & CAP_TRIM
/*
 * reset_trim64m: 64 MiB in 64 KiB pieces, each written in full (not timed),
 * then the release that gives back all but the trim size.  extra: bytes of
 * the 64 MiB still resident after it (from RSS), which shows that the
 * memory really went back.
 */
static void wl_trim(void *arg, struct sample *s)
{
	struct heap *h = run_heap(arg);
	uint64_t filled, done;
	size_t i;

	for (i = 0; i < TRIM_PIECES; i++)
		memset(heap_alloc(heap_ctx(h), TRIM_PIECE), (int)(i | 1),
		       TRIM_PIECE);
	filled = rss_bytes();
	sample_start(s);
	heap_trim(h);
	sample_stop(s);
	done = rss_bytes();
	s->extra = (double)TRIM_BYTES -
		   (double)(filled > done ? filled - done : 0);
}
#else
#define wl_trim NULL
#endif

#if (IMPL_CAPS) & CAP_TOUCH
/*
 * firsttouch64m: a fresh heap (made before the clock starts), 64 MiB from
 * it, every byte written.  With CFG_POP_WRITE the program asks the kernel
 * to populate the range first (MADV_POPULATE_WRITE, timed too).  extra:
 * page faults the memset itself took (the perf software event: faults of
 * the program's own stores).
 */
static void wl_touch(void *arg, struct sample *s)
{
	const struct heap_cfg *c = &((struct run *)arg)->cfg;
	struct heap *h = run_heap(arg);
	int64_t f0, f1;
	void *p;

	heap_open(h, c);
	sample_start(s);
	p = heap_alloc_pages(h, TOUCH_BYTES);
	if (c->flags & CFG_POP_WRITE)
		CHECK(!madvise(p, TOUCH_BYTES, MADV_POPULATE_WRITE),
		      "madvise(MADV_POPULATE_WRITE)");
	f0 = own_faults();
	memset(p, 0x5a, TOUCH_BYTES);
	f1 = own_faults();
	sample_stop(s);
	heap_close(h);
	s->extra = f0 >= 0 && f1 >= 0 ? (double)(f1 - f0) : -1;
}
#else
#define wl_touch NULL
#endif

#if (IMPL_CAPS) & CAP_GROW
/*
 * grow: a builder appends 8 bytes c->n times.  The buffer is checked after
 * the clock stops.
 */
static void wl_grow(void *arg, struct sample *s)
{
	struct run *run = arg;
	struct heap *h = run->heap;
	const uint64_t n = run->cfg.n;
	uint64_t i, sum = 0;
	const char *buf;
#ifndef HEAP_APPEND
	size_t len = 0, size = 0;
	char *b = NULL;
#endif

	sample_start(s);
#ifdef HEAP_APPEND
	for (i = 0; i < n; i++)
		heap_append(h, &i, sizeof(i));
	buf = heap_finish(h);
#else
	for (i = 0; i < n; i++) {
		if (__builtin_expect(len + sizeof(i) > size, 0))
			b = heap_resize(h, b, len, &size, len + sizeof(i));
		memcpy(b + len, &i, sizeof(i));
		len += sizeof(i);
	}
	buf = b;
#endif
	sample_stop(s);
	for (i = 0; i < n; i += 4099) {
		uint64_t v;

		memcpy(&v, buf + i * sizeof(v), sizeof(v));
		CHECK(v == i, "grow: %s lost byte %llu", IMPL_NAME,
		      (unsigned long long)(i * sizeof(v)));
		sum += v;
	}
	run->sum += sum;
	heap_release(h);
}
#define IMPL_GROW_WHY_ NULL
#else
#define wl_grow NULL
#ifdef IMPL_GROW_WHY
#define IMPL_GROW_WHY_ IMPL_GROW_WHY
#else
#define IMPL_GROW_WHY_ "no growing builder"
#endif
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
	.trim = wl_trim,
	.touch = wl_touch,
	.grow = wl_grow,
	.grow_why = IMPL_GROW_WHY_,
};
