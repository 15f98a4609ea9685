#include "linear.h"

#include <stdlib.h>
#include <string.h>

#include "memhint.h"
#include "scorer.h"

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The bytes of a record of K = 1: the K = 1 loops are compiled with this
 * constant stride (the general loops take p->stride). */
#define STRIDE1 (sizeof(sm_linear_coord) + sizeof(double))

static inline sm_linear_coord *coord_at(unsigned char *c, size_t stride, int64_t j)
{
    return (sm_linear_coord *)(c + (size_t)j * stride);
}

sm_status linear_init(sm_linear *p, int32_t dim, int32_t n_out, const double *fs, sm_error *err)
{
    memset(p, 0, sizeof *p);
    size_t n = dim > 0 ? (size_t)dim : 1, K = n_out > 0 ? (size_t)n_out : 1;
    p->dim = dim;
    p->n_out = n_out;
    p->stride = sizeof(sm_linear_coord) + K * sizeof(double);
    p->scale = 1.0;
    p->fresh = 1;
    /* aligned to 16 bytes, so no record of K = 1 straddles two cache lines */
    size_t bytes = (n * p->stride + 15) / 16 * 16;
    p->c = aligned_alloc(16, bytes);
    p->touched = malloc(n * sizeof *p->touched);
    p->grad = malloc(n * K * sizeof *p->grad);
    p->bias = calloc(K, sizeof *p->bias);
    p->grad_bias = calloc(K, sizeof *p->grad_bias);
    if (!p->c || !p->touched || !p->grad || !p->bias || !p->grad_bias) {
        linear_free(p);
        return sm_fail(err, SM_EFAIL, "out of memory for a linear scorer of dimension %ld",
                       (long)dim);
    }
    sm_prefault_random(p->c, bytes);
    for (int32_t j = 0; j < dim; j++) {
        sm_linear_coord *r = coord_at(p->c, p->stride, j);
        r->fs = fs ? (float)fs[j] : 1.0f;
        r->slot = 0;
        for (size_t k = 0; k < K; k++)
            r->v[k] = 0.0;
    }
    return SM_OK;
}

