// SPDX-License-Identifier: GPL-2.0
/*
 * libwsheap and threads: WSHEAP_HEAP_THREADSAFE heaps shared by 8 threads,
 * per-thread heaps, and the lazy default context under contention.
 */
#include <pthread.h>

#include "wsheap_test.h"

DEFINE_SLOW_FIXTURE(slow)

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

TEST_F_TIMEOUT(slow, threadsafe_heap_8_threads_disjoint, 120)
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
		w[t].n = 20000;
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

TEST_F_TIMEOUT(slow, threadsafe_heap_big_and_aligned, 120)
{
	struct worker w[NTHREADS];
	struct wsheap *h;
	int t;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_THREADSAFE, &h));
	memset(w, 0, sizeof(w));
	for (t = 0; t < NTHREADS; t++) {
		w[t].heap = h;
		w[t].n = 2000;
		w[t].min = 1;
		w[t].max = 5000;
		w[t].align = t % 2 ? (size_t)64 << t : 0;	/* up to 8 KiB */
		w[t].big_every = 500;
	}
	run_workers(_metadata, w, 0);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(slow, threadsafe_quota_is_exact, 120)
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

TEST_F_TIMEOUT(slow, threadsafe_reset_between_rounds, 120)
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

TEST(threadsafe_heap_single_thread_semantics)
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
	EXPECT_EQ(U64(100), heap_stats(h).requested);
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
		w[t].n = 50000;
		w[t].min = 8;
		w[t].max = 128;
	}
	run_workers(_metadata, w, 0);
	for (t = 0; t < NTHREADS; t++)
		ASSERT_EQ(0, wsheap_free(w[t].heap));
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
