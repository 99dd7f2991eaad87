// SPDX-License-Identifier: GPL-2.0
/*
 * libwsheap and threads: WSHEAP_HEAP_THREADSAFE heaps shared by 8 threads,
 * per-thread heaps, and the lazy default context under contention.
 */
#include <pthread.h>
#include <semaphore.h>

#include "wsheap_test.h"
#include "../support/wsh_scale.h"

DEFINE_SLOW_FIXTURE(slow)

/*
 * Thread-safe heaps change their block word with a 16-byte compare-and-swap
 * where the CPU has one (-1: the library probes it) and under the heap's
 * mutex otherwise (0): run the tests of both.
 */
extern int wsheap__ts_cas_mode;

FIXTURE(ts) { int unused; };
FIXTURE_VARIANT(ts) { int cas_mode; };
FIXTURE_VARIANT_ADD(ts, lockfree) { .cas_mode = -1 };
FIXTURE_VARIANT_ADD(ts, mutex) { .cas_mode = 0 };
FIXTURE_SETUP(ts)
{
	wsheap__ts_cas_mode = variant->cas_mode;
}
FIXTURE_TEARDOWN(ts) { }

#define NTHREADS	8

struct worker {
	pthread_t tid;
	struct wsheap *heap;	/* shared, or this thread's own */
	pthread_barrier_t *start;
	unsigned int id;
	size_t n;		/* allocations to make */
	size_t min, max;	/* size range */
	size_t align;		/* 0: wsheap_alloc() */
	size_t big_every;	/* every Nth allocation is 1 MiB (0: never) */
	int err;		/* first error */
	size_t done;		/* successful allocations */
	struct range *r;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = 0x9e3779b9u * (w->id + 1);
	size_t i, sz;
	int ret;
	void *p;

	pthread_barrier_wait(w->start);
	for (i = 0; i < w->n; i++) {
		sz = w->min + rnd(&seed) % (w->max - w->min + 1);
		if (w->big_every && i % w->big_every == w->big_every - 1)
			sz = 1 << 20;
		if (w->align)
			ret = wsheap_alloc_aligned(w->heap, sz, w->align, &p);
		else
			ret = wsheap_alloc(w->heap, sz, &p);
		if (ret) {
			if (!w->err)
				w->err = ret;
			break;
		}
		if (w->align && ((uintptr_t)p & (w->align - 1))) {
			w->err = -EFAULT;
			break;
		}
		pattern_fill(p, sz < 256 ? sz : 256, (w->id << 24) | (uint32_t)i);
		w->r[i].start = (uintptr_t)p;
		w->r[i].len = sz;
		w->done++;
	}
	return NULL;
}

/* Run NTHREADS workers, then check every allocation's pattern and overlap. */
static void run_workers(struct __test_metadata *_metadata, struct worker *w,
			int expect_err)
{
	pthread_barrier_t start;
	struct range *all;
	size_t total = 0, i, k = 0;
	int t;

	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NTHREADS));
	for (t = 0; t < NTHREADS; t++) {
		w[t].id = (unsigned int)t;
		w[t].start = &start;
		w[t].done = 0;
		w[t].err = 0;
		w[t].r = calloc(w[t].n, sizeof(struct range));
		ASSERT_NE(NULL, w[t].r);
		ASSERT_EQ(0, pthread_create(&w[t].tid, NULL, worker_fn, &w[t]));
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(0, pthread_join(w[t].tid, NULL));
		if (!expect_err) {
			ASSERT_EQ(0, w[t].err) TH_LOG("thread %d", t);
		}
		total += w[t].done;
	}
	pthread_barrier_destroy(&start);

	all = calloc(total ? total : 1, sizeof(*all));
	ASSERT_NE(NULL, all);
	for (t = 0; t < NTHREADS; t++) {
		for (i = 0; i < w[t].done; i++) {
			struct range *r = &w[t].r[i];

			ASSERT_TRUE(pattern_ok((void *)r->start,
					       r->len < 256 ? r->len : 256,
					       ((uint32_t)t << 24) | (uint32_t)i))
				TH_LOG("thread %d allocation %zu overwritten", t, i);
			all[k++] = *r;
		}
		free(w[t].r);
	}
	ASSERT_EQ(0, ranges_overlap(all, total)) TH_LOG("allocations overlap");
	free(all);
}

