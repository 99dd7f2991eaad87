// SPDX-License-Identifier: MIT
/*
 * bump: the limit.  An inline bump pointer over anonymous memory with
 * nothing but the room check: no quota, no requested bookkeeping, no
 * generation.  Its release is cur = base; the release that gives memory
 * back (reset_trim64m) is madvise(MADV_DONTNEED) beyond the trim size, the
 * cheapest way to return anonymous pages.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>
#include <sys/mman.h>

#include "impl.h"

#define BUMP_SPAN	(64ULL << 30)

struct heap {
	uintptr_t cur;
	uintptr_t end;
	uintptr_t base;
	uint64_t trim;
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
	h->trim = (c->trim + PAGE - 1) & ~(PAGE - 1);
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

static inline void heap_trim(struct heap *h)
{
	uintptr_t used = (h->cur - h->base + PAGE - 1) & ~(PAGE - 1);

	if (used > h->trim)
		CHECK(!madvise((void *)(h->base + h->trim), used - h->trim,
			       MADV_DONTNEED), "bump: madvise(DONTNEED)");
	h->cur = h->base;
}

/*
 * The last allocation grows in place (the builder's buffer is always the
 * last), to twice what is needed, so that appends between two growths are
 * plain stores, as with realloc(); a copy only when the span ends.
 */
static inline char *heap_resize(struct heap *h, char *buf, size_t len,
				size_t *size, size_t need)
{
	char *nb;

	if (buf && (uintptr_t)buf + ((*size + 7) & ~(size_t)7) == h->cur &&
	    2 * need - *size <= h->end - h->cur) {
		h->cur = (uintptr_t)buf + ((2 * need + 7) & ~(size_t)7);
		*size = 2 * need;
		return buf;
	}
	nb = heap_alloc(h, 2 * need);
	if (len)
		memcpy(nb, buf, len);
	*size = 2 * need;
	return nb;
}

#define IMPL_SYM	impl_bump
#define IMPL_NAME	"bump"
#define IMPL_CAPS	(CAP_TRIM | CAP_TOUCH | CAP_GROW)
#include "workloads.h"
