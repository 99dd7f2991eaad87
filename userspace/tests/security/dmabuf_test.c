// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf lifetime, aliasing and limits (issue 10, items 4 and 5).
 *
 * alias: a dma-buf of a page that a RESET keeps (trim covers it) must not
 * alias the heap's next generation: after the reset the dma-buf still has
 * the old data, the heap's new allocation at that offset reads zeros, and
 * writes on either side stay on that side.  With and without ZERO_ON_RESET.
 *
 * pin: the same for a long-term GUP pin, an io_uring fixed buffer (6.12;
 * 6.1 refuses to pin such mappings, and the case skips there).
 *
 * limits: dma-bufs count against max_bytes_total and max_bytes_per_context
 * for as long as they live, so create / fill / export / destroy rounds
 * cannot hold more than the limit; and so do io_uring pins (6.12).
 */
#include "wsh_sec.h"

#include <sys/mman.h>

#define SEED_OLD	11
#define SEED_HEAP	12
#define SEED_DMABUF	13

/* ------------------------------- item 4 --------------------------------- */

FIXTURE(alias) {
	int fd;
	int dfd;
	struct wsheap_create c;
	unsigned char *h;	/* the heap's page 0 */
	unsigned char *d;	/* the dma-buf of it */
	size_t ps;
};

WSH_CREATE_FLAG_VARIANTS(alias);

FIXTURE_SETUP(alias)
{
	self->ps = wsh_ps();
	self->fd = wsh_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	/* trim one page: a reset keeps page 0, the one the dma-buf covers */
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, self->ps, variant->flags,
					 &self->c));
	self->h = wsh_map(self->fd, &self->c, 0, self->ps);
	ASSERT_NE(MAP_FAILED, self->h);
	wsh_fill(self->h, self->ps, SEED_OLD);
	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, self->c.handle, 0, 0, self->ps,
				       &self->dfd));
	self->d = mmap(NULL, self->ps, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->dfd, 0);
	ASSERT_NE(MAP_FAILED, self->d);
	/* before the reset, both are the heap's one page */
	ASSERT_EQ(-1L, wsh_check(self->d, self->ps, SEED_OLD));
}

FIXTURE_TEARDOWN(alias)
{
	munmap(self->d, self->ps);
	munmap(self->h, self->ps);
	close(self->dfd);
	close(self->fd);
}

/* RESET, then a new allocation over the dma-buf's offset. */
static int reset_and_realloc(FIXTURE_DATA(alias) *self)
{
	struct wsheap_reset r;
	__u64 off = 1;
	int ret;

	memset(&r, 0, sizeof(r));
	r.handle = self->c.handle;
	ret = wsh_ioctl(self->fd, WSHEAP_IOC_RESET, &r);
	if (ret)
		return ret;
	ret = wsh_alloc(self->fd, self->c.handle, self->ps, 0, &off);
	return ret ? ret : (off ? -EINVAL : 0);
}

TEST_F(alias, heap_writes_after_reset_stay_out_of_dmabuf)
{
	unsigned char *d2;

	ASSERT_EQ(0, reset_and_realloc(self));
	/* (a) the dma-buf keeps the data it had */
	EXPECT_EQ(-1L, wsh_check(self->d, self->ps, SEED_OLD))
		TH_LOG("the reset changed the dma-buf's page");
	/* (b) the new generation starts from zeros ... */
	EXPECT_EQ(-1L, wsh_nonzero(self->h, self->ps))
		TH_LOG("the new generation reads the old generation's bytes");
	/* ... and its writes do not reach the dma-buf */
	wsh_fill(self->h, self->ps, SEED_HEAP);
	EXPECT_EQ(-1L, wsh_check(self->d, self->ps, SEED_OLD))
		TH_LOG("the dma-buf holder reads the next generation's data");
	d2 = mmap(NULL, self->ps, PROT_READ, MAP_SHARED, self->dfd, 0);
	ASSERT_NE(MAP_FAILED, d2);
	EXPECT_EQ(-1L, wsh_check(d2, self->ps, SEED_OLD));
	munmap(d2, self->ps);
}

TEST_F(alias, dmabuf_writes_after_reset_stay_out_of_heap)
{
	ASSERT_EQ(0, reset_and_realloc(self));
	/* (c) the dma-buf holder writes its own page, not the new allocation */
	wsh_fill(self->d, self->ps, SEED_DMABUF);
	EXPECT_EQ(-1L, wsh_nonzero(self->h, self->ps))
		TH_LOG("the dma-buf holder wrote into the owner's new allocation");
	wsh_fill(self->h, self->ps, SEED_HEAP);
	EXPECT_EQ(-1L, wsh_check(self->d, self->ps, SEED_DMABUF));
	EXPECT_EQ(-1L, wsh_check(self->h, self->ps, SEED_HEAP));
}

/* ------------------------ the same for a GUP pin ------------------------- */

