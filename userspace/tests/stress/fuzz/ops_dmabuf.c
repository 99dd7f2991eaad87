// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations on dma-bufs of private heaps: EXPORT_DMABUF (valid
 * and bad ranges), their mappings, and the pages they keep once the heap
 * gave them back.
 */
#include "fuzz.h"

/* ------------------------------------------------------------ dma-buf --- */

/* Before the heap gives back its pages from @keep on: freeze them. */
void dma_freeze(struct thr *t, struct ph *p, ull keep)
{
	size_t bad, from;
	int i, rc;

	for (i = 0; i < NDMA; i++) {
		struct dma *d = &t->dmas[i];

		if (!d->used || d->heap_id != p->id || !d->map)
			continue;
		if (keep >= d->off + d->len)
			continue;	/* all its pages stay the heap's */
		from = keep > d->off ? (size_t)(keep - d->off) : 0;
		if (from >= d->frozen_from)
			continue;	/* frozen already */
		/* [from, frozen_from) are the heap's pages until now */
		rc = wsh_guarded(WSH_READ, d->map + from, d->snap + from,
				 d->frozen_from - from, NULL);
		if (rc) {
			VIOL(t, "dma-buf of heap %d: reading: signal %d", p->id, rc);
			continue;
		}
		if (p->win && d->off + d->frozen_from <= WIN) {
			rc = wsh_guarded(WSH_CMP, p->win + d->off + from,
					 d->snap + from, d->frozen_from - from, &bad);
			if (rc == 1)
				VIOL(t, "dma-buf of heap %d differs from the heap at %llu",
				     p->id, d->off + from + bad);
		}
		d->frozen_from = from;
	}
}

/* ------------------------------------------------------------ dma-buf --- */

void op_dmabuf(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct dma *d = NULL;
	struct hnd *h;
	unsigned int flags;
	ull off, size;
	size_t bad;
	int i, fd, rc;
	void *m;

	if (!p || !(h = pick_hnd(t, p, !wsh_chance(&t->r, 5))))
		return;
	for (i = 0; i < NDMA; i++)
		if (!t->dmas[i].used)
			d = &t->dmas[i];
	if (!d)
		return;
	flags = (unsigned int)wsh_below(&t->r, 4);
	if (wsh_chance(&t->r, 25)) {
		/* malformed ranges: EINVAL */
		switch (wsh_below(&t->r, 6)) {
		case 0: off = 0; size = 0; break;
		case 1: off = 1 + wsh_below(&t->r, ps - 1); size = ps; break;
		case 2: off = p->committed; size = ps; break;
		case 3: off = WSHEAP_STATUS_OFFSET; size = ps; break;
		case 4: off = 0; size = ~0ULL; break;
		default:
			/*
			 * (The kernel sizes a page array by this before it checks
			 * the range: under --faults keep it within one page, or
			 * a failing vmalloc prints a stack trace.)
			 */
			if (opt.faults && p->committed >= 512 * ps)
				return;
			off = 0;
			size = p->committed + 1;
			break;
		}
		fd = wsh_dmabuf(ctxfd(t, h->ctxk), h->h, off, size, flags);
		if (fd >= 0)
			close(fd);
		EXPECT(t, fd, h->ro ? -EPERM : -EINVAL, true,
		       "EXPORT_DMABUF of a bad range");
		return;
	}
	if (!p->committed)
		return;
	off = ps * wsh_below(&t->r, p->committed / ps);
	size = 1 + wsh_below(&t->r, p->committed - off < DMAMAX ?
				    p->committed - off : DMAMAX);
	fd = wsh_dmabuf(ctxfd(t, h->ctxk), h->h, off, size, flags);
	if (h->ro) {
		if (fd >= 0)
			close(fd);
		EXPECT(t, fd, -EPERM, false, "EXPORT_DMABUF of a read-only handle");
		return;
	}
	if (!EXPECT(t, fd, 0, true, "EXPORT_DMABUF"))
		return;
	size = wsh_pages_up(size, ps) * ps;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (flags & WSHEAP_DMABUF_RDONLY) {
		if (m != MAP_FAILED)
			VIOL(t, "writable mmap of a read-only dma-buf worked");
		m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	}
	if (m == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap of a dma-buf: %s", strerror(errno));
		close(fd);
		return;
	}
	*d = (struct dma){ true, fd, m, size, p->id, off, size, NULL,
			   !(flags & WSHEAP_DMABUF_RDONLY), p->gen };
	d->snap = malloc(size);
	if (!d->snap) {
		munmap(m, size);
		close(fd);
		d->used = false;
		return;
	}
	/* the dma-buf shows the heap's pages */
	if (p->win && off + size <= WIN) {
		rc = wsh_guarded(WSH_READ, m, t->buf2, size, NULL);
		if (rc)
			VIOL(t, "reading a new dma-buf: signal %d", rc);
		rc = wsh_guarded(WSH_CMP, p->win + off, t->buf2, size, &bad);
		if (rc && !(opt.faults && rc == SIGBUS))
			VIOL(t, "dma-buf differs from the heap at %llu (%d)", off + bad, rc);
	}
	check_model(t, p, "after EXPORT_DMABUF");
}

