// SPDX-License-Identifier: MIT
/*
 * bump: the limit.  An inline bump pointer over anonymous memory with
 * nothing but the room check: no quota, no requested bookkeeping, no
 * generation.  Its release is cur = base.  Fresh for each run of
 * firsttouch64m, where it is anonymous memory as the system gives it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/mman.h>

#include "impl.h"

#define BUMP_SPAN	(64ULL << 30)

struct heap {
	uintptr_t cur;
	uintptr_t end;
	uintptr_t base;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	void *p;

	p = mmap(NULL, BUMP_SPAN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "bump: mmap");
	if (c->flags & CFG_NOHUGE)
		CHECK(!madvise(p, BUMP_SPAN, MADV_NOHUGEPAGE), "bump: madvise");
	h->base = h->cur = (uintptr_t)p;
	h->end = h->base + BUMP_SPAN;
}

static void heap_close(struct heap *h)
{
	munmap((void *)h->base, h->end - h->base);
}

typedef struct heap *hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h;
}

static inline void *heap_alloc(struct heap *h, size_t size)
{
	uintptr_t p = h->cur;

	CHECK(size <= h->end - p, "bump: span exhausted");
	h->cur = p + ((size + 7) & ~(size_t)7);
	return (void *)p;
}

static inline void *heap_alloc_pages(struct heap *h, size_t len)
{
	h->cur = (h->cur + PAGE - 1) & ~(PAGE - 1);
	return heap_alloc(h, len);
}

static inline void heap_release(struct heap *h)
{
	h->cur = h->base;
}

#define IMPL_SYM	impl_bump
#define IMPL_NAME	"bump"
#define IMPL_CAPS	CAP_TOUCH
#include "workloads.h"
