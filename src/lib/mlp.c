#include "mlp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "rng.h"
#include "scorer.h"

int64_t mlp_train_weight_offset(const sm_mlp *m, int l)
{
    int64_t padding = (int64_t)m->shape.width[0] * (m->ld1 - m->shape.width[1]);
    return l == 1 ? 0 : mlp_weight_offset(&m->shape, l) + padding;
}

int64_t mlp_train_bias_offset(const sm_mlp *m, int l)
{
    return l == 1 ? (int64_t)m->shape.width[0] * m->ld1
                  : mlp_train_weight_offset(m, l) + (int64_t)m->shape.width[l - 1] * m->shape.width[l];
}

/* ---- layers ---- */

/* The layers work on BLOCK units at a time. In the forward direction a
 * block's accumulators stay in registers while the inputs of a row stream
 * past; in the backward direction a block of the output gradient stays in
 * registers while it is added into the weight rows of the row's inputs. Both
 * touch only BLOCK columns of W at a time (dim x BLOCK doubles), which stay in
 * the L1 cache across the rows of a batch. The constant trip count lets the
 * compiler keep the block in registers and vectorise it even at -O2; units
 * past the last whole block take a plain loop. */
#define BLOCK 16

/* Where the C library can pick a function's version at load time (glibc's
 * ifunc), the kernels are also built for AVX2 and AVX-512 and the widest one
 * the CPU has runs. Every version gives the same bits: the kernels keep the
 * order of every sum, and multiply-adds are not fused (GCC's C11 mode does not
 * contract them; clang is told so below). Define SM_NO_TARGET_CLONES to build
 * the portable version only. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__) && defined(__linux__) && \
    !defined(SM_NO_TARGET_CLONES)
#define HOT_KERNEL __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define HOT_KERNEL
#endif

/* acc[0 .. BLOCK) += x * w[0 .. BLOCK) */
static inline void block_axpy(double *restrict acc, double x, const double *restrict w)
{
#pragma GCC unroll 16
    for (int t = 0; t < BLOCK; t++)
        acc[t] += x * w[t];
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The value v of a nonzero at index j, scaled. */
static inline double input_value(float v, int64_t j, const double *restrict fs)
{
    return fs ? (double)v * fs[j] : (double)v;
}

/* acc[0 .. BLOCK) += x fs_j W[j*ld ..] over a row's nonzeros (dataset.h:
 * row_index; called with col NULL for a run, so that its loop is compiled
 * without the test). With dW for W and acc for x: the backward direction. */
static ALWAYS_INLINE void row_forward_block(double *restrict acc, const double *restrict W,
                                            int32_t dim, int32_t ld, const double *restrict fs,
                                            const int32_t *restrict col, int32_t first,
                                            const float *restrict val, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t j = row_index(col, first, k);
        if (j < dim)
            block_axpy(acc, input_value(val[k], j, fs), W + (int64_t)j * ld);
    }
}

static ALWAYS_INLINE void row_backward_block(double *restrict dW, const double *restrict g,
                                             int32_t dim, int32_t ld, const double *restrict fs,
                                             const int32_t *restrict col, int32_t first,
                                             const float *restrict val, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t j = row_index(col, first, k);
        if (j < dim)
            block_axpy(dW + (int64_t)j * ld, input_value(val[k], j, fs), g);
    }
}

/* z[b*H + h] = bias[h] + scale * sum_k x_k * fs[j_k] * W[j_k*ld + h] over the
 * nonzeros of rows[b] (features >= dim ignored; fs NULL means 1; W's rows are
 * ld >= H apart). */
