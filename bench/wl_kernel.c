// SPDX-License-Identifier: MIT
/*
 * ioctl: what a system call of /dev/wsheap costs.  kalloc64: in-kernel
 * allocation, timed inside the kernel by the wsheap_bench module.  The
 * memfd arena and the bump pointer have no row: they make no system call
 * for memory, and no kernel code can allocate in them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"
#include "wsheap.h"
#include "wsheap_ioctl.h"
#include "kmod/wsheap_bench_ioctl.h"

void raw_open(struct raw *r, uint64_t trim)
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

void raw_reset(struct raw *r)
{
	struct wsheap_reset rs;

	memset(&rs, 0, sizeof(rs));
	rs.handle = r->handle;
	CHECK(!ioctl(r->fd, WSHEAP_IOC_RESET, &rs), "RESET: %s",
	      strerror(errno));
}

void raw_close(struct raw *r)
{
	close(r->fd);	/* drops the handle, frees the heap */
}

/* ---- ioctl -------------------------------------------------------------------- */

static void ioctl_alloc(void *arg, struct sample *s)
{
	struct raw *r = arg;
	struct wsheap_alloc a;
	size_t i;

	sample_start(s);
	for (i = 0; i < r->n; i++) {
		memset(&a, 0, sizeof(a));
		a.handle = r->handle;
		a.size = r->size;
		a.align = r->align;
		CHECK(!ioctl(r->fd, WSHEAP_IOC_ALLOC, &a), "ALLOC: %s",
		      strerror(errno));
	}
	sample_stop(s);
	raw_reset(r);
}

static void ioctl_null(void *arg, struct sample *s)
{
	struct raw *r = arg;
	struct wsheap_version v;
	size_t i;

	sample_start(s);
	for (i = 0; i < r->n; i++)
		CHECK(!ioctl(r->fd, WSHEAP_IOC_VERSION, &v), "VERSION: %s",
		      strerror(errno));
	sample_stop(s);
}

void wl_ioctl(void)
{
	static struct raw r, small;
	struct row rows[3] = {
		{ .impl = "wsheap", .rep = ioctl_alloc, .arg = &r,
		  .note = "ns per WSHEAP_IOC_ALLOC of a 64 KiB page-aligned block (commits 16 pages, none touched)" },
		{ .impl = "null_ioctl", .rep = ioctl_null, .arg = &r,
		  .note = "ns per WSHEAP_IOC_VERSION (no-op) on the same device" },
		{ .impl = "wsheap_64B", .rep = ioctl_alloc, .arg = &small,
		  .note = "ns per WSHEAP_IOC_ALLOC of 64 B (a new page committed every 64 calls)" },
	};
	size_t n = QN(10000, 2000);

	fprintf(stderr, "ioctl: %zu ioctls on /dev/wsheap\n", n);
	raw_open(&r, 0);
	r.n = n;
	r.size = WSHEAP_BLOCK_MIN;
	r.align = PAGE;
	raw_open(&small, 0);
	small.n = n;
	small.size = 64;
	small.align = 0;
	measure("ioctl", UNIT_NS_PER_OP, 1, runs_for(7), n, rows, 3);
	raw_close(&r);
	raw_close(&small);
}

/* ---- kalloc64 ----------------------------------------------------------------- */

struct kbench {
	int dev;
	struct raw raw;
	int heap_fd;
	uint32_t kind;
	uint32_t iters;
};

/* The module times the loop itself; its figure replaces the clock's. */
static void kalloc_rep(void *arg, struct sample *s)
{
	struct kbench *k = arg;
	struct wsheap_bench_run run;

	memset(&run, 0, sizeof(run));
	run.kind = k->kind;
	run.heap_fd = k->heap_fd;
	run.iters = k->iters;
	run.size = 64;
	sample_start(s);
	CHECK(!ioctl(k->dev, WSHEAP_BENCH_IOC_RUN, &run),
	      "wsheap_bench RUN kind %u: %s", k->kind, strerror(errno));
	sample_stop(s);
	s->ns = run.ns;
	if (k->kind == WSHEAP_BENCH_WSHEAP)
		raw_reset(&k->raw);	/* not timed: one ioctl per run */
}

void wl_kalloc64(void)
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
	static struct kbench kb[WSHEAP_BENCH_GEN_POOL + 1];
	struct row rows[WSHEAP_BENCH_GEN_POOL + 1];
	const int runs = runs_for(7);
	struct wsheap_export ex;
	struct sample smp;
	struct kbench k;
	double t[MAX_RUNS];
	int i;

	memset(&k, 0, sizeof(k));
	k.iters = QN(100000, 10000);
	fprintf(stderr, "kalloc64: %u in-kernel allocations of 64 B\n",
		k.iters);
	k.dev = open("/dev/wsheap_bench", O_RDWR | O_CLOEXEC);
	if (k.dev < 0) {
		emit_skip("kalloc64", "*", "no /dev/wsheap_bench: module not loaded");
		return;
	}
	raw_open(&k.raw, 0);
	memset(&ex, 0, sizeof(ex));
	ex.handle = k.raw.handle;
	CHECK(!ioctl(k.raw.fd, WSHEAP_IOC_EXPORT, &ex), "EXPORT: %s",
	      strerror(errno));
	k.heap_fd = ex.fd;
	for (i = 0; i <= WSHEAP_BENCH_GEN_POOL; i++) {
		kb[i] = k;
		kb[i].kind = (uint32_t)i;
		memset(&rows[i], 0, sizeof(rows[i]));
		rows[i].impl = names[i];
		rows[i].rep = kalloc_rep;
		rows[i].arg = &kb[i];
		snprintf(rows[i].note, sizeof(rows[i].note), "%s", notes[i]);
	}
	measure("kalloc64", UNIT_NS_PER_OP, 1, runs, k.iters, rows,
		WSHEAP_BENCH_GEN_POOL + 1);

	/* What part of wsheap_alloc() its mutex is. */
	k.kind = WSHEAP_BENCH_MUTEX;
	kalloc_rep(&k, &smp);
	for (i = 0; i < runs; i++) {
		kalloc_rep(&k, &smp);
		t[i] = (double)smp.ns / k.iters;
	}
	emit_diag("kalloc64.mutex_lock_unlock", "ns", t, (size_t)runs,
		  "in-kernel mutex_lock + mutex_unlock of an uncontended mutex (what wsheap_alloc took once per call before its lock-free path)");
	close(k.heap_fd);
	raw_close(&k.raw);
	close(k.dev);
}
