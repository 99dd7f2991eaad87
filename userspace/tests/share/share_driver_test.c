// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap sharing with the kernel: the sample driver (/dev/wsheap_sample)
 * filling and checking records in a heap user space maps, and dma-buf
 * exports of heap ranges (EXPORT_DMABUF), which keep their pages across a
 * reset or the heap's end.
 */
#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

#include "wsheap_sample.h"

#define SAMPLE_DEVICE	"/dev/wsheap_sample"
#define REC_SIZE	sizeof(struct wsheap_sample_record)

/* PRODUCE or CONSUME; @io in and out. */
static int sample_io(int dev, unsigned long cmd, struct wsheap_sample_io *io)
{
	return wsh_ioctl(dev, cmd, io);
}

static int produce(int dev, int heap_fd, __u32 count, __u64 seed, __u64 *off)
{
	struct wsheap_sample_io io = {
		.heap_fd = heap_fd, .count = count, .seed = seed,
	};
	int ret = sample_io(dev, WSHEAP_SAMPLE_PRODUCE, &io);

	if (!ret)
		*off = io.offset;
	return ret;
}

/* CONSUME; returns the records that checked out, or -errno. */
static long long consume(int dev, int heap_fd, __u32 count, __u64 off)
{
	struct wsheap_sample_io io = {
		.heap_fd = heap_fd, .count = count, .offset = off,
	};
	int ret = sample_io(dev, WSHEAP_SAMPLE_CONSUME, &io);

	return ret ? ret : (long long)io.seed;
}

/* Map the heap bytes [off, off + len) from page boundaries; the bytes at @off. */
struct window {
	unsigned char *base;
	size_t len;
};

static void *map_range(int fd, __u64 base, __u64 off, __u64 len, int prot,
		       struct window *w)
{
	__u64 start = off & ~(wsh_ps() - 1);

	w->len = (size_t)wsh_align_up(off + len, wsh_ps()) - start;
	w->base = mmap(NULL, w->len, prot, MAP_SHARED, fd, (off_t)(base + start));
	if (w->base == MAP_FAILED)
		return NULL;
	return w->base + (off - start);
}

static void unmap_range(struct window *w)
{
	munmap(w->base, w->len);
}

/* Index of the first record not as PRODUCE writes it, or -1. */
static long check_produced(const struct wsheap_sample_record *r, __u32 n,
			   __u64 seed)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (r[i].seq != i || r[i].value != seed + i ||
		    r[i].check != wsheap_sample_check(i, seed + i) || r[i].pad)
			return (long)i;
	return -1;
}

static void write_records(struct wsheap_sample_record *r, __u32 n, __u64 base)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		r[i].seq = 1000 + i;
		r[i].value = base * 3 + i * i;
		r[i].check = wsheap_sample_check(r[i].seq, r[i].value);
		r[i].pad = 0;
	}
}

/* ------------------------------- fixture -------------------------------- */

FIXTURE(drv) {
	int fd;
	int dev;
	size_t ps;
};

FIXTURE_SETUP(drv)
{
	self->ps = (size_t)wsh_ps();
	self->dev = -1;
	self->fd = wsh_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	self->dev = open(SAMPLE_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->dev < 0)
		SKIP(return, "%s: %s (wsheap_sample.ko not loaded)",
		     SAMPLE_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(drv)
{
	if (self->dev >= 0)
		close(self->dev);
	if (self->fd >= 0)
		close(self->fd);
}

/* A heap in @fd and a read-write export of it. */
static int heap_and_export(int fd, __u32 flags, struct wsheap_create *c, int *efd)
{
	int ret = wsh_create(fd, UINT64_MAX, 0, flags, c);

	return ret ? ret : wsh_export(fd, c->handle, 0, efd);
}

TEST_F(drv, sample_hold_makes_reset_ebusy)
{
	struct wsheap_sample_io io = { .count = 2 };
	struct wsheap_info before, after;
	struct wsheap_create c;
	__u64 gen = 0;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle,
			       2 * sizeof(struct wsheap_sample_record), 0,
			       NULL));
	io.heap_fd = efd;
	/* Pinning what is not allocated is refused. */
	io.offset = 4096;
	EXPECT_EQ(-EINVAL, sample_io(self->dev, WSHEAP_SAMPLE_HOLD, &io));
	io.offset = 0;
	ASSERT_EQ(0, sample_io(self->dev, WSHEAP_SAMPLE_HOLD, &io));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &before));
	EXPECT_EQ(-EBUSY, wsh_reset(self->fd, c.handle, &gen));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &after));
	EXPECT_EQ(before.generation, after.generation);
	EXPECT_EQ(before.requested, after.requested);
	/* A second hold on the same device file is refused too. */
	EXPECT_EQ(-EBUSY, sample_io(self->dev, WSHEAP_SAMPLE_HOLD, &io));
	ASSERT_EQ(0, ioctl(self->dev, WSHEAP_SAMPLE_RELEASE));
	EXPECT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
	EXPECT_EQ(1ULL, gen);
	close(efd);
}

