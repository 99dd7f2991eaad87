// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Contexts: explicit ones, and the process-wide default pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wsheap_priv.h"

/*
 * The default pool: the first context is opened on first use and is what
 * wsheap_ctx_default() returns; more are opened when one holds as many heaps
 * as the module allows (EMFILE).  Contexts of the pool are never closed.
 * @default_mutex serialises opening and heap creation in the pool; the list
 * itself is published with release stores so readers need no lock.
 */
static pthread_mutex_t default_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct wsheap_ctx *default_pool;	/* atomic pointer */
static struct wsheap_ctx *pool_hint;	/* under default_mutex */

void wsheap__default_lock(void)
{
	pthread_mutex_lock(&default_mutex);
}

void wsheap__default_unlock(void)
{
	pthread_mutex_unlock(&default_mutex);
}

int wsheap__ioctl(struct wsheap_ctx *ctx, uint64_t *heap_counter,
		  unsigned long cmd, void *arg)
{
	int ret;

	do {
		COUNT_ADD(ctx->ioctls, 1);
		if (heap_counter)
			COUNT_ADD(*heap_counter, 1);
		ret = ioctl(ctx->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);

	return ret < 0 ? -errno : 0;
}

static int ctx_open(struct wsheap_ctx **ctxp, bool is_default)
{
	struct wsheap_version v;
	struct wsheap_ctx *ctx;
	int ret;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;

	ctx->fd = open(WSHEAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctx->fd < 0) {
		/* A device node that no driver serves: the module is gone. */
		ret = errno == ENXIO ? -ENODEV : -errno;
		free(ctx);
		return ret;
	}

	memset(&v, 0, sizeof(v));
	ret = wsheap__ioctl(ctx, NULL, WSHEAP_IOC_VERSION, &v);
	if (ret)
		goto fail;

	ret = -EPROTO;
	if (v.abi != WSHEAP_ABI_VERSION || v.page_size == 0 ||
	    (v.page_size & (v.page_size - 1)) || v.page_size > WSHEAP_MAX_ALIGN)
		goto fail;

	ctx->abi = v.abi;
	ctx->page_size = v.page_size;
	ctx->create_flags = v.create_flags;
	ctx->span = v.span ? v.span : WSHEAP_SPAN;
	ctx->is_default = is_default;
	*ctxp = ctx;
	return 0;

fail:
	close(ctx->fd);
	free(ctx);
	return ret;
}

int wsheap_ctx_open(struct wsheap_ctx **ctxp)
{
	if (!ctxp)
		return -EINVAL;
	return ctx_open(ctxp, false);
}

int wsheap_ctx_close(struct wsheap_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	if (ctx->is_default || COUNT_READ(ctx->heaps))
		return -EBUSY;
	close(ctx->fd);
	free(ctx);
	return 0;
}

int wsheap_ctx_default(struct wsheap_ctx **ctxp)
{
	struct wsheap_ctx *ctx;
	int ret = 0;

	if (!ctxp)
		return -EINVAL;

	ctx = __wsheap_load_acquire(&default_pool);
	if (ctx) {
		*ctxp = ctx;
		return 0;
	}

	pthread_mutex_lock(&default_mutex);
	ctx = default_pool;
	if (!ctx) {
		ret = ctx_open(&ctx, true);
		if (!ret) {
			pool_hint = ctx;
			__wsheap_store_release(&default_pool, ctx);
		}
	}
	pthread_mutex_unlock(&default_mutex);

	if (!ret)
		*ctxp = ctx;
	return ret;
}

int wsheap_ctx_fd(struct wsheap_ctx *ctx)
{
	int ret;

	if (!ctx) {
		ret = wsheap_ctx_default(&ctx);
		if (ret)
			return ret;
	}
	return ctx->fd;
}

static void ctx_stats_add(struct wsheap_ctx *ctx, struct wsheap_ctx_stats *st)
{
	st->ioctls += COUNT_READ(ctx->ioctls);
	st->mmaps += COUNT_READ(ctx->mmaps);
	st->munmaps += COUNT_READ(ctx->munmaps);
	st->heaps += COUNT_READ(ctx->heaps);
	st->contexts++;
	st->page_size = ctx->page_size;
	st->abi = ctx->abi;
	st->create_flags = ctx->create_flags;
	st->span = ctx->span;
}

int wsheap_ctx_stats(struct wsheap_ctx *ctx, struct wsheap_ctx_stats *st)
{
	int ret;

	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));

	if (ctx) {
		ctx_stats_add(ctx, st);
		return 0;
	}

	ret = wsheap_ctx_default(&ctx);
	if (ret)
		return ret;
	for (; ctx; ctx = __wsheap_load_acquire(&ctx->pool_next))
		ctx_stats_add(ctx, st);
	return 0;
}

/*
 * Run @fn (a heap creation or import) in the default pool.  A context that
 * holds max_heaps_per_context heaps fails with EMFILE: try the other
 * contexts of the pool, then open one more.
 */
int wsheap__in_default_pool(int (*fn)(struct wsheap_ctx *ctx, void *arg),
			    void *arg)
{
	struct wsheap_ctx *ctx, *first, *tail;
	int ret;

	ret = wsheap_ctx_default(&first);
	if (ret)
		return ret;

	pthread_mutex_lock(&default_mutex);
	ctx = pool_hint;
	ret = fn(ctx, arg);
	if (ret != -EMFILE)
		goto out;

	for (ctx = first, tail = first; ctx; ctx = ctx->pool_next) {
		tail = ctx;
		if (ctx == pool_hint)
			continue;
		ret = fn(ctx, arg);
		if (ret != -EMFILE)
			goto found;
	}

	ret = ctx_open(&ctx, true);
	if (ret)
		goto out;
	__wsheap_store_release(&tail->pool_next, ctx);
	ret = fn(ctx, arg);
found:
	if (!ret)
		pool_hint = ctx;
out:
	pthread_mutex_unlock(&default_mutex);
	return ret;
}
