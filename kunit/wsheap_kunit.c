// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for wsheap: the bump allocator, quota, trim, reset, limits,
 * handles and lifetime, concurrency, and the mmap/fault/zap paths (through
 * kunit_vm_mmap(), which gives the test thread an mm of its own).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/memcontrol.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/random.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "wsheap_compat.h"
#include "wsheap_internal.h"
#include "wsheap_kernel.h"

MODULE_IMPORT_NS(WSHEAP_KUNIT_NS);
MODULE_IMPORT_NS(WSHEAP_NS);
MODULE_IMPORT_NS(WSHEAP_DMA_BUF_NS);

KUNIT_DEFINE_ACTION_WRAPPER(wsheap_kunit_heap_put, wsheap_heap_put,
			    struct wsheap_heap *);
KUNIT_DEFINE_ACTION_WRAPPER(wsheap_kunit_ctx_close, wsheap_context_close,
			    struct wsheap_context *);

static struct wsheap_context *new_ctx(struct kunit *test)
{
	struct wsheap_context *ctx = wsheap_context_create();
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ret = kunit_add_action_or_reset(test, wsheap_kunit_ctx_close, ctx);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return ctx;
}

static struct wsheap_heap *new_heap(struct kunit *test, u64 max, u64 trim,
				    u32 flags)
{
	struct wsheap_heap *heap;
	int ret;

	heap = wsheap_heap_create(new_ctx(test), max, trim, flags);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	ret = kunit_add_action_or_reset(test, wsheap_kunit_heap_put, heap);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return heap;
}

static int halloc(struct wsheap_heap *heap, u64 size, u64 align, u64 *off)
{
	u64 gen, dummy;

	return wsheap_heap_alloc(heap, size, align, off ?: &dummy, &gen);
}

static struct wsheap_info hinfo(struct wsheap_heap *heap)
{
	struct wsheap_info info = {};

	wsheap_heap_info(heap, &info);
	return info;
}

static u64 hreset(struct kunit *test, struct wsheap_heap *heap)
{
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, 0, wsheap_heap_reset(heap, &gen));
	return gen;
}

/* ---- the bump allocator ---- */

static void alloc_bumps_offsets(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	u64 a, b, c;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 10, 1, &a));
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 20, 1, &b));
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 30, 1, &c));
	KUNIT_EXPECT_EQ(test, a, 0);
	KUNIT_EXPECT_EQ(test, b, 10);
	KUNIT_EXPECT_EQ(test, c, 30);
	KUNIT_EXPECT_EQ(test, hinfo(heap).cursor, 60);
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 60);
}

static void alloc_default_align_is_8(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	u64 off;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 3, 0, &off));
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 3, 0, &off));
	KUNIT_EXPECT_EQ(test, off, WSHEAP_DEFAULT_ALIGN);
}

static void alloc_honours_every_alignment(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	u64 align, off;

	for (align = 1; align <= SZ_1M; align <<= 1) {
		KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
		KUNIT_ASSERT_EQ(test, 0, halloc(heap, 7, align, &off));
		KUNIT_EXPECT_EQ_MSG(test, off & (align - 1), 0,
				    "align %llu", align);
	}
}

static void alloc_rejects_bad_alignment(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);

	KUNIT_EXPECT_EQ(test, -EINVAL, halloc(heap, 8, 3, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, halloc(heap, 8, 24, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, halloc(heap, 8, U64_MAX, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			halloc(heap, 8, WSHEAP_MAX_ALIGN << 1, NULL));
	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 8, WSHEAP_MAX_ALIGN, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 8);
}

static void alloc_commits_whole_pages(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);

	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 0);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE - 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 2 * PAGE_SIZE);
	/* Lazy: nothing is resident until touched. */
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 0);
}

static void alloc_size_zero_uses_no_quota(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, 0, 0, 0);

	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 0, 0, NULL));
	KUNIT_EXPECT_EQ(test, -ENOSPC, halloc(heap, 1, 0, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 0);
}

/* ---- quota ---- */

static void quota_exactly_full(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, 100, 0, 0);

	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 60, 1, NULL));
	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 40, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 100);
	KUNIT_EXPECT_EQ(test, -ENOSPC, halloc(heap, 1, 1, NULL));
}

static void quota_one_byte_over_changes_nothing(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, 100, 0, 0);
	struct wsheap_info before, after;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 50, 1, NULL));
	before = hinfo(heap);
	KUNIT_EXPECT_EQ(test, -ENOSPC, halloc(heap, 51, 1, NULL));
	after = hinfo(heap);
	KUNIT_EXPECT_EQ(test, before.requested, after.requested);
	KUNIT_EXPECT_EQ(test, before.cursor, after.cursor);
	KUNIT_EXPECT_EQ(test, before.committed, after.committed);
	/* The failed request consumed nothing: the rest still fits. */
	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 50, 1, NULL));
}

