// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * fork(): the registry of every heap of the process, and the handlers that
 * keep a child from bumping through its parent's current blocks.
 *
 * A child shares its parent's contexts and mappings, hence every heap and
 * its pages.  The parent keeps bumping through its current blocks, so the
 * child's handler drops every heap's current block: the child's next
 * allocation takes a fresh block from the kernel, whose cursor both
 * processes share and the kernel advances atomically.
 */
#include "wsheap_priv.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wsheap_impl *reg_head;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static int atfork_err;

void wsheap__reg_add(struct wsheap_impl *h)
{
	pthread_mutex_lock(&reg_lock);
	h->reg_prev = NULL;
	h->reg_next = reg_head;
	if (reg_head)
		reg_head->reg_prev = h;
	reg_head = h;
	pthread_mutex_unlock(&reg_lock);
}

void wsheap__reg_del(struct wsheap_impl *h)
{
	pthread_mutex_lock(&reg_lock);
	if (h->reg_prev)
		h->reg_prev->reg_next = h->reg_next;
	else
		reg_head = h->reg_next;
	if (h->reg_next)
		h->reg_next->reg_prev = h->reg_prev;
	h->reg_prev = h->reg_next = NULL;
	pthread_mutex_unlock(&reg_lock);
}

/*
 * Before fork: hold every lock a child could need, so it inherits them in a
 * consistent state.  Order: default pool, registry, heaps.
 */
static void atfork_prepare(void)
{
	struct wsheap_impl *h;

	wsheap__default_lock();
	pthread_mutex_lock(&reg_lock);
	for (h = reg_head; h; h = h->reg_next) {
		if (h->flags & WSHEAP_HEAP_THREADSAFE)
			pthread_mutex_lock(&h->lock);
		/*
		 * Both processes now bump in the kernel heap: no in-place reset,
		 * and the slow path, which checks the generation, serves every
		 * allocation from the next one that reaches it (the parent's
		 * inline path may be running in another thread now: its current
		 * block is left alone; see <wsheap.h>, Fork).
		 */
		h->forked = true;
	}
}

static void atfork_parent(void)
{
	struct wsheap_impl *h;

	for (h = reg_head; h; h = h->reg_next)
		if (h->flags & WSHEAP_HEAP_THREADSAFE)
			pthread_mutex_unlock(&h->lock);
	pthread_mutex_unlock(&reg_lock);
	wsheap__default_unlock();
}

static void atfork_child(void)
{
	struct wsheap_impl *h;

	for (h = reg_head; h; h = h->reg_next) {
		wsheap__block_drop(h);
		/* the parent can reset it: the slow path serves from now on */
		wsheap__paths(h);
		if (h->flags & WSHEAP_HEAP_THREADSAFE)
			pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&reg_lock);
	wsheap__default_unlock();
}

static void atfork_init(void)
{
	atfork_err = pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Install the handlers (once per process): 0 or -errno. */
int wsheap__fork_init(void)
{
	pthread_once(&atfork_once, atfork_init);
	return -atfork_err;
}
