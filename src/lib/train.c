#include "train.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "class_metrics.h"
#include "fullbatch.h"
#include "lbfgs.h"
#include "numfmt.h"
#include "rng.h"
#include "scorer.h"
#include "stream.h"
#include "train_pass.h"
#include "train_resume.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    int64_t *rows;       /* rows of the current batch */
    int64_t *unit_end;   /* offset in rows[] where each unit of the batch ends */
    double *scores, *dscores;
    double *all_scores;  /* scores of a whole data set, for the epoch objective */
    int64_t cap_rows;
} batch_buffers;

/* A run: what it trains, on what, and what it keeps between steps. */
typedef struct {
    const sm_train_config *cfg;
    const sm_objective *obj;
    const sm_dataset *train, *valid;
    int64_t batch;            /* units a step */
    int64_t K;                /* scores a row: every score array is rows x K */
    int64_t *units, n_units;  /* the units of an epoch, shuffled each epoch */
    int64_t total_steps;
    double *fs;               /* feature scales, or NULL */
    sm_scorer sc;
    sm_optim opt;
    int have_scorer, have_opt;
    sm_rng rng;               /* the shuffles */
    sm_stream stream;         /* streaming (cfg->stream_units): the epochs' visit */
    int have_stream;
    sm_objective_work work;
    batch_buffers buf;
    double start_objective;   /* the training objective at the start */
    double first_objective;   /* and after the first epoch */
    double rounding_objective; /* what rounding of the scores alone adds (check_exploded) */
    double loss_sum;          /* this epoch's progressive objective: summed unit losses */
    double loss_units;        /* and the units' weight (their count without weights) */
    double unit_scale;        /* 1 / the units' mean weight (1 without weights) */
    double t0, last_progress; /* wall clock */
    double best;              /* early stopping: the best metric so far */
    int best_epoch;           /* and its epoch (0: none yet) */
    /* Several ranks (cfg->dist): the units of every rank's share and of all;
     * the array the ranks add up (gradient or parameters, and a flag); a
     * local step's failure, told to the others at the next exchange. */
    int64_t *rank_units, all_units;
    double *exchange;
    uint64_t step_bytes;      /* sent by exchange() */
    double valid_max_label;   /* ERR's y_max over every rank's validation rows */
    sm_status pending;
    sm_error pending_err;
    /* L-BFGS: why it stopped, after how many iterations, max |gradient| */
    const char *stop_reason;
    int iterations;
    double grad_norm;
    double half_bias, half_norm, half_objective; /* at iteration max_iter / 2: mean bias, ||w||, F */
    sm_lbfgs *lb;             /* the solver, while it runs (for a checkpoint) */
    int small;                /* iterations in a row that moved little (lbfgs_go_on) */
    /* Checkpoints and resuming (train_resume.h): the run's fingerprint
     * (NULL without either), the state resumed from (NULL: from the start),
     * the learning rate's halvings before this run, and the epochs (L-BFGS:
     * iterations) done before its first. */
    const sm_train_state *fp, *resume;
    int halvings;
    int epochs_done;
} trainer;

static sm_status ensure_rows(batch_buffers *b, sm_scorer *sc, int64_t need, sm_error *err)
{
    if (need <= b->cap_rows)
        return SM_OK;
    int64_t cap = need > 2 * b->cap_rows ? need : 2 * b->cap_rows, K = sc->cfg.n_out;
    int64_t *rows = realloc(b->rows, (size_t)cap * sizeof *rows);
    if (rows)
        b->rows = rows;
    double *s = realloc(b->scores, (size_t)(cap * K) * sizeof *s);
    if (s)
        b->scores = s;
    double *d = realloc(b->dscores, (size_t)(cap * K) * sizeof *d);
    if (d)
        b->dscores = d;
    if (!rows || !s || !d)
        return sm_fail(err, SM_EFAIL, "out of memory for a batch of %lld rows", (long long)cap);
    b->cap_rows = cap;
    return scorer_reserve(sc, cap, err);
}

/* ---- divergence ---- */

static sm_status diverged(sm_error *err, const sm_train_config *cfg, const sm_dataset *ds,
                          int epoch, int64_t row, double score, const char *what)
{
    char spec[LINK_SPEC_MAX], when[40] = "at the starting point";
    link_format(&cfg->objective.link, spec, sizeof spec);
    if (epoch > 0)
        snprintf(when, sizeof when, "in epoch %d", epoch);
    char where[300];
    int64_t line = dataset_row_line(ds, row);
    if (line > 0)
        snprintf(where, sizeof where, "%s:%lld", ds->source, (long long)line);
    else
        snprintf(where, sizeof where, "row %lld of %s", (long long)row + 1, ds->source);
    return sm_fail(err, SM_EDIVERGED,
                   "training diverged %s: %s at %s (label %.10g, score %.10g) with loss '%s'",
                   when, what, where, ds->label[row], score, spec);
}

/* What a non-finite loss is called: a ranking unit's loss is its query's
 * (the message names the query's first row). */
static const char *bad_loss_what(const sm_objective *obj)
{
    return objective_is_ranking(obj->kind) ? "the loss of the query is not finite"
                                           : "the loss is not finite";
}

/* The first row of the unit of ds, under the scores of every row, with the
 * largest loss (`worst`; the first unit when no loss is a number) or else the
 * first whose loss is not finite (-1 when there is none). */
static int64_t find_unit_row(trainer *t, const sm_dataset *ds, const double *scores, int worst)
{
    int64_t found = worst ? 0 : -1, b, e, k;
    double largest = -1.0;
    for (int64_t u = 0; u < objective_unit_count(t->obj, ds); u++) {
        objective_unit_rows(t->obj, ds, u, &b, &e);
        double loss = objective_forward(t->obj, scores + b * t->K,
                                        objective_unit_targets(t->obj, ds, b), e - b, &k, &t->work);
        if (!worst && !isfinite(loss))
            return b;
        if (worst && loss > largest)
            largest = loss, found = b;
    }
    return found;
}

/* Divergence that stays finite: training starts at (for the MLP, near) the
 * best constant score, and a stable step keeps the objective near or below
 * that start, so an epoch
 * whose objective exceeds it by this factor is an unstable step blowing up
 * (it would overflow a few epochs later, or end with a useless model). */
#define TRAIN_EXPLODE_FACTOR 1e4

static sm_status check_exploded(trainer *t, const sm_epoch_info *info, sm_error *err)
{
    /* (a NaN would pass every comparison below and end in a model) */
    if (!isfinite(info->train_objective))
        return sm_fail(err, SM_EDIVERGED, "training diverged in epoch %d: the training "
                       "objective is not a finite number (%g)", info->epoch,
                       info->train_objective);
    /* A run that starts at its optimum already (a warm start on its own
     * scores as targets) starts at 0, or a rounding below it: then the
     * first epoch's objective is the reference. */
    double ref = t->start_objective;
    if (!(ref > t->rounding_objective)) {
        if (info->epoch == 1)
            t->first_objective = info->train_objective;
        ref = t->first_objective > t->rounding_objective ? t->first_objective
                                                          : t->rounding_objective;
    }
    if (!(ref > 0.0) || !(info->train_objective > TRAIN_EXPLODE_FACTOR * ref))
        return SM_OK;
    double *scores = t->buf.all_scores; /* it may hold validation scores */
    pass_scores(&t->sc, t->train, t->cfg->threads, scores);
    int64_t worst = find_unit_row(t, t->train, scores, 1);
    char what[160];
    snprintf(what, sizeof what,
             "the training objective %.6g is over %g times the one %s (%.6g); the largest %s is",
             info->train_objective, TRAIN_EXPLODE_FACTOR,
             t->start_objective > 0.0 ? "at the start of training" : "after the first epoch", ref,
             objective_is_ranking(t->obj->kind) ? "query loss" : "loss");
    return diverged(err, t->cfg, t->train, info->epoch, worst, scores[worst * t->K], what);
}

/* ---- evaluation ---- */

/* The exact training objective: a pass over the data with the current weights. */
static sm_status exact_train_objective(trainer *t, sm_epoch_info *info, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    double *scores = t->buf.all_scores, mean;
    int64_t units, bad;
    sm_status st;
    pass_scores(&t->sc, t->train, cfg->threads, scores);
    st = SM_OK;
    for (int64_t i = 0; st == SM_OK && i < t->train->n_rows * t->K; i++)
        if (!isfinite(scores[i]))
            st = diverged(err, cfg, t->train, info->epoch, i / t->K, scores[i],
                          "the score is not finite");
    /* (every rank hears of a failure on one: no rank waits for it below) */
    if ((st = dist_agree(cfg->dist, st, err)) != SM_OK ||
        (st = pass_mean_objective(t->obj, t->train, scores, cfg->threads, cfg->dist, &mean,
                                  &units, err)) != SM_OK)
        return st;
    info->train_objective = mean + cfg->optim.l2 * scorer_l2_half(&t->sc);
    if (!isfinite(info->train_objective) && (bad = find_unit_row(t, t->train, scores, 0)) >= 0)
        st = diverged(err, cfg, t->train, info->epoch, bad, scores[bad * t->K],
                      bad_loss_what(t->obj));
    return isfinite(info->train_objective) ? st : dist_agree(cfg->dist, st, err);
}

/* Early stopping's class metric on the validation scores: the accuracy
 * against cfg->valid_classes, or the top-1 agreement with each row's target
 * distribution (the objective's, objective_listwise_target); on several
 * ranks, that of every rank's rows. */
