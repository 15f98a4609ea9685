/* train_job.c - a training run from the options a user gives (train_job.h). */
#include "train_job.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "names.h"
#include "numfmt.h"

void train_job_init(sm_train_job *job)
{
    memset(job, 0, sizeof *job);
    train_config_default(&job->cfg);
    model_init(&job->init);
}

void train_job_free(sm_train_job *job)
{
    model_free(&job->init);
}

sm_status train_job_check_objective(sm_train_job *job, sm_error *err)
{
    sm_objective *o = &job->cfg.objective;
    return objective_is_multiclass(o->kind) ? objective_check_options(o, err)
                                            : objective_check(o, err);
}

/* Early stopping on a ranking metric (ndcg, err, map, mrr), which reads the
 * validation data by query. */
static int stops_on_rank_metric(const sm_train_job *job)
{
    const sm_train_config *c = &job->cfg;
    return c->keep_best && rank_metric_is_ranking(&c->metric);
}

int train_job_by_query(const sm_train_job *job, int valid)
{
    return objective_unit(job->cfg.objective.kind) == UNIT_QUERY ||
           (valid && stops_on_rank_metric(job));
}

int train_job_labels_are_classes(const sm_train_job *job)
{
    return objective_unit(job->cfg.objective.kind) == UNIT_CLASS_ROW && !job->targets_file;
}

/* The scorer as --scorer spells it, with an MLP's activation. */
static void format_scorer(const sm_scorer_config *c, char *out, size_t size)
{
    int layered = scorer_kind_is_layered(c->kind);
    int n = snprintf(out, size, "%s", scorer_kind_name(c->kind));
    for (int l = 1; layered && l <= c->mlp.n_hidden && n > 0 && (size_t)n < size; l++)
        n += snprintf(out + n, size - (size_t)n, "%c%ld", l == 1 ? ':' : ',',
                      (long)c->mlp.width[l]);
    if (layered && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, " --activation %s", activation_names[c->mlp.act]);
}

static int same_scorer_shape(const sm_scorer_config *x, const sm_scorer_config *y)
{
    if (x->kind != y->kind || x->mlp.n_hidden != y->mlp.n_hidden)
        return 0;
    int layered = scorer_kind_is_layered(x->kind);
    for (int l = 1; layered && l <= x->mlp.n_hidden; l++)
        if (x->mlp.width[l] != y->mlp.width[l])
            return 0;
    return !layered || x->mlp.act == y->mlp.act;
}

/* The scorer, hash bits and label transform the options give against the
 * model's; the model's scorer is the job's from here on. */
static sm_status warm_start_shape(sm_train_job *job, sm_error *err)
{
    const sm_model *m = &job->init;
    char want[96], have[96];
    if (job->have_scorer || job->have_activation) {
        sm_scorer_config c = job->cfg.scorer;
        if (!job->have_scorer) { /* --activation alone: the model's layers */
            c.kind = m->scorer.kind;
            c.mlp.n_hidden = m->scorer.mlp.n_hidden;
            memcpy(c.mlp.width, m->scorer.mlp.width, sizeof c.mlp.width);
        }
        if (!same_scorer_shape(&c, &m->scorer)) {
            format_scorer(&c, want, sizeof want);
            format_scorer(&m->scorer, have, sizeof have);
            return sm_fail(err, SM_EUSAGE, "--init %s: the model's scorer is %s, the options "
                           "ask for %s", job->init_name, have, want);
        }
    }
    job->cfg.scorer = m->scorer;
    job->have_activation = 0; /* checked above */
    if (job->have_hash_bits && job->hash_bits != m->features.hash_bits && m->features.hash_bits)
        return sm_fail(err, SM_EUSAGE, "--init %s: the model hashes its features into %d bits, "
                       "not %d (--hash-bits)", job->init_name, m->features.hash_bits,
                       job->hash_bits);
    if (job->have_hash_bits && !m->features.hash_bits)
        return sm_fail(err, SM_EUSAGE, "--init %s: the model does not hash its features "
                       "(--hash-bits %d)", job->init_name, job->hash_bits);
    if (job->have_label_transform && job->label_transform != m->label_transform)
        return sm_fail(err, SM_EUSAGE, "--init %s: the model learnt labels with "
                       "--label-transform %s, not %s", job->init_name,
                       label_transform_names[m->label_transform],
                       label_transform_names[job->label_transform]);
    job->label_transform = m->label_transform;
    return SM_OK;
}

