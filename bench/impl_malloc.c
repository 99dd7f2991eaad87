// SPDX-License-Identifier: MIT
/*
 * malloc: glibc's malloc and free, the process's own allocator.  A release
 * frees every block.
 */
#include <stdlib.h>

#include "impl.h"

struct heap {
	void **ptrs;
	size_t live;
	size_t cap;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	h->cap = c->n;
	h->ptrs = xmalloc(h->cap * sizeof(*h->ptrs));
	h->live = 0;
}

static inline void heap_release(struct heap *h)
{
	size_t i;

	for (i = 0; i < h->live; i++)
		free(h->ptrs[i]);
	h->live = 0;
}

static void heap_close(struct heap *h)
{
	heap_release(h);
	free(h->ptrs);
}

typedef struct heap *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h;
}

static inline void *heap_alloc(struct heap *h, size_t size)
{
	void *p = malloc(size);

	CHECK(p && h->live < h->cap, "malloc");
	h->ptrs[h->live++] = p;
	return p;
}

#define IMPL_SYM	impl_malloc
#define IMPL_NAME	"malloc"
#define IMPL_CAPS	0
#include "workloads.h"
