#include "cv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "model.h"
#include "objective.h"
#include "rng.h"

sm_status cv_split(const sm_dataset *ds, int k, uint64_t seed, int32_t *fold, sm_error *err)
{
    int by_query = ds->n_groups > 0;
    int64_t n = by_query ? ds->n_groups : ds->n_rows;
    const char *unit = by_query ? "queries" : "rows";
    if (k < 2)
        return sm_fail(err, SM_EUSAGE, "cross-validation needs at least 2 folds, not %d", k);
    if (n < k)
        return sm_fail(err, SM_EUSAGE, "%s: %d folds need at least %d %s, it has %lld",
                       ds->source, k, k, unit, (long long)n);
    int64_t *order = malloc((size_t)n * sizeof *order);
    if (!order)
        return sm_fail(err, SM_EFAIL, "out of memory for %lld %s", (long long)n, unit);
    for (int64_t u = 0; u < n; u++)
        order[u] = u;
    sm_rng rng;
    rng_seed(&rng, seed);
    rng_shuffle(&rng, order, n);
    /* dealt in turn: unit order[i] goes to fold i mod k */
    for (int64_t i = 0; i < n; i++) {
        int64_t u = order[i], first = by_query ? ds->group_ptr[u] : u;
        int64_t last = by_query ? ds->group_ptr[u + 1] : u + 1;
        for (int64_t r = first; r < last; r++)
            fold[r] = (int32_t)(i % k);
    }
    free(order);
    return SM_OK;
}

static int selected(const int32_t *fold, int64_t r, int f, int in_fold)
{
    return (fold[r] == f) == (in_fold != 0);
}

sm_status cv_subset(const sm_dataset *ds, const int32_t *fold, int f, int in_fold,
                    sm_dataset *out, sm_error *err)
{
    dataset_init(out);
    int64_t rows = 0, nnz = 0, groups = 0, K = ds->target ? ds->target_dim : 0;
    for (int64_t r = 0; r < ds->n_rows; r++)
        if (selected(fold, r, f, in_fold))
            rows++, nnz += ds->row_ptr[r + 1] - ds->row_ptr[r];
    for (int64_t g = 0; g < ds->n_groups; g++)
        groups += selected(fold, ds->group_ptr[g], f, in_fold);
    out->row_ptr = malloc((size_t)(rows + 1) * sizeof *out->row_ptr);
    out->col = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *out->col);
    out->val = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *out->val);
    out->label = malloc((size_t)(rows > 0 ? rows : 1) * sizeof *out->label);
    int fail = !out->row_ptr || !out->col || !out->val || !out->label;
    if (groups > 0) {
        out->group_ptr = malloc((size_t)(groups + 1) * sizeof *out->group_ptr);
        fail |= !out->group_ptr;
        if (ds->qid)
            fail |= !(out->qid = malloc((size_t)groups * sizeof *out->qid));
    }
    if (K > 0)
        fail |= !(out->target = malloc((size_t)((rows > 0 ? rows : 1) * K) * sizeof *out->target));
    if (ds->weight) /* the fold's rows keep their weights */
        fail |= !(out->weight = malloc((size_t)(rows > 0 ? rows : 1) * sizeof *out->weight));
    if (fail) {
        dataset_free(out);
        return sm_fail(err, SM_EFAIL, "out of memory for a fold of %s", ds->source);
    }
    int64_t i = 0, k = 0;
    out->row_ptr[0] = 0;
    for (int64_t r = 0; r < ds->n_rows; r++) {
        if (!selected(fold, r, f, in_fold))
            continue;
        int64_t b = ds->row_ptr[r], e = ds->row_ptr[r + 1];
        memcpy(out->col + k, ds->col + b, (size_t)(e - b) * sizeof *out->col);
        memcpy(out->val + k, ds->val + b, (size_t)(e - b) * sizeof *out->val);
        k += e - b;
        out->label[i] = ds->label[r];
        if (ds->weight)
            out->weight[i] = ds->weight[r];
        if (K > 0)
            memcpy(out->target + i * K, ds->target + r * K, (size_t)K * sizeof *out->target);
        out->row_ptr[++i] = k;
    }
    /* a query's rows share its fold, so the kept queries are whole */
    int64_t j = 0;
    if (groups > 0)
        out->group_ptr[0] = 0;
    for (int64_t g = 0; g < ds->n_groups; g++) {
        if (!selected(fold, ds->group_ptr[g], f, in_fold))
            continue;
        if (ds->qid)
            out->qid[j] = ds->qid[g];
        out->group_ptr[j + 1] = out->group_ptr[j] + (ds->group_ptr[g + 1] - ds->group_ptr[g]);
        j++;
    }
    out->n_rows = rows;
    out->nnz = nnz;
    out->dim = ds->dim;
    out->n_groups = groups;
    out->target_dim = K > 0 ? ds->target_dim : 0;
    out->featmap_id = ds->featmap_id;
    memcpy(out->weight_source, ds->weight_source, sizeof out->weight_source);
    snprintf(out->source, sizeof out->source, "%.200s %s fold %d", ds->source,
             in_fold ? "held-out" : "without", f + 1);
    return SM_OK;
}

