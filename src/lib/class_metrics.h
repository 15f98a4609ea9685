/* class_metrics.h - how well K class scores per example match a class label
 * or a target distribution over the classes (the class report).
 *
 * Scores are row-major n x K. Every order below is by score, highest first,
 * with ties broken pessimistically: among equal scores the class that should
 * come later (not the labelled class; the lower target probability) comes
 * first, so a constant model never looks good.
 *
 * Against a class label c (labels[i] in 0 .. K-1, or CLASS_NOT_IN_MODEL for a
 * class the model does not have, as liblinear counts it: always wrong):
 *   accuracy       share of rows whose top class is c
 *   top-k accuracy share of rows with c among the k top classes
 *   confusion      K x K counts [label class][top class]; the rows of a class
 *                  not in the model are counted apart, by top class
 *   precision, recall, F1 per class (a row of a class not in the model is a
 *   wrong prediction of its top class), and their macro means over the
 *   model's classes that have rows or predictions (NaN where a class has
 *   neither).
 * Against a target distribution q (row-major n x K, e.g. a teacher's softmax):
 *   top-1 agreement  share of rows whose top class is the target's top class
 *   top-k overlap    mean of |top k by score  ∩  top k by target| / k
 *   NDCG@k           gains q_k, discount 1/log2(rank + 1), ideal order by q
 *   band order accuracy: the target's ranks are cut into bands (default:
 *                    rank 1, ranks 2-3, the rest); for every pair of classes
 *                    with q_i > q_j, counted under [band(i)][band(j)], the
 *                    share scored strictly in the target's order.
 * Ties in q are ordered by class index for the target's own order; a pair
 * with q_i == q_j has no order and is not counted.
 *
 * Against a label c, from the model's class probabilities p (a row of K
 * summing to 1; rows of a class not in the model are left out):
 *   log-loss       mean of -ln max(p_c, 1e-15) (the clip keeps a confident
 *                  mistake finite, as scikit-learn's historical default)
 *   Brier score    mean of sum_k (p_k - [k = c])^2, in [0, 2] (Brier's own
 *                  multi-class form: twice scikit-learn's 2-class
 *                  brier_score_loss)
 *   For K = 2, the second class positive, ranked by p_2:
 *   ROC AUC        the share of (positive, negative) pairs that p_2 orders
 *                  right, a tie counting 1/2 (Mann-Whitney); NaN without
 *                  both classes
 *   PR AUC         average precision: sum over the distinct values of p_2,
 *                  highest first, of (recall gained) x (precision at that
 *                  threshold), tied rows entering together (scikit-learn's
 *                  average_precision_score); NaN without positives
 *
 * With row weights, the shares and means above (accuracy, top-k accuracy,
 * top-1 agreement, top-k overlap, NDCG@k, log-loss, Brier score) are
 * weighted by the rows' weights, and so are the pairs of the ROC AUC and the
 * counts of the PR AUC;
 * the confusion matrix, precision, recall, F1 and the band pairs count rows.
 *
 * This module only computes; nothing here prints.
 */
#ifndef SM_CLASS_METRICS_H
#define SM_CLASS_METRICS_H

#include <stdint.h>

#include "error.h"

#define CLASS_MAX_CUTOFFS 8
#define CLASS_MAX_BANDS 8
/* the label index of a row whose class the model does not have */
#define CLASS_NOT_IN_MODEL (-1)

typedef struct {
    int n_cutoffs;
    int cutoff[CLASS_MAX_CUTOFFS]; /* k of top-k accuracy, top-k overlap and NDCG@k */
    int n_bands;
    int band_end[CLASS_MAX_BANDS]; /* band b holds target ranks band_end[b-1]+1 .. band_end[b];
                                      the last band runs to rank K */
} sm_class_config;

/* Cutoffs 1, 2, 3, 5; bands: rank 1, ranks 2-3, the rest (band_end 1, 3). */
void class_config_default(sm_class_config *c);
/* "e1,e2,..." strictly increasing whole numbers >= 1: the last rank of each
 * band but the last (the default is "1,3"). SM_EUSAGE quoting the bad part. */
sm_status class_bands_parse(const char *text, sm_class_config *c, sm_error *err);

typedef struct {
    sm_class_config config;
    int64_t rows;
    double weight;                  /* the rows' total weight (their count without
                                       weights): what the shares and means divide by */
    int n_classes;
    /* against labels (has_labels) */
    int has_labels;
    double accuracy;
    double top_k[CLASS_MAX_CUTOFFS];
    int64_t *confusion;             /* K x K, [label][top class] */
    int64_t *support;               /* rows per label class */
    int64_t *not_in_model;          /* rows of classes not in the model, by top class */
    int64_t not_in_model_rows;      /* their total */
    double *precision, *recall, *f1;/* per class; NaN when undefined */
    double macro_precision, macro_recall, macro_f1;
    /* from the model's probabilities (has_probs, class_report_probs) */
    int has_probs;
    double log_loss, brier;
    double roc_auc, pr_auc;         /* K = 2 only, else NaN */
    /* against a target distribution (has_target) */
    int has_target;
    double top1_agreement;
    double overlap[CLASS_MAX_CUTOFFS];
    double ndcg[CLASS_MAX_CUTOFFS];
    int n_bands;                    /* bands actually present (<= K) */
    int64_t band_pairs[CLASS_MAX_BANDS][CLASS_MAX_BANDS];   /* [higher band][lower band] */
    int64_t band_ordered[CLASS_MAX_BANDS][CLASS_MAX_BANDS];
} sm_class_report;

/* The report of n rows of K >= 2 scores s. labels (n class indices in
 * 0 .. K-1 or CLASS_NOT_IN_MODEL), q (n x K probabilities) and weight (n weights >= 0) may each be
 * NULL. Cutoffs above K
 * count as K and each effective cutoff is kept once (out->config holds them). SM_EFAIL when out of memory, SM_EUSAGE for a label out of
 * range. The report owns arrays: class_report_free. */
sm_status class_report_compute(const sm_class_config *c, const double *s, int64_t n, int K,
                               const int32_t *labels, const double *q, const double *weight,
                               sm_class_report *out, sm_error *err);
void class_report_free(sm_class_report *r);

/* Add the figures of the model's class probabilities p (n x K, rows summing
 * to 1) against labels (as for class_report_compute, which filled r) to r:
 * log-loss, Brier score, and for K = 2 the ROC and PR AUC. SM_EFAIL when out
 * of memory. */
sm_status class_report_probs(sm_class_report *r, const double *p, int64_t n,
                             const int32_t *labels, const double *weight, sm_error *err);

/* The index of the largest of s[0..K) (the first on ties): the predicted
 * class of a row when there is no label to be pessimistic about. */
int class_argmax(const double *s, int K);

#endif
