// SPDX-License-Identifier: MIT
/*
 * The workloads every heap runs: allocN, reset100k, steady (and
 * steady_pressure), reset_trim64m, firsttouch64m and grow.  Their timed loops are in workloads.h, one copy
 * per implementation; this file only picks the rows and configurations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "impl.h"
#include "pressure.h"

#define MAX_ROWS	16

/* Up to MAX_ROWS heaps of one workload. */
struct set {
	struct row rows[MAX_ROWS];
	struct run runs[MAX_ROWS];
	const struct impl *impl[MAX_ROWS];
	bool opened[MAX_ROWS];
	int count;
};

/*
 * Add a row: @im's heap for @cfg under @label, run by @rep; opened now
 * unless @rep opens its own (firsttouch64m).
 */
static struct row *add(struct set *s, const struct impl *im,
		       const char *label, const struct heap_cfg *cfg,
		       rep_fn *rep, bool open)
{
	struct row *r;
	struct run *run;

	CHECK(s->count < MAX_ROWS, "too many rows");
	r = &s->rows[s->count];
	run = &s->runs[s->count];
	memset(r, 0, sizeof(*r));
	memset(run, 0, sizeof(*run));
	run->cfg = *cfg;
	run->heap = xmalloc(im->heap_size);
	memset(run->heap, 0, im->heap_size);
	if (open)
		im->open(run->heap, cfg);
	s->impl[s->count] = im;
	s->opened[s->count] = open;
	s->count++;
	r->impl = label ? label : im->name;
	r->rep = rep;
	r->arg = run;
	return r;
}

static void close_all(struct set *s)
{
	int i;

	for (i = 0; i < s->count; i++) {
		if (s->opened[i])
			s->impl[i]->close(s->runs[i].heap);
		free(s->runs[i].heap);
	}
	s->count = 0;
	peers_settle();
}

/* ---- allocN ------------------------------------------------------------------ */

static void alloc_cfg(struct heap_cfg *c, size_t size, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->size = size;
	c->n = n;
	/* wsheap and memfd keep what one run uses across releases */
	c->trim = 2 * n * ((size + 7) & ~7ULL) + 64 * MiB;
	c->pool = n * size;
}

static void alloc_note(struct row *r, const struct impl *im, size_t size,
		       size_t n)
{
	snprintf(r->note, sizeof(r->note),
		 "%zu allocations of %zu B, each written once, then one release; ns per allocation%s",
		 n, size, im == &impl_talloc && n * (size + 112) > 255 * MiB ?
		 " (pool capped at 255 MiB, talloc's limit: the rest falls back to malloc)" : "");
}

/*
 * Up to 64 MiB a run, all implementations are measured interleaved; above
 * that, one after the other, since together they would not fit the guest.
 */
static void bench_alloc(size_t size, size_t full_n, size_t quick_n)
{
	static struct set s;
	struct heap_cfg c;
	char workload[24];
	size_t n = QN(full_n, quick_n), i;

	snprintf(workload, sizeof(workload), "alloc%zu", size);
	fprintf(stderr, "%s: %zu allocations of %zu B, then a release\n",
		workload, n, size);
	alloc_cfg(&c, size, n);
	for (i = 0; i < nimpls; i++) {
		alloc_note(add(&s, impls[i], NULL, &c, impls[i]->alloc, true),
			   impls[i], size, n);
		if (n * size > 64 * MiB) {
			measure(workload, UNIT_NS_PER_OP, 2, runs_for(7), n,
				s.rows, 1);
			close_all(&s);
		}
	}
	if (s.count) {
		measure(workload, UNIT_NS_PER_OP, 2, runs_for(7), n, s.rows,
			s.count);
		close_all(&s);
	}
}

void wl_alloc16(void)
{
	bench_alloc(16, 1000000, 100000);
}

void wl_alloc64(void)
{
	bench_alloc(64, 1000000, 100000);
}

void wl_alloc256(void)
{
	bench_alloc(256, 1000000, 100000);
}

/* 10^6 x 4 KiB would be 4 GiB: more than the guest has */
void wl_alloc4096(void)
{
	bench_alloc(4096, 65536, 8192);
}

