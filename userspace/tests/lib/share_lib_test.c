// SPDX-License-Identifier: GPL-2.0
/*
 * libwsheap sharing (LIBWSHEAP_1.1): wsheap_export() / wsheap_import()
 * between processes (SCM_RIGHTS over a socketpair) and within one, offsets
 * (wsheap_ptr(), wsheap_offset()), read-only imports, the status page's
 * generation (wsheap_generation(), wsheap_is_current(), wsheap_refresh()),
 * the library dropping its block after another party's reset, dma-bufs of
 * heap ranges (wsheap_export_dmabuf(), 1.2), and the WWSAPI extensions
 * (WsheapExportHeap(), WsheapExportDmabuf(), ...).  See libwsheap(3),
 * SHARING.
 *
 * Processes that share a heap are forked before the parent first uses the
 * library, so each has contexts of its own, as unrelated processes would.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/stat.h>

#include <webservices.h>
#include "wsheap_test.h"
#include "wsh_support.h"
#include "samples/wsheap_sample.h"

/* ---- helpers ----------------------------------------------------------- */

/* In a child: report a failed check on stderr and exit with 1. */
#define CHILD_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "child %d: %s:%d: check failed: %s\n", \
			(int)getpid(), __FILE__, __LINE__, #cond); \
		return 1; \
	} \
} while (0)

/* A block handed out, described by heap offsets (the same in every party). */
struct blk {
	uint64_t off;
	uint64_t len;
	uint32_t seed;
	uint32_t pad;
};

static int send_all(int sock, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int sock, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(sock, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_u64(int sock, uint64_t v)
{
	return send_all(sock, &v, sizeof(v));
}

static uint64_t recv_u64(int sock)
{
	uint64_t v;

	return recv_all(sock, &v, sizeof(v)) ? UINT64_MAX : v;
}

/* One descriptor with one byte, over SCM_RIGHTS (the support library). */
static int send_fd(int sock, int fd)
{
	return wsh_send_fd(sock, fd, "F", 1, 0) ? -1 : 0;
}

static int recv_fd(int sock)
{
	char byte;
	int fd;

	return wsh_recv_fd(sock, &fd, &byte, 1, 0) == 1 ? fd : -1;
}

/*
 * Fork a child that runs @fn with its end of a socketpair and exits with
 * what it returns; *@sock gets the parent's end.
 */
static pid_t spawn(int (*fn)(int sock, void *arg), void *arg, int *sock)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		_exit(fn(sv[1], arg));
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

/* A child that opens a context of its own and imports the fd it is sent. */
static int child_import(int sock, unsigned int flags, struct wsheap_ctx **ctxp,
			struct wsheap **hp)
{
	int fd = recv_fd(sock);

	if (fd < 0)
		return -EBADF;
	if (wsheap_ctx_open(ctxp))
		return -ENOENT;
	fd = wsheap_import(*ctxp, fd, flags, hp) ?: close(fd);
	return fd;
}

/* Export @h and send the descriptor; close our copy. */
static int export_to(int sock, struct wsheap *h, unsigned int flags)
{
	int fd, ret;

	ret = wsheap_export(h, flags, &fd);
	if (ret)
		return ret;
	ret = send_fd(sock, fd);
	close(fd);
	return ret;
}

/* Allocate @n blocks of 8..2008 bytes and fill them; describe by offsets. */
static int alloc_blocks(struct wsheap *h, struct blk *b, size_t n,
			uint32_t who)
{
	uint32_t seed = who * 2654435761u + 1;
	size_t i;
	void *p;

	for (i = 0; i < n; i++) {
		b[i].len = 8 + rnd(&seed) % 2000;
		b[i].seed = (who << 20) | (uint32_t)i;
		if (wsheap_alloc(h, b[i].len, &p))
			return -1;
		pattern_fill(p, b[i].len, b[i].seed);
		if (wsheap_offset(h, p, &b[i].off))
			return -2;
	}
	return 0;
}

/* 0 if every block reads back its pattern through @h's mappings. */
static int check_blocks(struct wsheap *h, const struct blk *b, size_t n)
{
	size_t i;
	void *p;

	for (i = 0; i < n; i++) {
		if (wsheap_ptr(h, b[i].off, b[i].len, &p))
			return -1;
		if (!pattern_ok(p, b[i].len, b[i].seed))
			return -2;
	}
	return 0;
}

/* 0 if no two of the blocks overlap (as offsets). */
static int blocks_overlap(const struct blk *a, size_t na, const struct blk *b,
			  size_t nb)
{
	struct range *r = calloc(na + nb, sizeof(*r));
	size_t i;
	int ret;

	if (!r)
		return -1;
	for (i = 0; i < na; i++) {
		r[i].start = (uintptr_t)a[i].off;
		r[i].len = a[i].len;
	}
	for (i = 0; i < nb; i++) {
		r[na + i].start = (uintptr_t)b[i].off;
		r[na + i].len = b[i].len;
	}
	ret = ranges_overlap(r, na + nb);
	free(r);
	return ret;
}

/* ---- two processes allocate from one heap -------------------------------- */

#define N_BLKS	600

static int both_allocate_child(int sock, void *arg)
{
	static struct blk mine[N_BLKS], theirs[N_BLKS];
	struct wsheap_ctx *ctx;
	struct wsheap *h;

	(void)arg;
	CHILD_CHECK(child_import(sock, 0, &ctx, &h) == 0);
	CHILD_CHECK(heap_stats(h).share == WSHEAP_STATS_IMPORTED);
	CHILD_CHECK(alloc_blocks(h, mine, N_BLKS, 2) == 0);
	CHILD_CHECK(send_all(sock, mine, sizeof(mine)) == 0);
	CHILD_CHECK(recv_all(sock, theirs, sizeof(theirs)) == 0);
	/* The parent's data through offsets, and ours untouched. */
	CHILD_CHECK(check_blocks(h, theirs, N_BLKS) == 0);
	CHILD_CHECK(check_blocks(h, mine, N_BLKS) == 0);
	CHILD_CHECK(blocks_overlap(mine, N_BLKS, theirs, N_BLKS) == 0);
	CHILD_CHECK(send_u64(sock, 1) == 0);
	CHILD_CHECK(recv_u64(sock) == 2);	/* the parent has checked */
	CHILD_CHECK(wsheap_free(h) == 0);
	CHILD_CHECK(wsheap_ctx_close(ctx) == 0);
	return 0;
}

TEST(fork_scm_rights_both_allocate_and_see_each_other)
{
	static struct blk mine[N_BLKS], theirs[N_BLKS];
	struct wsheap *h;
	pid_t pid;
	void *p;
	int sock;

	NEED_DEV();
	pid = spawn(both_allocate_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	/* The parent has a current block with room left when it exports. */
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	memset(p, 0x5c, 64);
	ASSERT_EQ(0, export_to(sock, h, 0));
	EXPECT_EQ(WSHEAP_STATS_EXPORTED, heap_stats(h).share);
	ASSERT_EQ(0, alloc_blocks(h, mine, N_BLKS, 1));
	ASSERT_EQ(0, send_all(sock, mine, sizeof(mine)));
	ASSERT_EQ(0, recv_all(sock, theirs, sizeof(theirs)));
	EXPECT_EQ(0, check_blocks(h, theirs, N_BLKS));
	EXPECT_EQ(0, check_blocks(h, mine, N_BLKS));
	EXPECT_EQ(0, blocks_overlap(mine, N_BLKS, theirs, N_BLKS));
	EXPECT_EQ(U64(1), recv_u64(sock));
	ASSERT_EQ(0, send_u64(sock, 2));
	expect_child_ok(_metadata, pid);
	EXPECT_EQ(0x5c, ((unsigned char *)p)[63]);
	/* The child's free dropped its handle only. */
	EXPECT_EQ(0, check_blocks(h, theirs, N_BLKS));
	EXPECT_EQ(U64(0), heap_info(h).generation);
	ASSERT_EQ(0, wsheap_free(h));
	close(sock);
}

TEST(import_in_the_same_process_shares_bytes_not_addresses)
{
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	uint64_t off, off2;
	char *p, *q, *r;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 32, (void **)&p));
	strcpy(p, "from the exporter");
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, 0, &im));
	ASSERT_EQ(0, close(fd));	/* the import holds the heap itself */
	EXPECT_EQ(ctx, wsheap_ctx_of(im));
	EXPECT_EQ(WSHEAP_STATS_IMPORTED, heap_stats(im).share);
	EXPECT_EQ(UINT64_MAX, heap_stats(im).max_size);

	ASSERT_EQ(0, wsheap_offset(h, p, &off));
	ASSERT_EQ(0, wsheap_ptr(im, off, 32, (void **)&q));
	EXPECT_NE(p, q);		/* another mapping ... */
	EXPECT_STREQ("from the exporter", q);	/* ... of the same bytes */
	ASSERT_EQ(0, wsheap_offset(im, q, &off2));
	EXPECT_EQ(off, off2);

	/* The importer's block comes after the exporter's: no overlap. */
	ASSERT_EQ(0, wsheap_alloc(im, 32, (void **)&q));
	strcpy(q, "from the importer");
	ASSERT_EQ(0, wsheap_offset(im, q, &off2));
	EXPECT_LE(U64(WSHEAP_BLOCK_MIN), off2);
	ASSERT_EQ(0, wsheap_ptr(h, off2, 32, (void **)&r));
	EXPECT_STREQ("from the importer", r);
	EXPECT_EQ(U64(2) * WSHEAP_BLOCK_MIN, heap_info(h).requested);

	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- export and import arguments ------------------------------------------ */

