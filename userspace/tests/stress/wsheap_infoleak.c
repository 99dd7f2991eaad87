// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap information leaks: every byte the kernel hands to user space is
 * a documented value or zero.
 *
 *  - each ioctl's struct is filled with 0xA5 before the call (inputs set
 *    on top); afterwards it must equal, byte for byte, the struct built
 *    from the inputs and the documented outputs (pads and reserved zero,
 *    nothing left of 0xA5 in an output, no word that looks like a kernel
 *    address);
 *  - a larger struct (zero tail) gets the same answer and its tail stays
 *    zero; a failing call leaves the struct untouched;
 *  - the status page is the documented struct followed by zeros;
 *  - fresh heap pages (lazy, POPULATE, after a reset beyond the trim,
 *    through a dma-buf) are all zero, even right after other memory full
 *    of non-zero bytes was freed.
 */
#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

/* TEST()'s wrapper has an unused parameter (the harness is not -Wextra clean) */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define TAIL	64

/* The largest argument struct, plus a tail for the larger-struct calls. */
union arg {
	union wsh_any_arg s;
	unsigned char b[128 + TAIL];
};

static unsigned long resize(unsigned long cmd, size_t size)
{
	return (cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
	       ((unsigned long)size << _IOC_SIZESHIFT);
}

/* Index of the first byte where @got differs from @want, or -1. */
static long first_diff(const void *got, const void *want, size_t n)
{
	const unsigned char *g = got, *w = want;
	size_t i;

	for (i = 0; i < n; i++)
		if (g[i] != w[i])
			return (long)i;
	return -1;
}

/* A 64-bit word in the kernel's half of the address space. */
static long kernel_looking_word(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		__u64 w;

		memcpy(&w, b + i, 8);
		if ((w >> 47) == 0x1ffff && w != ~0ULL)
			return (long)i;
	}
	return -1;
}

/*
 * Call @cmd on @fd with @in (its output fields 0xA5, inputs set): the
 * result must equal @want; then the same with a struct TAIL bytes larger
 * (zero tail), which must stay zero.  @fixup fills the outputs the caller
 * cannot know (handles, descriptors) into @want from the result.
 */
static void check_call(struct __test_metadata *_metadata, int fd,
		       unsigned long cmd, const void *in, const void *want0,
		       size_t size,
		       void (*fixup)(void *want, const void *got, void *ctx),
		       void *ctx)
{
	union arg a, want;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		size_t usize = size + (pass ? TAIL : 0);

		memset(&a, 0, sizeof(a));
		memcpy(&a, in, size);
		memcpy(&want, want0, size);
		memset(want.b + size, 0, TAIL);
		ASSERT_EQ(0, wsh_ioctl(fd, resize(cmd, usize), &a))
			TH_LOG("cmd %#lx size %zu", cmd, usize);
		if (fixup)
			fixup(&want, &a, ctx);
		EXPECT_EQ(-1L, first_diff(&a, &want, usize))
			TH_LOG("cmd nr %lu: byte %ld is %#x, want %#x", _IOC_NR(cmd),
			       first_diff(&a, &want, usize),
			       a.b[first_diff(&a, &want, usize)],
			       want.b[first_diff(&a, &want, usize)]);
		EXPECT_EQ(-1L, kernel_looking_word(&a, usize));
	}
}

WSH_CONTEXT_FIXTURE(leak);

TEST_F(leak, version)
{
	struct wsheap_version in, want;

	memset(&in, 0xa5, sizeof(in));	/* _IOR: nothing is read */
	memset(&want, 0, sizeof(want));
	want.abi = WSHEAP_ABI_VERSION;
	want.page_size = (__u32)self->ps;
	want.create_flags = WSHEAP_CREATE_FLAGS;
	want.span = WSHEAP_SPAN;
	check_call(_metadata, self->fd, WSHEAP_IOC_VERSION, &in, &want,
		   sizeof(in), NULL, NULL);
}

/*
 * The argument @x of a command on handle @h with every byte the kernel
 * must ignore or overwrite poisoned (0xa5), flags and reserved words 0.
 */
#define POISONED(x, h) do {						\
	memset(&(x), 0xa5, sizeof(x));					\
	(x).handle = (h);						\
	(x).flags = 0;							\
	memset((x).reserved, 0, sizeof((x).reserved));			\
} while (0)

