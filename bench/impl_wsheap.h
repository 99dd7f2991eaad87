/* SPDX-License-Identifier: MIT */
/*
 * The wsheap heap of the workloads: libwsheap's native API, its inline
 * fast path.  Shared by impl_wsheap.c and impl_wsheap_grow.c, which differ
 * only in how the grow workload's builder grows its buffer.
 */
#ifndef BENCH_IMPL_WSHEAP_H
#define BENCH_IMPL_WSHEAP_H

#include <string.h>

#include "impl.h"
#include "wsheap.h"

struct heap {
	struct wsheap *ws;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	unsigned int flags = (c->flags & CFG_POPULATE ?
			      WSHEAP_HEAP_POPULATE : 0) |
			     (c->flags & CFG_ZERO_RESET ?
			      WSHEAP_HEAP_ZERO_ON_RESET : 0);
	int ret = wsheap_create(NULL, UINT64_MAX, c->trim, flags, &h->ws);

	CHECK(!ret, "wsheap_create: %s", strerror(-ret));
}

static void heap_close(struct heap *h)
{
	CHECK(!wsheap_free(h->ws), "wsheap_free");
}

typedef struct wsheap *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h->ws;
}

static inline void *heap_alloc(struct wsheap *ws, size_t size)
{
	void *p;

	CHECK(!wsheap_alloc(ws, size, &p), "wsheap_alloc");
	return p;
}

static inline void *heap_alloc_pages(struct heap *h, size_t len)
{
	void *p;

	CHECK(!wsheap_alloc_aligned(h->ws, len, PAGE, &p),
	      "wsheap_alloc_aligned");
	return p;
}

static inline void heap_release(struct heap *h)
{
	CHECK(!wsheap_reset(h->ws), "wsheap_reset");
}

/* The trim size given at creation is what a reset keeps. */
static inline void heap_trim(struct heap *h)
{
	heap_release(h);
}

/* No growing in place: a bigger buffer and a copy (doubling). */
static inline char *heap_resize_copy(struct heap *h, char *buf, size_t len,
				     size_t *size, size_t need)
{
	char *nb = heap_alloc(h->ws, 2 * need);

	if (len)
		memcpy(nb, buf, len);
	*size = 2 * need;
	return nb;
}

#endif /* BENCH_IMPL_WSHEAP_H */
