/* eval.h - evaluating scores against labelled data: the policy of
 * `smloss eval` without its command line.
 *
 * The scores come from a model, or from a predictions file (one per row).
 * What is not given is resolved from the model, or without a model from the
 * defaults: the selective loss (the model's; lin), the label transform (the
 * model's; none) and the regions (the model's; chosen from the evaluated
 * labels as training chooses them). The reports are the per-region report
 * (metrics.h) and, for data with query groups, the ranking metrics
 * (rank_metrics.h). A model of K > 1 outputs (multi-class) gets the class
 * report instead (class_metrics.h): its scores against the rows' class
 * labels (the model's classes) and, with target rows, against their target
 * distribution, with the mean loss of the model's objective. Nothing here
 * prints; report.h formats the result.
 */
#ifndef SM_EVAL_H
#define SM_EVAL_H

#include "class_metrics.h"
#include "classes.h"
#include "dataset.h"
#include "error.h"
#include "link.h"
#include "metrics.h"
#include "model.h"
#include "rank_metrics.h"
#include "regions.h"

typedef struct {
    const sm_model *model;       /* score the data with this model, or NULL and: */
    const char *predictions;     /* read the scores from this file ("-": stdin) */
    const sm_link *loss;         /* NULL: the model's loss, lin without a model */
    const sm_regions *regions;   /* NULL: the model's, from the labels without one */
    int label_transform;         /* sm_label_transform, or -1: the model's, none without */
    sm_rank_config rank;         /* conventions of the ranking metrics */
    int per_query;               /* also the metrics of each query */
    /* multi-class models */
    sm_class_config classes;     /* cutoffs and bands of the class report */
    const double *targets;       /* n_rows x K targets (e.g. a teacher's scores), or NULL */
    sm_target_kind target;       /* how to read them: matched (q = softmax(f(t)/T) with the
                                  * model's link and temperature) or prob (q = t);
                                  * TARGET_DEFAULT: the model's (matched without) */
    sm_rows_progress progress;   /* scoring's progress with a model (may be NULL) */
    void *progress_ctx;
} sm_eval_config;

/* The defaults: no model or predictions, everything resolved, the default
 * ranking conventions and class report, no per-query metrics or targets. */
void eval_config_default(sm_eval_config *c);

typedef struct {
    sm_link loss;                       /* the selective loss reported */
    sm_label_transform label_transform; /* applied to the labels */
    sm_region_report *report;           /* the per-region report */
    sm_rank_report *rank;               /* NULL when the data has no query groups */
    sm_query_metrics *per_query;        /* n_groups entries when asked for, else NULL */
    sm_class_report *classes;           /* multi-class: the class report (report is NULL) */
    double class_loss;                  /* its objective's mean over the rows (of the
                                         * model's classes, when against labels) */
    sm_classes not_in_model;            /* classes of the data the model lacks */
    int64_t *not_in_model_rows;         /* their row counts (NULL: none) */
} sm_eval_result;

/* Transform ds's labels in place, get the scores, resolve the regions and
 * compute the reports into out (free it with eval_result_free, also after a
 * failure). SM_EDATA when the labels do not fit the transform or the
 * predictions file is malformed or has another number of lines than ds has
 * rows, or for a multi-class model a label is not an integer (a class the
 * model lacks counts as an error of the model, see not_in_model); SM_EIO
 * when it cannot be read; SM_EFAIL when out of memory. */
sm_status eval_run(const sm_eval_config *c, sm_dataset *ds, sm_eval_result *out, sm_error *err);
void eval_result_free(sm_eval_result *r);

/* The objective a class report (and predict's probabilities) reads a model of
 * K > 1 outputs with: the model's (model_objective), or for a model whose
 * objective takes one score a row (a file another tool wrote) the composite
 * softmax of its link at T = 1 with matched targets, whose loss the report
 * leaves out (NaN). */
sm_status eval_class_objective(const sm_model *m, sm_objective *obj, sm_error *err);

#endif
