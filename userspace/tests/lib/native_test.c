// SPDX-License-Identifier: GPL-2.0
/*
 * libwsheap native API (<wsheap.h>): contexts, creation, allocation,
 * alignment, quota, blocks and the fast path, reset and trim, scale.
 */
#include "wsheap_test.h"
#include "../support/wsh_scale.h"

DEFINE_SLOW_FIXTURE(slow)

/* ---- contexts --------------------------------------------------------- */

/* The library's version at run time; no device needed. */
TEST(version_and_check)
{
	unsigned int v = wsheap_version();

	EXPECT_EQ(WSHEAP_LIB_VERSION, v);
	EXPECT_EQ(WSHEAP_LIB_VERSION_MAJOR, (int)(v >> 16));
	EXPECT_EQ(WSHEAP_LIB_VERSION_MINOR, (int)(v >> 8 & 0xff));
	EXPECT_EQ(WSHEAP_LIB_VERSION_PATCH, (int)(v & 0xff));
	EXPECT_EQ(0x010200U, WSHEAP_VERSION_CODE(1, 2, 0));
	/* Every minor version up to this one, and nothing else. */
	EXPECT_EQ(0, wsheap_check_version(1, 0));
	EXPECT_EQ(0, wsheap_check_version(1, 1));
	EXPECT_EQ(0, wsheap_check_version(WSHEAP_LIB_VERSION_MAJOR,
					  WSHEAP_LIB_VERSION_MINOR));
	EXPECT_EQ(-ENOSYS, wsheap_check_version(WSHEAP_LIB_VERSION_MAJOR,
						WSHEAP_LIB_VERSION_MINOR + 1));
	EXPECT_EQ(-ENOSYS, wsheap_check_version(WSHEAP_LIB_VERSION_MAJOR + 1, 0));
	EXPECT_EQ(-ENOSYS, wsheap_check_version(0, 9));
	EXPECT_TRUE(WSHEAP_CHECK_VERSION(1, 2));
	EXPECT_FALSE(WSHEAP_CHECK_VERSION(1, WSHEAP_LIB_VERSION_MINOR + 1));
	EXPECT_FALSE(WSHEAP_CHECK_VERSION(WSHEAP_LIB_VERSION_MAJOR + 1, 0));
}

TEST(ctx_open_close)
{
	struct wsheap_ctx_stats st;
	struct wsheap_ctx *ctx = NULL;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_NE(NULL, ctx);
	ASSERT_LE(0, wsheap_ctx_fd(ctx));
	ASSERT_EQ(0, wsheap_ctx_stats(ctx, &st));
	EXPECT_EQ(WSHEAP_ABI_VERSION, (int)st.abi);
	EXPECT_EQ(page_size(), U64(st.page_size));
	EXPECT_EQ(U64(1), st.ioctls);	/* VERSION */
	EXPECT_EQ(U64(0), st.heaps);
	EXPECT_EQ(U64(1), st.contexts);
	EXPECT_EQ(U64(WSHEAP_SPAN), st.span);
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
}

TEST(ctx_bad_args)
{
	struct wsheap_ctx_stats st;

	EXPECT_EQ(-EINVAL, wsheap_ctx_open(NULL));
	EXPECT_EQ(-EINVAL, wsheap_ctx_close(NULL));
	EXPECT_EQ(-EINVAL, wsheap_ctx_default(NULL));
	EXPECT_EQ(-EINVAL, wsheap_ctx_stats(NULL, NULL));
	(void)st;
	EXPECT_EQ(NULL, wsheap_ctx_of(NULL));
}

TEST(ctx_close_busy_with_heap)
{
	struct wsheap_ctx *ctx;
	struct wsheap *h;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_create(ctx, 1 << 20, 0, 0, &h));
	EXPECT_EQ(ctx, wsheap_ctx_of(h));
	EXPECT_EQ(-EBUSY, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
}

TEST(ctx_default_is_shared_and_kept)
{
	struct wsheap_ctx *a, *b;
	struct wsheap *h;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_default(&a));
	ASSERT_EQ(0, wsheap_ctx_default(&b));
	EXPECT_EQ(a, b);
	EXPECT_EQ(wsheap_ctx_fd(a), wsheap_ctx_fd(NULL));
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &h));
	EXPECT_EQ(a, wsheap_ctx_of(h));
	EXPECT_EQ(-EBUSY, wsheap_ctx_close(a));
	ASSERT_EQ(0, wsheap_free(h));
	EXPECT_EQ(-EBUSY, wsheap_ctx_close(a));	/* never closed */
}

/* ---- creation ------------------------------------------------------------ */

