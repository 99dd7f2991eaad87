// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations on the life of a private heap: CREATE, ALLOC (valid
 * and boundary arguments) with the records written into it, verification,
 * INFO, RESET, and DESTROY of one user or all of them.
 */
#include "fuzz.h"

/* ------------------------------------------------------- heap create --- */

static ull pick_max(struct thr *t, bool populate)
{
	static const ull edges[] = { 0, 1, 4095, 4096, 65536, 1 << 20 };

	/* POPULATE allocates (and zeroes) at ALLOC: keep those small */
	if (populate || wsh_chance(&t->r, 40)) {
		if (wsh_chance(&t->r, 20))
			return edges[wsh_below(&t->r, populate ? 5 : 6)];
		return wsh_below(&t->r, populate ? 256ULL << 10 : 2ULL << 20) + 1;
	}
	switch (wsh_below(&t->r, 8)) {
	case 0: return ~0ULL;
	case 1: return 1ULL << 40;
	case 2: return WSHEAP_STATUS_OFFSET;
	case 3: return WSHEAP_STATUS_OFFSET + 1;
	case 4: return 1ULL << 63;
	case 5: return wsh_rand(&t->r);
	default: return wsh_below(&t->r, 64ULL << 20);
	}
}

static ull pick_trim(struct thr *t)
{
	switch (wsh_below(&t->r, 9)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ps - 1;
	case 3: return ps;
	case 4: return ~0ULL;
	case 5: return wsh_rand(&t->r);
	case 6: return 2ULL << 20;
	default: return wsh_below(&t->r, 1ULL << 20);
	}
}

