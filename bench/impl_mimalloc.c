// SPDX-License-Identifier: MIT
/*
 * mimalloc: a first-class heap (mi_heap_new), released with
 * mi_heap_destroy() and replaced by a new one.  The process keeps
 * mimalloc's memory across releases (peers_init()).
 */
#include <mimalloc.h>

#include "impl.h"

struct heap {
	mi_heap_t *mh;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	(void)c;
	h->mh = mi_heap_new();
	CHECK(h->mh, "mi_heap_new");
}

static void heap_close(struct heap *h)
{
	mi_heap_destroy(h->mh);
}

typedef struct heap *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h;
}

/* The heap changes at every release: read through struct heap. */
static inline void *heap_alloc(struct heap *h, size_t size)
{
	void *p = mi_heap_malloc(h->mh, size);

	CHECK(p, "mi_heap_malloc");
	return p;
}

static inline void heap_release(struct heap *h)
{
	mi_heap_destroy(h->mh);
	h->mh = mi_heap_new();
	CHECK(h->mh, "mi_heap_new");
}

#define IMPL_SYM	impl_mimalloc
#define IMPL_NAME	"mimalloc"
#define IMPL_CAPS	0
#include "workloads.h"
