// SPDX-License-Identifier: MIT
/*
 * The timing harness: samples, interleaved rounds, the JSON lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

bool quick;
const char *only_rows;

bool in_list(const char *list, const char *name)
{
	const char *p = list;
	size_t len = strlen(name);

	if (!list)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "wsheap_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n);

	CHECK(p, "out of memory (%zu bytes)", n);
	return p;
}

uint64_t rss_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	CHECK(f, "/proc/self/statm");
	CHECK(fscanf(f, "%llu %llu", &size, &resident) == 2,
	      "/proc/self/statm: bad format");
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

int runs_for(int full)
{
	return quick ? 3 : full;
}

/* ---- fault counters -------------------------------------------------------- */

static int64_t rusage_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_minflt + (int64_t)ru.ru_majflt;
}

/*
 * PERF_COUNT_SW_PAGE_FAULTS counts the faults of the task's own accesses:
 * the kernel's fault accounting skips the perf event for faults taken on
 * behalf of get_user_pages (MADV_POPULATE_WRITE), which getrusage counts.
 */
static int perf_fd = -2;

int64_t own_faults(void)
{
	struct perf_event_attr a;
	uint64_t v;

	if (perf_fd == -2) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_PAGE_FAULTS;
		a.exclude_hv = 1;
		perf_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1,
				       PERF_FLAG_FD_CLOEXEC);
		if (perf_fd < 0)
			perf_fd = -1;
	}
	if (perf_fd < 0 || read(perf_fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return (int64_t)v;
}

void sample_start(struct sample *s)
{
	s->extra = -1;
	s->minflt0 = rusage_faults();
	s->ownflt0 = own_faults();
	s->ns = now_ns();
}

void sample_stop(struct sample *s)
{
	int64_t own;

	s->ns = now_ns() - s->ns;
	s->minflt = rusage_faults() - s->minflt0;
	own = own_faults();
	s->ownflt = own >= 0 && s->ownflt0 >= 0 ? own - s->ownflt0 : -1;
}

/* ---- output ----------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s >= ' ' ? *s : ' ', f);
	}
	fputc('"', f);
}

static void json_begin(const char *kind)
{
	printf("@@JSON {\"kind\": \"%s\"", kind);
}

static void json_key_str(const char *key, const char *v)
{
	printf(", \"%s\": ", key);
	json_str(stdout, v ? v : "");
}

static void json_end(void)
{
	printf("}\n");
	fflush(stdout);
}

void emit_info(const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_begin("info");
	json_key_str("key", key);
	json_key_str("value", buf);
	json_end();
}

void emit_value(const char *workload, const char *impl, const char *unit,
		double value, const char *note)
{
	json_begin("value");
	json_key_str("workload", workload);
	json_key_str("impl", impl);
	json_key_str("unit", unit);
	printf(", \"value\": %.10g", value);
	json_key_str("note", note);
	json_end();
	fprintf(stderr, "  %-22s %-22s %14.6g %s\n", workload, impl, value,
		unit);
}

void emit_diag(const char *name, const char *unit, const double *v, size_t n,
	       const char *detail)
{
	size_t i;

	json_begin("diag");
	json_key_str("name", name);
	json_key_str("unit", unit);
	printf(", \"samples\": [");
	for (i = 0; i < n; i++)
		printf("%s%.6g", i ? ", " : "", v[i]);
	printf("]");
	json_key_str("detail", detail);
	json_end();
}

void emit_skip(const char *workload, const char *impl, const char *why)
{
	json_begin("skip");
	json_key_str("workload", workload);
	json_key_str("impl", impl);
	json_key_str("why", why);
	json_end();
	fprintf(stderr, "  %-22s %-22s skipped: %s\n", workload, impl, why);
}

static void emit_samples(const char *workload, const char *unit, uint64_t n,
			 int runs, const struct row *r)
{
	int i;

	json_begin("result");
	json_key_str("workload", workload);
	json_key_str("impl", r->impl);
	json_key_str("unit", unit);
	printf(", \"n\": %llu, \"ns\": [", (unsigned long long)n);
	for (i = 0; i < runs; i++)
		printf("%s%llu", i ? ", " : "", (unsigned long long)r->s[i].ns);
	printf("], \"minflt\": [");
	for (i = 0; i < runs; i++)
		printf("%s%lld", i ? ", " : "", (long long)r->s[i].minflt);
	printf("], \"ownflt\": [");
	for (i = 0; i < runs; i++)
		printf("%s%lld", i ? ", " : "", (long long)r->s[i].ownflt);
	printf("]");
	if (r->extra_name) {
		json_key_str("extra_name", r->extra_name);
		printf(", \"extra\": [");
		for (i = 0; i < runs; i++)
			printf("%s%.10g", i ? ", " : "", r->s[i].extra);
		printf("]");
	}
	json_key_str("note", r->note);
	json_end();
}

/* A line on stderr for whoever watches the guest: the median run. */
static void progress(const char *workload, const char *unit, uint64_t n,
		     int runs, const struct row *r)
{
	uint64_t v[MAX_RUNS], t;
	int i, j;

	for (i = 0; i < runs; i++)
		v[i] = r->s[i].ns;
	for (i = 1; i < runs; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!strcmp(unit, UNIT_MIB_PER_S))
		fprintf(stderr, "  %-22s %-22s %12.1f MiB/s\n", workload,
			r->impl, ((double)n / MiB) / ((double)v[runs / 2] / 1e9));
	else
		fprintf(stderr, "  %-22s %-22s %12.1f ns/op\n", workload,
			r->impl, (double)v[runs / 2] / (double)n);
}

void measure(const char *workload, const char *unit, int warm, int runs,
	     uint64_t n, struct row *rows, int count)
{
	struct sample scratch;
	int i, j;

	CHECK(runs >= 1 && runs <= MAX_RUNS, "bad run count %d", runs);
	for (i = 0; i < warm; i++)
		for (j = 0; j < count; j++)
			if (in_list(only_rows, rows[j].impl))
				rows[j].rep(rows[j].arg, &scratch);
	for (i = 0; i < runs; i++)
		for (j = 0; j < count; j++)
			if (in_list(only_rows, rows[j].impl))
				rows[j].rep(rows[j].arg, &rows[j].s[i]);
	for (j = 0; j < count; j++) {
		if (!in_list(only_rows, rows[j].impl))
			continue;
		emit_samples(workload, unit, n, runs, &rows[j]);
		progress(workload, unit, n, runs, &rows[j]);
	}
}
