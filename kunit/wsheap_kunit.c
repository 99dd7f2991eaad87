// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for wsheap: the bump allocator, quota, trim, reset, limits,
 * handles and lifetime, concurrency, and the mmap/fault/zap paths (through
 * kunit_vm_mmap(), which gives the test thread an mm of its own).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/memcontrol.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
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
	struct wsheap_context *ctx = wsheap_context_create(false);
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

	heap = wsheap_file_create_heap(new_ctx(test), max, trim, flags);
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

/* The page at @index in the store, or NULL; the store keeps it alive. */
static struct page *hpage(struct wsheap_heap *heap, pgoff_t index)
{
	struct folio *folio = filemap_get_folio(heap->mapping, index);

	if (IS_ERR_OR_NULL(folio))
		return NULL;
	folio_put(folio);
	return folio_page(folio, 0);
}

/*
 * Run a command as the dispatcher would, publishing what it made; @args
 * points to the command's struct, @size bytes long.
 */
static int run_cmd(struct wsheap_context *ctx,
		   int (*fn)(struct wsheap_context *, struct wsheap_cmd *),
		   void *args, size_t size)
{
	struct wsheap_cmd cmd = {};
	int ret;

	memcpy(&cmd.args, args, size);
	ret = fn(ctx, &cmd);
	if (!ret) {
		memcpy(args, &cmd.args, size);
		wsheap_cmd_commit(ctx, &cmd);
	}
	return ret;
}

#define CMD(ctx, name, args) \
	run_cmd(ctx, wsheap_cmd_##name, args, sizeof((args)[0]))

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
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed),
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
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed), 0);
}

static void reset_keeps_trim_rounded_up(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 2 * PAGE_SIZE + 1,
					    WSHEAP_CREATE_POPULATE);

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 8 * PAGE_SIZE, 1, NULL));
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed),
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
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed),
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
	pk = hpage(keep, 0);
	pz = hpage(zero, 0);
	KUNIT_ASSERT_NOT_NULL(test, pk);
	KUNIT_ASSERT_NOT_NULL(test, pz);
	memset_page(pk, 0, 0xa5, 64);
	memset_page(pz, 0, 0xa5, 64);
	hreset(test, keep);
	hreset(test, zero);
	KUNIT_EXPECT_PTR_EQ(test, hpage(keep, 0), pk);
	KUNIT_EXPECT_PTR_EQ(test, hpage(zero, 0), pz);
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
		page = hpage(heap, i);
		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_NULL(test, memchr_inv(page_address(page), 0,
						   PAGE_SIZE));
	}
}

/* A CONTIG heap backs each ALLOC's new pages with one contiguous run. */
static void contig_pages_are_physically_contiguous(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0,
					    WSHEAP_CREATE_CONTIG);
	unsigned long pfn;
	struct page *page;
	u64 off;
	int i;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 1, 1, NULL));
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 37 * PAGE_SIZE, PAGE_SIZE, &off));
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 38 * PAGE_SIZE);
	page = hpage(heap, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);
	for (i = 2; i < 38; i++) {
		page = hpage(heap, i);
		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_EQ_MSG(test, page_to_pfn(page), pfn + i - 1,
				    "page %d", i);
		KUNIT_EXPECT_NULL(test, memchr_inv(page_address(page), 0,
						   PAGE_SIZE));
	}
	/* More than one run can hold fails cleanly, changing nothing. */
	KUNIT_EXPECT_EQ(test, -ENOMEM,
			halloc(heap, WSHEAP_CONTIG_MAX + PAGE_SIZE, 0, NULL));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 38 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed),
			38 * PAGE_SIZE);
}

static void store_get_folio_is_stable(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct folio *a, *b;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	mutex_lock(&heap->lock);
	a = wsheap_store_get_folio(heap, 0);
	b = wsheap_store_get_folio(heap, 0);
	mutex_unlock(&heap->lock);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	folio_put(a);
	folio_put(b);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, PAGE_SIZE);
}

/* ---- handles, contexts and lifetime ---- */

