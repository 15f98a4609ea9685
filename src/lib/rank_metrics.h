/* rank_metrics.h - how well scores order the rows of each query (smloss-losses(7), RANKING METRICS).
 *
 * Per query (a group of rows), with its rows ordered by score, highest first,
 * and ties in score broken pessimistically (the lower label first, so a
 * constant model never looks good):
 *   gain(y)   exp2: 2^y - 1, linear: y; labels at or below 0 gain 0
 *   NDCG@k    DCG@k / ideal DCG@k, DCG@k = sum over ranks r = 1..min(k, n) of
 *             gain(y_r) / log2(r + 1); the ideal orders rows by label
 *   ERR@k     sum_r (1/r) R_r prod_{j<r} (1 - R_j) over ranks 1..min(k, n),
 *             R = gain(y) / (gain(y_max) + 1), y_max the largest label of
 *             the evaluated data, its rows of weight > 0 when weighted
 *             (exp2: (2^y - 1) / 2^y_max, Chapelle et al.)
 *   MAP       mean over queries of average precision: the mean, over the
 *             relevant rows, of the precision at their rank
 *   MRR       mean of 1 / rank of the first relevant row
 * A row is relevant for MAP and MRR when y > threshold (default 0). A query
 * with no relevant row (NDCG, ERR: no positive gain; MAP, MRR: no label above
 * the threshold) is ranked equally well by every model; by default
 * (NO_RELEVANT_ONE) it counts as perfect, NDCG, MAP and MRR 1 and ERR its
 * order-independent value 0, as LightGBM and XGBoost count NDCG; with
 * NO_RELEVANT_SKIP it is left out of that metric's mean. Cutoff 0 means the
 * whole list. Metrics are means over queries (each query weighs the same, or its weight).
 *
 * Pairwise ordering accuracy per pair of label regions a > b: over every
 * query, the pairs of one row with a label in region a and one in region b;
 * the share of them scored strictly in the label order (a tie is wrong).
 *
 * This module only computes; report.h formats. Nothing here prints.
 */
#ifndef SM_RANK_METRICS_H
#define SM_RANK_METRICS_H

#include <stdint.h>

#include "error.h"
#include "metrics.h"

#define RANK_MAX_CUTOFFS 8

typedef enum { GAIN_EXP2 = 0, GAIN_LINEAR, GAIN_KIND_COUNT } sm_gain_kind;
typedef enum { NO_RELEVANT_ONE = 0, NO_RELEVANT_SKIP, NO_RELEVANT_KIND_COUNT } sm_no_relevant;

typedef struct {
    int n_cutoffs;
    int cutoff[RANK_MAX_CUTOFFS];   /* k of NDCG@k and ERR@k, in the order given */
    sm_gain_kind gain;
    double threshold;               /* relevant for MAP and MRR: y > threshold */
    sm_no_relevant no_relevant;
    /* ERR's y_max: the evaluated rows' largest label, unless given (a part
     * of a data set measured as the whole: a rank's share) */
    int err_max_given;
    double err_max_label;
} sm_rank_config;

/* k = 1, 3, 5, 10; exp2 gains; threshold 0; queries without relevant rows count as 1. */
void rank_config_default(sm_rank_config *c);
/* "k1,k2,..." of distinct whole numbers >= 1, at most RANK_MAX_CUTOFFS; SM_EUSAGE otherwise. */
sm_status rank_cutoffs_parse(const char *text, sm_rank_config *c, sm_error *err);
/* Names indexed by the enums, NULL-terminated (names.h). */
extern const char *const rank_gain_names[GAIN_KIND_COUNT + 1];
extern const char *const rank_no_relevant_names[NO_RELEVANT_KIND_COUNT + 1];
/* The parsers (-1 when unknown) are exposed for tests; the CLI parses
 * choices from the names tables. */
/* For tests only. */
int rank_gain_parse(const char *name);          /* -1 when unknown */
const char *rank_gain_name(sm_gain_kind g);
/* For tests only. */
int rank_no_relevant_parse(const char *name);   /* "one" | "skip"; -1 when unknown */
const char *rank_no_relevant_name(sm_no_relevant v);

/* One query's values; NaN where the query is skipped (NO_RELEVANT_SKIP). */
typedef struct {
    double ndcg[RANK_MAX_CUTOFFS];
    double err[RANK_MAX_CUTOFFS];
    double ap, rr;
} sm_query_metrics;

