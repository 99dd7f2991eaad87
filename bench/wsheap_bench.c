// SPDX-License-Identifier: MIT
/*
 * wsheap_bench: `make bench`'s one program.  It measures wsheap (the native
 * API of libwsheap and its WWSAPI face, WsAlloc) and its peers in the same
 * run: glibc malloc/free, glibc obstack, mimalloc heaps, jemalloc arenas,
 * talloc pools and APR pools; first touch of fresh memory; the ioctl path;
 * moving data between processes; in-kernel allocation (through the
 * wsheap_bench module); system calls, resident memory and overhead.
 *
 * Each figure is the median of repeated runs (after an unmeasured warm-up
 * run), with the smallest and largest run.  Output (stdout):
 *   @@INFO key=value          facts about the guest
 *   @@RESULT {json}           one per (workload, impl)
 *   @@TARGET {json}           one per target, MET or MISSED
 *   a human-readable table and the target lines between @@TABLE-BEGIN and
 *   @@TABLE-END.
 * Missed targets never fail the run: the exit status is 0 unless something
 * could not be measured at all.
 *
 *   wsheap_bench [-q] [-o WORKLOAD,...]
 *     -q   quick: fewer runs and smaller counts (a smoke test, not a result)
 *     -o   only these workloads
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <obstack.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_version.h>
#include <jemalloc/jemalloc.h>
#include <mimalloc.h>
#include <talloc.h>

#include "wsheap.h"
#include "webservices.h"
#include "wsheap_ioctl.h"
#include "kmod/wsheap_bench_ioctl.h"

#define KiB		(1024ULL)
#define MiB		(1024ULL * 1024)
#define PAGE		4096ULL

/* ---- plumbing ------------------------------------------------------------ */

static bool quick;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "wsheap_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

#define CHECK(cond, ...) do { \
	if (__builtin_expect(!(cond), 0)) \
		die(__VA_ARGS__); \
} while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Write one word into each allocation: the memory is really used. */
#define TOUCH(p, v)	(*(volatile uint64_t *)(p) = (uint64_t)(v))

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	CHECK(p, "out of memory (%zu bytes)", n);
	return p;
}

/* ---- results ------------------------------------------------------------- */

enum metric { NS_PER_OP, MIB_PER_S, COUNT, BYTES, RATIO };
static const char *const metric_name[] = {
	"ns_per_op", "mib_per_s", "count", "bytes", "ratio",
};

struct result {
	char workload[24];
	char impl[24];
	enum metric metric;
	double value;		/* median */
	double min, max;
	double spread;		/* (max - min) / 2 */
	int runs;
	uint64_t n;		/* operations (or bytes) per run */
	double faults;		/* page faults per run (median), or -1 */
	char note[160];
};

#define MAX_RESULTS 128
static struct result results[MAX_RESULTS];
static int nresults;
/* The page faults per run of the result being recorded, or -1. */
static double faults_median = -1;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *fmt_num(char *buf, size_t len, double v)
{
	if (v >= 1e6 || (v != 0 && v < 0.01))
		snprintf(buf, len, "%.4g", v);
	else if (v >= 1000)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s >= ' ' ? *s : ' ', f);
	}
	fputc('"', f);
}

static void print_result_json(const struct result *r)
{
	printf("@@RESULT {\"workload\": ");
	json_str(stdout, r->workload);
	printf(", \"impl\": ");
	json_str(stdout, r->impl);
	printf(", \"metric\": \"%s\", \"value\": %.10g, \"spread\": %.10g, "
	       "\"min\": %.10g, \"max\": %.10g, \"runs\": %d, \"n\": %" PRIu64
	       ", \"faults_per_run\": %.6g, \"note\": ",
	       metric_name[r->metric], r->value, r->spread, r->min, r->max,
	       r->runs, r->n, r->faults);
	json_str(stdout, r->note);
	printf("}\n");
	fflush(stdout);
}

/* Record a metric from its samples (already in the metric's unit). */
static struct result *record(const char *workload, const char *impl,
			     enum metric metric, double *samples, int runs,
			     uint64_t n, const char *note)
{
	struct result *r;
	char a[32], b[32], c[32];

	CHECK(nresults < MAX_RESULTS, "too many results");
	r = &results[nresults++];
	memset(r, 0, sizeof(*r));
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	snprintf(r->impl, sizeof(r->impl), "%s", impl);
	snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
	r->metric = metric;
	r->faults = faults_median;
	r->runs = runs;
	r->n = n;
	qsort(samples, runs, sizeof(*samples), cmp_double);
	r->min = samples[0];
	r->max = samples[runs - 1];
	r->value = runs % 2 ? samples[runs / 2] :
		(samples[runs / 2 - 1] + samples[runs / 2]) / 2;
	r->spread = (r->max - r->min) / 2;
	print_result_json(r);
	fprintf(stderr, "  %-22s %-18s %12s %-9s [%s .. %s] faults %.0f\n",
		workload, impl, fmt_num(a, sizeof(a), r->value),
		metric_name[metric], fmt_num(b, sizeof(b), r->min),
		fmt_num(c, sizeof(c), r->max), r->faults);
	return r;
}

static const struct result *find(const char *workload, const char *impl)
{
	int i;

	for (i = 0; i < nresults; i++)
		if (!strcmp(results[i].workload, workload) &&
		    !strcmp(results[i].impl, impl))
			return &results[i];
	return NULL;
}

/*
 * Diagnostics: figures that explain a result (a breakdown), printed as
 * @@DIAG lines and listed under the table; they are not results.
 */
struct diag {
	char name[64];
	double value;
	char unit[16];
	char detail[160];
};

#define MAX_DIAGS 32
static struct diag diags[MAX_DIAGS];
static int ndiags;

static void diag(const char *name, double value, const char *unit,
		 const char *detail)
{
	struct diag *d;

	CHECK(ndiags < MAX_DIAGS, "too many diagnostics");
	d = &diags[ndiags++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->unit, sizeof(d->unit), "%s", unit);
	snprintf(d->detail, sizeof(d->detail), "%s", detail);
	d->value = value;
	printf("@@DIAG {\"name\": ");
	json_str(stdout, d->name);
	printf(", \"value\": %.6g, \"unit\": ", value);
	json_str(stdout, d->unit);
	printf(", \"detail\": ");
	json_str(stdout, d->detail);
	printf("}\n");
	fflush(stdout);
	fprintf(stderr, "  diag %-40s %12.1f %s\n", name, value, unit);
}

static double median_u64(uint64_t *v, size_t n)
{
	double *d = xmalloc(n * sizeof(*d)), m;
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = (double)v[i];
	qsort(d, n, sizeof(*d), cmp_double);
	m = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
	free(d);
	return m;
}

#define MAX_RUNS 32

/* One implementation's part in a measured group. */
struct entry {
	const char *impl;
	uint64_t (*rep)(void *);	/* one run; returns its timed ns */
	void *arg;
	char note[160];
	double samples[MAX_RUNS];
	double faults[MAX_RUNS];
};

/*
 * Measure a group of implementations of one workload, interleaved: each
 * round runs every entry once, so that whatever else the host does is
 * spread over all of them alike (the host of the guest is shared).  The
 * first @warm rounds are not counted.  Each entry's figure is the median of
 * its @runs runs, in @metric: ns per op for @n ops, or MiB/s for @n bytes.
 */
static void measure_group(const char *workload, enum metric metric, int warm,
			  int runs, uint64_t n, struct entry *e, int count)
{
	struct rusage ru0, ru1;
	uint64_t ns;
	int i, j;

	CHECK(runs >= 1 && runs <= MAX_RUNS, "bad run count");
	for (i = 0; i < warm; i++)
		for (j = 0; j < count; j++)
			e[j].rep(e[j].arg);
	for (i = 0; i < runs; i++) {
		for (j = 0; j < count; j++) {
			getrusage(RUSAGE_SELF, &ru0);
			ns = e[j].rep(e[j].arg);
			getrusage(RUSAGE_SELF, &ru1);
			e[j].faults[i] = (double)(ru1.ru_minflt - ru0.ru_minflt +
						  ru1.ru_majflt - ru0.ru_majflt);
			if (ns == 0)
				ns = 1;
			if (metric == MIB_PER_S)
				e[j].samples[i] = ((double)n / MiB) /
						  ((double)ns / 1e9);
			else
				e[j].samples[i] = (double)ns / (double)n;
		}
	}
	for (j = 0; j < count; j++) {
		qsort(e[j].faults, runs, sizeof(double), cmp_double);
		faults_median = e[j].faults[runs / 2];
		record(workload, e[j].impl, metric, e[j].samples, runs, n,
		       e[j].note);
		faults_median = -1;
	}
}

/* ---- allocators under test ------------------------------------------------- */