TEST(export_flags_validated_and_cloexec)
{
	struct wsheap *h;
	int fd = -7, fd2;
	struct stat a, b;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, 1 << 20, 0, 0, &h));
	EXPECT_EQ(-EINVAL, wsheap_export(NULL, 0, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export(h, 0, NULL));
	EXPECT_EQ(-EINVAL, wsheap_export(h, 1U << 2, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export(h, ~WSHEAP_SHARE_FLAGS, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export(h, ~0U, &fd));
	EXPECT_EQ(-7, fd);
	EXPECT_EQ(U64(1), heap_stats(h).ioctls);	/* CREATE only */

	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, wsheap_export(h, WSHEAP_SHARE_NO_CLOEXEC, &fd2));
	EXPECT_EQ(0, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	EXPECT_NE(fd, fd2);
	/* Both are views of the same heap. */
	ASSERT_EQ(0, fstat(fd, &a));
	ASSERT_EQ(0, fstat(fd2, &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	close(fd2);
	ASSERT_EQ(0, wsheap_export(h, WSHEAP_SHARE_RDONLY | WSHEAP_SHARE_NO_CLOEXEC,
				   &fd2));
	EXPECT_EQ(O_RDONLY, fcntl(fd2, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd2);
	close(fd);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(import_bad_descriptors)
{
	struct wsheap_ctx_stats cs;
	struct wsheap *h = (struct wsheap *)0x1, *real;
	struct wsheap_ctx *ctx;
	int pfd[2], null, fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	EXPECT_EQ(-EINVAL, wsheap_import(ctx, 0, 0, NULL));
	EXPECT_EQ(-EBADF, wsheap_import(ctx, -1, 0, &h));
	EXPECT_EQ(-EBADF, wsheap_import(ctx, 1000000, 0, &h));
	ASSERT_EQ(0, pipe(pfd));
	EXPECT_EQ(-EINVAL, wsheap_import(ctx, pfd[0], 0, &h));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, wsheap_import(ctx, null, 0, &h));
	/* A context of /dev/wsheap is not an exported heap either. */
	EXPECT_EQ(-EINVAL, wsheap_import(ctx, wsheap_ctx_fd(ctx), 0, &h));
	EXPECT_EQ(-EINVAL, wsheap_import(NULL, pfd[0], 0, &h));
	EXPECT_EQ((struct wsheap *)0x1, h);

	/* Flags: only WSHEAP_HEAP_THREADSAFE. */
	ASSERT_EQ(0, wsheap_create(NULL, 100, 0, 0, &real));
	ASSERT_EQ(0, wsheap_export(real, 0, &fd));
	EXPECT_EQ(-EINVAL, wsheap_import(ctx, fd, WSHEAP_HEAP_POPULATE, &h));
	EXPECT_EQ(-EINVAL, wsheap_import(ctx, fd, 1U << 31, &h));
	EXPECT_EQ((struct wsheap *)0x1, h);
	/* Nothing leaked into the context. */
	ASSERT_EQ(0, wsheap_ctx_stats(ctx, &cs));
	EXPECT_EQ(U64(0), cs.heaps);
	ASSERT_EQ(0, wsheap_import(ctx, fd, WSHEAP_HEAP_THREADSAFE, &h));
	EXPECT_EQ(WSHEAP_HEAP_THREADSAFE, heap_stats(h).flags);
	ASSERT_EQ(0, wsheap_free(h));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	close(fd);
	close(null);
	close(pfd[0]);
	close(pfd[1]);
	ASSERT_EQ(0, wsheap_free(real));
}

/* ---- read-only imports ------------------------------------------------------ */

static int readonly_child(int sock, void *arg)
{
	struct wsheap_stats a, b;
	struct wsheap_ctx *ctx;
	struct wsheap *h;
	uint64_t off;
	void *p = (void *)0x1;
	char *data;
	int fd, status;
	pid_t pid;

	(void)arg;
	CHILD_CHECK(child_import(sock, 0, &ctx, &h) == 0);
	a = heap_stats(h);
	CHILD_CHECK(a.share == (WSHEAP_STATS_IMPORTED | WSHEAP_STATS_RDONLY));
	CHILD_CHECK(wsheap_alloc(h, 8, &p) == -EPERM);
	CHILD_CHECK(wsheap_alloc_aligned(h, 64, 4096, &p) == -EPERM);
	CHILD_CHECK(wsheap_reset(h) == -EPERM);
	CHILD_CHECK(p == (void *)0x1);
	/* (1.3) size 0 takes nothing: the inline path grants it to anyone */
	CHILD_CHECK(wsheap_alloc(h, 0, &p) == 0 && p != NULL);
	b = heap_stats(h);
	CHILD_CHECK(a.ioctls == b.ioctls);	/* refused without a syscall */
	/* It can be passed on, read-only only. */
	CHILD_CHECK(wsheap_export(h, 0, &fd) == -EPERM);
	CHILD_CHECK(wsheap_export(h, WSHEAP_SHARE_RDONLY, &fd) == 0);
	close(fd);

	/* The data, through an offset. */
	off = recv_u64(sock);
	CHILD_CHECK(wsheap_ptr(h, off, 4096, (void **)&data) == 0);
	CHILD_CHECK(strcmp(data, "read me") == 0);
	CHILD_CHECK(wsheap_offset(h, data, &off) == 0);

	/* A write faults: the library mapped the heap PROT_READ. */
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0) {
		data[0] = 'X';
		_exit(0);
	}
	CHILD_CHECK(waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	CHILD_CHECK(strcmp(data, "read me") == 0);

	CHILD_CHECK(wsheap_free(h) == 0);
	CHILD_CHECK(wsheap_ctx_close(ctx) == 0);
	return 0;
}

TEST(readonly_import_refuses_alloc_and_reset_reads_data)
{
	struct wsheap *h;
	uint64_t off;
	char *p;
	pid_t pid;
	int sock;

	NEED_DEV();
	pid = spawn(readonly_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
	strcpy(p, "read me");
	ASSERT_EQ(0, export_to(sock, h, WSHEAP_SHARE_RDONLY));
	ASSERT_EQ(0, wsheap_offset(h, p, &off));
	ASSERT_EQ(0, send_u64(sock, off));
	expect_child_ok(_metadata, pid);
	EXPECT_STREQ("read me", p);
	EXPECT_EQ(U64(0), heap_info(h).generation);
	ASSERT_EQ(0, wsheap_free(h));
	close(sock);
}

/* ---- generations and resets by another party ---------------------------------- */

/* Import; on each byte received: 'R' reset, 'A' allocate 4 KiB and fill. */
static int resetter_child(int sock, void *arg)
{
	struct wsheap_ctx *ctx;
	struct wsheap *h;
	unsigned char cmd;
	uint64_t off;
	void *p;

	CHILD_CHECK(child_import(sock, arg ? WSHEAP_HEAP_THREADSAFE : 0,
				 &ctx, &h) == 0);
	while (recv_all(sock, &cmd, 1) == 0) {
		switch (cmd) {
		case 'R':
			CHILD_CHECK(wsheap_reset(h) == 0);
			CHILD_CHECK(send_u64(sock, heap_stats(h).kernel_generation) == 0);
			break;
		case 'A':
			CHILD_CHECK(wsheap_alloc(h, 4096, &p) == 0);
			memset(p, 0xc1, 4096);
			CHILD_CHECK(wsheap_offset(h, p, &off) == 0);
			CHILD_CHECK(send_u64(sock, off) == 0);
			break;
		case 'C':	/* check the 'A' block is intact */
			off = recv_u64(sock);
			CHILD_CHECK(wsheap_ptr(h, off, 4096, &p) == 0);
			for (off = 0; off < 4096; off++)
				CHILD_CHECK(((unsigned char *)p)[off] == 0xc1);
			CHILD_CHECK(send_u64(sock, 0) == 0);
			break;
		case 'Q':
			CHILD_CHECK(wsheap_free(h) == 0);
			CHILD_CHECK(wsheap_ctx_close(ctx) == 0);
			return 0;
		default:
			return 1;
		}
	}
	return 1;
}

static uint64_t child_cmd(int sock, char cmd)
{
	if (send_all(sock, &cmd, 1))
		return UINT64_MAX;
	return cmd == 'Q' ? 0 : recv_u64(sock);
}

TEST(generation_changes_after_foreign_reset_without_syscall)
{
	struct wsheap_ctx_stats ca, cb;
	struct wsheap_stats a, b;
	uint64_t g0, g1, g2;
	struct wsheap *h;
	pid_t pid;
	int sock, i;

	NEED_DEV();
	pid = spawn(resetter_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, export_to(sock, h, 0));
	ASSERT_EQ(0, wsheap_generation(h, &g0));
	EXPECT_EQ(U64(0), g0);
	EXPECT_EQ(1, wsheap_is_current(h, g0));

	a = heap_stats(h);
	ASSERT_EQ(0, wsheap_ctx_stats(wsheap_ctx_of(h), &ca));
	for (i = 0; i < 3; i++) {
		g2 = child_cmd(sock, 'R');
		ASSERT_EQ(0, wsheap_generation(h, &g1));
		EXPECT_EQ(g0 + 1 + (uint64_t)i, g1);
		EXPECT_EQ(g1, g2);		/* what the child's RESET said */
		EXPECT_EQ(0, wsheap_is_current(h, g0));
		EXPECT_EQ(1, wsheap_is_current(h, g1));
	}
	b = heap_stats(h);
	ASSERT_EQ(0, wsheap_ctx_stats(wsheap_ctx_of(h), &cb));
	/* Reading the status page is no system call. */
	EXPECT_EQ(a.ioctls, b.ioctls);
	EXPECT_EQ(a.mmaps, b.mmaps);
	EXPECT_EQ(ca.ioctls, cb.ioctls);
	/* The kernel agrees. */
	EXPECT_EQ(g1, heap_info(h).generation);
	child_cmd(sock, 'Q');
	expect_child_ok(_metadata, pid);
	ASSERT_EQ(0, wsheap_free(h));
	close(sock);
}

TEST(generation_of_unshared_heap_maps_status_once)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	uint64_t g;
	void *p;
	int i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	EXPECT_EQ(-EINVAL, wsheap_generation(NULL, &g));
	EXPECT_EQ(-EINVAL, wsheap_generation(h, NULL));
	EXPECT_EQ(-EINVAL, wsheap_is_current(NULL, 0));
	EXPECT_EQ(-EINVAL, wsheap_refresh(NULL));
	a = heap_stats(h);
	EXPECT_EQ(U64(0), a.mmaps);
	ASSERT_EQ(0, wsheap_generation(h, &g));
	EXPECT_EQ(U64(0), g);
	b = heap_stats(h);
	EXPECT_EQ(U64(1), b.mmaps);		/* the status page */
	EXPECT_EQ(a.ioctls, b.ioctls);
	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
		ASSERT_EQ(0, wsheap_reset(h));
		ASSERT_EQ(0, wsheap_generation(h, &g));
		EXPECT_EQ(U64(i), g);
		EXPECT_EQ(1, wsheap_is_current(h, g));
		EXPECT_EQ(0, wsheap_is_current(h, g - 1));
		EXPECT_EQ(U64(i), heap_stats(h).kernel_generation);
	}
	/* Own resets are not foreign: nothing to refresh. */
	EXPECT_EQ(0, wsheap_refresh(h));
	EXPECT_EQ(U64(0), heap_stats(h).foreign_resets);
	EXPECT_EQ(U64(1) + 1, heap_stats(h).mmaps);	/* status + one window */
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(foreign_reset_drops_the_block_trim_zero_no_sigbus)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	unsigned char *p, *q;
	uint64_t off;
	pid_t pid;
	int sock, i;

	NEED_DEV();
	pid = spawn(resetter_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, export_to(sock, h, 0));
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	memset(p, 1, 64);
	a = heap_stats(h);
	EXPECT_LT(U64(1000), a.free_bytes);
	/* The child's reset zaps and frees every page (trim 0). */
	EXPECT_EQ(U64(1), child_cmd(sock, 'R'));
	EXPECT_EQ(U64(0), heap_info(h).committed);
	/* 64 bytes fit the old block, but the library takes a new one. */
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&q));
	memset(q, 0x42, 64);	/* committed memory: no SIGBUS */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0x42, q[i]);
	b = heap_stats(h);
	EXPECT_EQ(U64(1), b.foreign_resets);
	EXPECT_EQ(U64(1), b.kernel_generation);
	EXPECT_EQ(a.generation + 1, b.generation);
	EXPECT_EQ(U64(64), b.requested);	/* the old generation's is gone */
	EXPECT_EQ(U64(1), b.blocks);
	EXPECT_EQ(a.ioctls + 2, b.ioctls);	/* INFO above, one ALLOC */
	ASSERT_EQ(0, wsheap_offset(h, q, &off));
	EXPECT_EQ(U64(0), off);		/* the kernel's cursor started over */
	EXPECT_LE(U64(4096), heap_info(h).committed);
	/* Many more allocations, all valid. */
	for (i = 0; i < 2000; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&q));
		memset(q, i, 100);
	}
	child_cmd(sock, 'Q');
	expect_child_ok(_metadata, pid);
	ASSERT_EQ(0, wsheap_free(h));
	close(sock);
}

