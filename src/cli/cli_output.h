/* cli_output.h - output files that are complete or untouched, and the signal
 * handler that keeps it so.
 *
 * A regular file is written to a temporary file in its directory and renamed
 * over the target by cli_output_commit, so a failed or killed run never
 * leaves a partial file and keeps any previous one. The temporary file is
 * unnamed where Linux allows (O_TMPFILE, with /proc to link it): named only
 * for the moment between linking and renaming, so that even SIGKILL leaves
 * nothing; elsewhere it is .NAME.tmp.XXXXXX, which a signal caught removes
 * but SIGKILL cannot. A symbolic link is kept: its target is written (the
 * temporary file made in the target's directory). "-" (stdout), pipes and
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
#include "cli_msg.h"
#include "model.h"

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4096];   /* empty when written directly */
    int unnamed;      /* the temporary file has no name yet (O_TMPFILE) */
    int is_stdout;
} cli_output;

/* A command opens its outputs before its work (reading, training), so that a
 * directory that does not exist or is not writable fails at once, and
 * commits them at the end. Paths under /dev/ are devices, written directly. */
int cli_output_open(cli_output *o, const char *path);
int cli_output_commit(cli_output *o);                   /* flush, close, rename */
void cli_output_abort(cli_output *o);

/* A file a command reads or writes, for cli_check_files: the option that
 * names it (for messages: "--weights", or for a file the user did not
 * type, what it is: "the weights beside --data"), its path (NULL: not
 * given), and for an input the one output option that may replace it
 * (NULL: none; train's -i M -m M continues M in place, as the model is read
 * before it is written). */
typedef struct {
    const char *option;
    const char *path;
    const char *replaced_by;
} cli_file;

/* Before any work: SM_OK, or SM_EUSAGE after a usage message naming both,
 * when an output is the same file as an input or another output: the same
 * device and inode (so also through a symlink, a hard link or another
 * spelling), or for a file not yet there the same name in the same
 * directory. The inputs are every file the command reads: those named by
 * options and those it finds itself (cli_beside_inputs). An input "-" is
 * standard input's file, which one input at most may be (SM_EUSAGE too).
 * Outputs that are "-", devices or pipes are
 * exempt: they are not replaced. */
int cli_check_files(const char *cmd, const cli_file *inputs, size_t n_inputs,
                    const cli_file *outputs, size_t n_outputs);

/* A command's outputs before its work: cli_check_files, then (when open is
 * set) outputs[0] and outputs[1] opened into out[0] and out[1] where their
 * paths are given; the other outputs are only checked. out is zeroed
 * first, and nothing stays open on failure. */
int cli_check_and_open(const char *cmd, const cli_file *inputs, size_t n_inputs,
                       const cli_file *outputs, size_t n_outputs, int open, cli_output out[2]);

/* Install the signal handler that removes pending temporary files. */
void cli_signals_install(void);
/* A data cache mapped for reading (cache.h): should it be truncated under
 * the run, the next read of a page past its new end raises SIGBUS, whose
 * handler (also set up by cli_signals_install) says so naming it, removes
 * the pending temporary files and ends the process with status 3 (bad data):
 * outputs keep their previous contents. */
void cli_signals_watch_cache(const char *path);
/* A temporary file made by someone else: exists = 1 once it is created, 0 once
 * it is renamed or removed (the signature of sm_reader_options.temp_file; ctx
 * is unused). */
void cli_output_track_temp(void *ctx, const char *path, int exists);

/* Write the model's score of every row of ds, one per line (shortest exact
 * decimal, numfmt.h), into an opened output, not committed (aborted on
 * failure). */
int cli_put_model_scores(cli_output *out, const sm_model *m, const sm_dataset *ds);
/* The next step of progress (may be NULL): "writing OUTPUT". */
void cli_put_output_step(const cli_output *out, cli_rows_progress *progress);
/* The same, showing the scoring and the writing on progress (may be NULL). */
int cli_put_model_scores_shown(cli_output *out, const sm_model *m, const sm_dataset *ds,
                               cli_rows_progress *progress);
/* n rows of k values to an open stream, one row a line, blank-separated
 * (shortest exact decimal, numfmt.h); a write error stays on the stream
 * (cli_output_commit reports it). */
void cli_put_values(FILE *f, const double *values, int64_t n, int64_t k);
/* The same, showing the rows written on progress (may be NULL; the line is
 * cleared at the end). */
void cli_put_values_shown(FILE *f, const double *values, int64_t n, int64_t k,
                          cli_rows_progress *progress);

#endif