void linear_free(sm_linear *p)
{
    free(p->c);
    free(p->touched);
    free(p->grad);
    free(p->bias);
    free(p->grad_bias);
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

/* A hint that rows[0 .. n) come next, in that order, `step` rows a call
 * (one call a step): starts loading, a few steps ahead, the weights, the
 * columns and the offsets and labels of the coming rows (each stage further
 * ahead), so that the memory works ahead of the arithmetic. Changes no
 * result. A function of prefetches alone has no effect GCC would keep: it
 * finds it pure and drops every call to it that it can see (here, the
 * kind's table and linear_forward); hence noipa. */
/* The records of a row's columns (dataset.h: row_index). */
static ALWAYS_INLINE void prefetch_coords(const sm_linear *p, const int32_t *col, int32_t first,
                                          int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        if (row_index(col, first, k) < p->dim)
            PREFETCH(linear_coord(p, row_index(col, first, k)));
}

#if defined(__has_attribute)
#if __has_attribute(noipa)
__attribute__((noipa))
#endif
#endif
static void linear_prefetch(const void *state, const sm_dataset *ds, const int64_t *rows,
                            int64_t n, int64_t step)
{
    const sm_linear *p = state;
    for (int64_t i = LEAD * step; i < (LEAD + 1) * step && i < n; i++) {
        sm_row w = dataset_row(ds, rows[i]);
        if (w.col)
            prefetch_coords(p, w.col, 0, w.n);
        else
            prefetch_coords(p, NULL, w.first, w.n);
    }
    for (int64_t i = 2 * LEAD * step; i < (2 * LEAD + 1) * step && i < n; i++) {
        sm_row w = dataset_row(ds, rows[i]);
        /* every cache line of the row's columns and values: 16 entries a line */
        for (int64_t k = 0; k < w.n; k += 16) {
            if (w.col)
                PREFETCH(&w.col[k]);
            PREFETCH(&w.val[k]);
        }
        if (w.n > 0) {
            if (w.col)
                PREFETCH(&w.col[w.n - 1]);
            PREFETCH(&w.val[w.n - 1]);
        }
    }
    for (int64_t i = 3 * LEAD * step; i < (3 * LEAD + 1) * step && i < n; i++) {
        PREFETCH(&ds->row_ptr[rows[i]]);
        if (ds->col_ptr)
            PREFETCH(&ds->col_ptr[rows[i]]);
        PREFETCH(&ds->label[rows[i]]);
    }
}

/* Whether the weights and the data fit in a core's cache (1 MB): their
 * loads then wait on no memory, and the prefetch hints only cost time. */
static int fits_in_cache(const sm_linear *p, const sm_dataset *ds)
{
    return (double)p->dim * (double)p->stride + (double)ds->nnz * 8.0 <= (double)(1 << 20);
}

/* w_j x_j of a K = 1 record in the scaled space; 0 for a feature the scorer
 * has not seen (validation data can have columns beyond the training data's). */
static inline const sm_linear_coord *coord1(const unsigned char *c, int64_t j)
{
    return (const sm_linear_coord *)(c + (size_t)j * STRIDE1);
}

static inline double coord_term(const unsigned char *restrict c, int32_t dim, int64_t j, float x)
{
    return j < dim ? coord1(c, j)->v[0] * ((double)x * (double)coord1(c, j)->fs) : 0.0;
}

/* The hot loops of training. The arrays are read through local restrict
 * pointers (the compiler otherwise reloads p->c after every store, fearing
 * aliasing). Without input scales fs_j is 1, and x * 1 is x exactly, so one
 * loop serves both cases with the results of the plain formula. Each row's
 * loop is an inline function of its indices col (dataset.h: row_index),
 * called for a row with indices and, col NULL, for a run. */
static ALWAYS_INLINE double dot_one(const unsigned char *restrict c, int32_t dim,
                                    const int32_t *restrict col, int32_t first,
                                    const float *restrict val, int64_t n)
{
    /* four partial sums: one chain of dependent additions would make a
     * dense row wait out the adder's latency at every nonzero */
    double dot0 = 0.0, dot1 = 0.0, dot2 = 0.0, dot3 = 0.0;
    int64_t k = 0;
    for (; k + 4 <= n; k += 4) {
        dot0 += coord_term(c, dim, row_index(col, first, k), val[k]);
        dot1 += coord_term(c, dim, row_index(col, first, k + 1), val[k + 1]);
        dot2 += coord_term(c, dim, row_index(col, first, k + 2), val[k + 2]);
        dot3 += coord_term(c, dim, row_index(col, first, k + 3), val[k + 3]);
    }
    for (; k < n; k++)
        dot0 += coord_term(c, dim, row_index(col, first, k), val[k]);
    return (dot0 + dot1) + (dot2 + dot3);
}

static void forward_one(const sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                        double *scores)
{
    const unsigned char *restrict c = p->c;
    const int32_t dim = p->dim;
    const int64_t ahead = 8;
    const int hint = !fits_in_cache(p, ds);
    for (int64_t i = 0; i < n; i++) {
        if (hint && i % ahead == 0)
            linear_prefetch(p, ds, rows + i, n - i, ahead);
        sm_row w = dataset_row(ds, rows[i]);
        double dot = w.col ? dot_one(c, dim, w.col, 0, w.val, w.n)
                           : dot_one(c, dim, NULL, w.first, w.val, w.n);
        scores[i] = p->bias[0] + p->scale * dot;
    }
}

/* Scores k0 .. k0 + width - 1 of a row when K > 1, in sums held in
 * registers (width a constant once inlined): each is the plain sum over the
 * row's nonzeros in order, as a loop over every k forms it, without a store
 * and a reload of the sum at each nonzero. The sums of one block are
 * independent chains of additions, so a wide block hides the adder's
 * latency. */
static ALWAYS_INLINE void forward_block(const sm_linear *p, const sm_row *w, int32_t k0,
                                        const int width, double *restrict s)
{
    const int32_t dim = p->dim;
    double a[LINEAR_BLOCK] = {0.0};
    for (int64_t e = 0; e < w->n; e++) {
        int64_t j = row_index(w->col, w->first, e);
        if (j >= dim)
            continue;
        const sm_linear_coord *r = coord_at(p->c, p->stride, (int32_t)j);
        double x = (double)w->val[e] * (double)r->fs;
        LINEAR_UNROLL
        for (int k = 0; k < width; k++)
            a[k] += r->v[k0 + k] * x;
    }
    LINEAR_UNROLL
    for (int k = 0; k < width; k++)
        s[k0 + k] = p->bias[k0 + k] + p->scale * a[k];
}

/* forward_block with a width known to the compiler (1 .. LINEAR_BLOCK). */
static void forward_width(const sm_linear *p, const sm_row *w, int32_t k0, int width,
                          double *restrict s)
{
    switch (width) {
#define WIDTH_CASE(n) case n: forward_block(p, w, k0, n, s); break;
        LINEAR_BLOCK_WIDTHS(WIDTH_CASE)
#undef WIDTH_CASE
    }
}

/* K > 1: a row's K sums, LINEAR_BLOCK classes at a time. */
static void forward_many(const sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                         double *scores)
{
    const int32_t K = p->n_out;
    const int64_t ahead = 8;
    const int hint = !fits_in_cache(p, ds);
    for (int64_t i = 0; i < n; i++) {
        if (hint && i % ahead == 0)
            linear_prefetch(p, ds, rows + i, n - i, ahead);
        double *restrict s = scores + i * K;
        sm_row w = dataset_row(ds, rows[i]);
        for (int32_t k0 = 0; k0 < K; k0 += LINEAR_BLOCK)
            forward_width(p, &w, k0, K - k0 < LINEAR_BLOCK ? K - k0 : LINEAR_BLOCK, s);
    }
}

void linear_forward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores)
{
    const sm_linear *p = state;
    const int32_t K = p->n_out;
    if (p->fresh) {
        /* the sum over weights that are all 0 is exactly +0 */
        for (int64_t i = 0; i < n; i++)
            for (int32_t k = 0; k < K; k++)
                scores[i * K + k] = p->bias[k] + p->scale * 0.0;
    } else if (K == 1) {
        forward_one(p, ds, rows, n, scores);
    } else {
        forward_many(p, ds, rows, n, scores);
    }
}

