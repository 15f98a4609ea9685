/* emphasize.h - per-region importance stated by the user, compiled into a
 * link whose slope follows it (smloss-losses(7), EMPHASIS).
 *
 * A spec is comma-separated items: INTERVAL=WEIGHT (e.g. "[35,inf)=10",
 * "(-inf,20)=0.2,[20,35)=1"), or bare weights, one per label region in order
 * ("1,1,10": the regions of --regions or the default ones), and optionally
 * "width=W", the width over which a step of the weight is spread. Intervals
 * must not overlap; the label axis they leave uncovered has weight 1.
 *
 * The compiled link is one pwl term with ramps (smloss-losses(7), LINKS): a
 * knot at every boundary where the weight changes, the slope there the
 * weight of each region, moving linearly from one weight to the next over the
 * width centred on the boundary, so h' is continuous. The width is cut to
 * half the distance to a neighbouring boundary, so the middle half of every
 * region has exactly its weight. Nothing here prints.
 */
#ifndef SM_EMPHASIZE_H
#define SM_EMPHASIZE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "link.h"
#include "metrics.h"
#include "regions.h"

/* The default width as a share of the label spread (largest - smallest label). */
#define EMPHASIS_WIDTH_SHARE 0.05
/* Longest canonical spec (emphasis_format). */
#define EMPHASIS_SPEC_MAX 2048

typedef struct {
    int n;                            /* pieces of the label axis, >= 1 (0: weights
                                       * given for the regions, not yet resolved) */
    double bound[SM_MAX_REGIONS - 1]; /* n - 1 strictly increasing boundaries */
    double weight[SM_MAX_REGIONS];    /* > 0, one per piece (or per region) */
    int n_weights;                    /* bare weights: how many were given */
    double width;                     /* >= 0, or NaN: not given (the default) */
} sm_emphasis;

/* Parse a spec. SM_EUSAGE with a message naming the column (1-based, in the
 * spec) and the item, e.g. "column 9: weight must be a number > 0 in '[35,inf)=0'". */
sm_status emphasis_parse(const char *spec, sm_emphasis *e, sm_error *err);

/* Complete a parsed spec: bare weights take the boundaries of regions (one
 * weight per region, else SM_EUSAGE; regions may be NULL only when the spec
 * has intervals), and a width not given becomes EMPHASIS_WIDTH_SHARE times
 * spread. */
sm_status emphasis_resolve(sm_emphasis *e, const sm_regions *regions, double spread,
                           sm_error *err);

/* The smallest and largest finite values of y (inf and -inf for none). */
void emphasis_range(const double *y, int64_t n, double *lo, double *hi);
/* Largest minus smallest finite value of y (0 for fewer than two). */
/* For tests only. */
double emphasis_spread(const double *y, int64_t n);

/* The weight asked for at z (a boundary belongs to the piece above). */
/* For tests only. */
double emphasis_weight(const sm_emphasis *e, double z);

/* The link of a resolved spec (lin:w=W when every weight is W). */
sm_status emphasis_compile(const sm_emphasis *e, sm_link *link, sm_error *err);

/* The canonical spec of a resolved one: every piece as an interval, and the
 * width, numbers in shortest exact form, so that emphasis_parse reproduces
 * it. Returns the length (snprintf-style). */
int emphasis_format(const sm_emphasis *e, char *buf, size_t size);

/* Into each region's stats (and rep->all): slope, the mean of the link's h'
 * over the region's labels y, and weight, the mean weight asked for there,
 * both weighted by the rows' sample weights w (NULL: 1 each) as the report's
 * other means are; NaN for a region without weight. Sets rep->emphasis. */
void emphasis_report(const sm_emphasis *e, const sm_link *link, const double *y, const double *w,
                     int64_t n, sm_region_report *rep);

#endif
