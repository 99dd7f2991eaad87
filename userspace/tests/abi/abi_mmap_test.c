// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap ABI: mapping heaps (docs/abi.md "mmap"), SIGBUS beyond the committed
 * bytes, RESET/DESTROY unmapping, fork and close-while-mapped.
 */
#include "wsheap_test_util.h"	/* includes kselftest_harness.h */

WSH_CONTEXT_FIXTURE(map);

/* ------------------------------ mmap misuse ------------------------------ */

TEST_F(map, map_private_einval)
{
	struct wsheap_create c;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(self->ps, PROT_READ | PROT_WRITE,
					MAP_PRIVATE, self->fd, c.mmap_offset));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(self->ps, PROT_READ, MAP_PRIVATE,
					self->fd, c.mmap_offset));
	EXPECT_EQ(0, wsh_try_mmap(self->ps, PROT_READ | PROT_WRITE, MAP_SHARED,
				  self->fd, c.mmap_offset));
}

TEST_F(map, window_beyond_span_einval)
{
	const __u64 span = WSHEAP_SPAN, ps = self->ps;
	struct wsheap_create c;

	/* the only heap of this context, so nothing lies beyond its span */
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(2 * ps, PROT_READ, MAP_SHARED, self->fd,
					c.mmap_offset + span - ps));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(span + ps, PROT_READ,
					MAP_SHARED | MAP_NORESERVE, self->fd,
					c.mmap_offset));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(span, PROT_READ, MAP_SHARED | MAP_NORESERVE,
					self->fd, c.mmap_offset + ps));
}

TEST_F(map, window_up_to_span_ok)
{
	const __u64 span = WSHEAP_SPAN, ps = self->ps;
	const __u64 data = WSHEAP_STATUS_OFFSET;
	struct wsheap_create c;
	unsigned char *p;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	/* the last data page: mappable, but not committed */
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)(c.mmap_offset + data - ps));
	ASSERT_NE(MAP_FAILED, p) TH_LOG("last data page: %s", strerror(errno));
	EXPECT_EQ(SIGBUS, wsh_touch(p, false));
	munmap(p, ps);

	/* all the data at once, writable */
	p = mmap(NULL, data, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		 self->fd, (off_t)c.mmap_offset);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("whole data area: %s", strerror(errno));
	p[0] = 0x11;
	EXPECT_EQ(0x11, p[0]);
	EXPECT_EQ(SIGBUS, wsh_touch(p + ps, false));
	EXPECT_EQ(SIGBUS, wsh_touch(p + data - 1, false));
	EXPECT_EQ(0, munmap(p, data));

	/* the whole span reaches the status area: read-only only */
	EXPECT_EQ(-EACCES, wsh_try_mmap(span, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_NORESERVE, self->fd,
					c.mmap_offset));
	p = mmap(NULL, span, PROT_READ, MAP_SHARED | MAP_NORESERVE, self->fd,
		 (off_t)c.mmap_offset);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("whole span: %s", strerror(errno));
	EXPECT_EQ(0x11, p[0]);
	/* the status page reads; the rest of the status area is SIGBUS */
	EXPECT_EQ(0, wsh_touch(p + data, false));
	EXPECT_EQ(SIGBUS, wsh_touch(p + span - 1, false));
	EXPECT_EQ(-1, mprotect(p, ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, munmap(p, span));
}

TEST_F(map, offset_without_heap_enxio)
{
	struct wsheap_create c, d;
	int fd2;

	/* No heap at all in this context yet: offset 0 names none. */
	EXPECT_EQ(-ENXIO, wsh_try_mmap(self->ps, PROT_READ, MAP_SHARED, self->fd, 0));

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &d));
	EXPECT_EQ(0, wsh_try_mmap(self->ps, PROT_READ, MAP_SHARED, self->fd,
				  d.mmap_offset));
	ASSERT_EQ(0, wsh_destroy(self->fd, d.handle));
	/* a destroyed heap's offset */
	EXPECT_EQ(-ENXIO, wsh_try_mmap(self->ps, PROT_READ, MAP_SHARED, self->fd,
				       d.mmap_offset));

	/* a heap of another context */
	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-ENXIO, wsh_try_mmap(self->ps, PROT_READ, MAP_SHARED, fd2,
				       c.mmap_offset));
	EXPECT_EQ(-ENXIO, wsh_try_mmap(self->ps, PROT_READ, MAP_SHARED, fd2,
				       c.mmap_offset + self->ps));
	close(fd2);
}

