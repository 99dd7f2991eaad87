// SPDX-License-Identifier: GPL-2.0
/* The wsheap test-support library (wsh_support.h says what it holds). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "wsh_support.h"

__u64 wsh_ps(void)
{
	return (__u64)sysconf(_SC_PAGESIZE);
}

int wsh_open(void)
{
	return open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
}

/* ------------------------------- files ---------------------------------- */

int wsh_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int wsh_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

static void param_path(char *path, size_t size, const char *name)
{
	snprintf(path, size, WSH_PARAM_DIR "%s", name);
}

int wsh_param_read(const char *name, char *buf, size_t size)
{
	char path[256];

	param_path(path, sizeof(path), name);
	return wsh_read_file(path, buf, size);
}

int wsh_param_write(const char *name, const char *val)
{
	char path[256];

	param_path(path, sizeof(path), name);
	return wsh_write_file(path, val);
}

int wsh_param_read_u64(const char *name, __u64 *val)
{
	char buf[64], *end;
	int ret = wsh_param_read(name, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int wsh_param_write_u64(const char *name, __u64 val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return wsh_param_write(name, buf);
}

int wsh_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl < 0 ? -errno : !!(fl & FD_CLOEXEC);
}

/* -------------------------------- time ---------------------------------- */

__u64 wsh_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void wsh_sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void wsh_sleep_ms(unsigned int ms)
{
	wsh_sleep_us(ms * 1000);
}

/* ----------------------------- SCM_RIGHTS ------------------------------- */

union wsh_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int wsh_send_fd(int sock, int fd, const void *data, size_t len, int flags)
{
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union wsh_cmsg u;
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, flags | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

ssize_t wsh_recv_fd(int sock, int *fd, void *data, size_t len, int flags)
{
	struct iovec iov = { data, len };
	union wsh_cmsg u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int got;

	*fd = -1;
	n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(sizeof(int)))
			continue;
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
		if (*fd >= 0)
			close(*fd);	/* only one is expected: keep the last */
		*fd = got;
	}
	return n;
}

/* ------------------------------ patterns -------------------------------- */

unsigned char wsh_pat_at(size_t i, unsigned int seed)
{
	unsigned char b = (unsigned char)(seed * 131u + i * 7u + (i >> 12) * 13u);

	return b ? b : 0xa5;
}

void wsh_fill(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = wsh_pat_at(i, seed);
}

long wsh_check(const void *p, size_t len, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != wsh_pat_at(i, seed))
			return (long)i;
	return -1;
}

long wsh_nonzero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return (long)i;
	return -1;
}

/* ------------------------------ children -------------------------------- */

pid_t wsh_fork(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
	}
	return pid;
}

int wsh_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = wsh_fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int wsh_status_code(int status)
{
	if (status == -1)
		return -1;
	if (WIFSIGNALED(status))
		return WSH_KILLED_BY(WTERMSIG(status));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -2;
}

int wsh_wait_pid(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return wsh_status_code(status);
}

struct touch_arg {
	volatile unsigned char *p;
	bool write;
};

static int touch_fn(void *arg)
{
	struct touch_arg *t = arg;

	if (t->write)
		*t->p = 0x5a;
	else
		(void)*t->p;
	return 0;
}

int wsh_touch(const volatile void *p, bool write)
{
	struct touch_arg t = {
		.p = (volatile unsigned char *)p,
		.write = write,
	};
	int status = wsh_child(touch_fn, &t);

	if (status == -1)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return -1;
}

int wsh_in_child(int (*fn)(int), int arg)
{
	pid_t pid = wsh_fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	return wsh_wait_pid(pid);
}

pid_t wsh_fork_peer(int (*fn)(int sock), int *sock)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = wsh_fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(fn(sv[1]));
	}
	close(sv[1]);
	if (pid < 0)
		close(sv[0]);
	else
		*sock = sv[0];
	return pid;
}

/* ------------------------------- sharing -------------------------------- */

int wsh_filled_heap(int fd, size_t pages, unsigned int seed,
		    struct wsheap_create *c, unsigned char **map)
{
	size_t len = pages * wsh_ps();
	int ret = wsh_create(fd, UINT64_MAX, 0, 0, c);

	if (!ret)
		ret = wsh_alloc_gen(fd, c->handle, len, 0, NULL, NULL);
	if (ret)
		return ret;
	*map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)c->mmap_offset);
	if (*map == MAP_FAILED)
		return -errno;
	wsh_fill(*map, len, seed);
	return 0;
}

int wsh_exported_heap(int fd, size_t pages, unsigned int seed, __u32 flags,
		      struct wsheap_create *c, unsigned char **map, int *efd)
{
	struct wsheap_export e = { .flags = flags };
	int ret = wsh_filled_heap(fd, pages, seed, c, map);

	if (ret)
		return ret;
	e.handle = c->handle;
	ret = wsh_ioctl(fd, WSHEAP_IOC_EXPORT, &e);
	if (!ret)
		*efd = e.fd;
	return ret;
}
