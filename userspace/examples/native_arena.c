// SPDX-License-Identifier: MIT
/*
 * native_arena - the native API of libwsheap: build a list of words per
 * input line on a heap, print it, and reset the heap for the next line.
 * At the end, print the library's and the kernel's view of the heap.
 *
 *   printf 'a few words\nand some more\n' | native_arena
 *
 * Build: cc native_arena.c $(pkg-config --cflags --libs wsheap)
 */
#include <wsheap.h>

#include <stdio.h>
#include <string.h>

struct word {
	struct word *next;
	size_t len;
	char text[];
};

int main(void)
{
	struct wsheap_stats st;
	struct wsheap_info in;
	struct word *head, **tail, *w;
	struct wsheap *heap;
	char line[4096];
	unsigned long lines = 0;
	int ret;

	/* 1 MiB per line at most; keep 64 KiB committed across resets. */
	ret = wsheap_create(NULL, 1 << 20, 64 << 10, 0, &heap);
	if (ret) {
		fprintf(stderr, "wsheap_create: %s\n", wsheap_strerror(ret));
		return 1;
	}

	while (fgets(line, sizeof(line), stdin)) {
		char *save = NULL, *tok;

		head = NULL;
		tail = &head;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			size_t len = strlen(tok);

			ret = wsheap_alloc(heap, sizeof(*w) + len + 1, (void **)&w);
			if (ret) {
				fprintf(stderr, "wsheap_alloc: %s\n", wsheap_strerror(ret));
				goto out;
			}
			w->next = NULL;
			w->len = len;
			memcpy(w->text, tok, len + 1);
			*tail = w;
			tail = &w->next;
		}
		printf("%lu:", ++lines);
		for (w = head; w; w = w->next)
			printf(" [%s]", w->text);
		printf("\n");

		ret = wsheap_reset(heap);	/* every word of the line at once */
		if (ret) {
			fprintf(stderr, "wsheap_reset: %s\n", wsheap_strerror(ret));
			goto out;
		}
	}

	wsheap_stats(heap, &st);
	printf("library: %llu resets, %llu ioctls, %llu mmaps, %llu windows\n",
	       (unsigned long long)st.generation, (unsigned long long)st.ioctls,
	       (unsigned long long)st.mmaps, (unsigned long long)st.windows);
	if (!wsheap_get_info(heap, &in))
		printf("kernel: committed %llu, resident %llu, generation %llu\n",
		       (unsigned long long)in.committed,
		       (unsigned long long)in.resident,
		       (unsigned long long)in.generation);
out:
	wsheap_free(heap);
	return ret ? 1 : 0;
}
