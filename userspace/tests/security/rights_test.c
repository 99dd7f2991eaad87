// SPDX-License-Identifier: GPL-2.0
/*
 * Access rights through every mm path (issue 10, items 1, 3 and 9).
 *
 * A read-only view of a heap - a read-only handle (IMPORT of a read-only
 * export) mapped through a read-write /dev/wsheap, a read-only exported
 * descriptor mapped directly, any mapping made through a context opened
 * O_RDONLY, a read-only dma-buf - must never become writable, whatever the
 * holder does with the mapping: mprotect, remap_file_pages, mremap, fork,
 * madvise(MADV_POPULATE_WRITE), /proc/self/mem, process_vm_writev,
 * reopening /proc/self/fd/N, userfaultfd, io_uring buffer registration.
 * Each case also runs the same path on a read-write holder's mapping, which
 * must work: that is what makes the read-only half able to fail.
 *
 * A context opened O_RDONLY hands out nothing writable (item 3), and no
 * mapping is ever executable (item 9).
 */
#include "wsh_sec.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define PROT_RW		(PROT_READ | PROT_WRITE)
#define NPAGES		2

/* --------------------------- read-only views ----------------------------- */

enum ro_source {
	SRC_RO_HANDLE,		/* IMPORT of a RO export, via a RW /dev/wsheap */
	SRC_RO_EXPORT,		/* mmap of the RO exported descriptor itself */
	SRC_RDONLY_CTX,		/* a RW handle imported into an O_RDONLY context */
	SRC_RDONLY_CTX_OWN,	/* a heap created by an O_RDONLY context */
	SRC_RO_DMABUF,		/* a dma-buf exported RDONLY */
};

FIXTURE(ro) {
	int owner;		/* the RW context that created the heap */
	int ctx;		/* a second context, or -1 */
	int efd;		/* an exported descriptor, or -1 */
	int dfd_ro, dfd_rw;	/* dma-bufs, or -1 */
	struct wsheap_create c;
	int ro_fd;		/* the read-only view maps from here ... */
	off_t ro_off;		/* ... at this offset */
	int rw_fd;		/* a RW holder's view (the control) */
	off_t rw_off;
	int reopen_fd;		/* the descriptor /proc/self/fd reopening tries */
	off_t reopen_off;
	bool same_heap;		/* the control maps the same heap */
	/*
	 * GUP reaches the control's mapping.  Not for dma-bufs: their
	 * mappings are PFN maps, as the system heap's, read-write or not.
	 */
	bool gup;
	size_t len;
};

FIXTURE_VARIANT(ro) {
	enum ro_source src;
};

FIXTURE_VARIANT_ADD(ro, ro_handle) { .src = SRC_RO_HANDLE };
FIXTURE_VARIANT_ADD(ro, ro_export_fd) { .src = SRC_RO_EXPORT };
FIXTURE_VARIANT_ADD(ro, rdonly_ctx_imported) { .src = SRC_RDONLY_CTX };
FIXTURE_VARIANT_ADD(ro, rdonly_ctx_own_heap) { .src = SRC_RDONLY_CTX_OWN };
FIXTURE_VARIANT_ADD(ro, ro_dmabuf) { .src = SRC_RO_DMABUF };

