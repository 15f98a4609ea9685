/* memhint.c - prefaulting big arrays (see memhint.h). */
#define _DEFAULT_SOURCE /* madvise */
#include "memhint.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23 /* Linux >= 5.14; older kernels fail with EINVAL */
#endif

/* The page-aligned range covering p[0 .. bytes), or 0 when it is too small
 * to be worth a system call. */
static size_t page_range(void *p, size_t bytes, uintptr_t *lo)
{
    long size = sysconf(_SC_PAGESIZE);
    uintptr_t page = size > 0 ? (uintptr_t)size : 4096;
    uintptr_t hi = ((uintptr_t)p + bytes + page - 1) & ~(page - 1);
    *lo = (uintptr_t)p & ~(page - 1);
    return bytes >= 16 * page ? hi - *lo : 0;
}

void sm_prefault(void *p, size_t bytes)
{
#if defined(__linux__)
    uintptr_t lo;
    size_t len = page_range(p, bytes, &lo);
    if (len)
        madvise((void *)lo, len, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)bytes;
#endif
}

void sm_prefault_random(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t lo;
    size_t len = page_range(p, bytes, &lo);
    if (len)
        madvise((void *)lo, len, MADV_HUGEPAGE);
#endif
    sm_prefault(p, bytes);
}
