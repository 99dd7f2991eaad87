// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap under allocation failures (failslab and fail_page_alloc, on the
 * debug kernel; skipped where /sys/kernel/debug/failslab is missing).
 *
 * 1. Systematic: for every operation that allocates in the kernel (open,
 *    CREATE, ALLOC of a POPULATE heap, a lazy fault, EXPORT, IMPORT,
 *    EXPORT_DMABUF, mmap of a heap and of a dma-buf, the sample driver),
 *    fail its 1st, 2nd, ... allocation through /proc/thread-self/fail-nth
 *    until it has none left.  Each injected failure must surface as
 *    -ENOMEM (SIGBUS for a lazy fault), change nothing (INFO unchanged, no
 *    user count leaked: the last DESTROY still gives the memory back), and
 *    the same call must work once injection stops.  Calls that allocate
 *    nothing (lazy ALLOC, RESET, INFO, DESTROY, close) must not fail.
 * 2. Random: failslab and fail_page_alloc at a probability, task-filter on,
 *    aimed at this task (make-it-fail), across a random mix of calls;
 *    every result is success, -ENOMEM or SIGBUS, records written before
 *    stay intact, and everything works again afterwards.
 *
 * 3. A regression case: a destroyed handle is not reused when allocations
 *    fail (handle_reuse_mode(); wsheap_faults_test --repro handle-reuse
 *    runs it alone).
 *
 * The knobs (probability, interval, times, space, verbose, task-filter,
 * ignore-gfp-wait, ignore-gfp-highmem, min-order) are saved and restored.
 * verbose is 0: a stack dump per failure would read as a splat to the
 * harness.  kmemleak at the end of the debug boot checks for leaks.
 */
#include "wsh_stress.h"

#include "wsheap_sample.h"

#define DBG	"/sys/kernel/debug/"
#define MAXNTH	400

static ull ps;
static int nthfd = -1;
static int tap_n;
static int failed;

/* ------------------------------------------------------------ knobs --- */

static const char *const knobs[] = {
	"failslab/probability", "failslab/interval", "failslab/times",
	"failslab/space", "failslab/verbose", "failslab/task-filter",
	"failslab/ignore-gfp-wait",
	"fail_page_alloc/probability", "fail_page_alloc/interval",
	"fail_page_alloc/times", "fail_page_alloc/space",
	"fail_page_alloc/verbose", "fail_page_alloc/task-filter",
	"fail_page_alloc/ignore-gfp-wait", "fail_page_alloc/ignore-gfp-highmem",
	"fail_page_alloc/min-order",
};
#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))
static char saved[NKNOBS][32];
static bool knobs_saved;

static int knob(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "%s", name);
	return wsh_write_file(path, val);
}

static void knobs_restore(void)
{
	size_t i;

	if (!knobs_saved)
		return;
	/* probabilities last-but-first: nothing fails while restoring */
	knob("failslab/probability", "0");
	knob("fail_page_alloc/probability", "0");
	for (i = 0; i < NKNOBS; i++)
		knob(knobs[i], saved[i]);
	knobs_saved = false;
}

static int knobs_save(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < NKNOBS; i++) {
		snprintf(path, sizeof(path), DBG "%s", knobs[i]);
		if (wsh_read_file(path, saved[i], sizeof(saved[i])))
			return -1;
	}
	knobs_saved = true;
	atexit(knobs_restore);
	return 0;
}

/* Everything fails-able, nothing reported loudly, nothing random yet. */
static int knobs_base(void)
{
	static const char *const both[] = { "failslab/", "fail_page_alloc/" };
	char name[64];
	int i, rc = 0;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%sprobability", both[i]);
		rc |= knob(name, "0");
		snprintf(name, sizeof(name), "%sverbose", both[i]);
		rc |= knob(name, "0");
		snprintf(name, sizeof(name), "%sinterval", both[i]);
		rc |= knob(name, "1");
		snprintf(name, sizeof(name), "%stimes", both[i]);
		rc |= knob(name, "-1");
		snprintf(name, sizeof(name), "%sspace", both[i]);
		rc |= knob(name, "0");
		snprintf(name, sizeof(name), "%stask-filter", both[i]);
		rc |= knob(name, "Y");
		snprintf(name, sizeof(name), "%signore-gfp-wait", both[i]);
		rc |= knob(name, "N");
	}
	rc |= knob("fail_page_alloc/ignore-gfp-highmem", "N");
	rc |= knob("fail_page_alloc/min-order", "0");
	return rc;
}

/* fail-nth: arm, and read back whether the failure was injected. */
static void nth_arm(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nthfd, b, (size_t)len, 0) != len)
		fprintf(stderr, "# fail-nth write: %s\n", strerror(errno));
}