TEST_F(map, prot_write_needs_writable_fd)
{
	struct wsheap_create c;
	unsigned char *p;
	int ro;

	ro = wsh_open_flags(O_RDONLY);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, wsh_heap_with_pages(ro, 2, 0, 0, &c));
	EXPECT_EQ(-EACCES, wsh_try_mmap(self->ps, PROT_READ | PROT_WRITE,
					MAP_SHARED, ro, c.mmap_offset));
	EXPECT_EQ(-EACCES, wsh_try_mmap(self->ps, PROT_WRITE, MAP_SHARED, ro,
					c.mmap_offset));

	p = mmap(NULL, 2 * self->ps, PROT_READ, MAP_SHARED, ro, (off_t)c.mmap_offset);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("PROT_READ on O_RDONLY: %s", strerror(errno));
	EXPECT_EQ(-1L, wsh_nonzero(p, 2 * self->ps));
	EXPECT_EQ(-1, mprotect(p, self->ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	/* a write through the read-only mapping faults */
	EXPECT_EQ(SIGSEGV, wsh_touch(p, true));
	munmap(p, 2 * self->ps);
	close(ro);
}

TEST_F(map, mremap_grow_efault)
{
	struct wsheap_create c;
	unsigned char *p, *q;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 4, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, self->ps);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, self->ps, 1);

	q = mremap(p, self->ps, 2 * self->ps, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(p, self->ps, 2 * self->ps, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);

	/* the original mapping is intact */
	EXPECT_EQ(-1L, wsh_check(p, self->ps, 1));
	EXPECT_EQ(0, munmap(p, self->ps));
}

TEST_F(map, mremap_move_keeps_data)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p, *hole, *q, *v;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, 3 * ps);	/* 2 committed + 1 beyond */
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, 2 * ps, 2);

	hole = mmap(NULL, 3 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	q = mremap(p, 3 * ps, 3 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	ASSERT_EQ(hole, q) TH_LOG("mremap move: %s", strerror(errno));
	/* the old range is gone */
	EXPECT_EQ(-1, msync(p, ps, MS_ASYNC));
	EXPECT_EQ(ENOMEM, errno);

	EXPECT_EQ(-1L, wsh_check(q, 2 * ps, 2));
	wsh_fill(q, 2 * ps, 3);
	v = wsh_map(self->fd, &c, 0, 2 * ps);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1L, wsh_check(v, 2 * ps, 3));
	/* still SIGBUS beyond the committed pages at the new place */
	EXPECT_EQ(SIGBUS, wsh_touch(q + 2 * ps, false));
	EXPECT_EQ(0, munmap(q, 3 * ps));
	EXPECT_EQ(0, munmap(v, 2 * ps));
}

/* --------------------------------- data ---------------------------------- */

TEST_F(map, fresh_pages_read_zero)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 8, 0, 0, &c));
	p = wsh_map_prot(self->fd, &c, 0, 8 * ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1L, wsh_nonzero(p, 8 * ps));
	munmap(p, 8 * ps);

	/* also when the pages were committed after the mapping was made */
	p = wsh_map(self->fd, &c, 8 * ps, 4 * ps);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 4 * ps, 0, NULL));
	EXPECT_EQ(-1L, wsh_nonzero(p, 4 * ps));
	munmap(p, 4 * ps);
}

