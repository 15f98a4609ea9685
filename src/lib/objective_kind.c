/* objective_kind.c - what the objective kinds share (objective_kind.h). */
#include "objective_kind.h"

#include <math.h>

double objective_rows_pass(const sm_link *link, const double *s, const double *y, int64_t n,
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

void objective_transform_query(const sm_objective *obj, const double *s, const double *y,
                               int64_t n, sm_objective_work *w, double **fs, double **fy,
                               double **slope)
{
    *fs = w->buf;
    *fy = w->buf + n;
    *slope = w->buf + 2 * n;
    if (obj->link.n_terms == 1 && obj->link.terms[0].kind == LINK_LIN) {
        /* the one term inline: link_eval's sums (0 + w h) of h = z, h' = 1,
         * the same bits without two calls through the term table a score */
        const double lw = obj->link.terms[0].w, T = obj->temperature;
        for (int64_t i = 0; i < n; i++) {
            (*fs)[i] = (0.0 + lw * s[i]) / T;
            (*slope)[i] = (0.0 + lw * 1.0) / T;
            (*fy)[i] = (0.0 + lw * y[i]) / T;
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        double h, dh;
        link_eval(&obj->link, s[i], &h, NULL, &dh);
        (*fs)[i] = h / obj->temperature;
        (*slope)[i] = dh / obj->temperature;
        (*fy)[i] = link_h(&obj->link, y[i]) / obj->temperature;
    }
}

int objective_any_rows(const sm_objective *obj, const double *y, int64_t n)
{
    (void)obj, (void)y;
    return n > 0;
}

double objective_row_curvature(const sm_objective *obj, const double *y)
{
    return link_dh(&obj->link, y[0]);
}

void objective_label_start_score(const sm_objective *obj, const sm_dataset *ds, double *bias)
{
    bias[0] = objective_start_score_strided(&obj->link, ds->label, ds->weight, ds->n_rows, 1);
}

/* objective_start_score of y[0], y[stride], ... (n values), each weighing
 * w[i] (w NULL: 1). */
double objective_start_score_strided(const sm_link *link, const double *y, const double *w,
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
