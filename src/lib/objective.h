/* objective.h - training objectives built on a link (smloss-losses(7), OBJECTIVES).
 *
 * An objective is averaged over *units*: rows for pointwise, queries for the
 * ranking objectives. objective_forward returns the summed loss of the units
 * in one call and how many units they were; objective_backward adds
 * weight * d(summed loss)/ds_i to ds[i]. The trainer calls them on a
 * mini-batch (pointwise: any rows; ranking: one query per call) with
 * weight = 1 / (units in the mini-batch), so every objective is a mean and
 * learning rates carry over between data sets. The scores s and gradients ds
 * of n rows are n x K (n_out), row-major: K = 1 but for the multi-class
 * kinds.
 *
 * Pairwise, per query: pairs (i, j) with y_i > y_j; d = (f(s_i) - f(s_j))/T,
 * p = sigma(d); hard target q = 1, soft q = sigma((f(y_i) - f(y_j))/T);
 * loss KL(Bern(q) || Bern(p)); the query's loss is the mean over its pairs
 * and a query without pairs is not a unit. When a query has more than
 * max_pairs > 0 pairs, the backward pass uses max_pairs pairs drawn uniformly
 * with replacement (an unbiased estimate of the same mean) and the forward
 * pass (the reported objective) max_pairs evenly spaced pairs of a fixed
 * enumeration (the same estimate every epoch), so an epoch stays linear in
 * rows. With max_pairs = 0 both use every pair.
 *
 * Listwise, per query of n >= 2 rows: p = softmax(f(s)/T); matched target
 * q = softmax(f(y)/T), gain target q_i = g_i / sum g with g = 2^y - 1 for
 * y > 0 and 0 otherwise; loss KL(q || p). A query without a positive gain
 * has no gain target and is not a unit. f is the link h; f' is h'.
 *
 * Multi-class (the composite softmax over one row's K >= 2 scores), per row:
 * p = softmax(f(s)/T); target q = softmax(f(t)/T) of K target scores t
 * (matched, default: a teacher's scores) or q = t (prob: probabilities, and
 * one-hot class labels); loss KL(q || p), the listwise loss with the row's
 * classes in place of a query's rows. Multi-class pointwise: sum over the K
 * classes of the pointwise loss L(s_k, t_k). Units are rows; their targets
 * are the rows of ds->target (K per row), which every multi-class kind needs.
 */
#ifndef SM_OBJECTIVE_H
#define SM_OBJECTIVE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "link.h"
#include "rank_metrics.h"
#include "rng.h"

typedef enum {
    OBJ_POINTWISE = 0,
    OBJ_PAIRWISE,
    OBJ_LISTWISE,
    OBJ_MULTICLASS,
    OBJ_MULTICLASS_POINTWISE,
    OBJ_KIND_COUNT
} sm_objective_kind;
typedef enum {
    TARGET_DEFAULT = 0, /* hard for pairwise, matched for listwise */
    TARGET_HARD,
    TARGET_SOFT,
    TARGET_MATCHED,
    TARGET_GAIN,
    TARGET_PROB,        /* multiclass: the targets are probabilities */
    TARGET_KIND_COUNT
} sm_target_kind;

typedef struct {
    sm_objective_kind kind;
    sm_link link;          /* the loss's link; the score transform f for ranking */
    double temperature;    /* ranking: T > 0 */
    sm_target_kind target;
    int64_t max_pairs;     /* pairwise: sampled pairs per query in backward; 0 = all */
    int32_t n_out;         /* K scores per row (n x K, row-major); 0: 1 (objective_check) */
} sm_objective;

/* Names indexed by the enums, NULL-terminated (names.h); "default" is
 * target 0, so the choosable targets are objective_target_names + 1. */
extern const char *const objective_kind_names[OBJ_KIND_COUNT + 1];
extern const char *const objective_target_names[TARGET_KIND_COUNT + 1];
int objective_kind_parse(const char *name); /* -1 when unknown */
const char *objective_kind_name(sm_objective_kind k);
int objective_target_parse(const char *name); /* -1 when unknown */
const char *objective_target_name(sm_target_kind t);
/* What an objective averages over: rows (one score each), queries (the
 * ranking kinds, which need query groups) or rows of K >= 2 class scores
 * with K targets each (the multi-class kinds, whose scorer has K outputs). */
typedef enum { UNIT_ROW = 0, UNIT_QUERY, UNIT_CLASS_ROW } sm_objective_unit;
sm_objective_unit objective_unit(sm_objective_kind k);
/* The kind's unit is UNIT_QUERY (a ranking objective), UNIT_CLASS_ROW (a
 * multi-class one). */
int objective_is_ranking(sm_objective_kind k);
int objective_is_multiclass(sm_objective_kind k);
/* What --objective's help says of the kind, after "NAME: ": lines ('\n'
 * between them) of at most OBJECTIVE_HELP_COLUMNS columns, "NAME: " and
 * the first line included. */
