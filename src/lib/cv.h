/* cv.h - k-fold cross-validation of a training configuration.
 *
 * cv_split deals the units of a data set (its rows, or its queries when it
 * has query groups, so a query is never cut) into k folds: the units are
 * shuffled by the seeded generator and dealt out in turn, so the folds differ
 * by at most one unit and the same seed gives the same folds. Classes are not
 * stratified. cv_run trains the configuration on all folds but one and
 * evaluates the model on that one, for each fold, as `smloss eval` would
 * (eval.h), and keeps the report's main figures of each fold:
 *   pointwise:             RMSE and MAE of each label region and of all rows,
 *                          and NDCG@k (the rank config's cutoffs) when the
 *                          data has query groups;
 *   pairwise, listwise:    NDCG@k;
 *   multi-class:           accuracy.
 * Nothing here prints.
 */
#ifndef SM_CV_H
#define SM_CV_H

#include <stdint.h>

#include "classes.h"
#include "dataset.h"
#include "error.h"
#include "rank_metrics.h"
#include "regions.h"
#include "train.h"

#define CV_MAX_FIGURES (2 * SM_MAX_REGIONS + 2 + RANK_MAX_CUTOFFS)

/* The fold (0 .. k-1) of each of ds's n_rows rows into fold. SM_EUSAGE when
 * k < 2 or there are fewer units than k. */
/* For tests only. */
sm_status cv_split(const sm_dataset *ds, int k, uint64_t seed, int32_t *fold, sm_error *err);

/* A data set of its own (dataset_free it) with the rows of ds whose fold is
 * f (in_fold) or is not f (!in_fold), in their order, with their groups,
 * qids, targets and weights. */
/* For tests only. */
sm_status cv_subset(const sm_dataset *ds, const int32_t *fold, int f, int in_fold,
                    sm_dataset *out, sm_error *err);

typedef struct {
    int n_folds, n_figures;
    uint64_t seed;                   /* of the folds */
    int by_query;                    /* the folds are whole queries, not rows */
    char name[CV_MAX_FIGURES][40];   /* e.g. "RMSE [20, 35)", "NDCG@10", "accuracy" */
    int64_t *rows;                   /* n_folds: the held-out rows of each fold */
    double *value;                   /* n_folds x n_figures */
} sm_cv_result;

/* k-fold cross-validation of cfg on ds (labels transformed already; the
 * figures are in those units), with the regions of the region report, the
 * classes of a multi-class objective (else NULL) and the ranking metrics'
 * conventions. cfg must not stop early (it has no validation data). The
 * folds come from cv_split with cfg->seed. out is filled (cv_result_free it,
 * also after a failure); a fold's training failure is returned with the
 * fold named. */
sm_status cv_run(const sm_dataset *ds, const sm_train_config *cfg, const sm_regions *regions,
                 const sm_classes *classes, const sm_rank_config *rank, int k,
                 sm_cv_result *out, sm_error *err);
void cv_result_free(sm_cv_result *r);

/* Mean and sample standard deviation (n - 1; 0 for one value) of figure j
 * over the folds. */
void cv_figure_stats(const sm_cv_result *r, int j, double *mean, double *std);

#endif
