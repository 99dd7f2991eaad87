// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap ABI fuzzer: seeded random sequences of every ioctl (valid,
 * boundary and malformed arguments), mmap/munmap/mremap/mprotect/madvise,
 * /proc/self/mem, fork, close, dup, export/import, dma-bufs, the sample
 * driver and SCM_RIGHTS, in several processes with several threads each,
 * checking invariants as it goes:
 *
 *  - INFO of a heap only this thread changes matches a model exactly
 *    (requested, cursor, committed, generation, sizes, flags), and every
 *    INFO of any heap is consistent: requested <= max_size, cursor >=
 *    requested, committed page aligned, >= cursor rounded up and <= the
 *    larger of it and the trim size, resident <= committed (== with
 *    POPULATE), generation monotonic.  ALLOC's errno is predicted exactly.
 *  - data written to an allocation reads back (through every window,
 *    imports, export descriptors, dma-bufs, /proc/self/mem, forked
 *    children) until a reset; after a reset bytes within the trim keep
 *    their data (zero with ZERO_ON_RESET), pages beyond it raise SIGBUS
 *    until committed again and then read zero;
 *  - no given-back page can be reached: after a reset beyond the trim,
 *    after the last user's DESTROY (the status page then says DEAD);
 *  - dma-bufs keep pages the heap gave back, with their data;
 *  - read-only handles and descriptors: EPERM/EACCES, never a write;
 *  - a failed call changes nothing (model comparison after each error);
 *  - shared heaps (other threads and processes allocate and reset): a
 *    block whose generation is still current (INFO) holds its data, and a
 *    reset never destroys a block while the status page still shows its
 *    generation (a seqlock-style reader can trust what it read);
 *  - a kernel user (the sample driver) allocates as predicted, and while
 *    it pins records (HOLD) a RESET fails with EBUSY and changes nothing.
 *
 * Faults raised by accesses are caught with a SIGBUS/SIGSEGV handler and
 * sigsetjmp, per thread.  With --faults the worker threads set their
 * make-it-fail (testing/guest/reliability.sh arms failslab and
 * fail_page_alloc): then -ENOMEM is accepted wherever the kernel
 * allocates, SIGBUS on first touch of a lazy page, and nothing else.
 *
 *   wsheap_fuzz_test [--seed N] [--ops N] [--seconds N] [--procs N]
 *                    [--threads N] [--faults] [--verbose]
 *   wsheap_fuzz_test [--seconds N] --repro status-lag|dmabuf-range|reset-efault
 *
 * After the fuzzing, three regression cases for kernel bugs the fuzzer
 * found (--repro runs one of them alone):
 *   status-lag    a RESET of a ZERO_ON_RESET heap zeroed the pages it keeps
 *                 before the status page showed the new generation, so a
 *                 reader validating a block by the status generation (read
 *                 before and after) accepted zeroed data;
 *   dmabuf-range  EXPORT_DMABUF sized a page array by the requested range
 *                 before checking it against the committed pages: ENOMEM
 *                 (not EINVAL) and a vmalloc warning with a stack trace;
 *   reset-efault  RESET with its struct in a page it gives back returned
 *                 EFAULT after resetting; now it fails and changes nothing.
 *
 * Defaults come from WSHEAP_BUDGET (short, make check: 2 processes x 2
 * threads, 200000 operations or 25 s; long, make fuzz: 3 x 3, 10^6
 * operations, an hour at most).  Prints the seed and per-operation counts,
 * and TAP: one case per process (no violated invariant), one for
 * everything being released once every process exited (no context, heap or
 * commitment left in /sys/kernel/debug/wsheap/stats).
 */
#include "wsh_stress.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>

#include "wsheap_sample.h"

#define MAX_PROCS	8
#define MAX_THREADS	16
#define NPRIV		6	/* private heaps per thread */
#define MAXREC		40	/* remembered records per heap */
#define MAXGHOST	40
#define NHND		4	/* handles per heap (owner + imports) */
#define NXFD		3	/* export descriptors per heap */
#define NDMA		4	/* dma-bufs per thread */
#define NCHAOS		6	/* lingering extra windows per thread */
#define NPOOL		6	/* shared heaps per process */
#define NPREC		24	/* records per thread in shared heaps */
#define WIN		(2ULL << 20)	/* main window of a private heap */
#define POOL_WIN	(1ULL << 20)
#define RECMAX		4096	/* bytes of a record we write and check */
#define DMAMAX		(64ULL << 10)

/* ------------------------------------------------------------ options --- */

static struct {
	ull seed;
	ull ops;
	ull seconds;
	int procs;
	int threads;
	bool faults;
	bool verbose;
} opt;

static ull ps;
static bool have_sample;

/* ------------------------------------------------------------- stats --- */

enum {
	OP_ALLOC_WRITE, OP_ALLOC_EDGE, OP_VERIFY, OP_INFO, OP_RESET,
	OP_CREATE, OP_DESTROY, OP_VERSION, OP_BADIOCTL, OP_BADHANDLE,
	OP_ARG_IN_HEAP, OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MADVISE, OP_MREMAP,
	OP_PROCMEM, OP_EXPORT, OP_IMPORT, OP_CLOSE_EXPORT, OP_EXPORT_MMAP,
	OP_DMABUF, OP_DMABUF_CHECK, OP_DMABUF_CLOSE, OP_SAMPLE, OP_DUP,
	OP_CTX2_CLOSE, OP_FORK, OP_FORK_KILL, OP_SCM_SEND, OP_SCM_RECV,
	OP_POOL_WRITE, OP_POOL_VERIFY, OP_POOL_RESET, OP_POOL_INFO,
	OP_POOL_MISC, OP_POOL_DESTROY, OP_NR
};

static const struct {
	const char *name;
	unsigned int weight;	/* per mille: cheap calls dominate */
} ops[OP_NR] = {
	[OP_ALLOC_WRITE] = { "alloc+write", 200 },
	[OP_ALLOC_EDGE] = { "alloc-edge", 50 },
	[OP_VERIFY] = { "verify", 60 },
	[OP_INFO] = { "info", 90 },
	[OP_RESET] = { "reset", 30 },
	[OP_CREATE] = { "create", 12 },
	[OP_DESTROY] = { "destroy", 8 },
	[OP_VERSION] = { "version", 40 },
	[OP_BADIOCTL] = { "bad-ioctl", 80 },
	[OP_BADHANDLE] = { "bad-handle", 25 },
	[OP_ARG_IN_HEAP] = { "arg-in-heap", 15 },
	[OP_MMAP] = { "mmap", 12 },
	[OP_MUNMAP] = { "munmap", 10 },
	[OP_MPROTECT] = { "mprotect", 8 },
	[OP_MADVISE] = { "madvise", 8 },
	[OP_MREMAP] = { "mremap", 5 },
	[OP_PROCMEM] = { "proc-mem", 10 },
	[OP_EXPORT] = { "export", 8 },
	[OP_IMPORT] = { "import", 6 },
	[OP_CLOSE_EXPORT] = { "close-export", 10 },
	[OP_EXPORT_MMAP] = { "export-mmap", 4 },
	[OP_DMABUF] = { "dmabuf", 6 },
	[OP_DMABUF_CHECK] = { "dmabuf-check", 10 },
	[OP_DMABUF_CLOSE] = { "dmabuf-close", 5 },
	[OP_SAMPLE] = { "sample-driver", 5 },
	[OP_DUP] = { "dup", 10 },
	[OP_CTX2_CLOSE] = { "close-context", 3 },
	[OP_FORK] = { "fork", 2 },
	[OP_FORK_KILL] = { "fork+sigkill", 2 },
	[OP_SCM_SEND] = { "scm-send", 5 },
	[OP_SCM_RECV] = { "scm-recv", 8 },
	[OP_POOL_WRITE] = { "shared-write", 120 },
	[OP_POOL_VERIFY] = { "shared-verify", 30 },
	[OP_POOL_RESET] = { "shared-reset", 15 },
	[OP_POOL_INFO] = { "shared-info", 50 },
	[OP_POOL_MISC] = { "shared-misc", 4 },
	[OP_POOL_DESTROY] = { "shared-destroy", 3 },
};

