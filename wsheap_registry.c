// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: every live context and heap, so observers (debugfs,
 * wsheapctl) can list them.  Contexts get their ids here; a heap's id is its
 * inode number.  Nothing in wsheap depends on the registry to work.
 */
#include <linux/list.h>
#include <linux/mutex.h>

#include "wsheap_internal.h"

static LIST_HEAD(wsheap_contexts);
static LIST_HEAD(wsheap_heaps);
/* Protects both lists and the id counter; taken before any heap->lock. */
static DEFINE_MUTEX(wsheap_registry_lock);
static u64 wsheap_next_context_id;

/**
 * wsheap_registry_add_context() - list a new context and give it an id
 * @ctx: the context
 *
 * Context: process context; takes the registry mutex.
 */
void wsheap_registry_add_context(struct wsheap_context *ctx)
{
	mutex_lock(&wsheap_registry_lock);
	ctx->id = ++wsheap_next_context_id;
	list_add_tail(&ctx->node, &wsheap_contexts);
	mutex_unlock(&wsheap_registry_lock);
}

/**
 * wsheap_registry_del_context() - unlist a context before it is freed
 * @ctx: the context
 *
 * Context: process context; takes the registry mutex.
 */
void wsheap_registry_del_context(struct wsheap_context *ctx)
{
	mutex_lock(&wsheap_registry_lock);
	list_del(&ctx->node);
	mutex_unlock(&wsheap_registry_lock);
}

/**
 * wsheap_registry_add_heap() - list a new heap
 * @heap: the heap
 *
 * Context: process context; takes the registry mutex.
 */
void wsheap_registry_add_heap(struct wsheap_heap *heap)
{
	mutex_lock(&wsheap_registry_lock);
	list_add_tail(&heap->node, &wsheap_heaps);
	mutex_unlock(&wsheap_registry_lock);
}

/**
 * wsheap_registry_del_heap() - unlist a heap before it is freed
 * @heap: the heap
 *
 * Context: process context; takes the registry mutex.
 */
void wsheap_registry_del_heap(struct wsheap_heap *heap)
{
	mutex_lock(&wsheap_registry_lock);
	list_del(&heap->node);
	mutex_unlock(&wsheap_registry_lock);
}

/**
 * wsheap_registry_visit_contexts() - call a function on every context
 * @fn: called with the registry mutex held; may take a context's locks
 * @arg: passed to @fn
 *
 * Context: process context; takes the registry mutex.
 */
void wsheap_registry_visit_contexts(wsheap_context_fn *fn, void *arg)
{
	struct wsheap_context *ctx;

	mutex_lock(&wsheap_registry_lock);
	list_for_each_entry(ctx, &wsheap_contexts, node)
		fn(ctx, arg);
	mutex_unlock(&wsheap_registry_lock);
}

/**
 * wsheap_registry_visit_heaps() - call a function on every heap
 * @fn: called with the registry mutex held; may take heap->lock
 * @arg: passed to @fn
 *
 * Context: process context; takes the registry mutex.
 */
void wsheap_registry_visit_heaps(wsheap_heap_fn *fn, void *arg)
{
	struct wsheap_heap *heap;

	mutex_lock(&wsheap_registry_lock);
	list_for_each_entry(heap, &wsheap_heaps, node)
		fn(heap, arg);
	mutex_unlock(&wsheap_registry_lock);
}