static void quota_counts_requested_not_padding(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, 16, 0, 0);

	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, 0, halloc(heap, 15, 4096, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 16);
	KUNIT_EXPECT_GT(test, hinfo(heap).cursor, 4096);
}

static void size_overflow_is_eoverflow(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	u64 cursor;

	/* Padding puts the cursor ahead of requested, so quota lets it by. */
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 4096, NULL));
	cursor = hinfo(heap).cursor;
	KUNIT_EXPECT_EQ(test, -EOVERFLOW, halloc(heap, U64_MAX - 2, 1, NULL));
	KUNIT_EXPECT_EQ(test, -EOVERFLOW, halloc(heap, U64_MAX - 4096, 8,
						 NULL));
	/* Past the quota, the quota speaks first. */
	KUNIT_EXPECT_EQ(test, -ENOSPC, halloc(heap, U64_MAX, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 2);
	KUNIT_EXPECT_EQ(test, hinfo(heap).cursor, cursor);
}

static void span_end_is_efbig(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);

	KUNIT_EXPECT_EQ(test, -EFBIG, halloc(heap, WSHEAP_SPAN + 1, 1, NULL));
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, -EFBIG, halloc(heap, WSHEAP_SPAN, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
}

/* ---- limits ---- */

static void limit_per_context_is_edquot(struct kunit *test)
{
	unsigned long long saved = wsheap_max_bytes_per_context;
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	int ret1, ret2, ret3;

	wsheap_max_bytes_per_context = 4 * PAGE_SIZE;
	ret1 = halloc(heap, 4 * PAGE_SIZE, 1, NULL);
	ret2 = halloc(heap, 1, 1, NULL);
	hreset(test, heap);
	ret3 = halloc(heap, 4 * PAGE_SIZE, 1, NULL);
	wsheap_max_bytes_per_context = saved;

	KUNIT_EXPECT_EQ(test, ret1, 0);
	KUNIT_EXPECT_EQ(test, ret2, -EDQUOT);
	KUNIT_EXPECT_EQ(test, ret3, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->owner->committed),
			4 * PAGE_SIZE);
}

static void limit_total_is_enomem(struct kunit *test)
{
	unsigned long long saved = wsheap_max_bytes_total;
	struct wsheap_heap *a = new_heap(test, U64_MAX, 0, 0);
	struct wsheap_heap *b = new_heap(test, U64_MAX, 0, 0);
	int ret1, ret2, ret3;

	/* Heaps of earlier cases may still be on their way out. */
	flush_delayed_fput();
	wsheap_max_bytes_total = atomic64_read(&wsheap_committed_total) +
				 2 * PAGE_SIZE;
	ret1 = halloc(a, PAGE_SIZE, 1, NULL);
	ret2 = halloc(b, PAGE_SIZE + 1, 1, NULL);
	ret3 = halloc(b, PAGE_SIZE, 1, NULL);
	wsheap_max_bytes_total = saved;

	KUNIT_EXPECT_EQ(test, ret1, 0);
	KUNIT_EXPECT_EQ(test, ret2, -ENOMEM);
	KUNIT_EXPECT_EQ(test, ret3, 0);
	KUNIT_EXPECT_EQ(test, hinfo(b).requested, PAGE_SIZE);
}

/* ---- reset and trim ---- */

static void trim_pages_round_up_without_overflow(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, wsheap_trim_pages(0), 0);
	KUNIT_EXPECT_EQ(test, wsheap_trim_pages(1), 1);
	KUNIT_EXPECT_EQ(test, wsheap_trim_pages(PAGE_SIZE), 1);
	KUNIT_EXPECT_EQ(test, wsheap_trim_pages(PAGE_SIZE + 1), 2);
	KUNIT_EXPECT_EQ(test, wsheap_trim_pages(U64_MAX),
			(U64_MAX >> PAGE_SHIFT) + 1);
}

static void reset_bumps_generation(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	u64 off, gen;

	KUNIT_EXPECT_EQ(test, hreset(test, heap), 1);
	KUNIT_EXPECT_EQ(test, hreset(test, heap), 2);
	KUNIT_ASSERT_EQ(test, 0, wsheap_heap_alloc(heap, 8, 0, &off, &gen));
	KUNIT_EXPECT_EQ(test, gen, 2);
	KUNIT_EXPECT_EQ(test, hinfo(heap).generation, 2);
}