TEST_F(map, second_window_sees_same_pages)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *a, *b, *mid;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 4, 0, 0, &c));
	a = wsh_map(self->fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, a);
	b = wsh_map(self->fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_NE(a, b);
	wsh_fill(a, 4 * ps, 4);
	EXPECT_EQ(-1L, wsh_check(b, 4 * ps, 4));
	wsh_fill(b, 4 * ps, 5);
	EXPECT_EQ(-1L, wsh_check(a, 4 * ps, 5));

	/* a window at heap offset 2 pages shows heap bytes [2p, 4p) */
	mid = wsh_map(self->fd, &c, 2 * ps, 2 * ps);
	ASSERT_NE(MAP_FAILED, mid);
	EXPECT_EQ(0, memcmp(mid, a + 2 * ps, 2 * ps));
	mid[0] = (unsigned char)~a[2 * ps];
	EXPECT_EQ(mid[0], a[2 * ps]);
	EXPECT_EQ(mid[0], b[2 * ps]);
	munmap(mid, 2 * ps);
	munmap(b, 4 * ps);
	munmap(a, 4 * ps);
}

TEST_F(map, heaps_have_separate_pages)
{
	const size_t ps = self->ps;
	struct wsheap_create c1, c2;
	unsigned char *a, *b;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c1));
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c2));
	a = wsh_map(self->fd, &c1, 0, 2 * ps);
	ASSERT_NE(MAP_FAILED, a);
	b = wsh_map(self->fd, &c2, 0, 2 * ps);
	ASSERT_NE(MAP_FAILED, b);
	wsh_fill(a, 2 * ps, 6);
	EXPECT_EQ(-1L, wsh_nonzero(b, 2 * ps));
	wsh_fill(b, 2 * ps, 7);
	EXPECT_EQ(-1L, wsh_check(a, 2 * ps, 6));
	munmap(a, 2 * ps);
	munmap(b, 2 * ps);
}

TEST_F(map, resident_counts_touched_pages)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *p;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 8, 0, 0, &c));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(8ULL * ps, i.committed);
	EXPECT_EQ(0ULL, i.resident);
	p = wsh_map(self->fd, &c, 0, 8 * ps);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	p[3 * ps + 17] = 2;
	p[7 * ps + ps - 1] = 3;
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(3ULL * ps, i.resident);
	p[1] = 4;			/* same page again */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(3ULL * ps, i.resident);
	munmap(p, 8 * ps);
	/* unmapping does not free heap pages */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(3ULL * ps, i.resident);
}

TEST_F(map, populate_makes_pages_resident)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *p;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, WSHEAP_CREATE_POPULATE, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 3 * ps + 1, 0, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(4ULL * ps, i.committed);
	EXPECT_EQ(i.committed, i.resident);

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 5 * ps, ps, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(9ULL * ps, i.committed);
	EXPECT_EQ(i.committed, i.resident);

	/* populated pages are zeroed */
	p = wsh_map_prot(self->fd, &c, 0, 9 * ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1L, wsh_nonzero(p, 9 * ps));
	munmap(p, 9 * ps);
}

/* -------------------------------- SIGBUS --------------------------------- */

/* The plain form: the test process itself must die of SIGBUS. */
TEST_F_SIGNAL(map, touch_beyond_committed_sigbus, SIGBUS)
{
	struct wsheap_create c;
	unsigned char *p;
	int fd = self->fd;

	ASSERT_EQ(0, wsh_create(fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(fd, c.handle, 100, 0, NULL));
	p = wsh_map(fd, &c, 0, 2 * wsh_ps());
	ASSERT_NE(MAP_FAILED, p);
	p[wsh_ps() - 1] = 1;			/* committed: fine */
	*(volatile unsigned char *)(p + wsh_ps()) = 1;	/* SIGBUS */
	TH_LOG("write beyond committed did not fault");
}

TEST_F(map, sigbus_at_and_beyond_committed)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, 8 * ps);
	ASSERT_NE(MAP_FAILED, p);

	/* nothing committed yet */
	EXPECT_EQ(SIGBUS, wsh_touch(p, false));
	EXPECT_EQ(SIGBUS, wsh_touch(p, true));

	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 2 * ps + 1, 0, NULL));
	/* committed: 3 pages */
	EXPECT_EQ(0, wsh_touch(p, false));
	EXPECT_EQ(0, wsh_touch(p + 3 * ps - 1, false));
	EXPECT_EQ(0, wsh_touch(p + 2 * ps + 5, true));
	EXPECT_EQ(SIGBUS, wsh_touch(p + 3 * ps, false));
	EXPECT_EQ(SIGBUS, wsh_touch(p + 3 * ps, true));
	EXPECT_EQ(SIGBUS, wsh_touch(p + 8 * ps - 1, false));
	munmap(p, 8 * ps);
}

