// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzer operations on access rights (issue 10): a read-only view of a
 * heap - a read-only handle, a read-only export, a read-only dma-buf, the
 * status page, anything a context opened O_RDONLY maps, a read-only
 * shared heap - never becomes writable, whichever mm path its holder
 * takes; no mapping is ever executable; a context opened O_RDONLY hands
 * out nothing writable.  A success is a violation, and so is a write that
 * lands.  Every write attempt writes the byte that is already there: an
 * upgrade that works shows, but corrupts nobody's data.
 */
#include "fuzz.h"

#include <linux/close_range.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define PROT_RW		(PROT_READ | PROT_WRITE)

/* The kinds of read-only view an upgrade starts from. */
enum view_kind {
	VIEW_RO_HANDLE,		/* IMPORT of a read-only export, mapped */
	VIEW_RO_EXPORT,		/* a read-only export, mapped directly */
	VIEW_RO_DMABUF,		/* a dma-buf exported RDONLY */
	VIEW_STATUS,		/* the status page, through a writable handle */
	VIEW_RDCTX,		/* a writable handle imported into O_RDONLY */
	VIEW_POOL,		/* a read-only shared heap */
	VIEW_NR
};

static const char *const view_names[VIEW_NR] = {
	"read-only handle", "read-only export", "read-only dma-buf",
	"status page", "O_RDONLY context", "read-only shared heap",
};

/* A read-only mapping made for one attack, and what it must show. */
struct view {
	enum view_kind kind;
	struct ph *p;		/* the private heap it shows, or NULL */
	unsigned char *addr;
	size_t len;
	ull off;		/* heap offset of addr (dma-buf: its offset) */
	int fd;			/* the descriptor it was mapped from */
	off_t fd_off;		/* ... at this offset */
	bool fd_is_wsheap;	/* fd is /dev/wsheap or an export (not a dma-buf) */
	/* cleanup */
	int tmp_fd;		/* an export or dma-buf made for the view */
	int imp_ctx;		/* the context of a temporary import, or -1 */
	unsigned int imp_h;
	struct pool *pool;	/* read-locked */
	bool moved;		/* remapped onto other pages of its file */
	/*
	 * A remap_file_pages() that failed for memory after unmapping: the
	 * range may be empty, or another thread's by now: leave it alone.
	 */
	bool gone;
};

/* ---------------------------------------------------------- helpers --- */

/* The page offset the VMA at @addr maps, in its file; false if unknown. */
static bool vma_pgoff(const void *addr, unsigned long *pgoff,
		      unsigned long *start, unsigned long *end)
{
	unsigned long a = (unsigned long)addr, lo, hi, off;
	char line[256], buf[8192];
	FILE *f = fopen("/proc/self/maps", "re");
	bool found = false;

	if (!f)
		return false;
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &off) == 3 &&
		    lo <= a && a < hi) {
			*pgoff = (off + (a - lo)) / ps;
			*start = lo;
			*end = hi;
			found = true;
			break;
		}
	fclose(f);
	return found;
}

/*
 * A write of the byte already at @p: 0 if it landed (a violation for a
 * read-only view), else the signal.  SIGSEGV is the only right answer:
 * the mapping's rights are checked before the page is looked up.
 */
static int write_same(volatile unsigned char *p)
{
	unsigned char b = 0;
	int rc = wsh_guarded(WSH_READ, p, &b, 1, NULL);

	if (rc && rc != SIGBUS)
		return rc;
	return wsh_guarded(WSH_WRITE, p, &b, 1, NULL);
}

static void expect_no_write(struct thr *t, struct view *v, unsigned char *a,
			    const char *path)
{
	int rc = write_same(a);

	if (rc != SIGSEGV)
		VIOL(t, "%s after %s: a write gave %d, want SIGSEGV [%s]",
		     view_names[v->kind], path, rc, maps_line(a));
}

