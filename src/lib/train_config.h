/* train_config.h - the options of a training run (sm_train_config), their
 * defaults and the names of their kinds: what a run is asked to do, apart
 * from the loop that does it (train.h), so that what records and checks a
 * run's options (train_resume.h) needs no part of the loop.
 */
#ifndef SM_TRAIN_CONFIG_H
#define SM_TRAIN_CONFIG_H

#include <signal.h>
#include <stdint.h>

#include "dataset.h"
#include "dist.h"
#include "error.h"
#include "model.h"
#include "objective.h"
#include "optim.h"
#include "rank_metrics.h"
#include "scorer.h"
#include "train_state.h"

typedef struct {
    int epoch, epochs;        /* L-BFGS: the iteration, the cap */
    double train_objective;   /* exact after the last epoch, else progressive */
    double valid_objective;   /* NaN without validation data */
    double valid_metric;      /* early stopping's metric, NaN without it */
    int best_epoch;           /* early stopping: the epoch kept so far */
    double seconds;           /* wall clock since training started */
    int64_t steps;            /* optimiser steps so far */
    uint64_t step_bytes;      /* several ranks: bytes this rank sent in the steps' sums */
} sm_epoch_info;

typedef enum { SCALE_NONE = 0, SCALE_MAXABS, SCALE_KIND_COUNT } sm_feature_scaling;
/* Which method minimises the objective: auto is the caller's to resolve
 * (train_run takes lbfgs or sgd). */
typedef enum { SOLVER_AUTO = 0, SOLVER_LBFGS, SOLVER_SGD, SOLVER_KIND_COUNT } sm_solver_kind;
/* Names indexed by sm_solver_kind, NULL-terminated (names.h). */
extern const char *const solver_names[SOLVER_KIND_COUNT + 1];
/* Names indexed by sm_feature_scaling, NULL-terminated (names.h). */
extern const char *const feature_scaling_names[SCALE_KIND_COUNT + 1];