sm_status train_job_warm_start(sm_train_job *job, sm_error *err)
{
    const sm_model *m = &job->init;
    sm_objective obj;
    sm_status st = warm_start_shape(job, err);
    if (st != SM_OK || (st = model_objective(m, &obj, err)) != SM_OK)
        return st;
    sm_objective *o = &job->cfg.objective;
    if (!job->have_objective)
        o->kind = obj.kind;
    if (!job->have_loss)
        o->link = obj.link;
    if (!job->have_objective && !job->have_temperature)
        o->temperature = obj.temperature;
    if (!job->have_objective && !job->have_target)
        o->target = obj.target;
    int class_scores = objective_unit(o->kind) == UNIT_CLASS_ROW; /* K outputs, one a class */
    if (class_scores != (m->classes.n > 0) || (!class_scores && m->scorer.n_out != 1))
        return sm_fail(err, SM_EUSAGE, "--init %s: the model has %ld output%s%s; the %s "
                       "objective needs %s", job->init_name, (long)m->scorer.n_out,
                       m->scorer.n_out == 1 ? "" : "s",
                       m->classes.n ? " (one per class)" : "",
                       objective_kind_name(o->kind),
                       class_scores ? "a multi-class model" : "one output");
    return SM_OK;
}

/* --class-weights on the training rows. */
static sm_status apply_class_weights(const sm_train_job *job, sm_dataset *train, sm_error *err)
{
    sm_class_weights cw;
    if (!job->class_weights)
        return SM_OK;
    sm_status st = class_weights_parse(job->class_weights, &cw, err);
    if (st == SM_OK)
        st = class_weights_apply(&cw, train, err);
    class_weights_free(&cw);
    return st;
}

sm_status train_job_weigh(const sm_train_job *job, sm_dist *dist, sm_dataset *train,
                          sm_dataset *valid, sm_error *err)
{
    sm_status st = apply_class_weights(job, train, err);
    double range[4]; /* -lo, hi of train, then of valid */
    const sm_dataset *sets[2] = {train, valid};
    int n = valid ? 2 : 1;
    for (int v = 0; v < n; v++) {
        dataset_weight_range(sets[v], &range[2 * v], &range[2 * v + 1]);
        range[2 * v] = -range[2 * v];
    }
    sm_error max_err;
    sm_status max_st = dist_max(dist, range, 2 * n, &max_err);
    if (st != SM_OK)
        return st;
    if (max_st != SM_OK) {
        if (err)
            *err = max_err;
        return max_st;
    }
    for (int v = 0; v < n && st == SM_OK; v++)
        st = dataset_normalize_weights(v ? valid : train, -range[2 * v], range[2 * v + 1], err);
    return st;
}

sm_status train_job_set_classes(sm_train_job *job, const sm_classes *classes,
                                const sm_dataset *valid, int32_t **valid_classes, sm_error *err)
{
    sm_objective *obj = &job->cfg.objective;
    obj->n_out = job->cfg.scorer.n_out = classes->n;
    job->file_target = obj->target;
    if (!job->targets_file && objective_takes_target(obj->kind, TARGET_PROB))
        obj->target = TARGET_PROB;
    sm_status st = objective_check(obj, err);
    if (st != SM_OK)
        return st;
    if (job->cfg.keep_best && job->cfg.metric.kind == METRIC_ACCURACY) {
        if (classes_index_rows(classes, valid, valid_classes, err) != SM_OK) {
            err->status = SM_EDATA;
            return sm_fail_prefix(err, "--metric accuracy needs the classes of the --valid rows");
        }
        job->cfg.valid_classes = *valid_classes;
    }
    return SM_OK;
}

sm_status train_job_features(sm_train_job *job, sm_dist *dist, sm_dataset *train,
                             sm_dataset *valid, sm_featmap *features, sm_error *err)
{
    if (!job->init_name)
        return featmap_prepare(train, valid, job->hash_bits, dist, features, err);
    featmap_free(features);
    *features = job->init.features;
    featmap_init(&job->init.features, 0);
    sm_status st = featmap_apply_model(features, train, err);
    if (st != SM_OK || (valid && (st = featmap_apply(features, valid, err)) != SM_OK))
        return st;
    /* the shape was checked before; the inputs now agree by construction */
    sm_scorer_config c = job->cfg.scorer;
    scorer_config_complete(&c, features->n);
    if (scorer_saved_param_count(&c) != scorer_saved_param_count(&job->init.scorer))
        return sm_fail(err, SM_EDATA, "--init %s: the model's parameters do not fit its own "
                       "shape", job->init_name);
    job->cfg.init_param = job->init.param;
    return SM_OK;
}

/* A mistake in what an option asks for: its message, the option named. */
static sm_status usage_prefix(sm_error *err, const char *option)
{
    if (!err)
        return SM_EUSAGE;
    err->status = SM_EUSAGE;
    return sm_fail_prefix(err, "%s", option);
}

