/* cli_train_warn.h - `smloss train`'s options that are accepted but do
 * nothing with the others given (--temperature with --objective pointwise,
 * --momentum with --optimizer adam, --sync-every in one process, ...): one
 * warning each on stderr, naming the option and why. A combination that is
 * a mistake rather than a no-op (an option of SGD with --solver lbfgs) is a
 * usage error of cli_train_args.c instead. Warnings change neither the exit
 * status nor the outputs. */
#ifndef SM_CLI_TRAIN_WARN_H
#define SM_CLI_TRAIN_WARN_H

#include "cli_train.h"

/* Record that the option getopt_long returned as c was given (in
 * a->given, by its place in train_spec's option table). */
void cli_train_mark_given(train_args *a, int c);

/* Whether the option of long name `name` was given. */
int cli_train_given(const train_args *a, const char *name);

/* Warn of every option given that has no effect in this run of `ranks`
 * processes, once the options are parsed and checked (the solver, the
 * optimiser and the objective are known). Says nothing under --quiet; the
 * caller calls it on one rank only. Returns how many it warned of. */
int cli_train_warn_ineffective(const train_args *a, int ranks);

#endif