FIXTURE_SETUP(ro)
{
	struct wsheap_create own;
	struct wsheap_import im;
	unsigned char *p;
	int rwfd;

	self->len = NPAGES * wsh_ps();
	self->ctx = self->efd = self->dfd_ro = self->dfd_rw = -1;
	self->owner = wsh_open();
	ASSERT_LE(0, self->owner) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	ASSERT_EQ(0, wsh_heap_with_pages(self->owner, NPAGES, 0, 0, &self->c));
	p = wsh_map(self->owner, &self->c, 0, self->len);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, self->len, 1);
	munmap(p, self->len);

	self->rw_fd = self->owner;
	self->rw_off = (off_t)self->c.mmap_offset;
	self->same_heap = true;
	self->gup = true;
	self->reopen_off = 0;

	switch (variant->src) {
	case SRC_RO_HANDLE:
		ASSERT_EQ(0, wsh_export(self->owner, self->c.handle,
					WSHEAP_EXPORT_RDONLY, &self->efd));
		self->ctx = wsh_open();
		ASSERT_LE(0, self->ctx);
		ASSERT_EQ(0, wsh_import(self->ctx, self->efd, &im));
		ASSERT_EQ(WSHEAP_ACCESS_RDONLY, im.access);
		self->ro_fd = self->ctx;
		self->ro_off = (off_t)im.mmap_offset;
		self->reopen_fd = self->efd;
		break;
	case SRC_RO_EXPORT:
		ASSERT_EQ(0, wsh_export(self->owner, self->c.handle,
					WSHEAP_EXPORT_RDONLY, &self->efd));
		self->ro_fd = self->efd;
		self->ro_off = 0;
		self->reopen_fd = self->efd;
		break;
	case SRC_RDONLY_CTX:
		ASSERT_EQ(0, wsh_export(self->owner, self->c.handle, 0, &rwfd));
		self->ctx = wsh_open_flags(O_RDONLY);
		ASSERT_LE(0, self->ctx);
		ASSERT_EQ(0, wsh_import(self->ctx, rwfd, &im));
		close(rwfd);
		self->ro_fd = self->ctx;
		self->ro_off = (off_t)im.mmap_offset;
		self->reopen_fd = self->ctx;
		self->reopen_off = self->ro_off;
		break;
	case SRC_RDONLY_CTX_OWN:
		self->ctx = wsh_open_flags(O_RDONLY);
		ASSERT_LE(0, self->ctx);
		ASSERT_EQ(0, wsh_heap_with_pages(self->ctx, NPAGES, 0, 0, &own));
		self->ro_fd = self->ctx;
		self->ro_off = (off_t)own.mmap_offset;
		self->reopen_fd = self->ctx;
		self->reopen_off = self->ro_off;
		/* No RW view of this heap may exist: the control is another heap. */
		self->same_heap = false;
		break;
	case SRC_RO_DMABUF:
		ASSERT_EQ(0, wsh_export_dmabuf(self->owner, self->c.handle,
					       WSHEAP_DMABUF_RDONLY, 0, self->len,
					       &self->dfd_ro));
		ASSERT_EQ(0, wsh_export_dmabuf(self->owner, self->c.handle, 0, 0,
					       self->len, &self->dfd_rw));
		self->ro_fd = self->dfd_ro;
		self->ro_off = 0;
		self->rw_fd = self->dfd_rw;
		self->rw_off = 0;
		self->reopen_fd = self->dfd_ro;
		self->gup = false;
		break;
	}
}

FIXTURE_TEARDOWN(ro)
{
	if (self->dfd_rw >= 0)
		close(self->dfd_rw);
	if (self->dfd_ro >= 0)
		close(self->dfd_ro);
	if (self->efd >= 0)
		close(self->efd);
	if (self->ctx >= 0)
		close(self->ctx);
	if (self->owner >= 0)
		close(self->owner);
}

static void *map_ro(FIXTURE_DATA(ro) *self, int prot)
{
	return mmap(NULL, self->len, prot, MAP_SHARED, self->ro_fd, self->ro_off);
}

static void *map_rw(FIXTURE_DATA(ro) *self, int prot)
{
	return mmap(NULL, self->len, prot, MAP_SHARED, self->rw_fd, self->rw_off);
}

/*
 * @ro became writable (the defect): show what that means by writing through
 * it and reading the owner's view, for the log.
 */
static void report_upgrade(struct __test_metadata *_metadata,
			   FIXTURE_DATA(ro) *self, unsigned char *ro)
{
	unsigned char *rw = map_rw(self, PROT_READ);

	ro[0] = (unsigned char)~ro[0];
	if (rw != MAP_FAILED && self->same_heap)
		TH_LOG("the read-only holder wrote the heap: the owner now reads %#x (was %#x)",
		       rw[0], (unsigned char)~ro[0]);
	if (rw != MAP_FAILED)
		munmap(rw, self->len);
	ro[0] = (unsigned char)~ro[0];
}

/*
 * After an attempt to make the read-only view @ro writable that returned
 * @r (0: it worked, which the test already failed on): what the holder
 * could do then, or that a write still faults; @ro is unmapped.
 */
static void after_upgrade(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ro) *self, void *ro, int r)
{
	if (!r)
		report_upgrade(_metadata, self, ro);
	else
		EXPECT_EQ(SIGSEGV, wsh_try_write(ro));
	munmap(ro, self->len);
}

