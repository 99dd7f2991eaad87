// SPDX-License-Identifier: GPL-2.0
/*
 * Violations, and the checks that operations share: INFO against the
 * model and against itself, records through any window, pages that must
 * be gone (SIGBUS), extra windows against the main one.
 */
#include "fuzz.h"

/* -------------------------------------------------------- violations --- */

int cur_proc = -1;

void __attribute__((format(printf, 3, 4)))
violation(struct thr *t, int line, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&G->violations, 1, __ATOMIC_RELAXED);
	if (cur_proc >= 0)
		__atomic_add_fetch(&G->proc_viol[cur_proc], 1, __ATOMIC_RELAXED);
	fprintf(stderr, "# VIOLATION proc %d thread %d op %s (line %d): %s\n",
		cur_proc, t ? t->tid : -1, t ? ops[t->op].name : "-", line, msg);
	if (!__atomic_exchange_n(&G->first_taken, 1, __ATOMIC_ACQ_REL))
		snprintf(G->first, sizeof(G->first),
			 "proc %d thread %d op %s line %d: %s", cur_proc,
			 t ? t->tid : -1, t ? ops[t->op].name : "-", line, msg);
}

const char *E(int rc)
{
	static __thread char bufs[4][48];
	static __thread unsigned int next;
	char *b = bufs[next++ % 4];

	if (rc >= 0) {
		snprintf(b, sizeof(bufs[0]), "%d", rc);
		return b;
	}
	snprintf(b, sizeof(bufs[0]), "-%s", strerrorname_np(-rc) ?: "?");
	return b;
}

/*
 * The result of a call that should give @want.  With --faults, -ENOMEM is
 * accepted where @nomem says the kernel allocates.  Returns true when the
 * call did what was expected.
 */
bool expect(struct thr *t, int line, int rc, int want, bool nomem,
		   const char *what)
{
	if (rc == want || (want == 0 && rc > 0))
		return true;
	if (opt.faults && nomem && rc == -ENOMEM) {
		ADD(enomem, 1);
		return false;
	}
	violation(t, line, "%s: got %s, want %s", what, E(rc), E(want));
	return false;
}

int wsh_try_map(int fd, unsigned int h, int prot)
{
	void *m = mmap(NULL, ps, prot, MAP_SHARED, fd,
		       (off_t)((ull)h << WSHEAP_SPAN_SHIFT));

	if (m == MAP_FAILED)
		return -errno;
	munmap(m, ps);
	return 0;
}

bool wsh_nonzero_tail(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return true;
	return false;
}

void check_info_consistent(struct thr *t, const struct wsheap_info *i,
				  const char *who)
{
	ull tp = wsh_pages_up(i->trim_size, ps);
	ull cp = wsh_pages_up(i->cursor, ps);

	if (i->requested > i->max_size)
		VIOL(t, "%s: requested %llu > max_size %llu", who,
		     (ull)i->requested, (ull)i->max_size);
	if (i->cursor < i->requested)
		VIOL(t, "%s: cursor %llu < requested %llu", who,
		     (ull)i->cursor, (ull)i->requested);
	if (i->committed % ps)
		VIOL(t, "%s: committed %llu not page aligned", who,
		     (ull)i->committed);
	if (i->committed / ps < cp)
		VIOL(t, "%s: committed %llu below cursor %llu", who,
		     (ull)i->committed, (ull)i->cursor);
	if (i->committed / ps > (cp > tp ? cp : tp))
		VIOL(t, "%s: committed %llu beyond cursor %llu and trim %llu",
		     who, (ull)i->committed, (ull)i->cursor,
		     (ull)i->trim_size);
	/* held: pages given up at a reset or destroy that a dma-buf keeps */
	if (i->held > i->resident || i->resident - i->held > i->committed ||
	    i->resident % ps || i->held % ps)
		VIOL(t, "%s: resident %llu (held %llu), committed %llu", who,
		     (ull)i->resident, (ull)i->held, (ull)i->committed);
	if ((i->flags & WSHEAP_CREATE_POPULATE) &&
	    i->resident - i->held != i->committed)
		VIOL(t, "%s: POPULATE heap with resident %llu (held %llu) != committed %llu",
		     who, (ull)i->resident, (ull)i->held, (ull)i->committed);
	if (i->flags & ~WSHEAP_CREATE_FLAGS)
		VIOL(t, "%s: flags %#x", who, i->flags);
	if (i->cursor > WSHEAP_STATUS_OFFSET)
		VIOL(t, "%s: cursor %llu beyond the data area", who,
		     (ull)i->cursor);
}