/* The regions of every rank's labels. */
static sm_status regions_of_ranks(const sm_train_job *job, sm_dist *d, const sm_dataset *train,
                                  sm_regions *regions, sm_error *err)
{
    double *labels;
    int64_t n;
    sm_status st = dist_allgather_f64(d, train->label, train->n_rows, &labels, &n, err);
    if (st != SM_OK)
        return st;
    if (n == 0) {
        free(labels);
        return sm_fail(err, SM_EDATA, "%s: no data rows", job->given.data);
    }
    regions_from_labels(labels, n, regions);
    free(labels);
    return SM_OK;
}

sm_status train_job_regions(const sm_train_job *job, sm_dist *dist, const sm_dataset *train,
                            sm_regions *regions, sm_error *err)
{
    if (job->regions_text) {
        if (regions_parse(job->regions_text, regions, err) != SM_OK)
            return usage_prefix(err, "--regions");
    } else if (job->init_name) {
        *regions = job->init.regions;
    } else if (job->emphasize_text && job->emphasis.n > 0) {
        /* the regions the user weighed are the ones to report on */
        *regions = (sm_regions){.n = job->emphasis.n, .origin = REGIONS_GIVEN};
        memcpy(regions->bound, job->emphasis.bound,
               sizeof regions->bound[0] * (size_t)(job->emphasis.n - 1));
    } else if (dist_many(dist)) {
        return regions_of_ranks(job, dist, train, regions, err);
    } else {
        regions_from_labels(train->label, train->n_rows, regions);
    }
    return SM_OK;
}

sm_status train_job_emphasis(sm_train_job *job, sm_dist *dist, const sm_dataset *train,
                             const sm_regions *regions, sm_error *err)
{
    double range[2];
    if (objective_unit(job->cfg.objective.kind) == UNIT_CLASS_ROW) /* the link's values: targets */
        emphasis_range(train->target, train->n_rows * (int64_t)train->target_dim, &range[0],
                       &range[1]);
    else
        emphasis_range(train->label, train->n_rows, &range[0], &range[1]);
    range[0] = -range[0]; /* several ranks: the range of all their shares */
    sm_status st = dist_many(dist) ? dist_max(dist, range, 2, err) : SM_OK;
    if (st != SM_OK)
        return st;
    double spread = range[1] > -range[0] ? range[1] + range[0] : 0.0;
    if (emphasis_resolve(&job->emphasis, regions, spread, err) != SM_OK ||
        emphasis_compile(&job->emphasis, &job->cfg.objective.link, err) != SM_OK)
        return usage_prefix(err, "--emphasize");
    char spec[EMPHASIS_SPEC_MAX];
    emphasis_format(&job->emphasis, spec, sizeof spec);
    if (strlen(spec) >= sizeof ((sm_model *)0)->info[0].value)
        return sm_fail(err, SM_EUSAGE, "--emphasize: too many regions to record in the model");
    return SM_OK;
}

/* The temperature as the model records it. */
static void record_temperature(sm_model *m, double temperature)
{
    char t[32];
    sm_format_double(t, sizeof t, temperature);
    model_set_info(m, "temperature", "%s", t);
}

/* The optimiser's options; those of another optimiser are left out. */
static void record_optimizer(sm_model *m, const sm_optim_config *o)
{
    model_set_info(m, "optimizer", "%s", optim_kind_name(o->kind));
    /* The rate the model was trained with: halved by any back-off (train.h),
     * so that --lr with it gives the same model. */
    const char *halvings = model_get_info(m, "lr_halvings");
    model_set_info(m, "lr", "%.17g", halvings ? ldexp(o->lr, -atoi(halvings)) : o->lr);
    model_set_info(m, "lr_schedule", "%s", optim_schedule_name(o->schedule));
    model_set_info(m, "warmup", "%lld", (long long)o->warmup);
    if (o->kind == OPT_MOMENTUM)
        model_set_info(m, "momentum", "%.17g", o->momentum);
    if (o->kind == OPT_ADAM) {
        model_set_info(m, "beta1", "%.17g", o->beta1);
        model_set_info(m, "beta2", "%.17g", o->beta2);
    }
    if (o->kind == OPT_ADAM || o->kind == OPT_ADAGRAD)
        model_set_info(m, "eps", "%.17g", o->eps);
    model_set_info(m, "l2", "%.17g", o->l2);
    model_set_info(m, "clip", "%.17g", o->clip);
}

/* What the solver was told: SGD its epochs, steps and optimiser; L-BFGS its
 * tolerance and cap (train_run records solver, stop_reason, iterations and
 * grad_norm). */
