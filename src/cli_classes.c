/* cli_classes.c - class labels, target files and class outputs for the
 * commands. */
#include "cli_classes.h"

#include <stdlib.h>

#include "class_metrics.h"
#include "cli_msg.h"
#include "cli_output.h"
#include "eval.h"
#include "reader.h"

const char *const cli_output_kind_names[OUTPUT_KIND_COUNT + 1] = {
    [OUTPUT_CLASS] = "class", [OUTPUT_SCORES] = "scores", [OUTPUT_PROBS] = "probs"};

int cli_read_targets(const char *path, int32_t k, int prob, sm_dataset *ds)
{
    sm_targets_spec spec = {k, ds->n_rows, ds->source, prob};
    double *t;
    int64_t n;
    sm_error err;
    if (reader_read_targets(path, &spec, &t, &n, &err) != SM_OK)
        return cli_fail(&err);
    free(ds->target);
    ds->target = t;
    ds->target_dim = spec.k;
    return SM_OK;
}

/* With a targets file of K numbers a line: the data's labels name the
 * classes when they are K distinct integers, else the classes are 0..K-1. */
static int classes_of_targets(int quiet, const sm_dataset *ds, sm_classes *classes)
{
    sm_error err;
    int32_t K = ds->target_dim;
    int64_t i = 0;
    while (i < ds->n_rows && classes_is_label(ds->label[i]))
        i++;
    if (i == ds->n_rows && classes_from_labels(ds, classes, &err) == SM_OK && classes->n == K)
        return SM_OK;
    if (!quiet)
        cli_msg("note: the labels of %s are not %ld distinct integers: the model's classes are "
                "0 .. %ld, the targets' columns", ds->source, (long)K, (long)K - 1);
    return classes_range(K, classes, &err) == SM_OK ? SM_OK : cli_fail(&err);
}

int cli_train_classes(const char *targets_path, int prob, int quiet, sm_dataset *ds,
                      sm_classes *classes)
{
    sm_error err;
    if (targets_path) {
        int rc = cli_read_targets(targets_path, 0, prob, ds);
        return rc == SM_OK ? classes_of_targets(quiet, ds, classes) : rc;
    }
    if (classes_from_labels(ds, classes, &err) != SM_OK)
        return cli_fail(&err);
    if (classes->n < 2) {
        cli_msg("%s: every row has the class %lld: multi-class training needs at least 2 "
                "classes (or a targets file, --targets)", ds->source,
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
                          const sm_dataset *ds)
{
    if (kind == OUTPUT_SCORES)
        return cli_put_model_scores(out, m, ds);
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
    if (model_predict(m, ds, s, &err) != SM_OK) {
        rc = cli_fail(&err);
    } else if (kind == OUTPUT_CLASS) {
        put_classes(out->f, m, s, n);
    } else {
        obj.target = TARGET_MATCHED; /* softmax(f(s)/T): the model's own distribution */
        obj.kind = OBJ_MULTICLASS;
        for (int64_t i = 0; i < n; i++)
            objective_listwise_target(&obj, s + i * K, K, s + i * K);
        cli_put_values(out->f, s, n, K);
    }
    free(s);
    return rc;
}