TEST(create_bad_args)
{
	struct wsheap *h = (struct wsheap *)0x1;

	NEED_DEV();
	EXPECT_EQ(-EINVAL, wsheap_create(NULL, 100, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, wsheap_create(NULL, 100, 0, 1U << 31, &h));
	EXPECT_EQ(-EINVAL, wsheap_create(NULL, 100, 0, ~WSHEAP_HEAP_FLAGS, &h));
	EXPECT_EQ((struct wsheap *)0x1, h);
}

TEST(create_takes_no_memory)
{
	struct wsheap_stats st;
	struct wsheap_info in;
	struct wsheap *h;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h));
	st = heap_stats(h);
	EXPECT_EQ(U64(0), st.block_bytes);
	EXPECT_EQ(U64(0), st.windows);
	EXPECT_EQ(U64(0), st.mapped_bytes);
	EXPECT_EQ(U64(1), st.ioctls);	/* CREATE */
	EXPECT_EQ(U64(0), st.mmaps);
	ASSERT_EQ(0, wsheap_get_info(h, &in));
	EXPECT_EQ(U64(0), in.committed);
	EXPECT_EQ(U64(0), in.resident);
	EXPECT_EQ(U64(0), in.requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(kernel_heap_has_no_quota)
{
	struct wsheap_stats st;
	struct wsheap_info in;
	struct wsheap *h;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 12345, 777, 0, &h));
	in = heap_info(h);
	/* The library enforces max_size; the kernel heap is unlimited. */
	EXPECT_EQ(UINT64_MAX, in.max_size);
	EXPECT_EQ(U64(777), in.trim_size);
	st = heap_stats(h);
	EXPECT_EQ(U64(12345), st.max_size);
	EXPECT_EQ(U64(777), st.trim_size);
	EXPECT_EQ(st.handle, in.handle);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(stats_and_info_bad_args)
{
	struct wsheap_stats st;
	struct wsheap_info in;
	struct wsheap *h;

	NEED_DEV();
	EXPECT_EQ(-EINVAL, wsheap_stats(NULL, &st));
	EXPECT_EQ(-EINVAL, wsheap_get_info(NULL, &in));
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &h));
	EXPECT_EQ(-EINVAL, wsheap_stats(h, NULL));
	EXPECT_EQ(-EINVAL, wsheap_get_info(h, NULL));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(free_and_detach_null)
{
	EXPECT_EQ(0, wsheap_free(NULL));
	EXPECT_EQ(0, wsheap_detach(NULL));
	EXPECT_EQ(-EINVAL, wsheap_reset(NULL));
}

/* ---- allocation ---------------------------------------------------------------- */

TEST(alloc_bad_args)
{
	void *p = (void *)0x1;
	struct wsheap *h;

	NEED_DEV();
	EXPECT_EQ(-EINVAL, wsheap_alloc(NULL, 8, &p));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(NULL, 8, 16, &p));
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &h));
	EXPECT_EQ(-EINVAL, wsheap_alloc(h, 8, NULL));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 8, 16, NULL));
	EXPECT_EQ((void *)0x1, p);
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(alloc_size_zero)
{
	struct wsheap *h;
	void *p = NULL, *q = NULL;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 0, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 0, &p));
	EXPECT_NE(NULL, p);
	EXPECT_EQ(U64(0), (uintptr_t)p % 8);
	ASSERT_EQ(0, wsheap_alloc_aligned(h, 0, 1 << 20, &q));
	EXPECT_NE(NULL, q);
	EXPECT_EQ(U64(0), (uintptr_t)q % (1 << 20));
	/* No quota, no block, no system call. */
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	EXPECT_EQ(U64(1), heap_stats(h).ioctls);
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(alloc_8_byte_aligned_and_disjoint)
{
	struct range r[200];
	struct wsheap *h;
	size_t i;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, i % 67 + 1, &p));
		ASSERT_EQ(U64(0), (uintptr_t)p % 8) TH_LOG("size %zu at %p", i % 67 + 1, p);
		r[i].start = (uintptr_t)p;
		r[i].len = i % 67 + 1;
		pattern_fill(p, r[i].len, (uint32_t)i);
	}
	for (i = 0; i < 200; i++)
		ASSERT_TRUE(pattern_ok((void *)r[i].start, r[i].len, (uint32_t)i));
	ASSERT_EQ(0, ranges_overlap(r, 200));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(alloc_aligned_powers_of_two)
{
	struct wsheap *h;
	size_t align;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	for (align = 1; align <= (size_t)1 << 24; align <<= 1) {
		ASSERT_EQ(0, wsheap_alloc(h, 3, &p));	/* misalign the cursor */
		ASSERT_EQ(0, wsheap_alloc_aligned(h, 100, align, &p));
		ASSERT_EQ(U64(0), (uintptr_t)p % (align < 8 ? 8 : align))
			TH_LOG("align %zu gave %p", align, p);
		memset(p, 0x5a, 100);
	}
	/* sizes rounded up to 8, padding free (1.3) */
	EXPECT_EQ(U64(25 * (8 + 104)), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(alloc_aligned_1g)
{
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 8, &p));
	ASSERT_EQ(0, wsheap_alloc_aligned(h, 4096, WSHEAP_MAX_ALIGN, &p));
	EXPECT_EQ(U64(0), (uintptr_t)p % WSHEAP_MAX_ALIGN);
	memset(p, 1, 4096);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(alloc_aligned_bad_align)
{
	struct wsheap *h;
	void *p = (void *)0x1;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1000, 0, 0, &h));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 8, 3, &p));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 8, 24, &p));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 8, 4097, &p));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 8, (size_t)WSHEAP_MAX_ALIGN << 1, &p));
	EXPECT_EQ(-EINVAL, wsheap_alloc_aligned(h, 8, SIZE_MAX, &p));
	EXPECT_EQ((void *)0x1, p);
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	/* 0 means the default alignment. */
	ASSERT_EQ(0, wsheap_alloc_aligned(h, 8, 0, &p));
	EXPECT_EQ(U64(0), (uintptr_t)p % 8);
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- quota ---------------------------------------------------------------------- */

