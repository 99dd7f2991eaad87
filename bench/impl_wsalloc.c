// SPDX-License-Identifier: MIT
/*
 * WsAlloc: libwsheap's WWSAPI face (<webservices.h>): WsCreateHeap,
 * WsAlloc, WsResetHeap.  Out of line, with Windows' block model for
 * ACTUAL_SIZE updated on every allocation.
 */
#include <stdint.h>

#include "impl.h"
#include "webservices.h"

struct heap {
	WS_HEAP *wh;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	CHECK(WsCreateHeap(SIZE_MAX, (SIZE_T)c->trim, NULL, 0, &h->wh,
			   NULL) == S_OK, "WsCreateHeap");
}

static void heap_close(struct heap *h)
{
	WsFreeHeap(h->wh);
}

typedef WS_HEAP *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h->wh;
}

static inline void *heap_alloc(WS_HEAP *wh, size_t size)
{
	void *p;

	CHECK(WsAlloc(wh, size, &p, NULL) == S_OK, "WsAlloc");
	return p;
}

static inline void heap_release(struct heap *h)
{
	CHECK(WsResetHeap(h->wh, NULL) == S_OK, "WsResetHeap");
}

static inline void heap_trim(struct heap *h)
{
	heap_release(h);
}

#define IMPL_SYM	impl_wsalloc
#define IMPL_NAME	"WsAlloc"
#define IMPL_CAPS	CAP_TRIM
#define IMPL_GROW_WHY	"WWSAPI has no growing call; a builder would copy as the wsheap row does"
#include "workloads.h"
