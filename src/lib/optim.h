/* optim.h - per-coordinate optimisers and learning-rate schedules.
 *
 * The trainer computes a gradient g_i for each parameter a mini-batch touched
 * and asks optim_delta for the step to subtract. Moment estimates are kept per
 * parameter and updated only when the parameter is touched ("lazy" updates), so
 * a sparse linear step costs O(nnz), not O(dimension); for dense parameters
 * this is exactly the textbook method.
 *
 * L2 regularisation is applied by the caller as a multiplicative decay
 * w <- optim_decay(o) w before the step: 1 - lr*l2 for sgd, the exact
 * gradient of (l2/2)||w||^2; 1 - lr*l2/(1 - momentum) for momentum, whose
 * steps are lr/(1 - momentum) times the gradient in the long run, so that the
 * fit minimises the same penalised objective; for the adaptive methods
 * 1 - lr*l2, decoupled weight decay (AdamW), whose fixed point is not the
 * optimum of the penalised objective.
 */
#ifndef SM_OPTIM_H
#define SM_OPTIM_H

#include <stdint.h>

#include "error.h"

typedef enum { OPT_SGD = 0, OPT_MOMENTUM, OPT_ADAGRAD, OPT_ADAM, OPT_KIND_COUNT } sm_optimizer_kind;
typedef enum { SCHED_CONSTANT = 0, SCHED_INVSQRT, SCHED_LINEAR, SCHED_KIND_COUNT } sm_schedule_kind;

typedef struct {
    sm_optimizer_kind kind;
    double lr;              /* base learning rate */
    sm_schedule_kind schedule;
    int64_t warmup;         /* steps of linear warm-up from lr/warmup to lr */
    double momentum;        /* momentum: beta (0.9) */
    double beta1, beta2;    /* adam (0.9, 0.999) */
    double eps;             /* adagrad, adam (1e-8) */
    double l2;              /* decay, see above */
    double clip;            /* clip the mini-batch gradient to this L2 norm; 0: off */
} sm_optim_config;

/* Defaults of a kind (lr included). */
void optim_config_default(sm_optim_config *c, sm_optimizer_kind kind);
/* Names indexed by the enums, NULL-terminated (names.h). */
extern const char *const optim_kind_names[OPT_KIND_COUNT + 1];
extern const char *const optim_schedule_names[SCHED_KIND_COUNT + 1];
const char *optim_kind_name(sm_optimizer_kind k);
const char *optim_schedule_name(sm_schedule_kind k);

typedef struct {
    sm_optim_config cfg;
    int64_t n;          /* parameters */
    double *m;          /* first moment / velocity / adagrad sum, n or NULL */
    double *v;          /* adam second moment, n or NULL */
    int64_t step;       /* steps taken, from 1 after the first optim_begin_step */
    double lr;          /* learning rate of the current step */
    double bc1, bc2;    /* adam bias corrections of the current step */
} sm_optim;

sm_status optim_init(sm_optim *o, const sm_optim_config *cfg, int64_t n_params, sm_error *err);
void optim_free(sm_optim *o);

/* Learning rate at step t (1-based) of total_steps (schedule and warm-up);
 * optim_begin_step's, exposed for tests. */
/* For tests only. */
double optim_lr_at(const sm_optim_config *c, int64_t t, int64_t total_steps);

/* Start a step: advances the counter and fixes lr and bias corrections. */
/* The factor the weights shrink by in the current step (optim_begin_step
 * has run); 1 without L2. */
double optim_decay(const sm_optim *o);

void optim_begin_step(sm_optim *o, int64_t total_steps);

/* The amount to subtract from parameter i whose gradient is g. */
double optim_delta(sm_optim *o, int64_t i, double g);

/* Step the n parameters first .. first+n-1 (stored in param[0..n), stored
 * value = parameter / scale) with the gradients grad[k] * grad_factor, and
 * clear those gradients: param[k] -= optim_delta(first + k, ...) / scale. */
void optim_apply(sm_optim *o, int64_t first, double *param, double *grad, int64_t n,
                 double grad_factor, double scale);

#endif