TEST(quota_exactly_full_then_one_over)
{
	struct wsheap *h;
	void *p, *keep = (void *)0x1;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1000, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 600, &p));
	ASSERT_EQ(0, wsheap_alloc(h, 400, &p));		/* exactly full */
	EXPECT_EQ(U64(1000), heap_stats(h).requested);
	p = keep;
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));	/* one byte over */
	EXPECT_EQ(keep, p);
	EXPECT_EQ(-ENOSPC, wsheap_alloc_aligned(h, 1, 64, &p));
	ASSERT_EQ(0, wsheap_alloc(h, 0, &p));		/* size 0 still works */
	EXPECT_EQ(U64(1000), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(quota_failure_consumes_nothing)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 60, &p));
	a = heap_stats(h);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 41, &p));
	b = heap_stats(h);
	EXPECT_EQ(a.requested, b.requested);
	EXPECT_EQ(a.free_bytes, b.free_bytes);
	EXPECT_EQ(a.ioctls, b.ioctls);
	/* 64 + 40: the quota, 100 rounded up to 8 (1.3) */
	ASSERT_EQ(0, wsheap_alloc(h, 40, &p));
	EXPECT_EQ(U64(104), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(quota_zero)
{
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 0, 0, 0, &h));
	EXPECT_EQ(0, wsheap_alloc(h, 0, &p));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, SIZE_MAX, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

/* (1.3) The quota counts what allocations take: sizes rounded up to 8. */
TEST(quota_counts_rounded_sizes)
{
	struct wsheap *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 20, 0, 0, &h));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, wsheap_alloc(h, 1, &p));	/* 8 bytes each */
	EXPECT_EQ(U64(24), heap_stats(h).requested);
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	EXPECT_EQ(U64(24), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_reset(h));
	/* 20 rounds up to 24: one allocation of 17 to 24 bytes fits */
	ASSERT_EQ(0, wsheap_alloc(h, 21, &p));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(quota_alignment_padding_is_free)
{
	struct wsheap *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 64, 0, 0, &h));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, wsheap_alloc_aligned(h, 8, 512, &p));
		EXPECT_EQ(U64(0), (uintptr_t)p % 512);
	}
	EXPECT_EQ(-ENOSPC, wsheap_alloc_aligned(h, 8, 512, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(quota_restored_by_reset)
{
	struct wsheap *h;
	void *p;
	int round;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 4096, 0, 0, &h));
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, wsheap_alloc(h, 4000, &p));
		ASSERT_EQ(0, wsheap_alloc(h, 96, &p));
		EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
		ASSERT_EQ(0, wsheap_reset(h));
		EXPECT_EQ(U64(0), heap_stats(h).requested);
	}
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(size_max_heap)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	void *p;
	int ret;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, UINT64_MAX, 0, &h));
	/* Within quota but beyond what any heap can hold: out of memory. */
	EXPECT_EQ(-ENOMEM, wsheap_alloc(h, SIZE_MAX, &p));
	EXPECT_EQ(-ENOMEM, wsheap_alloc(h, SIZE_MAX - 7, &p));
	EXPECT_EQ(-ENOMEM, wsheap_alloc(h, (size_t)2 << 40, &p));
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_alloc(h, 1 << 20, &p));
	memset(p, 7, 1 << 20);
	a = heap_stats(h);
	/* Now SIZE_MAX is over the quota by the 1 MiB already requested. */
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, SIZE_MAX, &p));
	/* 512 GiB: beyond the kernel's byte limits. */
	ret = wsheap_alloc(h, (size_t)512 << 30, &p);
	EXPECT_TRUE(ret == -ENOMEM || ret == -EDQUOT) TH_LOG("got %d", ret);
	b = heap_stats(h);
	EXPECT_EQ(a.requested, b.requested);
	/* The heap still works. */
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	memset(p, 8, 100);
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- blocks and the fast path -------------------------------------------------------- */

