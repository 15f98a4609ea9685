/* commands.h - the subcommands; each returns the process exit status. */
#ifndef SM_COMMANDS_H
#define SM_COMMANDS_H

#include <stdint.h>
#include <stdio.h>

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_link(int argc, char **argv);

/* Write one score per line (shortest exact decimal) to PATH (- = stdout). */
int cli_write_scores(const char *path, const double *scores, int64_t n);
/* The same lines to an open stream; a write error stays on the stream. */
void cli_put_scores(FILE *f, const double *scores, int64_t n);

#endif