/* INFO through every live handle of @p equals the model. */
void check_model(struct thr *t, struct ph *p, const char *when)
{
	struct wsheap_info i = { 0 };
	int k, rc;

	if (p->pending)
		resolve(t, p, pick_hnd_raw(t, p, false));
	if (p->pending)
		return;	/* nothing to ask yet */

	for (k = 0; k < NHND; k++) {
		struct hnd *h = &p->hs[k];

		if (!h->live)
			continue;
		rc = wsh_info(ctxfd(t, h->ctxk), h->h, &i);
		if (rc) {
			VIOL(t, "%s: INFO of handle %u: %s", when, h->h, E(rc));
			continue;
		}
		check_info_consistent(t, &i, when);
		if (i.max_size != p->max || i.trim_size != p->trim ||
		    i.flags != p->flags || i.requested != p->req ||
		    i.cursor != p->cursor || i.committed != p->committed ||
		    i.generation != p->gen)
			VIOL(t, "%s: INFO (handle %u) max %llu trim %llu flags %u req %llu cur %llu com %llu gen %llu; model %llu %llu %u %llu %llu %llu %llu",
			     when, h->h, (ull)i.max_size, (ull)i.trim_size,
			     i.flags, (ull)i.requested, (ull)i.cursor,
			     (ull)i.committed, (ull)i.generation, p->max,
			     p->trim, p->flags, p->req, p->cursor,
			     p->committed, p->gen);
	}
	if (p->st) {
		ull g = wsh_status_gen(p->st);

		if (g != p->gen || p->st->committed != p->committed ||
		    p->st->flags || p->st->pad)
			VIOL(t, "%s: status page gen %llu committed %llu flags %u; model %llu %llu",
			     when, g, (ull)p->st->committed, p->st->flags,
			     p->gen, p->committed);
	}
}

/* Check one record through @base (the heap's byte 0 is at base). */
bool check_rec(struct thr *t, struct ph *p, const struct rec *r,
		      unsigned char *base, bool zero, const char *what)
{
	size_t bad = 0;
	int rc;

	if (zero) {
		rc = wsh_guarded(WSH_ZERO_CHECK, base + r->off, NULL, r->len,
				 &bad);
	} else {
		rec_bytes(r, t->buf);
		rc = wsh_guarded(WSH_CMP, base + r->off, t->buf, r->len, &bad);
	}
	if (!rc) {
		ADD(verified, 1);
		return true;
	}
	if (rc == 1)
		VIOL(t, "%s: heap %d gen %llu record at %llu+%u (%s): byte %zu is %#x",
		     what, p->id, p->gen, r->off, r->len,
		     zero ? "zero" : "data", bad, base[r->off + bad]);
	else
		VIOL(t, "%s: heap %d gen %llu record at %llu+%u: signal %d",
		     what, p->id, p->gen, r->off, r->len, rc);
	return false;
}

/*
 * A ghost (a record of an ended generation in a kept page) beyond the
 * cursor may lose pages to memory pressure at any time: the shrinker gives
 * them back and they fault in again zeroed.  Each page of it holds either
 * its bytes or zeros.
 */
static bool ghost_reclaimed(struct thr *t, const struct rec *r,
			    unsigned char *base)
{
	ull off = r->off, end = r->off + r->len, pend;
	size_t bad;

	rec_bytes(r, t->buf);
	for (; off < end; off = pend) {
		pend = (off / ps + 1) * ps;
		if (pend > end)
			pend = end;
		if (wsh_guarded(WSH_CMP, base + off, t->buf + (off - r->off),
				pend - off, &bad) &&
		    wsh_guarded(WSH_ZERO_CHECK, base + off, NULL, pend - off,
				&bad))
			return false;
	}
	return true;
}