/* A handle exists only once the command's result reached user space. */
static void context_publishes_handles_last(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_cmd cmd = { .args.create.max_size = U64_MAX };
	struct wsheap_heap *heap;
	bool rdonly;
	u32 handle;

	flush_delayed_fput();
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &cmd));
	handle = cmd.args.create.handle;
	KUNIT_EXPECT_NE(test, handle, 0);
	KUNIT_EXPECT_NULL(test, wsheap_context_get_heap(ctx, handle, &rdonly));
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 1);
	/* The copy-out failed: nothing is left, the handle is free again. */
	wsheap_cmd_abort(ctx, &cmd);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 0);
	KUNIT_EXPECT_NULL(test, xa_load(&ctx->handles, handle));
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->account->committed), 0);

	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_create(ctx, &cmd));
	wsheap_cmd_commit(ctx, &cmd);
	heap = wsheap_context_get_heap(ctx, cmd.args.create.handle, &rdonly);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_EXPECT_FALSE(test, rdonly);
	KUNIT_EXPECT_EQ(test, atomic_read(&heap->users), 1);
	wsheap_heap_put(heap);
}

/* A read-only import is read-only from the moment it can be seen. */
static void context_import_is_rdonly_when_published(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0), *h;
	struct wsheap_cmd cmd = {};
	struct file *view;
	bool rdonly;
	int fd;

	view = wsheap_file_export(heap, true);
	KUNIT_ASSERT_FALSE(test, IS_ERR(view));
	fd = get_unused_fd_flags(O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	fd_install(fd, view);
	cmd.args.import.fd = fd;
	KUNIT_ASSERT_EQ(test, 0, wsheap_cmd_import(ctx, &cmd));
	KUNIT_EXPECT_EQ(test, cmd.args.import.access, WSHEAP_ACCESS_RDONLY);
	wsheap_cmd_commit(ctx, &cmd);
	h = wsheap_context_get_heap(ctx, cmd.args.import.handle, &rdonly);
	KUNIT_ASSERT_PTR_EQ(test, h, heap);
	KUNIT_EXPECT_TRUE(test, rdonly);
	wsheap_heap_put(h);
	close_fd(fd);
}

/* A context opened read-only hands out nothing writable. */
static void context_rdonly_hands_out_nothing_writable(struct kunit *test)
{
	struct wsheap_context *ctx = wsheap_context_create(true);
	struct wsheap_create c = { .max_size = U64_MAX };
	struct wsheap_export e = {};
	struct wsheap_export_dmabuf d = { .size = PAGE_SIZE };
	struct wsheap_alloc a = { .size = PAGE_SIZE };

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, wsheap_kunit_ctx_close,
						  ctx));
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c));
	a.handle = c.handle;
	KUNIT_EXPECT_EQ(test, 0, CMD(ctx, alloc, &a));
	e.handle = c.handle;
	KUNIT_EXPECT_EQ(test, -EPERM, CMD(ctx, export, &e));
	d.handle = c.handle;
	KUNIT_EXPECT_EQ(test, -EPERM, CMD(ctx, export_dmabuf, &d));
	d.flags = WSHEAP_DMABUF_RDONLY;
	KUNIT_EXPECT_EQ(test, -EPERM, CMD(ctx, export_dmabuf, &d));
	e.flags = WSHEAP_EXPORT_RDONLY;
	KUNIT_EXPECT_EQ(test, 0, CMD(ctx, export, &e));
	close_fd(e.fd);
}

static void context_handles_are_distinct_and_checked(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c1 = { .max_size = 10 }, c2 = { .max_size = 20 };
	struct wsheap_info info = {};
	struct wsheap_destroy d = {};

	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c1));
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c2));
	KUNIT_EXPECT_NE(test, c1.handle, 0);
	KUNIT_EXPECT_NE(test, c1.handle, c2.handle);
	KUNIT_EXPECT_NE(test, c1.mmap_offset, c2.mmap_offset);
	info.handle = c2.handle;
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, info, &info));
	KUNIT_EXPECT_EQ(test, info.max_size, 20);

	d.handle = c1.handle;
	KUNIT_EXPECT_EQ(test, 0, CMD(ctx, destroy, &d));
	KUNIT_EXPECT_EQ(test, -ENOENT, CMD(ctx, destroy, &d));
	info.handle = c1.handle;
	KUNIT_EXPECT_EQ(test, -ENOENT, CMD(ctx, info, &info));
	info.handle = 0;
	KUNIT_EXPECT_EQ(test, -ENOENT, CMD(ctx, info, &info));
	/* Handles are not reused straight away. */
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c1));
	KUNIT_EXPECT_GT(test, c1.handle, c2.handle);
}

