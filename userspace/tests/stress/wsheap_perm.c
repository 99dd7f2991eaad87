// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap permissions: who may open /dev/wsheap, and what a descriptor
 * passed to someone else allows.
 *
 *  - the module creates /dev/wsheap 0600 root:root: an unprivileged user
 *    (uid/gid 65534, in a forked child) gets EACCES;
 *  - after chgrp + chmod 0660 (what packaging/60-wsheap.rules does for the
 *    group wsheap) a member can use it and others still cannot; with 0640
 *    a member opens read-only and cannot map for writing;
 *  - module parameters are root's;
 *  - a heap descriptor handed to an unprivileged process grants exactly
 *    what it was exported with: read-only stays read-only (mmap, mprotect,
 *    /proc/self/fd reopen, /proc/self/mem, map_files);
 *  - the status page is read-only for everyone.
 *
 * The device's mode and owner are restored after each test.
 */
#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

#include <grp.h>
#include <sys/stat.h>

/* TEST()'s wrapper has an unused parameter (the harness is not -Wextra clean) */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define NOBODY	65534
#define OTHER	65533

static bool is_root(void)
{
	return geteuid() == 0;
}

/*
 * Whatever happens to a test, the program leaves the device as it found
 * it: the harness's own process saves its mode at start and restores it
 * on exit (test children _exit and skip this).
 */
static struct stat dev_at_start;
static pid_t dev_saver;

static void __attribute__((constructor)) dev_save(void)
{
	if (!stat(WSHEAP_DEVICE, &dev_at_start))
		dev_saver = getpid();
}

static void __attribute__((destructor)) dev_restore(void)
{
	if (dev_saver != getpid() || !is_root())
		return;
	if (chown(WSHEAP_DEVICE, dev_at_start.st_uid, dev_at_start.st_gid) ||
	    chmod(WSHEAP_DEVICE, dev_at_start.st_mode & 07777))
		fprintf(stderr, "# cannot restore %s\n", WSHEAP_DEVICE);
}

/*
 * Run @fn(@arg) in a child as @uid/@gid with no supplementary groups.
 * The child first proves it can reach /dev and /sys at all (a world-
 * writable /dev/null, a world-readable sysfs file), so an EACCES seen
 * later is the device's or the parameter's own.
 */
static bool reachable(const char *path, int flags, uid_t uid)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "# uid %u cannot open %s: %s\n",
			(unsigned int)uid, path, strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static int run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg)
{
	pid_t pid = wsh_fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(99);
		if (!reachable("/dev/null", O_RDWR, uid))
			_exit(98);
		if (!reachable("/sys/kernel/uevent_seqnum", O_RDONLY, uid))
			_exit(97);
		_exit(fn(arg));
	}
	return wsh_wait_pid(pid);
}

/* Opening the device fails with EACCES for every access mode. */
static int open_denied(void *arg)
{
	static const int modes[] = { O_RDWR, O_RDONLY, O_WRONLY };
	unsigned int i;

	(void)arg;
	for (i = 0; i < 3; i++) {
		int fd = open(WSHEAP_DEVICE, modes[i] | O_CLOEXEC);

		if (fd >= 0 || errno != EACCES)
			return 10 + (int)i;
	}
	return 0;
}

/* Full use of the device: a heap, its pages, export and import. */
static int use_device(void *arg)
{
	struct wsheap_create c;
	struct wsheap_import im;
	struct wsheap_export e;
	unsigned char *p;
	__u64 off;
	int fd, fd2;

	(void)arg;
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "# uid %d gid %d: open %s: %s\n", getuid(), getgid(),
			WSHEAP_DEVICE, strerror(errno));
		return 20;
	}
	if (wsh_create(fd, 1 << 20, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, 8192, 0, &off))
		return 21;
	p = wsh_map(fd, &c, 0, 8192);
	if (p == MAP_FAILED)
		return 22;
	wsh_fill(p, 8192, 3);
	memset(&e, 0, sizeof(e));
	e.handle = c.handle;
	fd2 = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd2 < 0 || wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e))
		return 23;
	memset(&im, 0, sizeof(im));
	im.fd = e.fd;
	if (wsh_ioctl(fd2, WSHEAP_IOC_IMPORT, &im))
		return 24;
	if (wsh_check(p, 8192, 3) != -1)
		return 25;
	close(e.fd);
	/* the last user's DESTROY gives the memory back */
	if (wsh_destroy(fd2, im.handle) || wsh_destroy(fd, c.handle))
		return 26;
	close(fd2);
	close(fd);
	return wsh_touch(p, false) == SIGBUS ? 0 : 27;
}