TEST_F(ro, mmap_prot_write_eacces)
{
	unsigned char *ro;

	EXPECT_EQ(-EACCES, wsh_try_mmap(self->len, PROT_RW, MAP_SHARED,
					self->ro_fd, (__u64)self->ro_off));
	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro) TH_LOG("PROT_READ: %s", strerror(errno));
	if (self->same_heap)
		EXPECT_EQ(-1L, wsh_check(ro, self->len, 1));
	munmap(ro, self->len);
	/* control */
	EXPECT_EQ(0, wsh_try_mmap(self->len, PROT_RW, MAP_SHARED, self->rw_fd,
				  (__u64)self->rw_off));
}

TEST_F(ro, map_private_einval)
{
	if (variant->src == SRC_RO_DMABUF)
		SKIP(return, "MAP_PRIVATE of a dma-buf is the dma-buf core's business");
	EXPECT_EQ(-EINVAL, wsh_try_mmap(self->len, PROT_READ, MAP_PRIVATE,
					self->ro_fd, (__u64)self->ro_off));
	EXPECT_NE(0, wsh_try_mmap(self->len, PROT_RW, MAP_PRIVATE,
				  self->ro_fd, (__u64)self->ro_off));
	EXPECT_EQ(-EINVAL, wsh_try_mmap(self->len, PROT_RW, MAP_PRIVATE,
					self->rw_fd, (__u64)self->rw_off));
}

TEST_F(ro, mprotect_write)
{
	unsigned char *ro, *rw;

	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, mprotect(ro, self->len, PROT_RW));
	EXPECT_EQ(SIGSEGV, wsh_try_write(ro));
	munmap(ro, self->len);

	rw = map_rw(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, rw);
	EXPECT_EQ(0, mprotect(rw, self->len, PROT_RW));
	EXPECT_EQ(0, wsh_try_write(rw));
	munmap(rw, self->len);
}

/*
 * remap_file_pages() runs ->mmap of the VMA's file again (issue 10, item 1:
 * today that is the heap's read-write anchor file, and VM_MAYWRITE returns).
 * It may itself fail (no VM_SHARED): what must hold is that nothing after it
 * makes the mapping writable.
 */
TEST_F(ro, remap_file_pages_then_mprotect)
{
	unsigned char *ro, *rw;
	unsigned long pgoff;
	int r;

	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, wsh_vma_pgoff(ro, &pgoff));
	r = remap_file_pages(ro, self->len, 0, pgoff, 0);
	TH_LOG("remap_file_pages of the read-only view: %s",
	       r ? strerror(errno) : "done");
	if (!r && self->same_heap)
		EXPECT_EQ(-1L, wsh_check(ro, self->len, 1));
	r = mprotect(ro, self->len, PROT_RW);
	EXPECT_EQ(-1, r) TH_LOG("mprotect(PROT_WRITE) after remap_file_pages worked");
	after_upgrade(_metadata, self, ro, r);

	rw = map_rw(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, rw);
	ASSERT_EQ(0, wsh_vma_pgoff(rw, &pgoff));
	EXPECT_EQ(0, remap_file_pages(rw, self->len, 0, pgoff, 0))
		TH_LOG("control: %s", strerror(errno));
	EXPECT_EQ(0, mprotect(rw, self->len, PROT_RW));
	EXPECT_EQ(0, wsh_try_write(rw));
	munmap(rw, self->len);
}

