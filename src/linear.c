#include "linear.h"

#include <stdlib.h>
#include <string.h>

sm_status linear_init(sm_linear *p, int32_t dim, const double *fs, sm_error *err)
{
    memset(p, 0, sizeof *p);
    size_t n = dim > 0 ? (size_t)dim : 1;
    p->dim = dim;
    p->scale = 1.0;
    p->v = calloc(n, sizeof *p->v);
    p->grad = calloc(n, sizeof *p->grad);
    p->touched = malloc(n * sizeof *p->touched);
    p->is_touched = calloc(n, 1);
    if (fs && (p->fs = malloc(n * sizeof *p->fs)))
        memcpy(p->fs, fs, (size_t)dim * sizeof *fs);

    if (!p->v || !p->grad || !p->touched || !p->is_touched || (fs && !p->fs)) {
        linear_free(p);
        return sm_fail(err, SM_EFAIL, "out of memory for a linear scorer of dimension %ld",
                       (long)dim);
    }
    return SM_OK;
}

void linear_free(sm_linear *p)
{
    free(p->v);
    free(p->grad);
    free(p->touched);
    free(p->is_touched);
    free(p->fs);
    memset(p, 0, sizeof *p);
}

/* The hot loops of training. The arrays are read through local restrict
 * pointers (the compiler otherwise reloads p->v and p->fs after every load,
 * fearing aliasing) and the test for input scales is taken out of the inner
 * loop; the arithmetic and its order are those of the plain formula, so the
 * results are bit-identical. */
void linear_forward(const sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores)
{
    const double *restrict v = p->v, *restrict fs = p->fs;
    const int32_t *restrict col = ds->col;
    const float *restrict val = ds->val;
    const int64_t *restrict row_ptr = ds->row_ptr;
    const int32_t dim = p->dim;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = rows[i];
        double dot = 0.0;
        if (fs) {
            for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; k++) {
                int32_t j = col[k];
                if (j < dim)
                    dot += v[j] * ((double)val[k] * fs[j]);
            }
        } else {
            for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; k++) {
                int32_t j = col[k];
                if (j < dim)
                    dot += v[j] * (double)val[k];
            }
        }
        scores[i] = p->bias + p->scale * dot;
    }
}

void linear_backward(sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores)
{
    double *restrict grad = p->grad;
    const double *restrict fs = p->fs;
    int32_t *restrict touched = p->touched;
    uint8_t *restrict is_touched = p->is_touched;
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
            double x = (double)val[k];
            if (!is_touched[j]) {
                is_touched[j] = 1;
                touched[n_touched++] = j;
            }
            grad[j] += d * (fs ? x * fs[j] : x);
        }
    }
    p->n_touched = n_touched;
}

double linear_grad_norm2(const sm_linear *p)
{
    double sum = p->grad_bias * p->grad_bias;
    for (int64_t t = 0; t < p->n_touched; t++) {
        double g = p->grad[p->touched[t]];
        sum += g * g;
    }
    return sum;
}

void linear_step(sm_linear *p, sm_optim *o, double grad_factor)
{
    if (o->cfg.l2 > 0.0) {
        p->scale *= 1.0 - o->lr * o->cfg.l2;
        /* Fold the scale back before v grows out of range; rare, so O(dim) is fine. */
        if (p->scale < 1e-60) {
            for (int32_t j = 0; j < p->dim; j++)
                p->v[j] *= p->scale;
            p->scale = 1.0;
        }
    }
    double *restrict v = p->v, *restrict grad = p->grad;
    uint8_t *restrict is_touched = p->is_touched;
    const int32_t *restrict touched = p->touched;
    if (o->cfg.kind == OPT_SGD && p->scale == 1.0) {
        /* The common case without a call per coordinate: optim_delta is
         * lr * g for sgd, and dividing by a scale of 1 changes nothing. */
        const double lr = o->lr;
        for (int64_t t = 0; t < p->n_touched; t++) {
            int32_t j = touched[t];
            v[j] -= lr * (grad[j] * grad_factor);
            grad[j] = 0.0;
            is_touched[j] = 0;
        }
    } else {
        for (int64_t t = 0; t < p->n_touched; t++) {
            int32_t j = touched[t];
            v[j] -= optim_delta(o, j, grad[j] * grad_factor) / p->scale;
            grad[j] = 0.0;
            is_touched[j] = 0;
        }
    }
    p->bias -= optim_delta(o, p->dim, p->grad_bias * grad_factor);
    p->grad_bias = 0.0;
    p->n_touched = 0;
}

double linear_l2_half(const sm_linear *p)
{
    double sum = 0.0;
    for (int32_t j = 0; j < p->dim; j++)
        sum += p->v[j] * p->v[j];
    return 0.5 * p->scale * p->scale * sum;
}

void linear_export(const sm_linear *p, double *w, double *bias)
{
    for (int32_t j = 0; j < p->dim; j++)
        w[j] = p->scale * p->v[j] * (p->fs ? p->fs[j] : 1.0);
    *bias = p->bias;
}
