/* cli_output.h - output files that are complete or untouched, and the signal
 * handler that keeps it so.
 *
 * A regular file is written to a temporary file in its directory and renamed
 * over the target by cli_output_commit, so a failed or killed run never
 * leaves a partial file and keeps any previous one. "-" (stdout), pipes and
 * devices are written directly. Pending temporary files (the outputs', and
 * any other a caller registers with cli_output_track_temp, such as a data
 * cache's) are removed by cli_output_abort and by the SIGINT/SIGTERM/SIGHUP
 * handler that cli_signals_install sets up. Every function prints its own
 * message and returns SM_OK or SM_EIO.
 */
#ifndef SM_CLI_OUTPUT_H
#define SM_CLI_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "model.h"

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4096];   /* empty when written directly */
    int is_stdout;
} cli_output;

int cli_output_open(cli_output *o, const char *path);
int cli_output_commit(cli_output *o);                   /* flush, close, rename */
void cli_output_abort(cli_output *o);

/* Install the signal handler that removes pending temporary files. */
void cli_signals_install(void);
/* A temporary file made by someone else: exists = 1 once it is created, 0 once
 * it is renamed or removed (the signature of sm_reader_options.temp_file; ctx
 * is unused). */
void cli_output_track_temp(void *ctx, const char *path, int exists);

/* Write n rows of k values, one row a line, blank-separated (shortest exact
 * decimal, numfmt.h), to PATH (- = stdout), through cli_output. */
int cli_write_values(const char *path, const double *values, int64_t n, int64_t k);

/* Write the model's score of every row of ds, one per line (shortest exact
 * decimal, numfmt.h), to PATH (- = stdout), through cli_output. */
int cli_write_model_scores(const char *path, const sm_model *m, const sm_dataset *ds);

#endif
