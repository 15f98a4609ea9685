#include "linear.h"

#include <stdlib.h>
#include <string.h>

#include "memhint.h"

sm_status linear_init(sm_linear *p, int32_t dim, const double *fs, sm_error *err)
{
    memset(p, 0, sizeof *p);
    size_t n = dim > 0 ? (size_t)dim : 1;
    p->dim = dim;
    p->scale = 1.0;
    p->fresh = 1;
    /* aligned to its 16 bytes, so no record straddles two cache lines */
    p->c = aligned_alloc(sizeof *p->c, n * sizeof *p->c);
    p->touched = malloc(n * sizeof *p->touched);
    p->grad = malloc(n * sizeof *p->grad);
    if (!p->c || !p->touched || !p->grad) {
        linear_free(p);
        return sm_fail(err, SM_EFAIL, "out of memory for a linear scorer of dimension %ld",
                       (long)dim);
    }
    sm_prefault_random(p->c, n * sizeof *p->c);
    for (int32_t j = 0; j < dim; j++)
        p->c[j] = (sm_linear_coord){.fs = fs ? (float)fs[j] : 1.0f};
    return SM_OK;
}

void linear_free(sm_linear *p)
{
    free(p->c);
    free(p->touched);
    free(p->grad);
    memset(p, 0, sizeof *p);
}

#if defined(__GNUC__)
#define PREFETCH(addr) __builtin_prefetch(addr)
#else
#define PREFETCH(addr) ((void)(addr))
#endif

/* Three stages, each reading only what an earlier call's stage fetched: the
 * rows 6 steps ahead get their row_ptr entry (and their label, which the loss
 * reads after the forward pass), those 4 steps ahead their columns and
 * values, and those 2 steps ahead the records of their columns. A load from
 * memory takes longer than a step of batch 1, and the LEAD of 2 steps per
 * stage measured faster than 1 or 3 on the sparse benchmark. */
enum { LEAD = 2 };

void linear_prefetch(const sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     int64_t step)
{
    const int64_t *row_ptr = ds->row_ptr;
    for (int64_t i = LEAD * step; i < (LEAD + 1) * step && i < n; i++)
        for (int64_t k = row_ptr[rows[i]]; k < row_ptr[rows[i] + 1]; k++)
            if (ds->col[k] < p->dim)
                PREFETCH(&p->c[ds->col[k]]);
    for (int64_t i = 2 * LEAD * step; i < (2 * LEAD + 1) * step && i < n; i++) {
        int64_t b = row_ptr[rows[i]], e = row_ptr[rows[i] + 1];
        /* every cache line of the row's columns and values: 16 entries a line */
        for (int64_t k = b; k < e; k += 16) {
            PREFETCH(&ds->col[k]);
            PREFETCH(&ds->val[k]);
        }
        if (e > b) {
            PREFETCH(&ds->col[e - 1]);
            PREFETCH(&ds->val[e - 1]);
        }
    }
    for (int64_t i = 3 * LEAD * step; i < (3 * LEAD + 1) * step && i < n; i++) {
        PREFETCH(&row_ptr[rows[i]]);
        PREFETCH(&ds->label[rows[i]]);
    }
}

/* w_j x_j in the scaled space; 0 for a feature the scorer has not seen
 * (validation data can have columns beyond the training data's). */
static inline double coord_term(const sm_linear_coord *restrict c, int32_t dim, int32_t j, float x)
{
    return j < dim ? c[j].v * ((double)x * (double)c[j].fs) : 0.0;
}

/* The hot loops of training. The arrays are read through local restrict
 * pointers (the compiler otherwise reloads p->c after every store, fearing
 * aliasing). Without input scales fs_j is 1, and x * 1 is x exactly, so one
 * loop serves both cases with the results of the plain formula. */
void linear_forward(const sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores)
{
    const sm_linear_coord *restrict c = p->c;
    const int32_t *restrict col = ds->col;
    const float *restrict val = ds->val;
    const int64_t *restrict row_ptr = ds->row_ptr;
    const int32_t dim = p->dim;
    const int64_t ahead = 8;
    if (p->fresh) {
        /* the sum below over weights that are all 0 is exactly +0 */
        for (int64_t i = 0; i < n; i++)
            scores[i] = p->bias + p->scale * 0.0;
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        if (i % ahead == 0)
            linear_prefetch(p, ds, rows + i, n - i, ahead);
        int64_t k = row_ptr[rows[i]], end = row_ptr[rows[i] + 1];
        /* four partial sums: one chain of dependent additions would make a
         * dense row wait out the adder's latency at every nonzero */
        double dot0 = 0.0, dot1 = 0.0, dot2 = 0.0, dot3 = 0.0;
        for (; k + 4 <= end; k += 4) {
            dot0 += coord_term(c, dim, col[k], val[k]);
            dot1 += coord_term(c, dim, col[k + 1], val[k + 1]);
            dot2 += coord_term(c, dim, col[k + 2], val[k + 2]);
            dot3 += coord_term(c, dim, col[k + 3], val[k + 3]);
        }
        for (; k < end; k++)
            dot0 += coord_term(c, dim, col[k], val[k]);
        scores[i] = p->bias + p->scale * ((dot0 + dot1) + (dot2 + dot3));
    }
}

