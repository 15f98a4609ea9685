/* cli.h - what the subcommands share: messages, option values, output files,
 * progress. This layer (main.c, cli_*.c, cmd_*.c) is the only one that prints
 * or decides exit statuses; the engine returns sm_status values, which are the
 * exit statuses (see error.h and man/smloss.1).
 */
#ifndef SM_CLI_H
#define SM_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "error.h"

/* "smloss: message" on stderr. */
void cli_msg(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Print an engine error and return its status. */
int cli_fail(const sm_error *err);
/* Print "smloss CMD: ..." plus a pointer to --help; returns SM_EUSAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Option values: the whole text must be a number in [min, max]; otherwise a
 * message naming the option and SM_EUSAGE. */
int cli_parse_double(const char *cmd, const char *opt, const char *text, double min, double max,
                     double *out);
int cli_parse_int64(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max,
                    int64_t *out);
/* Index of text in a NULL-terminated list of names, or a message listing them. */
int cli_parse_choice(const char *cmd, const char *opt, const char *text, const char *const *names,
                     int *out);


/* An output file written safely: a regular file is written to a temporary
 * file in its directory and renamed over the target by cli_output_commit, so
 * a failed or killed run never leaves a partial file and keeps any previous
 * one. "-" (stdout), pipes and devices are written directly. Temporary files
 * are removed by cli_output_abort and by the SIGINT/SIGTERM/SIGHUP handler. */
typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4096];   /* empty when written directly */
    int is_stdout;
} cli_output;

int cli_output_open(cli_output *o, const char *path);   /* SM_OK or SM_EIO (message printed) */
int cli_output_commit(cli_output *o);                   /* flush, close, rename; SM_EIO on error */
void cli_output_abort(cli_output *o);
/* Install the signal handler that removes pending temporary files. */
void cli_signals_install(void);

/* Progress on a terminal: active only when stderr is a tty and not quiet.
 * Draws "\r<label> <text>" at most a few times a second; cli_progress_done
 * clears the line. */
typedef struct {
    int active;
    double last;
    int drawn;
} cli_progress;

void cli_progress_init(cli_progress *p, int quiet);
void cli_progress_draw(cli_progress *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_progress_done(cli_progress *p);

/* Read a data file (with terminal progress) and print errors. Returns status. */
int cli_load_data(const char *path, int quiet, sm_dataset *ds);
/* The same, plus query groups: from group_path (one row count per line, as
 * LightGBM's .query and XGBoost's .group files) when given, which data with
 * qid: must not have; else, when the data has no qid, from DATA.query or
 * DATA.group beside DATA if one exists, announced on stderr unless quiet. */
int cli_load_grouped_data(const char *path, const char *group_path, int quiet, sm_dataset *ds);

/* How a command reads its main data file: --threads N and --cache FILE. */
typedef struct {
    int threads;       /* parsing threads, 0 = one per core */
    const char *cache; /* binary cache file (cache.h), or NULL */
} cli_data_options;
#define CLI_DATA_OPTIONS_HELP \
    "      --threads N          threads parsing the data text (0 = one per core, the\n" \
    "                           default); any N gives the same data\n" \
    "      --cache FILE         keep the parsed data in binary FILE and reuse it while\n" \
    "                           the data file is unchanged (size, mtime, content hash)\n"
/* Parse the value of --threads. */
int cli_parse_threads(const char *cmd, const char *text, cli_data_options *o);
/* cli_load_data and cli_load_grouped_data through the options (o NULL: the
 * defaults). */
int cli_load_data_with(const char *path, int quiet, const cli_data_options *o, sm_dataset *ds);
int cli_load_grouped_data_with(const char *path, const char *group_path, int quiet,
                               const cli_data_options *o, sm_dataset *ds);

#endif