/*
 * The handle a call returned (@got) is the kernel's choice: when it is in
 * range, expect it (*@handle) and the mmap offset derived from it (*@off);
 * note it in @handles (count first) to destroy later.
 */
static void fix_one_handle(__u32 *handle, __u64 *off, __u32 got,
			   __u32 *handles)
{
	if (got && got <= (1u << 23) - 1) {
		*handle = got;
		*off = (__u64)got << WSHEAP_SPAN_SHIFT;
	}
	handles[handles[0]++ + 1] = got;
}

static void fix_create(void *want, const void *got, void *ctx)
{
	struct wsheap_create *w = want;

	fix_one_handle(&w->handle, &w->mmap_offset,
		       ((const struct wsheap_create *)got)->handle, ctx);
}

/* The second RESET pass reports generation 2: patch the expectation. */
static void fix_gen(void *want, const void *got, void *ctx)
{
	struct wsheap_reset *w = want;
	const struct wsheap_reset *g = got;

	(void)ctx;
	if (g->generation == w->generation + 1)
		w->generation = g->generation;
}

/* The second ALLOC pass comes after the first: offset 128. */
static void fix_alloc(void *want, const void *got, void *ctx)
{
	struct wsheap_alloc *w = want;
	int *passes = ctx;

	(void)got;
	if ((*passes)++)
		w->offset = 128;
}

TEST_F(leak, create_alloc_reset_info_destroy)
{
	struct wsheap_create c, cw;
	struct wsheap_alloc a, aw;
	struct wsheap_reset r, rw;
	struct wsheap_info i, iw;
	struct wsheap_destroy d, dc;
	__u32 handles[4] = { 0 };
	int passes = 0;
	__u32 h;
	unsigned char *p;

	memset(&c, 0xa5, sizeof(c));
	c.max_size = 1 << 20;
	c.trim_size = 3 * self->ps;
	c.flags = WSHEAP_CREATE_ZERO_ON_RESET;
	memset(c.reserved, 0, sizeof(c.reserved));
	cw = c;
	cw.mmap_span = WSHEAP_SPAN;
	check_call(_metadata, self->fd, WSHEAP_IOC_CREATE, &c, &cw, sizeof(c),
		   fix_create, handles);
	ASSERT_EQ(2u, handles[0]);
	h = handles[1];
	wsh_destroy(self->fd, handles[2]);

	memset(&a, 0xa5, sizeof(a));
	a.handle = h;
	a.flags = 0;
	a.size = 100;
	a.align = 64;
	memset(a.reserved, 0, sizeof(a.reserved));
	aw = a;
	aw.offset = 0;
	aw.generation = 0;
	/* the larger-struct pass allocates again: offset 128 */
	check_call(_metadata, self->fd, WSHEAP_IOC_ALLOC, &a, &aw, sizeof(a),
		   fix_alloc, &passes);

	p = mmap(NULL, self->ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)((__u64)h << WSHEAP_SPAN_SHIFT));
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;	/* one page resident */

	memset(&i, 0xa5, sizeof(i));
	i.handle = h;
	i.reserved = 0;
	memset(&iw, 0, sizeof(iw));
	iw.handle = h;
	iw.flags = WSHEAP_CREATE_ZERO_ON_RESET;
	iw.max_size = 1 << 20;
	iw.trim_size = 3 * self->ps;
	iw.requested = 200;
	iw.committed = self->ps;
	iw.resident = self->ps;
	iw.cursor = 128 + 100;
	iw.generation = 0;
	check_call(_metadata, self->fd, WSHEAP_IOC_INFO, &i, &iw, sizeof(i),
		   NULL, NULL);

	POISONED(r, h);
	rw = r;
	rw.generation = 1;
	/* twice: generation 1, then 2 */
	check_call(_metadata, self->fd, WSHEAP_IOC_RESET_V0, &r, &rw, sizeof(r),
		   fix_gen, NULL);

	/* DESTROY is _IOW: the kernel writes nothing back */
	POISONED(d, h);
	dc = d;
	ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_DESTROY, &d));
	EXPECT_EQ(0, memcmp(&d, &dc, sizeof(d)));
	munmap(p, self->ps);
}