static void reset_releases_all_allocations(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, 1000, 0, 0);
	u64 off;
	int i;

	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, -ENOSPC, halloc(heap, 1, 1, NULL));
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).cursor, 0);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1000, 1, &off));
	KUNIT_EXPECT_EQ(test, off, 0);
}

static void reset_trim_zero_gives_back_everything(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0,
					    WSHEAP_CREATE_POPULATE);

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 5 * PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 5 * PAGE_SIZE);
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->owner->committed), 0);
}

static void reset_keeps_trim_rounded_up(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 2 * PAGE_SIZE + 1,
					    WSHEAP_CREATE_POPULATE);

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 8 * PAGE_SIZE, 1, NULL));
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->owner->committed),
			3 * PAGE_SIZE);
}

static void reset_trim_beyond_committed_keeps_committed(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 3 * PAGE_SIZE, 1, NULL));
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 3 * PAGE_SIZE);
	/* Re-allocating within what was kept charges nothing more. */
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 3 * PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->owner->committed),
			3 * PAGE_SIZE);
}

static void reset_keeps_data_unless_zero_on_reset(struct kunit *test)
{
	struct wsheap_heap *keep = new_heap(test, U64_MAX, PAGE_SIZE,
					    WSHEAP_CREATE_POPULATE);
	struct wsheap_heap *zero = new_heap(test, U64_MAX, PAGE_SIZE,
					    WSHEAP_CREATE_POPULATE |
					    WSHEAP_CREATE_ZERO_ON_RESET);
	struct page *pk, *pz;

	KUNIT_ASSERT_EQ(test, 0, halloc(keep, 64, 1, NULL));
	KUNIT_ASSERT_EQ(test, 0, halloc(zero, 64, 1, NULL));
	pk = xa_load(&keep->pages, 0);
	pz = xa_load(&zero->pages, 0);
	KUNIT_ASSERT_NOT_NULL(test, pk);
	KUNIT_ASSERT_NOT_NULL(test, pz);
	memset_page(pk, 0, 0xa5, 64);
	memset_page(pz, 0, 0xa5, 64);
	hreset(test, keep);
	hreset(test, zero);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&keep->pages, 0), pk);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&zero->pages, 0), pz);
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(pk), 0xa5, 64));
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(pz), 0, PAGE_SIZE));
}

static void populate_allocates_zeroed_pages(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0,
					    WSHEAP_CREATE_POPULATE);
	struct page *page;
	unsigned long i;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 4 * PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 4 * PAGE_SIZE);
	for (i = 0; i < 4; i++) {
		page = xa_load(&heap->pages, i);
		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_NULL(test, memchr_inv(page_address(page), 0,
						   PAGE_SIZE));
	}
}

static void store_get_page_is_stable(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct page *a, *b;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	mutex_lock(&heap->lock);
	a = wsheap_store_get_page(heap, 0);
	b = wsheap_store_get_page(heap, 0);
	mutex_unlock(&heap->lock);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, PAGE_SIZE);
}

/* ---- handles, contexts and lifetime ---- */

/* A reset that would give back a page it must keep does nothing. */
static void reset_refuses_to_give_back_a_kept_page(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, PAGE_SIZE, 0);
	u64 gen = 0;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 3 * PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, -EFAULT, wsheap_heap_reset_keeping(heap, 1, &gen));
	KUNIT_EXPECT_EQ(test, -EFAULT, wsheap_heap_reset_keeping(heap, 2, &gen));
	KUNIT_EXPECT_EQ(test, hinfo(heap).generation, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hinfo(heap).cursor, 3 * PAGE_SIZE);
	/* page 0 is within the trim: kept, so the reset goes ahead */
	KUNIT_EXPECT_EQ(test, 0, wsheap_heap_reset_keeping(heap, 0, &gen));
	KUNIT_EXPECT_EQ(test, gen, 1);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
}

static void context_handles_are_distinct_and_checked(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c1 = { .max_size = 10 }, c2 = { .max_size = 20 };
	struct wsheap_info info = {};
	struct wsheap_destroy d = {};

	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c1));
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c2));
	KUNIT_EXPECT_NE(test, c1.handle, 0);
	KUNIT_EXPECT_NE(test, c1.handle, c2.handle);
	KUNIT_EXPECT_NE(test, c1.mmap_offset, c2.mmap_offset);
	info.handle = c2.handle;
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_info(ctx, &info));
	KUNIT_EXPECT_EQ(test, info.max_size, 20);

	d.handle = c1.handle;
	KUNIT_EXPECT_EQ(test, 0, wsheap_cmd_destroy(ctx, &d));
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_cmd_destroy(ctx, &d));
	info.handle = c1.handle;
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_cmd_info(ctx, &info));
	info.handle = 0;
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_cmd_info(ctx, &info));
	/* Handles are not reused straight away. */
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c1));
	KUNIT_EXPECT_GT(test, c1.handle, c2.handle);
}

