/* memhint.h - a hint to the kernel about big arrays (no effect on results).
 *
 * Filling fresh pages one by one costs a page fault each, very slow in some
 * virtual machines (it dominated parsing hundreds of MB). sm_prefault faults
 * a whole range in with one Linux madvise call; elsewhere, or when refused
 * (kernels before 5.14), it does nothing and the pages fault in as usual.
 *
 * sm_prefault_random also asks for transparent huge pages (where the system
 * grants them on request), for arrays indexed at random, such as a million
 * weights: they then miss the TLB far less often. Not for arrays filled in
 * order (the parser's): there a huge page costs more to clear than it saves.
 */
#ifndef SM_MEMHINT_H
#define SM_MEMHINT_H

#include <stddef.h>

/* Fault in p[0 .. bytes) for writing now, in one call (small ranges: no-op). */
void sm_prefault(void *p, size_t bytes);
/* The same, on huge pages when possible, for an array indexed at random. */
void sm_prefault_random(void *p, size_t bytes);

#endif