TEST_F(drv, sample_hold_ends_when_the_driver_file_closes)
{
	struct wsheap_sample_io io = { .count = 1 };
	struct wsheap_create c;
	__u64 gen = 0;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 64, 0, NULL));
	io.heap_fd = efd;
	ASSERT_EQ(0, sample_io(self->dev, WSHEAP_SAMPLE_HOLD, &io));
	close(efd);
	EXPECT_EQ(-EBUSY, wsh_reset(self->fd, c.handle, &gen));
	close(self->dev);
	self->dev = -1;
	EXPECT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
}

/* ----------------------------- sample driver ---------------------------- */

TEST_F(drv, sample_produce_read_back)
{
	struct wsheap_sample_record *r;
	struct wsheap_create c;
	struct wsheap_info i;
	struct window w;
	__u64 off;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	/* something before, so the records do not start at 0 */
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, NULL));
	ASSERT_EQ(0, produce(self->dev, efd, 1000, 5000, &off));
	EXPECT_EQ(0ULL, off % 64);
	EXPECT_LE(100ULL, off);

	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &i));
	EXPECT_EQ(off + 1000 * REC_SIZE, i.cursor);
	EXPECT_EQ(100 + 1000 * REC_SIZE, i.requested);

	/* through this process's own mapping: no copy */
	r = map_range(self->fd, c.mmap_offset, off, 1000 * REC_SIZE, PROT_READ, &w);
	ASSERT_NE(NULL, r) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1L, check_produced(r, 1000, 5000));
	unmap_range(&w);

	/* and through the exported descriptor */
	r = map_range(efd, 0, off, 1000 * REC_SIZE, PROT_READ, &w);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-1L, check_produced(r, 1000, 5000));
	unmap_range(&w);
	close(efd);
}

TEST_F(drv, sample_produce_shares_the_cursor)
{
	struct wsheap_sample_record *r1, *r2;
	struct wsheap_create c;
	struct window w1, w2;
	__u64 o1, o2, mine;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, WSHEAP_CREATE_POPULATE, &c, &efd));
	ASSERT_EQ(0, produce(self->dev, efd, 7, 1, &o1));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 13, 0, &mine));
	ASSERT_EQ(0, produce(self->dev, efd, WSHEAP_SAMPLE_MAX, 1ULL << 40, &o2));
	/* the driver's blocks and ours come from the one cursor */
	EXPECT_LE(o1 + 7 * REC_SIZE, mine);
	EXPECT_LE(mine + 13, o2);

	r1 = map_range(self->fd, c.mmap_offset, o1, 7 * REC_SIZE, PROT_READ, &w1);
	ASSERT_NE(NULL, r1);
	r2 = map_range(self->fd, c.mmap_offset, o2, WSHEAP_SAMPLE_MAX * REC_SIZE,
		       PROT_READ, &w2);
	ASSERT_NE(NULL, r2);
	EXPECT_EQ(-1L, check_produced(r1, 7, 1));
	EXPECT_EQ(-1L, check_produced(r2, WSHEAP_SAMPLE_MAX, 1ULL << 40));
	unmap_range(&w1);
	unmap_range(&w2);
	close(efd);
}

TEST_F(drv, sample_consume_counts_good_records)
{
	struct wsheap_sample_record *r;
	struct wsheap_create c;
	struct window w;
	__u64 off;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 3, 0, NULL));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 300 * REC_SIZE, 64, &off));
	r = map_range(self->fd, c.mmap_offset, off, 300 * REC_SIZE,
		      PROT_READ | PROT_WRITE, &w);
	ASSERT_NE(NULL, r);
	write_records(r, 300, 77);
	EXPECT_EQ(300LL, consume(self->dev, efd, 300, off));
	EXPECT_EQ(10LL, consume(self->dev, efd, 10, off + 5 * REC_SIZE));

	/* corrupt some: each no longer counts */
	r[17].check ^= 1;
	EXPECT_EQ(299LL, consume(self->dev, efd, 300, off));
	r[299].value++;
	EXPECT_EQ(298LL, consume(self->dev, efd, 300, off));
	r[0].seq = 7;
	EXPECT_EQ(297LL, consume(self->dev, efd, 300, off));
	EXPECT_EQ(0LL, consume(self->dev, efd, 1, off + 17 * REC_SIZE));
	/* repaired */
	r[17].check ^= 1;
	EXPECT_EQ(298LL, consume(self->dev, efd, 300, off));
	unmap_range(&w);
	close(efd);
}

