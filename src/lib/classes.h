/* classes.h - class labels: the set of class values a multi-class model
 * scores, and the mapping between a row's label and its class index.
 *
 * A class label is the row's label read as an integer (the libsvm
 * convention: any integers, e.g. -1/+1 or 0..9); CLASS_VALUE_MAX bounds them
 * so that every one is an exact double. The classes of a model are the
 * sorted distinct labels of its training data; class k (0-based) is the k-th
 * smallest, and output k of the scorer scores it.
 */
#ifndef SM_CLASSES_H
#define SM_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "error.h"

/* 2^53 - 1: a label text beyond it rounds (9007199254740993 reads as 2^53),
 * so two classes could become one; below 2^53 every integer is exact. */
#define CLASS_VALUE_MAX 9007199254740991.0

typedef struct {
    int64_t *value; /* n strictly increasing class values (malloc'd), or NULL */
    int32_t n;
} sm_classes;

void classes_init(sm_classes *c);
void classes_free(sm_classes *c);
/* A copy of src into dst (freed first); SM_EFAIL when out of memory. */
sm_status classes_copy(sm_classes *dst, const sm_classes *src, sm_error *err);

/* Whether a label is a class label (an integer of magnitude at most CLASS_VALUE_MAX). */
int classes_is_label(double label);
/* The sorted distinct labels of ds. SM_EDATA when one is not a class label
 * (the CLI reads data with classes_check_integer, which locates it). */
sm_status classes_from_labels(const sm_dataset *ds, sm_classes *c, sm_error *err);
/* 0 .. n-1: the classes of targets that come without class labels. */
sm_status classes_range(int32_t n, sm_classes *c, sm_error *err);
/* The index of a label among the classes, or -1. */
/* For tests only. */
int32_t classes_find(const sm_classes *c, double label);

/* The class index of every row of ds into a new array *idx (freed by the
 * caller). SM_EDATA naming the first row whose label is no class of c. */
sm_status classes_index_rows(const sm_classes *c, const sm_dataset *ds, int32_t **idx,
                             sm_error *err);
/* The same for a test set, where a class the model lacks is no error: such a
 * row's index is -1 (CLASS_NOT_IN_MODEL), and those classes go to *unseen
 * (increasing) with their row counts in a new array *unseen_rows (freed by
 * the caller, NULL when there are none). SM_EDATA for a label that is not
 * an integer. */
sm_status classes_index_test_rows(const sm_classes *c, const sm_dataset *ds, int32_t **idx,
                                  sm_classes *unseen, int64_t **unseen_rows, sm_error *err);
/* One-hot targets from the class labels: ds->target (replaced) gets n_rows
 * x c->n entries, 1 at the row's class; errors as classes_index_rows. */
sm_status classes_one_hot(const sm_classes *c, sm_dataset *ds, sm_error *err);

/* Class weights (liblinear's -wi): rows of class value[k] weigh weight[k]
 * times their row weight; other classes weigh 1. */
typedef struct {
    int32_t n;
    int64_t *value;
    double *weight;
} sm_class_weights;

/* "v1=w1,v2=w2,...": distinct integer classes and finite weights >= 0.
 * SM_EUSAGE quoting the bad part. Free with class_weights_free. */
sm_status class_weights_parse(const char *text, sm_class_weights *cw, sm_error *err);
void class_weights_free(sm_class_weights *cw);
/* Multiply each row's weight (1 without ds->weight, which is then made) by
 * its label's class weight. SM_EDATA when no row keeps a positive weight
 * (a weights file may not be all 0 either); SM_EFAIL when out of memory. */
sm_status class_weights_apply(const sm_class_weights *cw, sm_dataset *ds, sm_error *err);

/* Rules on labels for the reader (sm_reader_options.check_label): a class
 * label; and (ctx: a const sm_classes *) a label that is one of the classes. */
int classes_check_integer(void *ctx, double label, char *why, size_t size);
int classes_check_known(void *ctx, double label, char *why, size_t size);

/* "v1,v2,...": strictly increasing class labels, at least two (the model
 * file's classes= value). SM_EDATA quoting the bad part. */
sm_status classes_parse(const char *text, sm_classes *c, sm_error *err);

#endif