/* true if the armed failure happened; disarms either way */
static bool nth_hit(void)
{
	char b[16] = "";
	ssize_t n = pread(nthfd, b, sizeof(b) - 1, 0);
	bool hit = n > 0 && atoi(b) == 0;

	if (pwrite(nthfd, "0", 1, 0) != 1)
		fprintf(stderr, "# fail-nth disarm: %s\n", strerror(errno));
	return hit;
}

/* ----------------------------------------------------------- helpers --- */

static char why[512];

#define BAD(...) do {							\
	if (!why[0])							\
		snprintf(why, sizeof(why), __VA_ARGS__);		\
	fprintf(stderr, "# " __VA_ARGS__);				\
	fprintf(stderr, "\n");						\
} while (0)

static void tap(bool ok, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s %d %s%s%s\n", ok ? "ok" : "not ok", ++tap_n, msg,
	       ok ? "" : ": ", ok ? "" : why);
	if (!ok)
		failed = 1;
	why[0] = 0;
}

static bool same_info(const struct wsheap_info *a, const struct wsheap_info *b)
{
	/* resident may grow: a failed call may leave pages it allocated */
	return a->max_size == b->max_size && a->trim_size == b->trim_size &&
	       a->requested == b->requested && a->committed == b->committed &&
	       a->cursor == b->cursor && a->generation == b->generation &&
	       a->flags == b->flags && b->resident <= b->committed;
}

/* The heap's memory is given back by its last DESTROY: proof no user leaked. */
static bool destroys_cleanly(int ctx, unsigned int h, unsigned char *win,
			     volatile struct wsheap_status *st, const char *what)
{
	int rc = wsh_destroy(ctx, h);

	if (rc) {
		BAD("%s: DESTROY: %s", what, strerror(-rc));
		return false;
	}
	if (st && !(st->flags & WSHEAP_STATUS_DEAD)) {
		BAD("%s: the last DESTROY did not give the memory back (a user leaked)", what);
		return false;
	}
	if (win && wsh_probe(win, false) != SIGBUS) {
		BAD("%s: page still reachable after the last DESTROY", what);
		return false;
	}
	return true;
}

struct heap {
	unsigned int h;
	ull mmap_offset;
	unsigned char *win;
	volatile struct wsheap_status *st;
};

static int heap_new(int ctx, ull max, ull trim, unsigned int flags, ull alloc,
		    struct heap *hp)
{
	struct wsheap_create c;
	int rc;

	memset(hp, 0, sizeof(*hp));
	rc = wsh_create(ctx, max, trim, flags, &c);
	if (rc)
		return rc;
	hp->h = c.handle;
	hp->mmap_offset = c.mmap_offset;
	if (alloc && (rc = wsh_alloc(ctx, hp->h, alloc, 0, NULL, NULL)))
		return rc;
	hp->win = wsh_map(ctx, c.mmap_offset, 0, 2 << 20, PROT_READ | PROT_WRITE);
	hp->st = wsh_map_status(ctx, c.mmap_offset);
	if (hp->win == MAP_FAILED || !hp->st)
		return -errno;
	return 0;
}

static void heap_unmap(struct heap *hp)
{
	if (hp->win && hp->win != MAP_FAILED)
		munmap(hp->win, 2 << 20);
	if (hp->st)
		munmap((void *)hp->st, ps);
}

/* ------------------------------------------------------ the sweeps --- */

/*
 * One operation under test: @setup runs without injection, @op with the
 * n-th allocation failing, @check afterwards (with the op's result), then
 * @retry must work without injection, and @cleanup.
 */
struct sweep {
	const char *name;
	bool sigbus;		/* a lazy fault: SIGBUS is the failure */
	bool none;		/* allocates nothing: must never fail */
	int (*setup)(void *st);
	int (*op)(void *st);
	bool (*check)(void *st, int rc);
	int (*retry)(void *st);
	bool (*cleanup)(void *st);
};

struct sstate {
	int ctx, ctx2, fd, x;
	struct heap hp;
	struct wsheap_info before;
	unsigned int h2;
	void *m;
	size_t mlen;
};

static int ctx_open(struct sstate *s)
{
	s->ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	s->ctx2 = -1;
	s->fd = s->x = -1;
	s->m = NULL;
	return s->ctx < 0 ? -errno : 0;
}

static bool info_unchanged(struct sstate *s, const char *what)
{
	struct wsheap_info now;
	int rc = wsh_info(s->ctx, s->hp.h, &now);

	if (rc) {
		BAD("%s: INFO after a failure: %s", what, strerror(-rc));
		return false;
	}
	if (!same_info(&s->before, &now)) {
		BAD("%s: a failed call changed the heap (cursor %llu->%llu committed %llu->%llu req %llu->%llu)",
		    what, (ull)s->before.cursor, (ull)now.cursor,
		    (ull)s->before.committed, (ull)now.committed,
		    (ull)s->before.requested, (ull)now.requested);
		return false;
	}
	return true;
}

