// SPDX-License-Identifier: MIT
/*
 * What an operator sees: /sys/kernel/debug/wsheap/{contexts,heaps,stats},
 * the wsheap tracepoints, and wsheapctl's listing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
/* The harness's macros expand in this file: keep the two pragmas on. */


#include "wsheap_ioctl.h"

#define DBG	"/sys/kernel/debug/wsheap/"
#define TRACING	"/sys/kernel/tracing/"

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The value of column @col in the line of @file whose @key column is @val. */
static int lookup(const char *file, const char *key, long long val,
		  const char *col, long long *out)
{
	char *text = slurp(file), *line, *save = NULL;
	int kcol = -1, ccol = -1, i;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL;
		long long v[32];
		int n = 0;

		if (kcol < 0) {	/* the header */
			for (tok = strtok_r(line, " ", &s2), i = 0; tok;
			     tok = strtok_r(NULL, " ", &s2), i++) {
				if (!strcmp(tok, key))
					kcol = i;
				if (!strcmp(tok, col))
					ccol = i;
			}
			if (kcol < 0 || ccol < 0)
				return -EINVAL;
			continue;
		}
		for (tok = strtok_r(line, " ", &s2); tok && n < 32;
		     tok = strtok_r(NULL, " ", &s2))
			v[n++] = strtoll(tok, NULL, 0);
		if (kcol < n && ccol < n && v[kcol] == val) {
			*out = v[ccol];
			return 0;
		}
	}
	return -ENOENT;
}

FIXTURE(obs) {
	int fd;
	struct wsheap_create c;
};

FIXTURE_SETUP(obs)
{
	if (access(DBG "heaps", R_OK))
		SKIP(return, "no " DBG " (debugfs not mounted?)");
	self->fd = open(WSHEAP_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	memset(&self->c, 0, sizeof(self->c));
	self->c.max_size = 1 << 20;
	self->c.trim_size = 4096;
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_CREATE, &self->c));
}

FIXTURE_TEARDOWN(obs)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The heap's row, found by our pid and the quota we gave it. */
static int heap_id(long long pid, long long *id)
{
	char *text = slurp(DBG "heaps"), *line, *save = NULL;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		long long h, p, ctx, max;

		if (sscanf(line, "%lld %lld %lld %lld", &h, &p, &ctx, &max) == 4 &&
		    p == pid && max == 1 << 20) {
			*id = h;
			return 0;
		}
	}
	return -ENOENT;
}

TEST_F(obs, heaps_file_shows_counters)
{
	struct wsheap_alloc al = { .handle = self->c.handle, .size = 5000 };
	struct wsheap_reset rs = { .handle = self->c.handle };
	long long id, v;
	char *p;

	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_ALLOC, &al));
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 self->c.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, heap_id(getpid(), &id));
	ASSERT_EQ(0, lookup(DBG "heaps", "heap", id, "requested", &v));
	EXPECT_EQ(5000, v);
	ASSERT_EQ(0, lookup(DBG "heaps", "heap", id, "committed", &v));
	EXPECT_EQ(8192, v);
	ASSERT_EQ(0, lookup(DBG "heaps", "heap", id, "resident", &v));
	EXPECT_EQ(4096, v);
	ASSERT_EQ(0, lookup(DBG "heaps", "heap", id, "users", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_RESET, &rs));
	ASSERT_EQ(0, lookup(DBG "heaps", "heap", id, "generation", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, lookup(DBG "heaps", "heap", id, "committed", &v));
	EXPECT_EQ(4096, v);
	munmap(p, 8192);
}

TEST_F(obs, contexts_file_shows_this_process)
{
	long long v;

	ASSERT_EQ(0, lookup(DBG "contexts", "pid", getpid(), "heaps", &v));
	EXPECT_EQ(1, v);
}

TEST_F(obs, heap_leaves_the_list_when_freed)
{
	struct wsheap_destroy d = { .handle = self->c.handle };
	long long id;

	ASSERT_EQ(0, heap_id(getpid(), &id));
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_DESTROY, &d));
	EXPECT_EQ(-ENOENT, heap_id(getpid(), &id));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-ENOENT, lookup(DBG "contexts", "pid", getpid(), "heaps",
				  &id));
}

TEST_F(obs, stats_add_up)
{
	struct wsheap_alloc al = { .handle = self->c.handle, .size = 3 * 4096 };
	char *text, *p;
	long long heaps = -1, committed = -1;

	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_ALLOC, &al));
	text = slurp(DBG "stats");
	ASSERT_NE(NULL, text);
	p = strstr(text, "heaps ");
	ASSERT_NE(NULL, p);
	heaps = strtoll(p + 6, NULL, 0);
	p = strstr(text, "\ncommitted ");
	ASSERT_NE(NULL, p);
	committed = strtoll(p + 11, NULL, 0);
	EXPECT_LE(1, heaps);
	EXPECT_LE(3 * 4096, committed);
	EXPECT_NE(NULL, strstr(text, "max_heaps_per_context "));
}

TEST_F(obs, tracepoints_fire)
{
	struct wsheap_alloc al = { .handle = self->c.handle, .size = 100 };
	struct wsheap_reset rs = { .handle = self->c.handle };
	struct wsheap_destroy d = { .handle = self->c.handle };
	struct wsheap_create c = { .max_size = 77 };
	char *trace;

	if (access(TRACING "events/wsheap/enable", W_OK))
		SKIP(return, "no tracefs or no wsheap events");
	ASSERT_EQ(0, put(TRACING "trace", ""));
	ASSERT_EQ(0, put(TRACING "events/wsheap/enable", "1"));
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_CREATE, &c));
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_ALLOC, &al));
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_RESET, &rs));
	ASSERT_EQ(0, ioctl(self->fd, WSHEAP_IOC_DESTROY, &d));
	ASSERT_EQ(0, put(TRACING "events/wsheap/enable", "0"));
	trace = slurp(TRACING "trace");
	ASSERT_NE(NULL, trace);
	EXPECT_NE(NULL, strstr(trace, "wsheap_create: heap="));
	EXPECT_NE(NULL, strstr(trace, "max=77 "));
	EXPECT_NE(NULL, strstr(trace, "wsheap_alloc: heap="));
	EXPECT_NE(NULL, strstr(trace, "size=100 "));
	EXPECT_NE(NULL, strstr(trace, "wsheap_reset: heap="));
	EXPECT_NE(NULL, strstr(trace, "generation=1 "));
	EXPECT_NE(NULL, strstr(trace, "wsheap_destroy: heap="));
}

TEST_F(obs, wsheapctl_lists_the_heap)
{
	char cmd[128], out[8192];
	FILE *f;
	size_t n;

	if (access("/bin/wsheapctl", X_OK))
		SKIP(return, "wsheapctl is not installed in this guest");
	snprintf(cmd, sizeof(cmd), "/bin/wsheapctl list");
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	EXPECT_EQ(0, pclose(f));
	EXPECT_NE(NULL, strstr(out, "== heaps"));
	EXPECT_NE(NULL, strstr(out, "1.0 MiB"));	/* our max_size */
	snprintf(cmd, sizeof(cmd), "%d ", getpid());
	EXPECT_NE(NULL, strstr(out, cmd));
	EXPECT_NE(NULL, strstr(out, "max_heaps_per_context"));
}

TEST_HARNESS_MAIN