TEST_F(drv, sample_consume_produced_records)
{
	struct wsheap_sample_record *r;
	struct wsheap_create c;
	struct window w;
	__u64 off;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, produce(self->dev, efd, 500, 9, &off));
	EXPECT_EQ(500LL, consume(self->dev, efd, 500, off));
	r = map_range(self->fd, c.mmap_offset, off, 500 * REC_SIZE,
		      PROT_READ | PROT_WRITE, &w);
	ASSERT_NE(NULL, r);
	/* (not ~value: complementing value leaves the check unchanged) */
	r[250].value ^= 1ULL << 17;
	EXPECT_EQ(499LL, consume(self->dev, efd, 500, off));
	unmap_range(&w);
	close(efd);
}

TEST_F(drv, sample_bad_descriptors)
{
	struct wsheap_version v;
	struct wsheap_create c;
	__u64 off;
	int efd, rfd, p[2], closed;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100 * REC_SIZE, 0, NULL));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &rfd));
	ASSERT_EQ(0, pipe(p));

	EXPECT_EQ(-EPERM, produce(self->dev, rfd, 1, 0, &off));
	EXPECT_EQ(-EPERM, consume(self->dev, rfd, 1, 0));
	EXPECT_EQ(-EINVAL, produce(self->dev, p[0], 1, 0, &off));
	EXPECT_EQ(-EINVAL, consume(self->dev, p[1], 1, 0));
	EXPECT_EQ(-EINVAL, produce(self->dev, self->fd, 1, 0, &off));
	EXPECT_EQ(-EINVAL, consume(self->dev, self->dev, 1, 0));
	closed = p[0];
	close(p[0]);
	EXPECT_EQ(-EBADF, produce(self->dev, closed, 1, 0, &off));
	EXPECT_EQ(-EBADF, consume(self->dev, -1, 1, 0));

	/* count must be 1..WSHEAP_SAMPLE_MAX */
	EXPECT_EQ(-EINVAL, produce(self->dev, efd, 0, 0, &off));
	EXPECT_EQ(-EINVAL, produce(self->dev, efd, WSHEAP_SAMPLE_MAX + 1, 0, &off));
	EXPECT_EQ(-EINVAL, consume(self->dev, efd, 0, 0));
	/* records must lie in what the heap has allocated */
	EXPECT_EQ(-EINVAL, consume(self->dev, efd, 101, 0));
	EXPECT_EQ(-EINVAL, consume(self->dev, efd, 1, 100 * REC_SIZE));
	/* zeroed records check out: wsheap_sample_check(0, 0) == 0 */
	EXPECT_EQ(100LL, consume(self->dev, efd, 100, 0));

	/* none of that allocated anything */
	EXPECT_EQ(100 * REC_SIZE, wsh_info_or_junk(self->fd, c.handle).cursor);
	/* and the driver knows only its own two commands */
	memset(&v, 0, sizeof(v));
	EXPECT_EQ(-ENOTTY, wsh_ioctl(self->dev, WSHEAP_IOC_VERSION, &v));
	close(p[1]);
	close(rfd);
	close(efd);
}

TEST_F(drv, sample_lets_go_of_the_heap)
{
	struct wsheap_sample_record *r;
	struct wsheap_create c;
	struct window w;
	__u64 off;
	int efd;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, produce(self->dev, efd, 50, 3, &off));
	r = map_range(self->fd, c.mmap_offset, off, 50 * REC_SIZE, PROT_READ, &w);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-1L, check_produced(r, 50, 3));
	/* the driver holds nothing after the call: a reset is not refused */
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	EXPECT_EQ(SIGBUS, wsh_touch(r, false));
	ASSERT_EQ(0, produce(self->dev, efd, 50, 4, &off));
	EXPECT_EQ(0ULL, off);
	unmap_range(&w);
	r = map_range(self->fd, c.mmap_offset, off, 50 * REC_SIZE, PROT_READ, &w);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-1L, check_produced(r, 50, 4));
	/* nor does it remain a user: the last DESTROY gives the memory back */
	ASSERT_EQ(0, close(efd));
	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(r, false));
	unmap_range(&w);
}