/* open */
static int open_setup(void *v) { ((struct sstate *)v)->fd = -1; return 0; }
static int open_op(void *v)
{
	struct sstate *s = v;

	s->fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	return s->fd < 0 ? -errno : 0;
}
static bool open_check(void *v, int rc) { (void)v; (void)rc; return true; }
static bool open_cleanup(void *v)
{
	struct sstate *s = v;
	struct wsheap_create c;
	bool ok = true;

	if (s->fd >= 0) {
		/* the context works */
		if (wsh_create(s->fd, 1 << 20, 0, 0, &c) ||
		    wsh_destroy(s->fd, c.handle)) {
			BAD("open: the new context does not work");
			ok = false;
		}
		close(s->fd);
	}
	s->fd = -1;
	return ok;
}

/* CREATE */
static int create_setup(void *v) { return ctx_open(v); }
static int create_op(void *v)
{
	struct sstate *s = v;
	struct wsheap_create c;
	int rc = wsh_create(s->ctx, 1 << 20, 0, WSHEAP_CREATE_POPULATE, &c);

	s->hp.h = rc ? 0 : c.handle;
	return rc;
}
static bool create_check(void *v, int rc) { (void)v; (void)rc; return true; }
static int create_retry(void *v) { return create_op(v); }
static bool create_cleanup(void *v)
{
	struct sstate *s = v;
	bool ok = true;

	if (s->hp.h && wsh_destroy(s->ctx, s->hp.h)) {
		BAD("CREATE: DESTROY of the new heap failed");
		ok = false;
	}
	close(s->ctx);
	return ok;
}

/* ALLOC of a POPULATE heap: 16 pages allocated at once */
static int apop_setup(void *v)
{
	struct sstate *s = v;
	int rc = ctx_open(s);

	if (!rc)
		rc = heap_new(s->ctx, 1 << 20, 0, WSHEAP_CREATE_POPULATE, ps, &s->hp);
	if (!rc) {
		memset(s->hp.win, 0x5c, ps);
		rc = wsh_info(s->ctx, s->hp.h, &s->before);
	}
	return rc;
}
static int apop_op(void *v)
{
	struct sstate *s = v;

	return wsh_alloc(s->ctx, s->hp.h, 16 * ps, 0, NULL, NULL);
}
static bool apop_check(void *v, int rc)
{
	struct sstate *s = v;
	struct wsheap_info i = { 0 };

	if (rc)
		return info_unchanged(s, "ALLOC (POPULATE)");
	if (wsh_info(s->ctx, s->hp.h, &i) || i.resident != i.committed) {
		BAD("ALLOC (POPULATE): resident %llu != committed %llu",
		    (ull)i.resident, (ull)i.committed);
		return false;
	}
	return true;
}
static bool heap_cleanup(void *v)
{
	struct sstate *s = v;
	bool ok = true;

	/* the first page still holds what was written before */
	if (s->hp.win && wsh_guarded(WSH_ZERO_CHECK, s->hp.win + 8, NULL, 8, NULL) != 1) {
		BAD("data written before the failures is gone");
		ok = false;
	}
	if (s->x >= 0)
		close(s->x);
	if (s->h2)
		wsh_destroy(s->ctx2 >= 0 ? s->ctx2 : s->ctx, s->h2);
	if (s->ctx2 >= 0)
		close(s->ctx2);
	if (s->m)
		munmap(s->m, s->mlen);
	ok &= destroys_cleanly(s->ctx, s->hp.h, s->hp.win, s->hp.st, "cleanup");
	heap_unmap(&s->hp);
	close(s->ctx);
	memset(s, 0, sizeof(*s));
	return ok;
}

/* ALLOC of a lazy heap: allocates nothing, never fails */
static int alazy_setup(void *v)
{
	struct sstate *s = v;
	int rc = ctx_open(s);

	if (!rc)
		rc = heap_new(s->ctx, ~0ULL, 0, 0, ps, &s->hp);
	if (!rc)
		memset(s->hp.win, 0x5c, 64);
	return rc;
}
static int alazy_op(void *v)
{
	struct sstate *s = v;

	return wsh_alloc(s->ctx, s->hp.h, 64ULL << 20, 0, NULL, NULL);
}
static bool ok_check(void *v, int rc) { (void)v; (void)rc; return true; }