int open_ctx2(struct thr *t)
{
	if (t->ctx2 < 0) {
		t->ctx2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		if (t->ctx2 < 0 && !(opt.faults && errno == ENOMEM))
			VIOL(t, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
	}
	return t->ctx2;
}

void op_create(struct thr *t)
{
	struct wsheap_create c = { 0 };
	struct ph *p = NULL;
	unsigned int flags;
	int i, k, rc;
	ull max, trim;

	for (i = 0; i < NPRIV; i++)
		if (!t->heaps[i].used) {
			p = &t->heaps[i];
			break;
		}
	if (!p)
		return;
	k = wsh_chance(&t->r, 20);
	if (k && open_ctx2(t) < 0)
		return;
	flags = (unsigned int)wsh_below(&t->r, 4);
	max = pick_max(t, flags & WSHEAP_CREATE_POPULATE);
	trim = pick_trim(t);

	/* Malformed variants first: EINVAL, and no heap. */
	if (wsh_chance(&t->r, 10)) {
		memset(&c, 0, sizeof(c));
		c.max_size = max;
		if (wsh_chance(&t->r, 50))
			c.flags = 1u << (3 + wsh_below(&t->r, 29));
		else
			c.reserved[wsh_below(&t->r, 3)] = 1 + wsh_below(&t->r, 9);
		c.handle = (unsigned int)wsh_rand(&t->r);
		rc = wsh_ioctl(ctxfd(t, k), WSHEAP_IOC_CREATE, &c);
		EXPECT(t, rc, -EINVAL, false, "CREATE with bad flags/reserved");
		if (!rc)
			wsh_destroy(ctxfd(t, k), c.handle);
	}

	rc = wsh_create(ctxfd(t, k), max, trim, flags, &c);
	if (!EXPECT(t, rc, 0, true, "CREATE"))
		return;
	if (!c.handle || c.handle > WSH_MAX_HANDLE ||
	    c.mmap_offset != (ull)c.handle << WSHEAP_SPAN_SHIFT ||
	    c.mmap_span != WSHEAP_SPAN)
		VIOL(t, "CREATE returned handle %u offset %#llx span %#llx",
		     c.handle, (ull)c.mmap_offset, (ull)c.mmap_span);
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->id = t->next_id++;
	for (i = 0; i < NXFD; i++)
		p->xfd[i] = -1;
	p->hs[0] = (struct hnd){ k, c.handle, false, true };
	p->max = max;
	p->trim = trim;
	p->flags = flags;
	p->ctx2_only = k;
	p->win = wsh_map(ctxfd(t, k), c.mmap_offset, 0, WIN,
			 PROT_READ | PROT_WRITE);
	if (p->win == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap of a new heap's window: %s", strerror(errno));
		p->win = NULL;
	}
	p->st = wsh_map_status(ctxfd(t, k), c.mmap_offset);
	if (!p->st && !(opt.faults && errno == ENOMEM))
		VIOL(t, "mmap of the status page: %s", strerror(errno));
	check_model(t, p, "after CREATE");
	/* A new heap commits nothing: its first page raises SIGBUS. */
	if (p->win && wsh_chance(&t->r, 30))
		probe_gone(t, p, p->win, 0, ps, true, "fresh heap");
}

/* Huge lazy commitments starve everybody else: give them back soon. */
static void maybe_shrink(struct thr *t, struct ph *p)
{
	struct hnd *h;
	ull g;

	if (p->committed <= (256ULL << 20))
		return;
	h = pick_hnd(t, p, true);
	if (!h)
		return;
	dma_freeze(t, p, 0);
	if (!EXPECT(t, wsh_reset(ctxfd(t, h->ctxk), h->h, &g), 0, false,
		    "RESET of a huge heap"))
		return;
	p->gen++;
	p->committed = trim_bytes(p);
	p->cursor = p->req = 0;
	p->nrec = p->nghost = 0;
	p->nmaybe = 0;
	if (p->flags & WSHEAP_CREATE_ZERO_ON_RESET)
		p->dirty_end = 0;
	else if (p->dirty_end > p->committed)
		p->dirty_end = p->committed;
	if (p->committed > (256ULL << 20)) {
		/* trim keeps it all: destroy the handle, drop the heap */
		wsh_destroy(ctxfd(t, h->ctxk), h->h);
		h->live = false;
		forget_heap(t, p);
	}
}

/* Write a record at [off, off + len) and remember it. */
static void write_rec(struct thr *t, struct ph *p, struct rec *r)
{
	ull zfrom;
	size_t bad;
	int rc;

	if (!p->win || r->off + r->len > WIN || !r->len)
		return;
	/* Bytes nobody wrote since their page was committed are zero. */
	zfrom = p->dirty_end > r->off ? p->dirty_end : r->off;
	if (zfrom < r->off + r->len) {
		rc = wsh_guarded(WSH_ZERO_CHECK, p->win + zfrom, NULL,
				 r->off + r->len - zfrom, &bad);
		if (rc == 1)
			VIOL(t, "heap %d gen %llu: fresh byte at %llu is %#x (dirty_end %llu, flags %u)",
			     p->id, p->gen, zfrom + bad, p->win[zfrom + bad],
			     p->dirty_end, p->flags);
		else if (rc && !(opt.faults && rc == SIGBUS))
			VIOL(t, "heap %d: reading fresh bytes at %llu: signal %d [%s]",
			     p->id, zfrom, rc, maps_line(p->win + zfrom));
	}
	if (p->dirty_end < r->off + r->len)
		p->dirty_end = r->off + r->len;
	rec_bytes(r, t->buf);
	rc = wsh_guarded(WSH_WRITE, p->win + r->off, t->buf, r->len, NULL);
	if (rc) {
		if (opt.faults && rc == SIGBUS)
			ADD(sigbus_ok, 1);
		else
			VIOL(t, "heap %d: writing a record at %llu+%u: signal %d",
			     p->id, r->off, r->len, rc);
		return;
	}
	if (p->nrec < MAXREC)
		p->recs[p->nrec++] = *r;
}

void do_alloc(struct thr *t, bool edge)
{
	static const ull aligns[] = { 0, 1, 2, 3, 8, 4096, 1ULL << 30,
				      1ULL << 31, ~0ULL, 1ULL << 63, 6 };
	struct ph *p = pick_heap(t);
	struct hnd *h;
	struct pred pr;
	ull size, align, off = 0, gen = 0;
	int rc;

	if (!p)
		return;
	h = pick_hnd(t, p, !wsh_chance(&t->r, 5));
	if (!h)
		return;
	if (!edge) {
		unsigned int c = (unsigned int)wsh_below(&t->r, 100);

		size = c < 80 ? 1 + wsh_below(&t->r, 256) :
		       c < 97 ? wsh_below(&t->r, 4096) :
				wsh_below(&t->r, 64 << 10);
		align = wsh_chance(&t->r, 50) ? 0 : 1ULL << wsh_below(&t->r, 13);
	} else {
		ull room = p->max - p->req;
		ull tail = WSHEAP_STATUS_OFFSET > p->cursor ?
			   WSHEAP_STATUS_OFFSET - p->cursor : 0;

		switch (wsh_below(&t->r, 12)) {
		case 0: size = 0; break;
		case 1: size = room; break;
		case 2: size = room + 1; break;
		case 3: size = ~0ULL; break;
		case 4: size = 1ULL << 40; break;
		case 5: size = tail; break;
		case 6: size = tail + 1; break;
		case 7: size = wsh_rand(&t->r); break;
		case 8: size = ps * (1 + wsh_below(&t->r, 16)); break;
		case 9: size = (1ULL << 30) + wsh_below(&t->r, 1 << 20); break;
		default: size = wsh_below(&t->r, 1 << 16); break;
		}
		align = wsh_chance(&t->r, 60) ?
			aligns[wsh_below(&t->r, sizeof(aligns) / sizeof(aligns[0]))] :
			1ULL << wsh_below(&t->r, 31);
		/* POPULATE really allocates: stay well below guest RAM */
		/*
		 * POPULATE allocates every committed page, alignment padding
		 * included: keep both size and alignment small there.
		 */
		if ((p->flags & WSHEAP_CREATE_POPULATE) && size > (1 << 20) &&
		    size <= room)
			size = wsh_below(&t->r, 1 << 20);
		if ((p->flags & WSHEAP_CREATE_POPULATE) && align > (64 << 10) &&
		    !(align & (align - 1)) && align <= WSHEAP_MAX_ALIGN)
			align = 1ULL << wsh_below(&t->r, 17);
	}

	pr = predict_alloc(p, size, align);
	if (h->ro)
		pr.rc = -EPERM;
	if (wsh_chance(&t->r, 3)) {
		/* a malformed ALLOC changes nothing */
		struct wsheap_alloc a;

		memset(&a, 0, sizeof(a));
		a.handle = h->h;
		a.size = size;
		a.align = align;
		if (wsh_chance(&t->r, 50))
			a.flags = 1u << wsh_below(&t->r, 32);
		else
			a.reserved[wsh_below(&t->r, 2)] = wsh_rand(&t->r) | 1;
		rc = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_ALLOC, &a);
		EXPECT(t, rc, -EINVAL, false, "ALLOC with bad flags/reserved");
	}

	snprintf(t->detail, sizeof(t->detail),
		 "ALLOC size %llu align %llu flags %u max %llu cur %llu com %llu",
		 size, align, p->flags, p->max, p->cursor, p->committed);
	rc = wsh_alloc(ctxfd(t, h->ctxk), h->h, size, align, &off, &gen);
	if (pr.rc) {
		if (rc != pr.rc)
			VIOL(t, "ALLOC(size %llu, align %llu) on heap %d (max %llu req %llu cur %llu ro %d): got %s, want %s",
			     size, align, p->id, p->max, p->req, p->cursor,
			     h->ro, E(rc), E(pr.rc));
	} else if (rc) {
		bool ok = pr.commits && (rc == -EDQUOT || rc == -ENOMEM);

		if (!ok)
			VIOL(t, "ALLOC(size %llu, align %llu) on heap %d (max %llu req %llu cur %llu com %llu): got %s, want success",
			     size, align, p->id, p->max, p->req, p->cursor,
			     p->committed, E(rc));
	} else {
		if (off != pr.start || gen != p->gen)
			VIOL(t, "ALLOC gave offset %llu gen %llu, want %llu gen %llu",
			     off, gen, pr.start, p->gen);
		model_alloc(p, &pr, size);
		if (!edge || wsh_chance(&t->r, 30)) {
			ull cap = wsh_chance(&t->r, 10) ? RECMAX : 1024;
			struct rec r = { off, (unsigned int)(size < cap ? size : cap),
					 REC_PAT, wsh_rand(&t->r) };

			write_rec(t, p, &r);
		}
	}
	if (edge || rc || wsh_chance(&t->r, 10))
		check_model(t, p, rc ? "after a failed ALLOC" : "after ALLOC");
	maybe_shrink(t, p);
}

