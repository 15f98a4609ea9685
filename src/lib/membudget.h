/* membudget.h - how much memory a run may hold, and whether its data fits.
 *
 * The budget is --memory SIZE when given, else what the system leaves: the
 * smaller of the memory cgroup's limit (v2 memory.max of the process's
 * cgroup, v1 memory.limit_in_bytes) and MemAvailable (/proc/meminfo), less a
 * quarter for headroom (the model, scores, the kernel's own needs). Data
 * held in a mapped cache larger than the budget is streamed (train.h:
 * stream_units): its full passes go in row order, without copies of the
 * data, and SGD's epochs visit it block by block.
 */
#ifndef SM_MEMBUDGET_H
#define SM_MEMBUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* SIZE: a number of bytes with an optional suffix K, M, G or T (powers of
 * 1024, also KB/KiB ...), at least 1M. SM_EUSAGE naming `option` otherwise. */
sm_status membudget_parse(const char *option, const char *text, uint64_t *bytes, sm_error *err);

/* The default budget (above) into *bytes, and where it came from in
 * source[0..cap) ("the cgroup limit 600 MB", "MemAvailable 3.2 GB"). When
 * nothing can be read, UINT64_MAX ("no limit known"). */
void membudget_default(uint64_t *bytes, char *source, size_t cap);

/* Units a block when streaming (train.h: stream_units): a quarter of the
 * budget is the shuffle buffer of `window` blocks, of units that take
 * data_bytes / n_units bytes each on average; at least 1. */
int64_t membudget_stream_units(uint64_t budget, uint64_t data_bytes, int64_t n_units, int window);

/* The budget as a person reads it: "600 MB", "1.5 GB", into buf. */
const char *membudget_format(uint64_t bytes, char *buf, size_t cap);

#endif