/*
 * One arena-like heap of each implementation.  Every implementation gets
 * its own loop (the allocation call is inlined where the API is inline: the
 * wsheap fast path and obstack's macros), so no one pays for an indirect
 * call.  "Reset" is each one's own way of releasing everything at once.
 */
struct heaps {
	size_t size;		/* allocation size */
	size_t n;		/* allocations per run */
	uint64_t trim;		/* wsheap / WsAlloc trim size */

	struct wsheap *ws;
	WS_HEAP *wws;
	void **ptrs;		/* malloc */
	struct obstack ob;
	void *ob_mark;
	mi_heap_t *mi;
	unsigned je_arena;
	size_t je_reset_mib[3], je_flush_mib[3];
	size_t je_reset_miblen, je_flush_miblen;
	int je_flags;
	void *tal;
	apr_pool_t *apr;
	const uint32_t *sizes;	/* steady: the sizes of one message */
	size_t rounds;		/* steady: messages per run */
};

static void *ob_chunk_alloc(size_t n)
{
	return xmalloc(n);
}

#define obstack_chunk_alloc ob_chunk_alloc
#define obstack_chunk_free free

/* obstack chunks of 64 KiB (as wsheap's first block), not the 4 KiB default */
#define OBSTACK_CHUNK	(64 * 1024)
/* talloc's chunk header is 96 bytes on LP64; pools are sized with room */
#define TALLOC_HDR	112
/* talloc refuses objects of 256 MiB and more: larger runs overflow the pool */
#define TALLOC_POOL_MAX	(255 * MiB)

static void je_init(struct heaps *h)
{
	size_t sz = sizeof(h->je_arena);
	ssize_t never = -1;
	char name[64];

	CHECK(!mallctl("arenas.create", &h->je_arena, &sz, NULL, 0),
	      "jemalloc: arenas.create");
	h->je_reset_miblen = 3;
	CHECK(!mallctlnametomib("arena.0.reset", h->je_reset_mib,
				&h->je_reset_miblen), "jemalloc: arena.0.reset");
	h->je_reset_mib[1] = h->je_arena;
	h->je_flush_miblen = 3;
	CHECK(!mallctlnametomib("thread.tcache.flush", h->je_flush_mib,
				&h->je_flush_miblen),
	      "jemalloc: thread.tcache.flush");
	/*
	 * With the thread cache (jemalloc's fast path); it is flushed before
	 * each reset, as arena.<i>.reset requires.
	 */
	h->je_flags = MALLOCX_ARENA(h->je_arena);
	/* Keep the arena's pages across resets (no decay): see keep_memory() */
	snprintf(name, sizeof(name), "arena.%u.dirty_decay_ms", h->je_arena);
	CHECK(!mallctl(name, NULL, NULL, &never, sizeof(never)),
	      "jemalloc: %s", name);
	snprintf(name, sizeof(name), "arena.%u.muzzy_decay_ms", h->je_arena);
	CHECK(!mallctl(name, NULL, NULL, &never, sizeof(never)),
	      "jemalloc: %s", name);
}

static void je_reset(struct heaps *h)
{
	CHECK(!mallctlbymib(h->je_flush_mib, h->je_flush_miblen, NULL, NULL,
			    NULL, 0), "jemalloc: tcache flush");
	CHECK(!mallctlbymib(h->je_reset_mib, h->je_reset_miblen, NULL, NULL,
			    NULL, 0), "jemalloc: arena reset");
}

static void je_fini(struct heaps *h)
{
	char name[64];

	je_reset(h);
	snprintf(name, sizeof(name), "arena.%u.destroy", h->je_arena);
	CHECK(!mallctl(name, NULL, NULL, NULL, 0), "jemalloc: %s", name);
}

/*
 * Every allocator keeps the memory it got across releases, as wsheap does
 * with a trim size that covers a run: glibc does not trim its heap
 * (M_TRIM_THRESHOLD), mimalloc does not decommit, jemalloc arenas do not
 * decay (je_init); APR pools and talloc pools keep theirs anyway.
 * Otherwise the figures would mostly measure page faults, which in TCG
 * cost tens of microseconds (firsttouch64m measures those on purpose).
 */
static void keep_memory(void)
{
	CHECK(mallopt(M_TRIM_THRESHOLD, 1 << 30), "mallopt");
	mi_option_disable(mi_option_allow_decommit);
}

/* Give memory that peers keep back, so the next workload starts clean. */
static void settle(void)
{
	malloc_trim(0);
	mi_option_enable(mi_option_allow_decommit);
	mi_collect(true);
	mi_option_disable(mi_option_allow_decommit);
}

/* ---- workload: allocN -------------------------------------------------------- */

static uint64_t alloc_wsheap(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		CHECK(!wsheap_alloc(h->ws, h->size, &p), "wsheap_alloc");
		TOUCH(p, i);
	}
	CHECK(!wsheap_reset(h->ws), "wsheap_reset");
	return now_ns() - t0;
}

static uint64_t alloc_wws(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		CHECK(WsAlloc(h->wws, h->size, &p, NULL) == S_OK, "WsAlloc");
		TOUCH(p, i);
	}
	CHECK(WsResetHeap(h->wws, NULL) == S_OK, "WsResetHeap");
	return now_ns() - t0;
}

static uint64_t alloc_malloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = malloc(h->size);
		CHECK(p, "malloc");
		TOUCH(p, i);
		h->ptrs[i] = p;
	}
	for (i = 0; i < h->n; i++)
		free(h->ptrs[i]);
	return now_ns() - t0;
}

static uint64_t alloc_obstack(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = obstack_alloc(&h->ob, h->size);
		TOUCH(p, i);
	}
	obstack_free(&h->ob, h->ob_mark);
	h->ob_mark = obstack_alloc(&h->ob, 0);
	return now_ns() - t0;
}

static uint64_t alloc_mimalloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	mi_heap_t *mh = mi_heap_new();
	void *p;
	size_t i;

	CHECK(mh, "mi_heap_new");
	for (i = 0; i < h->n; i++) {
		p = mi_heap_malloc(mh, h->size);
		CHECK(p, "mi_heap_malloc");
		TOUCH(p, i);
	}
	mi_heap_destroy(mh);
	return now_ns() - t0;
}

static uint64_t alloc_jemalloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = mallocx(h->size, h->je_flags);
		CHECK(p, "mallocx");
		TOUCH(p, i);
	}
	je_reset(h);
	return now_ns() - t0;
}

static uint64_t alloc_talloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = talloc_size(h->tal, h->size);
		CHECK(p, "talloc_size");
		TOUCH(p, i);
	}
	talloc_free_children(h->tal);
	return now_ns() - t0;
}

static uint64_t alloc_apr(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0 = now_ns();
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = apr_palloc(h->apr, h->size);
		CHECK(p, "apr_palloc");
		TOUCH(p, i);
	}
	apr_pool_clear(h->apr);
	return now_ns() - t0;
}

enum impl_id {
	I_WSHEAP, I_WWS, I_MALLOC, I_OBSTACK, I_MIMALLOC, I_JEMALLOC,
	I_TALLOC, I_APR, NIMPL
};
static const char *const impl_name[NIMPL] = {
	"wsheap", "WsAlloc", "malloc", "obstack", "mimalloc", "jemalloc",
	"talloc", "apr",
};

/* Create the heap of one implementation, for allocations of h->size. */
static void heap_open(struct heaps *h, enum impl_id id, size_t pool_size)
{
	switch (id) {
	case I_WSHEAP:
		CHECK(!wsheap_create(NULL, UINT64_MAX, h->trim, 0, &h->ws),
		      "wsheap_create");
		break;
	case I_WWS:
		CHECK(WsCreateHeap(SIZE_MAX, h->trim, NULL, 0, &h->wws,
				   NULL) == S_OK, "WsCreateHeap");
		break;
	case I_MALLOC:
		h->ptrs = xmalloc(h->n * sizeof(*h->ptrs));
		break;
	case I_OBSTACK:
		CHECK(obstack_begin(&h->ob, OBSTACK_CHUNK), "obstack_begin");
		h->ob_mark = obstack_alloc(&h->ob, 0);
		break;
	case I_MIMALLOC:
		break;
	case I_JEMALLOC:
		je_init(h);
		break;
	case I_TALLOC:
		if (pool_size > TALLOC_POOL_MAX)
			pool_size = TALLOC_POOL_MAX;
		h->tal = talloc_pool(NULL, pool_size);
		CHECK(h->tal, "talloc_pool(%zu)", pool_size);
		break;
	case I_APR:
		CHECK(apr_pool_create(&h->apr, NULL) == APR_SUCCESS,
		      "apr_pool_create");
		break;
	default:
		break;
	}
}

