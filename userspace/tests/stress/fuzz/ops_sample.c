// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations through the sample driver (samples/wsheap_sample.c),
 * a kernel user of the heap: PRODUCE allocates as ALLOC would, CONSUME
 * reads our records, HOLD pins records so that a RESET fails with EBUSY.
 */
#include "fuzz.h"

/* ------------------------------------------------------ sample driver --- */

void op_sample(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct wsheap_sample_io io;
	struct pred pr;
	struct rec r;
	int x, sfd, rc;

	if (!have_sample || !p || (x = pick_xfd(t, p)) < 0)
		return;
	if (p->pending)
		resolve(t, p, pick_hnd_raw(t, p, false));
	if (p->pending)
		return;	/* the cursor is unknown: nothing to predict */
	/*
	 * No fork while the driver's file is open: a child would inherit it,
	 * and with it the records HOLD pins, so a later RESET of the heap
	 * would see EBUSY until the child exits.
	 */
	pthread_rwlock_wrlock(&t->P->forklock);
	sfd = open("/dev/wsheap_sample", O_RDWR | O_CLOEXEC);
	if (sfd < 0) {
		pthread_rwlock_unlock(&t->P->forklock);
		return;
	}
	memset(&io, 0, sizeof(io));
	io.heap_fd = p->xfd[x];
	io.count = 1 + (unsigned int)wsh_below(&t->r, 64);
	io.seed = wsh_rand(&t->r);
	if (wsh_chance(&t->r, 50)) {
		/* the driver allocates and writes */
		pr = predict_alloc(p, io.count * sizeof(struct wsheap_sample_record), 64);
		rc = wsh_ioctl(sfd, WSHEAP_SAMPLE_PRODUCE, &io);
		if (p->xro[x]) {
			EXPECT(t, rc, -EPERM, false, "sample PRODUCE on a read-only export");
		} else if (pr.rc) {
			EXPECT(t, rc, pr.rc, false, "sample PRODUCE");
		} else if (rc) {
			/* under injection its vmap may fail too */
			if (!(pr.commits && (rc == -EDQUOT || rc == -ENOMEM)) &&
			    !(opt.faults && rc == -ENOMEM))
				VIOL(t, "sample PRODUCE: %s", E(rc));
			if (rc == -ENOMEM && opt.faults) {
				/* the sample keeps its allocation on vmap failure */
				p->pending = true;
				p->pend_size = io.count * sizeof(struct wsheap_sample_record);
				p->pend_end = pr.end;
				resolve(t, p, pick_hnd_raw(t, p, false));
			}
		} else {
			if (io.offset != pr.start)
				VIOL(t, "sample PRODUCE at %llu, want %llu",
				     (ull)io.offset, pr.start);
			model_alloc(p, &pr, io.count * sizeof(struct wsheap_sample_record));
			r = (struct rec){ io.offset,
					  (unsigned int)(io.count * sizeof(struct wsheap_sample_record)),
					  REC_SAMPLE, io.seed };
			if (p->win && r.off + r.len <= WIN) {
				if (p->dirty_end < r.off + r.len)
					p->dirty_end = r.off + r.len;
				if (check_rec(t, p, &r, p->win, false, "sample records") &&
				    p->nrec < MAXREC)
					p->recs[p->nrec++] = r;
				ADD(sample_records, io.count);
			}
		}
		check_model(t, p, "after sample PRODUCE");
	} else if (wsh_chance(&t->r, 50) && p->cursor >= sizeof(struct wsheap_sample_record)) {
		/* the driver pins records: RESET is EBUSY until it lets go */
		struct hnd *h = pick_hnd(t, p, true);

		io.offset = 0;
		io.count = (unsigned int)(p->cursor / sizeof(struct wsheap_sample_record));
		if (io.count > 1000)
			io.count = 1000;
		rc = wsh_ioctl(sfd, WSHEAP_SAMPLE_HOLD, &io);
		if (p->xro[x]) {
			EXPECT(t, rc, -EPERM, false, "sample HOLD on a read-only export");
		} else if (EXPECT(t, rc, 0, false, "sample HOLD") && h) {
			rc = wsh_reset(ctxfd(t, h->ctxk), h->h, NULL);
			EXPECT(t, rc, -EBUSY, false, "RESET while the driver holds records");
			check_model(t, p, "after an EBUSY RESET");
			if (wsh_chance(&t->r, 50))
				EXPECT(t, wsh_ioctl(sfd, WSHEAP_SAMPLE_RELEASE, NULL), 0,
				       false, "sample RELEASE");
			/* else closing the driver's file lets go */
		}
	} else if (p->nrec) {
		/* the driver reads what we wrote */
		struct rec *w = NULL;
		int i;

		for (i = 0; i < p->nrec; i++)
			if (p->recs[i].type == REC_SAMPLE)
				w = &p->recs[i];
		if (!w)
			goto out;
		io.offset = w->off;
		io.count = w->len / sizeof(struct wsheap_sample_record);
		rc = wsh_ioctl(sfd, WSHEAP_SAMPLE_CONSUME, &io);
		if (p->xro[x])
			EXPECT(t, rc, -EPERM, false, "sample CONSUME on a read-only export");
		else if (EXPECT(t, rc, 0, true, "sample CONSUME") &&
			 io.seed != io.count)
			VIOL(t, "sample CONSUME found %llu good records of %u",
			     (ull)io.seed, io.count);
	}
out:
	close(sfd);
	pthread_rwlock_unlock(&t->P->forklock);
}

