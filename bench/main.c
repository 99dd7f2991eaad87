// SPDX-License-Identifier: MIT
/*
 * wsheap_bench: `make bench`'s one program.  It measures wsheap (the native
 * API of libwsheap and its WWSAPI face, WsAlloc), the memfd arena a kernel
 * engineer would build instead, a bare bump pointer (the limit) and the
 * malloc-family peers (glibc malloc and obstack, mimalloc heaps, jemalloc
 * arenas, talloc and APR pools) in one run: allocation, release, trimmed
 * release, first touch, growing buffers, the ioctl path, sharing between
 * processes, dma-bufs, in-kernel allocation (the wsheap_bench module), and
 * counts.
 *
 * It prints raw measurements only, as "@@JSON {...}" lines (harness.h);
 * bench/report.py turns them into medians, ratios, targets and tables.
 * The exit status is 0 unless something could not be measured at all.
 *
 *   wsheap_bench [-q] [-o WORKLOAD,...] [-r ROW,...]
 *     -q   quick: fewer runs and smaller counts (a smoke test, not a result)
 *     -o   only these workloads
 *     -r   only these rows (implementations) of them: for profiles
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"
#include "impl.h"
#include "wsheap.h"

static const struct {
	const char *name;
	void (*run)(void);
} workloads[] = {
	{ "alloc16", wl_alloc16 },
	{ "alloc64", wl_alloc64 },
	{ "fastpath64", wl_fastpath64 },
	{ "alloc256", wl_alloc256 },
	{ "alloc4096", wl_alloc4096 },
	{ "reset100k", wl_reset100k },
	{ "steady", wl_steady },
	{ "steady_pressure", wl_steady_pressure },
	{ "reset_trim64m", wl_reset_trim64m },
	{ "firsttouch64m", wl_firsttouch64m },
	{ "grow", wl_grow },
	{ "ioctl", wl_ioctl },
	{ "share256m", wl_share256m },
	{ "dmabuf32m", wl_dmabuf32m },
	{ "kalloc64", wl_kalloc64 },
	{ "syscalls1m", wl_syscalls1m },
	{ "resident_after_reset", wl_resident_after_reset },
	{ "overhead24", wl_overhead24 },
};

/* The first line of a file, or "?". */
static const char *first_line(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");

	strcpy(buf, "?");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	return buf;
}

static void print_info(void)
{
	char line[256], model[128] = "?", *c;
	struct utsname u;
	FILE *f;

	uname(&u);
	emit_info("kernel", "%s %s", u.release, u.version);
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "model name", 10) &&
			    (c = strchr(line, ':'))) {
				snprintf(model, sizeof(model), "%s", c + 2);
				model[strcspn(model, "\n")] = 0;
				break;
			}
		}
		fclose(f);
	}
	emit_info("cpu", "%s, %ld online", model,
		  sysconf(_SC_NPROCESSORS_ONLN));
	emit_info("memory_mib", "%ld",
		  (long)(sysconf(_SC_PHYS_PAGES) *
			 (sysconf(_SC_PAGESIZE) / 1024) / 1024));
	emit_info("thp", "%s",
		  first_line("/sys/kernel/mm/transparent_hugepage/enabled"));
	emit_info("shmem_thp", "%s",
		  first_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
	emit_info("spectre_v2", "%s",
		  first_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2"));
	emit_info("meltdown", "%s",
		  first_line("/sys/devices/system/cpu/vulnerabilities/meltdown"));
	emit_info("versions", "%s", peers_versions());
	emit_info("fault_counters", "%s",
		  own_faults() >= 0 ?
		  "minflt: getrusage (includes GUP faults); ownflt: perf PERF_COUNT_SW_PAGE_FAULTS (the program's own accesses)" :
		  "minflt: getrusage; ownflt: unavailable (no perf events)");
	emit_info("mode", "%s", quick ? "quick" : "full");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	struct wsheap_ctx *ctx;
	uint64_t t0 = now_ns(), t;
	size_t i;
	int opt, ret;

	while ((opt = getopt(argc, argv, "qo:r:")) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 'r':
			only_rows = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-q] [-o WORKLOAD,...] [-r ROW,...]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	peers_init();
	ret = wsheap_ctx_default(&ctx);
	CHECK(!ret, "cannot open %s: %s (is wsheap.ko loaded?)", WSHEAP_DEVICE,
	      strerror(-ret));
	print_info();
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		if (!in_list(only, workloads[i].name))
			continue;
		t = now_ns();
		workloads[i].run();
		emit_info("seconds", "%s %.1f", workloads[i].name,
			  (double)(now_ns() - t) / 1e9);
	}
	printf("@@JSON {\"kind\": \"done\", \"elapsed_s\": %.1f}\n",
	       (double)(now_ns() - t0) / 1e9);
	return 0;
}