static sm_status class_metric(const trainer *t, const double *scores, double *value,
                              sm_error *err)
{
    const sm_dataset *valid = t->valid;
    int K = (int)t->K, agreement = t->cfg->metric.kind == METRIC_TOP1_AGREEMENT;
    double *q = NULL;
    sm_status st = SM_OK;
    /* (on several ranks a failure here is agreed on below, not returned) */
    if (agreement &&
        !(q = malloc((size_t)(valid->n_rows > 0 ? valid->n_rows : 1) * K * sizeof *q)))
        st = sm_fail(err, SM_EFAIL, "out of memory for the validation targets");
    for (int64_t i = 0; q && i < valid->n_rows; i++)
        objective_listwise_target(t->obj, valid->target + i * K, K, q + i * K);
    sm_class_config config;
    class_config_default(&config);
    sm_class_report rep = {0};
    if (st == SM_OK)
        st = class_report_compute(&config, scores, valid->n_rows, K,
                                  agreement ? NULL : t->cfg->valid_classes, q, valid->weight,
                                  &rep, err);
    if (st == SM_OK)
        *value = agreement ? rep.top1_agreement : rep.accuracy;
    class_report_free(&rep);
    free(q);
    if (!dist_many(t->cfg->dist) || (st = dist_agree(t->cfg->dist, st, err)) != SM_OK)
        return st;
    /* several ranks: the whole validation file's share, from every rank's
     * (a rank's share may hold no row) */
    double sums[2] = {rep.weight > 0.0 ? *value * rep.weight : 0.0, rep.weight};
    if ((st = dist_sum(t->cfg->dist, sums, 2, err)) == SM_OK)
        *value = sums[1] > 0.0 ? sums[0] / sums[1] : NAN;
    return st;
}

/* Early stopping's RMSE or MAE on the validation scores, over the rows whose
 * label is in the metric's region (all without one), weighted; over every
 * rank's rows. NaN when no row counts. */
static sm_status error_metric(const trainer *t, const double *scores, double *value,
                              sm_error *err)
{
    const sm_rank_metric *m = &t->cfg->metric;
    const sm_dataset *valid = t->valid;
    double sums[2] = {0.0, 0.0};
    int squared = m->kind == METRIC_RMSE;
    metrics_error_sums(valid->label, valid->weight, scores, valid->n_rows,
                       m->has_region ? &m->region : NULL, squared, sums);
    sm_status st = dist_many(t->cfg->dist) ? dist_sum(t->cfg->dist, sums, 2, err) : SM_OK;
    double mean = sums[1] > 0.0 ? sums[0] / sums[1] : NAN;
    *value = squared ? sqrt(mean) : mean;
    return st;
}

/* With validation data, its objective and early stopping's metric under
 * the current weights (NaN without). */
static sm_status evaluate_valid(trainer *t, sm_epoch_info *info, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    const sm_dataset *valid = t->valid;
    double *scores = t->buf.all_scores;
    int64_t units;
    sm_status st = SM_OK;
    info->valid_objective = info->valid_metric = NAN;
    if (!valid)
        return SM_OK;
    pass_scores(&t->sc, valid, cfg->threads, scores);
    if ((st = pass_mean_objective(t->obj, valid, scores, cfg->threads, cfg->dist,
                                  &info->valid_objective, &units, err)) != SM_OK)
        return st;
    info->valid_metric = info->valid_objective;
    if (cfg->keep_best && rank_metric_is_class(&cfg->metric))
        return class_metric(t, scores, &info->valid_metric, err);
    if (cfg->keep_best && rank_metric_is_error(&cfg->metric))
        return error_metric(t, scores, &info->valid_metric, err);
    if (!cfg->keep_best || cfg->metric.kind == METRIC_OBJECTIVE)
        return SM_OK;
    double counted = 0.0; /* the weight of the queries the metric is a mean over */
    info->valid_metric = NAN;
    /* (a rank's share may hold no query) */
    sm_rank_config conv = cfg->metric_config;
    if (dist_many(cfg->dist)) { /* the whole validation file's */
        conv.err_max_given = 1;
        conv.err_max_label = t->valid_max_label;
    }
    if (valid->n_groups > 0 || !dist_many(cfg->dist))
        st = rank_metric_value_counted(&cfg->metric, &conv, valid->group_ptr,
                                       valid->n_groups, valid->label, valid->weight,
                                       scores, &info->valid_metric, &counted, err);
    if (!dist_many(cfg->dist) || (st = dist_agree(cfg->dist, st, err)) != SM_OK)
        return st;
    /* the mean over every rank's queries */
    double sums[2] = {counted > 0.0 ? info->valid_metric * counted : 0.0, counted};
    if ((st = dist_sum(cfg->dist, sums, 2, err)) == SM_OK)
        info->valid_metric = sums[1] > 0 ? sums[0] / sums[1] : NAN;
    return st;
}

/* The epoch's objectives. The training objective is exact only when `exact`;
 * otherwise it is the progressive one the epoch measured on the way (the
 * mean loss of each step's units before that step's update), which costs
 * nothing. */
static sm_status evaluate(trainer *t, int exact, sm_epoch_info *info, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_status st;
    if (exact) {
        if ((st = exact_train_objective(t, info, err)) != SM_OK)
            return st;
    } else {
        double sums[2] = {t->loss_sum, t->loss_units};
        if (dist_many(cfg->dist) && (st = dist_sum(cfg->dist, sums, 2, err)) != SM_OK)
            return st;
        info->train_objective = sums[1] > 0.0 ? sums[0] / sums[1] : NAN;
        if (cfg->optim.l2 > 0.0)
            info->train_objective += cfg->optim.l2 * scorer_l2_half(&t->sc);
    }
    return evaluate_valid(t, info, err);
}

/* ---- early stopping and the result ---- */

/* The model's scorer: the current parameters, on the raw features. */
static sm_status export_model(const trainer *t, sm_model *model, sm_error *err)
{
    sm_status st = model_init_scorer(model, &t->sc.cfg, t->train->dim, err);
    return st == SM_OK ? scorer_export(&t->sc, model->param, err) : st;
}

/* Whether an epoch's validation metric beats the best so far (strictly, so
 * the earliest of equal epochs is kept). */
static int improves(const trainer *t, double value)
{
    if (t->best_epoch == 0)
        return 1;
    return rank_metric_higher_is_better(&t->cfg->metric) ? value > t->best : value < t->best;
}

/* With early stopping: keep the weights of an epoch that improves (exported
 * into the model, on the raw features). */
static sm_status keep_best(trainer *t, sm_epoch_info *info, sm_model *model, sm_error *err)
{
    sm_status st;
    if (!t->cfg->keep_best)
        return SM_OK;
    if (isnan(info->valid_metric) && rank_metric_is_error(&t->cfg->metric))
        return sm_fail(err, SM_EDATA, "%s: the validation metric is undefined "
                       "(no row with a label in its region)", t->valid->source);
    if (isnan(info->valid_metric))
        return sm_fail(err, SM_EDATA, "%s: the validation metric is undefined "
                       "(no query with a relevant row?)", t->valid->source);
    if (improves(t, info->valid_metric)) {
        t->best = info->valid_metric;
        t->best_epoch = info->epoch;
        if ((st = export_model(t, model, err)) != SM_OK)
            return st;
    }
    info->best_epoch = t->best_epoch;
    return SM_OK;
}

static void record_best(const trainer *t, sm_model *model, int epochs_run)
{
    char name[32], score[32];
    rank_metric_format(&t->cfg->metric, name, sizeof name);
    sm_format_double(score, sizeof score, t->best);
    model_set_info(model, "stop_metric", "%s", name);
    model_set_info(model, "best_epoch", "%d", t->best_epoch);
    model_set_info(model, "best_score", "%s", score);
    model_set_info(model, "epochs_run", "%d", epochs_run);
}

/* ---- checkpoints and resuming ---- */

/* A generator's state as 8 doubles (its 32-bit halves: exact) and back. */
static void rng_put(const sm_rng *r, double *out)
{
    for (int i = 0; i < 4; i++) {
        out[2 * i] = (double)(r->s[i] >> 32);
        out[2 * i + 1] = (double)(r->s[i] & 0xffffffffULL);
    }
}

static void rng_take(sm_rng *r, const double *in)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = (uint64_t)in[2 * i] << 32 | (uint64_t)in[2 * i + 1];
}

/* What each rank keeps of its own: the generators of its shuffles and of
 * the objective (sampled pairs), and with local steps (sync_every) its
 * optimiser's moments; the rest is the same on every rank. */
enum { RANK_RNGS = 16 };

static int local_moments(const trainer *t)
{
    return dist_many(t->cfg->dist) && t->cfg->sync_every && t->have_opt;
}

static int64_t rank_part_size(const trainer *t)
{
    int64_t n = RANK_RNGS;
    if (local_moments(t))
        n += (t->opt.m ? t->opt.n : 0) + (t->opt.v ? t->opt.n : 0);
    return n;
}

static void rank_part_save(const trainer *t, double *out)
{
    rng_put(&t->rng, out);
    rng_put(&t->work.rng, out + 8);
    double *at = out + RANK_RNGS;
    if (local_moments(t) && t->opt.m)
        memcpy(at, t->opt.m, (size_t)t->opt.n * sizeof *at), at += t->opt.n;
    if (local_moments(t) && t->opt.v)
        memcpy(at, t->opt.v, (size_t)t->opt.n * sizeof *at);
}