/* O_RDONLY only: the context works, but never maps for writing. */
static int use_read_only(void *arg)
{
	struct wsheap_create c;
	unsigned char *p;
	int fd;

	(void)arg;
	fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != EACCES)
		return 30;
	fd = open(WSHEAP_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 31;
	if (wsh_create(fd, 1 << 20, 0, 0, &c) ||
	    wsh_alloc(fd, c.handle, 4096, 0, NULL))
		return 32;
	if (wsh_map(fd, &c, 0, 4096) != MAP_FAILED || errno != EACCES)
		return 33;
	p = wsh_map_prot(fd, &c, 0, 4096, PROT_READ);
	if (p == MAP_FAILED)
		return 34;
	if (!mprotect(p, 4096, PROT_READ | PROT_WRITE) || errno != EACCES)
		return 35;
	if (p[0])
		return 36;
	close(fd);
	return 0;
}

FIXTURE(dev) {
	struct stat st;
	bool saved;
};

FIXTURE_SETUP(dev)
{
	if (!is_root())
		SKIP(return, "needs root");
	ASSERT_EQ(0, stat(WSHEAP_DEVICE, &self->st));
	self->saved = true;
}

FIXTURE_TEARDOWN(dev)
{
	if (!self->saved)
		return;
	if (chown(WSHEAP_DEVICE, self->st.st_uid, self->st.st_gid) ||
	    chmod(WSHEAP_DEVICE, self->st.st_mode & 07777))
		TH_LOG("cannot restore %s: %s", WSHEAP_DEVICE, strerror(errno));
}

TEST(default_mode_is_0600_root)
{
	struct stat st;

	ASSERT_EQ(0, stat(WSHEAP_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
	EXPECT_EQ(0u, st.st_gid);
}

TEST_F(dev, unprivileged_user_gets_eacces)
{
	ASSERT_EQ(0600u, self->st.st_mode & 07777);
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, open_denied, NULL));
	/* group and others bits are what matter, not the uid alone */
	EXPECT_EQ(0, run_as(NOBODY, 0, open_denied, NULL));
}

TEST_F(dev, group_member_after_chgrp_chmod_0660)
{
	ASSERT_EQ(0, chown(WSHEAP_DEVICE, 0, NOBODY));
	ASSERT_EQ(0, chmod(WSHEAP_DEVICE, 0660));
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, use_device, NULL));
	/* not in the group: still denied */
	EXPECT_EQ(0, run_as(OTHER, OTHER, open_denied, NULL));
	EXPECT_EQ(0, run_as(NOBODY, OTHER, open_denied, NULL));
}

TEST_F(dev, group_read_only_0640)
{
	ASSERT_EQ(0, chown(WSHEAP_DEVICE, 0, NOBODY));
	ASSERT_EQ(0, chmod(WSHEAP_DEVICE, 0640));
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, use_read_only, NULL));
}

TEST_F(dev, mode_restored)
{
	struct stat st;

	ASSERT_EQ(0, chmod(WSHEAP_DEVICE, 0666));
	ASSERT_EQ(0, chmod(WSHEAP_DEVICE, self->st.st_mode & 07777));
	ASSERT_EQ(0, stat(WSHEAP_DEVICE, &st));
	EXPECT_EQ(self->st.st_mode, st.st_mode);
	EXPECT_EQ(self->st.st_uid, st.st_uid);
	EXPECT_EQ(self->st.st_gid, st.st_gid);
}

static int params_denied(void *arg)
{
	static const char *const names[] = {
		"max_heaps_per_context", "max_bytes_per_context", "max_bytes_total",
	};
	char buf[64];
	unsigned int i;
	int rc;

	(void)arg;
	for (i = 0; i < 3; i++) {
		if (wsh_param_write(names[i], "1") != -EACCES)
			return 40 + (int)i;
		rc = wsh_param_read(names[i], buf, sizeof(buf));
		if (rc) {
			fprintf(stderr, "# reading %s: %s\n", names[i], strerror(-rc));
			return 50 + (int)i;	/* 0644: readable */
		}
	}
	return 0;
}

TEST(module_parameters_are_roots)
{
	if (!is_root())
		SKIP(return, "needs root");
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, params_denied, NULL));
}

