// SPDX-License-Identifier: GPL-2.0
/*
 * The inline fast path's ABI (WSHEAP_INLINE_ABI): the fields of struct
 * wsheap that programs inline never move, the caller-allocated structs keep
 * their size, and a program built for contract 1 (the 1.0 headers: four
 * fields, the quota checked inline, __wsheap_alloc_slow) still allocates
 * correctly from heaps of this library.  That the dynamic loader refuses a
 * contract-3 program on an older library is checked on the host by make
 * install-check (tests/lib/abi/).
 */
#include <stddef.h>

#include "wsheap_test.h"
#include "abi/wsheap_v1.h"

/*
 * Contract 1's fields are the head of the struct; contract 3, what this
 * header inlines, reads cur and end only, but every field keeps its place.
 */
_Static_assert(WSHEAP_INLINE_ABI == 3, "update the layout checks");
_Static_assert(offsetof(struct wsheap, cur) == offsetof(struct wsheap_v1, cur), "cur");
_Static_assert(offsetof(struct wsheap, end) == offsetof(struct wsheap_v1, end), "end");
_Static_assert(offsetof(struct wsheap, requested) == offsetof(struct wsheap_v1, requested), "requested");
_Static_assert(offsetof(struct wsheap, max_size) == offsetof(struct wsheap_v1, max_size), "max_size");
_Static_assert(offsetof(struct wsheap, gen_ptr) == 32, "gen_ptr");
_Static_assert(offsetof(struct wsheap, gen) == 40, "gen");
/* Filled by the library into the caller's memory: sizes as in 1.0. */
_Static_assert(sizeof(struct wsheap_stats) == 136, "wsheap_stats grew");
_Static_assert(sizeof(struct wsheap_ctx_stats) == 96, "wsheap_ctx_stats grew");

TEST(v1_inline_path_quota_and_blocks)
{
	const size_t n = 20000, max = 20000 * 24;	/* the sizes' sum */
	struct range *r = calloc(n, sizeof(*r));
	struct wsheap *h;
	size_t i, sz;
	void *p;

	NEED_DEV();
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, wsheap_create(NULL, max, 0, 0, &h));
	/*
	 * sizes 24 - 8k and 24 + 8k in turn (multiples of 8, which the quota
	 * counts as they are: 1.3 rounds sizes up to 8): it ends exactly at n
	 */
	for (i = 0; i < n; i++) {
		sz = i % 2 ? 24 + 8 * (i / 2 % 3) : 24 - 8 * (i / 2 % 3);
		ASSERT_EQ(0, v1_alloc(h, sz, &p)) TH_LOG("allocation %zu", i);
		ASSERT_EQ(U64(0), (uintptr_t)p % 8);
		memset(p, (int)i, sz);
		r[i].start = (uintptr_t)p;
		r[i].len = sz;
	}
	EXPECT_EQ(U64(max), heap_stats(h).requested);
	EXPECT_EQ(-ENOSPC, v1_alloc(h, 1, &p));
	EXPECT_EQ(0, v1_alloc(h, 0, &p));
	EXPECT_NE(NULL, p);
	for (i = 0; i < n; i++)
		ASSERT_EQ((unsigned char)i, *(unsigned char *)r[i].start);
	ASSERT_EQ(0, ranges_overlap(r, n));
	EXPECT_LT(U64(1), heap_stats(h).blocks);

	/* A reset gives the full quota back to the layout-1 path too. */
	ASSERT_EQ(0, wsheap_reset(h));
	ASSERT_EQ(0, v1_alloc(h, max, &p));
	EXPECT_EQ(-ENOSPC, v1_alloc(h, 1, &p));
	ASSERT_EQ(0, wsheap_free(h));
	free(r);
}

TEST(v1_and_v2_paths_share_one_heap)
{
	struct wsheap *h;
	void *a, *b, *c;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1000, 0, 0, &h));
	ASSERT_EQ(0, v1_alloc(h, 100, &a));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &b));
	/* padding beyond the quota's room: the slow path pads, for free */
	ASSERT_EQ(0, v1_alloc_aligned(h, 100, 4096, &c));
	EXPECT_EQ(U64(0), (uintptr_t)c % 4096);
	EXPECT_EQ((uintptr_t)a + 104, (uintptr_t)b);
	/* three times 100 rounded up to 8 (1.3) */
	EXPECT_EQ(U64(312), heap_stats(h).requested);
	EXPECT_EQ(-ENOSPC, v1_alloc(h, 689, &a));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 689, &a));
	ASSERT_EQ(0, v1_alloc(h, 688, &a));
	EXPECT_EQ(-ENOSPC, v1_alloc(h, 1, &a));
	ASSERT_EQ(0, wsheap_free(h));
}

/* A thread-safe heap's inline fields send layout 1 to the slow path too. */
TEST(v1_inline_path_on_threadsafe_heap)
{
	struct wsheap *h;
	void *p, *q;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 64, 0, WSHEAP_HEAP_THREADSAFE, &h));
	ASSERT_EQ(0, v1_alloc(h, 32, &p));
	ASSERT_EQ(0, v1_alloc(h, 32, &q));
	EXPECT_EQ((uintptr_t)p + 32, (uintptr_t)q);
	EXPECT_EQ(-ENOSPC, v1_alloc(h, 1, &p));
	EXPECT_EQ(U64(64), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(v1_read_only_import_refuses)
{
	struct wsheap *h, *ro;
	void *p;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1000, 0, 0, &h));
	ASSERT_EQ(0, wsheap_export(h, WSHEAP_SHARE_RDONLY, &fd));
	ASSERT_EQ(0, wsheap_import(NULL, fd, 0, &ro));
	close(fd);
	EXPECT_EQ(-EPERM, v1_alloc(ro, 8, &p));
	ASSERT_EQ(0, wsheap_free(ro));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_HARNESS_MAIN