static void record_solver(sm_model *m, const sm_train_config *c)
{
    if (train_solver(c) == SOLVER_LBFGS) {
        model_set_info(m, "tol", "%.17g", c->tol);
        model_set_info(m, "max_iter", "%d", c->max_iter);
        model_set_info(m, "l2", "%.17g", c->optim.l2);
        return;
    }
    model_set_info(m, "epochs", "%d", c->epochs);
    model_set_info(m, "batch", "%lld",
                   (long long)(c->batch > 0 ? c->batch : train_default_batch(c->objective.kind)));
    record_optimizer(m, &c->optim);
}

static void record_ranks(const sm_train_job *job, sm_model *model);

void train_job_record(const sm_train_job *job, const sm_dataset *train, sm_model *m)
{
    const sm_train_config *c = &job->cfg;
    const sm_objective *obj = &c->objective;
    m->label_transform = job->label_transform;
    model_set_info(m, "train_data", "%s", train->source);
    model_set_info(m, "train_rows", "%lld", (long long)train->n_rows);
    if (train->weight && train->weight_source[0])
        model_set_info(m, "train_weights", "%s", train->weight_source);
    if (job->class_weights)
        model_set_info(m, "class_weights", "%s", job->class_weights);
    record_solver(m, c);
    model_set_info(m, "scale", "%s", feature_scaling_names[c->scaling]);
    model_set_info(m, "seed", "%llu", (unsigned long long)c->seed);
    if (job->emphasize_text) {
        char spec[EMPHASIS_SPEC_MAX];
        emphasis_format(&job->emphasis, spec, sizeof spec);
        model_set_info(m, "emphasize", "%s", spec);
    }
    switch (objective_unit(obj->kind)) {
    case UNIT_CLASS_ROW:
        record_temperature(m, obj->temperature);
        if (objective_takes_target(obj->kind, TARGET_PROB))
            model_set_info(m, "target", "%s", objective_target_name(job->file_target));
        model_set_info(m, "train_targets", "%s",
                       job->targets_file ? job->targets_file : "class labels");
        break;
    case UNIT_QUERY:
        record_temperature(m, obj->temperature);
        model_set_info(m, "target", "%s", objective_target_name(obj->target));
        model_set_info(m, "max_pairs", "%lld", (long long)obj->max_pairs);
        model_set_info(m, "train_queries", "%lld", (long long)train->n_groups);
        break;
    case UNIT_ROW:
        break;
    }
    if (job->all.ranks > 1) /* (train is this rank's share) */
        record_ranks(job, m);
}

/* Several ranks: the rows and queries of every rank's share into job->all.
 * Every rank calls it. */
static sm_status gather_ranks(sm_train_job *job, sm_dist *d, const sm_dataset *train,
                              sm_error *err)
{
    int64_t *counts = malloc((size_t)dist_size(d) * 2 * sizeof *counts), rows = 0, queries = 0;
    sm_status st = counts ? SM_OK : sm_fail(err, SM_EFAIL, "out of memory");
    if (st == SM_OK && (st = dist_allgather_i64(d, train->n_rows, counts, err)) == SM_OK)
        st = dist_allgather_i64(d, train->n_groups, counts + dist_size(d), err);
    for (int r = 0; st == SM_OK && r < dist_size(d); r++)
        rows += counts[r], queries += counts[dist_size(d) + r];
    free(counts);
    if (st == SM_OK) {
        job->all.rows = rows;
        job->all.queries = queries;
        job->all.ranks = dist_size(d);
    }
    return st;
}

/* Several ranks: the model records the data of all of them. */
static void record_ranks(const sm_train_job *job, sm_model *model)
{
    model_set_info(model, "train_data", "%s", job->given.data);
    if (job->given.targets)
        model_set_info(model, "train_targets", "%s", job->given.targets);
    if (job->given.weights)
        model_set_info(model, "train_weights", "%s", job->given.weights);
    model_set_info(model, "train_rows", "%lld", (long long)job->all.rows);
    if (train_job_by_query(job, 0))
        model_set_info(model, "train_queries", "%lld", (long long)job->all.queries);
    model_set_info(model, "ranks", "%d", job->all.ranks);
    if (job->cfg.sync_every)
        model_set_info(model, "sync_every", "%d", job->cfg.sync_every);
}

sm_status train_job_run(sm_train_job *job, const sm_dataset *train, const sm_dataset *valid,
                        sm_featmap *features, sm_model *model, sm_error *err)
{
    sm_dist *d = job->cfg.dist;
    sm_status st = d && dist_many(d) ? gather_ranks(job, d, train, err) : SM_OK;
    if (st == SM_OK)
        st = train_run(train, valid, &job->cfg, model, err);
    if (st != SM_OK)
        return st;
    model_set_features(model, features);
    train_job_record(job, train, model);
    return SM_OK;
}