/* ------------------------------------------ descriptors passed on --- */

struct passed {
	int rw, ro, dmabuf_ro;
	size_t len;
};

/* Reopening a descriptor through /proc must not widen (or give) access. */
static int reopen_fails(int fd, int flags)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = open(path, flags | O_CLOEXEC);
	if (r >= 0) {
		close(r);
		return 0;
	}
	return 1;
}

static int use_passed(void *arg)
{
	struct passed *ps = arg;
	unsigned char *p, *q;

	/* no access to the device itself */
	if (open(WSHEAP_DEVICE, O_RDWR) >= 0 || errno != EACCES)
		return 60;
	/* the read-write export maps read-write: write a pattern */
	p = mmap(NULL, ps->len, PROT_READ | PROT_WRITE, MAP_SHARED, ps->rw, 0);
	if (p == MAP_FAILED)
		return 61;
	if (wsh_check(p, ps->len, 5) != -1)
		return 62;
	wsh_fill(p, ps->len, 6);
	/* the read-only one: never writable */
	if (mmap(NULL, ps->len, PROT_READ | PROT_WRITE, MAP_SHARED, ps->ro, 0) !=
	    MAP_FAILED || errno != EACCES)
		return 63;
	q = mmap(NULL, ps->len, PROT_READ, MAP_SHARED, ps->ro, 0);
	if (q == MAP_FAILED || wsh_check(q, ps->len, 6) != -1)
		return 64;
	if (!mprotect(q, ps->len, PROT_READ | PROT_WRITE) || errno != EACCES)
		return 65;
	if (wsh_touch(q, true) != SIGSEGV)
		return 66;
	if (!reopen_fails(ps->ro, O_RDWR) || !reopen_fails(ps->ro, O_RDONLY) ||
	    !reopen_fails(ps->rw, O_RDWR))
		return 67;
	if (mmap(NULL, ps->len, PROT_READ | PROT_WRITE, MAP_SHARED, ps->dmabuf_ro,
		 0) != MAP_FAILED || errno != EACCES)
		return 68;
	if (!reopen_fails(ps->dmabuf_ro, O_RDWR))
		return 69;
	return 0;
}

static int export_fd(int fd, __u32 h, __u32 flags)
{
	struct wsheap_export e;

	memset(&e, 0, sizeof(e));
	e.handle = h;
	e.flags = flags;
	return wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e) ? -1 : e.fd;
}

static int dmabuf_fd(int fd, __u32 h, __u64 size, __u32 flags)
{
	struct wsheap_export_dmabuf d;

	memset(&d, 0, sizeof(d));
	d.handle = h;
	d.size = size;
	d.flags = flags;
	return wsh_ioctl(fd, WSHEAP_IOC_EXPORT_DMABUF, &d) ? -1 : d.fd;
}

TEST_F(dev, descriptors_grant_what_they_were_exported_with)
{
	struct passed ps = { .len = 2 * wsh_ps() };
	struct wsheap_create c;
	unsigned char *p;
	int fd;

	ASSERT_EQ(0600u, self->st.st_mode & 07777);
	fd = wsh_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wsh_create(fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(fd, c.handle, ps.len, 0, NULL));
	p = wsh_map(fd, &c, 0, ps.len);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, ps.len, 5);
	ps.rw = export_fd(fd, c.handle, 0);
	ps.ro = export_fd(fd, c.handle, WSHEAP_EXPORT_RDONLY);
	ps.dmabuf_ro = dmabuf_fd(fd, c.handle, ps.len, WSHEAP_DMABUF_RDONLY);
	ASSERT_LE(0, ps.rw);
	ASSERT_LE(0, ps.ro);
	ASSERT_LE(0, ps.dmabuf_ro);
	/* a forked child keeps the descriptors, whoever it becomes */
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, use_passed, &ps));
	/* what the unprivileged child wrote through the rw export is here */
	EXPECT_EQ(-1, wsh_check(p, ps.len, 6));
	close(ps.rw);
	close(ps.ro);
	close(ps.dmabuf_ro);
	munmap(p, ps.len);
	close(fd);
}

