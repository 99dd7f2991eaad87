// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap sharing: EXPORT and IMPORT, read-only access, the status page,
 * descriptors passed over SCM_RIGHTS, through fork() and execve(), resets
 * seen by other processes, and when a shared heap's memory is given back.
 *
 * Code that runs in a forked child never uses ASSERT/EXPECT: it returns 0 or
 * reports the failing line on stderr and returns 1, and the parent asserts
 * on the exit status.
 */
#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

#include <limits.h>
#include <setjmp.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* ------------------------------- helpers -------------------------------- */

/* mmap [@off, @off + @len) at mmap offset @base of @fd (a context or an export). */
static void *sh_map(int fd, __u64 base, __u64 off, size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)(base + off));
}

/* The status page of the heap at mmap offset @base; NULL on failure. */
static struct wsheap_status *sh_status(int fd, __u64 base)
{
	void *p = mmap(NULL, wsh_ps(), PROT_READ, MAP_SHARED, fd,
		       (off_t)(base + WSHEAP_STATUS_OFFSET));

	return p == MAP_FAILED ? NULL : p;
}

static __u64 sh_gen(const struct wsheap_status *st)
{
	return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

static __u64 sh_committed(const struct wsheap_status *st)
{
	return __atomic_load_n(&st->committed, __ATOMIC_RELAXED);
}

static __u32 sh_flags(const struct wsheap_status *st)
{
	return __atomic_load_n(&st->flags, __ATOMIC_ACQUIRE);
}

static __u64 sh_seq(const struct wsheap_status *st)
{
	return __atomic_load_n(&st->sequence, __ATOMIC_ACQUIRE);
}

/*
 * Wait, without a system call, until the status page's generation differs
 * from @old and the reset is complete (sequence even); returns the new
 * generation, or @old after about ten seconds.
 */
static __u64 sh_wait_gen(const struct wsheap_status *st, __u64 old)
{
	struct timespec t0, t;
	unsigned long spins;
	__u64 g;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (spins = 1;; spins++) {
		g = sh_gen(st);
		if (g != old && !(sh_seq(st) & 1))
			return g;
		__builtin_ia32_pause();
		/* a clock check now and then only bounds the wait */
		if (!(spins & 0xffff)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec > 10)
				return old;
		}
	}
}

/* Send one 64-bit word, and the descriptor @fd with it unless it is < 0. */
static int sh_send(int sock, __u64 word, int fd)
{
	return wsh_send_fd(sock, fd, &word, sizeof(word), 0) ? -1 : 0;
}

/* Receive one word, and a descriptor into @fd (if not NULL; -1 if none). */
static int sh_recv(int sock, __u64 *word, int *fd)
{
	int got;
	ssize_t n = wsh_recv_fd(sock, &got, word, sizeof(*word), 0);

	if (fd)
		*fd = got;
	else if (got >= 0)
		close(got);
	return n == sizeof(*word) ? 0 : -1;
}

/* Receive a word and require it to be @want. */
static int sh_expect(int sock, __u64 want)
{
	__u64 w;

	return sh_recv(sock, &w, NULL) || w != want ? -1 : 0;
}

static sigjmp_buf sh_jb;

static void sh_fault_handler(int sig)
{
	siglongjmp(sh_jb, sig);
}

/*
 * Access one byte in this process, catching the fault: 0 if it worked, else
 * the signal (SIGBUS, SIGSEGV).  A write stores the byte's own value.
 */
static int sh_probe(volatile unsigned char *p, bool write)
{
	struct sigaction sa, obus, osegv;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sh_fault_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	sig = sigsetjmp(sh_jb, 1);
	if (!sig) {
		if (write)
			*p = *p;
		else
			(void)*p;
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return sig;
}

/* ------------------------------- fixture -------------------------------- */

WSH_CONTEXT_FIXTURE(share);

/* -------------------------------- EXPORT -------------------------------- */

TEST_F(share, export_fd_maps_heap_offsets)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h, *e, *mid;
	int efd;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 4, 1, &c, &h));

	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	EXPECT_LE(0, efd);
	/* the descriptor's offsets are heap offsets: 0 is the heap's byte 0 */
	e = sh_map(efd, 0, 0, 4 * ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, e) TH_LOG("mmap export: %s", strerror(errno));
	EXPECT_EQ(-1L, wsh_check(e, 4 * ps, 1));
	wsh_fill(e, 4 * ps, 2);
	EXPECT_EQ(-1L, wsh_check(h, 4 * ps, 2));

	mid = sh_map(efd, 0, 2 * ps, ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, mid);
	EXPECT_EQ(0, memcmp(mid, h + 2 * ps, ps));
	munmap(mid, ps);

	/* as through the context: shared only, SIGBUS beyond committed */
	EXPECT_EQ(-EINVAL, wsh_try_mmap(ps, PROT_READ, MAP_PRIVATE, efd, 0));
	mid = sh_map(efd, 0, 4 * ps, ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, mid);
	EXPECT_EQ(SIGBUS, wsh_touch(mid, false));
	/* ... until the heap commits the page */
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, ps, 0, NULL));
	EXPECT_EQ(-1L, wsh_nonzero(mid, ps));
	munmap(mid, ps);

	munmap(e, 4 * ps);
	munmap(h, 4 * ps);
	close(efd);
}

TEST_F(share, export_errors)
{
	struct wsheap_create c;
	struct wsheap_export e;
	int other, efd = -1;
	__u32 dead;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));

	memset(&e, 0, sizeof(e));
	e.handle = c.handle;
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT, e, flags, 1U << 2);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT, e, flags, 0x80000000U);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT, e, pad, 1);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_EXPORT, e, reserved[0], 1);
	e.reserved[1] = 1ULL << 63;
	EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_EXPORT, &e));

	EXPECT_EQ(-ENOENT, wsh_export(self->fd, 0, 0, &efd));
	EXPECT_EQ(-ENOENT, wsh_export(self->fd, c.handle + 1000, 0, &efd));
	EXPECT_EQ(-ENOENT, wsh_export(self->fd, ~0U, WSHEAP_EXPORT_RDONLY, &efd));

	/* a destroyed handle */
	ASSERT_EQ(0, wsh_create(self->fd, 4096, 0, 0, NULL));
	ASSERT_EQ(0, wsh_create(self->fd, 4096, 0, 0, &c));
	dead = c.handle;
	ASSERT_EQ(0, wsh_destroy(self->fd, dead));
	EXPECT_EQ(-ENOENT, wsh_export(self->fd, dead, 0, &efd));

	/* a handle of another context */
	other = wsh_open();
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, wsh_export(other, c.handle - 1, 0, &efd));
	close(other);
	EXPECT_EQ(-1, efd);	/* never written on failure */
}

