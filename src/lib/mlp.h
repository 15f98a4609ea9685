/* mlp.h - a small multi-layer perceptron scorer over sparse rows.
 *
 *     a_1 = act(W_1^T x + b_1)            sparse first layer, O(nnz * H1) per row
 *     a_l = act(W_l^T a_(l-1) + b_l)      dense hidden layers, l = 2 .. L-1
 *     s   = W_L^T a_(L-1) + b_L           K linear outputs
 *
 * Shapes: width[0] = input dimension, width[1 .. n_hidden] the hidden layers,
 * width[n_hidden + 1] = K >= 1 outputs (scores are n x K, row-major). Every
 * parameter lives in one flat array, layer by layer: W_l (width[l-1] x
 * width[l], input-major: row i holds the weights from input i to every unit,
 * so the weights of one feature are contiguous and a sparse update touches
 * only the nonzero features' rows), then b_l.
 *
 * Each layer is a pair of plain functions over flat arrays in mlp.c
 * (x_forward writes its output, x_backward adds to the parameter gradients
 * and writes the input gradient); mlp_forward / mlp_backward chain them for a
 * mini-batch.
 *
 * Training state (sm_mlp) keeps W_1 as scale1 * param so that L2 weight decay
 * of the first layer is O(1) per step, as for the linear scorer, and the
 * first-layer gradient is cleared through the list of touched features. Its
 * arrays have the layout above except that W_1's rows are ld1 >= H1 apart
 * (zero padding, for the cache); mlp_export writes the plain layout.
 */
#ifndef SM_MLP_H
#define SM_MLP_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "mlp_shape.h"
#include "optim.h"



/* ---- training state ---- */

typedef struct {
    sm_mlp_shape shape;
    int64_t n_param;    /* with W_1's padding */
    int32_t ld1;        /* distance of W_1's rows */
    double *param;      /* flat parameters; W_1 is scale1 * param[W_1] */
    double *grad;       /* same layout; W_1 rows zero outside the touched list */
    double scale1;
    double *fs;         /* width[0] input scales, or NULL for 1 */
    int32_t *touched;   /* features with a first-layer gradient this batch */
    int64_t n_touched;
    uint8_t *is_touched;
    /* activations of the last forward batch: z[l], a[l] for hidden l = 1 .. n_hidden */
    int64_t cap_rows;
    double *z[MLP_MAX_HIDDEN + 1], *a[MLP_MAX_HIDDEN + 1];
    double *da, *dz;    /* backward scratch, cap_rows x max hidden width */
    double *wt;         /* transposed weight scratch */
} sm_mlp;

/* shape->width[0] is the input dimension. fan_in1 is the effective fan-in of
 * the first layer (mean nonzeros per row: a sparse row feeds only those). The
 * weights are drawn from N(0, 2/fan_in) (He; relu, gelu) or
 * N(0, 2/(fan_in + fan_out)) (Xavier; tanh), the output layer from
 * N(0, 1/fan_in); biases start at 0. */
/* For tests only. */
sm_status mlp_init(sm_mlp *m, const sm_mlp_shape *shape, const double *fs, double fan_in1,
                   uint64_t seed, sm_error *err);
/* For tests only. */
void mlp_free(sm_mlp *m);
/* Offsets of W_l and b_l in m->param and m->grad (exposed for tests). */
/* For tests only. */
int64_t mlp_train_weight_offset(const sm_mlp *m, int l);
/* For tests only. */
int64_t mlp_train_bias_offset(const sm_mlp *m, int l);
/* Room for batches of up to `rows` rows. */
/* For tests only. */
sm_status mlp_reserve(void *state, int64_t rows, sm_error *err);

/* Scores of the listed rows (n x K; n <= reserved); keeps the activations. */
/* For tests only. */
void mlp_forward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n, double *scores);
/* Add the gradient of sum_ik dscores_ik * s_ik for the rows of the last forward. */
/* For tests only. */
void mlp_backward(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                  const double *dscores);
/* For tests only. */
double mlp_grad_norm2(const void *state);
/* One optimiser step with grad * grad_factor and the L2 decay of the weights
 * (not the biases), then clear the gradient. optim_begin_step must have run. */
/* For tests only. */
void mlp_step(void *state, sm_optim *o, double grad_factor);
/* Parameters on the raw features (scale1 and fs folded into W_1). */
void mlp_export(const void *state, double *param);

#endif