TEST_F(drv, sample_records_seen_by_other_process)
{
	struct wsheap_create c;
	__u64 off;
	int efd, rfd;
	pid_t pid;
	int status;

	ASSERT_EQ(0, heap_and_export(self->fd, 0, &c, &efd));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &rfd));
	ASSERT_EQ(0, produce(self->dev, efd, 200, 123, &off));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* a read-only importer in a context of its own */
		struct wsheap_sample_record *r;
		struct wsheap_import im;
		struct window w;
		int ctx = wsh_open();

		if (ctx < 0 || wsh_import(ctx, rfd, &im) ||
		    im.access != WSHEAP_ACCESS_RDONLY)
			_exit(2);
		r = map_range(ctx, im.mmap_offset, off, 200 * REC_SIZE, PROT_READ, &w);
		if (!r)
			_exit(3);
		_exit(check_produced(r, 200, 123) == -1 ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, wsh_status_code(status));
	close(rfd);
	close(efd);
}

/* -------------------------------- dma-buf ------------------------------- */

WSH_CONTEXT_FIXTURE(dmabuf);

TEST_F(dmabuf, export_errors)
{
	const __u64 ps = self->ps;
	struct wsheap_export_dmabuf d;
	struct wsheap_create c;
	struct wsheap_import ro;
	int dfd = -1, rfd, ctx2;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 4, 0, 0, &c));

	/* the range */
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, 1, ps, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, ps / 2, ps, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, 0, 0, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, ps, 0, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, 0, 4 * ps + 1, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, 0, 5 * ps, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, 3 * ps, 2 * ps, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, 4 * ps, ps, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, WSHEAP_STATUS_OFFSET,
				     ps, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, ps, UINT64_MAX, &dfd));
	EXPECT_EQ(-EINVAL, wsh_export_dmabuf(self->fd, c.handle, 0, UINT64_MAX & ~(ps - 1),
				     2 * ps, &dfd));

	/* flags, pad, reserved */
	memset(&d, 0, sizeof(d));
	d.handle = c.handle;
	d.size = ps;
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT_DMABUF, d, flags, 1U << 2);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT_DMABUF, d, pad, 1);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT_DMABUF, d, reserved[1], 1);

	/* the handle */
	EXPECT_EQ(-ENOENT, wsh_export_dmabuf(self->fd, 0, 0, 0, ps, &dfd));
	EXPECT_EQ(-ENOENT, wsh_export_dmabuf(self->fd, c.handle + 100, 0, 0, ps, &dfd));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &rfd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, rfd, &ro));
	EXPECT_EQ(-EPERM, wsh_export_dmabuf(ctx2, ro.handle, WSHEAP_DMABUF_RDONLY, 0, ps, &dfd));
	EXPECT_EQ(-1, dfd);

	/* the same arguments, valid, work */
	d.fd = -1;
	EXPECT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_EXPORT_DMABUF, &d));
	EXPECT_LE(0, d.fd);
	close(d.fd);
	close(ctx2);
	close(rfd);
}

TEST_F(dmabuf, mmap_shows_the_range)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h, *d, *d2;
	int dfd, efd, ctx2;
	struct wsheap_import im;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 4, 1, &c, &h));

	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, 0, ps, 2 * ps, &dfd));
	EXPECT_EQ((off_t)(2 * ps), lseek(dfd, 0, SEEK_END));
	d = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d) TH_LOG("mmap dma-buf: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(d, h + ps, 2 * ps));
	/* the same pages: writes go both ways */
	wsh_fill(d, 2 * ps, 2);
	EXPECT_EQ(-1L, wsh_check(h + ps, 2 * ps, 2));
	wsh_fill(h + ps, 2 * ps, 3);
	EXPECT_EQ(-1L, wsh_check(d, 2 * ps, 3));
	/* the pages around the range were left alone */
	EXPECT_EQ(-1L, wsh_check(h, ps, 1));
	/* no bigger than the range */
	EXPECT_EQ(-EINVAL, wsh_try_mmap(3 * ps, PROT_READ, MAP_SHARED, dfd, 0));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(2 * ps, PROT_READ, MAP_SHARED, dfd, ps));
	/* a window on its second page */
	d2 = mmap(NULL, ps, PROT_READ, MAP_SHARED, dfd, ps);
	ASSERT_NE(MAP_FAILED, d2);
	EXPECT_EQ(0, memcmp(d2, h + 2 * ps, ps));
	munmap(d2, ps);

	/* from an imported read-write handle, too */
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, efd, &im));
	close(dfd);
	ASSERT_EQ(0, wsh_export_dmabuf(ctx2, im.handle, 0, 3 * ps, ps, &dfd));
	d2 = mmap(NULL, ps, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d2);
	EXPECT_EQ(0, memcmp(d2, h + 3 * ps, ps));
	munmap(d2, ps);
	munmap(d, 2 * ps);
	munmap(h, 4 * ps);
	close(dfd);
	close(ctx2);
	close(efd);
}