TEST_F(leak, reset_generations)
{
	struct wsheap_create c;
	struct wsheap_reset r, rw;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	POISONED(r, c.handle);
	rw = r;
	rw.generation = 1;
	check_call(_metadata, self->fd, WSHEAP_IOC_RESET_V0, &r, &rw, sizeof(r),
		   fix_gen, NULL);
}

/*
 * The descriptor a call returned (@got) is what we expect (*@want) when it
 * is open; note it in @fds (count first) to close later.
 */
static void fix_one_fd(__s32 *want, __s32 got, int *fds)
{
	if (got >= 0 && fcntl(got, F_GETFD) >= 0)
		*want = got;
	fds[fds[0]++ + 1] = got;
}

static void fix_fd(void *want, const void *got, void *ctx)
{
	fix_one_fd(&((struct wsheap_export *)want)->fd,
		   ((const struct wsheap_export *)got)->fd, ctx);
}

static void fix_dmabuf_fd(void *want, const void *got, void *ctx)
{
	fix_one_fd(&((struct wsheap_export_dmabuf *)want)->fd,
		   ((const struct wsheap_export_dmabuf *)got)->fd, ctx);
}

static void fix_import(void *want, const void *got, void *ctx)
{
	struct wsheap_import *w = want;

	fix_one_handle(&w->handle, &w->mmap_offset,
		       ((const struct wsheap_import *)got)->handle, ctx);
}

TEST_F(leak, export_import_dmabuf)
{
	struct wsheap_create c;
	struct wsheap_export e, ew;
	struct wsheap_import im, imw;
	struct wsheap_export_dmabuf db, dbw;
	int fds[4] = { 0 }, dfds[4] = { 0 };
	__u32 handles[4] = { 0 };
	int fd2, i;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 2 * self->ps, 0, NULL));

	memset(&e, 0xa5, sizeof(e));
	e.handle = c.handle;
	e.flags = WSHEAP_EXPORT_RDONLY;
	e.pad = 0;
	memset(e.reserved, 0, sizeof(e.reserved));
	ew = e;
	check_call(_metadata, self->fd, WSHEAP_IOC_EXPORT, &e, &ew, sizeof(e),
		   fix_fd, fds);
	ASSERT_EQ(2, fds[0]);

	fd2 = wsh_open();
	ASSERT_LE(0, fd2);
	memset(&im, 0xa5, sizeof(im));
	im.fd = fds[1];
	im.flags = 0;
	memset(im.reserved, 0, sizeof(im.reserved));
	imw = im;
	imw.access = WSHEAP_ACCESS_RDONLY;
	check_call(_metadata, fd2, WSHEAP_IOC_IMPORT, &im, &imw, sizeof(im),
		   fix_import, handles);

	memset(&db, 0xa5, sizeof(db));
	db.handle = c.handle;
	db.flags = WSHEAP_DMABUF_RDONLY;
	db.offset = 0;
	db.size = 2 * self->ps;
	db.pad = 0;
	memset(db.reserved, 0, sizeof(db.reserved));
	dbw = db;
	check_call(_metadata, self->fd, WSHEAP_IOC_EXPORT_DMABUF, &db, &dbw,
		   sizeof(db), fix_dmabuf_fd, dfds);
	for (i = 1; i <= fds[0]; i++)
		close(fds[i]);
	for (i = 1; i <= dfds[0]; i++)
		close(dfds[i]);
	close(fd2);
}