/* Handles go up to the top of their range, then wrap to the free ones. */
static void context_handles_wrap_at_the_top(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c1 = { .max_size = 1 }, c2 = c1, c3 = c1;

	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c1));
	KUNIT_EXPECT_EQ(test, c1.handle, 1);
	mutex_lock(&ctx->lock);
	ctx->next_handle = WSHEAP_MAX_HANDLE;
	mutex_unlock(&ctx->lock);
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c2));
	KUNIT_EXPECT_EQ(test, c2.handle, WSHEAP_MAX_HANDLE);
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c3));
	KUNIT_EXPECT_EQ(test, c3.handle, 2);
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 3);
}

static void context_handle_is_private(struct kunit *test)
{
	struct wsheap_context *a = new_ctx(test), *b = new_ctx(test);
	struct wsheap_create c = { .max_size = 10 };
	struct wsheap_alloc al = {};

	KUNIT_ASSERT_EQ(test, 0, CMD(a, create, &c));
	al.handle = c.handle;
	al.size = 1;
	KUNIT_EXPECT_EQ(test, -ENOENT, CMD(b, alloc, &al));
	KUNIT_EXPECT_EQ(test, 0, CMD(a, alloc, &al));
}

static void context_rejects_bad_flags_and_reserved(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c = { .flags = 1U << 31 };
	struct wsheap_alloc al = { .flags = 1 };
	struct wsheap_reset r = {};

	KUNIT_EXPECT_EQ(test, -EINVAL, CMD(ctx, create, &c));
	c.flags = 0;
	c.reserved[2] = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, CMD(ctx, create, &c));
	c.reserved[2] = 0;
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c));
	al.handle = c.handle;
	KUNIT_EXPECT_EQ(test, -EINVAL, CMD(ctx, alloc, &al));
	r.handle = c.handle;
	r.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, CMD(ctx, reset, &r));
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 1);
}

static void context_heap_limit_is_emfile(struct kunit *test)
{
	unsigned int saved = wsheap_max_heaps_per_context;
	struct wsheap_context *ctx = new_ctx(test);
	struct wsheap_create c = {};
	int r1, r2, r3;

	wsheap_max_heaps_per_context = 2;
	r1 = CMD(ctx, create, &c);
	r2 = CMD(ctx, create, &c);
	r3 = CMD(ctx, create, &c);
	wsheap_max_heaps_per_context = saved;
	KUNIT_EXPECT_EQ(test, r1, 0);
	KUNIT_EXPECT_EQ(test, r2, 0);
	KUNIT_EXPECT_EQ(test, r3, -EMFILE);
	KUNIT_EXPECT_EQ(test, ctx->nr_heaps, 2);
}

