/* sidecar.c - group and score files, one value per line. */
#include "sidecar.h"

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

sm_status reader_read_groups(const char *path, int64_t **sizes, int64_t *n_sizes, sm_error *err)
{
    return read_list(path, group_line, sizeof **sizes, sizes, n_sizes, err);
}

sm_status reader_read_scores(const char *path, double **scores, int64_t *n, sm_error *err)
{
    return read_list(path, score_line, sizeof **scores, scores, n, err);
}
