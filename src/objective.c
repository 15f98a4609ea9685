#include "objective.h"
#include "names.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const objective_kind_names[OBJ_KIND_COUNT + 1] = {
    [OBJ_POINTWISE] = "pointwise", [OBJ_PAIRWISE] = "pairwise", [OBJ_LISTWISE] = "listwise",
    [OBJ_MULTICLASS] = "multiclass", [OBJ_MULTICLASS_POINTWISE] = "multiclass-pointwise"};
const char *const objective_target_names[TARGET_KIND_COUNT + 1] = {
    [TARGET_DEFAULT] = "default", [TARGET_HARD] = "hard", [TARGET_SOFT] = "soft",
    [TARGET_MATCHED] = "matched", [TARGET_GAIN] = "gain", [TARGET_PROB] = "prob"};

int objective_kind_parse(const char *name) { return names_find(objective_kind_names, name); }
const char *objective_kind_name(sm_objective_kind k) { return objective_kind_names[k]; }
int objective_target_parse(const char *name) { return names_find(objective_target_names, name); }
const char *objective_target_name(sm_target_kind t) { return objective_target_names[t]; }
void objective_work_init(sm_objective_work *w, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    rng_seed(&w->rng, seed);
}

sm_status objective_work_reserve(sm_objective_work *w, int64_t n, sm_error *err)
{
    if (n <= w->cap)
        return SM_OK;
    /* buf holds 6 arrays of n doubles: transformed scores, labels and slopes,
     * then pair counts and 2n of sort scratch (pairwise) or q and p
     * (listwise); idx one array of n indices. */
    double *buf = realloc(w->buf, (size_t)n * 6 * sizeof *buf);
    if (buf)
        w->buf = buf;
    int64_t *idx = realloc(w->idx, (size_t)n * sizeof *idx);
    if (idx)
        w->idx = idx;
    if (!buf || !idx)
        return sm_fail(err, SM_EFAIL, "out of memory for a query of %lld rows", (long long)n);
    w->cap = n;
    return SM_OK;
}

void objective_work_free(sm_objective_work *w)
{
    free(w->buf);
    free(w->idx);
    memset(w, 0, sizeof *w);
}

/* ---- pointwise ---- */

/* Rows: sum of L(s_i, y_i) (when want_loss) and, when ds is given,
 * weight * (h(s_i) - h(y_i)) added to ds[i]. */
static double pointwise_pass(const sm_link *link, const double *s, const double *y, int64_t n,
                             double weight, double *ds, int want_loss, int64_t *units)
{
    double sum = 0.0;
    if (ds)
        for (int64_t i = 0; i < n; i++)
            ds[i] += weight * link_grad(link, s[i], y[i]);
    if (want_loss)
        for (int64_t i = 0; i < n; i++)
            sum += link_loss(link, s[i], y[i]);
    *units = n;
    return sum;
}

/* ---- pairwise ---- */

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

