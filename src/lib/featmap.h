/* featmap.h - a scorer's inputs as feature indices of the data files, so
 * that memory follows the features that occur, not the largest index.
 *
 * A map takes the feature index i of a data row to an input of the scorer in
 * two optional steps:
 *   hashing (hash_bits B, 1 .. FEATMAP_MAX_HASH_BITS): i goes to its bucket
 *       featmap_hash(i, B) in 0 .. 2^B - 1. The values of a row's indices
 *       that share a bucket are added (in double, in increasing index order,
 *       rounded to float once), so the row's columns stay increasing and
 *       unique;
 *   the list (index != NULL): the (hashed) index index[j] goes to input j; an
 *       index not in the list is dropped: it contributes nothing, as an index
 *       >= dim always has.
 * Without a list, input j is the (hashed) index j. A map with neither step is
 * plain: the scorers read the file's indices as they are (and ignore those
 * >= n), with no work at all.
 *
 * featmap_build makes the map of a training run from its data: with a list of
 * the indices that occur when the unseen ones would cost more memory than a
 * copy of the columns, 4 * (space - n) > nnz (training keeps about 30 bytes
 * per input); dense indices (every index < dim occurs, or dim <= nnz / 4,
 * checked without any pass) keep the plain map, so the usual case costs
 * nothing and trains bit for bit as before. featmap_apply then rewrites a
 * data set's columns in place. A model keeps its map (model.h) and maps raw
 * data when it scores; a data set records the map it went through
 * (sm_dataset.featmap_id), so it is not mapped twice.
 */
#ifndef SM_FEATMAP_H
#define SM_FEATMAP_H

#include <stdint.h>

#include "dataset.h"
#include "dist.h"
#include "error.h"

/* 2^30 buckets: the space must fit dim's int32. */
#define FEATMAP_MAX_HASH_BITS 30
/* The hash's fixed seed (the golden ratio's 32 bits). */
#define FEATMAP_HASH_SEED 0x9e3779b9u

typedef struct {
    int hash_bits;   /* 0: no hashing */
    int32_t space;   /* the (hashed) indices lie in 0 .. space-1: dim, or 2^hash_bits */
    int32_t n;       /* the scorer's inputs */
    int32_t *index;  /* n increasing (hashed) indices, input j is index[j];
                      * NULL: input j is index j (and n == space) */
    uint32_t *first; /* the list's lookup: the entries whose index >> shift is
                      * t are index[first[t] .. first[t+1]) */
    int shift;
    uint64_t id;     /* 0 for a plain map, else a fingerprint of the map */
} sm_featmap;

/* The plain map of dim features. */
void featmap_init(sm_featmap *m, int32_t dim);
void featmap_free(sm_featmap *m);
/* Whether the map leaves indices as they are (no hashing, no list). */
int featmap_is_plain(const sm_featmap *m);

/* The bucket of index i among 2^bits: the top bits of MurmurHash3's 32-bit
 * finaliser (fmix32) of i XOR FEATMAP_HASH_SEED. */
/* For tests only. */
uint32_t featmap_hash(uint32_t i, int bits);

/* The map of a training run on train (see above); hash_bits 0 (none) or 1 ..
 * FEATMAP_MAX_HASH_BITS. */
/* For tests only. */
sm_status featmap_build(const sm_dataset *train, int hash_bits, sm_featmap *m, sm_error *err);
/* The map of hash_bits (0: none) over space (2^hash_bits when hashing)
 * with the list index (n increasing indices < space, malloc'd; taken over,
 * and freed here on failure), or without one (index NULL, n == space). */
sm_status featmap_make(sm_featmap *m, int hash_bits, int32_t space, int32_t *index, int32_t n,
                       sm_error *err);

/* The input of file index i, or -1 when the map drops it. */
/* For tests only. */
int32_t featmap_input(const sm_featmap *m, int32_t i);
/* The (hashed) index of input j: what a model file writes. */
static inline int32_t featmap_index_of(const sm_featmap *m, int32_t j)
{
    return m->index ? m->index[j] : j;
}

/* Map the rows first .. last-1 of src (file indices) into row_ptr (last -
 * first + 1 offsets from 0), col and val (room for their nonzeros); the
 * output may be src's own arrays when first is 0 (it never gets ahead of
 * the input). SM_EFAIL when out of memory (hashing sorts each row). */
sm_status featmap_map_rows(const sm_featmap *m, const sm_dataset *src, int64_t first, int64_t last,
                           int64_t *row_ptr, int32_t *col, float *val, sm_error *err);
/* The map of a training run (featmap_build over the shares of every rank),
 * applied to train and to valid (NULL: none): validation indices not seen in
 * training are dropped. */
sm_status featmap_prepare(sm_dataset *train, sm_dataset *valid, int hash_bits, sm_dist *dist,
                          sm_featmap *m, sm_error *err);
/* Map ds's columns in place (arrays in a cache mapping are replaced by
 * copies): its dim becomes m->n and its featmap_id m->id. Nothing for a
 * plain map. */
sm_status featmap_apply(const sm_featmap *m, sm_dataset *ds, sm_error *err);
/* Map ds through a saved model's map m to train the model more (a warm
 * start): the inputs stay the model's, so an index of ds that m has no input
 * for is SM_EDATA naming the file, row and index; ds->dim becomes m->n. */
sm_status featmap_apply_model(const sm_featmap *m, sm_dataset *ds, sm_error *err);

#endif