/* -------------------------------------------------------------- verify --- */

void op_verify(struct thr *t)
{
	struct ph *p = pick_heap(t);

	if (!p)
		return;
	verify_heap(t, p, p->win, "verify");
	/* the page after the committed ones is not there */
	if (wsh_chance(&t->r, 30))
		probe_gone(t, p, p->win, p->committed, p->committed + ps,
			   true, "beyond committed");
}

void op_info(struct thr *t)
{
	struct ph *p = pick_heap(t);

	if (p)
		check_model(t, p, "INFO");
}

/* -------------------------------------------------------------- reset --- */

/* INFO's held bytes of a heap, or 0. */
static ull heap_held(int fd, __u32 handle)
{
	struct wsheap_info i;

	return wsh_info(fd, handle, &i) ? 0 : i.held;
}

void op_reset(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct hnd *h;
	ull gen = 0, keep, old, held, ours, maybe, doff[NDMA], dlen[NDMA];
	struct wsheap_info in;
	long long grew;
	bool unknown;
	int i, nd, rc;

	if (!p)
		return;
	h = pick_hnd(t, p, !wsh_chance(&t->r, 5));
	if (!h)
		return;
	verify_heap(t, p, p->win, "before RESET");
	keep = trim_bytes(p);
	/* A reset gives every page a dma-buf holds to the dma-buf. */
	nd = dma_live_ranges(t, p, doff, dlen);
	for (i = 0, ours = 0; i < nd; i++)
		ours += dlen[i];
	for (i = 0, maybe = 0; i < p->nmaybe && i < NMAYBE; i++)
		maybe += p->maybe[i].len;
	if (!h->ro)
		dma_freeze(t, p, 0);
	held = heap_held(ctxfd(t, h->ctxk), h->h);
	if (wsh_chance(&t->r, 5)) {
		struct wsheap_reset r;

		memset(&r, 0, sizeof(r));
		r.handle = h->h;
		if (wsh_chance(&t->r, 50))
			r.flags = 1u << wsh_below(&t->r, 32);
		else
			r.reserved[wsh_below(&t->r, 2)] = 1;
		rc = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_RESET, &r);
		EXPECT(t, rc, -EINVAL, false, "RESET with bad flags/reserved");
	}
	rc = wsh_reset(ctxfd(t, h->ctxk), h->h, &gen);
	if (h->ro) {
		EXPECT(t, rc, -EPERM, false, "RESET through a read-only handle");
		check_model(t, p, "after a refused RESET");
		return;
	}
	if (!EXPECT(t, rc, 0, false, "RESET"))
		return;
	if (gen != p->gen + 1)
		VIOL(t, "RESET gave generation %llu, want %llu", gen, p->gen + 1);
	old = p->committed;
	/*
	 * A POPULATE heap whose kept pages went to their holders gets new
	 * ones; without the memory (injected failures) it keeps fewer.
	 */
	if (opt.faults && (p->flags & WSHEAP_CREATE_POPULATE) &&
	    !wsh_info(ctxfd(t, h->ctxk), h->h, &in) && in.committed < keep &&
	    !(in.committed % ps))
		keep = in.committed;
	/*
	 * Records wholly within the kept pages survive as ghosts, unless the
	 * reset took their pages out of the heap: pages of our dma-bufs, and
	 * perhaps of ones we closed or sent away.  INFO's held grew by at
	 * most those: more is a holder we know nothing of (a pin), and then
	 * which kept pages are fresh is not known here.
	 */
	p->nghost = 0;
	p->ghost_zero = p->flags & WSHEAP_CREATE_ZERO_ON_RESET;
	grew = heap_held(ctxfd(t, h->ctxk), h->h) - held;
	unknown = p->nmaybe > NMAYBE ||
		  (grew > 0 && (ull)grew > ours + maybe);
	for (i = 0; i < p->nrec && p->nghost < MAXGHOST && !unknown; i++) {
		struct rec *r = &p->recs[i];
		bool taken = model_maybe_covers(p, r->off, r->len);
		int k;

		for (k = 0; k < nd; k++)
			taken |= r->off < doff[k] + dlen[k] &&
				 doff[k] < r->off + r->len;
		if (r->off + r->len <= keep && !taken)
			p->ghosts[p->nghost++] = *r;
	}
	p->nmaybe = 0;	/* a new generation: no dma-buf of it yet */
	p->nrec = 0;
	p->gen = gen;
	p->committed = keep;
	p->cursor = p->req = 0;
	if (p->ghost_zero)
		p->dirty_end = 0;
	else if (p->dirty_end > keep)
		p->dirty_end = keep;
	check_model(t, p, "after RESET");
	verify_heap(t, p, p->win, "after RESET");
	if (old > keep)
		probe_gone(t, p, p->win, keep, old, true,
			   "after RESET, beyond trim");
}

