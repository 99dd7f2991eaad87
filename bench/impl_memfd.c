// SPDX-License-Identifier: MIT
/*
 * memfd: the memfd arena (memfd_arena.h), with wsheap's quota and
 * requested bookkeeping; its reset punches the pages beyond the trim size
 * out of the file.  With the same trim size as wsheap in every workload.
 */
#include <string.h>

#include "impl.h"
#include "memfd_arena.h"

struct heap {
	struct memfd_arena a;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	int ret = memfd_arena_create(&h->a, UINT64_MAX, c->trim,
				     c->flags & CFG_POPULATE ?
				     MEMFD_ARENA_POPULATE : 0);

	CHECK(!ret, "memfd_arena_create: %d", ret);
}

static void heap_close(struct heap *h)
{
	memfd_arena_destroy(&h->a);
}

typedef struct memfd_arena *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return &h->a;
}

static inline void *heap_alloc(struct memfd_arena *a, size_t size)
{
	void *p;

	CHECK(!memfd_arena_alloc(a, size, &p), "memfd_arena_alloc");
	return p;
}

static inline void *heap_alloc_pages(struct heap *h, size_t len)
{
	void *p;

	CHECK(!memfd_arena_alloc_aligned(&h->a, len, PAGE, &p),
	      "memfd_arena_alloc_aligned");
	return p;
}

static inline void heap_release(struct heap *h)
{
	CHECK(!memfd_arena_reset(&h->a), "memfd_arena_reset");
}

static inline void heap_trim(struct heap *h)
{
	heap_release(h);
}

/*
 * The arena grows its last allocation in place, to twice what is needed
 * (appends between two growths are plain stores, as with realloc()).
 */
static inline char *heap_resize(struct heap *h, char *buf, size_t len,
				size_t *size, size_t need)
{
	char *nb;

	if (buf && !memfd_arena_grow(&h->a, buf, *size, 2 * need)) {
		*size = 2 * need;
		return buf;
	}
	nb = heap_alloc(&h->a, 2 * need);
	if (len)
		memcpy(nb, buf, len);
	*size = 2 * need;
	return nb;
}

#define IMPL_SYM	impl_memfd
#define IMPL_NAME	"memfd"
#define IMPL_CAPS	(CAP_TRIM | CAP_TOUCH | CAP_GROW)
#include "workloads.h"
