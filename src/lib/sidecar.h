/* sidecar.h - the small files that go with a data file: query groups and
 * predictions, one value per line (blank lines skipped, the token rules of
 * tokens.h, gzip and "-" as for data). Errors name file:line:column and quote
 * the token (SM_EDATA), or the file (SM_EIO).
 *
 * Part of the reader's API: reader.h includes this header, and the names keep
 * the reader_ prefix its callers know.
 */
#ifndef SM_SIDECAR_H
#define SM_SIDECAR_H

#include <stdint.h>

#include "error.h"

/* The most numbers on a line of a targets file: the most outputs a scorer
 * has (scorer.h's SCORER_MAX_OUTPUTS, which test_sidecar checks it equals). */
#define SIDECAR_MAX_TARGETS 65536

/* A weights file (LightGBM's DATA.weight): one finite weight >= 0 a line,
 * for the rows of a data set in order ('#' comments skipped). A bad number,
 * a negative one, text after it, or a line beyond the data's `rows` is
 * SM_EDATA at file:line[:column]; too few weights names the file's last
 * line; weights that are all 0 are an error naming the file. Fills a
 * malloc'd array of `rows` weights (rows_of: the data's display name). */
sm_status sidecar_read_weights(const char *path, int64_t rows, const char *rows_of,
                               double **weights, sm_error *err);

/* A group file: one positive row count per line, the consecutive rows of
 * each query (LightGBM .query, XGBoost .group); '#' comments skipped. Fills
 * a malloc'd array. */
sm_status sidecar_read_groups(const char *path, int64_t **sizes, int64_t *n_sizes,
                              sm_error *err);

/* A predictions file: one finite real number per line (the first token of the
 * line; the rest of the line is a tag and ignored, unless it starts with a
 * number: K scores a line are refused, SM_EDATA at that number). Fills a
 * malloc'd array. */
sm_status sidecar_read_scores(const char *path, double **scores, int64_t *n, sm_error *err);

/* A targets file (multi-class training and reports): the K targets of one
 * data row a line, in the order of the rows, K finite real numbers separated
 * by blanks. What is expected of it: */
typedef struct {
    int32_t k;           /* numbers a line; 0: as many as the first line has
                          * (2 .. SIDECAR_MAX_TARGETS), set on return */
    int64_t rows;        /* lines expected (the data's rows), or -1: any */
    const char *rows_of; /* the data's display name, for that message */
    int prob;            /* each line a distribution: every entry >= 0 and
                          * their sum within 1e-6 of 1 */
} sm_targets_spec;
/* Fills a malloc'd array of n x k numbers, row-major. A line with another
 * count than k, a bad number, a line that is no distribution, or a line
 * beyond the expected rows is SM_EDATA at file:line[:column]; too few lines
 * names the file's last line. */
sm_status sidecar_read_targets(const char *path, sm_targets_spec *spec, double **targets,
                               int64_t *n, sm_error *err);

#endif