static void heap_close(struct heaps *h, enum impl_id id)
{
	switch (id) {
	case I_WSHEAP:
		CHECK(!wsheap_free(h->ws), "wsheap_free");
		break;
	case I_WWS:
		WsFreeHeap(h->wws);
		break;
	case I_MALLOC:
		free(h->ptrs);
		break;
	case I_OBSTACK:
		obstack_free(&h->ob, NULL);
		break;
	case I_JEMALLOC:
		je_fini(h);
		break;
	case I_TALLOC:
		talloc_free(h->tal);
		break;
	case I_APR:
		apr_pool_destroy(h->apr);
		break;
	default:
		break;
	}
	settle();
}

static uint64_t (*const alloc_rep[NIMPL])(void *) = {
	alloc_wsheap, alloc_wws, alloc_malloc, alloc_obstack,
	alloc_mimalloc, alloc_jemalloc, alloc_talloc, alloc_apr,
};

static void alloc_setup(struct heaps *h, struct entry *e, int id,
			size_t size, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->size = size;
	h->n = n;
	/* wsheap keeps what one run uses (its blocks) across resets */
	h->trim = 2 * n * ((size + 7) & ~7ULL) + 64 * MiB;
	heap_open(h, id, n * (size + TALLOC_HDR) + 64 * KiB);
	memset(e, 0, sizeof(*e));
	e->impl = impl_name[id];
	e->rep = alloc_rep[id];
	e->arg = h;
	snprintf(e->note, sizeof(e->note),
		 "%zu allocations of %zu B, each written once, then one release; ns per allocation%s",
		 n, size, id == I_TALLOC &&
		 n * (size + TALLOC_HDR) > TALLOC_POOL_MAX ?
		 " (pool capped at 255 MiB, talloc's limit: the rest falls back to malloc)" : "");
}

/*
 * Up to 64 MiB a run, all implementations are measured interleaved; above
 * that, one after the other, since together they would not fit the guest.
 */
static void bench_alloc(size_t size, size_t n, int runs)
{
	static struct heaps h[NIMPL];
	static struct entry e[NIMPL];
	char workload[24];
	int id;

	snprintf(workload, sizeof(workload), "alloc%zu", size);
	fprintf(stderr, "%s: %zu allocations of %zu B, then reset\n",
		workload, n, size);
	if (n * size <= 64 * MiB) {
		for (id = 0; id < NIMPL; id++)
			alloc_setup(&h[id], &e[id], id, size, n);
		measure_group(workload, NS_PER_OP, 2, runs, n, e, NIMPL);
		for (id = 0; id < NIMPL; id++)
			heap_close(&h[id], id);
		return;
	}
	for (id = 0; id < NIMPL; id++) {
		alloc_setup(&h[id], &e[id], id, size, n);
		measure_group(workload, NS_PER_OP, 2, runs, n, &e[id], 1);
		heap_close(&h[id], id);
	}
}

/* ---- workload: reset100k ------------------------------------------------------- */

/* Fill (not timed), then time the release of everything. */
static uint64_t reset_wsheap(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0;
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		CHECK(!wsheap_alloc(h->ws, h->size, &p), "wsheap_alloc");
		TOUCH(p, i);
	}
	t0 = now_ns();
	CHECK(!wsheap_reset(h->ws), "wsheap_reset");
	return now_ns() - t0;
}

static uint64_t reset_wws(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0;
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		CHECK(WsAlloc(h->wws, h->size, &p, NULL) == S_OK, "WsAlloc");
		TOUCH(p, i);
	}
	t0 = now_ns();
	CHECK(WsResetHeap(h->wws, NULL) == S_OK, "WsResetHeap");
	return now_ns() - t0;
}

static uint64_t reset_malloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0;
	size_t i;

	for (i = 0; i < h->n; i++) {
		h->ptrs[i] = malloc(h->size);
		CHECK(h->ptrs[i], "malloc");
		TOUCH(h->ptrs[i], i);
	}
	t0 = now_ns();
	for (i = 0; i < h->n; i++)
		free(h->ptrs[i]);
	return now_ns() - t0;
}

static uint64_t reset_obstack(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0, t;
	size_t i;

	for (i = 0; i < h->n; i++)
		TOUCH(obstack_alloc(&h->ob, h->size), i);
	t0 = now_ns();
	obstack_free(&h->ob, h->ob_mark);
	t = now_ns() - t0;
	h->ob_mark = obstack_alloc(&h->ob, 0);
	return t;
}

static uint64_t reset_mimalloc(void *arg)
{
	struct heaps *h = arg;
	mi_heap_t *mh = mi_heap_new();
	uint64_t t0;
	void *p;
	size_t i;

	CHECK(mh, "mi_heap_new");
	for (i = 0; i < h->n; i++) {
		p = mi_heap_malloc(mh, h->size);
		CHECK(p, "mi_heap_malloc");
		TOUCH(p, i);
	}
	t0 = now_ns();
	mi_heap_destroy(mh);
	return now_ns() - t0;
}

static uint64_t reset_jemalloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0;
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = mallocx(h->size, h->je_flags);
		CHECK(p, "mallocx");
		TOUCH(p, i);
	}
	t0 = now_ns();
	je_reset(h);
	return now_ns() - t0;
}

static uint64_t reset_talloc(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0;
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = talloc_size(h->tal, h->size);
		CHECK(p, "talloc_size");
		TOUCH(p, i);
	}
	t0 = now_ns();
	talloc_free_children(h->tal);
	return now_ns() - t0;
}

static uint64_t reset_apr(void *arg)
{
	struct heaps *h = arg;
	uint64_t t0;
	void *p;
	size_t i;

	for (i = 0; i < h->n; i++) {
		p = apr_palloc(h->apr, h->size);
		CHECK(p, "apr_palloc");
		TOUCH(p, i);
	}
	t0 = now_ns();
	apr_pool_clear(h->apr);
	return now_ns() - t0;
}

static uint64_t (*const reset_rep[NIMPL])(void *) = {
	reset_wsheap, reset_wws, reset_malloc, reset_obstack,
	reset_mimalloc, reset_jemalloc, reset_talloc, reset_apr,
};

static void bench_reset(size_t n, int runs)
{
	const size_t size = 64;
	static struct heaps h[NIMPL + 1];
	static struct entry e[NIMPL + 1];
	int id;

	fprintf(stderr, "reset100k: release a heap of %zu allocations of %zu B\n",
		n, size);
	for (id = 0; id <= NIMPL; id++) {
		/* the last entry: wsheap with trim size 0 */
		int impl = id < NIMPL ? id : I_WSHEAP;

		memset(&h[id], 0, sizeof(h[id]));
		h[id].size = size;
		h[id].n = n;
		h[id].trim = id < NIMPL ? 16 * MiB : 0;
		heap_open(&h[id], impl, n * (size + TALLOC_HDR) + 64 * KiB);
		e[id].impl = id < NIMPL ? impl_name[id] : "wsheap_trim0";
		e[id].rep = reset_rep[impl];
		e[id].arg = &h[id];
		if (id < NIMPL)
			snprintf(e[id].note, sizeof(e[id].note),
				 "ns per release of %zu live %zu B allocations%s",
				 n, size, id <= I_WWS ?
				 " (trim 16 MiB: pages kept)" :
				 id == I_MALLOC ? " (free() each)" : "");
		else
			snprintf(e[id].note, sizeof(e[id].note),
				 "ns per release of %zu live %zu B allocations, trim 0: every page freed and unmapped",
				 n, size);
	}
	measure_group("reset100k", NS_PER_OP, 1, runs, 1, e, NIMPL + 1);
	for (id = 0; id <= NIMPL; id++)
		heap_close(&h[id], id < NIMPL ? id : I_WSHEAP);
}

/* ---- workload: steady -------------------------------------------------------- */

#define MSG_ALLOCS 200
static uint32_t msg_sizes[MSG_ALLOCS];
static size_t msg_bytes;

/* A message's 200 sizes: 70% 8..128 B, 25% 129..1024 B, 5% 1..4 KiB. */
static void make_msg_sizes(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	uint32_t r, s;
	int i;

	msg_bytes = 0;
	for (i = 0; i < MSG_ALLOCS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (uint32_t)(x >> 11);
		if (r % 100 < 70)
			s = 8 + (r >> 8) % 121;
		else if (r % 100 < 95)
			s = 129 + (r >> 8) % 896;
		else
			s = 1025 + (r >> 8) % 3072;
		msg_sizes[i] = s;
		msg_bytes += s;
	}
}

#define STEADY_LOOP(ALLOC, RELEASE) do { \
	uint64_t t0 = now_ns(); \
	size_t r, i; \
	void *p; \
	for (r = 0; r < h->rounds; r++) { \
		for (i = 0; i < MSG_ALLOCS; i++) { \
			size_t sz = h->sizes[i]; \
			ALLOC; \
			TOUCH(p, i); \
		} \
		RELEASE; \
	} \
	return now_ns() - t0; \
} while (0)

