// SPDX-License-Identifier: MIT
/*
 * obstack: glibc's obstack, with its inline macros.  Chunks of 64 KiB (as
 * wsheap's first block), from malloc.  A release is obstack_free() back to
 * a mark.
 */
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
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	CHECK(obstack_begin(&h->ob, OBSTACK_CHUNK), "obstack_begin");
	(void)c;
	h->mark = obstack_alloc(&h->ob, 0);
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

#define IMPL_SYM	impl_obstack
#define IMPL_NAME	"obstack"
#define IMPL_CAPS	0
#include "workloads.h"
