// SPDX-License-Identifier: MIT
/*
 * share256m: 256 MiB from a producer to a forked consumer in 1 MiB chunks;
 * the consumer reads every 64-byte line.  The shared-memory transports use
 * the same 4-slot ring protocol (4-byte slot messages over pipes) and
 * differ only in the memory:
 *   wsheap: a POPULATE heap; the consumer inherits the mapping (fork)
 *   memfd: a memfd arena whose trim covers the ring, populated at creation;
 *          the consumer gets the descriptor over SCM_RIGHTS and maps it
 * and the copying ones write() and read() each chunk:
 *   socketpair: AF_UNIX stream, buffers forced to 4 MiB
 *   pipe: F_SETPIPE_SZ 4 MiB
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"
#include "memfd_arena.h"
#include "wsheap.h"

#define SHARE_TOTAL	(256 * MiB)
#define SHARE_CHUNK	(1 * MiB)
#define SHARE_SLOTS	4
#define RING_BYTES	(SHARE_SLOTS * SHARE_CHUNK)

enum share_kind { SH_WSHEAP, SH_MEMFD, SH_SOCKET, SH_PIPE, SH_KINDS };

struct share {
	enum share_kind kind;
	size_t total;
	pid_t child;
	int to_child;		/* data (socket/pipe), or slot messages */
	int from_child;		/* acks and the checksum */
	char *ring;		/* wsheap, memfd: SHARE_SLOTS chunks */
	char *buf;		/* socket/pipe: the producer's buffer */
	struct wsheap *heap;
	struct memfd_arena arena;
	uint64_t ring_off;	/* memfd: the ring's offset in the file */
};

/* The producer's work on a chunk: fill it (every byte). */
static __attribute__((noinline)) void produce(char *p, uint64_t k)
{
	memset(p, (int)(k & 0xff) | 1, SHARE_CHUNK);
}

/* The consumer's work: read every 64-byte line of the chunk. */
static __attribute__((noinline)) uint64_t consume(const char *p)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < SHARE_CHUNK; i += 64)
		sum += *(const volatile uint64_t *)(p + i);
	return sum;
}

static uint64_t expected_sum(size_t chunks)
{
	uint64_t sum = 0, k;

	for (k = 0; k < chunks; k++)
		sum += (SHARE_CHUNK / 64) *
		       (((k & 0xff) | 1) * 0x0101010101010101ULL);
	return sum;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0, "write: %s", strerror(errno));
		p += n;
		len -= n;
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0, "read: %s", n ? strerror(errno) : "EOF");
		p += n;
		len -= n;
	}
}

static bool uses_ring(const struct share *s)
{
	return s->kind == SH_WSHEAP || s->kind == SH_MEMFD;
}

/* The consumer process: runs until its input closes. */
static void __attribute__((noreturn)) share_child(struct share *s)
{
	char *buf = NULL;
	uint64_t sum, msg, k, chunks = s->total / SHARE_CHUNK;
	uint32_t slot;
	ssize_t n;

	if (!uses_ring(s))
		buf = xmalloc(SHARE_CHUNK);
	for (;;) {
		sum = 0;
		for (k = 0; k < chunks; k++) {
			if (uses_ring(s)) {
				n = read(s->to_child, &slot, sizeof(slot));
				if (n == 0)
					_exit(0);
				CHECK(n == sizeof(slot), "child: read slot");
				sum += consume(s->ring + (size_t)slot * SHARE_CHUNK);
				/* the slot is free again */
				write_all(s->from_child, &slot, sizeof(slot));
			} else {
				n = read(s->to_child, buf, 1);
				if (n == 0)
					_exit(0);
				CHECK(n == 1, "child: read");
				read_all(s->to_child, buf + 1, SHARE_CHUNK - 1);
				sum += consume(buf);
			}
		}
		msg = sum;
		write_all(s->from_child, &msg, sizeof(msg));
	}
}