/* mremap to a fixed new address, then mprotect; *@p is the moved mapping. */
static int mremap_then_mprotect(void **p, size_t len)
{
	void *hole = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *q;

	if (hole == MAP_FAILED)
		return -errno;
	q = mremap(*p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	if (q == MAP_FAILED) {
		munmap(hole, len);
		return -ENOMEM;
	}
	*p = q;
	return mprotect(q, len, PROT_RW) ? -errno : 0;
}

TEST_F(ro, mremap_then_mprotect)
{
	void *ro, *rw;
	int r;

	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	r = mremap_then_mprotect(&ro, self->len);
	EXPECT_NE(-ENOMEM, r) TH_LOG("mremap failed");
	EXPECT_NE(0, r) TH_LOG("the moved read-only mapping became writable");
	after_upgrade(_metadata, self, ro, r);

	rw = map_rw(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, rw);
	EXPECT_EQ(0, mremap_then_mprotect(&rw, self->len));
	EXPECT_EQ(0, wsh_try_write(rw));
	munmap(rw, self->len);
}

struct mprotect_arg {
	void *p;
	size_t len;
};

/* In the child: 0 if mprotect(PROT_WRITE) worked and the write landed. */
static int child_mprotect_write(void *arg)
{
	struct mprotect_arg *a = arg;

	if (mprotect(a->p, a->len, PROT_RW))
		return 1;
	*(volatile unsigned char *)a->p = 0x5a;
	return 0;
}

TEST_F(ro, fork_then_mprotect_in_child)
{
	struct mprotect_arg a = { .len = self->len };
	unsigned char *rw;

	a.p = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, a.p);
	EXPECT_EQ(1, wsh_status_code(wsh_child(child_mprotect_write, &a)))
		TH_LOG("the child made its inherited read-only mapping writable");
	munmap(a.p, self->len);

	rw = map_rw(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, rw);
	a.p = rw;
	EXPECT_EQ(0, wsh_status_code(wsh_child(child_mprotect_write, &a)));
	if (self->same_heap)
		EXPECT_EQ(0x5a, rw[0]);
	munmap(rw, self->len);
}

TEST_F(ro, madvise_populate_write)
{
	unsigned char *ro, *rw;

	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, madvise(ro, self->len, MADV_POPULATE_WRITE));
	munmap(ro, self->len);

	rw = map_rw(self, PROT_RW);
	ASSERT_NE(MAP_FAILED, rw);
	if (self->gup)
		EXPECT_EQ(0, madvise(rw, self->len, MADV_POPULATE_WRITE))
			TH_LOG("control: %s", strerror(errno));
	munmap(rw, self->len);
}

/* pwrite() of one byte at @p through /proc/self/mem (FOLL_FORCE). */
static ssize_t proc_mem_write(void *p, unsigned char b)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, &b, 1, (off_t)(uintptr_t)p);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

/*
 * A write of one byte by @write (1 if it landed, else < 0) must fail on the
 * read-only view and leave it as it was; on a read-write view of the same
 * heap it must work (the control), where the kernel can pin heap pages.
 */
static void write_needs_rw(struct __test_metadata *_metadata,
			   FIXTURE_DATA(ro) *self,
			   ssize_t (*write)(void *p, unsigned char b),
			   unsigned char b)
{
	unsigned char *ro, *rw, old;

	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	old = ro[0];
	EXPECT_GT(0, write(ro, (unsigned char)~old));
	EXPECT_EQ(old, ro[0]);
	munmap(ro, self->len);

	rw = map_rw(self, PROT_RW);
	ASSERT_NE(MAP_FAILED, rw);
	if (self->gup) {
		EXPECT_EQ(1, write(rw, b));
		EXPECT_EQ(b, rw[0]);
	}
	munmap(rw, self->len);
}

TEST_F(ro, proc_self_mem_pwrite)
{
	write_needs_rw(_metadata, self, proc_mem_write, 0x77);
}

static ssize_t vm_write_self(void *p, unsigned char b)
{
	struct iovec local = { .iov_base = &b, .iov_len = 1 };
	struct iovec remote = { .iov_base = p, .iov_len = 1 };
	ssize_t n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);

	return n < 0 ? -errno : n;
}

TEST_F(ro, process_vm_writev_into)
{
	write_needs_rw(_metadata, self, vm_write_self, 0x66);
}

/*
 * Reopening the descriptor through /proc/self/fd O_RDWR must not give a
 * writable view.  For a read-only export or dma-buf today's pseudo files
 * cannot be opened at all (ENXIO); the device node can, but that is a new,
 * empty context, which must not reach the heap.
 */
TEST_F(ro, reopen_proc_fd_rdwr)
{
	char path[64];
	int fd2;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->reopen_fd);
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	if (fd2 < 0) {
		TH_LOG("reopen O_RDWR: %s", strerror(errno));
		return;
	}
	TH_LOG("reopened O_RDWR (the device node: a new context)");
	EXPECT_NE(0, wsh_try_mmap(self->len, PROT_RW, MAP_SHARED, fd2,
				  (__u64)self->reopen_off))
		TH_LOG("the reopened descriptor maps read-write");
	close(fd2);
}

