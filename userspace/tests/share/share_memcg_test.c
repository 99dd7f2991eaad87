// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap and memory cgroups: a heap's pages are charged to the memory cgroup
 * of the task that created it, whoever touches them; at the cgroup's limit
 * a POPULATE heap's ALLOC fails with ENOMEM and a lazy heap's fault raises
 * SIGBUS, and nothing is OOM-killed.
 *
 * Each case runs its heap creator in a child moved into a cgroup of its own
 * (cgroup2 at /sys/fs/cgroup); the cases skip without root, cgroup2 or the
 * memory controller.  Children report through their exit status.
 */
#include "../abi/wsheap_test_util.h"	/* includes kselftest_harness.h */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_DIR		CG_ROOT "/wsheap-t"
#define MIB		(1ULL << 20)

/* A number read from @file of the test cgroup, or ~0 on error. */
static __u64 cg_u64(const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), CG_DIR "/%s", file);
	if (wsh_read_file(path, buf, sizeof(buf)))
		return ~0ULL;
	return strtoull(buf, NULL, 10);
}

/* The value of @key in the test cgroup's flat-keyed @file, or ~0. */
static __u64 cg_key(const char *file, const char *key)
{
	char path[256], buf[4096], *line;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), CG_DIR "/%s", file);
	if (wsh_read_file(path, buf, sizeof(buf)))
		return ~0ULL;
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return strtoull(line + klen + 1, NULL, 10);
	}
	return ~0ULL;
}

static int cg_set(const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), CG_DIR "/%s", file);
	return wsh_write_file(path, val);
}

/* One byte, 'f', and the descriptor @fd with it. */
static int send_fd(int sock, int fd)
{
	return wsh_send_fd(sock, fd, "f", 1, 0);
}

/* The descriptor that came with one byte, or -1. */
static int recv_fd(int sock)
{
	char b;
	int fd;

	if (wsh_recv_fd(sock, &fd, &b, 1, 0) != 1 && fd >= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int put_byte(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int get_byte(int fd, char want)
{
	char c;

	return read(fd, &c, 1) == 1 && c == want ? 0 : -1;
}

/* Write to every page of @p (@len bytes). */
static void touch_all(unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += wsh_ps())
		p[i] = (unsigned char)(i >> 12 | 1);
}

/* ------------------------------- fixture -------------------------------- */

FIXTURE(memcg) {
	bool made;
	int sock;	/* the parent's end to the child */
	pid_t child;
};

FIXTURE_SETUP(memcg)
{
	char buf[512];

	self->made = false;
	self->sock = -1;
	self->child = -1;
	if (geteuid())
		SKIP(return, "memory cgroups need root");
	if (wsh_read_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)))
		SKIP(return, "no cgroup2 at " CG_ROOT);
	if (!strstr(buf, "memory"))
		SKIP(return, "no memory controller in cgroup2");
	if (wsh_write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "cannot enable the memory controller: %s",
		     strerror(errno));
	rmdir(CG_DIR);		/* a leftover of an earlier run */
	ASSERT_EQ(0, mkdir(CG_DIR, 0755)) TH_LOG("mkdir " CG_DIR ": %s",
						 strerror(errno));
	self->made = true;
	ASSERT_NE(~0ULL, cg_u64("memory.current")) TH_LOG("no memory.current");
}

FIXTURE_TEARDOWN(memcg)
{
	int i, status;

	if (self->sock >= 0)
		close(self->sock);
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, &status, 0);
	}
	if (!self->made)
		return;
	/* charges may be uncharged lazily; the directory goes anyway */
	for (i = 0; i < 50 && rmdir(CG_DIR) && errno == EBUSY; i++)
		wsh_sleep_ms(100);
}

/* What the child of start_in_cgroup() runs, once it is in the cgroup. */
static int (*cgroup_fn)(int sock);

static int in_cgroup(int sock)
{
	if (get_byte(sock, 'g'))
		return 100;
	return cgroup_fn(sock);
}

/*
 * Fork the child that runs @fn(@sock) inside the test cgroup.  The parent
 * moves it there before it starts: it waits for a byte on the socket.
 */
