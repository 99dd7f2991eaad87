// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations that share a private heap within the process:
 * EXPORT, IMPORT (read-only imports refuse every change), export
 * descriptors and their mappings, dup, and the thread's second context.
 */
#include "fuzz.h"

/* ------------------------------------------------------ export/import --- */

void op_export(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct hnd *h;
	unsigned int flags;
	int i, fd, slot = -1;

	if (!p || p->ctx2_only || !(h = pick_hnd(t, p, false)))
		return;
	for (i = 0; i < NXFD; i++)
		if (p->xfd[i] < 0)
			slot = i;
	if (slot < 0)
		return;
	flags = (unsigned int)wsh_below(&t->r, 4);
	if (wsh_chance(&t->r, 5)) {
		struct wsheap_export e;

		memset(&e, 0, sizeof(e));
		e.handle = h->h;
		e.flags = flags | (4u << wsh_below(&t->r, 29));
		if (wsh_chance(&t->r, 50)) {
			e.flags = flags;
			e.pad = 1;
		}
		fd = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_EXPORT, &e);
		EXPECT(t, fd, -EINVAL, false, "EXPORT with bad flags/pad");
	}
	fd = wsh_export(ctxfd(t, h->ctxk), h->h, flags);
	if (h->ro && !(flags & WSHEAP_EXPORT_RDONLY)) {
		EXPECT(t, fd, -EPERM, false, "read-write EXPORT of a read-only handle");
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!EXPECT(t, fd, 0, true, "EXPORT"))
		return;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC) != !!(flags & WSHEAP_EXPORT_NO_CLOEXEC))
		VIOL(t, "EXPORT flags %u: FD_CLOEXEC is %d", flags,
		     fcntl(fd, F_GETFD));
	p->xfd[slot] = fd;
	p->xro[slot] = flags & WSHEAP_EXPORT_RDONLY;
}

int pick_xfd(struct thr *t, struct ph *p)
{
	int i, start = (int)wsh_below(&t->r, NXFD);

	for (i = 0; i < NXFD; i++)
		if (p->xfd[(start + i) % NXFD] >= 0)
			return (start + i) % NXFD;
	return -1;
}

/* A read-only handle refuses every change. */
static void check_ro_handle(struct thr *t, struct ph *p, struct hnd *h)
{
	int fd = ctxfd(t, h->ctxk), rc;

	rc = wsh_alloc(fd, h->h, 8, 0, NULL, NULL);
	EXPECT(t, rc, -EPERM, false, "ALLOC through a read-only import");
	rc = wsh_reset(fd, h->h, NULL);
	EXPECT(t, rc, -EPERM, false, "RESET through a read-only import");
	rc = wsh_dmabuf(fd, h->h, 0, ps, 0);
	if (rc >= 0)
		close(rc);
	EXPECT(t, rc, -EPERM, false, "EXPORT_DMABUF through a read-only import");
	rc = wsh_export(fd, h->h, 0);
	if (rc >= 0)
		close(rc);
	EXPECT(t, rc, -EPERM, false, "read-write EXPORT of a read-only import");
	rc = wsh_try_map(fd, h->h, PROT_READ | PROT_WRITE);
	EXPECT(t, rc, -EACCES, true, "writable mmap of a read-only import");
	rc = wsh_try_map(fd, h->h, PROT_READ);
	EXPECT(t, rc, 0, true, "read-only mmap of a read-only import");
	check_model(t, p, "after read-only refusals");
}

void op_import(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct wsheap_import im = { 0 };
	int i, x, k, slot = -1, rc;

	if (!p || (x = pick_xfd(t, p)) < 0)
		return;
	for (i = 0; i < NHND; i++)
		if (!p->hs[i].live)
			slot = i;
	if (slot < 0)
		return;
	k = wsh_chance(&t->r, 50);
	if (k && open_ctx2(t) < 0)
		return;
	rc = wsh_import(ctxfd(t, k), p->xfd[x], &im);
	if (!EXPECT(t, rc, 0, true, "IMPORT"))
		return;
	if (!im.handle || im.handle > WSH_MAX_HANDLE ||
	    im.mmap_offset != (ull)im.handle << WSHEAP_SPAN_SHIFT ||
	    im.access != (p->xro[x] ? WSHEAP_ACCESS_RDONLY : 0u))
		VIOL(t, "IMPORT returned handle %u access %u offset %#llx (ro %d)",
		     im.handle, im.access, (ull)im.mmap_offset, p->xro[x]);
	p->hs[slot] = (struct hnd){ k, im.handle, p->xro[x], true };
	check_model(t, p, "after IMPORT");
	if (p->xro[x])
		check_ro_handle(t, p, &p->hs[slot]);
	if (wsh_chance(&t->r, 30)) {
		/* the export's descriptor is no longer needed */
		close(p->xfd[x]);
		p->xfd[x] = -1;
	}
}

