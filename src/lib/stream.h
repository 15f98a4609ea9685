/* stream.h - the order in which an SGD epoch visits data streamed from a
 * mapped cache (train.h: stream_units), and the reading ahead that goes
 * with it.
 *
 * The units (rows, or whole queries for ranking: a row's targets and weight
 * are read with it) are cut into blocks of `block` consecutive units. An
 * epoch visits the blocks in an order drawn from the generator; the units
 * of each STREAM_WINDOW consecutive blocks of that order are shuffled among
 * themselves (a shuffle buffer of a few blocks, not of the whole data).
 * Before the units of a window are used, the window after it is asked of
 * the kernel (madvise WILLNEED: sequential reads of large ranges, ahead of
 * the steps) and the window before it is let go (MADV_DONTNEED: the pages
 * leave this process, so that a memory cgroup reclaims them first).
 * The order depends only on the generator, the units and block.
 */
#ifndef SM_STREAM_H
#define SM_STREAM_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "objective.h"
#include "rng.h"

typedef struct {
    const sm_objective *obj;
    const sm_dataset *ds;
    int64_t *units;      /* the units to visit, in the data's order */
    int64_t n_units, block, n_blocks, n_windows;
    int64_t *blocks;     /* the epoch's block order */
    int64_t *window_end; /* the position in the epoch where each window ends */
    int64_t window;      /* the window the steps are in */
} sm_stream;

/* The units units[0 .. n_units) of ds (objective_unit_rows; in the data's
 * order, as objective_units lists them), block >= 1 of them a block. */
sm_status stream_init(sm_stream *s, const sm_objective *obj, const sm_dataset *ds,
                      const int64_t *units, int64_t n_units, int64_t block, sm_error *err);
void stream_free(sm_stream *s);
/* A new epoch: order[0 .. n_units) becomes its visit; the first windows are
 * asked for. */
void stream_epoch(sm_stream *s, sm_rng *rng, int64_t *order);
/* Before the units from position `at` of the visit on are used. */
void stream_at(sm_stream *s, int64_t at);

#endif