/* The parts of every rank as the arrays "rank0", "rank1", ... of s. */
static sm_status save_rank_parts(const trainer *t, sm_train_state *s, sm_error *err)
{
    int64_t n = rank_part_size(t), total;
    double *mine = malloc((size_t)n * sizeof *mine), *all = NULL;
    sm_status st = mine ? SM_OK : sm_fail(err, SM_EFAIL, "out of memory");
    if (st == SM_OK) {
        rank_part_save(t, mine);
        st = dist_many(t->cfg->dist)
                 ? dist_allgather_f64(t->cfg->dist, mine, n, &all, &total, err)
                 : SM_OK;
    }
    for (int r = 0; st == SM_OK && r < dist_size(t->cfg->dist); r++) {
        char name[32];
        snprintf(name, sizeof name, "rank%d", r);
        st = train_state_set_array(s, name, all ? all + r * n : mine, n, err);
    }
    free(mine);
    free(all);
    return st;
}

/* The values of the state, %.17g (they read back bit for bit). */
#define STATE_SET(name, fmt, value) \
    (st == SM_OK ? (st = train_state_set(s, name, err, fmt, value)) : st)

/* The state that continues the run after `epoch` (train_state.h): its
 * fingerprint, where the loop is, the scorer's parameters exactly, the
 * optimiser's or L-BFGS's state, early stopping's best so far and its
 * model, and each rank's own part. Every rank builds it. */
static sm_status save_state(const trainer *t, const sm_model *model, int epoch,
                            sm_train_state *s, sm_error *err)
{
    sm_status st = SM_OK;
    for (int i = 0; t->fp && i < t->fp->n_values; i++)
        STATE_SET(t->fp->values[i].name, "%s", t->fp->values[i].value);
    STATE_SET("epoch", "%d", epoch);
    STATE_SET("lr_halvings", "%d", t->halvings);
    STATE_SET("start_objective", "%.17g", t->start_objective);
    STATE_SET("first_objective", "%.17g", t->first_objective);
    STATE_SET("best", "%.17g", t->best);
    STATE_SET("best_epoch", "%d", t->best_epoch);
    if (st == SM_OK && t->cfg->keep_best && t->best_epoch > 0)
        st = train_state_set_array(s, "best_param", model->param,
                                   scorer_saved_param_count(&model->scorer), err);
    if (t->lb) {
        int64_t n = lbfgs_state_size(t->lb);
        double *v = malloc((size_t)n * sizeof *v);
        STATE_SET("small", "%d", t->small);
        STATE_SET("half_bias", "%.17g", t->half_bias);
        STATE_SET("half_norm", "%.17g", t->half_norm);
        STATE_SET("half_objective", "%.17g", t->half_objective);
        if (st == SM_OK && !v)
            st = sm_fail(err, SM_EFAIL, "out of memory");
        if (st == SM_OK) {
            lbfgs_state_save(t->lb, v);
            st = train_state_set_array(s, "lbfgs", v, n, err);
        }
        free(v);
        return st == SM_OK ? save_rank_parts(t, s, err) : st;
    }
    int64_t n = scorer_state_size(&t->sc);
    double *v = malloc((size_t)n * sizeof *v);
    STATE_SET("steps", "%lld", (long long)t->opt.step);
    if (st == SM_OK && !v)
        st = sm_fail(err, SM_EFAIL, "out of memory");
    if (st == SM_OK) {
        scorer_save_state(&t->sc, v);
        st = train_state_set_array(s, "scorer", v, n, err);
    }
    free(v);
    if (st == SM_OK && !local_moments(t) && t->opt.m)
        st = train_state_set_array(s, "opt.m", t->opt.m, t->opt.n, err);
    if (st == SM_OK && !local_moments(t) && t->opt.v)
        st = train_state_set_array(s, "opt.v", t->opt.v, t->opt.n, err);
    return st == SM_OK ? save_rank_parts(t, s, err) : st;
}
#undef STATE_SET

/* Back to the state s saved (the fingerprint was checked): the scorer (or
 * for L-BFGS its scalars: run_lbfgs restores the solver), the optimiser,
 * early stopping's best and its model, the generators. The shuffles of the
 * epochs done are drawn again (cheap, and the units' order is in place), and
 * must leave the generator where the saved run's was. */
static sm_status restore_state(trainer *t, const sm_train_state *s, sm_model *model,
                               sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    long long epoch, best_epoch, steps, small;
    const double *v, *part;
    char name[32];
    snprintf(name, sizeof name, "rank%d", dist_rank(cfg->dist));
    sm_status st;
    if ((st = train_state_long(s, "epoch", &epoch, err)) != SM_OK ||
        (st = train_state_double(s, "start_objective", &t->start_objective, err)) != SM_OK ||
        (st = train_state_double(s, "first_objective", &t->first_objective, err)) != SM_OK ||
        (st = train_state_double(s, "best", &t->best, err)) != SM_OK ||
        (st = train_state_long(s, "best_epoch", &best_epoch, err)) != SM_OK ||
        (st = train_state_doubles(s, name, rank_part_size(t), &part, err)) != SM_OK)
        return st;
    if (epoch < 1 || epoch > INT32_MAX || best_epoch < 0 || best_epoch > epoch)
        return sm_fail(err, SM_EDATA, "the checkpoint's resume state has a bad epoch %lld",
                       epoch);
    t->epochs_done = (int)epoch;
    t->best_epoch = (int)best_epoch;
    if (cfg->keep_best && t->best_epoch > 0) {
        int64_t n = scorer_saved_param_count(&t->sc.cfg);
        if ((st = train_state_doubles(s, "best_param", n, &v, err)) != SM_OK ||
            (st = model_init_scorer(model, &t->sc.cfg, t->train->dim, err)) != SM_OK)
            return st;
        memcpy(model->param, v, (size_t)n * sizeof *v);
    }
    if (cfg->solver == SOLVER_LBFGS) {
        if ((st = train_state_long(s, "small", &small, err)) != SM_OK ||
            (st = train_state_double(s, "half_bias", &t->half_bias, err)) != SM_OK ||
            (st = train_state_double(s, "half_norm", &t->half_norm, err)) != SM_OK ||
            (st = train_state_double(s, "half_objective", &t->half_objective, err)) != SM_OK)
            return st;
        t->small = (int)small;
        t->iterations = t->epochs_done;
    } else {
        if ((st = train_state_long(s, "steps", &steps, err)) != SM_OK ||
            (st = train_state_doubles(s, "scorer", scorer_state_size(&t->sc), &v, err)) != SM_OK)
            return st;
        scorer_restore_state(&t->sc, v);
        t->opt.step = steps;
        const double *at = part + RANK_RNGS;
        double *moments[2] = {t->opt.m, t->opt.v};
        for (int i = 0; i < 2; i++) {
            if (!moments[i])
                continue;
            if (!local_moments(t) &&
                (st = train_state_doubles(s, i ? "opt.v" : "opt.m", t->opt.n, &v, err)) != SM_OK)
                return st;
            memcpy(moments[i], local_moments(t) ? at : v, (size_t)t->opt.n * sizeof *v);
            at += local_moments(t) ? t->opt.n : 0;
        }
        /* (streamed: each replayed visit reads its first window, let go at once) */
        for (int e = 1; e <= t->epochs_done; e++) {
            if (!t->have_stream)
                rng_shuffle(&t->rng, t->units, t->n_units);
            else if ((st = stream_epoch(&t->stream, &t->rng, t->units, err)) != SM_OK)
                return st;
            else
                stream_end(&t->stream);
        }
        sm_rng saved;
        rng_take(&saved, part);
        if (memcmp(&saved, &t->rng, sizeof saved) != 0)
            return sm_fail(err, SM_EDATA, "the checkpoint's shuffles do not follow from its "
                           "seed and data: the resume state does not belong to this run");
    }
    rng_take(&t->work.rng, part + 8);
    return SM_OK;
}

/* A checkpoint of the run so far (every rank builds the state; the
 * callback, rank 0's, writes it): with early stopping the model already
 * holds the best epoch; otherwise the current weights, exported into a
 * model of their own (the caller's is filled only at the end). */
static sm_status checkpoint(const trainer *t, sm_model *model, int epoch, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_model now;
    model_init(&now);
    sm_train_state state;
    train_state_init(&state);
    sm_model *m = cfg->keep_best ? model : &now;
    sm_status st = cfg->keep_best ? SM_OK : export_model(t, &now, err);
    if (st == SM_OK)
        st = save_state(t, model, epoch, &state, err);
    if (st == SM_OK && cfg->on_checkpoint) {
        m->objective = cfg->objective.kind;
        m->link = cfg->objective.link;
        st = cfg->on_checkpoint(cfg->ctx, m, &state, epoch, err);
    }
    model_free(&now);
    train_state_free(&state);
    return dist_agree(cfg->dist, st, err);
}

/* ---- one step ---- */

/* The rows of units[first .. last) into buf.rows, unit after unit. */
static sm_status gather_batch(trainer *t, int64_t first, int64_t last, int64_t *n_rows,
                              sm_error *err)
{
    batch_buffers *buf = &t->buf;
    int64_t n = 0, b, e;
    sm_status st;
    for (int64_t i = first; i < last; i++) {
        objective_unit_rows(t->obj, t->train, t->units[i], &b, &e);
        if ((st = ensure_rows(buf, &t->sc, n + (e - b), err)) != SM_OK)
            return st;
        for (int64_t r = b; r < e; r++)
            buf->rows[n++] = r;
        buf->unit_end[i - first] = n;
    }
    *n_rows = n;
    return SM_OK;
}

