/* dataset.c - lifetime of an sm_dataset, sidecar query groups, label transforms. */
#include "dataset.h"
#include "names.h"
#include "numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void dataset_init(sm_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
}

int dataset_in_mapping(const sm_dataset *ds, const void *p)
{
    uintptr_t a = (uintptr_t)p, m = (uintptr_t)ds->mapping;
    return ds->mapping && a >= m && a <= m + ds->mapping_len; /* an empty array may sit at the end */
}

/* free() for an array of ds, which may instead live in its cache mapping. */
static void free_array(const sm_dataset *ds, void *p)
{
    if (!dataset_in_mapping(ds, p))
        free(p);
}

void dataset_free(sm_dataset *ds)
{
    free_array(ds, ds->row_ptr);
    free_array(ds, ds->col);
    free_array(ds, ds->val);
    free_array(ds, ds->col_ptr);
    free_array(ds, ds->label);
    free_array(ds, ds->group_ptr);
    free_array(ds, ds->qid);
    free(ds->target);
    free(ds->weight);
    free(ds->line_skips);
    if (ds->mapping) {
        munmap(ds->mapping, ds->mapping_len);
        close(ds->mapping_fd);
    }
    dataset_init(ds);
}

int dataset_equal(const sm_dataset *a, const sm_dataset *b)
{
    if (!a->row_ptr || !b->row_ptr || a->n_rows != b->n_rows || a->nnz != b->nnz ||
        a->dim != b->dim || a->featmap_id != b->featmap_id || a->n_groups != b->n_groups ||
        (!a->qid != !b->qid) || (!a->weight != !b->weight))
        return 0;
    if (a->weight && memcmp(a->weight, b->weight, (size_t)a->n_rows * sizeof *a->weight))
        return 0;
    if (memcmp(a->row_ptr, b->row_ptr, (size_t)(a->n_rows + 1) * sizeof *a->row_ptr) ||
        memcmp(a->label, b->label, (size_t)a->n_rows * sizeof *a->label) ||
        (a->nnz && memcmp(a->val, b->val, (size_t)a->nnz * sizeof *a->val)))
        return 0;
    for (int64_t r = 0; r < a->n_rows; r++) { /* the indices, in either layout */
        sm_row x = dataset_row(a, r), y = dataset_row(b, r);
        for (int64_t k = 0; k < x.n; k++)
            if (row_index(x.col, x.first, k) != row_index(y.col, y.first, k))
                return 0;
    }
    if (a->n_groups &&
        (memcmp(a->group_ptr, b->group_ptr, (size_t)(a->n_groups + 1) * sizeof *a->group_ptr) ||
         (a->qid && memcmp(a->qid, b->qid, (size_t)a->n_groups * sizeof *a->qid))))
        return 0;
    return 1;
}

/* Whether the row's n > 1 indices at col are a run. */
static int is_run(const int32_t *col, int64_t n)
{
    return n > 1 && (int64_t)col[n - 1] - col[0] == n - 1; /* (strictly increasing) */
}

void dataset_compact_rows(sm_dataset *ds)
{
    if (ds->col_ptr || !ds->row_ptr || ds->n_rows == 0 || dataset_in_mapping(ds, ds->col))
        return;
    int64_t saved = 0; /* indices */
    for (int64_t r = 0; r < ds->n_rows; r++) {
        int64_t b = ds->row_ptr[r], n = ds->row_ptr[r + 1] - b;
        if (is_run(ds->col + b, n))
            saved += n - 1;
    }
    /* 4 bytes an index saved, 8 an offset added */
    if (saved * (int64_t)sizeof *ds->col <= (ds->n_rows + 1) * (int64_t)sizeof *ds->col_ptr)
        return;
    int64_t *col_ptr = malloc(((size_t)ds->n_rows + 1) * sizeof *col_ptr);
    if (!col_ptr)
        return; /* the sparse layout serves as well */
    int64_t w = 0; /* never ahead of the row being read: moved down in place */
    for (int64_t r = 0; r < ds->n_rows; r++) {
        int64_t b = ds->row_ptr[r], n = ds->row_ptr[r + 1] - b;
        col_ptr[r] = w;
        if (is_run(ds->col + b, n)) {
            ds->col[w++] = ds->col[b];
        } else {
            memmove(ds->col + w, ds->col + b, (size_t)n * sizeof *ds->col);
            w += n;
        }
    }
    col_ptr[ds->n_rows] = w;
    ds->col_ptr = col_ptr;
    int32_t *smaller = realloc(ds->col, (size_t)(w > 0 ? w : 1) * sizeof *ds->col);
    if (smaller)
        ds->col = smaller;
}