HOT_KERNEL
static void sparse_forward(double *restrict z, const sm_dataset *ds, const int64_t *rows, int64_t B,
                    const double *restrict W, const double *restrict bias, int32_t dim, int32_t H,
                    int32_t ld, double scale, const double *restrict fs)
{
    int32_t full = H - H % BLOCK;
    for (int32_t h0 = 0; h0 < full; h0 += BLOCK)
        for (int64_t b = 0; b < B; b++) {
            double acc[BLOCK] = {0};
            sm_row w = dataset_row(ds, rows[b]);
            if (w.col)
                row_forward_block(acc, W + h0, dim, ld, fs, w.col, 0, w.val, w.n);
            else
                row_forward_block(acc, W + h0, dim, ld, fs, NULL, w.first, w.val, w.n);
            for (int t = 0; t < BLOCK; t++)
                z[b * H + h0 + t] = bias[h0 + t] + scale * acc[t];
        }
    for (int64_t b = 0; b < B && full < H; b++) {
        double *restrict zb = z + b * H;
        for (int32_t h = full; h < H; h++)
            zb[h] = 0.0;
        sm_row row = dataset_row(ds, rows[b]);
        for (int64_t k = 0; k < row.n; k++) {
            int32_t j = row_index(row.col, row.first, k);
            if (j >= dim)
                continue;
            double x = input_value(row.val[k], j, fs);
            const double *restrict w = W + (int64_t)j * ld;
            for (int32_t h = full; h < H; h++)
                zb[h] += x * w[h];
        }
        for (int32_t h = full; h < H; h++)
            zb[h] = bias[h] + scale * zb[h];
    }
}

/* dW[j*ld + h] += sum_b x_bj fs_j dz[b*H + h] (the gradient of the effective
 * weights scale * W), dbias[h] += sum_b dz[b*H + h]; each feature given a
 * gradient is appended once to touched[] (is_touched marks it). */
HOT_KERNEL
static void sparse_backward(double *restrict dW, double *restrict dbias, const double *restrict dz,
                     const sm_dataset *ds, const int64_t *rows, int64_t B, int32_t dim, int32_t H,
                     int32_t ld, const double *restrict fs, int32_t *touched, int64_t *n_touched,
                     uint8_t *is_touched)
{
    for (int64_t b = 0; b < B; b++) {
        for (int32_t h = 0; h < H; h++)
            dbias[h] += dz[b * H + h];
        sm_row w = dataset_row(ds, rows[b]);
        for (int64_t k = 0; k < w.n; k++) {
            int32_t j = row_index(w.col, w.first, k);
            if (j < dim && !is_touched[j]) {
                is_touched[j] = 1;
                touched[(*n_touched)++] = j;
            }
        }
    }
    int32_t full = H - H % BLOCK;
    for (int32_t h0 = 0; h0 < full; h0 += BLOCK)
        for (int64_t b = 0; b < B; b++) {
            double g[BLOCK];
            for (int t = 0; t < BLOCK; t++)
                g[t] = dz[b * H + h0 + t];
            sm_row w = dataset_row(ds, rows[b]);
            if (w.col)
                row_backward_block(dW + h0, g, dim, ld, fs, w.col, 0, w.val, w.n);
            else
                row_backward_block(dW + h0, g, dim, ld, fs, NULL, w.first, w.val, w.n);
        }
    for (int64_t b = 0; b < B && full < H; b++) {
        sm_row w = dataset_row(ds, rows[b]);
        for (int64_t k = 0; k < w.n; k++) {
            int32_t j = row_index(w.col, w.first, k);
            if (j >= dim)
                continue;
            double x = input_value(w.val[k], j, fs), *restrict dw = dW + (int64_t)j * ld;
            for (int32_t h = full; h < H; h++)
                dw[h] += x * dz[b * H + h];
        }
    }
}

/* out[b*O + o] = bias[o] + sum_i in[b*I + i] * W[i*O + o] */
HOT_KERNEL
static void dense_forward(double *restrict out, const double *restrict in, const double *restrict W,
                   const double *restrict bias, int64_t B, int32_t I, int32_t O)
{
    int32_t full = O - O % BLOCK;
    for (int32_t o0 = 0; o0 < full; o0 += BLOCK)
        for (int64_t b = 0; b < B; b++) {
            double acc[BLOCK] = {0};
            for (int32_t i = 0; i < I; i++)
                block_axpy(acc, in[b * I + i], W + (int64_t)i * O + o0);
            for (int t = 0; t < BLOCK; t++)
                out[b * O + o0 + t] = (bias ? bias[o0 + t] : 0.0) + acc[t];
        }
    for (int64_t b = 0; b < B && full < O; b++) {
        double *restrict ob = out + b * O;
        for (int32_t o = full; o < O; o++)
            ob[o] = 0.0;
        for (int32_t i = 0; i < I; i++)
            for (int32_t o = full; o < O; o++)
                ob[o] += in[b * I + i] * W[(int64_t)i * O + o];
        for (int32_t o = full; o < O; o++)
            ob[o] = (bias ? bias[o] : 0.0) + ob[o];
    }
}

