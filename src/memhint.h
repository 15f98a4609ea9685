/* memhint.h - a hint to the kernel about big arrays (no effect on results).
 *
 * Filling fresh pages one by one costs a page fault each, very slow in some
 * virtual machines (it dominated parsing hundreds of MB). sm_prefault faults
 * a whole range in with one Linux madvise call; elsewhere, or when refused
 * (kernels before 5.14), it does nothing and the pages fault in as usual.
 * It also asks for transparent huge pages (when the system allows them on
 * request): randomly indexed arrays such as a million weights then miss
 * the TLB far less often.
 */
#ifndef SM_MEMHINT_H
#define SM_MEMHINT_H

#include <stddef.h>

/* Fault in p[0 .. bytes) for writing now, in one call, on huge pages when
 * possible (small ranges: no-op). */
void sm_prefault(void *p, size_t bytes);

#endif
