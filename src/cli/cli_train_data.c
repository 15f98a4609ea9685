/* cli_train_data.c - the data of `smloss train` on every rank (cli_train.h):
 * the training and validation files with their groups, weights and, for the
 * multi-class objectives, classes and targets; under several ranks each
 * rank's share. */
#include <string.h>

#include "cli_classes.h"
#include "cli_msg.h"
#include "cli_train.h"
#include "membudget.h"

/* The training data, with its weights (those of a share come later:
 * load_share_weights). A group file beside the data is read only where
 * groups are used: for the ranking objectives. */
static int load_train_data(const train_args *a, sm_dataset *train)
{
    /* --init continues a model's classes: its outputs, whatever classes the
     * rows here have (checked as the validation data's are) */
    const sm_classes *known = a->job.init.classes.n ? &a->job.init.classes : NULL;
    int by_query = train_job_by_query(&a->job, 0);
    cli_data_options train_opt = a->data_opt;
    if (train_job_labels_are_classes(&a->job))
        train_opt.check_label = known ? classes_check_known : classes_check_integer;
    train_opt.check_label_ctx = (void *)known;
    train_opt.weighted = 1; /* (the cache keeps the weights) */
    train_opt.weights = a->files.weights;
    int rc = cli_load_grouped_data(a->files.data, a->files.group,
                                   by_query ? CLI_BESIDE_READ : CLI_BESIDE_IGNORE, a->quiet,
                                   &train_opt, train);
    if (rc != SM_OK)
        return rc;
    if (a->data_opt.shares > 1 && !train->lines_known) {
        /* messages of training (a diverging row) count the rows of the share
         * (when its rows' lines are known, they name the file's line) */
        char share[sizeof train->source];
        if (snprintf(share, sizeof share, "rank %d's share of %s", a->data_opt.share,
                     train->source) > 0) /* (a long path is cut, as the source always is) */
            memcpy(train->source, share, sizeof share);
    }
    if (train->n_rows == 0 && a->data_opt.shares <= 1) { /* a share may be empty */
        cli_msg("%s: no data rows", train->source);
        return SM_EDATA;
    }
    /* (a share's weights are a slice of the file's: load_share_weights) */
    if (a->data_opt.shares <= 1)
        return cli_load_weights(a->files.data, a->files.weights, by_query, a->quiet, 0,
                                train->n_rows, train);
    return SM_OK;
}

/* The multi-class objectives: the classes and targets of the training data
 * (cli_classes.h), the --init model's classes if continued. Under several
 * ranks every rank calls it; a share's targets are its rows of the targets
 * file, and the classes are those of every rank's rows. */
static int load_train_classes(const train_args *a, sm_dist *dist, const char *pattern,
                              sm_dataset *train, sm_classes *classes)
{
    const sm_classes *known = a->job.init.classes.n ? &a->job.init.classes : NULL;
    int prob = a->job.cfg.objective.target == TARGET_PROB; /* (checked: a multiclass target) */
    cli_share share = {0, train->n_rows, dist_many(dist) ? pattern : train->source};
    int rc = a->data_opt.shares > 1 ? cli_ranks_share_rows(dist, train->n_rows, &share.first_row,
                                                 &share.all_rows)
                                    : SM_OK;
    if (rc != SM_OK)
        return rc;
    if (!known)
        return cli_train_classes(dist, &share, a->files.targets, prob, a->quiet, train, classes);
    sm_error err;
    if (classes_copy(classes, known, &err) != SM_OK)
        return cli_fail(&err);
    if (a->files.targets)
        return cli_read_targets(a->files.targets, classes->n, prob, &share, train);
    return classes_one_hot(classes, train, &err) == SM_OK ? SM_OK : cli_fail(&err);
}

/* The validation data with its own groups but the training data's threads,
 * both data sets' labels transformed; for the multi-class objectives with
 * its targets (a share's rows of --valid-targets) and its class labels
 * checked against the classes of the training data as they are read. A
 * group file beside it is read for the ranking objectives and a ranking
 * metric of early stopping. Under several ranks every rank calls it. */
