// SPDX-License-Identifier: GPL-2.0
/*
 * A program built with the 1.0 headers: it inlines layout 1 and binds to
 * LIBWSHEAP_1.0 only.  Allocates until the quota says no.
 * Exit: 0 all went as 1.0 promised, 1 wrong result, 3 no heap (no
 * /dev/wsheap here: the library loaded and the symbols bound).
 */
#include <errno.h>
#include <stdio.h>

#include "wsheap_v1.h"

int wsheap_create(void *ctx, uint64_t max_size, uint64_t trim_size,
		  unsigned int flags, struct wsheap **heapp);
int wsheap_free(struct wsheap *heap);

int main(void)
{
	struct wsheap *h;
	void *p, *q;
	int i, ret;

	ret = wsheap_create(NULL, 800, 0, 0, &h);
	if (ret) {
		printf("v1_client: no heap (%d)\n", ret);
		return 3;
	}
	for (i = 0; i < 100; i++) {
		if (v1_alloc(h, 8, &p) || (i && (char *)p != (char *)q + 8))
			return 1;
		q = p;
	}
	if (v1_alloc(h, 1, &p) != -ENOSPC ||
	    __wsheap_alloc_slow(NULL, 8, 8, &p) != -EINVAL)
		return 1;
	wsheap_free(h);
	printf("v1_client: ok\n");
	return 0;
}
