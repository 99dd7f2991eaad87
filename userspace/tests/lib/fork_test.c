// SPDX-License-Identifier: GPL-2.0
/*
 * libwsheap and fork(): a child and its parent share the kernel heap (and
 * its pages), never the bytes they are handed.  See libwsheap(3), FORK.
 */
#include <pthread.h>

#include <webservices.h>
#include "wsheap_test.h"

#define N_ALLOCS	3000

/* A barrier shared by the processes of a test. */
static pthread_barrier_t *shared_barrier(struct __test_metadata *_metadata,
					 unsigned int count)
{
	pthread_barrierattr_t attr;
	pthread_barrier_t *b;

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(b, &attr, count))
		return NULL;
	(void)_metadata;
	return b;
}

/*
 * Allocate N_ALLOCS blocks of mixed sizes and write a pattern (@who picks
 * it), wait at @b until every process has written, then check the pattern.
 * Returns 0 when nothing was overwritten.
 */
static int alloc_write_verify(struct wsheap *h, WS_HEAP *wh, uint32_t who,
			      pthread_barrier_t *b)
{
	static void *ptr[N_ALLOCS];
	static size_t len[N_ALLOCS];
	uint32_t seed = who * 7919 + 1;
	int i, bad = 0;

	for (i = 0; i < N_ALLOCS; i++) {
		len[i] = 8 + rnd(&seed) % 120;
		if (wh) {
			if (FAILED(WsAlloc(wh, len[i], &ptr[i], NULL)))
				return 2;
		} else if (wsheap_alloc(h, len[i], &ptr[i])) {
			return 2;
		}
		pattern_fill(ptr[i], len[i], (who << 20) | (uint32_t)i);
	}
	pthread_barrier_wait(b);
	for (i = 0; i < N_ALLOCS; i++)
		if (!pattern_ok(ptr[i], len[i], (who << 20) | (uint32_t)i))
			bad = 1;
	pthread_barrier_wait(b);	/* nobody exits before all checked */
	return bad;
}

static void fork_disjoint(struct __test_metadata *_metadata, unsigned int flags)
{
	pthread_barrier_t *b = shared_barrier(_metadata, 2);
	struct wsheap *h;
	void *p;
	pid_t pid;

	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, flags, &h));
	/* The parent has a current block with room left when it forks. */
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	memset(p, 0x77, 64);
	ASSERT_LT(U64(1000), heap_stats(h).free_bytes);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(alloc_write_verify(h, NULL, 2, b));
	EXPECT_EQ(0, alloc_write_verify(h, NULL, 1, b))
		TH_LOG("parent saw overwritten memory");
	expect_child_ok(_metadata, pid);
	EXPECT_EQ(0x77, ((unsigned char *)p)[63]);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(fork_child_never_gets_the_parents_bytes)
{
	NEED_DEV();
	fork_disjoint(_metadata, 0);
}

TEST(fork_threadsafe_heap_disjoint)
{
	NEED_DEV();
	fork_disjoint(_metadata, WSHEAP_HEAP_THREADSAFE);
}