void verify_heap(struct thr *t, struct ph *p, unsigned char *base,
		 const char *what)
{
	int i;

	if (!base)
		return;
	for (i = 0; i < p->nrec; i++)
		check_rec(t, p, &p->recs[i], base, false, what);
	for (i = 0; i < p->nghost; i++) {
		if (p->ghosts[i].off < p->cursor)
			continue;
		if (!p->ghost_zero && ghost_reclaimed(t, &p->ghosts[i], base))
			ADD(verified, 1);
		else
			check_rec(t, p, &p->ghosts[i], base, p->ghost_zero,
				  what);
	}
}

/* The /proc/self/maps line covering @addr, for messages. */
const char *maps_line(const void *addr)
{
	static __thread char line[200];
	char buf[8192];
	unsigned long a = (unsigned long)addr, lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(line, sizeof(line), "%p: not mapped", addr);
	if (!f)
		return "?";
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= a && a < hi) {
			line[strcspn(line, "\n")] = 0;
			fclose(f);
			return line;
		}
	fclose(f);
	snprintf(line, sizeof(line), "%p: not mapped", addr);
	return line;
}

/* Pages at and beyond @from (bytes) inside the window must raise SIGBUS. */
void probe_gone(struct thr *t, struct ph *p, unsigned char *base,
		       ull from, ull to, bool writable, const char *what)
{
	ull pg, n = 0, was = p->committed;
	int rc;

	if (!base || from >= WIN || !committed_known(t, p))
		return;
	if (from == was && p->committed > was)
		from = p->committed;	/* a pending allocation settled */
	if (to > WIN)
		to = WIN;
	for (pg = from; pg < to && n < 2; n++) {
		rc = wsh_probe(base + pg, writable && wsh_chance(&t->r, 30));
		if (rc != SIGBUS)
			VIOL(t, "%s: heap %d page at %llu (committed %llu, dead %d, pending %d) gave %d, want SIGBUS [%s]",
			     what, p->id, pg, p->committed, !users(p), p->pending, rc,
			     rc == SIGSEGV ? maps_line(base + pg) : "");
		else
			ADD(sigbus_ok, 1);
		pg += ps * (1 + wsh_below(&t->r, 8));
	}
}

/* What reading @len bytes at heap offset @off through a window must give. */
void check_window(struct thr *t, struct ph *p, unsigned char *w,
			 ull off, size_t len, const char *what)
{
	ull pg;
	size_t bad;
	int rc;

	for (pg = 0; pg < len; pg += ps) {
		ull o = off + pg;

		if (wsh_below(&t->r, 4))
			continue;	/* sample a quarter of the pages */
		if (o == WSHEAP_STATUS_OFFSET) {
			struct wsheap_status s;

			rc = wsh_guarded(WSH_READ, w + pg, (void *)&s, sizeof(s), NULL);
			if (rc || s.generation != p->gen || s.pad)
				VIOL(t, "%s: status page through a window: rc %d gen %llu",
				     what, rc, (ull)s.generation);
			continue;
		}
		if (o >= WSHEAP_STATUS_OFFSET || o >= p->committed) {
			rc = wsh_probe(w + pg, false);
			if (rc != SIGBUS)
				VIOL(t, "%s: page at %llu (committed %llu): %d, want SIGBUS",
				     what, o, p->committed, rc);
			continue;
		}
		if (!p->win || o + ps > WIN)
			continue;
		/* same pages as the main window */
		rc = wsh_guarded(WSH_READ, p->win + o, t->buf2, ps, NULL);
		if (rc) {
			if (!(opt.faults && rc == SIGBUS))
				VIOL(t, "%s: main window at %llu: signal %d", what, o, rc);
			continue;
		}
		rc = wsh_guarded(WSH_CMP, w + pg, t->buf2, ps, &bad);
		if (rc && !(opt.faults && rc == SIGBUS))
			VIOL(t, "%s: window at %llu differs from the main window (%d at %zu)",
			     what, o, rc, bad);
	}
}
