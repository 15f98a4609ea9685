/* metrics.h - label regions and the per-region error report (smloss-losses(7), REGIONS and PER-REGION REPORT).
 *
 * Regions partition the label axis by boundaries b1 < ... < b(r-1):
 * region 0 is (-inf, b1), region i is [b_i, b_(i+1)), the last is [b(r-1), inf).
 * Every row is assigned by its label, and its prediction is assigned too, for
 * the confusion matrix (label region x prediction region).
 *
 * This module only computes; report.h formats. Nothing here prints.
 */
#ifndef SM_METRICS_H
#define SM_METRICS_H

#include <stdint.h>

#include "error.h"
#include "link.h"

#define SM_MAX_REGIONS 32

typedef enum {
    REGIONS_GIVEN = 0,     /* --regions b1,b2,... */
    REGIONS_DISTINCT,      /* one region per distinct label value (<= 10 values) */
    REGIONS_QUARTILES      /* quartiles of the labels */
} sm_regions_origin;

typedef struct {
    int n;                              /* number of regions, >= 1 */
    double bound[SM_MAX_REGIONS - 1];   /* n - 1 strictly increasing boundaries */
    sm_regions_origin origin;
} sm_regions;

/* Parse "b1,b2,..." (strictly increasing finite numbers, at most
 * SM_MAX_REGIONS - 1 of them). SM_EUSAGE with a message quoting the bad part. */
sm_status regions_parse(const char *text, sm_regions *r, sm_error *err);

/* Choose regions from labels: one per distinct value if there are at most 10
 * (boundaries at the distinct values above the smallest), else the quartiles
 * (boundaries at the 25th, 50th, 75th percentiles, duplicates dropped).
 * n == 0 gives a single region. */
void regions_from_labels(const double *y, int64_t n, sm_regions *r);

/* The same choice, but reporting a failure to allocate the sorted copy that the
 * quartiles need (SM_EFAIL) instead of falling back to a single region, which
 * is what regions_from_labels does then. Non-finite labels are ignored. */
sm_status regions_choose_from_labels(const double *y, int64_t n, sm_regions *r, sm_error *err);

/* Index of the region holding v (binary search); a boundary belongs to the region
 * above it. NaN goes to the last region, where IEEE totalOrder puts it (above +inf). */
int regions_assign(const sm_regions *r, double v);

/* "b1,b2,..." in shortest exact form (numfmt.h), empty for a single region. */
int regions_format(const sm_regions *r, char *buf, size_t size);
const char *regions_origin_name(sm_regions_origin o);

typedef struct {
    int64_t rows;
    double mean_label, mean_pred;
    double bias;        /* mean of s - y */
    double mae, rmse;
    double mean_loss;   /* mean selective (matching) loss L(s, y) */
    double mean_sq;     /* mean square loss (s - y)^2 / 2, the lin divergence */
    double hit_rate;    /* share of rows whose prediction lands in the same region */
} sm_region_stats;

typedef struct {
    sm_regions regions;
    sm_region_stats region[SM_MAX_REGIONS];
    sm_region_stats all;                            /* every row together */
    int64_t confusion[SM_MAX_REGIONS][SM_MAX_REGIONS]; /* [label region][pred region] */
} sm_region_report;

/* Compute the report for n rows with labels y and predictions s, the selective
 * loss given by link. Sums are accumulated in double with compensated (Kahan)
 * summation so that means do not drift on large files. */
sm_status metrics_region_report(const sm_regions *regions, const sm_link *link,
                                const double *y, const double *s, int64_t n,
                                sm_region_report *out, sm_error *err);

#endif