/* In MAP_SHARED memory: every process adds to it. */
struct gstats {
	/*
	 * Writers of shared heaps hold this shared from ALLOC to the end of
	 * their write, resets of shared heaps exclusively: otherwise a writer
	 * whose block a reset took away writes over the next generation's
	 * blocks (the arena's rule: a stale pointer is the caller's bug).
	 * Readers do not take it: they race with resets on purpose.
	 */
	pthread_rwlock_t resetlock;
	volatile int stop;
	ull ops;
	ull proc_ops[MAX_PROCS];
	int proc_viol[MAX_PROCS];
	ull opcount[OP_NR];
	ull opns[OP_NR];
	ull enomem, sigbus_ok, kills, forks, scm_sent, scm_recv;
	ull verified, pool_verified, sample_records, orphans, kills_seen;
	int violations;
	int first_taken;
	char first[1024];
};

static struct gstats *G;

#define ADD(field, n)	__atomic_add_fetch(&G->field, (n), __ATOMIC_RELAXED)

/* ------------------------------------------------------------- model --- */

enum { REC_PAT, REC_SAMPLE };

struct rec {
	ull off;
	unsigned int len;
	unsigned char type;
	ull seed;
};

struct hnd {
	int ctxk;		/* 0: the process context, 1: this thread's ctx2 */
	unsigned int h;
	bool ro;
	bool live;
};

struct ph {
	bool used;
	int id;
	struct hnd hs[NHND];
	int xfd[NXFD];
	bool xro[NXFD];
	ull max, trim;
	unsigned int flags;
	ull cursor, req, committed, gen;
	unsigned char *win;
	volatile struct wsheap_status *st;
	struct rec recs[MAXREC];
	int nrec;
	struct rec ghosts[MAXGHOST];
	int nghost;
	bool ghost_zero;
	ull dirty_end;	/* bytes at and beyond are zero where committed */
	bool ctx2_only;	/* made in ctx2: never exported */
	/*
	 * Under --faults the sample driver may fail after it allocated (its
	 * vmap): when no handle was there to ask INFO, the model learns the
	 * outcome at the next handle's use.
	 */
	bool pending;
	ull pend_size, pend_end;
};

struct dma {
	bool used;
	int fd;
	unsigned char *map;
	size_t len;
	int heap_id;
	ull off;		/* in the heap */
	/*
	 * Bytes [frozen_from, len) are pages the heap gave back (a reset
	 * beyond the trim, the heap's end): the dma-buf keeps them, nobody
	 * can write them any more, their contents are fixed (in snap).
	 * Bytes below still are the heap's pages.
	 */
	size_t frozen_from;
	unsigned char *snap;
};

struct chaos {
	bool used;
	unsigned char *addr;
	size_t len;
	int heap_id;
	ull off;		/* heap offset of addr */
	int prot;
	bool nowrite;	/* made read-only for good: ro handle, status area */
};

struct prec {
	bool used;
	int slot;
	ull epoch;
	ull off;
	unsigned int len;
	ull seed;
	ull gen;
};

/* A shared heap: imported from another process, or made here and sent. */
struct pool {
	pthread_rwlock_t lk;
	bool used;
	ull epoch;
	unsigned int h;
	bool ro;
	ull max;
	unsigned int flags;
	unsigned char *map;
	volatile struct wsheap_status *st;
	ull seen_gen;		/* atomic: the highest generation observed */
};

struct proc {
	int idx;
	int ctx;
	/*
	 * Children inherit every descriptor, exports of other threads'
	 * heaps included, which keeps those heaps' users alive: forks hold
	 * this shared until the child is reaped, and a DESTROY that must
	 * give the memory back holds it exclusively.
	 */
	pthread_rwlock_t forklock;
	struct pool pool[NPOOL];
	ull next_epoch;
};

struct thr {
	struct proc *P;
	int tid;
	pthread_t pt;
	struct wsh_rng r;
	int ctx2;
	struct ph heaps[NPRIV];
	int next_id;
	struct dma dmas[NDMA];
	struct chaos ch[NCHAOS];
	struct prec pr[NPREC];
	unsigned int dead_handles[8];
	int ndead;
	int memfd;
	char detail[160];
	ull ops;
	int op;
	unsigned char buf[RECMAX + DMAMAX];
	unsigned char buf2[DMAMAX];
};

/* Sockets: process i receives on socks[i][0]; anyone sends on socks[i][1]. */
static int socks[MAX_PROCS][2];

enum { MSG_HEAP = 1, MSG_DMABUF, MSG_CTX };

struct msg {
	unsigned int magic;
	unsigned int kind;
	unsigned int sender;
	unsigned int ro;
	ull max;
	unsigned int flags;
	unsigned int pad;
};

#define MSG_MAGIC 0x77736866

/* -------------------------------------------------------- violations --- */

static int cur_proc = -1;

static void __attribute__((format(printf, 3, 4)))
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

#define VIOL(t, ...) violation((t), __LINE__, __VA_ARGS__)

