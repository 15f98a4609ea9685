/* sidecar.c - group and score files, one value per line. */
#include "sidecar.h"

#include <stdlib.h>

#include "array.h"
#include "textsrc.h"
#include "tokens.h"

typedef struct {
    int64_t *values;
    size_t cap;
    int64_t n;
} group_list;

static sm_status group_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                            sm_error *err)
{
    group_list *g = ctx;
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
    if (!sm_array_grow(&g->values, &g->cap, (size_t)g->n + 1, sizeof *g->values))
        return sm_fail_nomem(err, name);
    g->values[g->n++] = size;
    return SM_OK;
}

typedef struct {
    double *values;
    size_t cap;
    int64_t n;
} score_list;

static sm_status score_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                            sm_error *err)
{
    score_list *s = ctx;
    size_t pos = 0;
    sm_token t;
    if (!token_next(line, len, &pos, &t))
        return SM_OK;
    double v;
    real_status rs = token_real(t.s, t.len, &v);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, &t, "score %s", real_problem[rs]);
    if (!sm_array_grow(&s->values, &s->cap, (size_t)s->n + 1, sizeof *s->values))
        return sm_fail_nomem(err, name);
    s->values[s->n++] = v;
    return SM_OK;
}

static sm_status read_list_file(const char *path, textsrc_line_fn handle, void *list, sm_error *err)
{
    sm_textsrc src;
    sm_status st = textsrc_open(&src, path, err);
    if (st == SM_OK) {
        st = textsrc_scan_lines(&src, handle, list, err);
        textsrc_close(&src);
    }
    return st;
}

sm_status reader_read_groups(const char *path, int64_t **sizes, int64_t *n_sizes, sm_error *err)
{
    group_list g = {NULL, 0, 0};
    sm_status st = read_list_file(path, group_line, &g, err);
    if (st != SM_OK) {
        free(g.values);
        *sizes = NULL;
        *n_sizes = 0;
        return st;
    }
    sm_array_shrink(&g.values, (size_t)g.n, sizeof *g.values);
    if (!g.values)
        return sm_fail_nomem(err, path);
    *sizes = g.values;
    *n_sizes = g.n;
    return SM_OK;
}

sm_status reader_read_scores(const char *path, double **scores, int64_t *n, sm_error *err)
{
    score_list s = {NULL, 0, 0};
    sm_status st = read_list_file(path, score_line, &s, err);
    if (st != SM_OK) {
        free(s.values);
        *scores = NULL;
        *n = 0;
        return st;
    }
    sm_array_shrink(&s.values, (size_t)s.n, sizeof *s.values);
    if (!s.values)
        return sm_fail_nomem(err, path);
    *scores = s.values;
    *n = s.n;
    return SM_OK;
}
