/* linear.h - the linear scorer during training: s = bias + sum_j w_j * fs_j * x_j.
 *
 * fs_j is a per-feature input scale (1/max|x_j| with --scale maxabs, else 1),
 * folded back into the weights when training ends, so a saved model works on
 * the raw features. w is kept as scale * v: L2 decay multiplies the scalar
 * `scale` (O(1)) instead of every weight, so a step costs O(nnz of the batch).
 * The batch gradient is accumulated densely but cleared through the list of
 * touched coordinates, again O(nnz).
 */
#ifndef SM_LINEAR_H
#define SM_LINEAR_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "optim.h"

typedef struct {
    int32_t dim;
    double *v;          /* dim; the weight is scale * v[j] */
    double scale;
    double bias;
    double *fs;         /* dim input scales, or NULL for 1 */
    /* gradient of the current batch */
    double *grad;       /* dim, zero outside the touched list */
    int32_t *touched;   /* coordinates with a gradient this batch */
    int64_t n_touched;
    uint8_t *is_touched;
    double grad_bias;
} sm_linear;

sm_status linear_init(sm_linear *p, int32_t dim, const double *fs, sm_error *err);
void linear_free(sm_linear *p);

/* Scores of the listed rows. */
void linear_forward(const sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores);
/* Accumulate the gradient of sum_i dscore_i * s_i into the batch gradient. */
void linear_backward(sm_linear *p, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores);
/* Squared L2 norm of the batch gradient (for clipping). */
double linear_grad_norm2(const sm_linear *p);
/* Apply one optimiser step with the batch gradient times grad_factor, the L2
 * decay of the step, then clear the gradient. optim_begin_step must have run. */
void linear_step(sm_linear *p, sm_optim *o, double grad_factor);
/* (1/2)||w||^2 over the weights (not the bias), in the scaled feature space. */
double linear_l2_half(const sm_linear *p);
/* The weights on the raw features: w_j = scale * v_j * fs_j. */
void linear_export(const sm_linear *p, double *w, double *bias);

#endif