FIXTURE(pin) {
	int fd;
	int file;		/* a memfd the fixed-buffer I/O goes through */
	struct wsheap_create c;
	unsigned char *h;
	unsigned char *buf;	/* a page of file data */
	struct wsh_uring u;
	size_t ps;
};

WSH_CREATE_FLAG_VARIANTS(pin);

FIXTURE_SETUP(pin)
{
	struct iovec iov;
	int ret;

	self->ps = wsh_ps();
	self->u.fd = -1;
	self->fd = wsh_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	self->file = memfd_create("wsheap-pin", MFD_CLOEXEC);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, ftruncate(self->file, (off_t)self->ps));
	self->buf = malloc(self->ps);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, self->ps, variant->flags,
					 &self->c));
	self->h = wsh_map(self->fd, &self->c, 0, self->ps);
	ASSERT_NE(MAP_FAILED, self->h);
	wsh_fill(self->h, self->ps, SEED_OLD);

	ret = wsh_uring_setup(4, &self->u);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "no io_uring: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	iov.iov_base = self->h;
	iov.iov_len = self->ps;
	ret = wsh_uring_register_buffers(&self->u, &iov, 1);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "this kernel does not pin file mappings long-term (6.1)");
	ASSERT_EQ(0, ret) TH_LOG("IORING_REGISTER_BUFFERS: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(pin)
{
	if (self->u.fd >= 0)
		wsh_uring_exit(&self->u);
	munmap(self->h, self->ps);
	free(self->buf);
	close(self->file);
	close(self->fd);
}

TEST_F(pin, fixed_buffer_after_reset_is_not_the_next_generation)
{
	struct wsheap_reset r;
	__u64 off = 1;

	memset(&r, 0, sizeof(r));
	r.handle = self->c.handle;
	ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_RESET, &r))
		TH_LOG("RESET with a pinned page");
	ASSERT_EQ(0, wsh_alloc(self->fd, self->c.handle, self->ps, 0, &off));
	ASSERT_EQ(0ULL, off);
	EXPECT_EQ(-1L, wsh_nonzero(self->h, self->ps))
		TH_LOG("the new generation reads the old generation's bytes");
	wsh_fill(self->h, self->ps, SEED_HEAP);

	/* the pinned buffer still holds the old generation's data */
	ASSERT_EQ((int)self->ps,
		  wsh_uring_rw_fixed(&self->u, IORING_OP_WRITE_FIXED, self->file,
				     self->h, (__u32)self->ps, 0, 0));
	ASSERT_EQ((ssize_t)self->ps, pread(self->file, self->buf, self->ps, 0));
	EXPECT_EQ(-1L, wsh_check(self->buf, self->ps, SEED_OLD))
		TH_LOG("the fixed buffer sends the next generation's data");

	/* and I/O into it does not land in the new allocation */
	wsh_fill(self->buf, self->ps, SEED_DMABUF);
	ASSERT_EQ((ssize_t)self->ps, pwrite(self->file, self->buf, self->ps, 0));
	ASSERT_EQ((int)self->ps,
		  wsh_uring_rw_fixed(&self->u, IORING_OP_READ_FIXED, self->file,
				     self->h, (__u32)self->ps, 0, 0));
	EXPECT_EQ(-1L, wsh_check(self->h, self->ps, SEED_HEAP))
		TH_LOG("a READ_FIXED into the old pin wrote the owner's new allocation");
}

/* ------------------------------- item 5 --------------------------------- */

#define LIMIT		(4ULL << 20)
#define ROUND_BYTES	(1ULL << 20)
#define ROUNDS		64

/* What a round keeps after it destroyed its heap. */
enum holder { HOLD_DMABUF, HOLD_PIN };

struct held {
	int dfd;		/* HOLD_DMABUF */
	struct wsh_uring u;	/* HOLD_PIN: the ring the pages are registered in */
};

FIXTURE(limits) {
	const char *param;
	char saved[64];
	bool have;
};

FIXTURE_VARIANT(limits) {
	const char *param;
	enum holder hold;
};

FIXTURE_VARIANT_ADD(limits, max_bytes_total) {
	.param = "max_bytes_total", .hold = HOLD_DMABUF,
};
FIXTURE_VARIANT_ADD(limits, max_bytes_per_context) {
	.param = "max_bytes_per_context", .hold = HOLD_DMABUF,
};
/*
 * Not in ABI-v2's list, but DESIGN.md: "every page is accounted until it is
 * really freed, whoever holds it (dma-buf, pin, mapping)".
 */
FIXTURE_VARIANT_ADD(limits, pins_max_bytes_total) {
	.param = "max_bytes_total", .hold = HOLD_PIN,
};

FIXTURE_SETUP(limits)
{
	struct wsh_uring u;
	int ret;

	self->param = variant->param;
	if (geteuid() != 0)
		SKIP(return, "module parameters need root");
	if (variant->hold == HOLD_PIN) {
		ret = wsh_uring_setup(1, &u);
		if (ret == -ENOSYS || ret == -EPERM)
			SKIP(return, "no io_uring: %s", strerror(-ret));
		ASSERT_EQ(0, ret);
		wsh_uring_exit(&u);
	}
	self->have = !wsh_param_read(self->param, self->saved, sizeof(self->saved));
	ASSERT_TRUE(self->have) TH_LOG(WSH_PARAM_DIR "%s is missing", self->param);
}

