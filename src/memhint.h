/* memhint.h - hints to the kernel about big arrays (no effect on results).
 *
 * Training touches its weight vectors and the data at random places, and a
 * 4 KiB page per access means a TLB miss per access once the arrays outgrow
 * the TLB's reach; filling fresh pages one by one costs a page fault each,
 * very slow in some virtual machines. These calls ask for transparent huge
 * pages and for faulting a range in with one system call. Both are Linux
 * madvise hints: elsewhere, or when refused, they do nothing.
 */
#ifndef SM_MEMHINT_H
#define SM_MEMHINT_H

#include <stddef.h>

/* Back the 2 MiB-aligned interior of p[0 .. bytes) with huge pages when the
 * system allows it; call before the memory is first touched. */
void sm_prefer_huge_pages(void *p, size_t bytes);

/* Fault in p[0 .. bytes) for writing now, in one call (small ranges: no-op). */
void sm_prefault(void *p, size_t bytes);

#endif
