// SPDX-License-Identifier: GPL-2.0
/*
 * Limits and the charges against them: the module parameters that bound
 * what one context and all of wsheap may commit, and the counters every
 * commitment is charged to.  A heap's committed pages are charged to the
 * account of the context that created it; so are the pages a dma-buf holds, for the
 * dma-buf's whole life, and pages a GUP pin kept after a heap gave them up.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "wsheap_internal.h"

unsigned int wsheap_max_heaps_per_context = 4096;
module_param_named(max_heaps_per_context, wsheap_max_heaps_per_context,
		   uint, 0644);
MODULE_PARM_DESC(max_heaps_per_context,
		 "Heaps one open of /dev/wsheap may hold (EMFILE beyond)");
EXPORT_SYMBOL_IF_KUNIT(wsheap_max_heaps_per_context);

/* 0 at load time means the machine's RAM. */
unsigned long long wsheap_max_bytes_per_context;
module_param_named(max_bytes_per_context, wsheap_max_bytes_per_context,
		   ullong, 0644);
MODULE_PARM_DESC(max_bytes_per_context,
		 "Bytes the heaps of one context may commit (EDQUOT beyond)");
EXPORT_SYMBOL_IF_KUNIT(wsheap_max_bytes_per_context);

unsigned long long wsheap_max_bytes_total;
module_param_named(max_bytes_total, wsheap_max_bytes_total, ullong, 0644);
MODULE_PARM_DESC(max_bytes_total,
		 "Bytes all heaps may commit (ENOMEM beyond)");
EXPORT_SYMBOL_IF_KUNIT(wsheap_max_bytes_total);

/* Bytes charged by every context. */
atomic64_t wsheap_committed_total = ATOMIC64_INIT(0);
EXPORT_SYMBOL_IF_KUNIT(wsheap_committed_total);

/**
 * wsheap_limits_init() - default the byte limits to the machine's RAM
 *
 * Context: module init.
 */
void wsheap_limits_init(void)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	if (!wsheap_max_bytes_per_context)
		wsheap_max_bytes_per_context = ram;
	if (!wsheap_max_bytes_total)
		wsheap_max_bytes_total = ram;
}

/**
 * wsheap_account_alloc() - a new account, for a new context
 *
 * Context: process context; may sleep.
 * Return: the account with one reference, or NULL.
 */
struct wsheap_account *wsheap_account_alloc(void)
{
	struct wsheap_account *account;

	account = kzalloc(sizeof(*account), GFP_KERNEL_ACCOUNT);
	if (account)
		refcount_set(&account->ref, 1);
	return account;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_account_alloc);

/**
 * wsheap_account_get() - take a reference to an account
 * @account: the account
 *
 * Context: any.
 */
void wsheap_account_get(struct wsheap_account *account)
{
	refcount_inc(&account->ref);
}

/**
 * wsheap_account_put() - drop a reference; the last one frees it
 * @account: the account, with nothing charged once the last heap is gone
 *
 * Context: any.
 */
void wsheap_account_put(struct wsheap_account *account)
{
	if (refcount_dec_and_test(&account->ref)) {
		WARN_ON_ONCE(atomic64_read(&account->committed));
		kfree(account);
	}
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_account_put);

/**
 * wsheap_limits_charge() - charge pages to an account, within the limits
 * @account: the account charged
 * @pages: how many
 *
 * Context: any; lock-free.
 * Return: 0, -EDQUOT beyond max_bytes_per_context or -ENOMEM beyond
 * max_bytes_total, with nothing charged.
 */
int wsheap_limits_charge(struct wsheap_account *account, u64 pages)
{
	u64 bytes = pages << PAGE_SHIFT;

	if (atomic64_add_return(bytes, &account->committed) >
	    READ_ONCE(wsheap_max_bytes_per_context)) {
		atomic64_sub(bytes, &account->committed);
		return -EDQUOT;
	}
	if (atomic64_add_return(bytes, &wsheap_committed_total) >
	    READ_ONCE(wsheap_max_bytes_total)) {
		atomic64_sub(bytes, &wsheap_committed_total);
		atomic64_sub(bytes, &account->committed);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_limits_charge);

/**
 * wsheap_limits_charge_force() - charge pages that exist already
 * @account: the account charged
 * @pages: how many
 *
 * For pages that cannot be refused, such as one a GUP pin keeps alive
 * after the heap gave it up: they stay counted until they are freed.
 *
 * Context: any; lock-free.
 */
void wsheap_limits_charge_force(struct wsheap_account *account, u64 pages)
{
	atomic64_add(pages << PAGE_SHIFT, &account->committed);
	atomic64_add(pages << PAGE_SHIFT, &wsheap_committed_total);
}

/**
 * wsheap_limits_uncharge() - undo a charge
 * @account: the account charged
 * @pages: how many
 *
 * Context: any; lock-free.
 */
void wsheap_limits_uncharge(struct wsheap_account *account, u64 pages)
{
	atomic64_sub(pages << PAGE_SHIFT, &account->committed);
	atomic64_sub(pages << PAGE_SHIFT, &wsheap_committed_total);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_limits_uncharge);