static pid_t start_in_cgroup(struct __test_metadata *_metadata,
			     FIXTURE_DATA(memcg) *self, int (*fn)(int))
{
	char pid_s[32];
	pid_t pid;

	cgroup_fn = fn;
	pid = wsh_fork_peer(in_cgroup, &self->sock);
	ASSERT_LE(0, pid);
	self->child = pid;
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_EQ(0, cg_set("cgroup.procs", pid_s))
		TH_LOG("moving %d into " CG_DIR ": %s", pid, strerror(errno));
	ASSERT_EQ(0, put_byte(self->sock, 'g'));
	return pid;
}

/* Reap the test's child; its status code. */
static int reap(FIXTURE_DATA(memcg) *self)
{
	int status;

	if (waitpid(self->child, &status, 0) != self->child)
		return -1;
	self->child = -1;
	return wsh_status_code(status);
}

/* ---------------------------- charged where ----------------------------- */

/* Create a lazy heap, commit and touch 16 MiB, then wait to be let go. */
static int creator_touches(int sock)
{
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *p;
	int fd = wsh_open();

	CK(fd >= 0);
	CK(wsh_create(fd, UINT64_MAX, 0, 0, &c) == 0);
	CK(wsh_alloc(fd, c.handle, 16 * MIB, 0, NULL) == 0);
	p = wsh_map(fd, &c, 0, 16 * MIB);
	CK(p != MAP_FAILED);
	touch_all(p, 16 * MIB);
	CK(wsh_info(fd, c.handle, &i) == 0);
	CK(i.resident == 16 * MIB);
	CK(put_byte(sock, 't') == 0);
	CK(get_byte(sock, 'q') == 0);
	return 0;
}

TEST_F_TIMEOUT(memcg, charged_to_creator_cgroup, 120)
{
	__u64 cur;
	int i;

	ASSERT_LT(0, start_in_cgroup(_metadata, self, creator_touches));
	ASSERT_EQ(0, get_byte(self->sock, 't'));
	cur = cg_u64("memory.current");
	EXPECT_LE(16 * MIB, cur) TH_LOG("memory.current %llu", (unsigned long long)cur);
	ASSERT_EQ(0, put_byte(self->sock, 'q'));
	EXPECT_EQ(0, reap(self));
	/* the child's exit freed the heap, and its pages were uncharged */
	for (i = 0; i < 20 && (cur = cg_u64("memory.current")) >= 8 * MIB; i++)
		wsh_sleep_ms(100);
	EXPECT_GT(8 * MIB, cur) TH_LOG("after exit: memory.current %llu",
				       (unsigned long long)cur);
}

/* Create a lazy heap of 16 MiB untouched, export it to the parent, wait. */
static int creator_exports(int sock)
{
	struct wsheap_create c;
	int fd = wsh_open(), efd;

	CK(fd >= 0);
	CK(wsh_create(fd, UINT64_MAX, 0, 0, &c) == 0);
	CK(wsh_alloc(fd, c.handle, 16 * MIB, 0, NULL) == 0);
	CK(wsh_export(fd, c.handle, 0, &efd) == 0);
	CK(send_fd(sock, efd) == 0);
	CK(get_byte(sock, 'q') == 0);
	return 0;
}

TEST_F_TIMEOUT(memcg, charged_to_creator_when_others_touch, 120)
{
	__u64 before, cur;
	unsigned char *p;
	int efd;

	ASSERT_LT(0, start_in_cgroup(_metadata, self, creator_exports));
	efd = recv_fd(self->sock);
	ASSERT_LE(0, efd);
	before = cg_u64("memory.current");
	/* this process is not in the cgroup; the pages are charged there */
	p = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, p);
	touch_all(p, 16 * MIB);
	cur = cg_u64("memory.current");
	EXPECT_LE(before + 16 * MIB - MIB, cur)
		TH_LOG("memory.current %llu before, %llu after",
		       (unsigned long long)before, (unsigned long long)cur);
	EXPECT_LE(16 * MIB, cur);
	munmap(p, 16 * MIB);
	close(efd);
	ASSERT_EQ(0, put_byte(self->sock, 'q'));
	EXPECT_EQ(0, reap(self));
}

