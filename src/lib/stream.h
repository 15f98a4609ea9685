/* stream.h - the order in which an SGD epoch visits data streamed from a
 * mapped cache (train.h: stream_units), and the reading ahead that goes
 * with it.
 *
 * The units (rows, or whole queries for ranking: a row's targets and weight
 * are read with it) are cut into blocks of `block` consecutive units. An
 * epoch visits the blocks in an order drawn from the generator; the units
 * of each STREAM_WINDOW consecutive blocks of that order are shuffled among
 * themselves (a shuffle buffer of a few blocks, not of the whole data).
 * The order depends only on the generator, the units and block.
 *
 * Reading: the pages of a window's rows (their offsets, indices and values
 * in the cache mapping) are read with pread(2) by a thread of their own
 * while the steps use the window before, into memory of this process that
 * then takes the place of those pages in the mapping (mremap(2)): the same
 * bytes at the same addresses, so the steps, and the model, are those of
 * the data read through the mapping. Once the steps have left a window its
 * pages are the file's again (and its memory is freed), and the file's
 * pages read are dropped from the page cache (posix_fadvise DONTNEED): two
 * windows are held at a time, and no step waits on a page fault. A read
 * that comes short (the cache truncated) or a cache whose size or
 * modification time changes is an error (SM_EDATA), never a signal.
 * Without a cache file (ds->mapping_fd < 0, or not Linux) only the order
 * is made.
 */
#ifndef SM_STREAM_H
#define SM_STREAM_H

#include <pthread.h>
#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "objective.h"
#include "rng.h"
#include "train.h"

/* Pages of the mapping, [start, start + len) bytes from its start. */
typedef struct {
    uint64_t start, len;
} stream_range;

/* One window's pages: a range of each of its blocks' arrays (merged). */
typedef struct {
    stream_range range[4 * STREAM_WINDOW];
    int n;
    int read_errno;     /* 0, the errno of a failed read, or -1: the file changed */
    uint64_t failed_at; /* where */
} stream_slot;

typedef struct {
    const sm_objective *obj;
    const sm_dataset *ds;
    int64_t *units;      /* the units to visit, in the data's order */
    int64_t n_units, block, n_blocks, n_windows;
    int64_t *blocks;     /* the epoch's block order */
    int64_t (*block_span)[6]; /* per block: its rows [0], [1), nonzeros [2], [3) and
                               * index entries [4], [5) (dataset.h: compact rows)
                               * (read from the mapping once, so that no step
                               * of an epoch reads a page of the file) */
    int64_t *window_end; /* the position in the epoch where each window ends */
    int64_t window;      /* the window the steps are in */
    /* reading (above); fd -1: none */
    int fd;
    uint64_t file_size;
    int64_t mtime_sec, mtime_nsec;
    int64_t lo, hi;      /* windows lo .. hi are in memory (none when hi < lo) */
    stream_slot *slot;   /* window w's pages: slot[w % cap] */
    int64_t cap;
    pthread_t reader;
    int reading;         /* window hi + 1 is being read (on the reader thread) */
    int threaded;        /* ... by the thread `reader` (else it was read in place) */
} sm_stream;

/* The units units[0 .. n_units) of ds (objective_unit_rows; in the data's
 * order, as objective_units lists them), block >= 1 of them a block. */
sm_status stream_init(sm_stream *s, const sm_objective *obj, const sm_dataset *ds,
                      const int64_t *units, int64_t n_units, int64_t block, sm_error *err);
/* Ends the reading (stream_end) and frees s. */
void stream_free(sm_stream *s);
/* A new epoch: order[0 .. n_units) becomes its visit; the first window is
 * read (the call waits for it) and the second asked for. */
sm_status stream_epoch(sm_stream *s, sm_rng *rng, int64_t *order, sm_error *err);
/* Before the units at positions [first, last) of the visit are used (a
 * step's): waits for their windows, lets those before go and, when only
 * one window is in memory, asks for the next: two windows are held (more
 * only while one step's units span more). */
sm_status stream_at(sm_stream *s, int64_t first, int64_t last, sm_error *err);
/* The position in the visit up to which the units are in memory (what reads
 * ahead of the steps, such as a prefetch, stops there; n_units without a
 * cache file). */
int64_t stream_window_end(const sm_stream *s);
/* After the epoch's steps: every page is the file's again. */
void stream_end(sm_stream *s);

#endif