/* Records of @p within [lo, hi) through @base (heap byte 0 at base). */
static void verify_range(struct thr *t, struct ph *p, unsigned char *base,
			 ull lo, ull hi, const char *what)
{
	int i;

	for (i = 0; i < p->nrec; i++)
		if (p->recs[i].off >= lo && p->recs[i].off + p->recs[i].len <= hi)
			check_rec(t, p, &p->recs[i], base, false, what);
}

/* What @v must still show after an attack. */
static void check_view(struct thr *t, struct view *v, const char *path)
{
	char what[96];
	size_t bad;
	int rc;

	snprintf(what, sizeof(what), "%s after %s", view_names[v->kind], path);
	if (v->p && v->p->win)
		verify_heap(t, v->p, v->p->win, what);
	if (v->moved || v->gone)
		return;
	if (v->kind == VIEW_STATUS) {
		struct wsheap_status st;

		rc = wsh_guarded(WSH_READ, v->addr, (unsigned char *)&st, sizeof(st),
				 NULL);
		if (rc || st.generation != v->p->gen)
			VIOL(t, "%s: the status page says generation %llu (signal %d), want %llu",
			     what, (ull)st.generation, rc, v->p->gen);
		return;
	}
	if (!v->p)
		return;
	if (v->kind == VIEW_RO_DMABUF) {
		/* the dma-buf's pages are still the heap's: the same bytes */
		if (!v->p->win || v->off + v->len > WIN)
			return;
		rc = wsh_guarded(WSH_READ, v->p->win + v->off, t->buf2, v->len, NULL);
		if (!rc)
			rc = wsh_guarded(WSH_CMP, v->addr, t->buf2, v->len, &bad);
		if (rc && !(opt.faults && rc == SIGBUS))
			VIOL(t, "%s: the dma-buf differs from the heap (%d at %zu)",
			     what, rc, bad);
	} else {
		verify_range(t, v->p, v->addr - v->off, v->off, v->off + v->len, what);
	}
}

/* ------------------------------------------------------------ views --- */

/* A temporary read-only export of @p, or -1. */
static int ro_export(struct thr *t, struct ph *p)
{
	struct hnd *h = pick_hnd(t, p, false);
	int fd;

	if (!h)
		return -1;
	fd = wsh_export(ctxfd(t, h->ctxk), h->h, WSHEAP_EXPORT_RDONLY);
	if (!EXPECT(t, fd < 0 ? fd : 0, 0, true, "read-only EXPORT"))
		return -1;
	return fd;
}

static int open_rdctx(struct thr *t)
{
	if (t->rdctx < 0) {
		t->rdctx = open(WSHEAP_DEVICE, O_RDONLY | O_CLOEXEC);
		if (t->rdctx < 0 && !(opt.faults && errno == ENOMEM))
			VIOL(t, "open %s O_RDONLY: %s", WSHEAP_DEVICE, strerror(errno));
	}
	return t->rdctx;
}

/* Map the view's descriptor read-only; false (nothing to undo) on failure. */
static bool view_map(struct thr *t, struct view *v)
{
	v->addr = mmap(NULL, v->len, PROT_READ, MAP_SHARED, v->fd, v->fd_off);
	if (v->addr != MAP_FAILED)
		return true;
	if (!(opt.faults && errno == ENOMEM))
		VIOL(t, "read-only mmap of a %s: %s", view_names[v->kind],
		     strerror(errno));
	v->addr = NULL;
	return false;
}

static void view_close(struct view *v);

/* view_map(), undoing the view on failure. */
static bool view_map_or_close(struct thr *t, struct view *v)
{
	if (view_map(t, v))
		return true;
	view_close(v);
	return false;
}

static void view_close(struct view *v)
{
	if (v->addr && !v->gone)
		munmap(v->addr, v->len);
	if (v->imp_ctx >= 0)
		wsh_destroy(v->imp_ctx, v->imp_h);
	if (v->tmp_fd >= 0)
		close(v->tmp_fd);
	if (v->pool)
		pthread_rwlock_unlock(&v->pool->lk);
}