TEST_F(share, export_cloexec_by_default)
{
	struct wsheap_create c;
	int efd, nfd, rfd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	EXPECT_EQ(1, wsh_cloexec(efd));

	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_NO_CLOEXEC, &nfd));
	EXPECT_EQ(0, wsh_cloexec(nfd));

	ASSERT_EQ(0, wsh_export(self->fd, c.handle,
			       WSHEAP_EXPORT_RDONLY | WSHEAP_EXPORT_NO_CLOEXEC, &rfd));
	EXPECT_EQ(0, wsh_cloexec(rfd));
	/* every export is a new descriptor; O_RDWR unless RDONLY */
	EXPECT_NE(efd, nfd);
	EXPECT_NE(nfd, rfd);
	EXPECT_EQ(O_RDWR, fcntl(efd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDONLY, fcntl(rfd, F_GETFL) & O_ACCMODE);
	close(efd);
	close(nfd);
	close(rfd);
}

TEST_F(share, export_rdonly_fd_refuses_write)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h, *r;
	int rfd;

	ASSERT_EQ(0, wsh_exported_heap(self->fd, 2, 3, WSHEAP_EXPORT_RDONLY, &c, &h, &rfd));

	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0));
	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_WRITE, MAP_SHARED, rfd, ps));

	r = sh_map(rfd, 0, 0, 2 * ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, r) TH_LOG("PROT_READ of a read-only export: %s",
					strerror(errno));
	EXPECT_EQ(-1L, wsh_check(r, 2 * ps, 3));
	/* it sees later writes by the owner */
	h[ps + 5] = 0x42;
	EXPECT_EQ(0x42, r[ps + 5]);
	EXPECT_EQ(-1, mprotect(r, ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, wsh_touch(r, true));
	EXPECT_EQ(0x42, h[ps + 5]);
	munmap(r, 2 * ps);
	munmap(h, 2 * ps);
	close(rfd);
}

/* -------------------------------- IMPORT -------------------------------- */

TEST_F(share, import_in_another_context)
{
	const size_t ps = self->ps;
	struct wsheap_info a, b;
	struct wsheap_create c;
	struct wsheap_import im;
	unsigned char *h, *v;
	int efd, ctx2;

	ASSERT_EQ(0, wsh_create(self->fd, 1 << 20, 3 * ps, 0, &c));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 3 * ps - 10, 0, NULL));
	h = wsh_map(self->fd, &c, 0, 3 * ps);
	ASSERT_NE(MAP_FAILED, h);
	wsh_fill(h, 3 * ps, 4);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));

	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	memset(&im, 0xff, sizeof(im));
	im.fd = efd;
	im.flags = 0;
	memset(im.reserved, 0, sizeof(im.reserved));
	ASSERT_EQ(0, wsh_ioctl(ctx2, WSHEAP_IOC_IMPORT, &im));
	EXPECT_NE(0U, im.handle);
	EXPECT_EQ(0U, im.access);
	EXPECT_EQ((__u64)im.handle << WSHEAP_SPAN_SHIFT, im.mmap_offset);
	EXPECT_EQ(efd, im.fd);

	/* the same heap: same INFO, same bytes */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &a));
	ASSERT_EQ(0, wsh_info(ctx2, im.handle, &b));
	b.handle = a.handle;
	EXPECT_TRUE(wsh_info_same(&a, &b));
	EXPECT_EQ(1ULL << 20, b.max_size);
	EXPECT_EQ(3ULL * ps, b.trim_size);
	EXPECT_EQ(3ULL * ps - 10, b.requested);

	v = sh_map(ctx2, im.mmap_offset, 0, 3 * ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, v) TH_LOG("mmap imported: %s", strerror(errno));
	EXPECT_EQ(-1L, wsh_check(v, 3 * ps, 4));
	wsh_fill(v, 3 * ps, 5);
	EXPECT_EQ(-1L, wsh_check(h, 3 * ps, 5));

	/* the imported handle means nothing in the creating context */
	if (im.handle != c.handle)
		EXPECT_EQ(-ENOENT, wsh_info(self->fd, im.handle, NULL));
	munmap(v, 3 * ps);
	munmap(h, 3 * ps);
	close(ctx2);
	close(efd);
}

TEST_F(share, import_in_same_context_is_new_handle)
{
	struct wsheap_create c;
	struct wsheap_import im, im2;
	struct wsheap_info i;
	__u64 o1, o2;
	int efd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ASSERT_EQ(0, wsh_import(self->fd, efd, &im));
	ASSERT_EQ(0, wsh_import(self->fd, efd, &im2));
	EXPECT_NE(c.handle, im.handle);
	EXPECT_NE(im.handle, im2.handle);
	EXPECT_NE(c.mmap_offset, im.mmap_offset);

	ASSERT_EQ(0, wsh_alloc(self->fd, im.handle, 100, 0, &o1));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 100, 0, &o2));
	EXPECT_EQ(wsh_ps(), o1);
	EXPECT_EQ(wsh_ps() + 104, o2);
	ASSERT_EQ(0, wsh_info(self->fd, im2.handle, &i));
	EXPECT_EQ(wsh_ps() + 204, i.cursor);

	/* dropping one handle leaves the others working */
	EXPECT_EQ(0, wsh_destroy(self->fd, im.handle));
	EXPECT_EQ(0, wsh_info(self->fd, c.handle, NULL));
	EXPECT_EQ(0, wsh_info(self->fd, im2.handle, NULL));
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, im.handle, NULL));
	close(efd);
}

TEST_F(share, import_not_an_export_einval)
{
	struct wsheap_create c;
	int p[2], null, ctx2, sv[2], dfd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, p[0], NULL));
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, p[1], NULL));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, null, NULL));
	/* a context is not an export, not even its own */
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, self->fd, NULL));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, ctx2, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, sv[0], NULL));
	/* nor is a dma-buf of a heap */
	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, c.handle, 0, 0, wsh_ps(), &dfd));
	EXPECT_EQ(-EINVAL, wsh_import(self->fd, dfd, NULL));
	/* none of that harmed the heap */
	EXPECT_EQ(0, wsh_info(self->fd, c.handle, NULL));
	close(dfd);
	close(sv[0]);
	close(sv[1]);
	close(ctx2);
	close(null);
	close(p[0]);
	close(p[1]);
}

TEST_F(share, import_bad_fd_ebadf)
{
	struct wsheap_create c;
	int efd, closed;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	closed = efd;
	ASSERT_EQ(0, close(efd));
	EXPECT_EQ(-EBADF, wsh_import(self->fd, closed, NULL));
	EXPECT_EQ(-EBADF, wsh_import(self->fd, -1, NULL));
	EXPECT_EQ(-EBADF, wsh_import(self->fd, INT_MIN, NULL));
	EXPECT_EQ(-EBADF, wsh_import(self->fd, 1 << 29, NULL));
}