/* dW += in^T dout, dbias += column sums of dout, and (din non-NULL)
 * din = dout W^T, computed through Wt (O x I scratch) so every inner loop is unit-stride. */
HOT_KERNEL
static void dense_backward(double *restrict din, double *restrict dW, double *restrict dbias,
                    const double *restrict dout, const double *restrict in,
                    const double *restrict W, double *restrict Wt, int64_t B, int32_t I, int32_t O)
{
    for (int64_t b = 0; b < B; b++)
        for (int32_t o = 0; o < O; o++)
            dbias[o] += dout[b * O + o];
    int32_t full = O - O % BLOCK;
    for (int32_t o0 = 0; o0 < full; o0 += BLOCK)
        for (int64_t b = 0; b < B; b++) {
            double g[BLOCK];
            for (int t = 0; t < BLOCK; t++)
                g[t] = dout[b * O + o0 + t];
            for (int32_t i = 0; i < I; i++)
                block_axpy(dW + (int64_t)i * O + o0, in[b * I + i], g);
        }
    for (int64_t b = 0; b < B && full < O; b++)
        for (int32_t i = 0; i < I; i++)
            for (int32_t o = full; o < O; o++)
                dW[(int64_t)i * O + o] += in[b * I + i] * dout[b * O + o];
    if (!din)
        return;
    /* din = dout W^T is a forward pass through W^T (transposed once per batch). */
    for (int32_t i = 0; i < I; i++)
        for (int32_t o = 0; o < O; o++)
            Wt[(int64_t)o * I + i] = W[(int64_t)i * O + o];
    dense_forward(din, dout, Wt, NULL, B, O, I);
}

/* relu in whole blocks (constant trip count: vectorised, branch-free) then the rest */
static inline void relu_forward(double *restrict a, const double *restrict z, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        a[i] = z[i] > 0.0 ? z[i] : 0.0;
}

static inline void relu_backward(double *restrict dz, const double *restrict da,
                                 const double *restrict z, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double g = da[i]; /* read unconditionally, so the select needs no branch */
        dz[i] = z[i] > 0.0 ? g : 0.0;
    }
}

#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794

HOT_KERNEL
static void activation_forward(double *restrict a, const double *restrict z, int64_t n, sm_activation act)
{
    switch (act) {
    case ACT_RELU: {
        int64_t i = 0;
        for (; i + BLOCK <= n; i += BLOCK)
            relu_forward(a + i, z + i, BLOCK);
        relu_forward(a + i, z + i, n - i);
        break;
    }
    case ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            a[i] = tanh(z[i]);
        break;
    case ACT_GELU: /* exact: z * Phi(z) */
        for (int64_t i = 0; i < n; i++)
            a[i] = 0.5 * z[i] * (1.0 + erf(z[i] * SQRT1_2));
        break;
    default:
        break;
    }
}

/* dz = da * act'(z), given z and a = act(z) */
HOT_KERNEL
static void activation_backward(double *restrict dz, const double *restrict da, const double *restrict z,
                         const double *restrict a, int64_t n, sm_activation act)
{
    switch (act) {
    case ACT_RELU: {
        int64_t i = 0;
        for (; i + BLOCK <= n; i += BLOCK)
            relu_backward(dz + i, da + i, z + i, BLOCK);
        relu_backward(dz + i, da + i, z + i, n - i);
        break;
    }
    case ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            dz[i] = da[i] * (1.0 - a[i] * a[i]);
        break;
    case ACT_GELU: /* Phi(z) + z phi(z) */
        for (int64_t i = 0; i < n; i++)
            dz[i] = da[i] * (0.5 * (1.0 + erf(z[i] * SQRT1_2)) +
                             z[i] * INV_SQRT_2PI * exp(-0.5 * z[i] * z[i]));
        break;
    default:
        break;
    }
}

