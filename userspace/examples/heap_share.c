// SPDX-License-Identifier: MIT
/*
 * heap_share - two processes share a heap and a dma-buf of part of it.
 *
 * The exporter creates a heap, writes a message into it and a "frame"
 * into a page-aligned buffer, and sends the importer two descriptors over
 * a UNIX socket (SCM_RIGHTS): the heap, exported read-only, and a dma-buf
 * of the frame.  The importer imports the heap, reads the message at the
 * heap offset it was told (addresses differ per process), maps the dma-buf,
 * checks the frame and writes its answer into it; the exporter reads the
 * answer in place, without a copy.  Then the exporter resets the heap and
 * the importer sees the generation change without a system call.
 *
 * The importer is forked before the exporter touches the library, so all
 * it shares with the exporter is the socket, as unrelated processes would.
 *
 *   heap_share           exit status 0 when everything matched
 *
 * Build: cc heap_share.c $(pkg-config --cflags --libs wsheap)
 */
#include <wsheap.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MESSAGE	"hello from the exporter"
#define ANSWER	"the importer read it"

/* What travels with the descriptors. */
struct note {
	uint64_t message_off;	/* heap offset of the message */
	uint64_t frame_len;	/* bytes of the dma-buf */
	uint64_t generation;	/* the heap's generation when sent */
};

/* @err: an errno of a system call, or a negative one of libwsheap. */
static int fail(const char *who, const char *what, int err)
{
	fprintf(stderr, "heap_share: %s: %s: %s\n", who, what,
		err > 0 ? strerror(err) : err ? wsheap_strerror(err) :
		"wrong contents");
	return 1;
}

/* Send @n bytes and two descriptors in one message. */
static int send_fds(int sock, const void *buf, size_t n, int fd0, int fd1)
{
	char ctl[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { (void *)buf, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int fds[2] = { fd0, fd1 };

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static int recv_fds(int sock, void *buf, size_t n, int fds[2])
{
	char ctl[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { buf, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != (ssize_t)n)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	return 0;
}

static int importer(int sock)
{
	struct wsheap *heap;
	struct note note;
	uint64_t gen;
	char *msg, *frame, go;
	int fds[2], ret;

	if (recv_fds(sock, &note, sizeof(note), fds))
		return fail("importer", "receiving the descriptors", errno);
	ret = wsheap_import(NULL, fds[0], 0, &heap);
	close(fds[0]);
	if (ret)
		return fail("importer", "wsheap_import", ret);
	ret = wsheap_ptr(heap, note.message_off, sizeof(MESSAGE),
			 (void **)&msg);
	if (ret)
		return fail("importer", "wsheap_ptr", ret);
	if (strcmp(msg, MESSAGE))
		return fail("importer", "the message", 0);
	printf("importer: message at heap offset %llu: \"%s\"\n",
	       (unsigned long long)note.message_off, msg);

	frame = mmap(NULL, note.frame_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     fds[1], 0);
	close(fds[1]);
	if (frame == MAP_FAILED)
		return fail("importer", "mmap of the dma-buf", errno);
	if (frame[0] != 'F' || frame[note.frame_len - 1] != 'F')
		return fail("importer", "the frame", 0);
	strcpy(frame + 1, ANSWER);
	printf("importer: %llu-byte frame through the dma-buf, answer written\n",
	       (unsigned long long)note.frame_len);
	if (write(sock, "A", 1) != 1 || read(sock, &go, 1) != 1)
		return fail("importer", "talking to the exporter", errno);

	/* The exporter reset the heap meanwhile: no system call tells us. */
	ret = wsheap_generation(heap, &gen);
	if (ret)
		return fail("importer", "wsheap_generation", ret);
	printf("importer: generation %llu -> %llu\n",
	       (unsigned long long)note.generation, (unsigned long long)gen);
	if (gen == note.generation)
		return fail("importer", "the generation after the reset", 0);
	munmap(frame, note.frame_len);
	wsheap_free(heap);	/* this process's handle only */
	return 0;
}

static int exporter(int sock)
{
	const size_t frame_len = 2 * (size_t)sysconf(_SC_PAGESIZE);
	struct wsheap *heap;
	struct note note;
	int heap_fd, buf_fd, ret;
	char *msg, *frame, answer;

	ret = wsheap_create(NULL, 1 << 20, 0, 0, &heap);
	if (ret)
		return fail("exporter", "wsheap_create", ret);
	ret = wsheap_alloc(heap, sizeof(MESSAGE), (void **)&msg);
	if (ret)
		return fail("exporter", "wsheap_alloc", ret);
	strcpy(msg, MESSAGE);
	/* The dma-buf holds whole pages: give the frame pages of its own. */
	ret = wsheap_alloc_aligned(heap, frame_len,
				   (size_t)sysconf(_SC_PAGESIZE),
				   (void **)&frame);
	if (ret)
		return fail("exporter", "wsheap_alloc_aligned", ret);
	memset(frame, 'F', frame_len);

	memset(&note, 0, sizeof(note));
	ret = wsheap_offset(heap, msg, &note.message_off);
	if (!ret)
		ret = wsheap_generation(heap, &note.generation);
	if (!ret)
		ret = wsheap_export(heap, WSHEAP_SHARE_RDONLY, &heap_fd);
	if (!ret)
		ret = wsheap_export_dmabuf(heap, frame, frame_len, 0, &buf_fd);
	if (ret)
		return fail("exporter", "exporting", ret);
	note.frame_len = frame_len;
	if (send_fds(sock, &note, sizeof(note), heap_fd, buf_fd))
		return fail("exporter", "sending the descriptors", errno);
	close(heap_fd);
	close(buf_fd);
	printf("exporter: sent the heap (read-only) and a dma-buf of the frame\n");

	if (read(sock, &answer, 1) != 1)
		return fail("exporter", "waiting for the importer", errno);
	if (strcmp(frame + 1, ANSWER))
		return fail("exporter", "the answer in the frame", 0);
	printf("exporter: the frame says \"%s\"\n", frame + 1);

	ret = wsheap_reset(heap);
	if (ret)
		return fail("exporter", "wsheap_reset", ret);
	if (write(sock, "R", 1) != 1)
		return fail("exporter", "talking to the importer", errno);
	return wsheap_free(heap) ? 1 : 0;
}

int main(void)
{
	int sv[2], status, ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return fail("main", "socketpair", errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("main", "fork", errno);
	if (pid == 0) {
		close(sv[0]);
		ret = importer(sv[1]);
		fflush(stdout);
		_exit(ret);
	}
	close(sv[1]);
	ret = exporter(sv[0]);
	close(sv[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = 1;
	printf("heap_share: %s\n", ret ? "FAILED" : "ok");
	return ret;
}