TEST_F(share, import_flags_reserved_einval)
{
	struct wsheap_create c;
	struct wsheap_import im;
	int efd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	memset(&im, 0, sizeof(im));
	im.fd = efd;
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_IMPORT, im, flags, 1);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_IMPORT, im, flags, WSHEAP_ACCESS_RDONLY << 4);
	EXPECT_EINVAL_WITH(self->fd, WSHEAP_IOC_IMPORT, im, reserved[0], 1);
	im.reserved[1] = 2;
	EXPECT_EQ(-EINVAL, wsh_ioctl(self->fd, WSHEAP_IOC_IMPORT, &im));
	/* nothing was copied back on failure */
	EXPECT_EQ(0U, im.handle);
	EXPECT_EQ(0ULL, im.mmap_offset);
	im.reserved[1] = 0;
	EXPECT_EQ(0, wsh_ioctl(self->fd, WSHEAP_IOC_IMPORT, &im));
	close(efd);
}

/* ------------------------------ read-only ------------------------------- */

TEST_F(share, rdonly_import_commands)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_import ro, again;
	struct wsheap_info a, b;
	int rfd, efd2, dfd, ctx2;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &rfd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, rfd, &ro));
	EXPECT_EQ(WSHEAP_ACCESS_RDONLY, ro.access);

	/* INFO works */
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &a));
	ASSERT_EQ(0, wsh_info(ctx2, ro.handle, &b));
	b.handle = a.handle;
	EXPECT_TRUE(wsh_info_same(&a, &b));

	/* nothing that changes the heap */
	EXPECT_EQ(-EPERM, wsh_alloc(ctx2, ro.handle, 8, 0, NULL));
	EXPECT_EQ(-EPERM, wsh_alloc(ctx2, ro.handle, 0, 0, NULL));
	EXPECT_EQ(-EPERM, wsh_reset(ctx2, ro.handle, NULL));
	EXPECT_EQ(-EPERM, wsh_export_dmabuf(ctx2, ro.handle, 0, 0, ps, &dfd));
	EXPECT_EQ(-EPERM, wsh_export_dmabuf(ctx2, ro.handle, WSHEAP_DMABUF_RDONLY,
					   0, ps, &dfd));
	EXPECT_EQ(-EPERM, wsh_export(ctx2, ro.handle, 0, &efd2));
	EXPECT_EQ(-EPERM, wsh_export(ctx2, ro.handle, WSHEAP_EXPORT_NO_CLOEXEC, &efd2));
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &b));
	EXPECT_TRUE(wsh_info_same(&a, &b));

	/* it may pass on read-only access, which stays read-only */
	ASSERT_EQ(0, wsh_export(ctx2, ro.handle, WSHEAP_EXPORT_RDONLY, &efd2));
	ASSERT_EQ(0, wsh_import(self->fd, efd2, &again));
	EXPECT_EQ(WSHEAP_ACCESS_RDONLY, again.access);
	EXPECT_EQ(-EPERM, wsh_alloc(self->fd, again.handle, 8, 0, NULL));
	/* a read-write export imports read-write */
	ASSERT_EQ(0, wsh_destroy(self->fd, again.handle));
	close(efd2);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd2));
	ASSERT_EQ(0, wsh_import(ctx2, efd2, &again));
	EXPECT_EQ(0U, again.access);
	EXPECT_EQ(0, wsh_alloc(ctx2, again.handle, 8, 0, NULL));

	/* a read-only handle can be dropped */
	EXPECT_EQ(0, wsh_destroy(ctx2, ro.handle));
	EXPECT_EQ(-ENOENT, wsh_info(ctx2, ro.handle, NULL));
	EXPECT_EQ(0, wsh_info(self->fd, c.handle, NULL));
	close(efd2);
	close(ctx2);
	close(rfd);
}

TEST_F(share, rdonly_import_maps_read_only)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_import ro;
	unsigned char *h, *r;
	int rfd, ctx2;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 2, 6, &c, &h));
	wsh_fill(h + ps, ps, 6);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &rfd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, rfd, &ro));
	close(rfd);

	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_READ | PROT_WRITE, MAP_SHARED,
					ctx2, ro.mmap_offset));
	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_WRITE, MAP_SHARED, ctx2,
					ro.mmap_offset + ps));

	r = sh_map(ctx2, ro.mmap_offset, 0, 2 * ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, r) TH_LOG("PROT_READ: %s", strerror(errno));
	EXPECT_EQ(-1L, wsh_check(r, ps, 6));
	EXPECT_EQ(-1L, wsh_check(r + ps, ps, 6));
	wsh_fill(h, ps, 7);
	EXPECT_EQ(-1L, wsh_check(r, ps, 7));
	EXPECT_EQ(-1, mprotect(r, 2 * ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, wsh_touch(r + ps, true));
	EXPECT_EQ(-1L, wsh_check(h, ps, 7));
	EXPECT_EQ(-1L, wsh_check(h + ps, ps, 6));
	munmap(r, 2 * ps);
	munmap(h, 2 * ps);
	close(ctx2);
}

/* ---------------------------- one bump cursor --------------------------- */

TEST_F(share, alloc_cursor_is_shared)
{
	struct wsheap_create c;
	struct wsheap_import im;
	struct wsheap_info a, b;
	__u64 off, end = 0, g;
	int efd, ctx2, i;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, efd, &im));
	close(efd);

	for (i = 0; i < 40; i++) {
		int fd = i & 1 ? ctx2 : self->fd;
		__u32 h = i & 1 ? im.handle : c.handle;
		__u64 size = 1 + (__u64)i * 37, align = 1ULL << (i % 7);

		ASSERT_EQ(0, wsh_alloc_gen(fd, h, size, align, &off, &g));
		EXPECT_EQ(0ULL, g);
		EXPECT_EQ(wsh_align_up(end, align), off) TH_LOG("alloc %d", i);
		EXPECT_EQ(0ULL, off & (align - 1));
		end = off + size;
	}
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &a));
	ASSERT_EQ(0, wsh_info(ctx2, im.handle, &b));
	EXPECT_EQ(end, a.cursor);
	EXPECT_EQ(end, b.cursor);
	EXPECT_EQ(a.requested, b.requested);
	EXPECT_EQ(a.committed, b.committed);

	/* a reset through either handle resets the one cursor */
	ASSERT_EQ(0, wsh_reset(ctx2, im.handle, &g));
	EXPECT_EQ(1ULL, g);
	ASSERT_EQ(0, wsh_alloc_gen(self->fd, c.handle, 8, 0, &off, &g));
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(1ULL, g);
	close(ctx2);
}

struct blk {
	__u64 off;
	__u64 size;
	unsigned char owner;
};

