/* SPDX-License-Identifier: MIT */
/*
 * wsheap/barrier.h - the atomic operations of libwsheap, for C and C++.
 *
 * The one place where libwsheap spells out memory ordering: the inline fast
 * path of <wsheap.h> reads the heap's generation with these, and the library
 * uses them for everything it shares between threads.  Modelled on
 * liburing's barrier.h: C++ goes through std::atomic, C11 through
 * <stdatomic.h>, older GNU C through the __atomic builtins.  Each operation
 * works on a plain object (the public structs have no _Atomic members, so
 * C and C++ see the same layout), cast in place: the 4- and 8-byte integers
 * and the pointers used here have the same size and alignment atomic or not.
 *
 * Not an interface of its own: <wsheap.h> includes it, and the names (all
 * __wsheap_*) may change with any release.
 */
#ifndef WSHEAP_BARRIER_H
#define WSHEAP_BARRIER_H

#ifdef __cplusplus
#include <atomic>

template <typename T>
static inline T __wsheap_load_relaxed(const T *p)
{
	return std::atomic_load_explicit(
		reinterpret_cast<const std::atomic<T> *>(p),
		std::memory_order_relaxed);
}

template <typename T>
static inline T __wsheap_load_acquire(const T *p)
{
	return std::atomic_load_explicit(
		reinterpret_cast<const std::atomic<T> *>(p),
		std::memory_order_acquire);
}

template <typename T, typename V>
static inline void __wsheap_store_relaxed(T *p, V v)
{
	std::atomic_store_explicit(reinterpret_cast<std::atomic<T> *>(p),
				   static_cast<T>(v), std::memory_order_relaxed);
}

template <typename T, typename V>
static inline void __wsheap_store_release(T *p, V v)
{
	std::atomic_store_explicit(reinterpret_cast<std::atomic<T> *>(p),
				   static_cast<T>(v), std::memory_order_release);
}

/* Weak and relaxed: for retry loops that publish nothing else. */
template <typename T, typename V>
static inline bool __wsheap_cmpxchg_relaxed(T *p, T *expected, V v)
{
	return std::atomic_compare_exchange_weak_explicit(
		reinterpret_cast<std::atomic<T> *>(p), expected,
		static_cast<T>(v), std::memory_order_relaxed,
		std::memory_order_relaxed);
}

/* Strong, acquire-release: publishes what the winner set up. */
template <typename T, typename V>
static inline bool __wsheap_cmpxchg_acq_rel(T *p, T *expected, V v)
{
	return std::atomic_compare_exchange_strong_explicit(
		reinterpret_cast<std::atomic<T> *>(p), expected,
		static_cast<T>(v), std::memory_order_acq_rel,
		std::memory_order_acquire);
}

template <typename T, typename V>
static inline T __wsheap_add_relaxed(T *p, V v)
{
	return std::atomic_fetch_add_explicit(
		reinterpret_cast<std::atomic<T> *>(p), static_cast<T>(v),
		std::memory_order_relaxed);
}

template <typename T, typename V>
static inline T __wsheap_sub_relaxed(T *p, V v)
{
	return std::atomic_fetch_sub_explicit(
		reinterpret_cast<std::atomic<T> *>(p), static_cast<T>(v),
		std::memory_order_relaxed);
}

template <typename T, typename V>
static inline T __wsheap_or_relaxed(T *p, V v)
{
	return std::atomic_fetch_or_explicit(
		reinterpret_cast<std::atomic<T> *>(p), static_cast<T>(v),
		std::memory_order_relaxed);
}

/* Loads before it are ordered before loads and stores after it. */
static inline void __wsheap_fence_acquire(void)
{
	std::atomic_thread_fence(std::memory_order_acquire);
}

#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && \
	!defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>

#define __WSHEAP_ATOMIC(p)	((_Atomic __typeof__(*(p)) *)(p))

#define __wsheap_load_relaxed(p) \
	atomic_load_explicit(__WSHEAP_ATOMIC(p), memory_order_relaxed)
#define __wsheap_load_acquire(p) \
	atomic_load_explicit(__WSHEAP_ATOMIC(p), memory_order_acquire)