/* Handles go up to the top of their range, then wrap to the free ones. */
static void context_handles_wrap_at_the_top(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c1 = { .max_size = 1 }, c2 = c1, c3 = c1;

	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c1));
	KUNIT_EXPECT_EQ(test, c1.handle, 1);
	mutex_lock(&ctx->lock);
	ctx->next_handle = WSHEAP_MAX_HANDLE;
	mutex_unlock(&ctx->lock);
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c2));
	KUNIT_EXPECT_EQ(test, c2.handle, WSHEAP_MAX_HANDLE);
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c3));
	KUNIT_EXPECT_EQ(test, c3.handle, 2);
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 3);
}

static void context_handle_is_private(struct kunit *test)
{
	struct wsheap_context *a = new_ctx(test), *b = new_ctx(test);
	struct wsheap_create c = { .max_size = 10 };
	struct wsheap_alloc al = {};

	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(a, &c));
	al.handle = c.handle;
	al.size = 1;
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_cmd_alloc(b, &al));
	KUNIT_EXPECT_EQ(test, 0, wsheap_cmd_alloc(a, &al));
}

static void context_rejects_bad_flags_and_reserved(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c = { .flags = 1U << 31 };
	struct wsheap_alloc al = { .flags = 1 };
	struct wsheap_reset r = {};

	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_cmd_create(ctx, &c));
	c.flags = 0;
	c.reserved[2] = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_cmd_create(ctx, &c));
	c.reserved[2] = 0;
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c));
	al.handle = c.handle;
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_cmd_alloc(ctx, &al));
	r.handle = c.handle;
	r.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_cmd_reset(ctx, &r, NULL, 0));
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 1);
}

static void context_heap_limit_is_emfile(struct kunit *test)
{
	unsigned int saved = wsheap_max_heaps_per_context;
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c = {};
	int r1, r2, r3;

	wsheap_max_heaps_per_context = 2;
	r1 = wsheap_cmd_create(ctx, &c);
	r2 = wsheap_cmd_create(ctx, &c);
	r3 = wsheap_cmd_create(ctx, &c);
	wsheap_max_heaps_per_context = saved;
	KUNIT_EXPECT_EQ(test, r1, 0);
	KUNIT_EXPECT_EQ(test, r2, 0);
	KUNIT_EXPECT_EQ(test, r3, -EMFILE);
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 2);
}

static void heap_outlives_context_close(struct kunit *test)
{
	struct wsheap_context *ctx = wsheap_context_create();
	struct wsheap_create c = { .max_size = U64_MAX };
	struct wsheap_heap *heap;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	kref_get(&ctx->ref);
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c));
	heap = wsheap_context_get_heap(ctx, c.handle);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	wsheap_context_close(ctx);
	flush_delayed_fput();

	/* The heap still works and still charges its creator. */
	KUNIT_EXPECT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->committed), PAGE_SIZE);
	wsheap_heap_put(heap);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->committed), 0);
	wsheap_context_put(ctx);
}

static void destroyed_heap_refuses_everything(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX,
					    WSHEAP_CREATE_POPULATE);
	u64 gen;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 2 * PAGE_SIZE, 1, NULL));
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 0);
	KUNIT_EXPECT_EQ(test, -ENOENT, halloc(heap, 1, 1, NULL));
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_heap_reset(heap, &gen));
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->owner->committed), 0);
}

/* ---- concurrency ---- */

#define WORKERS		4
#define PER_WORKER	500

struct worker {
	struct wsheap_heap *heap;
	struct completion done;
	u64 off[PER_WORKER];
	u32 size[PER_WORKER];
	int err;
};

static int alloc_worker(void *data)
{
	struct worker *w = data;
	int i, ret;

	for (i = 0; i < PER_WORKER; i++) {
		w->size[i] = 1 + get_random_u32_below(300);
		ret = halloc(w->heap, w->size[i], 8, &w->off[i]);
		if (ret) {
			w->err = ret;
			break;
		}
	}
	complete(&w->done);
	return 0;
}