typedef struct {
    sm_rank_config config;
    double max_label;                   /* y_max of ERR */
    int64_t queries, rows;
    sm_query_metrics mean;              /* means over the counted queries */
    int64_t gain_queries;               /* counted for NDCG and ERR */
    int64_t relevant_queries;           /* counted for MAP and MRR */
    double gain_weight, relevant_weight; /* their weight (their count without weights) */
    sm_regions regions;
    int64_t pairs[SM_MAX_REGIONS][SM_MAX_REGIONS];   /* [higher region][lower region] */
    int64_t ordered[SM_MAX_REGIONS][SM_MAX_REGIONS]; /* of those, scored in order */
    int64_t all_pairs, all_ordered;     /* summed over region pairs */
} sm_rank_report;

/* Metrics of scores s for labels y over the queries group_ptr[g] ..
 * group_ptr[g+1]) (n_groups >= 1). With row weights (weight not NULL) the
 * means over queries are weighted, a query by its first row's weight (its
 * rows share one: dataset_check_query_weights); the pair counts count rows.
 * per_query (n_groups entries) may be NULL.
 * SM_EFAIL when out of memory. */
sm_status rank_report_compute(const sm_rank_config *c, const sm_regions *regions,
                              const int64_t *group_ptr, int64_t n_groups, const double *y,
                              const double *weight, const double *s, sm_rank_report *out,
                              sm_query_metrics *per_query, sm_error *err);

/* One metric chosen by name, for early stopping: "ndcg@K", "err@K" (without
 * "@K" the whole list), "map", "mrr", or "objective" (computed by the trainer);
 * for multi-class models "accuracy" (against class labels) and
 * "top1-agreement" (with the target distribution), the class report's
 * (class_metrics.h), also the trainer's; for one score a row "rmse" and
 * "mae", over every row or ("rmse:[35,inf)") the rows whose label lies in an
 * interval (metrics_error_sums, the trainer's). */
typedef enum {
    METRIC_OBJECTIVE = 0, METRIC_NDCG, METRIC_ERR, METRIC_MAP, METRIC_MRR, METRIC_ACCURACY,
    METRIC_TOP1_AGREEMENT, METRIC_RMSE, METRIC_MAE, METRIC_KIND_COUNT
} sm_metric_kind;
/* Names indexed by sm_metric_kind, NULL-terminated (names.h); ndcg and err
 * also take "@K". */
extern const char *const rank_metric_names[METRIC_KIND_COUNT + 1];
typedef struct {
    sm_metric_kind kind;
    int k;                              /* NDCG and ERR cutoff; 0 = whole list */
    int has_region;                     /* RMSE and MAE: only the labels in region */
    sm_interval region;
} sm_rank_metric;

sm_status rank_metric_parse(const char *text, sm_rank_metric *m, sm_error *err);
/* "ndcg@10", "map", ... (the canonical spelling). */
int rank_metric_format(const sm_rank_metric *m, char *buf, size_t size);
/* Larger is better for the ranking metrics, smaller for the objective. */
int rank_metric_higher_is_better(const sm_rank_metric *m);
/* Whether the metric is one of the class report's (accuracy, top1-agreement). */
int rank_metric_is_class(const sm_rank_metric *m);
/* Whether it is a ranking metric (ndcg, err, map, mrr: over query groups). */
int rank_metric_is_ranking(const sm_rank_metric *m);
/* Whether it is an error of the scores (rmse, mae). */
int rank_metric_is_error(const sm_rank_metric *m);
/* Mean of a ranking metric (not METRIC_OBJECTIVE nor a class metric) with the conventions of c
 * (its cutoffs are ignored), weighted as rank_report_compute's (weight may be NULL). */
/* For tests only. */
sm_status rank_metric_value(const sm_rank_metric *m, const sm_rank_config *c,
                            const int64_t *group_ptr, int64_t n_groups, const double *y,
                            const double *weight, const double *s, double *value, sm_error *err);
/* The same, and the weight of the queries the mean is over (those with a
 * gain for NDCG and ERR, with a relevant row for MAP and MRR; their count
 * without weights), so that the means of several parts of a data set can be
 * combined. */
sm_status rank_metric_value_counted(const sm_rank_metric *m, const sm_rank_config *c,
                                    const int64_t *group_ptr, int64_t n_groups, const double *y,
                                    const double *weight, const double *s, double *value,
                                    double *counted, sm_error *err);

#endif