TEST(first_block_is_64k)
{
	struct wsheap_stats st;
	struct wsheap_info in;
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 16, &p));
	st = heap_stats(h);
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN), st.block_bytes);
	EXPECT_EQ(U64(1), st.blocks);
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN - 16), st.free_bytes);
	EXPECT_EQ(U64(2), st.ioctls);	/* CREATE, ALLOC */
	in = heap_info(h);
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN), in.requested);
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN), in.committed);
	EXPECT_GE(U64(WSHEAP_BLOCK_MIN), in.resident);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(fast_path_makes_no_system_call)
{
	struct wsheap_stats a, b;
	struct wsheap_ctx_stats ca, cb;
	struct wsheap *h;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 16, &p));	/* takes the first block */
	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_ctx_stats(wsheap_ctx_of(h), &ca));
	for (i = 0; i < 3000; i++) {		/* 3000 * 16 < 64 KiB */
		ASSERT_EQ(0, wsheap_alloc(h, 16, &p));
		*(volatile char *)p = 1;
	}
	for (i = 0; i < 50; i++)
		ASSERT_EQ(0, wsheap_alloc_aligned(h, 8, 64, &p));
	b = heap_stats(h);
	ASSERT_EQ(0, wsheap_ctx_stats(wsheap_ctx_of(h), &cb));
	EXPECT_EQ(a.ioctls, b.ioctls);
	EXPECT_EQ(a.mmaps, b.mmaps);
	EXPECT_EQ(ca.ioctls, cb.ioctls);
	EXPECT_EQ(ca.mmaps, cb.mmaps);
	EXPECT_EQ(a.blocks, b.blocks);
	ASSERT_EQ(0, wsheap_free(h));
}

/*
 * (1.3, WSHEAP_INLINE_ABI 3) The inline path only moves the cursor: the
 * quota and requested come from it.  Mixed sizes, inline, count rounded up
 * to 8; the quota stops the inline path exactly where it runs out; a reset
 * within the trim is in place (no system call, the kernel's generation and
 * cursor stay) and gives requested and the whole quota back.
 */
TEST(inline_path_quota_and_requested_from_the_cursor)
{
	const uint64_t quota = 20000;
	struct wsheap_stats a, b;
	struct wsheap_info in;
	struct wsheap *h;
	uint64_t sum;
	size_t sz;
	void *p;
	int round, i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, quota, 1 << 20, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 8, &p));	/* takes the one block */
	ASSERT_EQ(0, wsheap_reset(h));
	a = heap_stats(h);
	for (round = 0; round < 50; round++) {
		sum = 0;
		for (i = 0;; i++) {
			sz = 1 + (size_t)(i * 7 + round) % 64;
			if (sum + ((sz + 7) & ~(size_t)7) > quota)
				break;
			ASSERT_EQ(0, wsheap_alloc(h, sz, &p))
				TH_LOG("round %d allocation %d", round, i);
			memset(p, round, sz);
			sum += (sz + 7) & ~(size_t)7;
			ASSERT_EQ(sum, heap_stats(h).requested);
		}
		/* the rounded sizes fill the quota to within one size */
		EXPECT_EQ(-ENOSPC, wsheap_alloc(h, sz, &p));
		EXPECT_EQ(sum, heap_stats(h).requested);
		ASSERT_EQ(0, wsheap_alloc(h, quota - sum, &p));
		EXPECT_EQ(quota, heap_stats(h).requested);
		EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
		ASSERT_EQ(0, wsheap_reset(h));
		EXPECT_EQ(U64(0), heap_stats(h).requested);
	}
	b = heap_stats(h);
	/* 50 generations, not one system call (INFO below is the first) */
	EXPECT_EQ(a.ioctls, b.ioctls);
	EXPECT_EQ(a.mmaps, b.mmaps);
	EXPECT_EQ(U64(1), b.blocks);
	EXPECT_EQ(a.generation + 50, b.generation);
	in = heap_info(h);
	EXPECT_EQ(U64(0), in.generation);
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN), in.cursor);
	ASSERT_EQ(0, wsheap_free(h));
}

/*
 * An exported heap is never served inline: a reset by an importer is seen
 * by the exporter's next allocation, which the block would have room for,
 * and its next in-block allocations make no system call all the same.
 */