/* ------------------------------ at the limit ---------------------------- */

static int populate_over_limit(int sock)
{
	struct wsheap_create c;
	struct wsheap_info i;
	int fd = wsh_open();
	int ret;

	(void)sock;
	CK(fd >= 0);
	CK(wsh_create(fd, UINT64_MAX, 0, WSHEAP_CREATE_POPULATE, &c) == 0);
	ret = wsh_alloc(fd, c.handle, 32 * MIB, 0, NULL);
	CK(ret == -ENOMEM);
	/* a failed ALLOC changes nothing and keeps no page */
	CK(wsh_info(fd, c.handle, &i) == 0);
	CK(i.committed == 0 && i.resident == 0 && i.cursor == 0);
	/* what fits still works */
	CK(wsh_alloc(fd, c.handle, MIB, 0, NULL) == 0);
	CK(wsh_info(fd, c.handle, &i) == 0);
	CK(i.resident == MIB);
	return 0;
}

/*
 * Run @fn in the test cgroup limited to 8 MiB: it must run to its end (exit
 * 0), never OOM-killed.
 */
static void run_over_limit(struct __test_metadata *_metadata,
			   FIXTURE_DATA(memcg) *self, int (*fn)(int))
{
	ASSERT_EQ(0, cg_set("memory.max", "8388608"));
	ASSERT_LT(0, start_in_cgroup(_metadata, self, fn));
	EXPECT_EQ(0, reap(self));
	EXPECT_EQ(0ULL, cg_key("memory.events", "oom_kill"));
}

TEST_F_TIMEOUT(memcg, populate_over_limit_enomem, 120)
{
	run_over_limit(_metadata, self, populate_over_limit);
	EXPECT_LT(0ULL, cg_key("memory.events", "max"));
}

static int lazy_over_limit(int sock)
{
	const size_t ps = wsh_ps();
	struct wsheap_create c;
	struct wsheap_info i;
	volatile size_t *done;
	unsigned char *p;
	int fd = wsh_open(), status;
	size_t off;
	pid_t pid;

	(void)sock;
	CK(fd >= 0);
	CK(wsh_create(fd, UINT64_MAX, 0, 0, &c) == 0);
	/* committing is not charging: this works above the limit */
	CK(wsh_alloc(fd, c.handle, 32 * MIB, 0, NULL) == 0);
	p = wsh_map(fd, &c, 0, 32 * MIB);
	CK(p != MAP_FAILED);
	done = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	CK(done != MAP_FAILED);
	*done = 0;
	/*
	 * A grandchild touches every page.  One page per 2 MiB first, so the
	 * page tables exist before the limit is near: what fails is a heap
	 * page.
	 */
	pid = fork();
	CK(pid >= 0);
	if (pid == 0) {
		for (off = 0; off < 32 * MIB; off += 2 * MIB)
			p[off] = 1;
		for (off = 0; off < 32 * MIB; off += ps) {
			p[off] = 2;
			*done = off + ps;
		}
		_exit(0);
	}
	CK(waitpid(pid, &status, 0) == pid);
	CK(WIFSIGNALED(status));
	if (WTERMSIG(status) != SIGBUS)
		fprintf(stderr, "# grandchild killed by signal %d, touched %zu bytes\n",
			WTERMSIG(status), *done);
	CK(WTERMSIG(status) == SIGBUS);
	CK(*done >= 2 * MIB && *done < 8 * MIB);
	CK(wsh_info(fd, c.handle, &i) == 0);
	CK(i.resident <= 8 * MIB);
	/* the pages that were touched are still there */
	CK(p[0] == 2 && p[ps] == 2);
	return 0;
}

TEST_F_TIMEOUT(memcg, lazy_over_limit_sigbus, 120)
{
	run_over_limit(_metadata, self, lazy_over_limit);
}

/* -------------------- reclaim of kept pages (the shrinker) --------------- */