/* Forget a heap this thread no longer reaches: unmap its windows. */
void forget_heap(struct thr *t, struct ph *p)
{
	int i;

	for (i = 0; i < NXFD; i++)
		if (p->xfd[i] >= 0) {
			close(p->xfd[i]);
			p->xfd[i] = -1;
		}
	chaos_drop_heap(t, p->id, false);
	if (p->win)
		munmap(p->win, WIN);
	if (p->st)
		munmap((void *)p->st, ps);
	p->used = false;
}

/*
 * The heap lost its last user.  @killed: by DESTROY (memory given back:
 * every page raises SIGBUS, the status page says DEAD); otherwise by
 * closing (memory stays while mapped: data still there, writable).
 */
void heap_gone(struct thr *t, struct ph *p, bool killed)
{
	int i;

	if (killed) {
		probe_gone(t, p, p->win, 0, p->committed ? p->committed : ps,
			   true, "after the last DESTROY");
		if (p->st && (!(p->st->flags & WSHEAP_STATUS_DEAD) ||
			      p->st->committed || wsh_status_gen(p->st) != p->gen))
			VIOL(t, "status page of a destroyed heap: flags %u committed %llu gen %llu",
			     p->st->flags, (ull)p->st->committed,
			     wsh_status_gen(p->st));
		chaos_drop_heap(t, p->id, true);
	} else {
		ADD(orphans, 1);
		dma_freeze(t, p, 0);
		verify_heap(t, p, p->win, "heap without users");
		for (i = 0; i < p->nrec; i++) {
			/* still writable */
			rec_bytes(&p->recs[i], t->buf);
			if (p->win && wsh_guarded(WSH_WRITE, p->win + p->recs[i].off,
						  t->buf, p->recs[i].len, NULL))
				VIOL(t, "heap without users: writing back failed");
		}
	}
	forget_heap(t, p);
}

