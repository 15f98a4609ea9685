/* sidecar.c - group and score files, one value per line. */
#include "sidecar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "textsrc.h"
#include "tokens.h"

/* The values read so far, of the element type of the file's kind. */
typedef struct {
    void *values;
    size_t cap;
    int64_t n;
} value_list;

static sm_status group_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                            sm_error *err)
{
    value_list *g = ctx;
    size_t pos = 0;
    sm_token t;
    if (!token_next(line, len, &pos, &t))
        return SM_OK;
    int64_t size;
    int too_large;
    if (token_uint(t.s, t.len, INT64_MAX, &size, &too_large) != t.len || (!too_large && size == 0))
        return token_fail(err, name, lineno, &t, "group size must be a positive integer");
    if (too_large)
        return token_fail(err, name, lineno, &t, "group size is too large");
    if (token_next(line, len, &pos, &t))
        return token_fail(err, name, lineno, &t, "unexpected text after the group size");
    if (!sm_array_grow(&g->values, &g->cap, (size_t)g->n + 1, sizeof size))
        return sm_fail_nomem(err, name);
    ((int64_t *)g->values)[g->n++] = size;
    return SM_OK;
}

static sm_status score_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                            sm_error *err)
{
    value_list *s = ctx;
    size_t pos = 0;
    sm_token t;
    if (!token_next(line, len, &pos, &t))
        return SM_OK;
    double v;
    real_status rs = token_real(t.s, t.len, &v);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, &t, "score %s", real_problem[rs]);
    /* Text after the score is a tag (VW's -p), but a second number means K
     * scores a line (a multi-class model's), which one score cannot stand for. */
    double second;
    if (token_next(line, len, &pos, &t) && token_real(t.s, t.len, &second) == REAL_OK)
        return token_fail(err, name, lineno, &t, "a second number: a predictions file has one "
                          "score a line (K class scores are a multi-class model's: evaluate "
                          "the model with -m)");
    if (!sm_array_grow(&s->values, &s->cap, (size_t)s->n + 1, sizeof v))
        return sm_fail_nomem(err, name);
    ((double *)s->values)[s->n++] = v;
    return SM_OK;
}

/* Every line of the file through handle, then the values (of `size` bytes
 * each) handed out trimmed at *values_pp (the address of a typed pointer):
 * NULL and *n == 0 after a failure. */
static sm_status read_list(const char *path, textsrc_line_fn handle, size_t size, void *values_pp,
                           int64_t *n, sm_error *err)
{
    value_list list = {NULL, 0, 0};
    sm_textsrc src;
    sm_status st = textsrc_open(&src, path, err);
    if (st == SM_OK) {
        st = textsrc_scan_lines(&src, handle, &list, err);
        textsrc_close(&src);
    }
    if (st == SM_OK) {
        sm_array_shrink(&list.values, (size_t)list.n, size);
        if (!list.values)
            st = sm_fail_nomem(err, path);
    }
    if (st != SM_OK) {
        free(list.values);
        list.values = NULL;
        list.n = 0;
    }
    memcpy(values_pp, &list.values, sizeof list.values);
    *n = list.n;
    return st;
}

sm_status sidecar_read_groups(const char *path, int64_t **sizes, int64_t *n_sizes, sm_error *err)
{
    return read_list(path, group_line, sizeof **sizes, sizes, n_sizes, err);
}

sm_status sidecar_read_scores(const char *path, double **scores, int64_t *n, sm_error *err)
{
    return read_list(path, score_line, sizeof **scores, scores, n, err);
}

/* A weights file as it is read: the weights, and what they are for. */
typedef struct {
    value_list list;
    int64_t rows;        /* the data's rows */
    const char *rows_of; /* the data's display name */
    int64_t last_line;
    int any_positive;
} weight_file;

static sm_status weight_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                             sm_error *err)
{
    weight_file *f = ctx;
    size_t pos = 0;
    sm_token t;
    f->last_line = lineno;
    if (!token_next(line, len, &pos, &t))
        return SM_OK;
    double w;
    real_status rs = token_real(t.s, t.len, &w);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, &t, "weight %s", real_problem[rs]);
    if (w < 0.0)
        return token_fail(err, name, lineno, &t, "a weight must be >= 0");
    if (f->list.n == f->rows)
        return token_fail(err, name, lineno, &t, "more weights than the %lld rows of %s",
                          (long long)f->rows, f->rows_of);
    if (token_next(line, len, &pos, &t))
        return token_fail(err, name, lineno, &t, "unexpected text after the weight (one a line)");
    if (!sm_array_grow(&f->list.values, &f->list.cap, (size_t)f->list.n + 1, sizeof w))
        return sm_fail_nomem(err, name);
    ((double *)f->list.values)[f->list.n++] = w;
    f->any_positive |= w > 0.0;
    return SM_OK;
}

