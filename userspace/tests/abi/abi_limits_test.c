// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap ABI: the module parameters (docs/abi.md "Module parameters").
 *
 * Needs root.  Each test saves every parameter in its setup and restores it
 * in a teardown that runs in the harness's parent process, so the old value
 * comes back even when the test dies of a signal.
 */
#include "wsheap_test_util.h"	/* includes kselftest_harness.h */

enum { P_HEAPS, P_CTX, P_TOTAL, P_NR };

static const char pnames[P_NR][32] = {
	[P_HEAPS] = "max_heaps_per_context",
	[P_CTX]   = "max_bytes_per_context",
	[P_TOTAL] = "max_bytes_total",
};

FIXTURE(limits) {
	char saved[P_NR][64];
	bool have[P_NR];
	__u64 ps;
};

FIXTURE_SETUP(limits)
{
	int n;

	self->ps = wsh_ps();
	if (geteuid() != 0)
		SKIP(return, "module parameters need root");
	if (access(WSH_PARAM_DIR, F_OK))
		SKIP(return, "%s is missing", WSH_PARAM_DIR);
	for (n = 0; n < P_NR; n++)
		self->have[n] = !wsh_param_read(pnames[n], self->saved[n],
						sizeof(self->saved[n]));
}

FIXTURE_TEARDOWN_PARENT(limits)
{
	int n;

	for (n = 0; n < P_NR; n++)
		if (self->have[n]) {
			EXPECT_EQ(0, wsh_param_write(pnames[n], self->saved[n]))
				TH_LOG("restoring %s=%s", pnames[n], self->saved[n]);
		}
}

#define NEED(p) do {							\
	if (!self->have[p])						\
		SKIP(return, WSH_PARAM_DIR "%s does not exist", pnames[p]); \
} while (0)

/* Set a parameter and read it back. */
#define SET_PARAM(p, v) do {						\
	__u64 __v = (v), __back = 0;					\
	ASSERT_EQ(0, wsh_param_write_u64(pnames[p], __v))		\
		TH_LOG("writing %s", pnames[p]);			\
	ASSERT_EQ(0, wsh_param_read_u64(pnames[p], &__back));		\
	ASSERT_EQ(__v, __back);						\
} while (0)

/* How each limit test starts: parameter @p (or a skip) set to @v, a context. */
#define OPEN_WITH_LIMIT(fd, p, v) do {					\
	NEED(p);							\
	SET_PARAM(p, v);						\
	(fd) = wsh_open();						\
	ASSERT_LE(0, (fd));						\
} while (0)

/* ALLOC, retrying a while if freed bytes are still being given back. */
static int alloc_retry(int fd, __u32 h, __u64 size)
{
	int ret = 0, n;

	for (n = 0; n < 200; n++) {
		ret = wsh_alloc(fd, h, size, 0, NULL);
		if (ret != -ENOMEM && ret != -EDQUOT)
			break;
		wsh_sleep_ms(10);
	}
	return ret;
}

/* --------------------------- max_heaps_per_context --------------------------- */

TEST_F(limits, heaps_per_context_emfile)
{
	struct wsheap_create c[4];
	int fd, fd2, n;

	OPEN_WITH_LIMIT(fd, P_HEAPS, 3);
	for (n = 0; n < 3; n++) {
		ASSERT_EQ(0, wsh_create(fd, 4096, 0, 0, &c[n])) TH_LOG("heap %d", n);
	}
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	/* the failures did not count */
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, WSHEAP_CREATE_FLAGS, NULL));
	ASSERT_EQ(0, wsh_destroy(fd, c[1].handle));
	ASSERT_EQ(0, wsh_create(fd, 4096, 0, 0, &c[3]));
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	/* the existing heaps still work */
	EXPECT_EQ(0, wsh_alloc(fd, c[0].handle, 10, 0, NULL));
	EXPECT_EQ(0, wsh_alloc(fd, c[3].handle, 10, 0, NULL));

	/* the limit is per context */
	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	for (n = 0; n < 3; n++) {
		EXPECT_EQ(0, wsh_create(fd2, 4096, 0, 0, NULL)) TH_LOG("fd2 heap %d", n);
	}
	EXPECT_EQ(-EMFILE, wsh_create(fd2, 4096, 0, 0, NULL));
	close(fd2);
	close(fd);
}

