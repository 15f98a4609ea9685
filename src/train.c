#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memhint.h"
#include "numfmt.h"
#include "parallel.h"
#include "rng.h"
#include "scorer.h"

const char *const feature_scaling_names[SCALE_KIND_COUNT + 1] = {[SCALE_NONE] = "none",
                                                                  [SCALE_MAXABS] = "maxabs"};

void train_config_default(sm_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->objective.kind = OBJ_POINTWISE;
    cfg->objective.temperature = 1.0;
    link_parse("lin", &cfg->objective.link, NULL);
    optim_config_default(&cfg->optim, OPT_SGD);
    cfg->epochs = 20;
    cfg->batch = 0; /* train_default_batch */
    cfg->seed = 1;
    cfg->scaling = SCALE_MAXABS;
    scorer_config_default(&cfg->scorer);
    rank_config_default(&cfg->metric_config);
}

int64_t train_default_batch(sm_objective_kind kind)
{
    return objective_is_ranking(kind) ? 1 : 16;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int64_t max_group_rows(const sm_dataset *ds)
{
    int64_t m = 1;
    for (int64_t g = 0; g < ds->n_groups; g++)
        if (ds->group_ptr[g + 1] - ds->group_ptr[g] > m)
            m = ds->group_ptr[g + 1] - ds->group_ptr[g];
    return m;
}

/* The data passes below split the data into chunks of a fixed size, so
 * their results do not depend on the number of threads. */
enum { PASS_CHUNK_NNZ = 1 << 20, PASS_CHUNK_ROWS = 1 << 14 };

static int64_t chunks_of(int64_t n, int64_t size) { return n > 0 ? (n + size - 1) / size : 0; }
/* One past the last item of a chunk. */
static int64_t chunk_end(int64_t chunk, int64_t size, int64_t n)
{
    return (chunk + 1) * size < n ? (chunk + 1) * size : n;
}

typedef struct {
    const sm_objective *obj;
    const sm_dataset *ds;
    const double *scores;
    sm_objective_work *work; /* one per worker */
    double *sum;             /* per chunk of units */
    int64_t *counted;        /* per chunk of units */
} objective_pass;

static void objective_chunk(void *ctx, int64_t chunk, int worker)
{
    objective_pass *p = ctx;
    const sm_dataset *ds = p->ds;
    int ranking = objective_is_ranking(p->obj->kind);
    int64_t n_units = ranking ? ds->n_groups : ds->n_rows;
    int64_t first = chunk * PASS_CHUNK_ROWS;
    int64_t last = chunk_end(chunk, PASS_CHUNK_ROWS, n_units);
    int64_t b = ranking ? ds->group_ptr[first] : first, e = ranking ? ds->group_ptr[last] : last;
    double sum = 0.0;
    int64_t counted = 0, k;
    if (!ranking) {
        sum = objective_forward(p->obj, p->scores + b, ds->label + b, e - b, &counted,
                                &p->work[worker]);
    } else {
        for (int64_t g = first; g < last; g++) {
            b = ds->group_ptr[g];
            e = ds->group_ptr[g + 1];
            sum += objective_forward(p->obj, p->scores + b, ds->label + b, e - b, &k,
                                     &p->work[worker]);
            counted += k;
        }
    }
    p->sum[chunk] = sum;
    p->counted[chunk] = counted;
}

/* The mean objective of given scores over a data set's units (rows or
 * queries); *units receives how many (0: the mean is NaN). */
static sm_status mean_objective(const sm_objective *obj, const sm_dataset *ds,
                                const double *scores, int threads, double *mean, int64_t *units,
                                sm_error *err)
{
    int64_t n_units = objective_is_ranking(obj->kind) ? ds->n_groups : ds->n_rows;
    int64_t n_chunks = chunks_of(n_units, PASS_CHUNK_ROWS);
    int workers = parallel_workers(threads, n_chunks);
    sm_objective_work work[PARALLEL_MAX_THREADS];
    double *sum = malloc((size_t)(n_chunks + 1) * sizeof *sum);
    int64_t *counted = malloc((size_t)(n_chunks + 1) * sizeof *counted);
    sm_status st = sum && counted ? SM_OK : sm_fail(err, SM_EFAIL, "out of memory");
    int ready = 0;
    for (; ready < workers && st == SM_OK; ready++) {
        objective_work_init(&work[ready], 0);
        st = objective_work_reserve(&work[ready], max_group_rows(ds), err);
    }
    *mean = NAN;
    *units = 0;
    if (st == SM_OK) {
        objective_pass p = {obj, ds, scores, work, sum, counted};
        parallel_for(workers, n_chunks, objective_chunk, &p);
        double total = 0.0;
        for (int64_t c = 0; c < n_chunks; c++) {
            total += sum[c];
            *units += counted[c];
        }
        if (*units)
            *mean = total / (double)*units;
    }
    for (int w = 0; w < ready; w++)
        objective_work_free(&work[w]);
    free(sum);
    free(counted);
    return st;
}

typedef struct {
    const sm_dataset *ds;
    float *max_abs; /* one array of dim maxima per worker */
    size_t dim;
} maxabs_pass;

/* The maxima are found in float arrays (the values are floats, so exactly):
 * half the footprint of doubles. The maximum is stored unconditionally: a
 * rare feature gets a new maximum at most of its occurrences, and the
 * mispredicted branch of a conditional store would serialise the random
 * loads (measured 3-4x slower on the sparse benchmark). */
static void maxabs_chunk(void *ctx, int64_t chunk, int worker)
{
    maxabs_pass *m = ctx;
    float *max_abs = m->max_abs + (size_t)worker * m->dim;
    const int32_t *col = m->ds->col;
    const float *val = m->ds->val;
    int64_t end = chunk_end(chunk, PASS_CHUNK_NNZ, m->ds->nnz);
    for (int64_t k = chunk * PASS_CHUNK_NNZ; k < end; k++) {
        float a = fabsf(val[k]), old = max_abs[col[k]];
        max_abs[col[k]] = a > old ? a : old;
    }
}

/* 1 / max|x_j| per feature (1 for a feature that is always 0). Each thread
 * keeps maxima of its own (a maximum does not depend on the order). */
static double *maxabs_scales(const sm_dataset *ds, int threads)
{
    size_t dim = ds->dim > 0 ? (size_t)ds->dim : 1;
    int64_t n_chunks = chunks_of(ds->nnz, PASS_CHUNK_NNZ);
    int workers = parallel_workers(threads, n_chunks);
    double *fs = malloc(dim * sizeof *fs);
    float *max_abs = calloc((size_t)workers * dim, sizeof *max_abs);
    if (!max_abs && workers > 1)
        max_abs = calloc(dim, sizeof *max_abs), workers = 1;
    if (!fs || !max_abs) {
        free(fs);
        free(max_abs);
        return NULL;
    }
    sm_prefault(max_abs, (size_t)workers * dim * sizeof *max_abs);
    sm_prefault(fs, dim * sizeof *fs);
    maxabs_pass m = {ds, max_abs, dim};
    parallel_for(workers, n_chunks, maxabs_chunk, &m);
    for (int w = 1; w < workers; w++)
        for (size_t j = 0; j < dim; j++)
            max_abs[j] = fmaxf(max_abs[j], max_abs[(size_t)w * dim + j]);
    for (int32_t j = 0; j < ds->dim; j++)
        fs[j] = max_abs[j] > 0.0f ? 1.0 / (double)max_abs[j] : 1.0;
    free(max_abs);
    return fs;
}

/* f'(y)/T-weighted spread of the rows of a query around their w-weighted
 * mean: sum_i w_i ||g_i||^2 - ||sum_i w_i g_i||^2 with g_i = c_i (x_i, 1), the
 * trace of the Gauss-Newton Hessian of a softmax over the query with
 * probabilities w. acc is a zeroed scratch of dim doubles, left zeroed. */
static double query_spread(const sm_dataset *ds, const double *fs, int64_t b, int64_t e,
                           const double *w, const double *c, double *acc)
{
    double sq = 0.0, mean_bias = 0.0, mean_sq = 0.0;
    for (int64_t r = b; r < e; r++) {
        double wc = w[r - b] * c[r - b], norm2 = 1.0;
        for (int64_t k = ds->row_ptr[r]; k < ds->row_ptr[r + 1]; k++) {
            double x = (double)ds->val[k] * (fs ? fs[ds->col[k]] : 1.0);
            norm2 += x * x;
            acc[ds->col[k]] += wc * x;
        }
        sq += w[r - b] * c[r - b] * c[r - b] * norm2;
        mean_bias += wc;
    }
    mean_sq = mean_bias * mean_bias;
    for (int64_t r = b; r < e; r++)
        for (int64_t k = ds->row_ptr[r]; k < ds->row_ptr[r + 1]; k++) {
            mean_sq += acc[ds->col[k]] * acc[ds->col[k]];
            acc[ds->col[k]] = 0.0; /* each coordinate counted once */
        }
    return sq - mean_sq;
}

/* The ranking objectives' curvature trace: mean over the training queries of
 * the spread of f'(y_i)/T (x_i, 1) under the uniform distribution (all scores
 * equal, the start) and, for listwise, under the target q (the optimum of
 * the matched target), whichever is larger. For pairwise, sigma'(d) <= 1/4 and
 * the mean of ||g_i - g_j||^2 over pairs is about twice the uniform spread. */
static double ranking_curvature(const sm_objective *obj, const sm_dataset *ds, const double *fs)
{
    int64_t longest = 1, units = 0;
    for (int64_t g = 0; g < ds->n_groups; g++)
        if (ds->group_ptr[g + 1] - ds->group_ptr[g] > longest)
            longest = ds->group_ptr[g + 1] - ds->group_ptr[g];
    double *acc = calloc(ds->dim > 0 ? (size_t)ds->dim : 1, sizeof *acc);
    double *buf = malloc((size_t)longest * 3 * sizeof *buf);
    double total = 0.0;
    if (acc && buf) {
        double *uniform = buf, *c = buf + longest, *q = buf + 2 * longest;
        for (int64_t g = 0; g < ds->n_groups; g++) {
            int64_t b = ds->group_ptr[g], n = ds->group_ptr[g + 1] - b;
            const double *y = ds->label + b;
            if (!objective_is_unit(obj, y, n))
                continue;
            for (int64_t i = 0; i < n; i++) {
                uniform[i] = 1.0 / (double)n;
                c[i] = link_dh(&obj->link, y[i]) / obj->temperature;
            }
            double spread = query_spread(ds, fs, b, b + n, uniform, c, acc);
            if (obj->kind == OBJ_PAIRWISE) {
                spread *= 0.5;
            } else {
                objective_listwise_target(obj, y, n, q);
                spread = fmax(spread, query_spread(ds, fs, b, b + n, q, c, acc));
            }
            total += spread;
            units++;
        }
    }
    free(acc);
    free(buf);
    return units ? total / (double)units : 0.0;
}

/* SGD and momentum take --lr relative to the curvature of the objective, so
 * that one default suits every data set and link. Near the optimum the
 * Hessian of a matching loss is mean h'(s) x x^T (h' the link's slope), whose
 * trace is about mean h'(y) * R^2 with R^2 = mean ||x||^2 + 1 (scaled
 * features and the bias); for the ranking objectives see ranking_curvature.
 * A step of lr / trace is stable for lr < 2 on any such problem, as a
 * normalised least-squares step is. Adaptive methods are scale-free already. */
typedef struct {
    const sm_objective *obj;
    const sm_dataset *ds;
    const double *fs;
    double *r2, *slope; /* per chunk of rows */
} curvature_pass;

static void curvature_chunk(void *ctx, int64_t chunk, int worker)
{
    (void)worker;
    curvature_pass *c = ctx;
    const sm_dataset *ds = c->ds;
    int64_t end = chunk_end(chunk, PASS_CHUNK_ROWS, ds->n_rows);
    double r2 = 0.0, slope = 0.0;
    for (int64_t r = chunk * PASS_CHUNK_ROWS; r < end; r++) {
        for (int64_t k = ds->row_ptr[r]; k < ds->row_ptr[r + 1]; k++) {
            double x = (double)ds->val[k] * (c->fs ? c->fs[ds->col[k]] : 1.0);
            r2 += x * x;
        }
        slope += link_dh(&c->obj->link, ds->label[r]);
    }
    c->r2[chunk] = r2;
    c->slope[chunk] = slope;
}

static double curvature_scale(const sm_objective *obj, const sm_dataset *ds, const double *fs,
                              int threads)
{
    if (ds->n_rows == 0)
        return 1.0;
    double trace = 0.0;
    if (objective_is_ranking(obj->kind)) {
        trace = ranking_curvature(obj, ds, fs);
    } else {
        int64_t n_chunks = chunks_of(ds->n_rows, PASS_CHUNK_ROWS);
        double *sums = malloc((size_t)n_chunks * 2 * sizeof *sums);
        if (!sums)
            return 1.0;
        curvature_pass c = {obj, ds, fs, sums, sums + n_chunks};
        parallel_for(threads, n_chunks, curvature_chunk, &c);
        double r2 = 0.0, slope = 0.0;
        for (int64_t i = 0; i < n_chunks; i++) {
            r2 += c.r2[i];
            slope += c.slope[i];
        }
        free(sums);
        trace = (r2 / (double)ds->n_rows + 1.0) * slope / (double)ds->n_rows;
    }
    return isfinite(trace) && trace > 0 ? 1.0 / trace : 1.0;
}

/* The constant score minimising the pointwise objective: h(c) = mean h(y).
 * Starting there saves the first epochs from only learning the offset. */
static double best_constant(const sm_link *link, const double *y, int64_t n)
{
    if (n == 0)
        return 0.0;
    double lo = y[0], hi = y[0], target = 0.0;
    for (int64_t i = 0; i < n; i++) {
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
        target += link_h(link, y[i]);
    }
    target /= (double)n;
    if (!isfinite(target))
        return 0.5 * (lo + hi);
    for (int it = 0; it < 200 && hi - lo > 1e-15 * fmax(1.0, fabs(lo)); it++) {
        double mid = 0.5 * (lo + hi);
        if (link_h(link, mid) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static sm_status diverged(sm_error *err, const sm_train_config *cfg, const sm_dataset *ds,
                          int epoch, int64_t row, double score, const char *what)
{
    char spec[LINK_SPEC_MAX], when[40] = "at the starting point";
    link_format(&cfg->objective.link, spec, sizeof spec);
    if (epoch > 0)
        snprintf(when, sizeof when, "in epoch %d", epoch);
    return sm_fail(err, SM_EDIVERGED,
                   "training diverged %s: %s at row %lld of %s "
                   "(label %.10g, score %.10g) with loss '%s'; try a smaller learning rate "
                   "(--lr), a smaller 'a' in the link, or gradient clipping (--clip)",
                   when, what, (long long)row + 1, ds->source, ds->label[row], score, spec);
}

typedef struct {
    int64_t *rows;       /* rows of the current batch */
    int64_t *unit_end;   /* offset in rows[] where each unit of the batch ends */
    double *scores, *dscores;
    double *all_scores;  /* scores of a whole data set, for the epoch objective */
    int64_t cap_rows;
} batch_buffers;

static sm_status ensure_rows(batch_buffers *b, sm_scorer *sc, int64_t need, sm_error *err)
{
    if (need <= b->cap_rows)
        return SM_OK;
    int64_t cap = need > 2 * b->cap_rows ? need : 2 * b->cap_rows;
    int64_t *rows = realloc(b->rows, (size_t)cap * sizeof *rows);
    if (rows)
        b->rows = rows;
    double *s = realloc(b->scores, (size_t)cap * sizeof *s);
    if (s)
        b->scores = s;
    double *d = realloc(b->dscores, (size_t)cap * sizeof *d);
    if (d)
        b->dscores = d;
    if (!rows || !s || !d)
        return sm_fail(err, SM_EFAIL, "out of memory for a batch of %lld rows", (long long)cap);
    b->cap_rows = cap;
    return scorer_reserve(sc, cap, err);
}

typedef struct {
    sm_scorer *sc;
    const sm_dataset *ds;
    double *scores;
} score_pass;

static void score_chunk(void *ctx, int64_t chunk, int worker)
{
    (void)worker;
    score_pass *p = ctx;
    /* Small pieces keep an MLP's activations and the rows in cache. */
    int64_t rows[256];
    int64_t end = chunk_end(chunk, PASS_CHUNK_ROWS, p->ds->n_rows);
    for (int64_t r0 = chunk * PASS_CHUNK_ROWS; r0 < end; r0 += 256) {
        int64_t n = end - r0 < 256 ? end - r0 : 256;
        for (int64_t i = 0; i < n; i++)
            rows[i] = r0 + i;
        scorer_forward(p->sc, p->ds, rows, n, p->scores + r0);
    }
}

/* Score every row of ds with the current weights: a row's score does not
 * depend on which thread computes it. */
static void score_all(sm_scorer *sc, const sm_dataset *ds, int threads, double *scores)
{
    score_pass p = {sc, ds, scores};
    parallel_for(scorer_forward_is_reentrant(sc) ? threads : 1,
                 chunks_of(ds->n_rows, PASS_CHUNK_ROWS), score_chunk, &p);
}

/* Divergence that stays finite: training starts at (for the MLP, near) the
 * best constant score, and a stable step keeps the objective near or below
 * that start, so an epoch
 * whose objective exceeds it by this factor is an unstable step blowing up
 * (it would overflow a few epochs later, or end with a useless model). */
#define TRAIN_EXPLODE_FACTOR 1e4

static sm_status check_exploded(const sm_train_config *cfg, sm_scorer *sc,
                                const sm_dataset *ds, double *scores,
                                double start, const sm_epoch_info *info, sm_error *err)
{
    if (!(info->train_objective > TRAIN_EXPLODE_FACTOR * start))
        return SM_OK;
    score_all(sc, ds, cfg->threads, scores); /* the buffer may hold validation scores */
    int64_t worst = 0; /* the row with the largest loss, to name in the message */
    double worst_loss = -1.0;
    for (int64_t r = 0; r < ds->n_rows; r++) {
        double l = link_loss(&cfg->objective.link, scores[r], ds->label[r]);
        if (l > worst_loss)
            worst_loss = l, worst = r;
    }
    char what[160];
    snprintf(what, sizeof what,
             "the training objective %.6g is over %g times the one at the start of training "
             "(%.6g); the largest loss is",
             info->train_objective, TRAIN_EXPLODE_FACTOR, start);
    return diverged(err, cfg, ds, info->epoch, worst, scores[worst], what);
}

/* The epoch's objectives. The training objective is exact (a pass over the
 * data with the current weights) only when `exact`; otherwise it is the
 * progressive one the epoch measured on the way, `progressive` (the mean loss
 * of each step's units before that step's update), which costs nothing. */
static sm_status epoch_objectives(const sm_train_config *cfg, sm_scorer *sc,
                                  const sm_dataset *train, const sm_dataset *valid,
                                  double *scores, int exact, double progressive, sm_epoch_info *info,
                                  sm_error *err)
{
    int64_t units;
    double mean;
    sm_status st;
    info->valid_objective = info->valid_metric = NAN;
    if (!exact) {
        info->train_objective = progressive;
        if (cfg->optim.l2 > 0.0)
            info->train_objective += cfg->optim.l2 * scorer_l2_half(sc);
        goto validation;
    }
    score_all(sc, train, cfg->threads, scores);
    for (int64_t r = 0; r < train->n_rows; r++)
        if (!isfinite(scores[r]))
            return diverged(err, cfg, train, info->epoch, r, scores[r], "the score is not finite");
    if ((st = mean_objective(&cfg->objective, train, scores, cfg->threads, &mean, &units,
                             err)) != SM_OK)
        return st;
    info->train_objective = mean + cfg->optim.l2 * scorer_l2_half(sc);
    if (!isfinite(info->train_objective))
        for (int64_t r = 0; r < train->n_rows; r++)
            if (!isfinite(link_loss(&cfg->objective.link, scores[r], train->label[r])))
                return diverged(err, cfg, train, info->epoch, r, scores[r], "the loss is not finite");
validation:
    if (valid) {
        score_all(sc, valid, cfg->threads, scores);
        if ((st = mean_objective(&cfg->objective, valid, scores, cfg->threads,
                                 &info->valid_objective, &units, err)) != SM_OK)
            return st;
        info->valid_metric = info->valid_objective;
        if (cfg->keep_best && cfg->metric.kind != METRIC_OBJECTIVE)
            return rank_metric_value(&cfg->metric, &cfg->metric_config, valid->group_ptr,
                                     valid->n_groups, valid->label, scores, &info->valid_metric,
                                     err);
    }
    return SM_OK;
}

/* Whether an epoch's validation metric beats the best so far (strictly, so
 * the earliest of equal epochs is kept). */
static int improves(const sm_train_config *cfg, double value, double best, int best_epoch)
{
    if (best_epoch == 0)
        return 1;
    return rank_metric_higher_is_better(&cfg->metric) ? value > best : value < best;
}

static void record_best(const sm_train_config *cfg, sm_model *model, int best_epoch,
                        double best, int epochs_run)
{
    char name[32], score[32];
    rank_metric_format(&cfg->metric, name, sizeof name);
    sm_format_double(score, sizeof score, best);
    model_set_info(model, "stop_metric", "%s", name);
    model_set_info(model, "best_epoch", "%d", best_epoch);
    model_set_info(model, "best_score", "%s", score);
    model_set_info(model, "epochs_run", "%d", epochs_run);
}

/* The units of an epoch: every row for pointwise; for ranking the queries
 * that have something to learn (a pair, or a list with a target). */
static sm_status training_units(const sm_objective *obj, const sm_dataset *ds, int64_t **units,
                                int64_t *n_units, sm_error *err)
{
    int ranking = objective_is_ranking(obj->kind);
    int64_t cap = ranking ? ds->n_groups : ds->n_rows, n = 0;
    if (!(*units = malloc((size_t)(cap > 0 ? cap : 1) * sizeof **units)))
        return sm_fail(err, SM_EFAIL, "out of memory for %lld training units", (long long)cap);
    for (int64_t u = 0; u < cap; u++)
        if (!ranking || objective_is_unit(obj, ds->label + ds->group_ptr[u],
                                          ds->group_ptr[u + 1] - ds->group_ptr[u]))
            (*units)[n++] = u;
    *n_units = n;
    if (n == 0)
        return sm_fail(err, SM_EDATA, "%s: no %s to train on", ds->source,
                       ranking ? "queries with rows of different labels" : "rows");
    return SM_OK;
}

sm_status train_run(const sm_dataset *train, const sm_dataset *valid,
                    const sm_train_config *cfg, sm_model *model, sm_error *err)
{
    const sm_objective *obj = &cfg->objective;
    int ranking = objective_is_ranking(obj->kind);
    const int64_t batch = cfg->batch > 0 ? cfg->batch : train_default_batch(obj->kind);
    if (cfg->batch < 0 || cfg->epochs < 1)
        return sm_fail(err, SM_EUSAGE, "batch and epochs must be at least 1");
    if (ranking && (train->n_groups == 0 || (valid && valid->n_groups == 0)))
        return sm_fail(err, SM_EDATA,
                       "%s: the %s objective needs query groups: add qid:N to every row, "
                       "or give a group file (one row count per line, as LightGBM's .query "
                       "and XGBoost's .group files) with --group, or put it beside the data "
                       "as DATA.query",
                       train->n_groups == 0 ? train->source : valid->source,
                       objective_kind_name(obj->kind));
    if (cfg->keep_best && !valid)
        return sm_fail(err, SM_EUSAGE, "early stopping needs validation data (--valid)");
    if (cfg->keep_best && cfg->metric.kind != METRIC_OBJECTIVE && valid->n_groups == 0)
        return sm_fail(err, SM_EDATA,
                       "%s: a ranking metric needs query groups: add qid:N to every row, or "
                       "give a group file (one row count per line) with --valid-group",
                       valid->source);

    sm_status st = SM_OK;
    sm_scorer sc;
    sm_optim opt;
    sm_rng rng;
    sm_objective_work work;
    batch_buffers buf = {0};
    int64_t *order = NULL, n_units = 0;
    double *fs = NULL;
    int have_scorer = 0, have_opt = 0;
    int64_t max_rows = train->n_rows;
    if (valid && valid->n_rows > max_rows)
        max_rows = valid->n_rows;
    int64_t max_query = max_group_rows(train);
    if (valid && max_group_rows(valid) > max_query)
        max_query = max_group_rows(valid);
    double t0 = now_seconds(), last_progress = t0, best = NAN;
    int best_epoch = 0, epochs_run = 0;

    objective_work_init(&work, cfg->seed ^ 0x5eed5eed5eed5eedULL);
    if ((st = training_units(obj, train, &order, &n_units, err)) != SM_OK)
        goto out;
    int64_t steps_per_epoch = (n_units + batch - 1) / batch;
    int64_t total_steps = steps_per_epoch * cfg->epochs;
    if (cfg->scaling == SCALE_MAXABS && !(fs = maxabs_scales(train, cfg->threads))) {
        st = sm_fail(err, SM_EFAIL, "out of memory");
        goto out;
    }
    /* The initial weights come from a stream of their own, so the seed's
     * shuffles are the same whatever the scorer. */
    if ((st = scorer_init(&sc, &cfg->scorer, train, fs, cfg->seed ^ 0x1a7e5eed1a7e5eedULL,
                          err)) != SM_OK)
        goto out;
    have_scorer = 1;
    sm_optim_config ocfg = cfg->optim;
    /* Each weight layer adds about as much curvature as a linear scorer has
     * (He/Xavier initialisation keeps the signals' scale through the layers). */
    if (ocfg.kind == OPT_SGD || ocfg.kind == OPT_MOMENTUM)
        ocfg.lr *= curvature_scale(obj, train, fs, cfg->threads) / scorer_depth(&sc);
    if ((st = optim_init(&opt, &ocfg, scorer_param_count(&sc), err)) != SM_OK)
        goto out;
    have_opt = 1;
    buf.all_scores = malloc((size_t)(max_rows > 0 ? max_rows : 1) * sizeof *buf.all_scores);
    buf.unit_end = malloc((size_t)batch * sizeof *buf.unit_end);
    if (!buf.all_scores || !buf.unit_end) {
        st = sm_fail(err, SM_EFAIL, "out of memory for %lld rows", (long long)max_rows);
        goto out;
    }
    if ((st = ensure_rows(&buf, &sc, 4096, err)) != SM_OK ||
        (st = objective_work_reserve(&work, max_query, err)) != SM_OK)
        goto out;
    /* Start at the best constant score: for pointwise it saves the first
     * epochs from only learning the offset; for ranking it puts the scores
     * where the transform f was designed to act (the label range). */
    scorer_set_output_bias(&sc, best_constant(&obj->link, train->label, train->n_rows));
    rng_seed(&rng, cfg->seed);
    sm_epoch_info start = {.epoch = 0};
    if ((st = epoch_objectives(cfg, &sc, train, NULL, buf.all_scores, 1, NAN,
                               &start, err)) != SM_OK)
        goto out;

    for (int epoch = 1; epoch <= cfg->epochs; epoch++) {
        double loss_sum = 0.0; /* the progressive objective's */
        int64_t loss_units = 0;
        rng_shuffle(&rng, order, n_units);
        for (int64_t first = 0; first < n_units; first += batch) {
            if (cfg->stop && *cfg->stop) {
                st = sm_fail(err, SM_EINTERRUPTED, "training interrupted in epoch %d", epoch);
                goto out;
            }
            int64_t last = first + batch < n_units ? first + batch : n_units;
            int64_t n_rows = 0;
            for (int64_t i = first; i < last; i++) {
                int64_t b = ranking ? train->group_ptr[order[i]] : order[i];
                int64_t e = ranking ? train->group_ptr[order[i] + 1] : b + 1;
                if ((st = ensure_rows(&buf, &sc, n_rows + (e - b), err)) != SM_OK)
                    goto out;
                for (int64_t r = b; r < e; r++)
                    buf.rows[n_rows++] = r;
                buf.unit_end[i - first] = n_rows;
            }
            /* Pointwise units are rows: start loading the next steps' data. */
            if (!ranking)
                scorer_prefetch(&sc, train, order + last, n_units - last, batch);
            scorer_forward(&sc, train, buf.rows, n_rows, buf.scores);
            memset(buf.dscores, 0, (size_t)n_rows * sizeof *buf.dscores);
            double weight = 1.0 / (double)(last - first), batch_loss = 0.0;
            int64_t bad_loss = -1; /* offset of the first unit whose loss is not finite */
            for (int64_t i = first, off = 0; i < last; i++) {
                int64_t end = buf.unit_end[i - first], k;
                /* A unit is a contiguous row range, so its labels are too. The
                 * loss is the unit's before the step: the progressive objective. */
                double loss = objective_forward_backward(obj, buf.scores + off,
                                                         train->label + buf.rows[off], end - off,
                                                         weight, buf.dscores + off, &k, &work);
                if (!isfinite(loss) && bad_loss < 0)
                    bad_loss = off;
                batch_loss += loss;
                loss_units += k;
                off = end;
            }
            for (int64_t i = 0; i < n_rows; i++)
                if (!isfinite(buf.dscores[i]) || !isfinite(buf.scores[i])) {
                    st = diverged(err, cfg, train, epoch, buf.rows[i], buf.scores[i],
                                  isfinite(buf.scores[i]) ? "the gradient is not finite"
                                                          : "the score is not finite");
                    goto out;
                }
            if (bad_loss >= 0) {
                st = diverged(err, cfg, train, epoch, buf.rows[bad_loss], buf.scores[bad_loss],
                              "the loss is not finite");
                goto out;
            }
            loss_sum += batch_loss;
            optim_begin_step(&opt, total_steps);
            if (cfg->optim.clip > 0.0 ||
                !scorer_sgd_step(&sc, &opt, train, buf.rows, n_rows, buf.dscores)) {
                scorer_backward(&sc, train, buf.rows, n_rows, buf.dscores);
                double factor = 1.0;
                if (cfg->optim.clip > 0.0) {
                    double norm = sqrt(scorer_grad_norm2(&sc));
                    if (norm > cfg->optim.clip)
                        factor = cfg->optim.clip / norm;
                }
                scorer_step(&sc, &opt, factor);
            }
            if (cfg->on_progress && ((first / batch) & 255) == 0) {
                double t = now_seconds();
                if (t - last_progress > 0.25) {
                    last_progress = t;
                    cfg->on_progress(cfg->ctx, epoch, (double)last / (double)n_units);
                }
            }
        }
        sm_epoch_info info = {.epoch = epoch, .epochs = cfg->epochs, .steps = opt.step};
        /* Exact only for the last epoch: a pass over the data costs about a
         * third of a linear epoch. */
        if ((st = epoch_objectives(cfg, &sc, train, valid, buf.all_scores,
                                   epoch == cfg->epochs,
                                   loss_units ? loss_sum / (double)loss_units : NAN, &info,
                                   err)) != SM_OK ||
            (st = check_exploded(cfg, &sc, train, buf.all_scores,
                                 start.train_objective, &info, err)) != SM_OK)
            goto out;
        if (cfg->keep_best) {
            if (isnan(info.valid_metric)) {
                st = sm_fail(err, SM_EDATA, "%s: the validation metric is undefined "
                             "(no query with a relevant row?)", valid->source);
                goto out;
            }
            if (improves(cfg, info.valid_metric, best, best_epoch)) {
                best = info.valid_metric;
                best_epoch = epoch;
                /* the snapshot of the best epoch, in the raw feature space */
                if ((st = scorer_export(&sc, model, err)) != SM_OK)
                    goto out;
            }
            info.best_epoch = best_epoch;
        }
        info.seconds = now_seconds() - t0;
        if (cfg->on_epoch)
            cfg->on_epoch(cfg->ctx, &info);
        epochs_run = epoch;
        if (cfg->keep_best && cfg->patience > 0 && epoch - best_epoch >= cfg->patience)
            break;
    }

    /* scorer_export fails on a non-finite weight (a run that diverged). */
    if (cfg->keep_best)
        record_best(cfg, model, best_epoch, best, epochs_run);
    else if ((st = scorer_export(&sc, model, err)) != SM_OK)
        goto out;
    model->objective = obj->kind;
    model->link = obj->link;
out:
    if (st != SM_OK)
        model_free(model);
    if (have_scorer)
        scorer_free(&sc);
    if (have_opt)
        optim_free(&opt);
    objective_work_free(&work);
    free(order);
    free(fs);
    free(buf.rows);
    free(buf.scores);
    free(buf.dscores);
    free(buf.all_scores);
    free(buf.unit_end);
    return st;
}