/* dscores of the batch's n_units (each weighing 1 / batch_units, the units
 * of the step on every rank, times its weight / the units' mean weight: a
 * step's expected gradient is the weighted objective's), their loss added to
 * the progressive objective; SM_EDIVERGED on a score, gradient or loss that
 * is not finite. */
static sm_status batch_gradient(trainer *t, int epoch, int64_t n_units, int64_t batch_units,
                                int64_t n_rows, sm_error *err)
{
    batch_buffers *buf = &t->buf;
    const int64_t K = t->K;
    memset(buf->dscores, 0, (size_t)(n_rows * K) * sizeof *buf->dscores);
    double weight = 1.0 / (double)batch_units, batch_loss = 0.0;
    int64_t bad_loss = -1; /* offset of the first unit whose loss is not finite */
    for (int64_t i = 0, off = 0; i < n_units; i++) {
        int64_t end = buf->unit_end[i], k;
        /* (Without weights w is 1 and unit_scale 1: the same bits as unweighted.) */
        double w = objective_unit_weight(t->train, buf->rows[off]);
        /* A unit is a contiguous row range, so its labels are too. The loss
         * is the unit's before the step: the progressive objective. */
        double loss = objective_forward_backward(t->obj, buf->scores + off * K,
                                                 objective_unit_targets(t->obj, t->train,
                                                                        buf->rows[off]),
                                                 end - off, weight * (w * t->unit_scale),
                                                 buf->dscores + off * K, &k, &t->work);
        if (!isfinite(loss) && bad_loss < 0)
            bad_loss = off;
        batch_loss += w * loss;
        t->loss_units += w * (double)k;
        off = end;
    }
    for (int64_t i = 0; i < n_rows * K; i++)
        if (!isfinite(buf->dscores[i]) || !isfinite(buf->scores[i]))
            return diverged(err, t->cfg, t->train, epoch, buf->rows[i / K], buf->scores[i],
                            isfinite(buf->scores[i]) ? "the gradient is not finite"
                                                     : "the score is not finite");
    if (bad_loss >= 0)
        return diverged(err, t->cfg, t->train, epoch, buf->rows[bad_loss],
                        buf->scores[bad_loss * K], bad_loss_what(t->obj));
    t->loss_sum += batch_loss;
    return SM_OK;
}

/* Several ranks: the array of n values in t->exchange summed over the
 * ranks, with a flag after it that tells whether a rank failed (t->pending);
 * then every rank fails with the first failing rank's message. */
static sm_status exchange(trainer *t, int64_t n, sm_error *err)
{
    t->exchange[n] = t->pending != SM_OK;
    uint64_t before = t->cfg->dist->bytes_sent;
    sm_status st = dist_sum(t->cfg->dist, t->exchange, n + 1, err);
    t->step_bytes += t->cfg->dist->bytes_sent - before;
    if (st != SM_OK || t->exchange[n] == 0.0)
        return st;
    if (t->pending != SM_OK && err)
        *err = t->pending_err;
    return dist_agree(t->cfg->dist, t->pending, err);
}

/* Several ranks in step: the batch gradient summed over the ranks. */
static sm_status sum_gradients(trainer *t, int64_t n_rows, sm_error *err)
{
    int64_t n = scorer_param_count(&t->sc);
    if (t->pending == SM_OK)
        scorer_backward(&t->sc, t->train, t->buf.rows, n_rows, t->buf.dscores);
    scorer_grad_get(&t->sc, t->exchange);
    sm_status st = exchange(t, n, err);
    if (st == SM_OK)
        scorer_grad_put(&t->sc, t->exchange);
    return st;
}

/* Local steps: every rank's parameters replaced by their mean. */
static sm_status average_parameters(trainer *t, sm_error *err)
{
    int64_t n = scorer_state_size(&t->sc);
    scorer_save_state(&t->sc, t->exchange);
    sm_status st = exchange(t, n, err);
    if (st != SM_OK)
        return st;
    double inv = 1.0 / (double)dist_size(t->cfg->dist);
    for (int64_t i = 0; i < n; i++)
        t->exchange[i] *= inv;
    scorer_restore_state(&t->sc, t->exchange);
    return SM_OK;
}

/* The optimiser's step on the batch's dscores, its gradient clipped; with
 * ranks in step, on the gradient of all their rows. */
static sm_status update(trainer *t, int64_t n_rows, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    batch_buffers *buf = &t->buf;
    int clipping = cfg->optim.clip > 0.0, in_step = dist_many(cfg->dist) && !cfg->sync_every;
    sm_status st;
    if (in_step && (st = sum_gradients(t, n_rows, err)) != SM_OK)
        return st;
    if (t->pending != SM_OK) /* a local step failed: wait for the exchange */
        return SM_OK;
    optim_begin_step(&t->opt, t->total_steps);
    if (!in_step && !clipping &&
        scorer_sgd_step(&t->sc, &t->opt, t->train, buf->rows, n_rows, buf->dscores))
        return SM_OK;
    if (!in_step)
        scorer_backward(&t->sc, t->train, buf->rows, n_rows, buf->dscores);
    double factor = 1.0;
    if (clipping) {
        double norm = sqrt(scorer_grad_norm2(&t->sc));
        if (norm > cfg->optim.clip)
            factor = cfg->optim.clip / norm;
    }
    scorer_step(&t->sc, &t->opt, factor);
    return SM_OK;
}

/* One step (the step-th of its epoch) on the units units[first .. last),
 * each weighing 1 / batch_units. With several ranks a failure here is kept
 * (t->pending) until the ranks next exchange, so that none waits for a
 * rank that stopped. */
static sm_status train_step(trainer *t, int epoch, int64_t step, int64_t first, int64_t last,
                            int64_t batch_units, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    batch_buffers *buf = &t->buf;
    int64_t n_rows = 0;
    sm_status st;
    if (cfg->stop && *cfg->stop)
        return sm_fail(err, SM_EINTERRUPTED, "training interrupted in epoch %d", epoch);
    if (t->pending == SM_OK) {
        if ((st = gather_batch(t, first, last, &n_rows, err)) != SM_OK)
            return st;
        /* Pointwise units are rows: start loading the next steps' data
         * (streamed: within the window read, stream.h). */
        int64_t ahead_end = t->have_stream ? stream_window_end(&t->stream) : t->n_units;
        if (!objective_is_ranking(t->obj->kind) && ahead_end > last)
            scorer_prefetch(&t->sc, t->train, t->units + last, ahead_end - last, t->batch);
        scorer_forward(&t->sc, t->train, buf->rows, n_rows, buf->scores);
        st = batch_gradient(t, epoch, last - first, batch_units, n_rows, &t->pending_err);
        if (st != SM_OK && !dist_many(cfg->dist)) {
            if (err)
                *err = t->pending_err;
            return st;
        }
        t->pending = st;
    }
    if ((st = update(t, n_rows, err)) != SM_OK)
        return st;
    if (cfg->on_progress && (step & 255) == 0) {
        double now = now_seconds();
        if (now - t->last_progress > 0.25) {
            t->last_progress = now;
            cfg->on_progress(cfg->ctx, epoch, t->n_units ? (double)last / (double)t->n_units : 1.0);
        }
    }
    return SM_OK;
}

/* ---- setting up ---- */

/* A link flat over the labels (link.h) gives them all the same h(y), and
 * scores near them no gradient: the model would stay constant. The
 * multi-class kinds apply the link to K targets a row, not to labels. */
static sm_status check_link_on_labels(const sm_dataset *train, const sm_objective *obj,
                                      double lo, double hi, sm_error *err)
{
    if (objective_is_multiclass(obj->kind) || !(lo <= hi))
        return SM_OK;
    double at;
    double over = link_slope_over(&obj->link, lo, hi), steepest = link_steepest(&obj->link, &at);
    int relatively = over < LINK_FLAT_RATIO * steepest;
    if (!relatively && !(over < LINK_FLAT_SLOPE))
        return SM_OK;
    char spec[LINK_SPEC_MAX], why[120];
    link_format(&obj->link, spec, sizeof spec);
    if (relatively)
        snprintf(why, sizeof why, "under %g of its largest slope %.3g (at z = %.10g)",
                 LINK_FLAT_RATIO, steepest, at);
    else
        snprintf(why, sizeof why, "too small for its gradients to be computed");
    return sm_fail(err, SM_EUSAGE,
                   "%s: the link '%s' is flat over the labels: its slope on the label range "
                   "[%.10g, %.10g] is at most %.3g, %s; the model would stay (near) constant: "
                   "put the link's centre (its steep part) among the labels, or check the "
                   "labels' scale and --label-transform",
                   train->source, spec, lo, hi, over, why);
}

