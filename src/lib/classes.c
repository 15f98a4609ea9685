/* classes.c - class values, their indices and the one-hot targets. */
#include "classes.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void classes_init(sm_classes *c)
{
    c->value = NULL;
    c->n = 0;
}

void classes_free(sm_classes *c)
{
    free(c->value);
    classes_init(c);
}

/* Room for n values in c (emptied first). */
static sm_status classes_alloc(sm_classes *c, int64_t n, sm_error *err)
{
    classes_free(c);
    if (!(c->value = malloc((size_t)(n > 0 ? n : 1) * sizeof *c->value)))
        return sm_fail(err, SM_EFAIL, "out of memory for %lld classes", (long long)n);
    return SM_OK;
}

sm_status classes_copy(sm_classes *dst, const sm_classes *src, sm_error *err)
{
    if (dst == src)
        return SM_OK;
    sm_status st = classes_alloc(dst, src->n, err);
    if (st == SM_OK && src->n > 0) {
        memcpy(dst->value, src->value, (size_t)src->n * sizeof *src->value);
        dst->n = src->n;
    }
    return st;
}

int classes_is_label(double label)
{
    return label == floor(label) && fabs(label) <= CLASS_VALUE_MAX;
}

static int compare_values(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

sm_status classes_from_labels(const sm_dataset *ds, sm_classes *c, sm_error *err)
{
    sm_status st = classes_alloc(c, ds->n_rows, err);
    if (st != SM_OK)
        return st;
    for (int64_t i = 0; i < ds->n_rows; i++) {
        if (!classes_is_label(ds->label[i])) {
            classes_free(c);
            char where[300];
            return sm_fail(err, SM_EDATA, "%s: class label %.17g is not an integer",
                           dataset_where(ds, i, where, sizeof where), ds->label[i]);
        }
        c->value[i] = (int64_t)ds->label[i];
    }
    qsort(c->value, (size_t)ds->n_rows, sizeof *c->value, compare_values);
    int64_t n = 0;
    for (int64_t i = 0; i < ds->n_rows; i++)
        if (n == 0 || c->value[i] != c->value[n - 1])
            c->value[n++] = c->value[i];
    if (n > INT32_MAX) {
        classes_free(c);
        return sm_fail(err, SM_EDATA, "%s: %lld classes are too many", ds->source, (long long)n);
    }
    c->n = (int32_t)n;
    return SM_OK;
}

sm_status classes_range(int32_t n, sm_classes *c, sm_error *err)
{
    sm_status st = classes_alloc(c, n, err);
    for (int32_t k = 0; st == SM_OK && k < n; k++)
        c->value[k] = k;
    if (st == SM_OK)
        c->n = n;
    return st;
}

int32_t classes_find(const sm_classes *c, double label)
{
    if (!classes_is_label(label))
        return -1;
    int64_t v = (int64_t)label;
    int32_t lo = 0, hi = c->n; /* binary search in [lo, hi) */
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (c->value[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->value[lo] == v ? lo : -1;
}

sm_status classes_index_rows(const sm_classes *c, const sm_dataset *ds, int32_t **idx,
                             sm_error *err)
{
    *idx = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof **idx);
    if (!*idx)
        return sm_fail(err, SM_EFAIL, "out of memory for %lld class labels",
                       (long long)ds->n_rows);
    for (int64_t i = 0; i < ds->n_rows; i++)
        if (((*idx)[i] = classes_find(c, ds->label[i])) < 0) {
            free(*idx);
            *idx = NULL;
            char where[300];
            return sm_fail(err, SM_EDATA, "%s: label %.17g is not one of the %ld classes",
                           dataset_where(ds, i, where, sizeof where), ds->label[i], (long)c->n);
        }
    return SM_OK;
}

/* The distinct values of labels[0..n) into c (increasing) and how many
 * times each occurs into a new array *count. */
static sm_status distinct_with_counts(const double *labels, int64_t n, sm_classes *c,
                                      int64_t **count, sm_error *err)
{
    sm_status st = classes_alloc(c, n, err);
    if (st == SM_OK && !(*count = calloc((size_t)(n > 0 ? n : 1), sizeof **count))) {
        classes_free(c);
        st = sm_fail(err, SM_EFAIL, "out of memory for %lld classes", (long long)n);
    }
    if (st != SM_OK)
        return st;
    for (int64_t i = 0; i < n; i++)
        c->value[i] = (int64_t)labels[i];
    qsort(c->value, (size_t)n, sizeof *c->value, compare_values);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (m == 0 || c->value[i] != c->value[m - 1])
            c->value[m++] = c->value[i];
        (*count)[m - 1]++;
    }
    c->n = (int32_t)m; /* m <= n rows of a test set, far below INT32_MAX classes */
    return SM_OK;
}

sm_status classes_index_test_rows(const sm_classes *c, const sm_dataset *ds, int32_t **idx,
                                  sm_classes *unseen, int64_t **unseen_rows, sm_error *err)
{
    int64_t n_unseen = 0;
    double *labels = NULL;
    *unseen_rows = NULL;
    classes_free(unseen);
    *idx = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof **idx);
    if (!*idx)
        return sm_fail(err, SM_EFAIL, "out of memory for %lld class labels",
                       (long long)ds->n_rows);
    for (int64_t i = 0; i < ds->n_rows; i++) {
        if (!classes_is_label(ds->label[i])) {
            free(*idx);
            *idx = NULL;
            return sm_fail(err, SM_EDATA, "%s: row %lld: class label %.17g is not an integer",
                           ds->source, (long long)i + 1, ds->label[i]);
        }
        n_unseen += ((*idx)[i] = classes_find(c, ds->label[i])) < 0;
    }
    if (n_unseen == 0)
        return SM_OK;
    if (!(labels = malloc((size_t)n_unseen * sizeof *labels))) {
        free(*idx);
        *idx = NULL;
        return sm_fail(err, SM_EFAIL, "out of memory for %lld labels", (long long)n_unseen);
    }
    for (int64_t i = 0, k = 0; i < ds->n_rows; i++)
        if ((*idx)[i] < 0)
            labels[k++] = ds->label[i];
    sm_status st = distinct_with_counts(labels, n_unseen, unseen, unseen_rows, err);
    free(labels);
    if (st != SM_OK) {
        free(*idx);
        *idx = NULL;
    }
    return st;
}

