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

/* A group file: one positive row count per line, the consecutive rows of
 * each query (LightGBM .query, XGBoost .group); '#' comments skipped. Fills
 * a malloc'd array. */
sm_status reader_read_groups(const char *path, int64_t **sizes, int64_t *n_sizes,
                             sm_error *err);

/* A predictions file: one finite real number per line (the first token of the
 * line; the rest of the line is ignored). Fills a malloc'd array. */
sm_status reader_read_scores(const char *path, double **scores, int64_t *n, sm_error *err);

#endif