TEST(foreign_reset_with_trim_no_overlap_with_new_blocks)
{
	struct wsheap *h;
	uint64_t theirs, mine;
	unsigned char *p;
	pid_t pid;
	int sock;

	NEED_DEV();
	pid = spawn(resetter_child, NULL, &sock);
	ASSERT_LT(0, pid);
	/* Trim 1 MiB: the old block's pages survive the reset. */
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 1 << 20, 0, &h));
	ASSERT_EQ(0, export_to(sock, h, 0));
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	EXPECT_EQ(U64(1), child_cmd(sock, 'R'));
	/* The child takes a block at offset 0 and fills it with 0xc1. */
	theirs = child_cmd(sock, 'A');
	EXPECT_EQ(U64(0), theirs);
	/* A stale block would hand out offset 64 now: the child's bytes. */
	ASSERT_EQ(0, wsheap_alloc(h, 4096, (void **)&p));
	memset(p, 0xaa, 4096);
	ASSERT_EQ(0, wsheap_offset(h, p, &mine));
	EXPECT_LE(theirs + WSHEAP_BLOCK_MIN, mine);
	/* The child's block is intact. */
	ASSERT_EQ(0, send_all(sock, "C", 1));
	ASSERT_EQ(0, send_u64(sock, theirs));
	EXPECT_EQ(U64(0), recv_u64(sock));
	child_cmd(sock, 'Q');
	expect_child_ok(_metadata, pid);
	ASSERT_EQ(0, wsheap_free(h));
	close(sock);
}