TEST(exported_heap_allocates_in_the_slow_path)
{
	struct wsheap_stats a, b;
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	char *p, *q;
	int fd, i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1000, 1 << 20, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&p));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, 0, &im));
	close(fd);
	a = heap_stats(h);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&q));
	b = heap_stats(h);
	EXPECT_EQ(a.ioctls, b.ioctls);
	EXPECT_EQ(U64(9 * 104), b.requested);
	/* the quota holds on the slow path too */
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 100, (void **)&q));
	ASSERT_EQ(0, wsheap_reset(im));
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&q));
	b = heap_stats(h);
	EXPECT_EQ(U64(1), b.foreign_resets);
	EXPECT_EQ(U64(104), b.requested);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(slow, ioctls_for_1e6_allocs_of_64b, 120)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	uint64_t n;
	void *p;
	long i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	a = heap_stats(h);
	for (i = 0; i < 1000000; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
		((uint64_t *)p)[0] = (uint64_t)i;
	}
	b = heap_stats(h);
	n = b.ioctls - a.ioctls;
	ksft_print_msg("ioctls for 1e6 x 64B: %llu\n", (unsigned long long)n);
	ksft_print_msg("blocks %llu, block bytes %llu, mmaps %llu\n",
		       (unsigned long long)b.blocks,
		       (unsigned long long)b.block_bytes,
		       (unsigned long long)(b.mmaps - a.mmaps));
	fflush(stdout);
	EXPECT_LE(n, U64(40));
	EXPECT_LE(b.mmaps - a.mmaps, U64(40));
	EXPECT_EQ(U64(64000000), b.requested);
	EXPECT_GE(b.block_bytes, b.requested);
	EXPECT_LE(b.block_bytes, 2 * b.requested + WSHEAP_BLOCK_MAX);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(big_request_gets_its_own_block)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	void *small, *big, *next;
	size_t bigsz = (size_t)300 << 20;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, &small));
	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_alloc(h, bigsz, &big));
	EXPECT_EQ(U64(0), (uintptr_t)big % 8);
	((char *)big)[0] = 1;
	((char *)big)[bigsz / 2] = 2;
	((char *)big)[bigsz - 1] = 3;
	b = heap_stats(h);
	EXPECT_EQ(a.blocks + 1, b.blocks);
	EXPECT_EQ(a.block_bytes + page_align(bigsz), b.block_bytes);
	/* The 64 KiB block stays current: the next small request is free. */
	ASSERT_EQ(0, wsheap_alloc(h, 64, &next));
	EXPECT_EQ((uintptr_t)small + 64, (uintptr_t)next);
	EXPECT_EQ(b.ioctls, heap_stats(h).ioctls);
	EXPECT_EQ(1, ((char *)big)[0]);
	EXPECT_EQ(3, ((char *)big)[bigsz - 1]);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(slow, mixed_sizes_never_overlap, 120)
{
	const size_t n = 20000;
	struct range *r = calloc(n, sizeof(*r));
	uint32_t seed = 12345;
	struct wsheap *h;
	size_t i, sz;
	void *p;

	NEED_DEV();
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	for (i = 0; i < n; i++) {
		uint32_t x = rnd(&seed);

		if (x % 1000 == 0)
			sz = 1 + x % (4 << 20);		/* up to 4 MiB */
		else if (x % 10 == 0)
			sz = 1 + x % 20000;
		else
			sz = 1 + x % 200;
		if (x % 7 == 0) {
			ASSERT_EQ(0, wsheap_alloc_aligned(h, sz, (size_t)8 << (x % 10), &p));
		} else {
			ASSERT_EQ(0, wsheap_alloc(h, sz, &p));
		}
		r[i].start = (uintptr_t)p;
		r[i].len = sz;
		pattern_fill(p, sz - 1 < 64 ? sz - 1 : 64, (uint32_t)i);
		((unsigned char *)p)[sz - 1] = (unsigned char)i;
	}
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(pattern_ok((void *)r[i].start,
				       r[i].len - 1 < 64 ? r[i].len - 1 : 64,
				       (uint32_t)i))
			TH_LOG("allocation %zu overwritten", i);
		ASSERT_EQ((unsigned char)i,
			  ((unsigned char *)r[i].start)[r[i].len - 1]);
	}
	ASSERT_EQ(0, ranges_overlap(r, n));
	ASSERT_EQ(0, wsheap_free(h));
	free(r);
}