/* The heap range a view of @p shows: committed pages, a few at most. */
static void view_range(struct thr *t, struct ph *p, struct view *v)
{
	ull pages = p->committed / ps;

	v->off = pages ? ps * wsh_below(&t->r, pages) : 0;
	v->len = ps * (1 + wsh_below(&t->r, 4));
	if (v->off + v->len > WIN)
		v->len = ps;
}

static bool view_open(struct thr *t, struct view *v)
{
	struct wsheap_import im = { 0 };
	struct ph *p = pick_heap(t);
	struct hnd *h;
	int rc;

	memset(v, 0, sizeof(*v));
	v->kind = (enum view_kind)wsh_below(&t->r, VIEW_NR);
	v->tmp_fd = v->imp_ctx = -1;
	v->fd_is_wsheap = true;
	if (v->kind == VIEW_POOL) {
		struct pool *s = pool_get(t);

		if (!s)
			return false;
		if (!s->ro) {
			pool_put(s);
			return false;
		}
		v->pool = s;
		v->fd = t->P->ctx;
		v->len = ps * (1 + wsh_below(&t->r, 4));
		v->fd_off = (off_t)((ull)s->h << WSHEAP_SPAN_SHIFT);
		return view_map_or_close(t, v);
	}
	if (!p || p->pending || p->ctx2_only)
		return false;
	v->p = p;
	view_range(t, p, v);
	switch (v->kind) {
	case VIEW_RO_HANDLE:
		v->tmp_fd = ro_export(t, p);
		if (v->tmp_fd < 0)
			return false;
		v->imp_ctx = wsh_chance(&t->r, 50) && open_ctx2(t) >= 0 ? t->ctx2 :
			     t->P->ctx;
		rc = wsh_import(v->imp_ctx, v->tmp_fd, &im);
		if (!EXPECT(t, rc, 0, true, "IMPORT of a read-only export")) {
			v->imp_ctx = -1;
			break;
		}
		v->imp_h = im.handle;
		if (im.access != WSHEAP_ACCESS_RDONLY)
			VIOL(t, "IMPORT of a read-only export: access %u", im.access);
		v->fd = v->imp_ctx;
		v->fd_off = (off_t)(im.mmap_offset + v->off);
		return view_map_or_close(t, v);
	case VIEW_RO_EXPORT:
		v->tmp_fd = ro_export(t, p);
		if (v->tmp_fd < 0)
			return false;
		v->fd = v->tmp_fd;
		v->fd_off = (off_t)v->off;
		return view_map_or_close(t, v);
	case VIEW_RO_DMABUF:
		h = pick_hnd(t, p, true);
		if (!h || !p->committed)
			return false;
		v->len = p->committed - v->off < v->len ? p->committed - v->off : v->len;
		v->tmp_fd = wsh_dmabuf(ctxfd(t, h->ctxk), h->h, v->off, v->len,
				       WSHEAP_DMABUF_RDONLY);
		if (!EXPECT(t, v->tmp_fd < 0 ? v->tmp_fd : 0, 0, true,
			    "read-only EXPORT_DMABUF")) {
			v->tmp_fd = -1;
			return false;
		}
		v->fd = v->tmp_fd;
		v->fd_off = 0;
		v->fd_is_wsheap = false;
		/* a child forked meanwhile may keep it */
		model_maybe_held(p, v->off, v->len);
		return view_map_or_close(t, v);
	case VIEW_STATUS:
		h = pick_hnd(t, p, true);
		if (!h || !p->st)
			return false;
		v->off = WSHEAP_STATUS_OFFSET;
		v->len = ps;
		v->fd = ctxfd(t, h->ctxk);
		v->fd_off = (off_t)(((ull)h->h << WSHEAP_SPAN_SHIFT) + v->off);
		return view_map(t, v);
	case VIEW_RDCTX: {
		struct hnd *hw = pick_hnd(t, p, true);
		int x;

		if (!hw || open_rdctx(t) < 0)
			return false;
		x = wsh_export(ctxfd(t, hw->ctxk), hw->h, 0);
		if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT"))
			return false;
		rc = wsh_import(t->rdctx, x, &im);
		close(x);
		if (!EXPECT(t, rc, 0, true, "IMPORT into an O_RDONLY context"))
			return false;
		v->imp_ctx = t->rdctx;
		v->imp_h = im.handle;
		v->fd = t->rdctx;
		v->fd_off = (off_t)(im.mmap_offset + v->off);
		return view_map_or_close(t, v);
	}
	default:
		return false;
	}
	view_close(v);
	return false;
}

