/* cli_classes.c - class labels, target files and class outputs for the
 * commands. */
#include "cli_classes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class_metrics.h"
#include "cli_msg.h"
#include "cli_output.h"
#include "dist.h"
#include "eval.h"
#include "reader.h"

const char *const cli_output_kind_names[OUTPUT_KIND_COUNT + 1] = {
    [OUTPUT_CLASS] = "class", [OUTPUT_SCORES] = "scores", [OUTPUT_PROBS] = "probs"};

int cli_read_targets(const char *path, int32_t k, int prob, const cli_share *share,
                     sm_dataset *ds)
{
    cli_share whole = {0, ds->n_rows, ds->source};
    if (!share)
        share = &whole;
    sm_targets_spec spec = {k, share->all_rows, share->source, prob};
    double *t;
    int64_t n;
    sm_error err;
    if (sidecar_read_targets(path, &spec, &t, &n, &err) != SM_OK)
        return cli_fail(&err);
    if (share->all_rows != ds->n_rows) { /* a share: its rows' targets */
        size_t size = (size_t)((ds->n_rows > 0 ? ds->n_rows : 1) * spec.k) * sizeof *t;
        double *mine = malloc(size);
        if (!mine) {
            free(t);
            cli_msg("%s: out of memory for %lld targets", path, (long long)ds->n_rows);
            return SM_EFAIL;
        }
        memcpy(mine, t + share->first_row * spec.k, (size_t)(ds->n_rows * spec.k) * sizeof *t);
        free(t);
        t = mine;
    }
    free(ds->target);
    ds->target = t;
    ds->target_dim = spec.k;
    return SM_OK;
}

/* The sorted distinct labels of ds into *mine, or *integers = 0 (and no
 * classes) when a label is not a class label. */
static sm_status share_classes(const sm_dataset *ds, int *integers, sm_classes *mine,
                               sm_error *err)
{
    int64_t i = 0;
    while (i < ds->n_rows && classes_is_label(ds->label[i]))
        i++;
    *integers = i == ds->n_rows;
    return *integers ? classes_from_labels(ds, mine, err) : SM_OK;
}

/* Several ranks: the classes of every share, merged into the classes of all
 * their rows (sorted as one process sorts them); *integers is 0 when a label
 * of any share is not a class label. Every rank calls it. */
static sm_status merge_classes(sm_dist *d, const char *source, int *integers, sm_classes *c,
                               sm_error *err)
{
    double flag = *integers ? 0.0 : 1.0, *values = NULL;
    sm_status st = dist_max(d, &flag, 1, err);
    *integers = flag == 0.0;
    if (st != SM_OK || !*integers)
        return st;
    /* class values are at most 2^53 in magnitude: exact as doubles */
    double *mine = malloc((size_t)(c->n > 0 ? c->n : 1) * sizeof *mine);
    if (!mine)
        st = sm_fail(err, SM_EFAIL, "out of memory for %ld classes", (long)c->n);
    for (int32_t k = 0; st == SM_OK && k < c->n; k++)
        mine[k] = (double)c->value[k];
    /* (a failure here is agreed on before the gather) */
    int64_t n = 0;
    if ((st = dist_agree(d, st, err)) == SM_OK)
        st = dist_allgather_f64(d, mine, c->n, &values, &n, err);
    free(mine);
    if (st == SM_OK) {
        sm_dataset all = {.label = values, .n_rows = n};
        snprintf(all.source, sizeof all.source, "%s", source);
        st = classes_from_labels(&all, c, err);
    }
    free(values);
    return st;
}

/* With a targets file of K numbers a line: the data's labels name the
 * classes when they are K distinct integers, else the classes are 0..K-1. */
static int classes_of_targets(int quiet, const char *source, int32_t K, int integers,
                              sm_classes *classes)
{
    sm_error err;
    if (integers && classes->n == K)
        return SM_OK;
    if (!quiet)
        cli_msg("note: the labels of %s are not %ld distinct integers: the model's classes are "
                "0 .. %ld, the targets' columns", source, (long)K, (long)K - 1);
    return classes_range(K, classes, &err) == SM_OK ? SM_OK : cli_fail(&err);
}