typedef struct {
    sm_objective objective;
    sm_optim_config optim;
    /* SGD (the default here) runs `epochs` epochs of steps as above.
     * L-BFGS (linear scorers only) minimises the same objective, J plus the
     * --l2 penalty optim.l2, over full passes (fullbatch.h, lbfgs.h): one
     * "epoch" is an iteration, whose training objective is exact. It stops
     * when the objective fell by at most tol times its value in each of the
     * last two iterations, or no step lowers it any more (converged), or
     * after max_iter iterations, or by early stopping; the model records
     * solver, stop_reason, iterations and grad_norm (the largest |dF/dtheta|
     * at the end). A run whose objective keeps falling along a direction in
     * which it has no minimum (every score shifted up with an unbounded link
     * and hard targets, or the weights growing without --l2 on separable
     * data), or that reaches max_iter while its biases drift and its
     * objective falls (the shift along a curve), fails with SM_EDATA and
     * says so (smloss-losses(7), SOLVERS AND THE MINIMUM). */
    sm_solver_kind solver;
    double tol;
    int max_iter;
#define TRAIN_TOL 1e-7
#define TRAIN_MAX_ITER 1000
    int epochs;
    int64_t batch;                  /* units per step; 0: train_default_batch */
    uint64_t seed;
    sm_feature_scaling scaling;
    sm_scorer_config scorer;        /* linear (default) or an MLP */
    /* Threads for the passes over whole data sets (feature scales, the
     * curvature, scoring every row for the epoch objective); 0: one per core.
     * The steps themselves run on one thread. The result is the same, bit for
     * bit, whatever the number. */
    int threads;
    /* Early stopping (needs validation data): after each epoch the metric is
     * computed on it (with the conventions of metric_config); the weights of
     * the best epoch are kept (the first, on ties), and training stops after
     * `patience` epochs without improvement (0: runs every epoch). */
    int keep_best;
    sm_rank_metric metric;
    sm_rank_config metric_config;
    int patience;
    /* The class index of each validation row, for the metric accuracy (a
     * multi-class objective's; top1-agreement uses the validation targets);
     * several ranks: of this rank's share, among the classes of all. */
    const int32_t *valid_classes;
    /* Callbacks (may be NULL): after each epoch, and now and then inside a
     * long epoch with the fraction of the epoch done. */
    void (*on_epoch)(void *ctx, const sm_epoch_info *info);
    void (*on_progress)(void *ctx, int epoch, double fraction);
    /* L-BFGS: before each pass over the data (an iteration takes one or
     * more: its line search), the iteration under way (1-based, of at most
     * max_iter), the passes so far, and the objective and the largest
     * gradient component at the current iterate (NaN before the first). */
    void (*on_pass)(void *ctx, int iteration, int max_iter, int64_t passes, double objective,
                    double grad_max);
    void *ctx;
    /* Backing off: a run that diverges after its starting point
     * (SM_EDIVERGED: a non-finite score, loss or gradient, or an exploding
     * objective) trains again from the start at half the learning rate
     * (optim.lr), up to max_backoffs times; then the divergence ends it. Each
     * back-off is told to on_note (may be NULL) in one line, and a model
     * trained after any records how many in the info key lr_halvings. The
     * model is the one optim.lr / 2^lr_halvings gives without backing off,
     * bit for bit, for any number of threads. 0 (the default): off, a caller
     * gets exactly the rate it set. */
    int max_backoffs;
    void (*on_note)(void *ctx, const char *note);
#define TRAIN_BACKOFFS 20 /* what the command line allows at its default rate: 2^-20 */
    /* Data-parallel training over the ranks of dist (dist.h; NULL or one
     * rank: this process alone, bit for bit as without it). Each rank holds
     * a share of the training data and of the validation data (whole
     * queries). A step's batch of `batch` units is split among the
     * ranks in proportion to their shares; each computes the gradient of
     * its part, the gradients are summed (in a fixed order) and every rank
     * takes the same step (the multi-class objectives too: every rank has
     * the same classes, and its share's targets). The scales, the curvature, the start score,
     * the objectives and early stopping's metric are those of all the data. With sync_every K > 0 the
     * ranks instead take local steps on their part of each batch (weighed
     * as a batch of its own) and average their parameters every K steps
     * and at the end of each epoch (local SGD, as Vowpal Wabbit's
     * allreduce): K times less communication, for sparse linear models
     * whose gradient is large to send. */
    sm_dist *dist;
    int sync_every;
    /* Polled between batches (may be NULL); when it becomes non-zero
     * training stops with SM_EINTERRUPTED: for a program that links the
     * library and stops a run from another thread or a signal handler. The
     * command line does not set it: its signals remove the outputs and end
     * the process (cli_output.h). */
    const volatile sig_atomic_t *stop;
    /* A warm start (may be NULL): the parameters of a saved model, on the raw
     * features, for the completed cfg->scorer on the training data's inputs
     * (scorer_saved_param_count of it), to start from instead of the best
     * constant score. The optimiser's state starts fresh all the same. */
    const double *init_param;
    /* Checkpoints: after every checkpoint_every-th epoch but the last (0:
     * none), the model so far (the current weights, with early stopping the
     * best epoch's; scorer part, objective and link, as train_run fills it)
     * and the state that resumes the run from there (train_state.h: the
     * run's fingerprint, train_resume.h, the parameters exactly, the
     * optimiser's or L-BFGS's state, the epoch, early stopping's best and
     * each rank's generators) go to on_checkpoint, which saves them; a
     * status other than SM_OK from it stops training with that status.
     * Several ranks: every rank builds the state (a collective step), and
     * on_checkpoint may be NULL on all but the one that saves it. */
    int checkpoint_every;
    sm_status (*on_checkpoint)(void *ctx, const sm_model *model, const sm_train_state *state,
                               int epoch, sm_error *err);
    /* Resuming (may be NULL): the state a checkpoint saved. The run must
     * have its fingerprint (else SM_EUSAGE naming the option that differs;
     * epochs and max_iter may grow) and continues after its epoch: the
     * model is the one of the run never stopped, bit for bit. A divergence
     * after it backs off as that run would, from the start. The initial
     * parameters (init_param) then matter only to the fingerprint. */
    const sm_train_state *resume;
    /* Streaming (membudget.h): 0, the data are held in memory; else the
     * training data are a mapped cache larger than the memory budget, read
     * in order: the full-batch solver's passes keep no transposed copy (the
     * same sums in the same order: the same model bytes), and an SGD epoch
     * visits blocks of stream_units consecutive units in a seeded order,
     * shuffling the units of each STREAM_WINDOW blocks among themselves (a
     * bounded shuffle buffer), while the next window is read ahead
     * (madvise WILLNEED: large sequential reads by the kernel, not a page
     * fault a row) and the window before is let go. Same data, seed and
     * stream_units: the same model bytes, for any number of threads. */
    int64_t stream_units;
#define STREAM_WINDOW 4
} sm_train_config;

/* Defaults: the solver auto (train_solver), the objective pointwise with the
 * link lin, 20 epochs for SGD, tol TRAIN_TOL and max_iter TRAIN_MAX_ITER for
 * L-BFGS. */
void train_config_default(sm_train_config *cfg);
/* The solver a run uses: cfg->solver, with SOLVER_AUTO made L-BFGS for a
 * linear scorer (scorer_kind_full_batch) and SGD for an MLP, as the
 * command line's --solver auto (whose SGD-only options choose SGD first). */
sm_solver_kind train_solver(const sm_train_config *cfg);
/* Units per step by default: 16 rows for pointwise, 1 query (of typically
 * 10 to 100 rows) for the ranking objectives. On ill-conditioned ranking
 * data 16 queries per step leave too few steps for 20 epochs. */
int64_t train_default_batch(sm_objective_kind kind);

#endif
