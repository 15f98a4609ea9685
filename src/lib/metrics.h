/* metrics.h - the per-region error report (smloss-losses(7), PER-REGION REPORT).
 *
 * Every row is assigned to a label region (regions.h) by its label, and its
 * prediction is assigned too, for the confusion matrix (label region x
 * prediction region).
 *
 * This module only computes; report.h formats. Nothing here prints.
 */
#ifndef SM_METRICS_H
#define SM_METRICS_H

#include <stdint.h>

#include "error.h"
#include "link.h"
#include "regions.h"

typedef struct {
    int64_t rows;       /* the means below are weighted by the rows' weights */
    double mean_label, mean_pred;
    double bias;        /* mean of s - y */
    double mae, rmse;
    double mean_loss;   /* mean selective (matching) loss L(s, y) */
    double mean_sq;     /* mean square loss (s - y)^2 / 2, the lin divergence */
    double hit_rate;    /* share of rows whose prediction lands in the same region */
    double weight_sum;  /* the rows' summed weight (rows without weights); the
                         * means are NaN when it is 0 */
    double slope;       /* with emphasis: mean h'(y) of the link over the rows */
    double weight;      /* with emphasis: mean weight asked for (emphasize.h) */
} sm_region_stats;

typedef struct {
    sm_regions regions;
    sm_region_stats region[SM_MAX_REGIONS];
    sm_region_stats all;                            /* every row together */
    int64_t confusion[SM_MAX_REGIONS][SM_MAX_REGIONS]; /* [label region][pred region], rows */
    int emphasis;                                   /* slope and weight are set */
} sm_region_report;

/* Compute the report for n rows with labels y, weights w (NULL: 1 each;
 * finite, >= 0) and predictions s, the selective loss given by link: every
 * mean is sum_i w_i x_i / sum_i w_i over the region's rows, the hit rate
 * too; rows and the confusion matrix count rows. Sums are accumulated in double with compensated (Kahan)
 * summation so that means do not drift on large files. */
sm_status metrics_region_report(const sm_regions *regions, const sm_link *link,
                                const double *y, const double *w, const double *s, int64_t n,
                                sm_region_report *out, sm_error *err);

/* The sums of RMSE and MAE (squared: RMSE's) of scores s against labels y
 * over the rows whose label lies in region (NULL: every row), weighted by w
 * (NULL: 1 each): sums[0] += w |s - y|^p (p = 2 or 1), sums[1] += w. The mean
 * is sums[0] / sums[1] (its root for RMSE); summed over ranks first. */
void metrics_error_sums(const double *y, const double *w, const double *s, int64_t n,
                        const sm_interval *region, int squared, double sums[2]);

#endif