static struct dma *pick_dma(struct thr *t)
{
	return PICK_USED(t, t->dmas, NDMA);
}

static void dma_check(struct thr *t, struct dma *d)
{
	size_t bad;
	int rc;

	if (d->frozen_from >= d->len)
		return;
	/* pages the heap gave back keep their data while the dma-buf lives */
	rc = wsh_guarded(WSH_CMP, d->map + d->frozen_from, d->snap + d->frozen_from,
			 d->len - d->frozen_from, &bad);
	if (rc)
		VIOL(t, "dma-buf that outlived its pages' heap: %s at %zu",
		     rc == 1 ? "changed" : "signal", d->frozen_from + bad);
}

void op_dmabuf_check(struct thr *t)
{
	struct dma *d = pick_dma(t);

	if (d)
		dma_check(t, d);
}

void op_dmabuf_close(struct thr *t)
{
	struct dma *d = pick_dma(t);
	struct ph *p;

	if (!d)
		return;
	dma_check(t, d);
	/* a child may hold it still: its pages may leave at the next reset */
	p = heap_by_id(t, d->heap_id);
	if (p && d->frozen_from == d->len)
		model_maybe_held(p, d->off, d->len);
	munmap(d->map, d->len);
	close(d->fd);
	free(d->snap);
	d->used = false;
}

/* The ranges of @p's dma-bufs of this generation (none frozen yet). */
int dma_live_ranges(struct thr *t, struct ph *p, ull off[NDMA], ull len[NDMA])
{
	int i, n = 0;

	for (i = 0; i < NDMA; i++) {
		struct dma *d = &t->dmas[i];

		if (d->used && d->heap_id == p->id && d->frozen_from == d->len) {
			off[n] = d->off;
			len[n++] = d->len;
		}
	}
	return n;
}

/*
 * dma-bufs exported from one generation of a heap share its pages, and
 * keep sharing them after a reset: what @d's holder wrote at [from, from +
 * n) is in the others too.
 */
static void dma_share_write(struct thr *t, const struct dma *d, size_t from,
			    size_t n)
{
	ull lo = d->off + from, hi = lo + n, a, b;
	int i;

	for (i = 0; i < NDMA; i++) {
		struct dma *e = &t->dmas[i];

		if (e == d || !e->used || e->heap_id != d->heap_id || e->gen != d->gen)
			continue;
		a = lo > e->off ? lo : e->off;
		b = hi < e->off + e->len ? hi : e->off + e->len;
		if (a < b)
			memcpy(e->snap + (a - e->off), t->buf + (a - lo), b - a);
	}
}

/*
 * The holder writes the pages a heap gave to its dma-buf: they are the
 * dma-buf's alone, so the heap's window at those offsets must never show
 * those bytes (and its records stay intact).
 */