/* "On failure nothing changes and nothing is copied back." */
TEST_F(leak, failing_calls_copy_nothing_back)
{
	static const unsigned long cmds[] = {
		WSHEAP_IOC_ALLOC, WSHEAP_IOC_RESET, WSHEAP_IOC_INFO,
		WSHEAP_IOC_EXPORT, WSHEAP_IOC_EXPORT_DMABUF, WSHEAP_IOC_IMPORT,
	};
	union arg a, before;
	unsigned int k;

	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		memset(&a, 0xa5, sizeof(a));
		/* handle 0 / fd -1 in the first word, reserved zero: ENOENT or EBADF */
		memset(&a, 0, 4);
		if (cmds[k] == WSHEAP_IOC_IMPORT)
			a.s.im.fd = -1;
		switch (k) {
		case 0: memset(a.s.a.reserved, 0, sizeof(a.s.a.reserved)); a.s.a.flags = 0; break;
		case 1: memset(a.s.r.reserved, 0, sizeof(a.s.r.reserved)); a.s.r.flags = 0; break;
		case 2: a.s.i.reserved = 0; break;
		case 3: memset(a.s.e.reserved, 0, sizeof(a.s.e.reserved)); a.s.e.flags = 0; a.s.e.pad = 0; break;
		case 4: memset(a.s.db.reserved, 0, sizeof(a.s.db.reserved)); a.s.db.flags = 0; a.s.db.pad = 0; break;
		case 5: memset(a.s.im.reserved, 0, sizeof(a.s.im.reserved)); a.s.im.flags = 0; break;
		}
		before = a;
		EXPECT_GT(0, wsh_ioctl(self->fd, cmds[k], &a));
		EXPECT_EQ(0, memcmp(&a, &before, sizeof(a)))
			TH_LOG("cmd nr %lu wrote into its struct on failure",
			       _IOC_NR(cmds[k]));
	}
}

TEST_F(leak, status_page_is_struct_then_zeros)
{
	struct wsheap_create c;
	const struct wsheap_status *st;
	const unsigned char *b;
	__u64 gen;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 5000, 0, NULL));
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &gen));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 5000, 0, NULL));
	b = mmap(NULL, self->ps, PROT_READ, MAP_SHARED, self->fd,
		 (off_t)(c.mmap_offset + WSHEAP_STATUS_OFFSET));
	ASSERT_NE(MAP_FAILED, b);
	st = (const void *)b;
	EXPECT_EQ(gen, st->generation);
	EXPECT_EQ(2 * self->ps, st->committed);
	EXPECT_EQ(0u, st->flags);
	EXPECT_EQ(0u, st->pad);
	EXPECT_EQ(-1L, wsh_nonzero(b + sizeof(*st), self->ps - sizeof(*st)));
	/* and what lies beyond the status page is not there */
	EXPECT_EQ(-EINVAL, wsh_try_mmap(2 * self->ps, PROT_READ, MAP_SHARED,
					self->fd, c.mmap_offset + WSHEAP_SPAN -
					self->ps));
	munmap((void *)b, self->ps);
}

/* Dirty memory, then free it: fresh heap pages must still read zero. */
static void churn(size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	memset(p, 0xee, len);
	munmap(p, len);
}

TEST_F(leak, fresh_pages_are_zero)
{
	const size_t n = 64 * self->ps;
	static const __u32 flags[] = { 0, WSHEAP_CREATE_POPULATE };
	struct wsheap_export_dmabuf d;
	struct wsheap_create c;
	unsigned char *p, *q;
	unsigned int k;
	int db;

	for (k = 0; k < 2; k++) {
		churn(32 << 20);
		ASSERT_EQ(0, wsh_create(self->fd, 1 << 30, self->ps, flags[k], &c));
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, n - 100, 0, NULL));
		p = wsh_map(self->fd, &c, 0, n);
		ASSERT_NE(MAP_FAILED, p);
		/* the whole last page, past the allocation too */
		EXPECT_EQ(-1L, wsh_nonzero(p, n)) TH_LOG("flags %u", flags[k]);
		memset(p, 0xee, n);
		/* beyond the one-page trim: fresh pages again */
		ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
		churn(32 << 20);
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, n, 0, NULL));
		EXPECT_EQ(-1L, wsh_nonzero(p + self->ps, n - self->ps))
			TH_LOG("after reset, flags %u", flags[k]);
		/* a dma-buf of pages nobody touched */
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 8 * self->ps, 0, NULL));
		memset(&d, 0, sizeof(d));
		d.handle = c.handle;
		d.offset = n;
		d.size = 8 * self->ps;
		ASSERT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_EXPORT_DMABUF, &d));
		db = d.fd;
		q = mmap(NULL, 8 * self->ps, PROT_READ, MAP_SHARED, db, 0);
		ASSERT_NE(MAP_FAILED, q);
		EXPECT_EQ(-1L, wsh_nonzero(q, 8 * self->ps));
		munmap(q, 8 * self->ps);
		close(db);
		munmap(p, n);
		ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	}
}

TEST_HARNESS_MAIN