/* RESET and INFO: nothing allocated */
static int reset_op(void *v)
{
	struct sstate *s = v;
	struct wsheap_info i;
	int rc = wsh_reset(s->ctx, s->hp.h, NULL);

	if (!rc)
		rc = wsh_info(s->ctx, s->hp.h, &i);
	if (!rc)
		rc = wsh_alloc(s->ctx, s->hp.h, 64, 0, NULL, NULL);
	return rc;
}
static int zreset_setup(void *v)
{
	struct sstate *s = v;
	int rc = ctx_open(s);

	if (!rc)
		rc = heap_new(s->ctx, ~0ULL, ~0ULL, WSHEAP_CREATE_ZERO_ON_RESET,
			      4 * ps, &s->hp);
	if (!rc)
		memset(s->hp.win, 0x5c, 4 * ps);
	return rc;
}
static bool zreset_cleanup(void *v)
{
	struct sstate *s = v;

	/* the kept pages were zeroed by the reset; put the marker back */
	if (wsh_guarded(WSH_ZERO_CHECK, s->hp.win, NULL, 4 * ps, NULL)) {
		BAD("ZERO_ON_RESET: kept pages not zero after RESET");
		heap_cleanup(v);
		return false;
	}
	memset(s->hp.win, 0x5c, 64);
	return heap_cleanup(v);
}

/* a lazy fault: the page is allocated on first touch */
static int fault_setup(void *v)
{
	struct sstate *s = v;
	int rc = ctx_open(s);

	if (!rc)
		rc = heap_new(s->ctx, ~0ULL, 0, 0, 8 * ps, &s->hp);
	if (!rc) {
		/* page 0 now: the page table the touch needs exists */
		memset(s->hp.win, 0x5c, 64);
		rc = wsh_info(s->ctx, s->hp.h, &s->before);
	}
	return rc;
}
static int fault_op(void *v)
{
	struct sstate *s = v;
	unsigned char b = 0x42;
	int rc = wsh_guarded(WSH_WRITE, s->hp.win + 5 * ps, &b, 1, NULL);

	return rc ? -rc : 0;
}
static bool fault_check(void *v, int rc)
{
	struct sstate *s = v;

	if (rc)
		return info_unchanged(s, "lazy fault");
	if (s->hp.win[5 * ps] != 0x42) {
		BAD("lazy fault: the byte written is not there");
		return false;
	}
	return true;
}

/* EXPORT */
static int export_setup(void *v)
{
	struct sstate *s = v;
	int rc = ctx_open(s);

	if (!rc)
		rc = heap_new(s->ctx, ~0ULL, 0, 0, ps, &s->hp);
	if (!rc) {
		memset(s->hp.win, 0x5c, 64);
		rc = wsh_info(s->ctx, s->hp.h, &s->before);
	}
	return rc;
}
static int export_op(void *v)
{
	struct sstate *s = v;
	int x = wsh_export(s->ctx, s->hp.h, 0);

	s->x = x < 0 ? -1 : x;
	return x < 0 ? x : 0;
}
static int export_retry(void *v)
{
	struct sstate *s = v;

	if (s->x >= 0)
		close(s->x);
	return export_op(v);
}

/* IMPORT, into a second context */
static int import_setup(void *v)
{
	struct sstate *s = v;
	int rc = export_setup(v);

	if (!rc) {
		s->x = wsh_export(s->ctx, s->hp.h, 0);
		s->ctx2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
		if (s->x < 0 || s->ctx2 < 0)
			rc = -EIO;
	}
	return rc;
}
static int import_op(void *v)
{
	struct sstate *s = v;
	struct wsheap_import im;
	int rc = wsh_import(s->ctx2, s->x, &im);

	s->h2 = rc ? 0 : im.handle;
	return rc;
}
static bool import_check(void *v, int rc)
{
	struct sstate *s = v;
	struct wsheap_info i;

	if (rc)
		return true;
	if (wsh_info(s->ctx2, s->h2, &i) || i.generation != s->before.generation) {
		BAD("IMPORT: the new handle does not work");
		return false;
	}
	return true;
}
static int import_retry(void *v)
{
	struct sstate *s = v;

	if (s->h2)
		wsh_destroy(s->ctx2, s->h2);
	return import_op(v);
}
static bool import_cleanup(void *v)
{
	struct sstate *s = v;

	/* drop the other users first: the owner's DESTROY must then kill it */
	if (s->h2 && wsh_destroy(s->ctx2, s->h2))
		BAD("IMPORT: DESTROY of the import failed");
	s->h2 = 0;
	close(s->x);
	s->x = -1;
	return heap_cleanup(v);
}
static bool export_cleanup(void *v)
{
	struct sstate *s = v;

	if (s->x >= 0)
		close(s->x);
	s->x = -1;
	return heap_cleanup(v);
}

