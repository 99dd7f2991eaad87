// SPDX-License-Identifier: MIT
/*
 * apr: an APR pool, released with apr_pool_clear() (its allocator keeps
 * the freed nodes).
 */
#include <apr_pools.h>

#include "impl.h"

struct heap {
	apr_pool_t *pool;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	(void)c;
	CHECK(apr_pool_create(&h->pool, NULL) == APR_SUCCESS,
	      "apr_pool_create");
}

static void heap_close(struct heap *h)
{
	apr_pool_destroy(h->pool);
}

typedef apr_pool_t *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h->pool;
}

static inline void *heap_alloc(apr_pool_t *pool, size_t size)
{
	void *p = apr_palloc(pool, size);

	CHECK(p, "apr_palloc");
	return p;
}

static inline void heap_release(struct heap *h)
{
	apr_pool_clear(h->pool);
}

#define IMPL_SYM	impl_apr
#define IMPL_NAME	"apr"
#define IMPL_CAPS	0
#include "workloads.h"