TEST(exported_slow_path_symbol)
{
	struct wsheap *h;
	void *p = NULL;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &h));
	ASSERT_EQ(0, __wsheap_alloc_slow_v3(h, 10, 0, &p));
	EXPECT_EQ(U64(0), (uintptr_t)p % 8);
	EXPECT_EQ(-EINVAL, __wsheap_alloc_slow_v3(h, 10, 12, &p));
	EXPECT_EQ(U64(16), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- reset and trim ------------------------------------------------------------ */

/*
 * ABI 2's RESET writes nothing back: one ioctl per reset all the same, and
 * the library knows the kernel's generation, counted (no status page) or
 * read from the status page (from the fourth round on), for both kinds of
 * heap.
 */
TEST(reset_is_one_ioctl_and_knows_the_generation)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	int i, ts;
	uint64_t g;
	void *p;

	NEED_DEV();
	for (ts = 0; ts < 2; ts++) {
		ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0,
					   ts ? WSHEAP_HEAP_THREADSAFE : 0, &h));
		for (i = 1; i <= 6; i++) {
			if (i == 4)
				ASSERT_EQ(0, wsheap_generation(h, &g));
			ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
			a = heap_stats(h);
			ASSERT_EQ(0, wsheap_reset(h));
			b = heap_stats(h);
			EXPECT_EQ(a.ioctls + 1, b.ioctls) TH_LOG("round %d", i);
			EXPECT_EQ(U64(i), b.kernel_generation) TH_LOG("round %d", i);
			EXPECT_EQ(U64(i), heap_info(h).generation);
		}
		ASSERT_EQ(0, wsheap_generation(h, &g));
		EXPECT_EQ(U64(6), g);
		EXPECT_EQ(U64(0), heap_stats(h).foreign_resets);
		ASSERT_EQ(0, wsheap_free(h));
	}
}

TEST(reset_reuses_memory_and_mappings)
{
	struct wsheap_stats a, b;
	struct wsheap_info in;
	struct wsheap *h;
	void *p1, *p2;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p1));
	memset(p1, 0xab, 100);
	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_reset(h));
	/* The one block fits in the trim: rewound in place, no system call. */
	EXPECT_EQ(a.ioctls, heap_stats(h).ioctls);
	in = heap_info(h);
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN), in.cursor);
	EXPECT_EQ(U64(0), in.generation);
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	EXPECT_EQ(U64(1), heap_stats(h).generation);
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p2));
	b = heap_stats(h);
	/* The same block again, so the same window and address. */
	EXPECT_EQ(p1, p2);
	EXPECT_EQ(a.mmaps, b.mmaps);
	EXPECT_EQ(a.windows, b.windows);
	EXPECT_EQ(a.ioctls + 1, b.ioctls);	/* the INFO above, no ALLOC */
	/* Kept pages keep their data without ZERO_ON_RESET. */
	EXPECT_EQ(0xab, *(unsigned char *)p2);
	ASSERT_EQ(0, wsheap_free(h));
}

/* What the kernel must give back, or others must see, goes to the kernel. */
TEST(reset_goes_to_the_kernel_when_it_must)
{
	struct wsheap_stats a;
	struct wsheap_info in;
	struct wsheap *h;
	uint64_t g;
	void *p;
	int i;

	NEED_DEV();
	/* Blocks beyond the trim: the kernel frees them. */
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 64 << 10, 0, &h));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, wsheap_alloc(h, 60 << 10, &p));
	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_EQ(a.ioctls + 1, heap_stats(h).ioctls);
	in = heap_info(h);
	EXPECT_EQ(U64(1), in.generation);
	EXPECT_EQ(U64(0), in.cursor);
	EXPECT_LE(in.committed, U64(64 << 10));
	/*
	 * Small generations settle on one block within the trim (the first
	 * block after the big generation is sized for it, and goes back):
	 * then every reset is in place.
	 */
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, 1000, &p));
		ASSERT_EQ(0, wsheap_reset(h));
	}
	a = heap_stats(h);
	for (i = 0; i < 90; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, 1000, &p));
		ASSERT_EQ(0, wsheap_reset(h));
	}
	EXPECT_EQ(a.ioctls, heap_stats(h).ioctls);
	EXPECT_EQ(U64(101), heap_stats(h).generation);
	EXPECT_LE(heap_info(h).committed, U64(64 << 10));
	/* Once the status page is in use, every reset moves the generation. */
	ASSERT_EQ(0, wsheap_generation(h, &g));
	ASSERT_EQ(0, wsheap_alloc(h, 1000, &p));
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_EQ(g + 1, heap_info(h).generation);
	ASSERT_EQ(0, wsheap_free(h));

	/* ZERO_ON_RESET: the kernel zeroes what it keeps. */
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20,
				   WSHEAP_HEAP_ZERO_ON_RESET, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	memset(p, 0xcd, 100);
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_EQ(U64(1), heap_info(h).generation);
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	EXPECT_EQ(0, *(unsigned char *)p);
	ASSERT_EQ(0, wsheap_free(h));
}

