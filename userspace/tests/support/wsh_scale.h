/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How big the long loops of a test run: the guest plan sets
 * WSHEAP_TEST_SCALE=N on a slow kernel (the debug one: KASAN, lockdep,
 * kmemleak) and such loops then run 1/N of their count.  The checks stay
 * the same; only the number of rounds shrinks.  Header-only, so that every
 * suite can use it, whatever it links.
 */
#ifndef WSH_SCALE_H
#define WSH_SCALE_H

#include <stdio.h>
#include <stdlib.h>

/* @n rounds divided by WSHEAP_TEST_SCALE (unset or below 1: 1), at least 1. */
static inline long wsh_scaled(long n)
{
	const char *s = getenv("WSHEAP_TEST_SCALE");
	long div = s ? strtol(s, NULL, 10) : 1;

	if (div > 1)
		n /= div;
	return n > 0 ? n : 1;
}

/*
 * A heap count beyond the module's max_heaps_per_context (a quarter more),
 * so that a test spills into a second context whatever limit the module was
 * loaded with; @dflt where the parameter cannot be read.
 */
static inline int wsh_beyond_heap_limit(int dflt)
{
	FILE *f = fopen("/sys/module/wsheap/parameters/max_heaps_per_context", "re");
	long limit = 0;

	if (f) {
		if (fscanf(f, "%ld", &limit) != 1)
			limit = 0;
		fclose(f);
	}
	return limit > 0 && limit < dflt ? (int)(limit + limit / 4 + 1) : dflt;
}

#endif /* WSH_SCALE_H */