sm_status classes_one_hot(const sm_classes *c, sm_dataset *ds, sm_error *err)
{
    int32_t *idx;
    sm_status st = classes_index_rows(c, ds, &idx, err);
    if (st != SM_OK)
        return st;
    size_t n = (size_t)ds->n_rows * (size_t)c->n;
    double *t = calloc(n > 0 ? n : 1, sizeof *t);
    if (!t) {
        free(idx);
        return sm_fail(err, SM_EFAIL, "out of memory for %lld one-hot targets",
                       (long long)ds->n_rows);
    }
    for (int64_t i = 0; i < ds->n_rows; i++)
        t[i * c->n + idx[i]] = 1.0;
    free(idx);
    free(ds->target);
    ds->target = t;
    ds->target_dim = c->n;
    return SM_OK;
}

int classes_check_integer(void *ctx, double label, char *why, size_t size)
{
    (void)ctx;
    if (classes_is_label(label))
        return 1;
    snprintf(why, size, "class label must be an integer of magnitude below 2^53");
    return 0;
}

int classes_check_known(void *ctx, double label, char *why, size_t size)
{
    const sm_classes *c = ctx;
    if (classes_find(c, label) >= 0)
        return 1;
    if (!classes_is_label(label))
        return classes_check_integer(NULL, label, why, size);
    snprintf(why, size, "class %.0f was not seen in training (the model's %ld classes are "
             "%lld .. %lld)", label, (long)c->n, (long long)c->value[0],
             (long long)c->value[c->n - 1]);
    return 0;
}

sm_status classes_parse(const char *text, sm_classes *c, sm_error *err)
{
    int64_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    sm_status st = classes_alloc(c, n, err);
    if (st != SM_OK)
        return st;
    const char *p = text;
    for (int64_t k = 0; k < n; k++) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || (*end != ',' && *end != '\0') || errno ||
            fabs((double)v) > CLASS_VALUE_MAX || (k > 0 && v <= c->value[k - 1])) {
            classes_free(c);
            return sm_fail(err, SM_EDATA, "bad classes '%.60s': expected increasing integers, "
                           "at '%.20s'", text, p);
        }
        c->value[k] = v;
        p = end + (*end == ',');
    }
    if (n < 2 || n > INT32_MAX) {
        classes_free(c);
        return sm_fail(err, SM_EDATA, "bad classes '%.60s': a model has at least 2", text);
    }
    c->n = (int32_t)n;
    return SM_OK;
}

void class_weights_free(sm_class_weights *cw)
{
    free(cw->value);
    free(cw->weight);
    memset(cw, 0, sizeof *cw);
}

sm_status class_weights_parse(const char *text, sm_class_weights *cw, sm_error *err)
{
    int64_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    memset(cw, 0, sizeof *cw);
    if (n > INT32_MAX || !(cw->value = malloc((size_t)n * sizeof *cw->value)) ||
        !(cw->weight = malloc((size_t)n * sizeof *cw->weight))) {
        class_weights_free(cw);
        return sm_fail(err, SM_EFAIL, "out of memory for %lld class weights", (long long)n);
    }
    const char *p = text;
    for (int64_t k = 0; k < n; k++) {
        char *end, *wend;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        double w = *end == '=' ? strtod(end + 1, &wend) : NAN;
        int repeated = 0;
        for (int32_t j = 0; j < cw->n; j++)
            repeated |= cw->value[j] == v;
        if (end == p || *end != '=' || wend == end + 1 || (*wend != ',' && *wend != '\0') ||
            errno || fabs((double)v) > CLASS_VALUE_MAX || !(w >= 0.0 && w <= DBL_MAX) ||
            repeated) {
            class_weights_free(cw);
            return sm_fail(err, SM_EUSAGE, "--class-weights '%.60s': expected CLASS=WEIGHT,... "
                           "(distinct integer classes, weights >= 0), at '%.20s'", text, p);
        }
        cw->value[cw->n] = v;
        cw->weight[cw->n++] = w;
        p = wend + (*wend == ',');
    }
    return SM_OK;
}

sm_status class_weights_apply(const sm_class_weights *cw, sm_dataset *ds, sm_error *err)
{
    if (!ds->weight) {
        if (!(ds->weight = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof *ds->weight)))
            return sm_fail(err, SM_EFAIL, "out of memory for %lld weights", (long long)ds->n_rows);
        for (int64_t i = 0; i < ds->n_rows; i++)
            ds->weight[i] = 1.0;
    }
    int any_positive = 0;
    for (int64_t i = 0; i < ds->n_rows; i++) {
        for (int32_t k = 0; k < cw->n; k++)
            if (classes_is_label(ds->label[i]) && (int64_t)ds->label[i] == cw->value[k])
                ds->weight[i] *= cw->weight[k];
        any_positive |= ds->weight[i] > 0.0;
    }
    if (!any_positive && ds->n_rows > 0)
        return sm_fail(err, SM_EDATA, "%s: --class-weights leave no row a positive weight",
                       ds->source);
    return SM_OK;
}