/*
 * wsheap_generation() reads the status page under its sequence counter
 * (ABI 2): the kernel publishes the new generation when a reset begins and
 * gives pages back after, so a generation read without waiting could name
 * a reset whose pages are still mapped.  A thread polls the generation of
 * a heap with 32 MiB mapped while another party resets it (trim 0, so
 * every page goes): once it sees the new generation, the last page must
 * already be gone (SIGBUS), not still readable.
 */
static __thread sigjmp_buf *bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_jmp)
		siglongjmp(*bus_jmp, 1);
	_exit(3);
}

struct poller {
	struct wsheap *heap;
	volatile const char *last;	/* a page the reset gives back */
	uint64_t from;			/* the generation before */
	int seen;			/* 1: SIGBUS, 2: still readable */
};

static void *poll_fn(void *arg)
{
	struct poller *p = arg;
	sigjmp_buf jb;
	uint64_t g;

	do {
		if (wsheap_generation(p->heap, &g))
			return NULL;
	} while (g == p->from);
	bus_jmp = &jb;
	if (sigsetjmp(jb, 1) == 0) {
		(void)*p->last;
		p->seen = 2;
	} else {
		p->seen = 1;
	}
	bus_jmp = NULL;
	return NULL;
}

TEST(generation_is_reported_once_the_reset_is_over)
{
	const size_t len = 32 << 20;
	struct poller pl = { 0 };
	struct sigaction sa, old;
	struct wsheap *h, *other;
	pthread_t tid;
	char *p;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, WSHEAP_HEAP_POPULATE, &h));
	ASSERT_EQ(0, wsheap_alloc_aligned(h, len, page_size(), (void **)&p));
	memset(p, 1, len);		/* mapped: the reset has much to zap */
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_import(NULL, fd, 0, &other));
	close(fd);
	ASSERT_EQ(0, wsheap_generation(h, &pl.from));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	pl.heap = h;
	pl.last = p + len - page_size();
	ASSERT_EQ(0, pthread_create(&tid, NULL, poll_fn, &pl));
	usleep(10000);			/* the poller is polling */
	ASSERT_EQ(0, wsheap_reset(other));
	ASSERT_EQ(0, pthread_join(tid, NULL));
	sigaction(SIGBUS, &old, NULL);
	EXPECT_EQ(1, pl.seen) TH_LOG("%s", pl.seen == 2 ?
		"a page of the reset was still mapped when its generation was reported" :
		"the poller saw no new generation");
	ASSERT_EQ(0, wsheap_free(other));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(refresh_notices_foreign_reset_explicitly)
{
	struct wsheap_stats a, b;
	struct wsheap *h;
	void *p;
	pid_t pid;
	int sock;

	NEED_DEV();
	pid = spawn(resetter_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, export_to(sock, h, 0));
	ASSERT_EQ(0, wsheap_alloc(h, 1000, &p));
	EXPECT_EQ(0, wsheap_refresh(h));
	EXPECT_EQ(U64(1), child_cmd(sock, 'R'));
	a = heap_stats(h);
	EXPECT_EQ(1, wsheap_refresh(h));	/* the block is dropped */
	b = heap_stats(h);
	EXPECT_EQ(0, wsheap_refresh(h));
	EXPECT_EQ(a.ioctls, b.ioctls);		/* no system call */
	EXPECT_EQ(U64(0), b.free_bytes);
	EXPECT_EQ(U64(0), b.requested);
	EXPECT_EQ(U64(0), b.blocks);
	EXPECT_EQ(U64(1), b.foreign_resets);
	EXPECT_EQ(U64(1), b.kernel_generation);
	child_cmd(sock, 'Q');
	expect_child_ok(_metadata, pid);
	ASSERT_EQ(0, wsheap_free(h));
	close(sock);
}

TEST(threadsafe_import_drops_block_after_foreign_reset)
{
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	struct wsheap_stats st;
	unsigned char *p;
	int fd, i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, WSHEAP_HEAP_THREADSAFE, &im));
	close(fd);
	ASSERT_EQ(0, wsheap_alloc(im, 128, (void **)&p));
	memset(p, 3, 128);
	/* Another party (here another heap object) resets. */
	ASSERT_EQ(0, wsheap_reset(h));
	EXPECT_EQ(U64(0), heap_info(h).committed);
	ASSERT_EQ(0, wsheap_alloc(im, 128, (void **)&p));
	memset(p, 4, 128);
	for (i = 0; i < 128; i++)
		ASSERT_EQ(4, p[i]);
	st = heap_stats(im);
	EXPECT_EQ(U64(1), st.foreign_resets);
	EXPECT_EQ(U64(128), st.requested);
	EXPECT_EQ(U64(1), st.kernel_generation);
	/* Twice more: retired block descriptors are freed on the way. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, wsheap_reset(h));
		ASSERT_EQ(0, wsheap_alloc(im, 64, (void **)&p));
		memset(p, 5, 64);
	}
	EXPECT_EQ(U64(3), heap_stats(im).foreign_resets);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(fast_path_of_shared_heaps_makes_no_system_call)
{
	struct wsheap_stats a, b, c, d;
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	void *p;
	int fd, i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, 0, &im));
	close(fd);
	ASSERT_EQ(0, wsheap_alloc(h, 16, &p));
	ASSERT_EQ(0, wsheap_alloc(im, 16, &p));
	a = heap_stats(h);
	c = heap_stats(im);
	for (i = 0; i < 3000; i++) {
		ASSERT_EQ(0, wsheap_alloc(h, 16, &p));
		*(volatile char *)p = 1;
		ASSERT_EQ(0, wsheap_alloc_aligned(im, 16, 16, &p));
		*(volatile char *)p = 2;
	}
	b = heap_stats(h);
	d = heap_stats(im);
	EXPECT_EQ(a.ioctls, b.ioctls);
	EXPECT_EQ(a.mmaps, b.mmaps);
	EXPECT_EQ(c.ioctls, d.ioctls);
	EXPECT_EQ(c.mmaps, d.mmaps);
	EXPECT_EQ(a.blocks, b.blocks);
	EXPECT_EQ(c.blocks, d.blocks);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(forked_child_reset_noticed_by_the_next_block)
{
	struct wsheap_stats st;
	struct wsheap *h;
	unsigned char *p;
	pid_t pid;
	int status;

	NEED_DEV();
	/* Not exported: no status page; ALLOC's generation tells. */
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, WSHEAP_BLOCK_MIN, (void **)&p));
	EXPECT_EQ(U64(0), heap_stats(h).free_bytes);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wsheap_reset(h) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, wsheap_alloc(h, 100, (void **)&p));
	memset(p, 7, 100);
	st = heap_stats(h);
	EXPECT_EQ(U64(1), st.foreign_resets);
	EXPECT_EQ(U64(1), st.kernel_generation);
	EXPECT_EQ(U64(104), st.requested);	/* 100 rounded up to 8 (1.3) */
	EXPECT_EQ(U64(1), st.blocks);
	/* the window is reused; the status page, mapped after the fork (1.3) */
	EXPECT_EQ(U64(2), st.mmaps);
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- offsets ------------------------------------------------------------------ */

