/* objective_pointwise.c - the pointwise objective: the mean over rows of
 * the matching loss L(s, y) of the link (objective.h). */
#include "objective_kind.h"

static double pointwise_kind_pass(const sm_objective *obj, const double *s, const double *y,
                                  int64_t n, double weight, double *ds, int want_loss,
                                  int64_t *units, sm_objective_work *w)
{
    (void)w;
    return objective_rows_pass(&obj->link, s, y, n, weight, ds, want_loss, units);
}

const objective_kind objective_pointwise = {
    .unit = UNIT_ROW,
    .help = "mean over rows of L(s, y)",
    .default_metric = METRIC_RMSE, .default_batch = 16, .units_noun = "rows", .steep_floor = 1, .pass = pointwise_kind_pass,
    .is_unit = objective_any_rows, .label_curvature = objective_row_curvature,
    .start_scores = objective_label_start_score};
