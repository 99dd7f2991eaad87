// SPDX-License-Identifier: MIT
/*
 * apr: an APR pool, released with apr_pool_clear().  Its allocator keeps
 * the freed nodes; the release that gives memory back (reset_trim64m) uses
 * a pool whose allocator keeps at most the trim size (max_free), then
 * malloc_trim(), since APR's nodes come from malloc.
 */
#include <malloc.h>
#include <apr_allocator.h>
#include <apr_pools.h>

#include "impl.h"

struct heap {
	apr_pool_t *pool;
	uint64_t trim;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	apr_allocator_t *al;

	h->trim = c->trim;
	if (!(c->flags & CFG_GIVE_BACK)) {
		CHECK(apr_pool_create(&h->pool, NULL) == APR_SUCCESS,
		      "apr_pool_create");
		return;
	}
	CHECK(apr_allocator_create(&al) == APR_SUCCESS, "apr_allocator_create");
	apr_allocator_max_free_set(al, (apr_size_t)c->trim);
	CHECK(apr_pool_create_ex(&h->pool, NULL, NULL, al) == APR_SUCCESS,
	      "apr_pool_create_ex");
	apr_allocator_owner_set(al, h->pool);
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

static inline void heap_trim(struct heap *h)
{
	apr_pool_clear(h->pool);
	malloc_trim(h->trim);
}

#define IMPL_SYM	impl_apr
#define IMPL_NAME	"apr"
#define IMPL_CAPS	CAP_TRIM
#define IMPL_GROW_WHY	"APR pools have no growing call"
#include "workloads.h"
