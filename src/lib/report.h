/* report.h - the reports and tables, each as an aligned text table, TSV or
 * JSON: eval's region report (with the ranking metrics) and class report,
 * train's epoch table and the --folds table.
 *
 * The engine's one piece of output formatting: it writes to a stream the
 * caller opened (stdout or an output file) and returns SM_EIO when a write
 * fails, so the CLI can report a full disk. It never opens files itself.
 */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <stdio.h>

#include "class_metrics.h"
#include "cv.h"
#include "error.h"
#include "metrics.h"
#include "rank_metrics.h"

typedef enum { REPORT_TEXT = 0, REPORT_TSV, REPORT_JSON, REPORT_FORMAT_COUNT } sm_report_format;

/* Names indexed by sm_report_format, NULL-terminated (names.h). */
extern const char *const report_format_names[REPORT_FORMAT_COUNT + 1];

/* What the header states: where the numbers came from. Strings may be NULL. */
typedef struct {
    const char *data_name;       /* evaluated file */
    const char *model_name;      /* model file or NULL */
    const char *predictions_name;/* predictions file or NULL */
    const char *loss_spec;       /* canonical link spec of the selective loss */
    const char *label_transform; /* "none", "log", "log1p" */
    const char *weights_name;    /* row weights file, or NULL: unweighted (the
                                  * header then has no weights line) */
} sm_report_meta;

/* Every report_write* writes its report and flushes the stream: SM_EIO when
 * any write or the flush fails (e.g. a full disk). Layouts are described in
 * report.c. This one: report_write without ranking metrics (for tests
 * only). */
sm_status report_write_regions(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                               const sm_region_report *rep, sm_error *err);
/* The same followed, for grouped data, by the ranking metrics (rank may be
 * NULL): their conventions, the metric table and the region-pair accuracy. */
sm_status report_write(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                       const sm_region_report *rep, const sm_rank_report *rank, sm_error *err);
/* One TSV line per query: "qid" (or "group", the 1-based group number when
 * qid is NULL), "rows", then every metric of the report's configuration;
 * NaN where the query is skipped. */
sm_status report_write_per_query(FILE *out, const sm_rank_report *rank,
                                 const sm_query_metrics *per_query, const int64_t *qid,
                                 const int64_t *group_ptr, int64_t n_groups, sm_error *err);

/* The classes of a class report by value: the model's, and those of the
 * data that the model lacks. */
typedef struct {
    const int64_t *value;             /* the model's K classes; NULL: 0 .. K-1 */
    int32_t n_not_in_model;           /* classes of the data the model lacks */
    const int64_t *not_in_model;      /* their values, increasing */
    const int64_t *not_in_model_rows; /* and their row counts */
} sm_class_names;

/* The class report of K >= 2 class scores per row (class_metrics.h), in the
 * layouts described in report.c; names (NULL: 0 .. K-1, none lacking) name
 * the classes; mean_loss is the objective's mean over the rows (NaN: none). */
sm_status report_write_classes(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                               const sm_class_report *rep, const sm_class_names *names,
                               double mean_loss, sm_error *err);

/* The table of a k-fold cross-validation (cv.h): the figures of each fold,
 * their mean and sample standard deviation, in the layouts described in
 * report.c; meta names the data, the loss and the label transform. */
sm_status report_write_cv(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                          const sm_cv_result *cv, sm_error *err);

/* Training's epoch table (train.h), a row at a time as the epochs end, in
 * the layouts described in report.c: the header (JSON: the opening) with the
 * first row; unit names a row ("epoch" for SGD, "iter" for an L-BFGS
 * iteration; NULL: "epoch"); metric names early stopping's metric ("" or
 * NULL: none). report_end_epochs closes the table after its last row (JSON). */
sm_status report_write_epoch(FILE *out, sm_report_format fmt, const char *unit,
                             const char *metric, const sm_epoch_info *e, int first,
                             sm_error *err);
sm_status report_end_epochs(FILE *out, sm_report_format fmt, sm_error *err);

#endif