static int blk_cmp(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

#define RACE_N		1500
#define RACE_WIN	(1UL << 20)

/* Allocate RACE_N blocks, stamping each with @owner, into @out. */
static int race_allocs(int fd, __u32 h, unsigned char *map, unsigned char owner,
		       struct blk *out, int go)
{
	char c;
	int i;

	CK(read(go, &c, 1) == 1);
	for (i = 0; i < RACE_N; i++) {
		__u64 size = 8 + (__u64)((i * 13 + owner) % 57), off;

		CK(wsh_alloc(fd, h, size, 0, &off) == 0);
		CK(off + size <= RACE_WIN);
		memset(map + off, owner, size);
		out[i].off = off;
		out[i].size = size;
		out[i].owner = owner;
	}
	return 0;
}

TEST_F(share, alloc_concurrent_two_processes_never_overlap)
{
	struct wsheap_create c;
	struct blk *blks;
	unsigned char *map;
	int efd, go[2], i, code;
	__u64 total = 0;
	struct wsheap_info info;
	pid_t pid;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	map = wsh_map(self->fd, &c, 0, RACE_WIN);
	ASSERT_NE(MAP_FAILED, map);
	blks = mmap(NULL, 2 * RACE_N * sizeof(*blks), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, blks);
	ASSERT_EQ(0, pipe(go));

	pid = wsh_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* another process, with a context and a mapping of its own */
		struct wsheap_import im;
		unsigned char *m;
		int ctx = wsh_open();

		if (ctx < 0 || wsh_import(ctx, efd, &im))
			_exit(2);
		m = sh_map(ctx, im.mmap_offset, 0, RACE_WIN, PROT_READ | PROT_WRITE);
		if (m == MAP_FAILED)
			_exit(3);
		_exit(race_allocs(ctx, im.handle, m, 0xc1, blks + RACE_N, go[0]));
	}
	ASSERT_EQ(2, write(go[1], "gg", 2));
	code = race_allocs(self->fd, c.handle, map, 0xa1, blks, go[0]);
	EXPECT_EQ(0, code);
	EXPECT_EQ(0, wsh_wait_pid(pid));

	/* every block still holds its owner's stamp: none was handed out twice */
	for (i = 0; i < 2 * RACE_N; i++) {
		const unsigned char *p = map + blks[i].off;
		__u64 j;

		total += blks[i].size;
		for (j = 0; j < blks[i].size; j++)
			if (p[j] != blks[i].owner)
				break;
		EXPECT_EQ(blks[i].size, j) TH_LOG("block %d at %llu", i,
						 (unsigned long long)blks[i].off);
	}
	qsort(blks, 2 * RACE_N, sizeof(*blks), blk_cmp);
	for (i = 1; i < 2 * RACE_N; i++)
		EXPECT_LE(blks[i - 1].off + blks[i - 1].size, blks[i].off);
	ASSERT_EQ(0, wsh_info(self->fd, c.handle, &info));
	EXPECT_EQ(total, info.requested);
	munmap(blks, 2 * RACE_N * sizeof(*blks));
	munmap(map, RACE_WIN);
	close(efd);
	close(go[0]);
	close(go[1]);
}

/* ----------------------------- status page ------------------------------ */

TEST_F(share, status_page_everywhere)
{
	const size_t ps = self->ps;
	struct wsheap_status *sc, *se, *si;
	struct wsheap_create c;
	struct wsheap_import im;
	int efd, ctx2;

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, ps, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, efd, &im));

	sc = sh_status(self->fd, c.mmap_offset);
	ASSERT_NE(NULL, sc) TH_LOG("status via context: %s", strerror(errno));
	se = sh_status(efd, 0);
	ASSERT_NE(NULL, se) TH_LOG("status via export: %s", strerror(errno));
	si = sh_status(ctx2, im.mmap_offset);
	ASSERT_NE(NULL, si) TH_LOG("status via import: %s", strerror(errno));

	EXPECT_EQ(0ULL, sh_gen(sc));
	EXPECT_EQ(0ULL, sh_committed(sc));
	EXPECT_EQ(0U, sh_flags(sc));
	EXPECT_EQ(0U, sc->pad);

	ASSERT_EQ(0, wsh_alloc(ctx2, im.handle, 3 * ps + 1, 0, NULL));
	EXPECT_EQ(4ULL * ps, sh_committed(sc));
	EXPECT_EQ(4ULL * ps, sh_committed(se));
	EXPECT_EQ(4ULL * ps, sh_committed(si));

	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	EXPECT_EQ(1ULL, sh_gen(sc));
	EXPECT_EQ(1ULL, sh_gen(se));
	EXPECT_EQ(1ULL, sh_gen(si));
	EXPECT_EQ((__u64)ps, sh_committed(si));
	ASSERT_EQ(0, wsh_reset(ctx2, im.handle, NULL));
	EXPECT_EQ(2ULL, sh_gen(sc));
	EXPECT_EQ(2ULL, sh_gen(se));
	EXPECT_EQ(0U, sh_flags(se));

	munmap(sc, ps);
	munmap(se, ps);
	munmap(si, ps);
	close(ctx2);
	close(efd);
}

TEST_F(share, status_page_read_only)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_import im;
	struct wsheap_status *st;
	int efd, ctx2;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, efd, &im));

	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_READ | PROT_WRITE, MAP_SHARED,
					self->fd, c.mmap_offset + WSHEAP_STATUS_OFFSET));
	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_READ | PROT_WRITE, MAP_SHARED,
					efd, WSHEAP_STATUS_OFFSET));
	EXPECT_EQ(-EACCES, wsh_try_mmap(ps, PROT_READ | PROT_WRITE, MAP_SHARED,
					ctx2, im.mmap_offset + WSHEAP_STATUS_OFFSET));
	/* a writable window that reaches into the status area */
	EXPECT_EQ(-EACCES, wsh_try_mmap(2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED,
					efd, WSHEAP_STATUS_OFFSET - ps));

	st = sh_status(efd, 0);
	ASSERT_NE(NULL, st);
	EXPECT_EQ(-1, mprotect(st, ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, wsh_touch(st, true));
	EXPECT_EQ((__u64)ps, sh_committed(st));
	munmap(st, ps);
	close(ctx2);
	close(efd);
}

/* ------------------------------ SCM_RIGHTS ------------------------------ */

/*
 * The child: receive a descriptor, import it into a context of its own,
 * check the parent's pattern, write its own, and allocate a block of its own
 * whose offset it sends back.
 */
