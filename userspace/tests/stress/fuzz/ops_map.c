// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations on extra windows of private heaps (mmap at any
 * offset, munmap, mprotect, madvise, mremap) and on /proc/self/mem.
 */
#include "fuzz.h"

/* --------------------------------------------------------------- mmap --- */

static struct chaos *chaos_slot(struct thr *t)
{
	int i;

	for (i = 0; i < NCHAOS; i++)
		if (!t->ch[i].used)
			return &t->ch[i];
	return NULL;
}

static void chaos_unmap(struct chaos *c)
{
	munmap(c->addr, c->len);
	c->used = false;
}

void chaos_drop_heap(struct thr *t, int heap_id, bool probe_dead)
{
	int i;

	for (i = 0; i < NCHAOS; i++) {
		struct chaos *c = &t->ch[i];

		if (!c->used || c->heap_id != heap_id)
			continue;
		if (probe_dead && (c->prot & PROT_READ) &&
		    c->off < WSHEAP_STATUS_OFFSET) {
			int rc = wsh_probe(c->addr, false);

			if (rc != SIGBUS)
				VIOL(t, "extra window of a destroyed heap at %llu: %d, want SIGBUS",
				     c->off, rc);
		}
		chaos_unmap(c);
	}
}

void op_mmap(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct chaos *c = chaos_slot(t);
	struct hnd *h;
	ull off, len, end;
	int prot, flags, want = 0, fd;
	void *m;

	if (!p || !c || !(h = pick_hnd(t, p, false)))
		return;
	switch (wsh_below(&t->r, 8)) {
	case 0: off = WSHEAP_STATUS_OFFSET - ps * wsh_below(&t->r, 3); break;
	case 1: off = WSHEAP_STATUS_OFFSET + ps * wsh_below(&t->r, 3); break;
	case 2: off = WSHEAP_SPAN - ps * (1 + wsh_below(&t->r, 2)); break;
	case 3: off = wsh_below(&t->r, 1ULL << 40) & ~(ps - 1); break;
	default: off = ps * wsh_below(&t->r, p->committed / ps + 4); break;
	}
	len = ps * (1 + wsh_below(&t->r, 16));
	if (wsh_chance(&t->r, 3))
		len = WSHEAP_SPAN - off + ps * wsh_below(&t->r, 2);
	prot = (int)wsh_below(&t->r, 4) | (wsh_chance(&t->r, 5) ? PROT_EXEC : 0);
	flags = MAP_SHARED;
	if (wsh_chance(&t->r, 10))
		flags = MAP_SHARED_VALIDATE;
	if (wsh_chance(&t->r, 10) && len <= 64 * ps)
		flags |= MAP_POPULATE;
	if (wsh_chance(&t->r, 5))
		flags = MAP_PRIVATE;
	/* in the order the checks run: mm core, the handle, the heap store */
	end = off + len;
	if (!len)
		want = EINVAL;
	else if ((prot & PROT_WRITE) && h->ro)
		want = EACCES;
	else if (flags == MAP_PRIVATE || end > WSHEAP_SPAN)
		want = EINVAL;
	else if ((prot & PROT_WRITE) && end > WSHEAP_STATUS_OFFSET)
		want = EACCES;
	else if (prot & PROT_EXEC)
		want = EPERM;	/* a heap is never executable */
	if (wsh_chance(&t->r, 3)) {
		off += 1 + wsh_below(&t->r, ps - 1);	/* unaligned */
		want = EINVAL;
	}
	fd = ctxfd(t, h->ctxk);
	m = mmap(NULL, len, prot, flags, fd,
		 (off_t)(((ull)h->h << WSHEAP_SPAN_SHIFT) + off));
	if (m == MAP_FAILED) {
		if (errno == want || (opt.faults && errno == ENOMEM))
			return;
		/* a huge window may not fit the address space */
		if (errno == ENOMEM && len > (64ULL << 20))
			return;
		VIOL(t, "mmap(off %#llx len %#llx prot %d flags %#x ro %d): %s, want %s",
		     off, len, prot, flags, h->ro, strerror(errno),
		     want ? strerror(want) : "success");
		return;
	}
	if (want) {
		VIOL(t, "mmap(off %#llx len %#llx prot %d flags %#x ro %d) worked, want %s",
		     off, len, prot, flags, h->ro, strerror(want));
		munmap(m, len);
		return;
	}
	if (len > 64 * ps) {
		/* the whole span: probe its ends only */
		if (prot & PROT_READ) {
			int rc = wsh_probe((unsigned char *)m + len - ps, false);

			if (rc != SIGBUS)
				VIOL(t, "last page of the span: %d, want SIGBUS", rc);
		}
		munmap(m, len);
		return;
	}
	*c = (struct chaos){ true, m, len, p->id, off, prot,
			     h->ro || end > WSHEAP_STATUS_OFFSET };
	if (prot & PROT_READ)
		check_window(t, p, m, off, len, "extra window");
	if (wsh_chance(&t->r, 40))
		chaos_unmap(c);
}

