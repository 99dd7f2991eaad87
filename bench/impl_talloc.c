// SPDX-License-Identifier: MIT
/*
 * talloc: a talloc pool (talloc_pool) sized for the workload, released
 * with talloc_free_children().  A pool is one malloc'd block: it cannot
 * give memory back, so it has no reset_trim64m row.
 */
#include <talloc.h>

#include "impl.h"

/* talloc's chunk header is 96 bytes on LP64; pools are sized with room */
#define TALLOC_HDR	112
/* talloc refuses objects of 256 MiB and more: larger runs overflow the pool */
#define TALLOC_POOL_MAX	(255 * MiB)

struct heap {
	void *pool;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	size_t size = c->pool + c->n * TALLOC_HDR + 64 * KiB;

	if (size > TALLOC_POOL_MAX)
		size = TALLOC_POOL_MAX;
	h->pool = talloc_pool(NULL, size);
	CHECK(h->pool, "talloc_pool(%zu)", size);
}

static void heap_close(struct heap *h)
{
	talloc_free(h->pool);
}

typedef void *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h->pool;
}

static inline void *heap_alloc(void *pool, size_t size)
{
	void *p = talloc_size(pool, size);

	CHECK(p, "talloc_size");
	return p;
}

static inline void heap_release(struct heap *h)
{
	talloc_free_children(h->pool);
}

#define IMPL_SYM	impl_talloc
#define IMPL_NAME	"talloc"
#define IMPL_CAPS	0
#define IMPL_GROW_WHY	"not measured: a talloc_realloc builder, as the malloc row"
#include "workloads.h"