/* ---- reset100k --------------------------------------------------------------- */

void wl_reset100k(void)
{
	static struct set s;
	const size_t n = 100000, size = 64;
	struct heap_cfg c;
	struct row *r;
	size_t i;

	fprintf(stderr, "reset100k: release a heap of %zu allocations of %zu B\n",
		n, size);
	memset(&c, 0, sizeof(c));
	c.size = size;
	c.n = n;
	c.trim = 16 * MiB;
	c.pool = n * size;
	for (i = 0; i < nimpls; i++) {
		r = add(&s, impls[i], NULL, &c, impls[i]->reset, true);
		snprintf(r->note, sizeof(r->note),
			 "ns per release of %zu live %zu B allocations (trim 16 MiB where there is one: pages kept)",
			 n, size);
	}
	c.trim = 0;
	r = add(&s, &impl_wsheap, "wsheap_trim0", &c, impl_wsheap.reset, true);
	snprintf(r->note, sizeof(r->note),
		 "ns per release of %zu live %zu B allocations, trim 0: every page freed and unmapped",
		 n, size);
	r = add(&s, &impl_memfd, "memfd_trim0", &c, impl_memfd.reset, true);
	snprintf(r->note, sizeof(r->note),
		 "ns per release of %zu live %zu B allocations, trim 0: every page punched out of the file",
		 n, size);
	measure("reset100k", UNIT_NS_PER_OP, 1, runs_for(9), 1, s.rows,
		s.count);
	close_all(&s);
}

/* ---- steady ------------------------------------------------------------------ */

/* A message's 200 sizes: 70% 8..128 B, 25% 129..1024 B, 5% 1..4 KiB. */
uint32_t msg_sizes[MSG_ALLOCS];
size_t msg_bytes;

void make_msg_sizes(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	uint32_t r, sz;
	int i;

	msg_bytes = 0;
	for (i = 0; i < MSG_ALLOCS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (uint32_t)(x >> 11);
		if (r % 100 < 70)
			sz = 8 + (r >> 8) % 121;
		else if (r % 100 < 95)
			sz = 129 + (r >> 8) % 896;
		else
			sz = 1025 + (r >> 8) % 3072;
		msg_sizes[i] = sz;
		msg_bytes += sz;
	}
}

/* steady's heaps: @rounds messages a run, trim 1 MiB */
static void steady_cfg(struct heap_cfg *c, size_t rounds)
{
	make_msg_sizes();
	memset(c, 0, sizeof(*c));
	c->n = MSG_ALLOCS;
	c->sizes = msg_sizes;
	c->rounds = rounds;
	c->trim = 1 * MiB;
	c->pool = msg_bytes;
}

void wl_steady(void)
{
	static struct set s;
	const size_t rounds = QN(10000, 1000);
	struct heap_cfg c;
	struct row *r;
	size_t i;

	steady_cfg(&c, rounds);
	fprintf(stderr, "steady: %zu messages of %d allocations (%zu B), each then released\n",
		rounds, MSG_ALLOCS, msg_bytes);
	for (i = 0; i < nimpls; i++) {
		r = add(&s, impls[i], NULL, &c, impls[i]->steady, true);
		snprintf(r->note, sizeof(r->note),
			 "ns per message: %d allocations of 8..4096 B (%zu B in all), each written once, then one release (trim 1 MiB)",
			 MSG_ALLOCS, msg_bytes);
	}
	/* steady_pressure's second wsheap row, without the pressure */
	c.flags = CFG_ZERO_RESET;
	r = add(&s, &impl_wsheap, "wsheap_zero_on_reset", &c, impl_wsheap.steady,
		true);
	snprintf(r->note, sizeof(r->note),
		 "as wsheap, with WSHEAP_HEAP_ZERO_ON_RESET: every reset goes to the kernel, which zeroes the pages it keeps");
	measure("steady", UNIT_NS_PER_OP, 1, runs_for(7), rounds, s.rows,
		s.count);
	close_all(&s);
	steady_breakdown(QN(2000, 300));
}

