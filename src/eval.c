/* eval.c - the scores, loss, label transform and regions of an evaluation,
 * resolved from the model or the defaults, and its reports. */
#include "eval.h"

#include <stdlib.h>
#include <string.h>

#include "reader.h"

void eval_config_default(sm_eval_config *c)
{
    memset(c, 0, sizeof *c);
    c->label_transform = -1;
    rank_config_default(&c->rank);
}

/* The scores of ds's rows: the model's, or the predictions file's, which
 * must have one per row. */
static sm_status get_scores(const sm_eval_config *c, const sm_dataset *ds, double **scores,
                            sm_error *err)
{
    if (c->model) {
        if (!(*scores = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof **scores)))
            return sm_fail(err, SM_EFAIL, "out of memory for %lld scores", (long long)ds->n_rows);
        return model_predict(c->model, ds, *scores, err);
    }
    int64_t n = 0;
    sm_status st = reader_read_scores(c->predictions, scores, &n, err);
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
                               ds->label, scores, out->rank, out->per_query, err);
}

sm_status eval_run(const sm_eval_config *c, sm_dataset *ds, sm_eval_result *out, sm_error *err)
{
    const sm_model *m = c->model;
    memset(out, 0, sizeof *out);
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
        st = metrics_region_report(&regions, &out->loss, ds->label, scores, ds->n_rows,
                                   out->report, err);
    }
    if (st == SM_OK)
        st = rank_reports(c, ds, scores, out, err);
    free(scores);
    return st;
}

void eval_result_free(sm_eval_result *r)
{
    free(r->report);
    free(r->rank);
    free(r->per_query);
    memset(r, 0, sizeof *r);
}
