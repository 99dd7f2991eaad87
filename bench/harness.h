/* SPDX-License-Identifier: MIT */
/*
 * The timing harness of wsheap_bench: samples, interleaved runs and the
 * raw output.  The program prints measurements only, one JSON object a line
 * after the marker "@@JSON " (the guest's serial output carries other
 * lines too); bench/report.py computes medians, ratios, targets and tables.
 *
 * A run of a row is one call of its rep(): the function times its own work
 * with sample_start()/sample_stop(), which read the clock innermost, so the
 * fault counters they read lie outside the timed interval.  The harness
 * calls rep() through a pointer, once per run; nothing inside a timed loop
 * is an indirect call.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KiB		(1024ULL)
#define MiB		(1024ULL * 1024)
#define PAGE		4096ULL

#define MAX_RUNS	16

void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

#define CHECK(cond, ...) do { \
	if (__builtin_expect(!(cond), 0)) \
		die(__VA_ARGS__); \
} while (0)

/* Write one word into each allocation: the memory is really used. */
#define TOUCH(p, v)	(*(volatile uint64_t *)(p) = (uint64_t)(v))

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void *xmalloc(size_t n);

/* Bytes resident in the process now (/proc/self/statm). */
uint64_t rss_bytes(void);

/**
 * struct sample - one timed run
 * @ns: the timed interval
 * @minflt: the process's minor + major faults in it (getrusage), which
 *	include faults taken for the kernel's get_user_pages (MADV_POPULATE_*)
 * @ownflt: page faults the program's own instructions took in it (the
 *	perf software event, which does not count GUP's), or -1
 * @extra: a row-specific figure (e.g. bytes kept after a reset), or -1
 */
struct sample {
	uint64_t ns;
	int64_t minflt;
	int64_t ownflt;
	double extra;
	/* private */
	int64_t minflt0, ownflt0;
};

void sample_start(struct sample *s);
void sample_stop(struct sample *s);
/* The program's own page faults so far (perf software event), or -1. */
int64_t own_faults(void);

typedef void rep_fn(void *arg, struct sample *s);

/**
 * struct row - one implementation's part in a workload
 * @impl: its name in the results
 * @rep: one run
 * @arg: for @rep
 * @note: what a run does, for the results
 * @extra_name: what struct sample's extra means for this row, or NULL
 */
struct row {
	const char *impl;
	rep_fn *rep;
	void *arg;
	char note[192];
	const char *extra_name;
	/* private */
	struct sample s[MAX_RUNS];
};

/* Units of a workload's figure (report.py knows which way is better). */
#define UNIT_NS_PER_OP	"ns_per_op"
#define UNIT_MIB_PER_S	"mib_per_s"

/**
 * measure() - run rows of one workload, interleaved, and print their samples
 * @workload: its name
 * @unit: UNIT_NS_PER_OP (each run's ns divided by @n) or UNIT_MIB_PER_S
 *	(@n bytes per run)
 * @warm: unmeasured rounds first
 * @runs: measured rounds (at most MAX_RUNS)
 * @n: operations (or bytes) per run
 * @rows: the rows
 * @count: how many
 *
 * Each round runs every row once, so whatever else the shared host does
 * falls on all of them alike.
 */
void measure(const char *workload, const char *unit, int warm, int runs,
	     uint64_t n, struct row *rows, int count);

/* A figure measured once (a count, bytes, a ratio): printed as is. */
void emit_value(const char *workload, const char *impl, const char *unit,
		double value, const char *note);

/* Raw samples of a diagnostic (a breakdown of a result), in @unit. */
void emit_diag(const char *name, const char *unit, const double *v, size_t n,
	       const char *detail);

/* A row that could not run in this build or guest, and why. */
void emit_skip(const char *workload, const char *impl, const char *why);

/* "@@JSON {"kind": "info", "key": ..., "value": ...}" */
void emit_info(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Options of the run: quick mode; the rows to run (NULL: all). */
extern bool quick;
extern const char *only_rows;
/* Is @name in the comma-separated @list (a NULL list has everything)? */
bool in_list(const char *list, const char *name);
/* The smaller count in quick mode. */
#define QN(full, q)	(quick ? (q) : (full))
/* Measured rounds of a workload. */
int runs_for(int full);

#endif /* BENCH_HARNESS_H */