#define OBJECTIVE_HELP_COLUMNS 53
const char *objective_help(sm_objective_kind k);
/* What a model of the kind is judged by: the figures --folds reports, and
 * whether eval reads its data by query: METRIC_RMSE (with MAE, by label
 * region: pointwise), METRIC_NDCG (ranking) or METRIC_ACCURACY (multi-class). */
sm_metric_kind objective_default_metric(sm_objective_kind k);
/* SGD's units a step when --batch is not given: 16 rows, or one query. */
int64_t objective_default_batch(sm_objective_kind k);
/* The units an epoch trains on, as a message says there are none ("rows",
 * "queries with rows of different labels"). */
const char *objective_units_noun(sm_objective_kind k);
/* The kinds of a unit as a message lists them, "the multiclass and
 * multiclass-pointwise objectives", into buf (OBJECTIVE_KINDS_TEXT is room
 * for every kind). */
#define OBJECTIVE_KINDS_TEXT 160
void objective_kinds_of_unit(sm_objective_unit unit, char *buf, size_t size);
/* Whether the kind's loss is unchanged when all the scores of a unit shift
 * by one constant (the softmax and pairwise kinds): such a run can drift
 * along the shift, a pointwise one cannot. */
int objective_shift_invariant(sm_objective_kind k);
/* Whether the backward pass samples pairs (pairwise with max_pairs > 0). */
int objective_samples_pairs(const sm_objective *obj);
/* The target the objective reads rows of class scores as: its own target
 * when it takes probabilities (multiclass), else matched scores. */
sm_target_kind objective_class_target(const sm_objective *obj);
/* Whether kind k takes --target t (TARGET_DEFAULT: none takes it). */
int objective_takes_target(sm_objective_kind k, sm_target_kind t);
/* The effective target (TARGET_DEFAULT resolved) and outputs (0: 1);
 * SM_EUSAGE when the target does not belong to the objective (e.g. gain with
 * pairwise), or the objective cannot take n_out scores per row (the
 * multi-class kinds take K >= 2, the others one). */
sm_status objective_check(sm_objective *obj, sm_error *err);
/* The same but for the outputs, before K is known (the multi-class kinds
 * take it from the data). */
sm_status objective_check_options(sm_objective *obj, sm_error *err);

/* Scratch memory of the ranking objectives, reused across calls, and the
 * generator that draws sampled pairs. */
typedef struct {
    double *buf;
    int64_t *idx;
    int64_t cap;
    sm_rng rng;
} sm_objective_work;

void objective_work_init(sm_objective_work *w, uint64_t seed);
/* Make room for a query of n rows. */
sm_status objective_work_reserve(sm_objective_work *w, int64_t n, sm_error *err);
void objective_work_free(sm_objective_work *w);

/* The listwise target distribution of a query into q[0..n); 0 when the
 * query has none (gain target without a positive gain). */
int objective_listwise_target(const sm_objective *obj, const double *y, int64_t n, double *q);

/* Whether rows y[0..n) form a unit of the objective: a query with a pair of
 * different labels (pairwise), with n >= 2 and a target (listwise). */
int objective_is_unit(const sm_objective *obj, const double *y, int64_t n);

/* ---- what the trainer asks of the objective ---- */

/* The units of a data set: its rows (pointwise) or its queries (ranking);
 * unit u is rows [*b, *e). */
static inline int64_t objective_unit_count(const sm_objective *obj, const sm_dataset *ds)
{
    return objective_unit(obj->kind) == UNIT_QUERY ? ds->n_groups : ds->n_rows;
}
static inline void objective_unit_rows(const sm_objective *obj, const sm_dataset *ds, int64_t u,
                                       int64_t *b, int64_t *e)
{
    int by_query = objective_unit(obj->kind) == UNIT_QUERY;
    *b = by_query ? ds->group_ptr[u] : u;
    *e = by_query ? ds->group_ptr[u + 1] : u + 1;
}

/* The targets of the unit that starts at row b: its labels, or for the
 * multi-class kinds its rows of ds->target (K per row). */
static inline const double *objective_unit_targets(const sm_objective *obj, const sm_dataset *ds,
                                                   int64_t b)
{
    return objective_unit(obj->kind) == UNIT_CLASS_ROW ? ds->target + b * obj->n_out
                                                       : ds->label + b;
}

/* The weight of the unit that starts at row b: its row's weight (a query's
 * rows share one: dataset_check_query_weights), 1 without weights. With
 * weights w_u every objective is the weighted mean sum_u w_u L_u / sum_u w_u
 * (units without a loss, such as a query without pairs, count in neither
 * sum), and so are the start score and the curvature below. */
static inline double objective_unit_weight(const sm_dataset *ds, int64_t b)
{
    return ds->weight ? ds->weight[b] : 1.0;
}

/* The units an epoch trains on, into a new array *units (freed by the
 * caller): every row for pointwise, for ranking the queries with something
 * to learn (objective_is_unit). SM_EDATA when there are none. */