static void heap_outlives_context_close(struct kunit *test)
{
	struct wsheap_context *ctx = wsheap_context_create(false);
	struct wsheap_create c = { .max_size = U64_MAX };
	struct wsheap_account *account;
	struct wsheap_heap *heap;
	bool rdonly;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	account = ctx->account;
	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c));
	heap = wsheap_context_get_heap(ctx, c.handle, &rdonly);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	wsheap_context_close(ctx);
	flush_delayed_fput();

	/* The heap still works and still charges its creator. */
	KUNIT_EXPECT_EQ(test, 0, halloc(heap, PAGE_SIZE, 1, NULL));
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->committed), PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, heap->account, account);
	wsheap_heap_put(heap);
	flush_delayed_fput();
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
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed), 0);
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
	KUNIT_EXPECT_EQ(test, atomic64_read(&heap->account->committed),
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
	KUNIT_CASE(populate_allocates_zeroed_pages),
	KUNIT_CASE(store_get_folio_is_stable),
	KUNIT_CASE(contig_pages_are_physically_contiguous),
	KUNIT_CASE(context_handles_are_distinct_and_checked),
	KUNIT_CASE(context_publishes_handles_last),
	KUNIT_CASE(context_import_is_rdonly_when_published),
	KUNIT_CASE(context_rdonly_hands_out_nothing_writable),
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
	page = hpage(heap, 0);
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

static struct wsheap_block kalloc(struct kunit *test, struct wsheap_heap *heap,
				  u64 size, u64 align)
{
	struct wsheap_block blk = {};

	KUNIT_ASSERT_EQ(test, 0, wsheap_alloc(heap, size, align, &blk));
	return blk;
}

static void kapi_write_read_round_trip(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	char out[64], in[64] = "written by a driver, across a page boundary";
	struct wsheap_block blk;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE - 10, 1, NULL));
	blk = kalloc(test, heap, sizeof(in), 1);
	KUNIT_EXPECT_EQ(test, blk.offset, PAGE_SIZE - 10);
	KUNIT_EXPECT_EQ(test, blk.size, sizeof(in));
	KUNIT_EXPECT_EQ(test, blk.generation, 0);
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, &blk, 0, in, sizeof(in)));
	KUNIT_ASSERT_EQ(test, 0, wsheap_read(heap, &blk, 0, out, sizeof(out)));
	KUNIT_EXPECT_MEMEQ(test, in, out, sizeof(in));
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 2 * PAGE_SIZE);
}

static void kapi_access_is_bounded_by_the_block(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);
	struct wsheap_block blk, forged;
	char buf[16] = {};

	blk = kalloc(test, heap, 16, 8);
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_write(heap, &blk, 0, buf, 17));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_read(heap, &blk, 16, buf, 1));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_read(heap, &blk, U64_MAX, buf,
						   2));
	/* A block the heap never allocated. */
	forged = blk;
	forged.size = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_pin(heap, &forged));
	KUNIT_EXPECT_EQ(test, -EINVAL, wsheap_read(heap, &forged, 0, buf, 32));
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, -ENOENT, wsheap_read(heap, &blk, 0, buf, 0));
}

/* A block from before a reset is stale for every call, though its page stays. */
static void kapi_stale_block_is_estale(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);
	struct wsheap_block old, now;
	char buf[8] = "old gen", got[8];

	old = kalloc(test, heap, PAGE_SIZE, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, &old, 0, buf, 8));
	hreset(test, heap);
	/* Another party allocates the same offset in the next generation. */
	now = kalloc(test, heap, PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, now.offset, old.offset);
	KUNIT_EXPECT_EQ(test, -ESTALE, wsheap_write(heap, &old, 0, "evil", 4));
	KUNIT_EXPECT_EQ(test, -ESTALE, wsheap_read(heap, &old, 0, got, 8));
	KUNIT_EXPECT_EQ(test, -ESTALE, wsheap_pin(heap, &old));
	KUNIT_EXPECT_EQ(test, PTR_ERR(wsheap_vmap(heap, &old)), -ESTALE);
	KUNIT_EXPECT_EQ(test, PTR_ERR(wsheap_export_dmabuf(heap, &old)),
			-ESTALE);
	KUNIT_ASSERT_EQ(test, 0, wsheap_read(heap, &now, 0, got, 8));
	KUNIT_EXPECT_MEMEQ(test, got, buf, 8);
	KUNIT_EXPECT_EQ(test, hinfo(heap).generation, 1);
}

static void kapi_pin_makes_reset_ebusy(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct wsheap_block blk = kalloc(test, heap, 100, 0);
	u64 gen;

	KUNIT_ASSERT_EQ(test, 0, wsheap_pin(heap, &blk));
	KUNIT_ASSERT_EQ(test, 0, wsheap_pin(heap, &blk));
	KUNIT_EXPECT_EQ(test, -EBUSY, wsheap_heap_reset(heap, &gen));
	KUNIT_EXPECT_EQ(test, hinfo(heap).requested, 100);
	wsheap_unpin(heap);
	/* Pins nest. */
	KUNIT_EXPECT_EQ(test, -EBUSY, wsheap_heap_reset(heap, &gen));
	wsheap_unpin(heap);
	KUNIT_EXPECT_EQ(test, wsheap_generation(heap), 0);
	KUNIT_EXPECT_EQ(test, 0, wsheap_heap_reset(heap, &gen));
	KUNIT_EXPECT_EQ(test, wsheap_generation(heap), 1);
}