static uint64_t steady_wsheap(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(CHECK(!wsheap_alloc(h->ws, sz, &p), "wsheap_alloc"),
		    CHECK(!wsheap_reset(h->ws), "wsheap_reset"));
}

static uint64_t steady_wws(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(CHECK(WsAlloc(h->wws, sz, &p, NULL) == S_OK, "WsAlloc"),
		    CHECK(WsResetHeap(h->wws, NULL) == S_OK, "WsResetHeap"));
}

static uint64_t steady_malloc(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(p = h->ptrs[i] = malloc(sz); CHECK(p, "malloc"),
		    for (i = 0; i < MSG_ALLOCS; i++) free(h->ptrs[i]));
}

static uint64_t steady_obstack(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(p = obstack_alloc(&h->ob, sz),
		    obstack_free(&h->ob, h->ob_mark);
		    h->ob_mark = obstack_alloc(&h->ob, 0));
}

static uint64_t steady_mimalloc(void *arg)
{
	struct heaps *h = arg;
	mi_heap_t *mh = NULL;

	STEADY_LOOP(if (!mh) mh = mi_heap_new();
		    p = mi_heap_malloc(mh, sz); CHECK(p, "mi_heap_malloc"),
		    mi_heap_destroy(mh); mh = NULL);
}

static uint64_t steady_jemalloc(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(p = mallocx(sz, h->je_flags); CHECK(p, "mallocx"),
		    je_reset(h));
}

static uint64_t steady_talloc(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(p = talloc_size(h->tal, sz); CHECK(p, "talloc_size"),
		    talloc_free_children(h->tal));
}

static uint64_t steady_apr(void *arg)
{
	struct heaps *h = arg;

	STEADY_LOOP(p = apr_palloc(h->apr, sz); CHECK(p, "apr_palloc"),
		    apr_pool_clear(h->apr));
}

static uint64_t (*const steady_rep[NIMPL])(void *) = {
	steady_wsheap, steady_wws, steady_malloc, steady_obstack,
	steady_mimalloc, steady_jemalloc, steady_talloc, steady_apr,
};

static void bench_steady(size_t rounds, int runs)
{
	static struct heaps h[NIMPL];
	static struct entry e[NIMPL];
	int id;

	make_msg_sizes();
	fprintf(stderr, "steady: %zu messages of %d allocations (%zu B), each then released\n",
		rounds, MSG_ALLOCS, msg_bytes);
	for (id = 0; id < NIMPL; id++) {
		memset(&h[id], 0, sizeof(h[id]));
		h[id].size = 64;
		h[id].n = MSG_ALLOCS;
		h[id].sizes = msg_sizes;
		h[id].rounds = rounds;
		h[id].trim = 1 * MiB;
		heap_open(&h[id], id,
			  msg_bytes + MSG_ALLOCS * TALLOC_HDR + 4 * KiB);
		e[id].impl = impl_name[id];
		e[id].rep = steady_rep[id];
		e[id].arg = &h[id];
		snprintf(e[id].note, sizeof(e[id].note),
			 "ns per message: %d allocations of 8..4096 B (%zu B in all), each written once, then one release",
			 MSG_ALLOCS, msg_bytes);
	}
	measure_group("steady", NS_PER_OP, 1, runs, rounds, e, NIMPL);
	for (id = 0; id < NIMPL; id++)
		heap_close(&h[id], id);
}

/*
 * Where a wsheap message's time goes: the reset (RESET ioctl), the first
 * allocation of a generation (an ALLOC ioctl for the block), the other
 * 199 allocations; and obstack's message with and without two no-op
 * ioctls, which shows what two system calls cost the code around them.
 */
static void steady_breakdown(size_t rounds)
{
	uint64_t *t_reset, *t_first, *t_rest, *t_ob, *t_ob2, a, b, c, d;
	struct wsheap_version v;
	struct obstack ob;
	struct wsheap *heap;
	void *p, *mark;
	size_t r, i;
	int fd;
	char detail[160];

	t_reset = xmalloc(rounds * sizeof(uint64_t));
	t_first = xmalloc(rounds * sizeof(uint64_t));
	t_rest = xmalloc(rounds * sizeof(uint64_t));
	t_ob = xmalloc(rounds * sizeof(uint64_t));
	t_ob2 = xmalloc(rounds * sizeof(uint64_t));
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", WSHEAP_DEVICE);

	CHECK(!wsheap_create(NULL, UINT64_MAX, 1 * MiB, 0, &heap),
	      "wsheap_create");
	for (r = 0; r < rounds + 2; r++) {
		a = now_ns();
		CHECK(!wsheap_alloc(heap, msg_sizes[0], &p), "wsheap_alloc");
		TOUCH(p, 0);
		b = now_ns();
		for (i = 1; i < MSG_ALLOCS; i++) {
			CHECK(!wsheap_alloc(heap, msg_sizes[i], &p),
			      "wsheap_alloc");
			TOUCH(p, i);
		}
		c = now_ns();
		CHECK(!wsheap_reset(heap), "wsheap_reset");
		d = now_ns();
		if (r >= 2) {	/* two warm-up rounds */
			t_first[r - 2] = b - a;
			t_rest[r - 2] = c - b;
			t_reset[r - 2] = d - c;
		}
	}
	CHECK(!wsheap_free(heap), "wsheap_free");

	CHECK(obstack_begin(&ob, OBSTACK_CHUNK), "obstack_begin");
	mark = obstack_alloc(&ob, 0);
	for (r = 0; r < 2 * (rounds + 2); r++) {
		bool sys = r & 1;

		a = now_ns();
		for (i = 0; i < MSG_ALLOCS; i++)
			TOUCH(obstack_alloc(&ob, msg_sizes[i]), i);
		obstack_free(&ob, mark);
		mark = obstack_alloc(&ob, 0);
		if (sys) {
			CHECK(!ioctl(fd, WSHEAP_IOC_VERSION, &v), "VERSION");
			CHECK(!ioctl(fd, WSHEAP_IOC_VERSION, &v), "VERSION");
		}
		b = now_ns();
		if (r >= 4)
			(sys ? t_ob2 : t_ob)[r / 2 - 2] = b - a;
	}
	obstack_free(&ob, NULL);
	close(fd);

	snprintf(detail, sizeof(detail),
		 "median over %zu messages: wsheap_reset(), trim 1 MiB (in place: no system call when the kernel would keep everything)",
		 rounds);
	diag("steady.wsheap.reset", median_u64(t_reset, rounds), "ns", detail);
	diag("steady.wsheap.first_alloc", median_u64(t_first, rounds), "ns",
	     "first allocation after a reset (an ALLOC ioctl only when the reset went to the kernel)");
	diag("steady.wsheap.other_199_allocs", median_u64(t_rest, rounds),
	     "ns", "the other 199 allocations of a message (inline bump, each written once)");
	diag("steady.obstack.message", median_u64(t_ob, rounds), "ns",
	     "an obstack message (200 allocations + release), no system call");
	diag("steady.obstack.message_plus_2_ioctls", median_u64(t_ob2, rounds),
	     "ns", "the same obstack message followed by two no-op ioctls (VERSION), as wsheap made two per message before in-place resets");
	free(t_reset);
	free(t_first);
	free(t_rest);
	free(t_ob);
	free(t_ob2);
}

/* ---- workload: firsttouch64m ------------------------------------------------------ */

#define TOUCH_BYTES	(64 * MiB)

struct touch {
	unsigned int flags;	/* wsheap: WSHEAP_HEAP_* */
	int mmap_flags;		/* anon: extra mmap flags */
	int advice;		/* anon: madvise, or -1 */
};

static uint64_t touch_wsheap(void *arg)
{
	struct touch *t = arg;
	struct wsheap *heap;
	uint64_t t0, ns;
	void *p;

	CHECK(!wsheap_create(NULL, UINT64_MAX, 0, t->flags, &heap),
	      "wsheap_create");
	t0 = now_ns();
	CHECK(!wsheap_alloc_aligned(heap, TOUCH_BYTES, PAGE, &p),
	      "wsheap_alloc(64 MiB)");
	memset(p, 0x5a, TOUCH_BYTES);
	ns = now_ns() - t0;
	CHECK(!wsheap_free(heap), "wsheap_free");
	return ns;
}

static uint64_t touch_anon(void *arg)
{
	struct touch *t = arg;
	uint64_t t0, ns;
	void *p;

	t0 = now_ns();
	p = mmap(NULL, TOUCH_BYTES, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | t->mmap_flags, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	if (t->advice >= 0)
		CHECK(!madvise(p, TOUCH_BYTES, t->advice), "madvise");
	memset(p, 0x5a, TOUCH_BYTES);
	ns = now_ns() - t0;
	munmap(p, TOUCH_BYTES);
	return ns;
}

static bool thp_always(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, "[always]") != NULL;
}