/* ---- steady_pressure ---------------------------------------------------------- */

/*
 * steady's messages inside a memory cgroup that a thread keeps asking to
 * reclaim (pressure.c), beside the same rows without it in steady.  wsheap
 * twice: its in-place reset keeps the block as the kernel's live
 * allocation, which no shrinker may take; with ZERO_ON_RESET every reset
 * goes to the kernel, which keeps the trim's pages, and those the shrinker
 * can take between a reset and the next message's touch.
 */
void wl_steady_pressure(void)
{
	static const struct {
		const struct impl *im;
		const char *label;
		unsigned int flags;
	} rows[] = {
		{ &impl_bump, NULL, 0 },
		{ &impl_wsheap, NULL, 0 },
		{ &impl_wsheap, "wsheap_zero_on_reset", CFG_ZERO_RESET },
		{ &impl_memfd, NULL, 0 },
		{ &impl_obstack, NULL, 0 },
	};
	static struct set s;
	const size_t rounds = QN(10000, 1000);
	struct heap_cfg c;
	struct row *r;
	char why[160];
	double writes, rec;
	size_t i;

	if (pressure_enter(why, sizeof(why))) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			emit_skip("steady_pressure", rows[i].label ?
				  rows[i].label : rows[i].im->name, why);
		return;
	}
	fprintf(stderr, "steady_pressure: steady under memory.reclaim of its cgroup\n");
	steady_cfg(&c, rounds);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c.flags = rows[i].flags;
		r = add(&s, rows[i].im, rows[i].label, &c, rows[i].im->steady,
			true);
		snprintf(r->note, sizeof(r->note),
			 "ns per message, as steady, in a memory cgroup asked to reclaim 1 MiB every 2 ms");
	}
	pressure_start();
	measure("steady_pressure", UNIT_NS_PER_OP, 1, runs_for(7), rounds,
		s.rows, s.count);
	writes = (double)pressure_stop();
	rec = (double)pressure_reclaimed();
	emit_diag("steady_pressure.memory_reclaim_writes", "count", &writes, 1,
		  "writes of 1M to memory.reclaim while the rows ran");
	if (rec >= 0)
		emit_diag("steady_pressure.wsheap_reclaimed", "bytes", &rec, 1,
			  "bytes wsheap's shrinker took from the rows' heaps (debugfs reclaimed, both wsheap rows)");
	close_all(&s);
	pressure_leave();
}

/* ---- reset_trim64m ----------------------------------------------------------- */

void wl_reset_trim64m(void)
{
	static struct set s;
	struct heap_cfg c;
	struct row *r;
	size_t i;

	fprintf(stderr, "reset_trim64m: 64 MiB allocated and written, then a release that keeps 1 MiB\n");
	memset(&c, 0, sizeof(c));
	c.size = TRIM_PIECE;
	c.n = TRIM_PIECES;
	c.trim = 1 * MiB;
	c.flags = CFG_GIVE_BACK;
	c.pool = TRIM_BYTES;
	for (i = 0; i < nimpls; i++) {
		if (!(impls[i]->caps & CAP_TRIM))
			continue;
		r = add(&s, impls[i], NULL, &c, impls[i]->trim, true);
		r->extra_name = "kept_bytes";
		snprintf(r->note, sizeof(r->note),
			 "ns per release (timed alone) after 64 MiB in 64 KiB pieces were written; keeps 1 MiB, gives the rest back");
	}
	/* the guest's THP backs bump with 2 MiB pages: also with 4 KiB ones */
	c.flags = CFG_GIVE_BACK | CFG_NOHUGE;
	r = add(&s, &impl_bump, "anon_4k", &c, impl_bump.trim, true);
	r->extra_name = "kept_bytes";
	snprintf(r->note, sizeof(r->note),
		 "as bump, on 4 KiB pages (MADV_NOHUGEPAGE), as wsheap's and the memfd's are");
	c.flags = CFG_GIVE_BACK;
	c.trim = 0;
	r = add(&s, &impl_wsheap, "wsheap_trim0", &c, impl_wsheap.trim, true);
	r->extra_name = "kept_bytes";
	snprintf(r->note, sizeof(r->note),
		 "as wsheap, trim 0: every page freed");
	measure("reset_trim64m", UNIT_NS_PER_OP, 1, runs_for(7), 1, s.rows,
		s.count);
	close_all(&s);
}