TEST_F_TIMEOUT(ts, threadsafe_heap_8_threads_disjoint, 120)
{
	struct worker w[NTHREADS];
	struct wsheap_stats st;
	struct wsheap *h;
	int t;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_THREADSAFE, &h));
	memset(w, 0, sizeof(w));
	for (t = 0; t < NTHREADS; t++) {
		w[t].heap = h;
		w[t].n = (size_t)wsh_scaled(20000);
		w[t].min = 1;
		w[t].max = 300;
	}
	run_workers(_metadata, w, 0);
	st = heap_stats(h);
	EXPECT_EQ(WSHEAP_HEAP_THREADSAFE, st.flags);
	EXPECT_GE(st.block_bytes, st.requested);
	ksft_print_msg("8 threads x 20000: ioctls %llu, blocks %llu\n",
		       (unsigned long long)st.ioctls,
		       (unsigned long long)st.blocks);
	fflush(stdout);
	EXPECT_LE(st.ioctls, U64(40));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(ts, threadsafe_heap_big_and_aligned, 120)
{
	struct worker w[NTHREADS];
	struct wsheap *h;
	int t;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_THREADSAFE, &h));
	memset(w, 0, sizeof(w));
	for (t = 0; t < NTHREADS; t++) {
		w[t].heap = h;
		w[t].n = (size_t)wsh_scaled(2000);
		w[t].min = 1;
		w[t].max = 5000;
		w[t].align = t % 2 ? (size_t)64 << t : 0;	/* up to 8 KiB */
		w[t].big_every = 500;
	}
	run_workers(_metadata, w, 0);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(ts, threadsafe_quota_is_exact, 120)
{
	const uint64_t max = 8 * 5000 * 16;
	struct worker w[NTHREADS];
	struct wsheap *h;
	size_t total = 0;
	void *p;
	int t;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, max, 0, WSHEAP_HEAP_THREADSAFE, &h));
	memset(w, 0, sizeof(w));
	for (t = 0; t < NTHREADS; t++) {
		w[t].heap = h;
		w[t].n = 10000;		/* twice what the quota allows */
		w[t].min = 16;
		w[t].max = 16;
	}
	run_workers(_metadata, w, 1);
	int enospc = 0;

	for (t = 0; t < NTHREADS; t++) {
		EXPECT_TRUE(w[t].err == 0 || w[t].err == -ENOSPC)
			TH_LOG("thread %d: %d", t, w[t].err);
		enospc += w[t].err == -ENOSPC;
		total += w[t].done;
	}
	EXPECT_LT(0, enospc);
	EXPECT_EQ(max / 16, U64(total));
	EXPECT_EQ(max, heap_stats(h).requested);
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	EXPECT_EQ(0, wsheap_alloc(h, 0, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(ts, threadsafe_reset_between_rounds, 120)
{
	struct worker w[NTHREADS];
	struct wsheap *h;
	int t, round;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20, WSHEAP_HEAP_THREADSAFE, &h));
	for (round = 0; round < 5; round++) {
		memset(w, 0, sizeof(w));
		for (t = 0; t < NTHREADS; t++) {
			w[t].heap = h;
			w[t].n = 3000;
			w[t].min = 8;
			w[t].max = 200;
		}
		run_workers(_metadata, w, 0);
		ASSERT_EQ(0, wsheap_reset(h));
		EXPECT_EQ(U64(0), heap_stats(h).requested);
	}
	EXPECT_EQ(U64(5), heap_stats(h).generation);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F(ts, threadsafe_heap_single_thread_semantics)
{
	struct wsheap *h;
	void *p, *q;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, WSHEAP_HEAP_THREADSAFE, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 0, &p));
	EXPECT_NE(NULL, p);
	ASSERT_EQ(0, wsheap_alloc(h, 60, &p));
	EXPECT_EQ(U64(0), (uintptr_t)p % 8);
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 41, &q));
	ASSERT_EQ(0, wsheap_alloc_aligned(h, 40, 4096, &q));
	EXPECT_EQ(U64(0), (uintptr_t)q % 4096);
	/* 64 + 40: sizes rounded up to 8 (1.3), padding free */
	EXPECT_EQ(U64(104), heap_stats(h).requested);
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 1, 48, &q));
	ASSERT_EQ(0, wsheap_reset(h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(slow, per_thread_heaps, 120)
{
	struct worker w[NTHREADS];
	int t;

	NEED_DEV();
	memset(w, 0, sizeof(w));
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &w[t].heap));
		w[t].n = (size_t)wsh_scaled(50000);
		w[t].min = 8;
		w[t].max = 128;
	}
	run_workers(_metadata, w, 0);
	for (t = 0; t < NTHREADS; t++)
		ASSERT_EQ(0, wsheap_free(w[t].heap));
}