TEST(fork_wwsapi_heap_disjoint)
{
	pthread_barrier_t *b = shared_barrier(_metadata, 2);
	WS_HEAP *wh;
	void *p;
	pid_t pid;

	NEED_DEV();
	ASSERT_NE(NULL, b);
	ASSERT_EQ(S_OK, WsCreateHeap(SIZE_MAX, 0, NULL, 0, &wh, NULL));
	ASSERT_EQ(S_OK, WsAlloc(wh, 16, &p, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(alloc_write_verify(NULL, wh, 2, b));
	EXPECT_EQ(0, alloc_write_verify(NULL, wh, 1, b));
	expect_child_ok(_metadata, pid);
	WsFreeHeap(wh);
}

TEST(fork_four_children_and_parent_disjoint)
{
	pthread_barrier_t *b = shared_barrier(_metadata, 5);
	struct wsheap *h;
	pid_t pid[4];
	void *p;
	int i;

	NEED_DEV();
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 8, &p));
	for (i = 0; i < 4; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(alloc_write_verify(h, NULL, 10 + (uint32_t)i, b));
	}
	EXPECT_EQ(0, alloc_write_verify(h, NULL, 1, b));
	for (i = 0; i < 4; i++)
		expect_child_ok(_metadata, pid[i]);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(fork_memory_before_fork_is_shared)
{
	struct wsheap *h;
	char *p;
	pid_t pid;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 16, (void **)&p));
	strcpy(p, "parent");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Same pages, not a copy: the child sees and changes them. */
		if (strcmp(p, "parent"))
			_exit(1);
		strcpy(p, "child");
		_exit(0);
	}
	expect_child_ok(_metadata, pid);
	EXPECT_STREQ("child", p);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(fork_child_heaps_of_its_own)
{
	struct wsheap *h;
	char *p;
	pid_t pid;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
	memset(p, 'P', 4096);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct wsheap *mine;
		void *q;
		int i;

		/* The inherited default context serves the child too. */
		if (wsheap_create(NULL, 1 << 20, 0, 0, &mine))
			_exit(1);
		for (i = 0; i < 1000; i++) {
			if (wsheap_alloc(mine, 512, &q))
				_exit(2);
			memset(q, 'C', 512);
		}
		if (wsheap_reset(mine) || wsheap_free(mine))
			_exit(3);
		/* Forget the inherited heap without touching the kernel's. */
		_exit(wsheap_detach(h) ? 4 : 0);
	}
	expect_child_ok(_metadata, pid);
	EXPECT_EQ('P', p[0]);
	EXPECT_EQ('P', p[4095]);
	/* The parent's heap is intact and usable. */
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&p));
	memset(p, 1, 100);
	EXPECT_EQ(U64(4096 + 104), heap_stats(h).requested);	/* rounded (1.3) */
	EXPECT_EQ(U64(0), heap_info(h).generation);
	ASSERT_EQ(0, wsheap_free(h));
}

/*
 * A heap without a status page counts its own resets (ABI 2's RESET tells
 * nothing): a forked child's reset in between shows in the generation of
 * the parent's next block, counted as foreign, and the parent's state
 * follows the kernel's again.
 */
TEST(fork_child_reset_then_own_reset_the_next_block_tells)
{
	struct wsheap_stats st;
	struct wsheap *h;
	int status;
	pid_t pid;
	char *p;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wsheap_reset(h) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, wsheap_reset(h));		/* the kernel's second */
	EXPECT_EQ(U64(2), heap_info(h).generation);
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&p));
	memset(p, 7, 100);
	st = heap_stats(h);
	EXPECT_EQ(U64(2), st.kernel_generation);
	EXPECT_EQ(U64(1), st.foreign_resets);
	EXPECT_EQ(U64(104), st.requested);	/* 100 rounded up to 8 (1.3) */
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(fork_reset_in_child_resets_the_shared_heap)
{
	struct wsheap *h;
	void *p;
	pid_t pid;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wsheap_reset(h) ? 1 : 0);
	expect_child_ok(_metadata, pid);
	/* Documented: a reset by either process resets the kernel heap. */
	EXPECT_EQ(U64(1), heap_info(h).generation);
	EXPECT_EQ(U64(0), heap_info(h).requested);
	/* The parent resets too before it relies on the heap again. */
	ASSERT_EQ(0, wsheap_reset(h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	memset(p, 2, 100);
	ASSERT_EQ(0, wsheap_free(h));
}

/*
 * (1.3) After a fork, the child's allocations take the slow path, which
 * reads the heap's generation on the status page: a reset by the parent is
 * seen by the child's next allocation, although its block has room (the
 * 1.2 inline path went on bumping through the stale block).
 */
TEST(fork_child_sees_the_parents_reset_within_its_block)
{
	int go[2], done[2], status;
	struct wsheap *h;
	pid_t pid;
	char c;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct wsheap_stats st;
		void *p;

		if (wsheap_alloc(h, 100, &p))
			_exit(1);
		memset(p, 1, 100);
		if (write(done[1], "a", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		if (wsheap_alloc(h, 100, &p))
			_exit(3);
		memset(p, 2, 100);
		st = heap_stats(h);
		if (st.foreign_resets != 1)
			_exit(4);
		if (st.kernel_generation != 1 || st.requested != 104)
			_exit(5);
		_exit(wsheap_detach(h) ? 6 : 0);
	}
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_EQ(U64(1), heap_info(h).generation);
	ASSERT_EQ(1, write(go[1], "b", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST_HARNESS_MAIN
