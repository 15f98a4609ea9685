/* fuzz.h - what the libFuzzer targets in tests/fuzz share: a scratch file for
 * the entry points that read a path, and structural checks on what a reader
 * returns. A broken invariant aborts, which libFuzzer reports as a crash.
 * Header-only: each target is one translation unit linked with the engine.
 */
#ifndef SM_FUZZ_H
#define SM_FUZZ_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"

#define FUZZ_REQUIRE(cond)                                                              \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* A per-process scratch file (removed at exit) rewritten for every input. */
static char fuzz_scratch_path[64];

static inline void fuzz_scratch_remove(void)
{
    if (fuzz_scratch_path[0])
        unlink(fuzz_scratch_path);
}

static inline const char *fuzz_scratch_write(const void *data, size_t size)
{
    if (!fuzz_scratch_path[0]) {
        snprintf(fuzz_scratch_path, sizeof fuzz_scratch_path, "/tmp/smloss-fuzz.%ld",
                 (long)getpid());
        atexit(fuzz_scratch_remove);
    }
    FILE *f = fopen(fuzz_scratch_path, "wb");
    FUZZ_REQUIRE(f != NULL);
    FUZZ_REQUIRE(size == 0 || fwrite(data, 1, size, f) == size);
    FUZZ_REQUIRE(fclose(f) == 0);
    return fuzz_scratch_path;
}

static inline int fuzz_same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* What reader.h promises about a successfully read data set. */
static inline void fuzz_check_dataset(const sm_dataset *ds)
{
    FUZZ_REQUIRE(ds->n_rows > 0 ? ds->row_ptr != NULL && ds->label != NULL : 1);
    FUZZ_REQUIRE(ds->dim >= 0);
    if (ds->row_ptr) {
        FUZZ_REQUIRE(ds->row_ptr[0] == 0 && ds->row_ptr[ds->n_rows] == ds->nnz);
        int64_t max_col = -1;
        /* compact rows (dataset.h): as many indices as values, or a run's first */
        FUZZ_REQUIRE(!ds->col_ptr || ds->col_ptr[0] == 0);
        for (int64_t r = 0; r < ds->n_rows; r++) {
            FUZZ_REQUIRE(ds->row_ptr[r] <= ds->row_ptr[r + 1]);
            int64_t n = ds->row_ptr[r + 1] - ds->row_ptr[r];
            if (ds->col_ptr) {
                int64_t c = ds->col_ptr[r + 1] - ds->col_ptr[r];
                FUZZ_REQUIRE(c == n || (c == 1 && n > 1));
            }
            /* finite, or NaN: a row without a label (reader.h) */
            FUZZ_REQUIRE(!isinf(ds->label[r]));
            sm_row w = dataset_row(ds, r);
            for (int64_t k = 0; k < w.n; k++) {
                int64_t j = row_index(w.col, w.first, k);
                FUZZ_REQUIRE(j >= 0 && j <= SM_MAX_INDEX && isfinite(w.val[k]));
                FUZZ_REQUIRE(k == 0 || j > row_index(w.col, w.first, k - 1));
                if (j > max_col)
                    max_col = j;
            }
        }
        FUZZ_REQUIRE(ds->dim == max_col + 1);
    }
    if (ds->n_groups > 0) {
        FUZZ_REQUIRE(ds->group_ptr[0] == 0 && ds->group_ptr[ds->n_groups] == ds->n_rows);
        for (int64_t g = 0; g < ds->n_groups; g++)
            FUZZ_REQUIRE(ds->group_ptr[g] < ds->group_ptr[g + 1]);
    }
}

/* Two reads of the same text must agree bit for bit. */
static inline void fuzz_check_same_dataset(const sm_dataset *a, const sm_dataset *b)
{
    FUZZ_REQUIRE(a->n_rows == b->n_rows && a->nnz == b->nnz && a->dim == b->dim);
    FUZZ_REQUIRE(a->n_groups == b->n_groups);
    FUZZ_REQUIRE((a->qid == NULL) == (b->qid == NULL));
    for (int64_t r = 0; r < a->n_rows; r++) {
        FUZZ_REQUIRE(a->row_ptr[r + 1] == b->row_ptr[r + 1]);
        FUZZ_REQUIRE(fuzz_same_bits(a->label[r], b->label[r]));
    }
    for (int64_t r = 0; r < a->n_rows; r++) {
        sm_row x = dataset_row(a, r), y = dataset_row(b, r);
        for (int64_t k = 0; k < x.n; k++)
            FUZZ_REQUIRE(row_index(x.col, x.first, k) == row_index(y.col, y.first, k) &&
                         memcmp(&x.val[k], &y.val[k], sizeof(float)) == 0);
    }
    for (int64_t g = 0; g < a->n_groups; g++) {
        FUZZ_REQUIRE(a->group_ptr[g + 1] == b->group_ptr[g + 1]);
        FUZZ_REQUIRE(a->qid == NULL || a->qid[g] == b->qid[g]);
    }
}

#endif