TEST(ptr_and_offset_arguments_and_ranges)
{
	struct wsheap *h, *empty;
	uint64_t off = 77, committed;
	void *p, *q = (void *)0x1, *z;
	int local;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 100, &p));
	EXPECT_EQ(-EINVAL, wsheap_ptr(NULL, 0, 1, &q));
	EXPECT_EQ(-EINVAL, wsheap_ptr(h, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, wsheap_ptr(h, UINT64_MAX, 1, &q));
	EXPECT_EQ(-EINVAL, wsheap_ptr(h, 8, SIZE_MAX, &q));
	EXPECT_EQ(-EINVAL, wsheap_ptr(h, WSHEAP_STATUS_OFFSET, 1, &q));
	committed = heap_info(h).committed;
	EXPECT_EQ(-ENXIO, wsheap_ptr(h, committed, 1, &q));
	EXPECT_EQ(-ENXIO, wsheap_ptr(h, committed - 8, 9, &q));
	EXPECT_EQ(-ENXIO, wsheap_ptr(h, U64(1) << 30, 8, &q));
	EXPECT_EQ((void *)0x1, q);
	/* Up to the committed end is fine. */
	ASSERT_EQ(0, wsheap_ptr(h, committed - 8, 8, &q));
	ASSERT_EQ(0, wsheap_ptr(h, committed, 0, &q));
	ASSERT_EQ(0, wsheap_ptr(h, 0, 0, &q));
	EXPECT_EQ(p, q);

	EXPECT_EQ(-EINVAL, wsheap_offset(NULL, p, &off));
	EXPECT_EQ(-EINVAL, wsheap_offset(h, NULL, &off));
	EXPECT_EQ(-EINVAL, wsheap_offset(h, p, NULL));
	EXPECT_EQ(-EINVAL, wsheap_offset(h, &local, &off));
	/* A heap without a block: nothing is mapped. */
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &empty));
	ASSERT_EQ(0, wsheap_alloc(empty, 0, &z));
	EXPECT_EQ(-EINVAL, wsheap_offset(empty, z, &off));
	EXPECT_EQ(-EINVAL, wsheap_offset(empty, p, &off));
	EXPECT_EQ(-ENXIO, wsheap_ptr(empty, 0, 1, &q));
	ASSERT_EQ(0, wsheap_free(empty));
	EXPECT_EQ(U64(77), off);
	ASSERT_EQ(0, wsheap_offset(h, (char *)p + 50, &off));
	EXPECT_EQ(U64(50), off);
	ASSERT_EQ(0, wsheap_ptr(h, off, 50, &q));
	EXPECT_EQ((char *)p + 50, q);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(ptr_maps_far_offsets_on_demand)
{
	struct wsheap_stats a, b;
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	size_t big = (size_t)200 << 20;
	uint64_t off;
	char *p, *q;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, WSHEAP_HEAP_THREADSAFE, &im));
	close(fd);
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	ASSERT_EQ(0, wsheap_alloc(h, big, (void **)&p));
	strcpy(p + big - 16, "far away");
	ASSERT_EQ(0, wsheap_offset(h, p + big - 16, &off));
	EXPECT_LT(U64(200) << 20, off);

	a = heap_stats(im);
	EXPECT_EQ(U64(0), a.windows);
	ASSERT_EQ(0, wsheap_ptr(im, off, 16, (void **)&q));
	EXPECT_STREQ("far away", q);
	b = heap_stats(im);
	EXPECT_EQ(U64(1), b.windows);
	EXPECT_EQ(a.mmaps + 1, b.mmaps);
	EXPECT_LE(off + 16, b.mapped_bytes);	/* a prefix window [0, X) */
	/* Anything below is served by the same window. */
	ASSERT_EQ(0, wsheap_ptr(im, 0, 64, (void **)&q));
	ASSERT_EQ(0, wsheap_ptr(im, off - 4096, 4096, (void **)&q));
	EXPECT_EQ(b.mmaps, heap_stats(im).mmaps);
	/* And the importer's own blocks too. */
	ASSERT_EQ(0, wsheap_alloc(im, 64, (void **)&q));
	strcpy(q, "near");
	EXPECT_EQ(b.mmaps, heap_stats(im).mmaps);
	ASSERT_EQ(0, wsheap_offset(im, q, &off));
	EXPECT_LT(U64(200) << 20, off);
	ASSERT_EQ(0, wsheap_ptr(h, off, 8, (void **)&p));
	EXPECT_STREQ("near", p);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- lifetime ------------------------------------------------------------------ */

TEST(free_drops_one_party_only)
{
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	uint64_t off;
	char *p, *q;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	strcpy(p, "survives");
	ASSERT_EQ(0, wsheap_offset(h, p, &off));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, 0, &im));
	close(fd);
	/* The creator leaves: the importer keeps the heap and its data. */
	ASSERT_EQ(0, wsheap_free(h));
	ASSERT_EQ(0, wsheap_ptr(im, off, 64, (void **)&q));
	EXPECT_STREQ("survives", q);
	ASSERT_EQ(0, wsheap_alloc(im, 100, (void **)&q));
	memset(q, 9, 100);
	EXPECT_LE(U64(2) * WSHEAP_BLOCK_MIN, heap_info(im).committed);
	ASSERT_EQ(0, wsheap_reset(im));
	EXPECT_EQ(U64(1), heap_info(im).generation);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
}

TEST(exported_descriptor_holds_the_heap)
{
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	uint64_t off;
	char *p;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, (void **)&p));
	strcpy(p, "in flight");
	ASSERT_EQ(0, wsheap_offset(h, p, &off));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	/* The creator frees before anyone imported: the fd keeps the heap. */
	ASSERT_EQ(0, wsheap_free(h));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, 0, &im));
	close(fd);
	ASSERT_EQ(0, wsheap_ptr(im, off, 64, (void **)&p));
	EXPECT_STREQ("in flight", p);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
}

/* ---- threads of one party, another party ---------------------------------------- */

#define TS_THREADS	4
#define TS_ALLOCS	1000

struct ts_worker {
	pthread_t tid;
	struct wsheap *heap;
	pthread_barrier_t *start;
	uint32_t id;
	int err;
	struct blk b[TS_ALLOCS];
};

static void *ts_worker_fn(void *arg)
{
	struct ts_worker *w = arg;

	pthread_barrier_wait(w->start);
	w->err = alloc_blocks(w->heap, w->b, TS_ALLOCS, w->id);
	return NULL;
}