/* Scores of every row of ds (n_rows x K) with a saved network (raw features, no scaling). */
static void mlp_predict(const sm_scorer_config *c, const double *param, const sm_dataset *ds,
                        double *scores)
{
    const sm_mlp_shape *s = &c->mlp;
    /* One row at a time through the same layer functions; widths are capped,
     * so the activations fit on the stack and prediction cannot fail. */
    double z[MLP_MAX_WIDTH], a[MLP_MAX_WIDTH];
    int L = mlp_layers(s);
    for (int64_t r = 0; r < ds->n_rows; r++) {
        sparse_forward(z, ds, &r, 1, param + mlp_weight_offset(s, 1), param + mlp_bias_offset(s, 1),
                       s->width[0], s->width[1], s->width[1], 1.0, NULL);
        activation_forward(a, z, s->width[1], s->act);
        for (int l = 2; l < L; l++) {
            dense_forward(z, a, param + mlp_weight_offset(s, l), param + mlp_bias_offset(s, l), 1,
                          s->width[l - 1], s->width[l]);
            activation_forward(a, z, s->width[l], s->act);
        }
        dense_forward(scores + r * s->width[L], a, param + mlp_weight_offset(s, L),
                      param + mlp_bias_offset(s, L), 1, s->width[L - 1], s->width[L]);
    }
}

/* ---- training state ---- */

static int32_t max_hidden_width(const sm_mlp_shape *s)
{
    int32_t w = 1;
    for (int l = 1; l <= s->n_hidden; l++)
        if (s->width[l] > w)
            w = s->width[l];
    return w;
}

sm_status mlp_init(sm_mlp *m, const sm_mlp_shape *shape, const double *fs, double fan_in1,
                   uint64_t seed, sm_error *err)
{
    memset(m, 0, sizeof *m);
    m->shape = *shape;
    m->scale1 = 1.0;
    /* W_1's rows are ld1 apart, an odd number of 64-byte cache lines: with a
     * stride of a power of two (e.g. 64 doubles) the rows of a block would
     * fall into a few cache sets and evict each other. */
    int32_t lines = (shape->width[1] + 7) / 8;
    m->ld1 = 8 * (lines % 2 ? lines : lines + 1);
    m->n_param = mlp_param_count(shape) + (int64_t)shape->width[0] * (m->ld1 - shape->width[1]);
    int32_t dim = shape->width[0], H = max_hidden_width(shape), K = shape->width[mlp_layers(shape)];
    size_t n_dim = dim > 0 ? (size_t)dim : 1;
    m->param = calloc((size_t)m->n_param, sizeof *m->param);
    m->grad = calloc((size_t)m->n_param, sizeof *m->grad);
    m->touched = malloc(n_dim * sizeof *m->touched);
    m->is_touched = calloc(n_dim, 1);
    m->wt = malloc((size_t)H * (size_t)(H > K ? H : K) * sizeof *m->wt);
    if (fs && (m->fs = malloc(n_dim * sizeof *m->fs)))
        memcpy(m->fs, fs, (size_t)dim * sizeof *fs);
    if (!m->param || !m->grad || !m->touched || !m->is_touched || !m->wt || (fs && !m->fs)) {
        int64_t n_param = m->n_param; /* mlp_free clears the struct */
        mlp_free(m);
        return sm_fail(err, SM_EFAIL, "out of memory for an MLP of %lld parameters",
                       (long long)n_param);
    }
    sm_rng rng;
    rng_seed(&rng, seed);
    int L = mlp_layers(shape);
    for (int l = 1; l <= L; l++) {
        double fan_in = l == 1 ? fmax(fan_in1, 1.0) : (double)shape->width[l - 1];
        double fan_out = (double)shape->width[l];
        double var = l == L ? 1.0 / fan_in
                     : shape->act == ACT_TANH ? 2.0 / (fan_in + fan_out) : 2.0 / fan_in;
        int32_t ld = l == 1 ? m->ld1 : shape->width[l];
        double sd = sqrt(var), *W = m->param + mlp_train_weight_offset(m, l);
        for (int64_t i = 0; i < shape->width[l - 1]; i++)
            for (int32_t h = 0; h < shape->width[l]; h++)
                W[i * ld + h] = sd * rng_normal(&rng);
    }
    return SM_OK;
}

