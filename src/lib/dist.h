/* dist.h - the group of processes that train one model together (MPI ranks).
 *
 * The engine's only view of distribution: who am I (rank), how many are we
 * (size), and a few collective operations that every rank must call in the
 * same order. Built with SM_MPI (make MPI=1) they run over MPI; otherwise the
 * group is the one process and every operation is a no-op, so the plain
 * build has no MPI dependency. No other file calls MPI.
 *
 * A NULL group means the one process as well, so callers that never run
 * under MPI (tests, predict, eval) pass NULL.
 *
 * Sums are deterministic: a fixed-order ring reduction (each segment is
 * added up in the same rank order at every call), never MPI_Allreduce,
 * whose order an implementation may choose. The same N and inputs give the
 * same bits. Maxima are exact whatever the order.
 *
 * Faults: dist_agree turns one rank's failure into every rank's, carrying
 * the message of the first failing rank, so that no rank waits forever in a
 * collective that a failed rank never joins.
 */
#ifndef SM_DIST_H
#define SM_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct {
    int rank, size;
    int started;       /* this process initialised MPI (and finalises it) */
    uint64_t bytes_sent; /* by this rank's collectives so far */
} sm_dist;

/* Whether the build has MPI support (SM_MPI). */
int dist_compiled(void);

/* Join the group (MPI_Init when built with MPI; a lone process otherwise). */
sm_status dist_open(sm_dist *d, int *argc, char ***argv, sm_error *err);
void dist_close(sm_dist *d);

static inline int dist_rank(const sm_dist *d) { return d ? d->rank : 0; }
static inline int dist_size(const sm_dist *d) { return d ? d->size : 1; }
/* Whether there is more than one rank: what every caller branches on, so
 * that one rank runs exactly the code of the plain build. */
static inline int dist_many(const sm_dist *d) { return d && d->size > 1; }

/* x[0..n) <- the sum over ranks, added in a fixed order. */
sm_status dist_sum(sm_dist *d, double *x, int64_t n, sm_error *err);
/* x[0..n) <- the maximum over ranks. */
sm_status dist_max(sm_dist *d, double *x, int64_t n, sm_error *err);
/* buf[0..bytes) of rank `root` to every rank. */
sm_status dist_bcast(sm_dist *d, void *buf, size_t bytes, int root, sm_error *err);
/* all[r] <- rank r's `mine` (all: size values). */
sm_status dist_allgather_i64(sm_dist *d, int64_t mine, int64_t *all, sm_error *err);
/* The concatenation, in rank order, of every rank's mine[0..n) into a new
 * array *all of *total items (freed by the caller). */
sm_status dist_allgather_f64(sm_dist *d, const double *mine, int64_t n, double **all,
                             int64_t *total, sm_error *err);
sm_status dist_allgather_i32(sm_dist *d, const int32_t *mine, int64_t n, int32_t **all,
                             int64_t *total, sm_error *err);

/* Every rank passes its own status (and err, filled when st != SM_OK). All
 * return the status of the lowest failing rank, with its message in err,
 * or SM_OK when no rank failed. */
sm_status dist_agree(sm_dist *d, sm_status st, sm_error *err);
/* The same, and *first <- that rank (-1 when no rank failed). */
sm_status dist_agree_first(sm_dist *d, sm_status st, int *first, sm_error *err);

/* "%r" in a path is the rank: the path of this rank's own file, into buf.
 * Returns 0 when the path holds no %r (buf is then the path), 1 when it
 * does, -1 when buf is too small. */
int dist_expand_path(const sm_dist *d, const char *path, char *buf, size_t size);

#endif