struct extent {
	u64 start, end;
};

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void concurrent_allocations_never_overlap(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct worker *w;
	struct extent *ext;
	struct task_struct *t;
	u64 total = 0;
	int i, j, n = 0;

	w = kunit_kcalloc(test, WORKERS, sizeof(*w), GFP_KERNEL);
	ext = kunit_kcalloc(test, WORKERS * PER_WORKER, sizeof(*ext),
			    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	for (i = 0; i < WORKERS; i++) {
		w[i].heap = heap;
		init_completion(&w[i].done);
		t = kthread_run(alloc_worker, &w[i], "wsheap-kunit/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < WORKERS; i++)
		wait_for_completion(&w[i].done);

	for (i = 0; i < WORKERS; i++) {
		KUNIT_EXPECT_EQ(test, w[i].err, 0);
		for (j = 0; j < PER_WORKER; j++) {
			ext[n].start = w[i].off[j];
			ext[n++].end = w[i].off[j] + w[i].size[j];
			total += w[i].size[j];
		}
	}
	sort(ext, n, sizeof(*ext), cmp_extent, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_LE(test, ext[i - 1].end, ext[i].start);
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, total);
}

struct resetter {
	struct wsheap_heap *heap;
	struct completion done;
	int resets;
};

static int reset_worker(void *data)
{
	struct resetter *r = data;
	u64 gen;
	int i;

	for (i = 0; i < 200; i++)
		if (!wsheap_heap_reset(r->heap, &gen))
			r->resets++;
	complete(&r->done);
	return 0;
}

static void concurrent_alloc_and_reset_stay_consistent(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, PAGE_SIZE,
					    WSHEAP_CREATE_POPULATE);
	struct resetter r = { .heap = heap };
	struct worker *w;
	struct wsheap_info info;
	int i;

	w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	init_completion(&r.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(reset_worker, &r,
						    "wsheap-kunit/r")));
	for (i = 0; i < 2; i++) {
		struct task_struct *t;

		w[i].heap = heap;
		init_completion(&w[i].done);
		t = kthread_run(alloc_worker, &w[i], "wsheap-kunit/a%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	wait_for_completion(&r.done);
	for (i = 0; i < 2; i++) {
		wait_for_completion(&w[i].done);
		KUNIT_EXPECT_EQ(test, w[i].err, 0);
	}
	KUNIT_EXPECT_EQ(test, r.resets, 200);
	info = hinfo(heap);
	KUNIT_EXPECT_EQ(test, info.generation, 200);
	/* What the last reset kept (one page) or what was allocated since. */
	KUNIT_EXPECT_GE(test, info.committed, PAGE_ALIGN(info.cursor));
	KUNIT_EXPECT_LE(test, info.committed,
			max_t(u64, PAGE_SIZE, PAGE_ALIGN(info.cursor)));
	KUNIT_EXPECT_EQ(test, info.resident, info.committed);
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->owner->committed),
			info.committed);
}

static struct kunit_case wsheap_heap_cases[] = {
	KUNIT_CASE(alloc_bumps_offsets),
	KUNIT_CASE(alloc_default_align_is_8),
	KUNIT_CASE(alloc_honours_every_alignment),
	KUNIT_CASE(alloc_rejects_bad_alignment),
	KUNIT_CASE(alloc_commits_whole_pages),
	KUNIT_CASE(alloc_size_zero_uses_no_quota),
	KUNIT_CASE(quota_exactly_full),
	KUNIT_CASE(quota_one_byte_over_changes_nothing),
	KUNIT_CASE(quota_counts_requested_not_padding),
	KUNIT_CASE(size_overflow_is_eoverflow),
	KUNIT_CASE(span_end_is_efbig),
	KUNIT_CASE(limit_per_context_is_edquot),
	KUNIT_CASE(limit_total_is_enomem),
	KUNIT_CASE(trim_pages_round_up_without_overflow),
	KUNIT_CASE(reset_bumps_generation),
	KUNIT_CASE(reset_releases_all_allocations),
	KUNIT_CASE(reset_trim_zero_gives_back_everything),
	KUNIT_CASE(reset_keeps_trim_rounded_up),
	KUNIT_CASE(reset_trim_beyond_committed_keeps_committed),
	KUNIT_CASE(reset_keeps_data_unless_zero_on_reset),
	KUNIT_CASE(reset_refuses_to_give_back_a_kept_page),
	KUNIT_CASE(populate_allocates_zeroed_pages),
	KUNIT_CASE(store_get_page_is_stable),
	KUNIT_CASE(context_handles_are_distinct_and_checked),
	KUNIT_CASE(context_handles_wrap_at_the_top),
	KUNIT_CASE(context_handle_is_private),
	KUNIT_CASE(context_rejects_bad_flags_and_reserved),
	KUNIT_CASE(context_heap_limit_is_emfile),
	KUNIT_CASE(heap_outlives_context_close),
	KUNIT_CASE(destroyed_heap_refuses_everything),
	KUNIT_CASE(concurrent_allocations_never_overlap),
	KUNIT_CASE(concurrent_alloc_and_reset_stay_consistent),
	{}
};

static struct kunit_suite wsheap_heap_suite = {
	.name = "wsheap_heap",
	.test_cases = wsheap_heap_cases,
};

/* ---- mmap, fault and zap, through a real mm ---- */

static unsigned long map_heap(struct kunit *test, struct wsheap_heap *heap,
			      unsigned long pages, unsigned long flags)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, heap->file, 0, pages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, flags, 0);
	return IS_ERR_VALUE(addr) ? 0 : addr;
}