void op_dmabuf_write(struct thr *t)
{
	struct dma *d = pick_dma(t);
	struct ph *p;
	size_t from, n, bad;
	ull seed;
	int rc;

	if (!d || !d->rw || d->frozen_from >= d->len)
		return;
	from = d->frozen_from + wsh_below(&t->r, d->len - d->frozen_from);
	n = 16 + wsh_below(&t->r, 4096);
	if (n > d->len - from)
		n = d->len - from;
	seed = wsh_rand(&t->r);
	wsh_pat_fill(t->buf, n, seed, from);
	rc = wsh_guarded(WSH_WRITE, d->map + from, t->buf, n, NULL);
	if (rc) {
		VIOL(t, "writing a dma-buf's own pages: signal %d", rc);
		return;
	}
	memcpy(d->snap + from, t->buf, n);
	dma_share_write(t, d, from, n);
	p = heap_by_id(t, d->heap_id);
	if (!p || !p->win || d->off + from + n > WIN)
		return;
	/* a page the heap lost raises SIGBUS; one it has must differ */
	rc = wsh_guarded(WSH_CMP, p->win + d->off + from, t->buf, n, &bad);
	if (!rc && n >= 16)
		VIOL(t, "heap %d sees what its dma-buf wrote at %llu+%zu after the pages left it",
		     p->id, d->off + from, n);
	verify_heap(t, p, p->win, "after a dma-buf wrote its own pages");
}

/* ------------------------------------------------- across resets --- */

/*
 * One heap of a few pages, one or two dma-bufs, a few generations: each
 * page's content is known (a pattern seed, or 0 for zero), so a dma-buf
 * must show exactly what it held, the heap exactly its own generation's
 * bytes, and INFO's held exactly the pages dma-bufs took out of the heap.
 */
#define GEN_PAGES	8

struct gbuf {
	int fd;
	unsigned char *map;
	ull first, n;		/* pages */
	bool rw;
	bool detached;		/* a reset took its pages out of the heap */
	ull seed[GEN_PAGES];	/* what each of its pages holds */
};

struct gheap {
	int ctx;
	unsigned int h;
	unsigned int flags;
	ull pages, keep;	/* committed pages; pages a reset keeps */
	unsigned char *win;
	ull seed[GEN_PAGES];	/* what each page holds now, 0: zero */
	/* kept with its data, but memory pressure may have taken it: or 0 */
	bool maybe0[GEN_PAGES];
	struct gbuf b[2];
};

/* Page @pg through @m must hold @seed's pattern (0: zeros), or @or0 zeros. */
static bool gen_page_is(struct thr *t, const unsigned char *m, ull pg, ull seed,
			bool or0, const char *what)
{
	size_t bad = 0;
	int rc;

	if (seed) {
		wsh_pat_fill(t->buf, ps, seed, pg * ps);
		rc = wsh_guarded(WSH_CMP, (unsigned char *)m, t->buf, ps, &bad);
	} else {
		rc = wsh_guarded(WSH_ZERO_CHECK, (unsigned char *)m, NULL, ps, &bad);
	}
	if (rc == 1 && or0 && seed)
		rc = wsh_guarded(WSH_ZERO_CHECK, (unsigned char *)m, NULL, ps, &bad);
	if (!rc)
		return true;
	if (opt.faults && rc == SIGBUS)
		return false;
	VIOL(t, "%s: page %llu byte %zu: %s (want %s)", what, pg, bad,
	     rc == 1 ? "wrong" : "signal", seed ? "its pattern" : "zero");
	return false;
}

static void gen_fill(struct thr *t, unsigned char *m, ull first, ull n,
		     ull *seeds, bool *maybe0)
{
	ull pg, seed = wsh_rand(&t->r) | 1;

	for (pg = first; pg < first + n; pg++) {
		wsh_pat_fill(t->buf, ps, seed, pg * ps);
		if (wsh_guarded(WSH_WRITE, m + (pg - first) * ps, t->buf, ps, NULL))
			return;
		seeds[pg] = seed;
		if (maybe0)
			maybe0[pg] = false;
	}
}

