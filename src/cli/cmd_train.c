/* cmd_train.c - `smloss train`: the steps of the training job with its
 * progress and checkpoints, the --folds table, the model and predictions
 * files. The options are cli_train_args.c's, the data cli_train_data.c's. */
#include <stdlib.h>
#include <string.h>

#include "cli_msg.h"
#include "cli_output.h"
#include "cli_train.h"
#include "cli_train_warn.h"
#include "commands.h"
#include "link.h"
#include "report.h"

typedef struct {
    cli_progress progress;
    int quiet;
    /* the epoch table: where (NULL: not shown), in which format, and whether
     * a write failed */
    FILE *table;
    sm_report_format format;
    sm_status table_status;
    sm_error table_err;
    int header_done;
    char metric[32];  /* early stopping's metric, "" without */
    /* what a checkpoint (--save-every) adds to the trained scorer */
    const struct train_args *args;
    const sm_model *model;       /* regions and classes */
    const sm_featmap *features;
    const sm_dataset *train;
    int64_t steps;    /* optimiser steps so far */
    uint64_t step_bytes;
} train_view;

static void show_epoch(void *ctx, const sm_epoch_info *e)
{
    train_view *v = ctx;
    cli_progress_done(&v->progress);
    v->steps = e->steps;
    v->step_bytes = e->step_bytes;
    if (!v->table || v->table_status != SM_OK)
        return;
    v->table_status =
        report_write_epoch(v->table, v->format,
                           v->args->job.cfg.solver == SOLVER_LBFGS ? "iter" : "epoch",
                           v->metric, e, !v->header_done, &v->table_err);
    v->header_done = 1;
}

/* A warning (a back-off), shown even with --quiet: the model differs from
 * what the options alone would give. */
static void show_note(void *ctx, const char *note)
{
    train_view *v = ctx;
    cli_progress_done(&v->progress);
    cli_msg("warning: %s", note);
}

static void show_progress(void *ctx, int epoch, double fraction)
{
    train_view *v = ctx;
    char what[32];
    snprintf(what, sizeof what, "training, epoch %d", epoch);
    cli_progress_show(&v->progress, what, epoch - 1 + fraction, v->args ? v->args->job.cfg.epochs : 0,
                      "epochs");
}

/* L-BFGS: the iteration under way, the objective and gradient so far and
 * the iterations' rate (not a time left: it converges before its cap). */
static void show_pass(void *ctx, int iteration, int max_iter, int64_t passes, double objective,
                      double grad_max)
{
    train_view *v = ctx;
    char line[256];
    cli_progress_lbfgs(line, sizeof line, iteration, max_iter, passes, objective, grad_max,
                       cli_progress_seconds(&v->progress));
    cli_progress_draw(&v->progress, "%s", line);
}

/* Before anything is read: no output may overwrite an input, those found
 * beside the data included (or another output; the --init model may be
 * replaced by --model alone: its model is read already, so -i M -m M
 * continues M in place), and the outputs are opened (their temporary files
 * made), so a mistyped directory fails now rather than after training.
 * out[0] is the model, out[1] the predictions (when asked for); only the
 * writer (rank 0 of several) opens them. */
static int open_train_outputs(const train_args *a, int writer, cli_output out[2])
{
    const cli_rank_files *f = &a->files;
    cli_file inputs[14] = {
        {"--data", f->data, NULL}, {"--valid", f->valid, NULL},
        {"--group", cli_group_file(f->group), NULL},
        {"--valid-group", cli_group_file(f->valid_group), NULL},
        {"--weights", cli_weights_file(f->weights), NULL},
        {"--valid-weights", cli_weights_file(f->valid_weights), NULL},
        {"--targets", f->targets, NULL}, {"--valid-targets", f->valid_targets, NULL},
        {"--init", a->job.init_name, "--model"}, {"--resume", a->resume, "--model"},
    };
    cli_beside_names data_beside, valid_beside;
    size_t n_inputs = 10;
    n_inputs += cli_beside_inputs("--data", f->data, f->weights, f->group, &data_beside,
                                  inputs + n_inputs);
    n_inputs += cli_beside_inputs("--valid", f->valid, f->valid_weights, f->valid_group,
                                  &valid_beside, inputs + n_inputs);
    const cli_file outputs[] = {
        {"--model", a->model, NULL}, {"--predictions", a->predictions, NULL},
        {"--cache", a->data_opt.cache, NULL},
    };
    return cli_check_and_open("train", inputs, n_inputs, outputs,
                              sizeof outputs / sizeof outputs[0], writer, out);
}