/* EXPORT_DMABUF of 4 pages nobody touched yet */
static int dmabuf_op(void *v)
{
	struct sstate *s = v;
	int x = wsh_dmabuf(s->ctx, s->hp.h, 4 * ps, 4 * ps, 0);

	s->x = x < 0 ? -1 : x;
	return x < 0 ? x : 0;
}
static int dmabuf_setup(void *v)
{
	struct sstate *s = v;
	int rc = ctx_open(s);

	if (!rc)
		rc = heap_new(s->ctx, ~0ULL, 0, 0, 16 * ps, &s->hp);
	if (!rc) {
		memset(s->hp.win, 0x5c, 64);
		rc = wsh_info(s->ctx, s->hp.h, &s->before);
	}
	return rc;
}
static bool dmabuf_check(void *v, int rc)
{
	struct sstate *s = v;
	void *m;

	if (rc)
		return info_unchanged(s, "EXPORT_DMABUF");
	m = mmap(NULL, 4 * ps, PROT_READ, MAP_SHARED, s->x, 0);
	if (m == MAP_FAILED) {
		BAD("EXPORT_DMABUF: mmap of the dma-buf: %s", strerror(errno));
		return false;
	}
	munmap(m, 4 * ps);
	return true;
}
static int dmabuf_retry(void *v)
{
	struct sstate *s = v;

	if (s->x >= 0)
		close(s->x);
	return dmabuf_op(v);
}

/* mmap of a heap window */
static int mmap_op(void *v)
{
	struct sstate *s = v;

	s->mlen = 8 * ps;
	s->m = wsh_map(s->ctx, s->hp.mmap_offset, 0, s->mlen,
		       PROT_READ | PROT_WRITE);
	if (s->m == MAP_FAILED) {
		s->m = NULL;
		return -errno;
	}
	return 0;
}
static bool mmap_check(void *v, int rc)
{
	struct sstate *s = v;

	if (rc)
		return info_unchanged(s, "mmap");
	if (((volatile unsigned char *)s->m)[0] != 0x5c) {
		BAD("mmap: the new window does not show the heap");
		return false;
	}
	return true;
}
static int mmap_retry(void *v)
{
	struct sstate *s = v;

	if (s->m)
		munmap(s->m, s->mlen);
	return mmap_op(v);
}

/* mmap of a dma-buf: its pages are inserted at mmap time */
static int dbmap_setup(void *v)
{
	int rc = dmabuf_setup(v);

	if (!rc)
		rc = dmabuf_op(v);
	return rc;
}
static int dbmap_op(void *v)
{
	struct sstate *s = v;

	s->mlen = 4 * ps;
	s->m = mmap(NULL, s->mlen, PROT_READ | PROT_WRITE, MAP_SHARED, s->x, 0);
	if (s->m == MAP_FAILED) {
		s->m = NULL;
		return -errno;
	}
	return 0;
}
static int dbmap_retry(void *v)
{
	struct sstate *s = v;

	if (s->m)
		munmap(s->m, s->mlen);
	return dbmap_op(v);
}

/* the sample driver: a kernel user allocating and vmapping */
static int sample_setup(void *v)
{
	struct sstate *s = v;
	int rc = export_setup(v);

	if (!rc) {
		s->x = wsh_export(s->ctx, s->hp.h, 0);
		s->fd = open("/dev/wsheap_sample", O_RDWR | O_CLOEXEC);
		if (s->x < 0 || s->fd < 0)
			rc = -EIO;
	}
	return rc;
}
static int sample_op(void *v)
{
	struct sstate *s = v;
	struct wsheap_sample_io io = { .heap_fd = s->x, .count = 300, .seed = 7 };

	return wsh_ioctl(s->fd, WSHEAP_SAMPLE_PRODUCE, &io);
}
static bool sample_cleanup(void *v)
{
	struct sstate *s = v;

	close(s->fd);
	s->fd = -1;
	return export_cleanup(v);
}

static const struct sweep sweeps[] = {
	{ "open " WSHEAP_DEVICE, false, false, open_setup, open_op, open_check,
	  NULL, open_cleanup },
	{ "CREATE", false, false, create_setup, create_op, create_check,
	  create_retry, create_cleanup },
	{ "ALLOC of a POPULATE heap (16 pages)", false, false, apop_setup,
	  apop_op, apop_check, apop_op, heap_cleanup },
	{ "ALLOC of a lazy heap (allocates nothing)", false, true, alazy_setup,
	  alazy_op, ok_check, NULL, heap_cleanup },
	{ "RESET+INFO+ALLOC of a ZERO_ON_RESET heap (allocate nothing)", false,
	  true, zreset_setup, reset_op, ok_check, NULL, zreset_cleanup },
	{ "lazy fault", true, false, fault_setup, fault_op, fault_check,
	  fault_op, heap_cleanup },
	{ "EXPORT", false, false, export_setup, export_op, ok_check,
	  export_retry, export_cleanup },
	{ "IMPORT", false, false, import_setup, import_op, import_check,
	  import_retry, import_cleanup },
	{ "EXPORT_DMABUF", false, false, dmabuf_setup, dmabuf_op, dmabuf_check,
	  dmabuf_retry, export_cleanup },
	{ "mmap of a heap", false, false, export_setup, mmap_op, mmap_check,
	  mmap_retry, heap_cleanup },
	{ "mmap of a dma-buf", false, false, dbmap_setup, dbmap_op, ok_check,
	  dbmap_retry, export_cleanup },
	{ "sample driver PRODUCE (kernel user)", false, false, sample_setup,
	  sample_op, ok_check, NULL, sample_cleanup },
};