/* One row's gradient into p's touched records; returns the new count. */
static ALWAYS_INLINE int64_t backward_row(unsigned char *restrict c, int32_t *restrict touched,
                                          double *restrict grad, int64_t n_touched,
                                          const double *restrict d, const int32_t K,
                                          const size_t stride, int32_t dim,
                                          const int32_t *restrict col, int32_t first,
                                          const float *restrict val, int64_t n)
{
    for (int64_t e = 0; e < n; e++) {
        int64_t j = row_index(col, first, e);
        if (j >= dim)
            continue;
        sm_linear_coord *r = coord_at(c, stride, j);
        if (!r->slot) {
            r->slot = (uint32_t)++n_touched;
            touched[n_touched - 1] = (int32_t)j;
            for (int32_t k = 0; k < K; k++)
                grad[(n_touched - 1) * K + k] = 0.0;
        }
        double *restrict g = grad + (int64_t)(r->slot - 1) * K;
        for (int32_t k = 0; k < K; k++)
            g[k] += d[k] * (double)val[e];
    }
    return n_touched;
}

/* linear_backward for K outputs a record `stride` bytes: inlined with the
 * constants of K = 1, and with p's own. */
static ALWAYS_INLINE void backward_rows(sm_linear *p, const sm_dataset *ds, const int64_t *rows,
                                        int64_t n, const double *dscores, const int32_t K,
                                        const size_t stride)
{
    unsigned char *restrict c = p->c;
    int32_t *restrict touched = p->touched;
    double *restrict grad = p->grad;
    const int32_t dim = p->dim;
    int64_t n_touched = p->n_touched;
    for (int64_t i = 0; i < n; i++) {
        const double *restrict d = dscores + i * K;
        int any = 0;
        for (int32_t k = 0; k < K; k++) {
            p->grad_bias[k] += d[k];
            any |= d[k] != 0.0;
        }
        if (!any)
            continue;
        sm_row w = dataset_row(ds, rows[i]);
        n_touched = w.col ? backward_row(c, touched, grad, n_touched, d, K, stride, dim, w.col, 0,
                                         w.val, w.n)
                          : backward_row(c, touched, grad, n_touched, d, K, stride, dim, NULL,
                                         w.first, w.val, w.n);
    }
    p->n_touched = n_touched;
}