sm_status sidecar_read_weights(const char *path, int64_t rows, const char *rows_of,
                               double **weights, sm_error *err)
{
    weight_file f = {{NULL, 0, 0}, rows, rows_of, 0, 0};
    sm_textsrc src;
    *weights = NULL;
    sm_status st = textsrc_open(&src, path, err);
    if (st != SM_OK)
        return st;
    st = textsrc_scan_lines(&src, weight_line, &f, err);
    if (st == SM_OK && f.list.n < rows)
        st = sm_fail(err, SM_EDATA, "%s:%lld: the file ends after %lld weights, for the %lld rows "
                     "of %s", src.name, (long long)f.last_line, (long long)f.list.n,
                     (long long)rows, rows_of);
    else if (st == SM_OK && rows > 0 && !f.any_positive)
        st = sm_fail(err, SM_EDATA, "%s: every weight is 0: nothing to learn or measure",
                     src.name);
    textsrc_close(&src);
    if (st != SM_OK) {
        free(f.list.values);
        return st;
    }
    *weights = f.list.values;
    return SM_OK;
}

/* A targets file as it is read: the values, the rows so far and the spec. */
typedef struct {
    value_list list;
    sm_targets_spec *spec;
    int64_t last_line; /* the last line seen */
} target_file;

/* Whether the line's k targets t form a distribution; the message if not. */
static sm_status check_distribution(const char *name, int64_t lineno, const double *t, int32_t k,
                                    sm_error *err)
{
    double sum = 0.0;
    for (int32_t j = 0; j < k; j++)
        sum += t[j];
    if (!(fabs(sum - 1.0) <= 1e-6))
        return sm_fail(err, SM_EDATA, "%s:%lld: probabilities sum to %.17g, not 1 (within 1e-6)",
                       name, (long long)lineno, sum);
    return SM_OK;
}

static sm_status target_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                             sm_error *err)
{
    target_file *f = ctx;
    sm_targets_spec *spec = f->spec;
    size_t pos = 0;
    sm_token t;
    f->last_line = lineno;
    if (!token_next(line, len, &pos, &t))
        return SM_OK;
    int64_t row = f->list.n / (spec->k > 0 ? spec->k : 1);
    if (spec->rows >= 0 && row == spec->rows)
        return sm_fail(err, SM_EDATA, "%s:%lld: more lines of targets than the %lld rows of %s",
                       name, (long long)lineno, (long long)spec->rows, spec->rows_of);
    int64_t start = f->list.n, count = 0;
    do {
        double v;
        real_status rs = token_real(t.s, t.len, &v);
        if (rs != REAL_OK)
            return token_fail(err, name, lineno, &t, "target %s", real_problem[rs]);
        if (spec->prob && v < 0.0)
            return token_fail(err, name, lineno, &t, "a probability must be >= 0");
        if (spec->k > 0 && count == spec->k)
            return token_fail(err, name, lineno, &t, "more than %ld targets on the line",
                              (long)spec->k);
        if (count == SIDECAR_MAX_TARGETS)
            return token_fail(err, name, lineno, &t, "more than %d targets on a line",
                              SIDECAR_MAX_TARGETS);
        if (!sm_array_grow(&f->list.values, &f->list.cap, (size_t)f->list.n + 1, sizeof v))
            return sm_fail_nomem(err, name);
        ((double *)f->list.values)[f->list.n++] = v;
        count++;
    } while (token_next(line, len, &pos, &t));
    if (spec->k == 0 && count < 2)
        return sm_fail(err, SM_EDATA, "%s:%lld: %lld target on the line; multi-class targets "
                       "are K >= 2 numbers a line", name, (long long)lineno, (long long)count);
    if (spec->k > 0 && count < spec->k)
        return sm_fail(err, SM_EDATA, "%s:%lld: %lld targets on the line, expected %ld", name,
                       (long long)lineno, (long long)count, (long)spec->k);
    if (spec->k == 0)
        spec->k = (int32_t)count;
    const double *values = f->list.values;
    return spec->prob ? check_distribution(name, lineno, values + start, spec->k, err) : SM_OK;
}

sm_status sidecar_read_targets(const char *path, sm_targets_spec *spec, double **targets,
                               int64_t *n, sm_error *err)
{
    target_file f = {{NULL, 0, 0}, spec, 0};
    sm_textsrc src;
    *targets = NULL;
    *n = 0;
    sm_status st = textsrc_open(&src, path, err);
    if (st != SM_OK)
        return st;
    st = textsrc_scan_lines(&src, target_line, &f, err);
    int64_t rows = f.list.n / (spec->k > 0 ? spec->k : 1);
    if (st == SM_OK && rows == 0)
        st = sm_fail(err, SM_EDATA, "%s: no targets (K numbers a line)", src.name);
    else if (st == SM_OK && spec->rows >= 0 && rows < spec->rows)
        st = sm_fail(err, SM_EDATA, "%s:%lld: the file ends after %lld lines of targets, for "
                     "the %lld rows of %s", src.name, (long long)f.last_line, (long long)rows,
                     (long long)spec->rows, spec->rows_of);
    textsrc_close(&src);
    if (st != SM_OK) {
        free(f.list.values);
        return st;
    }
    *targets = f.list.values;
    *n = rows;
    return SM_OK;
}