/* --emphasize into the loss (train_job_emphasis), shown on stderr. */
static int compile_emphasis(train_args *a, sm_dist *dist, const sm_dataset *train,
                            const sm_model *model)
{
    sm_error err;
    sm_status st = train_job_emphasis(&a->job, dist, train, &model->regions, &err);
    if (st != SM_OK)
        return cli_train_fail(st, &err);
    char spec[EMPHASIS_SPEC_MAX], loss[LINK_SPEC_MAX];
    emphasis_format(&a->job.emphasis, spec, sizeof spec);
    link_format(&a->job.cfg.objective.link, loss, sizeof loss);
    if (!a->quiet)
        cli_msg("--emphasize %s compiles to --loss %s", spec, loss);
    return SM_OK;
}

/* --save-every: the model so far, with what the finished one would have
 * (inputs, regions, classes, options), and after it the state --resume
 * continues from, replacing the model file whole. */
static sm_status save_checkpoint(void *ctx, const sm_model *trained, const sm_train_state *state,
                                 int epoch, sm_error *err)
{
    train_view *v = ctx;
    const train_args *a = v->args;
    /* A shallow copy that borrows the arrays of both: never freed. */
    sm_model ck = *trained;
    ck.features = *v->features;
    ck.dim = v->features->space;
    ck.regions = v->model->regions;
    ck.classes = v->model->classes;
    train_job_record(&a->job, v->train, &ck);
    model_set_info(&ck, "checkpoint_epoch", "%d", epoch);
    cli_output out;
    int rc = cli_output_open(&out, a->model); /* open and commit say what failed */
    if (rc == SM_OK && ((rc = model_write(&ck, out.f, a->data_opt.threads, err)) != SM_OK ||
                        (rc = model_write_state(state, out.f, a->data_opt.threads, err)) !=
                            SM_OK)) {
        cli_msg("%s: %s", a->model, err->msg);
        cli_output_abort(&out);
    } else if (rc == SM_OK) {
        rc = cli_output_commit(&out);
    }
    if (rc != SM_OK)
        return sm_fail(err, (sm_status)rc, "%s: the checkpoint of epoch %d was not written",
                       a->model, epoch);
    return SM_OK;
}

/* Why L-BFGS stopped; a warning when it had not converged. */
static void tell_stop(const sm_model *model)
{
    const char *reason = model_get_info(model, "stop_reason");
    const char *iterations = model_get_info(model, "iterations");
    const char *norm = model_get_info(model, "grad_norm");
    if (reason && strcmp(reason, "max-iter") == 0)
        cli_msg("warning: lbfgs stopped at --max-iter %s before it converged (largest "
                "|gradient| %s): the model is not at the optimum; raise --max-iter",
                iterations, norm);
    else if (reason)
        cli_msg("lbfgs: %s after %s iterations, largest |gradient| %s", reason, iterations,
                norm);
}

/* Where the epoch table goes: the text table to stderr unless quiet; a
 * table for scripts (tsv, json) to stdout, or to stderr when something else
 * goes there (the model, the predictions or the --folds table); from rank 0
 * alone. */
static FILE *epoch_table_stream(const train_args *a, const sm_dist *dist)
{
    int stdout_taken = a->folds || (a->model && strcmp(a->model, "-") == 0) ||
                       (a->predictions && strcmp(a->predictions, "-") == 0);
    if (a->format == REPORT_TEXT)
        return a->quiet ? NULL : stderr;
    return dist_rank(dist) != 0 ? NULL : stdout_taken ? stderr : stdout;
}

/* The end of the epoch table (JSON's closing), also after a failed run; a
 * write that failed is an error. */
static int end_epoch_table(train_view *v)
{
    if (v->table && v->header_done && v->table_status == SM_OK)
        v->table_status = report_end_epochs(v->table, v->format, &v->table_err);
    if (v->table_status == SM_OK)
        return SM_OK;
    cli_msg("the epoch table: %s", v->table_err.msg);
    return v->table_status;
}

