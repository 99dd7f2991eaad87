// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: every context and heap, and the totals, readable without
 * writing code in /sys/kernel/debug/wsheap/{contexts,heaps,stats}.  The
 * wsheapctl tool formats them.  Each file starts with a header line naming
 * its columns, so tools can rely on names rather than positions.  This file
 * only reads: the registry (wsheap_registry.c) owns the lists.
 */
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>

#include "wsheap_internal.h"

static struct dentry *wsheap_debugfs_dir;

static void contexts_show_one(struct wsheap_context *ctx, void *m)
{
	seq_printf(m, "%llu %d %u %lld\n", ctx->id, ctx->pid,
		   READ_ONCE(ctx->nr_heaps),
		   atomic64_read(&ctx->account->committed));
}

static int contexts_show(struct seq_file *m, void *unused)
{
	seq_puts(m, "context pid heaps committed\n");
	wsheap_registry_visit_contexts(contexts_show_one, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(contexts);

static void heaps_show_one(struct wsheap_heap *heap, void *m)
{
	struct wsheap_info info;

	wsheap_heap_info(heap, &info);
	seq_printf(m, "%llu %d %llu %llu %llu %llu %llu %llu %llu %llu %d %u %#x %s %llu %llu\n",
		   heap->id, heap->pid, heap->owner_id, info.max_size,
		   info.trim_size, info.requested, info.committed,
		   info.resident, info.cursor, info.generation,
		   atomic_read(&heap->users), READ_ONCE(heap->pins),
		   info.flags, READ_ONCE(heap->dead) ? "dead" : "live",
		   info.held, info.reclaimed);
}

static int heaps_show(struct seq_file *m, void *unused)
{
	seq_puts(m, "heap pid context max_size trim_size requested committed resident cursor generation users pins flags state held reclaimed\n");
	wsheap_registry_visit_heaps(heaps_show_one, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heaps);

struct wsheap_totals {
	unsigned long contexts;
	unsigned long heaps;
	unsigned long resident;
};

static void stats_count_context(struct wsheap_context *ctx, void *arg)
{
	((struct wsheap_totals *)arg)->contexts++;
}

static void stats_count_heap(struct wsheap_heap *heap, void *arg)
{
	struct wsheap_totals *t = arg;

	t->heaps++;
	t->resident += wsheap_store_resident(heap);
}

static int stats_show(struct seq_file *m, void *unused)
{
	struct wsheap_totals t = {};

	wsheap_registry_visit_contexts(stats_count_context, &t);
	wsheap_registry_visit_heaps(stats_count_heap, &t);
	seq_printf(m, "contexts %lu\n", t.contexts);
	seq_printf(m, "heaps %lu\n", t.heaps);
	seq_printf(m, "committed %lld\n", atomic64_read(&wsheap_committed_total));
	seq_printf(m, "resident %lu\n", t.resident << PAGE_SHIFT);
	seq_printf(m, "max_bytes_total %llu\n", READ_ONCE(wsheap_max_bytes_total));
	seq_printf(m, "max_bytes_per_context %llu\n",
		   READ_ONCE(wsheap_max_bytes_per_context));
	seq_printf(m, "max_heaps_per_context %u\n",
		   READ_ONCE(wsheap_max_heaps_per_context));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/**
 * wsheap_debugfs_init() - create /sys/kernel/debug/wsheap
 *
 * Failure is not fatal: the module works without its debugfs files.
 *
 * Context: module init.
 */
void wsheap_debugfs_init(void)
{
	wsheap_debugfs_dir = debugfs_create_dir("wsheap", NULL);
	debugfs_create_file("contexts", 0400, wsheap_debugfs_dir, NULL,
			    &contexts_fops);
	debugfs_create_file("heaps", 0400, wsheap_debugfs_dir, NULL,
			    &heaps_fops);
	debugfs_create_file("stats", 0400, wsheap_debugfs_dir, NULL,
			    &stats_fops);
}

/**
 * wsheap_debugfs_exit() - remove it
 *
 * Context: module exit.
 */
void wsheap_debugfs_exit(void)
{
	debugfs_remove_recursive(wsheap_debugfs_dir);
}
