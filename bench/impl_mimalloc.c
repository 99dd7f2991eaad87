// SPDX-License-Identifier: MIT
/*
 * mimalloc: a first-class heap (mi_heap_new), released with
 * mi_heap_destroy() and replaced by a new one.  The process keeps
 * mimalloc's memory across releases (peers_init()); the release that gives
 * memory back (reset_trim64m) allows decommit for that release, with no
 * delay, and collects.
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

static inline void heap_trim(struct heap *h)
{
	long delay = mi_option_get(mi_option_decommit_delay);
	long sdelay = mi_option_get(mi_option_segment_decommit_delay);

	mi_option_enable(mi_option_allow_decommit);
	mi_option_set(mi_option_decommit_delay, 0);
	mi_option_set(mi_option_segment_decommit_delay, 0);
	mi_heap_destroy(h->mh);
	mi_collect(true);
	mi_option_set(mi_option_decommit_delay, delay);
	mi_option_set(mi_option_segment_decommit_delay, sdelay);
	mi_option_disable(mi_option_allow_decommit);
	h->mh = mi_heap_new();
	CHECK(h->mh, "mi_heap_new");
}

#define IMPL_SYM	impl_mimalloc
#define IMPL_NAME	"mimalloc"
#define IMPL_CAPS	CAP_TRIM
#define IMPL_GROW_WHY	"not measured: a realloc builder, as the malloc row"
#include "workloads.h"
