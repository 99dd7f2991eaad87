// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: every context and heap, and the totals, readable without
 * writing code in /sys/kernel/debug/wsheap/{contexts,heaps,stats}.  The
 * wsheapctl tool formats them.  Each file starts with a header line naming
 * its columns, so tools can rely on names rather than positions.
 */
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "wsheap_internal.h"

static struct dentry *wsheap_debugfs_dir;
static LIST_HEAD(wsheap_contexts);
static LIST_HEAD(wsheap_heaps);
/* Protects both lists; taken before any heap->lock. */
static DEFINE_MUTEX(wsheap_lists_lock);
static u64 wsheap_next_context_id;

/**
 * wsheap_debugfs_add_context() - list a new context
 * @ctx: the context; also gets its id here
 */
void wsheap_debugfs_add_context(struct wsheap_context *ctx)
{
	mutex_lock(&wsheap_lists_lock);
	ctx->id = ++wsheap_next_context_id;
	list_add_tail(&ctx->node, &wsheap_contexts);
	mutex_unlock(&wsheap_lists_lock);
}

/**
 * wsheap_debugfs_del_context() - unlist a context before it is freed
 * @ctx: the context
 */
void wsheap_debugfs_del_context(struct wsheap_context *ctx)
{
	mutex_lock(&wsheap_lists_lock);
	list_del(&ctx->node);
	mutex_unlock(&wsheap_lists_lock);
}

/**
 * wsheap_debugfs_add_heap() - list a new heap
 * @heap: the heap
 */
void wsheap_debugfs_add_heap(struct wsheap_heap *heap)
{
	mutex_lock(&wsheap_lists_lock);
	list_add_tail(&heap->node, &wsheap_heaps);
	mutex_unlock(&wsheap_lists_lock);
}

/**
 * wsheap_debugfs_del_heap() - unlist a heap before it is freed
 * @heap: the heap
 */
void wsheap_debugfs_del_heap(struct wsheap_heap *heap)
{
	mutex_lock(&wsheap_lists_lock);
	list_del(&heap->node);
	mutex_unlock(&wsheap_lists_lock);
}

static int contexts_show(struct seq_file *m, void *unused)
{
	struct wsheap_context *ctx;

	seq_puts(m, "context pid heaps committed\n");
	mutex_lock(&wsheap_lists_lock);
	list_for_each_entry(ctx, &wsheap_contexts, node)
		seq_printf(m, "%llu %d %u %lld\n", ctx->id, ctx->pid,
			   READ_ONCE(ctx->nr_heaps),
			   atomic64_read(&ctx->committed));
	mutex_unlock(&wsheap_lists_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(contexts);

static int heaps_show(struct seq_file *m, void *unused)
{
	struct wsheap_heap *heap;
	struct wsheap_info info;

	seq_puts(m, "heap pid context max_size trim_size requested committed resident cursor generation users pins flags state\n");
	mutex_lock(&wsheap_lists_lock);
	list_for_each_entry(heap, &wsheap_heaps, node) {
		wsheap_heap_info(heap, &info);
		seq_printf(m, "%llu %d %llu %llu %llu %llu %llu %llu %llu %llu %d %u %#x %s\n",
			   heap->id, heap->pid, heap->owner->id,
			   info.max_size, info.trim_size, info.requested,
			   info.committed, info.resident, info.cursor,
			   info.generation, atomic_read(&heap->users),
			   READ_ONCE(heap->pins), info.flags,
			   READ_ONCE(heap->dead) ? "dead" : "live");
	}
	mutex_unlock(&wsheap_lists_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heaps);

static int stats_show(struct seq_file *m, void *unused)
{
	unsigned long contexts = 0, heaps = 0, resident = 0;
	struct wsheap_context *ctx;
	struct wsheap_heap *heap;

	mutex_lock(&wsheap_lists_lock);
	list_for_each_entry(ctx, &wsheap_contexts, node)
		contexts++;
	list_for_each_entry(heap, &wsheap_heaps, node) {
		heaps++;
		resident += atomic_long_read(&heap->resident);
	}
	mutex_unlock(&wsheap_lists_lock);

	seq_printf(m, "contexts %lu\n", contexts);
	seq_printf(m, "heaps %lu\n", heaps);
	seq_printf(m, "committed %lld\n", atomic64_read(&wsheap_committed_total));
	seq_printf(m, "resident %lu\n", resident << PAGE_SHIFT);
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
 */
void wsheap_debugfs_exit(void)
{
	debugfs_remove_recursive(wsheap_debugfs_dir);
}
