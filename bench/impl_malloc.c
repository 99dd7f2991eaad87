// SPDX-License-Identifier: MIT
/*
 * malloc: glibc's malloc and free, the process's own allocator.  A release
 * frees every block; the one that gives memory back (reset_trim64m) then
 * calls malloc_trim() with the trim size as the pad.  The grow builder uses
 * realloc() with doubling, as string builders over malloc do.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "impl.h"

struct heap {
	void **ptrs;
	size_t live;
	size_t cap;
	uint64_t trim;
	void *grow_buf;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	h->cap = c->n > TRIM_PIECES ? c->n : TRIM_PIECES;
	h->ptrs = xmalloc(h->cap * sizeof(*h->ptrs));
	h->live = 0;
	h->trim = c->trim;
	h->grow_buf = NULL;
}

static inline void heap_release(struct heap *h)
{
	size_t i;

	for (i = 0; i < h->live; i++)
		free(h->ptrs[i]);
	h->live = 0;
	free(h->grow_buf);
	h->grow_buf = NULL;
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

static inline void heap_trim(struct heap *h)
{
	heap_release(h);
	malloc_trim(h->trim);
}

static inline char *heap_resize(struct heap *h, char *buf, size_t len,
				size_t *size, size_t need)
{
	char *nb = realloc(buf, 2 * need);

	(void)len;
	CHECK(nb, "realloc");
	*size = 2 * need;
	h->grow_buf = nb;
	return nb;
}

#define IMPL_SYM	impl_malloc
#define IMPL_NAME	"malloc"
#define IMPL_CAPS	(CAP_TRIM | CAP_GROW)
#include "workloads.h"