static void share_rep(void *arg, struct sample *smp)
{
	struct share *s = arg;
	uint64_t sum, k, chunks = s->total / SHARE_CHUNK;
	uint32_t slot;

	sample_start(smp);
	for (k = 0; k < chunks; k++) {
		if (uses_ring(s)) {
			slot = k % SHARE_SLOTS;
			if (k >= SHARE_SLOTS) {
				uint32_t freed;

				read_all(s->from_child, &freed, sizeof(freed));
				CHECK(freed == slot, "slot order");
			}
			produce(s->ring + (size_t)slot * SHARE_CHUNK, k);
			write_all(s->to_child, &slot, sizeof(slot));
		} else {
			produce(s->buf, k);
			write_all(s->to_child, s->buf, SHARE_CHUNK);
		}
	}
	if (uses_ring(s)) {
		for (k = chunks > SHARE_SLOTS ? chunks - SHARE_SLOTS : 0;
		     k < chunks; k++)
			read_all(s->from_child, &slot, sizeof(slot));
	}
	read_all(s->from_child, &sum, sizeof(sum));
	sample_stop(smp);
	CHECK(sum == expected_sum(chunks), "share: consumer saw wrong data");
}

/* Pass @fd over the socket @sock (SCM_RIGHTS). */
static void send_fd(int sock, int fd)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK(sendmsg(sock, &m, 0) == 1, "sendmsg: %s", strerror(errno));
}

static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	CHECK(recvmsg(sock, &m, MSG_CMSG_CLOEXEC) == 1, "recvmsg: %s",
	      strerror(errno));
	c = CMSG_FIRSTHDR(&m);
	CHECK(c && c->cmsg_type == SCM_RIGHTS, "recvmsg: no descriptor");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The parent's ends of every channel, which no consumer may keep open. */
static int share_fds[2 * SH_KINDS];
static int nshare_fds;

static void make_ring(struct share *s)
{
	void *p;
	int ret;

	if (s->kind == SH_WSHEAP) {
		CHECK(!wsheap_create(NULL, UINT64_MAX, RING_BYTES,
				     WSHEAP_HEAP_POPULATE, &s->heap),
		      "wsheap_create");
		CHECK(!wsheap_alloc_aligned(s->heap, RING_BYTES, PAGE, &p),
		      "wsheap_alloc(ring)");
	} else {
		ret = memfd_arena_create(&s->arena, UINT64_MAX, RING_BYTES,
					 MEMFD_ARENA_POPULATE);
		CHECK(!ret, "memfd_arena_create: %d", ret);
		CHECK(!memfd_arena_alloc_aligned(&s->arena, RING_BYTES, PAGE,
						 &p), "memfd_arena_alloc(ring)");
		s->ring_off = (uintptr_t)p - s->arena.base;
	}
	s->ring = p;
}

/* memfd: the consumer maps the ring from the descriptor it was sent. */
static void child_map_ring(struct share *s, int sock)
{
	size_t len;
	void *base;
	int fd = recv_fd(sock), ret;

	munmap((void *)s->arena.base, MEMFD_ARENA_SPAN);
	close(s->arena.fd);
	ret = memfd_arena_map_fd(fd, &base, &len);
	CHECK(!ret, "child: map memfd: %d", ret);
	close(fd);
	s->ring = (char *)base + s->ring_off;
}