struct alloc_resetter {
	struct wsheap_heap *heap;
	struct completion done;
	bool stop;
	int resets;
};

static int alloc_reset_worker(void *data)
{
	struct alloc_resetter *r = data;

	while (!READ_ONCE(r->stop)) {
		if (!wsheap_heap_reset(r->heap, NULL))
			r->resets++;
		cond_resched();
	}
	complete(&r->done);
	return 0;
}

/* Allocate-and-map is atomic: no reset comes between the two. */
static void kapi_alloc_vmap_is_atomic(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct alloc_resetter r = { .heap = heap };
	struct wsheap_block blk;
	int i, stale = 0;
	u8 *p;

	init_completion(&r.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(alloc_reset_worker, &r,
						    "wsheap-kunit/ar")));
	for (i = 0; i < 200; i++) {
		p = wsheap_alloc_vmap(heap, 64, 0, &blk);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p));
		memset(p, 0x5a, 64);
		/* Still this block's generation: the vmap held resets off. */
		if (wsheap_generation(heap) != blk.generation)
			stale++;
		wsheap_vunmap(heap, p);
	}
	WRITE_ONCE(r.stop, true);
	wait_for_completion(&r.done);
	KUNIT_EXPECT_EQ(test, stale, 0);
	KUNIT_EXPECT_GT(test, r.resets, 0);
}

static void kapi_vmap_sees_user_mapping(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct wsheap_block blk = kalloc(test, heap, 3 * PAGE_SIZE, 0);
	struct wsheap_block part = blk;
	unsigned long addr;
	u64 gen;
	u8 *k;

	addr = map_heap(test, heap, 3, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	part.offset += 100;
	part.size = 2 * PAGE_SIZE;
	k = wsheap_vmap(heap, &part);
	KUNIT_ASSERT_FALSE(test, IS_ERR(k));
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
	/* Two resets, each bumping the sequence counter twice. */
	KUNIT_EXPECT_EQ(test, st.sequence, 4);
	wsheap_heap_kill(heap);
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(&st, (void __user *)addr,
						sizeof(st)));
	KUNIT_EXPECT_EQ(test, st.flags, WSHEAP_STATUS_DEAD);
	KUNIT_EXPECT_EQ(test, st.sequence, 6);
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
	bool rdonly;

	KUNIT_ASSERT_EQ(test, 0, CMD(ctx, create, &c));
	heap = wsheap_context_get_heap(ctx, c.handle, &rdonly);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	view = wsheap_file_export(heap, false);
	KUNIT_ASSERT_FALSE(test, IS_ERR(view));
	KUNIT_EXPECT_EQ(test, atomic_read(&heap->users), 2);

	/* Another user holds it: DESTROY only drops the handle. */
	d.handle = c.handle;
	KUNIT_EXPECT_EQ(test, 0, CMD(ctx, destroy, &d));
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, heap->dead);
	fput(view);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic_read(&heap->users), 0);
	KUNIT_EXPECT_FALSE(test, heap->dead);
	wsheap_heap_put(heap);
}

/* The VMA of the test's mm that maps @addr. */
static struct vm_area_struct *vma_at(unsigned long addr)
{
	struct vm_area_struct *vma;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	mmap_read_unlock(current->mm);
	return vma;
}

/* Rights travel with the file: a read-only mapping's file is read-only. */
static void readonly_view_maps_readonly(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct vm_area_struct *vma;
	unsigned long addr;
	struct file *view;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	view = wsheap_file_export(heap, true);
	KUNIT_ASSERT_FALSE(test, IS_ERR(view));
	addr = kunit_vm_mmap(test, view, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr) || !addr);
	addr = kunit_vm_mmap(test, view, 0, PAGE_SIZE, PROT_READ, MAP_SHARED,
			     0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	vma = vma_at(addr);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_EXPECT_FALSE(test, vma->vm_file->f_mode & FMODE_WRITE);
	KUNIT_EXPECT_PTR_NE(test, vma->vm_file, heap->file);
	KUNIT_EXPECT_PTR_NE(test, vma->vm_file, view);
	KUNIT_EXPECT_FALSE(test, vma->vm_flags & (VM_MAYWRITE | VM_MAYEXEC));
	KUNIT_EXPECT_EQ(test, peek(addr), 0);
	KUNIT_EXPECT_EQ(test, poke(addr, 1), -EFAULT);
	/* A reset zaps read-only mappings like any other. */
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, peek(addr), -EFAULT);
	fput(view);
}