static struct chaos *pick_chaos(struct thr *t)
{
	return PICK_USED(t, t->ch, NCHAOS);
}

void op_munmap(struct thr *t)
{
	struct chaos *c = pick_chaos(t);

	if (!c)
		return;
	if (c->len > ps && wsh_chance(&t->r, 50)) {
		/* punch the first page, keep the rest */
		if (munmap(c->addr, ps)) {
			if (!(opt.faults && errno == ENOMEM))
				VIOL(t, "munmap of one page: %s", strerror(errno));
			return;
		}
		c->addr += ps;
		c->len -= ps;
		c->off += ps;
		return;
	}
	chaos_unmap(c);
}

void op_mprotect(struct thr *t)
{
	struct chaos *c = pick_chaos(t);
	struct ph *p;
	int prot, rc, want = 0;

	if (!c || !(p = heap_by_id(t, c->heap_id)))
		return;
	prot = (int)wsh_below(&t->r, 4);
	if ((prot & PROT_WRITE) && c->nowrite)
		want = EACCES;
	rc = mprotect(c->addr, c->len, prot);
	if (rc && opt.faults && errno == ENOMEM)
		return;
	if ((rc ? errno : 0) != want) {
		VIOL(t, "mprotect(%d) of a window at %#llx+%zu: %s, want %s",
		     prot, c->off, c->len, rc ? strerror(errno) : "success",
		     want ? strerror(want) : "success");
		return;
	}
	if (rc)
		return;
	if (prot == PROT_NONE) {
		rc = wsh_probe(c->addr, false);
		if (rc != SIGSEGV)
			VIOL(t, "PROT_NONE window: %d, want SIGSEGV", rc);
	}
	c->prot = prot;
	if (prot & PROT_READ)
		check_window(t, p, c->addr, c->off, c->len, "after mprotect");
}

void op_madvise(struct thr *t)
{
	static const int advs[] = {
		MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL, MADV_RANDOM,
		MADV_SEQUENTIAL, MADV_COLD, MADV_PAGEOUT, MADV_REMOVE,
		MADV_FREE, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_MERGEABLE,
		MADV_UNMERGEABLE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_DONTFORK, MADV_DOFORK, 25 /* COLLAPSE */,
		999,
	};
	struct ph *p = pick_heap(t);
	struct chaos *c;
	unsigned char *a;
	size_t len;
	int adv = advs[wsh_below(&t->r, sizeof(advs) / sizeof(advs[0]))];

	if (wsh_chance(&t->r, 50) && (c = pick_chaos(t))) {
		a = c->addr;
		len = c->len;
		p = heap_by_id(t, c->heap_id);
	} else {
		if (!p || !p->win)
			return;
		/* main windows must stay inherited: children check them */
		if (adv == MADV_DONTFORK || adv == MADV_WIPEONFORK)
			adv = MADV_DONTNEED;
		a = p->win;
		len = WIN;
		/* keep the main window one VMA (mremap moves it whole) */
		if (wsh_chance(&t->r, 50) &&
		    (adv == MADV_DONTNEED || adv == MADV_WILLNEED ||
		     adv == MADV_COLD || adv == MADV_PAGEOUT ||
		     adv == MADV_POPULATE_READ || adv == MADV_POPULATE_WRITE)) {
			ull off = ps * wsh_below(&t->r, WIN / ps);

			a += off;
			len = ps * (1 + wsh_below(&t->r, (WIN - off) / ps));
		}
	}
	/* any result will do; the data must survive it */
	(void)madvise(a, len, adv);
	if (adv == MADV_DOFORK || adv == MADV_DONTFORK)
		(void)madvise(a, len, MADV_DOFORK);
	if (p)
		verify_heap(t, p, p->win, "after madvise");
}

