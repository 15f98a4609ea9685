/* cli_train.h - `smloss train`'s command line as parsed: the job the engine
 * takes (train_job.h) and what the command does around it (files, ranks,
 * outputs, the --folds table). */
#ifndef SM_CLI_TRAIN_H
#define SM_CLI_TRAIN_H

#include "cli_data.h"
#include "cli_ranks.h"
#include "train_job.h"

typedef struct train_args {
    sm_train_job job;     /* the options the engine takes */
    cli_rank_files files; /* the data files, this rank's once set up */
    const char *model, *predictions, *loss;
    int quiet;
    int folds;                 /* --folds: 0, or K >= 2 */
    int format;                /* --format of the --folds table */
    cli_data_options data_opt; /* --threads, --cache (for --data) */
    /* Options given explicitly, applied over the chosen optimiser's defaults. */
    int optimizer; /* -1: by the scorer */
    double lr, momentum, beta1, beta2, eps;
    int have_lr, have_schedule, have_momentum, have_beta1, have_beta2, have_eps;
    int schedule;
    int solver;             /* --solver (SOLVER_AUTO unless given) */
    char sgd_option[24];    /* the first option of SGD alone given, or "" */
    int have_tol, have_max_iter;
    unsigned char given[96]; /* the options given, by their place in train's table */
    const char *resume;          /* --resume CHECKPOINT, or NULL */
    sm_train_state resume_state; /* its state (train_state_free it) */
} train_args;

/* Parse and check train's options into a (train_job_free a->job after, also
 * after a failure); with --init the model is read and merged. SM_OK, -1
 * after --help, or the exit status of a usage error (told). */
int cli_train_parse(int argc, char **argv, train_args *a);

/* Read the data on every rank (cli_train_data.c), and weigh its rows
 * (train_job_weigh) once all are read; the classes of a multi-class
 * objective into *classes; streaming chosen when the data is larger than
 * the memory budget. The messages of what every rank finds are said once
 * (cli_ranks_agree). */
int cli_train_load_data(train_args *a, sm_dist *dist, sm_dataset *train, sm_dataset *valid,
                        sm_classes *classes);

/* Tell a failure of the job: a usage error names the options (and points
 * at --help), else what failed. Returns the exit status. */
int cli_train_fail(sm_status st, const sm_error *err);

#endif