static void mappings_are_never_executable(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct vm_area_struct *vma;
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	addr = kunit_vm_mmap(test, heap->file, 0, PAGE_SIZE,
			     PROT_READ | PROT_EXEC, MAP_SHARED, 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr) || !addr);
	addr = map_heap(test, heap, 1, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	vma = vma_at(addr);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_EXPECT_FALSE(test, vma->vm_flags & (VM_EXEC | VM_MAYEXEC));
}

static void dmabuf_outlives_the_heap(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct wsheap_block blk, bad;
	struct iosys_map map;
	struct dma_buf *dmabuf;
	u8 pattern[32];

	memset(pattern, 0x3c, sizeof(pattern));
	blk = kalloc(test, heap, 2 * PAGE_SIZE, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, &blk, PAGE_SIZE, pattern,
					      sizeof(pattern)));
	bad = blk;
	bad.offset++;
	bad.size--;
	KUNIT_EXPECT_TRUE(test, IS_ERR(wsheap_export_dmabuf(heap, &bad)));
	bad = blk;
	bad.size = 3 * PAGE_SIZE;
	KUNIT_EXPECT_TRUE(test, IS_ERR(wsheap_export_dmabuf(heap, &bad)));
	dmabuf = wsheap_export_dmabuf(heap, &blk);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));

	/* The heap gives everything back; the dma-buf keeps its pages. */
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).held, 2 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, dma_buf_vmap_unlocked(dmabuf, &map));
	KUNIT_EXPECT_MEMEQ(test, (u8 *)map.vaddr + PAGE_SIZE, pattern,
			   sizeof(pattern));
	dma_buf_vunmap_unlocked(dmabuf, &map);
	dma_buf_put(dmabuf);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, hinfo(heap).held, 0);
}

/*
 * A dma-buf of a kept page does not alias the next generation: the reset
 * gives the page to the dma-buf and the heap gets a fresh one.
 */
static void dmabuf_never_aliases_the_next_generation(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX,
					    WSHEAP_CREATE_ZERO_ON_RESET);
	struct wsheap_block blk, next;
	struct iosys_map map;
	struct dma_buf *dmabuf;
	struct page *before;
	u8 got[8];

	blk = kalloc(test, heap, PAGE_SIZE, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, &blk, 0, "gen0data", 8));
	dmabuf = wsheap_export_dmabuf(heap, &blk);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	before = hpage(heap, 0);
	hreset(test, heap);
	/* The trim keeps the page committed, but not that page. */
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, PAGE_SIZE);
	KUNIT_EXPECT_PTR_NE(test, hpage(heap, 0), before);
	KUNIT_EXPECT_EQ(test, hinfo(heap).held, PAGE_SIZE);
	next = kalloc(test, heap, PAGE_SIZE, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, wsheap_read(heap, &next, 0, got, 8));
	KUNIT_EXPECT_NULL(test, memchr_inv(got, 0, 8));
	KUNIT_ASSERT_EQ(test, 0, wsheap_write(heap, &next, 0, "gen1data", 8));

	KUNIT_ASSERT_EQ(test, 0, dma_buf_vmap_unlocked(dmabuf, &map));
	/* Zero-on-reset did not reach it either: it is no longer the heap's. */
	KUNIT_EXPECT_MEMEQ(test, map.vaddr, "gen0data", 8);
	memcpy(map.vaddr, "dmabufwr", 8);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	KUNIT_ASSERT_EQ(test, 0, wsheap_read(heap, &next, 0, got, 8));
	KUNIT_EXPECT_MEMEQ(test, got, "gen1data", 8);
	dma_buf_put(dmabuf);
}

