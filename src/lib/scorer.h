/* scorer.h - the trainable scorers: one table of operations per kind.
 *
 * A scorer maps a sparse row to K >= 1 scores (n_out); the scores of a batch
 * are n x K, row-major. The trainer sees one interface whatever the kind:
 * per mini-batch
 *     scorer_forward(rows) -> scores;   scorer_backward(dscores);
 *     scorer_grad_norm2 (clipping);     scorer_step(optimiser, factor);
 * and at the end scorer_export: the parameters on the raw features, laid out
 * as the layers of the completed shape (scorer_config_complete; mlp.h's
 * layout), which a saved model keeps (model.h) and scorer_predict scores
 * with. scorer_backward must follow a scorer_forward of the same rows (an
 * MLP keeps that batch's activations).
 *
 * The state of the parameters can be copied out and put back
 * (scorer_save_state / scorer_restore_state, scorer_state_size doubles), e.g.
 * to keep the parameters of the best epoch and restore them at the end.
 * Optimiser state is not part of it.
 *
 * Each kind is a module of its own (linear.c, mlp.c) that defines its
 * sm_scorer_ops, and a row of the table of kinds in scorer.c.
 */
#ifndef SM_SCORER_H
#define SM_SCORER_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "mlp_shape.h"
#include "optim.h"

#define SCORER_MAX_OUTPUTS 65536

typedef enum { SCORER_LINEAR = 0, SCORER_MLP, SCORER_KIND_COUNT } sm_scorer_kind;

typedef struct {
    sm_scorer_kind kind;
    int32_t n_out;      /* K scores per row, 1 .. SCORER_MAX_OUTPUTS */
    /* The layers. An MLP's n_hidden, width[1 .. n_hidden] and act come from
     * its spec; scorer_config_complete sets width[0] (the input dimension)
     * and width[n_hidden + 1] (K), and describes a linear scorer as one layer
     * (n_hidden 0). */
    sm_mlp_shape mlp;
} sm_scorer_config;

/* Linear, one output; an MLP would use relu. */
void scorer_config_default(sm_scorer_config *c);
/* "linear" or "mlp:H1[,H2[,H3]]" (widths 1 .. MLP_MAX_WIDTH); keeps
 * c->n_out and c->mlp.act. SM_EUSAGE with a message quoting the bad part. */
sm_status scorer_config_parse(const char *spec, sm_scorer_config *c, sm_error *err);
/* The kind's name ("linear", "mlp"), its --scorer spelling
 * ("mlp:H1[,H2[,H3]]"), and the kind of a name (-1: none). */
const char *scorer_kind_name(sm_scorer_kind kind);
const char *scorer_kind_syntax(sm_scorer_kind kind);
/* Whether the kind has hidden layers (an activation; hidden=, activation=
 * and layer= lines in a model file), and the optimiser it trains with when
 * none is given. */
int scorer_kind_is_layered(sm_scorer_kind kind);
sm_optimizer_kind scorer_kind_optimizer(sm_scorer_kind kind);
/* Whether the full-batch solver (fullbatch.h) trains the kind: its
 * objective is convex in the parameters (linear), where an MLP's is not and
 * trains by SGD. */
int scorer_kind_full_batch(sm_scorer_kind kind);
int scorer_kind_parse(const char *name);
/* Set the layers' input dimension and outputs (see sm_scorer_config). */
void scorer_config_complete(sm_scorer_config *c, int32_t dim);
/* The parameters of a completed config: those of its layers. */
int64_t scorer_saved_param_count(const sm_scorer_config *c);
/* Scores (n_rows x K) of every row of ds with exported parameters of a
 * completed config; features >= the input dimension are ignored. */
void scorer_predict(const sm_scorer_config *c, const double *param, const sm_dataset *ds,
                    double *scores);

typedef struct sm_scorer_ops sm_scorer_ops;

typedef struct {
    const sm_scorer_ops *ops;
    void *state;            /* the kind's (sm_linear, sm_mlp) */
    sm_scorer_config cfg;   /* completed */
} sm_scorer;

/* A fresh scorer for the features of `train`; fs are the per-feature input
 * scales (NULL: none); seed draws the MLP's initial weights. */
sm_status scorer_init(sm_scorer *sc, const sm_scorer_config *cfg, const sm_dataset *train,
                      const double *fs, uint64_t seed, sm_error *err);
void scorer_free(sm_scorer *sc);
/* Parameters the optimiser keeps state for (indices 0 .. count-1). */
int64_t scorer_param_count(const sm_scorer *sc);
/* Weight layers between input and score (1 for linear): those of sc->cfg. */
int scorer_depth(const sm_scorer *sc);
/* Room for forward/backward on up to `rows` rows at once. */
sm_status scorer_reserve(sm_scorer *sc, int64_t rows, sm_error *err);
/* Set the bias of each output k to bias[k] (its score for an all-zero
 * hidden/input). */