static int load_valid_data(const train_args *a, sm_dist *dist, sm_dataset *train,
                           sm_dataset *valid, const sm_classes *classes)
{
    int prob = a->job.cfg.objective.target == TARGET_PROB; /* (checked: a multiclass target) */
    int by_query = train_job_by_query(&a->job, 1);
    cli_data_options valid_opt = {.threads = a->data_opt.threads, .command = "train",
                                  .duplicates = a->data_opt.duplicates,
                                  .share_groups = a->files.valid_share_groups,
                                  .share_groups_beside = a->files.valid_share_groups_beside,
                                  .share = a->files.valid_share, .shares = a->files.valid_shares,
                                  .share_by_query = a->files.valid_share_by_query};
    if (train_job_labels_are_classes(&a->job)) {
        valid_opt.check_label = classes_check_known;
        valid_opt.check_label_ctx = (void *)classes;
    }
    int rc = SM_OK;
    if (a->files.valid)
        rc = cli_load_grouped_data(a->files.valid, a->files.valid_group,
                                   by_query ? CLI_BESIDE_READ : CLI_BESIDE_IGNORE,
                                   a->quiet, &valid_opt, valid);
    cli_share share = {0, valid->n_rows, a->files.valid_shares > 1 ? a->files.valid : valid->source};
    /* a share's targets: its rows of the file, once every rank has its own */
    if (a->files.valid && a->files.targets && a->files.valid_shares > 1 &&
        (rc = cli_ranks_agree(dist, rc)) == SM_OK)
        rc = cli_ranks_share_rows(dist, valid->n_rows, &share.first_row, &share.all_rows);
    sm_error err;
    if (rc == SM_OK && a->files.valid && a->files.targets)
        rc = cli_read_targets(a->files.valid_targets, classes->n, prob, &share, valid);
    else if (rc == SM_OK && a->files.valid && train_job_labels_are_classes(&a->job) &&
             classes_one_hot(classes, valid, &err) != SM_OK)
        rc = cli_fail(&err);
    if (rc != SM_OK)
        return rc;
    if (a->files.valid && valid->n_rows == 0 && a->files.valid_shares <= 1) {
        cli_msg("%s: no data rows in the validation data (--valid)", valid->source);
        return SM_EDATA;
    }
    if (a->files.valid && a->files.valid_shares <= 1 &&
        (rc = cli_load_weights(a->files.valid, a->files.valid_weights, by_query, a->quiet, 0,
                               valid->n_rows, valid)) != SM_OK)
        return rc;
    sm_label_transform t = a->job.label_transform;
    if (dataset_transform_labels(train, t, &err) != SM_OK ||
        (a->files.valid && dataset_transform_labels(valid, t, &err) != SM_OK))
        return cli_fail(&err);
    return SM_OK;
}

/* Several ranks sharing one file: each share's weights are the slice of the
 * weights file (DATA.weight, --weights) for its rows, which follow the rows
 * of the ranks before it. Every rank takes part in the gathers before any
 * reads a file, so a failure is agreed on after (ranks_agree). */
static int load_share_weights(const train_args *a, sm_dist *dist, sm_dataset *train,
                              sm_dataset *valid)
{
    for (int v = 0; v < 2; v++) {
        sm_dataset *ds = v ? valid : train;
        if ((v ? a->files.valid_shares : a->data_opt.shares) <= 1 || (v && !a->files.valid))
            continue;
        int64_t first, all;
        int rc = cli_ranks_share_rows(dist, ds->n_rows, &first, &all);
        if (rc == SM_OK)
            rc = cli_load_weights(v ? a->files.valid : a->files.data,
                                  v ? a->files.valid_weights : a->files.weights,
                                  train_job_by_query(&a->job, v), a->quiet, first, all, ds);
        if (rc != SM_OK)
            return rc;
    }
    return SM_OK;
}

/* --class-weights and the normalised weights (train_job_weigh). */
static int weigh_rows(const train_args *a, sm_dist *dist, sm_dataset *train, sm_dataset *valid)
{
    sm_error err;
    sm_status st = train_job_weigh(&a->job, dist, train, a->files.valid ? valid : NULL, &err);
    return st == SM_OK ? SM_OK : cli_fail(&err);
}

int cli_train_load_data(train_args *a, sm_dist *dist, sm_dataset *train, sm_dataset *valid,
                        sm_classes *classes)
{
    int rc;
    if ((rc = cli_ranks_agree(dist, load_train_data(a, train))) != SM_OK ||
        (objective_is_multiclass(a->job.cfg.objective.kind) &&
         (rc = cli_ranks_agree(dist, load_train_classes(a, dist, a->job.given.data, train,
                                                        classes))) != SM_OK) ||
        (rc = cli_ranks_agree(dist, load_valid_data(a, dist, train, valid, classes))) != SM_OK ||
        (rc = cli_ranks_agree(dist, load_share_weights(a, dist, train, valid))) != SM_OK ||
        (rc = cli_ranks_agree(dist, weigh_rows(a, dist, train, valid))) != SM_OK)
        return rc;
    /* Data larger than the budget: the epochs' blocks fill a quarter of it. */
    char source[96];
    uint64_t budget = cli_memory_budget(&a->data_opt, source, sizeof source);
    if (cli_data_streamed(train, budget))
        a->job.cfg.stream_units =
            membudget_stream_units(budget, train->mapping_len,
                                   objective_unit_count(&a->job.cfg.objective, train),
                                   STREAM_WINDOW);
    return SM_OK;
}
