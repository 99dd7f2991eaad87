// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations on heaps shared between the fuzzing processes over
 * SCM_RIGHTS: other threads and processes allocate and reset them while
 * we read.
 */
#include "fuzz.h"

/* ------------------------------------------------------ shared heaps --- */

static void pool_install(struct thr *t, unsigned int h, ull mmap_offset, bool ro,
			 ull max, unsigned int flags)
{
	struct proc *P = t->P;
	int i;

	for (i = 0; i < NPOOL; i++) {
		struct pool *s = &P->pool[i];

		if (pthread_rwlock_trywrlock(&s->lk))
			continue;
		if (s->used) {
			pthread_rwlock_unlock(&s->lk);
			continue;
		}
		s->h = h;
		s->ro = ro;
		s->max = max;
		s->flags = flags;
		s->map = wsh_map(P->ctx, mmap_offset, 0, POOL_WIN,
				 ro ? PROT_READ : PROT_READ | PROT_WRITE);
		if (s->map == MAP_FAILED)
			s->map = NULL;
		s->st = wsh_map_status(P->ctx, mmap_offset);
		s->seen_gen = s->st ? wsh_status_gen(s->st) : 0;
		s->epoch = __atomic_add_fetch(&P->next_epoch, 1, __ATOMIC_RELAXED);
		s->used = true;
		pthread_rwlock_unlock(&s->lk);
		return;
	}
	wsh_destroy(P->ctx, h);	/* no room */
}

/* A read-locked shared heap, or NULL. */
struct pool *pool_get(struct thr *t)
{
	int i, start = (int)wsh_below(&t->r, NPOOL);

	for (i = 0; i < NPOOL; i++) {
		struct pool *s = &t->P->pool[(start + i) % NPOOL];

		if (pthread_rwlock_tryrdlock(&s->lk))
			continue;
		if (s->used)
			return s;
		pthread_rwlock_unlock(&s->lk);
	}
	return NULL;
}

void pool_put(struct pool *s)
{
	pthread_rwlock_unlock(&s->lk);
}

