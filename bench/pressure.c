// SPDX-License-Identifier: MIT
/*
 * Memory pressure for steady_pressure: the program moves itself into a
 * memory cgroup of its own, and a thread asks that cgroup to reclaim
 * (memory.reclaim) again and again while the rows run.  The guest has no
 * swap, so what reclaim can take is page cache and what shrinkers give:
 * among them wsheap's kept pages (issue 12's memcg-aware shrinker).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pressure.h"

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_DIR	CG_ROOT "/wsheap_bench"

static pthread_t thread;
static volatile int stop;
static uint64_t writes;

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int move_self(const char *dir)
{
	char path[128], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return write_str(path, pid);
}

/* 1 MiB at a time, every 2 ms: EAGAIN (less was reclaimable) is normal. */
static void *reclaimer(void *arg)
{
	const struct timespec gap = { 0, 2000000 };

	(void)arg;
	while (!stop) {
		write_str(CG_DIR "/memory.reclaim", "1M");
		writes++;
		nanosleep(&gap, NULL);
	}
	return NULL;
}

int pressure_enter(char *why, size_t len)
{
	int ret;

	write_str(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG_DIR, 0755) && errno != EEXIST) {
		snprintf(why, len, "mkdir %s: %s", CG_DIR, strerror(errno));
		return -1;
	}
	if (access(CG_DIR "/memory.reclaim", W_OK)) {
		snprintf(why, len, "no memory.reclaim in %s", CG_DIR);
		rmdir(CG_DIR);
		return -1;
	}
	ret = move_self(CG_DIR);
	if (ret) {
		snprintf(why, len, "cannot move into %s: %s", CG_DIR,
			 strerror(-ret));
		rmdir(CG_DIR);
		return -1;
	}
	return 0;
}

void pressure_start(void)
{
	stop = 0;
	writes = 0;
	CHECK(!pthread_create(&thread, NULL, reclaimer, NULL),
	      "pthread_create");
}

uint64_t pressure_stop(void)
{
	stop = 1;
	pthread_join(thread, NULL);
	return writes;
}

void pressure_leave(void)
{
	int i;

	move_self(CG_ROOT);
	/* charges can go lazily: the directory goes when they have */
	for (i = 0; i < 20 && rmdir(CG_DIR) && errno == EBUSY; i++)
		usleep(50000);
}

/*
 * Bytes wsheap's shrinker took from this process's heaps: the "reclaimed"
 * column of debugfs's heap list, for the rows whose pid is ours.
 */
int64_t pressure_reclaimed(void)
{
	FILE *f = fopen("/sys/kernel/debug/wsheap/heaps", "r");
	char line[512], *tok, *save;
	int col, pid_col = -1, rec_col = -1;
	int64_t sum = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	for (col = 0, tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save), col++) {
		if (!strcmp(tok, "pid"))
			pid_col = col;
		else if (!strcmp(tok, "reclaimed"))
			rec_col = col;
	}
	while (pid_col >= 0 && rec_col >= 0 && fgets(line, sizeof(line), f)) {
		long long pid = -1, rec = 0;

		for (col = 0, tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save), col++) {
			if (col == pid_col)
				pid = strtoll(tok, NULL, 0);
			else if (col == rec_col)
				rec = strtoll(tok, NULL, 0);
		}
		if (pid == getpid())
			sum += rec;
	}
	fclose(f);
	return pid_col >= 0 && rec_col >= 0 ? sum : -1;
}
