/* SPDX-License-Identifier: MIT */
/* Memory pressure on the program's own memory cgroup: see pressure.c. */
#ifndef BENCH_PRESSURE_H
#define BENCH_PRESSURE_H

#include <stddef.h>
#include <stdint.h>

/* Move into the bench cgroup: 0, or -1 with the reason in @why. */
int pressure_enter(char *why, size_t len);
/* The reclaiming thread: start it; stop it (returns its writes). */
void pressure_start(void);
uint64_t pressure_stop(void);
/* Back to the root cgroup; the bench cgroup goes. */
void pressure_leave(void);
/* Bytes the shrinker took from this process's heaps, or -1. */
int64_t pressure_reclaimed(void);

#endif /* BENCH_PRESSURE_H */
