/* objective_listwise.c - the listwise objective: per query, KL(q || p)
 * between a target distribution q (matched, gains, or probabilities for the
 * composite softmax) and the softmax p of the transformed scores
 * (objective.h). */
#include "objective_kind.h"

#include <math.h>

static const double LN2 = 0.69314718055994530942;

/* The softmax of v[0..n) as probabilities p and, unless logp is NULL,
 * log-probabilities logp, stable by the max shift: n exponentials and one
 * logarithm. p or logp may be v itself (not each other). A -inf entry (no
 * gain) gets p = 0 and logp = -inf. */
static void softmax(const double *v, int64_t n, double *p, double *logp)
{
    double mx = -INFINITY, sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        mx = v[i] > mx ? v[i] : mx;
    for (int64_t i = 0; i < n; i++) {
        double shifted = v[i] - mx;
        if (logp)
            logp[i] = shifted;
        p[i] = exp(shifted);
        sum += p[i];
    }
    double log_sum = log(sum), inv_sum = 1.0 / sum;
    for (int64_t i = 0; i < n; i++) {
        if (logp)
            logp[i] -= log_sum;
        p[i] *= inv_sum;
    }
}

/* log(2^y - 1) for y > 0 without overflow or cancellation; -inf otherwise
 * (labels at or below 0 have no gain). */
static double log_gain(double y)
{
    return y > 0.0 ? y * LN2 + log(-expm1(-y * LN2)) : -INFINITY;
}

/* The target q (and log q unless logq is NULL) of a query; fy holds f(y)/T
 * on entry and may be q or logq. The matched softmax of f(y)/T, or the
 * normalised gains. Returns 0 when the query has no target (no positive
 * gain). */
static int listwise_target(const sm_objective *obj, const double *y, int64_t n, double *fy,
                           double *q, double *logq)
{
    if (obj->target == TARGET_PROB) { /* fy may be q or logq: read only y */
        for (int64_t i = 0; i < n; i++) {
            double t = y[i];
            q[i] = t;
            if (logq)
                logq[i] = t > 0.0 ? log(t) : -INFINITY;
        }
        return 1;
    }
    if (obj->target == TARGET_GAIN) {
        int any = 0;
        for (int64_t i = 0; i < n; i++) {
            fy[i] = log_gain(y[i]);
            any |= fy[i] > -INFINITY;
        }
        if (!any)
            return 0;
    }
    softmax(fy, n, q, logq);
    return 1;
}

int objective_listwise_target(const sm_objective *obj, const double *y, int64_t n, double *q)
{
    for (int64_t i = 0; i < n; i++)
        q[i] = link_h(&obj->link, y[i]) / obj->temperature;
    return listwise_target(obj, y, n, q, q, NULL);
}

/* One query: KL(q || p) (when want_loss) and, when ds is given, weight times
 * its gradient f'(s_i) (p_i - q_i) / T added to ds; 3n exponentials in all.
 * w->buf holds f(s)/T, log q, f'(s)/T, q and p (5n). */
double objective_listwise_pass(const sm_objective *obj, const double *s, const double *y,
                               int64_t n, double weight, double *ds, int want_loss,
                               int64_t *units, sm_objective_work *w)
{
    double *fs, *logq, *slope, *q = w->buf + 3 * n, *p = w->buf + 4 * n;
    *units = 0;
    if (n < 2)
        return 0.0;
    objective_transform_query(obj, s, y, n, w, &fs, &logq, &slope);
    if (!listwise_target(obj, y, n, logq, q, logq))
        return 0.0;
    softmax(fs, n, p, fs); /* fs is log p from here */
    *units = 1;
    double kl = 0.0;
    if (want_loss)
        for (int64_t i = 0; i < n; i++)
            if (q[i] > 0.0)
                kl += q[i] * (logq[i] - fs[i]);
    if (ds)
        for (int64_t i = 0; i < n; i++)
            ds[i] += weight * slope[i] * (p[i] - q[i]);
    return kl;
}

/* Two rows and a target: with the gain target, a positive gain. */
static int has_list_target(const sm_objective *obj, const double *y, int64_t n)
{
    if (n < 2)
        return 0;
    if (obj->target != TARGET_GAIN)
        return 1;
    for (int64_t i = 0; i < n; i++)
        if (y[i] > 0.0)
            return 1;
    return 0;
}

const objective_kind objective_listwise = {
    .unit = UNIT_QUERY,
    .help = "per query, KL(q||softmax(f(s)/T)); a mean\n"
            "over the queries of >= 2 rows that have a target",
    .default_metric = METRIC_NDCG, .default_batch = 1,
    .units_noun = "queries with rows of different labels", .default_target = TARGET_MATCHED, .other_target = TARGET_GAIN,
    .curvature_at_target = 1, .shift_invariant = 1, .pass = objective_listwise_pass,
    .is_unit = has_list_target, .label_curvature = objective_row_curvature,
    .start_scores = objective_label_start_score};
