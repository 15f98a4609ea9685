/* model.h - a trained scorer and its text file format.
 *
 * File format (version 1), C locale, one item per line:
 *     smloss-model 1
 *     # comment lines start with '#'
 *     key=value                 header: scorer, objective, loss, dim, ... (any order)
 *     bias=VALUE
 *     weights=N                 then N lines "index value" (nonzero weights only,
 *     INDEX VALUE               increasing index < dim)
 *     end
 * A scorer of K > 1 outputs has the header key outputs=K (none means 1); a
 * linear one then has K values on its bias= line and on each weight line
 * ("index w_1 .. w_K", the lines of features with a nonzero weight).
 * An MLP (scorer=mlp, header keys hidden=H1[,H2[,H3]] and activation=NAME)
 * has no bias= or weights= header line; instead, after the header, each
 * weight layer l = 1 .. L in order:
 *     layer=l in=I out=O
 *     bias=V1 ... VO
 *     weights=N                 then N lines "i w_i1 ... w_iO" (the weights from
 *     INDEX V1 ... VO           input i; rows with a nonzero weight, increasing i < I)
 * and "end" after the last layer. I and O must agree with dim, hidden and
 * outputs (the last layer's O). A multi-class model has the header key
 * classes=v1,...,vK: the class value of each output (classes.h).
 * The feature index of a weight line is the data file's, so a model scores
 * raw data. A model trained with hashing (featmap.h) has the header key
 * hash_bits=B: its weight lines are buckets, dim is 2^B, and data is hashed
 * before it is scored. In memory the first layer's inputs are a feature map
 * (`features`): the dim indices as they are (the usual case: scoring reads
 * weights by index), or, when the indices are sparse in a large space, the
 * list of those that carry weights (training: those that occur; reading:
 * those of the weight lines, when dim > 4 * (lines + 16384)), so that a few
 * features of a huge space cost a few features.
 * Values are written with %.17g, so they reload bit-exactly. Keys the loader
 * does not interpret are kept in `info` and written back unchanged (training
 * options, provenance). A wrong magic, an unknown version, a missing required
 * key, a bad number or a file that stops before "end" is SM_EDATA naming the
 * file and line.
 */
#ifndef SM_MODEL_H
#define SM_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "classes.h"
#include "error.h"
#include "featmap.h"
#include "link.h"
#include "metrics.h"
#include "objective.h"
#include "scorer.h"
#include "train_state.h"

#define MODEL_MAGIC "smloss-model"
#define MODEL_FORMAT_VERSION 1
#define MODEL_MAX_INFO 48

typedef struct {
    char key[48];
    char value[464];
} sm_model_info;

typedef struct {
    /* kind, outputs (scorer.n_out) and layers, completed for features.n
     * inputs (scorer_config_complete) */
    sm_scorer_config scorer;
    int32_t dim;                 /* the file's dim: (hashed) indices 0 .. dim-1 may carry
                                  * weights (features.space) */
    sm_featmap features;         /* the first layer's inputs: which indices they are */
    double *param;               /* scorer_saved_param_count(&scorer) parameters:
                                  * per layer W (in x out, input-major) then b */
    sm_objective_kind objective;
    sm_link link;                /* the loss (and ranking transform) */
    sm_label_transform label_transform;
    sm_regions regions;          /* label regions for reports on other data */
    sm_classes classes;          /* multi-class: output k scores class value[k]
                                  * (n == scorer.n_out), else empty */
    int n_info;
    sm_model_info info[MODEL_MAX_INFO];
} sm_model;

void model_init(sm_model *m);
void model_free(sm_model *m);
/* Zero parameters for a scorer of config c (completed here) on dim features
 * (the plain map). */
sm_status model_init_scorer(sm_model *m, const sm_scorer_config *c, int32_t dim,
                            sm_error *err);
/* Make the model's inputs the inputs of map (map->n must be its input
 * width): the model takes the map over and map is left plain and empty. */
void model_set_features(sm_model *m, sm_featmap *map);

/* Record a provenance/option key (replaces an existing one). Silently keeps
 * the first MODEL_MAX_INFO keys; values longer than the field are cut. */
void model_set_info(sm_model *m, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
const char *model_get_info(const sm_model *m, const char *key);

/* Write to an open stream, formatting the weights on `threads` threads (0:
 * one per core; the bytes are the same for any number); SM_EIO on a write
 * error (the stream is flushed), SM_EFAIL when out of memory. */
sm_status model_write(const sm_model *m, FILE *out, int threads, sm_error *err);
/* Read from a stream; name is used in messages. */
/* For library callers and tests: the command line loads files (model_load). */
sm_status model_read(FILE *in, const char *name, sm_model *m, sm_error *err);
/* Open and read a file ("-" is standard input). */
sm_status model_load(const char *path, sm_model *m, sm_error *err);

/* A checkpoint (train --save-every) is a model file with the state that
 * resumes its run after the model's "end" line (predict and eval, which read
 * up to "end", see the model alone):
 *     resume=1
 *     NAME=VALUE                  the state's values
 *     array=NAME N                an array of N doubles:
 *     values=K                    K lines "i v_i" (increasing i < N), every
 *     I V                         value but the +0s (a -0 is kept)
 *     end
 * model_write_state appends it to a model_write; model_read_checkpoint
 * reads both from a stream (name in messages), model_load_checkpoint from a
 * file (SM_EDATA naming the file, and its line, when the state is missing
 * or bad; on failure both are left empty). */
sm_status model_write_state(const sm_train_state *state, FILE *out, int threads, sm_error *err);
sm_status model_read_checkpoint(FILE *in, const char *name, sm_model *m, sm_train_state *state,
                                sm_error *err);
sm_status model_load_checkpoint(const char *path, sm_model *m, sm_train_state *state,
                                sm_error *err);

/* The objective the model was trained with, for reports and outputs: kind,
 * link and outputs, the temperature (info key temperature, 1 without) and the
 * target (info key target, the kind's default without), checked
 * (objective_check). SM_EDATA when a recorded value is bad. */
sm_status model_objective(const sm_model *m, sm_objective *obj, sm_error *err);

/* Score every row of ds, n_rows x scorer.n_out: ds holds the file's indices
 * (mapped here through the model's features, a piece of rows at a time;
 * indices it drops, or >= dim, contribute nothing), or went through the
 * model's own map (ds->featmap_id). SM_EFAIL when out of memory for a piece. */
sm_status model_predict(const sm_model *m, const sm_dataset *ds, double *scores, sm_error *err);

/* Scoring's progress: done of total rows scored (called now and then, from
 * the calling thread). */
typedef void (*sm_rows_progress)(void *ctx, int64_t done, int64_t total);

/* model_predict, telling progress (may be NULL) after every piece of rows:
 * the same scores. */
sm_status model_predict_progress(const sm_model *m, const sm_dataset *ds, double *scores,
                                 sm_rows_progress progress, void *ctx, sm_error *err);

#endif