void mlp_free(sm_mlp *m)
{
    free(m->param);
    free(m->grad);
    free(m->fs);
    free(m->touched);
    free(m->is_touched);
    for (int l = 0; l <= MLP_MAX_HIDDEN; l++) {
        free(m->z[l]);
        free(m->a[l]);
    }
    free(m->da);
    free(m->dz);
    free(m->wt);
    memset(m, 0, sizeof *m);
}

static int grow(double **p, int64_t n)
{
    double *q = realloc(*p, (size_t)(n > 0 ? n : 1) * sizeof *q);
    if (q)
        *p = q;
    return q != NULL;
}

sm_status mlp_reserve(void *state, int64_t rows, sm_error *err)
{
    sm_mlp *m = state;
    if (rows <= m->cap_rows)
        return SM_OK;
    int ok = grow(&m->da, rows * max_hidden_width(&m->shape)) &&
             grow(&m->dz, rows * max_hidden_width(&m->shape));
    for (int l = 1; ok && l <= m->shape.n_hidden; l++)
        ok = grow(&m->z[l], rows * m->shape.width[l]) && grow(&m->a[l], rows * m->shape.width[l]);
    if (!ok)
        return sm_fail(err, SM_EFAIL, "out of memory for the activations of %lld rows",
                       (long long)rows);
    m->cap_rows = rows;
    return SM_OK;
}

#define W_OF(m, l) ((m)->param + mlp_train_weight_offset(m, l))
#define B_OF(m, l) ((m)->param + mlp_train_bias_offset(m, l))
#define GW_OF(m, l) ((m)->grad + mlp_train_weight_offset(m, l))
#define GB_OF(m, l) ((m)->grad + mlp_train_bias_offset(m, l))

void mlp_forward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n, double *scores)
{
    sm_mlp *m = state;
    const sm_mlp_shape *s = &m->shape;
    int L = mlp_layers(s);
    sparse_forward(m->z[1], ds, rows, n, W_OF(m, 1), B_OF(m, 1), s->width[0], s->width[1],
                   m->ld1, m->scale1, m->fs);
    activation_forward(m->a[1], m->z[1], n * s->width[1], s->act);
    for (int l = 2; l < L; l++) {
        dense_forward(m->z[l], m->a[l - 1], W_OF(m, l), B_OF(m, l), n, s->width[l - 1], s->width[l]);
        activation_forward(m->a[l], m->z[l], n * s->width[l], s->act);
    }
    dense_forward(scores, m->a[L - 1], W_OF(m, L), B_OF(m, L), n, s->width[L - 1], s->width[L]);
}

void mlp_backward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                  const double *dscores)
{
    sm_mlp *m = state;
    const sm_mlp_shape *s = &m->shape;
    int L = mlp_layers(s);
    dense_backward(m->da, GW_OF(m, L), GB_OF(m, L), dscores, m->a[L - 1], W_OF(m, L), m->wt, n,
                   s->width[L - 1], s->width[L]);
    for (int l = L - 1; l >= 1; l--) {
        activation_backward(m->dz, m->da, m->z[l], m->a[l], n * s->width[l], s->act);
        if (l > 1)
            dense_backward(m->da, GW_OF(m, l), GB_OF(m, l), m->dz, m->a[l - 1], W_OF(m, l), m->wt,
                           n, s->width[l - 1], s->width[l]);
        else
            sparse_backward(GW_OF(m, 1), GB_OF(m, 1), m->dz, ds, rows, n, s->width[0],
                            s->width[1], m->ld1, m->fs, m->touched, &m->n_touched, m->is_touched);
    }
}

/* The dense part of the parameters: b_1 and every later layer, contiguous. */
static int64_t dense_part_offset(const sm_mlp *m) { return mlp_train_bias_offset(m, 1); }

double mlp_grad_norm2(const void *state)
{
    const sm_mlp *m = state;
    int32_t H = m->shape.width[1];
    double sum = 0.0;
    for (int64_t t = 0; t < m->n_touched; t++) {
        const double *g = m->grad + (int64_t)m->touched[t] * m->ld1;
        for (int32_t h = 0; h < H; h++)
            sum += g[h] * g[h];
    }
    for (int64_t i = dense_part_offset(m); i < m->n_param; i++)
        sum += m->grad[i] * m->grad[i];
    return sum;
}