/* The data and options a run cannot start without. */
static sm_status check_inputs(const sm_dataset *train, const sm_dataset *valid,
                              const sm_train_config *cfg, double lo, double hi, sm_error *err)
{
    const sm_objective *obj = &cfg->objective;
    if (cfg->batch < 0 || cfg->epochs < 1)
        return sm_fail(err, SM_EUSAGE, "batch and epochs must be at least 1");
    if (cfg->solver != SOLVER_SGD && cfg->solver != SOLVER_LBFGS)
        return sm_fail(err, SM_EUSAGE, "the solver must be lbfgs or sgd");
    if (cfg->solver == SOLVER_LBFGS && !scorer_kind_full_batch(cfg->scorer.kind))
        return sm_fail(err, SM_EUSAGE, "the L-BFGS solver trains linear scorers; an MLP "
                       "trains by SGD (--solver sgd)");
    if (cfg->solver == SOLVER_LBFGS && !(cfg->tol >= 0.0))
        return sm_fail(err, SM_EUSAGE, "the tolerance must be at least 0");
    /* (a rank's share may hold no rows at all) */
    int many = dist_many(cfg->dist);
    if (objective_is_ranking(obj->kind) &&
        ((train->n_groups == 0 && !(many && train->n_rows == 0)) ||
         (valid && valid->n_groups == 0 && !(many && valid->n_rows == 0))))
        return sm_fail(err, SM_EDATA,
                       "%s: the %s objective needs query groups: add qid:N to every row, "
                       "or give a group file (one row count per line, as LightGBM's .query "
                       "and XGBoost's .group files) with --group, or put it beside the data "
                       "as DATA.query",
                       train->n_groups == 0 ? train->source : valid->source,
                       objective_kind_name(obj->kind));
    if (cfg->keep_best && !valid)
        return sm_fail(err, SM_EUSAGE, "early stopping needs validation data (--valid)");
    if (check_link_on_labels(train, obj, lo, hi, err) != SM_OK)
        return SM_EUSAGE;
    for (const sm_dataset *ds = train; objective_is_multiclass(obj->kind) && ds;
         ds = ds == train ? valid : NULL)
        if (!ds->target || ds->target_dim != obj->n_out)
            return sm_fail(err, SM_EUSAGE, "%s: the %s objective needs %ld targets per row",
                           ds->source, objective_kind_name(obj->kind), (long)obj->n_out);
    if (cfg->scorer.n_out != obj->n_out)
        return sm_fail(err, SM_EUSAGE, "the scorer has %ld outputs, the objective takes %ld",
                       (long)cfg->scorer.n_out, (long)obj->n_out);
    if (cfg->keep_best && rank_metric_is_class(&cfg->metric) != objective_is_multiclass(obj->kind) &&
        cfg->metric.kind != METRIC_OBJECTIVE)
        return sm_fail(err, SM_EUSAGE, "the metrics accuracy and top1-agreement are those of the "
                       "multi-class objectives, which take no ranking metric");
    if (cfg->keep_best && cfg->metric.kind == METRIC_ACCURACY && !cfg->valid_classes)
        return sm_fail(err, SM_EUSAGE, "the metric accuracy needs the validation rows' classes");
    if (cfg->keep_best && rank_metric_is_error(&cfg->metric) && obj->n_out != 1)
        return sm_fail(err, SM_EUSAGE, "the metrics rmse and mae take one score a row, not "
                       "the %ld of a multi-class model", (long)obj->n_out);
    if (cfg->keep_best && rank_metric_is_ranking(&cfg->metric) && valid->n_groups == 0 &&
        !(many && valid->n_rows == 0))
        return sm_fail(err, SM_EDATA,
                       "%s: a ranking metric needs query groups: add qid:N to every row, or "
                       "give a group file (one row count per line) with --valid-group",
                       valid->source);
    return SM_OK;
}

/* The scorer and its optimiser. SGD and momentum take --lr relative to the
 * objective's curvature (pass_curvature), so that one default suits every
 * data set and link: a step of lr / trace is stable for lr < 2 on any such
 * problem, as a normalised least-squares step is. Each weight layer adds
 * about as much curvature as a linear scorer has (He/Xavier initialisation
 * keeps the signals' scale through the layers). Adaptive methods are
 * scale-free already. */
static sm_status init_scorer(trainer *t, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_status st;
    /* The initial weights come from a stream of their own, so the seed's
     * shuffles are the same whatever the scorer. */
    if ((st = scorer_init(&t->sc, &cfg->scorer, t->train, t->fs,
                          cfg->seed ^ 0x1a7e5eed1a7e5eedULL, err)) != SM_OK)
        return st;
    t->have_scorer = 1;
    /* An MLP's initial weights depend on its rank's share (the fan-in):
     * every rank starts from rank 0's. */
    if (dist_many(cfg->dist)) {
        int64_t n = scorer_state_size(&t->sc);
        double *state = malloc((size_t)n * sizeof *state);
        if (!state)
            return sm_fail(err, SM_EFAIL, "out of memory");
        scorer_save_state(&t->sc, state);
        st = dist_bcast(cfg->dist, state, (size_t)n * sizeof *state, 0, err);
        scorer_restore_state(&t->sc, state);
        free(state);
        if (st != SM_OK)
            return st;
    }
    if (cfg->solver == SOLVER_LBFGS) /* no optimiser state: fullbatch.h */
        return SM_OK;
    sm_optim_config ocfg = cfg->optim;
    if (ocfg.kind == OPT_SGD || ocfg.kind == OPT_MOMENTUM) {
        double trace;
        if ((st = pass_curvature(t->obj, t->train, t->fs, cfg->threads, cfg->dist, &trace,
                                 err)) != SM_OK)
            return st;
        double scale = isfinite(trace) && trace > 0 ? 1.0 / trace : 1.0;
        ocfg.lr *= scale / scorer_depth(&t->sc);
    }
    if ((st = optim_init(&t->opt, &ocfg, scorer_param_count(&t->sc), err)) != SM_OK)
        return st;
    t->have_opt = 1;
    return SM_OK;
}

/* The buffers of a step and of the passes over whole data sets. */
static sm_status init_buffers(trainer *t, sm_error *err)
{
    int64_t max_rows = t->train->n_rows, max_query = pass_longest_query(t->train);
    if (t->valid && t->valid->n_rows > max_rows)
        max_rows = t->valid->n_rows;
    if (t->valid && pass_longest_query(t->valid) > max_query)
        max_query = pass_longest_query(t->valid);
    batch_buffers *buf = &t->buf;
    buf->all_scores = malloc((size_t)((max_rows > 0 ? max_rows : 1) * t->K) *
                             sizeof *buf->all_scores);
    buf->unit_end = malloc((size_t)t->batch * sizeof *buf->unit_end);
    if (!buf->all_scores || !buf->unit_end)
        return sm_fail(err, SM_EFAIL, "out of memory for %lld rows", (long long)max_rows);
    sm_status st = ensure_rows(buf, &t->sc, 4096, err);
    if (st == SM_OK && dist_many(t->cfg->dist)) {
        int64_t n = scorer_param_count(&t->sc), state = scorer_state_size(&t->sc);
        if (!(t->exchange = malloc((size_t)((n > state ? n : state) + 1) * sizeof *t->exchange)))
            return sm_fail(err, SM_EFAIL, "out of memory for the exchange of %lld parameters",
                           (long long)n);
    }
    if (max_query < t->K) /* a multi-class row is a softmax over K scores */
        max_query = t->K;
    return st == SM_OK ? objective_work_reserve(&t->work, max_query, err) : st;
}

/* Several ranks: the start scores of the labels or targets (and weights)
 * of every share, gathered in rank order: the file's. */
static sm_status start_score_of_ranks(const trainer *t, double *bias, sm_error *err)
{
    const sm_dataset *train = t->train;
    sm_dist *dist = t->cfg->dist;
    double any_weight = train->weight != NULL, *ones = NULL;
    sm_dataset all = {0};
    int64_t n, n_w;
    sm_status st = dist_max(dist, &any_weight, 1, err);
    if (st == SM_OK && any_weight > 0.0 && !train->weight) {
        /* this share's rows weigh 1 */
        if (!(ones = malloc((size_t)(train->n_rows > 0 ? train->n_rows : 1) * sizeof *ones)))
            st = sm_fail(err, SM_EFAIL, "out of memory");
        for (int64_t i = 0; st == SM_OK && i < train->n_rows; i++)
            ones[i] = 1.0;
    }
    if (st == SM_OK)
        st = dist_allgather_f64(dist, train->label, train->n_rows, &all.label, &n, err);
    if (st == SM_OK && objective_is_multiclass(t->obj->kind)) { /* K targets a row */
        all.target_dim = (int32_t)t->K;
        st = dist_allgather_f64(dist, train->target, train->n_rows * t->K, &all.target, &n_w,
                                err);
    }
    if (st == SM_OK && any_weight > 0.0)
        st = dist_allgather_f64(dist, train->weight ? train->weight : ones, train->n_rows,
                                &all.weight, &n_w, err);
    if (st == SM_OK) {
        all.n_rows = n;
        objective_start_scores(t->obj, &all, bias);
    }
    free(ones);
    free(all.label);
    free(all.target);
    free(all.weight);
    return st;
}

/* The units to train on: this rank's, and those of every rank. */
static sm_status count_units(trainer *t, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    const sm_dataset *train = t->train;
    sm_status st = objective_units(t->obj, train, &t->units, &t->n_units, err);
    /* a rank's share may hold no unit: the total is checked below */
    if (st == SM_EDATA && t->n_units == 0 && dist_many(cfg->dist))
        st = SM_OK;
    if (st != SM_OK)
        return st;
    t->all_units = t->n_units;
    if (cfg->stream_units > 0 && cfg->solver != SOLVER_LBFGS) {
        if ((st = stream_init(&t->stream, t->obj, train, t->units, t->n_units,
                              cfg->stream_units, err)) != SM_OK)
            return st;
        t->have_stream = 1;
    }
    if (dist_many(cfg->dist)) {
        if (!(t->rank_units = malloc((size_t)dist_size(cfg->dist) * sizeof *t->rank_units)))
            return sm_fail(err, SM_EFAIL, "out of memory");
        if ((st = dist_allgather_i64(cfg->dist, t->n_units, t->rank_units, err)) != SM_OK)
            return st;
        t->all_units = 0;
        for (int r = 0; r < dist_size(cfg->dist); r++)
            t->all_units += t->rank_units[r];
        if (t->all_units == 0)
            return sm_fail(err, SM_EDATA, "no %s to train on in the shares of the %d ranks",
                           objective_units_noun(t->obj->kind),
                           dist_size(cfg->dist));
    }
    return SM_OK;
}