/* Transformed scores f(s)/T and labels f(y)/T into w->buf, slopes f'(s) too. */
static void transform_query(const sm_objective *obj, const double *s, const double *y, int64_t n,
                            sm_objective_work *w, double **fs, double **fy, double **slope)
{
    *fs = w->buf;
    *fy = w->buf + n;
    *slope = w->buf + 2 * n;
    for (int64_t i = 0; i < n; i++) {
        double h, dh;
        link_eval(&obj->link, s[i], &h, NULL, &dh);
        (*fs)[i] = h / obj->temperature;
        (*slope)[i] = dh / obj->temperature;
        (*fy)[i] = link_h(&obj->link, y[i]) / obj->temperature;
    }
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
    transform_query(obj, s, y, n, w, &fs, &fy, &slope);
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

/* ---- listwise ---- */

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
static double listwise_pass(const sm_objective *obj, const double *s, const double *y, int64_t n,
                            double weight, double *ds, int want_loss, int64_t *units,
                            sm_objective_work *w)
{
    double *fs, *logq, *slope, *q = w->buf + 3 * n, *p = w->buf + 4 * n;
    *units = 0;
    if (n < 2)
        return 0.0;
    transform_query(obj, s, y, n, w, &fs, &logq, &slope);
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

/* ---- multi-class ---- */

/* Rows of K scores: the listwise loss over each row's classes (the
 * composite softmax), one unit a row. */
static double multiclass_pass(const sm_objective *obj, const double *s, const double *t,
                              int64_t n, double weight, double *ds, int want_loss, int64_t *units,
                              sm_objective_work *w)
{
    const int64_t K = obj->n_out;
    double sum = 0.0;
    int64_t u;
    *units = 0;
    for (int64_t i = 0; i < n; i++) {
        sum += listwise_pass(obj, s + i * K, t + i * K, K, weight, ds ? ds + i * K : NULL,
                             want_loss, &u, w);
        *units += u;
    }
    return sum;
}

/* ---- the kinds ---- */

static double pointwise_kind_pass(const sm_objective *obj, const double *s, const double *y,
                                  int64_t n, double weight, double *ds, int want_loss,
                                  int64_t *units, sm_objective_work *w)
{
    (void)w;
    return pointwise_pass(&obj->link, s, y, n, weight, ds, want_loss, units);
}

/* The per-dimension loss: every class score against its target. */
static double multiclass_pointwise_pass(const sm_objective *obj, const double *s, const double *y,
                                        int64_t n, double weight, double *ds, int want_loss,
                                        int64_t *units, sm_objective_work *w)
{
    (void)w;
    double sum = pointwise_pass(&obj->link, s, y, n * obj->n_out, weight, ds, want_loss, units);
    *units = n;
    return sum;
}

static int any_rows(const sm_objective *obj, const double *y, int64_t n)
{
    (void)obj, (void)y;
    return n > 0;
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

static double row_curvature(const sm_objective *obj, const double *y)
{
    return link_dh(&obj->link, y[0]);
}

static double class_rows_curvature(const sm_objective *obj, const double *y)
{
    double mx = 0.0;
    for (int64_t k = 0; k < obj->n_out; k++)
        mx = fmax(mx, link_dh(&obj->link, y[k]));
    return mx;
}

static double multiclass_curvature(const sm_objective *obj, const double *t);

/* What differs between the kinds, one row each (indexed by
 * sm_objective_kind); the entry points below read it. */
typedef struct {
    sm_objective_unit unit;
    /* The targets it takes: its default and one other (TARGET_DEFAULT:
     * it takes no --target). */
    sm_target_kind default_target, other_target;
    int samples_pairs; /* --max-pairs applies */
    /* pointwise training's curvature floor (objective_curvature_floor) */
    int steep_floor;
    /* listwise: the curvature is also taken at the target (objective.h) */
    int curvature_at_target;
    double (*pass)(const sm_objective *obj, const double *s, const double *y, int64_t n,
                   double weight, double *ds, int want_loss, int64_t *units,
                   sm_objective_work *w);
    int (*is_unit)(const sm_objective *obj, const double *y, int64_t n);
    double (*label_curvature)(const sm_objective *obj, const double *y);
} objective_kind;

static const objective_kind kinds[OBJ_KIND_COUNT] = {
    [OBJ_POINTWISE] = {.unit = UNIT_ROW, .steep_floor = 1, .pass = pointwise_kind_pass,
                       .is_unit = any_rows, .label_curvature = row_curvature},
    [OBJ_PAIRWISE] = {.unit = UNIT_QUERY, .default_target = TARGET_HARD,
                      .other_target = TARGET_SOFT, .samples_pairs = 1, .pass = pairwise_pass,
                      .is_unit = has_pair, .label_curvature = row_curvature},
    [OBJ_LISTWISE] = {.unit = UNIT_QUERY, .default_target = TARGET_MATCHED,
                      .other_target = TARGET_GAIN, .curvature_at_target = 1,
                      .pass = listwise_pass, .is_unit = has_list_target,
                      .label_curvature = row_curvature},
    [OBJ_MULTICLASS] = {.unit = UNIT_CLASS_ROW, .default_target = TARGET_MATCHED,
                        .other_target = TARGET_PROB, .pass = multiclass_pass,
                        .is_unit = any_rows, .label_curvature = multiclass_curvature},
    [OBJ_MULTICLASS_POINTWISE] = {.unit = UNIT_CLASS_ROW, .pass = multiclass_pointwise_pass,
                                  .is_unit = any_rows, .label_curvature = class_rows_curvature},
};

int objective_is_ranking(sm_objective_kind k) { return kinds[k].unit == UNIT_QUERY; }
int objective_takes_target(sm_objective_kind k, sm_target_kind t)
{
    return t != TARGET_DEFAULT && (kinds[k].default_target == t || kinds[k].other_target == t);
}
int objective_is_multiclass(sm_objective_kind k) { return kinds[k].unit == UNIT_CLASS_ROW; }

sm_status objective_check_options(sm_objective *obj, sm_error *err)
{
    const objective_kind *k = &kinds[obj->kind];
    if (k->default_target == TARGET_DEFAULT && obj->target != TARGET_DEFAULT)
        return sm_fail(err, SM_EUSAGE,
                       "--target applies to the pairwise, listwise and multiclass objectives only");
    if (obj->target == TARGET_DEFAULT)
        obj->target = k->default_target;
    if (obj->target != k->default_target && obj->target != k->other_target)
        return sm_fail(err, SM_EUSAGE, "the %s objective takes --target %s or %s, not %s",
                       objective_kind_names[obj->kind], objective_target_names[k->default_target],
                       objective_target_names[k->other_target],
                       objective_target_names[obj->target]);
    if (obj->max_pairs != 0 && !k->samples_pairs)
        return sm_fail(err, SM_EUSAGE, "--max-pairs applies to the pairwise objective only");
    if (!(obj->temperature > 0.0) || !isfinite(obj->temperature))
        return sm_fail(err, SM_EUSAGE, "the temperature must be a positive number");
    return SM_OK;
}

sm_status objective_check(sm_objective *obj, sm_error *err)
{
    sm_status st = objective_check_options(obj, err);
    if (st != SM_OK)
        return st;
    if (obj->n_out == 0)
        obj->n_out = 1;
    if (objective_is_multiclass(obj->kind) && obj->n_out < 2)
        return sm_fail(err, SM_EUSAGE, "the %s objective needs at least 2 classes, not %ld",
                       objective_kind_names[obj->kind], (long)obj->n_out);
    if (!objective_is_multiclass(obj->kind) && obj->n_out != 1)
        return sm_fail(err, SM_EUSAGE, "the %s objective takes one score per row, not %ld",
                       objective_kind_names[obj->kind], (long)obj->n_out);
    return SM_OK;
}

int objective_is_unit(const sm_objective *obj, const double *y, int64_t n)
{
    return kinds[obj->kind].is_unit(obj, y, n);
}

static double objective_pass(const sm_objective *obj, const double *s, const double *y, int64_t n,
                             double weight, double *ds, int want_loss, int64_t *units,
                             sm_objective_work *w)
{
    return kinds[obj->kind].pass(obj, s, y, n, weight, ds, want_loss, units, w);
}

double objective_forward(const sm_objective *obj, const double *s, const double *y, int64_t n,
                         int64_t *units, sm_objective_work *w)
{
    return objective_pass(obj, s, y, n, 0.0, NULL, 1, units, w);
}

void objective_backward(const sm_objective *obj, const double *s, const double *y, int64_t n,
                        double weight, double *ds, sm_objective_work *w)
{
    int64_t units;
    objective_pass(obj, s, y, n, weight, ds, 0, &units, w);
}

double objective_forward_backward(const sm_objective *obj, const double *s, const double *y,
                                  int64_t n, double weight, double *ds, int64_t *units,
                                  sm_objective_work *w)
{
    return objective_pass(obj, s, y, n, weight, ds, 1, units, w);
}

/* ---- what the trainer asks of the objective ---- */

sm_status objective_units(const sm_objective *obj, const sm_dataset *ds, int64_t **units,
                          int64_t *n_units, sm_error *err)
{
    int64_t cap = objective_unit_count(obj, ds), n = 0, b, e;
    if (!(*units = malloc((size_t)(cap > 0 ? cap : 1) * sizeof **units)))
        return sm_fail(err, SM_EFAIL, "out of memory for %lld training units", (long long)cap);
    for (int64_t u = 0; u < cap; u++) {
        objective_unit_rows(obj, ds, u, &b, &e);
        if (objective_is_unit(obj, objective_unit_targets(obj, ds, b), e - b))
            (*units)[n++] = u;
    }
    *n_units = n;
    if (n == 0)
        return sm_fail(err, SM_EDATA, "%s: no %s to train on", ds->source,
                       objective_is_ranking(obj->kind) ? "queries with rows of different labels"
                                                       : "rows");
    return SM_OK;
}

/* objective_start_score of y[0], y[stride], ... (n values), each weighing
 * w[i] (w NULL: 1). */
static double start_score_strided(const sm_link *link, const double *y, const double *w,
                                  int64_t n, int64_t stride)
{
    if (n == 0)
        return 0.0;
    double lo = y[0], hi = y[0], target = 0.0, total = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double v = y[i * stride];
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        target += w ? w[i] * link_h(link, v) : link_h(link, v);
        total += w ? w[i] : 0.0;
    }
    target /= w ? total : (double)n;
    if (!isfinite(target))
        return 0.5 * (lo + hi);
    for (int it = 0; it < 200 && hi - lo > 1e-15 * fmax(1.0, fabs(lo)); it++) {
        double mid = 0.5 * (lo + hi);
        if (link_h(link, mid) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double objective_start_score(const sm_objective *obj, const double *y, int64_t n)
{
    return start_score_strided(&obj->link, y, NULL, n, 1);
}

void objective_start_scores(const sm_objective *obj, const sm_dataset *ds, double *bias)
{
    int64_t K = obj->n_out > 0 ? obj->n_out : 1;
    if (!objective_is_multiclass(obj->kind)) {
        bias[0] = start_score_strided(&obj->link, ds->label, ds->weight, ds->n_rows, 1);
        return;
    }
    for (int64_t k = 0; k < K; k++)
        bias[k] = obj->kind == OBJ_MULTICLASS && obj->target == TARGET_PROB
                      ? 0.0
                      : start_score_strided(&obj->link, ds->target + k, ds->weight, ds->n_rows, K);
}

/* The composite softmax's row part: max_k c_k^2 w_k (1 - w_k) under the
 * uniform w and under the target q (objective.h). */
static double multiclass_curvature(const sm_objective *obj, const double *t)
{
    int64_t K = obj->n_out;
    double uniform = 0.0, at_target = 0.0, mx = -INFINITY, sum = 0.0;
    for (int64_t k = 0; k < K; k++)
        if (obj->target != TARGET_PROB)
            mx = fmax(mx, link_h(&obj->link, t[k]) / obj->temperature);
    for (int64_t k = 0; k < K; k++)
        sum += obj->target == TARGET_PROB ? t[k] : exp(link_h(&obj->link, t[k]) / obj->temperature - mx);
    for (int64_t k = 0; k < K; k++) {
        int prob = obj->target == TARGET_PROB;
        double c = link_dh(&obj->link, prob ? 0.0 : t[k]) / obj->temperature;
        double q = (prob ? t[k] : exp(link_h(&obj->link, t[k]) / obj->temperature - mx)) / sum;
        uniform = fmax(uniform, c * c * (1.0 / (double)K) * (1.0 - 1.0 / (double)K));
        at_target = fmax(at_target, c * c * q * (1.0 - q));
    }
    return fmax(uniform, at_target);
}

double objective_label_curvature(const sm_objective *obj, const double *y)
{
    return kinds[obj->kind].label_curvature(obj, y);
}

double objective_curvature_floor(const sm_objective *obj, double lo, double hi)
{
    return kinds[obj->kind].steep_floor ? link_slope_over(&obj->link, lo, hi) / OBJECTIVE_STEEP_SHARE
                                        : 0.0;
}

double objective_query_curvature(const sm_objective *obj, const double *y, int64_t n,
                                 objective_spread_fn spread, void *ctx, double *buf)
{
    double *uniform = buf, *c = buf + n, *q = buf + 2 * n;
    for (int64_t i = 0; i < n; i++) {
        uniform[i] = 1.0 / (double)n;
        c[i] = link_dh(&obj->link, y[i]) / obj->temperature;
    }
    double trace = spread(ctx, uniform, c);
    if (!kinds[obj->kind].curvature_at_target)
        return 0.5 * trace; /* pairwise: half the uniform spread (objective.h) */
    objective_listwise_target(obj, y, n, q);
    return fmax(trace, spread(ctx, q, c));
}
