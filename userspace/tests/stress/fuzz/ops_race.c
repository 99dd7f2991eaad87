// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations that race a second thread against a call (issue 10,
 * items 2 and 6):
 *
 *  - import-race: while this thread IMPORTs a read-only export into a
 *    context of its own, a helper aims EXPORT, EXPORT_DMABUF, ALLOC,
 *    RESET and writable mappings at the handle about to be published
 *    (handles are handed out in sequence).  Every handle of that context
 *    is read-only (or, in an O_RDONLY context, hands out nothing
 *    writable): any success is a violation, and the owner's heap must
 *    still match the model.
 *  - efault-race: a helper with a descriptor table of its own calls
 *    EXPORT, EXPORT_DMABUF, IMPORT or CREATE with its argument in a page
 *    this thread flips between read-only and read-write, so the copy-out
 *    of the result fails now and then.  A call that fails must leave
 *    nothing behind: no descriptor, no handle, no hidden user of the heap.
 */
#include "fuzz.h"

#include <dirent.h>

#define PROT_RW		(PROT_READ | PROT_WRITE)

/* ------------------------------------------------------ import race --- */

struct import_race {
	struct thr *t;
	int ctx;
	bool rdctx;		/* ctx is O_RDONLY; imports are writable handles */
	unsigned int last;	/* atomic: the handle IMPORT gave last */
	int stop;		/* atomic */
	ull seed;
	ull attempts;
};

/* The first page of handle @h in the racing context, or MAP_FAILED. */
static void *map_handle(struct import_race *r, unsigned int h, int prot)
{
	return mmap(NULL, ps, prot, MAP_SHARED, r->ctx,
		    (off_t)((ull)h << WSHEAP_SPAN_SHIFT));
}

/* One attack on handle @h; true if it got something writable. */
static bool race_attack(struct import_race *r, struct wsh_rng *rng,
			unsigned int h, const char **what)
{
	int fd, rc;
	void *m;

	switch (wsh_below(rng, r->rdctx ? 4 : 6)) {
	case 0:
		*what = "read-write EXPORT";
		fd = wsh_export(r->ctx, h, wsh_chance(rng, 50) ?
				WSHEAP_EXPORT_NO_CLOEXEC : 0);
		if (fd < 0)
			return false;
		close(fd);
		return true;
	case 1:
		*what = "EXPORT_DMABUF";
		fd = wsh_dmabuf(r->ctx, h, 0, ps, (unsigned int)wsh_below(rng, 2));
		if (fd < 0)
			return false;
		close(fd);
		return true;
	case 2:
		*what = "mmap(PROT_WRITE)";
		m = map_handle(r, h, PROT_RW);
		if (m == MAP_FAILED)
			return false;
		munmap(m, ps);
		return true;
	case 3:
		*what = "mmap(PROT_READ), then mprotect(PROT_WRITE)";
		m = map_handle(r, h, PROT_READ);
		if (m == MAP_FAILED)
			return false;
		rc = mprotect(m, ps, PROT_RW);
		munmap(m, ps);
		return !rc;
	case 4:
		*what = "ALLOC";
		return !wsh_alloc(r->ctx, h, 1, 0, NULL, NULL);
	default:
		*what = "RESET";
		return !wsh_reset(r->ctx, h, NULL);
	}
}

static void *race_attacker(void *arg)
{
	struct import_race *r = arg;
	struct wsh_rng rng = { r->seed };
	const char *what = "";

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int h = __atomic_load_n(&r->last, __ATOMIC_ACQUIRE) +
				 (unsigned int)wsh_below(&rng, 3);

		r->attempts++;
		if (race_attack(r, &rng, h, &what))
			VIOL(r->t, "%s of the handle IMPORT was publishing (%u) worked%s",
			     what, h, r->rdctx ? " in an O_RDONLY context" :
			     ": a read-only import was writable");
	}
	return NULL;
}

