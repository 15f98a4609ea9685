/* dataset.h - an in-memory training set: sparse (CSR) or compact rows, labels, query groups.
 *
 * Layout: row r has the values val[row_ptr[r] .. row_ptr[r+1]), its nonzeros,
 * at column indices strictly increasing within the row. 64-bit offsets so
 * that more than 2^32 nonzeros fit; 32-bit column indices and float values.
 * Where the indices are (read them with dataset_row, never directly):
 *   col_ptr NULL (sparse rows): col[row_ptr[r] .. row_ptr[r+1]), 8 bytes a
 *       nonzero;
 *   col_ptr set (compact rows, dataset_compact_rows): row r's entries are
 *       col[col_ptr[r] .. col_ptr[r+1]): as many as its values (its indices,
 *       as above), or one with more values: a run, whose values are at the
 *       indices col[col_ptr[r]], that + 1, ... (a LETOR row of every feature
 *       1 .. D): 4 bytes a value. The values are the same floats either way,
 *       so every kernel computes the same bits on either layout.
 * Labels are doubles (they are the loss's reference point and must not
 * lose digits).
 *
 * Query groups (ranking): group g is rows group_ptr[g] .. group_ptr[g+1]).
 * n_groups == 0 means the data has no query structure. qid[g] is the inline
 * qid of group g when the file had qid: tokens, else NULL.
 */
#ifndef SM_DATASET_H
#define SM_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SM_MAX_INDEX 2147483646L /* largest feature index: dim must fit int32 */

typedef struct {
    int64_t n_rows;
    int64_t nnz;
    int32_t dim;          /* max feature index + 1 (0 when no features) */
    int64_t *row_ptr;     /* n_rows + 1 */
    int32_t *col;         /* nnz, or col_ptr[n_rows] with col_ptr */
    float *val;           /* nnz */
    int64_t *col_ptr;     /* n_rows + 1, or NULL (see the layout above) */
    double *label;        /* n_rows */
    int64_t n_groups;     /* 0: no query groups */
    int64_t *group_ptr;   /* n_groups + 1, or NULL */
    int64_t *qid;         /* n_groups, or NULL (groups from a sidecar file) */
    /* Multi-class targets: target_dim (K) numbers per row, row-major (a
     * teacher's scores, probabilities, or one-hot class labels), or NULL.
     * Always malloc'd (never part of a cache mapping). */
    double *target;
    int32_t target_dim;
    /* Row weights (a weights file, sidecar.h), n_rows finite values >= 0 not
     * all 0, or NULL: every row weighs 1. Always malloc'd. */
    double *weight;
    char weight_source[256]; /* display name of the weights file, "" without */
    /* 0: col[] holds the file's feature indices; else the id of the feature
     * map they went through (featmap.h), whose inputs they are. */
    uint64_t featmap_id;
    char source[256];     /* display name of the file it came from */
    /* Where the rows are in that file, for messages (dataset_where): row r
     * is on line r + 1 + skip, the skip of the last of the n_line_skips
     * entries {first row, skip} whose first row is <= r (0 before the first):
     * blank and comment lines, and the lines before a share, move rows down.
     * lines_known 0: not known (rows from a cache, or made in memory), and
     * rows are named by their number. Always malloc'd. */
    int64_t (*line_skips)[2];
    int64_t n_line_skips;
    int lines_known;
    int64_t duplicate_rows; /* rows whose repeated feature indices were merged
                             * (sm_reader_options.duplicates) */
    /* A dataset loaded from a cache (cache.h) has its arrays inside this
     * private memory mapping instead of malloc'd; dataset_free unmaps it.
     * Arrays replaced later (e.g. by dataset_set_group_sizes) are malloc'd. */
    void *mapping;
    size_t mapping_len;
    int mapping_fd; /* with a mapping: its cache file, open for reading (stream.h) */
} sm_dataset;

/* Row r's nonzeros: the k-th (0 <= k < n) has the value val[k] at the
 * index col[k], or first + k when col is NULL (a run). */
typedef struct {
    const int32_t *col;
    const float *val;
    int64_t n;
    int32_t first;
} sm_row;

/* Row r given its values' offsets b = row_ptr[r], e = row_ptr[r + 1] (for a
 * pass that overwrites the offsets as it goes). */
static inline sm_row dataset_row_span(const sm_dataset *ds, int64_t r, int64_t b, int64_t e)
{
    int64_t n = e - b;
    sm_row w = {NULL, NULL, n, 0};
    if (n == 0)
        return w; /* (col and val may be NULL: no offset on a null pointer) */
    w.val = ds->val + b;
    if (!ds->col_ptr) {
        w.col = ds->col + b;
    } else {
        int64_t c = ds->col_ptr[r];
        if (ds->col_ptr[r + 1] - c == n)
            w.col = ds->col + c;
        else
            w.first = ds->col[c];
    }
    return w;
}

