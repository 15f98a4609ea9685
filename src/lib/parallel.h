/* parallel.h - independent pieces of work spread over a few threads.
 *
 * parallel_for calls fn(ctx, chunk, worker) once for every chunk in
 * 0 .. n_chunks-1, on up to `threads` threads (the calling thread is one of
 * them), and returns when every call has returned. `worker` (0 .. threads-1)
 * says which thread makes the call, for per-thread scratch. The chunks run in
 * no fixed order, so a caller whose result must not depend on the number of
 * threads keeps one result per chunk and combines them in chunk order.
 * When a thread cannot be started the others run its chunks (at worst the
 * caller runs them all): the result is the same, only slower.
 */
#ifndef SM_PARALLEL_H
#define SM_PARALLEL_H

#include <stdint.h>

#define PARALLEL_MAX_THREADS 64

/* The threads to use for a request: 0 means one per online core; the result
 * is between 1 and PARALLEL_MAX_THREADS. */
int parallel_threads(int requested);
/* The threads parallel_for uses for n_chunks chunks: at most one a chunk,
 * at least 1 (so per-worker scratch can be sized before the call). */
int parallel_workers(int requested, int64_t n_chunks);

typedef void (*parallel_fn)(void *ctx, int64_t chunk, int worker);

/* Run fn over chunks 0 .. n_chunks-1 on min(threads, n_chunks) threads. */
void parallel_for(int threads, int64_t n_chunks, parallel_fn fn, void *ctx);

#endif
