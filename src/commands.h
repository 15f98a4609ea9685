/* commands.h - the subcommands; each returns the process exit status. */
#ifndef SM_COMMANDS_H
#define SM_COMMANDS_H

#include <stdint.h>
#include <stdio.h>

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_link(int argc, char **argv);

/* Write the scores of n rows, k a row (n x k, row-major), one row per line
 * (shortest exact decimals, blank-separated) to PATH (- = stdout). */
int cli_write_scores(const char *path, const double *scores, int64_t n, int64_t k);
/* The same lines to an open stream; a write error stays on the stream. */
void cli_put_scores(FILE *f, const double *scores, int64_t n, int64_t k);

#endif