static int scm_importer(int sock)
{
	const size_t ps = wsh_ps();
	struct wsheap_import im;
	unsigned char *m;
	__u64 len, off;
	int ctx, efd;

	ctx = wsh_open();
	CK(ctx >= 0);
	CK(sh_recv(sock, &len, &efd) == 0);
	CK(efd >= 0);
	CK(wsh_import(ctx, efd, &im) == 0);
	CK(im.access == 0);
	CK(close(efd) == 0);
	m = sh_map(ctx, im.mmap_offset, 0, len + ps, PROT_READ | PROT_WRITE);
	CK(m != MAP_FAILED);
	CK(wsh_check(m, len, 20) == -1);
	wsh_fill(m, len, 21);
	CK(wsh_alloc(ctx, im.handle, ps, ps, &off) == 0);
	CK(off == len);
	wsh_fill(m + off, ps, 22);
	CK(sh_send(sock, off, -1) == 0);
	/* the parent may still read after this context is gone */
	CK(sh_expect(sock, 1) == 0);
	return 0;
}

TEST_F(share, scm_child_imports_writes_parent_reads)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int sv[2], efd, code;
	__u64 off;
	pid_t pid;

	/* fork first: the child gets the heap only over the socket */
	pid = wsh_fork_peer(scm_importer, &sv[0]);
	ASSERT_LE(0, pid);

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 3, 0, 0, &c));
	h = wsh_map(self->fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, h);
	wsh_fill(h, 3 * ps, 20);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ASSERT_EQ(0, sh_send(sv[0], 3 * ps, efd));
	ASSERT_EQ(0, close(efd));

	ASSERT_EQ(0, sh_recv(sv[0], &off, NULL));
	EXPECT_EQ(3ULL * ps, off);
	EXPECT_EQ(-1L, wsh_check(h, 3 * ps, 21));
	EXPECT_EQ(-1L, wsh_check(h + 3 * ps, ps, 22));
	ASSERT_EQ(0, sh_send(sv[0], 1, -1));
	code = wsh_wait_pid(pid);
	EXPECT_EQ(0, code);
	/* the child's context is closed: the heap and its bytes remain */
	EXPECT_EQ(-1L, wsh_check(h + 3 * ps, ps, 22));
	EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, 8, 0, NULL));
	munmap(h, 4 * ps);
	close(sv[0]);
}

/* The child: create a heap, write, export it to the parent, check its writes. */
static int scm_creator(int sock)
{
	const size_t ps = wsh_ps();
	struct wsheap_create c;
	unsigned char *m;
	int ctx, efd;

	ctx = wsh_open();
	CK(ctx >= 0);
	CK(wsh_create(ctx, UINT64_MAX, 0, 0, &c) == 0);
	CK(wsh_alloc(ctx, c.handle, 2 * ps, 0, NULL) == 0);
	m = wsh_map(ctx, &c, 0, 2 * ps);
	CK(m != MAP_FAILED);
	wsh_fill(m, 2 * ps, 30);
	CK(wsh_export(ctx, c.handle, 0, &efd) == 0);
	CK(sh_send(sock, 2 * ps, efd) == 0);
	CK(close(efd) == 0);
	/* the parent wrote page 1 */
	CK(sh_expect(sock, 2) == 0);
	CK(wsh_check(m, ps, 30) == -1);
	CK(wsh_check(m + ps, ps, 31) == -1);
	/* go away entirely: context, handle and mapping */
	CK(munmap(m, 2 * ps) == 0);
	CK(close(ctx) == 0);
	return 0;
}

TEST_F(share, scm_parent_imports_child_writes)
{
	const size_t ps = self->ps;
	struct wsheap_import im;
	struct wsheap_info i;
	unsigned char *m;
	int sv[2], efd;
	__u64 len;
	pid_t pid;

	pid = wsh_fork_peer(scm_creator, &sv[0]);
	ASSERT_LE(0, pid);

	ASSERT_EQ(0, sh_recv(sv[0], &len, &efd));
	ASSERT_LE(0, efd);
	EXPECT_EQ(2ULL * ps, len);
	ASSERT_EQ(0, wsh_import(self->fd, efd, &im));
	EXPECT_EQ(0U, im.access);
	close(efd);
	m = sh_map(self->fd, im.mmap_offset, 0, 2 * ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-1L, wsh_check(m, 2 * ps, 30));
	wsh_fill(m + ps, ps, 31);
	ASSERT_EQ(0, sh_send(sv[0], 2, -1));
	EXPECT_EQ(0, wsh_wait_pid(pid));

	/* the creator is gone; the imported handle keeps the heap whole */
	EXPECT_EQ(-1L, wsh_check(m, ps, 30));
	EXPECT_EQ(-1L, wsh_check(m + ps, ps, 31));
	ASSERT_EQ(0, wsh_info(self->fd, im.handle, &i));
	EXPECT_EQ(2ULL * ps, i.committed);
	EXPECT_EQ(0, wsh_alloc(self->fd, im.handle, ps, 0, NULL));
	EXPECT_EQ(0, wsh_destroy(self->fd, im.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(m, false));
	munmap(m, 2 * ps);
	close(sv[0]);
}

/* The child: no context at all, the received descriptor is enough. */
static int direct_mapper(int sock)
{
	struct wsheap_status *st;
	unsigned char *m;
	__u64 len;
	int fd;

	CK(sh_recv(sock, &len, &fd) == 0 && fd >= 0);
	m = sh_map(fd, 0, 0, len, PROT_READ | PROT_WRITE);
	CK(m != MAP_FAILED);
	st = sh_status(fd, 0);
	CK(st != NULL);
	CK(sh_committed(st) == len);
	CK(wsh_check(m, len, 40) == -1);
	wsh_fill(m, len, 41);
	CK(sh_send(sock, 0, -1) == 0);
	return 0;
}

TEST_F(share, scm_receiver_maps_fd_directly)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int sv[2], efd;
	pid_t pid;

	pid = wsh_fork_peer(direct_mapper, &sv[0]);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, wsh_exported_heap(self->fd, 2, 40, 0, &c, &h, &efd));
	ASSERT_EQ(0, sh_send(sv[0], 2 * ps, efd));
	close(efd);
	EXPECT_EQ(0, sh_expect(sv[0], 0));
	EXPECT_EQ(0, wsh_wait_pid(pid));
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 41));
	munmap(h, 2 * ps);
	close(sv[0]);
}

/* ------------------------ resets seen elsewhere ------------------------- */

/*
 * The observer (a child with a context of its own): it sees the parent's
 * reset on the status page without a system call, then a SIGBUS beyond the
 * trim, the kept page as @zero says, and fresh (zero) pages once the parent
 * allocates again, never the old bytes.
 */