sm_status objective_units(const sm_objective *obj, const sm_dataset *ds, int64_t **units,
                          int64_t *n_units, sm_error *err);

/* The constant score c minimising the pointwise loss on labels y[0..n):
 * h(c) = mean h(y) (the mean label for lin), found by bisection between the
 * smallest and largest label; their midpoint when mean h(y) overflows, 0
 * without labels (with weights, objective_start_scores: h(c) = the weighted
 * mean of h(y)). Training starts there whatever the objective: a pointwise
 * run does not spend its first epochs learning the offset, a ranking run
 * starts where the transform f was designed to act (the label range). */
/* For tests only. */
double objective_start_score(const sm_objective *obj, const double *y, int64_t n);
/* The start of each of the K outputs (bias[0..K)) on data set ds: the
 * pointwise start score of the labels for one output; for several, that of
 * each class's target scores (matched targets, multi-class pointwise), or 0
 * (probabilities and class labels: the softmax's scores start equal, where a
 * link designed for the top of the scores puts them). */
void objective_start_scores(const sm_objective *obj, const sm_dataset *ds, double *bias);

/* The curvature the trainer's learning rate is relative to: the trace of the
 * Gauss-Newton Hessian of the objective in the weights of a linear scorer on
 * features g = (x, 1), near the start and the optimum of training. The
 * objective gives the per-unit math; the caller, who has the features, the
 * sums over the data.
 *   Pointwise: mean_i h'(y_i) * (mean_i ||x_i||^2 + 1); a row's part is its
 *   label's curvature objective_label_curvature = h'(y) (y: the row's targets,
 *   objective_unit_targets). The K outputs of a multi-class scorer have
 *   weights of their own, blocks of the Hessian: a row's part is the largest
 *   block's, max_k h'(t_k) for multi-class pointwise and for the composite
 *   softmax max_k c_k^2 w_k (1 - w_k), c = f'(t)/T (f'(0)/T for
 *   probabilities), under the uniform w and the target q, whichever is larger.
 *   Ranking: the mean over units of objective_query_curvature, which asks
 *   spread(ctx, w, c) = sum_i w_i c_i^2 ||g_i||^2 - ||sum_i w_i c_i g_i||^2
 *   over the query's rows (the trace for a softmax over the scores c_i s_i
 *   with probabilities w) for the distributions it needs: c = f'(y)/T, w
 *   uniform (all scores equal, the start) and, for listwise, the target q
 *   (the optimum of the matched target), whichever is larger; for pairwise,
 *   sigma'(d) <= 1/4 and the mean of ||g_i - g_j||^2 over pairs is about
 *   twice the uniform spread, so half of it. buf has room for 3n doubles. */
double objective_label_curvature(const sm_objective *obj, const double *y);
/* The least mean label curvature of pointwise training on labels in [lo, hi]:
 * the link's largest slope there (link_slope_over) / OBJECTIVE_STEEP_SHARE,
 * 0 for the other kinds. The mean h'(y) can be far below the slope where the
 * scores pass on their way between the labels (a sigmoid centred between
 * rare labels, exp over a long tail), and a step sized by the mean alone
 * there multiplies it by the ratio; with this floor a row's step at the
 * link's steepest is at most OBJECTIVE_STEEP_SHARE times a mean row's, what
 * a default batch of 16 rows takes in its stride. No effect where the slope
 * over the labels varies less than that (lin, and the links of the tests'
 * golden runs). */
#define OBJECTIVE_STEEP_SHARE 16.0
double objective_curvature_floor(const sm_objective *obj, double lo, double hi);
typedef double (*objective_spread_fn)(void *ctx, const double *w, const double *c);
double objective_query_curvature(const sm_objective *obj, const double *y, int64_t n,
                                 objective_spread_fn spread, void *ctx, double *buf);

/* Dispatch on obj->kind: for ranking kinds, s, y, n are one query and w must
 * have room for n rows (objective_work_reserve). */
double objective_forward(const sm_objective *obj, const double *s, const double *y, int64_t n,
                         int64_t *units, sm_objective_work *w);
/* (The trainer takes both at once, objective_forward_backward; the gradient
 * alone is exposed for tests.) */
void objective_backward(const sm_objective *obj, const double *s, const double *y, int64_t n,
                        double weight, double *ds, sm_objective_work *w);
/* Both in one pass, as the trainer's step wants them (the ranking objectives
 * transform the scores and take the softmax once): adds the gradient as
 * objective_backward and returns the loss as objective_forward, except that
 * a pairwise query with more than max_pairs pairs reports the mean loss of
 * the pairs drawn for the gradient (an unbiased estimate of the same mean). */
double objective_forward_backward(const sm_objective *obj, const double *s, const double *y,
                                  int64_t n, double weight, double *ds, int64_t *units,
                                  sm_objective_work *w);

#endif
