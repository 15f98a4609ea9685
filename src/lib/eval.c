/* eval.c - the scores, loss, label transform and regions of an evaluation,
 * resolved from the model or the defaults, and its reports. */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "emphasize.h"
#include "reader.h"

void eval_config_default(sm_eval_config *c)
{
    memset(c, 0, sizeof *c);
    c->label_transform = -1;
    rank_config_default(&c->rank);
    class_config_default(&c->classes);
}

/* The scores of ds's rows: the model's, or the predictions file's, which
 * must have one per row. */
static sm_status get_scores(const sm_eval_config *c, const sm_dataset *ds, double **scores,
                            sm_error *err)
{
    if (c->model) {
        if (!(*scores = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof **scores)))
            return sm_fail(err, SM_EFAIL, "out of memory for %lld scores", (long long)ds->n_rows);
        return model_predict_progress(c->model, ds, *scores, c->progress, c->progress_ctx, err);
    }
    int64_t n = 0;
    sm_status st = sidecar_read_scores(c->predictions, scores, &n, err);
    if (st == SM_OK && n != ds->n_rows)
        st = sm_fail(err, SM_EDATA, "%s has %lld predictions but %s has %lld rows",
                     c->predictions, (long long)n, ds->source, (long long)ds->n_rows);
    return st;
}

/* The ranking metrics, for data with query groups. */
static sm_status rank_reports(const sm_eval_config *c, const sm_dataset *ds, const double *scores,
                              sm_eval_result *out, sm_error *err)
{
    if (ds->n_groups == 0)
        return SM_OK;
    if (!(out->rank = malloc(sizeof *out->rank)) ||
        (c->per_query && !(out->per_query = malloc((size_t)ds->n_groups * sizeof *out->per_query))))
        return sm_fail(err, SM_EFAIL, "out of memory for the metrics of %lld queries",
                       (long long)ds->n_groups);
    return rank_report_compute(&c->rank, &out->report->regions, ds->group_ptr, ds->n_groups,
                               ds->label, ds->weight, scores, out->rank, out->per_query, err);
}

/* ---- multi-class models ---- */

/* The mean loss of the model's objective over the rows of K scores s: against
 * the target rows t, or (t NULL) the one-hot rows of the class indices idx,
 * leaving out the rows of a class the model lacks (no probability of the
 * model is theirs); weighted by the rows' weights when there are (weight not
 * NULL). */
static sm_status class_mean_loss(const sm_objective *obj, const double *s, const double *t,
                                 const int32_t *idx, const double *weight, int64_t n,
                                 double *mean, sm_error *err)
{
    int K = (int)obj->n_out;
    sm_objective_work w;
    objective_work_init(&w, 1);
    double *one_hot = calloc((size_t)K, sizeof *one_hot), sum = 0.0, units = 0.0;
    int64_t u;
    sm_status st = one_hot ? objective_work_reserve(&w, K, err)
                           : sm_fail(err, SM_EFAIL, "out of memory");
    for (int64_t i = 0; st == SM_OK && i < n; i++) {
        if (!t && idx[i] == CLASS_NOT_IN_MODEL)
            continue;
        if (!t)
            one_hot[idx[i]] = 1.0;
        double row_weight = weight ? weight[i] : 1.0;
        sum += row_weight * objective_forward(obj, s + i * K, t ? t + i * K : one_hot, 1, &u, &w);
        units += row_weight * (double)u;
        if (!t)
            one_hot[idx[i]] = 0.0;
    }
    *mean = units > 0.0 ? sum / units : NAN;
    free(one_hot);
    objective_work_free(&w);
    return st;
}

/* The target distribution q (n x K) of target rows t read as `target`. */
static sm_status class_target_q(const sm_objective *obj, sm_target_kind target, const double *t,
                                int64_t n, double **q, sm_error *err)
{
    int K = (int)obj->n_out;
    sm_objective as_read = *obj;
    as_read.kind = OBJ_MULTICLASS;
    as_read.target = target;
    if (!(*q = malloc((size_t)(n > 0 ? n : 1) * K * sizeof **q)))
        return sm_fail(err, SM_EFAIL, "out of memory for %lld target rows", (long long)n);
    for (int64_t i = 0; i < n; i++)
        objective_listwise_target(&as_read, t + i * K, K, *q + i * K);
    return SM_OK;
}

/* The figures of the model's probabilities softmax(f(s)/T) (predict's
 * probs), turned from the n rows of K scores s in place, against the class
 * indices idx. Only a composite softmax model has probabilities: a
 * multiclass-pointwise one's scores are no distribution (its figures stay
 * out of the report). */
static sm_status class_probability_figures(const sm_objective *obj, double *s, int64_t n,
                                           const int32_t *idx, const double *weight,
                                           sm_class_report *r, sm_error *err)
{
    if (obj->kind != OBJ_MULTICLASS)
        return SM_OK;
    sm_objective model_distribution = *obj;
    model_distribution.target = TARGET_MATCHED;
    int64_t K = obj->n_out;
    for (int64_t i = 0; i < n; i++)
        objective_listwise_target(&model_distribution, s + i * K, K, s + i * K);
    return class_report_probs(r, s, n, idx, weight, err);
}

sm_status eval_class_objective(const sm_model *m, sm_objective *obj, sm_error *err)
{
    if (objective_is_multiclass(m->objective))
        return model_objective(m, obj, err);
    *obj = (sm_objective){.kind = OBJ_MULTICLASS, .link = m->link, .temperature = 1.0,
                          .target = TARGET_MATCHED, .n_out = m->scorer.n_out};
    return SM_OK;
}