/* Can the test's mm read one byte at @addr?  Returns the byte or -EFAULT. */
static int peek(unsigned long addr)
{
	u8 v;

	if (copy_from_user(&v, (void __user *)addr, 1))
		return -EFAULT;
	return v;
}

static int poke(unsigned long addr, u8 v)
{
	return copy_to_user((void __user *)addr, &v, 1) ? -EFAULT : 0;
}

static void mmap_fault_installs_zeroed_pages(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 2 * PAGE_SIZE, 1, NULL));
	addr = map_heap(test, heap, 2, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 0);
	KUNIT_EXPECT_EQ(test, peek(addr + 100), 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, peek(addr + PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 2 * PAGE_SIZE);
}

static void mmap_writes_reach_the_heap_pages(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long addr;
	struct page *page;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	addr = map_heap(test, heap, 1, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_EQ(test, 0, poke(addr + 7, 0x5a));
	page = xa_load(&heap->pages, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(page))[7], 0x5a);
}

static void mmap_beyond_committed_faults(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	addr = map_heap(test, heap, 4, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_EXPECT_EQ(test, peek(addr), 0);
	KUNIT_EXPECT_EQ(test, peek(addr + PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, poke(addr + 3 * PAGE_SIZE, 1), -EFAULT);
	/* Allocating more makes the next page reachable. */
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, peek(addr + PAGE_SIZE), 0);
}

static void mmap_reset_zaps_beyond_trim(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, PAGE_SIZE, 0);
	unsigned long addr;
	int i;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 4 * PAGE_SIZE, 1, NULL));
	addr = map_heap(test, heap, 4, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, 0, poke(addr + i * PAGE_SIZE, 0x11 + i));
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, peek(addr), 0x11);
	for (i = 1; i < 4; i++)
		KUNIT_EXPECT_EQ(test, peek(addr + i * PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, PAGE_SIZE);

	/* Re-allocated, the given-back range reads fresh zeroes. */
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 4 * PAGE_SIZE, 1, NULL));
	for (i = 1; i < 4; i++)
		KUNIT_EXPECT_EQ(test, peek(addr + i * PAGE_SIZE), 0);
}

static void mmap_destroy_zaps_everything(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 2 * PAGE_SIZE, 1, NULL));
	addr = map_heap(test, heap, 2, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_EQ(test, 0, poke(addr, 1));
	KUNIT_ASSERT_EQ(test, 0, poke(addr + PAGE_SIZE, 2));
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, peek(addr), -EFAULT);
	KUNIT_EXPECT_EQ(test, peek(addr + PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 0);
}

static void mmap_two_windows_share_pages(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long a, b;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	a = map_heap(test, heap, 1, MAP_SHARED);
	b = map_heap(test, heap, 1, MAP_SHARED);
	KUNIT_ASSERT_NE(test, a, 0);
	KUNIT_ASSERT_NE(test, b, 0);
	KUNIT_ASSERT_NE(test, a, b);
	KUNIT_ASSERT_EQ(test, 0, poke(a + 9, 0x77));
	KUNIT_EXPECT_EQ(test, peek(b + 9), 0x77);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, PAGE_SIZE);
}

static void mmap_private_is_refused(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, map_heap(test, heap, 1, MAP_PRIVATE), 0);
}

static void mmap_beyond_span_is_refused(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long addr;

	addr = kunit_vm_mmap(test, heap->file, 0, 2 * PAGE_SIZE,
			     PROT_READ, MAP_SHARED, WSHEAP_SPAN - PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr) || !addr);
	addr = kunit_vm_mmap(test, heap->file, 0, PAGE_SIZE,
			     PROT_READ, MAP_SHARED, WSHEAP_SPAN - PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
}