/* The parameters training starts from: a warm start's, or the start
 * score of every output (of every rank's data). */
static sm_status start_parameters(trainer *t, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_status st;
    if (cfg->init_param) {
        scorer_import(&t->sc, cfg->init_param);
    } else {
        double *bias = malloc((size_t)t->K * sizeof *bias);
        if (!bias)
            return sm_fail(err, SM_EFAIL, "out of memory");
        if (dist_many(cfg->dist)) {
            st = start_score_of_ranks(t, bias, err);
            if (st != SM_OK) {
                free(bias);
                return st;
            }
        } else {
            objective_start_scores(t->obj, t->train, bias);
        }
        scorer_set_output_bias(&t->sc, bias);
        free(bias);
    }
    return SM_OK;
}

/* Scores within sqrt(eps) y of labels of magnitude y (of every rank's): a
 * start at the optimum (one row weighing all but all) grows from a rounding
 * of 0 by SGD's noise about it, which is no divergence; one grows far
 * beyond (check_exploded). */
static sm_status set_rounding_objective(trainer *t, sm_error *err)
{
    double y_max = 0.0;
    for (int64_t r = 0; r < t->train->n_rows; r++)
        y_max = fmax(y_max, fabs(t->train->label[r]));
    sm_status st = dist_max(t->cfg->dist, &y_max, 1, err);
    double noise = sqrt(DBL_EPSILON) * (1.0 + y_max);
    t->rounding_objective = noise * noise;
    return st;
}

/* How a run starts (train_run): the fingerprint of its checkpoints, the
 * state it resumes from (NULL: the start), the rate's halvings before it. */
typedef struct {
    const sm_train_state *fp, *resume;
    int halvings;
} run_start;

/* Everything up to the first epoch: at the start, ending at the best
 * constant score (or the warm start) with the objective there measured;
 * resumed, at the state the checkpoint saved (with the model of early
 * stopping's best epoch in `model`). */
static sm_status trainer_init(trainer *t, const sm_dataset *train, const sm_dataset *valid,
                              const sm_train_config *cfg, const run_start *from,
                              sm_model *model, sm_error *err)
{
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->fp = from->fp;
    t->resume = from->resume;
    t->halvings = from->halvings;
    t->obj = &cfg->objective;
    t->train = train;
    t->valid = valid;
    t->batch = cfg->batch > 0 ? cfg->batch : train_default_batch(t->obj->kind);
    t->K = cfg->scorer.n_out;
    t->t0 = t->last_progress = now_seconds();
    t->best = NAN;
    objective_work_init(&t->work, cfg->seed ^ 0x5eed5eed5eed5eedULL);
    sm_status st = count_units(t, err);
    if (st != SM_OK)
        return st;
    t->total_steps = (t->all_units + t->batch - 1) / t->batch * cfg->epochs;
    if (dist_many(cfg->dist) && valid) {
        t->valid_max_label = -INFINITY;
        for (int64_t r = 0; r < valid->n_rows; r++)
            if (!valid->weight || valid->weight[r] > 0.0)
                t->valid_max_label = fmax(t->valid_max_label, valid->label[r]);
        if ((st = dist_max(cfg->dist, &t->valid_max_label, 1, err)) != SM_OK)
            return st;
    }
    t->unit_scale = 1.0;
    /* (several ranks: every rank takes part in the sum, weights or not) */
    if (train->weight || dist_many(cfg->dist)) {
        double total[2] = {0.0, (double)t->n_units};
        for (int64_t u = 0, b, e; u < t->n_units; u++) {
            objective_unit_rows(t->obj, train, t->units[u], &b, &e);
            total[0] += objective_unit_weight(train, b);
        }
        if (dist_many(cfg->dist) && (st = dist_sum(cfg->dist, total, 2, err)) != SM_OK)
            return st;
        if (!(total[0] > 0.0))
            return sm_fail(err, SM_EDATA, "%s: the weights of every unit to train on are 0",
                           train->source);
        t->unit_scale = total[1] / total[0];
    }
    if (cfg->scaling == SCALE_MAXABS &&
        (st = pass_maxabs_scales(train, cfg->threads, cfg->dist, &t->fs, err)) != SM_OK)
        return st;
    if ((st = init_scorer(t, err)) != SM_OK || (st = init_buffers(t, err)) != SM_OK)
        return st;
    /* Each rank shuffles its share with a stream of its own (rank 0's is
     * the lone process's). */
    rng_seed(&t->rng, cfg->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)dist_rank(cfg->dist)));
    if (t->resume) {
        st = restore_state(t, t->resume, model, err);
    } else if ((st = start_parameters(t, err)) == SM_OK) {
        sm_epoch_info start = {.epoch = 0};
        st = exact_train_objective(t, &start, err);
        t->start_objective = start.train_objective;
    }
    /* (several ranks: a rank whose state is bad stops them all) */
    if (t->resume && (st = dist_agree(cfg->dist, st, err)) != SM_OK)
        return st;
    return st == SM_OK ? set_rounding_objective(t, err) : st;
}

static void trainer_free(trainer *t)
{
    if (t->have_scorer)
        scorer_free(&t->sc);
    if (t->have_opt)
        optim_free(&t->opt);
    objective_work_free(&t->work);
    if (t->have_stream)
        stream_free(&t->stream);
    free(t->units);
    free(t->fs);
    free(t->buf.rows);
    free(t->buf.scores);
    free(t->buf.dscores);
    free(t->buf.all_scores);
    free(t->buf.unit_end);
    free(t->rank_units);
    free(t->exchange);
}

/* ---- the loop ---- */

/* floor(a * b / c) for 0 <= a <= c, b <= c, without overflow. */
static int64_t share_of(int64_t a, int64_t b, int64_t c)
{
    return c ? a / c * b + a % c * b / c : 0;
}

/* One epoch: the steps over the shuffled units, then its objectives, checked
 * for an explosion. */
static sm_status run_epoch(trainer *t, int epoch, sm_epoch_info *info, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_status st = SM_OK;
    if (t->have_stream)
        st = stream_epoch(&t->stream, &t->rng, t->units, err);
    else
        rng_shuffle(&t->rng, t->units, t->n_units);
    t->loss_sum = 0.0;
    t->loss_units = 0.0;
    int64_t steps = (t->all_units + t->batch - 1) / t->batch;
    for (int64_t step = 0; st == SM_OK && step < steps; step++) {
        int64_t first = step * t->batch;
        int64_t last = first + t->batch < t->all_units ? first + t->batch : t->all_units;
        int64_t all = last - first;
        if (dist_many(cfg->dist)) {
            /* this rank's part of the batch: in proportion to its share */
            first = share_of(first, t->n_units, t->all_units);
            last = share_of(last, t->n_units, t->all_units);
            if (cfg->sync_every)
                all = last - first > 0 ? last - first : 1;
        }
        if (t->have_stream && (st = stream_at(&t->stream, first, last, err)) != SM_OK)
            break;
        st = train_step(t, epoch, step, first, last, all, err);
        if (st == SM_OK && dist_many(cfg->dist) && cfg->sync_every &&
            ((step + 1) % cfg->sync_every == 0 || step + 1 == steps))
            st = average_parameters(t, err);
    }
    if (t->have_stream) /* (the epoch's objectives are a pass of their own) */
        stream_end(&t->stream);
    *info = (sm_epoch_info){.epoch = epoch, .epochs = cfg->epochs, .steps = t->opt.step,
                            .step_bytes = t->step_bytes};
    /* Exact only for the last epoch: a pass over the data costs about a
     * third of a linear epoch. */
    if (st == SM_OK && (st = evaluate(t, epoch == cfg->epochs, info, err)) == SM_OK)
        st = check_exploded(t, info, err);
    return st;
}

/* ---- the full-batch solver ---- */

/* Whether the objective keeps falling from theta along the rays theta + c d
 * (shift: d moves every bias by 1/4, 1/2, 1) or c theta (c = 2, 4, 8): three
 * finite values, the first below F(theta), none above the one before (they
 * may reach 0), the last a relative 1e-6 under F(theta). probe and grad have
 * room for P values. */
static sm_status keeps_falling(sm_fullbatch *fb, int64_t K, const double *theta, double f,
                               int shift, double *probe, double *grad, double *last,
                               int *falling, sm_error *err)
{
    int64_t P = fullbatch_param_count(fb);
    double prev = f;
    sm_status st = SM_OK;
    *falling = 1;
    for (int i = 0; i < 3 && *falling && st == SM_OK; i++) {
        double c = shift ? ldexp(1.0, i - 2) : ldexp(1.0, i + 1), value;
        for (int64_t j = 0; j < P; j++)
            probe[j] = shift ? theta[j] + (j >= P - K ? c : 0.0) : c * theta[j];
        st = fullbatch_eval(fb, probe, &value, grad, err);
        *falling = isfinite(value) && (i == 0 ? value < prev : value <= prev);
        prev = value;
    }
    *last = prev;
    *falling = *falling && prev < f * (1.0 - 1e-6);
    return st;
}

/* Refuse a run whose objective has no minimum (train.h), found where it
 * ended: at a minimiser neither ray goes down. The bias shift matters only
 * for the softmax and pairwise kinds (pointwise losses grow with any shift
 * off the labels), whose affine links it leaves unchanged. */
