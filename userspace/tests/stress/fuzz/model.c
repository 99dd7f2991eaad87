// SPDX-License-Identifier: GPL-2.0
/*
 * What a fuzzer thread knows of its private heaps: which handles and
 * descriptors it holds, what INFO must say, what bytes each record holds,
 * and what an ALLOC must return.
 */
#include "fuzz.h"

/* -------------------------------------------------------- heap model --- */

int ctxfd(struct thr *t, int k)
{
	return k ? t->ctx2 : t->P->ctx;
}

int users(struct ph *p)
{
	int i, n = 0;

	for (i = 0; i < NHND; i++)
		n += p->hs[i].live;
	for (i = 0; i < NXFD; i++)
		n += p->xfd[i] >= 0;
	return n;
}

/* Settle a pending outcome through handle @h (see struct ph). */
void resolve(struct thr *t, struct ph *p, struct hnd *h)
{
	struct wsheap_info i;

	if (!p->pending)
		return;
	if (h) {
		if (wsh_info(ctxfd(t, h->ctxk), h->h, &i))
			return;
	} else {
		/* no handle: ask through a passing import of a descriptor */
		struct wsheap_import im = { 0 };
		int k, rc = -1;

		for (k = 0; k < NXFD && rc; k++)
			if (p->xfd[k] >= 0 &&
			    !wsh_import(t->P->ctx, p->xfd[k], &im)) {
				rc = wsh_info(t->P->ctx, im.handle, &i);
				wsh_destroy(t->P->ctx, im.handle);
			}
		if (rc)
			return;
	}
	if (i.cursor == p->pend_end && i.cursor != p->cursor)
		model_commit(p, p->pend_end, p->pend_size);
	p->pending = false;
}

struct hnd *pick_hnd_raw(struct thr *t, struct ph *p, bool rw)
{
	int i, start = (int)wsh_below(&t->r, NHND);

	for (i = 0; i < NHND; i++) {
		struct hnd *h = &p->hs[(start + i) % NHND];

		if (h->live && (!rw || !h->ro))
			return h;
	}
	return NULL;
}

struct hnd *pick_hnd(struct thr *t, struct ph *p, bool rw)
{
	struct hnd *h = pick_hnd_raw(t, p, rw);

	if (p->pending)
		resolve(t, p, h ? h : pick_hnd_raw(t, p, false));
	return h;
}

/*
 * Is @p's committed size known?  A pending outcome with no handle to ask
 * is settled through the status page when the allocation committed pages;
 * when it committed none, the cursor stays unknown but the committed size
 * is the model's.  Without a status page it is unknown: callers that probe
 * beyond the committed pages then skip the probe.
 */
bool committed_known(struct thr *t, struct ph *p)
{
	ull c;

	if (!p->pending)
		return true;
	resolve(t, p, pick_hnd_raw(t, p, false));
	if (!p->pending)
		return true;
	if (!p->st || (__atomic_load_n(&p->st->flags, __ATOMIC_ACQUIRE) &
		       WSHEAP_STATUS_DEAD))
		return false;
	c = __atomic_load_n(&p->st->committed, __ATOMIC_ACQUIRE);
	if (c > p->committed) {
		model_commit(p, p->pend_end, p->pend_size);
		p->pending = false;
	}
	return true;
}

struct ph *pick_heap(struct thr *t)
{
	int i, start = (int)wsh_below(&t->r, NPRIV);

	for (i = 0; i < NPRIV; i++) {
		struct ph *p = &t->heaps[(start + i) % NPRIV];

		if (!p->used)
			continue;
		/* every operation starts from a settled model when it can */
		if (p->pending)
			resolve(t, p, pick_hnd_raw(t, p, false));
		return p;
	}
	return NULL;
}

struct ph *heap_by_id(struct thr *t, int id)
{
	int i;

	for (i = 0; i < NPRIV; i++)
		if (t->heaps[i].used && t->heaps[i].id == id)
			return &t->heaps[i];
	return NULL;
}

ull trim_bytes(struct ph *p)
{
	ull pages = wsh_pages_up(p->trim, ps);

	return pages > p->committed / ps ? p->committed : pages * ps;
}

/* Expected bytes of a record, into @out. */
void rec_bytes(const struct rec *r, unsigned char *out)
{
	unsigned int i;

	if (r->type == REC_PAT) {
		wsh_pat_fill(out, r->len, r->seed, r->off);
		return;
	}
	for (i = 0; i < r->len / sizeof(struct wsheap_sample_record); i++) {
		struct wsheap_sample_record s;

		s.seq = i;
		s.value = r->seed + i;
		s.check = wsheap_sample_check(i, r->seed + i);
		s.pad = 0;
		memcpy(out + i * sizeof(s), &s, sizeof(s));
	}
}

struct pred predict_alloc(struct ph *p, ull size, ull align)
{
	struct pred r = { 0, 0, 0, false };
	ull al = align ? align : WSHEAP_DEFAULT_ALIGN, s;

	if (al & (al - 1) || al > WSHEAP_MAX_ALIGN) {
		r.rc = -EINVAL;
		return r;
	}
	if (size > p->max - p->req) {
		r.rc = -ENOSPC;
		return r;
	}
	if (__builtin_add_overflow(p->cursor, al - 1, &s)) {
		r.rc = -EOVERFLOW;
		return r;
	}
	r.start = s & ~(al - 1);
	if (__builtin_add_overflow(r.start, size, &r.end)) {
		r.rc = -EOVERFLOW;
		return r;
	}
	if (r.end > WSHEAP_STATUS_OFFSET) {
		r.rc = -EFBIG;
		return r;
	}
	r.commits = wsh_pages_up(r.end, ps) * ps > p->committed;
	return r;
}

void model_commit(struct ph *p, ull end, ull size)
{
	ull c = wsh_pages_up(end, ps) * ps;

	p->cursor = end;
	p->req += size;
	if (c > p->committed)
		p->committed = c;
}

/* Apply a successful allocation to the model. */
void model_alloc(struct ph *p, const struct pred *pr, ull size)
{
	model_commit(p, pr->end, size);
}

/* A dma-buf of @p's generation may hold [off, off + len) unbeknown to us. */
void model_maybe_held(struct ph *p, ull off, ull len)
{
	if (p->nmaybe < NMAYBE) {
		p->maybe[p->nmaybe].off = off;
		p->maybe[p->nmaybe].len = len;
	}
	if (p->nmaybe <= NMAYBE)
		p->nmaybe++;
}

/* Does such a dma-buf perhaps hold a page of [off, off + len)? */
bool model_maybe_covers(const struct ph *p, ull off, ull len)
{
	ull lo = off / ps * ps, hi = wsh_pages_up(off + len, ps) * ps;
	int i;

	if (p->nmaybe > NMAYBE)
		return true;
	for (i = 0; i < p->nmaybe; i++)
		if (p->maybe[i].off < hi && lo < p->maybe[i].off + p->maybe[i].len)
			return true;
	return false;
}