/*
 * Commit and touch 16 MiB with a trim that keeps them all; @reset says
 * whether to reset (kept pages hold no allocation) or keep the data live.
 * After the parent's memory.reclaim, report what INFO says and check the
 * bytes: live ones intact, reclaimed ones zero, none SIGBUS.
 */
static int creator_keeps(int sock, bool reset)
{
	struct wsheap_create c;
	struct wsheap_info i;
	unsigned char *p;
	size_t off;
	int fd = wsh_open();

	CK(fd >= 0);
	CK(wsh_create(fd, UINT64_MAX, 16 * MIB, 0, &c) == 0);
	CK(wsh_alloc(fd, c.handle, 16 * MIB, 0, NULL) == 0);
	p = wsh_map(fd, &c, 0, 16 * MIB);
	CK(p != MAP_FAILED);
	touch_all(p, 16 * MIB);
	if (reset)
		CK(wsh_reset(fd, c.handle, NULL) == 0);
	CK(wsh_info(fd, c.handle, &i) == 0);
	CK(i.resident == 16 * MIB && i.committed == 16 * MIB);
	CK(put_byte(sock, 't') == 0);
	CK(get_byte(sock, 'r') == 0);	/* the parent reclaimed */
	CK(wsh_info(fd, c.handle, &i) == 0);
	fprintf(stderr, "# after memory.reclaim: resident %llu, reclaimed %llu\n",
		(unsigned long long)i.resident, (unsigned long long)i.reclaimed);
	CK(i.committed == 16 * MIB);
	CK(i.resident + i.reclaimed == 16 * MIB);
	if (!reset) {
		CK(i.reclaimed == 0);
		for (off = 0; off < 16 * MIB; off += wsh_ps())
			CK(p[off] == (unsigned char)(off >> 12 | 1));
		return 0;
	}
	CK(i.reclaimed >= 4 * MIB);
	/* the next generation reaches them again: zeroed or kept, never lost */
	CK(wsh_alloc(fd, c.handle, 16 * MIB, 0, NULL) == 0);
	for (off = 0; off < 16 * MIB; off += wsh_ps())
		CK(p[off] == 0 || p[off] == (unsigned char)(off >> 12 | 1));
	touch_all(p, 16 * MIB);
	CK(wsh_info(fd, c.handle, &i) == 0);
	CK(i.resident == 16 * MIB);
	return 0;
}

static int creator_keeps_reset(int sock)
{
	return creator_keeps(sock, true);
}

static int creator_keeps_live(int sock)
{
	return creator_keeps(sock, false);
}

/* Ask the cgroup to reclaim @bytes; EAGAIN is the kernel getting less. */
static int cg_reclaim(__u64 bytes)
{
	char val[32];
	int ret;

	snprintf(val, sizeof(val), "%llu", (unsigned long long)bytes);
	ret = cg_set("memory.reclaim", val);
	return ret == -EAGAIN ? 0 : ret;
}

TEST_F_TIMEOUT(memcg, reclaim_takes_back_kept_pages, 120)
{
	__u64 before, after;

	ASSERT_LT(0, start_in_cgroup(_metadata, self, creator_keeps_reset));
	ASSERT_EQ(0, get_byte(self->sock, 't'));
	before = cg_u64("memory.current");
	ASSERT_EQ(0, cg_reclaim(12 * MIB)) TH_LOG("memory.reclaim: %s",
						  strerror(errno));
	after = cg_u64("memory.current");
	EXPECT_GT(before, after + 4 * MIB)
		TH_LOG("memory.current %llu -> %llu", (unsigned long long)before,
		       (unsigned long long)after);
	ASSERT_EQ(0, put_byte(self->sock, 'r'));
	EXPECT_EQ(0, reap(self));
}

TEST_F_TIMEOUT(memcg, reclaim_keeps_live_allocations, 120)
{
	ASSERT_LT(0, start_in_cgroup(_metadata, self, creator_keeps_live));
	ASSERT_EQ(0, get_byte(self->sock, 't'));
	ASSERT_EQ(0, cg_reclaim(12 * MIB));
	ASSERT_EQ(0, put_byte(self->sock, 'r'));
	EXPECT_EQ(0, reap(self));
}

TEST_HARNESS_MAIN