TEST(threadsafe_import_threads_and_exporter_never_overlap)
{
	static struct ts_worker w[TS_THREADS + 1];
	struct wsheap *h, *im;
	struct wsheap_ctx *ctx;
	pthread_barrier_t start;
	struct blk *all;
	int fd, i;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_ctx_open(&ctx));
	ASSERT_EQ(0, wsheap_import(ctx, fd, WSHEAP_HEAP_THREADSAFE, &im));
	close(fd);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, TS_THREADS + 1));
	for (i = 0; i <= TS_THREADS; i++) {
		w[i].heap = i < TS_THREADS ? im : h;
		w[i].start = &start;
		w[i].id = 10 + (uint32_t)i;
		ASSERT_EQ(0, pthread_create(&w[i].tid, NULL, ts_worker_fn, &w[i]));
	}
	for (i = 0; i <= TS_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(w[i].tid, NULL));
		EXPECT_EQ(0, w[i].err) TH_LOG("worker %d", i);
	}
	all = calloc((TS_THREADS + 1) * TS_ALLOCS, sizeof(*all));
	ASSERT_NE(NULL, all);
	for (i = 0; i <= TS_THREADS; i++) {
		memcpy(all + (size_t)i * TS_ALLOCS, w[i].b, sizeof(w[i].b));
		/* Every block, read through the other heap object. */
		EXPECT_EQ(0, check_blocks(i < TS_THREADS ? h : im, w[i].b,
					  TS_ALLOCS)) TH_LOG("worker %d", i);
	}
	EXPECT_EQ(0, blocks_overlap(all, (TS_THREADS + 1) * TS_ALLOCS, NULL, 0));
	free(all);
	pthread_barrier_destroy(&start);
	ASSERT_EQ(0, wsheap_free(im));
	ASSERT_EQ(0, wsheap_ctx_close(ctx));
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- a kernel driver as another party ------------------------------------------ */

TEST(sample_driver_shares_the_cursor_and_the_bytes)
{
	struct wsheap_sample_record *rec;
	struct wsheap_sample_io io;
	struct wsheap *h;
	uint64_t before, after;
	void *p;
	int dev, fd;
	uint32_t i;

	NEED_DEV();
	dev = open("/dev/wsheap_sample", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		SKIP(return, "no /dev/wsheap_sample (sample driver not loaded)");
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	ASSERT_EQ(0, wsheap_alloc(h, 64, &p));
	ASSERT_EQ(0, wsheap_offset(h, p, &before));
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));

	memset(&io, 0, sizeof(io));
	io.heap_fd = fd;
	io.count = 100;
	io.seed = 5000;
	ASSERT_EQ(0, ioctl(dev, WSHEAP_SAMPLE_PRODUCE, &io));
	/* The driver's block comes after the library's first block. */
	EXPECT_LE(before + WSHEAP_BLOCK_MIN, io.offset);
	ASSERT_EQ(0, wsheap_ptr(h, io.offset, 100 * sizeof(*rec), (void **)&rec));
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(U64(i), rec[i].seq);
		EXPECT_EQ(U64(5000 + i), rec[i].value);
		EXPECT_EQ(wsheap_sample_check(i, 5000 + i), rec[i].check);
	}
	/* The library's next block comes after the driver's records. */
	ASSERT_EQ(0, wsheap_alloc(h, WSHEAP_BLOCK_MIN, &p));
	ASSERT_EQ(0, wsheap_offset(h, p, &after));
	EXPECT_LE(io.offset + 100 * sizeof(*rec), after);

	/* Records the library wrote, checked by the driver. */
	rec = p;
	for (i = 0; i < 50; i++) {
		rec[i].seq = i;
		rec[i].value = 7 * i;
		rec[i].check = wsheap_sample_check(i, 7 * i) ^ (i == 3);
		rec[i].pad = 0;
	}
	io.count = 50;
	io.offset = after;
	ASSERT_EQ(0, ioctl(dev, WSHEAP_SAMPLE_CONSUME, &io));
	EXPECT_EQ(U64(49), io.seed);
	close(fd);
	close(dev);
	ASSERT_EQ(0, wsheap_free(h));
}

/* ---- WWSAPI extensions ------------------------------------------------------------ */

/* ---- dma-bufs of heap ranges (1.2) -------------------------------------- */

/* A page-aligned allocation of @pages pages, filled with a pattern. */
static void *page_alloc(struct wsheap *h, size_t pages, uint32_t seed)
{
	void *p;

	if (wsheap_alloc_aligned(h, pages * page_size(), page_size(), &p))
		return NULL;
	pattern_fill(p, pages * page_size(), seed);
	return p;
}

static int fd_cloexec(int fd)
{
	return !!(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

TEST(dmabuf_export_maps_the_heap_pages)
{
	const size_t pg = page_size();
	struct wsheap *h;
	char *p, *d;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	p = page_alloc(h, 3, 11);
	ASSERT_NE(NULL, p);
	/* Not a whole number of pages: the dma-buf holds the 3 pages. */
	ASSERT_EQ(0, wsheap_export_dmabuf(h, p, 3 * pg - 100, 0, &fd));
	EXPECT_EQ(1, fd_cloexec(fd));
	EXPECT_EQ((off_t)(3 * pg), lseek(fd, 0, SEEK_END));
	d = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, d);
	EXPECT_TRUE(pattern_ok(d, 3 * pg, 11));
	/* The same pages both ways round. */
	strcpy(d + pg, "written through the dma-buf");
	EXPECT_STREQ("written through the dma-buf", p + pg);
	strcpy(p + 2 * pg, "written through the heap");
	EXPECT_STREQ("written through the heap", d + 2 * pg);
	munmap(d, 3 * pg);
	close(fd);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(dmabuf_export_flags_and_bad_ranges)
{
	static char outside[3 << 12] __attribute__((aligned(4096)));
	const size_t pg = page_size();
	struct wsheap *h;
	int fd = -7;
	char *p, *d;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	p = page_alloc(h, 2, 3);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(NULL, p, pg, 0, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, NULL, pg, 0, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, p, pg, 0, NULL));
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, p, 0, 0, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, p, pg, 1U << 7, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, p + 8, pg, 0, &fd));
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, outside + pg, pg, 0, &fd));
	/* Beyond what the heap has committed (the kernel's check). */
	EXPECT_EQ(-EINVAL, wsheap_export_dmabuf(h, p, 1 << 30, 0, &fd));
	EXPECT_EQ(-7, fd);

	ASSERT_EQ(0, wsheap_export_dmabuf(h, p, 2 * pg, WSHEAP_SHARE_RDONLY |
					  WSHEAP_SHARE_NO_CLOEXEC, &fd));
	EXPECT_EQ(0, fd_cloexec(fd));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, pg, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0));
	d = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, d);
	EXPECT_TRUE(pattern_ok(d, 2 * pg, 3));
	munmap(d, 2 * pg);
	close(fd);
	ASSERT_EQ(0, wsheap_free(h));
}