TEST_F(limits, heaps_limit_lowered_below_count)
{
	struct wsheap_create c[3];
	int fd, n;

	OPEN_WITH_LIMIT(fd, P_HEAPS, 8);
	for (n = 0; n < 3; n++) {
		ASSERT_EQ(0, wsh_create(fd, 4096, 0, 0, &c[n]));
	}
	SET_PARAM(P_HEAPS, 1);
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	ASSERT_EQ(0, wsh_destroy(fd, c[0].handle));	/* 2 left */
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	ASSERT_EQ(0, wsh_destroy(fd, c[1].handle));	/* 1 left */
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	ASSERT_EQ(0, wsh_destroy(fd, c[2].handle));	/* none */
	EXPECT_EQ(0, wsh_create(fd, 4096, 0, 0, NULL));
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	close(fd);
}

TEST_F(limits, failed_create_takes_no_slot)
{
	struct wsheap_create c;
	unsigned char *page;
	int fd;

	OPEN_WITH_LIMIT(fd, P_HEAPS, 1);

	/* unknown flag, reserved word, larger struct with a non-zero tail */
	EXPECT_EQ(-EINVAL, wsh_create(fd, 4096, 0, 1U << 7, NULL));
	memset(&c, 0, sizeof(c));
	c.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, wsh_ioctl(fd, WSHEAP_IOC_CREATE, &c));

	/* readable but not writable: the handle cannot be returned */
	page = mmap(NULL, self->ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	memset(&c, 0, sizeof(c));
	c.max_size = 4096;
	memcpy(page, &c, sizeof(c));
	ASSERT_EQ(0, mprotect(page, self->ps, PROT_READ));
	EXPECT_EQ(-EFAULT, wsh_ioctl(fd, WSHEAP_IOC_CREATE, page));

	/* ... so the one slot is still free */
	EXPECT_EQ(0, wsh_create(fd, 4096, 0, 0, &c));
	EXPECT_EQ(-EMFILE, wsh_create(fd, 4096, 0, 0, NULL));
	munmap(page, self->ps);
	close(fd);
}

/* --------------------------- max_bytes_per_context --------------------------- */

TEST_F(limits, bytes_per_context_edquot)
{
	const __u64 ps = self->ps;
	struct wsheap_info before, after;
	struct wsheap_create a, b, d;
	int fd, fd2;

	OPEN_WITH_LIMIT(fd, P_CTX, 8 * ps);
	ASSERT_EQ(0, wsh_create(fd, UINT64_MAX, 0, 0, &a));
	ASSERT_EQ(0, wsh_create(fd, UINT64_MAX, 0, 0, &b));
	ASSERT_EQ(0, wsh_alloc(fd, a.handle, 5 * ps, 0, NULL));

	ASSERT_EQ(0, wsh_info(fd, b.handle, &before));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, b.handle, 4 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, b.handle, 3 * ps + 1, 0, NULL));
	EXPECT_INFO_UNCHANGED(fd, b.handle, &before);

	/* exactly up to the limit */
	ASSERT_EQ(0, wsh_alloc(fd, b.handle, 3 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, b.handle, 1, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, a.handle, 1, 0, NULL));
	EXPECT_EQ(0, wsh_alloc(fd, b.handle, 0, 0, NULL));	/* commits nothing */

	/* another context has its own allowance */
	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wsh_create(fd2, UINT64_MAX, 0, 0, &d));
	EXPECT_EQ(0, wsh_alloc(fd2, d.handle, 8 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd2, d.handle, 1, 0, NULL));
	close(fd2);

	/* destroying a heap gives its bytes back */
	ASSERT_EQ(0, wsh_destroy(fd, a.handle));
	EXPECT_EQ(0, wsh_alloc(fd, b.handle, 5 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, b.handle, 1, 0, NULL));
	ASSERT_EQ(0, wsh_info(fd, b.handle, &after));
	EXPECT_EQ(8 * ps, after.committed);
	close(fd);
}

TEST_F(limits, reset_gives_back_bytes_beyond_trim)
{
	const __u64 ps = self->ps;
	struct wsheap_create a, b;
	int fd;

	OPEN_WITH_LIMIT(fd, P_CTX, 8 * ps);
	ASSERT_EQ(0, wsh_create(fd, UINT64_MAX, 2 * ps, 0, &a));
	ASSERT_EQ(0, wsh_create(fd, UINT64_MAX, 0, 0, &b));
	ASSERT_EQ(0, wsh_alloc(fd, a.handle, 8 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, b.handle, 1, 0, NULL));
	ASSERT_EQ(0, wsh_reset(fd, a.handle, NULL));	/* keeps 2 pages */
	EXPECT_EQ(0, wsh_alloc(fd, b.handle, 6 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, b.handle, 1, 0, NULL));
	/* the kept pages are reused without committing more */
	EXPECT_EQ(0, wsh_alloc(fd, a.handle, 2 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, a.handle, 1, 0, NULL));
	close(fd);
}