TEST_F(map, commit_grows_into_existing_mapping)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p;
	size_t n;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, 6 * ps);
	ASSERT_NE(MAP_FAILED, p);
	for (n = 0; n < 6; n++) {
		EXPECT_EQ(SIGBUS, wsh_touch(p + n * ps, false)) TH_LOG("page %zu", n);
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, ps, ps, NULL));
		EXPECT_EQ(0, p[n * ps]);
		p[n * ps] = (unsigned char)(n + 1);
	}
	for (n = 0; n < 6; n++) {
		EXPECT_EQ(n + 1, p[n * ps]);
	}
	munmap(p, 6 * ps);
}

static int wait_then_touch(int rfd, const volatile unsigned char *p)
{
	char b;

	if (read(rfd, &b, 1) != 1)
		return 90;
	(void)*p;
	return 0;
}

struct waiter {
	pid_t pid;
	int wfd;
};

/* Fork a child that, when released, reads *p (its own copy of the mapping). */
static int start_waiter(struct waiter *w, const volatile unsigned char *p)
{
	int fds[2];

	if (pipe(fds))
		return -1;
	w->pid = fork();
	if (w->pid < 0)
		return -1;
	if (w->pid == 0) {
		close(fds[1]);
		signal(SIGBUS, SIG_DFL);
		_exit(wait_then_touch(fds[0], p));
	}
	close(fds[0]);
	w->wfd = fds[1];
	return 0;
}

/* Release the child and return its status code (see wsh_status_code). */
static int finish_waiter(struct waiter *w)
{
	int status;

	if (write(w->wfd, "x", 1) != 1)
		return -1;
	close(w->wfd);
	if (waitpid(w->pid, &status, 0) != w->pid)
		return -1;
	return wsh_status_code(status);
}

TEST_F(map, destroy_then_sigbus_everywhere)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct waiter w;
	unsigned char *p;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 2, 8, &c, &p));
	ASSERT_EQ(0, start_waiter(&w, p + ps));

	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(p, false));
	EXPECT_EQ(SIGBUS, wsh_touch(p + ps, true));
	EXPECT_EQ(WSH_KILLED_BY(SIGBUS), finish_waiter(&w));
	EXPECT_EQ(-ENXIO, wsh_try_mmap(ps, PROT_READ, MAP_SHARED, self->fd,
				       c.mmap_offset));
	EXPECT_EQ(0, munmap(p, 2 * ps));
}

/* --------------------------------- reset --------------------------------- */

#define R_PAGES	16
#define R_TRIM	4

FIXTURE(reset) {
	int fd;
	size_t ps;
	struct wsheap_create c;
	unsigned char *p;
};

FIXTURE_VARIANT(reset) {
	__u32 flags;
	bool zeroes;
};

FIXTURE_VARIANT_ADD(reset, keep) {
	.flags = 0,
	.zeroes = false,
};

FIXTURE_VARIANT_ADD(reset, zero_on_reset) {
	.flags = WSHEAP_CREATE_ZERO_ON_RESET,
	.zeroes = true,
};

FIXTURE_VARIANT_ADD(reset, populate) {
	.flags = WSHEAP_CREATE_POPULATE,
	.zeroes = false,
};

FIXTURE_VARIANT_ADD(reset, populate_zero_on_reset) {
	.flags = WSHEAP_CREATE_POPULATE | WSHEAP_CREATE_ZERO_ON_RESET,
	.zeroes = true,
};

FIXTURE_VARIANT_ADD(reset, contig) {
	.flags = WSHEAP_CREATE_CONTIG,
	.zeroes = false,
};