/* ---------------------------------------------- stale driver offsets --- */

/* Records among @n at @m whose check value is right (as CONSUME counts). */
static ull good_records(const unsigned char *m, unsigned int n)
{
	struct wsheap_sample_record r;
	unsigned int i;
	ull good = 0;

	for (i = 0; i < n; i++) {
		if (wsh_guarded(WSH_READ, (unsigned char *)m + i * sizeof(r),
				(unsigned char *)&r, sizeof(r), NULL))
			return ~0ULL;
		good += r.check == wsheap_sample_check(r.seq, r.value);
	}
	return good;
}

static int sample_io(int sfd, unsigned long cmd, int x, ull off,
		     unsigned int count, struct wsheap_sample_io *io)
{
	memset(io, 0, sizeof(*io));
	io->heap_fd = x;
	io->count = count;
	io->offset = off;
	io->seed = 1;
	return wsh_ioctl(sfd, cmd, io);
}

/*
 * Offsets a driver was given in an ended generation: once a reset ended
 * it, CONSUME and HOLD of them fail (the offset is beyond the new cursor)
 * or, once the new generation allocated that far, see only the new
 * generation's bytes: never the old records, never what a dma-buf that
 * took the old pages holds (here: records that fail their check).
 */
/* In a descriptor table of its own: no child inherits the driver's file. */
static void sample_stale(struct thr *t)
{
	struct wsheap_sample_io io;
	struct wsheap_create c = { 0 };
	unsigned int n = 1 + (unsigned int)wsh_below(&t->r, 64);
	unsigned char *m = MAP_FAILED, *dbase = MAP_FAILED, *dm = NULL;
	size_t len = n * sizeof(struct wsheap_sample_record), dlen = 0;
	unsigned int flags = (unsigned int)wsh_below(&t->r, 4);
	int ctx, x = -1, sfd = -1, dfd = -1, rc;
	ull off, pad, want;

	ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctx < 0) {
		VIOL(t, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
		return;
	}
	if (!EXPECT(t, wsh_create(ctx, 1 << 20, ps * wsh_below(&t->r, 4), flags, &c),
		    0, true, "CREATE")) {
		close(ctx);
		return;
	}
	m = wsh_map(ctx, c.mmap_offset, 0, 8 * ps, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap: %s", strerror(errno));
		goto out;
	}
	x = wsh_export(ctx, c.handle, 0);
	if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT"))
		goto out;
	sfd = open("/dev/wsheap_sample", O_RDWR | O_CLOEXEC);
	if (sfd < 0) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "open /dev/wsheap_sample: %s", strerror(errno));
		goto out;
	}
	pad = wsh_below(&t->r, 3 * ps);
	if (pad && wsh_alloc(ctx, c.handle, pad, 0, NULL, NULL))
		goto out;
	rc = sample_io(sfd, WSHEAP_SAMPLE_PRODUCE, x, 0, n, &io);
	if (rc) {
		if (rc != -EDQUOT && rc != -ENOMEM)
			VIOL(t, "sample PRODUCE: %s", E(rc));
		goto out;
	}
	off = io.offset;
	if (off != (pad + 63) / 64 * 64)
		VIOL(t, "sample PRODUCE at %llu, want %llu", off, (pad + 63) / 64 * 64);
	if (good_records(m + off, n) != n)
		VIOL(t, "sample PRODUCE: the records are not in the heap");
	/* a dma-buf takes the records' pages out of the heap at the reset */
	if (wsh_chance(&t->r, 50)) {
		ull first = off / ps * ps;

		dlen = wsh_pages_up(off + len, ps) * ps - first;
		dfd = wsh_dmabuf(ctx, c.handle, first, dlen, 0);
		if (dfd >= 0)
			dbase = mmap(NULL, dlen, PROT_READ | PROT_WRITE, MAP_SHARED,
				     dfd, 0);
		if (dbase != MAP_FAILED)
			dm = dbase + (off - first);
	}
	if (!EXPECT(t, wsh_reset(ctx, c.handle, NULL), 0, false, "RESET"))
		goto out;
	/* the offset is past the new generation's cursor */
	rc = sample_io(sfd, WSHEAP_SAMPLE_CONSUME, x, off, n, &io);
	EXPECT(t, rc, -EINVAL, false, "sample CONSUME of an ended generation's records");
	rc = sample_io(sfd, WSHEAP_SAMPLE_HOLD, x, off, n, &io);
	EXPECT(t, rc, -EINVAL, false, "sample HOLD of an ended generation's records");
	/* the new generation allocates over them */
	rc = wsh_alloc(ctx, c.handle, off + len + wsh_below(&t->r, ps), 0, NULL, NULL);
	if (rc) {
		if (rc != -EDQUOT && rc != -ENOMEM)
			VIOL(t, "ALLOC after RESET: %s", E(rc));
		goto out;
	}
	/*
	 * Records that fail their check go where the driver must not look
	 * (the dma-buf: the old pages) or where it must (the heap): either
	 * way the two differ, and CONSUME must count what the heap holds.
	 */
	wsh_pat_fill(t->buf, len, wsh_rand(&t->r), 0);
	rc = 0;
	if (dm && wsh_chance(&t->r, 50))
		rc = wsh_guarded(WSH_WRITE, dm, t->buf, len, NULL);
	else if (wsh_chance(&t->r, 70))
		rc = wsh_guarded(WSH_WRITE, m + off, t->buf, len, NULL);
	want = rc ? ~0ULL : good_records(m + off, n);
	if (want == ~0ULL) {
		/* a lazy page may fail to come under fault injection */
		if (!opt.faults)
			VIOL(t, "writing or reading records after RESET: signal %d", rc);
		goto out;
	}
	rc = sample_io(sfd, WSHEAP_SAMPLE_CONSUME, x, off, n, &io);
	if (EXPECT(t, rc, 0, true, "sample CONSUME in the new generation") &&
	    io.seed != want)
		VIOL(t, "sample CONSUME after RESET found %llu good records, the heap shows %llu%s",
		     (ull)io.seed, want, dm && io.seed == good_records(dm, n) ?
		     " (the dma-buf's, the ended generation's pages)" : "");
	/* the new generation's records can be held; RESET waits for them */
	rc = sample_io(sfd, WSHEAP_SAMPLE_HOLD, x, off, n, &io);
	if (EXPECT(t, rc, 0, false, "sample HOLD in the new generation")) {
		EXPECT(t, wsh_reset(ctx, c.handle, NULL), -EBUSY, false,
		       "RESET while the driver holds records");
		EXPECT(t, wsh_ioctl(sfd, WSHEAP_SAMPLE_RELEASE, NULL), 0, false,
		       "sample RELEASE");
		EXPECT(t, wsh_reset(ctx, c.handle, NULL), 0, false, "RESET");
		rc = sample_io(sfd, WSHEAP_SAMPLE_CONSUME, x, off, n, &io);
		EXPECT(t, rc, -EINVAL, false, "sample CONSUME after the next RESET");
	}
	ADD(stale_checks, 1);
out:
	if (sfd >= 0)
		close(sfd);
	if (dbase != MAP_FAILED)
		munmap(dbase, dlen);
	if (dfd >= 0)
		close(dfd);
	if (x >= 0)
		close(x);
	if (m != MAP_FAILED)
		munmap(m, 8 * ps);
	wsh_destroy(ctx, c.handle);
	close(ctx);
}

void op_sample_stale(struct thr *t)
{
	if (have_sample && wsh_chance(&t->r, 60))
		run_private(t, sample_stale);
}