void op_import_race(struct thr *t)
{
	struct import_race r = { .t = t };
	struct wsheap_import im = { 0 };
	struct ph *p = pick_heap(t);
	struct hnd *h;
	pthread_t pt;
	int n, x, rc;

	if (!p || p->pending || p->ctx2_only || !(h = pick_hnd(t, p, false)))
		return;
	r.rdctx = !h->ro && wsh_chance(&t->r, 30);
	x = wsh_export(ctxfd(t, h->ctxk), h->h,
		       r.rdctx ? 0 : WSHEAP_EXPORT_RDONLY);
	if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT for an import race"))
		return;
	r.ctx = open(WSHEAP_DEVICE, (r.rdctx ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (r.ctx < 0) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
		close(x);
		return;
	}
	r.seed = wsh_rand(&t->r);
	if (pthread_create(&pt, NULL, race_attacker, &r)) {
		close(r.ctx);
		close(x);
		return;
	}
	for (n = 4 + (int)wsh_below(&t->r, 12); n > 0; n--) {
		rc = wsh_import(r.ctx, x, &im);
		if (rc) {
			EXPECT(t, rc, 0, true, "IMPORT during an import race");
			break;
		}
		if (im.access != (r.rdctx ? 0u : WSHEAP_ACCESS_RDONLY))
			VIOL(t, "IMPORT during an import race: access %u", im.access);
		__atomic_store_n(&r.last, im.handle, __ATOMIC_RELEASE);
		ADD(race_imports, 1);
		/* now and then keep one: the next handle is still the target */
		if (wsh_chance(&t->r, 80))
			wsh_destroy(r.ctx, im.handle);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(pt, NULL);
	ADD(race_attempts, r.attempts);
	close(r.ctx);
	close(x);
	/* nothing the attacker tried reached the heap */
	check_model(t, p, "after an import race");
}

/* ------------------------------------------------------ EFAULT race --- */

enum efault_cmd { EF_EXPORT, EF_EXPORT_DMABUF, EF_IMPORT, EF_CREATE, EF_NR };

static const char *const ef_names[EF_NR] = {
	"EXPORT", "EXPORT_DMABUF", "IMPORT", "CREATE",
};

struct efault_race {
	struct thr *t;
	enum efault_cmd cmd;
	unsigned int flags;
	unsigned char *page;	/* the argument; flipped by the worker */
	int calls;
	int ready;		/* atomic: the argument is written, flip it */
	int done;		/* atomic */
	ull efaults, ok;
};

/* Descriptors in this thread's table, the directory's own included. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/thread-self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The argument of @e->cmd at @e->page; the ioctl command. */
static unsigned long efault_arg(struct efault_race *e, unsigned int h, int efd)
{
	struct wsheap_export_dmabuf *d = (void *)e->page;
	struct wsheap_export *x = (void *)e->page;
	struct wsheap_import *im = (void *)e->page;
	struct wsheap_create *c = (void *)e->page;

	memset(e->page, 0, ps);
	switch (e->cmd) {
	case EF_EXPORT:
		x->handle = h;
		x->flags = e->flags & WSHEAP_EXPORT_FLAGS;
		return WSHEAP_IOC_EXPORT;
	case EF_EXPORT_DMABUF:
		d->handle = h;
		d->flags = e->flags & WSHEAP_DMABUF_FLAGS;
		d->size = ps;
		return WSHEAP_IOC_EXPORT_DMABUF;
	case EF_IMPORT:
		im->fd = efd;
		return WSHEAP_IOC_IMPORT;
	default:
		c->max_size = 4096;
		c->flags = e->flags & WSHEAP_CREATE_FLAGS;
		return WSHEAP_IOC_CREATE;
	}
}

/* What a successful call made, read back from the argument. */
static int efault_result(const struct efault_race *e)
{
	switch (e->cmd) {
	case EF_EXPORT:
		return ((const struct wsheap_export *)e->page)->fd;
	case EF_EXPORT_DMABUF:
		return ((const struct wsheap_export_dmabuf *)e->page)->fd;
	case EF_IMPORT:
		return (int)((const struct wsheap_import *)e->page)->handle;
	default:
		return (int)((const struct wsheap_create *)e->page)->handle;
	}
}

/* After the calls: nothing but what the helper knows of may exist. */
static void efault_leftovers(struct efault_race *e, int ctx, unsigned int own,
			     unsigned int top, int fds_before)
{
	struct thr *t = e->t;
	unsigned int h;
	int fds = count_fds();

	if (fds != fds_before)
		VIOL(t, "%s with EFAULTs: %d descriptors, %d before", ef_names[e->cmd],
		     fds, fds_before);
	for (h = 1; h <= top; h++)
		if (h != own && !wsh_info(ctx, h, NULL))
			VIOL(t, "%s with EFAULTs left handle %u behind",
			     ef_names[e->cmd], h);
}

/* The helper: a table of its own, a heap of its own, the calls. */
static void *efault_caller(void *arg)
{
	struct efault_race *e = arg;
	struct thr *t = e->t;
	struct wsheap_create c = { 0 };
	struct wsheap_info i = { 0 };
	unsigned int top = 0;
	unsigned char *m = MAP_FAILED;
	unsigned long cmd;
	int ctx = -1, efd = -1, fds, n, rc, res;

	if (opt.faults)
		child_no_faults();
	/* 0, 1 and 2 stay: the messages go to stderr */
	if (private_table(t))
		goto out;
	ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	rc = ctx < 0 ? -errno : wsh_create(ctx, 1 << 20, 0, 0, &c);
	if (!rc)
		rc = wsh_alloc(ctx, c.handle, ps, 0, NULL, NULL);
	if (rc) {
		if (!(rc == -ENOMEM || rc == -EDQUOT))
			VIOL(t, "efault race: setup: %s", E(rc));
		goto out;
	}
	top = c.handle;
	m = wsh_map(ctx, c.mmap_offset, 0, ps, PROT_RW);
	if (m == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "efault race: mmap: %s", strerror(errno));
		goto out;
	}
	rc = wsh_probe(m, true);
	if (rc) {
		if (!(opt.faults && rc == SIGBUS))
			VIOL(t, "efault race: the heap's page: signal %d", rc);
		goto out;
	}
	if (e->cmd == EF_IMPORT) {
		efd = wsh_export(ctx, c.handle, e->flags & WSHEAP_EXPORT_RDONLY);
		if (efd < 0) {
			if (efd != -ENOMEM)
				VIOL(t, "efault race: EXPORT: %s", E(efd));
			goto out;
		}
	}
	fds = count_fds();
	cmd = efault_arg(e, c.handle, efd);
	__atomic_store_n(&e->ready, 1, __ATOMIC_RELEASE);
	/* the kernel only reads the argument: it needs no rewriting */
	for (n = 0; n < e->calls; n++) {
		rc = wsh_ioctl(ctx, cmd, e->page);
		if (!rc) {
			e->ok++;
			res = efault_result(e);
			if (e->cmd == EF_EXPORT || e->cmd == EF_EXPORT_DMABUF) {
				close(res);
			} else {
				if ((unsigned int)res > top)
					top = (unsigned int)res;
				wsh_destroy(ctx, (unsigned int)res);
			}
			continue;
		}
		if (rc == -EFAULT) {
			e->efaults++;
			top++;	/* a handle it may have taken */
		} else if (!(rc == -ENOMEM || (e->cmd == EF_EXPORT_DMABUF &&
						rc == -EDQUOT))) {
			VIOL(t, "%s with its argument being flipped: %s",
			     ef_names[e->cmd], E(rc));
		}
	}
	__atomic_store_n(&e->done, 1, __ATOMIC_RELEASE);
	efault_leftovers(e, ctx, c.handle, top + 2, fds);
	if (efd >= 0)
		close(efd);
	efd = -1;
	/* a dma-buf left behind would hold the page through a reset */
	if (!wsh_reset(ctx, c.handle, NULL) && !wsh_info(ctx, c.handle, &i) &&
	    i.held)
		VIOL(t, "%s with EFAULTs: %llu bytes held by dma-bufs nobody has",
		     ef_names[e->cmd], (ull)i.held);
	/* and a hidden user, any descriptor or handle, would keep the heap */
	EXPECT(t, wsh_destroy(ctx, c.handle), 0, false, "DESTROY after an EFAULT race");
	if (wsh_probe(m, false) != SIGBUS)
		VIOL(t, "%s with EFAULTs: the heap outlived its last DESTROY",
		     ef_names[e->cmd]);
out:
	__atomic_store_n(&e->done, 1, __ATOMIC_RELEASE);
	if (m != MAP_FAILED)
		munmap(m, ps);
	if (efd >= 0)
		close(efd);
	if (ctx >= 0)
		close(ctx);
	return NULL;
}

void op_efault_race(struct thr *t)
{
	struct efault_race e = { .t = t };
	pthread_t pt;
	ull flips = 0;

	/* the flips take mmap_lock for writing: every thread waits on them */
	if (!wsh_chance(&t->r, 40))
		return;
	e.cmd = (enum efault_cmd)wsh_below(&t->r, EF_NR);
	e.flags = (unsigned int)wsh_below(&t->r, 4);
	e.calls = 8 + (int)wsh_below(&t->r, 24);
	e.page = mmap(NULL, ps, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		      -1, 0);
	if (e.page == MAP_FAILED)
		return;
	if (pthread_create(&pt, NULL, efault_caller, &e)) {
		munmap(e.page, ps);
		return;
	}
	while (!__atomic_load_n(&e.done, __ATOMIC_ACQUIRE)) {
		if (!__atomic_load_n(&e.ready, __ATOMIC_ACQUIRE)) {
			sched_yield();
			continue;
		}
		mprotect(e.page, ps, PROT_READ);
		mprotect(e.page, ps, PROT_RW);
		flips++;
	}
	pthread_join(pt, NULL);
	munmap(e.page, ps);
	ADD(efault_flips, flips);
	ADD(efault_calls, e.ok + e.efaults);
	ADD(efaults, e.efaults);
}
