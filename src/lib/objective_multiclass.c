/* objective_multiclass.c - the multi-class objectives over rows of K class
 * scores: the composite softmax (multiclass, the listwise loss over a row's
 * classes) and multi-class pointwise (the sum of the pointwise losses of
 * the K scores) (objective.h). */
#include "objective_kind.h"

#include <math.h>


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
        sum += objective_listwise_pass(obj, s + i * K, t + i * K, K, weight, ds ? ds + i * K : NULL,
                             want_loss, &u, w);
        *units += u;
    }
    return sum;
}

/* The per-dimension loss: every class score against its target. */
static double multiclass_pointwise_pass(const sm_objective *obj, const double *s, const double *y,
                                        int64_t n, double weight, double *ds, int want_loss,
                                        int64_t *units, sm_objective_work *w)
{
    (void)w;
    double sum =
        objective_rows_pass(&obj->link, s, y, n * obj->n_out, weight, ds, want_loss, units);
    *units = n;
    return sum;
}

static double class_rows_curvature(const sm_objective *obj, const double *y)
{
    double mx = 0.0;
    for (int64_t k = 0; k < obj->n_out; k++)
        mx = fmax(mx, link_dh(&obj->link, y[k]));
    return mx;
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

/* K outputs: that of each class's target scores, or 0 for probabilities
 * (objective.h). */
static void class_start_scores(const sm_objective *obj, const sm_dataset *ds, double *bias)
{
    int64_t K = obj->n_out;
    for (int64_t k = 0; k < K; k++)
        if (obj->target == TARGET_PROB)
            bias[k] = 0.0;
        else
            bias[k] = objective_start_score_strided(&obj->link, ds->target + k, ds->weight,
                                                    ds->n_rows, K);
}

const objective_kind objective_multiclass = {
    .unit = UNIT_CLASS_ROW,
    .help = "per row, KL(q||softmax(f(s)/T)) over\n"
            "its K class scores",
    .default_metric = METRIC_ACCURACY, .default_batch = 16, .units_noun = "rows", .default_target = TARGET_MATCHED, .other_target = TARGET_PROB,
    .shift_invariant = 1, .pass = multiclass_pass, .is_unit = objective_any_rows,
    .label_curvature = multiclass_curvature, .start_scores = class_start_scores};

const objective_kind objective_multiclass_pointwise = {
    .unit = UNIT_CLASS_ROW,
    .help = "per row, the sum over classes\n"
            "of L(s_k, t_k)",
    .default_metric = METRIC_ACCURACY, .default_batch = 16, .units_noun = "rows", .pass = multiclass_pointwise_pass, .is_unit = objective_any_rows,
    .label_curvature = class_rows_curvature, .start_scores = class_start_scores};
