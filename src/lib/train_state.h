/* train_state.h - what a training run needs to continue exactly where it
 * stopped (train --resume): named values and named arrays of doubles.
 *
 * The trainer (train.c) fills one at each checkpoint and reads one back to
 * resume; the model file carries it after the model (model_write_state,
 * model_load_checkpoint in model.h). A value is text (numbers in %.17g,
 * which read back bit for bit; "nan" is a number); an array keeps its
 * doubles exactly, signed zeros included. Names are unique: setting one
 * again replaces it.
 */
#ifndef SM_TRAIN_STATE_H
#define SM_TRAIN_STATE_H

#include <stdint.h>

#include "error.h"

#define TRAIN_STATE_NAME_MAX 48
#define TRAIN_STATE_VALUE_MAX 208

typedef struct {
    char name[TRAIN_STATE_NAME_MAX];
    char value[TRAIN_STATE_VALUE_MAX];
} sm_state_value;

typedef struct {
    char name[TRAIN_STATE_NAME_MAX];
    int64_t n;
    double *v;
} sm_state_array;

typedef struct {
    int n_values, cap_values;
    sm_state_value *values;
    int n_arrays, cap_arrays;
    sm_state_array *arrays;
} sm_train_state;

void train_state_init(sm_train_state *s);
void train_state_free(sm_train_state *s);

/* Set a value: SM_EFAIL when out of memory, SM_EDATA for a name of
 * TRAIN_STATE_NAME_MAX or more or a value of TRAIN_STATE_VALUE_MAX or more
 * (never cut) or holding a line break. */
sm_status train_state_set(sm_train_state *s, const char *name, sm_error *err, const char *fmt,
                          ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The value of name, or NULL. */
const char *train_state_get(const sm_train_state *s, const char *name);
/* An array of n values (copied; v NULL: n zeros, room to fill); its name
 * (as a value's, and without blanks or '=') else SM_EDATA. */
sm_status train_state_set_array(sm_train_state *s, const char *name, const double *v, int64_t n,
                                sm_error *err);
const sm_state_array *train_state_array(const sm_train_state *s, const char *name);

/* Typed reads for a resume: SM_EDATA naming what is missing or bad ("the
 * checkpoint's resume state has no NAME"). An array must have n values. */
sm_status train_state_double(const sm_train_state *s, const char *name, double *out,
                             sm_error *err);
sm_status train_state_long(const sm_train_state *s, const char *name, long long *out,
                           sm_error *err);
sm_status train_state_doubles(const sm_train_state *s, const char *name, int64_t n,
                              const double **out, sm_error *err);

#endif
