// SPDX-License-Identifier: MIT
/*
 * wsheap_share_demo: one heap, two processes and a driver, as `make run`
 * shows it.
 *
 *   A creates a heap, exports it as a file descriptor and sends that over a
 *   Unix socket (SCM_RIGHTS) to B.  B imports it into a context of its own,
 *   writes a message, and A reads it in place.  A resets the heap; B learns
 *   of it from the heap's status page, without a system call.  Then, if
 *   /dev/wsheap_sample exists, the sample driver writes records that A reads
 *   in place, and checks records B wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsheap_ioctl.h"
#include "samples/wsheap_sample.h"

#define SAMPLE_DEVICE	"/dev/wsheap_sample"
#define WINDOW		(64 * 1024)	/* how much of the heap each maps */
#define NREC		4

/* What A and B tell each other over the socket. */
enum { MSG_HEAP, MSG_WRITTEN, MSG_WATCHING, MSG_SEEN, MSG_RECORDS,
       MSG_RECORDS_AT, MSG_QUIT };

static const char *me = "A";

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", me, what, strerror(errno));
	return -1;
}

static int call(int fd, unsigned long cmd, void *arg, const char *what)
{
	return ioctl(fd, cmd, arg) ? fail(what) : 0;
}

/* Send a message (a type and a value), with a descriptor if @fd >= 0. */
static int say(int sock, uint64_t type, uint64_t value, int fd)
{
	uint64_t msg[2] = { type, value };
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, 0) == sizeof(msg) ? 0 : fail("sendmsg");
}

/* Wait for a message of @type; its value in @value, a descriptor in @fd. */
static int hear(int sock, uint64_t type, uint64_t *value, int *fd)
{
	uint64_t msg[2];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = NULL;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != sizeof(msg))
		return fail("recvmsg");
	if (msg[0] != type) {
		fprintf(stderr, "%s: expected message %" PRIu64 ", got %" PRIu64 "\n",
			me, type, msg[0]);
		return -1;
	}
	if (value)
		*value = msg[1];
	if (fd) {
		cm = CMSG_FIRSTHDR(&mh);
		if (!cm || cm->cmsg_type != SCM_RIGHTS) {
			fprintf(stderr, "%s: no descriptor came\n", me);
			return -1;
		}
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	}
	return 0;
}

/* The generation on a status page, read as the ABI asks: with acquire. */
static uint64_t generation(const struct wsheap_status *st)
{
	return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

/* ---------------------------------- B ----------------------------------- */

static int process_b(int sock)
{
	struct wsheap_import im = { 0 };
	struct wsheap_alloc al;
	struct wsheap_status *st;
	struct wsheap_sample_record *rec;
	uint64_t msg_off, g0, g, spins = 0;
	time_t start;
	char *heap;
	int ctx, efd, i;

	me = "B";
	ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctx < 0)
		return fail("open " WSHEAP_DEVICE);
	if (hear(sock, MSG_HEAP, &msg_off, &efd))
		return 1;
	im.fd = efd;
	if (call(ctx, WSHEAP_IOC_IMPORT, &im, "IMPORT"))
		return 1;
	close(efd);	/* the handle holds the heap now */
	printf("B: received descriptor %d over SCM_RIGHTS, imported it as handle %u%s\n",
	       efd, im.handle, im.access & WSHEAP_ACCESS_RDONLY ? " (read-only)" : "");

	heap = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, ctx,
		    im.mmap_offset);
	st = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ctx,
		  im.mmap_offset + WSHEAP_STATUS_OFFSET);
	if (heap == MAP_FAILED || st == MAP_FAILED)
		return fail("mmap");

	snprintf(heap + msg_off, 256, "hello from B (pid %d), written in place",
		 (int)getpid());
	printf("B: wrote a message at heap offset %" PRIu64 "\n", msg_off);
	fflush(stdout);
	if (say(sock, MSG_WRITTEN, 0, -1))
		return 1;

	/* Watch the status page: plain loads, no system call. */
	g0 = generation(st);
	if (say(sock, MSG_WATCHING, g0, -1))
		return 1;
	start = time(NULL);
	while ((g = generation(st)) == g0) {
		__builtin_ia32_pause();
		/* only to give up some day: a look at the clock now and then */
		if (!(++spins & 0xfffff) && time(NULL) - start > 20) {
			fprintf(stderr, "B: the reset never showed\n");
			return 1;
		}
	}
	printf("B: status page says generation %" PRIu64 " -> %" PRIu64
	       ", committed %llu bytes: my old blocks are gone\n", g0, g,
	       (unsigned long long)__atomic_load_n(&st->committed, __ATOMIC_RELAXED));
	fflush(stdout);
	if (say(sock, MSG_SEEN, g, -1))
		return 1;

	/* Write records for the driver to check, if A asks. */
	for (;;) {
		uint64_t type[2];

		if (recv(sock, type, sizeof(type), MSG_PEEK) != sizeof(type))
			return fail("recv");
		if (type[0] == MSG_QUIT)
			break;
		if (hear(sock, MSG_RECORDS, NULL, NULL))
			return 1;
		al = (struct wsheap_alloc){ .handle = im.handle,
					    .size = NREC * sizeof(*rec), .align = 64 };
		if (call(ctx, WSHEAP_IOC_ALLOC, &al, "ALLOC"))
			return 1;
		rec = (struct wsheap_sample_record *)(heap + al.offset);
		for (i = 0; i < NREC; i++) {
			rec[i].seq = i;
			rec[i].value = 1000 + 10 * i;
			rec[i].check = wsheap_sample_check(rec[i].seq, rec[i].value);
			rec[i].pad = 0;
		}
		rec[2].value++;		/* spoil one on purpose */
		printf("B: wrote %d records at offset %llu (record 2 spoiled on purpose)\n",
		       NREC, (unsigned long long)al.offset);
		fflush(stdout);
		if (say(sock, MSG_RECORDS_AT, al.offset, -1))
			return 1;
	}
	return 0;
}