static const char *E(int rc)
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
static bool expect(struct thr *t, int line, int rc, int want, bool nomem,
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

#define EXPECT(t, rc, want, nomem, what) \
	expect((t), __LINE__, (rc), (want), (nomem), (what))

static int wsh_try_map(int fd, unsigned int h, int prot)
{
	void *m = mmap(NULL, ps, prot, MAP_SHARED, fd,
		       (off_t)((ull)h << WSHEAP_SPAN_SHIFT));

	if (m == MAP_FAILED)
		return -errno;
	munmap(m, ps);
	return 0;
}

static bool wsh_nonzero_tail(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return true;
	return false;
}

/* -------------------------------------------------------- heap model --- */

static int ctxfd(struct thr *t, int k)
{
	return k ? t->ctx2 : t->P->ctx;
}

static int users(struct ph *p)
{
	int i, n = 0;

	for (i = 0; i < NHND; i++)
		n += p->hs[i].live;
	for (i = 0; i < NXFD; i++)
		n += p->xfd[i] >= 0;
	return n;
}

/* A live handle, writable if @rw; NULL if none. */
static int ctxfd(struct thr *t, int k);
static void model_commit(struct ph *p, ull end, ull size);

/* Settle a pending outcome through handle @h (see struct ph). */
static void resolve(struct thr *t, struct ph *p, struct hnd *h)
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

static struct hnd *pick_hnd_raw(struct thr *t, struct ph *p, bool rw)
{
	int i, start = (int)wsh_below(&t->r, NHND);

	for (i = 0; i < NHND; i++) {
		struct hnd *h = &p->hs[(start + i) % NHND];

		if (h->live && (!rw || !h->ro))
			return h;
	}
	return NULL;
}

static struct hnd *pick_hnd(struct thr *t, struct ph *p, bool rw)
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
static bool committed_known(struct thr *t, struct ph *p)
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

static struct ph *pick_heap(struct thr *t)
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

static struct ph *heap_by_id(struct thr *t, int id)
{
	int i;

	for (i = 0; i < NPRIV; i++)
		if (t->heaps[i].used && t->heaps[i].id == id)
			return &t->heaps[i];
	return NULL;
}

static ull trim_bytes(struct ph *p)
{
	ull pages = wsh_pages_up(p->trim, ps);

	return pages > p->committed / ps ? p->committed : pages * ps;
}

/* Expected bytes of a record, into @out. */
static void rec_bytes(const struct rec *r, unsigned char *out)
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

static void check_info_consistent(struct thr *t, const struct wsheap_info *i,
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
static void check_model(struct thr *t, struct ph *p, const char *when)
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
static bool check_rec(struct thr *t, struct ph *p, const struct rec *r,
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

static void verify_heap(struct thr *t, struct ph *p, unsigned char *base,
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
static const char *maps_line(const void *addr)
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
static void probe_gone(struct thr *t, struct ph *p, unsigned char *base,
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

static void dma_freeze(struct thr *t, struct ph *p, ull keep);
static void chaos_drop_heap(struct thr *t, int heap_id, bool probe_dead);

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

static int open_ctx2(struct thr *t)
{
	if (t->ctx2 < 0) {
		t->ctx2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		if (t->ctx2 < 0 && !(opt.faults && errno == ENOMEM))
			VIOL(t, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
	}
	return t->ctx2;
}

static void op_create(struct thr *t)
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

/* -------------------------------------------------------------- alloc --- */

struct pred {
	int rc;
	ull start, end;
	bool commits;	/* needs new pages: may fail EDQUOT/ENOMEM */
};

static struct pred predict_alloc(struct ph *p, ull size, ull align)
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

static void model_commit(struct ph *p, ull end, ull size)
{
	ull c = wsh_pages_up(end, ps) * ps;

	p->cursor = end;
	p->req += size;
	if (c > p->committed)
		p->committed = c;
}

/* Apply a successful allocation to the model. */
static void model_alloc(struct ph *p, const struct pred *pr, ull size)
{
	model_commit(p, pr->end, size);
}

static void forget_heap(struct thr *t, struct ph *p);

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

static void do_alloc(struct thr *t, bool edge)
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

static void op_verify(struct thr *t)
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

static void op_info(struct thr *t)
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

static void op_reset(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct hnd *h;
	ull gen = 0, keep, old, held;
	bool fresh;
	int i, rc;

	if (!p)
		return;
	h = pick_hnd(t, p, !wsh_chance(&t->r, 5));
	if (!h)
		return;
	verify_heap(t, p, p->win, "before RESET");
	keep = trim_bytes(p);
	/* A reset gives every page a dma-buf holds to the dma-buf. */
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
	 * Records wholly within the kept pages survive as ghosts, unless the
	 * reset took pages out of the heap (a dma-buf, of any party, held
	 * them): then which kept pages are fresh is not known here.
	 */
	p->nghost = 0;
	p->ghost_zero = p->flags & WSHEAP_CREATE_ZERO_ON_RESET;
	fresh = heap_held(ctxfd(t, h->ctxk), h->h) > held;
	for (i = 0; i < p->nrec && p->nghost < MAXGHOST && !fresh; i++)
		if (p->recs[i].off + p->recs[i].len <= keep)
			p->ghosts[p->nghost++] = p->recs[i];
	p->nrec = 0;
	p->gen = gen;
	/*
	 * A POPULATE heap whose reset gave kept pages to a dma-buf adds fresh
	 * ones; where it cannot (injected faults), it keeps less.
	 */
	if (fresh && opt.faults && (p->flags & WSHEAP_CREATE_POPULATE)) {
		struct wsheap_info in;

		if (!wsh_info(ctxfd(t, h->ctxk), h->h, &in) &&
		    in.committed < keep && !(in.committed % ps))
			keep = in.committed;
	}
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

/* ------------------------------------------------------------ destroy --- */

/* Before the heap gives back its pages from @keep on: freeze them. */
static void dma_freeze(struct thr *t, struct ph *p, ull keep)
{
	size_t bad, from;
	int i, rc;

	for (i = 0; i < NDMA; i++) {
		struct dma *d = &t->dmas[i];

		if (!d->used || d->heap_id != p->id || !d->map)
			continue;
		if (keep >= d->off + d->len)
			continue;	/* all its pages stay the heap's */
		from = keep > d->off ? (size_t)(keep - d->off) : 0;
		if (from >= d->frozen_from)
			continue;	/* frozen already */
		/* [from, frozen_from) are the heap's pages until now */
		rc = wsh_guarded(WSH_READ, d->map + from, d->snap + from,
				 d->frozen_from - from, NULL);
		if (rc) {
			VIOL(t, "dma-buf of heap %d: reading: signal %d", p->id, rc);
			continue;
		}
		if (p->win && d->off + d->frozen_from <= WIN) {
			rc = wsh_guarded(WSH_CMP, p->win + d->off + from,
					 d->snap + from, d->frozen_from - from, &bad);
			if (rc == 1)
				VIOL(t, "dma-buf of heap %d differs from the heap at %llu",
				     p->id, d->off + from + bad);
		}
		d->frozen_from = from;
	}
}

/* Forget a heap this thread no longer reaches: unmap its windows. */
static void forget_heap(struct thr *t, struct ph *p)
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
static void heap_gone(struct thr *t, struct ph *p, bool killed)
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

static void op_destroy(struct thr *t)
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

/* ------------------------------------------------------------ version --- */

static void op_version(struct thr *t)
{
	struct wsheap_version v;
	int rc;

	memset(&v, 0xa5, sizeof(v));
	rc = wsh_ioctl(t->P->ctx, WSHEAP_IOC_VERSION, &v);
	if (!EXPECT(t, rc, 0, false, "VERSION"))
		return;
	if (v.abi != WSHEAP_ABI_VERSION || v.page_size != ps ||
	    v.create_flags != WSHEAP_CREATE_FLAGS || v.pad || v.span != WSHEAP_SPAN ||
	    v.reserved[0] || v.reserved[1])
		VIOL(t, "VERSION: abi %u page %u flags %#x pad %u span %#llx",
		     v.abi, v.page_size, v.create_flags, v.pad, (ull)v.span);
}

/* --------------------------------------------------------- bad ioctls --- */

static const unsigned int cmds[] = {
	WSHEAP_IOC_CREATE, WSHEAP_IOC_ALLOC, WSHEAP_IOC_RESET,
	WSHEAP_IOC_DESTROY, WSHEAP_IOC_INFO, WSHEAP_IOC_VERSION,
	WSHEAP_IOC_EXPORT, WSHEAP_IOC_IMPORT, WSHEAP_IOC_EXPORT_DMABUF,
};

static void op_badioctl(struct thr *t)
{
	unsigned char *arg = t->buf2;
	unsigned int cmd, i = (unsigned int)wsh_below(&t->r, 9);
	unsigned int sz = _IOC_SIZE(cmds[i]), dir = _IOC_DIR(cmds[i]);
	struct ph *p = pick_heap(t);
	int rc, want;

	memset(arg, 0, 8192);
	switch (wsh_below(&t->r, 7)) {
	case 0:	/* unknown number */
		cmd = _IOC(dir, WSHEAP_IOC_MAGIC, 10 + wsh_below(&t->r, 246),
			   wsh_below(&t->r, 512));
		want = -ENOTTY;
		break;
	case 1: {	/* another magic, away from the VFS's generic ioctls */
		unsigned int magic;

		do
			magic = 0xa0 + (unsigned int)wsh_below(&t->r, 0x60);
		while (magic == WSHEAP_IOC_MAGIC || magic == 0x94);
		cmd = _IOC(dir, magic, _IOC_NR(cmds[i]), sz);
		want = -ENOTTY;
		break;
	}
	case 2:	/* wrong direction; RESET's ABI 1 encoding (_IOWR) is valid */
		do
			cmd = _IOC((dir + 1 + wsh_below(&t->r, 3)) & 3,
				   WSHEAP_IOC_MAGIC, _IOC_NR(cmds[i]), sz);
		while (cmd == WSHEAP_IOC_RESET_V0);
		want = -ENOTTY;
		break;
	case 3:	/* too small */
		cmd = _IOC(dir, WSHEAP_IOC_MAGIC, _IOC_NR(cmds[i]),
			   wsh_below(&t->r, sz));
		want = -EINVAL;
		break;
	case 4:	/* larger, non-zero tail */
		cmd = _IOC(dir, WSHEAP_IOC_MAGIC, _IOC_NR(cmds[i]),
			   sz + 1 + wsh_below(&t->r, 4000));
		if (dir & _IOC_WRITE) {
			arg[sz + wsh_below(&t->r, _IOC_SIZE(cmd) - sz)] = 1;
			want = -E2BIG;
		} else {
			/* VERSION copies nothing in: the tail is ignored */
			want = 0;
		}
		break;
	case 5: {	/* bad pointers */
		static const unsigned long bad[] = {
			0, 1, 4096, 0xffff888000000000UL, 0xffffffffff600000UL,
			~0UL - 7,
		};

		cmd = cmds[i];
		rc = wsh_ioctl(t->P->ctx, cmd,
			       (void *)bad[wsh_below(&t->r, 6)]);
		EXPECT(t, rc, -EFAULT, false, "ioctl with a bad pointer");
		return;
	}
	default: {	/* larger, zero tail: accepted (INFO, VERSION only) */
		struct wsheap_info *in = (void *)arg;
		struct hnd *h;

		if (!p || !(h = pick_hnd(t, p, false)))
			return;
		cmd = _IOWR(WSHEAP_IOC_MAGIC, _IOC_NR(WSHEAP_IOC_INFO), 0);
		cmd |= (unsigned int)(sizeof(*in) + 8 + wsh_below(&t->r, 2000))
		       << _IOC_SIZESHIFT;
		in->handle = h->h;
		rc = wsh_ioctl(ctxfd(t, h->ctxk), cmd, arg);
		if (EXPECT(t, rc, 0, false, "INFO with a larger zero-tailed struct")) {
			if (in->generation != p->gen || in->cursor != p->cursor ||
			    in->committed != p->committed)
				VIOL(t, "INFO (larger struct) disagrees with the model");
			if (wsh_nonzero_tail(arg + sizeof(*in), _IOC_SIZE(cmd) - sizeof(*in)))
				VIOL(t, "INFO wrote beyond its struct");
		}
		return;
	}
	}
	rc = wsh_ioctl(t->P->ctx, cmd, arg);
	if (rc != want) {
		/* a malformed struct that happens to be valid: tolerate CREATE */
		if (rc == 0 && _IOC_NR(cmd) == _IOC_NR(WSHEAP_IOC_CREATE) &&
		    _IOC_TYPE(cmd) == WSHEAP_IOC_MAGIC)
			wsh_destroy(t->P->ctx, ((struct wsheap_create *)arg)->handle);
		VIOL(t, "ioctl %#x (nr %u size %u dir %u): got %s, want %s", cmd,
		     _IOC_NR(cmd), _IOC_SIZE(cmd), _IOC_DIR(cmd), E(rc), E(want));
	}
}

static void op_badhandle(struct thr *t)
{
	struct ph *p = pick_heap(t);
	unsigned int h;
	int rc, fds[2];
	void *m;

	switch (wsh_below(&t->r, 4)) {
	case 0: h = 0; break;
	case 1: h = WSH_MAX_HANDLE + 1 + (unsigned int)wsh_below(&t->r, 1u << 30); break;
	case 2: h = ~0u; break;
	default:
		/* a destroyed handle is not reused soon, not even on ENOMEM */
		h = t->ndead ?
			t->dead_handles[wsh_below(&t->r, t->ndead < 8 ? t->ndead : 8)] :
			(1u << 22) + (unsigned int)wsh_below(&t->r, 1u << 22);
		break;
	}
	switch (wsh_below(&t->r, 9)) {
	case 0:
		rc = wsh_alloc(t->P->ctx, h, 8, 0, NULL, NULL);
		break;
	case 1:
		rc = wsh_reset(t->P->ctx, h, NULL);
		break;
	case 2:
		rc = wsh_destroy(t->P->ctx, h);
		break;
	case 3:
		rc = wsh_info(t->P->ctx, h, NULL);
		break;
	case 4:
		rc = wsh_export(t->P->ctx, h, 0);
		if (rc >= 0)
			close(rc);
		break;
	case 5:
		rc = wsh_dmabuf(t->P->ctx, h, 0, ps, 0);
		if (rc >= 0)
			close(rc);
		break;
	case 6:
		m = mmap(NULL, ps, PROT_READ, MAP_SHARED, t->P->ctx,
			 (off_t)((ull)(h & WSH_MAX_HANDLE ? h : 0) << WSHEAP_SPAN_SHIFT));
		if (m != MAP_FAILED) {
			munmap(m, ps);
			/* handles of other threads may be valid: only 0 is sure */
			if (!(h & WSH_MAX_HANDLE))
				VIOL(t, "mmap of handle 0 worked");
		} else if (errno != ENXIO && !(opt.faults && errno == ENOMEM)) {
			VIOL(t, "mmap of a bad handle: %s", strerror(errno));
		}
		return;
	case 7:	/* IMPORT of descriptors that are no export */
		if (pipe2(fds, O_CLOEXEC))
			return;
		rc = wsh_import(t->P->ctx, fds[0], NULL);
		EXPECT(t, rc, -EINVAL, false, "IMPORT of a pipe");
		rc = wsh_import(t->P->ctx, t->P->ctx, NULL);
		EXPECT(t, rc, -EINVAL, false, "IMPORT of a context");
		close(fds[0]);
		close(fds[1]);
		/* other threads reuse closed numbers: use one beyond the limit */
		rc = wsh_import(t->P->ctx, 1 << 30, NULL);
		EXPECT(t, rc, -EBADF, false, "IMPORT of a descriptor never opened");
		rc = wsh_import(t->P->ctx, -1 - (int)wsh_below(&t->r, 1000), NULL);
		EXPECT(t, rc, -EBADF, false, "IMPORT of a negative descriptor");
		return;
	default: {	/* handle of a valid heap but in another context */
		struct hnd *hh;
		int other;

		if (!p || !(hh = pick_hnd(t, p, false)))
			return;
		other = hh->ctxk ? t->P->ctx : open_ctx2(t);
		if (other < 0)
			return;
		/* only sure when the other context has no such handle */
		rc = wsh_info(other, hh->h, NULL);
		if (rc == 0)
			return;
		EXPECT(t, rc, -ENOENT, false, "INFO in another context");
		return;
	}
	}
	EXPECT(t, rc, -ENOENT, false, "a call on a bad handle");
}

/*
 * The argument struct lives in a mapping of a heap: the kernel's copies
 * fault into wsheap (committed page: works; uncommitted: EFAULT and
 * nothing changes).
 */
static void op_arg_in_heap(struct thr *t)
{
	struct ph *p = pick_heap(t), *q = pick_heap(t);
	struct wsheap_info *in;
	struct hnd *h;
	ull where;
	int rc;

	if (!p || !q || !q->win || !(h = pick_hnd(t, p, false)))
		return;
	/* a page of q that holds no record: past its cursor and ghosts */
	where = q->cursor;
	for (rc = 0; rc < q->nghost; rc++)
		if (q->ghosts[rc].off + q->ghosts[rc].len > where)
			where = q->ghosts[rc].off + q->ghosts[rc].len;
	where = (wsh_pages_up(where, ps) + wsh_below(&t->r, 3)) * ps;
	if (where + ps > WIN)
		return;
	in = (void *)(q->win + where + ps - sizeof(*in));
	if (where >= q->committed) {
		rc = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_INFO, in);
		EXPECT(t, rc, -EFAULT, false,
		       "INFO with its struct in an uncommitted heap page");
		return;
	}
	if (q->dirty_end < where + ps)
		q->dirty_end = where + ps;
	rc = wsh_guarded(WSH_ZERO_CHECK, (void *)in, NULL, sizeof(*in), NULL);
	if (rc > 1) {
		if (!(opt.faults && rc == SIGBUS))
			VIOL(t, "committed page at %llu of heap %d: signal %d",
			     where, q->id, rc);
		return;
	}
	memset(in, 0, sizeof(*in));
	in->handle = h->h;
	rc = wsh_ioctl(ctxfd(t, h->ctxk), WSHEAP_IOC_INFO, in);
	if (rc == -EFAULT && opt.faults)
		return;
	if (EXPECT(t, rc, 0, false, "INFO with its struct in a heap page") &&
	    (in->generation != p->gen || in->cursor != p->cursor))
		VIOL(t, "INFO into heap memory disagrees with the model");
}

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

static void chaos_drop_heap(struct thr *t, int heap_id, bool probe_dead)
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

/* What reading @len bytes at heap offset @off through a window must give. */
static void check_window(struct thr *t, struct ph *p, unsigned char *w,
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

static void op_mmap(struct thr *t)
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
	int i, start = (int)wsh_below(&t->r, NCHAOS);

	for (i = 0; i < NCHAOS; i++)
		if (t->ch[(start + i) % NCHAOS].used)
			return &t->ch[(start + i) % NCHAOS];
	return NULL;
}

static void op_munmap(struct thr *t)
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

static void op_mprotect(struct thr *t)
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

static void op_madvise(struct thr *t)
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

static void op_mremap(struct thr *t)
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
static void op_procmem(struct thr *t)
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

/* ------------------------------------------------------ export/import --- */

static void op_export(struct thr *t)
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

static int pick_xfd(struct thr *t, struct ph *p)
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

static void op_import(struct thr *t)
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

static void op_close_export(struct thr *t)
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
static void op_export_mmap(struct thr *t)
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

/* ------------------------------------------------------------ dma-buf --- */

static void op_dmabuf(struct thr *t)
{
	struct ph *p = pick_heap(t);
	struct dma *d = NULL;
	struct hnd *h;
	unsigned int flags;
	ull off, size;
	size_t bad;
	int i, fd, rc;
	void *m;

	if (!p || !(h = pick_hnd(t, p, !wsh_chance(&t->r, 5))))
		return;
	for (i = 0; i < NDMA; i++)
		if (!t->dmas[i].used)
			d = &t->dmas[i];
	if (!d)
		return;
	flags = (unsigned int)wsh_below(&t->r, 4);
	if (wsh_chance(&t->r, 25)) {
		/* malformed ranges: EINVAL */
		switch (wsh_below(&t->r, 6)) {
		case 0: off = 0; size = 0; break;
		case 1: off = 1 + wsh_below(&t->r, ps - 1); size = ps; break;
		case 2: off = p->committed; size = ps; break;
		case 3: off = WSHEAP_STATUS_OFFSET; size = ps; break;
		case 4: off = 0; size = ~0ULL; break;
		default:
			/*
			 * (The kernel sizes a page array by this before it checks
			 * the range: under --faults keep it within one page, or
			 * a failing vmalloc prints a stack trace.)
			 */
			if (opt.faults && p->committed >= 512 * ps)
				return;
			off = 0;
			size = p->committed + 1;
			break;
		}
		fd = wsh_dmabuf(ctxfd(t, h->ctxk), h->h, off, size, flags);
		if (fd >= 0)
			close(fd);
		EXPECT(t, fd, h->ro ? -EPERM : -EINVAL, true,
		       "EXPORT_DMABUF of a bad range");
		return;
	}
	if (!p->committed)
		return;
	off = ps * wsh_below(&t->r, p->committed / ps);
	size = 1 + wsh_below(&t->r, p->committed - off < DMAMAX ?
				    p->committed - off : DMAMAX);
	fd = wsh_dmabuf(ctxfd(t, h->ctxk), h->h, off, size, flags);
	if (h->ro) {
		if (fd >= 0)
			close(fd);
		EXPECT(t, fd, -EPERM, false, "EXPORT_DMABUF of a read-only handle");
		return;
	}
	if (!EXPECT(t, fd, 0, true, "EXPORT_DMABUF"))
		return;
	size = wsh_pages_up(size, ps) * ps;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (flags & WSHEAP_DMABUF_RDONLY) {
		if (m != MAP_FAILED)
			VIOL(t, "writable mmap of a read-only dma-buf worked");
		m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	}
	if (m == MAP_FAILED) {
		if (!(opt.faults && errno == ENOMEM))
			VIOL(t, "mmap of a dma-buf: %s", strerror(errno));
		close(fd);
		return;
	}
	*d = (struct dma){ true, fd, m, size, p->id, off, size, NULL };
	d->snap = malloc(size);
	if (!d->snap) {
		munmap(m, size);
		close(fd);
		d->used = false;
		return;
	}
	/* the dma-buf shows the heap's pages */
	if (p->win && off + size <= WIN) {
		rc = wsh_guarded(WSH_READ, m, t->buf2, size, NULL);
		if (rc)
			VIOL(t, "reading a new dma-buf: signal %d", rc);
		rc = wsh_guarded(WSH_CMP, p->win + off, t->buf2, size, &bad);
		if (rc && !(opt.faults && rc == SIGBUS))
			VIOL(t, "dma-buf differs from the heap at %llu (%d)", off + bad, rc);
	}
	check_model(t, p, "after EXPORT_DMABUF");
}

static struct dma *pick_dma(struct thr *t)
{
	int i, start = (int)wsh_below(&t->r, NDMA);

	for (i = 0; i < NDMA; i++)
		if (t->dmas[(start + i) % NDMA].used)
			return &t->dmas[(start + i) % NDMA];
	return NULL;
}

static void dma_check(struct thr *t, struct dma *d)
{
	size_t bad;
	int rc;

	if (d->frozen_from >= d->len)
		return;
	/* pages the heap gave back keep their data while the dma-buf lives */
	rc = wsh_guarded(WSH_CMP, d->map + d->frozen_from, d->snap + d->frozen_from,
			 d->len - d->frozen_from, &bad);
	if (rc)
		VIOL(t, "dma-buf that outlived its pages' heap: %s at %zu",
		     rc == 1 ? "changed" : "signal", d->frozen_from + bad);
}

static void op_dmabuf_check(struct thr *t)
{
	struct dma *d = pick_dma(t);

	if (d)
		dma_check(t, d);
}

static void op_dmabuf_close(struct thr *t)
{
	struct dma *d = pick_dma(t);

	if (!d)
		return;
	dma_check(t, d);
	munmap(d->map, d->len);
	close(d->fd);
	free(d->snap);
	d->used = false;
}

/* ------------------------------------------------------ sample driver --- */

static void op_sample(struct thr *t)
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

/* ------------------------------------------------------ dup / contexts --- */

static void op_dup(struct thr *t)
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
static void op_ctx2_close(struct thr *t)
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

/* ------------------------------------------------------------- fork --- */

/* A child of a worker under --faults: stop failing (the open may fail). */
static void child_no_faults(void)
{
	int i;

	for (i = 0; i < 1000; i++)
		if (!wsh_write_file("/proc/thread-self/make-it-fail", "0"))
			return;
}

static void op_fork(struct thr *t)
{
	int status, i, rc;
	pid_t pid;

	if (!wsh_chance(&t->r, opt.faults ? 10 : 25))
		return;
	pthread_rwlock_rdlock(&t->P->forklock);
	pid = fork();
	if (pid < 0) {
		pthread_rwlock_unlock(&t->P->forklock);
		if (!(opt.faults && (errno == ENOMEM || errno == EAGAIN)))
			VIOL(t, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int before = G->violations, fd;
		struct wsheap_create c;
		ull off;

		if (opt.faults)
			child_no_faults();
		/* the child shares the context and the mappings */
		for (i = 0; i < NPRIV; i++)
			if (t->heaps[i].used) {
				check_model(t, &t->heaps[i], "in a forked child");
				verify_heap(t, &t->heaps[i], t->heaps[i].win,
					    "in a forked child");
			}
		/* and has contexts of its own */
		fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !wsh_create(fd, 1 << 20, 0, 0, &c)) {
			unsigned char *m = wsh_map(fd, c.mmap_offset, 0, 2 * ps,
						   PROT_READ | PROT_WRITE);

			rc = wsh_alloc(fd, c.handle, ps + 1, 0, &off, NULL);
			if (!rc && m != MAP_FAILED) {
				memset(m, 0x3c, ps + 1);
				if (m[ps] != 0x3c)
					VIOL(t, "child's own heap lost a byte");
			}
			wsh_destroy(fd, c.handle);
			if (m != MAP_FAILED && wsh_probe(m, false) != SIGBUS)
				VIOL(t, "child's destroyed heap still reachable");
		}
		_exit(G->violations != before);
	}
	ADD(forks, 1);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_rwlock_unlock(&t->P->forklock);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		VIOL(t, "forked child: status %#x", status);
	for (i = 0; i < NPRIV; i++)
		if (t->heaps[i].used)
			verify_heap(t, &t->heaps[i], t->heaps[i].win, "after a child");
}

/* A child that is busy with wsheap when SIGKILL arrives. */
static void __attribute__((noreturn)) busy_child(ull seed)
{
	struct wsh_rng r = { seed };
	struct wsheap_create c = { 0 };
	int fd, sv[2], x, d;
	ull off;

	if (opt.faults)
		child_no_faults();
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		_exit(0);
	for (;;) {
		unsigned char *m;

		if (wsh_create(fd, 64ULL << 20, wsh_below(&r, 1 << 20),
			       (unsigned int)wsh_below(&r, 4), &c))
			continue;
		wsh_alloc(fd, c.handle, wsh_below(&r, 16ULL << 20), 0, &off, NULL);
		m = wsh_map(fd, c.mmap_offset, 0, 1 << 20, PROT_READ | PROT_WRITE);
		if (m != MAP_FAILED)
			wsh_guarded(WSH_WRITE, m, (unsigned char *)&r, 8, NULL);
		x = wsh_export(fd, c.handle, 0);
		if (x >= 0) {
			/* leave a descriptor in flight */
			wsh_send_fd(sv[0], x, "x", 1, MSG_DONTWAIT);
			close(x);
		}
		d = wsh_dmabuf(fd, c.handle, 0, ps, 0);
		if (wsh_below(&r, 2))
			wsh_reset(fd, c.handle, NULL);
		if (wsh_below(&r, 3))
			wsh_destroy(fd, c.handle);
		if (d >= 0 && wsh_below(&r, 2))
			close(d);
	}
}

static void op_fork_kill(struct thr *t)
{
	int status;
	pid_t pid;

	if (!wsh_chance(&t->r, 20))
		return;
	pthread_rwlock_rdlock(&t->P->forklock);
	pid = fork();
	if (pid < 0) {
		pthread_rwlock_unlock(&t->P->forklock);
		return;
	}
	if (pid == 0)
		busy_child(wsh_rand(&t->r));
	wsh_sleep_us((unsigned int)wsh_below(&t->r, 30000));
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_rwlock_unlock(&t->P->forklock);
	ADD(kills, 1);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		ADD(kills_seen, 1);
	else if (!WIFEXITED(status))
		VIOL(t, "busy child died of %#x, not SIGKILL", status);
}

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
static struct pool *pool_get(struct thr *t)
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

static void pool_put(struct pool *s)
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

static void op_pool_write(struct thr *t)
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
	if (wsh_rwlock_timed(&G->resetlock, false)) {
		VIOL(t, "the shared reset lock is stuck (a process died holding it?)");
		G->stop = 1;
		pool_put(s);
		return;
	}
	rc = wsh_alloc(t->P->ctx, s->h, size, wsh_chance(&t->r, 30) ? 64 : 0,
		       &off, &gen);
	if (s->ro) {
		EXPECT(t, rc, -EPERM, false, "ALLOC in a read-only shared heap");
		goto out;
	}
	if (rc == -ENOSPC || rc == -EFBIG) {
		pthread_rwlock_unlock(&G->resetlock);
		if (wsh_rwlock_timed(&G->resetlock, true)) {
			VIOL(t, "the shared reset lock is stuck (a process died holding it?)");
			G->stop = 1;
			pool_put(s);
			return;
		}
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

static void op_pool_verify(struct thr *t)
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

static void op_pool_reset(struct thr *t)
{
	struct pool *s = pool_get(t);
	ull gen = 0, before;
	int rc;

	if (!s)
		return;
	before = __atomic_load_n(&s->seen_gen, __ATOMIC_RELAXED);
	if (wsh_rwlock_timed(&G->resetlock, true)) {
		VIOL(t, "the shared reset lock is stuck (a process died holding it?)");
		G->stop = 1;
		pool_put(s);
		return;
	}
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

static void op_pool_info(struct thr *t)
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
static void op_pool_misc(struct thr *t)
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

static void op_pool_destroy(struct thr *t)
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

static void send_heap(struct thr *t, int to)
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

static void op_scm_send(struct thr *t)
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
		return;
	default:
		send_heap(t, to);
	}
}

static void op_scm_recv(struct thr *t)
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

/* ----------------------------------------------------------- workers --- */

static void run_op(struct thr *t, int op)
{
	t->op = op;
	switch (op) {
	case OP_ALLOC_WRITE: do_alloc(t, false); break;
	case OP_ALLOC_EDGE: do_alloc(t, true); break;
	case OP_VERIFY: op_verify(t); break;
	case OP_INFO: op_info(t); break;
	case OP_RESET: op_reset(t); break;
	case OP_CREATE: op_create(t); break;
	case OP_DESTROY: op_destroy(t); break;
	case OP_VERSION: op_version(t); break;
	case OP_BADIOCTL: op_badioctl(t); break;
	case OP_BADHANDLE: op_badhandle(t); break;
	case OP_ARG_IN_HEAP: op_arg_in_heap(t); break;
	case OP_MMAP: op_mmap(t); break;
	case OP_MUNMAP: op_munmap(t); break;
	case OP_MPROTECT: op_mprotect(t); break;
	case OP_MADVISE: op_madvise(t); break;
	case OP_MREMAP: op_mremap(t); break;
	case OP_PROCMEM: op_procmem(t); break;
	case OP_EXPORT: op_export(t); break;
	case OP_IMPORT: op_import(t); break;
	case OP_CLOSE_EXPORT: op_close_export(t); break;
	case OP_EXPORT_MMAP: op_export_mmap(t); break;
	case OP_DMABUF: op_dmabuf(t); break;
	case OP_DMABUF_CHECK: op_dmabuf_check(t); break;
	case OP_DMABUF_CLOSE: op_dmabuf_close(t); break;
	case OP_SAMPLE: op_sample(t); break;
	case OP_DUP: op_dup(t); break;
	case OP_CTX2_CLOSE: op_ctx2_close(t); break;
	case OP_FORK: op_fork(t); break;
	case OP_FORK_KILL: op_fork_kill(t); break;
	case OP_SCM_SEND: op_scm_send(t); break;
	case OP_SCM_RECV: op_scm_recv(t); break;
	case OP_POOL_WRITE: op_pool_write(t); break;
	case OP_POOL_VERIFY: op_pool_verify(t); break;
	case OP_POOL_RESET: op_pool_reset(t); break;
	case OP_POOL_INFO: op_pool_info(t); break;
	case OP_POOL_MISC: op_pool_misc(t); break;
	case OP_POOL_DESTROY: op_pool_destroy(t); break;
	}
}

static unsigned int total_weight;
static double deadline;

static void *worker(void *arg)
{
	struct thr *t = arg;
	ull n = 0;

	/* fault the stacks in before allocations may start failing */
	wsh_prefault_stack();
	wsh_altstack();
	if (opt.faults &&
	    wsh_write_file("/proc/thread-self/make-it-fail", "1"))
		fprintf(stderr, "# cannot set make-it-fail: %s\n", strerror(errno));
	while (!G->stop) {
		unsigned int w = (unsigned int)wsh_below(&t->r, total_weight);
		int op = 0;

		while (w >= ops[op].weight) {
			w -= ops[op].weight;
			op++;
		}
		double t1 = wsh_now();

		run_op(t, op);
		__atomic_add_fetch(&G->opcount[op], 1, __ATOMIC_RELAXED);
		t1 = wsh_now() - t1;
		__atomic_add_fetch(&G->opns[op], (ull)(t1 * 1e9),
				   __ATOMIC_RELAXED);
		if (opt.verbose && t1 > 0.3)
			fprintf(stderr, "# slow: %s %.0f ms (%s)\n", ops[op].name,
				t1 * 1e3, t->detail);
		t->detail[0] = 0;
		t->ops++;
		if (++n % 16 == 0) {
			ull all = __atomic_add_fetch(&G->ops, 16, __ATOMIC_RELAXED);

			if (all >= opt.ops || wsh_now() > deadline)
				G->stop = 1;
		}
	}
	if (opt.faults)
		wsh_write_file("/proc/thread-self/make-it-fail", "0");
	return NULL;
}

static int proc_main(int idx)
{
	struct thr *ts;
	struct proc P;
	ull total = 0;
	int i;

	cur_proc = idx;
	memset(&P, 0, sizeof(P));
	P.idx = idx;
	P.ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (P.ctx < 0) {
		VIOL(NULL, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
		return 1;
	}
	for (i = 0; i < NPOOL; i++)
		pthread_rwlock_init(&P.pool[i].lk, NULL);
	pthread_rwlock_init(&P.forklock, NULL);
	ts = calloc((size_t)opt.threads, sizeof(*ts));
	if (!ts)
		return 1;
	for (i = 0; i < opt.threads; i++) {
		struct thr *t = &ts[i];
		int k;

		t->P = &P;
		t->tid = i;
		t->ctx2 = -1;
		t->memfd = -1;
		t->r.s = wsh_mix64(opt.seed * 1000003ULL + (ull)idx * 1009 + (ull)i);
		for (k = 0; k < NPRIV; k++)
			t->heaps[k].used = false;
	}
	/* one shared heap to begin with, sent to the next process */
	send_heap(&ts[0], (idx + 1) % opt.procs);
	for (i = 0; i < opt.threads; i++)
		if (pthread_create(&ts[i].pt, NULL, worker, &ts[i])) {
			VIOL(NULL, "pthread_create failed");
			G->stop = 1;
			opt.threads = i;
			break;
		}
	for (i = 0; i < opt.threads; i++) {
		pthread_join(ts[i].pt, NULL);
		total += ts[i].ops;
	}
	G->proc_ops[idx] = total;
	return 0;
}

/* --------------------------------------------------- status-lag mode --- */

/*
 * --status-lag SECONDS: a focused reproducer for readers that validate a
 * block with the status page (generation, data, generation).  A writer
 * fills a block of a ZERO_ON_RESET heap whose trim keeps it, publishes
 * (generation, offset), then resets; readers check the block between two
 * reads of the status generation.  Counts the times the data was already
 * gone while both reads still showed the block's generation.
 */
static struct {
	int fd;
	unsigned int h;
	unsigned char *map;
	volatile struct wsheap_status *st;
	ull pub;		/* generation << 32 | page offset, or 0 */
	volatile int stop;
	ull lag, checks, lag_resets, last_lag_gen;
} sl;

#define SL_BLOCK (256 << 10)

static void *sl_reader(void *arg)
{
	(void)arg;
	while (!sl.stop) {
		ull pub = __atomic_load_n(&sl.pub, __ATOMIC_ACQUIRE);
		ull g = pub >> 32, off = (pub & 0xffffffffULL) * ps, g0, g1;
		const unsigned char *b = sl.map + off;
		size_t i;
		bool bad = false;

		if (!pub)
			continue;
		g0 = wsh_status_gen(sl.st);
		if (g0 != g)
			continue;
		for (i = 0; i < SL_BLOCK; i += 64)
			if (b[i] != 0xab) {
				bad = true;
				break;
			}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		g1 = wsh_status_gen(sl.st);
		__atomic_add_fetch(&sl.checks, 1, __ATOMIC_RELAXED);
		if (bad && g1 == g) {
			__atomic_add_fetch(&sl.lag, 1, __ATOMIC_RELAXED);
			if (__atomic_exchange_n(&sl.last_lag_gen, g, __ATOMIC_RELAXED) != g)
				__atomic_add_fetch(&sl.lag_resets, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static int status_lag_mode(int n, ull seconds)
{
	struct wsheap_create c;
	pthread_t rd[2];
	double end = wsh_now() + (double)seconds;
	ull off, gen, resets = 0;
	int i;

	sl.fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (sl.fd < 0 || wsh_create(sl.fd, ~0ULL, 4ULL << 20,
				    WSHEAP_CREATE_ZERO_ON_RESET, &c)) {
		printf("not ok %d status lag: setup: %s\n", n, strerror(errno));
		return 1;
	}
	sl.h = c.handle;
	sl.map = wsh_map(sl.fd, c.mmap_offset, 0, 4 << 20, PROT_READ | PROT_WRITE);
	sl.st = wsh_map_status(sl.fd, c.mmap_offset);
	if (sl.map == MAP_FAILED || !sl.st) {
		printf("not ok %d status lag: mmap: %s\n", n, strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++)
		pthread_create(&rd[i], NULL, sl_reader, NULL);
	while (wsh_now() < end) {
		if (wsh_alloc(sl.fd, sl.h, SL_BLOCK, ps, &off, &gen))
			break;
		memset(sl.map + off, 0xab, SL_BLOCK);
		__atomic_store_n(&sl.pub, gen << 32 | off / ps, __ATOMIC_RELEASE);
		wsh_sleep_us(2000);
		wsh_reset(sl.fd, sl.h, NULL);
		resets++;
	}
	sl.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	printf("# %llu resets, %llu checks: during %llu resets, %llu times, a block's data was already zeroed while the status page (read before and after) still showed its generation\n",
	       resets, sl.checks, sl.lag_resets, sl.lag);
	printf("%s %d status page generation changes before a reset destroys data\n",
	       sl.lag ? "not ok" : "ok", n);
	munmap(sl.map, 4 << 20);
	munmap((void *)sl.st, ps);
	close(sl.fd);
	return sl.lag != 0;
}

/* EXPORT_DMABUF far beyond the committed pages must fail with EINVAL, fast. */
static int dmabuf_range_mode(int n)
{
	struct wsheap_create c;
	int fd, x, bad = 0;
	double t0, dt;
	static const ull sizes[] = { 1ULL << 30, 1ULL << 36,
				     WSHEAP_STATUS_OFFSET - 4096 };
	unsigned int i;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || wsh_create(fd, ~0ULL, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, ps, 0, NULL, NULL)) {
		printf("not ok %d dmabuf range: setup: %s\n", n, strerror(errno));
		return 1;
	}
	for (i = 0; i < 3; i++) {
		t0 = wsh_now();
		x = wsh_dmabuf(fd, c.handle, 0, sizes[i], 0);
		dt = wsh_now() - t0;
		printf("# EXPORT_DMABUF of %llu bytes, one page committed: %s in %.3f s\n",
		       sizes[i], x < 0 ? strerror(-x) : "a dma-buf", dt);
		if (x != -EINVAL)
			bad = 1;
		if (x >= 0)
			close(x);
	}
	printf("%s %d EXPORT_DMABUF beyond the committed pages fails with EINVAL\n",
	       bad ? "not ok" : "ok", n);
	close(fd);
	return bad;
}

/*
 * RESET with its struct in a page it gives back: ABI 2's RESET writes
 * nothing back, so it simply resets; ABI 1's (RESET_V0) resets too, and
 * succeeds though the generation could not be written back.  (ABI 1 once
 * looked the argument up in the caller's mappings and refused with EFAULT.)
 */
static int reset_efault_mode(int n)
{
	struct wsheap_create c;
	struct wsheap_info i = { 0 };
	struct wsheap_reset *r;
	unsigned char *m;
	int fd, rc, rc0, bad;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || wsh_create(fd, 1 << 20, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, 2 * ps, 0, NULL, NULL)) {
		printf("not ok %d reset efault: setup: %s\n", n, strerror(errno));
		return 1;
	}
	m = wsh_map(fd, c.mmap_offset, 0, 2 * ps, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		printf("not ok %d reset efault: mmap: %s\n", n, strerror(errno));
		return 1;
	}
	r = (void *)(m + ps);	/* trim 0: the reset gives this page back */
	memset(r, 0, sizeof(*r));
	r->handle = c.handle;
	rc = wsh_ioctl(fd, WSHEAP_IOC_RESET, r);
	wsh_info(fd, c.handle, &i);
	printf("# RESET with its struct in a page it gives back: %s, generation now %llu, %llu bytes committed\n",
	       rc ? strerror(-rc) : "success", (ull)i.generation,
	       (ull)i.committed);
	bad = rc || i.generation != 1 || i.committed;
	/* the same with ABI 1's encoding, after committing the page again */
	rc0 = wsh_alloc(fd, c.handle, 2 * ps, 0, NULL, NULL);
	if (!rc0) {
		memset(r, 0, sizeof(*r));
		r->handle = c.handle;
		rc0 = wsh_ioctl(fd, WSHEAP_IOC_RESET_V0, r);
	}
	wsh_info(fd, c.handle, &i);
	printf("# RESET_V0 likewise: %s, generation now %llu\n",
	       rc0 ? strerror(-rc0) : "success", (ull)i.generation);
	bad |= rc0 || i.generation != 2 || i.committed;
	printf("%s %d a RESET whose argument lies in a page it gives back resets\n",
	       bad ? "not ok" : "ok", n);
	munmap(m, 2 * ps);
	close(fd);
	return bad;
}

/* The regression cases, TAP numbers n, n + 1, n + 2. */
static int regressions(int n, ull seconds)
{
	int fail = 0;

	fail |= status_lag_mode(n, seconds);
	fail |= dmabuf_range_mode(n + 1);
	fail |= reset_efault_mode(n + 2);
	return fail;
}

/* ------------------------------------------------------------- main --- */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--ops N] [--seconds N] [--procs N] [--threads N] [--faults] [--verbose]\n"
		"       %s [--seconds N] --repro status-lag|dmabuf-range|reset-efault\n",
		argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	bool long_budget = wsh_budget_long(), seconds_set = false;
	int i, fail = 0, status;
	pid_t pids[MAX_PROCS];
	double t0;
	char why[256] = "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	wsh_no_core_dumps();
	ps = wsh_ps();
	opt.seed = (ull)time(NULL) ^ ((ull)getpid() << 16);
	opt.ops = long_budget ? 1000000 : 200000;
	opt.seconds = long_budget ? 3600 : 25;
	opt.procs = long_budget ? 3 : 2;
	opt.threads = long_budget ? 3 : 2;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--faults"))
			opt.faults = true;
		else if (!strcmp(a, "--verbose"))
			opt.verbose = true;
		else if (i + 1 >= argc)
			usage(argv[0]);
		else if (!strcmp(a, "--seed"))
			opt.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--ops"))
			opt.ops = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--seconds"))
			opt.seconds = strtoull(argv[++i], NULL, 0), seconds_set = true;
		else if (!strcmp(a, "--procs"))
			opt.procs = atoi(argv[++i]);
		else if (!strcmp(a, "--threads"))
			opt.threads = atoi(argv[++i]);
		else if (!strcmp(a, "--repro")) {
			const char *what = argv[++i];

			printf("TAP version 13\n1..1\n");
			if (!strcmp(what, "status-lag"))
				return status_lag_mode(1, seconds_set ? opt.seconds : 5);
			if (!strcmp(what, "dmabuf-range"))
				return dmabuf_range_mode(1);
			if (!strcmp(what, "reset-efault"))
				return reset_efault_mode(1);
			usage(argv[0]);
		}
		else
			usage(argv[0]);
	}
	if (opt.procs < 1 || opt.procs > MAX_PROCS || opt.threads < 1 ||
	    opt.threads > MAX_THREADS)
		usage(argv[0]);

	printf("TAP version 13\n");
	printf("# wsheap_fuzz: seed=%llu ops=%llu seconds=%llu procs=%d threads=%d%s\n",
	       opt.seed, opt.ops, opt.seconds, opt.procs, opt.threads,
	       opt.faults ? " faults" : "");
	printf("1..%d\n", opt.procs + 4);
	if (access(WSHEAP_DEVICE, R_OK | W_OK)) {
		for (i = 0; i < opt.procs + 4; i++)
			printf("ok %d fuzz # SKIP %s: %s\n", i + 1, WSHEAP_DEVICE,
			       strerror(errno));
		return 0;
	}
	have_sample = !access("/dev/wsheap_sample", R_OK | W_OK);

	G = mmap(NULL, sizeof(*G), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (G == MAP_FAILED)
		return 1;
	wsh_rwlock_init_shared(&G->resetlock);
	for (i = 0; i < OP_NR; i++)
		total_weight += ops[i].weight;
	for (i = 0; i < opt.procs; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, socks[i])) {
			perror("socketpair");
			return 1;
		}
	wsh_guard_install();
	t0 = wsh_now();
	deadline = t0 + (double)opt.seconds;
	fflush(NULL);
	for (i = 0; i < opt.procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (!pids[i])
			_exit(proc_main(i));
	}
	for (i = 0; i < opt.procs; i++)
		close(socks[i][0]), close(socks[i][1]);
	{
		int st[MAX_PROCS], left = opt.procs, k;
		pid_t w;

		/* a process that dies early stops the others */
		while (left > 0 && (w = wait(&status)) > 0)
			for (k = 0; k < opt.procs; k++)
				if (pids[k] == w) {
					st[k] = status;
					left--;
					if (status)
						G->stop = 1;
				}
		if (G->violations)
			printf("# first violation: %s\n", G->first);
		for (i = 0; i < opt.procs; i++) {
			status = left ? -1 : st[i];
			if (status)
				printf("# process %d: wait status %#x\n", i, status);
			if (status || G->proc_viol[i])
				fail = 1;
			printf("%s %d fuzz proc=%d seed=%llu ops=%llu violations=%d\n",
			       status || G->proc_viol[i] ? "not ok" : "ok", i + 1, i,
			       opt.seed, G->proc_ops[i], G->proc_viol[i]);
		}
	}

	{
		ull all = 0;

		for (i = 0; i < opt.procs; i++)
			all += G->proc_ops[i];
		printf("# %llu operations in %.1f s (%.0f/s), seed %llu\n", all,
		       wsh_now() - t0, (double)all / (wsh_now() - t0), opt.seed);
	}
	for (i = 0; i < OP_NR; i++)
		printf("#   %-16s %8llu  %8.0f us each\n", ops[i].name,
		       G->opcount[i], G->opcount[i] ?
		       (double)G->opns[i] / 1e3 / (double)G->opcount[i] : 0.0);
	printf("# records verified %llu, shared blocks verified %llu, sample records %llu\n",
	       G->verified, G->pool_verified, G->sample_records);
	printf("# expected SIGBUS %llu, ENOMEM (injected) %llu, forks %llu, SIGKILLed children %llu/%llu\n",
	       G->sigbus_ok, G->enomem, G->forks, G->kills_seen, G->kills);
	printf("# SCM_RIGHTS sent %llu received %llu, heaps left without users %llu\n",
	       G->scm_sent, G->scm_recv, G->orphans);

	status = wsh_commitment_is_zero(why, sizeof(why));
	if (status < 0)
		printf("ok %d commitment back to zero # SKIP %s\n", opt.procs + 1,
		       why[0] ? why : strerror(-status));
	else
		printf("%s %d everything released after every process exited%s%s\n",
		       status ? "not ok" : "ok", opt.procs + 1, status ? ": " : "",
		       status ? why : "");
	if (status > 0)
		fail = 1;
	fail |= regressions(opt.procs + 2, long_budget ? 20 : 3);
	printf("# seed=%llu\n", opt.seed);
	return fail;
}