/* ----------------------------------------------------------- paths --- */

enum path {
	PATH_MPROTECT, PATH_REMAP, PATH_REMAP_OTHER, PATH_MREMAP, PATH_FORK,
	PATH_POPULATE, PATH_PROCMEM, PATH_VM_WRITEV, PATH_REOPEN_FD,
	PATH_MAP_FILES, PATH_PRIVATE, PATH_NR
};

static const char *const path_names[PATH_NR] = {
	"mprotect", "remap_file_pages", "remap_file_pages elsewhere",
	"mremap", "fork", "MADV_POPULATE_WRITE", "/proc/self/mem",
	"process_vm_writev", "reopening /proc/self/fd", "/proc/self/map_files",
	"MAP_PRIVATE",
};

/* mprotect(PROT_WRITE) of @v must fail; its pages must stay unwritable. */
static void try_mprotect(struct thr *t, struct view *v, const char *path)
{
	int prot = wsh_chance(&t->r, 80) ? PROT_RW : PROT_WRITE;

	if (!mprotect(v->addr, v->len, prot))
		VIOL(t, "%s: mprotect(%d) after %s worked", view_names[v->kind],
		     prot, path);
	else if (errno != EACCES && !(opt.faults && errno == ENOMEM))
		VIOL(t, "%s: mprotect(PROT_WRITE) after %s: %s, want EACCES",
		     view_names[v->kind], path, strerror(errno));
	expect_no_write(t, v, v->addr + ps * wsh_below(&t->r, v->len / ps), path);
}

/*
 * remap_file_pages() runs ->mmap of the VMA's file again: for the same
 * pages, or (@other) for others of the same file (of a status view: the
 * rest of the status area, read-only for everyone).  Read-only mappings of
 * read-only files have no VM_SHARED and get EINVAL; either way nothing
 * after it may make the view writable.
 */
static void try_remap(struct thr *t, struct view *v, bool other)
{
	unsigned long pgoff, lo, hi, to;

	if (!vma_pgoff(v->addr, &pgoff, &lo, &hi))
		return;
	to = pgoff;
	if (other && v->kind == VIEW_STATUS)
		to = WSHEAP_STATUS_OFFSET / ps + 1 + wsh_below(&t->r, 15);
	else if (other && v->kind != VIEW_RO_DMABUF && wsh_chance(&t->r, 50))
		to = WSHEAP_STATUS_OFFSET / ps;
	else if (other)
		to = 0;
	if (!remap_file_pages(v->addr, v->len, 0, to, 0)) {
		if (to != pgoff)
			v->moved = true;	/* it shows other pages now */
	} else if (errno != EINVAL) {
		/* out of memory after the unmap: the view may be gone */
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "%s: remap_file_pages: %s", view_names[v->kind],
			     strerror(errno));
		v->gone = true;
		return;
	}
	try_mprotect(t, v, path_names[other ? PATH_REMAP_OTHER : PATH_REMAP]);
}

static void try_mremap(struct thr *t, struct view *v)
{
	void *hole = mmap(NULL, v->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0), *q;

	if (hole == MAP_FAILED)
		return;
	q = mremap(v->addr, v->len, v->len, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	if (q == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "%s: mremap move: %s", view_names[v->kind],
			     strerror(errno));
		/*
		 * The hole may be gone (mremap unmaps the target first) and
		 * another thread's mapping there now: leave it (as op_mremap).
		 */
		return;
	}
	v->addr = q;
	try_mprotect(t, v, path_names[PATH_MREMAP]);
}