/* ---------------------------------- A ----------------------------------- */

static int driver_part(int efd, char *heap, int sock)
{
	struct wsheap_sample_io io = { .heap_fd = efd, .count = NREC, .seed = 500 };
	struct wsheap_sample_record *rec;
	uint64_t off;
	int dev, i;

	dev = open(SAMPLE_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("A: %s not present (wsheap_sample.ko not loaded): "
		       "skipping the driver part\n", SAMPLE_DEVICE);
		return 0;
	}
	/* PRODUCE: the driver allocates in the heap and fills the records. */
	if (call(dev, WSHEAP_SAMPLE_PRODUCE, &io, "PRODUCE"))
		return -1;
	printf("A: the driver wrote %d records at offset %llu; read in place:\n",
	       NREC, (unsigned long long)io.offset);
	rec = (struct wsheap_sample_record *)(heap + io.offset);
	for (i = 0; i < NREC; i++)
		printf("A:   seq %llu value %llu check %08x %s\n",
		       (unsigned long long)rec[i].seq,
		       (unsigned long long)rec[i].value, rec[i].check,
		       rec[i].check == wsheap_sample_check(rec[i].seq, rec[i].value) ?
		       "ok" : "BAD");

	/* CONSUME: the driver checks records B wrote through its mapping. */
	fflush(stdout);
	if (say(sock, MSG_RECORDS, 0, -1) || hear(sock, MSG_RECORDS_AT, &off, NULL))
		return -1;
	io = (struct wsheap_sample_io){ .heap_fd = efd, .count = NREC, .offset = off };
	if (call(dev, WSHEAP_SAMPLE_CONSUME, &io, "CONSUME"))
		return -1;
	printf("A: the driver checked B's %d records: %llu good\n", NREC,
	       (unsigned long long)io.seed);
	close(dev);
	return io.seed == NREC - 1 ? 0 : -1;
}

int main(void)
{
	struct wsheap_create cr = { .max_size = 1 << 20, .trim_size = 4096 };
	struct wsheap_alloc al = { 0 };
	struct wsheap_export ex = { 0 };
	struct wsheap_reset rs = { 0 };
	struct wsheap_info info = { 0 };
	uint64_t g;
	char *heap;
	int ctx, sv[2], status, ok = 0;
	pid_t b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		fail("socketpair");
		return 1;
	}
	b = fork();
	if (b < 0) {
		fail("fork");
		return 1;
	}
	if (b == 0) {
		close(sv[0]);
		_exit(process_b(sv[1]) ? 1 : 0);
	}
	close(sv[1]);

	ctx = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctx < 0) {
		fail("open " WSHEAP_DEVICE);
		goto out;
	}
	if (call(ctx, WSHEAP_IOC_CREATE, &cr, "CREATE"))
		goto out;
	al = (struct wsheap_alloc){ .handle = cr.handle, .size = 256 };
	if (call(ctx, WSHEAP_IOC_ALLOC, &al, "ALLOC"))
		goto out;
	heap = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, ctx,
		    cr.mmap_offset);
	if (heap == MAP_FAILED) {
		fail("mmap");
		goto out;
	}
	ex.handle = cr.handle;
	if (call(ctx, WSHEAP_IOC_EXPORT, &ex, "EXPORT"))
		goto out;
	printf("A: created heap %u, allocated 256 bytes at offset %llu, exported it as fd %d\n",
	       cr.handle, (unsigned long long)al.offset, ex.fd);

	/* 1. Hand the heap to B; B writes, A reads the same page. */
	if (say(sv[0], MSG_HEAP, al.offset, ex.fd) ||
	    hear(sv[0], MSG_WRITTEN, NULL, NULL))
		goto out;
	printf("A: read in place: \"%s\"\n", heap + al.offset);

	/* 2. Reset; B notices on its status page. */
	if (hear(sv[0], MSG_WATCHING, &g, NULL))
		goto out;
	rs.handle = cr.handle;
	info.handle = cr.handle;
	/* RESET writes nothing back: INFO (or the status page) tells. */
	if (call(ctx, WSHEAP_IOC_RESET, &rs, "RESET") ||
	    call(ctx, WSHEAP_IOC_INFO, &info, "INFO"))
		goto out;
	printf("A: RESET: generation %llu -> %llu\n", (unsigned long long)g,
	       (unsigned long long)info.generation);
	if (hear(sv[0], MSG_SEEN, &g, NULL))
		goto out;
	if (g != info.generation) {
		fprintf(stderr, "A: B saw generation %llu, INFO said %llu\n",
			(unsigned long long)g, (unsigned long long)info.generation);
		goto out;
	}

	/* 3. The sample driver, through the exported descriptor. */
	if (driver_part(ex.fd, heap, sv[0]))
		goto out;
	if (say(sv[0], MSG_QUIT, 0, -1))
		goto out;
	ok = 1;
out:
	close(sv[0]);		/* B stops too, if it was waiting */
	if (waitpid(b, &status, 0) != b || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "A: B failed\n");
		ok = 0;
	}
	if (!ok)
		return 1;
	printf("A: done: one heap, two processes%s\n",
	       access(SAMPLE_DEVICE, F_OK) ? "" : " and a driver");
	return 0;
}
