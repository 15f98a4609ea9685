/* objective_kind.h - the contract between objective.c and the files of the
 * objective kinds (objective_pointwise.c, objective_pairwise.c,
 * objective_listwise.c, objective_multiclass.c): each kind's row of the
 * table, and the helpers the kinds share (objective_kind.c). Internal to the
 * objectives: other modules include objective.h. A new objective = one file
 * with its row, its entry in objective.c's table (its row and its name) and
 * its value in sm_objective_kind; its help, unit and defaults then show
 * wherever objectives are listed or asked about. */
#ifndef SM_OBJECTIVE_KIND_H
#define SM_OBJECTIVE_KIND_H

#include "objective.h"

/* What differs between the kinds: one row each, defined in the kind's own
 * file (objective_<kind>.c); objective.c's table indexes them by
 * sm_objective_kind and its entry points read them. */
typedef struct {
    sm_objective_unit unit;
    /* What --objective's help says of it (objective_help). */
    const char *help;
    /* What a model of the kind is judged by (objective_default_metric). */
    sm_metric_kind default_metric;
    /* SGD's units a step without --batch (objective_default_batch). */
    int64_t default_batch;
    /* Its units with something to learn, as a message names them when there
     * are none (objective_units). */
    const char *units_noun;
    /* The targets it takes: its default and one other (TARGET_DEFAULT:
     * it takes no --target). */
    sm_target_kind default_target, other_target;
    int samples_pairs; /* --max-pairs applies */
    /* pointwise training's curvature floor (objective_curvature_floor) */
    int steep_floor;
    /* listwise: the curvature is also taken at the target (objective.h) */
    int curvature_at_target;
    /* its loss is unchanged when every score of a unit shifts by one
     * constant (the softmax and pairwise kinds): objective_shift_invariant */
    int shift_invariant;
    /* its start scores (objective_start_scores) */
    void (*start_scores)(const sm_objective *obj, const sm_dataset *ds, double *bias);
    double (*pass)(const sm_objective *obj, const double *s, const double *y, int64_t n,
                   double weight, double *ds, int want_loss, int64_t *units,
                   sm_objective_work *w);
    int (*is_unit)(const sm_objective *obj, const double *y, int64_t n);
    double (*label_curvature)(const sm_objective *obj, const double *y);
} objective_kind;

extern const objective_kind objective_pointwise;
extern const objective_kind objective_pairwise;
extern const objective_kind objective_listwise;
extern const objective_kind objective_multiclass;
extern const objective_kind objective_multiclass_pointwise;

/* ---- shared by the kinds (objective_kind.c) ---- */

/* Rows: sum of L(s_i, y_i) (when want_loss) and, when ds is given,
 * weight * (h(s_i) - h(y_i)) added to ds[i] (pointwise, and multi-class
 * pointwise over n x K scores). */
double objective_rows_pass(const sm_link *link, const double *s, const double *y, int64_t n,
                           double weight, double *ds, int want_loss, int64_t *units);
/* Transformed scores f(s)/T and labels f(y)/T into w->buf, slopes f'(s) too
 * (the ranking and softmax kinds). */
void objective_transform_query(const sm_objective *obj, const double *s, const double *y,
                               int64_t n, sm_objective_work *w, double **fs, double **fy,
                               double **slope);
/* One query of the listwise loss (objective_listwise.c); the composite
 * softmax applies it to each row's classes. */
double objective_listwise_pass(const sm_objective *obj, const double *s, const double *y,
                               int64_t n, double weight, double *ds, int want_loss,
                               int64_t *units, sm_objective_work *w);
/* Every non-empty set of rows is a unit. */
int objective_any_rows(const sm_objective *obj, const double *y, int64_t n);
/* A row's label curvature h'(y) (objective.h). */
double objective_row_curvature(const sm_objective *obj, const double *y);
/* One output's start: the pointwise start score of the labels. */
void objective_label_start_score(const sm_objective *obj, const sm_dataset *ds, double *bias);
/* objective_start_score of y[0], y[stride], ... (n values), each weighing
 * w[i] (w NULL: 1). */
double objective_start_score_strided(const sm_link *link, const double *y, const double *w,
                                     int64_t n, int64_t stride);

#endif