static int run_training(train_args *a, sm_dist *dist, const sm_dataset *train,
                        const sm_dataset *valid, sm_featmap *features, sm_model *model)
{
    train_view view = {.quiet = a->quiet, .args = a, .model = model, .features = features,
                       .train = train, .table = epoch_table_stream(a, dist),
                       .format = (sm_report_format)a->format};
    if (a->job.cfg.keep_best)
        rank_metric_format(&a->job.cfg.metric, view.metric, sizeof view.metric);
    cli_progress_init(&view.progress, a->quiet);
    a->job.cfg.on_epoch = show_epoch;
    a->job.cfg.on_progress = show_progress;
    a->job.cfg.on_pass = show_pass;
    a->job.cfg.on_note = dist_rank(dist) == 0 ? show_note : NULL;
    a->job.cfg.on_checkpoint = dist_rank(dist) == 0 ? save_checkpoint : NULL;
    a->job.cfg.ctx = &view;
    a->job.cfg.dist = dist;
    /* The default rate is made safe by backing off; a rate the user chose is
     * kept, and diverges as it does. */
    a->job.cfg.max_backoffs = a->have_lr ? 0 : TRAIN_BACKOFFS;
    a->job.cfg.threads = a->data_opt.threads;
    const char *resumed = a->resume ? train_state_get(&a->resume_state, "epoch") : NULL;
    if (resumed && !a->quiet && dist_rank(dist) == 0)
        cli_msg("%s: resuming the run after its %s %s", a->resume,
                a->job.cfg.solver == SOLVER_LBFGS ? "iteration" : "epoch", resumed);
    sm_error err;
    sm_status st = train_job_run(&a->job, train, a->files.valid ? valid : NULL, features, model,
                                 &err);
    cli_progress_done(&view.progress);
    int rc = end_epoch_table(&view);
    if (st == SM_OK && rc != SM_OK)
        return rc;
    if (st == SM_OK && a->job.cfg.solver == SOLVER_LBFGS && !a->quiet && dist_rank(dist) == 0)
        tell_stop(model);
    if (st == SM_OK && dist_many(dist) && !a->quiet)
        cli_msg("%d ranks: rank 0 sent %.4g MB, %.0f bytes a step in %lld steps",
                dist_size(dist), (double)dist->bytes_sent / 1e6,
                view.steps ? (double)view.step_bytes / (double)view.steps : 0.0,
                (long long)view.steps);
    return st == SM_OK ? SM_OK : cli_ranks_fail(dist, st, &err);
}

/* The cross-validation table on stdout, in --format. */
static int write_cv(const train_args *a, const sm_dataset *train, const sm_cv_result *r)
{
    cli_output out;
    int rc = cli_output_open(&out, "-");
    if (rc != SM_OK)
        return rc;
    char loss[LINK_SPEC_MAX];
    link_format(&a->job.cfg.objective.link, loss, sizeof loss);
    sm_report_meta meta = {.data_name = train->source, .loss_spec = loss,
                           .label_transform = label_transform_names[a->job.label_transform]};
    sm_error err;
    if (report_write_cv(out.f, (sm_report_format)a->format, &meta, r, &err) != SM_OK) {
        cli_output_abort(&out);
        return cli_fail(&err);
    }
    return cli_output_commit(&out);
}

/* --folds: cross-validate the options on the training data (no epoch
 * table: K runs; a back-off still says so). */
static int run_folds(const train_args *a, const sm_dataset *train, const sm_model *model)
{
    train_view view = {.quiet = a->quiet};
    cli_progress_init(&view.progress, a->quiet);
    sm_train_config cfg = a->job.cfg;
    cfg.on_epoch = NULL;
    cfg.on_checkpoint = NULL;
    cfg.on_progress = show_progress;
    cfg.on_pass = show_pass;
    cfg.on_note = show_note;
    cfg.ctx = &view;
    cfg.max_backoffs = a->have_lr ? 0 : TRAIN_BACKOFFS;
    cfg.threads = a->data_opt.threads;
    sm_rank_config rank;
    rank_config_default(&rank);
    sm_cv_result r;
    sm_error err;
    sm_status st = cv_run(train, &cfg, &model->regions,
                          objective_is_multiclass(cfg.objective.kind) ? &model->classes : NULL,
                          &rank, a->folds, &r, &err);
    cli_progress_done(&view.progress);
    int rc = st == SM_OK ? write_cv(a, train, &r) : cli_fail(&err);
    cv_result_free(&r);
    return rc;
}

/* The model and the predictions land together or not at all: the model is
 * renamed into place only after the predictions were written. The caller
 * aborts what is left on failure. */
static int write_outputs(const train_args *a, sm_dist *dist, const sm_model *model,
                         const sm_dataset *train, cli_output out[2])
{
    sm_error err;
    int rc;
    if (dist_many(dist) && a->predictions &&
        (rc = cli_ranks_put_scores(dist, &out[1], model, train)) != SM_OK)
        return rc;
    if (dist_rank(dist) != 0)
        return SM_OK;
    rc = model_write(model, out[0].f, a->data_opt.threads, &err);
    if (rc != SM_OK) {
        cli_msg("%s: %s", a->model, err.msg);
        return rc;
    }
    if (a->predictions && ((!dist_many(dist) && (rc = cli_put_model_scores(&out[1], model, train)) !=
                                                    SM_OK) ||
                           (rc = cli_output_commit(&out[1])) != SM_OK))
        return rc;
    return cli_output_commit(&out[0]);
}