/* A dma-buf's pages count against the limits for as long as it lives. */
static void dmabuf_pages_stay_charged(struct kunit *test)
{
	unsigned long long saved = wsheap_max_bytes_per_context;
	struct wsheap_heap *heap = new_heap(test, U64_MAX, 0, 0);
	struct wsheap_block blk = kalloc(test, heap, 2 * PAGE_SIZE, PAGE_SIZE);
	atomic64_t *charged = &heap->account->committed;
	struct dma_buf *a, *b;

	a = wsheap_export_dmabuf(heap, &blk);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), 4 * PAGE_SIZE);
	wsheap_heap_kill(heap);
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), 2 * PAGE_SIZE);

	heap = new_heap(test, U64_MAX, 0, 0);
	charged = &heap->account->committed;
	blk = kalloc(test, heap, 2 * PAGE_SIZE, PAGE_SIZE);
	wsheap_max_bytes_per_context = 3 * PAGE_SIZE;
	b = wsheap_export_dmabuf(heap, &blk);
	wsheap_max_bytes_per_context = saved;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), 2 * PAGE_SIZE);
	dma_buf_put(a);
}

/*
 * A long-term GUP pin (RDMA, io_uring fixed buffers) of a kept page keeps
 * the old page; the heap's next generation gets a fresh one, and the
 * orphan stays charged until the pin goes.
 */
static void pinned_page_leaves_the_heap_at_reset(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);
	atomic64_t *charged = &heap->account->committed;
	struct page *pinned = NULL;
	unsigned long addr;
	int i;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	addr = map_heap(test, heap, 1, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_EQ(test, 0, poke(addr, 0x77));
	KUNIT_ASSERT_EQ(test, 1, pin_user_pages_fast(addr, 1, FOLL_WRITE |
						     FOLL_LONGTERM, &pinned));
	hreset(test, heap);
	KUNIT_EXPECT_PTR_NE(test, hpage(heap, 0), pinned);
	KUNIT_EXPECT_EQ(test, peek(addr), 0);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(pinned))[0], 0x77);
	KUNIT_EXPECT_EQ(test, hinfo(heap).held, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), 2 * PAGE_SIZE);
	unpin_user_page(pinned);
	/* The reaper runs once a second. */
	for (i = 0; i < 50 && hinfo(heap).held; i++)
		msleep(100);
	KUNIT_EXPECT_EQ(test, hinfo(heap).held, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), PAGE_SIZE);
}

/*
 * A heap's last release may give up a page a pin holds: the orphan must
 * not need the heap, only the account it stays charged to.
 */
static void pinned_page_outlives_its_heap(struct kunit *test)
{
	struct wsheap_context *ctx = new_ctx(test);
	atomic64_t *charged = &ctx->account->committed;
	struct page *pinned = NULL;
	struct wsheap_heap *heap;
	unsigned long addr;
	int i;

	heap = wsheap_file_create_heap(ctx, U64_MAX, 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, PAGE_SIZE, 0, NULL));
	addr = kunit_vm_mmap(test, heap->file, 0, PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	KUNIT_ASSERT_EQ(test, 0, poke(addr, 0x66));
	KUNIT_ASSERT_EQ(test, 1, pin_user_pages_fast(addr, 1, FOLL_WRITE |
						     FOLL_LONGTERM, &pinned));
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(addr, PAGE_SIZE));
	/* The last reference: the release gives up the pinned page. */
	wsheap_heap_put(heap);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(pinned))[0], 0x66);
	unpin_user_page(pinned);
	for (i = 0; i < 50 && atomic64_read(charged); i++)
		msleep(100);
	KUNIT_EXPECT_EQ(test, atomic64_read(charged), 0);
}

static unsigned long hreclaim(struct wsheap_heap *heap)
{
	unsigned long freed;

	filemap_invalidate_lock(heap->mapping);
	mutex_lock(&heap->lock);
	freed = wsheap_reclaim_heap(heap);
	mutex_unlock(&heap->lock);
	filemap_invalidate_unlock(heap->mapping);
	return freed;
}

/*
 * Reclaim takes back kept pages beyond the cursor, never one that an
 * allocation, a dma-buf of this generation or a pin holds; the next touch
 * gets a fresh zeroed page.
 */
