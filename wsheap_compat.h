/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where wsheap adapts to the kernel version it is built for
 * (Debian's 6.1 and 6.12, and later).
 */
#ifndef _WSHEAP_COMPAT_H
#define _WSHEAP_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

/*
 * Symbol namespaces became string literals in 6.13.  Use these with
 * EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS(), which stringify older
 * kernels' bare names.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define WSHEAP_NS		"WSHEAP"
#define WSHEAP_DMA_BUF_NS	"DMA_BUF"
#define WSHEAP_KUNIT_NS		"EXPORTED_FOR_KUNIT_TESTING"
#else
#define WSHEAP_NS		WSHEAP
#define WSHEAP_DMA_BUF_NS	DMA_BUF
#define WSHEAP_KUNIT_NS		EXPORTED_FOR_KUNIT_TESTING
#endif

/* The vm_flags accessors arrived in 6.3; before, vm_flags was writable. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* _WSHEAP_COMPAT_H */
