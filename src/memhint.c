/* memhint.c - prefaulting big arrays (see memhint.h). */
#define _DEFAULT_SOURCE /* madvise */
#include "memhint.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23 /* Linux >= 5.14; older kernels fail with EINVAL */
#endif

void sm_prefault(void *p, size_t bytes)
{
#if defined(__linux__)
    long size = sysconf(_SC_PAGESIZE);
    uintptr_t page = size > 0 ? (uintptr_t)size : 4096;
    uintptr_t lo = (uintptr_t)p & ~(page - 1), hi = ((uintptr_t)p + bytes + page - 1) & ~(page - 1);
    if (bytes >= 16 * page) {
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
        madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
    }
#else
    (void)p;
    (void)bytes;
#endif
}