static void run_sweep(const struct sweep *sw)
{
	struct sstate s;
	unsigned int n, hits = 0, fails = 0;
	bool ok = true, done = false;
	int rc;

	if (!strncmp(sw->name, "sample", 6) && access("/dev/wsheap_sample", F_OK)) {
		printf("ok %d fail-nth %s # SKIP no /dev/wsheap_sample\n", ++tap_n,
		       sw->name);
		return;
	}
	for (n = 1; n <= MAXNTH && ok && !done; n++) {
		memset(&s, 0, sizeof(s));
		s.x = s.fd = s.ctx2 = -1;
		rc = sw->setup(&s);
		if (rc) {
			BAD("setup: %s", strerror(-rc));
			ok = false;
			break;
		}
		nth_arm(n);
		rc = sw->op(&s);
		if (!nth_hit()) {
			/* fewer than n allocations: the sweep is complete */
			if (rc) {
				BAD("without an injected failure: %s", strerror(-rc));
				ok = false;
			}
			done = true;
		} else {
			hits++;
			if (rc) {
				fails++;
				if (sw->none || (sw->sigbus ? rc != -SIGBUS : rc != -ENOMEM)) {
					BAD("failing allocation %u gave %s", n,
					    rc < -64 || rc > 0 ? "?" :
					    sw->sigbus && rc == -SIGSEGV ? "SIGSEGV" :
					    strerror(-rc));
					ok = false;
				}
			}
		}
		if (!sw->check(&s, rc))
			ok = false;
		if (ok && rc && sw->retry) {
			rc = sw->retry(&s);
			if (rc) {
				BAD("retry after failing allocation %u: %s", n,
				    strerror(-rc));
				ok = false;
			} else if (!sw->check(&s, 0)) {
				ok = false;
			}
		}
		if (!sw->cleanup(&s))
			ok = false;
	}
	if (ok && !done) {
		BAD("more than %d allocations", MAXNTH);
		ok = false;
	}
	tap(ok, "fail-nth %s: %u allocations failed one by one, %u calls failed cleanly",
	    sw->name, hits, fails);
}

/* ------------------------------------------------- probabilistic run --- */

#define NRH 6

struct rheap {
	bool used;
	struct heap hp;
	unsigned int flags;
	ull cursor, gen;
	ull recoff[16];
	unsigned int nrec;
	ull seed;
};