/* In a child: mprotect, then write; the exit status says what worked. */
static void try_fork(struct thr *t, struct view *v)
{
	int status;
	pid_t pid;

	pid = fuzz_fork_locked(t);
	if (pid < 0)
		return;
	if (pid == 0) {
		int code = 0;

		if (!mprotect(v->addr, v->len, PROT_RW))
			code |= 1;
		if (write_same(v->addr) == 0)
			code |= 2;
		_exit(code);
	}
	ADD(forks, 1);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_rwlock_unlock(&t->P->forklock);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		VIOL(t, "%s: in a forked child, %s (status %#x)", view_names[v->kind],
		     WIFEXITED(status) && (WEXITSTATUS(status) & 2) ?
		     "a write landed" : WIFEXITED(status) &&
		     WEXITSTATUS(status) == 1 ? "mprotect(PROT_WRITE) worked" :
		     "the child died", status);
	expect_no_write(t, v, v->addr, path_names[PATH_FORK]);
}

/* pwrite() of the byte at @a through /proc/self/mem (FOLL_FORCE). */
static void try_procmem(struct thr *t, struct view *v, unsigned char *a)
{
	unsigned char b = 0;
	ssize_t n;

	if (t->memfd < 0)
		t->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (t->memfd < 0 || wsh_guarded(WSH_READ, a, &b, 1, NULL))
		return;
	n = pwrite(t->memfd, &b, 1, (off_t)(uintptr_t)a);
	if (n > 0)
		VIOL(t, "%s: /proc/self/mem wrote into it", view_names[v->kind]);
}

static void try_vm_writev(struct thr *t, struct view *v, unsigned char *a)
{
	unsigned char b = 0;
	struct iovec local = { &b, 1 }, remote = { a, 1 };

	if (wsh_guarded(WSH_READ, a, &b, 1, NULL))
		return;
	if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) > 0)
		VIOL(t, "%s: process_vm_writev wrote into it", view_names[v->kind]);
}

/*
 * A descriptor opened again by path, O_RDWR, must not map writable: heap
 * files and dma-bufs cannot be opened (ENXIO); /dev/wsheap can, and gives a
 * new context without handles, which must not reach the heap at all.
 */
static void try_reopened(struct thr *t, struct view *v, const char *path,
			 const char *what)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *m;

	if (fd < 0)
		return;
	m = mmap(NULL, ps, PROT_RW, MAP_SHARED, fd, v->fd_off);
	if (m != MAP_FAILED) {
		VIOL(t, "%s: %s O_RDWR maps it writable", view_names[v->kind], what);
		munmap(m, ps);
	}
	if (v->fd == t->rdctx || v->fd == t->P->ctx || v->fd == t->ctx2) {
		/* a new context: no handle, not even for reading */
		m = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, v->fd_off);
		if (m != MAP_FAILED) {
			VIOL(t, "%s: a context %s opened maps another context's handle",
			     view_names[v->kind], what);
			munmap(m, ps);
		}
	}
	close(fd);
}

static void try_reopen(struct thr *t, struct view *v, bool map_files)
{
	unsigned long pgoff, lo, hi;
	char path[96];

	if (!map_files) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", v->fd);
		try_reopened(t, v, path, "reopening /proc/self/fd");
	} else if (vma_pgoff(v->addr, &pgoff, &lo, &hi)) {
		snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", lo, hi);
		try_reopened(t, v, path, "opening /proc/self/map_files");
	}
	try_mprotect(t, v, path_names[map_files ? PATH_MAP_FILES : PATH_REOPEN_FD]);
}

/*
 * MAP_PRIVATE: refused by wsheap's own files (EINVAL).  A dma-buf's is the
 * dma-buf core's business: if it maps, a write there must stay private.
 */