void linear_backward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores)
{
    sm_linear *p = state;
    if (p->n_out == 1)
        backward_rows(p, ds, rows, n, dscores, 1, STRIDE1);
    else
        backward_rows(p, ds, rows, n, dscores, p->n_out, p->stride);
}

/* The batch gradient, dense: the K gradients (on the raw features) of
 * feature 0, 1, ..., then of the K biases; and set from such an array. */
static void linear_grad_get(const void *state, double *grad)
{
    const sm_linear *p = state;
    const int32_t K = p->n_out;
    memset(grad, 0, (size_t)((int64_t)p->dim * K) * sizeof *grad);
    for (int64_t t = 0; t < p->n_touched; t++)
        memcpy(grad + (int64_t)p->touched[t] * K, p->grad + t * K, (size_t)K * sizeof *grad);
    memcpy(grad + (int64_t)p->dim * K, p->grad_bias, (size_t)K * sizeof *grad);
}

static void linear_grad_put(void *state, const double *grad)
{
    sm_linear *p = state;
    const int32_t K = p->n_out;
    for (int64_t t = 0; t < p->n_touched; t++)
        linear_coord(p, p->touched[t])->slot = 0;
    p->n_touched = 0;
    for (int32_t j = 0; j < p->dim; j++) {
        const double *g = grad + (int64_t)j * K;
        int any = 0;
        for (int32_t k = 0; k < K; k++)
            any |= g[k] != 0.0;
        if (!any)
            continue;
        linear_coord(p, j)->slot = (uint32_t)++p->n_touched;
        p->touched[p->n_touched - 1] = j;
        memcpy(p->grad + (p->n_touched - 1) * K, g, (size_t)K * sizeof *g);
    }
    memcpy(p->grad_bias, grad + (int64_t)p->dim * K, (size_t)K * sizeof *grad);
}

/* Squared L2 norm of the batch gradient (for clipping). */
static double linear_grad_norm2(const void *state)
{
    const sm_linear *p = state;
    const int32_t K = p->n_out;
    double sum = 0.0;
    for (int32_t k = 0; k < K; k++)
        sum += p->grad_bias[k] * p->grad_bias[k];
    for (int64_t t = 0; t < p->n_touched; t++) {
        double fs = (double)linear_coord(p, p->touched[t])->fs;
        for (int32_t k = 0; k < K; k++) {
            double g = p->grad[t * K + k] * fs;
            sum += g * g;
        }
    }
    return sum;
}

/* The L2 decay of a step: the scale shrinks, not the weights. */
static void linear_decay(sm_linear *p, const sm_optim *o)
{
    p->fresh = 0;
    if (o->cfg.l2 > 0.0) {
        p->scale *= optim_decay(o);
        /* Fold the scale back before v grows out of range; rare, so O(dim) is fine. */
        if (p->scale < 1e-60) {
            for (int32_t j = 0; j < p->dim; j++)
                for (int32_t k = 0; k < p->n_out; k++)
                    linear_coord(p, j)->v[k] *= p->scale;
            p->scale = 1.0;
        }
    }
}

/* One row's step on v. */
static ALWAYS_INLINE void sgd_row(unsigned char *restrict c, const double *restrict d,
                                  double lr, const int32_t K, const size_t stride, int32_t dim,
                                  const int32_t *restrict col, int32_t first,
                                  const float *restrict val, int64_t n)
{
    for (int64_t e = 0; e < n; e++) {
        int64_t j = row_index(col, first, e);
        if (j >= dim)
            continue;
        sm_linear_coord *r = coord_at(c, stride, j);
        double x = (double)val[e] * (double)r->fs;
        for (int32_t k = 0; k < K; k++)
            r->v[k] -= lr * d[k] * x;
    }
}