/* The class report of a model of K > 1 outputs, and its mean loss: against
 * the targets when given (read as c->target, else the model's), else
 * against the class labels as training from labels sees them (one-hot
 * probabilities). */
static sm_status class_eval(const sm_eval_config *c, const sm_dataset *ds, sm_eval_result *out,
                            sm_error *err)
{
    const sm_model *m = c->model;
    sm_objective obj;
    sm_classes range;
    classes_init(&range);
    const sm_classes *classes = m->classes.n ? &m->classes : &range;
    int32_t *idx = NULL;
    double *scores = NULL, *q = NULL;
    sm_status st = eval_class_objective(m, &obj, err);
    if (st == SM_OK && !m->classes.n)
        st = classes_range(m->scorer.n_out, &range, err);
    if (st == SM_OK)
        st = classes_index_test_rows(classes, ds, &idx, &out->not_in_model,
                                     &out->not_in_model_rows, err);
    int K = (int)obj.n_out;
    if (st == SM_OK && !(scores = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * K *
                                         sizeof *scores)))
        st = sm_fail(err, SM_EFAIL, "out of memory for %lld scores", (long long)ds->n_rows);
    if (st == SM_OK)
        st = model_predict_progress(m, ds, scores, c->progress, c->progress_ctx, err);
    sm_target_kind target =
        c->target != TARGET_DEFAULT ? c->target : objective_class_target(&obj);
    if (st == SM_OK && c->targets)
        st = class_target_q(&obj, target, c->targets, ds->n_rows, &q, err);
    /* the loss reads the targets as the report does */
    if (objective_takes_target(obj.kind, TARGET_PROB))
        obj.target = c->targets ? target : TARGET_PROB;
    if (st == SM_OK && !(out->classes = malloc(sizeof *out->classes)))
        st = sm_fail(err, SM_EFAIL, "out of memory");
    if (st == SM_OK)
        st = class_report_compute(&c->classes, scores, ds->n_rows, K, idx, q, ds->weight,
                                  out->classes, err);
    out->class_loss = NAN;
    if (st == SM_OK && objective_is_multiclass(m->objective))
        st = class_mean_loss(&obj, scores, c->targets, idx, ds->weight, ds->n_rows,
                             &out->class_loss, err);
    if (st == SM_OK) /* (last: turns the scores into probabilities) */
        st = class_probability_figures(&obj, scores, ds->n_rows, idx, ds->weight, out->classes,
                                       err);
    free(idx);
    free(scores);
    free(q);
    classes_free(&range);
    return st;
}

/* A model trained with --emphasize: its link's slope and the weight asked
 * for, region by region. */
static sm_status emphasis_columns(const sm_model *m, const sm_dataset *ds, sm_region_report *rep,
                                  sm_error *err)
{
    const char *spec = model_get_info(m, "emphasize");
    if (!spec)
        return SM_OK;
    sm_emphasis e;
    sm_error bad;
    if (emphasis_parse(spec, &e, &bad) != SM_OK)
        return sm_fail(err, SM_EDATA, "the model's emphasize=%s: %s", spec, bad.msg);
    if (e.n == 0)
        return sm_fail(err, SM_EDATA, "the model's emphasize=%s: no intervals", spec);
    emphasis_report(&e, &m->link, ds->label, ds->weight, ds->n_rows, rep);
    return SM_OK;
}

sm_status eval_run(const sm_eval_config *c, sm_dataset *ds, sm_eval_result *out, sm_error *err)
{
    const sm_model *m = c->model;
    memset(out, 0, sizeof *out);
    classes_init(&out->not_in_model);
    if (m && m->scorer.n_out > 1) {
        out->loss = m->link;
        return class_eval(c, ds, out, err);
    }
    if (c->loss)
        out->loss = *c->loss;
    else if (m)
        out->loss = m->link;
    else
        link_parse("lin", &out->loss, NULL);
    out->label_transform = c->label_transform >= 0 ? (sm_label_transform)c->label_transform
                           : m                     ? m->label_transform
                                                   : LABEL_NONE;
    if (!(out->report = malloc(sizeof *out->report)))
        return sm_fail(err, SM_EFAIL, "out of memory");

    double *scores = NULL;
    sm_status st = dataset_transform_labels(ds, out->label_transform, err);
    if (st == SM_OK)
        st = get_scores(c, ds, &scores, err);
    if (st == SM_OK) {
        sm_regions regions;
        if (c->regions)
            regions = *c->regions;
        else if (m)
            regions = m->regions;
        else
            regions_from_labels(ds->label, ds->n_rows, &regions);
        st = metrics_region_report(&regions, &out->loss, ds->label, ds->weight, scores,
                                   ds->n_rows, out->report, err);
    }
    if (st == SM_OK && m)
        st = emphasis_columns(m, ds, out->report, err);
    if (st == SM_OK)
        st = rank_reports(c, ds, scores, out, err);
    free(scores);
    return st;
}

void eval_result_free(sm_eval_result *r)
{
    if (r->classes)
        class_report_free(r->classes);
    free(r->classes);
    free(r->report);
    free(r->rank);
    free(r->per_query);
    classes_free(&r->not_in_model);
    free(r->not_in_model_rows);
    memset(r, 0, sizeof *r);
}