static void bench_firsttouch(int runs)
{
	const uint64_t pages = TOUCH_BYTES / PAGE;
	struct touch lazy = { 0, 0, -1 }, pop = { WSHEAP_HEAP_POPULATE, 0, -1 };
	struct touch anon = { 0, 0, -1 }, anon_pop = { 0, MAP_POPULATE, -1 };
	struct touch anon4k = { 0, 0, MADV_NOHUGEPAGE };
	const char *thp = thp_always() ? " (THP always: 2 MiB pages)" : "";

	struct entry e[5] = {
		{ "wsheap", touch_wsheap, &lazy,
		  "ns per 4 KiB page: alloc 64 MiB from a new heap, memset all; pages installed on touch", {0}, {0} },
		{ "wsheap_populate", touch_wsheap, &pop,
		  "ns per 4 KiB page: WSHEAP_HEAP_POPULATE (kernel allocates and zeroes at ALLOC), memset all", {0}, {0} },
		{ "anon_mmap", touch_anon, &anon, "", {0}, {0} },
		{ "anon_mmap_populate", touch_anon, &anon_pop, "", {0}, {0} },
		{ "anon_mmap_4k", touch_anon, &anon4k,
		  "ns per 4 KiB page: mmap + madvise(MADV_NOHUGEPAGE), memset all: 4 KiB faults like wsheap's", {0}, {0} },
	};

	fprintf(stderr, "firsttouch64m: write 64 MiB of fresh memory\n");
	snprintf(e[2].note, sizeof(e[2].note),
		 "ns per 4 KiB page: mmap(MAP_PRIVATE|MAP_ANONYMOUS), memset all%s",
		 thp);
	snprintf(e[3].note, sizeof(e[3].note),
		 "ns per 4 KiB page: mmap(... | MAP_POPULATE), memset all%s",
		 thp);
	measure_group("firsttouch64m", NS_PER_OP, 1, runs, pages, e, 5);
}

/* ---- workload: ioctl ------------------------------------------------------------ */

struct raw {
	int fd;
	uint32_t handle;
	size_t n;
	uint64_t size;		/* ioctl: ALLOC size */
	uint64_t align;		/* ioctl: ALLOC alignment */
};

static void raw_open(struct raw *r, uint64_t trim)
{
	struct wsheap_create c;

	r->fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK(r->fd >= 0, "open %s: %s", WSHEAP_DEVICE, strerror(errno));
	memset(&c, 0, sizeof(c));
	c.max_size = UINT64_MAX;
	c.trim_size = trim;
	CHECK(!ioctl(r->fd, WSHEAP_IOC_CREATE, &c), "CREATE: %s",
	      strerror(errno));
	r->handle = c.handle;
}

static void raw_reset(struct raw *r)
{
	struct wsheap_reset rs;

	memset(&rs, 0, sizeof(rs));
	rs.handle = r->handle;
	CHECK(!ioctl(r->fd, WSHEAP_IOC_RESET, &rs), "RESET: %s",
	      strerror(errno));
}

static void raw_close(struct raw *r)
{
	close(r->fd);	/* drops the handle, frees the heap */
}

static uint64_t ioctl_alloc(void *arg)
{
	struct raw *r = arg;
	struct wsheap_alloc a;
	uint64_t t0, ns;
	size_t i;

	t0 = now_ns();
	for (i = 0; i < r->n; i++) {
		memset(&a, 0, sizeof(a));
		a.handle = r->handle;
		a.size = r->size;
		a.align = r->align;
		CHECK(!ioctl(r->fd, WSHEAP_IOC_ALLOC, &a), "ALLOC: %s",
		      strerror(errno));
	}
	ns = now_ns() - t0;
	raw_reset(r);
	return ns;
}

static uint64_t ioctl_null(void *arg)
{
	struct raw *r = arg;
	struct wsheap_version v;
	uint64_t t0;
	size_t i;

	t0 = now_ns();
	for (i = 0; i < r->n; i++)
		CHECK(!ioctl(r->fd, WSHEAP_IOC_VERSION, &v), "VERSION: %s",
		      strerror(errno));
	return now_ns() - t0;
}

static void bench_ioctl(size_t n, int runs)
{
	struct raw r, small;
	struct entry e[3] = {
		{ "wsheap", ioctl_alloc, &r,
		  "ns per WSHEAP_IOC_ALLOC of a 64 KiB page-aligned block (commits 16 pages, none touched)", {0}, {0} },
		{ "null_ioctl", ioctl_null, &r,
		  "ns per WSHEAP_IOC_VERSION (no-op) on the same device", {0}, {0} },
		{ "wsheap_64B", ioctl_alloc, &small,
		  "ns per WSHEAP_IOC_ALLOC of 64 B (a new page committed every 64 calls)", {0}, {0} },
	};

	fprintf(stderr, "ioctl: %zu ioctls on /dev/wsheap\n", n);
	raw_open(&r, 0);
	r.n = n;
	r.size = WSHEAP_BLOCK_MIN;
	r.align = PAGE;
	raw_open(&small, 0);
	small.n = n;
	small.size = 64;
	small.align = 0;
	measure_group("ioctl", NS_PER_OP, 1, runs, n, e, 3);
	raw_close(&r);
	raw_close(&small);
}

/* ---- workload: share256m ---------------------------------------------------------- */

#define SHARE_TOTAL	(256 * MiB)
#define SHARE_CHUNK	(1 * MiB)
#define SHARE_SLOTS	4
#define SHARE_CHUNKS	(SHARE_TOTAL / SHARE_CHUNK)

enum share_kind { SH_WSHEAP, SH_SOCKET, SH_PIPE };

struct share {
	enum share_kind kind;
	size_t total;
	pid_t child;
	int to_child;		/* data (socket/pipe), or slot messages */
	int from_child;		/* acks and the checksum */
	char *ring;		/* wsheap: SHARE_SLOTS chunks in the heap */
	char *buf;		/* socket/pipe: the producer's buffer */
	struct wsheap *heap;
};

/* The producer's work on a chunk: fill it (every byte). */
static __attribute__((noinline)) void produce(char *p, uint64_t k)
{
	memset(p, (int)(k & 0xff) | 1, SHARE_CHUNK);
}

/* The consumer's work: read every 64-byte line of the chunk. */
static __attribute__((noinline)) uint64_t consume(const char *p)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < SHARE_CHUNK; i += 64)
		sum += *(const volatile uint64_t *)(p + i);
	return sum;
}

static uint64_t expected_sum(size_t chunks)
{
	uint64_t sum = 0, k;

	for (k = 0; k < chunks; k++)
		sum += (SHARE_CHUNK / 64) *
		       (((k & 0xff) | 1) * 0x0101010101010101ULL);
	return sum;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0, "write: %s", strerror(errno));
		p += n;
		len -= n;
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0, "read: %s", n ? strerror(errno) : "EOF");
		p += n;
		len -= n;
	}
}

/* The consumer process: runs until its input closes. */
static void __attribute__((noreturn)) share_child(struct share *s)
{
	char *buf = NULL;
	uint64_t sum, msg, k, chunks = s->total / SHARE_CHUNK;
	uint32_t slot;
	ssize_t n;

	if (s->kind != SH_WSHEAP)
		buf = xmalloc(SHARE_CHUNK);
	for (;;) {
		sum = 0;
		for (k = 0; k < chunks; k++) {
			if (s->kind == SH_WSHEAP) {
				n = read(s->to_child, &slot, sizeof(slot));
				if (n == 0)
					_exit(0);
				CHECK(n == sizeof(slot), "child: read slot");
				sum += consume(s->ring + (size_t)slot * SHARE_CHUNK);
				/* the slot is free again */
				write_all(s->from_child, &slot, sizeof(slot));
			} else {
				n = read(s->to_child, buf, 1);
				if (n == 0)
					_exit(0);
				CHECK(n == 1, "child: read");
				read_all(s->to_child, buf + 1, SHARE_CHUNK - 1);
				sum += consume(buf);
			}
		}
		msg = sum;
		write_all(s->from_child, &msg, sizeof(msg));
	}
}