/* From the data read to the model trained: the job's steps (train_job.h),
 * or the cross-validation of --folds. */
static int train_model(train_args *a, sm_dist *dist, sm_dataset *train, sm_dataset *valid,
                       sm_model *model, int32_t **valid_classes)
{
    sm_featmap features; /* the training data's, which the model keeps */
    featmap_init(&features, 0);
    sm_error err;
    sm_status st = SM_OK;
    int rc;
    if (objective_is_multiclass(a->job.cfg.objective.kind) &&
        (st = train_job_set_classes(&a->job, &model->classes, valid, valid_classes, &err)) !=
            SM_OK)
        rc = cli_fail(&err);
    else if ((st = train_job_features(&a->job, dist, train, a->files.valid ? valid : NULL,
                                      &features, &err)) != SM_OK)
        rc = cli_fail(&err);
    else if ((st = train_job_regions(&a->job, dist, train, &model->regions, &err)) != SM_OK)
        rc = st == SM_EUSAGE ? cli_train_fail(st, &err) : cli_ranks_fail(dist, st, &err);
    else if ((!a->job.emphasize_text ||
              (rc = compile_emphasis(a, dist, train, model)) == SM_OK) &&
             (!a->folds || ((rc = run_folds(a, train, model)) == SM_OK && a->model)))
        rc = run_training(a, dist, train, valid, &features, model);
    featmap_free(&features);
    return rc;
}

/* Set up the ranks and open the outputs: every rank agrees. */
static int start_run(train_args *a, sm_dist *dist, cli_rank_paths *paths, cli_output out[2])
{
    cli_rank_needs needs = {.ranking = train_job_by_query(&a->job, 0),
                            .valid_by_query = train_job_by_query(&a->job, 1),
                            .folds = a->folds};
    a->job.given.data = a->files.data;
    int rc = paths ? cli_ranks_setup(dist, &needs, &a->files, &a->data_opt, &a->quiet, paths)
                   : SM_EFAIL;
    memset(out, 0, 2 * sizeof *out);
    if ((rc = cli_ranks_agree(dist, rc)) != SM_OK ||
        (rc = cli_ranks_agree(dist, open_train_outputs(a, dist_rank(dist) == 0, out))) != SM_OK)
        return rc;
    a->job.targets_file = a->files.targets;
    a->job.given.targets = a->files.targets_given;
    a->job.given.weights = a->files.weights_given;
    return SM_OK;
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    if (dist_compiled()) /* (how many ranks run is known after dist_open) */
        cli_msg_hold();
    int rc = cli_train_parse(argc, argv, &a);
    if (rc != SM_OK) {
        train_job_free(&a.job);
        train_state_free(&a.resume_state);
        if (dist_compiled())
            cli_ranks_tell_once(&argc, &argv);
        return rc < 0 ? SM_OK : rc;
    }
    sm_dist dist;
    sm_error err;
    if (dist_open(&dist, &argc, &argv, &err) != SM_OK) {
        cli_msg_release();
        train_job_free(&a.job);
        train_state_free(&a.resume_state);
        return cli_fail(&err);
    }
    if (!dist_many(&dist))
        cli_msg_release();
    if (dist_rank(&dist) == 0)
        cli_train_warn_ineffective(&a, dist_size(&dist));
    cli_rank_paths *paths = calloc(1, sizeof *paths); /* a's file names point into it */
    if (!paths)
        cli_msg("out of memory");
    cli_output out[2];
    sm_dataset train, valid;
    dataset_init(&train);
    dataset_init(&valid);
    sm_model model;
    model_init(&model);
    int32_t *valid_classes = NULL;
    if ((rc = start_run(&a, &dist, paths, out)) == SM_OK &&
        (rc = cli_train_load_data(&a, &dist, &train, &valid, &model.classes)) == SM_OK) {
        cli_msg_release(); /* from here on rank 0 alone reports */
        rc = train_model(&a, &dist, &train, &valid, &model, &valid_classes);
        if (rc == SM_OK && a.model)
            rc = cli_ranks_agree(&dist, write_outputs(&a, &dist, &model, &train, out));
    }
    cli_msg_release();
    free(valid_classes);
    cli_output_abort(&out[0]); /* nothing left to do after a commit */
    cli_output_abort(&out[1]);
    model_free(&model);
    train_job_free(&a.job);
    train_state_free(&a.resume_state);
    dataset_free(&train);
    dataset_free(&valid);
    dist_close(&dist);
    free(paths);
    return rc;
}
