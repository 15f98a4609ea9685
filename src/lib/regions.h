/* regions.h - label regions (smloss-losses(7), REGIONS): the partition of the label axis that reports
 * and ranking metrics are broken down by.
 *
 * Boundaries b1 < ... < b(r-1) make r regions: region 0 is (-inf, b1),
 * region i is [b_i, b_(i+1)), the last is [b(r-1), inf). They are given
 * (--regions), or chosen from the labels: one region per distinct label when
 * there are few (grades, star ratings), else the label quartiles. A model
 * records its regions and where they came from.
 */
#ifndef SM_REGIONS_H
#define SM_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SM_MAX_REGIONS 32

typedef enum {
    REGIONS_GIVEN = 0,     /* --regions b1,b2,... */
    REGIONS_DISTINCT,      /* one region per distinct label value (<= 10 values) */
    REGIONS_QUARTILES,     /* quartiles of the labels */
    REGIONS_TIED_QUARTILES, /* quartiles that coincide, regions split at medians */
    REGIONS_ORIGIN_COUNT
} sm_regions_origin;

typedef struct {
    int n;                              /* number of regions, >= 1 */
    double bound[SM_MAX_REGIONS - 1];   /* n - 1 strictly increasing boundaries */
    sm_regions_origin origin;
} sm_regions;

/* One interval of the label axis as a user writes it: "[35,inf)",
 * "(-inf,20)", "[20,35]" (--emphasize, --metric rmse:INTERVAL). */
typedef struct {
    double lower, upper;           /* lower < upper; -inf and inf allowed */
    int lower_closed, upper_closed;
} sm_interval;

/* The interval text[0..len) ends with its closing bracket. NULL, or what is
 * wrong, with *at the offset in text the problem is at. */
const char *interval_parse(const char *text, size_t len, sm_interval *iv, size_t *at);
/* Whether v lies in iv (NaN never does). */
int interval_contains(const sm_interval *iv, double v);
/* "[35, inf)" without the space, numbers in shortest exact form; the length
 * (snprintf-style). */
int interval_format(const sm_interval *iv, char *buf, size_t size);

/* Parse "b1,b2,..." (strictly increasing finite numbers, at most
 * SM_MAX_REGIONS - 1 of them; empty: a single region). SM_EUSAGE with a
 * message quoting the bad part. The origin is REGIONS_GIVEN. */
sm_status regions_parse(const char *text, sm_regions *r, sm_error *err);

/* Choose regions from labels (regions_from_labels is what train and eval
 * use; this variant, which reports running out of memory, is exposed for
 * tests): one per distinct value if there are at most 10
 * (boundaries at the distinct values above the smallest), else the quartiles
 * (boundaries at the 25th, 50th, 75th percentiles, by linear interpolation as
 * R and NumPy do, duplicates dropped). Where quartiles coincide (a mass of
 * tied labels, e.g. 90% zeros) the regions are completed to 4 while some
 * region holds two distinct labels: the region with the most labels is split
 * at its median, or just above its smallest label when that is the median,
 * so tied labels share a region (origin REGIONS_TIED_QUARTILES). n == 0
 * gives a single region.
 * Non-finite labels are ignored. SM_EFAIL when out of memory for the copy
 * that the quartiles are selected in. */
/* For tests only. */
sm_status regions_choose_from_labels(const double *y, int64_t n, sm_regions *r, sm_error *err);
/* The same, falling back to a single region when out of memory. */
void regions_from_labels(const double *y, int64_t n, sm_regions *r);

/* Index of the region holding v (binary search); a boundary belongs to the region
 * above it. NaN goes to the last region, where IEEE totalOrder puts it (above +inf). */
int regions_assign(const sm_regions *r, double v);
/* True when r has 1 .. SM_MAX_REGIONS regions and finite, strictly
 * increasing boundaries. */
int regions_valid(const sm_regions *r);

/* "b1,b2,..." in shortest exact form (numfmt.h), empty for a single region;
 * returns the length (snprintf-style). */
int regions_format(const sm_regions *r, char *buf, size_t size);
/* Region i of r as an interval, e.g. "(-inf, 10)", "[10, 20)", "[20, inf)", with
 * each boundary in the shortest form that reads back to the same double (the
 * reports' and the --folds table's cells). Returns the length (snprintf-style). */
int regions_interval_format(const sm_regions *r, int i, char *buf, size_t size);
/* "given", "distinct-labels", "label-quartiles", "tied-label-quartiles" (as in
 * model files). */
const char *regions_origin_name(sm_regions_origin o);
int regions_origin_parse(const char *name); /* -1 when unknown */

#endif
