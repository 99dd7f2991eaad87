// SPDX-License-Identifier: MIT
/*
 * jemalloc: an arena of its own (arenas.create), allocated from with
 * mallocx(MALLOCX_ARENA) and its thread cache, released with
 * thread.tcache.flush and arena.<i>.reset.  The arena keeps its pages
 * (dirty and muzzy decay off); the release that gives memory back
 * (reset_trim64m) also purges the arena (arena.<i>.purge), with muzzy decay
 * at 0 so that the purge is a forced one (pages really go back).
 */
#include <stdio.h>
#include <sys/types.h>
#include <jemalloc/jemalloc.h>

#include "impl.h"

struct heap {
	unsigned arena;
	int flags;
	size_t reset_mib[3], flush_mib[3], purge_mib[3];
	size_t reset_miblen, flush_miblen, purge_miblen;
};

static void set_decay(unsigned arena, const char *what, ssize_t ms)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.%s_decay_ms", arena, what);
	CHECK(!mallctl(name, NULL, NULL, &ms, sizeof(ms)), "jemalloc: %s",
	      name);
}

static void mib(const char *name, size_t *m, size_t *len, unsigned arena)
{
	*len = 3;
	CHECK(!mallctlnametomib(name, m, len), "jemalloc: %s", name);
	if (arena != ~0U)
		m[1] = arena;
}

static void heap_open(struct heap *h, const struct heap_cfg *c)
{
	size_t sz = sizeof(h->arena);

	CHECK(!mallctl("arenas.create", &h->arena, &sz, NULL, 0),
	      "jemalloc: arenas.create");
	mib("arena.0.reset", h->reset_mib, &h->reset_miblen, h->arena);
	mib("arena.0.purge", h->purge_mib, &h->purge_miblen, h->arena);
	mib("thread.tcache.flush", h->flush_mib, &h->flush_miblen, ~0U);
	h->flags = MALLOCX_ARENA(h->arena);
	set_decay(h->arena, "dirty", -1);
	set_decay(h->arena, "muzzy", c->flags & CFG_GIVE_BACK ? 0 : -1);
}

static inline void heap_release(struct heap *h)
{
	CHECK(!mallctlbymib(h->flush_mib, h->flush_miblen, NULL, NULL, NULL,
			    0), "jemalloc: tcache flush");
	CHECK(!mallctlbymib(h->reset_mib, h->reset_miblen, NULL, NULL, NULL,
			    0), "jemalloc: arena reset");
}

static void heap_close(struct heap *h)
{
	char name[64];

	heap_release(h);
	snprintf(name, sizeof(name), "arena.%u.destroy", h->arena);
	CHECK(!mallctl(name, NULL, NULL, NULL, 0), "jemalloc: %s", name);
}

typedef int hctx;

static inline hctx heap_ctx(struct heap *h)
{
	return h->flags;
}

static inline void *heap_alloc(int flags, size_t size)
{
	void *p = mallocx(size, flags);

	CHECK(p, "mallocx");
	return p;
}

static inline void heap_trim(struct heap *h)
{
	heap_release(h);
	CHECK(!mallctlbymib(h->purge_mib, h->purge_miblen, NULL, NULL, NULL,
			    0), "jemalloc: arena purge");
}

#define IMPL_SYM	impl_jemalloc
#define IMPL_NAME	"jemalloc"
#define IMPL_CAPS	CAP_TRIM
#define IMPL_GROW_WHY	"not measured: a realloc builder, as the malloc row"
#include "workloads.h"