#define __wsheap_store_relaxed(p, v) \
	atomic_store_explicit(__WSHEAP_ATOMIC(p), (v), memory_order_relaxed)
#define __wsheap_store_release(p, v) \
	atomic_store_explicit(__WSHEAP_ATOMIC(p), (v), memory_order_release)
#define __wsheap_cmpxchg_relaxed(p, expected, v) \
	atomic_compare_exchange_weak_explicit(__WSHEAP_ATOMIC(p), (expected), \
					      (v), memory_order_relaxed, \
					      memory_order_relaxed)
#define __wsheap_cmpxchg_acq_rel(p, expected, v) \
	atomic_compare_exchange_strong_explicit(__WSHEAP_ATOMIC(p), \
						(expected), (v), \
						memory_order_acq_rel, \
						memory_order_acquire)
#define __wsheap_add_relaxed(p, v) \
	atomic_fetch_add_explicit(__WSHEAP_ATOMIC(p), (v), memory_order_relaxed)
#define __wsheap_sub_relaxed(p, v) \
	atomic_fetch_sub_explicit(__WSHEAP_ATOMIC(p), (v), memory_order_relaxed)
#define __wsheap_or_relaxed(p, v) \
	atomic_fetch_or_explicit(__WSHEAP_ATOMIC(p), (v), memory_order_relaxed)
#define __wsheap_fence_acquire() \
	atomic_thread_fence(memory_order_acquire)

#elif defined(__GNUC__)
/* C before C11 (gcc and clang): the builtins <stdatomic.h> is made of. */
#define __wsheap_load_relaxed(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define __wsheap_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define __wsheap_store_relaxed(p, v) \
	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define __wsheap_store_release(p, v) \
	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define __wsheap_cmpxchg_relaxed(p, expected, v) \
	__atomic_compare_exchange_n((p), (expected), (v), 1, \
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED)
#define __wsheap_cmpxchg_acq_rel(p, expected, v) \
	__atomic_compare_exchange_n((p), (expected), (v), 0, \
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define __wsheap_add_relaxed(p, v) \
	__atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define __wsheap_sub_relaxed(p, v) \
	__atomic_fetch_sub((p), (v), __ATOMIC_RELAXED)
#define __wsheap_or_relaxed(p, v) \
	__atomic_fetch_or((p), (v), __ATOMIC_RELAXED)
#define __wsheap_fence_acquire()	__atomic_thread_fence(__ATOMIC_ACQUIRE)

#else
#error "libwsheap needs C++11, C11 atomics, or GNU C"
#endif

/*
 * A compare-and-swap of an aligned 16-byte word, sequentially consistent:
 * if *p equals *expected, store v and return 1, else load *p into
 * *expected and return 0.  For C compilers that have one (x86-64, where it
 * is cmpxchg16b; others that define __GCC_HAVE_SYNC_COMPARE_AND_SWAP_16);
 * __WSHEAP_HAVE_CMPXCHG16 says so.  The first x86-64 CPUs lack cmpxchg16b:
 * check the CPU before using it, as the library does.
 */
#if !defined(__cplusplus) && defined(__SIZEOF_INT128__) && \
	(defined(__x86_64__) || defined(__GCC_HAVE_SYNC_COMPARE_AND_SWAP_16))
#define __WSHEAP_HAVE_CMPXCHG16	1
__extension__ typedef unsigned __int128 __wsheap_u128;

/* For functions that use it: only those can have it inline. */
#ifdef __x86_64__
#define __WSHEAP_CMPXCHG16_FN	__attribute__((target("cx16")))
#else
#define __WSHEAP_CMPXCHG16_FN
#endif

__WSHEAP_CMPXCHG16_FN
static inline int __wsheap_cmpxchg16(__wsheap_u128 *p, __wsheap_u128 *expected,
				     __wsheap_u128 v)
{
	__wsheap_u128 old = __sync_val_compare_and_swap(p, *expected, v);
	int ok = old == *expected;

	*expected = old;
	return ok;
}
#endif

#endif /* WSHEAP_BARRIER_H */