sm_status dataset_expand_rows(sm_dataset *ds, sm_error *err)
{
    if (!ds->col_ptr)
        return SM_OK;
    int32_t *col = malloc((size_t)(ds->nnz > 0 ? ds->nnz : 1) * sizeof *col);
    if (!col)
        return sm_fail(err, SM_EFAIL, "%s: out of memory for the feature indices",
                       ds->source[0] ? ds->source : "data");
    for (int64_t r = 0; r < ds->n_rows; r++) {
        sm_row w = dataset_row(ds, r);
        for (int64_t k = 0; k < w.n; k++)
            col[ds->row_ptr[r] + k] = row_index(w.col, w.first, k);
    }
    free_array(ds, ds->col);
    free_array(ds, ds->col_ptr);
    ds->col = col;
    ds->col_ptr = NULL;
    return SM_OK;
}

int64_t dataset_row_of(const sm_dataset *ds, int64_t k)
{
    int64_t lo = 0, hi = ds->n_rows; /* the rows before lo end at or before k */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ds->row_ptr[mid + 1] <= k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t dataset_row_bytes(const sm_dataset *ds)
{
    uint64_t rows = (uint64_t)ds->n_rows, nnz = (uint64_t)ds->nnz;
    uint64_t indices = ds->col_ptr ? (uint64_t)ds->col_ptr[ds->n_rows] : nnz;
    return (rows + 1) * sizeof *ds->row_ptr + rows * sizeof *ds->label + nnz * sizeof *ds->val +
           indices * sizeof *ds->col + (ds->col_ptr ? (rows + 1) * sizeof *ds->col_ptr : 0);
}

int64_t dataset_row_line(const sm_dataset *ds, int64_t r)
{
    if (!ds->lines_known || r < 0 || r >= ds->n_rows)
        return 0;
    int64_t lo = 0, hi = ds->n_line_skips; /* the entries before lo start at rows <= r */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ds->line_skips[mid][0] <= r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return r + 1 + (lo > 0 ? ds->line_skips[lo - 1][1] : 0);
}

const char *dataset_where(const sm_dataset *ds, int64_t r, char *buf, size_t size)
{
    const char *source = ds->source[0] ? ds->source : "data";
    int64_t line = dataset_row_line(ds, r);
    if (line > 0)
        snprintf(buf, size, "%s:%lld", source, (long long)line);
    else
        snprintf(buf, size, "%s: row %lld", source, (long long)r + 1);
    return buf;
}

void dataset_weight_range(const sm_dataset *ds, double *lo, double *hi)
{
    *lo = *hi = 1.0;
    for (int64_t r = 0; ds->weight && r < ds->n_rows; r++) {
        if (r == 0 || ds->weight[r] < *lo)
            *lo = ds->weight[r];
        if (r == 0 || ds->weight[r] > *hi)
            *hi = ds->weight[r];
    }
}

sm_status dataset_normalize_weights(sm_dataset *ds, double lo, double hi, sm_error *err)
{
    int e;
    (void)frexp(hi, &e); /* hi = m 2^e, m in [0.5, 1) */
    if ((lo == hi && hi == 1.0) || !(hi > 0.0))
        return SM_OK; /* no weights, or all 1 already */
    if (!ds->weight && ds->n_rows > 0) {
        if (!(ds->weight = malloc((size_t)ds->n_rows * sizeof *ds->weight)))
            return sm_fail_nomem(err, "row weights");
        for (int64_t r = 0; r < ds->n_rows; r++)
            ds->weight[r] = 1.0;
    }
    for (int64_t r = 0; ds->weight && r < ds->n_rows; r++)
        ds->weight[r] = lo == hi ? 1.0 : ldexp(ds->weight[r], -e);
    return SM_OK;
}

sm_status dataset_check_query_weights(const sm_dataset *ds, const char *weights_source,
                                      sm_error *err)
{
    for (int64_t g = 0; ds->weight && g < ds->n_groups; g++) {
        int64_t b = ds->group_ptr[g];
        for (int64_t r = b + 1; r < ds->group_ptr[g + 1]; r++)
            if (ds->weight[r] != ds->weight[b]) {
                char where[300];
                int64_t first_line = dataset_row_line(ds, b);
                dataset_where(ds, r, where, sizeof where);
                return sm_fail(err, SM_EDATA,
                               "%s: the weight of this row, %.10g (%s), is not that of its "
                               "query's first row (%s %lld), %.10g: a ranking objective or "
                               "metric weighs whole queries, so a query's rows need one weight",
                               where, ds->weight[r], weights_source, first_line ? "line" : "row",
                               (long long)(first_line ? first_line : b + 1), ds->weight[b]);
            }
    }
    return SM_OK;
}

sm_status dataset_set_group_sizes(sm_dataset *ds, const int64_t *sizes, int64_t n_sizes,
                                  const char *source, sm_error *err)
{
    int64_t total = 0;
    for (int64_t g = 0; g < n_sizes; g++) {
        if (sizes[g] < 1)
            return sm_fail(err, SM_EDATA,
                           "%s: group %lld has size %lld; every group needs at least 1 row", source,
                           (long long)(g + 1), (long long)sizes[g]);
        if (sizes[g] > INT64_MAX - total)
            return sm_fail(err, SM_EDATA,
                           "%s: the group sizes sum to more than %lld but %s has %lld rows", source,
                           (long long)INT64_MAX, ds->source, (long long)ds->n_rows);
        total += sizes[g];
    }
    if (total != ds->n_rows)
        return sm_fail(err, SM_EDATA, "%s: the group sizes sum to %lld but %s has %lld rows",
                       source, (long long)total, ds->source[0] ? ds->source : "the data",
                       (long long)ds->n_rows);
    int64_t *group_ptr = malloc(((size_t)n_sizes + 1) * sizeof *group_ptr);
    if (!group_ptr)
        return sm_fail(err, SM_EFAIL, "%s: out of memory", source);
    group_ptr[0] = 0;
    for (int64_t g = 0; g < n_sizes; g++)
        group_ptr[g + 1] = group_ptr[g] + sizes[g];
    free_array(ds, ds->group_ptr);
    free_array(ds, ds->qid);
    ds->group_ptr = group_ptr;
    ds->qid = NULL;
    ds->n_groups = n_sizes;
    return SM_OK;
}

const char *const label_transform_names[LABEL_TRANSFORM_COUNT + 1] = {
    [LABEL_NONE] = "none", [LABEL_LOG] = "log", [LABEL_LOG1P] = "log1p"};

typedef struct {
    double lower_bound; /* labels must be strictly greater */
    double (*apply)(double);
} transform_info;

static const transform_info transforms[LABEL_TRANSFORM_COUNT] = {
    [LABEL_NONE] = {.lower_bound = -INFINITY, .apply = NULL},
    [LABEL_LOG] = {.lower_bound = 0.0, .apply = log},
    [LABEL_LOG1P] = {.lower_bound = -1.0, .apply = log1p},
};
enum { N_TRANSFORMS = LABEL_TRANSFORM_COUNT };

sm_status dataset_transform_labels(sm_dataset *ds, sm_label_transform t, sm_error *err)
{
    if ((unsigned)t >= N_TRANSFORMS)
        return sm_fail(err, SM_EFAIL, "unknown label transform %d", (int)t);
    const transform_info *info = &transforms[t];
    if (!info->apply)
        return SM_OK;
    /* Check every label before changing any, so a failure leaves ds intact. */
    for (int64_t r = 0; r < ds->n_rows; r++) {
        if (!(ds->label[r] > info->lower_bound)) {
            char shown[40], where[300];
            sm_format_double(shown, sizeof shown, ds->label[r]); /* as the file wrote it */
            return sm_fail(err, SM_EDATA, "%s: label %s; the %s label transform needs labels > %g",
                           dataset_where(ds, r, where, sizeof where), shown,
                           label_transform_names[t], info->lower_bound);
        }
    }
    for (int64_t r = 0; r < ds->n_rows; r++)
        ds->label[r] = info->apply(ds->label[r]);
    return SM_OK;
}

int label_transform_parse(const char *name) { return names_find(label_transform_names, name); }

const char *label_transform_name(sm_label_transform t)
{
    return (unsigned)t < N_TRANSFORMS ? label_transform_names[t] : "unknown";
}
