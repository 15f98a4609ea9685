/* cli_classes.h - the data of the multi-class commands: class labels, target
 * files and the class outputs of predict. Errors are printed here; the
 * functions return the exit status.
 *
 * Without a targets file the rows' labels are their classes: the training
 * data is read with classes_check_integer, its sorted distinct labels are the
 * model's classes, and every row gets one-hot targets. With a targets file
 * (K numbers a line, one line per row) K comes from the file, and the model's
 * classes are the data's labels when they are K distinct integers, else
 * 0 .. K-1 (with a note).
 */
#ifndef SM_CLI_CLASSES_H
#define SM_CLI_CLASSES_H

#include "classes.h"
#include "dataset.h"
#include "cli_output.h"
#include "dist.h"
#include "model.h"

/* Where the rows of a data set are in the file they were read from: the
 * whole file, or a rank's share of it (dist.h). */
typedef struct {
    int64_t first_row, all_rows;
    const char *source; /* the whole file's name, for messages */
} cli_share;

/* Read the targets of ds's rows from path into ds->target: k numbers a line
 * (0: as the file's first line has), distributions when prob. A share's
 * targets are its rows of the file's all_rows lines; NULL: ds is the whole
 * file. */
int cli_read_targets(const char *path, int32_t k, int prob, const cli_share *share,
                     sm_dataset *ds);

/* The classes and the targets of training data ds: one-hot targets of its
 * class labels (targets_path NULL), or its rows of the targets file; a
 * single class is an error. Under several ranks every rank calls it: the
 * classes are those of every share's rows, as one process finds them in
 * the whole file, and rank 0 tells what every rank finds. */
int cli_train_classes(sm_dist *d, const cli_share *share, const char *targets_path,
                      int prob, int quiet, sm_dataset *ds, sm_classes *classes);

/* What predict writes for a model of K > 1 outputs. */
typedef enum { OUTPUT_CLASS = 0, OUTPUT_SCORES, OUTPUT_PROBS, OUTPUT_KIND_COUNT } cli_output_kind;
/* Names indexed by cli_output_kind, NULL-terminated (names.h). */
extern const char *const cli_output_kind_names[OUTPUT_KIND_COUNT + 1];

/* Write the model's class (the class value of the top score, the first on
 * ties), K scores or class probabilities (softmax(f(s)/T) of the model's link
 * and temperature) for every row of ds into an opened output, one row a
 * line; not committed. */
int cli_put_class_outputs(cli_output *out, cli_output_kind kind, const sm_model *m,
                          const sm_dataset *ds, cli_rows_progress *progress);

#endif
