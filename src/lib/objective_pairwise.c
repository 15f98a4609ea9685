/* objective_pairwise.c - the pairwise objective: per query, the mean over
 * its pairs y_i > y_j of a Bernoulli KL of the transformed score difference,
 * with sampled pairs for long queries (objective.h). */
#include "objective_kind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* KL(Bern(sigma(e)) || Bern(sigma(d))) is the matching loss of the plain
 * sigmoid link at (d, e): reuse its cancellation-free evaluation. */
static const sm_link *bernoulli_kl_link(void)
{
    static const sm_link sigmoid = {1, {{.kind = LINK_SIGMOID, .w = 1.0, .a = 1.0, .c = 0.0}}};
    return &sigmoid;
}

static double softplus(double u) { return fmax(u, 0.0) + log1p(exp(-fabs(u))); }
static double sigmoid(double u)
{
    return u >= 0 ? 1.0 / (1.0 + exp(-u)) : exp(u) / (1.0 + exp(u));
}

/* d loss / d d of a pair with score logit d and target logit e (e is
 * ignored by the hard target), and the loss itself. */
static void pair_loss_grad(const sm_objective *obj, double d, double e, double *dloss_dd)
{
    *dloss_dd = sigmoid(d) - (obj->target == TARGET_SOFT ? sigmoid(e) : 1.0);
}

static double pair_loss(const sm_objective *obj, double d, double e, double *dloss_dd)
{
    if (dloss_dd)
        pair_loss_grad(obj, d, e, dloss_dd);
    return obj->target == TARGET_SOFT ? link_loss(bernoulli_kl_link(), d, e) : softplus(-d);
}

/* Sort row indices by label, descending, ties by index (insertion sort for
 * short lists, qsort of (label, index) pairs in scratch[2n] otherwise). */
static void order_by_label_desc(const double *y, int64_t *idx, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        idx[i] = i;
    for (int64_t i = 1; i < n; i++) {
        int64_t v = idx[i], k = i;
        while (k > 0 && y[idx[k - 1]] < y[v]) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = v;
    }
}

static int cmp_desc_label_ctx_free(const void *a, const void *b)
{
    const double *pa = a, *pb = b; /* (label, index) pairs */
    if (pa[0] != pb[0])
        return pa[0] < pb[0] ? 1 : -1;
    return pa[1] < pb[1] ? -1 : pa[1] > pb[1];
}

static void sort_by_label_desc(const double *y, int64_t *idx, int64_t n, double *scratch)
{
    if (n <= 64) {
        order_by_label_desc(y, idx, n);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        scratch[2 * i] = y[i];
        scratch[2 * i + 1] = (double)i;
    }
    qsort(scratch, (size_t)n, 2 * sizeof *scratch, cmp_desc_label_ctx_free);
    for (int64_t i = 0; i < n; i++)
        idx[i] = (int64_t)scratch[2 * i + 1];
}

/* The pairs of a query in a fixed order: by the sorted position k of the
 * higher-labelled row, then by the position of the lower one, which is one of
 * the rows after k with a strictly lower label (always the last ones).
 * cum[k] counts the pairs whose higher row sits at positions 0..k, so the
 * pair numbered u (0-based) is found by binary search. Returns the pairs. */
static int64_t enumerate_pairs(const double *y, int64_t n, sm_objective_work *w, double **cum)
{
    int64_t *idx = w->idx;
    *cum = w->buf + 3 * n;
    sort_by_label_desc(y, idx, n, w->buf + 4 * n);
    int64_t pairs = 0;
    for (int64_t k = n - 1, first_lower = n; k >= 0; k--) {
        if (k + 1 < n && y[idx[k]] > y[idx[k + 1]])
            first_lower = k + 1;
        (*cum)[k] = (double)(n - first_lower);
    }
    for (int64_t k = 0; k < n; k++) {
        pairs += (int64_t)(*cum)[k];
        (*cum)[k] = (double)pairs;
    }
    return pairs;
}

static void pair_at(const double *cum, const int64_t *idx, int64_t n, int64_t u, int64_t *i,
                    int64_t *j)
{
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (cum[mid] > (double)u)
            hi = mid;
        else
            lo = mid + 1;
    }
    int64_t before = lo ? (int64_t)cum[lo - 1] : 0;
    int64_t count = (int64_t)cum[lo] - before;
    *i = idx[lo];
    *j = idx[n - count + (u - before)];
}

/* One pass over a query's pairs: the mean pair loss (when want_loss) and,
 * when ds is given, weight * its gradient added to ds. With max_pairs below
 * the number of pairs, the gradient uses pairs drawn uniformly with
 * replacement (unbiased) and the loss an evenly spaced, fixed selection of
 * pairs in the enumeration order, so the reported objective is the same
 * estimate every epoch and costs O(max_pairs), not O(n^2). */
static double pairwise_pass(const sm_objective *obj, const double *s, const double *y, int64_t n,
                            double weight, double *ds, int want_loss, int64_t *units,
                            sm_objective_work *w)
{
    double *fs, *fy, *slope, *cum, sum = 0.0;
    *units = 0;
    objective_transform_query(obj, s, y, n, w, &fs, &fy, &slope);
    int64_t pairs = enumerate_pairs(y, n, w, &cum);
    if (pairs == 0)
        return 0.0;
    *units = 1;
    int sampled = obj->max_pairs > 0 && obj->max_pairs < pairs;
    int64_t used = sampled ? obj->max_pairs : pairs;
    double wp = weight / (double)used;
    for (int64_t t = 0; t < used; t++) {
        int64_t i, j, u = t;
        if (sampled)
            u = ds ? (int64_t)rng_below(&w->rng, (uint64_t)pairs)
                   : (int64_t)(((double)t + 0.5) * (double)pairs / (double)used);
        pair_at(cum, w->idx, n, u, &i, &j);
        double g, d = fs[i] - fs[j], e = fy[i] - fy[j];
        if (want_loss)
            sum += pair_loss(obj, d, e, ds ? &g : NULL);
        else
            pair_loss_grad(obj, d, e, &g);
        if (ds) {
            ds[i] += wp * g * slope[i];
            ds[j] -= wp * g * slope[j];
        }
    }
    return sum / (double)used;
}

/* A pair of different labels. */
static int has_pair(const sm_objective *obj, const double *y, int64_t n)
{
    (void)obj;
    for (int64_t i = 1; i < n; i++)
        if (y[i] != y[0])
            return 1;
    return 0;
}

const objective_kind objective_pairwise = {
    .unit = UNIT_QUERY,
    .help = "per query, mean over pairs y_i > y_j of\n"
            "KL(Bern(q)||Bern(sigma((f(s_i)-f(s_j))/T))), a\n"
            "mean over the queries that have a pair",
    .default_metric = METRIC_NDCG, .default_batch = 1,
    .units_noun = "queries with rows of different labels", .default_target = TARGET_HARD, .other_target = TARGET_SOFT,
    .samples_pairs = 1, .shift_invariant = 1, .pass = pairwise_pass, .is_unit = has_pair,
    .label_curvature = objective_row_curvature, .start_scores = objective_label_start_score};