static void share_start(struct share *s)
{
	int a[2], b[2], fdsock[2] = { -1, -1 };
	int sz = (int)RING_BYTES;

	if (s->kind == SH_SOCKET) {
		/* a[1]: the producer's end, a[0]: the consumer's */
		CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a),
		      "socketpair");
		b[0] = dup(a[1]);
		b[1] = dup(a[0]);
		/*
		 * As much in flight as the ring; the kernel doubles the value
		 * for its bookkeeping.  FORCE needs CAP_NET_ADMIN (the guest
		 * runs as root); plain SO_SNDBUF is capped by wmem_max.
		 */
		if (setsockopt(a[1], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
			setsockopt(a[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (setsockopt(a[0], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(a[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	} else {
		CHECK(!pipe2(a, O_CLOEXEC) && !pipe2(b, O_CLOEXEC), "pipe");
		/* as much in flight as the ring (root may pass pipe-max-size) */
		if (s->kind == SH_PIPE && fcntl(a[1], F_SETPIPE_SZ, sz) < 0)
			fcntl(a[1], F_SETPIPE_SZ, (int)SHARE_CHUNK);
	}
	if (uses_ring(s)) {
		make_ring(s);
	} else {
		s->buf = xmalloc(SHARE_CHUNK);
		memset(s->buf, 0, SHARE_CHUNK);
	}
	if (s->kind == SH_MEMFD)
		CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				  fdsock), "socketpair");
	fflush(stdout);
	s->child = fork();
	CHECK(s->child >= 0, "fork");
	if (s->child == 0) {
		int i;

		/* Other consumers must see EOF when the parent closes. */
		for (i = 0; i < nshare_fds; i++)
			if (share_fds[i] >= 0)
				close(share_fds[i]);
		close(a[1]);
		close(b[0]);
		if (s->kind == SH_MEMFD) {
			close(fdsock[0]);
			child_map_ring(s, fdsock[1]);
			close(fdsock[1]);
		}
		s->to_child = a[0];
		s->from_child = b[1];
		share_child(s);
	}
	if (s->kind == SH_MEMFD) {
		close(fdsock[1]);
		send_fd(fdsock[0], s->arena.fd);
		close(fdsock[0]);
	}
	close(a[0]);
	close(b[1]);
	s->to_child = a[1];
	s->from_child = b[0];
	share_fds[nshare_fds++] = a[1];
	share_fds[nshare_fds++] = b[0];
}

static void share_stop(struct share *s)
{
	int status, i;

	for (i = 0; i < nshare_fds; i++)
		if (share_fds[i] == s->to_child || share_fds[i] == s->from_child)
			share_fds[i] = -1;
	close(s->to_child);
	close(s->from_child);
	CHECK(waitpid(s->child, &status, 0) == s->child &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "share: consumer failed");
	if (s->heap)
		CHECK(!wsheap_free(s->heap), "wsheap_free");
	if (s->kind == SH_MEMFD)
		memfd_arena_destroy(&s->arena);
	free(s->buf);
}

/*
 * The transports are measured interleaved: their consumers are all started
 * first (each waits on its own channel), then each round moves the total
 * through each of them in turn.
 */
void wl_share256m(void)
{
	static const char *const names[SH_KINDS] = {
		"wsheap", "memfd", "socketpair", "pipe",
	};
	static const char *const notes[SH_KINDS] = {
		"MiB/s: producer fills 1 MiB chunks of a 4-slot ring in a POPULATE heap that the forked consumer maps; 4-byte slot messages over pipes",
		"MiB/s: the same ring in a memfd arena (populated at creation); the consumer maps the memfd it got over SCM_RIGHTS",
		"MiB/s: producer fills a 1 MiB buffer and write()s it to an AF_UNIX stream socketpair (4 MiB buffers); consumer read()s it into its buffer",
		"MiB/s: producer fills a 1 MiB buffer and write()s it into a pipe (F_SETPIPE_SZ 4 MiB); consumer read()s it into its buffer",
	};
	static struct share s[SH_KINDS];
	struct row rows[SH_KINDS];
	size_t total = QN(SHARE_TOTAL, 32 * MiB);
	int k;

	fprintf(stderr, "share256m: move %zu MiB from a producer to a consumer process\n",
		(size_t)(total / MiB));
	nshare_fds = 0;
	for (k = 0; k < SH_KINDS; k++) {
		memset(&s[k], 0, sizeof(s[k]));
		s[k].kind = k;
		s[k].total = total;
		share_start(&s[k]);
		memset(&rows[k], 0, sizeof(rows[k]));
		rows[k].impl = names[k];
		rows[k].rep = share_rep;
		rows[k].arg = &s[k];
		snprintf(rows[k].note, sizeof(rows[k].note), "%s", notes[k]);
	}
	/*
	 * 5 runs: the copying transports take 2-17 s a run under TCG, more
	 * than all other workloads together when the host is busy.
	 */
	measure("share256m", UNIT_MIB_PER_S, 1, runs_for(5), total, rows,
		SH_KINDS);
	for (k = 0; k < SH_KINDS; k++)
		share_stop(&s[k]);
}