/* linear_sgd_step's rows, inlined as backward_rows is. */
static ALWAYS_INLINE void sgd_rows(sm_linear *p, const sm_optim *o, const sm_dataset *ds,
                                   const int64_t *rows, int64_t n, const double *dscores,
                                   const int32_t K, const size_t stride)
{
    unsigned char *restrict c = p->c;
    double *restrict grad_bias = p->grad_bias; /* the sum of the dscores, then 0 again */
    const int32_t dim = p->dim;
    const double lr = o->lr / p->scale; /* the step on v: w = scale * v */
    for (int64_t i = 0; i < n; i++) {
        const double *restrict d = dscores + i * K;
        int any = 0;
        for (int32_t k = 0; k < K; k++) {
            grad_bias[k] += d[k];
            any |= d[k] != 0.0;
        }
        if (!any)
            continue;
        sm_row w = dataset_row(ds, rows[i]);
        if (w.col)
            sgd_row(c, d, lr, K, stride, dim, w.col, 0, w.val, w.n);
        else
            sgd_row(c, d, lr, K, stride, dim, NULL, w.first, w.val, w.n);
    }
    for (int32_t k = 0; k < K; k++) {
        p->bias[k] -= o->lr * grad_bias[k];
        grad_bias[k] = 0.0;
    }
}

void linear_sgd_step(sm_linear *p, const sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                     int64_t n, const double *dscores)
{
    linear_decay(p, o);
    if (p->n_out == 1)
        sgd_rows(p, o, ds, rows, n, dscores, 1, STRIDE1);
    else
        sgd_rows(p, o, ds, rows, n, dscores, p->n_out, p->stride);
}

void linear_step(void *state, sm_optim *o, double grad_factor)
{
    sm_linear *p = state;
    const int32_t K = p->n_out;
    linear_decay(p, o);
    /* (plain SGD without clipping takes linear_sgd_step instead) */
    for (int64_t t = 0; t < p->n_touched; t++) {
        int32_t j = p->touched[t];
        sm_linear_coord *r = linear_coord(p, j);
        for (int32_t k = 0; k < K; k++)
            r->v[k] -= optim_delta(o, (int64_t)j * K + k,
                                   p->grad[t * K + k] * (double)r->fs * grad_factor) / p->scale;
        r->slot = 0;
    }
    for (int32_t k = 0; k < K; k++) {
        p->bias[k] -= optim_delta(o, (int64_t)p->dim * K + k, p->grad_bias[k] * grad_factor);
        p->grad_bias[k] = 0.0;
    }
    p->n_touched = 0;
}

/* (1/2)||w||^2 over the weights (not the biases), in the scaled feature space. */
static double linear_l2_half(const void *state)
{
    const sm_linear *p = state;
    double sum = 0.0;
    for (int32_t j = 0; j < p->dim; j++)
        for (int32_t k = 0; k < p->n_out; k++)
            sum += linear_coord(p, j)->v[k] * linear_coord(p, j)->v[k];
    return 0.5 * p->scale * p->scale * sum;
}

void linear_export(const void *state, double *param)
{
    const sm_linear *p = state;
    const int32_t K = p->n_out;
    for (int32_t j = 0; j < p->dim; j++) {
        const sm_linear_coord *r = linear_coord(p, j);
        for (int32_t k = 0; k < K; k++)
            param[(int64_t)j * K + k] = p->scale * r->v[k] * (double)r->fs;
    }
    memcpy(param + (int64_t)p->dim * K, p->bias, (size_t)K * sizeof *param);
}

/* Its inverse: exported parameters into the stored ones (a warm start). */
static void linear_import(void *state, const double *param)
{
    sm_linear *p = state;
    const int32_t K = p->n_out;
    p->scale = 1.0;
    for (int32_t j = 0; j < p->dim; j++) {
        sm_linear_coord *r = linear_coord(p, j);
        for (int32_t k = 0; k < K; k++)
            r->v[k] = param[(int64_t)j * K + k] / (double)r->fs;
    }
    memcpy(p->bias, param + (int64_t)p->dim * K, (size_t)K * sizeof *param);
    p->fresh = 0;
}

/* The stored parameters exactly: the v_jk (dim * K), the biases, the scale. */
static void linear_save_state(const void *state, double *out)
{
    const sm_linear *p = state;
    const int32_t K = p->n_out;
    for (int32_t j = 0; j < p->dim; j++)
        memcpy(out + (int64_t)j * K, linear_coord(p, j)->v, (size_t)K * sizeof *out);
    memcpy(out + (int64_t)p->dim * K, p->bias, (size_t)K * sizeof *out);
    out[((int64_t)p->dim + 1) * K] = p->scale;
}

