/* commands.h - the subcommands; each returns the process exit status. */
#ifndef SM_COMMANDS_H
#define SM_COMMANDS_H

#include <getopt.h>

#include "cli_opts.h"

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_link(int argc, char **argv);

/* A subcommand's command line as its parser sees it: its getopt_long table,
 * its --help text and the choice lists the {KEY}s of the text name
 * (cli_print_help). The shell completion is generated from them
 * (cli_completion.h). */
typedef struct {
    const char *name;
    const struct option *options;
    const char *usage;
    const cli_choices *choices; /* may be NULL */
} cli_command_spec;

extern const cli_command_spec train_spec, predict_spec, eval_spec, link_spec;

#endif