static sm_status check_minimum(trainer *t, sm_fullbatch *fb, const sm_lbfgs *lb, sm_error *err)
{
    int64_t P = fullbatch_param_count(fb);
    int shift_too = objective_shift_invariant(t->obj->kind);
    double *probe = malloc((size_t)P * 2 * sizeof *probe), last;
    int falling = 0, shift = 0;
    sm_status st = probe ? SM_OK : sm_fail(err, SM_EFAIL, "out of memory");
    if (st == SM_OK && t->cfg->optim.l2 == 0.0)
        st = keeps_falling(fb, t->K, lb->x, lb->f, 0, probe, probe + P, &last, &falling, err);
    if (st == SM_OK && !falling && shift_too)
        st = keeps_falling(fb, t->K, lb->x, lb->f, shift = 1, probe, probe + P, &last, &falling, err);
    free(probe);
    fullbatch_put(fb, lb->x); /* the scorer back at the iterate (a checkpoint may follow) */
    if (st != SM_OK || !falling)
        return st;
    char spec[LINK_SPEC_MAX];
    link_format(&t->obj->link, spec, sizeof spec);
    return sm_fail(err, SM_EDATA,
                   "%s: the %s objective with loss '%s' has no minimum on this data: after %d "
                   "iterations it is %.6g and keeps falling (to %.6g) as %s, towards an "
                   "infimum it never attains; %s",
                   t->train->source, objective_kind_name(t->obj->kind), spec, t->iterations,
                   lb->f, last,
                   shift ? "every score shifts up (the biases are not penalised, and a link "
                           "whose slope grows without bound makes a common shift act as a "
                           "falling temperature)"
                         : "the weights grow (the data are separable)",
                   shift ? "use soft targets (--targets with --target matched or prob; "
                           "--target soft or matched), a bounded link (sigmoid-type), or the "
                           "link lin"
                         : "use --l2 > 0, or soft targets");
}

static double mean_bias(const trainer *t, const sm_lbfgs *lb)
{
    double sum = 0.0;
    for (int64_t k = 0; k < t->K; k++)
        sum += lb->x[lb->n - t->K + k];
    return sum / (double)t->K;
}

static double weight_norm(const trainer *t, const sm_lbfgs *lb)
{
    double sum = 0.0;
    for (int64_t i = 0; i < lb->n - t->K; i++)
        sum += lb->x[i] * lb->x[i];
    return sqrt(sum);
}

/* Whether a term's slope grows without bound (exp, sinh): a common shift of
 * the scores then acts on the softmax and pairwise objectives as a falling
 * temperature. */
static int slope_unbounded(const sm_link *link)
{
    for (int i = 0; i < link->n_terms; i++)
        if ((link->terms[i].kind == LINK_EXP || link->terms[i].kind == LINK_SINH) &&
            link->terms[i].a != 0.0)
            return 1;
    return 0;
}

/* Whether some unit's target gives a row or class no share: pairwise hard,
 * the listwise gain target, multi-class probabilities with a 0 (class
 * labels) on any rank. Such targets can be matched ever better as some
 * weights grow; targets with full support cannot (smloss-losses(7)). */
static sm_status targets_hard(const trainer *t, int *hard, sm_error *err)
{
    const sm_dataset *ds = t->train;
    double zero = 0.0;
    *hard = t->obj->target == TARGET_HARD || t->obj->target == TARGET_GAIN;
    if (t->obj->target != TARGET_PROB) /* (multiclass only: objective_check) */
        return SM_OK;
    for (int64_t i = 0; i < ds->n_rows * t->K && zero == 0.0; i++)
        zero = ds->target[i] == 0.0;
    sm_status st = dist_max(t->cfg->dist, &zero, 1, err);
    *hard = zero > 0.0;
    return st;
}

/* A softmax or pairwise run capped (at 100 iterations or more) before it
 * converged, whose objective kept falling over the second half of its
 * iterations while the parameters ran away: the biases drifted by a quarter
 * of a score or more (a shift with an unbounded slope, the weights shrinking
 * along), or with hard targets and without --l2 the weights' norm grew by
 * a quarter (units separable in some directions): the infimum is approached,
 * never attained.
 * Refused (train.h). A pointwise objective has a minimiser (it grows as any
 * score leaves its label), and a short cap stops a run still on its way. */
static sm_status check_drift(const trainer *t, const sm_lbfgs *lb, sm_error *err)
{
    int shifting = objective_shift_invariant(t->obj->kind);
    double bias = mean_bias(t, lb), norm = weight_norm(t, lb);
    int hard = 0, drifts = slope_unbounded(&t->obj->link) && fabs(bias - t->half_bias) >= 0.25;
    if (!shifting || t->cfg->max_iter < 100 || !(lb->f < t->half_objective))
        return SM_OK;
    sm_status st = targets_hard(t, &hard, err);
    int grows = hard && t->cfg->optim.l2 == 0.0 && norm >= 1.25 * t->half_norm;
    if (st != SM_OK || !(drifts || grows))
        return st;
    char spec[LINK_SPEC_MAX], how[200];
    link_format(&t->obj->link, spec, sizeof spec);
    if (drifts)
        snprintf(how, sizeof how, "the mean bias drifted from %.6g to %.6g: every score "
                 "shifting with the weights shrinking acts as a falling temperature",
                 t->half_bias, bias);
    else
        snprintf(how, sizeof how, "the norm of the weights grew from %.6g to %.6g: the units "
                 "are separable in some directions", t->half_norm, norm);
    return sm_fail(err, SM_EDATA,
                   "%s: the %s objective with loss '%s' has no minimum on this data: from "
                   "iteration %d to %d it kept falling (%.6g to %.6g) while %s, and it "
                   "approaches an infimum it never attains; use %s",
                   t->train->source, objective_kind_name(t->obj->kind), spec,
                   t->cfg->max_iter / 2, t->iterations, t->half_objective, lb->f, how,
                   !drifts ? "--l2 > 0"
                   : !hard ? "a bounded link (sigmoid-type) or the link lin"
                           : "soft targets (--target matched or prob, teacher scores), a "
                             "bounded link (sigmoid-type), or the link lin");
}

/* Keep iterating? Records why not in t->stop_reason. The objective has
 * converged when it fell by at most tol times its value in each of the last
 * two iterations, or no step lowers it. */
static int lbfgs_go_on(trainer *t, int moved, double before, double after, int *small)
{
    const sm_train_config *cfg = t->cfg;
    *small = moved && before - after > cfg->tol * fmax(fabs(before), fabs(after)) ? 0
                                                                                  : *small + 1;
    if (!moved || *small >= 2)
        t->stop_reason = "converged";
    else if (cfg->keep_best && cfg->patience > 0 && t->iterations - t->best_epoch >= cfg->patience)
        t->stop_reason = "early-stopping";
    else if (t->iterations >= cfg->max_iter)
        t->stop_reason = "max-iter";
    return t->stop_reason == NULL;
}

/* L-BFGS iterations, each shown as an epoch, from the scorer's parameters
 * (the start score or a warm start); the scorer ends at the last iterate. */
static sm_status lbfgs_iterations(trainer *t, sm_fullbatch *fb, sm_lbfgs *lb, sm_model *model,
                                  sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_status st = SM_OK;
    int moved = 1;
    t->lb = lb;
    uint64_t sent = cfg->dist ? cfg->dist->bytes_sent : 0; /* before these passes */
    while (st == SM_OK && moved) {
        if (cfg->stop && *cfg->stop)
            return sm_fail(err, SM_EINTERRUPTED, "training interrupted in iteration %d",
                           t->iterations + 1);
        double before = lb->f;
        if ((st = lbfgs_iterate(lb, &moved, err)) != SM_OK)
            break;
        t->iterations++;
        if (t->iterations == cfg->max_iter / 2) {
            t->half_bias = mean_bias(t, lb);
            t->half_norm = weight_norm(t, lb);
            t->half_objective = lb->f;
        }
        fullbatch_put(fb, lb->x);
        sm_epoch_info info = {.epoch = t->iterations, .epochs = cfg->max_iter,
                              .train_objective = lb->f, .steps = lb->evals,
                              .step_bytes = cfg->dist ? cfg->dist->bytes_sent - sent : 0};
        if ((st = evaluate_valid(t, &info, err)) != SM_OK ||
            (st = keep_best(t, &info, model, err)) != SM_OK)
            break;
        info.seconds = now_seconds() - t->t0;
        if (cfg->on_epoch)
            cfg->on_epoch(cfg->ctx, &info);
        if (!lbfgs_go_on(t, moved, before, lb->f, &t->small))
            break;
        /* An objective far below its start may be running to an infimum it
         * never attains: look every 10 iterations rather than at the cap. */
        if (t->iterations % 10 == 0 && lb->f < 1e-4 * t->start_objective &&
            (st = check_minimum(t, fb, lb, err)) != SM_OK)
            break;
        if (cfg->checkpoint_every > 0 && t->iterations % cfg->checkpoint_every == 0)
            st = checkpoint(t, model, t->iterations, err);
    }
    t->lb = NULL;
    return st;
}

/* The function L-BFGS minimises: a pass of fullbatch_eval, told first to
 * cfg->on_pass (train.h) with the iteration under way. */
typedef struct {
    trainer *t;
    sm_fullbatch *fb;
    const sm_lbfgs *lb;
} lbfgs_pass;