int cli_train_classes(sm_dist *d, const cli_share *share, const char *targets_path,
                      int prob, int quiet, sm_dataset *ds, sm_classes *classes)
{
    sm_error err;
    int integers = 0, many = dist_many(d), talk = dist_rank(d) == 0;
    int rc = targets_path ? cli_read_targets(targets_path, 0, prob, share, ds) : SM_OK;
    if (rc == SM_OK && share_classes(ds, &integers, classes, &err) != SM_OK)
        rc = cli_fail(&err);
    if (many && (rc = (int)dist_agree(d, (sm_status)rc, &err)) == SM_OK &&
        merge_classes(d, share->source, &integers, classes, &err) != SM_OK)
        rc = talk ? cli_fail(&err) : (int)err.status;
    if (rc != SM_OK)
        return rc;
    if (targets_path) {
        /* every share's file has the same K: the file's first line */
        return classes_of_targets(quiet || !talk, share->source, ds->target_dim, integers,
                                  classes);
    }
    if (!integers) { /* (the reader checked them: never so) */
        if (talk)
            cli_msg("%s: a class label is not an integer", share->source);
        return SM_EDATA;
    }
    if (classes->n < 2) {
        char where[300]; /* one file: located at its first row */
        if (talk)
            cli_msg("%s: %s the class %lld: multi-class training needs at least 2 classes (or a "
                    "targets file, --targets)",
                    many ? share->source : dataset_where(ds, 0, where, sizeof where),
                    many ? "every row has" : "this row and every row after it have",
                    (long long)classes->value[0]);
        return SM_EDATA;
    }
    return classes_one_hot(classes, ds, &err) == SM_OK ? SM_OK : cli_fail(&err);
}

/* The class value of each row's top score (the first on ties). */
static void put_classes(FILE *f, const sm_model *m, const double *s, int64_t n)
{
    int K = (int)m->scorer.n_out;
    for (int64_t i = 0; i < n; i++) {
        int k = class_argmax(s + i * K, K);
        if (fprintf(f, "%lld\n", m->classes.n ? (long long)m->classes.value[k] : k) < 0)
            break; /* the error stays on the stream; cli_output_commit reports it */
    }
}

int cli_put_class_outputs(cli_output *out, cli_output_kind kind, const sm_model *m,
                          const sm_dataset *ds, cli_rows_progress *progress)
{
    if (kind == OUTPUT_SCORES)
        return cli_put_model_scores_shown(out, m, ds, progress);
    /* Its K scores are each fitted to 0/1 alone: a softmax of them is no
     * probability (mean top probability 0.5 at 94% accuracy on digits). */
    if (kind == OUTPUT_PROBS && m->objective == OBJ_MULTICLASS_POINTWISE)
        return cli_usage_error("predict", "--output-type probs: a multiclass-pointwise model's "
                               "scores are not calibrated probabilities; train with --objective "
                               "multiclass for them (or take --output-type scores)");
    sm_objective obj;
    sm_error err;
    if (kind == OUTPUT_PROBS && eval_class_objective(m, &obj, &err) != SM_OK)
        return cli_fail(&err);
    int64_t K = m->scorer.n_out, n = ds->n_rows;
    double *s = malloc((size_t)((n > 0 ? n : 1) * K) * sizeof *s);
    if (!s) {
        cli_msg("out of memory for %lld scores", (long long)(n * K));
        return SM_EFAIL;
    }
    int rc = SM_OK;
    if (progress)
        cli_rows_progress_step(progress, "scoring %s", ds->source);
    if (model_predict_progress(m, ds, s, progress ? cli_rows_progress_tell : NULL, progress,
                               &err) != SM_OK) {
        if (progress)
            cli_progress_done(&progress->bar);
        rc = cli_fail(&err);
    } else if (kind == OUTPUT_CLASS) {
        put_classes(out->f, m, s, n);
    } else {
        obj.target = TARGET_MATCHED; /* softmax(f(s)/T): the model's own distribution */
        obj.kind = OBJ_MULTICLASS;
        for (int64_t i = 0; i < n; i++)
            objective_listwise_target(&obj, s + i * K, K, s + i * K);
        cli_put_output_step(out, progress);
        cli_put_values_shown(out->f, s, n, K, progress);
    }
    if (progress)
        cli_progress_done(&progress->bar);
    free(s);
    return rc;
}