static bool rand_phase(unsigned int prob, unsigned int nops)
{
	struct wsh_rng r = { 12345 + prob };
	struct rheap hs[NRH];
	unsigned int i, k, enomem = 0, sigbus = 0, okc = 0;
	int ctx, rc, mif;
	bool ok = true;
	char p[8];

	memset(hs, 0, sizeof(hs));
	ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (ctx < 0 || mif < 0) {
		BAD("open: %s", strerror(errno));
		return false;
	}
	snprintf(p, sizeof(p), "%u", prob);
	knob("failslab/probability", p);
	knob("fail_page_alloc/probability", p);
	if (pwrite(mif, "1", 1, 0) != 1)
		BAD("make-it-fail: %s", strerror(errno));

	for (i = 0; i < nops && ok; i++) {
		struct rheap *h = &hs[wsh_below(&r, NRH)];
		unsigned int op = (unsigned int)wsh_below(&r, 10);
		struct wsheap_create c;
		ull off = 0, gen = 0;
		int x;

		if (!h->used) {
			rc = wsh_create(ctx, 4 << 20, wsh_below(&r, 3) * ps,
					(unsigned int)wsh_below(&r, 4), &c);
			if (rc == -ENOMEM) {
				enomem++;
				continue;
			}
			if (rc) {
				BAD("CREATE: %s", strerror(-rc));
				ok = false;
				break;
			}
			memset(h, 0, sizeof(*h));
			h->hp.h = c.handle;
			h->hp.mmap_offset = c.mmap_offset;
			h->flags = c.flags;
			h->seed = wsh_rand(&r);
			h->hp.win = wsh_map(ctx, c.mmap_offset, 0, 4 << 20,
					    PROT_READ | PROT_WRITE);
			if (h->hp.win == MAP_FAILED) {
				if (errno != ENOMEM) {
					BAD("mmap: %s", strerror(errno));
					ok = false;
				}
				enomem++;
				wsh_destroy(ctx, c.handle);
				continue;
			}
			h->used = true;
			okc++;
			continue;
		}
		switch (op) {
		case 0: case 1: case 2: case 3: {	/* ALLOC + write a record */
			unsigned char buf[256];

			rc = wsh_alloc(ctx, h->hp.h, 256, 0, &off, &gen);
			if (rc == -ENOSPC) {
				rc = wsh_reset(ctx, h->hp.h, &gen);
				if (rc) {
					BAD("RESET: %s", strerror(-rc));
					ok = false;
				}
				h->cursor = 0;
				h->nrec = 0;
				h->gen = gen;
				break;
			}
			if (rc == -ENOMEM) {
				if (!(h->flags & WSHEAP_CREATE_POPULATE)) {
					BAD("lazy ALLOC failed with ENOMEM");
					ok = false;
				}
				enomem++;
				break;
			}
			if (rc || off != h->cursor) {
				BAD("ALLOC: %s at %llu, want %llu", strerror(-rc), off, h->cursor);
				ok = false;
				break;
			}
			h->cursor = off + 256;
			wsh_pat_fill(buf, 256, h->seed, off);
			rc = wsh_guarded(WSH_WRITE, h->hp.win + off, buf, 256, NULL);
			if (rc == SIGBUS) {
				if (h->flags & WSHEAP_CREATE_POPULATE) {
					BAD("POPULATE heap: a write faulted");
					ok = false;
				}
				sigbus++;
				break;	/* lazily allocated page failed */
			}
			if (rc) {
				BAD("write: signal %d", rc);
				ok = false;
				break;
			}
			if (h->nrec < 16)
				h->recoff[h->nrec++] = off;
			okc++;
			break;
		}
		case 4:	/* RESET: never fails */
			rc = wsh_reset(ctx, h->hp.h, &gen);
			if (rc) {
				BAD("RESET under injection: %s", strerror(-rc));
				ok = false;
			}
			h->cursor = 0;
			h->nrec = 0;
			h->gen = gen;
			okc++;
			break;
		case 5: {	/* EXPORT + IMPORT + DESTROY of the import */
			struct wsheap_import im;

			x = wsh_export(ctx, h->hp.h, 0);
			if (x == -ENOMEM || x == -EMFILE) {
				enomem++;
				break;
			}
			if (x < 0) {
				BAD("EXPORT: %s", strerror(-x));
				ok = false;
				break;
			}
			rc = wsh_import(ctx, x, &im);
			close(x);
			if (rc == -ENOMEM) {
				enomem++;
				break;
			}
			if (rc || wsh_destroy(ctx, im.handle)) {
				BAD("IMPORT: %s", strerror(-rc));
				ok = false;
			}
			okc++;
			break;
		}
		case 6:	/* dma-buf */
			x = wsh_dmabuf(ctx, h->hp.h, 0, ps, 0);
			if (x == -ENOMEM || x == -EMFILE) {
				enomem++;
			} else if (x == -EINVAL && !h->cursor) {
				okc++;	/* nothing committed */
			} else if (x < 0) {
				BAD("EXPORT_DMABUF: %s", strerror(-x));
				ok = false;
			} else {
				close(x);
				okc++;
			}
			break;
		case 7:	/* INFO: never fails */
			if (wsh_info(ctx, h->hp.h, NULL)) {
				BAD("INFO under injection failed");
				ok = false;
			}
			okc++;
			break;
		case 8: {	/* read the records back: they never fault */
			unsigned char buf[256];

			for (k = 0; k < h->nrec; k++) {
				wsh_pat_fill(buf, 256, h->seed, h->recoff[k]);
				rc = wsh_guarded(WSH_CMP, h->hp.win + h->recoff[k],
						 buf, 256, NULL);
				if (rc) {
					BAD("record at %llu: %s", h->recoff[k],
					    rc == 1 ? "changed" : "signal");
					ok = false;
				}
			}
			okc++;
			break;
		}
		default:	/* DESTROY: never fails, gives memory back */
			if (!destroys_cleanly(ctx, h->hp.h, h->hp.win, NULL, "DESTROY"))
				ok = false;
			munmap(h->hp.win, 4 << 20);
			h->used = false;
			okc++;
			break;
		}
	}
	if (pwrite(mif, "0", 1, 0) != 1)
		BAD("make-it-fail off: %s", strerror(errno));
	knob("failslab/probability", "0");
	knob("fail_page_alloc/probability", "0");
	close(mif);

	/* without injection everything works again */
	for (i = 0; i < NRH; i++) {
		struct rheap *h = &hs[i];
		unsigned char buf[256];

		if (!h->used)
			continue;
		for (k = 0; k < h->nrec; k++) {
			wsh_pat_fill(buf, 256, h->seed, h->recoff[k]);
			if (wsh_guarded(WSH_CMP, h->hp.win + h->recoff[k], buf, 256, NULL)) {
				BAD("after injection: record at %llu changed", h->recoff[k]);
				ok = false;
			}
		}
		rc = wsh_alloc(ctx, h->hp.h, 256, 0, NULL, NULL);
		if (rc && rc != -ENOSPC) {
			BAD("ALLOC after injection: %s", strerror(-rc));
			ok = false;
		}
		if (!destroys_cleanly(ctx, h->hp.h, h->hp.win, NULL, "final DESTROY"))
			ok = false;
		munmap(h->hp.win, 4 << 20);
	}
	close(ctx);
	printf("# probability %u%%: %u calls worked, %u failed with ENOMEM, %u faults SIGBUS\n",
	       prob, okc, enomem, sigbus);
	return ok;
}