TEST(dmabuf_export_refused_for_readonly_and_stale)
{
	const size_t pg = page_size();
	struct wsheap *h, *ro, *other;
	uint64_t off;
	char *p, *q;
	int fd;

	NEED_DEV();
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	p = page_alloc(h, 1, 5);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, wsheap_offset(h, p, &off));

	ASSERT_EQ(0, wsheap_export(h, WSHEAP_SHARE_RDONLY, &fd));
	ASSERT_EQ(0, wsheap_import(NULL, fd, 0, &ro));
	close(fd);
	ASSERT_EQ(0, wsheap_ptr(ro, off, pg, (void **)&q));
	EXPECT_TRUE(pattern_ok(q, pg, 5));
	EXPECT_EQ(-EPERM, wsheap_export_dmabuf(ro, q, pg, WSHEAP_SHARE_RDONLY, &fd));

	/* Another party resets: p is no allocation any more. */
	ASSERT_EQ(0, wsheap_export(h, 0, &fd));
	ASSERT_EQ(0, wsheap_import(NULL, fd, 0, &other));
	close(fd);
	ASSERT_EQ(0, wsheap_reset(other));
	EXPECT_EQ(-ESTALE, wsheap_export_dmabuf(h, p, pg, 0, &fd));
	ASSERT_EQ(0, wsheap_free(other));
	ASSERT_EQ(0, wsheap_free(ro));
	ASSERT_EQ(0, wsheap_free(h));
}

/* Map the dma-buf it is sent, check the pattern, write a reply into it. */
static int dmabuf_child(int sock, void *arg)
{
	const size_t pg = page_size();
	int fd = recv_fd(sock);
	char *d;

	(void)arg;
	CHILD_CHECK(fd >= 0);
	d = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(d != MAP_FAILED);
	close(fd);
	CHILD_CHECK(pattern_ok(d, pg, 21));
	strcpy(d + pg, "the importer was here");
	CHILD_CHECK(send_u64(sock, 1) == 0);
	return 0;
}

TEST(dmabuf_to_another_process)
{
	const size_t pg = page_size();
	struct wsheap *h;
	int sock, fd;
	pid_t pid;
	char *p;

	NEED_DEV();
	pid = spawn(dmabuf_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wsheap_create(NULL, UINT64_MAX, 0, 0, &h));
	p = page_alloc(h, 2, 21);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, wsheap_export_dmabuf(h, p, 2 * pg, 0, &fd));
	ASSERT_EQ(0, send_fd(sock, fd));
	close(fd);
	EXPECT_EQ(U64(1), recv_u64(sock));
	EXPECT_STREQ("the importer was here", p + pg);
	expect_child_ok(_metadata, pid);
	close(sock);
	ASSERT_EQ(0, wsheap_free(h));
}

static SIZE_T ws_prop(WS_HEAP *h, WS_HEAP_PROPERTY_ID id)
{
	SIZE_T v = 0;

	if (WsGetHeapProperty(h, id, &v, sizeof(v), NULL) != S_OK)
		return (SIZE_T)-1;
	return v;
}

/* Import over the socket; 'W' write a string, 'R' reset, 'P' read. */
static int ws_child(int sock, void *arg)
{
	ULONGLONG off, g;
	WS_HEAP *h;
	char *p;
	int fd;

	(void)arg;
	fd = recv_fd(sock);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(WsheapImportHeap(fd, &h, NULL) == S_OK);
	close(fd);
	CHILD_CHECK(ws_prop(h, WS_HEAP_PROPERTY_MAX_SIZE) == SIZE_MAX);
	/* The parent's string, through its offset. */
	off = recv_u64(sock);
	CHILD_CHECK(WsheapGetHeapPointer(h, off, 16, (void **)&p, NULL) == S_OK);
	CHILD_CHECK(strcmp(p, "parent says hi") == 0);
	/* Ours, for the parent. */
	CHILD_CHECK(WsAlloc(h, 16, (void **)&p, NULL) == S_OK);
	strcpy(p, "child says hi");
	CHILD_CHECK(WsheapGetHeapOffset(h, p, &off, NULL) == S_OK);
	CHILD_CHECK(send_u64(sock, off) == 0);
	/* Wait, then reset everybody's allocations. */
	CHILD_CHECK(recv_u64(sock) == 1);
	CHILD_CHECK(WsResetHeap(h, NULL) == S_OK);
	CHILD_CHECK(WsheapGetHeapGeneration(h, &g, NULL) == S_OK);
	CHILD_CHECK(send_u64(sock, g) == 0);
	CHILD_CHECK(recv_u64(sock) == 2);
	WsFreeHeap(h);
	return 0;
}

TEST(ws_export_import_across_fork)
{
	ULONGLONG off, g0, g1;
	WS_HEAP *h;
	char *p, *q;
	pid_t pid;
	int sock, fd;

	NEED_DEV();
	pid = spawn(ws_child, NULL, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 16, (void **)&p, NULL));
	strcpy(p, "parent says hi");
	ASSERT_EQ(S_OK, WsheapExportHeap(h, 0, &fd, NULL));
	ASSERT_EQ(0, send_fd(sock, fd));
	close(fd);
	ASSERT_EQ(S_OK, WsheapGetHeapOffset(h, p, &off, NULL));
	ASSERT_EQ(0, send_u64(sock, off));
	off = recv_u64(sock);
	ASSERT_EQ(S_OK, WsheapGetHeapPointer(h, off, 16, (void **)&q, NULL));
	EXPECT_STREQ("child says hi", q);

	ASSERT_EQ(S_OK, WsheapGetHeapGeneration(h, &g0, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 100, (void **)&p, NULL));
	EXPECT_EQ((SIZE_T)116, ws_prop(h, WS_HEAP_PROPERTY_REQUESTED_SIZE));
	EXPECT_EQ((SIZE_T)128, ws_prop(h, WS_HEAP_PROPERTY_ACTUAL_SIZE));
	ASSERT_EQ(0, send_u64(sock, 1));
	g1 = recv_u64(sock);		/* the child reset the heap */
	EXPECT_EQ(g0 + 1, g1);
	ASSERT_EQ(S_OK, WsheapGetHeapGeneration(h, &g0, NULL));
	EXPECT_EQ(g1, g0);
	/* The next allocation is valid memory in the new generation. */
	ASSERT_EQ(S_OK, WsAlloc(h, 40, (void **)&p, NULL));
	memset(p, 0x33, 40);
	EXPECT_EQ(0x33, p[39]);
	EXPECT_EQ((SIZE_T)40, ws_prop(h, WS_HEAP_PROPERTY_REQUESTED_SIZE));
	EXPECT_EQ((SIZE_T)128, ws_prop(h, WS_HEAP_PROPERTY_ACTUAL_SIZE));
	ASSERT_EQ(0, send_u64(sock, 2));
	expect_child_ok(_metadata, pid);
	WsFreeHeap(h);
	close(sock);
}

