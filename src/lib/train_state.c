/* train_state.c - the state a run resumes from (train_state.h). */
#include "train_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void train_state_init(sm_train_state *s)
{
    memset(s, 0, sizeof *s);
}

void train_state_free(sm_train_state *s)
{
    for (int i = 0; i < s->n_arrays; i++)
        free(s->arrays[i].v);
    free(s->arrays);
    free(s->values);
    train_state_init(s);
}

/* Room for one more of n items of `size` bytes in *items (capacity *cap). */
static int grow(void **items, int n, int *cap, size_t size)
{
    if (n < *cap)
        return 1;
    int ncap = *cap ? 2 * *cap : 16;
    void *p = realloc(*items, (size_t)ncap * size);
    if (!p)
        return 0;
    *items = p;
    *cap = ncap;
    return 1;
}

static sm_state_value *find_value(const sm_train_state *s, const char *name)
{
    for (int i = 0; i < s->n_values; i++)
        if (strcmp(s->values[i].name, name) == 0)
            return &s->values[i];
    return NULL;
}

static sm_state_array *find_array(const sm_train_state *s, const char *name)
{
    for (int i = 0; i < s->n_arrays; i++)
        if (strcmp(s->arrays[i].name, name) == 0)
            return &s->arrays[i];
    return NULL;
}

sm_status train_state_set(sm_train_state *s, const char *name, sm_error *err, const char *fmt,
                          ...)
{
    if (strlen(name) >= TRAIN_STATE_NAME_MAX)
        return sm_fail(err, SM_EDATA, "the resume state's name '%.60s' is too long", name);
    sm_state_value *slot = find_value(s, name);
    if (!slot) {
        if (!grow((void **)&s->values, s->n_values, &s->cap_values, sizeof *s->values))
            return sm_fail(err, SM_EFAIL, "out of memory");
        slot = &s->values[s->n_values++];
        snprintf(slot->name, sizeof slot->name, "%s", name);
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(slot->value, sizeof slot->value, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof slot->value || strpbrk(slot->value, "\n\r"))
        return sm_fail(err, SM_EDATA, "the resume state's value of %s does not fit a line",
                       name);
    return SM_OK;
}

const char *train_state_get(const sm_train_state *s, const char *name)
{
    const sm_state_value *v = find_value(s, name);
    return v ? v->value : NULL;
}

sm_status train_state_set_array(sm_train_state *s, const char *name, const double *v, int64_t n,
                                sm_error *err)
{
    if (strlen(name) >= TRAIN_STATE_NAME_MAX || strpbrk(name, " =\n"))
        return sm_fail(err, SM_EDATA, "the resume state's array name '%.60s' is bad", name);
    double *copy = calloc((size_t)(n > 0 ? n : 1), sizeof *copy);
    if (!copy)
        return sm_fail(err, SM_EFAIL, "out of memory for the resume state (%lld values)",
                       (long long)n);
    if (v && n > 0)
        memcpy(copy, v, (size_t)n * sizeof *copy);
    sm_state_array *slot = find_array(s, name);
    if (!slot) {
        if (!grow((void **)&s->arrays, s->n_arrays, &s->cap_arrays, sizeof *s->arrays)) {
            free(copy);
            return sm_fail(err, SM_EFAIL, "out of memory");
        }
        slot = &s->arrays[s->n_arrays++];
        snprintf(slot->name, sizeof slot->name, "%s", name);
        slot->v = NULL;
    }
    free(slot->v);
    slot->v = copy;
    slot->n = n;
    return SM_OK;
}

const sm_state_array *train_state_array(const sm_train_state *s, const char *name)
{
    return find_array(s, name);
}

sm_status train_state_double(const sm_train_state *s, const char *name, double *out,
                             sm_error *err)
{
    const char *text = train_state_get(s, name);
    char *end;
    if (!text)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has no %s", name);
    *out = strtod(text, &end);
    if (end == text || *end)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has a bad %s '%s'", name,
                       text);
    return SM_OK;
}

sm_status train_state_long(const sm_train_state *s, const char *name, long long *out,
                           sm_error *err)
{
    const char *text = train_state_get(s, name);
    char *end;
    if (!text)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has no %s", name);
    errno = 0;
    *out = strtoll(text, &end, 10);
    if (end == text || *end || errno)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has a bad %s '%s'", name,
                       text);
    return SM_OK;
}

sm_status train_state_doubles(const sm_train_state *s, const char *name, int64_t n,
                              const double **out, sm_error *err)
{
    const sm_state_array *a = find_array(s, name);
    if (!a)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has no %s", name);
    if (a->n != n)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has %lld values of %s, "
                       "this run %lld", (long long)a->n, name, (long long)n);
    *out = a->v;
    return SM_OK;
}