void linear_backward(sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores)
{
    sm_linear_coord *restrict c = p->c;
    int32_t *restrict touched = p->touched;
    double *restrict grad = p->grad;
    const int32_t *restrict col = ds->col;
    const float *restrict val = ds->val;
    const int64_t *restrict row_ptr = ds->row_ptr;
    const int32_t dim = p->dim;
    int64_t n_touched = p->n_touched;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = rows[i];
        double d = dscores[i];
        p->grad_bias += d;
        if (d == 0.0)
            continue;
        for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; k++) {
            int32_t j = col[k];
            if (j >= dim)
                continue;
            if (!c[j].slot) {
                c[j].slot = (uint32_t)++n_touched;
                touched[n_touched - 1] = j;
                grad[n_touched - 1] = 0.0;
            }
            grad[c[j].slot - 1] += d * (double)val[k];
        }
    }
    p->n_touched = n_touched;
}

double linear_grad_norm2(const sm_linear *p)
{
    double sum = p->grad_bias * p->grad_bias;
    for (int64_t t = 0; t < p->n_touched; t++) {
        double g = p->grad[t] * (double)p->c[p->touched[t]].fs;
        sum += g * g;
    }
    return sum;
}

/* The L2 decay of a step: the scale shrinks, not the weights. */
static void linear_decay(sm_linear *p, const sm_optim *o)
{
    p->fresh = 0;
    if (o->cfg.l2 > 0.0) {
        p->scale *= 1.0 - o->lr * o->cfg.l2;
        /* Fold the scale back before v grows out of range; rare, so O(dim) is fine. */
        if (p->scale < 1e-60) {
            for (int32_t j = 0; j < p->dim; j++)
                p->c[j].v *= p->scale;
            p->scale = 1.0;
        }
    }
}

void linear_sgd_step(sm_linear *p, const sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                     int64_t n, const double *dscores)
{
    linear_decay(p, o);
    sm_linear_coord *restrict c = p->c;
    const int32_t *restrict col = ds->col;
    const float *restrict val = ds->val;
    const int64_t *restrict row_ptr = ds->row_ptr;
    const int32_t dim = p->dim;
    const double lr = o->lr / p->scale; /* the step on v: w = scale * v */
    double grad_bias = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = dscores[i], step = lr * d;
        grad_bias += d;
        if (d == 0.0)
            continue;
        for (int64_t k = row_ptr[rows[i]]; k < row_ptr[rows[i] + 1]; k++) {
            int32_t j = col[k];
            if (j < dim)
                c[j].v -= step * ((double)val[k] * (double)c[j].fs);
        }
    }
    p->bias -= o->lr * grad_bias;
}

void linear_step(sm_linear *p, sm_optim *o, double grad_factor)
{
    sm_linear_coord *restrict c = p->c;
    linear_decay(p, o);
    const int32_t *restrict touched = p->touched;
    const double *restrict grad = p->grad;
    /* (plain SGD without clipping takes linear_sgd_step instead) */
    for (int64_t t = 0; t < p->n_touched; t++) {
        int32_t j = touched[t];
        c[j].v -= optim_delta(o, j, grad[t] * (double)c[j].fs * grad_factor) / p->scale;
        c[j].slot = 0;
    }
    p->bias -= optim_delta(o, p->dim, p->grad_bias * grad_factor);
    p->grad_bias = 0.0;
    p->n_touched = 0;
}

double linear_l2_half(const sm_linear *p)
{
    double sum = 0.0;
    for (int32_t j = 0; j < p->dim; j++)
        sum += p->c[j].v * p->c[j].v;
    return 0.5 * p->scale * p->scale * sum;
}

void linear_export(const sm_linear *p, double *w, double *bias)
{
    for (int32_t j = 0; j < p->dim; j++)
        w[j] = p->scale * p->c[j].v * (double)p->c[j].fs;
    *bias = p->bias;
}

void linear_save_state(const sm_linear *p, double *state)
{
    for (int32_t j = 0; j < p->dim; j++)
        state[j] = p->c[j].v;
    state[p->dim] = p->bias;
    state[p->dim + 1] = p->scale;
}

void linear_restore_state(sm_linear *p, const double *state)
{
    for (int32_t j = 0; j < p->dim; j++)
        p->c[j].v = state[j];
    p->bias = state[p->dim];
    p->scale = state[p->dim + 1];
    p->fresh = 0;
}
