/* smloss.h - the engine for a program that links libsmloss.a, as liblinear's
 * linear.h and zstd's zstd.h are: one header to include.
 *
 * A run as `smloss train`, `predict` and `eval` make it, in C:
 *
 *     sm_dataset ds;  sm_error err;
 *     dataset_init(&ds);
 *     reader_read_file("train.txt", NULL, &ds, &err);         reader.h
 *     sm_train_job job;  train_job_init(&job);                train_job.h
 *     job.cfg.epochs = 20;  link_parse("sigmoid:a=3,c=30", &job.cfg.objective.link, &err);
 *     train_job_check_objective(&job, &err);
 *     train_job_weigh(&job, NULL, &ds, NULL, &err);           --class-weights, normalised
 *     sm_model m;  model_init(&m);  sm_featmap fm;  featmap_init(&fm, 0);
 *     train_job_features(&job, NULL, &ds, NULL, &fm, &err);
 *     train_job_regions(&job, NULL, &ds, &m.regions, &err);
 *     train_job_run(&job, &ds, NULL, &fm, &m, &err);          the model, provenance too
 *     model_write(&m, f, 0, &err);  model_predict(&m, &ds, scores, &err);    model.h
 *     eval_run(&cfg, &ds, &result, &err);                      eval.h, report.h
 *
 * Every function returns an sm_status (0: SM_OK) and fills an sm_error with
 * the message the command line would print (error.h); none prints or exits.
 * The headers below are the contracts of their modules.
 */
#ifndef SM_SMLOSS_H
#define SM_SMLOSS_H

#include "cv.h"
#include "dataset.h"
#include "error.h"
#include "eval.h"
#include "featmap.h"
#include "link.h"
#include "model.h"
#include "objective.h"
#include "reader.h"
#include "report.h"
#include "train.h"
#include "train_job.h"

#endif