/*
 * A thread preempted inside an allocation of a thread-safe heap, between
 * reading the heap's current block and claiming bytes of it, while other
 * parties reset the heap twice and this process takes new blocks: when it
 * resumes, its allocation must come from the heap's current block, never
 * from the block it last saw (gone with its generation) or from anything the
 * library freed meanwhile.  The library calls wsheap__ts_hook() at exactly
 * that point; the hook below parks the chosen thread there.
 */
static sem_t hook_parked, hook_resume;
static pthread_t hook_thread;
static int hook_armed;

void wsheap__ts_hook(struct wsheap *heap);
void wsheap__ts_hook(struct wsheap *heap)
{
	(void)heap;
	if (__atomic_load_n(&hook_armed, __ATOMIC_ACQUIRE) &&
	    pthread_equal(pthread_self(), hook_thread)) {
		__atomic_store_n(&hook_armed, 0, __ATOMIC_RELAXED);
		sem_post(&hook_parked);
		sem_wait(&hook_resume);
	}
}

struct parked {
	struct wsheap *heap;
	void *p;
	int ret;
};

static void *parked_fn(void *arg)
{
	struct parked *a = arg;

	hook_thread = pthread_self();
	__atomic_store_n(&hook_armed, 1, __ATOMIC_RELEASE);
	a->ret = wsheap_alloc(a->heap, 64, &a->p);
	return NULL;
}

FIXTURE(stale)
{
	struct wsheap *heap;	/* thread-safe, exported */
	struct wsheap *other;	/* a second party: its resets are foreign */
};

/*
 * @fill: bytes allocated before the thread parks: 64 leaves it on the
 * generation's first block (the resets bring back the same offsets, so its
 * stale view equals the current block again), 64 KiB + 64 on the second.
 */
FIXTURE_VARIANT(stale)
{
	size_t fill;
};

FIXTURE_VARIANT_ADD(stale, first_block) { .fill = 64 };
FIXTURE_VARIANT_ADD(stale, second_block) { .fill = (64 << 10) + 64 };

FIXTURE_SETUP(stale)
{
	int fd;

	if (wsheap_test_dev_state()) {
		self->heap = self->other = NULL;
		return;
	}
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_THREADSAFE,
				   &self->heap));
	ASSERT_EQ(0, wsheap_export(self->heap, 0, &fd));
	ASSERT_EQ(0, wsheap_import(NULL, fd, 0, &self->other));
	close(fd);
}

FIXTURE_TEARDOWN(stale)
{
	wsheap_free(self->other);
	wsheap_free(self->heap);
}

