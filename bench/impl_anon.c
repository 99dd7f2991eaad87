// SPDX-License-Identifier: MIT
/*
 * anon: anonymous memory for firsttouch64m: a bump pointer over one
 * mapping, fresh for each run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/mman.h>

#include "impl.h"

#define ANON_SPAN	(64ULL << 30)

struct heap {
	uintptr_t cur;
	uintptr_t end;
	uintptr_t base;
};

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	void *p;

	p = mmap(NULL, ANON_SPAN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "anon: mmap");
	if (c->flags & CFG_NOHUGE)
		CHECK(!madvise(p, ANON_SPAN, MADV_NOHUGEPAGE), "anon: madvise");
	h->base = h->cur = (uintptr_t)p;
	h->end = h->base + ANON_SPAN;
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

	CHECK(size <= h->end - p, "anon: span exhausted");
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

#define IMPL_SYM	impl_anon
#define IMPL_NAME	"anon"
#define IMPL_CAPS	CAP_TOUCH
#include "workloads.h"