/* Generation check against what any thread saw before. */
static void pool_saw(struct thr *t, struct pool *s, ull gen, ull before,
		     const char *what)
{
	ull cur;

	if (gen < before)
		VIOL(t, "%s: generation went back from %llu to %llu", what,
		     before, gen);
	cur = __atomic_load_n(&s->seen_gen, __ATOMIC_RELAXED);
	while (gen > cur &&
	       !__atomic_compare_exchange_n(&s->seen_gen, &cur, gen, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static ull pool_info(struct thr *t, struct pool *s, const char *what)
{
	ull before = __atomic_load_n(&s->seen_gen, __ATOMIC_RELAXED);
	struct wsheap_info i = { 0 };
	int rc;

	rc = wsh_info(t->P->ctx, s->h, &i);
	if (!EXPECT(t, rc, 0, false, what))
		return before;
	check_info_consistent(t, &i, what);
	if (i.max_size != s->max || i.flags != s->flags)
		VIOL(t, "%s: shared heap max %llu flags %u, want %llu %u", what,
		     (ull)i.max_size, i.flags, s->max, s->flags);
	pool_saw(t, s, i.generation, before, what);
	return i.generation;
}

/*
 * A block of a shared heap holds its data while its generation is current.
 * Seqlock-style: status generation, data, status generation; on a mismatch
 * INFO (which waits for a reset in progress) decides.
 */
static void pool_check(struct thr *t, struct pool *s, struct prec *r)
{
	ull g0, g1, gi;
	size_t bad = 0;
	int rc;

	if (!s->map || !s->st)
		return;
	g0 = wsh_status_gen(s->st);
	if (g0 != r->gen) {
		r->used = false;
		return;
	}
	wsh_pat_fill(t->buf, r->len, r->seed, r->off);
	rc = wsh_guarded(WSH_CMP, s->map + r->off, t->buf, r->len, &bad);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	g1 = wsh_status_gen(s->st);
	if (!rc) {
		ADD(pool_verified, 1);
		return;
	}
	gi = pool_info(t, s, "INFO after a shared mismatch");
	if (gi == r->gen) {
		VIOL(t, "shared heap: block at %llu+%u of current generation %llu: %s at %u",
		     r->off, r->len, r->gen, rc == 1 ? "wrong byte" : "signal",
		     (unsigned int)bad);
	} else if (g1 == r->gen) {
		VIOL(t, "shared heap: block at %llu+%u destroyed while the status page still showed its generation %llu",
		     r->off, r->len, r->gen);
	}
	r->used = false;
}

/*
 * Take the shared reset lock (@write: to reset) for pool heap @s; if it
 * stays taken (a process died holding it), report that, stop the run and
 * give @s back: false.
 */
static bool reset_lock(struct thr *t, struct pool *s, bool write)
{
	if (!wsh_rwlock_timed(&G->resetlock, write))
		return true;
	VIOL(t, "the shared reset lock is stuck (a process died holding it?)");
	G->stop = 1;
	pool_put(s);
	return false;
}

void op_pool_write(struct thr *t)
{
	struct pool *s = pool_get(t);
	struct prec *r = NULL;
	ull off = 0, gen = 0, before, size;
	int i, rc;

	if (!s)
		return;
	for (i = 0; i < NPREC; i++)
		if (!t->pr[i].used)
			r = &t->pr[i];
	if (!r)
		r = &t->pr[wsh_below(&t->r, NPREC)];
	before = __atomic_load_n(&s->seen_gen, __ATOMIC_RELAXED);
	size = 1 + wsh_below(&t->r, 2048);
	if (!reset_lock(t, s, false))
		return;
	rc = wsh_alloc(t->P->ctx, s->h, size, wsh_chance(&t->r, 30) ? 64 : 0,
		       &off, &gen);
	if (s->ro) {
		EXPECT(t, rc, -EPERM, false, "ALLOC in a read-only shared heap");
		goto out;
	}
	if (rc == -ENOSPC || rc == -EFBIG) {
		pthread_rwlock_unlock(&G->resetlock);
		if (!reset_lock(t, s, true))
			return;
		rc = wsh_reset(t->P->ctx, s->h, &gen);
		if (rc != -EBUSY && EXPECT(t, rc, 0, false, "RESET of a full shared heap"))
			pool_saw(t, s, gen, before + 1, "RESET of a shared heap");
		goto out;
	}
	if (rc == -EDQUOT || rc == -ENOMEM)
		goto out;
	if (!EXPECT(t, rc, 0, true, "ALLOC in a shared heap"))
		goto out;
	pool_saw(t, s, gen, before, "ALLOC in a shared heap");
	if (!s->map || off + size > POOL_WIN)
		goto out;
	*r = (struct prec){ true, (int)(s - t->P->pool), s->epoch, off,
			    (unsigned int)size, wsh_rand(&t->r), gen };
	wsh_pat_fill(t->buf, size, r->seed, off);
	rc = wsh_guarded(WSH_WRITE, s->map + off, t->buf, size, NULL);
	if (rc) {
		ull gi = pool_info(t, s, "INFO after a shared write fault");

		if (gi == gen && !(opt.faults && rc == SIGBUS))
			VIOL(t, "shared heap: writing a block of the current generation %llu at %llu: signal %d",
			     gen, off, rc);
		r->used = false;
		goto out;
	}
	pool_check(t, s, r);
out:
	pthread_rwlock_unlock(&G->resetlock);
	pool_put(s);
}

void op_pool_verify(struct thr *t)
{
	int i;

	for (i = 0; i < NPREC; i++) {
		struct prec *r = &t->pr[i];
		struct pool *s;

		if (!r->used)
			continue;
		s = &t->P->pool[r->slot];
		if (pthread_rwlock_tryrdlock(&s->lk))
			continue;
		if (s->used && s->epoch == r->epoch)
			pool_check(t, s, r);
		else
			r->used = false;
		pthread_rwlock_unlock(&s->lk);
	}
}

void op_pool_reset(struct thr *t)
{
	struct pool *s = pool_get(t);
	ull gen = 0, before;
	int rc;

	if (!s)
		return;
	before = __atomic_load_n(&s->seen_gen, __ATOMIC_RELAXED);
	if (!reset_lock(t, s, true))
		return;
	rc = wsh_reset(t->P->ctx, s->h, &gen);
	pthread_rwlock_unlock(&G->resetlock);
	if (s->ro)
		EXPECT(t, rc, -EPERM, false, "RESET of a read-only shared heap");
	else if (rc != -EBUSY && EXPECT(t, rc, 0, false, "RESET of a shared heap"))
		pool_saw(t, s, gen, before + 1, "RESET of a shared heap");
	if (!rc && s->st && wsh_status_gen(s->st) < gen)
		VIOL(t, "status page behind RESET's generation after it returned");
	pool_put(s);
}

void op_pool_info(struct thr *t)
{
	struct pool *s = pool_get(t);

	if (!s)
		return;
	pool_info(t, s, "INFO of a shared heap");
	if (s->st && s->st->pad)
		VIOL(t, "status pad %u", s->st->pad);
	pool_put(s);
}

/* Export/import round trip, dma-bufs and windows on a shared heap. */
void op_pool_misc(struct thr *t)
{
	struct pool *s = pool_get(t);
	struct wsheap_import im = { 0 };
	struct wsheap_info i = { 0 };
	int x, rc, c2;

	if (!s)
		return;
	switch (wsh_below(&t->r, 3)) {
	case 0:
		x = wsh_export(t->P->ctx, s->h, s->ro || wsh_chance(&t->r, 50) ?
					  WSHEAP_EXPORT_RDONLY : 0);
		if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT of a shared heap"))
			break;
		c2 = open_ctx2(t);
		if (c2 >= 0) {
			rc = wsh_import(c2, x, &im);
			if (EXPECT(t, rc, 0, true, "IMPORT of a shared heap")) {
				rc = wsh_info(c2, im.handle, &i);
				if (EXPECT(t, rc, 0, false, "INFO of a re-import") &&
				    (i.max_size != s->max || i.flags != s->flags))
					VIOL(t, "re-imported heap differs");
				EXPECT(t, wsh_destroy(c2, im.handle), 0, false,
				       "DESTROY of a re-import");
			}
		}
		close(x);
		break;
	case 1: {
		ull com = s->st ? s->st->committed : 0, off;
		void *m;

		if (s->ro || !com)
			break;
		off = ps * wsh_below(&t->r, com / ps);
		x = wsh_dmabuf(t->P->ctx, s->h, off, ps, 0);
		if (x == -EINVAL)
			break;	/* a reset shrank it meanwhile */
		if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT_DMABUF of a shared heap"))
			break;
		m = mmap(NULL, ps, PROT_READ, MAP_SHARED, x, 0);
		if (m != MAP_FAILED) {
			/* the dma-buf's pages never fault */
			rc = wsh_guarded(WSH_READ, m, t->buf2, ps, NULL);
			if (rc)
				VIOL(t, "dma-buf of a shared heap: signal %d", rc);
			munmap(m, ps);
		}
		close(x);
		break;
	}
	default: {
		/* a read-only window of it, through a fresh mmap */
		void *m = wsh_map(t->P->ctx, (ull)s->h << WSHEAP_SPAN_SHIFT, 0,
				  4 * ps, PROT_READ);

		if (m != MAP_FAILED) {
			(void)wsh_guarded(WSH_READ, m, t->buf2, ps, NULL);
			munmap(m, 4 * ps);
		}
		break;
	}
	}
	pool_put(s);
}

void op_pool_destroy(struct thr *t)
{
	struct pool *s = &t->P->pool[wsh_below(&t->r, NPOOL)];

	if (!wsh_chance(&t->r, 30) || pthread_rwlock_trywrlock(&s->lk))
		return;
	if (s->used) {
		EXPECT(t, wsh_destroy(t->P->ctx, s->h), 0, false,
		       "DESTROY of a shared heap");
		if (s->map)
			munmap(s->map, POOL_WIN);
		if (s->st)
			munmap((void *)s->st, ps);
		s->used = false;
	}
	pthread_rwlock_unlock(&s->lk);
}

/* ------------------------------------------------------------- SCM --- */

void send_heap(struct thr *t, int to)
{
	struct wsheap_create c = { 0 };
	struct msg m = { MSG_MAGIC, MSG_HEAP, (unsigned int)t->P->idx, 0, 0, 0, 0 };
	int x, rc;

	m.flags = (unsigned int)wsh_below(&t->r, 4);
	m.max = (64ULL << 10) + wsh_below(&t->r, 960ULL << 10);
	m.ro = wsh_chance(&t->r, 25);
	rc = wsh_create(t->P->ctx, m.max, wsh_below(&t->r, 512 << 10), m.flags, &c);
	if (!EXPECT(t, rc, 0, true, "CREATE of a shared heap"))
		return;
	x = wsh_export(t->P->ctx, c.handle, m.ro ? WSHEAP_EXPORT_RDONLY : 0);
	if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT of a new shared heap")) {
		wsh_destroy(t->P->ctx, c.handle);
		return;
	}
	rc = wsh_send_fd(socks[to][1], x, &m, sizeof(m), MSG_DONTWAIT);
	close(x);
	if (!rc)
		ADD(scm_sent, 1);
	/* keep our handle too, or let the descriptor in flight hold it */
	if (wsh_chance(&t->r, 50))
		pool_install(t, c.handle, c.mmap_offset, false, m.max, m.flags);
	else
		wsh_destroy(t->P->ctx, c.handle);
}

void op_scm_send(struct thr *t)
{
	int to = (int)wsh_below(&t->r, opt.procs);
	struct msg m = { MSG_MAGIC, 0, (unsigned int)t->P->idx, 0, 0, 0, 0 };
	struct hnd *h;
	struct ph *p;
	int x;

	switch (wsh_below(&t->r, 8)) {
	case 0:	/* a context descriptor: not importable */
		m.kind = MSG_CTX;
		if (!wsh_send_fd(socks[to][1], t->P->ctx, &m, sizeof(m), MSG_DONTWAIT))
			ADD(scm_sent, 1);
		return;
	case 1:	/* a dma-buf: not importable */
		p = pick_heap(t);
		if (!p || !p->committed || !(h = pick_hnd(t, p, true)))
			return;
		x = wsh_dmabuf(ctxfd(t, h->ctxk), h->h, 0, ps, 0);
		if (x < 0)
			return;
		m.kind = MSG_DMABUF;
		if (!wsh_send_fd(socks[to][1], x, &m, sizeof(m), MSG_DONTWAIT))
			ADD(scm_sent, 1);
		close(x);
		/* in flight, then closed by the receiver: whenever */
		model_maybe_held(p, 0, ps);
		return;
	default:
		send_heap(t, to);
	}
}

void op_scm_recv(struct thr *t)
{
	struct wsheap_import im = { 0 };
	struct wsheap_info i = { 0 };
	struct msg m;
	ssize_t n;
	int fd, rc, k;

	for (k = 0; k < 2; k++) {
		n = wsh_recv_fd(socks[t->P->idx][0], &fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n < 0)
			return;
		ADD(scm_recv, 1);
		if (n != sizeof(m) || m.magic != MSG_MAGIC || fd < 0) {
			if (!(opt.faults && fd < 0))
				VIOL(t, "SCM message: %zd bytes, fd %d", n, fd);
			if (fd >= 0)
				close(fd);
			continue;
		}
		rc = wsh_import(t->P->ctx, fd, &im);
		if (m.kind != MSG_HEAP) {
			EXPECT(t, rc, -EINVAL, false, "IMPORT of a non-heap descriptor");
			if (!rc)
				wsh_destroy(t->P->ctx, im.handle);
			close(fd);
			continue;
		}
		if (!EXPECT(t, rc, 0, true, "IMPORT of a received heap")) {
			close(fd);
			continue;
		}
		if (im.access != (m.ro ? WSHEAP_ACCESS_RDONLY : 0u))
			VIOL(t, "received heap: access %u, ro %u", im.access, m.ro);
		rc = wsh_info(t->P->ctx, im.handle, &i);
		if (EXPECT(t, rc, 0, false, "INFO of a received heap")) {
			check_info_consistent(t, &i, "received heap");
			if (i.max_size != m.max || i.flags != m.flags)
				VIOL(t, "received heap: max %llu flags %u, sent %llu %u",
				     (ull)i.max_size, i.flags, m.max, m.flags);
		}
		if (m.ro) {
			rc = wsh_alloc(t->P->ctx, im.handle, 8, 0, NULL, NULL);
			EXPECT(t, rc, -EPERM, false, "ALLOC in a received read-only heap");
			if (mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) !=
			    MAP_FAILED || errno != EACCES)
				VIOL(t, "writable mmap of a received read-only export");
		}
		close(fd);
		pool_install(t, im.handle, im.mmap_offset, m.ro, m.max, m.flags);
	}
}