static void reclaim_takes_only_unused_kept_pages(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX, 0);
	struct page *pinned = NULL;
	struct wsheap_block blk;
	struct dma_buf *dmabuf;
	unsigned long addr;
	int i;

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 6 * PAGE_SIZE, 0, NULL));
	addr = map_heap(test, heap, 6, MAP_SHARED);
	KUNIT_ASSERT_NE(test, addr, 0);
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, 0, poke(addr + i * PAGE_SIZE, 0x40 + i));
	hreset(test, heap);
	/* The new generation uses page 0; a dma-buf holds page 2. */
	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 100, 0, NULL));
	blk = kalloc(test, heap, 2 * PAGE_SIZE, PAGE_SIZE);
	blk.offset += PAGE_SIZE;
	blk.size = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, blk.offset, 2 * PAGE_SIZE);
	dmabuf = wsheap_export_dmabuf(heap, &blk);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	/* ... and a long-term pin page 4. */
	KUNIT_ASSERT_EQ(test, 1, pin_user_pages_fast(addr + 4 * PAGE_SIZE, 1,
						     FOLL_WRITE | FOLL_LONGTERM,
						     &pinned));
	/* The cursor is at 3 pages: 3 and 5 go, 4 stays. */
	KUNIT_EXPECT_EQ(test, hreclaim(heap), 2);
	KUNIT_EXPECT_EQ(test, hinfo(heap).reclaimed, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hinfo(heap).committed, 6 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, peek(addr), 0x40);
	KUNIT_EXPECT_EQ(test, peek(addr + 2 * PAGE_SIZE), 0x42);
	KUNIT_EXPECT_EQ(test, peek(addr + 4 * PAGE_SIZE), 0x44);
	/* What went comes back zeroed. */
	KUNIT_EXPECT_EQ(test, peek(addr + 3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, peek(addr + 5 * PAGE_SIZE), 0);
	unpin_user_page(pinned);
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

static void reclaim_leaves_populated_heaps_alone(struct kunit *test)
{
	struct wsheap_heap *heap = new_heap(test, U64_MAX, U64_MAX,
					    WSHEAP_CREATE_POPULATE);

	KUNIT_ASSERT_EQ(test, 0, halloc(heap, 4 * PAGE_SIZE, 0, NULL));
	hreset(test, heap);
	KUNIT_EXPECT_EQ(test, hreclaim(heap), 0);
	KUNIT_EXPECT_EQ(test, hinfo(heap).resident, 4 * PAGE_SIZE);
}

struct charger {
	struct wsheap_heap *heap;
	struct completion done;
	int ret;
};

static int charge_worker(void *data)
{
	struct charger *c = data;
	struct wsheap_block blk;

	c->ret = wsheap_alloc(c->heap, PAGE_SIZE, 0, &blk);
	if (!c->ret)
		c->ret = wsheap_write(c->heap, &blk, 0, "x", 1);
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
	page = hpage(heap, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* A kthread allocated it; the heap's memcg pays for it. */
	KUNIT_EXPECT_PTR_EQ(test, folio_memcg(page_folio(page)), heap->memcg);
}

static struct kunit_case wsheap_share_cases[] = {
	KUNIT_CASE(kapi_write_read_round_trip),
	KUNIT_CASE(kapi_access_is_bounded_by_the_block),
	KUNIT_CASE(kapi_stale_block_is_estale),
	KUNIT_CASE(kapi_pin_makes_reset_ebusy),
	KUNIT_CASE(kapi_alloc_vmap_is_atomic),
	KUNIT_CASE(kapi_vmap_sees_user_mapping),
	KUNIT_CASE(status_page_tracks_resets),
	KUNIT_CASE(destroy_waits_for_the_last_user),
	KUNIT_CASE(readonly_view_maps_readonly),
	KUNIT_CASE(mappings_are_never_executable),
	KUNIT_CASE(dmabuf_outlives_the_heap),
	KUNIT_CASE(dmabuf_never_aliases_the_next_generation),
	KUNIT_CASE(dmabuf_pages_stay_charged),
	KUNIT_CASE(pinned_page_leaves_the_heap_at_reset),
	KUNIT_CASE(pinned_page_outlives_its_heap),
	KUNIT_CASE(reclaim_takes_only_unused_kept_pages),
	KUNIT_CASE(reclaim_leaves_populated_heaps_alone),
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
