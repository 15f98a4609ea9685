/* cli_completion.h - shell completion generated from the commands' own
 * option tables, so it cannot drift from what they parse.
 *
 * For each subcommand (commands.h: cli_command_spec) the options come from
 * its getopt_long table; a value's completion from its --help paragraph: the
 * names of the {KEY} choice list it shows (cli_opts.h), file names for a
 * FILE or MODEL value, nothing for other values (numbers, specs).
 */
#ifndef SM_CLI_COMPLETION_H
#define SM_CLI_COMPLETION_H

#include <stdio.h>

#include "commands.h"

/* The bash completion script for the commands (`smloss completion bash`);
 * SM_OK, or SM_EIO when writing fails. */
int cli_completion_bash(FILE *out, const cli_command_spec *const *cmds, int n);

#endif
