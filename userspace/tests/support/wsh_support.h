/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wsheap test-support library: what every suite needs beyond the raw
 * ioctl wrappers of tests/include/wsh_ioctl.h, compiled once per suite
 * (support.mk) and linked into each of its programs, as selftests/mm links
 * vm_util.c: files and module parameters, the clock, SCM_RIGHTS, byte
 * patterns, and children that may die of a signal.  Nothing here uses the
 * kselftest harness (the reliability programs print their own TAP); the
 * harness suites add theirs in tests/abi/wsheap_test_util.h.
 *
 * Every helper returns 0 (or a value) or a negative errno.
 */
#ifndef WSH_SUPPORT_H
#define WSH_SUPPORT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <sys/types.h>

#include "wsh_ioctl.h"

#define WSH_PARAM_DIR	"/sys/module/wsheap/parameters/"
#define WSH_DEBUGFS_STATS	"/sys/kernel/debug/wsheap/stats"

__u64 wsh_ps(void);
int wsh_open(void);

/* Is @fd close-on-exec: 1, 0, or -errno. */
int wsh_cloexec(int fd);

/* ---- files (sysfs, debugfs, procfs knobs) and module parameters ---- */

/* Read @path into @buf (NUL-terminated, trailing newline and blanks cut). */
int wsh_read_file(const char *path, char *buf, size_t size);
/* Write all of @val to @path. */
int wsh_write_file(const char *path, const char *val);
int wsh_param_read(const char *name, char *buf, size_t size);
int wsh_param_write(const char *name, const char *val);
int wsh_param_read_u64(const char *name, __u64 *val);
int wsh_param_write_u64(const char *name, __u64 val);

/* ---- time ---- */

__u64 wsh_now_ns(void);		/* CLOCK_MONOTONIC */
void wsh_sleep_us(unsigned int us);	/* restarted after signals */
void wsh_sleep_ms(unsigned int ms);

/* ---- SCM_RIGHTS ---- */

/* Send @len bytes and the descriptor @fd with them (none if @fd < 0). */
int wsh_send_fd(int sock, int fd, const void *data, size_t len, int flags);
/*
 * Receive a message and at most one descriptor (*@fd, -1 if none came; a
 * descriptor arrives close-on-exec): the bytes read, or -errno.
 */
ssize_t wsh_recv_fd(int sock, int *fd, void *data, size_t len, int flags);

/* ---- byte patterns: position- and seed-dependent, rarely zero ---- */

/* The byte wsh_fill() puts at index @i. */
unsigned char wsh_pat_at(size_t i, unsigned int seed);
void wsh_fill(void *p, size_t len, unsigned int seed);
/* Index of the first byte not matching the pattern, or -1. */
long wsh_check(const void *p, size_t len, unsigned int seed);
/* Index of the first non-zero byte, or -1. */
long wsh_nonzero(const void *p, size_t len);

/* ---- children ---- */

/*
 * In a forked child, which must not use the harness's ASSERT/EXPECT: when
 * @cond is false, say which check failed on stderr and return 1 (the exit
 * code the parent asserts on).
 */
#define CK(cond) do {							\
	if (!(cond)) {							\
		fprintf(stderr, "# child %s:%d: %s (errno %d: %s)\n",	\
			__func__, __LINE__, #cond, errno, strerror(errno)); \
		return 1;						\
	}								\
} while (0)

/* fork() with the default SIGBUS/SIGSEGV dispositions in the child. */
pid_t wsh_fork(void);
/*
 * Run @fn(@arg) in a forked child that exits with its return value.
 * Returns the raw wait status, or -1 if fork/wait failed.
 */
int wsh_child(int (*fn)(void *), void *arg);
/* What a wait status means, for asserts: exit code, or 1000 + signal. */
int wsh_status_code(int status);
#define WSH_KILLED_BY(sig)	(1000 + (sig))
/* Wait for @pid: wsh_status_code() of how it ended, -1 if waiting failed. */
int wsh_wait_pid(pid_t pid);
/* Run @fn(@arg) in a forked child: wsh_wait_pid() of it (0: it returned 0). */
int wsh_in_child(int (*fn)(int), int arg);
/*
 * Fork a child that runs @fn(its end of a new AF_UNIX stream socket pair)
 * and exits with its result; *@sock is the caller's end.  The child's pid,
 * or -1 (nothing left open).
 */
pid_t wsh_fork_peer(int (*fn)(int sock), int *sock);
/*
 * Touch one byte in a child.  Returns 0 if the access worked, the signal
 * number that killed the child otherwise (SIGBUS expected), -1 on error.
 * A write lands in the shared page (0x5a): only write where that does not
 * matter or where a fault is expected.
 */
int wsh_touch(const volatile void *p, bool write);

/* ---- sharing ---- */

/*
 * A heap of @pages committed pages in context @fd (*@c), mapped read-write
 * at *@map and filled with pattern @seed (wsh_fill()).
 */
int wsh_filled_heap(int fd, size_t pages, unsigned int seed,
		    struct wsheap_create *c, unsigned char **map);
/*
 * wsh_filled_heap(), the start of most sharing tests, and an EXPORT of the
 * heap with @flags in *@efd.
 */
int wsh_exported_heap(int fd, size_t pages, unsigned int seed, __u32 flags,
		      struct wsheap_create *c, unsigned char **map, int *efd);

#endif /* WSH_SUPPORT_H */