static struct kunit_case wsheap_mmap_cases[] = {
	KUNIT_CASE(mmap_fault_installs_zeroed_pages),
	KUNIT_CASE(mmap_writes_reach_the_heap_pages),
	KUNIT_CASE(mmap_beyond_committed_faults),
	KUNIT_CASE(mmap_reset_zaps_beyond_trim),
	KUNIT_CASE(mmap_destroy_zaps_everything),
	KUNIT_CASE(mmap_two_windows_share_pages),
	KUNIT_CASE(mmap_private_is_refused),
	KUNIT_CASE(mmap_beyond_span_is_refused),
	{}
};

static struct kunit_suite wsheap_mmap_suite = {
	.name = "wsheap_mmap",
	.test_cases = wsheap_mmap_cases,
};

/* ---- sharing and the in-kernel API ---- */

static void kapi_write_read_round_trip(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	char out[64], in[64] = "written by a driver, across a page boundary";
	u64 off;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE - 10, 1, NULL));
	KUNIT_ASSERT_EQ(test, 0, wsheap_alloc(heap, sizeof(in), 1, &off));
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE - 10);
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, off, in, sizeof(in)));
	KUNIT_ASSERT_EQ(test, 0, wsheap_read(heap, off, out, sizeof(out)));
	KUNIT_EXPECT_MEMEQ(test, in, out, sizeof(in));
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 2 * PAGE_SIZE);
}

static void kapi_access_is_bounded_by_allocations(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);
	char buf[16] = {};
	u64 off;

	KUNIT_ASSERT_EQ(test, 0, wsheap_alloc(heap, 16, 8, &off));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_write(heap, off, buf, 17));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_read(heap, 16, buf, 1));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_read(heap, U64_MAX, buf, 2));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_pin(heap, 8, 9));
	/* After a reset the allocation is gone, though its page is kept. */
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_read(heap, off, buf, 1));
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_read(heap, 0, buf, 0));
}

static void kapi_pin_makes_reset_ebusy(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	u64 off, gen;

	KUNIT_ASSERT_EQ(test, 0, wsheap_alloc(heap, 100, 0, &off));
	KUNIT_ASSERT_EQ(test, 0, wsheap_pin(heap, off, 100));
	KUNIT_EXPECT_EQ(test, -EBUSY, wsheap_heap_reset(heap, &gen));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 100);
	KUNIT_EXPECT_EQ(test, wsheap_generation(heap), 0);
	wsheap_unpin(heap);
	KUNIT_EXPECT_EQ(test, 0, wsheap_heap_reset(heap, &gen));
	KUNIT_EXPECT_EQ(test, wsheap_generation(heap), 1);
}

static void kapi_vmap_sees_user_mapping(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long addr;
	u64 off, gen;
	u8 *k;

	KUNIT_ASSERT_EQ(test, 0, wsheap_alloc(heap, 3 * PAGE_SIZE, 0, &off));
	addr = map_heap(test, heap, 3, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	k = wsheap_vmap(heap, off + 100, 2 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, k);
	k[0] = 0x42;
	k[2 * PAGE_SIZE - 1] = 0x43;
	KUNIT_EXPECT_EQ(test, peek(addr + 100), 0x42);
	KUNIT_EXPECT_EQ(test, peek(addr + 100 + 2 * PAGE_SIZE - 1), 0x43);
	KUNIT_EXPECT_EQ(test, -EBUSY, wsheap_heap_reset(heap, &gen));
	wsheap_vunmap(heap, k);
	KUNIT_EXPECT_EQ(test, 0, wsheap_heap_reset(heap, &gen));
}

static void status_page_tracks_resets(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct wsheap_status st;
	unsigned long addr;

	addr = kunit_vm_mmap(test, heap->file, 0, PAGE_SIZE, PROT_READ,
			     MAP_SHARED, WSHEAP_STATUS_OFFSET);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 0, NULL));
	hreset(test, heap);
	hreset(test, heap);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE + 1, 0, NULL));
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(&st, (void __user *)addr,
						sizeof(st)));
	KUNIT_EXPECT_EQ(test, st.generation, 2);
	KUNIT_EXPECT_EQ(test, st.committed, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, st.flags, 0);
	wsheap_heap_kill(heap);
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(&st, (void __user *)addr,
						sizeof(st)));
	KUNIT_EXPECT_EQ(test, st.flags, WSHEAP_STATUS_DEAD);
	/* The status area is never writable. */
	addr = kunit_vm_mmap(test, heap->file, 0, PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED,
			     WSHEAP_STATUS_OFFSET);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr) || !addr);
}

