/* SPDX-License-Identifier: MIT */
/*
 * Compiled (not run) by make install-check as C++11, C11 and C99: every
 * operation of the installed <wsheap/barrier.h> on the types the library
 * uses, with the inline fast path of <wsheap.h>.
 */
#include <stdint.h>
#include <wsheap.h>

struct s {
	uint64_t u64;
	uint32_t u32;
	const uint64_t *ptr;
};

int barrier_ops(struct s *x, const struct s *cx, struct wsheap *h);

int barrier_ops(struct s *x, const struct s *cx, struct wsheap *h)
{
	uint64_t e64 = 0;
	const uint64_t *eptr = 0;
	void *p;

	__wsheap_store_relaxed(&x->u64, 1);
	__wsheap_store_release(&x->ptr, &x->u64);
	__wsheap_add_relaxed(&x->u64, 2);
	__wsheap_sub_relaxed(&x->u64, 1);
	__wsheap_or_relaxed(&x->u32, 4U);
	__wsheap_fence_acquire();
	if (!__wsheap_cmpxchg_relaxed(&x->u64, &e64, 7))
		return -1;
	if (!__wsheap_cmpxchg_acq_rel(&x->ptr, &eptr, &cx->u64))
		return -1;
#ifdef __WSHEAP_HAVE_CMPXCHG16
	{
		static __wsheap_u128 w, e;

		if (!__wsheap_cmpxchg16(&w, &e, e + 1))
			return -1;
	}
#endif
	return (int)(__wsheap_load_relaxed(&cx->u64) +
		     __wsheap_load_acquire(__wsheap_load_relaxed(&cx->ptr)) +
		     __wsheap_load_acquire(&cx->u32)) + wsheap_alloc(h, 8, &p);
}