static void try_private(struct thr *t, struct view *v)
{
	unsigned char *m = mmap(NULL, ps, PROT_RW, MAP_PRIVATE, v->fd, v->fd_off);
	unsigned char b, nb;

	if (m == MAP_FAILED) {
		if (v->fd_is_wsheap && errno != EINVAL && errno != EACCES &&
		    !(opt.faults && errno == ENOMEM))
			VIOL(t, "%s: MAP_PRIVATE: %s, want EINVAL", view_names[v->kind],
			     strerror(errno));
		return;
	}
	if (v->fd_is_wsheap) {
		VIOL(t, "%s: a MAP_PRIVATE mapping worked", view_names[v->kind]);
		munmap(m, ps);
		return;
	}
	if (wsh_guarded(WSH_READ, v->addr, &b, 1, NULL)) {
		munmap(m, ps);
		return;
	}
	nb = (unsigned char)~b;
	if (!wsh_guarded(WSH_WRITE, m, &nb, 1, NULL) && v->addr[0] != b)
		VIOL(t, "%s: a write to its MAP_PRIVATE copy reached the dma-buf",
		     view_names[v->kind]);
	munmap(m, ps);
}

static void run_path(struct thr *t, struct view *v, enum path path)
{
	unsigned char *a = v->addr + ps * wsh_below(&t->r, v->len / ps);
	int rc;

	switch (path) {
	case PATH_MPROTECT:
		try_mprotect(t, v, "nothing");
		break;
	case PATH_REMAP:
	case PATH_REMAP_OTHER:
		try_remap(t, v, path == PATH_REMAP_OTHER);
		break;
	case PATH_MREMAP:
		try_mremap(t, v);
		break;
	case PATH_FORK:
		try_fork(t, v);
		break;
	case PATH_POPULATE:
		rc = madvise(v->addr, v->len, MADV_POPULATE_WRITE);
		if (!rc)
			VIOL(t, "%s: MADV_POPULATE_WRITE worked", view_names[v->kind]);
		expect_no_write(t, v, a, path_names[path]);
		break;
	case PATH_PROCMEM:
		try_procmem(t, v, a);
		break;
	case PATH_VM_WRITEV:
		try_vm_writev(t, v, a);
		break;
	case PATH_REOPEN_FD:
	case PATH_MAP_FILES:
		try_reopen(t, v, path == PATH_MAP_FILES);
		break;
	default:
		try_private(t, v);
		break;
	}
}

/* One read-only view, one or two upgrade paths, then what it shows. */
void op_ro_upgrade(struct thr *t)
{
	struct view v;
	int n = 1 + (int)wsh_below(&t->r, 2), path = PATH_NR;

	if (!view_open(t, &v))
		return;
	while (n-- && !v.gone) {
		path = (int)wsh_below(&t->r, PATH_NR);
		/* a fork costs as much as all the others: half as often */
		if (path == PATH_FORK && wsh_chance(&t->r, 50))
			path = PATH_MPROTECT;
		snprintf(t->detail, sizeof(t->detail), "%s through %s",
			 view_names[v.kind], path_names[path]);
		run_path(t, &v, (enum path)path);
		ADD(upgrades, 1);
	}
	check_view(t, &v, path_names[path]);
	view_close(&v);
}

/* ----------------------------------------------------------- PROT_EXEC --- */