TEST_F(ro, userfaultfd_register)
{
	unsigned char *ro, *rw, *anon;
	int uffd = wsh_uffd_open();

	if (uffd == -ENOSYS || uffd == -EPERM)
		SKIP(return, "no userfaultfd: %s", strerror(-uffd));
	ASSERT_LE(0, uffd);
	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_NE(0, wsh_uffd_register(uffd, ro, self->len,
				       UFFDIO_REGISTER_MODE_MISSING));
	EXPECT_NE(0, wsh_uffd_register(uffd, ro, self->len,
				       UFFDIO_REGISTER_MODE_WP));
	munmap(ro, self->len);

	/* control: userfaultfd works here, on anonymous memory */
	anon = mmap(NULL, self->len, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(0, wsh_uffd_register(uffd, anon, self->len,
				       UFFDIO_REGISTER_MODE_MISSING));
	munmap(anon, self->len);
	/* a read-write heap mapping: not anonymous, shmem or hugetlb either */
	rw = map_rw(self, PROT_RW);
	ASSERT_NE(MAP_FAILED, rw);
	TH_LOG("registering a read-write heap mapping: %s",
	       strerror(-wsh_uffd_register(uffd, rw, self->len,
					   UFFDIO_REGISTER_MODE_MISSING)));
	munmap(rw, self->len);
	close(uffd);
}

/*
 * IORING_REGISTER_BUFFERS pins with FOLL_WRITE | FOLL_LONGTERM: the kernel
 * may write into a registered buffer later (READ_FIXED).  6.1 refuses such
 * pins of any non-shmem file mapping (EOPNOTSUPP), read-write ones too.
 */
TEST_F(ro, io_uring_register_buffer)
{
	struct iovec iov = { .iov_len = self->len };
	struct wsh_uring u;
	unsigned char *ro, *rw;
	int ret = wsh_uring_setup(4, &u);

	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "no io_uring: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	ro = map_ro(self, PROT_READ);
	ASSERT_NE(MAP_FAILED, ro);
	(void)*(volatile unsigned char *)ro;
	iov.iov_base = ro;
	EXPECT_NE(0, wsh_uring_register_buffers(&u, &iov, 1))
		TH_LOG("io_uring pinned a read-only mapping for writing");
	munmap(ro, self->len);
	wsh_uring_exit(&u);

	ASSERT_EQ(0, wsh_uring_setup(4, &u));
	rw = map_rw(self, PROT_RW);
	ASSERT_NE(MAP_FAILED, rw);
	iov.iov_base = rw;
	ret = wsh_uring_register_buffers(&u, &iov, 1);
	if (ret == -EOPNOTSUPP)
		TH_LOG("control: this kernel refuses to pin file mappings (6.1)");
	else if (self->gup)
		EXPECT_EQ(0, ret) TH_LOG("control: %s", strerror(-ret));
	wsh_uring_exit(&u);
	munmap(rw, self->len);
}

/* ----------------------- a context opened O_RDONLY ----------------------- */

FIXTURE(rdctx) {
	int rd;			/* /dev/wsheap opened O_RDONLY */
	int owner;		/* and O_RDWR */
	struct wsheap_create c;
	size_t ps;
};

FIXTURE_SETUP(rdctx)
{
	self->ps = wsh_ps();
	self->owner = wsh_open();
	ASSERT_LE(0, self->owner) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	self->rd = wsh_open_flags(O_RDONLY);
	ASSERT_LE(0, self->rd);
	ASSERT_EQ(0, wsh_heap_with_pages(self->rd, 2, 0, 0, &self->c));
}

FIXTURE_TEARDOWN(rdctx)
{
	close(self->rd);
	close(self->owner);
}

/* A descriptor @fd, wrongly handed out: does it map for writing? */
static void report_writable(struct __test_metadata *_metadata, int fd,
			    size_t len, const char *what)
{
	int r = wsh_try_mmap(len, PROT_RW, MAP_SHARED, fd, 0);

	TH_LOG("%s from the O_RDONLY context: mmap(PROT_WRITE) %s", what,
	       r ? strerror(-r) : "works: writable memory handed out");
}

TEST_F(rdctx, export_rw_eperm)
{
	int efd = -1, r;

	r = wsh_export(self->rd, self->c.handle, 0, &efd);
	EXPECT_EQ(-EPERM, r);
	if (!r) {
		report_writable(_metadata, efd, self->ps, "EXPORT");
		close(efd);
	}
	/* read-only exports stay allowed */
	ASSERT_EQ(0, wsh_export(self->rd, self->c.handle, WSHEAP_EXPORT_RDONLY, &efd));
	EXPECT_EQ(-EACCES, wsh_try_mmap(self->ps, PROT_RW, MAP_SHARED, efd, 0));
	close(efd);
}

TEST_F(rdctx, export_dmabuf_eperm)
{
	static const __u32 flags[] = { 0, WSHEAP_DMABUF_RDONLY };
	unsigned int i;
	int dfd = -1, r;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		r = wsh_export_dmabuf(self->rd, self->c.handle, flags[i], 0,
				      self->ps, &dfd);
		EXPECT_EQ(-EPERM, r) TH_LOG("flags %#x", flags[i]);
		if (!r) {
			report_writable(_metadata, dfd, self->ps, "EXPORT_DMABUF");
			close(dfd);
		}
	}
}