static uint64_t share_rep(void *arg)
{
	struct share *s = arg;
	uint64_t t0, ns, sum, k, chunks = s->total / SHARE_CHUNK;
	uint32_t slot;

	t0 = now_ns();
	for (k = 0; k < chunks; k++) {
		if (s->kind == SH_WSHEAP) {
			slot = k % SHARE_SLOTS;
			if (k >= SHARE_SLOTS) {
				uint32_t freed;

				read_all(s->from_child, &freed, sizeof(freed));
				CHECK(freed == slot, "slot order");
			}
			produce(s->ring + (size_t)slot * SHARE_CHUNK, k);
			write_all(s->to_child, &slot, sizeof(slot));
		} else {
			produce(s->buf, k);
			write_all(s->to_child, s->buf, SHARE_CHUNK);
		}
	}
	if (s->kind == SH_WSHEAP) {
		for (k = chunks > SHARE_SLOTS ? chunks - SHARE_SLOTS : 0;
		     k < chunks; k++)
			read_all(s->from_child, &slot, sizeof(slot));
	}
	read_all(s->from_child, &sum, sizeof(sum));
	ns = now_ns() - t0;
	CHECK(sum == expected_sum(chunks), "share: consumer saw wrong data");
	return ns;
}

/* The parent's ends of every channel, which no consumer may keep open. */
static int share_fds[8];
static int nshare_fds;