void op_mremap(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct chaos *c = pick_chaos(t);
	void *hole, *q;

	if (wsh_chance(&t->r, 40) && p && p->win) {
		/* move the main window somewhere else */
		hole = mmap(NULL, WIN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hole == MAP_FAILED)
			return;
		q = mremap(p->win, WIN, WIN, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
		if (q == MAP_FAILED) {
			if (!(opt.faults && errno == ENOMEM))
				VIOL(t, "mremap move of a window: %s", strerror(errno));
			/*
			 * The hole may be gone already (mremap unmaps the target
			 * first) and another thread's mapping there now: leave
			 * it, a few MiB of address space at worst.
			 */
			return;
		}
		p->win = q;
		verify_heap(t, p, p->win, "after mremap");
		return;
	}
	if (!c)
		return;
	if (wsh_chance(&t->r, 50)) {
		/* grow: refused (VM_DONTEXPAND) */
		q = mremap(c->addr, c->len, c->len + ps,
			   wsh_chance(&t->r, 50) ? MREMAP_MAYMOVE : 0);
		if (q != MAP_FAILED) {
			VIOL(t, "mremap grew a wsheap window");
			c->addr = q;
			c->len += ps;
		} else if (errno != EFAULT && errno != ENOMEM) {
			VIOL(t, "mremap grow: %s, want EFAULT", strerror(errno));
		}
		return;
	}
	if (wsh_chance(&t->r, 20)) {
		q = mremap(c->addr, c->len, c->len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
			   NULL);
		if (q != MAP_FAILED) {
			VIOL(t, "mremap DONTUNMAP of a wsheap window worked");
			munmap(q, c->len);
		}
		return;
	}
	if (c->len > ps) {
		/* shrink */
		q = mremap(c->addr, c->len, c->len - ps, 0);
		if (q != MAP_FAILED)
			c->len -= ps;
		else if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mremap shrink: %s", strerror(errno));
	}
}

/* /proc/self/mem: the kernel's own access path (GUP) to the same pages. */
void op_procmem(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct rec *r;
	ssize_t n;

	if (t->memfd < 0)
		t->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (t->memfd < 0 || !p || !p->win)
		return;
	if (p->nrec && wsh_chance(&t->r, 60)) {
		r = &p->recs[wsh_below(&t->r, p->nrec)];
		n = pread(t->memfd, t->buf2, r->len, (off_t)(uintptr_t)(p->win + r->off));
		if (n < 0 && opt.faults)
			return;
		rec_bytes(r, t->buf);
		if (n != (ssize_t)r->len || memcmp(t->buf, t->buf2, r->len))
			VIOL(t, "/proc/self/mem read of a record: %zd", n);
		/* writing the same bytes back through it works */
		n = pwrite(t->memfd, t->buf, r->len, (off_t)(uintptr_t)(p->win + r->off));
		if (n != (ssize_t)r->len && !(opt.faults && n < 0 && errno == ENOMEM))
			VIOL(t, "/proc/self/mem write of a record: %zd (%s)", n,
			     strerror(errno));
		return;
	}
	if (p->committed < WIN && committed_known(t, p)) {
		/* beyond committed: an error, never data */
		n = pread(t->memfd, t->buf2, 16,
			  (off_t)(uintptr_t)(p->win + p->committed));
		if (n > 0)
			VIOL(t, "/proc/self/mem read beyond committed gave %zd bytes", n);
	}
	if (p->st) {
		/* the status page is read-only, even for FOLL_FORCE */
		ull before = wsh_status_gen(p->st);

		n = pwrite(t->memfd, t->buf2, 8, (off_t)(uintptr_t)p->st);
		if (n > 0 || wsh_status_gen(p->st) != before)
			VIOL(t, "/proc/self/mem wrote to the status page");
	}
}
