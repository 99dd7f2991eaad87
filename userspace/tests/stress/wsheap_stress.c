// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap stress: P processes x T threads (2 x 8 by default) allocate
 * checksummed records, verify them, reset, export and import, for a while
 * (WSHEAP_BUDGET: short 6 s, long 60 s; --seconds overrides).
 *
 *  - every thread has a heap of its own (random flags and trim) and walks
 *    all of it now and then: every record's header, sequence number and
 *    checksum must be intact, the record count must match;
 *  - all threads of all processes also write records into one shared heap
 *    that process 0 creates and exports and the others import (passed over
 *    SCM_RIGHTS; exported and imported again every so often), resetting it
 *    when full: a record whose generation is still current (by INFO) must
 *    be intact;
 *  - a thread exports its own heap, imports it into another context and
 *    walks it through that import's mapping;
 *  - meanwhile the parent forks victims busy in wsheap (POPULATE of many
 *    pages, exports in flight over SCM_RIGHTS, dma-bufs, second contexts)
 *    and kills them with SIGKILL mid-operation; kmemleak at the end of the
 *    debug boot then finds anything they leaked, and the module's
 *    commitment must be back to zero once everything exited.
 *
 * TAP: one case per process (0 corrupted records), one for the victims
 * (each one really died of SIGKILL), one for the commitment.
 *
 *   wsheap_stress_test [--seconds N] [--procs N] [--threads N] [--seed N]
 */
#include "wsh_stress.h"

#include <pthread.h>

#define MAX_PROCS	4
#define MAX_THREADS	16
#define OWN_MAX		(4ULL << 20)
#define OWN_WIN		(OWN_MAX + (64 << 10))
#define SHARED_MAX	(1ULL << 20)
#define SHARED_WIN	(SHARED_MAX + (256 << 10))
#define NSHREC		64
#define REC_MAGIC	0x57534852u	/* "WSHR" */

struct rec_hdr {
	uint32_t magic;
	uint32_t owner;		/* proc << 8 | thread */
	uint64_t seq;
	uint64_t gen;
	uint32_t size;		/* whole record, header included */
	uint32_t pad;
	uint64_t sum;		/* FNV-1a of the header (sum = 0) and payload */
};

struct pstats {
	ull own_written, own_verified, own_walks, own_resets, own_corrupt;
	ull sh_written, sh_verified, sh_resets, sh_corrupt, sh_stale;
	ull exports, imports, reimports, errors;
	char first[512];
	int first_taken;
};

struct gstats {
	/*
	 * Shared-heap writers hold this shared from ALLOC to the end of their
	 * write, resets exclusively: a writer whose block a reset took away
	 * would otherwise write over the next generation (a stale pointer is
	 * the caller's bug in an arena).  Readers race with resets freely.
	 */
	pthread_rwlock_t resetlock;
	struct pstats p[MAX_PROCS];
	ull victims, victims_killed, victims_odd;
};

static struct gstats *G;
static struct {
	ull seconds;
	int procs, threads;
	ull seed;
} opt;
static ull ps;
static double deadline;
static int socks[MAX_PROCS][2];	/* process i receives on socks[i][0] */

struct sproc {
	int idx;
	int ctx;
	unsigned int sh;	/* the shared heap's handle here */
	unsigned char *shmap;
	volatile struct wsheap_status *shst;
	struct pstats *st;
};

struct sthr {
	struct sproc *P;
	int tid;
	struct wsh_rng r;
	int ctx2;
	unsigned int h;
	ull mmap_offset;
	unsigned char *map;
	unsigned int flags;
	ull trim;
	ull cursor, count, seq, gen;
	struct {
		ull off, gen, seq;
		uint32_t size;
		bool used;
	} sh[NSHREC];
	ull shseq;
	pthread_t pt;
	unsigned char buf[4096 + sizeof(struct rec_hdr)];
};

static void __attribute__((format(printf, 2, 3)))
error(struct sthr *t, const char *fmt, ...)
{
	struct pstats *st = t->P->st;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&st->errors, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "# proc %d thread %d: %s\n", t->P->idx, t->tid, msg);
	if (!__atomic_exchange_n(&st->first_taken, 1, __ATOMIC_ACQ_REL))
		snprintf(st->first, sizeof(st->first), "thread %d: %s", t->tid, msg);
}

