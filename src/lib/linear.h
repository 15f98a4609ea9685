/* linear.h - the linear scorer during training: K >= 1 scores per row,
 * s_k = bias_k + sum_j w_jk * fs_j * x_j (scores n x K, row-major).
 *
 * fs_j is a per-feature input scale (1/max|x_j| with --scale maxabs, else 1),
 * folded back into the weights when training ends, so a saved model works on
 * the raw features. w is kept as scale * v: L2 decay multiplies the scalar
 * `scale` (O(1)) instead of every weight, so a step costs O(nnz * K of the
 * batch). The batch gradient is accumulated densely but cleared through the
 * list of touched coordinates, again O(nnz * K). It is accumulated on the raw
 * features (sum of dscore * x_j) and multiplied by fs_j once per step, not
 * once per nonzero.
 *
 * What the forward pass and a step read or write for one feature (its input
 * scale, gradient slot and K weights) lives in one record of 8 + 8K bytes:
 * with a million features the records are far larger than the cache, and
 * separate arrays cost a miss each per nonzero. For K = 1 a record is 16
 * bytes, so four share a cache line, and the hot loops take a path of their
 * own with that stride. The batch gradient itself is compact (slot order),
 * so it stays in cache. The scale is kept as a float: any scale works, and
 * the exported weights use the same one.
 *
 * The parameters of a saved model (linear_export, linear_predict) are the K
 * weights of feature 0, of feature 1, ..., then the K biases: the layout of
 * a one-layer network (mlp.h).
 */
#ifndef SM_LINEAR_H
#define SM_LINEAR_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "optim.h"

typedef struct {
    float fs;           /* input scale (1 without one) */
    uint32_t slot;      /* 1 + its index in touched[] this batch, 0 if untouched */
    double v[];         /* the K weights are scale * v[k] */
} sm_linear_coord;

typedef struct {
    int32_t dim, n_out;
    size_t stride;      /* bytes from one record to the next */
    unsigned char *c;   /* dim records (linear_coord) */
    double scale;
    double *bias;       /* n_out */
    /* Every v is 0 (a fresh scorer, before its first step): a score is then
     * the bias whatever the row, so the objective at the start of training
     * costs no pass over the features. */
    int fresh;
    /* gradient of the current batch on the raw features: grad[t * K + k] * fs_j
     * is the gradient of v_jk for j = touched[t] */
    int32_t *touched;
    double *grad;
    int64_t n_touched;
    double *grad_bias;  /* n_out */
} sm_linear;

/* Kernels over K > 1 scores a row keep up to LINEAR_BLOCK sums in
 * registers, one block of classes after another; X(w) for every width a
 * block can have, to compile each with its width as a constant. */
#define LINEAR_BLOCK 16
#define LINEAR_BLOCK_WIDTHS(X) \
    X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16)
/* Before a loop over a block's classes: unrolled, so its sums can live in
 * registers. */
#if defined(__GNUC__) && !defined(__clang__)
#define LINEAR_UNROLL _Pragma("GCC unroll 16")
#elif defined(__clang__)
#define LINEAR_UNROLL _Pragma("unroll")
#else
#define LINEAR_UNROLL
#endif

/* The record of feature j. */
static inline sm_linear_coord *linear_coord(const sm_linear *p, int32_t j)
{
    return (sm_linear_coord *)(p->c + (size_t)j * p->stride);
}

/* n_out >= 1 scores a row; fs: dim input scales, or NULL for none. */
/* For tests only. */
sm_status linear_init(sm_linear *p, int32_t dim, int32_t n_out, const double *fs, sm_error *err);
/* For tests only. */
void linear_free(sm_linear *p);

/* Scores of the listed rows, n x K (prefetching ahead through the list). */
/* For tests only. */
void linear_forward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores);
/* Accumulate the gradient of sum_ik dscore_ik * s_ik into the batch gradient. */
/* For tests only. */
void linear_backward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores);
/* Apply one optimiser step with the batch gradient times grad_factor, the L2
 * decay of the step, then clear the gradient. optim_begin_step must have run.
 * The optimiser's parameter of weight (j, k) is j * K + k, of bias k dim * K + k. */
/* For tests only. */
void linear_step(void *state, sm_optim *o, double grad_factor);
/* Plain SGD (o->cfg.kind OPT_SGD) without clipping, backward and step in
 * one: each row's gradient dscore_i * x_i goes straight into the weights,
 * with no batch gradient kept. The update of a step is a sum over its rows,
 * so this is the same step as linear_backward + linear_step (only the
 * rounding of the sum differs), in a third of the memory traffic.
 * optim_begin_step must have run. */
/* For tests only. */
void linear_sgd_step(sm_linear *p, const sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                     int64_t n, const double *dscores);
/* The parameters on the raw features: w_jk = scale * v_jk * fs_j at
 * param[j * K + k], then the K biases ((dim + 1) * K). */
/* For tests only. */
void linear_export(const void *state, double *param);

#endif