static int reset_observer(int sock, bool zero)
{
	const size_t ps = wsh_ps();
	struct wsheap_status *st;
	struct wsheap_import im;
	unsigned char *m;
	__u64 g0, g1;
	int ctx, efd;

	ctx = wsh_open();
	CK(ctx >= 0);
	CK(sh_recv(sock, &g0, &efd) == 0 && efd >= 0);
	CK(wsh_import(ctx, efd, &im) == 0);
	close(efd);
	m = sh_map(ctx, im.mmap_offset, 0, 4 * ps, PROT_READ | PROT_WRITE);
	CK(m != MAP_FAILED);
	st = sh_status(ctx, im.mmap_offset);
	CK(st != NULL);
	CK(wsh_check(m, 4 * ps, 50) == -1);
	g0 = sh_gen(st);
	CK(g0 == 0);
	CK(sh_committed(st) == 4 * ps);
	CK(sh_send(sock, 1, -1) == 0);

	/* the parent resets now; no system call until the change shows */
	g1 = sh_wait_gen(st, g0);
	CK(g1 == g0 + 1);
	CK(sh_committed(st) == ps);
	CK(sh_flags(st) == 0);
	/* beyond the trim: SIGBUS, here and in a child */
	CK(sh_probe(m + ps, false) == SIGBUS);
	CK(sh_probe(m + 4 * ps - 1, true) == SIGBUS);
	CK(wsh_touch(m + 2 * ps, false) == SIGBUS);
	/* the kept page */
	if (zero)
		CK(wsh_nonzero(m, ps) == -1);
	else
		CK(wsh_check(m, ps, 50) == -1);
	CK(sh_send(sock, 2, -1) == 0);

	/* the parent allocates 4 pages again: the given-back ones are fresh */
	CK(sh_expect(sock, 3) == 0);
	CK(sh_committed(st) == 4 * ps);
	CK(wsh_nonzero(m + ps, 3 * ps) == -1);
	wsh_fill(m + ps, 3 * ps, 51);
	CK(sh_send(sock, 4, -1) == 0);
	return 0;
}

static int lazy_observer(int sock)
{
	return reset_observer(sock, false);
}

static int zeroed_observer(int sock)
{
	return reset_observer(sock, true);
}

static void reset_seen_by_other(struct __test_metadata *_metadata, int fd,
				bool zero)
{
	const size_t ps = wsh_ps();
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *h;
	int sv[2], efd;
	__u64 g;
	pid_t pid;

	pid = wsh_fork_peer(zero ? zeroed_observer : lazy_observer, &sv[0]);
	ASSERT_LE(0, pid);

	ASSERT_EQ(0, wsh_heap_with_pages(fd, 4, ps, zero ? WSHEAP_CREATE_ZERO_ON_RESET : 0,
				     &c));
	h = wsh_map(fd, &c, 0, 4 * ps);
	ASSERT_NE(MAP_FAILED, h);
	wsh_fill(h, 4 * ps, 50);
	ASSERT_EQ(0, wsh_export(fd, c.handle, 0, &efd));
	ASSERT_EQ(0, sh_send(sv[0], 0, efd));
	close(efd);
	ASSERT_EQ(0, sh_expect(sv[0], 1));

	ASSERT_EQ(0, wsh_reset(fd, c.handle, &g));
	EXPECT_EQ(1ULL, g);
	EXPECT_EQ(SIGBUS, wsh_touch(h + ps, false));
	ASSERT_EQ(0, sh_expect(sv[0], 2));

	ASSERT_EQ(0, wsh_alloc_gen(fd, c.handle, 4 * ps, 0, NULL, &g));
	EXPECT_EQ(1ULL, g);
	ASSERT_EQ(0, sh_send(sv[0], 3, -1));
	ASSERT_EQ(0, sh_expect(sv[0], 4));
	EXPECT_EQ(0, wsh_wait_pid(pid));
	EXPECT_EQ(-1L, wsh_check(h + ps, 3 * ps, 51));
	ASSERT_EQ(0, wsh_info(fd, c.handle, &i));
	EXPECT_EQ(1ULL, i.generation);
	munmap(h, 4 * ps);
	close(sv[0]);
}

TEST_F(share, reset_seen_by_other_process)
{
	reset_seen_by_other(_metadata, self->fd, false);
}

TEST_F(share, reset_zero_on_reset_seen_by_other_process)
{
	reset_seen_by_other(_metadata, self->fd, true);
}

#define ROUNDS 16

/* The reader of reset_rounds_never_stale. */
static int rounds_reader(int sock)
{
	const size_t ps = wsh_ps();
	struct wsheap_status *st;
	unsigned char *m;
	__u64 r, w;
	int efd;
	size_t j;

	CK(sh_recv(sock, &w, &efd) == 0 && efd >= 0);
	m = sh_map(efd, 0, 0, 2 * ps, PROT_READ);
	CK(m != MAP_FAILED);
	st = sh_status(efd, 0);
	CK(st != NULL);
	for (r = 1; r <= ROUNDS; r++) {
		/* allocated, not yet written: zero, never the last round's */
		CK(sh_expect(sock, r * 10 + 1) == 0);
		CK(sh_gen(st) == r - 1);
		CK(wsh_nonzero(m, 2 * ps) == -1);
		CK(sh_send(sock, r * 10 + 1, -1) == 0);
		/* written */
		CK(sh_expect(sock, r * 10 + 2) == 0);
		for (j = 0; j < 2 * ps; j++)
			CK(m[j] == (unsigned char)r);
		CK(sh_send(sock, r * 10 + 2, -1) == 0);
		/* reset (trim 0): every page gone */
		CK(sh_expect(sock, r * 10 + 3) == 0);
		CK(sh_gen(st) == r);
		CK(sh_committed(st) == 0);
		CK(sh_probe(m, false) == SIGBUS);
		CK(sh_probe(m + 2 * ps - 1, false) == SIGBUS);
		CK(sh_send(sock, r * 10 + 3, -1) == 0);
	}
	return 0;
}

TEST_F(share, reset_rounds_never_stale)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int sv[2], efd;
	__u64 r, g;
	pid_t pid;

	pid = wsh_fork_peer(rounds_reader, &sv[0]);
	ASSERT_LE(0, pid);

	ASSERT_EQ(0, wsh_create(self->fd, UINT64_MAX, 0, 0, &c));
	h = wsh_map(self->fd, &c, 0, 2 * ps);
	ASSERT_NE(MAP_FAILED, h);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &efd));
	ASSERT_EQ(0, sh_send(sv[0], 0, efd));
	close(efd);
	for (r = 1; r <= ROUNDS; r++) {
		ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, 2 * ps, 0, NULL));
		ASSERT_EQ(0, sh_send(sv[0], r * 10 + 1, -1));
		ASSERT_EQ(0, sh_expect(sv[0], r * 10 + 1)) TH_LOG("round %llu",
							      (unsigned long long)r);
		memset(h, (int)r, 2 * ps);
		ASSERT_EQ(0, sh_send(sv[0], r * 10 + 2, -1));
		ASSERT_EQ(0, sh_expect(sv[0], r * 10 + 2));
		ASSERT_EQ(0, wsh_reset(self->fd, c.handle, &g));
		EXPECT_EQ(r, g);
		ASSERT_EQ(0, sh_send(sv[0], r * 10 + 3, -1));
		ASSERT_EQ(0, sh_expect(sv[0], r * 10 + 3));
	}
	EXPECT_EQ(0, wsh_wait_pid(pid));
	munmap(h, 2 * ps);
	close(sv[0]);
}