#define ADD(t, f, n) __atomic_add_fetch(&(t)->P->st->f, (n), __ATOMIC_RELAXED)

/* Build a record of @size bytes (header included) into t->buf. */
static void make_rec(struct sthr *t, uint32_t size, ull seq, ull gen)
{
	struct rec_hdr *h = (void *)t->buf;

	h->magic = REC_MAGIC;
	h->owner = (uint32_t)(t->P->idx << 8 | t->tid);
	h->seq = seq;
	h->gen = gen;
	h->size = size;
	h->pad = 0;
	h->sum = 0;
	wsh_pat_fill(t->buf + sizeof(*h), size - sizeof(*h), wsh_mix64(seq) ^ h->owner, 0);
	h->sum = wsh_fnv(0, t->buf, size);
}

/* Is the record at @p intact (and what we expect)?  0, 1, or a signal. */
static int check_rec(struct sthr *t, volatile unsigned char *p, ull seq,
		     uint32_t size, ull gen, uint32_t *found_size)
{
	struct rec_hdr *h = (void *)t->buf, want;
	uint64_t sum;
	int rc;

	rc = wsh_guarded(WSH_READ, p, t->buf, sizeof(*h), NULL);
	if (rc)
		return rc;
	if (found_size)
		*found_size = h->size;
	if (h->magic != REC_MAGIC || h->size < sizeof(*h) ||
	    h->size > sizeof(t->buf) || (size && h->size != size) ||
	    h->seq != seq || h->gen != gen ||
	    h->owner != (uint32_t)(t->P->idx << 8 | t->tid))
		return 1;
	rc = wsh_guarded(WSH_READ, p + sizeof(*h), t->buf + sizeof(*h),
			 h->size - sizeof(*h), NULL);
	if (rc)
		return rc;
	want = *h;
	h->sum = 0;
	sum = wsh_fnv(0, t->buf, want.size);
	return sum != want.sum;
}

/* ---------------------------------------------------------- own heap --- */