static void remember_dead(struct thr *t, unsigned int h)
{
	t->dead_handles[t->ndead++ % 8] = h;
}

static void drop_handle(struct thr *t, struct ph *p, struct hnd *h)
{
	int before = users(p), rc;

	if (before == 1) {
		dma_freeze(t, p, 0);
		pthread_rwlock_wrlock(&t->P->forklock);
	}
	rc = wsh_destroy(ctxfd(t, h->ctxk), h->h);
	if (!EXPECT(t, rc, 0, false, "DESTROY")) {
		if (before == 1)
			pthread_rwlock_unlock(&t->P->forklock);
		return;
	}
	h->live = false;
	if (!h->ctxk)
		remember_dead(t, h->h);
	/* the handle is gone: everything on it fails with ENOENT */
	rc = wsh_info(ctxfd(t, h->ctxk), h->h, NULL);
	EXPECT(t, rc, -ENOENT, false, "INFO of a destroyed handle");
	if (before == 1) {
		heap_gone(t, p, true);
		pthread_rwlock_unlock(&t->P->forklock);
	} else {
		verify_heap(t, p, p->win, "after DESTROY of one of several users");
	}
}

void op_destroy(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct hnd *h;
	int i;

	if (!p)
		return;
	if (wsh_chance(&t->r, 30)) {
		/* drop every user in a random order */
		while (p->used && users(p)) {
			i = (int)wsh_below(&t->r, NHND + NXFD);
			if (i < NHND && p->hs[i].live) {
				drop_handle(t, p, &p->hs[i]);
			} else if (i >= NHND && p->xfd[i - NHND] >= 0) {
				close(p->xfd[i - NHND]);
				p->xfd[i - NHND] = -1;
				if (!users(p))
					heap_gone(t, p, false);
			}
		}
		return;
	}
	h = pick_hnd(t, p, false);
	if (h)
		drop_handle(t, p, h);
}