static int import_and_reset(int efd)
{
	struct wsheap_import im;
	__u64 g;
	int ctx = wsh_open();

	CK(ctx >= 0);
	CK(wsh_import(ctx, efd, &im) == 0);
	CK(wsh_reset(ctx, im.handle, &g) == 0);
	CK(g == 1);
	return 0;
}

TEST_F(share, reset_by_importer_seen_by_creator)
{
	const size_t ps = self->ps;
	struct wsheap_status *st;
	struct wsheap_create c;
	unsigned char *h;
	int efd;
	pid_t pid;

	ASSERT_EQ(0, wsh_filled_heap(self->fd, 3, 60, &c, &h));
	st = sh_status(self->fd, c.mmap_offset);
	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));

	pid = wsh_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(import_and_reset(efd));
	/* no system call: the status page changes under us */
	EXPECT_EQ(1ULL, sh_wait_gen(st, 0));
	EXPECT_EQ(0, wsh_wait_pid(pid));
	EXPECT_EQ(0ULL, sh_committed(st));
	EXPECT_EQ(SIGBUS, wsh_touch(h, false));
	EXPECT_EQ(SIGBUS, wsh_touch(h + 2 * ps, false));
	munmap(st, ps);
	munmap(h, 3 * ps);
	close(efd);
}

/* ---------------------------- fork and exec ----------------------------- */

/* The forked child: map the inherited descriptor, and import it too. */
static int inherited_user(int efd)
{
	const size_t ps = wsh_ps();
	struct wsheap_import im;
	unsigned char *m, *v;
	int ctx;

	m = sh_map(efd, 0, 0, 2 * ps, PROT_READ | PROT_WRITE);
	CK(m != MAP_FAILED);
	CK(wsh_check(m, 2 * ps, 70) == -1);
	wsh_fill(m, ps, 71);
	ctx = wsh_open();
	CK(ctx >= 0);
	CK(wsh_import(ctx, efd, &im) == 0);
	v = sh_map(ctx, im.mmap_offset, ps, ps, PROT_READ | PROT_WRITE);
	CK(v != MAP_FAILED);
	wsh_fill(v, ps, 72);
	return 0;
}

TEST_F(share, fork_child_uses_inherited_fd)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int efd;

	ASSERT_EQ(0, wsh_exported_heap(self->fd, 2, 70, 0, &c, &h, &efd));

	EXPECT_EQ(0, wsh_in_child(inherited_user, efd));
	EXPECT_EQ(-1L, wsh_check(h, ps, 71));
	EXPECT_EQ(-1L, wsh_check(h + ps, ps, 72));
	munmap(h, 2 * ps);
	close(efd);
}

/* Run /proc/self/exe --exec-helper ARGS... in a child; its status code. */
static int run_helper(const char *mode, int fd, __u64 off, __u64 len,
		      unsigned int seed_in, unsigned int seed_out)
{
	char a[5][32];
	pid_t pid;

	snprintf(a[0], sizeof(a[0]), "%d", fd);
	snprintf(a[1], sizeof(a[1]), "%llu", (unsigned long long)off);
	snprintf(a[2], sizeof(a[2]), "%llu", (unsigned long long)len);
	snprintf(a[3], sizeof(a[3]), "%u", seed_in);
	snprintf(a[4], sizeof(a[4]), "%u", seed_out);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/proc/self/exe", "share_fd_test", "--exec-helper", mode,
		      a[0], a[1], a[2], a[3], a[4], (char *)NULL);
		_exit(127);
	}
	return wsh_wait_pid(pid);
}

/*
 * The helper after execve(): "map" maps the inherited descriptor, checks
 * @seed_in, writes @seed_out and imports it into a new context; "closed"
 * checks that the descriptor did not survive the exec.
 */
static int exec_helper(int argc, char **argv)
{
	struct wsheap_import im;
	struct wsheap_info i;
	unsigned char *m;
	unsigned int seed_in, seed_out;
	__u64 off, len;
	int fd, flags, ctx;

	CK(argc == 8);
	fd = atoi(argv[3]);
	off = strtoull(argv[4], NULL, 0);
	len = strtoull(argv[5], NULL, 0);
	seed_in = (unsigned int)atoi(argv[6]);
	seed_out = (unsigned int)atoi(argv[7]);

	if (!strcmp(argv[2], "closed")) {
		CK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
		return 0;
	}
	CK(!strcmp(argv[2], "map"));
	flags = fcntl(fd, F_GETFD);
	CK(flags >= 0 && !(flags & FD_CLOEXEC));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	CK(m != MAP_FAILED);
	CK(wsh_check(m, len, seed_in) == -1);
	wsh_fill(m, len, seed_out);
	ctx = wsh_open();
	CK(ctx >= 0);
	CK(wsh_import(ctx, fd, &im) == 0);
	CK(wsh_info(ctx, im.handle, &i) == 0);
	CK(i.committed >= off + len);
	return 0;
}

TEST_F(share, exec_keeps_no_cloexec_fd)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int efd;

	ASSERT_EQ(0, wsh_exported_heap(self->fd, 3, 80, WSHEAP_EXPORT_NO_CLOEXEC, &c, &h, &efd));
	/* the helper maps heap bytes [ps, 3ps) of the inherited descriptor */
	wsh_fill(h + ps, 2 * ps, 81);
	EXPECT_EQ(0, run_helper("map", efd, ps, 2 * ps, 81, 82));
	EXPECT_EQ(-1L, wsh_check(h, ps, 80));
	EXPECT_EQ(-1L, wsh_check(h + ps, 2 * ps, 82));
	munmap(h, 3 * ps);
	close(efd);
}

TEST_F(share, exec_closes_default_fd)
{
	struct wsheap_create c;
	int efd, nfd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	EXPECT_EQ(0, run_helper("closed", efd, 0, 0, 0, 0));
	/* and the helper's own checks do tell an open descriptor apart */
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_NO_CLOEXEC, &nfd));
	EXPECT_EQ(1, run_helper("closed", nfd, 0, 0, 0, 0));
	close(nfd);
	close(efd);
}

/* ------------------------------- lifetime ------------------------------- */