TEST(no_reopen_through_proc)
{
	struct wsheap_create c;
	char path[128];
	unsigned char *p;
	int fd, rw, ro, db, r;

	fd = wsh_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wsh_create(fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(fd, c.handle, 4096, 0, NULL));
	rw = export_fd(fd, c.handle, 0);
	ro = export_fd(fd, c.handle, WSHEAP_EXPORT_RDONLY);
	db = dmabuf_fd(fd, c.handle, 4096, WSHEAP_DMABUF_RDONLY);
	ASSERT_LE(0, rw);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, db);
	/* even root cannot turn a read-only descriptor into a writable one */
	EXPECT_EQ(1, reopen_fails(ro, O_RDWR));
	EXPECT_EQ(1, reopen_fails(ro, O_RDONLY));
	EXPECT_EQ(1, reopen_fails(rw, O_RDWR));
	EXPECT_EQ(1, reopen_fails(db, O_RDWR));

	/* nor open a heap's anchor file through map_files */
	p = wsh_map(fd, &c, 0, 4096);
	ASSERT_NE(MAP_FAILED, p);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)p, (unsigned long)p + 4096);
	r = open(path, O_RDWR | O_CLOEXEC);
	EXPECT_GT(0, r) TH_LOG("map_files opened a heap's file");
	if (r >= 0)
		close(r);
	r = open(path, O_RDONLY | O_CLOEXEC);
	EXPECT_GT(0, r);
	if (r >= 0)
		close(r);
	munmap(p, 4096);
	close(rw);
	close(ro);
	close(db);
	close(fd);
}

TEST(read_only_mappings_stay_read_only)
{
	struct wsheap_create c;
	struct wsheap_import im;
	unsigned char *p, *st, before[64], after[64];
	int fd, fd2, ro, mem;
	ssize_t n;

	fd = wsh_open();
	fd2 = wsh_open();
	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wsh_create(fd, 1 << 20, 0, 0, &c));
	ASSERT_EQ(0, wsh_alloc(fd, c.handle, 4096, 0, NULL));
	p = wsh_map(fd, &c, 0, 4096);
	ASSERT_NE(MAP_FAILED, p);
	wsh_fill(p, 4096, 8);
	munmap(p, 4096);
	ro = export_fd(fd, c.handle, WSHEAP_EXPORT_RDONLY);
	ASSERT_LE(0, ro);
	memset(&im, 0, sizeof(im));
	im.fd = ro;
	ASSERT_EQ(0, wsh_ioctl(fd2, WSHEAP_IOC_IMPORT, &im));
	EXPECT_EQ(WSHEAP_ACCESS_RDONLY, im.access);

	/* the read-only import refuses every change */
	EXPECT_EQ(-EPERM, wsh_alloc(fd2, im.handle, 8, 0, NULL));
	EXPECT_EQ(-EPERM, wsh_reset(fd2, im.handle, NULL));
	EXPECT_EQ(-1, dmabuf_fd(fd2, im.handle, 4096, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, export_fd(fd2, im.handle, 0));
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
		 (off_t)im.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, (off_t)im.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 4096, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);

	/* /proc/self/mem (FOLL_FORCE) cannot write through it either */
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);
	memcpy(before, p, sizeof(before));
	memset(after, 0xee, sizeof(after));
	n = pwrite(mem, after, sizeof(after), (off_t)(uintptr_t)p);
	EXPECT_GT(0, n) TH_LOG("/proc/self/mem wrote %zd bytes to a read-only import", n);
	EXPECT_EQ(0, memcmp(before, p, sizeof(before)));
	EXPECT_EQ(-1L, wsh_check(p, 4096, 8));

	/* nor to the status page */
	st = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
		  (off_t)(c.mmap_offset + WSHEAP_STATUS_OFFSET));
	ASSERT_NE(MAP_FAILED, st);
	memcpy(before, st, sizeof(before));
	n = pwrite(mem, after, sizeof(after), (off_t)(uintptr_t)st);
	EXPECT_GT(0, n);
	EXPECT_EQ(0, memcmp(before, st, sizeof(before)));
	EXPECT_EQ(-1, mprotect(st, 4096, PROT_READ | PROT_WRITE));
	EXPECT_EQ(SIGSEGV, wsh_touch(st, true));
	EXPECT_EQ(-EACCES, wsh_try_mmap(4096, PROT_READ | PROT_WRITE, MAP_SHARED,
					fd, c.mmap_offset + WSHEAP_STATUS_OFFSET));
	close(mem);
	munmap(st, 4096);
	munmap(p, 4096);
	close(ro);
	close(fd2);
	close(fd);
}

TEST_HARNESS_MAIN