TEST_F_TIMEOUT(stale, preempted_across_two_foreign_resets, 60)
{
	/*
	 * Descriptor-sized decoys: should the library have freed something
	 * the parked thread still uses, malloc() hands it out here, and the
	 * thread would take "its" bytes at outside[] and bump decoy[i][0].
	 */
	enum { NDECOY = 64 };
	static char outside[4096] __attribute__((aligned(64)));
	uintptr_t *decoy[NDECOY];
	struct parked a = { .heap = self->heap };
	struct wsheap_stats st;
	uint64_t off, qoff;
	pthread_t tid;
	size_t done;
	void *p, *q;
	int i, round;

	NEED_DEV();
	if (wsheap__ts_cas_mode != 1)	/* every allocation holds the mutex */
		SKIP(return, "the CPU has no 16-byte compare-and-swap");
	for (done = 0; done < variant->fill; done += 64)
		ASSERT_EQ(0, wsheap_alloc(self->heap, 64, &p));
	ASSERT_EQ(0, sem_init(&hook_parked, 0, 0));
	ASSERT_EQ(0, sem_init(&hook_resume, 0, 0));
	ASSERT_EQ(0, pthread_create(&tid, NULL, parked_fn, &a));
	ASSERT_EQ(0, sem_wait(&hook_parked));

	/* Two resets by the other party, each noticed here with a new block. */
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, wsheap_reset(self->other));
		ASSERT_EQ(0, wsheap_alloc(self->heap, 64, &q));
		pattern_fill(q, 64, 7);
	}
	for (i = 0; i < NDECOY; i++) {
		decoy[i] = malloc(3 * sizeof(uintptr_t));
		ASSERT_NE(NULL, decoy[i]);
		decoy[i][0] = (uintptr_t)outside;
		decoy[i][1] = UINTPTR_MAX & ~(uintptr_t)7;
		decoy[i][2] = 0;
	}

	ASSERT_EQ(0, sem_post(&hook_resume));
	ASSERT_EQ(0, pthread_join(tid, NULL));
	ASSERT_EQ(0, a.ret);

	/* It got bytes of the heap's current generation, not anyone else's. */
	ASSERT_EQ(0, wsheap_offset(self->heap, a.p, &off))
		TH_LOG("%p is not in the heap", a.p);
	ASSERT_EQ(0, wsheap_offset(self->heap, q, &qoff));
	EXPECT_TRUE(off >= qoff + 64 || off + 64 <= qoff)
		TH_LOG("offset %llu overlaps the current block's %llu",
		       (unsigned long long)off, (unsigned long long)qoff);
	ASSERT_EQ(0, wsheap_ptr(self->other, off, 64, &p));
	pattern_fill(a.p, 64, 9);
	EXPECT_TRUE(pattern_ok(p, 64, 9));	/* really the shared heap's */
	EXPECT_TRUE(pattern_ok(q, 64, 7));
	for (i = 0; i < NDECOY; i++) {
		EXPECT_EQ((uintptr_t)outside, decoy[i][0]);
		free(decoy[i]);
	}
	st = heap_stats(self->heap);
	EXPECT_EQ(U64(2), st.foreign_resets);
	sem_destroy(&hook_parked);
	sem_destroy(&hook_resume);
}

struct creator {
	pthread_barrier_t *start;
	struct wsheap *heap;
	int err;
};

static void *creator_fn(void *arg)
{
	struct creator *c = arg;

	pthread_barrier_wait(c->start);
	c->err = wsheap_create(NULL, 1000, 0, 0, &c->heap);
	return NULL;
}

TEST(default_context_lazy_init_race)
{
	struct creator c[NTHREADS];
	pthread_barrier_t start;
	pthread_t tid[NTHREADS];
	struct wsheap_ctx_stats st;
	int t;

	NEED_DEV();
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NTHREADS));
	for (t = 0; t < NTHREADS; t++) {
		c[t].start = &start;
		ASSERT_EQ(0, pthread_create(&tid[t], NULL, creator_fn, &c[t]));
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(0, pthread_join(tid[t], NULL));
		ASSERT_EQ(0, c[t].err);
	}
	for (t = 1; t < NTHREADS; t++)
		EXPECT_EQ(wsheap_ctx_of(c[0].heap), wsheap_ctx_of(c[t].heap));
	ASSERT_EQ(0, wsheap_ctx_stats(NULL, &st));
	EXPECT_EQ(U64(1), st.contexts);
	EXPECT_EQ(U64(NTHREADS), st.heaps);
	for (t = 0; t < NTHREADS; t++)
		ASSERT_EQ(0, wsheap_free(c[t].heap));
	pthread_barrier_destroy(&start);
}

TEST_HARNESS_MAIN