TEST_F(rdctx, mmap_prot_write_eacces)
{
	unsigned char *p;

	EXPECT_EQ(-EACCES, wsh_try_mmap(self->ps, PROT_RW, MAP_SHARED, self->rd,
					self->c.mmap_offset));
	p = wsh_map_prot(self->rd, &self->c, 0, self->ps, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1L, wsh_nonzero(p, self->ps));
	munmap(p, self->ps);
}

TEST_F(rdctx, create_alloc_reset_info_destroy_work)
{
	struct wsheap_reset r;
	struct wsheap_info i;
	struct wsheap_create c;

	ASSERT_EQ(0, wsh_create(self->rd, 1 << 20, 4096, WSHEAP_CREATE_FLAGS, &c));
	EXPECT_EQ(0, wsh_alloc(self->rd, c.handle, 100, 0, NULL));
	memset(&r, 0, sizeof(r));
	r.handle = c.handle;
	EXPECT_EQ(0, wsh_ioctl(self->rd, WSHEAP_IOC_RESET, &r));
	ASSERT_EQ(0, wsh_info(self->rd, c.handle, &i));
	EXPECT_EQ(1ULL, i.generation);
	EXPECT_EQ(0, wsh_destroy(self->rd, c.handle));
}

/* A read-write handle imported into the O_RDONLY context is bounded by it. */
TEST_F(rdctx, imported_rw_handle_bounded_by_context)
{
	struct wsheap_create c;
	struct wsheap_import im;
	int rwfd, efd = -1, dfd = -1, r;

	ASSERT_EQ(0, wsh_heap_with_pages(self->owner, 1, 0, 0, &c));
	ASSERT_EQ(0, wsh_export(self->owner, c.handle, 0, &rwfd));
	ASSERT_EQ(0, wsh_import(self->rd, rwfd, &im));
	close(rwfd);
	EXPECT_EQ(-EACCES, wsh_try_mmap(self->ps, PROT_RW, MAP_SHARED, self->rd,
					im.mmap_offset));
	r = wsh_export(self->rd, im.handle, 0, &efd);
	EXPECT_EQ(-EPERM, r);
	if (!r) {
		report_writable(_metadata, efd, self->ps, "EXPORT of an imported handle");
		close(efd);
	}
	r = wsh_export_dmabuf(self->rd, im.handle, 0, 0, self->ps, &dfd);
	EXPECT_EQ(-EPERM, r);
	if (!r) {
		report_writable(_metadata, dfd, self->ps, "EXPORT_DMABUF of an imported handle");
		close(dfd);
	}
}

/* ------------------------ nothing is executable ------------------------- */

FIXTURE(noexec) {
	int fd;
	struct wsheap_create c;
	unsigned char *rw;
	size_t ps;
};