/* ------------------------------ max_bytes_total ------------------------------ */

TEST_F(limits, bytes_total_enomem)
{
	const __u64 ps = self->ps;
	struct wsheap_info before;
	struct wsheap_create a, b, c;
	int fd1, fd2;

	OPEN_WITH_LIMIT(fd1, P_TOTAL, 8 * ps);
	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wsh_create(fd1, UINT64_MAX, 0, 0, &a));
	ASSERT_EQ(0, wsh_create(fd1, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_create(fd2, UINT64_MAX, 0, 0, &b));
	ASSERT_EQ(0, wsh_alloc(fd1, a.handle, 5 * ps, 0, NULL));

	ASSERT_EQ(0, wsh_info(fd2, b.handle, &before));
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd2, b.handle, 4 * ps, 0, NULL));
	EXPECT_INFO_UNCHANGED(fd2, b.handle, &before);

	ASSERT_EQ(0, wsh_alloc(fd2, b.handle, 3 * ps, 0, NULL));	/* exactly full */
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd1, c.handle, 1, 0, NULL));
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd2, b.handle, 1, 0, NULL));

	/* destroying gives the bytes back, to any context */
	ASSERT_EQ(0, wsh_destroy(fd1, a.handle));
	EXPECT_EQ(0, wsh_alloc(fd2, b.handle, 5 * ps, 0, NULL));
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd1, c.handle, 1, 0, NULL));

	/* so does closing a context whose heaps are not mapped */
	close(fd2);
	EXPECT_EQ(0, alloc_retry(fd1, c.handle, 8 * ps));
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd1, c.handle, 1, 0, NULL));
	close(fd1);
}

TEST_F(limits, mapped_heap_counts_until_unmapped)
{
	const __u64 ps = self->ps;
	struct wsheap_create a, b;
	unsigned char *p;
	int fd1, fd2;

	OPEN_WITH_LIMIT(fd1, P_TOTAL, 8 * ps);
	ASSERT_EQ(0, wsh_create(fd1, UINT64_MAX, 0, 0, &a));
	ASSERT_EQ(0, wsh_alloc(fd1, a.handle, 6 * ps, 0, NULL));
	p = wsh_map(fd1, &a, 0, 6 * ps);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, 6 * ps, 20);
	close(fd1);

	/* the heap lives on in the mapping, with its commitment */
	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wsh_create(fd2, UINT64_MAX, 0, 0, &b));
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd2, b.handle, 3 * ps, 0, NULL));
	EXPECT_EQ(0, wsh_alloc(fd2, b.handle, 2 * ps, 0, NULL));
	EXPECT_EQ(-1L, wsh_check(p, 6 * ps, 20));

	/* unmapping frees it */
	ASSERT_EQ(0, munmap(p, 6 * ps));
	EXPECT_EQ(0, alloc_retry(fd2, b.handle, 6 * ps));
	EXPECT_EQ(-ENOMEM, wsh_alloc(fd2, b.handle, 1, 0, NULL));
	close(fd2);
}

TEST_F(limits, populate_respects_limits)
{
	const __u64 ps = self->ps;
	struct wsheap_create a;
	struct wsheap_info i;
	int fd;

	OPEN_WITH_LIMIT(fd, P_CTX, 4 * ps);
	ASSERT_EQ(0, wsh_create(fd, UINT64_MAX, 0, WSHEAP_CREATE_POPULATE, &a));
	ASSERT_EQ(0, wsh_alloc(fd, a.handle, 3 * ps, 0, NULL));
	EXPECT_EQ(-EDQUOT, wsh_alloc(fd, a.handle, 2 * ps, 0, NULL));
	ASSERT_EQ(0, wsh_info(fd, a.handle, &i));
	EXPECT_EQ(3 * ps, i.committed);
	EXPECT_EQ(3 * ps, i.resident);
	EXPECT_EQ(0, wsh_alloc(fd, a.handle, ps, 0, NULL));
	ASSERT_EQ(0, wsh_info(fd, a.handle, &i));
	EXPECT_EQ(4 * ps, i.resident);
	close(fd);
}

TEST_HARNESS_MAIN
