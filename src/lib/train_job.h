/* train_job.h - a training run from the options a user gives: what
 * `smloss train` does between reading the data and writing the model, so
 * that a program linking the library gets the same model, provenance
 * included.
 *
 * The caller parses the options into a job (train_job_init first) and says
 * which were given (a warm start takes the others from its model). Then, in
 * this order:
 *   train_job_warm_start  merge the --init model: check what the options say
 *                         of its shape, take what they leave unsaid;
 *   (read the data)
 *   train_job_weigh       --class-weights on the rows, then every weight
 *                         normalised;
 *   train_job_set_classes a multi-class objective's K outputs, resolved once
 *                         the classes are known;
 *   train_job_features    the scorer's inputs: the data's, or the model's;
 *   train_job_regions     the label regions the model reports on;
 *   train_job_emphasis    --emphasize compiled into the loss;
 *   train_job_run         train, and record in the model all that made it.
 * A mistake in what was asked is SM_EUSAGE with the option named in the
 * message; a bad file or model SM_EDATA. Nothing here prints.
 */
#ifndef SM_TRAIN_JOB_H
#define SM_TRAIN_JOB_H

#include "dataset.h"
#include "dist.h"
#include "emphasize.h"
#include "error.h"
#include "featmap.h"
#include "model.h"
#include "regions.h"
#include "train.h"

typedef struct {
    sm_train_config cfg;
    sm_label_transform label_transform;
    int hash_bits;              /* 0: no hashing */
    const char *regions_text;   /* --regions, or NULL: chosen by train_job_regions */
    const char *emphasize_text; /* --emphasize (its parse in emphasis), or NULL */
    sm_emphasis emphasis;
    /* Which options were given: a warm start checks them against its model
     * and takes the others from it. */
    int have_label_transform, have_hash_bits, have_scorer, have_activation, have_objective,
        have_temperature, have_target, have_loss;
    /* The warm start (--init): its file name and model (empty without). */
    const char *init_name;
    sm_model init;
    /* Provenance the data sets do not carry: the multi-class targets file
     * (NULL: the class labels) and how it reads (the objective itself
     * trains on probabilities); with several ranks the file names as given
     * (%r not expanded; NULL: none given). */
    const char *targets_file;
    sm_target_kind file_target;
    const char *class_weights; /* --class-weights as given (train_job_weigh), or NULL */
    struct {
        const char *data, *targets, *weights;
    } given;
    /* Several ranks: the rows and queries of all of their data, gathered by
     * train_job_run before training, so that the model and each checkpoint
     * (train_job_record) record all of it; ranks 0: one process. */
    struct {
        int64_t rows, queries;
        int ranks;
    } all;
} sm_train_job;

/* Defaults: those of train_config_default, no warm start. */
void train_job_init(sm_train_job *job);
void train_job_free(sm_train_job *job);

/* The objective's options; K too, unless the objective is multi-class:
 * its K comes with the classes (train_job_set_classes). */
sm_status train_job_check_objective(sm_train_job *job, sm_error *err);

/* Whether the training data (valid 0) or the validation data (valid 1) is
 * read by query, with its groups: the objective's unit is a query, or for
 * the validation data early stopping is on a ranking metric. */
int train_job_by_query(const sm_train_job *job, int valid);
/* Whether the rows' labels are class labels: a multi-class objective
 * without a targets file (job->targets_file). */
int train_job_labels_are_classes(const sm_train_job *job);

/* job->init, loaded by the caller from job->init_name: the scorer, hash bits
 * and label transform must match what the options say of them; the scorer,
 * objective, link, temperature and target the options leave unsaid come
 * from the model. A model is continued on its own inputs, so what makes its
 * parameters mean something must match; the loss and objective may change
 * (fine-tuning with another loss), as long as the number of outputs stays. */
sm_status train_job_warm_start(sm_train_job *job, sm_error *err);

/* The weights of the rows, once the data is read (a rank's share of it,
 * with its row weights): --class-weights multiplies those of the training
 * rows by their class label's, then the weights of each data set are
 * normalised (dataset_normalize_weights) by the range of every rank's
 * share, so that a weighted mean keeps its bits. valid may be NULL. Every
 * rank calls it (and takes part in the range, whatever failed before). */
sm_status train_job_weigh(const sm_train_job *job, sm_dist *dist, sm_dataset *train,
                          sm_dataset *valid, sm_error *err);

/* A multi-class objective on the classes of the data: K = classes->n
 * outputs; one-hot class labels are probabilities to the multiclass
 * objective, whatever --target says of target files (kept in file_target).
 * With --metric accuracy the validation rows' classes go to *valid_classes
 * (the caller frees it), which cfg points at. */
sm_status train_job_set_classes(sm_train_job *job, const sm_classes *classes,
                                const sm_dataset *valid, int32_t **valid_classes, sm_error *err);

/* The scorer's inputs: the training data's (featmap_prepare), or with a
 * warm start the model's, which the data must stay within (the map moves
 * from job->init to *features). Both data sets (valid may be NULL) go
 * through them. */
sm_status train_job_features(sm_train_job *job, sm_dist *dist, sm_dataset *train,
                             sm_dataset *valid, sm_featmap *features, sm_error *err);

/* The regions of the model: --regions, the warm start's, the intervals
 * --emphasize weighed, or chosen from the labels of every rank. */
sm_status train_job_regions(const sm_train_job *job, sm_dist *dist, const sm_dataset *train,
                            sm_regions *regions, sm_error *err);

/* --emphasize into job->cfg.objective.link, now that the labels and regions
 * are known: the width's default follows the spread of the values the link
 * is applied to (the labels; a multi-class objective's targets) over every
 * rank. */
sm_status train_job_emphasis(sm_train_job *job, sm_dist *dist, const sm_dataset *train,
                             const sm_regions *regions, sm_error *err);

/* Train job->cfg on train (valid may be NULL) into model, whose regions and
 * classes are set; the model takes the features over and records the
 * options, the data and, with several ranks, every rank's counts. */
sm_status train_job_run(sm_train_job *job, const sm_dataset *train, const sm_dataset *valid,
                        sm_featmap *features, sm_model *model, sm_error *err);

/* What train_job_run records of the options and the data, with several
 * ranks every rank's counts (gathered before training began): for a
 * checkpoint too. */
void train_job_record(const sm_train_job *job, const sm_dataset *train, sm_model *model);

#endif