static void destroy_waits_for_the_last_user(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c = { .max_size = U64_MAX };
	struct wsheap_destroy d = {};
	struct wsheap_heap *heap;
	struct file *view;

	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &c));
	heap = wsheap_context_get_heap(ctx, c.handle);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	view = wsheap_share_export(heap, false);
	KUNIT_ASSERT_FALSE(test, IS_ERR(view));
	KUNIT_EXPECT_EQ(test, atomic_read(&heap->users), 2);

	/* Another user holds it: DESTROY only drops the handle. */
	d.handle = c.handle;
	KUNIT_EXPECT_EQ(test, 0, wsheap_cmd_destroy(ctx, &d));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, heap->dead);
	fput(view);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic_read(&heap->users), 0);
	KUNIT_EXPECT_FALSE(test, heap->dead);
	wsheap_heap_put(heap);
}

static void readonly_view_maps_readonly(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	unsigned long addr;
	struct file *view;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	view = wsheap_share_export(heap, true);
	KUNIT_ASSERT_FALSE(test, IS_ERR(view));
	addr = kunit_vm_mmap(test, view, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr) || !addr);
	addr = kunit_vm_mmap(test, view, 0, PAGE_SIZE, PROT_READ, MAP_SHARED,
			     0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	KUNIT_EXPECT_EQ(test, peek(addr), 0);
	KUNIT_EXPECT_EQ(test, poke(addr, 1), -EFAULT);
	/* A reset zaps views' mappings like any other. */
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, peek(addr), -EFAULT);
	fput(view);
}

static void dmabuf_outlives_the_heap(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct iosys_map map;
	struct dma_buf *dmabuf;
	u8 pattern[32];
	u64 off;

	memset(pattern, 0x3c, sizeof(pattern));
	KUNIT_ASSERT_EQ(test, 0, wsheap_alloc(heap, 2 * PAGE_SIZE, PAGE_SIZE,
					      &off));
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, off + PAGE_SIZE, pattern,
					      sizeof(pattern)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(wsheap_export_dmabuf(heap, off + 1,
							    PAGE_SIZE)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(wsheap_export_dmabuf(heap, off,
							    3 * PAGE_SIZE)));
	dmabuf = wsheap_export_dmabuf(heap, off, 2 * PAGE_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));

	/* The heap gives everything back; the dma-buf keeps its pages. */
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 0);
	KUNIT_ASSERT_EQ(test, 0, dma_buf_vmap_unlocked(dmabuf, &map));
	KUNIT_EXPECT_MEMEQ(test, (u8 *)map.vaddr + PAGE_SIZE, pattern,
			   sizeof(pattern));
	dma_buf_vunmap_unlocked(dmabuf, &map);
	dma_buf_put(dmabuf);
}

struct charger {
	struct wsheap_heap *heap;
	struct completion done;
	int ret;
};

static int charge_worker(void *data)
{
	struct charger *c = data;
	u64 off;

	c->ret = wsheap_alloc(c->heap, PAGE_SIZE, 0, &off);
	if (!c->ret)
		c->ret = wsheap_write(c->heap, off, "x", 1);
	complete(&c->done);
	return 0;
}

static void pages_are_charged_to_the_creator(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct charger c = { .heap = heap };
	struct page *page;

	if (mem_cgroup_disabled() || !heap->memcg->css.parent)
		/* The root does not track kernel memory; user space tests this. */
		kunit_skip(test, "the heap belongs to the root memcg");
	init_completion(&c.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(charge_worker, &c,
						    "wsheap-kunit/c")));
	wait_for_completion(&c.done);
	KUNIT_ASSERT_EQ(test, c.ret, 0);
	page = xa_load(&heap->pages, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* A kthread allocated it; the heap's memcg pays for it. */
	KUNIT_EXPECT_PTR_EQ(test, folio_memcg(page_folio(page)), heap->memcg);
}

static struct kunit_case wsheap_share_cases[] = {
	KUNIT_CASE(kapi_write_read_round_trip),
	KUNIT_CASE(kapi_access_is_bounded_by_allocations),
	KUNIT_CASE(kapi_pin_makes_reset_ebusy),
	KUNIT_CASE(kapi_vmap_sees_user_mapping),
	KUNIT_CASE(status_page_tracks_resets),
	KUNIT_CASE(destroy_waits_for_the_last_user),
	KUNIT_CASE(readonly_view_maps_readonly),
	KUNIT_CASE(dmabuf_outlives_the_heap),
	KUNIT_CASE(pages_are_charged_to_the_creator),
	{}
};

static struct kunit_suite wsheap_share_suite = {
	.name = "wsheap_share",
	.test_cases = wsheap_share_cases,
};

kunit_test_suites(&wsheap_heap_suite, &wsheap_mmap_suite, &wsheap_share_suite);

MODULE_DESCRIPTION("KUnit suites for wsheap");
MODULE_LICENSE("GPL");