void scorer_set_output_bias(sm_scorer *sc, const double *bias);

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
/* Add the gradient of sum_ik dscores_ik * s_ik to the batch gradient. */
void scorer_backward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores);
double scorer_grad_norm2(const sm_scorer *sc);
/* The batch gradient as a dense array of scorer_param_count doubles (in the
 * optimiser's parameter order), and the gradient set from one: what ranks
 * add up in data-parallel training (dist.h). grad_put replaces the batch
 * gradient; the parameters it touches are those with a nonzero entry. */
void scorer_grad_get(const sm_scorer *sc, double *grad);
void scorer_grad_put(sm_scorer *sc, const double *grad);
/* Backward and step in one pass where the scorer can (a linear scorer under
 * plain SGD: linear_sgd_step), for a step without clipping; returns 0 and
 * does nothing otherwise. optim_begin_step must have run. */
int scorer_sgd_step(sm_scorer *sc, sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                    int64_t n, const double *dscores);
void scorer_step(sm_scorer *sc, sm_optim *o, double grad_factor);
/* (1/2)||weights||^2 (biases excluded), the quantity --l2 penalises. */
double scorer_l2_half(const sm_scorer *sc);

/* The stored parameters exactly (not on the raw features, as
 * scorer_export): what several ranks average (local SGD, dist.h) and what
 * tests compare. */
int64_t scorer_state_size(const sm_scorer *sc);
void scorer_save_state(const sm_scorer *sc, double *state);
void scorer_restore_state(sm_scorer *sc, const double *state);

/* The parameters on the raw features into param (scorer_saved_param_count
 * of sc->cfg); SM_EDIVERGED when one is not finite. */
sm_status scorer_export(const sm_scorer *sc, double *param, sm_error *err);
/* The inverse: start from exported parameters of the same completed config
 * (a warm start from a saved model), in the scaled space of this scorer. */
void scorer_import(sm_scorer *sc, const double *param);

/* ---- a kind ---- */

/* What a kind implements, on its own state; the functions above call them.
 * A NULL complete, reserve or prefetch does nothing, a NULL sgd_step returns
 * 0. The state of the parameters is param_count + 1 doubles. */
struct sm_scorer_ops {
    const char *name;   /* in --scorer and model files */
    const char *syntax; /* its --scorer spelling, for messages */
    int layered;        /* hidden layers (scorer_kind_is_layered) */
    int full_batch;     /* the L-BFGS solver trains it (scorer_kind_full_batch) */
    /* The default optimiser: plain SGD with the relative rate suits the
     * convex linear problems; an MLP's curvature changes as it trains, where
     * Adam's per-weight scaling keeps steep links (exp, sinh) from diverging. */
    sm_optimizer_kind optimizer;
    /* The part of a --scorer spec after "name:" (NULL without one) into c. */
    sm_status (*parse)(const char *spec, const char *options, sm_scorer_config *c,
                       sm_error *err);
    /* The kind's part of scorer_config_complete (after the widths are set). */
    void (*complete)(sm_scorer_config *c);
    void (*predict)(const sm_scorer_config *c, const double *param, const sm_dataset *ds,
                    double *scores);
    sm_status (*init)(void **state, const sm_scorer_config *c, const sm_dataset *train,
                      const double *fs, uint64_t seed, sm_error *err);
    void (*free)(void *state);
    int64_t (*param_count)(const void *state);
    sm_status (*reserve)(void *state, int64_t rows, sm_error *err);
    void (*set_output_bias)(void *state, const double *bias);
    void (*prefetch)(const void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     int64_t batch);
    void (*forward)(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores);
    int forward_is_reentrant;
    void (*backward)(void *state, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores);
    double (*grad_norm2)(const void *state);
    void (*grad_get)(const void *state, double *grad);
    void (*grad_put)(void *state, const double *grad);
    int (*sgd_step)(void *state, sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                    int64_t n, const double *dscores);
    void (*step)(void *state, sm_optim *o, double grad_factor);
    double (*l2_half)(const void *state);
    void (*save_state)(const void *state, double *out);
    void (*restore_state)(void *state, const double *in);
    void (*export_params)(const void *state, double *param);
    void (*import_params)(void *state, const double *param);
};

/* The kinds (linear.c, mlp.c), listed in scorer.c's table. */
extern const sm_scorer_ops linear_scorer_ops, mlp_scorer_ops;

#endif
