// SPDX-License-Identifier: GPL-2.0
/*
 * A program built with the current <wsheap.h>: it inlines contract 3
 * (WSHEAP_INLINE_ABI) and so needs LIBWSHEAP_1.3.
 * Exit: 0 allocated, 1 wrong result, 3 no heap (no /dev/wsheap here: the
 * library loaded and the symbols bound).
 */
#include <stdio.h>
#include <wsheap.h>

int main(void)
{
	struct wsheap *h;
	void *p;
	int ret;

	ret = wsheap_create(NULL, 800, 0, 0, &h);
	if (ret) {
		printf("v2_client: no heap (%d)\n", ret);
		return 3;
	}
	ret = wsheap_alloc(h, 8, &p);
	wsheap_free(h);
	printf("v2_client: %s\n", ret ? "failed" : "ok");
	return ret ? 1 : 0;
}
