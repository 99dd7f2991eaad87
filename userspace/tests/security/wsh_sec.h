/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the security suites (tests/security): what an attacker needs
 * beyond the ABI helpers of tests/abi: descriptor bookkeeping, the mapping
 * a VMA really has, the module's committed total, and raw io_uring and
 * userfaultfd (no liburing: the guest has only static test programs).
 * Every helper returns 0 / a value or -errno; tests assert on that.
 */
#ifndef WSH_SEC_H
#define WSH_SEC_H

#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>

/* The descriptor number the next open() or EXPORT would get. */
static inline int wsh_lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static inline bool wsh_fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Entries of /proc/self/fd (the directory's own descriptor included). */
static inline int wsh_count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* "committed N" of debugfs stats: the module-wide commitment in bytes. */
static inline int wsh_stats_committed(long long *out)
{
	char line[128];
	FILE *f = fopen(WSH_DEBUGFS_STATS, "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "committed %lld", out) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* The page offset (in the file the VMA maps now) of the mapping at @addr. */
static inline int wsh_vma_pgoff(const void *addr, unsigned long *pgoff)
{
	unsigned long start, end, off, a = (unsigned long)addr;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) == 3 &&
		    a >= start && a < end) {
			*pgoff = (off + (a - start)) / wsh_ps();
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* Try a write of one byte at @p in a child; 0 if it landed, else the signal. */
static inline int wsh_try_write(void *p)
{
	return wsh_touch(p, true);
}

/* ------------------------------ io_uring --------------------------------- */

struct wsh_uring {
	int fd;
	void *sq_ring, *cq_ring;
	size_t sq_ring_len, cq_ring_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

/*
 * A ring of @entries, or -errno: -ENOSYS without io_uring, -EPERM where
 * kernel.io_uring_disabled forbids it (callers skip on both).
 */
static inline int wsh_uring_setup(unsigned int entries, struct wsh_uring *u)
{
	struct io_uring_params p;
	long fd;

	memset(u, 0, sizeof(*u));
	memset(&p, 0, sizeof(p));
	u->fd = -1;
	fd = syscall(__NR_io_uring_setup, entries, &p);
	if (fd < 0)
		return -errno;
	u->fd = (int)fd;
	u->sq_ring_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	u->cq_ring_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sq_ring = mmap(NULL, u->sq_ring_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	u->cq_ring = mmap(NULL, u->cq_ring_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_CQ_RING);
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	if (u->sq_ring == MAP_FAILED || u->cq_ring == MAP_FAILED ||
	    u->sqes == MAP_FAILED) {
		int err = -errno;

		close(u->fd);
		u->fd = -1;
		return err;
	}
	u->sq_tail = (unsigned int *)((char *)u->sq_ring + p.sq_off.tail);
	u->sq_mask = (unsigned int *)((char *)u->sq_ring + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)((char *)u->sq_ring + p.sq_off.array);
	u->cq_head = (unsigned int *)((char *)u->cq_ring + p.cq_off.head);
	u->cq_tail = (unsigned int *)((char *)u->cq_ring + p.cq_off.tail);
	u->cq_mask = (unsigned int *)((char *)u->cq_ring + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)((char *)u->cq_ring + p.cq_off.cqes);
	return 0;
}

static inline void wsh_uring_exit(struct wsh_uring *u)
{
	munmap(u->sqes, u->sqes_len);
	munmap(u->cq_ring, u->cq_ring_len);
	munmap(u->sq_ring, u->sq_ring_len);
	close(u->fd);
}

/* IORING_REGISTER_BUFFERS: a long-term pin (FOLL_WRITE) of each iovec. */
static inline int wsh_uring_register_buffers(struct wsh_uring *u,
					     const struct iovec *iov,
					     unsigned int n)
{
	long ret = syscall(__NR_io_uring_register, u->fd,
			   IORING_REGISTER_BUFFERS, iov, n);

	return ret < 0 ? -errno : 0;
}

/*
 * One READ_FIXED or WRITE_FIXED of @len bytes at @buf (inside registered
 * buffer @index) from/to @fd at @off, waited for.  Returns the CQE's result.
 */
static inline int wsh_uring_rw_fixed(struct wsh_uring *u, __u8 op, int fd,
				     void *buf, __u32 len, __u64 off,
				     __u16 index)
{
	unsigned int tail = *u->sq_tail, head, slot = tail & *u->sq_mask;
	struct io_uring_sqe *sqe = &u->sqes[slot];
	long ret;
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (__u64)(unsigned long)buf;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = index;
	u->sq_array[slot] = slot;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	ret = syscall(__NR_io_uring_enter, u->fd, 1, 1,
		      IORING_ENTER_GETEVENTS, NULL, 0);
	if (ret < 0)
		return -errno;
	head = *u->cq_head;
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/* ----------------------------- userfaultfd ------------------------------- */

/* A userfaultfd with the API handshake done, or -errno (-ENOSYS: none). */
static inline int wsh_uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	long fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl((int)fd, UFFDIO_API, &api)) {
		int err = -errno;

		close((int)fd);
		return err;
	}
	return (int)fd;
}

/* UFFDIO_REGISTER of [p, p + len) in @mode; 0 or -errno. */
static inline int wsh_uffd_register(int uffd, void *p, size_t len, __u64 mode)
{
	struct uffdio_register r = {
		.range = { .start = (__u64)(unsigned long)p, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

#endif /* WSH_SEC_H */
