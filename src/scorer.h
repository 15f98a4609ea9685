/* scorer.h - the trainable scorer behind the training loop.
 *
 * The trainer sees one interface whatever it trains (a linear scorer or an
 * MLP): per mini-batch
 *     scorer_forward(rows) -> scores;   scorer_backward(dscores);
 *     scorer_grad_norm2 (clipping);     scorer_step(optimiser, factor);
 * and at the end scorer_export into a model. scorer_backward must follow a
 * scorer_forward of the same rows (the MLP keeps that batch's activations).
 *
 * The state of the parameters can be copied out and put back
 * (scorer_save_state / scorer_restore_state, scorer_state_size doubles), e.g.
 * to keep the parameters of the best epoch and restore them at the end.
 * Optimiser state is not part of it.
 */
#ifndef SM_SCORER_H
#define SM_SCORER_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "linear.h"
#include "mlp.h"
#include "model.h"
#include "optim.h"

typedef struct {
    sm_scorer_kind kind;
    sm_mlp_shape mlp;   /* MLP: n_hidden, width[1 .. n_hidden], act; width[0] comes from the data */
} sm_scorer_config;

/* Linear; an MLP would use relu. */
void scorer_config_default(sm_scorer_config *c);
/* "linear" or "mlp:H1[,H2[,H3]]" (widths 1 .. MLP_MAX_WIDTH); keeps c->mlp.act.
 * SM_EUSAGE with a message quoting the bad part. */
sm_status scorer_config_parse(const char *spec, sm_scorer_config *c, sm_error *err);

typedef struct {
    sm_scorer_kind kind;
    sm_linear lin;
    sm_mlp mlp;
} sm_scorer;

/* A fresh scorer for the features of `train`; fs are the per-feature input
 * scales (NULL: none); seed draws the MLP's initial weights. */
sm_status scorer_init(sm_scorer *sc, const sm_scorer_config *cfg, const sm_dataset *train,
                      const double *fs, uint64_t seed, sm_error *err);
void scorer_free(sm_scorer *sc);
/* Parameters the optimiser keeps state for (indices 0 .. count-1). */
int64_t scorer_param_count(const sm_scorer *sc);
/* Weight layers between input and score (1 for linear). */
int scorer_depth(const sm_scorer *sc);
/* Room for forward/backward on up to `rows` rows at once. */
sm_status scorer_reserve(sm_scorer *sc, int64_t rows, sm_error *err);
/* Set the bias of the output (the score of an all-zero hidden/input). */
void scorer_set_output_bias(sm_scorer *sc, double bias);

/* A hint that rows[0 .. n) are the rows of the coming steps, in order,
 * `batch` a step (see linear_prefetch); changes no result. */
void scorer_prefetch(const sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     int64_t batch);
void scorer_forward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores);
/* Whether several threads may call scorer_forward at once (on the same
 * scorer): a linear scorer only reads its weights; an MLP keeps the batch's
 * activations in the scorer. */
int scorer_forward_is_reentrant(const sm_scorer *sc);
void scorer_backward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores);
double scorer_grad_norm2(const sm_scorer *sc);
/* Backward and step in one pass where the scorer can (a linear scorer under
 * plain SGD: linear_sgd_step), for a step without clipping; returns 0 and
 * does nothing otherwise. optim_begin_step must have run. */
int scorer_sgd_step(sm_scorer *sc, sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                    int64_t n, const double *dscores);
void scorer_step(sm_scorer *sc, sm_optim *o, double grad_factor);
/* (1/2)||weights||^2 (biases excluded), the quantity --l2 penalises. */
double scorer_l2_half(const sm_scorer *sc);

int64_t scorer_state_size(const sm_scorer *sc);
void scorer_save_state(const sm_scorer *sc, double *state);
void scorer_restore_state(sm_scorer *sc, const double *state);

/* Fill the model's scorer part (kind, dim, weights on the raw features);
 * SM_EDIVERGED when a weight is not finite. */
sm_status scorer_export(const sm_scorer *sc, sm_model *m, sm_error *err);

#endif