static void expect_no_exec_mprotect(struct thr *t, void *a, size_t len,
				    int prot, const char *what)
{
	static const int xprots[] = {
		PROT_EXEC, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	int x = xprots[wsh_below(&t->r, 3)];

	if (!mprotect(a, len, x)) {
		VIOL(t, "%s: mprotect(%d) worked", what, x);
		mprotect(a, len, prot);		/* as it was */
	} else if (errno != EACCES && !(opt.faults && errno == ENOMEM)) {
		VIOL(t, "%s: mprotect(%d): %s, want EACCES", what, x, strerror(errno));
	}
	ADD(noexec, 1);
}

static void expect_no_exec_mmap(struct thr *t, int fd, off_t off, int prot,
				const char *what)
{
	void *m = mmap(NULL, ps, prot | PROT_EXEC, MAP_SHARED, fd, off);

	if (m != MAP_FAILED) {
		VIOL(t, "%s: mmap(PROT_EXEC) worked", what);
		munmap(m, ps);
	} else if (errno != EPERM && !(opt.faults && errno == ENOMEM)) {
		VIOL(t, "%s: mmap(PROT_EXEC): %s, want EPERM", what, strerror(errno));
	}
	ADD(noexec, 1);
}

/* Every kind of mapping and descriptor refuses to execute. */
void op_noexec(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct hnd *h;
	struct pool *s;
	int i, x;

	switch (wsh_below(&t->r, 6)) {
	case 0:	/* the main window, the status page */
		if (!p || !p->win)
			return;
		expect_no_exec_mprotect(t, p->win, WIN, PROT_RW, "main window");
		if (p->st)
			expect_no_exec_mprotect(t, (void *)p->st, ps, PROT_READ,
						"status page");
		verify_heap(t, p, p->win, "after mprotect(PROT_EXEC)");
		return;
	case 1:	/* extra windows, as they are now */
		for (i = 0; i < NCHAOS; i++)
			if (t->ch[i].used)
				expect_no_exec_mprotect(t, t->ch[i].addr, t->ch[i].len,
							t->ch[i].prot, "extra window");
		return;
	case 2:	/* dma-bufs: their mappings and their descriptors */
		for (i = 0; i < NDMA; i++)
			if (t->dmas[i].used) {
				expect_no_exec_mprotect(t, t->dmas[i].map, t->dmas[i].len,
							t->dmas[i].rw ? PROT_RW : PROT_READ,
							"dma-buf mapping");
				expect_no_exec_mmap(t, t->dmas[i].fd, 0, PROT_READ, "dma-buf");
			}
		return;
	case 3:	/* export descriptors */
		if (!p)
			return;
		for (i = 0; i < NXFD; i++)
			if (p->xfd[i] >= 0)
				expect_no_exec_mmap(t, p->xfd[i], 0,
						    p->xro[i] ? PROT_READ : PROT_RW,
						    "export descriptor");
		return;
	case 4:	/* every handle, read-only ones and the O_RDONLY context's */
		if (!p || !(h = pick_hnd(t, p, false)))
			return;
		expect_no_exec_mmap(t, ctxfd(t, h->ctxk),
				    (off_t)((ull)h->h << WSHEAP_SPAN_SHIFT),
				    h->ro ? PROT_READ : PROT_RW, "handle");
		if (p->ctx2_only || open_rdctx(t) < 0)
			return;
		x = wsh_export(ctxfd(t, h->ctxk), h->h, WSHEAP_EXPORT_RDONLY);
		if (x >= 0) {
			struct wsheap_import im = { 0 };

			if (!wsh_import(t->rdctx, x, &im)) {
				expect_no_exec_mmap(t, t->rdctx, (off_t)im.mmap_offset,
						    PROT_READ, "O_RDONLY context");
				wsh_destroy(t->rdctx, im.handle);
			}
			close(x);
		}
		return;
	default:	/* shared heaps */
		s = pool_get(t);
		if (!s)
			return;
		if (s->map)
			expect_no_exec_mprotect(t, s->map, POOL_WIN,
						s->ro ? PROT_READ : PROT_RW,
						"shared heap window");
		pool_put(s);
		return;
	}
}

/* ------------------------------------------------- O_RDONLY context --- */

/* A context opened O_RDONLY gives out nothing writable about @h. */
static void rdctx_refusals(struct thr *t, unsigned int h, const char *what)
{
	int rc;

	rc = wsh_export(t->rdctx, h, 0);
	if (rc >= 0)
		close(rc);
	EXPECT(t, rc, -EPERM, false, what);
	rc = wsh_export(t->rdctx, h, WSHEAP_EXPORT_NO_CLOEXEC);
	if (rc >= 0)
		close(rc);
	EXPECT(t, rc, -EPERM, false, what);
	rc = wsh_dmabuf(t->rdctx, h, 0, ps, (unsigned int)wsh_below(&t->r, 4));
	if (rc >= 0)
		close(rc);
	EXPECT(t, rc, -EPERM, false, what);
	rc = wsh_try_map(t->rdctx, h, PROT_RW);
	EXPECT(t, rc, -EACCES, true, what);
	/* a read-only export of it stays read-only */
	rc = wsh_export(t->rdctx, h, WSHEAP_EXPORT_RDONLY);
	if (EXPECT(t, rc < 0 ? rc : 0, 0, true, what)) {
		void *m = mmap(NULL, ps, PROT_RW, MAP_SHARED, rc, 0);

		if (m != MAP_FAILED) {
			VIOL(t, "%s: its read-only export maps writable", what);
			munmap(m, ps);
		}
		close(rc);
	}
}

/*
 * A writable handle imported into the O_RDONLY context, or a heap of its
 * own: the context's CREATE, ALLOC, RESET, INFO and DESTROY work, as the
 * model predicts; nothing it hands out is writable.
 */
void op_rdctx(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct wsheap_import im = { 0 };
	struct wsheap_create c = { 0 };
	struct wsheap_info i = { 0 };
	struct pred pr;
	struct hnd *h;
	ull off = 0, gen = 0, size;
	int x, rc;

	if (open_rdctx(t) < 0)
		return;
	if (wsh_chance(&t->r, 50) && p && !p->pending && !p->ctx2_only &&
	    (h = pick_hnd(t, p, true))) {
		x = wsh_export(ctxfd(t, h->ctxk), h->h, 0);
		if (!EXPECT(t, x < 0 ? x : 0, 0, true, "EXPORT"))
			return;
		rc = wsh_import(t->rdctx, x, &im);
		close(x);
		if (!EXPECT(t, rc, 0, true, "IMPORT into an O_RDONLY context"))
			return;
		rdctx_refusals(t, im.handle, "imported into an O_RDONLY context");
		/* ALLOC through it works and counts */
		size = 1 + wsh_below(&t->r, 64);
		pr = predict_alloc(p, size, 0);
		rc = wsh_alloc(t->rdctx, im.handle, size, 0, &off, &gen);
		if (pr.rc) {
			EXPECT(t, rc, pr.rc, false, "ALLOC in an O_RDONLY context");
		} else if (rc) {
			if (!(pr.commits && (rc == -EDQUOT || rc == -ENOMEM)))
				VIOL(t, "ALLOC in an O_RDONLY context: %s", E(rc));
		} else {
			if (off != pr.start || gen != p->gen)
				VIOL(t, "ALLOC in an O_RDONLY context at %llu gen %llu, want %llu gen %llu",
				     off, gen, pr.start, p->gen);
			model_alloc(p, &pr, size);
		}
		EXPECT(t, wsh_destroy(t->rdctx, im.handle), 0, false,
		       "DESTROY of an import in an O_RDONLY context");
		check_model(t, p, "after an O_RDONLY context's import");
		return;
	}
	/* a heap of its own */
	rc = wsh_create(t->rdctx, 1 + wsh_below(&t->r, 1 << 20),
			wsh_below(&t->r, 64 << 10), (unsigned int)wsh_below(&t->r, 4), &c);
	if (!EXPECT(t, rc, 0, true, "CREATE in an O_RDONLY context"))
		return;
	rc = wsh_alloc(t->rdctx, c.handle, 1 + wsh_below(&t->r, 3 * ps), 0, &off, NULL);
	if (rc && !(rc == -EDQUOT || rc == -ENOMEM || rc == -ENOSPC))
		VIOL(t, "ALLOC in an O_RDONLY context's heap: %s", E(rc));
	rdctx_refusals(t, c.handle, "a heap of an O_RDONLY context");
	rc = wsh_reset(t->rdctx, c.handle, &gen);
	if (EXPECT(t, rc, 0, false, "RESET in an O_RDONLY context") && gen != 1)
		VIOL(t, "RESET in an O_RDONLY context: generation %llu, want 1", gen);
	if (!wsh_info(t->rdctx, c.handle, &i))
		check_info_consistent(t, &i, "INFO in an O_RDONLY context");
	EXPECT(t, wsh_destroy(t->rdctx, c.handle), 0, false,
	       "DESTROY in an O_RDONLY context");
	EXPECT(t, wsh_info(t->rdctx, c.handle, NULL), -ENOENT, false,
	       "INFO of a destroyed heap of an O_RDONLY context");
}