/* The batch gradient as n_param doubles (grad's layout), and set from such
 * an array (the first-layer rows with a nonzero entry become touched). */
static void mlp_grad_get(const void *state, double *grad)
{
    const sm_mlp *m = state;
    memcpy(grad, m->grad, (size_t)m->n_param * sizeof *grad);
}

static void mlp_grad_put(void *state, const double *grad)
{
    sm_mlp *m = state;
    for (int64_t t = 0; t < m->n_touched; t++)
        m->is_touched[m->touched[t]] = 0;
    m->n_touched = 0;
    memcpy(m->grad, grad, (size_t)m->n_param * sizeof *grad);
    for (int32_t j = 0; j < m->shape.width[0]; j++) {
        const double *g = grad + (int64_t)j * m->ld1;
        int any = 0;
        for (int32_t h = 0; h < m->ld1; h++)
            any |= g[h] != 0.0;
        if (any) {
            m->is_touched[j] = 1;
            m->touched[m->n_touched++] = j;
        }
    }
}

void mlp_step(void *state, sm_optim *o, double grad_factor)
{
    sm_mlp *m = state;
    const sm_mlp_shape *s = &m->shape;
    int32_t H = s->width[1];
    if (o->cfg.l2 > 0.0) {
        double decay = optim_decay(o);
        m->scale1 *= decay;
        /* Fold the scale back before the stored weights grow out of range. */
        if (m->scale1 < 1e-60) {
            for (int64_t i = 0; i < dense_part_offset(m); i++)
                m->param[i] *= m->scale1;
            m->scale1 = 1.0;
        }
        for (int l = 2; l <= mlp_layers(s); l++) {
            double *W = W_OF(m, l);
            for (int64_t i = 0; i < (int64_t)s->width[l - 1] * s->width[l]; i++)
                W[i] *= decay;
        }
    }
    for (int64_t t = 0; t < m->n_touched; t++) {
        int64_t off = (int64_t)m->touched[t] * m->ld1;
        optim_apply(o, off, m->param + off, m->grad + off, H, grad_factor, m->scale1);
        m->is_touched[m->touched[t]] = 0;
    }
    m->n_touched = 0;
    int64_t off = dense_part_offset(m);
    optim_apply(o, off, m->param + off, m->grad + off, m->n_param - off, grad_factor, 1.0);
}

/* (1/2)||W||^2 over every weight matrix (biases excluded). */
static double mlp_l2_half(const void *state)
{
    const sm_mlp *m = state;
    const sm_mlp_shape *s = &m->shape;
    double first = 0.0, rest = 0.0;
    for (int64_t i = 0; i < dense_part_offset(m); i++) /* the padding is 0 */
        first += m->param[i] * m->param[i];
    for (int l = 2; l <= mlp_layers(s); l++) {
        const double *W = W_OF(m, l);
        for (int64_t i = 0; i < (int64_t)s->width[l - 1] * s->width[l]; i++)
            rest += W[i] * W[i];
    }
    return 0.5 * (m->scale1 * m->scale1 * first + rest);
}

void mlp_export(const void *state, double *param)
{
    const sm_mlp *m = state;
    const sm_mlp_shape *s = &m->shape;
    int32_t H = s->width[1];
    for (int32_t j = 0; j < s->width[0]; j++)
        for (int32_t h = 0; h < H; h++)
            param[(int64_t)j * H + h] = m->scale1 * m->param[(int64_t)j * m->ld1 + h] *
                                        (m->fs ? m->fs[j] : 1.0);
    memcpy(param + mlp_bias_offset(s, 1), m->param + dense_part_offset(m),
           (size_t)(m->n_param - dense_part_offset(m)) * sizeof *param);
}