static void share_start(struct share *s)
{
	int a[2], b[2], sz = (int)(SHARE_SLOTS * SHARE_CHUNK);
	void *p;

	if (s->kind == SH_SOCKET) {
		/* a[1]: the producer's end, a[0]: the consumer's */
		CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a),
		      "socketpair");
		b[0] = dup(a[1]);
		b[1] = dup(a[0]);
		/*
		 * As much in flight as wsheap's ring; the kernel doubles the
		 * value for its bookkeeping.  FORCE needs CAP_NET_ADMIN (the
		 * guest runs as root); plain SO_SNDBUF is capped by wmem_max.
		 */
		if (setsockopt(a[1], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
			setsockopt(a[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (setsockopt(a[0], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(a[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	} else {
		CHECK(!pipe2(a, O_CLOEXEC) && !pipe2(b, O_CLOEXEC), "pipe");
		/* as much in flight as wsheap's ring (root may pass pipe-max-size) */
		if (s->kind == SH_PIPE && fcntl(a[1], F_SETPIPE_SZ, sz) < 0)
			fcntl(a[1], F_SETPIPE_SZ, (int)SHARE_CHUNK);
	}
	if (s->kind == SH_WSHEAP) {
		/* The ring lives in a heap; the child inherits the mapping. */
		CHECK(!wsheap_create(NULL, UINT64_MAX, SHARE_SLOTS * SHARE_CHUNK,
				     WSHEAP_HEAP_POPULATE, &s->heap),
		      "wsheap_create");
		CHECK(!wsheap_alloc_aligned(s->heap, SHARE_SLOTS * SHARE_CHUNK,
					    PAGE, &p), "wsheap_alloc(ring)");
		s->ring = p;
	} else {
		s->buf = xmalloc(SHARE_CHUNK);
		memset(s->buf, 0, SHARE_CHUNK);
	}
	fflush(stdout);
	s->child = fork();
	CHECK(s->child >= 0, "fork");
	if (s->child == 0) {
		int i;

		/* Other consumers must see EOF when the parent closes. */
		for (i = 0; i < nshare_fds; i++)
			close(share_fds[i]);
		close(a[1]);
		close(b[0]);
		s->to_child = a[0];
		s->from_child = b[1];
		share_child(s);
	}
	close(a[0]);
	close(b[1]);
	s->to_child = a[1];
	s->from_child = b[0];
	share_fds[nshare_fds++] = a[1];
	share_fds[nshare_fds++] = b[0];
}

static void share_stop(struct share *s)
{
	int status, i;

	for (i = 0; i < nshare_fds; i++)
		if (share_fds[i] == s->to_child || share_fds[i] == s->from_child)
			share_fds[i] = -1;

	close(s->to_child);
	close(s->from_child);
	CHECK(waitpid(s->child, &status, 0) == s->child &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "share: consumer failed");
	if (s->heap)
		CHECK(!wsheap_free(s->heap), "wsheap_free");
	free(s->buf);
}

/*
 * The three transports are measured interleaved: their consumers are all
 * started first (each waits on its own channel), then each round moves
 * @total bytes through each of them in turn.
 */
static void bench_share(size_t total, int runs)
{
	static const char *const names[] = { "wsheap", "socketpair", "pipe" };
	static const char *const notes[] = {
		"MiB/s: producer fills 1 MiB chunks in a 4-slot ring in a heap (POPULATE) that the forked consumer maps; 4-byte slot messages over pipes",
		"MiB/s: producer fills a 1 MiB buffer and write()s it to an AF_UNIX stream socketpair (4 MiB buffers); consumer read()s it into its buffer",
		"MiB/s: producer fills a 1 MiB buffer and write()s it into a pipe (F_SETPIPE_SZ 4 MiB); consumer read()s it into its buffer",
	};
	static struct share s[3];
	struct entry e[3];
	int k;

	fprintf(stderr, "share256m: move %zu MiB from a producer to a consumer process\n",
		(size_t)(total / MiB));
	for (k = SH_WSHEAP; k <= SH_PIPE; k++) {
		memset(&s[k], 0, sizeof(s[k]));
		s[k].kind = k;
		s[k].total = total;
		share_start(&s[k]);
		memset(&e[k], 0, sizeof(e[k]));
		e[k].impl = names[k];
		e[k].rep = share_rep;
		e[k].arg = &s[k];
		snprintf(e[k].note, sizeof(e[k].note), "%s", notes[k]);
	}
	measure_group("share256m", MIB_PER_S, 1, runs, total, e, 3);
	for (k = SH_WSHEAP; k <= SH_PIPE; k++)
		share_stop(&s[k]);
}

/* ---- workload: kalloc64 -------------------------------------------------------------- */

struct kbench {
	int dev;
	struct raw raw;
	int heap_fd;
	uint32_t kind;
	uint32_t iters;
};

static uint64_t kalloc_rep(void *arg)
{
	struct kbench *k = arg;
	struct wsheap_bench_run run;

	memset(&run, 0, sizeof(run));
	run.kind = k->kind;
	run.heap_fd = k->heap_fd;
	run.iters = k->iters;
	run.size = 64;
	CHECK(!ioctl(k->dev, WSHEAP_BENCH_IOC_RUN, &run),
	      "wsheap_bench RUN kind %u: %s", k->kind, strerror(errno));
	if (k->kind == WSHEAP_BENCH_WSHEAP)
		raw_reset(&k->raw);	/* not timed: one ioctl per run */
	return run.ns;
}

static bool bench_kalloc(uint32_t iters, int runs)
{
	static const char *const names[] = {
		"wsheap", "kmalloc", "kmem_cache", "gen_pool",
	};
	static const char *const notes[] = {
		"ns per wsheap_alloc(heap, 64, 0) in the kernel (heap from WSHEAP_IOC_EXPORT); the release is one RESET per run, not timed",
		"ns per kmalloc(64) + kfree, 1024 live at a time",
		"ns per kmem_cache_alloc + kmem_cache_free of a 64 B cache, 1024 live at a time",
		"ns per gen_pool_alloc(64) + gen_pool_free, 64 B granules, 1024 live at a time",
	};
	struct entry e[WSHEAP_BENCH_GEN_POOL + 1];
	struct kbench kb[WSHEAP_BENCH_GEN_POOL + 1];
	struct wsheap_export ex;
	struct kbench k;
	int i;

	fprintf(stderr, "kalloc64: %u in-kernel allocations of 64 B\n", iters);
	memset(&k, 0, sizeof(k));
	k.dev = open("/dev/wsheap_bench", O_RDWR | O_CLOEXEC);
	if (k.dev < 0) {
		fprintf(stderr, "kalloc64: /dev/wsheap_bench: %s (module not loaded?)\n",
			strerror(errno));
		return false;
	}
	raw_open(&k.raw, 0);
	memset(&ex, 0, sizeof(ex));
	ex.handle = k.raw.handle;
	CHECK(!ioctl(k.raw.fd, WSHEAP_IOC_EXPORT, &ex), "EXPORT: %s",
	      strerror(errno));
	k.heap_fd = ex.fd;
	k.iters = iters;
	for (i = 0; i <= WSHEAP_BENCH_GEN_POOL; i++) {
		kb[i] = k;
		kb[i].kind = i;
		e[i].impl = names[i];
		e[i].rep = kalloc_rep;
		e[i].arg = &kb[i];
		snprintf(e[i].note, sizeof(e[i].note), "%s", notes[i]);
	}
	measure_group("kalloc64", NS_PER_OP, 1, runs, iters, e,
		      WSHEAP_BENCH_GEN_POOL + 1);
	/* What part of wsheap_alloc() its mutex is. */
	{
		uint64_t t[MAX_RUNS];

		k.kind = WSHEAP_BENCH_MUTEX;
		kalloc_rep(&k);
		for (i = 0; i < runs; i++)
			t[i] = kalloc_rep(&k);
		diag("kalloc64.mutex_lock_unlock", median_u64(t, runs) / iters,
		     "ns", "in-kernel mutex_lock + mutex_unlock of an uncontended mutex (wsheap_alloc takes the heap's mutex once per call)");
	}
	close(k.heap_fd);
	raw_close(&k.raw);
	close(k.dev);
	return true;
}

/* ---- workloads: syscalls1m, resident_after_reset, overhead24 ----------------------- */

static void bench_syscalls(size_t n)
{
	struct wsheap_ctx_stats c0, c1;
	struct wsheap_stats s0, s1;
	struct wsheap *heap;
	WS_HEAP *wh;
	double v;
	char note[160];
	void *p;
	size_t i;

	fprintf(stderr, "syscalls1m: ioctls made by %zu allocations of 64 B\n", n);
	CHECK(!wsheap_create(NULL, UINT64_MAX, 0, 0, &heap), "wsheap_create");
	wsheap_stats(heap, &s0);
	for (i = 0; i < n; i++) {
		CHECK(!wsheap_alloc(heap, 64, &p), "wsheap_alloc");
		TOUCH(p, i);
	}
	wsheap_stats(heap, &s1);
	v = (double)(s1.ioctls - s0.ioctls);
	snprintf(note, sizeof(note),
		 "ioctls during the allocations (wsheap_stats.ioctls; CREATE not counted); %" PRIu64 " mmaps, %" PRIu64 " blocks",
		 s1.mmaps - s0.mmaps, s1.blocks);
	record("syscalls1m", "wsheap", COUNT, &v, 1, n, note);
	CHECK(!wsheap_free(heap), "wsheap_free");

	CHECK(WsCreateHeap(SIZE_MAX, 0, NULL, 0, &wh, NULL) == S_OK,
	      "WsCreateHeap");
	wsheap_ctx_stats(NULL, &c0);
	for (i = 0; i < n; i++) {
		CHECK(WsAlloc(wh, 64, &p, NULL) == S_OK, "WsAlloc");
		TOUCH(p, i);
	}
	wsheap_ctx_stats(NULL, &c1);
	v = (double)(c1.ioctls - c0.ioctls);
	snprintf(note, sizeof(note),
		 "ioctls during the allocations (default context's wsheap_ctx_stats.ioctls); %" PRIu64 " mmaps",
		 c1.mmaps - c0.mmaps);
	record("syscalls1m", "WsAlloc", COUNT, &v, 1, n, note);
	WsFreeHeap(wh);
}

static void bench_resident(void)
{
	const uint64_t trim = 1 * MiB, piece = 64 * KiB;
	struct wsheap_info info;
	struct wsheap *heap;
	char note[160];
	double v;
	uint64_t used;
	void *p;

	fprintf(stderr, "resident_after_reset: trim 1 MiB, 64 MiB used, reset\n");
	CHECK(!wsheap_create(NULL, UINT64_MAX, trim, 0, &heap), "wsheap_create");
	for (used = 0; used < 64 * MiB; used += piece) {
		CHECK(!wsheap_alloc(heap, piece, &p), "wsheap_alloc");
		memset(p, 0xa5, piece);
	}
	CHECK(!wsheap_get_info(heap, &info), "INFO");
	snprintf(note, sizeof(note),
		 "bytes resident (INFO.resident) after reset; before reset %" PRIu64 " resident, %" PRIu64 " committed; trim 1048576",
		 (uint64_t)info.resident, (uint64_t)info.committed);
	CHECK(!wsheap_reset(heap), "wsheap_reset");
	CHECK(!wsheap_get_info(heap, &info), "INFO");
	v = (double)info.resident;
	record("resident_after_reset", "wsheap", BYTES, &v, 1, 64 * MiB, note);
	CHECK(!wsheap_free(heap), "wsheap_free");
}

static void bench_overhead(size_t n)
{
	struct wsheap_info info;
	struct wsheap_stats st;
	struct wsheap *heap;
	SIZE_T actual, requested;
	WS_HEAP *wh;
	char note[160];
	double v;
	void *p;
	size_t i;

	fprintf(stderr, "overhead24: %zu allocations of 24 B\n", n);
	CHECK(WsCreateHeap(SIZE_MAX, 0, NULL, 0, &wh, NULL) == S_OK,
	      "WsCreateHeap");
	for (i = 0; i < n; i++)
		CHECK(WsAlloc(wh, 24, &p, NULL) == S_OK, "WsAlloc");
	CHECK(WsGetHeapProperty(wh, WS_HEAP_PROPERTY_ACTUAL_SIZE, &actual,
				sizeof(actual), NULL) == S_OK, "ACTUAL_SIZE");
	CHECK(WsGetHeapProperty(wh, WS_HEAP_PROPERTY_REQUESTED_SIZE,
				&requested, sizeof(requested), NULL) == S_OK,
	      "REQUESTED_SIZE");
	v = (double)actual / (double)requested;
	snprintf(note, sizeof(note),
		 "WsGetHeapProperty ACTUAL_SIZE %zu / REQUESTED_SIZE %zu",
		 (size_t)actual, (size_t)requested);
	record("overhead24", "WsAlloc", RATIO, &v, 1, n, note);
	WsFreeHeap(wh);

	/* The native heap: what the kernel commits for the same requests. */
	CHECK(!wsheap_create(NULL, UINT64_MAX, 0, 0, &heap), "wsheap_create");
	for (i = 0; i < n; i++)
		CHECK(!wsheap_alloc(heap, 24, &p), "wsheap_alloc");
	CHECK(!wsheap_get_info(heap, &info), "INFO");
	wsheap_stats(heap, &st);
	v = (double)info.committed / (double)st.requested;
	snprintf(note, sizeof(note),
		 "kernel INFO.committed %" PRIu64 " / requested %" PRIu64 " (library blocks: %" PRIu64 ")",
		 (uint64_t)info.committed, st.requested, st.blocks);
	record("overhead24", "wsheap", RATIO, &v, 1, n, note);
	CHECK(!wsheap_free(heap), "wsheap_free");
}

/* ---- targets and the table ------------------------------------------------------------ */

struct target {
	char name[64];
	bool known, met;
	char detail[160];
};

#define MAX_TARGETS 32
static struct target targets[MAX_TARGETS];
static int ntargets;

static struct target *target_new(const char *name)
{
	struct target *t;

	CHECK(ntargets < MAX_TARGETS, "too many targets");
	t = &targets[ntargets++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

/* a is at least @factor times faster than b (ns_per_op: lower is faster) */
static void target_faster(const char *name, const char *workload,
			  const char *a, const char *b, double factor)
{
	const struct result *ra = find(workload, a), *rb = find(workload, b);
	struct target *t = target_new(name);
	double x;

	if (!ra || !rb) {
		snprintf(t->detail, sizeof(t->detail), "not measured");
		return;
	}
	t->known = true;
	if (ra->metric == MIB_PER_S)
		x = ra->value / rb->value;
	else
		x = rb->value / ra->value;
	t->met = x >= factor;
	snprintf(t->detail, sizeof(t->detail),
		 "%s %s is %.2fx %s (%.4g vs %.4g %s; needs >= %gx)", workload,
		 a, x, b, ra->value, rb->value, metric_name[ra->metric],
		 factor);
}

static void target_max(const char *name, const char *workload,
		       const char *impl, double limit)
{
	const struct result *r = find(workload, impl);
	struct target *t = target_new(name);

	if (!r) {
		snprintf(t->detail, sizeof(t->detail), "not measured");
		return;
	}
	t->known = true;
	t->met = r->value <= limit;
	snprintf(t->detail, sizeof(t->detail), "%s %s = %.10g %s (needs <= %.10g)",
		 workload, impl, r->value, metric_name[r->metric], limit);
}

static void target_fastest(const char *name, const char *workload,
			   const char *impl)
{
	const struct result *r = find(workload, impl), *best = NULL;
	struct target *t = target_new(name);
	int i;

	if (!r) {
		snprintf(t->detail, sizeof(t->detail), "not measured");
		return;
	}
	for (i = 0; i < nresults; i++) {
		if (strcmp(results[i].workload, workload) ||
		    &results[i] == r)
			continue;
		if (!best || results[i].value < best->value)
			best = &results[i];
	}
	t->known = true;
	t->met = !best || r->value <= best->value;
	snprintf(t->detail, sizeof(t->detail),
		 "%s %s %.4g ns; fastest other: %s %.4g ns (%.2fx)", workload,
		 impl, r->value, best ? best->impl : "-",
		 best ? best->value : 0, best ? best->value / r->value : 0);
}

static void evaluate_targets(void)
{
	target_faster("alloc64: wsheap >= 10x malloc", "alloc64", "wsheap", "malloc", 10);
	target_faster("alloc64: wsheap >= 2x mimalloc", "alloc64", "wsheap", "mimalloc", 2);
	target_faster("alloc64: wsheap >= obstack", "alloc64", "wsheap", "obstack", 1);
	target_faster("alloc64: WsAlloc >= 3x malloc", "alloc64", "WsAlloc", "malloc", 3);
	target_faster("reset100k: wsheap >= 100x malloc", "reset100k", "wsheap", "malloc", 100);
	target_faster("reset100k: wsheap >= mimalloc", "reset100k", "wsheap", "mimalloc", 1);
	target_faster("reset100k: wsheap >= apr", "reset100k", "wsheap", "apr", 1);
	target_faster("reset100k: wsheap >= talloc", "reset100k", "wsheap", "talloc", 1);
	target_fastest("steady: wsheap fastest of all", "steady", "wsheap");
	target_max("syscalls1m: wsheap <= 40", "syscalls1m", "wsheap", 40);
	target_max("syscalls1m: WsAlloc <= 40", "syscalls1m", "WsAlloc", 40);
	target_faster("share256m: wsheap >= 4x socketpair", "share256m", "wsheap", "socketpair", 4);
	target_faster("kalloc64: wsheap >= 3x kmalloc", "kalloc64", "wsheap", "kmalloc", 3);
	target_max("resident_after_reset <= trim + 4096", "resident_after_reset", "wsheap", 1 * MiB + 4096);
	target_max("overhead24 <= 1.4", "overhead24", "WsAlloc", 1.4);
}

static void print_table(void)
{
	const struct result *r, *base;
	char v[32], lo[32], hi[32], rel[32], flt[32];
	int i, met = 0, missed = 0;

	printf("@@TABLE-BEGIN\n");
	printf("%-21s %-19s %-9s %11s %11s %11s %4s %9s %10s\n", "workload",
	       "impl", "metric", "median", "min", "max", "runs", "faults",
	       "vs wsheap");
	for (i = 0; i < nresults; i++) {
		r = &results[i];
		base = find(r->workload, "wsheap");
		rel[0] = 0;
		if (base && base->value > 0 && r->value > 0 &&
		    (r->metric == NS_PER_OP || r->metric == MIB_PER_S))
			snprintf(rel, sizeof(rel), "%.2fx",
				 r->metric == NS_PER_OP ?
				 r->value / base->value :
				 base->value / r->value);
		if (r->faults >= 0)
			snprintf(flt, sizeof(flt), "%.0f", r->faults);
		else
			snprintf(flt, sizeof(flt), "-");
		if (r->metric == BYTES || r->metric == COUNT) {
			snprintf(v, sizeof(v), "%.0f", r->value);
			snprintf(lo, sizeof(lo), "%.0f", r->min);
			snprintf(hi, sizeof(hi), "%.0f", r->max);
		} else {
			fmt_num(v, sizeof(v), r->value);
			fmt_num(lo, sizeof(lo), r->min);
			fmt_num(hi, sizeof(hi), r->max);
		}
		printf("%-21s %-19s %-9s %11s %11s %11s %4d %9s %10s\n",
		       r->workload, r->impl, metric_name[r->metric], v, lo, hi,
		       r->runs, flt, rel);
	}
	printf("(faults: page faults of the benchmark process per measured run, median;\n"
	       " vs wsheap: how many times wsheap is faster; > 1 means wsheap wins)\n\n");
	printf("Targets:\n");
	for (i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];

		printf("  %-7s %-40s %s\n",
		       !t->known ? "UNKNOWN" : t->met ? "MET" : "MISSED",
		       t->name, t->detail);
		if (t->known && t->met)
			met++;
		else
			missed++;
	}
	printf("%d of %d targets met\n", met, met + missed);
	if (ndiags)
		printf("\nDiagnostics (not results: breakdowns that explain them):\n");
	for (i = 0; i < ndiags; i++)
		printf("  %-40s %12.1f %-3s %s\n", diags[i].name,
		       diags[i].value, diags[i].unit, diags[i].detail);
	printf("@@TABLE-END\n");
	for (i = 0; i < ntargets; i++) {
		printf("@@TARGET {\"target\": ");
		json_str(stdout, targets[i].name);
		printf(", \"status\": \"%s\", \"detail\": ",
		       !targets[i].known ? "UNKNOWN" :
		       targets[i].met ? "MET" : "MISSED");
		json_str(stdout, targets[i].detail);
		printf("}\n");
	}
	fflush(stdout);
}

/* ---- main ----------------------------------------------------------------------------- */

static void print_info(void)
{
	char line[256], model[128] = "?", *c;
	struct utsname u;
	FILE *f;

	uname(&u);
	printf("@@INFO kernel=%s %s\n", u.release, u.version);
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "model name", 10) &&
			    (c = strchr(line, ':'))) {
				snprintf(model, sizeof(model), "%s", c + 2);
				model[strcspn(model, "\n")] = 0;
				break;
			}
		}
		fclose(f);
	}
	printf("@@INFO cpu=%s, %ld online\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("@@INFO memory_mib=%ld\n",
	       (long)(sysconf(_SC_PHYS_PAGES) * (sysconf(_SC_PAGESIZE) / 1024) / 1024));
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			printf("@@INFO thp=%s\n", line);
		}
		fclose(f);
	}
	f = fopen("/sys/devices/system/cpu/vulnerabilities/spectre_v2", "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			printf("@@INFO spectre_v2=%s\n", line);
		}
		fclose(f);
	}
	f = fopen("/sys/devices/system/cpu/vulnerabilities/meltdown", "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			printf("@@INFO meltdown=%s\n", line);
		}
		fclose(f);
	}
	printf("@@INFO versions=mimalloc %d, jemalloc %s, talloc %d.%d, apr %s\n",
	       mi_version(), JEMALLOC_VERSION, talloc_version_major(),
	       talloc_version_minor(), apr_version_string());
	fflush(stdout);
}

