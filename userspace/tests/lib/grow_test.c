// SPDX-License-Identifier: GPL-2.0
/*
 * Growing the most recent allocation in place (issue 14): wsheap_grow()
 * and wsheap_realloc().
 */
#include "wsheap_test.h"

TEST(grow_in_place_moves_the_cursor_and_requested)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	char *p, *q;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 10, (void **)&p));
	memset(p, 'a', 10);
	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_grow(h, p, 1000));
	memset(p + 10, 'b', 990);
	b = heap_stats(h);
	EXPECT_EQ(U64(1000), b.requested);
	EXPECT_EQ(a.free_bytes - (1000 - 16), b.free_bytes);
	EXPECT_EQ(a.ioctls, b.ioctls);
	EXPECT_EQ('a', p[9]);
	/* the next allocation follows the grown one */
	ASSERT_EQ(0, wsheap_alloc(h, 8, (void **)&q));
	EXPECT_EQ(p + 1000, q);
	/* shrinking the most recent allocation gives the room back */
	ASSERT_EQ(0, wsheap_grow(h, q, 0));
	EXPECT_EQ(U64(1000), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(grow_fails_without_moving_anything)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	char *p, *q;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 100000, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	a = heap_stats(h);
	/* beyond the block (64 KiB) */
	EXPECT_EQ(-E2BIG, wsheap_grow(h, p, WSHEAP_BLOCK_MIN + 8));
	/* beyond the quota */
	ASSERT_EQ(0, wsheap_grow(h, p, 60000));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 40001, (void **)&q));
	ASSERT_EQ(0, wsheap_grow(h, p, 64));
	b = heap_stats(h);
	EXPECT_EQ(a.requested, b.requested);
	EXPECT_EQ(a.free_bytes, b.free_bytes);
	/* not in the current block, or not 8-aligned */
	EXPECT_EQ(-EINVAL, wsheap_grow(h, p + 1, 8));
	EXPECT_EQ(-EINVAL, wsheap_grow(h, p + 64 + 8, 8));
	EXPECT_EQ(-EINVAL, wsheap_grow(h, &a, 8));
	EXPECT_EQ(-EINVAL, wsheap_grow(h, NULL, 8));
	EXPECT_EQ(a.requested, heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));

	ASSERT_EQ(0, wsheap_create(NULL, 1000, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 8, (void **)&p));
	EXPECT_EQ(-ENOSPC, wsheap_grow(h, p, 1001));
	ASSERT_EQ(0, wsheap_grow(h, p, 1000));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, (void **)&q));
	ASSERT_EQ(0, wsheap_free(h));

	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_THREADSAFE,
				   &h));
	ASSERT_EQ(0, wsheap_alloc(h, 8, (void **)&p));
	EXPECT_EQ(-EOPNOTSUPP, wsheap_grow(h, p, 16));
	ASSERT_EQ(0, wsheap_free(h));
}

/* A builder appending 10^5 times: O(log n) blocks, no copy in a block. */
TEST(builder_grows_in_place_then_moves)
{
	struct wsheap_stats a, b;
	size_t len = 0, size = 16, moves = 0, i;
	struct wsheap *h;
	char *buf, *nb;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, size, (void **)&buf));
	a = heap_stats(h);
	for (i = 0; i < 100000; i++) {
		if (len + 10 > size) {
			ASSERT_EQ(0, wsheap_realloc(h, buf, size, 2 * size,
						    (void **)&nb));
			moves += nb != buf;
			buf = nb;
			size *= 2;
		}
		memcpy(buf + len, "0123456789", 10);
		len += 10;
	}
	b = heap_stats(h);
	for (i = 0; i < len; i += 10)
		ASSERT_EQ(0, memcmp(buf + i, "0123456789", 10)) TH_LOG("at %zu", i);
	ksft_print_msg("1e5 appends: %zu moves, %llu ALLOC ioctls\n", moves,
		       (unsigned long long)(b.ioctls - a.ioctls));
	/* a move only when a block ran out: as many as blocks */
	EXPECT_LE(moves, U64(b.blocks));
	EXPECT_LE(b.ioctls - a.ioctls, U64(12));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(realloc_moves_what_is_not_last)
{
	struct wsheap *h;
	char *p, *q, *r;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 20, (void **)&p));
	strcpy(p, "first");
	ASSERT_EQ(0, wsheap_alloc(h, 8, (void **)&q));
	ASSERT_EQ(0, wsheap_realloc(h, p, 20, 40, (void **)&r));
	EXPECT_NE(p, r);
	EXPECT_STREQ("first", r);
	ASSERT_EQ(0, wsheap_realloc(h, r, 40, 80, (void **)&p));
	EXPECT_EQ(r, p);			/* now the last: in place */
	ASSERT_EQ(0, wsheap_realloc(h, NULL, 0, 8, (void **)&q));
	EXPECT_NE(NULL, q);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_HARNESS_MAIN