/* In the harness's parent: the old value comes back even after a crash. */
FIXTURE_TEARDOWN_PARENT(limits)
{
	if (self->have)
		EXPECT_EQ(0, wsh_param_write(self->param, self->saved))
			TH_LOG("restoring %s=%s", self->param, self->saved);
}

/* Keep the pages of @p: a dma-buf of the heap range, or an io_uring pin. */
static int hold_pages(int fd, const struct wsheap_create *c, void *p,
		      enum holder hold, struct held *h, const char **step)
{
	struct iovec iov = { .iov_base = p, .iov_len = ROUND_BYTES };
	int ret;

	if (hold == HOLD_DMABUF) {
		*step = "EXPORT_DMABUF";
		return wsh_export_dmabuf(fd, c->handle, 0, 0, ROUND_BYTES, &h->dfd);
	}
	*step = "IORING_REGISTER_BUFFERS";
	ret = wsh_uring_setup(1, &h->u);
	if (ret)
		return ret;
	ret = wsh_uring_register_buffers(&h->u, &iov, 1);
	if (ret)
		wsh_uring_exit(&h->u);
	return ret;
}

static void release_pages(enum holder hold, struct held *h)
{
	if (hold == HOLD_DMABUF)
		close(h->dfd);
	else
		wsh_uring_exit(&h->u);
}

/* One round: a heap, 1 MiB filled, its pages held, the heap destroyed. */
static int limit_round(int fd, unsigned int seed, enum holder hold,
		       struct held *h, const char **step)
{
	struct wsheap_create c;
	unsigned char *p;
	int ret;

	*step = "CREATE";
	ret = wsh_create(fd, UINT64_MAX, 0, 0, &c);
	if (ret)
		return ret;
	*step = "ALLOC";
	ret = wsh_alloc(fd, c.handle, ROUND_BYTES, 0, NULL);
	if (!ret) {
		*step = "mmap";
		p = wsh_map(fd, &c, 0, ROUND_BYTES);
		ret = p == MAP_FAILED ? -errno : 0;
		if (!ret) {
			wsh_fill(p, ROUND_BYTES, seed);
			ret = hold_pages(fd, &c, p, hold, h, step);
			munmap(p, ROUND_BYTES);
		}
	}
	wsh_destroy(fd, c.handle);
	return ret;
}

TEST_F_TIMEOUT(limits, held_pages_count_until_released, 120)
{
	static struct held held[ROUNDS];
	const char *step = "";
	int n, i, fd, ret = 0;
	unsigned char *d;

	ASSERT_EQ(0, wsh_param_write_u64(self->param, LIMIT));
	fd = wsh_open();
	ASSERT_LE(0, fd);
	for (n = 0; n < ROUNDS; n++) {
		ret = limit_round(fd, (unsigned int)n, variant->hold, &held[n], &step);
		if (ret)
			break;
	}
	if (variant->hold == HOLD_PIN && n == 0 && ret == -EOPNOTSUPP) {
		close(fd);
		SKIP(return, "this kernel does not pin file mappings long-term (6.1)");
	}
	TH_LOG("%s=%llu: %d rounds held %llu KiB after their heaps were destroyed; then %s: %s",
	       self->param, LIMIT, n, n * ROUND_BYTES >> 10, step,
	       ret ? strerror(-ret) : "never failed");
	EXPECT_GE(LIMIT, n * ROUND_BYTES) TH_LOG("held pages escaped the limit");
	EXPECT_TRUE(ret == -ENOMEM || ret == -EDQUOT) TH_LOG("%s: %s", step, strerror(-ret));
	for (i = 0; i < n; i++) {
		/* a dma-buf still holds its data */
		if (variant->hold == HOLD_DMABUF) {
			d = mmap(NULL, ROUND_BYTES, PROT_READ, MAP_SHARED,
				 held[i].dfd, 0);
			ASSERT_NE(MAP_FAILED, d);
			EXPECT_EQ(-1L, wsh_check(d, ROUND_BYTES, (unsigned int)i));
			munmap(d, ROUND_BYTES);
		}
		release_pages(variant->hold, &held[i]);
	}
	/* released, they count no more (an io_uring drops its pins async) */
	for (i = 0; i < 50; i++) {
		ret = limit_round(fd, 99, variant->hold, &held[0], &step);
		if (ret != -ENOMEM && ret != -EDQUOT)
			break;
		wsh_sleep_ms(20);
	}
	EXPECT_EQ(0, ret) TH_LOG("after releasing every holder, %s: %s", step,
				 strerror(-ret));
	if (!ret)
		release_pages(variant->hold, &held[0]);
	close(fd);
}

TEST_HARNESS_MAIN