/* ---- firsttouch64m ----------------------------------------------------------- */

void wl_firsttouch64m(void)
{
	static const struct {
		const struct impl *impl;
		const char *label;
		unsigned int flags;
		const char *note;
	} spec[] = {
		{ &impl_wsheap, "wsheap", 0,
		  "lazy heap: pages allocated, zeroed and mapped on each touch" },
		{ &impl_wsheap, "wsheap_populate", CFG_POPULATE,
		  "WSHEAP_HEAP_POPULATE: the kernel allocates and zeroes the pages at ALLOC; mapped on touch" },
		{ &impl_wsheap, "wsheap_populate_write", CFG_POP_WRITE,
		  "lazy heap, then madvise(MADV_POPULATE_WRITE) of the block by the program (what the library could do)" },
		{ &impl_memfd, "memfd", 0,
		  "memfd arena: shmem pages allocated, zeroed and mapped on each touch" },
		{ &impl_memfd, "memfd_populate_write", CFG_POP_WRITE,
		  "memfd arena, then madvise(MADV_POPULATE_WRITE) of the range" },
		{ &impl_bump, "bump", 0,
		  "anonymous memory as the system gives it (THP as configured)" },
		{ &impl_bump, "anon_4k", CFG_NOHUGE,
		  "anonymous memory, MADV_NOHUGEPAGE: 4 KiB faults" },
		{ &impl_bump, "anon_4k_populate_write", CFG_NOHUGE | CFG_POP_WRITE,
		  "anonymous memory, MADV_NOHUGEPAGE, then madvise(MADV_POPULATE_WRITE)" },
	};
	static struct set s;
	struct heap_cfg c;
	struct row *r;
	size_t i;

	fprintf(stderr, "firsttouch64m: write 64 MiB of fresh memory\n");
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.flags = spec[i].flags;
		r = add(&s, spec[i].impl, spec[i].label, &c,
			spec[i].impl->touch, false);
		r->extra_name = "store_faults";
		snprintf(r->note, sizeof(r->note),
			 "ns per 4 KiB page: 64 MiB from a fresh heap (made before the clock starts), memset all; %s",
			 spec[i].note);
	}
	measure("firsttouch64m", UNIT_NS_PER_OP, 1, runs_for(7),
		TOUCH_BYTES / PAGE, s.rows, s.count);
	close_all(&s);
}

/* ---- grow -------------------------------------------------------------------- */

void wl_grow(void)
{
	static const struct impl *const order[] = {
		&impl_bump, &impl_wsheap, &impl_wsheap_grow, &impl_memfd,
		&impl_obstack, &impl_malloc,
	};
	static struct set s;
	const size_t n = QN(1000000, 100000);
	struct heap_cfg c;
	struct row *r;
	size_t i;

	fprintf(stderr, "grow: a builder appends 8 bytes %zu times\n", n);
	memset(&c, 0, sizeof(c));
	c.n = n;
	c.trim = 64 * MiB;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!order[i]->grow) {
			emit_skip("grow", order[i]->name, order[i]->grow_why);
			continue;
		}
		r = add(&s, order[i], NULL, &c, order[i]->grow, true);
		snprintf(r->note, sizeof(r->note),
			 "ns per append of 8 bytes to one growing buffer, %zu appends, then one release; %s",
			 n, order[i] == &impl_wsheap ?
			 "a new buffer of twice the size and a copy when full (no growing call today)" :
			 order[i] == &impl_obstack ? "obstack_grow(), obstack_finish()" :
			 order[i] == &impl_malloc ? "realloc() to twice the size when full" :
			 "the last allocation grows in place to twice the size when full (a copy only when that fails)");
	}
	measure("grow", UNIT_NS_PER_OP, 1, runs_for(7), n, s.rows, s.count);
	close_all(&s);
}