static void check_trim(struct __test_metadata *_metadata, uint64_t trim,
		       size_t touch)
{
	struct wsheap_info in;
	struct wsheap *h;
	uint64_t kept;
	void *p;

	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, trim, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, touch, &p));
	memset(p, 0x11, touch);
	in = heap_info(h);
	EXPECT_GE(in.committed, U64(touch));
	EXPECT_GE(in.resident, U64(touch));
	ASSERT_EQ(0, wsheap_reset(h));
	in = heap_info(h);
	kept = page_align(trim);
	/* The kernel keeps page_align(trim); the library keeps nothing more. */
	EXPECT_LE(in.committed, kept) TH_LOG("trim %llu committed %llu",
					     (unsigned long long)trim,
					     (unsigned long long)in.committed);
	EXPECT_LE(in.resident, kept) TH_LOG("trim %llu resident %llu",
					    (unsigned long long)trim,
					    (unsigned long long)in.resident);
	EXPECT_LE(in.resident, in.committed);
	EXPECT_EQ(U64(0), in.requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(reset_trim_zero_keeps_nothing)
{
	NEED_DEV();
	check_trim(_metadata, 0, 4 << 20);
}

TEST(reset_trim_partial_page)
{
	NEED_DEV();
	check_trim(_metadata, 3 * page_size() + 100, 4 << 20);
}

TEST(reset_trim_keeps_up_to_trim)
{
	struct wsheap_info in;
	struct wsheap *h;
	void *p;

	NEED_DEV();
	check_trim(_metadata, 1 << 20, 8 << 20);
	/* Trim larger than what was used: everything committed stays. */
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 64 << 20, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100000, &p));
	memset(p, 1, 100000);
	in = heap_info(h);
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_EQ(in.committed, heap_info(h).committed);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(slow, reset_10000_times_no_mapping_leak, 300)
{
	struct wsheap_stats warm = { 0 }, end;
	int maps_before = 0, maps_after, i, j, rounds = (int)wsh_scaled(10000);
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 64 << 10, 0, &h));
	for (i = 0; i < rounds; i++) {
		for (j = 0; j < 8; j++) {
			ASSERT_EQ(0, wsheap_alloc(h, 1000 + (size_t)j * 5000, &p));
			*(volatile char *)p = (char)j;
		}
		ASSERT_EQ(0, wsheap_reset(h));
		if (i == 10) {
			warm = heap_stats(h);
			maps_before = count_maps();
		}
	}
	end = heap_stats(h);
	maps_after = count_maps();
	ksft_print_msg("10^4 resets: ioctls %llu, mmaps %llu, munmaps %llu, windows %llu\n",
		       (unsigned long long)end.ioctls,
		       (unsigned long long)end.mmaps,
		       (unsigned long long)end.munmaps,
		       (unsigned long long)end.windows);
	fflush(stdout);
	EXPECT_EQ(warm.mmaps, end.mmaps);
	EXPECT_EQ(warm.windows, end.windows);
	EXPECT_LE(end.windows, U64(8));
	EXPECT_EQ(maps_before, maps_after);
	EXPECT_EQ(U64(rounds), end.generation);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_F_TIMEOUT(slow, reset_varying_generations_bounded, 120)
{
	struct wsheap_stats st;
	uint64_t max_windows = 0;
	struct wsheap *h;
	int i, j, n;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	for (i = 0; i < wsh_scaled(2000); i++) {
		/* Alternate tiny, mid and large generations. */
		n = (i % 3 == 0) ? 1 : (i % 3 == 1) ? 40 : 400;
		for (j = 0; j < n; j++) {
			ASSERT_EQ(0, wsheap_alloc(h, 4000 + (size_t)(i % 5) * 1000, &p));
			*(volatile char *)p = 1;
		}
		if (i % 50 == 0) {
			ASSERT_EQ(0, wsheap_alloc(h, (size_t)(3 << 20) + (size_t)i * 4096, &p));
			*(volatile char *)p = 1;
		}
		st = heap_stats(h);
		if (st.windows > max_windows)
			max_windows = st.windows;
		ASSERT_EQ(0, wsheap_reset(h));
	}
	st = heap_stats(h);
	ksft_print_msg("varying generations: max windows %llu, mmaps %llu, munmaps %llu\n",
		       (unsigned long long)max_windows,
		       (unsigned long long)st.mmaps,
		       (unsigned long long)st.munmaps);
	fflush(stdout);
	EXPECT_LE(max_windows, U64(32));
	EXPECT_LE(st.mmaps - st.munmaps, U64(32));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(zero_on_reset_flag)
{
	struct wsheap_ctx_stats cs;
	struct wsheap *h;
	unsigned char *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_stats(NULL, &cs));
	if (!(cs.create_flags & WSHEAP_CREATE_ZERO_ON_RESET))
		SKIP(return, "module lacks ZERO_ON_RESET");
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20, WSHEAP_HEAP_ZERO_ON_RESET, &h));
	ASSERT_EQ(WSHEAP_HEAP_ZERO_ON_RESET, heap_stats(h).flags);
	ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
	memset(p, 0xcd, 4096);
	ASSERT_EQ(0, wsheap_reset(h));
	ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
	for (i = 0; i < 4096; i++)
		ASSERT_EQ(0, p[i]);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(populate_flag)
{
	struct wsheap_ctx_stats cs;
	struct wsheap_info in;
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_stats(NULL, &cs));
	if (!(cs.create_flags & WSHEAP_CREATE_POPULATE))
		SKIP(return, "module lacks POPULATE");
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_POPULATE, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 8, &p));
	in = heap_info(h);
	EXPECT_EQ(in.committed, in.resident);
	EXPECT_EQ(0, *(char *)p);	/* populated pages are zeroed */
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- scale ----------------------------------------------------------------------- */