/* 16 pages committed, mapped and written with pattern 9; trim 4 pages. */
FIXTURE_SETUP(reset)
{
	struct wsheap_info i;

	self->ps = (size_t)wsh_ps();
	self->p = MAP_FAILED;
	self->fd = wsh_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, R_TRIM * self->ps,
				variant->flags, &self->c));
	ASSERT_EQ(0, wsh_alloc(self->fd, self->c.handle, R_PAGES * self->ps, 0, NULL));
	self->p = wsh_map(self->fd, &self->c, 0, R_PAGES * self->ps);
	ASSERT_NE(MAP_FAILED, self->p);
	wsh_fill(self->p, R_PAGES * self->ps, 9);
	ASSERT_EQ(0, wsh_info(self->fd, self->c.handle, &i));
	ASSERT_EQ((__u64)R_PAGES * self->ps, i.committed);
	ASSERT_EQ((__u64)R_PAGES * self->ps, i.resident);
}

/* Where the kept pages differ from what a reset must leave, or -1. */
static long kept_mismatch(const void *p, size_t len, bool zeroes)
{
	return zeroes ? wsh_nonzero(p, len) : wsh_check(p, len, 9);
}

FIXTURE_TEARDOWN(reset)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, R_PAGES * self->ps);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(reset, kept_pages_and_sigbus_beyond_trim)
{
	const size_t ps = self->ps, kept = R_TRIM * ps;
	unsigned char *fresh;
	size_t n;

	ASSERT_EQ(0, wsh_reset(self->fd, self->c.handle, NULL));
	EXPECT_EQ(-1L, kept_mismatch(self->p, kept, variant->zeroes));
	for (n = R_TRIM; n < R_PAGES; n++) {
		EXPECT_EQ(SIGBUS, wsh_touch(self->p + n * ps, false)) TH_LOG("page %zu", n);
		EXPECT_EQ(SIGBUS, wsh_touch(self->p + n * ps + ps - 1, true))
			TH_LOG("page %zu", n);
	}
	/* a fresh mapping sees the same */
	fresh = wsh_map(self->fd, &self->c, 0, R_PAGES * ps);
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_EQ(SIGBUS, wsh_touch(fresh + kept, false));
	EXPECT_EQ(SIGBUS, wsh_touch(fresh + R_PAGES * ps - 1, false));
	EXPECT_EQ(-1L, kept_mismatch(fresh, kept, variant->zeroes));
	munmap(fresh, R_PAGES * ps);
}

TEST_F(reset, info_after_reset)
{
	const __u64 ps = self->ps;
	struct wsheap_info i;
	__u64 gen;

	ASSERT_EQ(0, wsh_reset(self->fd, self->c.handle, &gen));
	EXPECT_EQ(1ULL, gen);
	ASSERT_EQ(0, wsh_info(self->fd, self->c.handle, &i));
	EXPECT_EQ(R_TRIM * ps, i.committed);
	EXPECT_LE(i.resident, R_TRIM * ps);
	if (!variant->zeroes)	/* the kept data must live in present pages */ {
		EXPECT_EQ(R_TRIM * ps, i.resident);
	}
	EXPECT_EQ(0ULL, i.requested);
	EXPECT_EQ(0ULL, i.cursor);
	EXPECT_EQ(1ULL, i.generation);
	EXPECT_EQ(variant->flags, i.flags);
}

TEST_F(reset, realloc_reads_zero_never_stale)
{
	const size_t ps = self->ps, kept = R_TRIM * ps;
	struct wsheap_info i;
	unsigned char *fresh;
	__u64 off;

	ASSERT_EQ(0, wsh_reset(self->fd, self->c.handle, NULL));
	ASSERT_EQ(0, wsh_alloc(self->fd, self->c.handle, R_PAGES * ps, 0, &off));
	ASSERT_EQ(0ULL, off);
	ASSERT_EQ(0, wsh_info(self->fd, self->c.handle, &i));
	EXPECT_EQ((__u64)R_PAGES * ps, i.committed);
	if (variant->flags & (WSHEAP_CREATE_POPULATE | WSHEAP_CREATE_CONTIG)) {
		EXPECT_EQ(i.committed, i.resident);
	}

	/* the released pages come back zeroed, through the old mapping ... */
	EXPECT_EQ(-1L, wsh_nonzero(self->p + kept, (R_PAGES - R_TRIM) * ps));
	/* ... and a new one */
	fresh = wsh_map(self->fd, &self->c, 0, R_PAGES * ps);
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_EQ(-1L, wsh_nonzero(fresh + kept, (R_PAGES - R_TRIM) * ps));
	/* the kept pages are still what the reset left */
	EXPECT_EQ(-1L, kept_mismatch(fresh, kept, variant->zeroes));
	munmap(fresh, R_PAGES * ps);
}