/*
 * jemalloc and mimalloc both define malloc; the program is linked with libc
 * ahead of them so that malloc stays glibc's, for the malloc, obstack,
 * talloc and APR figures.  Check that it did.
 */
static void check_malloc_is_glibc(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	CHECK(libc && dlsym(RTLD_DEFAULT, "malloc") == dlsym(libc, "malloc") &&
	      dlsym(RTLD_DEFAULT, "free") == dlsym(libc, "free"),
	      "malloc is not glibc's: check the link order (-lc before -ljemalloc -lmimalloc)");
}

static bool wanted(const char *only, const char *name)
{
	const char *p = only;
	size_t len = strlen(name);

	if (!only)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	struct wsheap_ctx *ctx;
	uint64_t t0 = now_ns();
	int opt, ret, runs;
	bool ok = true;

	while ((opt = getopt(argc, argv, "qo:")) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-q] [-o WORKLOAD,...]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_malloc_is_glibc();
	keep_memory();
	CHECK(apr_initialize() == APR_SUCCESS, "apr_initialize");
	ret = wsheap_ctx_default(&ctx);
	CHECK(!ret, "cannot open %s: %s (is wsheap.ko loaded?)", WSHEAP_DEVICE,
	      strerror(-ret));
	print_info();
	printf("@@INFO mode=%s\n", quick ? "quick" : "full");

	runs = quick ? 3 : 7;
	if (wanted(only, "alloc16"))
		bench_alloc(16, quick ? 100000 : 1000000, runs);
	if (wanted(only, "alloc64"))
		bench_alloc(64, quick ? 100000 : 1000000, runs);
	if (wanted(only, "alloc256"))
		bench_alloc(256, quick ? 100000 : 1000000, runs);
	/* 10^6 x 4 KiB would be 4 GiB: more than the guest has */
	if (wanted(only, "alloc4096"))
		bench_alloc(4096, quick ? 8192 : 65536, runs);
	if (wanted(only, "reset100k"))
		bench_reset(100000, quick ? 3 : 9);
	if (wanted(only, "steady")) {
		bench_steady(quick ? 1000 : 10000, runs);
		steady_breakdown(quick ? 300 : 2000);
	}
	if (wanted(only, "firsttouch64m"))
		bench_firsttouch(runs);
	if (wanted(only, "ioctl"))
		bench_ioctl(quick ? 2000 : 10000, runs);
	if (wanted(only, "share256m"))
		bench_share(quick ? 32 * MiB : SHARE_TOTAL, runs);
	if (wanted(only, "kalloc64"))
		ok &= bench_kalloc(quick ? 10000 : 100000, runs);
	if (wanted(only, "syscalls1m"))
		bench_syscalls(quick ? 100000 : 1000000);
	if (wanted(only, "resident_after_reset"))
		bench_resident();
	if (wanted(only, "overhead24"))
		bench_overhead(100000);

	evaluate_targets();
	print_table();
	printf("@@INFO elapsed_s=%.1f\n", (double)(now_ns() - t0) / 1e9);
	return ok ? 0 : 1;
}
