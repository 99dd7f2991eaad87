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
	*d = (struct dma){ true, fd, m, size, p->id, off, size, NULL };
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
	int i, start = (int)wsh_below(&t->r, NDMA);

	for (i = 0; i < NDMA; i++)
		if (t->dmas[(start + i) % NDMA].used)
			return &t->dmas[(start + i) % NDMA];
	return NULL;
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