/* Its inverse: exported parameters into the stored ones (a warm start). */
static void mlp_import(void *state, const double *param)
{
    sm_mlp *m = state;
    const sm_mlp_shape *s = &m->shape;
    int32_t H = s->width[1];
    m->scale1 = 1.0;
    for (int32_t j = 0; j < s->width[0]; j++)
        for (int32_t h = 0; h < H; h++)
            m->param[(int64_t)j * m->ld1 + h] = param[(int64_t)j * H + h] /
                                                (m->fs ? m->fs[j] : 1.0);
    memcpy(m->param + dense_part_offset(m), param + mlp_bias_offset(s, 1),
           (size_t)(m->n_param - dense_part_offset(m)) * sizeof *param);
}

/* ---- the kind (scorer.h) ---- */

/* "H1[,H2[,H3]]" after "mlp:" into c->mlp. */
static sm_status op_parse(const char *spec, const char *widths, sm_scorer_config *c,
                          sm_error *err)
{
    if (!widths || widths[0] == '\0')
        return sm_fail(err, SM_EUSAGE, "'%s' needs hidden layer widths, e.g. mlp:64,32", spec);
    int n = 0;
    const char *p = widths;
    for (;;) {
        char *end;
        errno = 0;
        long w = strtol(p, &end, 10);
        if (end == p || (*end != ',' && *end != '\0') || errno || w < 1 || w > MLP_MAX_WIDTH)
            return sm_fail(err, SM_EUSAGE,
                           "bad hidden width at \"%s\" in '%s' (whole numbers 1..%d, comma-separated)",
                           p, spec, MLP_MAX_WIDTH);
        if (n == MLP_MAX_HIDDEN)
            return sm_fail(err, SM_EUSAGE, "'%s' has more than %d hidden layers", spec,
                           MLP_MAX_HIDDEN);
        c->mlp.width[++n] = (int32_t)w;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    c->mlp.n_hidden = n;
    c->mlp.width[n + 1] = c->n_out;
    return SM_OK;
}

static sm_status op_init(void **state, const sm_scorer_config *c, const sm_dataset *train,
                         const double *fs, uint64_t seed, sm_error *err)
{
    sm_mlp *m = malloc(sizeof *m);
    if (!m)
        return sm_fail(err, SM_EFAIL, "out of memory");
    /* a sparse row feeds the first layer only its nonzeros */
    double fan_in1 = train->n_rows > 0 ? (double)train->nnz / (double)train->n_rows : 1.0;
    sm_status st = mlp_init(m, &c->mlp, fs, fan_in1, seed, err);
    if (st != SM_OK)
        free(m);
    else
        *state = m;
    return st;
}

static void op_free(void *state)
{
    mlp_free(state);
    free(state);
}

static int64_t op_param_count(const void *state) { return ((const sm_mlp *)state)->n_param; }

static void op_set_output_bias(void *state, const double *bias)
{
    sm_mlp *m = state;
    int32_t K = m->shape.width[mlp_layers(&m->shape)];
    for (int32_t k = 0; k < K; k++)
        m->param[m->n_param - K + k] = bias[k];
}

/* The state: the stored parameters and the lazy decay scale, exactly. */
static void op_save_state(const void *state, double *out)
{
    const sm_mlp *m = state;
    memcpy(out, m->param, (size_t)m->n_param * sizeof *out);
    out[m->n_param] = m->scale1;
}

static void op_restore_state(void *state, const double *in)
{
    sm_mlp *m = state;
    memcpy(m->param, in, (size_t)m->n_param * sizeof *in);
    m->scale1 = in[m->n_param];
}

const sm_scorer_ops mlp_scorer_ops = {
    .name = "mlp",
    .syntax = "mlp:H1[,H2[,H3]]",
    .layered = 1,
    .optimizer = OPT_ADAM,
    .parse = op_parse,
    .predict = mlp_predict,
    .init = op_init,
    .free = op_free,
    .param_count = op_param_count,
    .reserve = mlp_reserve,
    .set_output_bias = op_set_output_bias,
    .forward = mlp_forward,
    .backward = mlp_backward,
    .grad_norm2 = mlp_grad_norm2,
    .grad_get = mlp_grad_get,
    .grad_put = mlp_grad_put,
    .step = mlp_step,
    .l2_half = mlp_l2_half,
    .save_state = op_save_state,
    .restore_state = op_restore_state,
    .export_params = mlp_export,
    .import_params = mlp_import,
};