TEST_F(dmabuf, descriptor_flags)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h, *d;
	int dfd, nfd, rfd;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 2, 4, &c, &h));

	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, 0, 0, ps, &dfd));
	EXPECT_EQ(1, wsh_cloexec(dfd));
	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, WSHEAP_DMABUF_NO_CLOEXEC, 0, ps, &nfd));
	EXPECT_EQ(0, wsh_cloexec(nfd));

	/* a read-only dma-buf maps for reading only */
	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, WSHEAP_DMABUF_RDONLY, ps, ps, &rfd));
	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0));
	d = mmap(NULL, ps, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, d) TH_LOG("PROT_READ: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(d, h + ps, ps));
	EXPECT_EQ(-1, mprotect(d, ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, wsh_touch(d, true));
	munmap(d, ps);
	munmap(h, 2 * ps);
	close(dfd);
	close(nfd);
	close(rfd);
}

TEST_F(dmabuf, survives_reset)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h, *d, *d2;
	int dfd;

	/* trim 1 page: page 0 is kept, pages 1..3 given back */
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 4, ps, 0, &c));
	h = wsh_map(self->fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, h);
	wsh_fill(h, 4 * ps, 5);
	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, 0, 0, 4 * ps, &dfd));
	d = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d);

	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	EXPECT_EQ(SIGBUS, wsh_touch(h + ps, false));
	/* the dma-buf still holds the old pages, with their data */
	EXPECT_EQ(-1L, wsh_check(d, 4 * ps, 5));
	d2 = mmap(NULL, 4 * ps, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d2);
	EXPECT_EQ(-1L, wsh_check(d2, 4 * ps, 5));
	munmap(d, 4 * ps);
	d = NULL;

	/*
	 * The heap's new pages are others, the kept one too: the reset gave
	 * every page the dma-buf holds to the dma-buf, so the next generation
	 * starts from fresh zeroed pages and neither side sees the other.
	 */
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 4 * ps, 0, NULL));
	EXPECT_EQ(-1L, wsh_nonzero(h, 4 * ps))
		TH_LOG("the new generation reads the old one's bytes");
	wsh_fill(h, 4 * ps, 6);
	EXPECT_EQ(-1L, wsh_check(d2, 4 * ps, 5))
		TH_LOG("the dma-buf sees the new generation's writes");
	munmap(d2, 4 * ps);
	/* and writes through the dma-buf stay out of the heap */
	d = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d);
	wsh_fill(d, 4 * ps, 9);
	EXPECT_EQ(-1L, wsh_check(h, 4 * ps, 6));
	munmap(d, 4 * ps);
	munmap(h, 4 * ps);
	close(dfd);
}

TEST_F(dmabuf, survives_destroy)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h, *d, *d2;
	int dfd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 3, 0, WSHEAP_CREATE_POPULATE, &c));
	h = wsh_map(self->fd, &c, 0, 3 * ps);
	ASSERT_NE(MAP_FAILED, h);
	wsh_fill(h, ps, 8);
	wsh_fill(h + ps, 2 * ps, 7);
	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, 0, ps, 2 * ps, &dfd));
	d = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d);

	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(h, false));
	EXPECT_EQ(SIGBUS, wsh_touch(h + ps, false));
	EXPECT_EQ(-1L, wsh_check(d, 2 * ps, 7));
	/* the heap is gone, the dma-buf is not: it maps anew with the old data */
	munmap(h, 3 * ps);
	d2 = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d2);
	d2[0] ^= 0xff;
	EXPECT_EQ(d2[0], d[0]);
	d2[0] ^= 0xff;
	munmap(d2, 2 * ps);
	close(dfd);
	/* the mapping holds the dma-buf after its descriptor is closed */
	EXPECT_EQ(0, wsh_touch(d + 2 * ps - 1, false));
	munmap(d, 2 * ps);
}

TEST_HARNESS_MAIN
