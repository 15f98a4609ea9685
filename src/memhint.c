/* memhint.c - madvise hints for big arrays (see memhint.h). */
#define _DEFAULT_SOURCE /* madvise */
#include "memhint.h"

#include <stdint.h>
#include <sys/mman.h>

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23 /* Linux >= 5.14; older kernels fail with EINVAL */
#endif

enum { SMALL_PAGE = 4096, HUGE_PAGE = 2 << 20 };

void sm_prefer_huge_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void sm_prefault(void *p, size_t bytes)
{
#if defined(__linux__)
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(SMALL_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + bytes + SMALL_PAGE - 1) & ~(uintptr_t)(SMALL_PAGE - 1);
    if (bytes >= 16 * SMALL_PAGE)
        madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)bytes;
#endif
}
