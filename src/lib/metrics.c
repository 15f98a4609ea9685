/* metrics.c - the per-region error report: statistics of the rows of each
 * label region, summed without drift. */
#include "metrics.h"

#include <math.h>
#include <string.h>

/* Neumaier's variant of Kahan summation: the running compensation also
 * captures the low bits when the new term is larger than the sum. Once the sum
 * is non-finite the compensation is meaningless (inf - inf), so it is dropped
 * and the inf or NaN is kept as the result. */
typedef struct {
    double sum, comp;
} compensated_sum;

static void csum_add(compensated_sum *a, double x)
{
    double t = a->sum + x;
    if (isfinite(t)) {
        if (fabs(a->sum) >= fabs(x))
            a->comp += (a->sum - t) + x;
        else
            a->comp += (x - t) + a->sum;
    }
    a->sum = t;
}

static double csum_total(const compensated_sum *a)
{
    return isfinite(a->sum) ? a->sum + a->comp : a->sum;
}

enum { SUM_LABEL, SUM_PRED, SUM_DIFF, SUM_ABS_DIFF, SUM_SQ_DIFF, SUM_LOSS, SUM_COUNT };

typedef struct {
    int64_t rows;
    double weight, hits; /* summed weights of the rows and of the hits */
    compensated_sum sum[SUM_COUNT];
} region_accumulator;

/* A row of weight w (1 without weights: w * x is x, the unweighted bits). */
static void accumulate(region_accumulator *acc, const double term[SUM_COUNT], int hit, double w)
{
    acc->rows++;
    acc->weight += w;
    acc->hits += hit ? w : 0.0;
    for (int k = 0; k < SUM_COUNT; k++)
        csum_add(&acc->sum[k], w * term[k]);
}

static void stats_finish(const region_accumulator *acc, sm_region_stats *st)
{
    st->rows = acc->rows;
    st->weight_sum = acc->weight;
    if (!(acc->weight > 0.0)) {
        st->mean_label = st->mean_pred = st->bias = st->mae = st->rmse = NAN;
        st->mean_loss = st->mean_sq = st->hit_rate = NAN;
        return;
    }
    double rows = acc->weight, mean[SUM_COUNT];
    for (int k = 0; k < SUM_COUNT; k++)
        mean[k] = csum_total(&acc->sum[k]) / rows;
    st->mean_label = mean[SUM_LABEL];
    st->mean_pred = mean[SUM_PRED];
    st->bias = mean[SUM_DIFF];
    st->mae = mean[SUM_ABS_DIFF];
    st->rmse = sqrt(mean[SUM_SQ_DIFF]);
    st->mean_loss = mean[SUM_LOSS];
    st->mean_sq = 0.5 * mean[SUM_SQ_DIFF];
    st->hit_rate = acc->hits / rows;
}

sm_status metrics_region_report(const sm_regions *regions, const sm_link *link,
                                const double *y, const double *w, const double *s, int64_t n,
                                sm_region_report *out, sm_error *err)
{
    if (!regions || !link || !out || n < 0 || (n > 0 && (!y || !s)))
        return sm_fail(err, SM_EFAIL, "metrics_region_report: invalid arguments");
    if (!regions_valid(regions))
        return sm_fail(err, SM_EFAIL,
                       "metrics_region_report: invalid regions (%d regions, boundaries must be "
                       "finite and strictly increasing)",
                       regions->n);

    region_accumulator acc[SM_MAX_REGIONS], all;
    memset(acc, 0, sizeof acc);
    memset(&all, 0, sizeof all);
    memset(out, 0, sizeof *out);
    out->regions = *regions;

    for (int64_t i = 0; i < n; i++) {
        double d = s[i] - y[i];
        const double term[SUM_COUNT] = {
            [SUM_LABEL] = y[i],
            [SUM_PRED] = s[i],
            [SUM_DIFF] = d,
            [SUM_ABS_DIFF] = fabs(d),
            [SUM_SQ_DIFF] = d * d,
            [SUM_LOSS] = link_loss(link, s[i], y[i]),
        };
        int label_region = regions_assign(regions, y[i]);
        int pred_region = regions_assign(regions, s[i]);
        /* A NaN lands in the last region only to be counted somewhere; it never hits. */
        int hit = label_region == pred_region && !isnan(s[i]) && !isnan(y[i]);
        double weight = w ? w[i] : 1.0;
        accumulate(&acc[label_region], term, hit, weight);
        accumulate(&all, term, hit, weight);
        out->confusion[label_region][pred_region]++;
    }

    for (int k = 0; k < regions->n; k++)
        stats_finish(&acc[k], &out->region[k]);
    stats_finish(&all, &out->all);
    return SM_OK;
}

void metrics_error_sums(const double *y, const double *w, const double *s, int64_t n,
                        const sm_interval *region, int squared, double sums[2])
{
    for (int64_t i = 0; i < n; i++) {
        if (region && !interval_contains(region, y[i]))
            continue;
        double e = fabs(s[i] - y[i]), wi = w ? w[i] : 1.0;
        sums[0] += wi * (squared ? e * e : e);
        sums[1] += wi;
    }
}
