// SPDX-License-Identifier: MIT
/*
 * obstack: glibc's obstack, with its inline macros.  Chunks of 64 KiB (as
 * wsheap's first block), from malloc.  A release is obstack_free() back to
 * a mark; the one that gives memory back then calls malloc_trim(), since
 * the freed chunks go back to malloc.  The grow builder is obstack's own
 * growing object: obstack_grow(), then obstack_finish().
 */
#include <malloc.h>
#include <obstack.h>
#include <stdlib.h>

#include "impl.h"

static void *ob_chunk_alloc(size_t n)
{
	return xmalloc(n);
}

#define obstack_chunk_alloc ob_chunk_alloc
#define obstack_chunk_free free

#define OBSTACK_CHUNK	(64 * 1024)

struct heap {
	struct obstack ob;
	void *mark;
	uint64_t trim;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	CHECK(obstack_begin(&h->ob, OBSTACK_CHUNK), "obstack_begin");
	h->mark = obstack_alloc(&h->ob, 0);
	h->trim = c->trim;
}

static void heap_close(struct heap *h)
{
	obstack_free(&h->ob, NULL);
}

typedef struct obstack *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return &h->ob;
}

static inline void *heap_alloc(struct obstack *ob, size_t size)
{
	return obstack_alloc(ob, size);
}

static inline void heap_release(struct heap *h)
{
	obstack_free(&h->ob, h->mark);
	h->mark = obstack_alloc(&h->ob, 0);
}

static inline void heap_trim(struct heap *h)
{
	heap_release(h);
	malloc_trim(h->trim);
}

#define HEAP_APPEND
static inline void heap_append(struct heap *h, const void *src, size_t n)
{
	obstack_grow(&h->ob, src, n);
}

static inline char *heap_finish(struct heap *h)
{
	return obstack_finish(&h->ob);
}

#define IMPL_SYM	impl_obstack
#define IMPL_NAME	"obstack"
#define IMPL_CAPS	(CAP_TRIM | CAP_GROW)
#include "workloads.h"