/* The names of the figures of an evaluation (see cv.h). */
static void figure_names(sm_cv_result *r, const sm_train_config *cfg,
                         const sm_regions *regions, const sm_rank_config *rank, int groups)
{
    int n = 0;
    sm_metric_kind metric = objective_default_metric(cfg->objective.kind);
    if (metric == METRIC_ACCURACY) {
        snprintf(r->name[n++], sizeof r->name[0], "accuracy");
        r->n_figures = n;
        return;
    }
    if (metric == METRIC_RMSE) { /* and MAE; NDCG too where there are queries */
        char cell[64];
        for (int m = 0; m < 2; m++) {
            for (int i = 0; i < regions->n; i++) {
                regions_interval_format(regions, i, cell, sizeof cell);
                snprintf(r->name[n++], sizeof r->name[0], "%s %.30s", m ? "MAE" : "RMSE", cell);
            }
            snprintf(r->name[n++], sizeof r->name[0], "%s all", m ? "MAE" : "RMSE");
        }
    }
    for (int c = 0; groups && c < rank->n_cutoffs; c++)
        snprintf(r->name[n++], sizeof r->name[0], "NDCG@%d", rank->cutoff[c]);
    r->n_figures = n;
}

/* Figures of one fold's evaluation, in figure_names' order. */
static void fold_figures(const sm_eval_result *e, const sm_train_config *cfg,
                         const sm_regions *regions, const sm_rank_config *rank, int groups,
                         double *v)
{
    int n = 0;
    sm_metric_kind metric = objective_default_metric(cfg->objective.kind);
    if (metric == METRIC_ACCURACY) {
        v[0] = e->classes->accuracy;
        return;
    }
    if (metric == METRIC_RMSE) {
        for (int m = 0; m < 2; m++) {
            for (int i = 0; i < regions->n; i++) {
                const sm_region_stats *s = &e->report->region[i];
                v[n++] = s->rows == 0 ? NAN : m ? s->mae : s->rmse;
            }
            v[n++] = m ? e->report->all.mae : e->report->all.rmse;
        }
    }
    for (int c = 0; groups && c < rank->n_cutoffs; c++)
        v[n++] = e->rank ? e->rank->mean.ndcg[c] : NAN;
}

/* Train on the folds but f, evaluate on f. */
static sm_status run_fold(const sm_dataset *ds, const int32_t *fold, int f,
                          const sm_train_config *cfg, const sm_regions *regions,
                          const sm_classes *classes, const sm_rank_config *rank,
                          sm_cv_result *out, sm_error *err)
{
    sm_dataset train, test;
    sm_model model;
    model_init(&model);
    sm_eval_result res;
    memset(&res, 0, sizeof res);
    sm_status st = cv_subset(ds, fold, f, 0, &train, err);
    if (st != SM_OK)
        return st;
    if ((st = cv_subset(ds, fold, f, 1, &test, err)) != SM_OK) {
        dataset_free(&train);
        return st;
    }
    st = train_run(&train, NULL, cfg, &model, err);
    if (st == SM_OK && classes && classes->n)
        st = classes_copy(&model.classes, classes, err);
    if (st == SM_OK) {
        model.regions = *regions;
        sm_eval_config ec;
        eval_config_default(&ec);
        ec.model = &model;
        ec.label_transform = LABEL_NONE; /* the labels are transformed already */
        ec.rank = *rank;
        st = eval_run(&ec, &test, &res, err);
    }
    if (st == SM_OK) {
        out->rows[f] = test.n_rows;
        fold_figures(&res, cfg, regions, rank, ds->n_groups > 0,
                     out->value + (int64_t)f * out->n_figures);
    } else {
        sm_fail_prefix(err, "fold %d of %d", f + 1, out->n_folds);
    }
    eval_result_free(&res);
    model_free(&model);
    dataset_free(&train);
    dataset_free(&test);
    return st;
}

sm_status cv_run(const sm_dataset *ds, const sm_train_config *cfg, const sm_regions *regions,
                 const sm_classes *classes, const sm_rank_config *rank, int k,
                 sm_cv_result *out, sm_error *err)
{
    memset(out, 0, sizeof *out);
    if (cfg->keep_best)
        return sm_fail(err, SM_EUSAGE, "cross-validation does not stop early");
    out->n_folds = k;
    out->seed = cfg->seed;
    out->by_query = ds->n_groups > 0;
    figure_names(out, cfg, regions, rank, ds->n_groups > 0);
    int32_t *fold = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof *fold);
    out->rows = calloc((size_t)(k > 0 ? k : 1), sizeof *out->rows);
    out->value = calloc((size_t)(k > 0 ? k : 1) * (size_t)(out->n_figures + 1),
                        sizeof *out->value);
    if (!fold || !out->rows || !out->value) {
        free(fold);
        return sm_fail(err, SM_EFAIL, "out of memory for %d folds", k);
    }
    sm_status st = cv_split(ds, k, cfg->seed, fold, err);
    for (int f = 0; st == SM_OK && f < k; f++)
        st = run_fold(ds, fold, f, cfg, regions, classes, rank, out, err);
    free(fold);
    return st;
}

void cv_result_free(sm_cv_result *r)
{
    free(r->rows);
    free(r->value);
    memset(r, 0, sizeof *r);
}

void cv_figure_stats(const sm_cv_result *r, int j, double *mean, double *std)
{
    /* a fold without rows in a region has no value there: left out */
    double sum = 0.0, sq = 0.0;
    int n = 0;
    for (int f = 0; f < r->n_folds; f++) {
        double v = r->value[(int64_t)f * r->n_figures + j];
        if (isnan(v))
            continue;
        sum += v;
        n++;
    }
    *mean = n ? sum / n : NAN;
    for (int f = 0; f < r->n_folds; f++) {
        double v = r->value[(int64_t)f * r->n_figures + j];
        if (!isnan(v))
            sq += (v - *mean) * (v - *mean);
    }
    *std = n > 1 ? sqrt(sq / (n - 1)) : n == 1 ? 0.0 : NAN;
}