/*
 * "A destroyed handle is not reused soon" under allocation failures.
 * Handles 1..62 destroyed, 63 alive: the next handle (64) needs new xarray
 * nodes; when their allocation failed, xa_alloc_cyclic() started over from
 * the lowest free index instead of failing, and IMPORT (which allocates
 * nothing else) returned handle 1 again instead of ENOMEM.
 */
static int handle_reuse_mode(int n)
{
	struct wsheap_create c;
	struct wsheap_import im = { 0 };
	int ctx, i, rc, x, mif;

	ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (ctx < 0 || mif < 0) {
		printf("not ok %d handle reuse: setup: %s\n", n, strerror(errno));
		return 1;
	}
	for (i = 1; i <= 63; i++)
		if (wsh_create(ctx, 1 << 20, 0, 0, &c) || c.handle != (unsigned int)i) {
			printf("not ok %d handle reuse: CREATE %d\n", n, i);
			return 1;
		}
	x = wsh_export(ctx, 63, 0);
	if (x < 0) {
		printf("not ok %d handle reuse: EXPORT: %s\n", n, strerror(-x));
		return 1;
	}
	for (i = 1; i <= 62; i++)
		wsh_destroy(ctx, (unsigned int)i);
	/* every slab allocation of this thread fails now */
	knob("failslab/probability", "100");
	if (pwrite(mif, "1", 1, 0) != 1)
		return 1;
	rc = wsh_import(ctx, x, &im);
	if (pwrite(mif, "0", 1, 0) != 1)
		return 1;
	knob("failslab/probability", "0");
	printf("# IMPORT with every slab allocation failing: %s, handle %u\n",
	       rc ? strerror(-rc) : "success", rc ? 0 : im.handle);
	rc = !rc && im.handle < 63;
	printf("%s %d a destroyed handle is not reused when allocations fail\n",
	       rc ? "not ok" : "ok", n);
	close(x);
	close(mif);
	close(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	bool long_budget = wsh_budget_long();
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	wsh_no_core_dumps();
	ps = wsh_ps();
	/* fault the stack in: our own page faults must not need memory */
	wsh_prefault_stack();
	printf("TAP version 13\n");
	if (access(DBG "failslab/probability", W_OK) ||
	    access(DBG "fail_page_alloc/probability", W_OK) ||
	    access("/proc/thread-self/fail-nth", W_OK) ||
	    access(WSHEAP_DEVICE, R_OK | W_OK)) {
		printf("1..1\nok 1 fault injection # SKIP no failslab/fail_page_alloc/fail-nth (not the debug kernel) or no %s\n",
		       WSHEAP_DEVICE);
		return 0;
	}
	if (argc < 2)
		printf("1..%zu\n", sizeof(sweeps) / sizeof(sweeps[0]) + 3);
	wsh_guard_install();
	if (knobs_save() || knobs_base()) {
		printf("Bail out! cannot set the fault injection knobs\n");
		knobs_restore();
		return 1;
	}
	nthfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nthfd < 0) {
		printf("Bail out! fail-nth: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "--repro") &&
	    !strcmp(argv[2], "handle-reuse")) {
		printf("1..1\n");
		i = (size_t)handle_reuse_mode(1);
		knobs_restore();
		return (int)i;
	}
	for (i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++)
		run_sweep(&sweeps[i]);
	tap(rand_phase(10, long_budget ? 20000 : 1500),
	    "failslab+fail_page_alloc at 10%%, task-filter, make-it-fail");
	tap(rand_phase(30, long_budget ? 5000 : 500),
	    "failslab+fail_page_alloc at 30%%, task-filter, make-it-fail");
	if (handle_reuse_mode(++tap_n))
		failed = 1;
	knobs_restore();
	return failed;
}