static int own_setup(struct sthr *t)
{
	struct wsheap_create c;
	int rc;

	t->flags = (unsigned int)wsh_below(&t->r, 4);
	t->trim = wsh_below(&t->r, 4) ? wsh_below(&t->r, 1 << 20) : ~0ULL;
	rc = wsh_create(t->P->ctx, OWN_MAX, t->trim, t->flags, &c);
	if (rc) {
		error(t, "CREATE: %s", strerror(-rc));
		return rc;
	}
	t->h = c.handle;
	t->mmap_offset = c.mmap_offset;
	t->map = wsh_map(t->P->ctx, c.mmap_offset, 0, OWN_WIN,
			 PROT_READ | PROT_WRITE);
	if (t->map == MAP_FAILED) {
		error(t, "mmap: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Walk every record of the own heap through @base: all must be intact. */
static void own_walk(struct sthr *t, volatile unsigned char *base,
		     const char *via)
{
	ull off = 0, n = 0;
	uint32_t size = 0;
	int rc;

	while (off < t->cursor) {
		rc = check_rec(t, base + off, t->seq - t->count + n, 0, t->gen, &size);
		if (rc) {
			ADD(t, own_corrupt, 1);
			error(t, "own heap (%s, flags %u, gen %llu): record %llu at %llu: %s",
			      via, t->flags, t->gen, n, off,
			      rc == 1 ? "corrupted" : "signal");
			return;
		}
		off += (size + 7) & ~7u;
		n++;
	}
	if (n != t->count || off != t->cursor)
		error(t, "own heap walk (%s): %llu records up to %llu, want %llu up to %llu",
		      via, n, off, t->count, t->cursor);
	ADD(t, own_verified, n);
	ADD(t, own_walks, 1);
}

static void own_reset(struct sthr *t)
{
	struct wsheap_info i = { 0 };
	ull gen = 0;
	int rc;

	own_walk(t, t->map, "before reset");
	rc = wsh_reset(t->P->ctx, t->h, &gen);
	if (rc || gen != t->gen + 1) {
		error(t, "RESET: %s, generation %llu after %llu", strerror(-rc), gen, t->gen);
		return;
	}
	t->gen = gen;
	t->cursor = t->count = 0;
	ADD(t, own_resets, 1);
	rc = wsh_info(t->P->ctx, t->h, &i);
	if (rc || i.cursor || i.requested || i.generation != gen)
		error(t, "INFO after RESET: %s cursor %llu gen %llu", strerror(-rc),
		      (ull)i.cursor, (ull)i.generation);
}

static void own_write(struct sthr *t)
{
	uint32_t size = (uint32_t)(sizeof(struct rec_hdr) +
				   8 * (1 + wsh_below(&t->r, 256)));
	ull off, gen;
	int rc;

	rc = wsh_alloc(t->P->ctx, t->h, size, 8, &off, &gen);
	if (rc == -ENOSPC) {
		own_reset(t);
		return;
	}
	if (rc) {
		error(t, "ALLOC own: %s", strerror(-rc));
		return;
	}
	if (off != t->cursor || gen != t->gen) {
		error(t, "ALLOC own at %llu gen %llu, want %llu gen %llu", off, gen,
		      t->cursor, t->gen);
		t->cursor = off;
	}
	make_rec(t, size, t->seq, gen);
	rc = wsh_guarded(WSH_WRITE, t->map + off, t->buf, size, NULL);
	if (rc) {
		error(t, "writing own record at %llu: signal %d", off, rc);
		return;
	}
	t->cursor = off + size;
	t->count++;
	t->seq++;
	ADD(t, own_written, 1);
}

/* Export the own heap, import it elsewhere, walk it through the import. */
static void own_export_import(struct sthr *t)
{
	bool ro = wsh_chance(&t->r, 50);
	struct wsheap_import im = { 0 };
	unsigned char *m;
	int x, rc;

	if (t->ctx2 < 0)
		t->ctx2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	x = wsh_export(t->P->ctx, t->h, ro ? WSHEAP_EXPORT_RDONLY : 0);
	if (x < 0 || t->ctx2 < 0) {
		error(t, "EXPORT own: %s", strerror(x < 0 ? -x : errno));
		return;
	}
	ADD(t, exports, 1);
	rc = wsh_import(t->ctx2, x, &im);
	close(x);
	if (rc || im.access != (ro ? WSHEAP_ACCESS_RDONLY : 0u)) {
		error(t, "IMPORT own: %s access %u", strerror(-rc), im.access);
		return;
	}
	ADD(t, imports, 1);
	m = wsh_map(t->ctx2, im.mmap_offset, 0, OWN_WIN, PROT_READ);
	if (m == MAP_FAILED) {
		error(t, "mmap of an import: %s", strerror(errno));
	} else {
		own_walk(t, m, ro ? "read-only import" : "import");
		munmap(m, OWN_WIN);
	}
	if (ro && wsh_alloc(t->ctx2, im.handle, 8, 0, NULL, NULL) != -EPERM)
		error(t, "ALLOC through a read-only import was not refused");
	rc = wsh_destroy(t->ctx2, im.handle);
	if (rc)
		error(t, "DESTROY of an import: %s", strerror(-rc));
}

/* -------------------------------------------------------- shared heap --- */

static ull shared_info_gen(struct sthr *t)
{
	struct wsheap_info i = { 0 };
	int rc = wsh_info(t->P->ctx, t->P->sh, &i);

	if (rc) {
		error(t, "INFO shared: %s", strerror(-rc));
		return ~0ULL;
	}
	if (i.requested > i.max_size || i.cursor < i.requested ||
	    i.committed % ps || i.committed < i.cursor)
		error(t, "INFO shared inconsistent: req %llu max %llu cur %llu com %llu",
		      (ull)i.requested, (ull)i.max_size, (ull)i.cursor,
		      (ull)i.committed);
	return i.generation;
}

static void shared_check(struct sthr *t, int k)
{
	volatile struct wsheap_status *st = t->P->shst;
	ull g0, g1;
	int rc;

	if (!t->sh[k].used)
		return;
	g0 = wsh_status_gen(st);
	if (g0 != t->sh[k].gen) {
		t->sh[k].used = false;
		ADD(t, sh_stale, 1);
		return;
	}
	rc = check_rec(t, t->P->shmap + t->sh[k].off, t->sh[k].seq,
		       t->sh[k].size, t->sh[k].gen, NULL);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	g1 = wsh_status_gen(st);
	if (!rc) {
		ADD(t, sh_verified, 1);
		return;
	}
	/* INFO waits for a reset in progress: it decides */
	if (shared_info_gen(t) == t->sh[k].gen) {
		ADD(t, sh_corrupt, 1);
		error(t, "shared heap: record at %llu of current generation %llu: %s (status %llu/%llu)",
		      t->sh[k].off, t->sh[k].gen, rc == 1 ? "corrupted" : "signal",
		      g0, g1);
	} else {
		ADD(t, sh_stale, 1);
	}
	t->sh[k].used = false;
}

static void shared_write(struct sthr *t)
{
	uint32_t size = (uint32_t)(sizeof(struct rec_hdr) +
				   8 * (1 + wsh_below(&t->r, 128)));
	int k = (int)(t->shseq % NSHREC), rc;
	ull off, gen;

	if (wsh_rwlock_timed(&G->resetlock, false)) {
		error(t, "the shared reset lock is stuck");
		return;
	}
	rc = wsh_alloc(t->P->ctx, t->P->sh, size, 8, &off, &gen);
	if (rc == -ENOSPC) {
		pthread_rwlock_unlock(&G->resetlock);
		if (wsh_rwlock_timed(&G->resetlock, true)) {
			error(t, "the shared reset lock is stuck");
			return;
		}
		rc = wsh_reset(t->P->ctx, t->P->sh, NULL);
		pthread_rwlock_unlock(&G->resetlock);
		if (rc)
			error(t, "RESET shared: %s", strerror(-rc));
		else
			ADD(t, sh_resets, 1);
		return;
	}
	if (rc || off + size > SHARED_WIN) {
		pthread_rwlock_unlock(&G->resetlock);
		if (rc)
			error(t, "ALLOC shared: %s", strerror(-rc));
		return;
	}
	make_rec(t, size, t->shseq, gen);
	rc = wsh_guarded(WSH_WRITE, t->P->shmap + off, t->buf, size, NULL);
	pthread_rwlock_unlock(&G->resetlock);
	if (rc) {
		if (shared_info_gen(t) == gen)
			error(t, "writing a shared record of the current generation: signal %d", rc);
		return;
	}
	t->sh[k].off = off;
	t->sh[k].gen = gen;
	t->sh[k].seq = t->shseq++;
	t->sh[k].size = size;
	t->sh[k].used = true;
	ADD(t, sh_written, 1);
	shared_check(t, k);
}

/* Thread 0: pass the shared heap on again, and take what others pass. */
static void shared_pass(struct sthr *t)
{
	struct wsheap_import im = { 0 };
	struct wsheap_info i = { 0 };
	ull magic = SHARED_MAX;
	int x, fd, rc, to = (t->P->idx + 1) % opt.procs;
	ssize_t n;

	x = wsh_export(t->P->ctx, t->P->sh, wsh_chance(&t->r, 50) ?
		       WSHEAP_EXPORT_RDONLY : 0);
	if (x >= 0) {
		if (!wsh_send_fd(socks[to][1], x, &magic, sizeof(magic),
				 MSG_DONTWAIT))
			ADD(t, exports, 1);
		close(x);
	}
	while ((n = wsh_recv_fd(socks[t->P->idx][0], &fd, &magic, sizeof(magic),
				MSG_DONTWAIT)) > 0) {
		if (fd < 0)
			continue;
		rc = wsh_import(t->P->ctx, fd, &im);
		close(fd);
		if (rc) {
			error(t, "IMPORT of the shared heap again: %s", strerror(-rc));
			continue;
		}
		rc = wsh_info(t->P->ctx, im.handle, &i);
		if (rc || i.max_size != SHARED_MAX)
			error(t, "INFO of the shared heap's second handle: %s", strerror(-rc));
		wsh_destroy(t->P->ctx, im.handle);
		ADD(t, reimports, 1);
	}
}

/* ------------------------------------------------------------ threads --- */

static void *thread_main(void *arg)
{
	struct sthr *t = arg;
	double next_pass = wsh_now() + 0.5;

	if (own_setup(t))
		return NULL;
	while (wsh_now() < deadline) {
		unsigned int r = (unsigned int)wsh_below(&t->r, 1000);

		if (r < 550) {
			own_write(t);
		} else if (r < 850) {
			shared_write(t);
		} else if (r < 900) {
			own_walk(t, t->map, "own mapping");
		} else if (r < 985) {
			shared_check(t, (int)wsh_below(&t->r, NSHREC));
		} else if (r < 995) {
			own_export_import(t);
		} else {
			own_reset(t);
		}
		if (t->tid == 0 && wsh_now() > next_pass) {
			shared_pass(t);
			next_pass = wsh_now() + 0.5;
		}
	}
	own_walk(t, t->map, "at the end");
	return NULL;
}

static int proc_main(int idx)
{
	struct sproc P = { .idx = idx, .st = &G->p[idx] };
	struct sthr *ts;
	ull mmap_offset = 0, magic;
	int i, fd = -1, rc;

	P.ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (P.ctx < 0)
		return 10;
	if (idx == 0) {
		struct wsheap_create c;

		rc = wsh_create(P.ctx, SHARED_MAX, 1 << 20, 0, &c);
		if (rc)
			return 11;
		P.sh = c.handle;
		mmap_offset = c.mmap_offset;
		for (i = 1; i < opt.procs; i++) {
			int x = wsh_export(P.ctx, P.sh, 0);

			magic = SHARED_MAX;
			if (x < 0 || wsh_send_fd(socks[i][1], x, &magic, sizeof(magic), 0))
				return 12;
			close(x);
		}
	} else {
		struct wsheap_import im;

		if (wsh_recv_fd(socks[idx][0], &fd, &magic, sizeof(magic), 0) < 0 ||
		    fd < 0)
			return 13;
		rc = wsh_import(P.ctx, fd, &im);
		close(fd);
		if (rc)
			return 14;
		P.sh = im.handle;
		mmap_offset = im.mmap_offset;
	}
	P.shmap = wsh_map(P.ctx, mmap_offset, 0, SHARED_WIN, PROT_READ | PROT_WRITE);
	P.shst = wsh_map_status(P.ctx, mmap_offset);
	if (P.shmap == MAP_FAILED || !P.shst)
		return 15;

	ts = calloc((size_t)opt.threads, sizeof(*ts));
	if (!ts)
		return 16;
	for (i = 0; i < opt.threads; i++) {
		ts[i].P = &P;
		ts[i].tid = i;
		ts[i].ctx2 = -1;
		ts[i].r.s = wsh_mix64(opt.seed + (ull)idx * 7919 + (ull)i);
		if (pthread_create(&ts[i].pt, NULL, thread_main, &ts[i]))
			return 17;
	}
	for (i = 0; i < opt.threads; i++)
		pthread_join(ts[i].pt, NULL);
	return 0;
}

/* ------------------------------------------------------------ victims --- */

/* Busy in wsheap until SIGKILL: long populates, descriptors in flight. */
static void __attribute__((noreturn)) victim(ull seed)
{
	struct wsh_rng r = { seed };
	struct wsheap_create c;
	struct wsheap_import im = { 0 };
	int fd, fd2, sv[2], x, d;

	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	fd2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fd2 < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		_exit(3);
	for (;;) {
		unsigned char *m;
		ull off;

		if (wsh_create(fd, 256ULL << 20, wsh_below(&r, 8 << 20),
			       (unsigned int)wsh_below(&r, 4) | WSHEAP_CREATE_POPULATE, &c))
			continue;
		/* populating thousands of pages: SIGKILL often lands in here */
		wsh_alloc(fd, c.handle, (4ULL << 20) + wsh_below(&r, 28ULL << 20),
			  0, &off, NULL);
		m = wsh_map(fd, c.mmap_offset, 0, 1 << 20, PROT_READ | PROT_WRITE);
		if (m != MAP_FAILED)
			memset(m, 0x77, 1 << 20);
		x = wsh_export(fd, c.handle, (unsigned int)wsh_below(&r, 2));
		if (x >= 0) {
			wsh_send_fd(sv[0], x, "v", 1, MSG_DONTWAIT);
			if (!wsh_import(fd2, x, &im) && wsh_below(&r, 2))
				wsh_destroy(fd2, im.handle);
			close(x);
		}
		d = wsh_dmabuf(fd, c.handle, 0, 64 << 10, 0);
		wsh_leave_at_random(&r, fd, c.handle, d, 2);
	}
}

static void run_victims(void)
{
	struct wsh_rng r = { opt.seed ^ 0xdeadbeef };
	int status;
	pid_t pid;

	while (wsh_now() < deadline) {
		pid = fork();
		if (pid < 0)
			break;
		if (!pid)
			victim(wsh_rand(&r));
		wsh_sleep_us(5000 + (unsigned int)wsh_below(&r, 300000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		G->victims++;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			G->victims_killed++;
		else
			G->victims_odd++;
	}
}

/* --------------------------------------------------------------- main --- */

int main(int argc, char **argv)
{
	bool long_budget = wsh_budget_long();
	pid_t pids[MAX_PROCS];
	int i, status, fail = 0, n = 0;
	char why[256] = "";
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	wsh_no_core_dumps();
	ps = wsh_ps();
	opt.seconds = long_budget ? 60 : 6;
	opt.procs = 2;
	opt.threads = 8;
	opt.seed = (ull)time(NULL);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			opt.seconds = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--procs"))
			opt.procs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			opt.threads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			opt.seed = strtoull(argv[i + 1], NULL, 0);
		else
			break;
	}
	if (i < argc || opt.procs < 1 || opt.procs > MAX_PROCS ||
	    opt.threads < 1 || opt.threads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [--seconds N] [--procs N] [--threads N] [--seed N]\n",
			argv[0]);
		return 2;
	}
	printf("TAP version 13\n# wsheap_stress: %d processes x %d threads, %llu s, seed %llu\n",
	       opt.procs, opt.threads, opt.seconds, opt.seed);
	printf("1..%d\n", opt.procs + 2);
	if (wsh_skip_without_device(opt.procs + 2, "stress"))
		return 0;
	G = mmap(NULL, sizeof(*G), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (G == MAP_FAILED)
		return 1;
	wsh_rwlock_init_shared(&G->resetlock);
	wsh_guard_install();
	t0 = wsh_now();
	deadline = t0 + (double)opt.seconds;
	if (wsh_start_procs(opt.procs, socks, pids, proc_main))
		return 1;
	run_victims();
	for (i = 0; i < opt.procs; i++) {
		struct pstats *s = &G->p[i];
		bool bad;

		waitpid(pids[i], &status, 0);
		bad = status || s->own_corrupt || s->sh_corrupt || s->errors;
		fail |= bad;
		printf("# proc %d: own records written %llu verified %llu (%llu walks, %llu resets); shared written %llu verified %llu stale %llu resets %llu; exports %llu imports %llu re-imports %llu\n",
		       i, s->own_written, s->own_verified, s->own_walks, s->own_resets,
		       s->sh_written, s->sh_verified, s->sh_stale, s->sh_resets,
		       s->exports, s->imports, s->reimports);
		if (s->errors)
			printf("# proc %d: %llu errors, first: %s\n", i, s->errors, s->first);
		printf("%s %d stress proc %d: %llu+%llu records, %llu corrupted (exit status %#x)\n",
		       bad ? "not ok" : "ok", ++n, i, s->own_written, s->sh_written,
		       s->own_corrupt + s->sh_corrupt, status);
	}
	printf("%s %d victims killed with SIGKILL mid-operation: %llu of %llu\n",
	       G->victims_killed && !G->victims_odd ? "ok" : "not ok", ++n,
	       G->victims_killed, G->victims);
	fail |= !G->victims_killed || G->victims_odd;
	status = wsh_commitment_is_zero(why, sizeof(why));
	if (status < 0)
		printf("ok %d commitment back to zero # SKIP %s\n", ++n,
		       why[0] ? why : strerror(-status));
	else
		printf("%s %d everything released after every process exited%s%s\n",
		       status ? "not ok" : "ok", ++n, status ? ": " : "", status ? why : "");
	fail |= status > 0;
	printf("# %.1f s\n", wsh_now() - t0);
	return fail;
}