TEST_F(reset, reset_unmaps_other_processes)
{
	const size_t ps = self->ps;
	struct waiter dies;
	int rfd[2], status;
	pid_t pid;
	char b;

	/* one child will fault on a released page ... */
	ASSERT_EQ(0, start_waiter(&dies, self->p + 10 * ps));
	/* ... another one reads a released page after it was allocated again */
	ASSERT_EQ(0, pipe(rfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(rfd[1]);
		if (read(rfd[0], &b, 1) != 1)
			_exit(90);
		_exit(wsh_nonzero(self->p + R_TRIM * ps, (R_PAGES - R_TRIM) * ps) == -1 ?
		      0 : 1);
	}
	close(rfd[0]);
	/* before the reset the children see the data */
	EXPECT_EQ(-1L, wsh_check(self->p, R_PAGES * ps, 9));

	ASSERT_EQ(0, wsh_reset(self->fd, self->c.handle, NULL));
	EXPECT_EQ(WSH_KILLED_BY(SIGBUS), finish_waiter(&dies));

	ASSERT_EQ(0, wsh_alloc(self->fd, self->c.handle, R_PAGES * ps, 0, NULL));
	ASSERT_EQ(1, write(rfd[1], "x", 1));
	close(rfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, wsh_status_code(status)) TH_LOG("child saw stale bytes");
}

TEST_F(map, reset_trim_rounds_up_to_pages)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *p;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 6, 2 * ps + 1, 0, &c));
	p = wsh_map(self->fd, &c, 0, 6 * ps);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, 6 * ps, 10);
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(3ULL * ps, i.committed);
	EXPECT_EQ(-1L, wsh_check(p, 3 * ps, 10));
	EXPECT_EQ(SIGBUS, wsh_touch(p + 3 * ps, false));
	EXPECT_EQ(SIGBUS, wsh_touch(p + 5 * ps, false));
	munmap(p, 6 * ps);
}

TEST_F(map, reset_trim_zero_releases_all)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *p;
	size_t n;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 4, 11, &c, &p));
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(0ULL, i.committed);
	EXPECT_EQ(0ULL, i.resident);
	for (n = 0; n < 4; n++) {
		EXPECT_EQ(SIGBUS, wsh_touch(p + n * ps, false)) TH_LOG("page %zu", n);
	}
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 1, 0, NULL));
	EXPECT_EQ(-1L, wsh_nonzero(p, ps));
	EXPECT_EQ(SIGBUS, wsh_touch(p + ps, false));
	munmap(p, 4 * ps);
}

/* --------------------------------- fork ---------------------------------- */

TEST_F(map, fork_child_writes_parent_reads)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p;
	int status;
	pid_t pid;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 2, 12, &c, &p));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the child sees the parent's bytes and writes its own */
		if (wsh_check(p, ps, 12) != -1)
			_exit(1);
		wsh_fill(p + ps, ps, 13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, wsh_status_code(status));
	EXPECT_EQ(-1L, wsh_check(p + ps, ps, 13));
	munmap(p, 2 * ps);
}

struct fork_alloc_result {
	int ret[4];
	__u64 off[4];
	int mapped_ok;
};

