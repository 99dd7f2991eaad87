// SPDX-License-Identifier: MIT
/*
 * The table of implementations and what the peers need process-wide.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>

#include <apr_general.h>
#include <apr_version.h>
#include <jemalloc/jemalloc.h>
#include <mimalloc.h>
#include <talloc.h>

#include "impl.h"

/* The rows of the allocation workloads; the limit first, then wsheap. */
const struct impl *const impls[] = {
	&impl_bump, &impl_wsheap, &impl_memfd, &impl_wsalloc, &impl_malloc,
	&impl_obstack, &impl_mimalloc, &impl_jemalloc, &impl_talloc, &impl_apr,
};
const size_t nimpls = sizeof(impls) / sizeof(impls[0]);

/*
 * jemalloc and mimalloc both define malloc; the program is linked with libc
 * ahead of them so that malloc stays glibc's, for the malloc, obstack,
 * talloc and APR figures.  Check that it did.
 */
static void check_malloc_is_glibc(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	CHECK(libc && dlsym(RTLD_DEFAULT, "malloc") == dlsym(libc, "malloc") &&
	      dlsym(RTLD_DEFAULT, "free") == dlsym(libc, "free"),
	      "malloc is not glibc's: check the link order (-lc before -ljemalloc -lmimalloc)");
}

/*
 * Every allocator keeps the memory it got across releases, as wsheap does
 * with a trim size that covers a run: glibc does not trim its heap
 * (M_TRIM_THRESHOLD) nor mmap blocks up to 32 MiB, mimalloc does not decommit, jemalloc arenas do not
 * decay (impl_jemalloc.c); APR and talloc pools keep theirs anyway.
 * Otherwise the figures would mostly measure page faults, which in TCG
 * cost tens of microseconds (firsttouch64m measures those on purpose).
 */
void peers_init(void)
{
	check_malloc_is_glibc();
	CHECK(mallopt(M_TRIM_THRESHOLD, 1 << 30), "mallopt");
	/*
	 * Setting the trim threshold also fixes the mmap threshold at 128 KiB:
	 * raise it to glibc's largest, so that blocks up to 32 MiB (obstack's
	 * and realloc's growing buffers) stay in the heap too, not fresh
	 * mmaps faulted in on every run.
	 */
	CHECK(mallopt(M_MMAP_THRESHOLD, 32 << 20), "mallopt");
	mi_option_disable(mi_option_allow_decommit);
	CHECK(apr_initialize() == APR_SUCCESS, "apr_initialize");
}

void peers_settle(void)
{
	malloc_trim(0);
	mi_option_enable(mi_option_allow_decommit);
	mi_collect(true);
	mi_option_disable(mi_option_allow_decommit);
}

const char *peers_versions(void)
{
	static char buf[160];

	snprintf(buf, sizeof(buf),
		 "glibc %s, mimalloc %d, jemalloc %s, talloc %d.%d, apr %s",
		 gnu_get_libc_version(), mi_version(), JEMALLOC_VERSION,
		 talloc_version_major(), talloc_version_minor(),
		 apr_version_string());
	return buf;
}