TEST_F_TIMEOUT(slow, heaps_1000_at_once, 120)
{
	const int n = (int)wsh_scaled(1000);
	struct wsheap **h = calloc(n, sizeof(*h));
	void **p = calloc(n, sizeof(*p));
	int i;

	NEED_DEV();
	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, p);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, wsheap_create(NULL, 1 << 20, 0, 0, &h[i])) TH_LOG("heap %d", i);
		ASSERT_EQ(0, wsheap_alloc(h[i], 256, &p[i]));
		pattern_fill(p[i], 256, (uint32_t)i);
	}
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(pattern_ok(p[i], 256, (uint32_t)i)) TH_LOG("heap %d", i);
		ASSERT_EQ(0, wsheap_free(h[i]));
	}
	free(h);
	free(p);
}

TEST_F_TIMEOUT(slow, heaps_beyond_one_context_limit, 300)
{
	const int n = wsh_beyond_heap_limit(5000);	/* > max_heaps_per_context */
	struct wsheap_ctx_stats cs;
	struct wsheap **h = calloc(n, sizeof(*h));
	int i;

	NEED_DEV();
	ASSERT_NE(NULL, h);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &h[i])) TH_LOG("heap %d", i);
	ASSERT_EQ(0, wsheap_ctx_stats(NULL, &cs));
	EXPECT_EQ(U64(n), cs.heaps);
	ksft_print_msg("%d heaps in %llu default contexts\n", n,
		       (unsigned long long)cs.contexts);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		void *p;

		ASSERT_EQ(0, wsheap_alloc(h[i], 8, &p));
		*(int *)p = i;
	}
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, wsheap_free(h[i]));
	free(h);
}

TEST_F_TIMEOUT(slow, explicit_context_heap_limit, 300)
{
	struct wsheap_ctx *ctx;
	struct wsheap **h;
	long limit = 0, i;
	FILE *f;
	int ret;

	NEED_DEV();
	f = fopen("/sys/module/wsheap/parameters/max_heaps_per_context", "r");
	if (!f || fscanf(f, "%ld", &limit) != 1 || limit <= 0 || limit > 20000) {
		if (f)
			fclose(f);
		SKIP(return, "max_heaps_per_context unknown or too large");
	}
	fclose(f);
	h = calloc((size_t)limit, sizeof(*h));
	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	for (i = 0; i < limit; i++)
		ASSERT_EQ(0, wsheap_create(ctx, 1, 0, 0, &h[i])) TH_LOG("heap %ld", i);
	{
		struct wsheap *extra;

		ret = wsheap_create(ctx, 1, 0, 0, &extra);
		EXPECT_EQ(-EMFILE, ret);
	}
	for (i = 0; i < limit; i++)
		ASSERT_EQ(0, wsheap_free(h[i]));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	free(h);
}

TEST(detach_keeps_the_kernel_heap)
{
	struct wsheap_destroy d;
	struct wsheap_info in;
	struct wsheap_ctx *ctx;
	struct wsheap *h;
	uint32_t handle;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_create(ctx, 1000, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	handle = heap_stats(h).handle;
	ASSERT_EQ(0, wsheap_detach(h));
	/* The kernel heap still exists in the context ... */
	memset(&in, 0, sizeof(in));
	in.handle = handle;
	ASSERT_EQ(0, ioctl(wsheap_ctx_fd(ctx), WSHEAP_IOC_INFO, &in));
	EXPECT_EQ(U64(WSHEAP_BLOCK_MIN), in.requested);
	/* ... until someone destroys it. */
	memset(&d, 0, sizeof(d));
	d.handle = handle;
	ASSERT_EQ(0, ioctl(wsheap_ctx_fd(ctx), WSHEAP_IOC_DESTROY, &d));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
}

TEST(span_exhaustion_is_enomem)
{
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	EXPECT_EQ(-ENOMEM, wsheap_alloc(h, (size_t)WSHEAP_SPAN + 1, &p));
	EXPECT_EQ(-ENOMEM, wsheap_alloc_aligned(h, (size_t)WSHEAP_SPAN + 1, 1 << 20, &p));
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_HARNESS_MAIN