static sm_status eval_telling(void *ctx, const double *theta, double *f, double *grad,
                              sm_error *err)
{
    lbfgs_pass *p = ctx;
    const sm_train_config *cfg = p->t->cfg;
    if (cfg->on_pass)
        cfg->on_pass(cfg->ctx, p->t->iterations + 1, cfg->max_iter, p->lb->evals,
                     p->lb->evals ? p->lb->f : NAN, p->lb->evals ? lbfgs_grad_max(p->lb) : NAN);
    return fullbatch_eval(p->fb, theta, f, grad, err);
}

static sm_status run_lbfgs(trainer *t, sm_model *model, sm_error *err)
{
    const sm_train_config *cfg = t->cfg;
    sm_fullbatch_config fc = {t->obj,        t->train,     t->fs,    cfg->optim.l2,
                              cfg->seed ^ 0x5eed5eed5eed5eedULL, cfg->threads, cfg->dist,
                              cfg->stream_units > 0};
    sm_fullbatch *fb = NULL;
    sm_lbfgs lb;
    memset(&lb, 0, sizeof lb);
    double *theta = NULL;
    sm_status st = fullbatch_init(&fb, &fc, &t->sc, err);
    lbfgs_pass pass = {t, fb, &lb};
    if (st == SM_OK)
        st = lbfgs_init(&lb, fullbatch_param_count(fb), eval_telling, &pass, err);
    if (st == SM_OK && !(theta = malloc((size_t)fullbatch_param_count(fb) * sizeof *theta)))
        st = sm_fail(err, SM_EFAIL, "out of memory");
    /* (every pass is a sum over the ranks: none may be missing from it) */
    st = dist_agree(cfg->dist, st, err);
    double *h0 = NULL;
    int diagonal = 0;
    if (st == SM_OK && !(h0 = malloc((size_t)fullbatch_param_count(fb) * sizeof *h0)))
        st = sm_fail(err, SM_EFAIL, "out of memory");
    st = dist_agree(cfg->dist, st, err);
    /* (the diagonal is the data's, at the labels: the same on a resume) */
    if (st == SM_OK && (st = fullbatch_diagonal(fb, h0, &diagonal, err)) == SM_OK && diagonal)
        lb.h0 = h0;
    /* resumed: the solver where the checkpoint left it, the scorer at its iterate */
    const sm_state_array *a = t->resume ? train_state_array(t->resume, "lbfgs") : NULL;
    if (st == SM_OK && t->resume && !a)
        st = sm_fail(err, SM_EDATA, "the checkpoint's resume state has no lbfgs");
    if (st == SM_OK && a && (st = lbfgs_state_restore(&lb, a->v, a->n, err)) == SM_OK)
        fullbatch_put(fb, lb.x);
    if (st == SM_OK && !t->resume) {
        fullbatch_get(fb, theta);
        st = lbfgs_start(&lb, theta, err);
    }
    if (st == SM_OK && cfg->max_iter > t->iterations)
        st = lbfgs_iterations(t, fb, &lb, model, err);
    if (st == SM_OK && !t->stop_reason)
        t->stop_reason = "max-iter";
    if (st == SM_OK && strcmp(t->stop_reason, "max-iter") == 0)
        st = check_drift(t, &lb, err);
    if (st == SM_OK)
        st = check_minimum(t, fb, &lb, err);
    if (st == SM_OK) {
        fullbatch_put(fb, lb.x);
        t->grad_norm = lbfgs_grad_max(&lb);
    }
    free(theta);
    free(h0);
    lbfgs_free(&lb);
    fullbatch_free(fb);
    return st;
}

static void record_solver(const trainer *t, sm_model *model)
{
    char norm[32];
    sm_format_double(norm, sizeof norm, t->grad_norm);
    model_set_info(model, "solver", "%s", solver_names[t->cfg->solver]);
    model_set_info(model, "stop_reason", "%s", t->stop_reason);
    model_set_info(model, "iterations", "%d", t->iterations);
    model_set_info(model, "grad_norm", "%s", norm);
}

/* One run, from the start or resumed (from). *after_start: whether it got
 * past the starting point (where a divergence is the link's on the labels,
 * not the rate's). */
static sm_status train_once(const sm_dataset *train, const sm_dataset *valid,
                            const sm_train_config *cfg, const run_start *from, sm_model *model,
                            int *after_start, sm_error *err)
{
    trainer t;
    sm_status st = trainer_init(&t, train, valid, cfg, from, model, err);
    *after_start = st == SM_OK;
    int epochs_run = t.epochs_done;
    if (st == SM_OK && cfg->solver == SOLVER_LBFGS) {
        st = run_lbfgs(&t, model, err);
        epochs_run = t.iterations;
    }
    for (int epoch = t.epochs_done + 1;
         st == SM_OK && cfg->solver != SOLVER_LBFGS && epoch <= cfg->epochs; epoch++) {
        sm_epoch_info info;
        if ((st = run_epoch(&t, epoch, &info, err)) != SM_OK ||
            (st = keep_best(&t, &info, model, err)) != SM_OK)
            break;
        info.seconds = now_seconds() - t.t0;
        if (cfg->on_epoch)
            cfg->on_epoch(cfg->ctx, &info);
        epochs_run = epoch;
        if (cfg->keep_best && cfg->patience > 0 && epoch - t.best_epoch >= cfg->patience)
            break;
        if (cfg->checkpoint_every > 0 && epoch < cfg->epochs &&
            epoch % cfg->checkpoint_every == 0 &&
            (st = checkpoint(&t, model, epoch, err)) != SM_OK)
            break;
    }
    /* The export fails on a non-finite weight (a run that diverged). */
    if (st == SM_OK && !cfg->keep_best)
        st = export_model(&t, model, err);
    if (st == SM_OK && cfg->keep_best)
        record_best(&t, model, epochs_run);
    if (st == SM_OK && cfg->solver == SOLVER_LBFGS)
        record_solver(&t, model);
    trainer_free(&t);
    return st;
}

/* With checkpoints or a resume: the run's fingerprint, which a resume must
 * match (train_resume.h), and the state it starts from. */
static sm_status start_from(const sm_dataset *train, const sm_dataset *valid,
                            const sm_train_config *cfg, sm_train_state *fp, run_start *from,
                            sm_error *err)
{
    long long halvings = 0;
    sm_status st = resume_fingerprint(train, valid, cfg, fp, err);
    if (st == SM_OK && cfg->resume && (st = resume_check(cfg->resume, fp, err)) == SM_OK &&
        (st = train_state_long(cfg->resume, "lr_halvings", &halvings, err)) == SM_OK &&
        (halvings < 0 || halvings > cfg->max_backoffs))
        st = sm_fail(err, SM_EDATA, "the checkpoint's resume state has a bad lr_halvings %lld",
                     halvings);
    *from = (run_start){fp, cfg->resume, (int)halvings};
    return st;
}

/* Backing off restarts the run from its start, the only state whose
 * objective is known to be sound (an epoch can begin from weights already
 * drifting away), so the model is the one the final rate gives from the
 * start: a run with that rate and no back-off has the same bits. */
sm_status train_run(const sm_dataset *train, const sm_dataset *valid,
                    const sm_train_config *cfg, sm_model *model, sm_error *err)
{
    /* the labels' range over every rank's share */
    double range[2] = {INFINITY, -INFINITY};
    for (int64_t i = 0; i < train->n_rows; i++) {
        range[0] = fmin(range[0], train->label[i]);
        range[1] = fmax(range[1], train->label[i]);
    }
    range[0] = -range[0];
    sm_train_config run = *cfg;
    run.solver = train_solver(cfg);
    cfg = &run; /* (with the solver chosen, from here on) */
    sm_status st = dist_max(cfg->dist, range, 2, err);
    if (st == SM_OK)
        st = check_inputs(train, valid, cfg, -range[0], range[1], err);
    if ((st = dist_agree(cfg->dist, st, err)) != SM_OK)
        return st;
    sm_train_state fp;
    train_state_init(&fp);
    run_start from = {NULL, NULL, 0};
    if ((cfg->checkpoint_every > 0 || cfg->resume) &&
        (st = start_from(train, valid, cfg, &fp, &from, err)) != SM_OK) {
        train_state_free(&fp);
        return st;
    }
    run.optim.lr = ldexp(cfg->optim.lr, -from.halvings);
    int after_start;
    while ((st = train_once(train, valid, &run, &from, model, &after_start, err)) ==
               SM_EDIVERGED &&
           after_start && from.halvings < cfg->max_backoffs) {
        /* from the start again, as a run never stopped would */
        run.optim.lr *= 0.5;
        from.halvings++;
        from.resume = NULL;
        if (cfg->on_note) {
            char note[SM_ERROR_MSG_MAX + 160];
            snprintf(note, sizeof note, "%s; training again from the start at half the "
                     "learning rate (%.17g; %d of at most %d halvings)",
                     err ? err->msg : "training diverged", run.optim.lr, from.halvings,
                     cfg->max_backoffs);
            cfg->on_note(cfg->ctx, note);
        }
    }
    if (st == SM_EDIVERGED && err) {
        char after[64] = "";
        if (from.halvings > 0)
            snprintf(after, sizeof after, " (after halving the learning rate %d times)",
                     from.halvings);
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len,
                 "%s; try a smaller learning rate (--lr), a smaller 'a' in the link, or "
                 "gradient clipping (--clip)", after);
    }
    if (st == SM_OK && from.halvings > 0)
        model_set_info(model, "lr_halvings", "%d", from.halvings);
    if (st == SM_OK) {
        model->objective = cfg->objective.kind;
        model->link = cfg->objective.link;
    } else {
        model_free(model);
    }
    train_state_free(&fp);
    return st;
}