FIXTURE_SETUP(noexec)
{
	self->ps = wsh_ps();
	self->fd = wsh_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", WSHEAP_DEVICE, strerror(errno));
	ASSERT_EQ(0, wsh_heap_with_pages(self->fd, 1, 0, 0, &self->c));
	self->rw = wsh_map(self->fd, &self->c, 0, self->ps);
	ASSERT_NE(MAP_FAILED, self->rw);
	self->rw[0] = 0xc3;	/* x86 "ret": what an attacker would place */
}

FIXTURE_TEARDOWN(noexec)
{
	munmap(self->rw, self->ps);
	close(self->fd);
}

static int call_fn(void *p)
{
	((void (*)(void))p)();
	return 0;
}

/*
 * mmap(PROT_EXEC) of @fd at @off must fail with EPERM; if it works, run
 * the heap's first byte in a child, to say in the log what that gives.
 */
static void expect_no_exec_mmap(struct __test_metadata *_metadata, int fd,
				__u64 off, size_t len, int prot)
{
	void *x = mmap(NULL, len, prot | PROT_EXEC, MAP_SHARED, fd, (off_t)off);

	EXPECT_EQ(MAP_FAILED, x);
	if (x == MAP_FAILED) {
		EXPECT_EQ(EPERM, errno);
		return;
	}
	TH_LOG("PROT_EXEC mapping made; running heap bytes: %s",
	       wsh_status_code(wsh_child(call_fn, x)) == 0 ?
	       "executed" : "crashed");
	munmap(x, len);
}

TEST_F(noexec, mmap_exec_through_device)
{
	expect_no_exec_mmap(_metadata, self->fd, self->c.mmap_offset, self->ps,
			    PROT_READ);
	expect_no_exec_mmap(_metadata, self->fd, self->c.mmap_offset, self->ps,
			    PROT_READ | PROT_WRITE);
}

TEST_F(noexec, mmap_exec_through_export)
{
	int efd, rofd;

	ASSERT_EQ(0, wsh_export(self->fd, self->c.handle, 0, &efd));
	ASSERT_EQ(0, wsh_export(self->fd, self->c.handle, WSHEAP_EXPORT_RDONLY, &rofd));
	expect_no_exec_mmap(_metadata, efd, 0, self->ps, PROT_READ | PROT_WRITE);
	expect_no_exec_mmap(_metadata, rofd, 0, self->ps, PROT_READ);
	close(rofd);
	close(efd);
}

TEST_F(noexec, mmap_exec_through_ro_import)
{
	struct wsheap_import im;
	int rofd, ctx2;

	ASSERT_EQ(0, wsh_export(self->fd, self->c.handle, WSHEAP_EXPORT_RDONLY, &rofd));
	ctx2 = wsh_open();
	ASSERT_LE(0, ctx2);
	ASSERT_EQ(0, wsh_import(ctx2, rofd, &im));
	expect_no_exec_mmap(_metadata, ctx2, im.mmap_offset, self->ps, PROT_READ);
	close(ctx2);
	close(rofd);
}

TEST_F(noexec, mmap_exec_through_dmabuf)
{
	int dfd;

	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, self->c.handle, 0, 0, self->ps, &dfd));
	expect_no_exec_mmap(_metadata, dfd, 0, self->ps, PROT_READ | PROT_WRITE);
	close(dfd);
}

static void expect_no_mprotect_exec(struct __test_metadata *_metadata,
				    void *p, size_t len)
{
	EXPECT_EQ(-1, mprotect(p, len, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p, len, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
}

TEST_F(noexec, mprotect_exec_of_rw_mapping)
{
	int r;

	expect_no_mprotect_exec(_metadata, self->rw, self->ps);
	r = mprotect(self->rw, self->ps, PROT_READ | PROT_EXEC);
	if (!r)
		TH_LOG("heap bytes run: %s",
		       wsh_status_code(wsh_child(call_fn, self->rw)) == 0 ?
		       "executed" : "crashed");
}

TEST_F(noexec, mprotect_exec_of_dmabuf_mapping)
{
	void *d;
	int dfd;

	ASSERT_EQ(0, wsh_export_dmabuf(self->fd, self->c.handle, 0, 0, self->ps, &dfd));
	d = mmap(NULL, self->ps, PROT_RW, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d);
	expect_no_mprotect_exec(_metadata, d, self->ps);
	munmap(d, self->ps);
	close(dfd);
}

TEST_HARNESS_MAIN