TEST(ws_extensions_null_args_flags_and_error_strings)
{
	ULONGLONG g = 5, off = 5;
	WS_HEAP *h, *im = (WS_HEAP *)0x1;
	WS_ERROR *e;
	void *p = (void *)0x1;
	int fd = -7, pfd[2];

	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	EXPECT_EQ(E_INVALIDARG, WsheapExportHeap(NULL, 0, &fd, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsheapExportHeap"));
	EXPECT_EQ(E_INVALIDARG, WsheapImportHeap(0, NULL, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsheapImportHeap"));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapGeneration(NULL, &g, e));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapPointer(NULL, 0, 1, &p, e));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapOffset(NULL, &g, &off, e));
	EXPECT_EQ(5U, string_count(e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsheapGetHeapOffset"));
	/* NULL error objects are fine. */
	EXPECT_EQ(E_INVALIDARG, WsheapExportHeap(NULL, 0, &fd, NULL));

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateHeap(1000, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsResetError(e));
	EXPECT_EQ(E_INVALIDARG, WsheapExportHeap(h, 0, NULL, e));
	EXPECT_EQ(E_INVALIDARG, WsheapExportHeap(h, 4, &fd, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "flags"));
	EXPECT_EQ(E_INVALIDARG, WsheapExportHeap(h, 0xffffffffu, &fd, e));
	EXPECT_EQ(-7, fd);
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapGeneration(h, NULL, e));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapPointer(h, 0, 1, NULL, e));
	/* Offsets the heap does not hold. */
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapPointer(h, 1 << 20, 1, &p, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "does not hold"));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapPointer(h, UINT64_MAX, 1, &p, e));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapOffset(h, NULL, &off, e));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapOffset(h, &g, NULL, e));
	EXPECT_EQ(E_INVALIDARG, WsheapGetHeapOffset(h, &g, &off, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "not inside"));
	EXPECT_EQ(10U, string_count(e));
	EXPECT_EQ((void *)0x1, p);
	EXPECT_EQ(U64(5), off);

	/* Import of something that is not an exported heap. */
	ASSERT_EQ(S_OK, WsResetError(e));
	ASSERT_EQ(0, pipe(pfd));
	EXPECT_EQ(E_INVALIDARG, WsheapImportHeap(pfd[0], &im, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "not a heap exported"));
	EXPECT_EQ(E_INVALIDARG, WsheapImportHeap(-1, &im, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "not open"));
	EXPECT_EQ(E_INVALIDARG, WsheapImportHeap(pfd[1], &im, NULL));
	EXPECT_EQ((WS_HEAP *)0x1, im);
	EXPECT_EQ(2U, string_count(e));
	TH_LOG("e.g. %s", error_text(e, 0));
	close(pfd[0]);
	close(pfd[1]);

	/* Success adds no string. */
	ASSERT_EQ(S_OK, WsResetError(e));
	ASSERT_EQ(S_OK, WsheapExportHeap(h, WSHEAP_WS_EXPORT_READ_ONLY |
					 WSHEAP_WS_EXPORT_NO_CLOEXEC, &fd, e));
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(S_OK, WsheapGetHeapGeneration(h, &g, e));
	EXPECT_EQ(U64(0), g);
	EXPECT_EQ(0U, string_count(e));
	close(fd);
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST(ws_readonly_import_refuses_alloc_and_reset)
{
	ULONGLONG off;
	WS_HEAP *h, *im;
	WS_ERROR *e;
	char *p, *q;
	int fd, fd2;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, 32, (void **)&p, NULL));
	strcpy(p, "look, don't touch");
	ASSERT_EQ(S_OK, WsheapExportHeap(h, WSHEAP_WS_EXPORT_READ_ONLY, &fd, e));
	ASSERT_EQ(S_OK, WsheapImportHeap(fd, &im, e));
	close(fd);
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsAlloc(im, 8, (void **)&q, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "read-only"));
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsResetHeap(im, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "WsResetHeap"));
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsheapExportHeap(im, 0, &fd2, e));
	EXPECT_EQ(3U, string_count(e));
	ASSERT_EQ(S_OK, WsheapExportHeap(im, WSHEAP_WS_EXPORT_READ_ONLY, &fd2, e));
	close(fd2);
	ASSERT_EQ(S_OK, WsheapGetHeapOffset(h, p, &off, NULL));
	ASSERT_EQ(S_OK, WsheapGetHeapPointer(im, off, 32, (void **)&q, NULL));
	EXPECT_STREQ("look, don't touch", q);
	EXPECT_EQ((SIZE_T)0, ws_prop(im, WS_HEAP_PROPERTY_REQUESTED_SIZE));
	WsFreeHeap(im);
	/* The exporter is unaffected. */
	ASSERT_EQ(S_OK, WsAlloc(h, 8, (void **)&q, NULL));
	EXPECT_STREQ("look, don't touch", p);
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST(ws_export_dmabuf)
{
	const uintptr_t pg = page_size();
	WS_HEAP *h, *im;
	WS_ERROR *e;
	char *p, *a, *d;
	ULONGLONG off;
	int fd = -7;

	NEED_DEV();
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 0, NULL, 0, &h, NULL));
	/* WsAlloc() aligns to 8: take a page more and round up. */
	ASSERT_EQ(S_OK, WsAlloc(h, 3 * pg, (void **)&p, NULL));
	a = (char *)(((uintptr_t)p + pg - 1) & ~(pg - 1));
	strcpy(a, "a frame for a driver");
	ASSERT_EQ(S_OK, WsheapExportDmabuf(h, a, 2 * pg, 0, &fd, e));
	d = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, d);
	EXPECT_STREQ("a frame for a driver", d);
	munmap(d, 2 * pg);
	close(fd);
	EXPECT_EQ(0U, string_count(e));

	fd = -7;
	EXPECT_EQ(E_INVALIDARG, WsheapExportDmabuf(NULL, a, pg, 0, &fd, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "the heap is NULL"));
	EXPECT_EQ(E_INVALIDARG, WsheapExportDmabuf(h, a, pg, 4, &fd, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "unknown flags 0x4"));
	EXPECT_EQ(E_INVALIDARG, WsheapExportDmabuf(h, a + 8, pg, 0, &fd, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "page boundary"));
	EXPECT_EQ(E_INVALIDARG, WsheapExportDmabuf(h, a, 0, 0, &fd, e));
	EXPECT_EQ(-7, fd);

	ASSERT_EQ(S_OK, WsheapExportHeap(h, WSHEAP_WS_EXPORT_READ_ONLY, &fd, e));
	ASSERT_EQ(S_OK, WsheapImportHeap(fd, &im, e));
	close(fd);
	ASSERT_EQ(S_OK, WsheapGetHeapOffset(h, a, &off, NULL));
	ASSERT_EQ(S_OK, WsheapGetHeapPointer(im, off, pg, (void **)&p, NULL));
	EXPECT_EQ(WS_E_INVALID_OPERATION,
		  WsheapExportDmabuf(im, p, pg, WSHEAP_WS_EXPORT_READ_ONLY, &fd, e));
	EXPECT_NE(NULL, strstr(error_text(e, 0), "read-only"));
	EXPECT_EQ(5U, string_count(e));
	WsFreeHeap(im);
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST(ws_reset_while_a_driver_pins_is_invalid_operation)
{
	struct wsheap_sample_io io = { .count = 1 };
	ULONGLONG off;
	WS_HEAP *h;
	WS_ERROR *e;
	void *p;
	int dev, fd;

	NEED_DEV();
	dev = open("/dev/wsheap_sample", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		SKIP(return, "no /dev/wsheap_sample (sample driver not loaded)");
	ASSERT_EQ(S_OK, WsCreateError(NULL, 0, &e));
	ASSERT_EQ(S_OK, WsCreateHeap(1 << 20, 0, NULL, 0, &h, NULL));
	ASSERT_EQ(S_OK, WsAlloc(h, sizeof(struct wsheap_sample_record), &p,
				NULL));
	ASSERT_EQ(S_OK, WsheapExportHeap(h, 0, &fd, e));
	io.heap_fd = fd;
	ASSERT_EQ(S_OK, WsheapGetHeapOffset(h, p, &off, NULL));
	io.offset = off;
	ASSERT_EQ(0, ioctl(dev, WSHEAP_SAMPLE_HOLD, &io));
	/* The driver holds allocations: the reset is refused. */
	EXPECT_EQ(WS_E_INVALID_OPERATION, WsResetHeap(h, e));
	EXPECT_EQ(1U, string_count(e));
	ASSERT_EQ(0, ioctl(dev, WSHEAP_SAMPLE_RELEASE));
	EXPECT_EQ(S_OK, WsResetHeap(h, e));
	close(dev);
	close(fd);
	WsFreeHeap(h);
	WsFreeError(e);
}

TEST_HARNESS_MAIN