void op_close_export(struct thr *t)
{
	struct ph *p = pick_heap(t);
	int x;

	if (!p || (x = pick_xfd(t, p)) < 0)
		return;
	close(p->xfd[x]);
	p->xfd[x] = -1;
	if (!users(p))
		heap_gone(t, p, false);	/* closing never gives memory back */
}

/* Map an export's descriptor directly: its offsets are heap offsets. */
void op_export_mmap(struct thr *t)
{
	struct ph *p = pick_heap(t);
	unsigned char *m;
	size_t len;
	int x;

	if (!p || (x = pick_xfd(t, p)) < 0)
		return;
	len = (size_t)(p->committed < WIN ? p->committed : WIN);
	if (!len)
		len = ps;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, p->xfd[x], 0);
	if (p->xro[x]) {
		if (m != MAP_FAILED) {
			VIOL(t, "writable mmap of a read-only export worked");
			munmap(m, len);
		} else if (errno != EACCES) {
			VIOL(t, "writable mmap of a read-only export: %s", strerror(errno));
		}
		m = mmap(NULL, len, PROT_READ, MAP_SHARED, p->xfd[x], 0);
		if (m != MAP_FAILED && !mprotect(m, len, PROT_READ | PROT_WRITE))
			VIOL(t, "mprotect made a read-only export's mapping writable");
	}
	if (m == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap of an export: %s", strerror(errno));
		return;
	}
	verify_heap(t, p, m, "through an export's mapping");
	if (p->committed < len)
		probe_gone(t, p, m, p->committed, len, !p->xro[x],
			   "export mapping beyond committed");
	munmap(m, len);
	/* the status page, through the export */
	m = mmap(NULL, ps, PROT_READ, MAP_SHARED, p->xfd[x],
		 (off_t)WSHEAP_STATUS_OFFSET);
	if (m != MAP_FAILED) {
		if (((struct wsheap_status *)m)->generation != p->gen)
			VIOL(t, "status page through an export disagrees");
		munmap(m, ps);
	}
}

/* ------------------------------------------------------ dup / contexts --- */

void op_dup(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct hnd *h;
	struct wsheap_info i = { 0 };
	int d, rc;

	if (!p || !(h = pick_hnd(t, p, false)))
		return;
	d = wsh_chance(&t->r, 50) ? dup(ctxfd(t, h->ctxk)) :
				    fcntl(ctxfd(t, h->ctxk), F_DUPFD_CLOEXEC, 100);
	if (d < 0)
		return;
	/* the same context: the same handles */
	rc = wsh_info(d, h->h, &i);
	if (EXPECT(t, rc, 0, false, "INFO through a dup'ed context") &&
	    (i.generation != p->gen || i.cursor != p->cursor))
		VIOL(t, "INFO through dup disagrees");
	close(d);
	check_model(t, p, "after closing a dup");
}

/* Close the thread's second context with whatever it holds. */
void op_ctx2_close(struct thr *t)
{
	int i, k;

	if (t->ctx2 < 0 || !wsh_chance(&t->r, 30))
		return;
	close(t->ctx2);
	t->ctx2 = -1;
	for (i = 0; i < NPRIV; i++) {
		struct ph *p = &t->heaps[i];

		if (!p->used)
			continue;
		for (k = 0; k < NHND; k++)
			if (p->hs[k].live && p->hs[k].ctxk == 1)
				p->hs[k].live = false;
		if (!users(p))
			heap_gone(t, p, false);	/* mapped: lives on */
		else
			check_model(t, p, "after closing a context");
	}
}
