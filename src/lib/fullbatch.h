/* fullbatch.h - the training objective of a linear scorer and its gradient
 * over a whole data set, in one pass: what the full-batch solver (lbfgs.h)
 * minimises.
 *
 * The parameters theta are those of the linear scorer on the scaled
 * features (linear.h): the K weights of feature 0, 1, ..., then the K
 * biases, P = (dim + 1) K values. The value is
 *     F(theta) = sum_u w_u L_u / sum_u w_u  +  (l2/2) ||W||^2
 * (units u and weights w_u as objective.h; the penalty on the weights, not
 * the biases): the objective SGD minimises with the same --l2, and the one
 * its epoch table shows.
 *
 * A pass scores every row (pass_scores), runs the objective's
 * forward_backward on each unit (chunks of units on threads), and forms the
 * gradient dF/dW_jk = fs_j sum_i x_ij dL/ds_ik per feature from a
 * transposed copy of the features (chunks of features on threads), each
 * sum in row order: the result is the same, bit for bit, for any number of
 * threads. With a group of ranks each holding a share of the data, one sum
 * over the ranks per pass (the gradient, the loss and the units' weight
 * together) gives every rank the value and gradient of all the data.
 *
 * Pairwise with max_pairs > 0: each query's gradient and loss are those of
 * max_pairs pairs drawn once for the run (a generator seeded by the seed and
 * the query), so every pass sees the same function.
 */
#ifndef SM_FULLBATCH_H
#define SM_FULLBATCH_H

#include <stdint.h>

#include "dataset.h"
#include "dist.h"
#include "error.h"
#include "objective.h"
#include "scorer.h"

typedef struct {
    const sm_objective *obj; /* checked (objective_check) */
    const sm_dataset *ds;
    const double *fs;        /* the feature scales, or NULL */
    double l2;
    uint64_t seed;           /* the sampled pairs */
    int threads;             /* 0: one per core */
    sm_dist *dist;           /* NULL: this process alone */
    /* 1: ds is streamed from a cache larger than the memory budget
     * (train.h): no transposed copy; the gradient is summed row by row on
     * one thread as the rows are read, each feature's sum in row order as
     * before: the same bits. */
    int streaming;
} sm_fullbatch_config;

typedef struct sm_fullbatch sm_fullbatch;

/* sc: a linear scorer for ds's features (it scores the rows of each pass;
 * its parameters are overwritten). */
sm_status fullbatch_init(sm_fullbatch **fb, const sm_fullbatch_config *cfg, sm_scorer *sc,
                         sm_error *err);
void fullbatch_free(sm_fullbatch *fb);
int64_t fullbatch_param_count(const sm_fullbatch *fb);
/* The scorer's parameters as theta, and theta into the scorer. */
void fullbatch_get(const sm_fullbatch *fb, double *theta);
void fullbatch_put(sm_fullbatch *fb, const double *theta);
/* F(theta) into *f and its gradient into grad (P values); a non-finite
 * score or loss makes *f NaN (an lbfgs_eval_fn). */
sm_status fullbatch_eval(void *fb, const double *theta, double *f, double *grad, sm_error *err);
/* A diagonal preconditioner for lbfgs.h (its h0): 1 / the diagonal of the
 * Hessian of F at the labels into h0 (P values) and *set = 1, for the
 * objectives whose loss is a sum over scores (pointwise, multi-class
 * pointwise): there the curvature of a score's loss at its target y is
 * h'(y) (objective.h), and d2F/dW_jk^2 = mean_u w_u h'(y_uk) (fs_j x_uj)^2
 * + l2 (exact for lin, whose h' is 1). *set = 0 (h0 untouched) for the
 * other objectives, whose curvature is spread over a unit's scores (L-BFGS
 * took more iterations with such a diagonal on digits, as many on listwise
 * data). With a group of ranks, the sums are over all of them. */
sm_status fullbatch_diagonal(sm_fullbatch *fb, double *h0, int *set, sm_error *err);

#endif