TEST_F(map, fork_child_allocates_on_shared_fd)
{
	const size_t ps = self->ps;
	struct fork_alloc_result *res;
	struct wsheap_create c;
	struct wsheap_info i;
	__u64 poff[2];
	unsigned char *p;
	int status, n;
	pid_t pid;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, &poff[0]));
	p = wsh_map(self->fd, &c, 0, 8 * ps);
	ASSERT_NE(MAP_FAILED, p);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *q;

		for (n = 0; n < 4; n++)
			res->ret[n] = wsh_alloc(self->fd, c.handle, ps, 0, &res->off[n]);
		/* the child maps through the inherited fd as well */
		q = wsh_map(self->fd, &c, 0, 8 * ps);
		if (q != MAP_FAILED) {
			q[res->off[3]] = 0x77;
			res->mapped_ok = 1;
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, wsh_status_code(status));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, &poff[1]));

	for (n = 0; n < 4; n++) {
		ASSERT_EQ(0, res->ret[n]) TH_LOG("child alloc %d", n);
		EXPECT_LE(poff[0] + 100, res->off[n]);
		EXPECT_LE(res->off[n] + ps, poff[1]);
		if (n) {
			EXPECT_LE(res->off[n - 1] + ps, res->off[n]);
		}
	}
	EXPECT_EQ(1, res->mapped_ok);
	EXPECT_EQ(0x77, p[res->off[3]]);
	/* one context: the parent's INFO counts the child's blocks */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(200ULL + 4 * ps, i.requested);
	munmap(p, 8 * ps);
	munmap(res, sizeof(*res));
}

TEST_F(map, fork_shares_pages_both_ways)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	int to_child[2], to_parent[2], status;
	unsigned char *p;
	pid_t pid;
	char b;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, ps);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* wait for the parent's post-fork write, answer with ours */
		if (read(to_child[0], &b, 1) != 1)
			_exit(90);
		if (p[0] != 0x42)
			_exit(1);
		p[1] = 0x43;
		if (write(to_parent[1], "x", 1) != 1)
			_exit(91);
		_exit(0);
	}
	p[0] = 0x42;
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(1, read(to_parent[0], &b, 1));
	EXPECT_EQ(0x43, p[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, wsh_status_code(status));
	munmap(p, ps);
}

/* ---------------------------- close while mapped ---------------------------- */

TEST_F(map, close_while_mapped)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, 3 * ps);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, 2 * ps, 14);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	EXPECT_EQ(-1L, wsh_check(p, 2 * ps, 14));
	wsh_fill(p, 2 * ps, 15);
	EXPECT_EQ(-1L, wsh_check(p, 2 * ps, 15));
	/* still only the committed bytes */
	EXPECT_EQ(SIGBUS, wsh_touch(p + 2 * ps, false));
	EXPECT_EQ(0, munmap(p, 3 * ps));
}

TEST_F(map, close_while_mapped_split_windows)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *p, *q;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 4, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, p);
	q = wsh_map(self->fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, q);
	wsh_fill(p, 4 * ps, 16);

	/* punch the middle out of one window: two vmas of the same heap */
	ASSERT_EQ(0, munmap(p + ps, 2 * ps));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(0, munmap(q, 4 * ps));

	EXPECT_EQ(-1L, wsh_check(p, ps, 16));
	EXPECT_EQ(0, munmap(p, ps));
	/* the last piece still holds the heap */
	EXPECT_EQ(wsh_pat_at(3 * ps, 16), p[3 * ps]);
	p[3 * ps + 1] = 0x99;
	EXPECT_EQ(0x99, p[3 * ps + 1]);
	EXPECT_EQ(0, munmap(p + 3 * ps, ps));
}

TEST_F(map, close_while_mapped_in_child)
{
	const size_t ps = self->ps;
	int to_child[2], to_parent[2], status;
	struct wsheap_create c;
	unsigned char *p;
	pid_t pid;
	char b;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	p = wsh_map(self->fd, &c, 0, ps);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x21;
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/*
		 * Drop the inherited fd; once the parent has dropped its fd
		 * and mapping too, only this mapping holds the heap.
		 */
		close(self->fd);
		if (write(to_parent[1], "x", 1) != 1 ||
		    read(to_child[0], &b, 1) != 1)
			_exit(90);
		if (p[0] != 0x21)
			_exit(1);
		p[0] = 0x22;
		_exit(p[0] == 0x22 ? 0 : 2);
	}
	ASSERT_EQ(1, read(to_parent[0], &b, 1));
	ASSERT_EQ(0, munmap(p, ps));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, wsh_status_code(status));
}

TEST_HARNESS_MAIN