static inline sm_row dataset_row(const sm_dataset *ds, int64_t r)
{
    return dataset_row_span(ds, r, ds->row_ptr[r], ds->row_ptr[r + 1]);
}

/* The index of a row's k-th nonzero. A hot loop calls its body through an
 * inline function given w.col and w.first as arguments, once with a NULL
 * col, so that the compiler makes the run's loop without the test; in 64
 * bits, so that a run's addresses advance by a constant step. */
static inline int64_t row_index(const int32_t *col, int32_t first, int64_t k)
{
    return col ? (int64_t)col[k] : (int64_t)first + k;
}

/* The row that holds the nonzero k (0 <= k < nnz): the last r with
 * row_ptr[r] <= k and a nonzero of its own; n_rows when k >= nnz. */
int64_t dataset_row_of(const sm_dataset *ds, int64_t k);

void dataset_init(sm_dataset *ds);
/* Free the arrays (and unmap a cache mapping); leaves ds as dataset_init does. */
void dataset_free(sm_dataset *ds);
/* Whether the array p of ds lives in its cache mapping (read-only), rather
 * than in memory of its own that may be changed in place. */
int dataset_in_mapping(const sm_dataset *ds, const void *p);
/* True when a and b hold the same rows (in the same feature space), labels,
 * groups and qids bit for bit
 * (however they were loaded: parsed, by any thread count, or from a cache;
 * in either layout);
 * the source name is not compared. Exposed for tests. */
/* For tests only. */
int dataset_equal(const sm_dataset *a, const sm_dataset *b);

/* Store ds's rows whose indices are a run (i, i + 1, ..., at least 2 of
 * them) without their indices (the compact layout above), when that saves
 * memory over the offsets it adds; else (or when out of memory, or when the
 * arrays are in a cache mapping) leaves ds as it is. Same rows, same
 * values, same results. */
void dataset_compact_rows(sm_dataset *ds);
/* The sparse layout again (every index stored): SM_EFAIL when out of memory,
 * ds unchanged then. Nothing for sparse rows. */
sm_status dataset_expand_rows(sm_dataset *ds, sm_error *err);
/* The bytes of ds's rows in memory: offsets, indices, values, labels. */
uint64_t dataset_row_bytes(const sm_dataset *ds);

/* The line of row r (0-based) in ds's file, from 1; 0 when not known. */
int64_t dataset_row_line(const sm_dataset *ds, int64_t r);
/* "SOURCE:LINE" of row r for a message, or "SOURCE: row N" (from 1) when
 * its line is not known; into buf, which it returns. */
const char *dataset_where(const sm_dataset *ds, int64_t r, char *buf, size_t size);

/* Set the groups from a list of row counts (LightGBM .query / XGBoost .group).
 * Fails with SM_EDATA when a count is < 1 or the counts do not sum to n_rows. */
sm_status dataset_set_group_sizes(sm_dataset *ds, const int64_t *sizes, int64_t n_sizes,
                                  const char *source, sm_error *err);

/* For the ranking objectives and metrics, which weigh queries: every row
 * of a query must have its query's weight (that of its first row). SM_EDATA
 * naming the data and the two rows otherwise; SM_OK without weights. */
sm_status dataset_check_query_weights(const sm_dataset *ds, const char *weights_source,
                                      sm_error *err);

/* The smallest and largest of ds's row weights (1 and 1 without weights). */
void dataset_weight_range(const sm_dataset *ds, double *lo, double *hi);
/* Normalise ds's row weights once, before any sum over them, given the range
 * [lo, hi] of the weights of all of its data (dataset_weight_range; several
 * shares: of every share's). Equal weights all become 1: the unweighted
 * model and reports, bit for bit. Others are divided by the power of two
 * 2^e that puts hi in [0.5, 1): exactly, so every weighted mean (the
 * objectives, the metrics, the reports: all are means) keeps its bits, and
 * no sum of weights or weighted losses can overflow, however large the
 * weights. A share without weights (all 1) gets weights 2^-e then. Does
 * nothing when no share has weights; SM_EFAIL when out of memory. */
sm_status dataset_normalize_weights(sm_dataset *ds, double lo, double hi, sm_error *err);

/* Apply a label transform in place: "none", "log" (y > 0 required), "log1p"
 * (y > -1 required). Fails with SM_EDATA naming the first bad row. */
typedef enum { LABEL_NONE = 0, LABEL_LOG, LABEL_LOG1P, LABEL_TRANSFORM_COUNT } sm_label_transform;
/* Names indexed by sm_label_transform, NULL-terminated (names.h). */
extern const char *const label_transform_names[LABEL_TRANSFORM_COUNT + 1];
sm_status dataset_transform_labels(sm_dataset *ds, sm_label_transform t, sm_error *err);
/* Parse "none|log|log1p"; returns -1 when unknown. */
int label_transform_parse(const char *name);
const char *label_transform_name(sm_label_transform t);

#endif