static void linear_restore_state(void *state, const double *in)
{
    sm_linear *p = state;
    const int32_t K = p->n_out;
    for (int32_t j = 0; j < p->dim; j++)
        memcpy(linear_coord(p, j)->v, in + (int64_t)j * K, (size_t)K * sizeof *in);
    memcpy(p->bias, in + (int64_t)p->dim * K, (size_t)K * sizeof *in);
    p->scale = in[((int64_t)p->dim + 1) * K];
    p->fresh = 0;
}


/* Scores (n_rows x K) of every row of ds with exported parameters
 * (features >= dim are ignored). */
static void linear_predict(const sm_scorer_config *c, const double *param, const sm_dataset *ds,
                           double *scores)
{
    const int32_t dim = c->mlp.width[0], n_out = c->n_out;
    const double *w = param, *bias = param + (int64_t)dim * n_out;
    if (n_out == 1) {
        for (int64_t r = 0; r < ds->n_rows; r++) {
            double s = bias[0];
            sm_row x = dataset_row(ds, r);
            for (int64_t k = 0; k < x.n; k++)
                if (row_index(x.col, x.first, k) < dim)
                    s += w[row_index(x.col, x.first, k)] * (double)x.val[k];
            scores[r] = s;
        }
        return;
    }
    for (int64_t r = 0; r < ds->n_rows; r++) {
        double *s = scores + r * n_out;
        memcpy(s, bias, (size_t)n_out * sizeof *s);
        sm_row x = dataset_row(ds, r);
        for (int64_t k = 0; k < x.n; k++)
            for (int32_t o = 0; o < n_out && row_index(x.col, x.first, k) < dim; o++)
                s[o] += w[(int64_t)row_index(x.col, x.first, k) * n_out + o] * (double)x.val[k];
    }
}

/* ---- the kind (scorer.h) ---- */

static void op_complete(sm_scorer_config *c) { c->mlp.n_hidden = 0; }

static sm_status op_init(void **state, const sm_scorer_config *c, const sm_dataset *train,
                         const double *fs, uint64_t seed, sm_error *err)
{
    (void)seed; /* the weights start at 0 */
    sm_linear *p = malloc(sizeof *p);
    if (!p)
        return sm_fail(err, SM_EFAIL, "out of memory");
    sm_status st = linear_init(p, train->dim, c->n_out, fs, err);
    if (st != SM_OK)
        free(p);
    else
        *state = p;
    return st;
}

static void op_free(void *state)
{
    linear_free(state);
    free(state);
}

static int64_t op_param_count(const void *state)
{
    const sm_linear *p = state;
    return ((int64_t)p->dim + 1) * p->n_out;
}

static void op_set_output_bias(void *state, const double *bias)
{
    sm_linear *p = state;
    for (int32_t k = 0; k < p->n_out; k++)
        p->bias[k] = bias[k];
}

static int op_sgd_step(void *state, sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                       int64_t n, const double *dscores)
{
    if (o->cfg.kind != OPT_SGD)
        return 0;
    linear_sgd_step(state, o, ds, rows, n, dscores);
    return 1;
}

const sm_scorer_ops linear_scorer_ops = {
    .name = "linear",
    .syntax = "linear",
    .full_batch = 1,
    .optimizer = OPT_SGD,
    .complete = op_complete,
    .predict = linear_predict,
    .init = op_init,
    .free = op_free,
    .param_count = op_param_count,
    .set_output_bias = op_set_output_bias,
    .prefetch = linear_prefetch,
    .forward = linear_forward,
    .forward_is_reentrant = 1,
    .backward = linear_backward,
    .grad_norm2 = linear_grad_norm2,
    .grad_get = linear_grad_get,
    .grad_put = linear_grad_put,
    .sgd_step = op_sgd_step,
    .step = linear_step,
    .l2_half = linear_l2_half,
    .save_state = linear_save_state,
    .restore_state = linear_restore_state,
    .export_params = linear_export,
    .import_params = linear_import,
};
