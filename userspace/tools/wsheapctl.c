// SPDX-License-Identifier: MIT
/*
 * wsheapctl: list wsheap's contexts and heaps and its totals, from
 * /sys/kernel/debug/wsheap (root, debugfs mounted).
 *
 *   wsheapctl [list]     contexts, then heaps, then totals
 *   wsheapctl contexts | heaps | stats
 *
 * The debugfs files name their columns in a header line; wsheapctl looks
 * columns up by name, so new columns do not break it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR_PATH	"/sys/kernel/debug/wsheap"
#define MAX_COLS	32

static const char *human(unsigned long long v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	double d = (double)v;
	int u = 0;

	if (v == ~0ULL) {
		snprintf(buf, len, "unlimited");
		return buf;
	}
	while (d >= 1024 && u < 6) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", d, unit[u]);
	return buf;
}

static int split(char *line, char **cols)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(line, " \n", &save); tok && n < MAX_COLS;
	     tok = strtok_r(NULL, " \n", &save))
		cols[n++] = tok;
	return n;
}

static FILE *open_file(const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), DIR_PATH "/%s", name);
	f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "wsheapctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is wsheap loaded and debugfs mounted?)" : "");
	return f;
}

/* Print the table NAME, columns WANT (header names), sizes in SIZES. */
static int table(const char *name, const char *const *want, int nwant,
		 const char *sizes)
{
	char line[1024], buf[32], *head[MAX_COLS], *cols[MAX_COLS];
	char header[1024];
	int idx[MAX_COLS], nhead, n, i, j, rows = 0;
	FILE *f = open_file(name);

	if (!f)
		return 1;
	if (!fgets(header, sizeof(header), f)) {
		fclose(f);
		return 1;
	}
	nhead = split(header, head);
	for (i = 0; i < nwant; i++) {
		idx[i] = -1;
		for (j = 0; j < nhead; j++)
			if (!strcmp(head[j], want[i]))
				idx[i] = j;
		printf("%-14s", want[i]);
	}
	printf("\n");
	while (fgets(line, sizeof(line), f)) {
		n = split(line, cols);
		for (i = 0; i < nwant; i++) {
			const char *v = idx[i] >= 0 && idx[i] < n ? cols[idx[i]] : "-";

			if (strstr(sizes, want[i]) && strcmp(v, "-"))
				v = human(strtoull(v, NULL, 0), buf, sizeof(buf));
			printf("%-14s", v);
		}
		printf("\n");
		rows++;
	}
	fclose(f);
	if (!rows)
		printf("(none)\n");
	return 0;
}

static int contexts(void)
{
	static const char *const want[] = { "context", "pid", "heaps",
					    "committed" };

	printf("== contexts\n");
	return table("contexts", want, 4, " committed ");
}

static int heaps(void)
{
	static const char *const want[] = { "heap", "pid", "context",
		"max_size", "trim_size", "requested", "committed", "resident",
		"generation", "users", "state" };

	printf("== heaps\n");
	return table("heaps", want, 11,
		     " max_size trim_size requested committed resident ");
}

static int stats(void)
{
	char line[256], buf[32], key[64];
	unsigned long long v;
	FILE *f = open_file("stats");

	if (!f)
		return 1;
	printf("== totals\n");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", key, &v) != 2)
			continue;
		if (strstr(key, "bytes") || !strcmp(key, "committed") ||
		    !strcmp(key, "resident"))
			printf("%-24s %s\n", key, human(v, buf, sizeof(buf)));
		else
			printf("%-24s %llu\n", key, v);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "list";

	if (!strcmp(cmd, "list"))
		return contexts() | heaps() | stats();
	if (!strcmp(cmd, "contexts"))
		return contexts();
	if (!strcmp(cmd, "heaps"))
		return heaps();
	if (!strcmp(cmd, "stats"))
		return stats();
	fprintf(stderr, "usage: wsheapctl [list|contexts|heaps|stats]\n");
	return 2;
}