static void gen_check(struct thr *t, struct gheap *g, const char *when)
{
	char what[96];
	ull pg;
	int k;

	snprintf(what, sizeof(what), "heap %s", when);
	for (pg = 0; pg < g->pages; pg++)
		gen_page_is(t, g->win + pg * ps, pg, g->seed[pg], g->maybe0[pg],
			    what);
	for (k = 0; k < 2; k++) {
		struct gbuf *b = &g->b[k];

		if (b->fd < 0)
			continue;
		snprintf(what, sizeof(what), "dma-buf %d %s", k, when);
		for (pg = b->first; pg < b->first + b->n; pg++)
			gen_page_is(t, b->map + (pg - b->first) * ps, pg,
				    b->seed[pg], false, what);
	}
}

static void gen_export(struct thr *t, struct gheap *g, struct gbuf *b)
{
	ull pg;

	b->first = wsh_below(&t->r, g->pages);
	b->n = 1 + wsh_below(&t->r, g->pages - b->first);
	b->rw = wsh_chance(&t->r, 70);
	b->detached = false;
	/* the size need not be page aligned: it is rounded up */
	b->fd = wsh_dmabuf(g->ctx, g->h, b->first * ps,
			   b->n * ps - wsh_below(&t->r, ps),
			   b->rw ? 0 : WSHEAP_DMABUF_RDONLY);
	if (b->fd < 0) {
		/* its pages count against the limits */
		if (b->fd != -EDQUOT && b->fd != -ENOMEM)
			VIOL(t, "EXPORT_DMABUF of pages %llu+%llu: %s", b->first,
			     b->n, E(b->fd));
		b->fd = -1;
		return;
	}
	/* a child's copy of the mapping would keep the dma-buf */
	b->map = map_nofork(t, b->n * ps, b->rw ? PROT_READ | PROT_WRITE : PROT_READ,
			    b->fd, 0);
	if (b->map == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap of a dma-buf: %s", strerror(errno));
		close(b->fd);
		b->fd = -1;
		return;
	}
	for (pg = b->first; pg < b->first + b->n; pg++)
		b->seed[pg] = g->seed[pg];
}

static void gen_close(struct gbuf *b)
{
	if (b->fd < 0)
		return;
	munmap(b->map, b->n * ps);
	close(b->fd);
	b->fd = -1;
}

/* INFO's held: the pages of live dma-bufs a reset took. */
static void gen_held(struct thr *t, struct gheap *g, const char *when)
{
	struct wsheap_info i = { 0 };
	ull want = 0;
	int k;

	for (k = 0; k < 2; k++)
		if (g->b[k].fd >= 0 && g->b[k].detached)
			want += g->b[k].n * ps;
	if (!EXPECT(t, wsh_info(g->ctx, g->h, &i), 0, false, "INFO"))
		return;
	check_info_consistent(t, &i, when);
	if (i.held != want)
		VIOL(t, "%s: INFO held %llu, want %llu", when, (ull)i.held, want);
}

static void gen_reset(struct thr *t, struct gheap *g)
{
	ull pg;
	int k, rc;

	if (!EXPECT(t, wsh_reset(g->ctx, g->h, NULL), 0, false, "RESET"))
		return;
	for (pg = 0; pg < g->pages; pg++) {
		bool held = false;

		for (k = 0; k < 2; k++)
			held |= g->b[k].fd >= 0 && !g->b[k].detached &&
				pg >= g->b[k].first && pg < g->b[k].first + g->b[k].n;
		/* a page a dma-buf held is the dma-buf's: the heap gets a new one */
		if (pg >= g->keep || held || (g->flags & WSHEAP_CREATE_ZERO_ON_RESET))
			g->seed[pg] = 0;
		/* until ALLOC covers it, the shrinker may take a kept page */
		g->maybe0[pg] = g->seed[pg] != 0;
	}
	for (k = 0; k < 2; k++)
		if (g->b[k].fd >= 0)
			g->b[k].detached = true;
	gen_held(t, g, "after RESET");
	/* the same pages again, from offset 0 */
	rc = wsh_alloc(g->ctx, g->h, g->pages * ps, 0, NULL, NULL);
	if (rc && rc != -EDQUOT && rc != -ENOMEM)
		VIOL(t, "ALLOC of %llu pages after RESET: %s", g->pages, E(rc));
	if (rc)
		g->pages = 0;
}