TEST_F(share, destroy_last_of_two_handles_frees)
{
	const size_t ps = self->ps;
	struct wsheap_status *st;
	struct wsheap_create c;
	struct wsheap_import im;
	unsigned char *h, *v;
	int efd, ctx2;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, efd, &im));
	/* only the two handles hold the heap now */
	ASSERT_EQ(0, close(efd));
	h = wsh_map(self->fd, &c, 0, 2 * ps);
	ASSERT_NE(MAP_FAILED, h);
	v = sh_map(ctx2, im.mmap_offset, 0, 2 * ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, v);
	st = sh_status(ctx2, im.mmap_offset);
	ASSERT_NE(NULL, st);
	wsh_fill(h, 2 * ps, 90);

	/* the first DESTROY drops a handle, not the memory */
	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, c.handle, NULL));
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 90));
	EXPECT_EQ(-1L, wsh_check(v, 2 * ps, 90));
	EXPECT_EQ(0, wsh_touch(h + ps, true));
	EXPECT_EQ(0U, sh_flags(st));
	EXPECT_EQ(2ULL * ps, sh_committed(st));
	EXPECT_EQ(0, wsh_alloc(ctx2, im.handle, ps, 0, NULL));

	/* the second gives it back: every mapping SIGBUSes */
	ASSERT_EQ(0, wsh_destroy(ctx2, im.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(h, false));
	EXPECT_EQ(SIGBUS, wsh_touch(v + ps, false));
	EXPECT_EQ(SIGBUS, wsh_touch(v, true));
	EXPECT_EQ(WSHEAP_STATUS_DEAD, sh_flags(st));
	EXPECT_EQ(0ULL, sh_committed(st));
	EXPECT_EQ(0ULL, sh_gen(st));
	munmap(st, ps);
	munmap(v, 2 * ps);
	munmap(h, 2 * ps);
	close(ctx2);
}

TEST_F(share, destroy_with_export_open_keeps_memory)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	struct wsheap_import im;
	unsigned char *h;
	int efd, ctx2;

	ASSERT_EQ(0, wsh_exported_heap(self->fd, 2, 91, 0, &c, &h, &efd));

	/* the open descriptor is a user: this DESTROY only drops the handle */
	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 91));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, efd, &im));
	EXPECT_EQ(0, wsh_alloc(ctx2, im.handle, ps, 0, NULL));

	/* closing the descriptor never gives memory back */
	ASSERT_EQ(0, close(efd));
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 91));
	/* the import's DESTROY is the last user's */
	ASSERT_EQ(0, wsh_destroy(ctx2, im.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(h, false));
	munmap(h, 2 * ps);
	close(ctx2);
}

TEST_F(share, close_never_gives_back)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int efd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 2, 0, 0, &c));
	h = wsh_map(self->fd, &c, 0, 3 * ps);
	ASSERT_NE(MAP_FAILED, h);
	wsh_fill(h, 2 * ps, 92);
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, 0, &efd));

	/* the context goes (its handle with it), then the descriptor */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 92));
	ASSERT_EQ(0, close(efd));
	/* only the mapping holds the heap now; it keeps working */
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 92));
	wsh_fill(h, 2 * ps, 93);
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 93));
	EXPECT_EQ(SIGBUS, wsh_touch(h + 2 * ps, false));
	munmap(h, 3 * ps);
}

static int import_and_destroy(int efd)
{
	const size_t ps = wsh_ps();
	struct wsheap_import im;
	unsigned char *m;
	int ctx = wsh_open();

	CK(ctx >= 0);
	CK(wsh_import(ctx, efd, &im) == 0);
	close(efd);
	m = sh_map(ctx, im.mmap_offset, 0, 2 * ps, PROT_READ | PROT_WRITE);
	CK(m != MAP_FAILED);
	CK(wsh_destroy(ctx, im.handle) == 0);
	/* not the last user: this process's mapping still works too */
	CK(wsh_check(m, 2 * ps, 94) == -1);
	return 0;
}

TEST_F(share, importer_destroy_leaves_creator)
{
	const size_t ps = self->ps;
	struct wsheap_create c;
	unsigned char *h;
	int efd;

	ASSERT_EQ(0, wsh_exported_heap(self->fd, 2, 94, 0, &c, &h, &efd));

	EXPECT_EQ(0, wsh_in_child(import_and_destroy, efd));
	close(efd);
	EXPECT_EQ(-1L, wsh_check(h, 2 * ps, 94));
	EXPECT_EQ(0, wsh_alloc(self->fd, c.handle, ps, 0, NULL));
	EXPECT_EQ(0, wsh_info(self->fd, c.handle, NULL));
	/* and now the creator's is the last */
	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(SIGBUS, wsh_touch(h, false));
	munmap(h, 2 * ps);
}

TEST_F(share, dead_heap_status_and_handles)
{
	const size_t ps = self->ps;
	struct wsheap_status *st;
	struct wsheap_create c;
	int efd;

	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &efd));
	st = sh_status(self->fd, c.mmap_offset);
	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, close(efd));
	ASSERT_EQ(0, wsh_reset(self->fd, c.handle, NULL));
	ASSERT_EQ(0, wsh_alloc(self->fd, c.handle, ps, 0, NULL));
	EXPECT_EQ(0U, sh_flags(st));

	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	/* the status page outlives the memory, and says so */
	EXPECT_EQ(WSHEAP_STATUS_DEAD, sh_flags(st));
	EXPECT_EQ(0ULL, sh_committed(st));
	EXPECT_EQ(1ULL, sh_gen(st));
	EXPECT_EQ(-ENOENT, wsh_export(self->fd, c.handle, WSHEAP_EXPORT_RDONLY, &efd));
	EXPECT_EQ(-ENOENT, wsh_info(self->fd, c.handle, NULL));
	munmap(st, ps);
}

/*
 * Mappings are not users: once the exported descriptor is closed, a mapping
 * made through it (data or status page) does not keep the final DESTROY from
 * giving the memory back, just as a mapping made through a context does not.
 */
TEST_F(share, final_destroy_ignores_mappings_of_closed_export)
{
	const size_t ps = self->ps;
	struct wsheap_status *st;
	struct wsheap_create c;
	unsigned char *h, *e;
	int efd;

	ASSERT_EQ(0, wsh_exported_heap(self->fd, 2, 95, 0, &c, &h, &efd));
	e = sh_map(efd, 0, 0, 2 * ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, e);
	st = sh_status(efd, 0);
	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, close(efd));
	EXPECT_EQ(-1L, wsh_check(e, 2 * ps, 95));

	/* the only handle, no descriptor open: this is the last user */
	ASSERT_EQ(0, wsh_destroy(self->fd, c.handle));
	EXPECT_EQ(WSHEAP_STATUS_DEAD, sh_flags(st));
	EXPECT_EQ(0ULL, sh_committed(st));
	EXPECT_EQ(SIGBUS, wsh_touch(h, false));
	EXPECT_EQ(SIGBUS, wsh_touch(e + ps, false));
	munmap(st, ps);
	munmap(e, 2 * ps);
	munmap(h, 2 * ps);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec-helper"))
		return exec_helper(argc, argv);
	return test_harness_run(argc, argv);
}
