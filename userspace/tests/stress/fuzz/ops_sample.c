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
