// SPDX-License-Identifier: GPL-2.0
/*
 * Savepoints (issue 14): wsheap_mark() and wsheap_rewind(), and the WWSAPI
 * extensions WsheapMarkHeap() and WsheapRewindHeap().
 */
#include "wsheap_test.h"
#include <webservices.h>

TEST(rewind_within_a_block)
{
	struct wsheap_stats a, b;
	struct wsheap_mark m;
	struct wsheap *h;
	char *p, *q, *r;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&p));
	strcpy(p, "kept");
	ASSERT_EQ(0, wsheap_mark(h, &m));
	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_alloc(h, 50, (void **)&q));
	ASSERT_EQ(0, wsheap_alloc(h, 3000, (void **)&r));
	memset(q, 1, 50);
	memset(r, 2, 3000);
	EXPECT_EQ(U64(104 + 56 + 3000), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_rewind(h, &m));
	b = heap_stats(h);
	EXPECT_EQ(U64(104), b.requested);
	EXPECT_EQ(a.free_bytes, b.free_bytes);
	EXPECT_EQ(a.ioctls, b.ioctls);		/* no system call */
	EXPECT_STREQ("kept", p);
	/* the memory after the mark is handed out again */
	ASSERT_EQ(0, wsheap_alloc(h, 8, (void **)&r));
	EXPECT_EQ(q, r);
	/* the same mark again: it is still at or behind the cursor */
	ASSERT_EQ(0, wsheap_rewind(h, &m));
	EXPECT_EQ(U64(104), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(marks_nest)
{
	struct wsheap_mark outer, inner;
	struct wsheap *h;
	void *p, *q, *r;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_mark(h, &outer));	/* before any block */
	ASSERT_EQ(0, wsheap_alloc(h, 16, &p));
	ASSERT_EQ(0, wsheap_mark(h, &inner));
	ASSERT_EQ(0, wsheap_alloc(h, 16, &q));
	ASSERT_EQ(0, wsheap_rewind(h, &inner));
	EXPECT_EQ(U64(16), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_alloc(h, 16, &r));
	EXPECT_EQ(q, r);
	ASSERT_EQ(0, wsheap_rewind(h, &outer));
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	/* the inner mark is beyond the heap now */
	EXPECT_EQ(-ESTALE, wsheap_rewind(h, &inner));
	ASSERT_EQ(0, wsheap_alloc(h, 16, &r));
	EXPECT_EQ(p, r);	/* the block was kept as a spare */
	ASSERT_EQ(0, wsheap_free(h));
}

/* Blocks taken since the mark are reused, not asked of the kernel again. */
TEST(rewind_across_blocks_reuses_them)
{
	struct wsheap_stats a, b;
	struct wsheap_mark m;
	struct wsheap *h;
	char *p, *first = NULL;
	int i, round;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 64 << 10, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	strcpy(p, "before");
	ASSERT_EQ(0, wsheap_mark(h, &m));
	a = heap_stats(h);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 256; i++) {	/* 1 MiB: several blocks */
			ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
			memset(p, round, 4096);
			if (round == 0 && i == 0)
				first = p;
		}
		if (round == 0)
			a = heap_stats(h);
		b = heap_stats(h);
		EXPECT_EQ(a.ioctls, b.ioctls) TH_LOG("round %d", round);
		EXPECT_EQ(a.block_bytes, b.block_bytes);
		EXPECT_EQ(U64(64 + 256 * 4096), b.requested);
		ASSERT_EQ(0, wsheap_rewind(h, &m));
		EXPECT_EQ(U64(64), heap_stats(h).requested);
	}
	ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
	EXPECT_EQ(first, p);
	/* a reset gives the spares back to the kernel by the trim rules */
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_LE(heap_info(h).committed, U64(64 << 10));
	EXPECT_EQ(U64(0), heap_stats(h).requested);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(rewind_gives_the_quota_back)
{
	struct wsheap_mark m;
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1000, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 600, &p));
	ASSERT_EQ(0, wsheap_mark(h, &m));
	ASSERT_EQ(0, wsheap_alloc(h, 400, &p));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	ASSERT_EQ(0, wsheap_rewind(h, &m));
	ASSERT_EQ(0, wsheap_alloc(h, 400, &p));
	EXPECT_EQ(-ENOSPC, wsheap_alloc(h, 1, &p));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(mark_from_before_a_reset_is_stale)
{
	struct wsheap_mark m;
	struct wsheap *h;
	void *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	ASSERT_EQ(0, wsheap_mark(h, &m));
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	ASSERT_EQ(0, wsheap_reset(h));		/* in place */
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	EXPECT_EQ(-ESTALE, wsheap_rewind(h, &m));
	EXPECT_EQ(U64(128), heap_stats(h).requested);
	EXPECT_EQ(-EINVAL, wsheap_rewind(h, NULL));
	EXPECT_EQ(-EINVAL, wsheap_mark(NULL, &m));
	ASSERT_EQ(0, wsheap_free(h));
}

/* Shared, inherited and thread-safe heaps refuse: others allocate there. */
TEST(shared_and_threadsafe_heaps_refuse)
{
	struct wsheap_mark m;
	struct wsheap *h, *im;
	void *p;
	pid_t pid;
	int fd, status;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_THREADSAFE,
				   &h));
	EXPECT_EQ(-EOPNOTSUPP, wsheap_mark(h, &m));
	ASSERT_EQ(0, wsheap_free(h));

	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	ASSERT_EQ(0, wsheap_mark(h, &m));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wsheap_rewind(h, &m) == -EOPNOTSUPP ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* the parent, too, shares the kernel heap with the child now */
	EXPECT_EQ(-EOPNOTSUPP, wsheap_rewind(h, &m));
	ASSERT_EQ(0, wsheap_free(h));

	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_export(h, WSHEAP_SHARE_RDONLY, &fd));
	EXPECT_EQ(-EOPNOTSUPP, wsheap_mark(h, &m));
	ASSERT_EQ(0, wsheap_import(NULL, fd, 0, &im));
	close(fd);
	EXPECT_EQ(-EPERM, wsheap_mark(im, &m));
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(ws_mark_and_rewind)
{
	WSHEAP_HEAP_MARK m, stale;
	WS_HEAP *h;
	SIZE_T req;
	void *p;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(100, 4096, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 30, &p, NULL));
	ASSERT_EQ(S_OK, WsheapMarkHeap(h, &m, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 70, &p, NULL));	/* exactly maxSize */
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 1, &p, NULL));
	ASSERT_EQ(S_OK, WsheapRewindHeap(h, &m, NULL));
	ASSERT_EQ(S_OK, WsGetHeapProperty(h, WS_HEAP_PROPERTY_REQUESTED_SIZE,
					  &req, sizeof(req), NULL));
	EXPECT_EQ((SIZE_T)30, req);
	/* the exact sizes again: 70 fits, 71 does not */
	EXPECT_EQ(WS_E_QUOTA_EXCEEDED, WsAlloc(h, 71, &p, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 70, &p, NULL));
	stale = m;
	ASSERT_EQ(S_OK, WsResetHeap(h, NULL));
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsheapRewindHeap(h, &stale, NULL));
	EXPECT_EQ(E_INVALIDARG, WsheapMarkHeap(h, NULL, NULL));
	WsFreeHeap(h);
}

TEST_HARNESS_MAIN