/* In a descriptor table of its own: no child ever holds these dma-bufs. */
static void dmabuf_gen(struct thr *t)
{
	struct gheap g;
	struct wsheap_create c = { 0 };
	int k, gens, rc;

	memset(&g, 0, sizeof(g));
	g.b[0].fd = g.b[1].fd = -1;
	g.win = MAP_FAILED;
	g.ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (g.ctx < 0) {
		VIOL(t, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
		return;
	}
	g.flags = (unsigned int)wsh_below(&t->r, 4);
	g.pages = 1 + wsh_below(&t->r, GEN_PAGES);
	g.keep = wsh_below(&t->r, g.pages + 2);
	if (!EXPECT(t, wsh_create(g.ctx, 1 << 20, g.keep * ps, g.flags, &c), 0,
		    true, "CREATE"))
		goto out;
	g.h = c.handle;
	if (g.keep > g.pages)
		g.keep = g.pages;
	g.win = (unsigned char *)wsh_map(g.ctx, c.mmap_offset, 0, GEN_PAGES * ps,
			PROT_READ | PROT_WRITE);
	if (g.win == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap: %s", strerror(errno));
		goto out;
	}
	rc = wsh_alloc(g.ctx, g.h, g.pages * ps, 0, NULL, NULL);
	if (rc) {
		if (rc != -EDQUOT && rc != -ENOMEM)
			VIOL(t, "ALLOC of %llu pages: %s", g.pages, E(rc));
		goto out;
	}
	gen_fill(t, g.win, 0, g.pages, g.seed, g.maybe0);
	gen_export(t, &g, &g.b[0]);
	gen_check(t, &g, "after EXPORT_DMABUF");
	for (gens = 1 + (int)wsh_below(&t->r, 3); gens > 0 && g.pages; gens--) {
		gen_reset(t, &g);
		if (!g.pages)
			break;
		gen_check(t, &g, "in a new generation");
		/* the heap writes its new generation: no dma-buf sees it */
		gen_fill(t, g.win, 0, g.pages, g.seed, g.maybe0);
		/* a holder writes its pages: the heap does not see it */
		for (k = 0; k < 2; k++)
			if (g.b[k].fd >= 0 && g.b[k].rw && g.b[k].detached)
				gen_fill(t, g.b[k].map, g.b[k].first, g.b[k].n,
					 g.b[k].seed, NULL);
		gen_check(t, &g, "after both wrote");
		ADD(dmabuf_gens, 1);
		if (g.b[1].fd < 0 && wsh_chance(&t->r, 50))
			gen_export(t, &g, &g.b[1]);
		else if (wsh_chance(&t->r, 30))
			gen_close(&g.b[wsh_below(&t->r, 2)]);
	}
	gen_held(t, &g, "before DESTROY");
	gen_close(&g.b[0]);
	gen_held(t, &g, "after closing a dma-buf");
	/* a dma-buf outlives the heap with what it holds */
	EXPECT(t, wsh_destroy(g.ctx, g.h), 0, false, "DESTROY");
	g.h = 0;
	if (g.b[1].fd >= 0) {
		g.pages = 0;	/* the heap's pages are gone */
		gen_check(t, &g, "after DESTROY");
	}
out:
	for (k = 0; k < 2; k++)
		gen_close(&g.b[k]);
	if (g.win != MAP_FAILED)
		munmap(g.win, GEN_PAGES * ps);
	if (g.h)
		wsh_destroy(g.ctx, g.h);
	close(g.ctx);
}

void op_dmabuf_gen(struct thr *t)
{
	if (wsh_chance(&t->r, 60))
		run_private(t, dmabuf_gen);
}
